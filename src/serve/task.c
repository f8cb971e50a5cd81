/* Tasks on pooled fibers, a per-loop run queue, and the waiter that suspends a task until its
 * pollables may be ready. See task.h. */
#include "serve/task.h"

#include <errno.h>
#include <fcntl.h>
#include <h2o.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fiber.h"
#include "base/log.h"

typedef enum { TASK_READY, TASK_RUNNING, TASK_SUSPENDED } task_state;

/* A fiber that runs task after task: its function never returns, it suspends between tasks, so
 * the stack is mapped once and reused. */
typedef struct pooled_fiber {
  wr_fiber *fiber;
  serve_task *task; /* the task it runs; NULL once that task's function returned */
  struct pooled_fiber *next_idle;
} pooled_fiber;

struct serve_task {
  serve_scheduler *sched;
  pooled_fiber *runner;
  void (*fn)(void *arg);
  void (*done)(void *arg);
  void *arg;
  task_state state;
  bool cancelled;
  serve_task *next_ready;
};

struct serve_scheduler {
  httpd_worker *worker;
  h2o_evloop_t *loop;
  size_t stack_size;
  unsigned max_idle_fibers;
  unsigned idle_fiber_count;
  pooled_fiber *idle_fibers;
  serve_task *ready_head, *ready_tail;
  unsigned live_tasks;
};

static _Thread_local serve_task *current_task;

static void fiber_main(void *arg) {
  pooled_fiber *pf = arg;
  for (;;) {
    serve_task *task = pf->task;
    task->fn(task->arg);
    pf->task = NULL;
    wr_fiber_suspend();
  }
}

static bool run_hook(void *arg) { return serve_scheduler_run(arg); }

serve_scheduler *serve_scheduler_new(httpd_worker *worker, size_t stack_size, unsigned max_idle_fibers) {
  serve_scheduler *s = WR_NEW(serve_scheduler);
  s->worker = worker;
  s->loop = worker ? httpd_worker_loop(worker) : NULL;
  s->stack_size = stack_size ? stack_size : (size_t)2 << 20;
  s->max_idle_fibers = max_idle_fibers ? max_idle_fibers : 64;
  if (worker) httpd_worker_set_idle_hook(worker, run_hook, s);
  return s;
}

void serve_scheduler_free(serve_scheduler *sched) {
  if (sched == NULL) return;
  if (sched->live_tasks) WR_WARN("serve: scheduler freed with %u unfinished tasks", sched->live_tasks);
  if (sched->worker) httpd_worker_set_idle_hook(sched->worker, NULL, NULL);
  while (sched->idle_fibers) {
    pooled_fiber *pf = sched->idle_fibers;
    sched->idle_fibers = pf->next_idle;
    wr_fiber_free(pf->fiber); /* suspended between tasks: nothing on its stack to unwind */
    wr_free(pf);
  }
  wr_free(sched);
}

unsigned serve_scheduler_live_tasks(const serve_scheduler *sched) { return sched->live_tasks; }
void *serve_scheduler_loop(const serve_scheduler *sched) { return sched->loop; }

static void make_ready(serve_task *task) {
  serve_scheduler *s = task->sched;
  task->state = TASK_READY;
  task->next_ready = NULL;
  if (s->ready_tail) s->ready_tail->next_ready = task;
  else s->ready_head = task;
  s->ready_tail = task;
}

static pooled_fiber *take_fiber(serve_scheduler *s) {
  if (s->idle_fibers) {
    pooled_fiber *pf = s->idle_fibers;
    s->idle_fibers = pf->next_idle;
    s->idle_fiber_count--;
    return pf;
  }
  pooled_fiber *pf = WR_NEW(pooled_fiber);
  pf->fiber = wr_fiber_new(s->stack_size, fiber_main, pf);
  if (pf->fiber == NULL) {
    wr_free(pf);
    return NULL;
  }
  return pf;
}

static void return_fiber(serve_scheduler *s, pooled_fiber *pf) {
  if (s->idle_fiber_count < s->max_idle_fibers) {
    pf->next_idle = s->idle_fibers;
    s->idle_fibers = pf;
    s->idle_fiber_count++;
  } else {
    wr_fiber_free(pf->fiber);
    wr_free(pf);
  }
}

serve_task *serve_task_spawn(serve_scheduler *sched, void (*fn)(void *arg), void (*done)(void *arg), void *arg) {
  pooled_fiber *pf = take_fiber(sched);
  if (pf == NULL) return NULL;
  serve_task *task = WR_NEW(serve_task);
  task->sched = sched;
  task->runner = pf;
  task->fn = fn;
  task->done = done;
  task->arg = arg;
  pf->task = task;
  sched->live_tasks++;
  if (sched->worker) httpd_worker_hold(sched->worker);
  make_ready(task);
  return task;
}

static void task_resume(serve_task *task) {
  serve_scheduler *s = task->sched;
  pooled_fiber *pf = task->runner;
  task->state = TASK_RUNNING;
  current_task = task;
  wr_fiber_resume(pf->fiber);
  current_task = NULL;
  if (pf->task == NULL) { /* fn returned */
    s->live_tasks--;
    if (s->worker) httpd_worker_release(s->worker);
    return_fiber(s, pf);
    if (task->done) task->done(task->arg);
    wr_free(task);
  } else if (task->state == TASK_RUNNING) {
    task->state = TASK_SUSPENDED;
  }
}

bool serve_scheduler_run(serve_scheduler *sched) {
  /* Only the tasks ready now: one woken while this runs waits for the next pass, so a task that
   * keeps waking itself cannot starve the loop. */
  serve_task *task = sched->ready_head;
  sched->ready_head = sched->ready_tail = NULL;
  while (task) {
    serve_task *next = task->next_ready;
    task_resume(task);
    task = next;
  }
  return sched->ready_head != NULL;
}

serve_task *serve_task_current(void) { return current_task; }

void serve_task_suspend(void) {
  serve_task *task = current_task;
  if (task == NULL) return;
  wr_fiber_suspend(); /* task_resume marks it SUSPENDED on the loop's stack */
}

void serve_task_wake(serve_task *task) {
  if (task->state == TASK_SUSPENDED) make_ready(task);
}

/* ---------- the waiter ---------- */

/* What one wait registered on the loop; it lives on the waiting task's stack. */
typedef struct wait_watch {
  serve_task *task;
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
  serve_task_wake(watch->task);
}

static void on_wait_fd(h2o_socket_t *sock, const char *err) {
  WR_UNUSED(err);
  wait_watch *watch = sock->data;
  serve_task_wake(watch->task);
}

static wasm_trap *waiter_wait(wasi_waiter *self, wasi_p2_ctx *ctx, wasi_pollable *const *pollables, uint32_t n) {
  serve_waiter *waiter = (serve_waiter *)self;
  serve_task *task = current_task;
  if (task == NULL || task->sched != waiter->sched || waiter->sched->loop == NULL)
    return wasi_default_waiter.wait(&wasi_default_waiter, ctx, pollables, n);
  if (task->cancelled) return wasi_trap(ctx, "the request was cancelled");
  h2o_evloop_t *loop = waiter->sched->loop;

  wait_watch watch;
  memset(&watch, 0, sizeof watch);
  watch.task = task;
  uint64_t deadline = wasi_pollables_deadline(pollables, n);
  if (deadline != UINT64_MAX) {
    uint64_t now = wasi_monotonic_now();
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
    serve_task_suspend();
    waiter->blocked = NULL;
    if (task->cancelled) trap = wasi_trap(ctx, "the request was cancelled");
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
  if (waiter->blocked) serve_task_wake(waiter->blocked);
}

void serve_waiter_init(serve_waiter *waiter, serve_scheduler *sched) {
  waiter->base.wait = waiter_wait;
  waiter->base.wake = waiter_wake;
  waiter->sched = sched;
  waiter->blocked = NULL;
}

void serve_task_cancel(serve_task *task) {
  task->cancelled = true;
  serve_task_wake(task);
}

bool serve_task_cancelled(const serve_task *task) { return task->cancelled; }
