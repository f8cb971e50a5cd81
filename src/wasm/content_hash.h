/* A fast 128-bit content hash, to name and check cached compilations (cache.c). Not
 * cryptographic: it tells inputs apart and catches corruption, it does not resist an adversary
 * (whoever can write the cache directory can already replace what runs). */
#ifndef WARREN_WASM_CONTENT_HASH_H
#define WARREN_WASM_CONTENT_HASH_H

#include "../base/common.h"

typedef struct wasm_hash128 {
  uint64_t lo, hi;
} wasm_hash128;

wasm_hash128 wasm_content_hash(const uint8_t *bytes, size_t size);

#endif
