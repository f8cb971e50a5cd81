/* A wasi:http 0.3 guest in C that waits on the clock before it answers: GET /<ms> (the number
 * after the path's last '/', at most 60000) calls wasi:clocks/monotonic-clock@0.3.0 wait-for
 * lowered async, waits for that subtask from the callback, then answers 200 "slept <ms> ms\n".
 * While one request waits, the instance takes others: each task keeps its state in its context
 * slot. A task cancelled while it waits (the request timed out, the client left) cancels its
 * wait and ends with task.cancel, leaving the instance to the others. */
#include <stdlib.h>

#include "p3_abi.h"
#include "p3_reply.h"

/* the duration in nanoseconds; answers the subtask's state, and its handle above 4 bits */
P3_IMPORT("wasi:clocks/monotonic-clock@0.3.0", "[async-lower]wait-for") uint32_t p3_wait_for(uint64_t ns);

enum { MAX_MS = 60000 };

struct task {
  struct p3_reply reply;
  uint32_t subtask; /* the pending wait-for, 0 once it returned */
  uint32_t ms;
  char body[32];
};

static uint32_t parse_ms(uint32_t request) {
  struct { uint8_t is_some; const char *at; uint32_t len; } path;
  p3_request_path_with_query(request, &path);
  uint32_t ms = 0;
  if (path.is_some) {
    uint32_t from = path.len;
    while (from > 0 && path.at[from - 1] != '/')
      from--;
    for (uint32_t i = from; i < path.len && path.at[i] >= '0' && path.at[i] <= '9' && ms <= MAX_MS; i++)
      ms = ms * 10 + (uint32_t)(path.at[i] - '0');
    free((void *)path.at);
  }
  return ms < MAX_MS ? ms : MAX_MS;
}

static int32_t finish(struct task *task, int32_t code) {
  if (code == P3_CALLBACK_EXIT) {
    p3_waitable_set_drop(task->reply.set);
    free(task);
    p3_context_set(0);
  }
  return code;
}

/* "slept <ms> ms\n" by hand: stdio would import wasi_snapshot_preview1 */
static int32_t answer(struct task *task) {
  static const char head[] = "slept ", tail[] = " ms\n";
  char digits[8];
  uint32_t n = 0, len = 0;
  for (uint32_t ms = task->ms; n == 0 || ms > 0; ms /= 10)
    digits[n++] = (char)('0' + ms % 10);
  for (uint32_t i = 0; i < sizeof head - 1; i++)
    task->body[len++] = head[i];
  while (n > 0)
    task->body[len++] = digits[--n];
  for (uint32_t i = 0; i < sizeof tail - 1; i++)
    task->body[len++] = tail[i];
  return p3_reply_start(&task->reply, task->reply.set, task->body, len);
}

P3_EXPORT(P3_HANDLE) int32_t handle(uint32_t request) {
  struct task *task = calloc(1, sizeof *task);
  if (!task)
    __builtin_trap();
  task->ms = parse_ms(request);
  p3_request_drop(request);
  p3_context_set(task);
  task->reply.set = p3_waitable_set_new();
  uint32_t state = p3_wait_for((uint64_t)task->ms * 1000000u);
  if ((state & 0xf) == P3_SUBTASK_RETURNED)
    return finish(task, answer(task));
  task->subtask = state >> 4;
  p3_waitable_join(task->subtask, task->reply.set);
  return p3_wait_on(task->reply.set);
}

P3_EXPORT(P3_HANDLE_CALLBACK) int32_t handle_callback(uint32_t event, uint32_t waitable, uint32_t payload) {
  struct task *task = p3_context_get();
  if (event == P3_EVENT_TASK_CANCELLED) {
    if (!task->subtask) /* answered already: the reply goes on */
      return p3_wait_on(task->reply.set);
    p3_waitable_join(task->subtask, 0);
    p3_subtask_cancel(task->subtask); /* whether it returned first or not, it is over */
    p3_subtask_drop(task->subtask);
    p3_handle_cancel();
    return finish(task, P3_CALLBACK_EXIT);
  }
  if (event == P3_EVENT_SUBTASK && waitable == task->subtask) {
    if (payload != P3_SUBTASK_RETURNED)
      return p3_wait_on(task->reply.set); /* started, not returned yet */
    p3_waitable_join(task->subtask, 0);
    p3_subtask_drop(task->subtask);
    task->subtask = 0;
    return finish(task, answer(task));
  }
  return finish(task, p3_reply_event(&task->reply, event, waitable, payload));
}

P3_EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align, size_t size) {
  (void)old_size;
  if (size == 0)
    return (void *)align;
  void *at = realloc(old, size); /* malloc's 16 covers every canonical alignment */
  if (!at)
    __builtin_trap();
  return at;
}
