/* The WASI 0.3 reactor (wasi/reactor.h) on a worker's h2o loop: deadlines become h2o timers,
 * fds are watched through h2o sockets on duplicates (as serve_waiter does for pollables).
 *
 * A wakeup that fires does not run its fn from h2o's callback: it is queued and the owner is
 * kicked (`kick(arg)`), and the owner runs the queued fns with serve_reactor_run_due where it
 * drives its instance (the request's task), so a 0.3 host never touches the instance while a
 * guest of it is preempted mid-way. Everything runs on the worker's thread. */
#ifndef WARREN_SERVE_SERVE_REACTOR_H
#define WARREN_SERVE_SERVE_REACTOR_H

#include "wasi/reactor.h"

typedef struct serve_reactor {
  wasi_reactor base;
  void *loop; /* h2o_evloop_t */
  void (*kick)(void *arg);
  void *kick_arg;
  wasi_wakeup *live;    /* registered, not fired */
  wasi_wakeup *due;     /* fired, fn not run yet (in firing order) */
  wasi_wakeup *retired; /* done with; their h2o timeouts are disposed outside h2o's timer run */
} serve_reactor;

void serve_reactor_init(serve_reactor *reactor, void *loop, void (*kick)(void *arg), void *kick_arg);
/* Runs the fns of the wakeups that fired; returns how many. */
size_t serve_reactor_run_due(serve_reactor *reactor);
/* Wakeups registered whose fn has not run. */
bool serve_reactor_pending(const serve_reactor *reactor);
/* Cancels every wakeup (their fns never run) and frees what the reactor holds. */
void serve_reactor_dispose(serve_reactor *reactor);

#endif
