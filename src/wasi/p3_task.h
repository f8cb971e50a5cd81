/* Shared by the p3_*.c hosts: interface names, how an async call finishes, and continuing work
 * on the ctx's reactor. Not for other layers (they use p3.h). */
#ifndef WARREN_WASI_P3_TASK_H
#define WARREN_WASI_P3_TASK_H

#include <sys/types.h>

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

/* ---- pumps: tasks moving bytes between an fd and a stream<u8> ---- */

/* A pump is the one loop behind every byte stream a 0.3 host serves (stdio, a TCP socket's
 * send and receive, a file's read and write): input reads a chunk from the fd, then offers it
 * to the guest until it took it all, then reads the next (one chunk ahead of the guest);
 * output reads a chunk from the guest, then writes it to the fd, then reads the next. Either
 * ends at the end of the bytes (the fd's, or the guest's end dropped) or at an error, and then
 * settles its future through its ops. */
#define WASI_P3_CHUNK (64u * 1024u) /* bytes per copy with the guest */

typedef struct wasi_p3_pump wasi_p3_pump;

/* What differs between the fds a pump serves. read and write never block: like read(2) and
 * write(2) they return the bytes moved, 0 at the end (read), or -1 and errno, which is
 * EAGAIN / EWOULDBLOCK when the pump is to wait for its fd (POLLIN / POLLOUT) and try again
 * (EINTR: at once). */
typedef struct wasi_p3_pump_ops {
  ssize_t (*read)(wasi_p3_pump *pump, uint8_t *buf, size_t len);        /* input */
  ssize_t (*write)(wasi_p3_pump *pump, const uint8_t *buf, size_t len); /* output */
  /* Output, optional: the `len` bytes the guest wrote become pump->bytes / len (stdio adds
   * line prefixes). Without it they go as they are. */
  void (*take)(wasi_p3_pump *pump, const uint8_t *buf, size_t len);
  /* The bytes are over: `err` is 0 (the end, or the guest dropped its end) or the errno that
   * stopped them (EIO: a copy with the guest failed). Settles the task (wasi_p3_task_settle). */
  void (*settle)(wasi_p3_pump *pump, int err);
} wasi_p3_pump_ops;

struct wasi_p3_pump {
  wasi_p3_task task; /* first; its step is the pump's, its release the owner's */
  const wasi_p3_pump_ops *ops;
  int fd;              /* what read / write move bytes through and EAGAIN waits on */
  bool output;         /* the guest's stream to the fd (else the fd to a stream for the guest) */
  bool reading;        /* output: the copy in flight reads the guest's stream */
  bool ended;          /* output: the guest ended its stream */
  const uint8_t *bytes; /* taken from one side for the other: `len`, of which `off` went on */
  size_t len, off;
  uint8_t buf[WASI_P3_CHUNK];
};

/* What the pump's `data` end reports to (with the pump as arg); `done` reports to
 * wasi_p3_task_end_ops. A chunk from the guest is taken (ops->take) inside its callback, which
 * drops no end; the rest waits for the step. */
extern const cm_host_end_ops wasi_p3_pump_end_ops;
/* Makes `pump` (zeroed, the first member of its owner) one with `ops` over `fd`; then
 * wasi_p3_task_start, the task's ends, and wasi_p3_task_wait(task, -1, 0) to start it. */
void wasi_p3_pump_init(wasi_p3_pump *pump, const wasi_p3_pump_ops *ops, int fd, bool output);
/* Bytes taken from one side and not passed on yet (output: accepted from the guest and not
 * written to the fd). */
size_t wasi_p3_pump_unwritten(const wasi_p3_pump *pump);

/* The per-package definers wasi_p3_define calls. */
bool wasi_p3_define_sockets(cm_host *host, wr_error *err);
bool wasi_p3_define_filesystem(cm_host *host, wr_error *err);

#endif
