/* What the WASI 0.3 hosts share (p3_task.h): how an async call finishes, the ctx's reactor,
 * tasks, work that outlives its call, kept in the ctx's table and continued from the reactor,
 * and pumps, the tasks that move bytes between an fd and a stream. */
#include <errno.h>
#include <poll.h>

#include "../base/alloc.h"
#include "p3_task.h"

static const wasi_p3_calls runtime_calls = {cm_host_call_return, cm_host_call_set_hooks, cm_host_call_cancelled};
const wasi_p3_calls *wasi_p3_calls_in_use = &runtime_calls;

wasm_trap *wasi_p3_reactor(wasi_p2_ctx *ctx, const char *what, wasi_reactor **out) {
  *out = wasi_p2_reactor(ctx);
  return *out ? NULL : wasi_trap(ctx, "%s: no event loop to wait on (the embedder set no reactor)", what);
}

static void task_free_object(void *object) {
  /* the ctx is freed after its instance: the ends went with the instance's store */
  wasi_p3_task *task = object;
  if (task->wakeup) task->reactor->cancel(task->reactor, task->wakeup);
  task->release(task);
  wr_free(task);
}

static const wasi_kind task_kind = {"pending 0.3 operation", task_free_object};

static void task_run(void *arg, short revents) {
  WR_UNUSED(revents); /* each step asks its fd itself */
  wasi_p3_task *task = arg;
  task->wakeup = NULL;
  if (!task->settled) task->step(task);
  else if (!task->copying) wasi_p3_task_finish(task);
}

static void task_copy_done(void *arg, int result, uint32_t n) {
  wasi_p3_task *task = arg;
  task->copying = false;
  task->copy_result = result;
  task->copied = n;
  wasi_p3_task_wait(task, -1, 0);
}

const cm_host_end_ops wasi_p3_task_end_ops = {task_copy_done, NULL};

wasm_trap *wasi_p3_task_start(wasi_p3_task *task, wasi_p2_ctx *ctx, wasi_reactor *reactor) {
  task->ctx = ctx;
  task->reactor = reactor;
  return wasi_table_add(ctx, &task_kind, task, &task->rep);
}

void wasi_p3_task_wait(wasi_p3_task *task, int fd, short events) {
  if (task->wakeup) task->reactor->cancel(task->reactor, task->wakeup);
  task->wakeup = task->reactor->wait(task->reactor, fd, events, fd < 0 ? 0 : UINT64_MAX, task_run, task);
  /* NULL: the reactor is out of memory; the task stays in the table until the ctx goes */
}

void wasi_p3_task_settle(wasi_p3_task *task, const cm_val *value) {
  if (task->data) {
    cm_host_end_drop(task->data);
    task->data = NULL;
  }
  task->settled = true;
  task->copying = true;
  if (cm_host_end_write(task->done, wasi_p2_ctx_store(task->ctx), NULL, value, 1)) {
    task->copying = false;
    wasi_p3_task_finish(task);
  }
}

void wasi_p3_task_finish(wasi_p3_task *task) {
  if (task->data) cm_host_end_drop(task->data);
  if (task->done) cm_host_end_drop(task->done);
  task->data = task->done = NULL;
  wasi_table_take(task->ctx, task->rep, &task_kind);
  if (task->wakeup) task->reactor->cancel(task->reactor, task->wakeup);
  task->release(task);
  wr_free(task);
}

/* ---- pumps ---- */

size_t wasi_p3_pump_unwritten(const wasi_p3_pump *pump) { return pump->len - pump->off; }

/* A read or write of the fd, retried on EINTR. */
static ssize_t pump_io(wasi_p3_pump *p, uint8_t *buf, size_t len) {
  ssize_t n;
  do n = p->output ? p->ops->write(p, p->bytes + p->off, p->len - p->off) : p->ops->read(p, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

static bool would_block(ssize_t n) { return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK); }

/* Offers the rest of the chunk to the guest. */
static void pump_offer(wasi_p3_pump *p) {
  wasi_p3_task *t = &p->task;
  t->copying = true;
  if (cm_host_end_write(t->data, wasi_p2_ctx_store(t->ctx), p->bytes + p->off, NULL, (uint32_t)(p->len - p->off))) {
    t->copying = false;
    p->ops->settle(p, EIO);
  }
}

static void input_step(wasi_p3_pump *p) {
  wasi_p3_task *t = &p->task;
  if (p->len) { /* a copy to the guest ended */
    p->off += t->copied;
    if (t->copy_result != CM_COPY_COMPLETED) {
      p->ops->settle(p, 0); /* the guest stopped reading: nobody wants the rest */
      return;
    }
    if (p->off < p->len) {
      pump_offer(p);
      return;
    }
    p->len = p->off = 0;
  }
  if (cm_host_end_other_dropped(t->data)) {
    p->ops->settle(p, 0);
    return;
  }
  ssize_t n = pump_io(p, p->buf, sizeof p->buf);
  if (would_block(n)) {
    wasi_p3_task_wait(t, p->fd, POLLIN);
    return;
  }
  if (n <= 0) {
    p->ops->settle(p, n == 0 ? 0 : errno); /* the end, or the error */
    return;
  }
  p->bytes = p->buf;
  p->len = (size_t)n;
  pump_offer(p);
}

static void output_step(wasi_p3_pump *p) {
  wasi_p3_task *t = &p->task;
  while (p->off < p->len) {
    ssize_t n = pump_io(p, NULL, 0);
    if (would_block(n)) {
      wasi_p3_task_wait(t, p->fd, POLLOUT);
      return;
    }
    if (n <= 0) {
      p->ops->settle(p, n < 0 ? errno : EIO);
      return;
    }
    p->off += (size_t)n;
  }
  p->len = p->off = 0;
  if (p->ended) {
    p->ops->settle(p, 0);
    return;
  }
  p->reading = true;
  t->copying = true;
  if (cm_host_end_read(t->data, wasi_p2_ctx_store(t->ctx), p->buf, NULL, NULL, sizeof p->buf)) {
    t->copying = p->reading = false;
    p->ops->settle(p, EIO);
  }
}

/* A copy from the guest is taken at once, not on the step after: the bytes count as handed
 * over (stdio's unwritten output) as soon as the guest's write completed. */
static void pump_copy_done(void *arg, int result, uint32_t n) {
  wasi_p3_pump *p = arg;
  if (p->reading) {
    p->reading = false;
    p->ended = result != CM_COPY_COMPLETED; /* the guest ended its stream: the rest is written, then ok */
    if (p->ops->take) {
      p->ops->take(p, p->buf, n);
    } else {
      p->bytes = p->buf;
      p->len = n;
    }
    p->off = 0;
  }
  task_copy_done(arg, result, n);
}

const cm_host_end_ops wasi_p3_pump_end_ops = {pump_copy_done, NULL};

static void pump_step(wasi_p3_task *task) {
  wasi_p3_pump *p = (wasi_p3_pump *)task;
  if (task->copying) return; /* its end goes on */
  if (p->output) output_step(p);
  else input_step(p);
}

void wasi_p3_pump_init(wasi_p3_pump *pump, const wasi_p3_pump_ops *ops, int fd, bool output) {
  pump->task.step = pump_step;
  pump->ops = ops;
  pump->fd = fd;
  pump->output = output;
}
