/* wasi:http/types@0.3.0: request, response and request-options, and wasi_http_p3_define, which
 * registers them with fields (http_fields.c). Method, scheme, authority and path checks are
 * 0.2's (http_types.c); bodies are in http_p3_body.c. */
#include <string.h>

#include "http_p3_internal.h"

/* ---- request-options (0.2's, plus clone) ---- */

static wasm_trap *options_add(wasi_http_ctx *http, wasi_http_request_options *o, cm_val *handle) {
  uint32_t rep = 0;
  wasm_trap *trap = wasi_table_add(http->p2, &wasi_http_request_options_kind, o, &rep);
  *handle = cm_val_handle(rep);
  return trap;
}

static wasm_trap *options_clone(const cm_bound_call *call, cm_val *result) {
  wasi_http_request_options *o = WR_NEW(wasi_http_request_options);
  *o = *(const wasi_http_request_options *)call->args[0].object;
  o->immutable = false; /* a clone may be changed */
  return options_add(call->state, o, result);
}

/* ---- request ---- */

static void request_free(void *object) {
  wasi_http_p3_request *req = object;
  wasi_http_target_clear(&req->target);
  wasi_http_fields_free(req->headers);
  wr_free(req->options);
  wasi_http_p3_body_clear(&req->body);
  if (req->transmit) wasi_http_p3_transmit_drop(req->transmit);
  wr_free(req);
}
const wasi_kind wasi_http_p3_request_kind = {"request", request_free};

wasm_trap *wasi_http_p3_request_new(wasi_http_ctx *http, const wasi_http_request_head *head,
                                    const wasi_http_p3_body_source *source, void *env, uint32_t *rep) {
  wasi_http_p3_request *req = WR_NEW(wasi_http_p3_request);
  wasi_http_target_from_head(&req->target, head);
  req->headers = wasi_http_fields_new(http, true);
  for (size_t i = 0; i < head->nheaders; i++) {
    const wasi_http_header *h = &head->headers[i];
    wasi_http_fields_push(req->headers, h->name, h->name_len, h->value, h->value_len);
  }
  req->body.source = source;
  req->body.source_env = env;
  return wasi_table_add(http->p2, &wasi_http_p3_request_kind, req, rep);
}

/* The body a guest passes to request.new / response.new: option<stream<u8>> and the trailers
 * future, taken over. */
static wasi_http_p3_body guest_body(const cm_val *contents, const cm_val *trailers) {
  wasi_http_p3_body body = {0};
  if (contents->u.cs.index == 1) body.contents = wasi_http_p3_take_end(contents->u.cs.payload->u.shared);
  body.trailers = wasi_http_p3_take_end(trailers->u.shared);
  return body;
}

/* (message, future<result<_, error-code>>) as new() returns it. */
static cm_val message_and_transmit(const cm_canon_cx *cx, uint32_t rep, void *transmit_readable) {
  cm_val pair = cm_val_seq(cx->arena, 2);
  pair.u.seq.items[0] = cm_val_handle(rep);
  pair.u.seq.items[1] = (cm_val){.u.shared = transmit_readable};
  return pair;
}

/* new(headers, contents, trailers, options) -> tuple<request, future<result<_, error-code>>> */
static wasm_trap *request_new(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  const wasi_http_p3_types *types = call->env;
  wasi_http_fields *headers = NULL;
  wasm_trap *trap = wasi_http_take_fields(http, &call->args[0].val, &headers);
  if (trap) return trap;
  wasi_http_p3_request *req = WR_NEW(wasi_http_p3_request);
  req->headers = headers;
  req->body = guest_body(&call->args[1].val, &call->args[2].val);
  wasi_http_p3_body_hold(&req->body);
  const cm_val *options = &call->args[3].val;
  if (options->u.cs.index == 1) {
    uint32_t orep = options->u.cs.payload->u.rep;
    req->options = wasi_table_take(http->p2, orep, &wasi_http_request_options_kind);
    if (!req->options) {
      request_free(req);
      return wasi_trap(http->p2, "unknown request-options %u", orep);
    }
    req->options->immutable = true;
  }
  void *readable = NULL;
  req->transmit = wasi_http_p3_transmit_new(http, cm_instance_cstore(call->cx->inst), types, &readable);
  uint32_t rep = 0;
  if ((trap = wasi_table_add(http->p2, &wasi_http_p3_request_kind, req, &rep))) return trap;
  *result = message_and_transmit(call->cx, rep, readable);
  return NULL;
}

/* get-options() -> option<request-options>: an immutable copy */
static wasm_trap *request_get_options(const cm_bound_call *call, cm_val *result) {
  wasi_http_p3_request *req = call->args[0].object;
  if (!req->options) {
    *result = wasi_none();
    return NULL;
  }
  wasi_http_request_options *o = WR_NEW(wasi_http_request_options);
  *o = *req->options; /* immutable */
  cm_val handle;
  wasm_trap *trap = options_add(call->state, o, &handle);
  if (trap) return trap;
  *result = wasi_some(call->cx, &handle);
  return NULL;
}

static wasm_trap *request_get_headers(const cm_bound_call *call, cm_val *result) {
  wasi_http_p3_request *req = call->args[0].object;
  return wasi_http_headers_handle(call->state, req->headers, result);
}

/* consume-body(this: request, res) -> tuple<stream<u8>, future<trailers>> */
static wasm_trap *request_consume_body(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  uint32_t rep = call->args[0].val.u.rep;
  wasi_http_p3_request *req = wasi_table_take(http->p2, rep, &wasi_http_p3_request_kind);
  if (!req) return wasi_trap(http->p2, "unknown request %u", rep);
  wasm_trap *trap = wasi_http_p3_consume_body(call->cx, http, call->env, &req->body, &req->transmit,
                                              call->args[1].val.u.shared, result);
  request_free(req);
  return trap;
}

/* ---- response ---- */

void wasi_http_p3_response_free(wasi_http_p3_response *resp) {
  wasi_http_fields_free(resp->headers);
  wasi_http_p3_body_clear(&resp->body);
  if (resp->transmit) wasi_http_p3_transmit_drop(resp->transmit);
  wr_free(resp);
}

static void response_free_object(void *object) { wasi_http_p3_response_free(object); }
const wasi_kind wasi_http_p3_response_kind = {"response", response_free_object};

/* new(headers, contents, trailers) -> tuple<response, future<result<_, error-code>>> */
static wasm_trap *response_new(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  const wasi_http_p3_types *types = call->env;
  wasi_http_fields *headers = NULL;
  wasm_trap *trap = wasi_http_take_fields(http, &call->args[0].val, &headers);
  if (trap) return trap;
  wasi_http_p3_response *resp = WR_NEW(wasi_http_p3_response);
  resp->http = http;
  resp->status = 200;
  resp->headers = headers;
  resp->body = guest_body(&call->args[1].val, &call->args[2].val);
  wasi_http_p3_body_hold(&resp->body);
  void *readable = NULL;
  resp->transmit = wasi_http_p3_transmit_new(http, cm_instance_cstore(call->cx->inst), types, &readable);
  uint32_t rep = 0;
  if ((trap = wasi_table_add(http->p2, &wasi_http_p3_response_kind, resp, &rep))) return trap;
  *result = message_and_transmit(call->cx, rep, readable);
  return NULL;
}

static wasm_trap *response_get_status(const cm_bound_call *call, cm_val *result) {
  const wasi_http_p3_response *resp = call->args[0].object;
  *result = cm_val_u(resp->status);
  return NULL;
}

/* set-status-code(u16) -> result: a status HTTP can send (100..599) */
static wasm_trap *response_set_status(const cm_bound_call *call, cm_val *result) {
  wasi_http_p3_response *resp = call->args[0].object;
  uint64_t status = call->args[1].val.u.u;
  if (status < 100 || status > 599) {
    *result = wasi_err(call->cx, NULL);
    return NULL;
  }
  resp->status = (uint16_t)status;
  *result = wasi_ok(call->cx, NULL);
  return NULL;
}

static wasm_trap *response_get_headers(const cm_bound_call *call, cm_val *result) {
  const wasi_http_p3_response *resp = call->args[0].object;
  return wasi_http_headers_handle(call->state, resp->headers, result);
}

static wasm_trap *response_consume_body(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  uint32_t rep = call->args[0].val.u.rep;
  wasi_http_p3_response *resp = wasi_table_take(http->p2, rep, &wasi_http_p3_response_kind);
  if (!resp) return wasi_trap(http->p2, "unknown response %u", rep);
  wasm_trap *trap = wasi_http_p3_consume_body(call->cx, http, call->env, &resp->body, &resp->transmit,
                                              call->args[1].val.u.shared, result);
  wasi_http_p3_response_free(resp);
  return trap;
}

/* ---- registration ---- */

#define REQUEST {&wasi_http_p3_request_kind}
#define RESPONSE {&wasi_http_p3_response_kind}
#define OPTIONS {&wasi_http_request_options_kind}
static const cm_host_binding message_funcs[] = {
    {"[constructor]request-options", wasi_http_request_options_new, {NULL}},
    {"[method]request-options.get-connect-timeout", wasi_http_get_connect_timeout, OPTIONS},
    {"[method]request-options.set-connect-timeout", wasi_http_set_connect_timeout, OPTIONS},
    {"[method]request-options.get-first-byte-timeout", wasi_http_get_first_byte_timeout, OPTIONS},
    {"[method]request-options.set-first-byte-timeout", wasi_http_set_first_byte_timeout, OPTIONS},
    {"[method]request-options.get-between-bytes-timeout", wasi_http_get_between_bytes_timeout, OPTIONS},
    {"[method]request-options.set-between-bytes-timeout", wasi_http_set_between_bytes_timeout, OPTIONS},
    {"[method]request-options.clone", options_clone, OPTIONS},
    {"[static]request.new", request_new, {NULL}},
    {"[method]request.get-method", wasi_http_target_get_method, REQUEST},
    {"[method]request.set-method", wasi_http_target_set_method, REQUEST},
    {"[method]request.get-path-with-query", wasi_http_target_get_path, REQUEST},
    {"[method]request.set-path-with-query", wasi_http_target_set_path, REQUEST},
    {"[method]request.get-scheme", wasi_http_target_get_scheme, REQUEST},
    {"[method]request.set-scheme", wasi_http_target_set_scheme, REQUEST},
    {"[method]request.get-authority", wasi_http_target_get_authority, REQUEST},
    {"[method]request.set-authority", wasi_http_target_set_authority, REQUEST},
    {"[method]request.get-options", request_get_options, REQUEST},
    {"[method]request.get-headers", request_get_headers, REQUEST},
    {"[static]request.consume-body", request_consume_body, {NULL}},
    {"[static]response.new", response_new, {NULL}},
    {"[method]response.get-status-code", response_get_status, RESPONSE},
    {"[method]response.set-status-code", response_set_status, RESPONSE},
    {"[method]response.get-headers", response_get_headers, RESPONSE},
    {"[static]response.consume-body", response_consume_body, {NULL}},
};

/* The element types of response.new's contents and trailers and of the future it returns. */
static bool find_types(cm_host *host, wasi_http_p3_types *types, wr_error *err) {
  const cm_functype *ft = cm_host_func_type(host, WASI_HTTP_P3_TYPES, "[static]response.new");
  if (!ft || ft->nparams != 3 || !ft->result || ft->result->count != 2) {
    wr_error_set(err, "%s: response.new is not as Warren's WIT declares it", WASI_HTTP_P3_TYPES);
    return false;
  }
  types->byte = ft->params[1].type->elem->elem;
  types->trailers = ft->params[2].type->elem;
  types->outcome = ft->result->fields[1].type->elem;
  return true;
}

bool wasi_http_p3_define(cm_host *host, wr_error *err) {
  static const struct {
    const char *name;
    const wasi_kind *kind;
  } resources[] = {
      {"request", &wasi_http_p3_request_kind},
      {"response", &wasi_http_p3_response_kind},
      {"request-options", &wasi_http_request_options_kind},
  };
  wasi_http_p3_types *types = cm_host_alloc(host, sizeof *types);
  if (!find_types(host, types, err)) return false;
  for (size_t i = 0; i < WR_ARRAY_LEN(resources); i++)
    if (!wasi_define_resource(host, WASI_HTTP_P3_TYPES, resources[i].name, resources[i].kind, err)) return false;
  return wasi_http_p3_define_fields(host, WASI_HTTP_P3_TYPES, err) && wasi_http_p3_define_client(host, types, err) &&
         cm_host_bind(host, WASI_HTTP_P3_TYPES, &wasi_http_binder, message_funcs, WR_ARRAY_LEN(message_funcs), types,
                      err);
}
