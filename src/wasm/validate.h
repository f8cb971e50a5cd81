/* What the module validator (validate_module.c) hands the function-body validator
 * (validate_code.c): the module's index spaces flattened so that every lookup is an array
 * read, and the set of functions `ref.func` may name. Private to the engine (src/wasm). */
#ifndef WARREN_WASM_VALIDATE_H
#define WARREN_WASM_VALIDATE_H

#include "module.h"
#include "reader.h"

typedef struct wasm_validate_context {
  const wasm_module *module;
  const wasm_features *features;
  /* index spaces, imports first */
  uint32_t nfuncs, ntables, nmemories, nglobals, ntags;
  uint32_t *func_types;          /* type index of each function */
  wasm_tabletype *tables;
  wasm_memtype *memories;
  wasm_globaltype *globals;
  uint32_t *tag_types;           /* type index of each tag */
  /* C.refs: functions named outside function bodies (elements, exports, global initializers),
   * the only ones `ref.func` in a body may reference. One byte per function. */
  uint8_t *declared_funcs;
} wasm_validate_context;

/* True for the value types the module's features allow (v128 needs SIMD). */
static inline bool wasm_valtype_enabled(const wasm_features *features, uint8_t t) {
  switch (t) {
    case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64: case WASM_FUNCREF: case WASM_EXTERNREF:
      return true;
    case WASM_V128:
      return features->simd;
    case WASM_EXNREF:
      return features->exceptions;
    default:
      return false;
  }
}

/* Human name of a value type for messages ("i32", "funcref", ...). */
const char *wasm_valtype_name(uint8_t type);

/* Validates the body of defined function `def_index` (its index among defined functions).
 * Reports malformed encodings inside the body as well as type errors. */
bool wasm_validate_function(const wasm_validate_context *ctx, uint32_t def_index, wr_error *err);

/* Reads the body of defined function `def_index` for malformed encodings only (no typing):
 * false with the spec's malformed category when it finds one. */
bool wasm_scan_function_encoding(const wasm_module *module, uint32_t def_index, wr_error *err);

/* Skips the immediates of instruction `op` (its opcode, read at `at`, already consumed),
 * failing only on malformed encodings with the spec's category. `depth` counts open blocks:
 * block/loop/if/try raise it, end (and delegate) lower it. The decoder frames constant
 * expressions with it too, since telling a non-constant instruction apart is validation. */
bool wasm_scan_instruction(wasm_reader *r, const wasm_features *features, uint8_t op, size_t at, uint32_t *depth);

/* True when a wasm_validate error is a malformed encoding, found inside a function body or
 * in a type the decoder let through: one of the spec's assert_malformed categories
 * ("unexpected end", "illegal opcode", "zero byte expected", ...) rather than an invalid
 * module. The spec decodes bodies before validating them; Warren's decoder leaves them to
 * the validator, so callers that report the phase (malformed vs invalid) ask here. */
bool wasm_validate_error_is_malformed(const wr_error *err);

#endif
