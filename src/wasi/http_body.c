/* Message bodies. Incoming bodies hand the guest the input stream behind them (once) and
 * end in future-trailers. Outgoing bodies are a pipe: the guest writes through an output
 * stream while the host has not sent the message yet (bytes are buffered, bounded), and once
 * the message is sent (response-outparam.set, outgoing-handler.handle) straight into the
 * sink the host attached; finish or a drop without finish ends the sink. A Content-Length
 * header the guest set is enforced: a body that would be longer fails the write, a shorter
 * one fails finish. */
#include <string.h>

#include "http_internal.h"

/* ---- incoming bodies ---- */

static wasi_stream_status empty_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err) {
  WR_UNUSED(self);
  WR_UNUSED(buf);
  WR_UNUSED(len);
  WR_UNUSED(err);
  *nread = 0;
  return WASI_STREAM_CLOSED;
}

static wasi_pollable *empty_subscribe(void *self) {
  WR_UNUSED(self);
  return wasi_pollable_ready();
}

static void empty_free(void *self) { WR_UNUSED(self); }

static const wasi_http_body_ops empty_body = {{empty_read, empty_subscribe, empty_free}, NULL};

void wasi_http_body_source_free(wasi_http_body_source *src) {
  if (src->ops) src->ops->stream.free(src->self);
  *src = (wasi_http_body_source){0};
}

wasi_http_fields *wasi_http_trailers_of(wasi_http_ctx *http, const wasi_http_body_ops *ops, void *self) {
  if (!ops || !ops->trailer) return NULL;
  wasi_http_fields *fields = NULL;
  wasi_http_header h;
  for (size_t i = 0; ops->trailer(self, i, &h); i++) {
    if (!fields) fields = wasi_http_fields_new(http, true);
    wasi_http_fields_push(fields, h.name, h.name_len, h.value, h.value_len);
  }
  return fields;
}

/* An incoming body's trailers, shared by the body, the stream the guest reads and the
 * future-trailers finish gives: the guest drops the stream (its source goes with it) before it
 * finishes the body, so the stream leaves them here when it reads the end. */
typedef struct body_trailers {
  unsigned refs;
  wasi_http_ctx *http;
  wasi_http_fields *fields; /* NULL: none (or the body was not read to its end) */
} body_trailers;

static body_trailers *body_trailers_ref(body_trailers *t) {
  t->refs++;
  return t;
}

static void body_trailers_release(body_trailers *t) {
  if (!t || --t->refs) return;
  wasi_http_fields_free(t->fields);
  wr_free(t);
}

/* The stream handed to the guest: the source's, noting its trailers when it ends. */
typedef struct body_stream {
  wasi_http_body_source source;
  body_trailers *trailers;
  bool ended;
} body_stream;

static wasi_stream_status body_stream_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err) {
  body_stream *b = self;
  wasi_stream_status st = b->source.ops->stream.read(b->source.self, buf, len, nread, err);
  if (st == WASI_STREAM_CLOSED && !b->ended) {
    b->ended = true;
    b->trailers->fields = wasi_http_trailers_of(b->trailers->http, b->source.ops, b->source.self);
  }
  return st;
}

static wasi_pollable *body_stream_subscribe(void *self) {
  body_stream *b = self;
  return b->source.ops->stream.subscribe(b->source.self);
}

static void body_stream_free(void *self) {
  body_stream *b = self;
  wasi_http_body_source_free(&b->source);
  body_trailers_release(b->trailers);
  wr_free(b);
}

static const wasi_input_ops body_stream_ops = {body_stream_read, body_stream_subscribe, body_stream_free};

typedef struct incoming_body {
  wasi_http_body_source source;
  bool stream_taken;
  body_trailers *trailers;
} incoming_body;

static void incoming_body_free(void *object) {
  incoming_body *body = object;
  wasi_http_body_source_free(&body->source);
  body_trailers_release(body->trailers);
  wr_free(body);
}
const wasi_kind wasi_http_incoming_body_kind = {"incoming-body", incoming_body_free};

wasm_trap *wasi_http_incoming_body_new(wasi_http_ctx *http, wasi_http_body_source *src, uint32_t *rep) {
  incoming_body *body = WR_NEW(incoming_body);
  body->source = *src;
  *src = (wasi_http_body_source){0};
  body->trailers = WR_NEW(body_trailers);
  body->trailers->refs = 1;
  body->trailers->http = http;
  return wasi_table_add(http->p2, &wasi_http_incoming_body_kind, body, rep);
}

/* stream: the body's bytes as an input stream, once. */
static wasm_trap *incoming_body_stream(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_p2_ctx *ctx = call->state;
  incoming_body *body = call->args[0].object;
  if (body->stream_taken) {
    *result = wasi_err(cx, NULL);
    return NULL;
  }
  body->stream_taken = true;
  body_stream *b = WR_NEW(body_stream);
  b->source = body->source.ops ? body->source : (wasi_http_body_source){&empty_body, NULL};
  body->source = (wasi_http_body_source){0};
  b->trailers = body_trailers_ref(body->trailers);
  uint32_t rep = 0;
  wasm_trap *trap = wasi_input_stream_add(ctx, &body_stream_ops, b, &rep);
  if (trap) return trap;
  cm_val handle = cm_val_handle(rep);
  *result = wasi_ok(cx, &handle);
  return NULL;
}

/* future-trailers: ready at once with what the body's stream noted when it read the end (a body
 * not read to its end reports none). */
typedef struct future_trailers {
  body_trailers *trailers;
  bool taken;
} future_trailers;

static void future_trailers_free(void *object) {
  future_trailers *f = object;
  body_trailers_release(f->trailers);
  wr_free(f);
}
const wasi_kind wasi_http_future_trailers_kind = {"future-trailers", future_trailers_free};

/* finish(this: own<incoming-body>) -> future-trailers */
static wasm_trap *incoming_body_finish(const cm_bound_call *call, cm_val *result) {
  wasi_p2_ctx *ctx = call->state;
  uint32_t body_rep = call->args[0].val.u.rep;
  incoming_body *body = wasi_table_take(ctx, body_rep, &wasi_http_incoming_body_kind);
  if (!body) return wasi_trap(ctx, "unknown incoming-body %u", body_rep);
  future_trailers *f = WR_NEW(future_trailers);
  f->trailers = body_trailers_ref(body->trailers);
  incoming_body_free(body);
  uint32_t rep = 0;
  wasm_trap *trap = wasi_table_add(ctx, &wasi_http_future_trailers_kind, f, &rep);
  *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *future_trailers_subscribe(const cm_bound_call *call, cm_val *result) {
  uint32_t rep = 0;
  wasm_trap *trap = wasi_pollable_add(call->state, wasi_pollable_ready(), &rep);
  *result = cm_val_handle(rep);
  return trap;
}

/* get -> option<result<result<option<trailers>, error-code>>>: some(ok(ok(some(trailers)))) or
 * some(ok(ok(none))), then some(err) once the value was taken. */
static wasm_trap *future_trailers_get(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_p2_ctx *ctx = call->state;
  future_trailers *f = call->args[0].object;
  cm_val outer;
  if (f->taken) {
    outer = wasi_err(cx, NULL);
  } else {
    f->taken = true;
    cm_val option = wasi_none();
    wasi_http_fields *fields = f->trailers->fields;
    if (fields) {
      f->trailers->fields = NULL;
      uint32_t rep = 0;
      wasm_trap *trap = wasi_table_add(ctx, &wasi_http_fields_kind, fields, &rep);
      if (trap) return trap;
      cm_val handle = cm_val_handle(rep);
      option = wasi_some(cx, &handle);
    }
    cm_val inner = wasi_ok(cx, &option);
    outer = wasi_ok(cx, &inner);
  }
  *result = wasi_some(cx, &outer);
  return NULL;
}

/* ---- outgoing bodies ---- */

typedef enum { PIPE_OPEN, PIPE_FINISHED, PIPE_ABORTED } pipe_end;

struct wasi_http_pipe {
  unsigned refs; /* the message until it is sent, the outgoing-body, its output stream */
  bool is_request;
  uint8_t *buf; /* written before the sink was attached; WASI_HTTP_BODY_BUFFER at most */
  size_t len;
  const wasi_http_sink_ops *sink; /* NULL before attach and once ended */
  void *sink_self;
  bool attached;
  pipe_end end;               /* what the guest decided */
  wasi_http_fields *trailers; /* finish before attach: delivered at attach */
  wasi_flag *attached_flag;   /* set at attach: writers waiting on a full buffer go on */
  bool has_length;            /* the guest's Content-Length */
  uint64_t length, written;
};

static void pipe_release(wasi_http_pipe *pipe) {
  if (--pipe->refs) return;
  wr_free(pipe->buf);
  wasi_http_fields_free(pipe->trailers);
  wasi_flag_release(pipe->attached_flag);
  wr_free(pipe);
}

void wasi_http_pipe_release(wasi_http_pipe *pipe) { pipe_release(pipe); }

static wasi_http_error_code body_size_error(const wasi_http_pipe *pipe, uint64_t size) {
  wasi_http_error_code err = wasi_http_error(pipe->is_request ? WASI_HTTP_ERR_HTTP_REQUEST_BODY_SIZE
                                                              : WASI_HTTP_ERR_HTTP_RESPONSE_BODY_SIZE);
  err.present = err.has_value = true;
  err.value = size;
  return err;
}

/* Ends the attached sink the way the guest ended the body; *err gets finish's failure. */
static bool pipe_end_sink(wasi_http_pipe *pipe, wasi_http_error_code *err) {
  bool ok = true;
  if (pipe->end == PIPE_FINISHED) ok = pipe->sink->finish(pipe->sink_self, pipe->trailers, err);
  else pipe->sink->abort(pipe->sink_self);
  pipe->sink->stream.free(pipe->sink_self);
  pipe->sink = NULL;
  return ok;
}

void wasi_http_pipe_attach(wasi_http_pipe *pipe, const wasi_http_sink_ops *ops, void *self) {
  pipe->sink = ops;
  pipe->sink_self = self;
  pipe->attached = true;
  if (pipe->len) {
    wasi_io_error *ioerr = NULL;
    if (ops->stream.write(self, pipe->buf, pipe->len, &ioerr) == WASI_STREAM_FAILED && ioerr) wasi_io_error_free(ioerr);
  }
  wr_free(pipe->buf);
  pipe->buf = NULL;
  pipe->len = 0;
  wasi_signal(pipe->attached_flag);
  if (pipe->end != PIPE_OPEN) {
    wasi_http_error_code ignored = {0};
    pipe_end_sink(pipe, &ignored);
    wasi_http_error_code_clear(&ignored);
  }
}

static uint64_t content_length(const wasi_http_fields *headers, bool *has) {
  const wasi_http_field *f = wasi_http_fields_find(headers, "content-length");
  *has = false;
  if (!f || f->value_len == 0 || f->value_len > 19) return 0;
  uint64_t n = 0;
  for (size_t i = 0; i < f->value_len; i++) {
    if (f->value[i] < '0' || f->value[i] > '9') return 0;
    n = n * 10 + (uint64_t)(f->value[i] - '0');
  }
  *has = true;
  return n;
}

/* the output stream over the pipe */

static wasi_stream_status pipe_check_write(void *self, uint64_t *permitted, wasi_io_error **err) {
  wasi_http_pipe *pipe = self;
  if (pipe->end != PIPE_OPEN || (pipe->attached && !pipe->sink)) return WASI_STREAM_CLOSED;
  if (pipe->sink) return pipe->sink->stream.check_write(pipe->sink_self, permitted, err);
  *permitted = WASI_HTTP_BODY_BUFFER - pipe->len;
  return WASI_STREAM_OK;
}

static wasi_stream_status pipe_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **err) {
  wasi_http_pipe *pipe = self;
  if (pipe->end != PIPE_OPEN || (pipe->attached && !pipe->sink)) return WASI_STREAM_CLOSED;
  if (pipe->has_length && len > pipe->length - pipe->written) {
    wasi_http_error_code code = body_size_error(pipe, pipe->written + len);
    *err = wasi_http_io_error(&code);
    return WASI_STREAM_FAILED;
  }
  pipe->written += len;
  if (pipe->sink) return pipe->sink->stream.write(pipe->sink_self, buf, len, err);
  if (len > WASI_HTTP_BODY_BUFFER - pipe->len) { /* io.c bounds writes by check-write; stay safe anyway */
    *err = wasi_io_error_new(0, "write exceeds what check-write permitted");
    return WASI_STREAM_FAILED;
  }
  if (!pipe->buf) pipe->buf = wr_malloc(WASI_HTTP_BODY_BUFFER);
  memcpy(pipe->buf + pipe->len, buf, len);
  pipe->len += len;
  return WASI_STREAM_OK;
}

static wasi_stream_status pipe_flush(void *self, wasi_io_error **err) {
  wasi_http_pipe *pipe = self;
  if (pipe->end != PIPE_OPEN || (pipe->attached && !pipe->sink)) return WASI_STREAM_CLOSED;
  return pipe->sink ? pipe->sink->stream.flush(pipe->sink_self, err) : WASI_STREAM_OK;
}

static wasi_pollable *pipe_subscribe(void *self) {
  wasi_http_pipe *pipe = self;
  if (pipe->sink) return pipe->sink->stream.subscribe(pipe->sink_self);
  if (pipe->attached || pipe->end != PIPE_OPEN || pipe->len < WASI_HTTP_BODY_BUFFER) return wasi_pollable_ready();
  return wasi_pollable_flag(pipe->attached_flag);
}

static void pipe_stream_free(void *self) { pipe_release(self); }

/* A body write beyond check-write traps, as the spec and wasmtime say (jco is lenient, so
 * StarlingMonkey's error pages, written without a check, get Warren's 500 instead). */
static const wasi_output_ops pipe_output = {pipe_check_write, pipe_write, pipe_flush, pipe_subscribe, pipe_stream_free, 0};

/* the outgoing-body resource */

typedef struct outgoing_body {
  wasi_http_pipe *pipe;
  bool stream_taken;
} outgoing_body;

/* Dropped without finish: the message is incomplete. */
static void outgoing_body_free(void *object) {
  outgoing_body *body = object;
  wasi_http_pipe *pipe = body->pipe;
  if (pipe->end == PIPE_OPEN) {
    pipe->end = PIPE_ABORTED;
    if (pipe->sink) {
      wasi_http_error_code ignored = {0};
      pipe_end_sink(pipe, &ignored);
    }
  }
  pipe_release(pipe);
  wr_free(body);
}
const wasi_kind wasi_http_outgoing_body_kind = {"outgoing-body", outgoing_body_free};

wasm_trap *wasi_http_outgoing_body_new(wasi_http_ctx *http, bool is_request, const wasi_http_fields *headers,
                                       wasi_http_pipe **pipe_out, uint32_t *rep) {
  wasi_http_pipe *pipe = WR_NEW(wasi_http_pipe);
  pipe->refs = 2; /* the message and the outgoing-body */
  pipe->is_request = is_request;
  pipe->attached_flag = wasi_flag_new(http->p2);
  pipe->length = content_length(headers, &pipe->has_length);
  outgoing_body *body = WR_NEW(outgoing_body);
  body->pipe = pipe;
  *pipe_out = pipe;
  return wasi_table_add(http->p2, &wasi_http_outgoing_body_kind, body, rep);
}

/* write: the body's output stream, once. */
static wasm_trap *outgoing_body_write(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_p2_ctx *ctx = call->state;
  outgoing_body *body = call->args[0].object;
  wasm_trap *trap;
  if (body->stream_taken) {
    *result = wasi_err(cx, NULL);
    return NULL;
  }
  body->stream_taken = true;
  body->pipe->refs++;
  uint32_t rep = 0;
  if ((trap = wasi_output_stream_add(ctx, &pipe_output, body->pipe, &rep))) return trap;
  cm_val handle = cm_val_handle(rep);
  *result = wasi_ok(cx, &handle);
  return NULL;
}

/* finish(this: own<outgoing-body>, trailers: option<own<trailers>>) -> result<_, error-code> */
static wasm_trap *outgoing_body_finish(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_p2_ctx *ctx = call->state;
  uint32_t body_rep = call->args[0].val.u.rep;
  outgoing_body *body = wasi_table_take(ctx, body_rep, &wasi_http_outgoing_body_kind);
  if (!body) return wasi_trap(ctx, "unknown outgoing-body %u", body_rep);
  wasi_http_fields *trailers = NULL;
  const cm_val *opt = &call->args[1].val;
  if (opt->u.cs.index == 1) {
    trailers = wasi_table_take(ctx, opt->u.cs.payload->u.rep, &wasi_http_fields_kind);
    if (!trailers) {
      outgoing_body_free(body);
      return wasi_trap(ctx, "unknown fields %u", opt->u.cs.payload->u.rep);
    }
  }
  wasi_http_pipe *pipe = body->pipe;
  wasi_http_error_code err = {0};
  bool ok = true;
  if (pipe->has_length && pipe->written != pipe->length) {
    err = body_size_error(pipe, pipe->written);
    ok = false;
    wasi_http_fields_free(trailers);
  } else {
    pipe->end = PIPE_FINISHED;
    pipe->trailers = trailers;
    if (pipe->sink) ok = pipe_end_sink(pipe, &err);
  }
  outgoing_body_free(body); /* an unfinished body is aborted here */
  if (ok) {
    *result = wasi_ok(cx, NULL);
  } else {
    cm_val code = wasi_http_error_to_val(cx->arena, &err);
    *result = wasi_err(cx, &code);
  }
  wasi_http_error_code_clear(&err);
  return NULL;
}

/* bound with wasi_p2_binder: they need no wasi:http context */
const cm_host_binding wasi_http_body_funcs[] = {
    {"[method]incoming-body.stream", incoming_body_stream, {&wasi_http_incoming_body_kind}},
    {"[static]incoming-body.finish", incoming_body_finish, {NULL}},
    {"[method]future-trailers.subscribe", future_trailers_subscribe, {&wasi_http_future_trailers_kind}},
    {"[method]future-trailers.get", future_trailers_get, {&wasi_http_future_trailers_kind}},
    {"[method]outgoing-body.write", outgoing_body_write, {&wasi_http_outgoing_body_kind}},
    {"[static]outgoing-body.finish", outgoing_body_finish, {NULL}},
};
const size_t wasi_http_body_nfuncs = WR_ARRAY_LEN(wasi_http_body_funcs);
