/* WASI 0.3 for components: wasi:clocks, wasi:random, wasi:cli, wasi:filesystem,
 * wasi:sockets and wasi:http at WASI_P3_VERSION, declared from Warren's copy of the 0.3.0 WIT
 * (src/wasi/wit/p3-*.wit) and implemented on the async runtime of src/component: a call
 * that cannot finish at once is an async host function that finishes from the ctx's reactor
 * (reactor.h), and bodies, stdio and directory listings are streams and futures with a host end
 * (component/stream.h).
 *
 * The per-instance state is the same wasi_p2_ctx as for 0.2 (io.h): one ctx serves a
 * component that imports both, as every componentize-qjs guest does. Its reactor must be set
 * (wasi_p2_set_reactor) before a 0.3 call can wait.
 *
 * Use: once at start-up, cm_host_new + wasi_p2_define + wasi_p3_define. */
#ifndef WARREN_WASI_P3_H
#define WARREN_WASI_P3_H

#include "io.h"
#include "reactor.h"

#define WASI_P3_VERSION "0.3.0"

/* Adds the 0.3 WIT and every 0.3 interface implemented so far to `host`. false + err when a
 * WIT document or a definition is rejected (a bug in Warren, not in a guest). */
bool wasi_p3_define(cm_host *host, wr_error *err);

#endif
