/* Answering a wasi:http 0.3 request from a callback-lifted handle: a 200 response with a
 * text/plain body, written into the body's stream<u8> as the host reads it, then ok(none) into the
 * trailers' future. */
#ifndef WARREN_TEST_P3_REPLY_H
#define WARREN_TEST_P3_REPLY_H

#include <stdint.h>

struct p3_reply {
  uint32_t set;      /* the task's waitable set: what it waits on */
  uint32_t body;     /* the body stream's writable end, 0 once dropped */
  uint32_t trailers; /* the trailers future's writable end, 0 once dropped */
  const char *rest;  /* the body not written yet; must live until the reply is done */
  uint32_t left;
};

/* Hands ok(response) to task.return, then starts writing `body`. Answers what the callback
 * returns: wait on reply->set, or exit when all was written at once. */
int32_t p3_reply_start(struct p3_reply *reply, uint32_t set, const char *body, uint32_t len);

/* One event on a waitable of the reply (the body's stream or the trailers' future): answers what
 * the callback returns, exit once the reply is done. */
int32_t p3_reply_event(struct p3_reply *reply, uint32_t event, uint32_t waitable, uint32_t payload);

#endif
