/* Registering the WASI 0.3 hosts: their WIT in dependency order (http and filesystem `use`
 * clocks), then each interface's implementation. */
#include "p3.h"

#include "p3_internal.h"

static wasm_trap *finish_call(cm_host_call *call, const cm_val *result) { return cm_host_call_return(call, result); }

static const wasi_p3_calls runtime_calls = {finish_call, cm_host_call_set_hooks, cm_host_call_cancelled};
const wasi_p3_calls *wasi_p3_calls_in_use = &runtime_calls;

wasm_trap *wasi_p3_reactor(wasi_p2_ctx *ctx, const char *what, wasi_reactor **out) {
  *out = wasi_p2_reactor(ctx);
  return *out ? NULL : wasi_trap(ctx, "%s: no event loop to wait on (the embedder set no reactor)", what);
}

static bool add_p3_wit(cm_host *host, wr_error *err) {
  static const char *const files[] = {"p3-clocks", "p3-random", "p3-filesystem", "p3-sockets", "p3-cli", "p3-http"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    if (!wasi_add_wit(host, files[i], err)) return false;
  return true;
}

bool wasi_p3_define(cm_host *host, wr_error *err) {
  return add_p3_wit(host, err) && wasi_p3_define_sockets(host, err) && wasi_p3_define_filesystem(host, err);
}
