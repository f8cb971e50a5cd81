/* Shared by the p3_*.c hosts: interface names, how an async call finishes, and continuing work
 * on the ctx's reactor. Not for other layers (they use p3.h). */
#ifndef WARREN_WASI_P3_INTERNAL_H
#define WARREN_WASI_P3_INTERNAL_H

#include "p2_internal.h"
#include "p3.h"

#define WASI_P3_IFACE(pkg_iface) "wasi:" pkg_iface "@" WASI_P3_VERSION

/* How an async host call hands back its result, learns of cancellation and says it stopped:
 * cm_host_call_return, cm_host_call_set_hooks and cm_host_call_cancelled. The unit tests
 * (tests/wasi_p3) substitute their own to call implementations without a guest. A trap
 * returned by `finish` (the guest's result buffer is bad) cannot reach a guest that is not
 * running: it stays in the store. */
typedef struct wasi_p3_calls {
  wasm_trap *(*finish)(cm_host_call *call, const cm_val *result);
  void (*set_hooks)(cm_host_call *call, void (*on_cancel)(void *arg), void (*on_drop)(void *arg), void *arg);
  void (*cancelled)(cm_host_call *call);
} wasi_p3_calls;
extern const wasi_p3_calls *wasi_p3_calls_in_use;

/* The ctx's reactor, or a trap naming `what` when the embedder set none. */
wasm_trap *wasi_p3_reactor(wasi_p2_ctx *ctx, const char *what, wasi_reactor **out);

/* The per-package definers wasi_p3_define calls. */
bool wasi_p3_define_sockets(cm_host *host, wr_error *err);

#endif
