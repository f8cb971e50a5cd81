/* wasm_module_load: the engine's whole front end (decode, validate, compile). */
#include "compile.h"
#include "image.h"
#include "runtime.h"
#include "validate.h"

wasm_module *wasm_module_load(const uint8_t *bytes, size_t size, const wasm_features *features, wr_error *err,
                              int *phase_out) {
  wasm_module *module = wasm_decode(bytes, size, features, err);
  if (phase_out) *phase_out = 0;
  if (!module) return NULL;
  if (phase_out) *phase_out = 1;
  bool valid = wasm_validate(module, err);
  /* the validator also finds malformed encodings, those inside function bodies */
  if (!valid && phase_out && wasm_validate_error_is_malformed(err)) *phase_out = 0;
  if (!valid || !wasm_compile(module, err)) {
    wasm_module_free(module);
    return NULL;
  }
  wasm_code_intern_types(module);
  wasm_images_build(module);
  return module;
}
