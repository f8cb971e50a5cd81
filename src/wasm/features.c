#include "module.h"

wasm_features wasm_features_default(void) {
  wasm_features f = {0};
  f.simd = true;
  return f;
}
