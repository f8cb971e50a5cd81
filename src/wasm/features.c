#include "module.h"

/* What wasmtime enables by default and real producers emit: componentize-qjs, for one, gives
 * its globals `global.get __memory_base; i32.const N; i32.add` initializers (extended-const).
 * Memory64 and exception handling stay opt-in, as in wasmtime. */
wasm_features wasm_features_default(void) {
  wasm_features f = {0};
  f.simd = true;
  f.extended_const = true;
  f.multi_memory = true;
  return f;
}
