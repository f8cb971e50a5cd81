/* Guest work on fibers, driven by a worker's event loop.
 *
 * A *task* runs a function on a fiber. When the function must wait (a guest blocked on wasi:io)
 * it suspends its fiber back to the loop; something the loop notices later (a flag signalled by
 * host code, a ready fd, a deadline) wakes it, and the scheduler resumes it. The loop never blocks
 * on a guest.
 *
 * One scheduler per worker thread (it installs itself as the worker's idle hook, so ready tasks
 * run after every pass of the loop). Fibers are pooled: a finished task's fiber, stack included,
 * waits in the scheduler for the next task instead of being unmapped.
 *
 * The serve-side wasi_waiter (serve_waiter) makes io.h's wasi_block suspend the calling task: it
 * watches the pollables' fds (duplicated into h2o sockets on the loop) and their nearest deadline
 * (an h2o timer); wasi_signal on one of the ctx's flags wakes the task through waiter.wake.
 * Everything here runs on the worker's thread only. */
#ifndef WARREN_SERVE_TASK_H
#define WARREN_SERVE_TASK_H

#include "serve/http_server.h"
#include "wasi/io.h"

typedef struct serve_scheduler serve_scheduler;
typedef struct serve_task serve_task;

/* stack_size: usable stack of each fiber (0 = 1 MiB); max_idle_fibers: finished fibers kept for
 * reuse (0 = 64). Installs the worker's idle hook. Call on the worker's thread (e.g. from
 * httpd_handler.worker_start). */
serve_scheduler *serve_scheduler_new(httpd_worker *worker, size_t stack_size, unsigned max_idle_fibers);
/* Every task must have finished. Frees the pooled fibers and removes the idle hook. */
void serve_scheduler_free(serve_scheduler *sched);
/* Runs every task that is ready, once each; true if some are ready again (the loop must not
 * sleep). The worker calls it through the idle hook; tests may call it directly. */
bool serve_scheduler_run(serve_scheduler *sched);
/* Tasks started and not finished. */
unsigned serve_scheduler_live_tasks(const serve_scheduler *sched);
void *serve_scheduler_loop(const serve_scheduler *sched); /* the h2o_evloop_t */

/* Starts fn(arg) on a fiber at the scheduler's next run; `done(arg)`, if given, runs on the
 * loop's own stack after fn returns (free what the task used there). NULL if no fiber could be
 * mapped (the caller answers 503). */
serve_task *serve_task_spawn(serve_scheduler *sched, void (*fn)(void *arg), void (*done)(void *arg), void *arg);
/* The task running on this thread, or NULL on the loop's own stack. */
serve_task *serve_task_current(void);
/* From inside a task: back to the loop until serve_task_wake. */
void serve_task_suspend(void);
/* Makes a suspended task ready (it runs at the scheduler's next run). Waking a task that is
 * running or already ready does nothing; a task must re-check what it waits for when it
 * resumes. */
void serve_task_wake(serve_task *task);

/* Asks a task to stop: its current or next wait through a serve_waiter returns a trap ("the
 * request was cancelled"), so a guest blocked on wasi:io unwinds (request timeout, shutdown). */
void serve_task_cancel(serve_task *task);
bool serve_task_cancelled(const serve_task *task);

/* The wasi_waiter for a ctx whose guest runs in tasks of `sched`: install it with
 * wasi_p2_set_waiter. It must outlive the ctx. Called outside a task (e.g. during instantiation
 * on the loop's stack), wait falls back to wasi_default_waiter, which blocks. */
typedef struct serve_waiter {
  wasi_waiter base;
  serve_scheduler *sched;
  serve_task *blocked; /* the task suspended in wait, if any */
} serve_waiter;

void serve_waiter_init(serve_waiter *waiter, serve_scheduler *sched);

#endif
