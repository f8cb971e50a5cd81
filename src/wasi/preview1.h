/* WASI preview1 (`wasi_snapshot_preview1`) for core modules: enough of it to run ordinary
 * C programs built with wasi-libc. The guest sees its arguments, an explicit environment,
 * the three stdio streams, clocks and random bytes; there are no preopened directories, so
 * the filesystem and sockets are unreachable. Every preview1 function exists (the rest
 * return ENOSYS) so that modules which import functions they never call still link. */
#ifndef WARREN_WASI_PREVIEW1_H
#define WARREN_WASI_PREVIEW1_H

#include "../wasm/runtime.h"

#define WASI_PREVIEW1_MODULE "wasi_snapshot_preview1"

/* The host side of one guest process. The embedder fills the configuration and keeps
 * the strings alive while the guest runs. */
typedef struct wasi_ctx {
  const char *const *args; /* args[0] is the program name by convention */
  size_t nargs;
  const char *const *env; /* "KEY=VALUE" strings; nothing is inherited implicitly */
  size_t nenv;
  /* Host file descriptors behind guest fds 0, 1, 2; -1 = not open. The host never closes
   * them: a guest fd_close only sets its entry to -1. */
  int stdio[3];
} wasi_ctx;

/* Empty args and env; stdio mapped to the host's 0, 1, 2. */
void wasi_ctx_init(wasi_ctx *ctx);

/* Resolve every import of `module` against preview1, writing one extern per import into
 * `imports_out` (module->nimports entries), in import order, ready for wasm_instantiate.
 * Functions are matched by name and exact type. Any other import fails with a message that
 * names it, e.g. "unknown import: env.foo (function [i32] -> [i32])". The host functions
 * belong to `store` and use `ctx`, which must outlive the guest's use of them. */
bool wasi_preview1_link(wasm_store *store, wasi_ctx *ctx, const wasm_module *module,
                        wasm_extern *imports_out, wr_error *err);

#endif
