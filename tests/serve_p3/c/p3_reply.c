#include "p3_reply.h"

#include "p3_abi.h"

/* result<option<trailers>, error-code> as ok(none): the result's tag at 0, the option's at 8 (the
 * error-code's u64 payloads align the case to 8); all zero. */
static const uint64_t ok_no_trailers[5];

static int32_t wait_for(struct p3_reply *reply, uint32_t waitable) {
  p3_waitable_join(waitable, reply->set);
  return p3_wait_on(reply->set);
}

static int32_t send_trailers(struct p3_reply *reply) {
  uint32_t got = p3_trailers_write(reply->trailers, ok_no_trailers);
  if (got == P3_BLOCKED)
    return wait_for(reply, reply->trailers);
  p3_trailers_drop_writable(reply->trailers);
  reply->trailers = 0;
  return P3_CALLBACK_EXIT;
}

/* Writes what is left of the body until the host stops taking it (wait) or it is all written
 * (or the reader went away): then the body ends and the trailers follow. */
static int32_t write_body(struct p3_reply *reply) {
  while (reply->left > 0) {
    uint32_t got = p3_body_write(reply->body, reply->rest, reply->left);
    if (got == P3_BLOCKED)
      return wait_for(reply, reply->body);
    uint32_t written = got >> 4;
    reply->rest += written;
    reply->left -= written;
    if ((got & 0xf) == P3_COPY_DROPPED)
      break;
  }
  p3_body_drop_writable(reply->body);
  reply->body = 0;
  return send_trailers(reply);
}

int32_t p3_reply_start(struct p3_reply *reply, uint32_t set, const char *body, uint32_t len) {
  static const char name[] = "content-type", value[] = "text/plain";
  uint32_t headers = p3_fields_new();
  /* result<_, header-error>: its tag, then at 4 the header-error (a tag and an option<string>) */
  uint8_t appended[20] __attribute__((aligned(4)));
  p3_fields_append(headers, name, sizeof name - 1, value, sizeof value - 1, appended);
  if (appended[0] != 0)
    __builtin_trap(); /* a valid header cannot be refused */
  uint64_t body_ends = p3_body_new(), trailers_ends = p3_trailers_new();
  uint32_t made[2];
  p3_response_new(headers, 1, (uint32_t)body_ends, (uint32_t)trailers_ends, made);
  p3_outcome_drop_readable(made[1]);
  p3_handle_return(0, made[0], 0, 0, 0, 0, 0, 0);
  *reply = (struct p3_reply){.set = set,
                             .body = (uint32_t)(body_ends >> 32),
                             .trailers = (uint32_t)(trailers_ends >> 32),
                             .rest = body,
                             .left = len};
  return write_body(reply);
}

int32_t p3_reply_event(struct p3_reply *reply, uint32_t event, uint32_t waitable, uint32_t payload) {
  p3_waitable_join(waitable, 0);
  if (event == P3_EVENT_STREAM_WRITE && waitable == reply->body) {
    uint32_t written = payload >> 4;
    reply->rest += written;
    reply->left -= written;
    if ((payload & 0xf) == P3_COPY_DROPPED)
      reply->left = 0;
    return write_body(reply);
  }
  if (event == P3_EVENT_FUTURE_WRITE && waitable == reply->trailers) {
    p3_trailers_drop_writable(reply->trailers);
    reply->trailers = 0;
    return P3_CALLBACK_EXIT;
  }
  __builtin_trap(); /* no other waitable is in the reply's set */
}
