/* The wasi:http 0.3 hello in C, on the async canonical ABI by hand: every request gets 200,
 * `content-type: text/plain` and "hello from C p3\n". handle is lifted async with a callback
 * (stackless): it answers at once and writes the body from events, so one instance serves many
 * requests at the same time; each task keeps its state in its context slot. */
#include <stdlib.h>

#include "p3_abi.h"
#include "p3_reply.h"

static const char hello[] = "hello from C p3\n";

static int32_t finish(struct p3_reply *reply, int32_t code) {
  if (code == P3_CALLBACK_EXIT) {
    p3_waitable_set_drop(reply->set);
    free(reply);
    p3_context_set(0);
  }
  return code;
}

P3_EXPORT(P3_HANDLE) int32_t handle(uint32_t request) {
  p3_request_drop(request);
  struct p3_reply *reply = malloc(sizeof *reply);
  if (!reply)
    __builtin_trap();
  p3_context_set(reply);
  return finish(reply, p3_reply_start(reply, p3_waitable_set_new(), hello, sizeof hello - 1));
}

P3_EXPORT(P3_HANDLE_CALLBACK) int32_t handle_callback(uint32_t event, uint32_t waitable, uint32_t payload) {
  struct p3_reply *reply = p3_context_get();
  return finish(reply, p3_reply_event(reply, event, waitable, payload));
}

/* The canonical ABI's allocator, for what the host returns in memory (a header-error's text). */
P3_EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align, size_t size) {
  (void)old_size;
  (void)align; /* malloc's 16 covers every canonical alignment */
  if (size == 0)
    return (void *)align;
  void *at = realloc(old, size);
  if (!at)
    __builtin_trap();
  return at;
}
