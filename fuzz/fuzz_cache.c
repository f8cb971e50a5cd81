/* libFuzzer target: the compiled-module cache's loader (wasm_cache_parse, src/wasm/cache.c) on
 * arbitrary bytes, with the checksums skipped so that mutations reach the tables. Every input
 * must either be rejected with a message or give tables whose every range lies inside the file
 * (touched here, so ASan sees any that does not); nothing may crash, leak or hang. See
 * cache.cmake for how to run it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/cache.h"

#define require(condition)                                                            \
  do {                                                                                \
    if (!(condition)) {                                                               \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      abort();                                                                        \
    }                                                                                 \
  } while (0)

static volatile uint8_t sink;

static void touch(const uint8_t *file, size_t size, uint64_t offset, uint64_t len) {
  require(offset <= size && len <= size - offset);
  if (len) sink = (uint8_t)(file[offset] ^ file[offset + len - 1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* a copy of exactly `size` bytes, so reading past the end is caught */
  uint8_t *file = malloc(size ? size : 1);
  memcpy(file, data, size);
  for (unsigned flags = 0; flags < 2; flags++) {
    wasm_cache_view view;
    wr_error err = {0};
    if (!wasm_cache_parse(file, size, flags ? WASM_CACHE_SKIP_CHECKSUM : 0, &view, &err)) {
      require(err.failed && err.message[0]);
      continue;
    }
    size_t modules_at = (size_t)(view.modules - file), images_at = (size_t)(view.images - file);
    touch(file, size, modules_at, (uint64_t)view.nmodules * 24);
    touch(file, size, images_at, (uint64_t)view.nimages * 40);
    for (uint32_t i = 0; i < view.nimages; i++) {
      const uint8_t *e = view.images + (size_t)i * 40;
      uint64_t isize, offset;
      memcpy(&isize, e + 24, 8);
      memcpy(&offset, e + 32, 8);
      touch(file, size, offset, isize);
      require(offset % WASM_CACHE_ALIGN == 0 && isize % WASM_CACHE_ALIGN == 0);
    }
    if (view.input) touch(file, size, (uint64_t)(view.input - file), view.input_size);
  }
  free(file);
  return 0;
}
