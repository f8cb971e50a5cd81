/* Guest tasks (src/base/sched.h) driven by a worker's event loop: the serve-side adapter.
 *
 * One scheduler per worker thread. It installs itself as the worker's idle hook, so ready tasks
 * run after every pass of the loop, and holds the worker while tasks are live, so a stopping
 * worker waits for them. The loop never blocks on a guest.
 *
 * The serve-side wasi_waiter (serve_waiter) makes io.h's wasi_block suspend the calling task: it
 * watches the pollables' fds (duplicated into h2o sockets on the loop) and their nearest deadline
 * (an h2o timer); wasi_signal on one of the ctx's flags wakes the task through waiter.wake.
 * Everything here runs on the worker's thread only. */
#ifndef WARREN_SERVE_TASK_H
#define WARREN_SERVE_TASK_H

#include "base/sched.h"
#include "serve/http_server.h"
#include "wasi/io.h"

typedef struct serve_scheduler serve_scheduler;

/* stack_size: usable stack of each fiber (0 = 2 MiB); max_idle_fibers: finished fibers kept for
 * reuse (0 = 64). Installs the worker's idle hook. Call on the worker's thread (e.g. from
 * httpd_handler.worker_start). */
serve_scheduler *serve_scheduler_new(httpd_worker *worker, size_t stack_size, unsigned max_idle_fibers);
/* Every task must have finished. Frees the pooled fibers and removes the idle hook. */
void serve_scheduler_free(serve_scheduler *sched);
/* The scheduler tasks are spawned on (wr_task_spawn etc., src/base/sched.h). */
wr_sched *serve_scheduler_base(const serve_scheduler *sched);
/* Runs the ready tasks once (what the idle hook does); tests without a loop call it directly. */
bool serve_scheduler_run(serve_scheduler *sched);
void *serve_scheduler_loop(const serve_scheduler *sched); /* the h2o_evloop_t */
/* `switched(arg, task)` runs as `task` is resumed and with NULL once it is back on the loop
 * (wr_sched_hooks.switched), e.g. to time a guest's slice. NULL removes it. */
void serve_scheduler_on_switch(serve_scheduler *sched, void (*switched)(void *arg, wr_task *task), void *arg);

/* The wasi_waiter for a ctx whose guest runs in tasks of `sched`: install it with
 * wasi_p2_set_waiter. It must outlive the ctx. Called outside a task (e.g. during instantiation
 * on the loop's stack), wait falls back to wasi_default_waiter, which blocks. A wait of a
 * cancelled task (wr_task_cancel) returns a trap ("the request was cancelled"), so a guest
 * blocked on wasi:io unwinds (request timeout, shutdown, client gone). */
typedef struct serve_waiter {
  wasi_waiter base;
  serve_scheduler *sched;
  wr_task *blocked; /* the task suspended in wait, if any */
} serve_waiter;

void serve_waiter_init(serve_waiter *waiter, serve_scheduler *sched);

#endif
