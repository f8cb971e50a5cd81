/* Shared by the cli, clocks and random 0.3 hosts (p3_cli.c, p3_clocks.c, p3_random.c,
 * p3_stdio.c, p3_versions.c): their definers and how their pending operations (timers, stdio
 * pumps) live. Not for other layers (p3.h). */
#ifndef WARREN_WASI_P3_INTERNAL_H
#define WARREN_WASI_P3_INTERNAL_H

#include "p3_task.h" /* WASI_P3_IFACE, wasi_p3_reactor */

/* The per-package definers wasi_p3_define calls. */
bool wasi_p3_define_clocks(cm_host *host, wr_error *err);
bool wasi_p3_define_random(cm_host *host, wr_error *err);
bool wasi_p3_define_cli(cm_host *host, wr_error *err);

/* Imports of the release candidates whose WIT is 0.3.0's bind to 0.3.0 (p3_versions.c). */
bool wasi_p3_define_rc_aliases(cm_host *host, wr_error *err);

/* stdin / stdout / stderr as streams over the configured fds (p3_stdio.c). */
bool wasi_p3_define_stdio(cm_host *host, wr_error *err);

/* A pending operation (a timer, a stdio pump) lives in its ctx's table (wasi_table_add)
 * under an internal kind never handed to the guest, so that wasi_p2_ctx_free frees whatever is
 * still pending when the instance went away with it: the kind's free cancels its reactor
 * wakeup and frees its memory without touching the guest's store (gone by then; host ends go
 * with it, stream.h). Finishing normally, the operation drops its ends, then removes itself. */

#endif
