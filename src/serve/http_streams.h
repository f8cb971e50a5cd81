/* One front-end exchange (http_server.h) seen by a wasi:http guest (wasi/http.h): the guest's
 * incoming-request with its body as an io.h input stream fed by the connection, and a
 * response-outparam whose `set` starts the HTTP response and whose body sink is an io.h output
 * stream where check-write reflects the connection's backpressure.
 *
 * Per request, on the worker's thread:
 *   x = serve_http_exchange_new(ex, p2_ctx);
 *   serve_http_incoming_request(x, http, &req_rep); serve_http_response_outparam(x, http, &out_rep);
 *   call handle(req_rep, out_rep) in a task; free the guest's ctx (which finishes or aborts the
 *   body sink and drops the body stream); then serve_http_exchange_release(x, trapped).
 * The response goes out as soon as the guest finishes its body, not when handle returns.
 *
 * Limits: response trailers are sent only with a chunked response (no content-length); request
 * trailers reach the guest's future-trailers when it read the body to its end; the request body
 * can be read until the response is finished, after which reads fail. */
#ifndef WARREN_SERVE_HTTP_STREAMS_H
#define WARREN_SERVE_HTTP_STREAMS_H

#include "serve/http_server.h"
#include "wasi/http.h"

typedef struct serve_http_exchange serve_http_exchange;

/* Takes over `ex` (this object ends or aborts it). `ctx` is the guest's WASI ctx: the streams'
 * pollables are flags of it. */
serve_http_exchange *serve_http_exchange_new(httpd_exchange *ex, wasi_p2_ctx *ctx);
/* The guest's own<incoming-request> (head copied, body streamed). */
wasm_trap *serve_http_incoming_request(serve_http_exchange *x, wasi_http_ctx *http, uint32_t *rep);
/* The guest's own<response-outparam>. */
wasm_trap *serve_http_response_outparam(serve_http_exchange *x, wasi_http_ctx *http, uint32_t *rep);
/* The parts the two functions above are made of, for embedders that build the request or the
 * response themselves (and for tests):
 * the request body as an input stream with its trailers (the caller hands ops/self to someone who
 * calls ops->stream.free(self) once done; call it only for a request with a body), */
void serve_http_body_stream(serve_http_exchange *x, const wasi_http_body_ops **ops, void **self);
/* and the response: starts it (content_length < 0: chunked) and returns its body sink, which is
 * finished or aborted and then freed as wasi_http_sink_ops says. */
void serve_http_start_response(serve_http_exchange *x, uint16_t status, const httpd_header *headers,
                               size_t header_count, int64_t content_length, const wasi_http_sink_ops **ops,
                               void **self);

/* The entries of `fields` (NULL: none) as front-end headers, in order (repeated names stay
 * separate), pointing into the fields; *count gets how many; free the array with wr_free.
 * content_length (may be NULL) gets the value of a content-length entry made of digits that
 * fit an int64_t, else -1. */
httpd_header *serve_http_headers_of(const wasi_http_fields *fields, size_t *count, int64_t *content_length);

/* A request head as the front end parsed it, in the form wasi:http's request constructors take
 * (p2's incoming-request, p3's request): what `head` points at lives until
 * serve_http_request_head_free. */
typedef struct serve_http_request_head {
  wasi_http_request_head head;
  wasi_http_header *headers;
  char *authority, *path;
} serve_http_request_head;
void serve_http_request_head_of(const httpd_request *r, serve_http_request_head *out);
void serve_http_request_head_free(serve_http_request_head *h);

/* For a request whose guest runs on without doing I/O: true if its client went away while the
 * response was not finished (httpd_exchange_check_client). Call from the loop. */
bool serve_http_exchange_client_gone(serve_http_exchange *x);

/* The request's task is done with it (after the guest's ctx was freed). `guest_failed`: the guest
 * trapped or could not be instantiated. Whatever response is still unsent becomes a 500; a
 * response cut short closes its connection. */
void serve_http_exchange_release(serve_http_exchange *x, bool guest_failed);

#endif
