/* wasi:http 0.3.0 (types; the guest exports handler) on the async runtime, and the interface
 * towards the embedder that serves requests to a p3 guest.
 *
 * The state is 0.2's: one wasi_http_ctx (http.h) per instance, installed on its wasi_p2_ctx,
 * serves the 0.2 and the 0.3 imports alike (same fields budget, same resource table).
 * wasi_p3_define (p3.h) registers the 0.3 functions.
 *
 * Per request, on the thread that runs the instance:
 *   1. wasi_http_p3_request_new: the head (copied) and the body's source. The body reaches the
 *      guest as a stream<u8> once it calls request.consume-body: then Warren calls
 *      source->start(env, feed), reads what has arrived (source->read) into the stream as the
 *      guest reads, and waits for wasi_http_p3_body_ready(feed) when nothing has. The end of
 *      the body resolves the trailers future (ok(none); err(code) when the source failed).
 *   2. wasi_http_p3_handle_start: calls the guest's wasi:http/handler@0.3.0#handle on it as a
 *      task (cm_func_start). The responder hears once: on_response when task.return hands
 *      over ok(response), on_error with the code of err(code), or with NULL when the task was
 *      cancelled or its instance trapped first (wasi_http_p3_call_abandon). The task may run
 *      on after that (writing the body); on_exit says when it is over.
 *   3. The response: status, headers, and its body read chunk by chunk with
 *      wasi_http_p3_response_read (start a read only when the connection can take more: the
 *      guest's writes wait meanwhile, that is the backpressure), then its trailers, reported
 *      through the reader's on_end. Then wasi_http_p3_response_finish reports the transmission
 *      result into the future response.new gave the guest and frees the response.
 * Drive the instance meanwhile: every call here may make guest threads ready, and the
 * instance's notify hook (cm_instance_set_notify) says so; run them from the event loop
 * (cm_instance_run), never from inside these callbacks. Traps come out of cm_instance_run.
 *
 * Free order: finish every response and abandon or free every call, free the component
 * instance, wasi_p2_ctx_free (frees the guest's 0.3 objects: request bodies' sources are
 * released, unsent transmission results dropped), wasi_http_ctx_free, then the store. */
#ifndef WARREN_WASI_HTTP_P3_H
#define WARREN_WASI_HTTP_P3_H

#include "../component/instance.h"
#include "http.h"

#define WASI_HTTP_P3_HANDLER "wasi:http/handler@0.3.0"
#define WASI_HTTP_P3_HANDLE_FUNC "handle"

/* ---- 1. the request and its body source ---- */
typedef struct wasi_http_p3_feed wasi_http_p3_feed;

typedef enum {
  WASI_HTTP_P3_BODY_DATA,  /* *n > 0 bytes */
  WASI_HTTP_P3_BODY_WAIT,  /* none yet: call wasi_http_p3_body_ready when some arrive */
  WASI_HTTP_P3_BODY_END,   /* the body is complete */
  WASI_HTTP_P3_BODY_ERROR, /* it failed (*err: the code the trailers future gets) */
} wasi_http_p3_body_status;

typedef struct wasi_http_p3_body_source {
  /* The guest asked for the body: from now on, call wasi_http_p3_body_ready(feed) whenever
   * read would not say WAIT (data, end, failure). Called at most once. */
  void (*start)(void *env, wasi_http_p3_feed *feed);
  /* Up to cap (> 0) bytes of body that have arrived, into buf. Never blocks. */
  wasi_http_p3_body_status (*read)(void *env, uint8_t *buf, size_t cap, size_t *n, wasi_http_error_code *err);
  /* Warren is done with the source (body read to its end, dropped by the guest, or its ctx
   * freed): never call wasi_http_p3_body_ready again. Called exactly once. */
  void (*release)(void *env);
  /* May be NULL (never any trailers). After read said END (and before release): the i-th
   * trailer field that ended the body into *out, false past the last. The trailers future gets
   * ok(some(fields)) when there is one, else ok(none). */
  bool (*trailer)(void *env, size_t i, wasi_http_header *out);
} wasi_http_p3_body_source;

/* A new request in http's table; *rep is handle's argument (cm_val_handle(rep)). `source`
 * NULL: an empty body (nothing is called); otherwise source/env must stay valid until
 * release. On a trap (table full) release has run. */
wasm_trap *wasi_http_p3_request_new(wasi_http_ctx *http, const wasi_http_request_head *head,
                                    const wasi_http_p3_body_source *source, void *env, uint32_t *rep);
/* More body may be readable. Call from the event loop, not from inside source->read. */
void wasi_http_p3_body_ready(wasi_http_p3_feed *feed);

/* ---- 2. the call ---- */
typedef struct wasi_http_p3_response wasi_http_p3_response;
typedef struct wasi_http_p3_call wasi_http_p3_call;

typedef struct wasi_http_p3_responder {
  /* ok(response): the response is the embedder's now (finish it, step 3). */
  void (*on_response)(void *env, wasi_http_p3_response *response);
  /* err(code) (`code` valid during the call), or NULL: no response will come (the task was
   * cancelled, trapped or abandoned). Answer 500. */
  void (*on_error)(void *env, const wasi_http_error_code *code);
  /* The task is over (after on_response or on_error). May be NULL. */
  void (*on_exit)(void *env);
} wasi_http_p3_responder;

/* The handle export of `inst` (any 0.3.x), or NULL. */
const cm_func *wasi_http_p3_handler(const cm_component_instance *inst);
/* Starts handle(request) as a task of `inst`. on_resolve may run before this returns. On a
 * trap nothing of the responder is called and the instance is poisoned: answer 500 (the request,
 * if it did not reach the guest, goes with the ctx). *out is freed with wasi_http_p3_call_free. */
wasm_trap *wasi_http_p3_handle_start(wasi_http_ctx *http, cm_component_instance *inst, const cm_func *handle,
                                     uint32_t request_rep, const wasi_http_p3_responder *responder, void *env,
                                     wasi_http_p3_call **out);
/* The instance trapped or is going away: if no answer came yet, on_error(NULL) now; nothing of
 * the responder runs after this. */
void wasi_http_p3_call_abandon(wasi_http_p3_call *call);
/* Frees the call (abandoning it first). A task still running (asked to cancel, it may still
 * return) keeps the host's side of the call, which its task.return lifts into and its exit reports
 * to, until it exits or the ctx goes (wasi_http_ctx_free, after the instance). */
void wasi_http_p3_call_free(wasi_http_p3_call *call);
/* How many freed calls' tasks still run (given up by their owner, see wasi_http_p3_call_free). */
unsigned wasi_http_p3_orphans(const wasi_http_ctx *http);
/* The task (for cm_task_request_cancellation) until on_exit. */
cm_task *wasi_http_p3_call_task(const wasi_http_p3_call *call);
/* Whether the guest has not seen the request yet: its task waits to enter the instance (guest
 * backpressure), or never will (the instance trapped first). */
bool wasi_http_p3_call_unstarted(const wasi_http_p3_call *call);
/* Takes an unstarted call back (wasi_http_p3_call_unstarted): nothing of the responder runs
 * again, the request leaves the table (its body source is released) and, when `instance_runs`
 * (the caller is inside the instance, which is not poisoned), the waiting task is cancelled,
 * which runs no guest code. Free the call after. */
wasm_trap *wasi_http_p3_call_withdraw(wasi_http_p3_call *call, bool instance_runs);

/* ---- 3. the response ---- */
uint16_t wasi_http_p3_response_status(const wasi_http_p3_response *response);
const wasi_http_fields *wasi_http_p3_response_headers(const wasi_http_p3_response *response);
/* Whether the guest gave a body stream at all (contents: some). */
bool wasi_http_p3_response_has_body(const wasi_http_p3_response *response);

typedef struct wasi_http_p3_body_reader {
  /* n > 0 bytes of body (valid during the call). Start the next read from here or later. */
  void (*on_data)(void *env, const uint8_t *bytes, size_t n);
  /* The body is over: trailers (NULL: none; valid during the call), or err: the guest's
   * trailers future said err(code), or it dropped the stream or future in a way that cut the
   * body short (then code is internal-error). */
  void (*on_end)(void *env, const wasi_http_fields *trailers, const wasi_http_error_code *err);
} wasi_http_p3_body_reader;

/* Reads up to `max` (> 0) bytes of body: on_data (or on_end) runs once, maybe before this
 * returns. One read at a time; after on_end, reads are no-ops. A trap: the guest broke the
 * stream's rules (answer as for a trap). */
wasm_trap *wasi_http_p3_response_read(wasi_http_p3_response *response, size_t max,
                                      const wasi_http_p3_body_reader *reader, void *env);
/* Reports the transmission (`err` NULL: ok) into the future response.new returned to the
 * guest (it gets it whenever it reads it, as long as its instance lives), stops any read and
 * frees the response. */
void wasi_http_p3_response_finish(wasi_http_p3_response *response, const wasi_http_error_code *err);

/* ---- set-up ---- */
/* Declares nothing (wasi_p3_define adds the WIT); implements wasi:http/types@0.3.0 and
 * wasi:http/client@0.3.0 (send, through the ctx's wasi_http_client; see http_p3_client.c). */
bool wasi_http_p3_define(cm_host *host, wr_error *err);

#endif
