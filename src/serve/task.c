/* The worker's scheduler (src/base/sched.h on the worker's loop) and the waiter that suspends a
 * task until its pollables may be ready. See task.h. */
#include "serve/task.h"

#include <errno.h>
#include <fcntl.h>
#include <h2o.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"

struct serve_scheduler {
  wr_sched *base;
  httpd_worker *worker;
  h2o_evloop_t *loop;
  void (*switched)(void *arg, wr_task *task);
  void *switched_arg;
  unsigned passes; /* of the loop, through the idle hook */
};

/* Tasks that yielded at the end of a time slice run every LOOP_PASSES_PER_SLICE passes of the
 * loop; the passes in between are quick when nothing happens, and let a new request be accepted,
 * read, run and answered within one slice of a guest that computes. */
#define LOOP_PASSES_PER_SLICE 4

static bool run_hook(void *arg) {
  serve_scheduler *s = arg;
  if (++s->passes % LOOP_PASSES_PER_SLICE == 0) return wr_sched_run(s->base);
  return wr_sched_run_woken(s->base);
}

/* a stopping worker keeps its loop running until every task has finished */
static void hold_worker(void *arg) {
  serve_scheduler *s = arg;
  if (s->worker) httpd_worker_hold(s->worker);
}
static void release_worker(void *arg) {
  serve_scheduler *s = arg;
  if (s->worker) httpd_worker_release(s->worker);
}
static void task_switched(void *arg, wr_task *task) {
  serve_scheduler *s = arg;
  if (s->switched) s->switched(s->switched_arg, task);
}

serve_scheduler *serve_scheduler_new(httpd_worker *worker, size_t stack_size, unsigned max_idle_fibers) {
  serve_scheduler *s = WR_NEW(serve_scheduler);
  s->base = wr_sched_new(stack_size, max_idle_fibers);
  s->worker = worker;
  s->loop = worker ? httpd_worker_loop(worker) : NULL;
  wr_sched_hooks hooks = {.arg = s, .task_started = hold_worker, .task_finished = release_worker,
                          .switched = task_switched};
  wr_sched_set_hooks(s->base, &hooks);
  if (worker) httpd_worker_set_idle_hook(worker, run_hook, s);
  return s;
}

void serve_scheduler_on_switch(serve_scheduler *sched, void (*switched)(void *arg, wr_task *task), void *arg) {
  sched->switched = switched;
  sched->switched_arg = arg;
}

void serve_scheduler_free(serve_scheduler *sched) {
  if (sched == NULL) return;
  if (sched->worker) httpd_worker_set_idle_hook(sched->worker, NULL, NULL);
  wr_sched_free(sched->base);
  wr_free(sched);
}

wr_sched *serve_scheduler_base(const serve_scheduler *sched) { return sched->base; }
bool serve_scheduler_run(serve_scheduler *sched) { return wr_sched_run(sched->base); }
void *serve_scheduler_loop(const serve_scheduler *sched) { return sched->loop; }

/* ---------- the waiter ---------- */

/* What one wait registered on the loop; it lives on the waiting task's stack. */
typedef struct wait_watch {
  wr_task *task;
  h2o_timeout_t timeout;
  h2o_timeout_entry_t timer;
  bool has_timeout;
  h2o_socket_t **sockets;
  int *watched_fds;    /* the guest-side fds behind sockets[i] */
  int *original_flags; /* their file status flags: h2o makes the shared description non-blocking */
  uint32_t socket_count;
} wait_watch;

static void on_wait_timer(h2o_timeout_entry_t *entry) {
  wait_watch *watch = H2O_STRUCT_FROM_MEMBER(wait_watch, timer, entry);
  wr_task_wake(watch->task);
}

static void on_wait_fd(h2o_socket_t *sock, const char *err) {
  WR_UNUSED(err);
  wait_watch *watch = sock->data;
  wr_task_wake(watch->task);
}

static wasm_trap *waiter_wait(wasi_waiter *self, wasi_p2_ctx *ctx, wasi_pollable *const *pollables, uint32_t n) {
  serve_waiter *waiter = (serve_waiter *)self;
  wr_task *task = wr_task_current();
  if (task == NULL || wr_task_sched(task) != waiter->sched->base || waiter->sched->loop == NULL)
    return wasi_default_waiter.wait(&wasi_default_waiter, ctx, pollables, n);
  if (wr_task_cancelled(task)) return wasi_trap(ctx, "the request was cancelled");
  h2o_evloop_t *loop = waiter->sched->loop;

  wait_watch watch;
  memset(&watch, 0, sizeof watch);
  watch.task = task;
  uint64_t deadline = wasi_pollables_deadline(pollables, n);
  if (deadline != UINT64_MAX) {
    uint64_t now = wr_monotonic_ns();
    uint64_t ms = deadline > now ? (deadline - now + 999999) / 1000000 : 0;
    h2o_timeout_init(loop, &watch.timeout, ms);
    watch.timer.cb = on_wait_timer;
    h2o_timeout_link(loop, &watch.timeout, &watch.timer);
    watch.has_timeout = true;
  }
  uint32_t fds = 0;
  for (uint32_t i = 0; i < n; i++) fds += pollables[i]->kind == WASI_POLL_FD;
  if (fds) {
    watch.sockets = WR_NEW_ARRAY(h2o_socket_t *, fds);
    watch.watched_fds = WR_NEW_ARRAY(int, fds);
    watch.original_flags = WR_NEW_ARRAY(int, fds);
  }
  wasm_trap *trap = NULL;
  for (uint32_t i = 0; i < n && trap == NULL; i++) {
    const wasi_pollable *p = pollables[i];
    if (p->kind != WASI_POLL_FD) continue;
    /* h2o owns (and closes) the fd of its socket, so it watches a duplicate. */
    int flags = fcntl(p->fd, F_GETFL);
    int fd = flags < 0 ? -1 : fcntl(p->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      trap = wasi_trap(ctx, "cannot watch fd %d: %s", p->fd, strerror(errno));
      break;
    }
    h2o_socket_t *sock = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    sock->data = &watch;
    watch.watched_fds[watch.socket_count] = p->fd;
    watch.original_flags[watch.socket_count] = flags;
    watch.sockets[watch.socket_count++] = sock;
    if (p->events & POLLIN) h2o_socket_read_start(sock, on_wait_fd);
    if (p->events & POLLOUT) h2o_socket_notify_write(sock, on_wait_fd);
  }
  if (trap == NULL) {
    waiter->blocked = task;
    wr_task_suspend();
    waiter->blocked = NULL;
    if (wr_task_cancelled(task)) trap = wasi_trap(ctx, "the request was cancelled");
  }
  if (watch.has_timeout) {
    if (h2o_timeout_is_linked(&watch.timer)) h2o_timeout_unlink(&watch.timer);
    h2o_timeout_dispose(loop, &watch.timeout);
  }
  for (uint32_t i = 0; i < watch.socket_count; i++) {
    h2o_socket_close(watch.sockets[i]);
    fcntl(watch.watched_fds[i], F_SETFL, watch.original_flags[i]);
  }
  wr_free(watch.sockets);
  wr_free(watch.watched_fds);
  wr_free(watch.original_flags);
  return trap;
}

static void waiter_wake(wasi_waiter *self, wasi_p2_ctx *ctx) {
  WR_UNUSED(ctx);
  serve_waiter *waiter = (serve_waiter *)self;
  if (waiter->blocked) wr_task_wake(waiter->blocked);
}

void serve_waiter_init(serve_waiter *waiter, serve_scheduler *sched) {
  waiter->base.wait = waiter_wait;
  waiter->base.wake = waiter_wake;
  waiter->sched = sched;
  waiter->blocked = NULL;
}
