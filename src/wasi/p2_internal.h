/* Shared by the p2_*.c hosts: the embedded WIT, registering implementations, and building the
 * result values every interface returns. Not for other layers (they use io.h / p2.h). */
#ifndef WARREN_WASI_P2_INTERNAL_H
#define WARREN_WASI_P2_INTERNAL_H

#include <stdatomic.h>

#include "../component/host_bind.h"
#include "p2.h"

#define WASI_IFACE(pkg_iface) "wasi:" pkg_iface "@" WASI_P2_VERSION

/* Binds rows (host_bind.h) whose state is the call's wasi_p2_ctx and whose objects are
 * looked up in its table, `objects` being wasi_kinds ("unknown input-stream 7" traps). */
extern const cm_host_binder wasi_p2_binder;
bool wasi_bind_funcs(cm_host *host, const char *interface, const cm_host_binding *rows, size_t n, wr_error *err);
/* Registers wasi_resource_dtor for `resource` of `interface` with `kind`. */
bool wasi_define_resource(cm_host *host, const char *interface, const char *resource, const wasi_kind *kind,
                          wr_error *err);

/* result / option / variant values in cx->arena */
cm_val wasi_ok(const cm_canon_cx *cx, const cm_val *payload);  /* payload NULL: result<_, E> */
cm_val wasi_err(const cm_canon_cx *cx, const cm_val *payload);
cm_val wasi_some(const cm_canon_cx *cx, const cm_val *payload);
cm_val wasi_none(void);
/* A list<u8> of the bytes (copied). */
cm_val wasi_bytes(const cm_canon_cx *cx, const uint8_t *bytes, size_t len);
/* A string value holding a copy of the NUL-terminated text. */
cm_val wasi_string(const cm_canon_cx *cx, const char *text);

/* stdio as streams (p2_cli.c uses them, io.c implements them) */
wasm_trap *wasi_fd_input_add(wasi_p2_ctx *ctx, int fd, uint32_t *rep);
/* `prefix` (may be NULL) goes before every line; it must outlive the stream. */
wasm_trap *wasi_fd_output_add(wasi_p2_ctx *ctx, int fd, const char *prefix, uint32_t *rep);

/* false: resolve paths with the component-wise walk, as on kernels without openat2 (set by
 * p2_filesystem.c on ENOSYS; tests clear it to exercise the walk). */
extern atomic_bool wasi_fs_use_openat2;

/* Bound functions whose WIT signature is the same in 0.2 and 0.3, so both register them
 * (p3_*.c): cli environment, exit and terminals, random, the monotonic clock. */
wasm_trap *wasi_cli_get_environment(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_cli_get_arguments(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_cli_initial_cwd(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_cli_exit(const cm_bound_call *call, cm_val *result);           /* a WASM_TRAP_EXIT trap */
wasm_trap *wasi_cli_exit_with_code(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_cli_no_terminal(const cm_bound_call *call, cm_val *result);    /* none */
/* A list<u8> is lifted one cm_val per byte: cap what one call may ask for (0.2 traps
 * beyond it; 0.3's max-len lets it return this many). */
#define WASI_RANDOM_MAX (1u << 20)
wasm_trap *wasi_random_bytes(const cm_bound_call *call, cm_val *result);       /* at most WASI_RANDOM_MAX */
wasm_trap *wasi_random_u64(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_random_seed(const cm_bound_call *call, cm_val *result);        /* tuple<u64, u64> */
wasm_trap *wasi_clock_monotonic_now(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_clock_monotonic_resolution(const cm_bound_call *call, cm_val *result);
/* clock_getres in nanoseconds (at least 1). */
uint64_t wasi_clock_resolution_ns(int clock);

/* The per-package definers wasi_p2_define calls, in dependency order. */
bool wasi_p2_define_clocks(cm_host *host, wr_error *err);
bool wasi_p2_define_random(cm_host *host, wr_error *err);
bool wasi_p2_define_cli(cm_host *host, wr_error *err);
bool wasi_p2_define_filesystem(cm_host *host, wr_error *err);
bool wasi_p2_define_sockets(cm_host *host, wr_error *err);

#endif
