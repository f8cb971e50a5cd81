/* wasi:http/outgoing-handler: a guest's request goes to the ctx's client (http.h); its answer
 * arrives through future-incoming-response as an incoming-response. */
#include <string.h>

#include "http_internal.h"

typedef struct future_incoming_response {
  const wasi_http_client *client;
  void *exchange; /* NULL once the response (or failure) was taken */
  bool taken;
} future_incoming_response;

static void future_incoming_response_free(void *object) {
  future_incoming_response *f = object;
  if (f->exchange) f->client->free(f->exchange);
  wr_free(f);
}
const wasi_kind wasi_http_future_incoming_response_kind = {"future-incoming-response", future_incoming_response_free};

static cm_val handle_error(const cm_canon_cx *cx, wasi_http_error_code *err) {
  cm_val code = wasi_http_error_to_val(cx->arena, err);
  wasi_http_error_code_clear(err);
  return wasi_err(cx, &code);
}

/* The guest's request-options as client timeouts (the option is consumed). */
static wasm_trap *take_timeouts(wasi_http_ctx *http, const cm_val *opt, wasi_http_timeouts *t) {
  *t = (wasi_http_timeouts){0};
  if (opt->u.cs.index == 0) return NULL;
  uint32_t rep = opt->u.cs.payload->u.rep;
  wasi_http_request_options *o = wasi_table_take(http->p2, rep, &wasi_http_request_options_kind);
  if (!o) return wasi_trap(http->p2, "unknown request-options %u", rep);
  if (o->has[WASI_HTTP_CONNECT_TIMEOUT]) t->connect_ns = o->ns[WASI_HTTP_CONNECT_TIMEOUT];
  if (o->has[WASI_HTTP_FIRST_BYTE_TIMEOUT]) t->first_byte_ns = o->ns[WASI_HTTP_FIRST_BYTE_TIMEOUT];
  if (o->has[WASI_HTTP_BETWEEN_BYTES_TIMEOUT]) t->between_bytes_ns = o->ns[WASI_HTTP_BETWEEN_BYTES_TIMEOUT];
  wasi_http_request_options_kind.free(o);
  return NULL;
}

/* handle(request: own<outgoing-request>, options: option<own<request-options>>)
 *   -> result<own<future-incoming-response>, error-code> */
static wasm_trap *outgoing_handle(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_http_ctx *http = call->state;
  uint32_t req_rep = call->args[0].val.u.rep;
  wasi_http_outgoing_request *req = wasi_table_take(http->p2, req_rep, &wasi_http_outgoing_request_kind);
  if (!req) return wasi_trap(http->p2, "unknown outgoing-request %u", req_rep);
  wasi_http_timeouts timeouts;
  wasm_trap *trap = take_timeouts(http, &call->args[1].val, &timeouts);
  if (trap) {
    wasi_http_outgoing_request_kind.free(req);
    return trap;
  }
  wasi_http_error_code err = {0};
  bool rejected = true;
  if (!req->target.authority) err = wasi_http_error(WASI_HTTP_ERR_HTTP_REQUEST_URI_INVALID);
  else if (req->target.scheme.present && req->target.scheme.tag == WASI_HTTP_SCHEME_OTHER) err = wasi_http_error(WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
  else rejected = false;
  if (rejected) {
    wasi_http_outgoing_request_kind.free(req);
    *result = handle_error(cx, &err);
    return NULL;
  }
  wasi_http_outgoing_head head = {
      .method = wasi_http_method_text(&req->target.method),
      .scheme = wasi_http_scheme_text(&req->target.scheme),
      .authority = req->target.authority,
      .path_with_query = req->target.path_with_query ? req->target.path_with_query : "/",
      .headers = req->headers,
      .has_body = req->body != NULL,
  };
  const wasi_http_sink_ops *sink_ops = NULL;
  void *sink_self = NULL;
  void *exchange = http->client->send(http->client_env, http->p2, &head, &timeouts, &sink_ops, &sink_self, &err);
  if (!exchange) {
    wasi_http_outgoing_request_kind.free(req);
    *result = handle_error(cx, &err);
    return NULL;
  }
  if (req->body) wasi_http_pipe_attach(req->body, sink_ops, sink_self);
  wasi_http_outgoing_request_kind.free(req);
  future_incoming_response *f = WR_NEW(future_incoming_response);
  f->client = http->client;
  f->exchange = exchange;
  uint32_t rep = 0;
  if ((trap = wasi_table_add(http->p2, &wasi_http_future_incoming_response_kind, f, &rep))) return trap;
  cm_val handle = cm_val_handle(rep);
  *result = wasi_ok(cx, &handle);
  return NULL;
}

static wasm_trap *future_subscribe(const cm_bound_call *call, cm_val *result) {
  const wasi_http_ctx *http = call->state;
  const future_incoming_response *f = call->args[0].object;
  wasi_pollable *p = f->exchange ? f->client->subscribe(f->exchange) : wasi_pollable_ready();
  uint32_t rep = 0;
  wasm_trap *trap = wasi_pollable_add(http->p2, p, &rep);
  *result = cm_val_handle(rep);
  return trap;
}

static void free_response_headers(wasi_http_response_head *head) {
  for (size_t i = 0; i < head->nheaders; i++) {
    wr_free((void *)head->headers[i].name);
    wr_free((void *)head->headers[i].value);
  }
  wr_free(head->headers);
  head->headers = NULL;
  head->nheaders = 0;
}

/* get -> option<result<result<own<incoming-response>, error-code>>> */
static wasm_trap *future_get(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_http_ctx *http = call->state;
  future_incoming_response *f = call->args[0].object;
  if (f->taken) {
    cm_val outer = wasi_err(cx, NULL);
    *result = wasi_some(cx, &outer);
    return NULL;
  }
  wasi_http_response_head head = {0};
  wasi_http_error_code err = {0};
  wasi_http_progress progress = f->client->response(f->exchange, &head, &err);
  if (progress == WASI_HTTP_PENDING) {
    *result = wasi_none();
    return NULL;
  }
  f->taken = true;
  f->client->free(f->exchange);
  f->exchange = NULL;
  cm_val inner;
  if (progress == WASI_HTTP_FAILED) {
    inner = handle_error(cx, &err);
  } else {
    wasi_http_incoming_response *resp = WR_NEW(wasi_http_incoming_response);
    resp->status = head.status;
    resp->headers = wasi_http_fields_new(http, true);
    for (size_t i = 0; i < head.nheaders; i++) {
      const wasi_http_header *h = &head.headers[i];
      wasi_http_fields_push(resp->headers, h->name, h->name_len, h->value, h->value_len);
    }
    free_response_headers(&head);
    resp->body = (wasi_http_body_source){head.body_ops, head.body_self};
    uint32_t rep = 0;
    wasm_trap *trap = wasi_table_add(http->p2, &wasi_http_incoming_response_kind, resp, &rep);
    if (trap) return trap;
    cm_val handle = cm_val_handle(rep);
    inner = wasi_ok(cx, &handle);
  }
  cm_val outer = wasi_ok(cx, &inner);
  *result = wasi_some(cx, &outer);
  return NULL;
}

const cm_host_binding wasi_http_future_funcs[] = {
    {"[method]future-incoming-response.subscribe", future_subscribe, {&wasi_http_future_incoming_response_kind}},
    {"[method]future-incoming-response.get", future_get, {&wasi_http_future_incoming_response_kind}},
};
const size_t wasi_http_future_nfuncs = WR_ARRAY_LEN(wasi_http_future_funcs);

bool wasi_http_define_outgoing_handler(cm_host *host, wr_error *err) {
  static const cm_host_binding funcs[] = {{"handle", outgoing_handle, {NULL}}};
  return cm_host_bind(host, WASI_HTTP_OUTGOING_HANDLER, &wasi_http_binder, funcs, WR_ARRAY_LEN(funcs), NULL, err);
}
