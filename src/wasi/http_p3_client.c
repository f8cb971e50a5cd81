/* wasi:http/client@0.3.0 send: a guest's request goes to the ctx's wasi_http_client (http.h),
 * the 0.2 outgoing machinery, driven from the ctx's reactor instead of a blocking waiter.
 *
 * The exchange waits on the client's pollables through the reactor (fd and deadline pollables
 * directly; a flag pollable through wasi_flag_listen, which schedules the next poll on the
 * reactor). The request body streams from the guest's stream to the client's sink chunk by
 * chunk while the response head is awaited; the head resolves the call with a host-made
 * response whose body source reads the client's body stream (the same mechanism the server
 * uses for incoming request bodies). The origin's trailers (a chunked response's, as the
 * client's body stream reports them once it ended) resolve the response's trailers future with
 * ok(some(trailers)); none: ok(none). Timeouts (request-options) are the client's, as in 0.2.
 *
 * wasi_http_default_client (`warren run`) blocks in send, response and body reads: there the
 * single thread waits for the origin inside those calls. The server's client never blocks. */
#include <string.h>

#include "../base/alloc.h"
#include "http_p3_internal.h"
#include "p3_task.h"

#define CLIENT_IFACE "wasi:http/client@0.3.0"
#define UPLOAD_CHUNK (64u * 1024)

/* ---- waiting on a 0.2 pollable through the reactor ---- */

typedef struct client_wait {
  wasi_reactor *reactor;
  wasi_wakeup *wakeup;
  wasi_pollable *pollable; /* held while waiting */
  bool due;                /* the flag was signalled: wakeup runs on the loop's next turn */
  void (*fn)(void *arg);
  void *arg;
} client_wait;

static void wait_stop(client_wait *w) {
  if (w->wakeup) w->reactor->cancel(w->reactor, w->wakeup);
  w->wakeup = NULL;
  w->due = false;
  if (w->pollable) {
    if (w->pollable->kind == WASI_POLL_FLAG) wasi_flag_listen(w->pollable->flag, NULL, NULL);
    wasi_pollable_free(w->pollable);
    w->pollable = NULL;
  }
}

static void wait_fired(void *arg, short revents) {
  WR_UNUSED(revents);
  client_wait *w = arg;
  w->wakeup = NULL;
  wait_stop(w);
  w->fn(w->arg);
}

/* Inside the client's wasi_signal: only schedule the poll. */
static void wait_flag_signalled(void *arg) {
  client_wait *w = arg;
  if (w->due) return;
  w->due = true;
  if (w->wakeup) w->reactor->cancel(w->reactor, w->wakeup);
  w->wakeup = w->reactor->wait(w->reactor, -1, 0, 0, wait_fired, w);
  /* NULL (out of memory): the wait is lost; the ctx frees what waited with it */
}

/* Calls fn(arg) from the reactor once `p` (taken) may be ready; false when the reactor refused. */
static bool wait_on(client_wait *w, wasi_pollable *p) {
  wait_stop(w);
  w->pollable = p;
  int fd = -1;
  short events = 0;
  uint64_t deadline = 0;
  switch (p->kind) {
  case WASI_POLL_READY: break;
  case WASI_POLL_DEADLINE: deadline = p->deadline_ns == UINT64_MAX ? UINT64_MAX - 1 : p->deadline_ns; break;
  case WASI_POLL_FD:
    fd = p->fd;
    events = p->events;
    deadline = UINT64_MAX;
    break;
  case WASI_POLL_FLAG:
    if (!wasi_flag_is_set(p->flag)) {
      /* the signal comes from the client's own loop work; meanwhile a wakeup that never comes due
       * tells the reactor's owner that this instance still waits on something */
      wasi_flag_listen(p->flag, wait_flag_signalled, w);
      deadline = UINT64_MAX - 1;
    }
    break;
  }
  w->wakeup = w->reactor->wait(w->reactor, fd, events, deadline, wait_fired, w);
  return w->wakeup != NULL;
}

static wasi_http_error_code code_of_io_error(wasi_io_error *io, const char *what) {
  const wasi_http_error_code *code = io ? wasi_http_io_error_code(io) : NULL;
  wasi_http_error_code out;
  if (code) {
    out = *code;
    if (code->text) out.text = wr_strndup(code->text, strlen(code->text));
  } else {
    out = wasi_http_internal_error("%s: %s", what, io ? io->message : "closed");
  }
  if (io) wasi_io_error_free(io);
  return out;
}

/* ---- the response body: a source over the client's body stream ---- */

typedef struct client_body {
  const wasi_http_body_ops *ops;
  void *self;
  wasi_http_p3_feed *feed;
  client_wait wait;
} client_body;

static void body_readable(void *arg) { wasi_http_p3_body_ready(((client_body *)arg)->feed); }

static void body_start(void *env, wasi_http_p3_feed *feed) { ((client_body *)env)->feed = feed; }

static wasi_http_p3_body_status body_read(void *env, uint8_t *buf, size_t cap, size_t *n,
                                          wasi_http_error_code *err) {
  client_body *b = env;
  wasi_io_error *io = NULL;
  switch (b->ops->stream.read(b->self, buf, cap, n, &io)) {
  case WASI_STREAM_OK:
    if (*n > 0) return WASI_HTTP_P3_BODY_DATA;
    if (!b->wait.pollable && !b->wait.wakeup && !wait_on(&b->wait, b->ops->stream.subscribe(b->self))) {
      *err = wasi_http_internal_error("the event loop refused a wait");
      return WASI_HTTP_P3_BODY_ERROR;
    }
    return WASI_HTTP_P3_BODY_WAIT;
  case WASI_STREAM_CLOSED: return WASI_HTTP_P3_BODY_END;
  case WASI_STREAM_FAILED: break;
  }
  *err = code_of_io_error(io, "response body");
  return WASI_HTTP_P3_BODY_ERROR;
}

static void body_release(void *env) {
  client_body *b = env;
  wait_stop(&b->wait);
  b->ops->stream.free(b->self);
  wr_free(b);
}

/* The origin's trailers, as the client's body stream has them. */
static bool body_trailer(void *env, size_t i, wasi_http_header *out) {
  client_body *b = env;
  return b->ops->trailer && b->ops->trailer(b->self, i, out);
}

static const wasi_http_p3_body_source client_body_source = {body_start, body_read, body_release, body_trailer};

/* ---- one send ---- */

typedef struct client_send {
  wasi_http_ctx *http;
  uint32_t rep; /* its entry in the ctx's table (freed with the ctx if still going) */
  const wasi_http_client *client;
  cm_host_call *call; /* NULL once answered, cancelled or dropped */
  void *exchange;     /* NULL once the response head (or failure) was taken */
  client_wait response_wait;
  bool poll_after_upload; /* a blocking client: ask for the head once the body is sent */
  /* the request body, guest stream -> client sink */
  const wasi_http_sink_ops *sink; /* NULL: no body, or over */
  void *sink_self;
  cm_host_end *contents, *trailers;
  wasi_http_p3_transmit *transmit; /* request.new's future, told how the body went */
  client_wait upload_wait;
  uint8_t *buf;
  size_t len, off;          /* buf[off..len) waits for the sink */
  bool reading, contents_over;
  bool trailers_reading, trailers_over;
  bool trailers_failed;            /* the future said err, or was dropped unwritten */
  wasi_http_error_code trailers_err;
  wasi_http_fields *trailer_fields; /* ok(some(fields)) */
  cm_arena *arena;
  cm_val trailers_value;
  cm_store_rt *store_rt; /* the caller's, where the response body's ends go */
  const wasi_http_p3_types *types;
} client_send;

static void send_free(void *object) {
  client_send *s = object;
  wait_stop(&s->response_wait);
  wait_stop(&s->upload_wait);
  if (s->exchange) s->client->free(s->exchange);
  if (s->sink) {
    s->sink->abort(s->sink_self);
    s->sink->stream.free(s->sink_self);
  }
  if (s->contents) cm_host_end_drop(s->contents);
  if (s->trailers) cm_host_end_drop(s->trailers);
  if (s->transmit) wasi_http_p3_transmit_drop(s->transmit);
  if (s->arena) cm_arena_free(s->arena);
  wasi_http_error_code_clear(&s->trailers_err);
  wasi_http_fields_free(s->trailer_fields);
  wr_free(s->buf);
  wr_free(s);
}
static const wasi_kind send_kind = {"outgoing request", send_free};

/* Gone once answered and the body is over. Call last. */
static void send_maybe_done(client_send *s) {
  if (!s->call && !s->exchange && !s->sink) wasi_table_remove(s->http->p2, s->rep, &send_kind);
}

static wasm_store *send_store(const client_send *s) { return wasi_p2_ctx_store(s->http->p2); }

static void send_answer(client_send *s, const cm_val *payload, uint32_t index) {
  cm_host_call *call = s->call;
  s->call = NULL;
  cm_arena *arena = cm_arena_new();
  cm_val result = cm_val_case(arena, index, payload);
  /* a trap lowering the result poisoned the caller's instance; nothing more to do here */
  wasi_p3_calls_in_use->finish(call, &result);
  cm_arena_free(arena);
}

static void send_fail(client_send *s, const wasi_http_error_code *err) {
  cm_arena *arena = cm_arena_new();
  cm_val code = wasi_http_error_to_val(arena, err);
  send_answer(s, &code, 1);
  cm_arena_free(arena);
}

static void response_poll(void *arg);

/* The request body is over (err NULL: completely sent with `trailers`). Call last. */
static void upload_end(client_send *s, const wasi_http_fields *trailers, const wasi_http_error_code *err) {
  wasi_http_error_code failed = {0};
  if (s->sink) {
    if (err) {
      s->sink->abort(s->sink_self);
    } else if (!s->sink->finish(s->sink_self, trailers, &failed)) {
      err = &failed;
    }
    s->sink->stream.free(s->sink_self);
    s->sink = NULL;
  }
  wait_stop(&s->upload_wait);
  if (s->contents) cm_host_end_drop(s->contents);
  if (s->trailers) cm_host_end_drop(s->trailers);
  s->contents = s->trailers = NULL;
  if (s->transmit) wasi_http_p3_transmit_report(s->transmit, err);
  s->transmit = NULL;
  wasi_http_error_code_clear(&failed);
  if (s->poll_after_upload && s->exchange && s->call) {
    s->poll_after_upload = false;
    response_poll(s); /* ends with send_maybe_done */
    return;
  }
  send_maybe_done(s);
}

static void upload_fail(client_send *s, wasi_http_error_code err) {
  upload_end(s, NULL, &err);
  wasi_http_error_code_clear(&err);
}

static void upload_step(void *arg);

static void upload_soon(client_send *s) {
  if (!s->upload_wait.wakeup && !wait_on(&s->upload_wait, wasi_pollable_ready()))
    upload_fail(s, wasi_http_internal_error("the event loop refused a wait"));
}

static void contents_copied(void *arg, int result, uint32_t n) {
  client_send *s = arg;
  s->reading = false;
  s->off = 0;
  s->len = n;
  if (result != CM_COPY_COMPLETED) s->contents_over = true; /* the guest dropped its writer: the end */
  upload_soon(s);
}
/* Decoded now: a value a host writer (a forwarded body's feed) wrote lends its children only
 * until the loop's next turn. */
static void trailers_copied(void *arg, int result, uint32_t n) {
  WR_UNUSED(n);
  client_send *s = arg;
  s->trailers_reading = false;
  s->trailers_over = true;
  const cm_val *v = &s->trailers_value;
  if (result != CM_COPY_COMPLETED) {
    s->trailers_failed = true;
    s->trailers_err = wasi_http_internal_error("the guest dropped the request's trailers future");
  } else if (v->u.cs.index == 1) {
    s->trailers_failed = true;
    s->trailers_err = wasi_http_error_from_val(v->u.cs.payload);
  } else {
    const cm_val *opt = v->u.cs.payload;
    if (opt && opt->u.cs.index == 1)
      s->trailer_fields = wasi_table_take(s->http->p2, opt->u.cs.payload->u.rep, &wasi_http_fields_kind);
  }
  upload_soon(s);
}
static void send_end_gone(void *arg, cm_host_end *end) {
  client_send *s = arg;
  if (s->contents == end) s->contents = NULL;
  if (s->trailers == end) s->trailers = NULL;
}
static const cm_host_end_ops contents_ops = {contents_copied, send_end_gone};
static const cm_host_end_ops trailers_ops = {trailers_copied, send_end_gone};

/* The trailers future's value: ok(option<trailers>) finishes the body, err(code) fails it. */
static void upload_trailers(client_send *s) {
  if (s->trailers_failed) {
    wasi_http_error_code err = s->trailers_err;
    s->trailers_err = (wasi_http_error_code){0};
    upload_fail(s, err);
    return;
  }
  upload_end(s, s->trailer_fields, NULL); /* s may be gone: the fields go with it */
}

/* Runs from the reactor: moves what was read into the sink as it takes it, then reads more. */
static void upload_step(void *arg) {
  client_send *s = arg;
  if (!s->sink) return;
  while (s->off < s->len) {
    uint64_t permitted = 0;
    wasi_io_error *io = NULL;
    if (s->sink->stream.check_write(s->sink_self, &permitted, &io) != WASI_STREAM_OK) {
      upload_fail(s, code_of_io_error(io, "request body"));
      return;
    }
    if (permitted == 0) {
      if (!wait_on(&s->upload_wait, s->sink->stream.subscribe(s->sink_self)))
        upload_fail(s, wasi_http_internal_error("the event loop refused a wait"));
      return;
    }
    size_t k = (size_t)WR_MIN(permitted, (uint64_t)(s->len - s->off));
    if (s->sink->stream.write(s->sink_self, s->buf + s->off, k, &io) != WASI_STREAM_OK ||
        s->sink->stream.flush(s->sink_self, &io) == WASI_STREAM_FAILED) {
      upload_fail(s, code_of_io_error(io, "request body"));
      return;
    }
    s->off += k;
  }
  if (s->reading || s->trailers_reading) return;
  if (s->contents && !s->contents_over) {
    s->reading = true;
    if (cm_host_end_read(s->contents, send_store(s), s->buf, NULL, NULL, UPLOAD_CHUNK)) {
      s->reading = false; /* cannot happen: one read at a time */
      upload_fail(s, wasi_http_internal_error("cannot read the request body"));
    }
    return;
  }
  if (s->contents) {
    cm_host_end_drop(s->contents);
    s->contents = NULL;
  }
  if (s->trailers_over) {
    upload_trailers(s);
    return;
  }
  if (!s->trailers) {
    upload_end(s, NULL, NULL);
    return;
  }
  s->trailers_reading = true;
  s->arena = cm_arena_new();
  if (cm_host_end_read(s->trailers, send_store(s), NULL, &s->trailers_value, s->arena, 1)) {
    s->trailers_reading = false;
    upload_fail(s, wasi_http_internal_error("cannot read the request's trailers"));
  }
}

/* ---- the response head ---- */

static void free_head_headers(wasi_http_response_head *head) {
  for (size_t i = 0; i < head->nheaders; i++) {
    wr_free((void *)head->headers[i].name);
    wr_free((void *)head->headers[i].value);
  }
  wr_free(head->headers);
}

static void answer_response(client_send *s, wasi_http_response_head *head) {
  wasi_http_ctx *http = s->http;
  wasi_http_p3_response *resp = WR_NEW(wasi_http_p3_response);
  resp->http = http;
  resp->status = head->status;
  resp->headers = wasi_http_fields_new(http, true);
  for (size_t i = 0; i < head->nheaders; i++) {
    const wasi_http_header *h = &head->headers[i];
    wasi_http_fields_push(resp->headers, h->name, h->name_len, h->value, h->value_len);
  }
  free_head_headers(head);
  wasm_trap *trap = NULL;
  if (head->body_ops) {
    client_body *b = WR_NEW(client_body);
    b->ops = head->body_ops;
    b->self = head->body_self;
    b->wait = (client_wait){.reactor = s->response_wait.reactor, .fn = body_readable, .arg = b};
    resp->body.source = &client_body_source;
    resp->body.source_env = b;
    /* fed into a stream and a future now, so that the response reads as a guest-made one would
     * (by consume-body or by the embedder when the guest returns it as it is) */
    void *contents = NULL, *trailers = NULL;
    trap = wasi_http_p3_body_feed(http, s->store_rt, s->types, &resp->body, &contents, &trailers);
    if (!trap) {
      resp->body.contents = wasi_http_p3_take_end(contents);
      resp->body.trailers = wasi_http_p3_take_end(trailers);
      wasi_http_p3_body_hold(&resp->body);
    }
  }
  uint32_t rep = 0;
  if (trap || wasi_table_add(http->p2, &wasi_http_p3_response_kind, resp, &rep)) { /* full: resp was freed */
    if (trap) wasi_http_p3_response_free(resp);
    wasi_http_error_code err = wasi_http_internal_error("too many wasi:http objects");
    send_fail(s, &err);
    wasi_http_error_code_clear(&err);
    return;
  }
  cm_val handle = cm_val_handle(rep);
  send_answer(s, &handle, 0);
}

/* Runs from the reactor (and once from send): takes the head when it is there. */
static void response_poll(void *arg) {
  client_send *s = arg;
  if (!s->exchange || !s->call) return;
  wasi_http_response_head head = {0};
  wasi_http_error_code err = {0};
  wasi_http_progress progress = s->client->response(s->exchange, &head, &err);
  if (progress == WASI_HTTP_PENDING) {
    if (wait_on(&s->response_wait, s->client->subscribe(s->exchange))) return;
    progress = WASI_HTTP_FAILED;
    err = wasi_http_internal_error("the event loop refused a wait");
  }
  s->client->free(s->exchange);
  s->exchange = NULL;
  if (progress == WASI_HTTP_READY) answer_response(s, &head);
  else send_fail(s, &err);
  wasi_http_error_code_clear(&err);
  send_maybe_done(s);
}

/* subtask.cancel: stop asking, stop sending. */
static void send_cancelled(void *arg) {
  client_send *s = arg;
  cm_host_call *call = s->call;
  s->call = NULL;
  wait_stop(&s->response_wait);
  if (s->exchange) s->client->free(s->exchange);
  s->exchange = NULL;
  wasi_http_error_code err = wasi_http_internal_error("the request was cancelled");
  upload_end(s, NULL, &err); /* frees s */
  wasi_http_error_code_clear(&err);
  wasi_p3_calls_in_use->cancelled(call);
}

/* The caller's instance went away: its ends go with its store (their on_gone forgets them);
 * an upload still going is dropped with the ctx. */
static void send_dropped(void *arg) {
  client_send *s = arg;
  s->call = NULL;
  wait_stop(&s->response_wait);
  wait_stop(&s->upload_wait);
  if (s->exchange) s->client->free(s->exchange);
  s->exchange = NULL;
  send_maybe_done(s);
}

/* ---- send ---- */

static wasi_http_timeouts request_timeouts(const wasi_http_request_options *o) {
  wasi_http_timeouts t = {0};
  if (!o) return t;
  if (o->has[WASI_HTTP_CONNECT_TIMEOUT]) t.connect_ns = o->ns[WASI_HTTP_CONNECT_TIMEOUT];
  if (o->has[WASI_HTTP_FIRST_BYTE_TIMEOUT]) t.first_byte_ns = o->ns[WASI_HTTP_FIRST_BYTE_TIMEOUT];
  if (o->has[WASI_HTTP_BETWEEN_BYTES_TIMEOUT]) t.between_bytes_ns = o->ns[WASI_HTTP_BETWEEN_BYTES_TIMEOUT];
  return t;
}

/* The request's body as host ends: a guest's stream and future as they are; a host-made body
 * (a request the guest received and forwards) through consume-body's feed. */
static wasm_trap *take_body(const cm_canon_cx *cx, const wasi_http_p3_types *types, client_send *s,
                            wasi_http_p3_request *req) {
  if (req->body.trailers) {
    s->contents = req->body.contents;
    s->trailers = req->body.trailers;
    req->body.contents = req->body.trailers = NULL;
  } else if (req->body.source) {
    void *contents = NULL, *trailers = NULL;
    wasm_trap *trap = wasi_http_p3_body_feed(s->http, cm_instance_cstore(cx->inst), types, &req->body, &contents,
                                             &trailers);
    if (trap) return trap;
    s->contents = cm_host_end_take_readable(contents, &contents_ops, s);
    s->trailers = cm_host_end_take_readable(trailers, &trailers_ops, s);
  }
  if (s->contents) cm_host_end_set_ops(s->contents, &contents_ops, s);
  if (s->trailers) cm_host_end_set_ops(s->trailers, &trailers_ops, s);
  s->transmit = req->transmit;
  req->transmit = NULL;
  return NULL;
}

/* send(request) -> result<response, error-code> */
static wasm_trap *client_send_request(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call) {
  wasi_http_ctx *http = NULL;
  wasm_trap *trap = wasi_http_ctx_of(cx, &http);
  if (trap) return trap;
  wasi_reactor *reactor = wasi_p2_reactor(http->p2);
  if (!reactor) return wasi_trap(http->p2, "%s: no event loop to wait on (the embedder set no reactor)", CLIENT_IFACE);
  uint32_t req_rep = args[0].u.rep;
  wasi_http_p3_request *req = wasi_table_take(http->p2, req_rep, &wasi_http_p3_request_kind);
  if (!req) return wasi_trap(http->p2, "unknown request %u", req_rep);

  client_send *s = WR_NEW(client_send);
  s->http = http;
  s->client = http->client;
  s->call = call;
  s->store_rt = cm_instance_cstore(cx->inst);
  s->types = env;
  s->poll_after_upload = s->client == &wasi_http_default_client;
  s->response_wait = (client_wait){.reactor = reactor, .fn = response_poll, .arg = s};
  s->upload_wait = (client_wait){.reactor = reactor, .fn = upload_step, .arg = s};
  if ((trap = take_body(cx, env, s, req))) {
    wasi_http_p3_request_kind.free(req);
    send_free(s);
    return trap;
  }
  bool has_body = s->contents != NULL;
  if (!has_body && s->trailers) { /* contents: none: nothing to send, the trailers are not sent either */
    cm_host_end_drop(s->trailers);
    s->trailers = NULL;
  }

  wasi_http_error_code err = {0};
  if (!req->target.authority) err = wasi_http_error(WASI_HTTP_ERR_HTTP_REQUEST_URI_INVALID);
  else if (req->target.scheme.present && req->target.scheme.tag == WASI_HTTP_SCHEME_OTHER)
    err = wasi_http_error(WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
  else {
    wasi_http_outgoing_head head = {
        .method = wasi_http_method_text(&req->target.method),
        .scheme = wasi_http_scheme_text(&req->target.scheme),
        .authority = req->target.authority,
        .path_with_query = req->target.path_with_query ? req->target.path_with_query : "/",
        .headers = req->headers,
        .has_body = has_body,
    };
    wasi_http_timeouts timeouts = request_timeouts(req->options);
    s->exchange = s->client->send(http->client_env, http->p2, &head, &timeouts, &s->sink, &s->sink_self, &err);
  }
  wasi_http_p3_request_kind.free(req);
  if ((trap = wasi_table_add(http->p2, &send_kind, s, &s->rep))) return trap; /* s was freed */

  if (!s->exchange) { /* refused before it started: the call answers at once */
    s->sink = NULL;
    upload_end(s, NULL, &err); /* s stays: the call is unanswered */
    send_fail(s, &err);
    wasi_http_error_code_clear(&err);
    send_maybe_done(s);
    return NULL;
  }
  wasi_p3_calls_in_use->set_hooks(call, send_cancelled, send_dropped, s);
  if (!s->sink) {
    s->poll_after_upload = false;
    upload_end(s, NULL, NULL); /* s stays: the call is unanswered */
    response_poll(s);
    return NULL;
  }
  s->buf = wr_malloc(UPLOAD_CHUNK);
  upload_soon(s);
  /* the blocking client would wait for the head before the body went: ask once it has */
  if (!s->poll_after_upload) response_poll(s);
  return NULL;
}

bool wasi_http_p3_define_client(cm_host *host, const wasi_http_p3_types *types, wr_error *err) {
  if (!cm_host_define_async_func(host, CLIENT_IFACE, "send", client_send_request, (void *)types)) {
    wr_error_set(err, "%s: no send in its WIT", CLIENT_IFACE);
    return false;
  }
  return true;
}
