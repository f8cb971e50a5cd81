/* libFuzzer target: the compiled-module cache's loader (wasm_cache_parse and
 * wasm_cache_check_function, src/wasm/cache.c) on arbitrary bytes, with the checksums skipped so
 * that mutations reach the tables and the code area. Every input must either be rejected with a
 * message or give tables whose every range lies inside the file, and functions whose blob and
 * every relocation's imm64 lie inside it (touched here, so ASan sees any that does not); nothing
 * may crash, leak or hang. See cache.cmake for how to run it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/cache.h"
#include "wasm/native.h"

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


/* The functions of module k: each checked, and when sound, its blob and relocation sites touched. */
static void check_functions(const uint8_t *file, size_t size, const wasm_cache_view *view, uint32_t k, unsigned flags) {
  const uint8_t *m = view->modules + (size_t)k * WASM_CACHE_MODULE_ENTRY;
  uint32_t ncode = wasm_cache_get32(m + WASM_CACHE_M_NCODE), first = wasm_cache_get32(m + WASM_CACHE_M_FIRST_FUNC);
  require(first <= view->nfuncs && ncode <= view->nfuncs - first);
  for (uint32_t i = 0; i < ncode; i++) {
    wr_error err = {0};
    if (!wasm_cache_check_function(file, view, k, i, flags, &err)) {
      require(err.failed && err.message[0]);
      continue;
    }
    const uint8_t *e = view->funcs + ((size_t)first + i) * WASM_CACHE_FUNC_ENTRY;
    if (!wasm_cache_get32(e + WASM_CACHE_F_FLAGS)) continue;
    uint64_t blob = wasm_cache_get64(e + WASM_CACHE_F_BLOB), code = (uint64_t)wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN) * 4,
             init = (uint64_t)wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN) * 8, nrelocs = wasm_cache_get32(e + WASM_CACHE_F_NRELOCS),
             piece = wasm_cache_get32(e + WASM_CACHE_F_PIECE_SIZE);
    require(blob >= view->code_offset);
    touch(file, size, blob, code + init + nrelocs * 12 + piece);
    uint64_t piece_at = blob + code + init + nrelocs * 12;
    require(wasm_cache_get32(e + WASM_CACHE_F_ENTRY_AT) < piece || !piece);
    for (uint64_t r = 0; r < nrelocs; r++) {
      wasm_native_reloc reloc;
      memcpy(&reloc, file + blob + code + init + r * 12, sizeof reloc);
      require(reloc.kind < WASM_RELOC_KINDS);
      touch(file, size, piece_at + reloc.at, 8);
      require(reloc.at + (uint64_t)8 <= piece);
    }
  }
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
    touch(file, size, modules_at, (uint64_t)view.nmodules * WASM_CACHE_MODULE_ENTRY);
    touch(file, size, images_at, (uint64_t)view.nimages * WASM_CACHE_IMAGE_ENTRY);
    touch(file, size, (size_t)(view.funcs - file), (uint64_t)view.nfuncs * WASM_CACHE_FUNC_ENTRY);
    for (uint32_t k = 0; k < view.nmodules; k++) check_functions(file, size, &view, k, flags ? WASM_CACHE_SKIP_CHECKSUM : 0);
    for (uint32_t i = 0; i < view.nimages; i++) {
      const uint8_t *e = view.images + (size_t)i * WASM_CACHE_IMAGE_ENTRY;
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
