/* wasi:http 0.3 bodies: consume-body, the host's stream and future ends that carry a body into a
 * guest (a request the embedder feeds) and out of one (the response the embedder reads), the
 * transmission-result futures, and the handler call. See http_p3.h. */
#include <string.h>

#include "http_p3_internal.h"
#include "reactor.h"

/* The host reads at most this much of a response body at a time, whatever it asks. */
#define READ_CHUNK_MAX (1u << 20)
/* What a request body is fed to the guest in. */
#define FEED_CHUNK (64u * 1024)

static void ignore_copy(void *arg, int result, uint32_t n) { WR_UNUSED(arg), WR_UNUSED(result), WR_UNUSED(n); }
static const cm_host_end_ops ignore_ops = {ignore_copy, NULL};

/* The instance's store freed an end a host object still held (the ctx frees its objects after
 * the instance): forget it. */
static void forget_end(cm_host_end **slot, cm_host_end *end) {
  if (*slot == end) *slot = NULL;
}

/* A readable end in flight that nobody will read: its writer sees the reader go away. */
static void drop_in_flight(void *shared) {
  if (shared) cm_host_end_drop(cm_host_end_take_readable(shared, &ignore_ops, NULL));
}

static void body_end_gone(void *arg, cm_host_end *end) {
  wasi_http_p3_body *body = arg;
  forget_end(&body->contents, end);
  forget_end(&body->trailers, end);
}
static const cm_host_end_ops body_end_ops = {ignore_copy, body_end_gone};

cm_host_end *wasi_http_p3_take_end(void *shared) { return cm_host_end_take_readable(shared, &ignore_ops, NULL); }

void wasi_http_p3_body_hold(wasi_http_p3_body *body) {
  if (body->contents) cm_host_end_set_ops(body->contents, &body_end_ops, body);
  if (body->trailers) cm_host_end_set_ops(body->trailers, &body_end_ops, body);
}

void wasi_http_p3_body_clear(wasi_http_p3_body *body) {
  if (body->contents) cm_host_end_drop(body->contents);
  if (body->trailers) cm_host_end_drop(body->trailers);
  if (body->source) body->source->release(body->source_env);
  *body = (wasi_http_p3_body){0};
}

static wasm_store *ctx_store(const wasi_http_ctx *http) { return wasi_p2_ctx_store(http->p2); }

/* ---- transmission results ---- */

struct wasi_http_p3_transmit {
  wasi_http_ctx *http;
  uint32_t rep; /* its entry in the ctx's table */
  cm_host_end *end;
  cm_arena *arena; /* the value being written, until it is copied */
  cm_val value;
};

static void transmit_free(void *object) {
  wasi_http_p3_transmit *t = object;
  if (t->end) cm_host_end_drop(t->end);
  if (t->arena) cm_arena_free(t->arena);
  wr_free(t);
}
static const wasi_kind transmit_kind = {"transmission result", transmit_free};

/* The guest read the result, or dropped its end: the transmit is done. */
static void transmit_copied(void *arg, int result, uint32_t n) {
  WR_UNUSED(result), WR_UNUSED(n);
  wasi_http_p3_transmit *t = arg;
  wasi_table_remove(t->http->p2, t->rep, &transmit_kind);
}
static void transmit_gone(void *arg, cm_host_end *end) { forget_end(&((wasi_http_p3_transmit *)arg)->end, end); }
static const cm_host_end_ops transmit_ops = {transmit_copied, transmit_gone};

wasi_http_p3_transmit *wasi_http_p3_transmit_new(wasi_http_ctx *http, cm_store_rt *store,
                                                 const wasi_http_p3_types *types, void **readable) {
  wasi_http_p3_transmit *t = WR_NEW(wasi_http_p3_transmit);
  t->http = http;
  t->end = cm_host_end_new_writable(store, true, types->outcome, readable, &transmit_ops, t);
  return t;
}

void wasi_http_p3_transmit_report(wasi_http_p3_transmit *t, const wasi_http_error_code *err) {
  /* kept in the table (freed with the ctx) until the guest takes the value */
  if (wasi_table_add(t->http->p2, &transmit_kind, t, &t->rep)) return; /* table full: freed, the guest sees a drop */
  if (err) {
    t->arena = cm_arena_new();
    cm_val code = wasi_http_error_to_val(t->arena, err);
    t->value = cm_val_case(t->arena, 1, &code);
  } else {
    t->value = (cm_val){.u.cs = {0, NULL}};
  }
  if (!t->end || cm_host_end_write(t->end, ctx_store(t->http), NULL, &t->value, 1))
    wasi_table_remove(t->http->p2, t->rep, &transmit_kind); /* cannot happen: one write on a fresh end */
}

void wasi_http_p3_transmit_drop(wasi_http_p3_transmit *t) { transmit_free(t); }

/* ---- a body the host feeds into a guest ---- */

struct wasi_http_p3_feed {
  wasi_http_ctx *http;
  uint32_t rep; /* its entry in the ctx's table: freed with the ctx if still going */
  const wasi_http_p3_body_source *source; /* NULL once released */
  void *env;
  cm_host_end *stream, *trailers; /* NULL once done with */
  uint8_t *buf;
  size_t len, off;       /* buf[off..len) waits to be copied */
  bool writing;          /* a stream write is in progress */
  bool pumping, again;   /* pump is on the stack; run it once more */
  bool done;             /* over while pumping: the pump frees it on its way out */
  cm_arena *arena;
  cm_val trailers_value, no_trailers, trailer_handle;
  /* the source's trailers, in the ctx's table while they wait for the guest to read them */
  uint32_t trailer_fields_rep;
  bool trailer_fields_waiting;
  struct wasi_reactor *reactor; /* frees it after its trailers were read (free_wakeup) */
  struct wasi_wakeup *free_wakeup;
};

static void feed_release_source(wasi_http_p3_feed *f) {
  if (!f->source) return;
  const wasi_http_p3_body_source *source = f->source;
  f->source = NULL;
  source->release(f->env);
}

static void feed_free(void *object) {
  wasi_http_p3_feed *f = object;
  if (f->free_wakeup) f->reactor->cancel(f->reactor, f->free_wakeup);
  feed_release_source(f);
  if (f->stream) cm_host_end_drop(f->stream);
  if (f->trailers) cm_host_end_drop(f->trailers);
  if (f->arena) cm_arena_free(f->arena);
  wr_free(f->buf);
  wr_free(f);
}
static const wasi_kind feed_kind = {"request body", feed_free};

/* The feed is over; not while feed_pump is on the stack (a copy may finish inside its calls). */
static void feed_done(wasi_http_p3_feed *f) {
  if (f->pumping) f->done = true;
  else wasi_table_remove(f->http->p2, f->rep, &feed_kind);
}

static void feed_free_later(void *arg, short revents) {
  WR_UNUSED(revents);
  wasi_http_p3_feed *f = arg;
  f->free_wakeup = NULL;
  feed_done(f);
}

/* A host reader (a body forwarded host to host) hears of the copy after the writer and gets the
 * value's children by reference: they stay until the loop's next turn. */
static void feed_trailers_done(void *arg, int result, uint32_t n) {
  WR_UNUSED(n);
  wasi_http_p3_feed *f = arg;
  if (f->trailer_fields_waiting) { /* the guest got them, or nobody will */
    f->trailer_fields_waiting = false;
    if (result != CM_COPY_COMPLETED) wasi_table_remove(f->http->p2, f->trailer_fields_rep, &wasi_http_fields_kind);
  }
  f->reactor = wasi_p2_reactor(f->http->p2);
  if (result == CM_COPY_COMPLETED && f->reactor && !f->free_wakeup &&
      (f->free_wakeup = f->reactor->wait(f->reactor, -1, 0, 0, feed_free_later, f)))
    return;
  feed_done(f);
}
static void feed_trailers_gone(void *arg, cm_host_end *end) { forget_end(&((wasi_http_p3_feed *)arg)->trailers, end); }
static const cm_host_end_ops feed_trailers_ops = {feed_trailers_done, feed_trailers_gone};

/* The source's trailers (after its END) as new fields in the ctx's table: false when none. */
static bool feed_take_trailers(wasi_http_p3_feed *f) {
  if (!f->source || !f->source->trailer) return false;
  wasi_http_fields *fields = NULL;
  wasi_http_header h;
  for (size_t i = 0; f->source->trailer(f->env, i, &h); i++) {
    if (!fields) fields = wasi_http_fields_new(f->http, true);
    wasi_http_fields_push(fields, h.name, h.name_len, h.value, h.value_len);
  }
  if (!fields) return false;
  if (wasi_table_add(f->http->p2, &wasi_http_fields_kind, fields, &f->trailer_fields_rep)) return false; /* full */
  f->trailer_fields_waiting = true;
  return true;
}

/* The body is over (err: it failed): the stream ends, the trailers future gets ok(some(trailers)),
 * ok(none) or err(code). */
static void feed_end(wasi_http_p3_feed *f, const wasi_http_error_code *err) {
  bool has_trailers = !err && feed_take_trailers(f);
  feed_release_source(f);
  if (f->stream) {
    cm_host_end_drop(f->stream);
    f->stream = NULL;
  }
  if (err) {
    f->arena = cm_arena_new();
    cm_val code = wasi_http_error_to_val(f->arena, err);
    f->trailers_value = cm_val_case(f->arena, 1, &code);
  } else if (has_trailers) {
    f->trailer_handle = cm_val_handle(f->trailer_fields_rep);
    f->no_trailers = (cm_val){.u.cs = {1, &f->trailer_handle}}; /* some(trailers) */
    f->trailers_value = (cm_val){.u.cs = {0, &f->no_trailers}};
  } else {
    f->no_trailers = (cm_val){.u.cs = {0, NULL}};
    f->trailers_value = (cm_val){.u.cs = {0, &f->no_trailers}};
  }
  if (!f->trailers || cm_host_end_write(f->trailers, ctx_store(f->http), NULL, &f->trailers_value, 1))
    feed_done(f); /* cannot happen: one write on a fresh end */
}

/* Moves what the source has into the stream, one write at a time, while the guest reads. */
static void feed_pump(wasi_http_p3_feed *f) {
  if (f->pumping) {
    f->again = true; /* a write finished inside the pump's own write */
    return;
  }
  f->pumping = true;
  do {
    f->again = false;
    if (!f->stream || f->writing) break;
    if (f->off < f->len) {
      f->writing = true;
      if (cm_host_end_write(f->stream, ctx_store(f->http), f->buf + f->off, NULL, (uint32_t)(f->len - f->off)))
        f->writing = false; /* cannot happen: the feed writes one chunk at a time */
      continue;
    }
    if (!f->source) break;
    size_t n = 0;
    wasi_http_error_code err = {0};
    switch (f->source->read(f->env, f->buf, FEED_CHUNK, &n, &err)) {
    case WASI_HTTP_P3_BODY_DATA:
      f->off = 0;
      f->len = WR_MIN(n, (size_t)FEED_CHUNK);
      f->again = true;
      break;
    case WASI_HTTP_P3_BODY_WAIT: break;
    case WASI_HTTP_P3_BODY_END: feed_end(f, NULL); break;
    case WASI_HTTP_P3_BODY_ERROR:
      feed_end(f, &err);
      wasi_http_error_code_clear(&err);
      break;
    }
  } while (f->again && !f->done);
  f->pumping = false;
  if (f->done) wasi_table_remove(f->http->p2, f->rep, &feed_kind);
}

static void feed_stream_done(void *arg, int result, uint32_t n) {
  wasi_http_p3_feed *f = arg;
  f->writing = false;
  f->off += n;
  if (result == CM_COPY_DROPPED) {
    /* the guest dropped the body unread: stop reading the client; its trailers future ends too */
    feed_release_source(f);
    cm_host_end_drop(f->stream);
    f->stream = NULL;
    cm_host_end_drop(f->trailers);
    f->trailers = NULL;
    feed_done(f);
    return;
  }
  feed_pump(f);
}
static void feed_stream_gone(void *arg, cm_host_end *end) { forget_end(&((wasi_http_p3_feed *)arg)->stream, end); }
static const cm_host_end_ops feed_stream_ops = {feed_stream_done, feed_stream_gone};

void wasi_http_p3_body_ready(wasi_http_p3_feed *feed) { feed_pump(feed); }

wasm_trap *wasi_http_p3_body_feed(wasi_http_ctx *http, cm_store_rt *store, const wasi_http_p3_types *types,
                                  wasi_http_p3_body *body, void **contents, void **trailers) {
  wasi_http_p3_feed *f = WR_NEW(wasi_http_p3_feed);
  f->http = http;
  f->buf = wr_malloc(FEED_CHUNK);
  f->stream = cm_host_end_new_writable(store, false, types->byte, contents, &feed_stream_ops, f);
  f->trailers = cm_host_end_new_writable(store, true, types->trailers, trailers, &feed_trailers_ops, f);
  f->source = body->source;
  f->env = body->source_env;
  body->source = NULL;
  wasm_trap *trap = wasi_table_add(http->p2, &feed_kind, f, &f->rep);
  if (trap) return trap;
  if (f->source) {
    f->source->start(f->env, f);
    feed_pump(f);
  } else {
    feed_end(f, NULL);
  }
  return NULL;
}

/* ---- consume-body ---- */

/* The consumer's verdict on a guest-made body (consume-body's `res`), passed on to the future
 * its maker got from new(): an object of the ctx's table until the verdict comes. */
typedef struct verdict {
  wasi_http_ctx *http;
  uint32_t rep;
  cm_host_end *res;
  wasi_http_p3_transmit *transmit;
  cm_arena *arena;
  cm_val value;
} verdict;

static void verdict_free(void *object) {
  verdict *v = object;
  if (v->res) cm_host_end_drop(v->res);
  if (v->transmit) wasi_http_p3_transmit_drop(v->transmit);
  cm_arena_free(v->arena);
  wr_free(v);
}
static const wasi_kind verdict_kind = {"body verdict", verdict_free};

static void verdict_read(void *arg, int result, uint32_t n) {
  WR_UNUSED(n);
  verdict *v = arg;
  if (result == CM_COPY_COMPLETED) {
    wasi_http_error_code err = {0};
    bool failed = v->value.u.cs.index == 1;
    if (failed) err = wasi_http_error_from_val(v->value.u.cs.payload);
    wasi_http_p3_transmit_report(v->transmit, failed ? &err : NULL);
    wasi_http_error_code_clear(&err);
    v->transmit = NULL;
  }
  wasi_table_remove(v->http->p2, v->rep, &verdict_kind); /* dropped unwritten: the maker's future is dropped */
}
static void verdict_gone(void *arg, cm_host_end *end) { forget_end(&((verdict *)arg)->res, end); }
static const cm_host_end_ops verdict_ops = {verdict_read, verdict_gone};

static wasm_trap *forward_verdict(wasi_http_ctx *http, void *res, wasi_http_p3_transmit *transmit) {
  verdict *v = WR_NEW(verdict);
  v->http = http;
  v->res = cm_host_end_take_readable(res, &verdict_ops, v);
  v->transmit = transmit;
  v->arena = cm_arena_new();
  wasm_trap *trap = wasi_table_add(http->p2, &verdict_kind, v, &v->rep);
  if (trap) return trap;
  return cm_host_end_read(v->res, ctx_store(http), NULL, &v->value, v->arena, 1); /* may finish at once */
}

wasm_trap *wasi_http_p3_consume_body(const cm_canon_cx *cx, wasi_http_ctx *http, const wasi_http_p3_types *types,
                                     wasi_http_p3_body *body, wasi_http_p3_transmit **transmit, void *res,
                                     cm_val *result) {
  wasm_trap *trap = NULL;
  if (*transmit) {
    trap = forward_verdict(http, res, *transmit);
    *transmit = NULL;
    if (trap) return trap;
  } else {
    drop_in_flight(res); /* a body the embedder feeds: it learns its fate from its source */
  }
  cm_store_rt *store = cm_instance_cstore(cx->inst);
  void *contents = NULL, *trailers = NULL;
  if (body->trailers) {
    /* a guest's body passes on as it is; none becomes an empty stream */
    trailers = cm_host_end_give_readable(body->trailers);
    contents = body->contents ? cm_host_end_give_readable(body->contents) : NULL;
    body->trailers = body->contents = NULL;
    if (!contents) cm_host_end_drop(cm_host_end_new_writable(store, false, types->byte, &contents, &ignore_ops, NULL));
  } else {
    if ((trap = wasi_http_p3_body_feed(http, store, types, body, &contents, &trailers))) return trap;
  }
  *result = cm_val_seq(cx->arena, 2);
  result->u.seq.items[0] = (cm_val){.u.shared = contents};
  result->u.seq.items[1] = (cm_val){.u.shared = trailers};
  return NULL;
}

/* ---- the embedder reads a response ---- */

typedef struct wasi_http_p3_reader {
  wasi_http_p3_response *resp;
  const wasi_http_p3_body_reader *ops;
  void *env;
  cm_host_end *contents, *trailers;
  uint8_t *buf;
  size_t cap;
  bool ended;
  cm_arena *arena;
  cm_val trailers_value;
} wasi_http_p3_reader;

uint16_t wasi_http_p3_response_status(const wasi_http_p3_response *response) { return response->status; }
const wasi_http_fields *wasi_http_p3_response_headers(const wasi_http_p3_response *response) {
  return response->headers;
}
bool wasi_http_p3_response_has_body(const wasi_http_p3_response *response) {
  return response->body.contents != NULL || (response->reader && response->reader->contents);
}

static void reader_end(wasi_http_p3_reader *r, const wasi_http_fields *trailers, const wasi_http_error_code *err) {
  r->ended = true;
  r->ops->on_end(r->env, trailers, err); /* last: it may finish the response */
}

static void trailers_done(void *arg, int result, uint32_t n) {
  WR_UNUSED(n);
  wasi_http_p3_reader *r = arg;
  wasi_http_ctx *http = r->resp->http;
  if (result != CM_COPY_COMPLETED) {
    wasi_http_error_code err = wasi_http_internal_error("the guest dropped the response's trailers future");
    r->ended = true;
    r->ops->on_end(r->env, NULL, &err);
    wasi_http_error_code_clear(&err);
    return;
  }
  const cm_val *v = &r->trailers_value;
  if (v->u.cs.index == 1) {
    wasi_http_error_code err = wasi_http_error_from_val(v->u.cs.payload);
    r->ended = true;
    r->ops->on_end(r->env, NULL, &err);
    wasi_http_error_code_clear(&err);
    return;
  }
  const cm_val *opt = v->u.cs.payload;
  wasi_http_fields *fields = NULL;
  if (opt && opt->u.cs.index == 1) fields = wasi_table_take(http->p2, opt->u.cs.payload->u.rep, &wasi_http_fields_kind);
  r->ended = true;
  r->ops->on_end(r->env, fields, NULL);
  wasi_http_fields_free(fields);
}
static void reader_end_gone(void *arg, cm_host_end *end) {
  wasi_http_p3_reader *r = arg;
  forget_end(&r->contents, end);
  forget_end(&r->trailers, end);
}
static const cm_host_end_ops trailers_ops = {trailers_done, reader_end_gone};

static wasm_trap *read_trailers(wasi_http_p3_reader *r) {
  wasi_http_p3_response *resp = r->resp;
  if (!resp->body.trailers) {
    reader_end(r, NULL, NULL);
    return NULL;
  }
  r->trailers = resp->body.trailers;
  resp->body.trailers = NULL;
  cm_host_end_set_ops(r->trailers, &trailers_ops, r);
  if (!r->arena) r->arena = cm_arena_new();
  return cm_host_end_read(r->trailers, ctx_store(resp->http), NULL, &r->trailers_value, r->arena, 1);
}

static void contents_done(void *arg, int result, uint32_t n) {
  wasi_http_p3_reader *r = arg;
  if (result == CM_COPY_DROPPED) {
    /* the guest closed its stream: the body is complete; the trailers come next */
    cm_host_end_drop(r->contents);
    r->contents = NULL;
  }
  if (n) {
    r->ops->on_data(r->env, r->buf, n); /* last: it may read on or finish the response */
    return;
  }
  if (result == CM_COPY_DROPPED) {
    wasm_trap *trap = read_trailers(r);
    if (trap) {
      wasi_http_error_code err = wasi_http_internal_error("%s", trap->message);
      reader_end(r, NULL, &err);
      wasi_http_error_code_clear(&err);
    }
  }
}
static const cm_host_end_ops contents_ops = {contents_done, reader_end_gone};

wasm_trap *wasi_http_p3_response_read(wasi_http_p3_response *resp, size_t max, const wasi_http_p3_body_reader *ops,
                                      void *env) {
  wasi_http_p3_reader *r = resp->reader;
  if (!r) {
    r = resp->reader = WR_NEW(wasi_http_p3_reader);
    r->resp = resp;
    r->contents = resp->body.contents;
    resp->body.contents = NULL;
    if (r->contents) cm_host_end_set_ops(r->contents, &contents_ops, r);
  }
  r->ops = ops;
  r->env = env;
  if (r->ended || r->trailers) return NULL;
  if (!r->contents) return read_trailers(r);
  if (max == 0) max = 1;
  if (max > READ_CHUNK_MAX) max = READ_CHUNK_MAX;
  if (r->cap < max) {
    wr_free(r->buf);
    r->buf = wr_malloc(max);
    r->cap = max;
  }
  return cm_host_end_read(r->contents, ctx_store(resp->http), r->buf, NULL, NULL, (uint32_t)max);
}

void wasi_http_p3_response_finish(wasi_http_p3_response *resp, const wasi_http_error_code *err) {
  wasi_http_p3_reader *r = resp->reader;
  if (r) {
    if (r->contents) cm_host_end_drop(r->contents);
    if (r->trailers) cm_host_end_drop(r->trailers);
    if (r->arena) cm_arena_free(r->arena);
    wr_free(r->buf);
    wr_free(r);
    resp->reader = NULL;
  }
  if (resp->transmit) wasi_http_p3_transmit_report(resp->transmit, err);
  resp->transmit = NULL;
  wasi_http_p3_response_free(resp);
}

/* ---- the handler call ---- */

struct wasi_http_p3_call {
  wasi_http_ctx *http;
  const wasi_http_p3_responder *responder;
  void *env;
  cm_async_call async;
  cm_val arg;
  uint32_t request_rep;
  cm_task *task;               /* NULL once it exited */
  bool answered, abandoned;
  bool orphaned;               /* freed by its owner while the task ran: in http->orphans */
  wasi_http_p3_call *prev, *next;
};

const cm_func *wasi_http_p3_handler(const cm_component_instance *inst) {
  return cm_instance_func(inst, WASI_HTTP_P3_HANDLER, WASI_HTTP_P3_HANDLE_FUNC);
}

static void call_resolved(void *arg, const cm_val *result) {
  wasi_http_p3_call *c = arg;
  if (c->abandoned) {
    /* an answer given after the call was given up goes to nobody: freed now, so that the guest's
     * writes to its body end (the reader is gone) instead of waiting for a reader forever */
    if (result && result->u.cs.index == 0)
      wasi_table_remove(c->http->p2, result->u.cs.payload->u.rep, &wasi_http_p3_response_kind);
    return;
  }
  if (c->answered) return;
  c->answered = true;
  if (!result) {
    c->responder->on_error(c->env, NULL);
  } else if (result->u.cs.index == 0) {
    uint32_t rep = result->u.cs.payload->u.rep;
    wasi_http_p3_response *resp = wasi_table_take(c->http->p2, rep, &wasi_http_p3_response_kind);
    if (resp) c->responder->on_response(c->env, resp);
    else c->responder->on_error(c->env, NULL);
  } else {
    wasi_http_error_code err = wasi_http_error_from_val(result->u.cs.payload);
    c->responder->on_error(c->env, &err);
    wasi_http_error_code_clear(&err);
  }
}

static void call_release(wasi_http_p3_call *c) {
  cm_arena_free(c->async.arena);
  wr_free(c);
}

static void orphan_unlink(wasi_http_p3_call *c) {
  if (c->prev) c->prev->next = c->next;
  else c->http->orphans = c->next;
  if (c->next) c->next->prev = c->prev;
}

static void call_exited(void *arg) {
  wasi_http_p3_call *c = arg;
  c->task = NULL;
  if (c->orphaned) {
    orphan_unlink(c);
    call_release(c);
    return;
  }
  if (!c->abandoned && !c->answered) { /* cannot happen: a task returns before it exits */
    c->answered = true;
    c->responder->on_error(c->env, NULL);
  }
  if (!c->abandoned && c->responder->on_exit) c->responder->on_exit(c->env);
}

wasm_trap *wasi_http_p3_handle_start(wasi_http_ctx *http, cm_component_instance *inst, const cm_func *handle,
                                     uint32_t request_rep, const wasi_http_p3_responder *responder, void *env,
                                     wasi_http_p3_call **out) {
  wasi_http_p3_call *c = WR_NEW(wasi_http_p3_call);
  c->http = http;
  c->responder = responder;
  c->env = env;
  c->arg = cm_val_handle(request_rep);
  c->request_rep = request_rep;
  c->async = (cm_async_call){.on_resolve = call_resolved, .on_exit = call_exited, .arg = c,
                             .arena = cm_arena_new(), .args = &c->arg};
  *out = c;
  wasm_trap *trap = cm_func_start(inst, handle, &c->async, &c->task);
  if (trap) c->abandoned = true; /* the request stays in the table until the ctx goes */
  return trap;
}

void wasi_http_p3_call_abandon(wasi_http_p3_call *call) {
  if (call->abandoned) return;
  call->abandoned = true;
  if (!call->answered) {
    call->answered = true;
    call->responder->on_error(call->env, NULL);
  }
}

void wasi_http_p3_call_free(wasi_http_p3_call *call) {
  if (!call) return;
  wasi_http_p3_call_abandon(call);
  if (!call->task) {
    call_release(call);
    return;
  }
  /* the task holds our cm_async_call and lifts its result into our arena: both stay until it
   * exits (call_exited) or the instance goes (wasi_http_p3_free_orphans) */
  call->orphaned = true;
  call->prev = NULL;
  call->next = call->http->orphans;
  if (call->next) call->next->prev = call;
  call->http->orphans = call;
}

void wasi_http_p3_free_orphans(wasi_http_ctx *http) {
  while (http->orphans) {
    wasi_http_p3_call *c = http->orphans;
    http->orphans = c->next;
    call_release(c);
  }
}

unsigned wasi_http_p3_orphans(const wasi_http_ctx *http) {
  unsigned n = 0;
  for (const wasi_http_p3_call *c = http->orphans; c; c = c->next) n++;
  return n;
}

cm_task *wasi_http_p3_call_task(const wasi_http_p3_call *call) { return call->task; }

bool wasi_http_p3_call_unstarted(const wasi_http_p3_call *call) {
  return !call->abandoned && !call->answered && call->task && call->task->state == CM_TASK_INITIAL;
}

wasm_trap *wasi_http_p3_call_withdraw(wasi_http_p3_call *call, bool instance_runs) {
  /* nothing of the responder runs from here: the request is the embedder's again */
  call->abandoned = call->answered = true;
  wasm_trap *trap = NULL;
  if (instance_runs && call->task) trap = cm_task_request_cancellation(call->task, NULL);
  /* the guest never lowered it: the host's request (and its body source) goes now, not with the ctx */
  wasi_table_remove(call->http->p2, call->request_rep, &wasi_http_p3_request_kind);
  return trap;
}
