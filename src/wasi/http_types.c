/* wasi:http/types messages: method and scheme with their validation, incoming and outgoing
 * requests and responses, request-options, response-outparam; the per-instance wasi:http
 * state, and wasi_http_define, which registers every host function. */
#include <string.h>
#include <strings.h>

#include "http1_grammar.h"
#include "http_internal.h"

cm_val wasi_http_string(const cm_canon_cx *cx, const char *s, size_t len) {
  return cm_val_string(cm_arena_strndup(cx->arena, s, len), (uint32_t)len);
}

/* ---- method and scheme ---- */

static const char *const method_names[] = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                           "CONNECT", "OPTIONS", "TRACE", "PATCH"};

const char *wasi_http_method_text(const wasi_http_method *m) {
  return m->tag == WASI_HTTP_METHOD_OTHER ? m->other : method_names[m->tag];
}

void wasi_http_method_clear(wasi_http_method *m) {
  wr_free(m->other);
  *m = (wasi_http_method){0};
}

const char *wasi_http_scheme_text(const wasi_http_scheme *s) {
  if (!s->present || s->tag == WASI_HTTP_SCHEME_HTTP) return "http";
  return s->tag == WASI_HTTP_SCHEME_HTTPS ? "https" : s->other;
}

void wasi_http_scheme_clear(wasi_http_scheme *s) {
  wr_free(s->other);
  *s = (wasi_http_scheme){0};
}

/* The method a host-side token names: one of the nine (case-sensitive, as HTTP says) or other. */
static wasi_http_method method_from_text(const char *text, size_t len) {
  for (size_t i = 0; i < WR_ARRAY_LEN(method_names); i++)
    if (strlen(method_names[i]) == len && memcmp(method_names[i], text, len) == 0)
      return (wasi_http_method){.tag = (wasi_http_method_tag)i};
  return (wasi_http_method){.tag = WASI_HTTP_METHOD_OTHER, .other = wr_strndup(text, len)};
}

static wasi_http_scheme scheme_from_text(const char *text) {
  if (!text) return (wasi_http_scheme){0};
  if (strcasecmp(text, "http") == 0) return (wasi_http_scheme){.present = true, .tag = WASI_HTTP_SCHEME_HTTP};
  if (strcasecmp(text, "https") == 0) return (wasi_http_scheme){.present = true, .tag = WASI_HTTP_SCHEME_HTTPS};
  return (wasi_http_scheme){.present = true, .tag = WASI_HTTP_SCHEME_OTHER, .other = wr_strndup(text, strlen(text))};
}

static cm_val method_to_val(const cm_canon_cx *cx, const wasi_http_method *m) {
  if (m->tag != WASI_HTTP_METHOD_OTHER) return cm_val_case(cx->arena, m->tag, NULL);
  cm_val s = wasi_http_string(cx, m->other, strlen(m->other));
  return cm_val_case(cx->arena, m->tag, &s);
}

static cm_val scheme_to_val(const cm_canon_cx *cx, const wasi_http_scheme *sch) {
  if (!sch->present) return wasi_none();
  cm_val v;
  if (sch->tag != WASI_HTTP_SCHEME_OTHER) {
    v = cm_val_case(cx->arena, sch->tag, NULL);
  } else {
    cm_val s = wasi_http_string(cx, sch->other, strlen(sch->other));
    v = cm_val_case(cx->arena, sch->tag, &s);
  }
  return wasi_some(cx, &v);
}

static bool is_scheme(const char *s, size_t len) {
  if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  for (size_t i = 1; i < len; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
              c == '.';
    if (!ok) return false;
  }
  return true;
}

/* RFC 3986 authority: [userinfo@]host[:port], host a reg-name, IPv4 or [IPv6]. */
static bool is_authority(const char *s, size_t len) {
  if (len == 0) return false;
  size_t colon = len;
  bool in_brackets = false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '[') in_brackets = true;
    else if (c == ']') in_brackets = false;
    else if (c == ':' && !in_brackets) colon = i;
    else if (c == '@') colon = len; /* a colon before '@' was userinfo */
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("-._~%!$&'()*+,;=:@[]", c) != NULL;
    if (!ok || c == '\0') return false;
  }
  if (in_brackets) return false;
  for (size_t i = colon + 1; i < len; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

/* origin-form path and query: visible ASCII without '#' (the fragment is not sent). */
static bool is_path_with_query(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if ((uint8_t)s[i] <= 0x20 || (uint8_t)s[i] >= 0x7f || s[i] == '#') return false;
  return true;
}

/* A guest's method value, or false when `other` is not a token. */
static bool method_from_val(const cm_val *v, wasi_http_method *out) {
  if (v->u.cs.index != WASI_HTTP_METHOD_OTHER) {
    *out = (wasi_http_method){.tag = (wasi_http_method_tag)v->u.cs.index};
    return true;
  }
  const cm_val *s = v->u.cs.payload;
  if (!http1_is_token(s->u.str.data, s->u.str.len)) return false;
  *out = method_from_text(s->u.str.data, s->u.str.len);
  return true;
}

static bool scheme_from_val(const cm_val *opt, wasi_http_scheme *out) {
  *out = (wasi_http_scheme){0};
  if (opt->u.cs.index == 0) return true;
  const cm_val *v = opt->u.cs.payload;
  if (v->u.cs.index != WASI_HTTP_SCHEME_OTHER) {
    *out = (wasi_http_scheme){.present = true, .tag = (wasi_http_scheme_tag)v->u.cs.index};
    return true;
  }
  const cm_val *s = v->u.cs.payload;
  if (!is_scheme(s->u.str.data, s->u.str.len)) return false;
  *out = (wasi_http_scheme){.present = true, .tag = WASI_HTTP_SCHEME_OTHER,
                            .other = wr_strndup(s->u.str.data, s->u.str.len)};
  return true;
}

static cm_val optional_text(const cm_canon_cx *cx, const char *text) {
  if (!text) return wasi_none();
  cm_val s = wasi_http_string(cx, text, strlen(text));
  return wasi_some(cx, &s);
}

/* ---- per-instance state ---- */

wasi_http_ctx *wasi_http_ctx_new(wasi_p2_ctx *p2, const wasi_http_client *client, void *client_env) {
  wasi_http_ctx *http = WR_NEW(wasi_http_ctx);
  http->p2 = p2;
  http->client = client ? client : &wasi_http_default_client;
  http->client_env = client_env;
  wasi_p2_set_embedder(p2, http);
  return http;
}

void wasi_http_ctx_free(wasi_http_ctx *http) {
  if (!http) return;
  wasi_http_p3_free_orphans(http);
  wr_free(http);
}

wasi_p2_ctx *wasi_http_ctx_p2(const wasi_http_ctx *http) { return http->p2; }

wasm_trap *wasi_http_ctx_of(const cm_canon_cx *cx, wasi_http_ctx **out) {
  wasi_p2_ctx *p2 = wasi_p2_ctx_of(cx);
  *out = p2 ? wasi_p2_embedder(p2) : NULL;
  if (!*out) return wasm_trap_new(cx->store, WASM_TRAP_HOST, "wasi:http used without a wasi:http context");
  return NULL;
}

static wasm_trap *http_state(const cm_canon_cx *cx, void **state) {
  wasi_http_ctx *http = NULL;
  wasm_trap *trap = wasi_http_ctx_of(cx, &http);
  *state = http;
  return trap;
}

static wasm_trap *http_resolve(void *state, uint32_t rep, const void *kind, void **object) {
  const wasi_http_ctx *http = state;
  return wasi_table_lookup(http->p2, rep, kind, object);
}

const cm_host_binder wasi_http_binder = {http_state, http_resolve};

/* Replaces an option<string> field after checking it with `valid`. */
static void set_optional_text(const cm_canon_cx *cx, const cm_val *opt, bool (*valid)(const char *, size_t),
                              char **field, cm_val *result) {
  if (opt->u.cs.index == 1) {
    const cm_val *s = opt->u.cs.payload;
    if (!valid(s->u.str.data, s->u.str.len)) {
      *result = wasi_err(cx, NULL);
      return;
    }
    wr_free(*field);
    *field = wr_strndup(s->u.str.data, s->u.str.len);
  } else {
    wr_free(*field);
    *field = NULL;
  }
  *result = wasi_ok(cx, NULL);
}

/* ---- what a request addresses ---- */

void wasi_http_target_from_head(wasi_http_target *t, const wasi_http_request_head *head) {
  t->method = method_from_text(head->method, head->method_len);
  t->scheme = scheme_from_text(head->scheme);
  t->authority = head->authority ? wr_strndup(head->authority, strlen(head->authority)) : NULL;
  t->path_with_query = head->path_with_query ? wr_strndup(head->path_with_query, strlen(head->path_with_query)) : NULL;
}

void wasi_http_target_clear(wasi_http_target *t) {
  wasi_http_method_clear(&t->method);
  wasi_http_scheme_clear(&t->scheme);
  wr_free(t->authority);
  wr_free(t->path_with_query);
  *t = (wasi_http_target){0};
}

wasm_trap *wasi_http_target_get_method(const cm_bound_call *call, cm_val *result) {
  const wasi_http_target *t = call->args[0].object;
  *result = method_to_val(call->cx, &t->method);
  return NULL;
}

wasm_trap *wasi_http_target_set_method(const cm_bound_call *call, cm_val *result) {
  wasi_http_target *t = call->args[0].object;
  wasi_http_method m;
  if (!method_from_val(&call->args[1].val, &m)) {
    *result = wasi_err(call->cx, NULL);
    return NULL;
  }
  wasi_http_method_clear(&t->method);
  t->method = m;
  *result = wasi_ok(call->cx, NULL);
  return NULL;
}

wasm_trap *wasi_http_target_get_path(const cm_bound_call *call, cm_val *result) {
  const wasi_http_target *t = call->args[0].object;
  *result = optional_text(call->cx, t->path_with_query);
  return NULL;
}

wasm_trap *wasi_http_target_set_path(const cm_bound_call *call, cm_val *result) {
  wasi_http_target *t = call->args[0].object;
  set_optional_text(call->cx, &call->args[1].val, is_path_with_query, &t->path_with_query, result);
  return NULL;
}

wasm_trap *wasi_http_target_get_scheme(const cm_bound_call *call, cm_val *result) {
  const wasi_http_target *t = call->args[0].object;
  *result = scheme_to_val(call->cx, &t->scheme);
  return NULL;
}

wasm_trap *wasi_http_target_set_scheme(const cm_bound_call *call, cm_val *result) {
  wasi_http_target *t = call->args[0].object;
  wasi_http_scheme sch;
  if (!scheme_from_val(&call->args[1].val, &sch)) {
    *result = wasi_err(call->cx, NULL);
    return NULL;
  }
  wasi_http_scheme_clear(&t->scheme);
  t->scheme = sch;
  *result = wasi_ok(call->cx, NULL);
  return NULL;
}

wasm_trap *wasi_http_target_get_authority(const cm_bound_call *call, cm_val *result) {
  const wasi_http_target *t = call->args[0].object;
  *result = optional_text(call->cx, t->authority);
  return NULL;
}

wasm_trap *wasi_http_target_set_authority(const cm_bound_call *call, cm_val *result) {
  wasi_http_target *t = call->args[0].object;
  set_optional_text(call->cx, &call->args[1].val, is_authority, &t->authority, result);
  return NULL;
}

/* ---- incoming-request ---- */

static void incoming_request_free(void *object) {
  wasi_http_incoming_request *req = object;
  wasi_http_target_clear(&req->target);
  wasi_http_fields_free(req->headers);
  wasi_http_body_source_free(&req->body);
  wr_free(req);
}
const wasi_kind wasi_http_incoming_request_kind = {"incoming-request", incoming_request_free};

wasm_trap *wasi_http_incoming_request_new(wasi_http_ctx *http, const wasi_http_request_head *head,
                                          const wasi_http_body_ops *body_ops, void *body_self, uint32_t *rep) {
  wasi_http_incoming_request *req = WR_NEW(wasi_http_incoming_request);
  wasi_http_target_from_head(&req->target, head);
  req->headers = wasi_http_fields_new(http, true);
  for (size_t i = 0; i < head->nheaders; i++) {
    const wasi_http_header *h = &head->headers[i];
    wasi_http_fields_push(req->headers, h->name, h->name_len, h->value, h->value_len);
  }
  req->body = (wasi_http_body_source){body_ops, body_self};
  return wasi_table_add(http->p2, &wasi_http_incoming_request_kind, req, rep);
}

/* An immutable copy of a message's headers as a new own<fields>. */
wasm_trap *wasi_http_headers_handle(wasi_http_ctx *http, const wasi_http_fields *headers, cm_val *result) {
  wasm_trap *trap = wasi_http_fields_charge(http, headers->bytes);
  if (trap) return trap;
  uint32_t rep = 0;
  trap = wasi_table_add(http->p2, &wasi_http_fields_kind, wasi_http_fields_clone(http, headers, true), &rep);
  *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *incoming_request_headers(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  wasi_http_incoming_request *req = call->args[0].object;
  return wasi_http_headers_handle(http, req->headers, result);
}

/* consume: the body, once; later calls get err. */
static wasm_trap *consume_body(const cm_canon_cx *cx, wasi_http_ctx *http, bool *consumed, wasi_http_body_source *body,
                               cm_val *result) {
  if (*consumed) {
    *result = wasi_err(cx, NULL);
    return NULL;
  }
  *consumed = true;
  uint32_t rep = 0;
  wasm_trap *trap = wasi_http_incoming_body_new(http, body, &rep);
  if (trap) return trap;
  cm_val handle = cm_val_handle(rep);
  *result = wasi_ok(cx, &handle);
  return NULL;
}

static wasm_trap *incoming_request_consume(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  wasi_http_incoming_request *req = call->args[0].object;
  return consume_body(call->cx, http, &req->consumed, &req->body, result);
}

/* ---- outgoing-request ---- */

static void outgoing_request_free(void *object) {
  wasi_http_outgoing_request *req = object;
  wasi_http_target_clear(&req->target);
  wasi_http_fields_free(req->headers);
  if (req->body) wasi_http_pipe_release(req->body);
  wr_free(req);
}
const wasi_kind wasi_http_outgoing_request_kind = {"outgoing-request", outgoing_request_free};

/* Takes an own<fields> argument out of the table: the message owns it from now on. */
wasm_trap *wasi_http_take_fields(wasi_http_ctx *http, const cm_val *handle, wasi_http_fields **out) {
  *out = wasi_table_take(http->p2, handle->u.rep, &wasi_http_fields_kind);
  if (!*out) return wasi_trap(http->p2, "unknown fields %u", handle->u.rep);
  (*out)->immutable = true;
  return NULL;
}

static wasm_trap *outgoing_request_new(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  wasm_trap *trap;
  wasi_http_fields *headers = NULL;
  if ((trap = wasi_http_take_fields(http, &call->args[0].val, &headers))) return trap;
  wasi_http_outgoing_request *req = WR_NEW(wasi_http_outgoing_request);
  req->headers = headers;
  uint32_t rep = 0;
  trap = wasi_table_add(http->p2, &wasi_http_outgoing_request_kind, req, &rep);
  *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *outgoing_request_body(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_http_ctx *http = call->state;
  wasi_http_outgoing_request *req = call->args[0].object;
  wasm_trap *trap;
  if (req->body_taken) {
    *result = wasi_err(cx, NULL);
    return NULL;
  }
  uint32_t rep = 0;
  if ((trap = wasi_http_outgoing_body_new(http, true, req->headers, &req->body, &rep))) return trap;
  req->body_taken = true;
  cm_val handle = cm_val_handle(rep);
  *result = wasi_ok(cx, &handle);
  return NULL;
}

static wasm_trap *outgoing_request_headers(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  wasi_http_outgoing_request *req = call->args[0].object;
  return wasi_http_headers_handle(http, req->headers, result);
}

/* ---- request-options ---- */

static void request_options_free(void *object) { wr_free(object); }
const wasi_kind wasi_http_request_options_kind = {"request-options", request_options_free};

wasm_trap *wasi_http_request_options_new(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  wasm_trap *trap;
  uint32_t rep = 0;
  trap = wasi_table_add(http->p2, &wasi_http_request_options_kind, WR_NEW(wasi_http_request_options), &rep);
  *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *get_timeout(const cm_bound_call *call, cm_val *result, wasi_http_timeout_kind k) {
  const wasi_http_request_options *o = call->args[0].object;
  cm_val n = cm_val_u(o->ns[k]);
  *result = o->has[k] ? wasi_some(call->cx, &n) : wasi_none();
  return NULL;
}

static wasm_trap *set_timeout(const cm_bound_call *call, cm_val *result, wasi_http_timeout_kind k) {
  wasi_http_request_options *o = call->args[0].object;
  if (o->immutable) { /* 0.3 only: request-options-error.immutable */
    cm_val code = cm_val_case(call->cx->arena, 1, NULL);
    *result = wasi_err(call->cx, &code);
    return NULL;
  }
  const cm_val *timeout = &call->args[1].val;
  o->has[k] = timeout->u.cs.index == 1;
  o->ns[k] = o->has[k] ? timeout->u.cs.payload->u.u : 0;
  *result = wasi_ok(call->cx, NULL);
  return NULL;
}

#define TIMEOUT_ACCESSORS(name, kind)                                                   \
  wasm_trap *wasi_http_get_##name(const cm_bound_call *call, cm_val *result) {           \
    return get_timeout(call, result, kind);                                             \
  }                                                                                     \
  wasm_trap *wasi_http_set_##name(const cm_bound_call *call, cm_val *result) {           \
    return set_timeout(call, result, kind);                                             \
  }
TIMEOUT_ACCESSORS(connect_timeout, WASI_HTTP_CONNECT_TIMEOUT)
TIMEOUT_ACCESSORS(first_byte_timeout, WASI_HTTP_FIRST_BYTE_TIMEOUT)
TIMEOUT_ACCESSORS(between_bytes_timeout, WASI_HTTP_BETWEEN_BYTES_TIMEOUT)

/* ---- outgoing-response ---- */

typedef struct outgoing_response {
  uint16_t status;
  wasi_http_fields *headers;
  wasi_http_pipe *body;
  bool body_taken;
} outgoing_response;

static void outgoing_response_free(void *object) {
  outgoing_response *resp = object;
  wasi_http_fields_free(resp->headers);
  if (resp->body) wasi_http_pipe_release(resp->body);
  wr_free(resp);
}
const wasi_kind wasi_http_outgoing_response_kind = {"outgoing-response", outgoing_response_free};

static wasm_trap *outgoing_response_new(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  wasm_trap *trap;
  wasi_http_fields *headers = NULL;
  if ((trap = wasi_http_take_fields(http, &call->args[0].val, &headers))) return trap;
  outgoing_response *resp = WR_NEW(outgoing_response);
  resp->status = 200;
  resp->headers = headers;
  uint32_t rep = 0;
  trap = wasi_table_add(http->p2, &wasi_http_outgoing_response_kind, resp, &rep);
  *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *outgoing_response_status(const cm_bound_call *call, cm_val *result) {
  outgoing_response *resp = call->args[0].object;
  *result = cm_val_u(resp->status);
  return NULL;
}

static wasm_trap *outgoing_response_set_status(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  outgoing_response *resp = call->args[0].object;
  uint64_t status = call->args[1].val.u.u;
  if (status < 100 || status > 999) { /* three digits, as HTTP's status-code */
    *result = wasi_err(cx, NULL);
    return NULL;
  }
  resp->status = (uint16_t)status;
  *result = wasi_ok(cx, NULL);
  return NULL;
}

static wasm_trap *outgoing_response_headers(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  outgoing_response *resp = call->args[0].object;
  return wasi_http_headers_handle(http, resp->headers, result);
}

static wasm_trap *outgoing_response_body(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_http_ctx *http = call->state;
  outgoing_response *resp = call->args[0].object;
  wasm_trap *trap;
  if (resp->body_taken) {
    *result = wasi_err(cx, NULL);
    return NULL;
  }
  uint32_t rep = 0;
  if ((trap = wasi_http_outgoing_body_new(http, false, resp->headers, &resp->body, &rep))) return trap;
  resp->body_taken = true;
  cm_val handle = cm_val_handle(rep);
  *result = wasi_ok(cx, &handle);
  return NULL;
}

/* ---- response-outparam ---- */

typedef struct response_outparam {
  const wasi_http_responder *responder;
  void *env;
} response_outparam;

/* Dropped without set: the guest will never answer. */
static void response_outparam_free(void *object) {
  response_outparam *out = object;
  out->responder->on_error(out->env, NULL);
  wr_free(out);
}
const wasi_kind wasi_http_response_outparam_kind = {"response-outparam", response_outparam_free};

wasm_trap *wasi_http_response_outparam_new(wasi_http_ctx *http, const wasi_http_responder *responder, void *env,
                                           uint32_t *rep) {
  response_outparam *out = WR_NEW(response_outparam);
  out->responder = responder;
  out->env = env;
  return wasi_table_add(http->p2, &wasi_http_response_outparam_kind, out, rep);
}

/* set(param: own<response-outparam>, response: result<own<outgoing-response>, error-code>):
 * the outparam handle is consumed, so a second set on it traps in the canonical ABI. */
static wasm_trap *response_outparam_set(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(result);
  wasi_http_ctx *http = call->state;
  uint32_t out_rep = call->args[0].val.u.rep;
  response_outparam *out = wasi_table_take(http->p2, out_rep, &wasi_http_response_outparam_kind);
  if (!out) return wasi_trap(http->p2, "unknown response-outparam %u", out_rep);
  const cm_val *response = &call->args[1].val;
  if (response->u.cs.index == 1) {
    wasi_http_error_code code = wasi_http_error_from_val(response->u.cs.payload);
    out->responder->on_error(out->env, &code);
    wasi_http_error_code_clear(&code);
    wr_free(out);
    return NULL;
  }
  uint32_t resp_rep = response->u.cs.payload->u.rep;
  outgoing_response *resp = wasi_table_take(http->p2, resp_rep, &wasi_http_outgoing_response_kind);
  if (!resp) {
    out->responder->on_error(out->env, NULL);
    wr_free(out);
    return wasi_trap(http->p2, "unknown outgoing-response %u", resp_rep);
  }
  const wasi_http_sink_ops *sink_ops = NULL;
  void *sink_self = NULL;
  out->responder->on_head(out->env, resp->status, resp->headers, &sink_ops, &sink_self);
  if (resp->body) {
    wasi_http_pipe_attach(resp->body, sink_ops, sink_self);
  } else { /* no body was ever asked for: an empty one */
    wasi_http_error_code ignored = {0};
    sink_ops->finish(sink_self, NULL, &ignored);
    wasi_http_error_code_clear(&ignored);
    sink_ops->stream.free(sink_self);
  }
  wr_free(out);
  outgoing_response_free(resp);
  return NULL;
}

/* ---- incoming-response ---- */

static void incoming_response_free(void *object) {
  wasi_http_incoming_response *resp = object;
  wasi_http_fields_free(resp->headers);
  wasi_http_body_source_free(&resp->body);
  wr_free(resp);
}
const wasi_kind wasi_http_incoming_response_kind = {"incoming-response", incoming_response_free};

static wasm_trap *incoming_response_status(const cm_bound_call *call, cm_val *result) {
  wasi_http_incoming_response *resp = call->args[0].object;
  *result = cm_val_u(resp->status);
  return NULL;
}

static wasm_trap *incoming_response_headers(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  wasi_http_incoming_response *resp = call->args[0].object;
  return wasi_http_headers_handle(http, resp->headers, result);
}

static wasm_trap *incoming_response_consume(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  wasi_http_incoming_response *resp = call->args[0].object;
  return consume_body(call->cx, http, &resp->consumed, &resp->body, result);
}

const cm_host_binding wasi_http_message_funcs[] = {
    {"[method]incoming-request.method", wasi_http_target_get_method, {&wasi_http_incoming_request_kind}},
    {"[method]incoming-request.path-with-query", wasi_http_target_get_path, {&wasi_http_incoming_request_kind}},
    {"[method]incoming-request.scheme", wasi_http_target_get_scheme, {&wasi_http_incoming_request_kind}},
    {"[method]incoming-request.authority", wasi_http_target_get_authority, {&wasi_http_incoming_request_kind}},
    {"[method]incoming-request.headers", incoming_request_headers, {&wasi_http_incoming_request_kind}},
    {"[method]incoming-request.consume", incoming_request_consume, {&wasi_http_incoming_request_kind}},
    {"[constructor]outgoing-request", outgoing_request_new, {NULL}},
    {"[method]outgoing-request.body", outgoing_request_body, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.method", wasi_http_target_get_method, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.set-method", wasi_http_target_set_method, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.path-with-query", wasi_http_target_get_path, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.set-path-with-query", wasi_http_target_set_path, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.scheme", wasi_http_target_get_scheme, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.set-scheme", wasi_http_target_set_scheme, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.authority", wasi_http_target_get_authority, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.set-authority", wasi_http_target_set_authority, {&wasi_http_outgoing_request_kind}},
    {"[method]outgoing-request.headers", outgoing_request_headers, {&wasi_http_outgoing_request_kind}},
    {"[constructor]request-options", wasi_http_request_options_new, {NULL}},
    {"[method]request-options.connect-timeout", wasi_http_get_connect_timeout, {&wasi_http_request_options_kind}},
    {"[method]request-options.set-connect-timeout", wasi_http_set_connect_timeout, {&wasi_http_request_options_kind}},
    {"[method]request-options.first-byte-timeout", wasi_http_get_first_byte_timeout, {&wasi_http_request_options_kind}},
    {"[method]request-options.set-first-byte-timeout", wasi_http_set_first_byte_timeout, {&wasi_http_request_options_kind}},
    {"[method]request-options.between-bytes-timeout", wasi_http_get_between_bytes_timeout, {&wasi_http_request_options_kind}},
    {"[method]request-options.set-between-bytes-timeout", wasi_http_set_between_bytes_timeout, {&wasi_http_request_options_kind}},
    {"[static]response-outparam.set", response_outparam_set, {NULL}},
    {"[constructor]outgoing-response", outgoing_response_new, {NULL}},
    {"[method]outgoing-response.status-code", outgoing_response_status, {&wasi_http_outgoing_response_kind}},
    {"[method]outgoing-response.set-status-code", outgoing_response_set_status, {&wasi_http_outgoing_response_kind}},
    {"[method]outgoing-response.headers", outgoing_response_headers, {&wasi_http_outgoing_response_kind}},
    {"[method]outgoing-response.body", outgoing_response_body, {&wasi_http_outgoing_response_kind}},
    {"[method]incoming-response.status", incoming_response_status, {&wasi_http_incoming_response_kind}},
    {"[method]incoming-response.headers", incoming_response_headers, {&wasi_http_incoming_response_kind}},
    {"[method]incoming-response.consume", incoming_response_consume, {&wasi_http_incoming_response_kind}},
};
const size_t wasi_http_message_nfuncs = WR_ARRAY_LEN(wasi_http_message_funcs);

/* ---- registration ---- */

static bool bind_types(cm_host *host, const cm_host_binding *rows, size_t n, wr_error *err) {
  return cm_host_bind(host, WASI_HTTP_TYPES, &wasi_http_binder, rows, n, NULL, err);
}

bool wasi_http_define(cm_host *host, wr_error *err) {
  static const struct {
    const char *name;
    const wasi_kind *kind;
  } resources[] = {
      {"fields", &wasi_http_fields_kind},
      {"incoming-request", &wasi_http_incoming_request_kind},
      {"outgoing-request", &wasi_http_outgoing_request_kind},
      {"request-options", &wasi_http_request_options_kind},
      {"response-outparam", &wasi_http_response_outparam_kind},
      {"incoming-response", &wasi_http_incoming_response_kind},
      {"incoming-body", &wasi_http_incoming_body_kind},
      {"future-trailers", &wasi_http_future_trailers_kind},
      {"outgoing-response", &wasi_http_outgoing_response_kind},
      {"outgoing-body", &wasi_http_outgoing_body_kind},
      {"future-incoming-response", &wasi_http_future_incoming_response_kind},
  };
  if (!wasi_add_wit(host, "http", err)) return false;
  for (size_t i = 0; i < WR_ARRAY_LEN(resources); i++)
    if (!wasi_define_resource(host, WASI_HTTP_TYPES, resources[i].name, resources[i].kind, err)) return false;
  return wasi_bind_funcs(host, WASI_HTTP_TYPES, wasi_http_error_funcs, wasi_http_error_nfuncs, err) &&
         bind_types(host, wasi_http_fields_funcs, wasi_http_fields_nfuncs, err) &&
         bind_types(host, wasi_http_message_funcs, wasi_http_message_nfuncs, err) &&
         wasi_bind_funcs(host, WASI_HTTP_TYPES, wasi_http_body_funcs, wasi_http_body_nfuncs, err) &&
         bind_types(host, wasi_http_future_funcs, wasi_http_future_nfuncs, err) &&
         wasi_http_define_outgoing_handler(host, err);
}
