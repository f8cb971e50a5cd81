/* The `spectest` module every spec script may import from: print functions that do
 * nothing, four constant globals (666 / 666.6), a funcref table (10..20) and a memory
 * (1..2 pages), with the values of the reference interpreter. */
#ifndef WARREN_CLI_WAST_SPECTEST_H
#define WARREN_CLI_WAST_SPECTEST_H

#include "wasm/runtime.h"

typedef struct wast_spectest_export {
  const char *name;
  wasm_extern ext;
} wast_spectest_export;

typedef struct wast_spectest {
  wast_spectest_export exports[13];
  size_t count;
} wast_spectest;

/* Create the objects in `store` (they live as long as it does). False with err on failure. */
bool wast_spectest_init(wast_spectest *spectest, wasm_store *store, wr_error *err);
bool wast_spectest_lookup(const wast_spectest *spectest, const char *name, size_t name_len, wasm_extern *out);

#endif
