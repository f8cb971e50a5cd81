/* io.h streams over a front-end exchange, and the wasi:http responder that starts its response.
 * See http_streams.h. */
#include "serve/http_streams.h"

#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/log.h"
#include "wasi/http1_grammar.h"

struct serve_http_exchange {
  httpd_exchange *ex; /* NULL once ended or aborted */
  wasi_p2_ctx *ctx;
  unsigned refs; /* the request's task, the body stream, the response-outparam, the body sink */
  bool outparam_live; /* the guest holds the response-outparam: it may still answer */
  uint64_t body_bytes; /* written to the response body so far */
  bool body_stream_live;
  bool sink_live;
  bool body_ended;
  wasi_flag *readable; /* set while a body read would not return 0 bytes (or may not) */
  wasi_flag *writable; /* set while check-write may permit bytes */
};

static void exchange_unref(serve_http_exchange *x) {
  if (--x->refs) return;
  if (x->ex) httpd_response_abort(x->ex); /* nobody is left to answer */
  wasi_flag_release(x->readable);
  wasi_flag_release(x->writable);
  wr_free(x);
}

static void on_body_ready(void *arg) {
  serve_http_exchange *x = arg;
  if (x->body_stream_live) wasi_signal(x->readable);
}

static void on_writable(void *arg) {
  serve_http_exchange *x = arg;
  if (x->sink_live) wasi_signal(x->writable);
}

serve_http_exchange *serve_http_exchange_new(httpd_exchange *ex, wasi_p2_ctx *ctx) {
  serve_http_exchange *x = WR_NEW(serve_http_exchange);
  x->ex = ex;
  x->ctx = ctx;
  x->refs = 1;
  /* Signalled when the streams are handed out, so the first read or check-write finds out the
   * real state; cleared when a read or check-write comes back empty. */
  x->readable = wasi_flag_new(ctx);
  x->writable = wasi_flag_new(ctx);
  return x;
}

/* ---------- the request body: an input stream ---------- */

static wasi_stream_status body_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err) {
  serve_http_exchange *x = self;
  *nread = 0;
  if (x->body_ended) return WASI_STREAM_CLOSED;
  if (x->ex == NULL) {
    *err = wasi_io_error_new(0, "the request body cannot be read after the response was sent");
    return WASI_STREAM_FAILED;
  }
  switch (httpd_body_read(x->ex, buf, len, nread)) {
  case HTTPD_BODY_DATA: return WASI_STREAM_OK;
  case HTTPD_BODY_WAIT: wasi_flag_clear(x->readable); return WASI_STREAM_OK;
  case HTTPD_BODY_END: x->body_ended = true; return WASI_STREAM_CLOSED;
  case HTTPD_BODY_ERROR: break;
  }
  *err = wasi_io_error_new(0, "the request body failed: the client went away or sent a malformed body");
  return WASI_STREAM_FAILED;
}

static wasi_pollable *body_subscribe(void *self) {
  serve_http_exchange *x = self;
  if (x->ex == NULL || x->body_ended) return wasi_pollable_ready();
  httpd_body_want(x->ex); /* a guest about to wait for the body: its client may wait for a 100 */
  if (httpd_body_available(x->ex) > 0) wasi_signal(x->readable);
  return wasi_pollable_flag(x->readable);
}

static void body_free(void *self) {
  serve_http_exchange *x = self;
  x->body_stream_live = false;
  if (x->ex) httpd_body_on_ready(x->ex, NULL, NULL);
  exchange_unref(x);
}

static bool body_trailer(void *self, size_t i, wasi_http_header *out) {
  serve_http_exchange *x = self;
  httpd_header h;
  if (!x->ex || !httpd_body_trailer(x->ex, i, &h)) return false;
  *out = (wasi_http_header){h.name, h.name_len, (const uint8_t *)h.value, h.value_len};
  return true;
}

static const wasi_http_body_ops body_ops = {{body_read, body_subscribe, body_free}, body_trailer};

void serve_http_body_stream(serve_http_exchange *x, const wasi_http_body_ops **ops, void **self) {
  x->refs++;
  x->body_stream_live = true;
  if (x->ex) httpd_body_on_ready(x->ex, on_body_ready, x);
  wasi_signal(x->readable);
  *ops = &body_ops;
  *self = x;
}

/* ---------- the response body: a sink ---------- */

static bool exchange_open(const serve_http_exchange *x) { return x->ex != NULL && !httpd_exchange_failed(x->ex); }

bool serve_http_exchange_client_gone(serve_http_exchange *x) { return x->ex != NULL && httpd_exchange_check_client(x->ex); }

static wasi_stream_status sink_check_write(void *self, uint64_t *permitted, wasi_io_error **err) {
  WR_UNUSED(err);
  serve_http_exchange *x = self;
  *permitted = 0;
  if (!exchange_open(x)) return WASI_STREAM_CLOSED;
  *permitted = httpd_response_capacity(x->ex);
  if (*permitted == 0) wasi_flag_clear(x->writable);
  return WASI_STREAM_OK;
}

static wasi_stream_status sink_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **err) {
  serve_http_exchange *x = self;
  if (!exchange_open(x)) return WASI_STREAM_CLOSED;
  x->body_bytes += len;
  if (httpd_response_write(x->ex, buf, len)) return WASI_STREAM_OK;
  if (!exchange_open(x)) return WASI_STREAM_CLOSED;
  *err = wasi_io_error_new(0, "the response body is longer than its content-length");
  return WASI_STREAM_FAILED;
}

/* Bytes leave at the end of the event loop's pass; there is nothing to wait for. */
static wasi_stream_status sink_flush(void *self, wasi_io_error **err) {
  WR_UNUSED(err);
  return exchange_open(self) ? WASI_STREAM_OK : WASI_STREAM_CLOSED;
}

static wasi_pollable *sink_subscribe(void *self) {
  serve_http_exchange *x = self;
  if (!exchange_open(x)) return wasi_pollable_ready();
  if (httpd_response_capacity(x->ex) > 0) wasi_signal(x->writable);
  return wasi_pollable_flag(x->writable);
}

static bool sink_finish(void *self, const wasi_http_fields *trailers, wasi_http_error_code *err) {
  WR_UNUSED(err);
  serve_http_exchange *x = self;
  if (x->ex) {
    size_t n = 0;
    httpd_header *fields = serve_http_headers_of(trailers, &n, NULL);
    httpd_response_end_with_trailers(x->ex, fields, n);
    wr_free(fields);
    x->ex = NULL;
  }
  return true;
}

/* The guest dropped its body without finishing it. Nothing written yet: end the response
 * with an empty body, as jco and wasmtime serve do (StarlingMonkey's error path drops an
 * untouched body); otherwise the message is cut short and its connection closed. */
static void sink_abort(void *self) {
  serve_http_exchange *x = self;
  if (!x->ex) return;
  if (x->body_bytes == 0) httpd_response_end(x->ex);
  else httpd_response_abort(x->ex);
  x->ex = NULL;
}

static void sink_free(void *self) {
  serve_http_exchange *x = self;
  x->sink_live = false;
  if (x->ex) httpd_response_on_writable(x->ex, NULL, NULL);
  exchange_unref(x);
}

static const wasi_http_sink_ops sink_ops = {
    {sink_check_write, sink_write, sink_flush, sink_subscribe, sink_free, 0}, sink_finish, sink_abort};

/* ---------- the responder ---------- */

/* A guest's content-length for the response framing: digits that fit an int64_t, else unknown. */
static bool parse_length(const uint8_t *s, size_t len, int64_t *out) {
  uint64_t v;
  if (!http1_parse_decimal((const char *)s, len, &v) || v > INT64_MAX) return false;
  *out = (int64_t)v;
  return true;
}

httpd_header *serve_http_headers_of(const wasi_http_fields *fields, size_t *count, int64_t *content_length) {
  size_t n = fields ? wasi_http_fields_count(fields) : 0;
  httpd_header *headers = WR_NEW_ARRAY(httpd_header, n ? n : 1);
  if (content_length) *content_length = -1;
  for (size_t i = 0; i < n; i++) {
    wasi_http_header h = wasi_http_fields_at(fields, i);
    headers[i] = (httpd_header){h.name, h.name_len, (const char *)h.value, h.value_len};
    if (content_length && h.name_len == 14 && strncasecmp(h.name, "content-length", 14) == 0 &&
        !parse_length(h.value, h.value_len, content_length))
      *content_length = -1;
  }
  *count = n;
  return headers;
}

static void on_head(void *env, uint16_t status, const wasi_http_fields *fields, const wasi_http_sink_ops **ops,
                    void **self) {
  serve_http_exchange *x = env;
  size_t n = 0;
  int64_t content_length = -1;
  httpd_header *headers = serve_http_headers_of(fields, &n, &content_length);
  serve_http_start_response(x, status, headers, n, content_length, ops, self);
  wr_free(headers);
  x->outparam_live = false;
  exchange_unref(x);
}

void serve_http_start_response(serve_http_exchange *x, uint16_t status, const httpd_header *headers,
                               size_t header_count, int64_t content_length, const wasi_http_sink_ops **ops,
                               void **self) {
  if (x->ex) {
    httpd_response_start(x->ex, status, headers, header_count, content_length);
    httpd_response_on_writable(x->ex, on_writable, x);
  }
  x->refs++;
  x->sink_live = true;
  wasi_signal(x->writable);
  *ops = &sink_ops;
  *self = x;
}

static void on_error(void *env, const wasi_http_error_code *code) {
  serve_http_exchange *x = env;
  if (code) WR_WARN("serve: the guest answered with error-code %s", wasi_http_error_name(code->code));
  if (x->ex) {
    httpd_response_abort(x->ex);
    x->ex = NULL;
  }
  x->outparam_live = false;
  exchange_unref(x);
}

static const wasi_http_responder responder = {on_head, on_error};

/* The outparam holds a reference: exactly one of on_head / on_error ends it (on_error when the
 * guest drops it, or when its instance goes, possibly after the request's task ended). */
wasm_trap *serve_http_response_outparam(serve_http_exchange *x, wasi_http_ctx *http, uint32_t *rep) {
  x->refs++;
  x->outparam_live = true;
  return wasi_http_response_outparam_new(http, &responder, x, rep);
}

/* ---------- the incoming request ---------- */

void serve_http_request_head_of(const httpd_request *r, serve_http_request_head *out) {
  out->headers = WR_NEW_ARRAY(wasi_http_header, r->header_count ? r->header_count : 1);
  for (size_t i = 0; i < r->header_count; i++)
    out->headers[i] = (wasi_http_header){r->headers[i].name, r->headers[i].name_len,
                                         (const uint8_t *)r->headers[i].value, r->headers[i].value_len};
  out->authority = r->authority_len ? wr_strndup(r->authority, r->authority_len) : NULL;
  out->path = wr_strndup(r->path, r->path_len);
  out->head = (wasi_http_request_head){r->method,  r->method_len, r->scheme,     out->authority,
                                       out->path, out->headers, r->header_count};
}

void serve_http_request_head_free(serve_http_request_head *h) {
  wr_free(h->authority);
  wr_free(h->path);
  wr_free(h->headers);
}

wasm_trap *serve_http_incoming_request(serve_http_exchange *x, wasi_http_ctx *http, uint32_t *rep) {
  const httpd_request *r = httpd_exchange_request(x->ex);
  serve_http_request_head h;
  serve_http_request_head_of(r, &h);
  const wasi_http_body_ops *ops = NULL;
  void *self = NULL;
  if (r->has_body) serve_http_body_stream(x, &ops, &self);
  wasm_trap *trap = wasi_http_incoming_request_new(http, &h.head, ops, self, rep);
  serve_http_request_head_free(&h);
  return trap;
}

void serve_http_exchange_release(serve_http_exchange *x, bool guest_failed) {
  /* A p2 handler that returned without setting its response never will: no guest code of the
   * request runs after its task. */
  if ((guest_failed || x->outparam_live) && x->ex) {
    httpd_response_abort(x->ex);
    x->ex = NULL;
  }
  exchange_unref(x);
}
