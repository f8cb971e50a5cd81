/* Shared by the p3_*.c hosts: interface names, how an async call finishes, and continuing work
 * on the ctx's reactor. Not for other layers (they use p3.h). */
#ifndef WARREN_WASI_P3_TASK_H
#define WARREN_WASI_P3_TASK_H

#include "p2_internal.h"
#include "p3.h"
#include "../component/stream.h"

#ifndef WASI_P3_IFACE
#define WASI_P3_IFACE(pkg_iface) "wasi:" pkg_iface "@" WASI_P3_VERSION
#endif

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

/* ---- tasks: work that outlives its call, moving data through host ends ---- */

/* A task sits in the ctx's table while it runs, so freeing the ctx (after its instance)
 * reclaims one a guest left running; its steps run from the reactor, never inside a stream
 * callback, so an end is never dropped from within its own callback. Embed it first in the
 * task's own struct. */
typedef struct wasi_p3_task wasi_p3_task;
struct wasi_p3_task {
  wasi_p2_ctx *ctx;
  uint32_t rep;
  wasi_reactor *reactor;
  struct wasi_wakeup *wakeup;
  cm_host_end *data; /* the stream moving bytes or values, if any */
  cm_host_end *done; /* the future of the outcome, if any */
  bool copying;      /* a copy on `data` or `done` is in flight */
  bool settled;      /* the future is written: the task ends once that copy does */
  int copy_result;   /* how the last copy ended (CM_COPY_*) and how much it moved */
  uint32_t copied;
  void (*step)(wasi_p3_task *task);    /* continues the task */
  void (*release)(wasi_p3_task *task); /* frees what the task holds besides ends and itself */
};

/* What the task's ends report to (set as the ops of `data` and `done`, with the task as arg). */
extern const cm_host_end_ops wasi_p3_task_end_ops;
/* Puts the task (zeroed apart from step / release) in the ctx's table; on a trap it was
 * released and freed. */
wasm_trap *wasi_p3_task_start(wasi_p3_task *task, wasi_p2_ctx *ctx, wasi_reactor *reactor);
/* Runs step when `fd` reports `events`, or on the loop's next turn (fd -1). */
void wasi_p3_task_wait(wasi_p3_task *task, int fd, short events);
/* Drops `data` and writes the future; the task finishes once the guest took it (or dropped
 * it). `value` must stay valid until then. */
void wasi_p3_task_settle(wasi_p3_task *task, const cm_val *value);
/* The task is over: its ends dropped, out of the table, released and freed. */
void wasi_p3_task_finish(wasi_p3_task *task);

/* The per-package definers wasi_p3_define calls. */
bool wasi_p3_define_sockets(cm_host *host, wr_error *err);
bool wasi_p3_define_filesystem(cm_host *host, wr_error *err);

#endif
