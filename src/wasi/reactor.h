/* The event loop WASI 0.3 hosts wait on. A 0.3 host function never blocks: an async one
 * (cm_host_define_async_func) that cannot finish at once asks the ctx's reactor to call it
 * back when an fd is ready or a deadline passes, and finishes from that callback with
 * cm_host_call_return (or moves stream bytes with cm_host_end_*). That makes the guest's
 * threads ready; the instance's notify hook (cm_instance_set_notify) then tells the embedder
 * to run them (cm_instance_run).
 *
 * `warren run` and tests use wasi_poll_reactor (poll(2) on this thread); a server implements
 * the same interface on its worker's loop. Every callback runs on the loop's thread, never
 * inside the wait call that registered it. */
#ifndef WARREN_WASI_REACTOR_H
#define WARREN_WASI_REACTOR_H

#include "../base/common.h"

typedef struct wasi_reactor wasi_reactor;
typedef struct wasi_wakeup wasi_wakeup; /* one registered wait, defined by each reactor */

/* revents: what poll(2) reported on the fd (POLLIN, POLLOUT, POLLERR, POLLHUP), or 0 when the
 * deadline passed first. */
typedef void (*wasi_wakeup_fn)(void *arg, short revents);

struct wasi_reactor {
  /* One-shot: `fn(arg, revents)` runs once, later, when `fd` (>= 0; -1 = none) reports
   * `events` or the monotonic clock (wr_monotonic_ns) reaches `deadline_ns` (UINT64_MAX =
   * none), whichever comes first. NULL when it cannot be registered (out of memory, a bad
   * fd): the caller fails its call. The fd stays the caller's; keep it open until the wakeup
   * ran or was cancelled. */
  wasi_wakeup *(*wait)(wasi_reactor *self, int fd, short events, uint64_t deadline_ns, wasi_wakeup_fn fn, void *arg);
  /* Forgets a wakeup whose fn has not run yet; fn never runs. */
  void (*cancel)(wasi_reactor *self, wasi_wakeup *wakeup);
};

/* ---- poll(2) on the calling thread ---- */

typedef struct wasi_poll_reactor wasi_poll_reactor;

wasi_poll_reactor *wasi_poll_reactor_new(void);
/* Pending wakeups are dropped without running. */
void wasi_poll_reactor_free(wasi_poll_reactor *reactor);
wasi_reactor *wasi_poll_reactor_base(wasi_poll_reactor *reactor);
/* Waits (poll(2), interrupted by nothing but its fds and deadlines) until at least one wakeup
 * is due, or `timeout_ns` passed (UINT64_MAX: no limit), and runs every due one. Returns how
 * many ran; 0 with nothing pending means nothing can ever run (the caller's guest is stuck).
 * A wakeup registered by a running fn waits for the next call. */
size_t wasi_poll_reactor_run(wasi_poll_reactor *reactor, uint64_t timeout_ns);
/* Wakeups registered and not yet run or cancelled. */
size_t wasi_poll_reactor_pending(const wasi_poll_reactor *reactor);

#endif
