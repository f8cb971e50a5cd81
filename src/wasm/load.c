/* wasm_module_load: the engine's whole front end (decode, validate, compile). */
#include "cache.h"
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
  /* a valid cache file for this very input says the module validated (cache.h) */
  wasm_cache_session *cache = wasm_cache_current();
  const wasm_cache_entry *cached = cache ? wasm_cache_next(cache, module) : NULL;
  bool valid = cached || wasm_validate(module, err);
  /* the validator also finds malformed encodings, those inside function bodies */
  if (!valid && phase_out && wasm_validate_error_is_malformed(err)) *phase_out = 0;
  if (!valid || !wasm_compile(module, err)) {
    wasm_module_free(module);
    return NULL;
  }
  wasm_code_intern_types(module);
  if (!cached || !wasm_cache_install_images(cache, cached, module)) wasm_images_build(module);
  if (cached) wasm_cache_install_code(cache, cached, module);
  wasm_code_plan_segments(module);
  if (cache) wasm_cache_record(cache, module);
  return module;
}
