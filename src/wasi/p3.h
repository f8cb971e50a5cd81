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

#include "../component/instance.h"
#include "io.h"
#include "reactor.h"

#define WASI_P3_VERSION "0.3.0"

/* The release candidates whose imports bind to 0.3.0 where their WIT is 0.3.0's (p3_versions.c
 * says which interfaces), newest first; also the versions of wasi:cli/run a command may export. */
#define WASI_P3_RC_MARCH "0.3.0-rc-2026-03-15"
#define WASI_P3_RC_FEBRUARY "0.3.0-rc-2026-02-09"
extern const char *const wasi_p3_rc_versions[];
extern const size_t wasi_p3_rc_version_count;

/* A command's run: the export wasi:cli/run@0.2.x, @0.3.0 or @<a release candidate above>#run
 * (*interface names it), or NULL. A 0.2 run is sync (cm_func_call), a 0.3 one async
 * (wasi_p3_call). */
const cm_func *wasi_cli_run_func(const cm_component_instance *inst, const char **interface);

/* Adds the 0.3 WIT and every 0.3 interface implemented so far to `host`. false + err when a
 * WIT document or a definition is rejected (a bug in Warren, not in a guest). */
bool wasi_p3_define(cm_host *host, wr_error *err);

/* Runs export `func` of `inst` (async or not) as a task to its end, on this thread: starts it
 * (cm_func_start), then in turn runs the instance's ready threads (cm_instance_run) and waits on
 * `reactor` (the one set on the instance's ctx) until the task has its result and has exited
 * (a task may go on after returning its result, writing output for instance), and then until
 * the output the guest handed to stdout / stderr is written (a reader that never reads holds
 * it there, as a blocking write would). Other wakeups still registered then are left to the
 * ctx's teardown (stdin read ahead is dropped).
 * *result (in `arena`) is valid once it returns NULL. Traps: the guest's (an exit is a
 * WASM_TRAP_EXIT trap with its code), or "deadlock" when the task has no result yet and nothing
 * it could wait for is pending. This is how `warren run` runs a command and --invoke a function;
 * an embedder with its own loop does the same with its reactor and cm_instance_set_notify. */
wasm_trap *wasi_p3_call(cm_component_instance *inst, wasi_poll_reactor *reactor, const cm_func *func,
                        const cm_val *args, cm_val *result, cm_arena *arena);

#endif
