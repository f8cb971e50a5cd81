/* WASI 0.2 for components: wasi:io, wasi:clocks, wasi:random, wasi:cli, wasi:filesystem and
 * wasi:sockets at WASI_P2_VERSION, declared from Warren's own WIT (src/wasi/wit, embedded in
 * the binary) and implemented against a per-instance wasi_p2_ctx (io.h).
 *
 * Use: once at start-up, cm_host_new + wasi_p2_define (before any host whose WIT `use`s
 * wasi:io or wasi:clocks, e.g. wasi:http). Per instance: wasi_p2_ctx_new(config), then
 * wasi_p2_ctx_attach(ctx, store) before the guest runs; wasi_p2_ctx_free after the store's
 * instance is gone. */
#ifndef WARREN_WASI_P2_H
#define WARREN_WASI_P2_H

#include "io.h"

/* Adds every WASI 0.2 interface above and its implementation to `host`. false + err when a
 * WIT document or a definition is rejected (a bug in Warren, not in a guest). */
bool wasi_p2_define(cm_host *host, wr_error *err);

/* Every src/wasi/wit/<name>.wit (wasi:http's too), embedded by cmake/embed_wit.cmake; the
 * text is not NUL-terminated. */
typedef struct wasi_wit_file {
  const char *name; /* file name without ".wit": "io", "http" */
  const char *text;
  size_t len;
} wasi_wit_file;
extern const wasi_wit_file wasi_wit_files[];
extern const size_t wasi_wit_file_count;
/* cm_host_add_wit of the embedded file `name`; false + err when there is none or it fails. */
bool wasi_add_wit(cm_host *host, const char *name, wr_error *err);

#endif
