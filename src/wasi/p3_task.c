/* What the WASI 0.3 hosts share (p3_task.h): how an async call finishes, the ctx's reactor,
 * and tasks, work that outlives its call, kept in the ctx's table and continued from the reactor. */
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

const cm_host_end_ops wasi_p3_task_end_ops = {task_copy_done};

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
