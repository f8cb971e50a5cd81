/* wasi:http `fields`: an ordered multimap of header names to byte values with the spec's rules:
 * names are tokens (RFC 9110 tchar) stored lower-cased, so lookups ignore case and `entries`
 * reports them as HTTP/2 and wasmtime do; values are free of control characters other than
 * tab; headers that belong to the connection and not to the message are forbidden to guests;
 * fields handed out by a request or response are immutable. */
#include <string.h>

#include "http1_grammar.h"
#include "http_internal.h"

/* A name is compared against forbidden ones lower-cased; these describe the connection (hop
 * by hop) or are set by the host from the request's authority. */
static const char *const forbidden_names[] = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "transfer-encoding", "upgrade", "host", "http2-settings",
};



static bool name_equals(const char *lower, size_t lower_len, const char *name, size_t len) {
  if (lower_len != len) return false;
  for (size_t i = 0; i < len; i++) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (lower[i] != c) return false;
  }
  return true;
}

bool wasi_http_is_forbidden(const char *name, size_t len) {
  for (size_t i = 0; i < WR_ARRAY_LEN(forbidden_names); i++)
    if (name_equals(forbidden_names[i], strlen(forbidden_names[i]), name, len)) return true;
  return false;
}

wasi_http_fields *wasi_http_fields_new(wasi_http_ctx *http, bool immutable) {
  wasi_http_fields *f = WR_NEW(wasi_http_fields);
  f->immutable = immutable;
  f->budget = http ? &http->fields_bytes : NULL;
  return f;
}

void wasi_http_fields_free(wasi_http_fields *f) {
  if (!f) return;
  for (size_t i = 0; i < f->entries.len; i++) {
    wr_free(f->entries.items[i].name);
    wr_free(f->entries.items[i].value);
  }
  WR_VEC_FREE(&f->entries);
  if (f->budget) *f->budget -= f->bytes;
  wr_free(f);
}

wasi_http_fields *wasi_http_fields_clone(wasi_http_ctx *http, const wasi_http_fields *src, bool immutable) {
  wasi_http_fields *f = wasi_http_fields_new(http, immutable);
  WR_VEC_RESERVE(&f->entries, src->entries.len);
  for (size_t i = 0; i < src->entries.len; i++) {
    const wasi_http_field *e = &src->entries.items[i];
    wasi_http_fields_push(f, e->name, e->name_len, e->value, e->value_len);
  }
  return f;
}

void wasi_http_fields_push(wasi_http_fields *f, const char *name, size_t name_len, const uint8_t *value,
                           size_t value_len) {
  wasi_http_field e = {.name = wr_malloc(name_len + 1), .name_len = name_len,
                       .value = wr_malloc(value_len ? value_len : 1), .value_len = value_len};
  for (size_t i = 0; i < name_len; i++) {
    char c = name[i];
    e.name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  e.name[name_len] = '\0';
  if (value_len) memcpy(e.value, value, value_len);
  WR_VEC_PUSH(&f->entries, e);
  size_t charge = name_len + value_len + WASI_HTTP_FIELD_OVERHEAD;
  f->bytes += charge;
  if (f->budget) *f->budget += charge;
}

bool wasi_http_fields_has(const wasi_http_fields *f, const char *name, size_t len) {
  for (size_t i = 0; i < f->entries.len; i++)
    if (name_equals(f->entries.items[i].name, f->entries.items[i].name_len, name, len)) return true;
  return false;
}

void wasi_http_fields_remove(wasi_http_fields *f, const char *name, size_t len) {
  size_t kept = 0;
  for (size_t i = 0; i < f->entries.len; i++) {
    wasi_http_field e = f->entries.items[i];
    if (name_equals(e.name, e.name_len, name, len)) {
      size_t charge = e.name_len + e.value_len + WASI_HTTP_FIELD_OVERHEAD;
      f->bytes -= charge;
      if (f->budget) *f->budget -= charge;
      wr_free(e.name);
      wr_free(e.value);
    } else {
      f->entries.items[kept++] = e;
    }
  }
  f->entries.len = kept;
}

wasi_http_header_error wasi_http_check_guest_name(const char *name, size_t len) {
  if (!http1_is_token(name, len)) return WASI_HTTP_HEADER_INVALID_SYNTAX;
  if (wasi_http_is_forbidden(name, len)) return WASI_HTTP_HEADER_FORBIDDEN;
  return WASI_HTTP_HEADER_OK;
}

const wasi_http_field *wasi_http_fields_find(const wasi_http_fields *f, const char *name) {
  size_t len = strlen(name);
  for (size_t i = 0; i < f->entries.len; i++)
    if (name_equals(f->entries.items[i].name, f->entries.items[i].name_len, name, len)) return &f->entries.items[i];
  return NULL;
}

static bool fields_fit(const wasi_http_ctx *http, size_t extra) {
  return extra <= WASI_HTTP_FIELDS_BUDGET && http->fields_bytes <= WASI_HTTP_FIELDS_BUDGET - extra;
}

wasm_trap *wasi_http_fields_charge(wasi_http_ctx *http, size_t extra) {
  if (!fields_fit(http, extra))
    return wasi_trap(http->p2, "wasi:http fields exceed the %u MiB an instance may hold",
                     WASI_HTTP_FIELDS_BUDGET >> 20);
  return NULL;
}

size_t wasi_http_fields_count(const wasi_http_fields *fields) { return fields->entries.len; }

wasi_http_header wasi_http_fields_at(const wasi_http_fields *fields, size_t i) {
  const wasi_http_field *e = &fields->entries.items[i];
  return (wasi_http_header){e->name, e->name_len, e->value, e->value_len};
}

static void fields_free_object(void *object) { wasi_http_fields_free(object); }
const wasi_kind wasi_http_fields_kind = {"fields", fields_free_object};

/* ---- the guest's functions ---- */

/* header-error as the error side of result<_, header-error> (or result<fields, header-error>). */
static cm_val header_error(const cm_canon_cx *cx, wasi_http_header_error e) {
  cm_val code = cm_val_case(cx->arena, (uint32_t)e, NULL);
  return wasi_err(cx, &code);
}

/* A field-value nested in another argument (list<u8> lifted as values) copied into
 * contiguous bytes in the call's arena; a top-level field-value arrives as a byte range. */
static const uint8_t *value_bytes(const cm_canon_cx *cx, const cm_val *list, size_t *len) {
  *len = list->u.seq.count;
  uint8_t *bytes = cm_arena_alloc(cx->arena, *len ? *len : 1);
  for (size_t i = 0; i < *len; i++) bytes[i] = (uint8_t)list->u.seq.items[i].u.u;
  return bytes;
}

/* The rows bound for wasi:http 0.3 carry this env: over the ctx's fields budget they answer
 * header-error.size-exceeded, where 0.2 (which has no such case) traps. */
static const char p3_rows[] = "0.3";

static bool is_p3(const cm_bound_call *call) { return call->env == p3_rows; }

/* Charges `extra` bytes; *refused (0.3 only) when they would exceed the budget. */
static wasm_trap *charge(const cm_bound_call *call, size_t extra, bool *refused) {
  wasi_http_ctx *http = call->state;
  *refused = is_p3(call) && !fields_fit(http, extra);
  return *refused ? NULL : wasi_http_fields_charge(http, extra);
}

static wasm_trap *fields_add(wasi_http_ctx *http, wasi_http_fields *f, cm_val *handle) {
  uint32_t rep = 0;
  wasm_trap *trap = wasi_table_add(http->p2, &wasi_http_fields_kind, f, &rep);
  *handle = cm_val_handle(rep);
  return trap;
}

static wasm_trap *fields_new(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  return fields_add(http, wasi_http_fields_new(http, false), result);
}

static wasm_trap *fields_from_list(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_http_ctx *http = call->state;
  const cm_val *entries = call->args[0].val.u.seq.items;
  uint32_t n = call->args[0].val.u.seq.count;
  size_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    const cm_val *name = &entries[i].u.seq.items[0], *value = &entries[i].u.seq.items[1];
    wasi_http_header_error e = wasi_http_check_guest_name(name->u.str.data, name->u.str.len);
    size_t len = 0;
    const uint8_t *bytes = value_bytes(cx, value, &len);
    if (e == WASI_HTTP_HEADER_OK && !http1_is_field_value((const char *)bytes, len))
      e = WASI_HTTP_HEADER_INVALID_SYNTAX;
    if (e != WASI_HTTP_HEADER_OK) {
      *result = header_error(cx, e);
      return NULL;
    }
    total += name->u.str.len + len + WASI_HTTP_FIELD_OVERHEAD;
  }
  bool refused;
  wasm_trap *trap = charge(call, total, &refused);
  if (trap || refused) {
    if (refused) *result = header_error(cx, WASI_HTTP_HEADER_SIZE_EXCEEDED);
    return trap;
  }
  wasi_http_fields *f = wasi_http_fields_new(http, false);
  for (uint32_t i = 0; i < n; i++) {
    const cm_val *name = &entries[i].u.seq.items[0], *value = &entries[i].u.seq.items[1];
    size_t len = 0;
    const uint8_t *bytes = value_bytes(cx, value, &len);
    wasi_http_fields_push(f, name->u.str.data, name->u.str.len, bytes, len);
  }
  cm_val handle;
  if ((trap = fields_add(http, f, &handle))) return trap;
  *result = wasi_ok(cx, &handle);
  return NULL;
}

static wasm_trap *fields_get(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  const wasi_http_fields *f = call->args[0].object;
  cm_text name = call->args[1].str;
  uint32_t count = 0;
  for (size_t i = 0; i < f->entries.len; i++)
    if (name_equals(f->entries.items[i].name, f->entries.items[i].name_len, name.data, name.len)) count++;
  *result = cm_val_seq(cx->arena, count);
  uint32_t k = 0;
  for (size_t i = 0; i < f->entries.len; i++) {
    const wasi_http_field *e = &f->entries.items[i];
    if (name_equals(e->name, e->name_len, name.data, name.len))
      result->u.seq.items[k++] = wasi_bytes(cx, e->value, e->value_len);
  }
  return NULL;
}

static wasm_trap *fields_has(const cm_bound_call *call, cm_val *result) {
  cm_text name = call->args[1].str;
  *result = cm_val_bool(wasi_http_fields_has(call->args[0].object, name.data, name.len));
  return NULL;
}

/* The checks every mutation makes, in wasmtime's order: immutable, then the name. */
static wasi_http_header_error check_mutation(const wasi_http_fields *f, cm_text name) {
  if (f->immutable) return WASI_HTTP_HEADER_IMMUTABLE;
  return wasi_http_check_guest_name(name.data, name.len);
}

static wasm_trap *fields_set(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_http_fields *f = call->args[0].object;
  cm_text name = call->args[1].str;
  wasi_http_header_error e = check_mutation(f, name);
  const cm_val *values = call->args[2].val.u.seq.items;
  uint32_t n = call->args[2].val.u.seq.count;
  size_t total = 0;
  for (uint32_t i = 0; i < n && e == WASI_HTTP_HEADER_OK; i++) {
    size_t len = 0;
    const uint8_t *bytes = value_bytes(cx, &values[i], &len);
    if (!http1_is_field_value((const char *)bytes, len)) e = WASI_HTTP_HEADER_INVALID_SYNTAX;
    total += name.len + len + WASI_HTTP_FIELD_OVERHEAD;
  }
  if (e != WASI_HTTP_HEADER_OK) {
    *result = header_error(cx, e);
    return NULL;
  }
  bool refused;
  wasm_trap *trap = charge(call, total, &refused);
  if (trap || refused) {
    if (refused) *result = header_error(cx, WASI_HTTP_HEADER_SIZE_EXCEEDED);
    return trap;
  }
  wasi_http_fields_remove(f, name.data, name.len);
  for (uint32_t i = 0; i < n; i++) {
    size_t len = 0;
    const uint8_t *bytes = value_bytes(cx, &values[i], &len);
    wasi_http_fields_push(f, name.data, name.len, bytes, len);
  }
  *result = wasi_ok(cx, NULL);
  return NULL;
}

static wasm_trap *fields_delete(const cm_bound_call *call, cm_val *result) {
  wasi_http_fields *f = call->args[0].object;
  cm_text name = call->args[1].str;
  wasi_http_header_error e = check_mutation(f, name);
  if (e != WASI_HTTP_HEADER_OK) {
    *result = header_error(call->cx, e);
    return NULL;
  }
  wasi_http_fields_remove(f, name.data, name.len);
  *result = wasi_ok(call->cx, NULL);
  return NULL;
}

/* 0.3: get-and-delete(name) -> result<list<field-value>, header-error> */
static wasm_trap *fields_get_and_delete(const cm_bound_call *call, cm_val *result) {
  wasi_http_fields *f = call->args[0].object;
  cm_text name = call->args[1].str;
  wasi_http_header_error e = check_mutation(f, name);
  if (e != WASI_HTTP_HEADER_OK) {
    *result = header_error(call->cx, e);
    return NULL;
  }
  cm_val values;
  wasm_trap *trap = fields_get(call, &values);
  if (trap) return trap;
  wasi_http_fields_remove(f, name.data, name.len);
  *result = wasi_ok(call->cx, &values);
  return NULL;
}

static wasm_trap *fields_append(const cm_bound_call *call, cm_val *result) {
  wasi_http_fields *f = call->args[0].object;
  cm_text name = call->args[1].str;
  cm_bytes value = call->args[2].bytes;
  wasi_http_header_error e = check_mutation(f, name);
  if (e == WASI_HTTP_HEADER_OK && !http1_is_field_value((const char *)value.data, value.len))
    e = WASI_HTTP_HEADER_INVALID_SYNTAX;
  if (e != WASI_HTTP_HEADER_OK) {
    *result = header_error(call->cx, e);
    return NULL;
  }
  bool refused;
  wasm_trap *trap = charge(call, (size_t)name.len + value.len + WASI_HTTP_FIELD_OVERHEAD, &refused);
  if (trap || refused) {
    if (refused) *result = header_error(call->cx, WASI_HTTP_HEADER_SIZE_EXCEEDED);
    return trap;
  }
  wasi_http_fields_push(f, name.data, name.len, value.data, value.len);
  *result = wasi_ok(call->cx, NULL);
  return NULL;
}

static wasm_trap *fields_entries(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  const wasi_http_fields *f = call->args[0].object;
  *result = cm_val_seq(cx->arena, (uint32_t)f->entries.len);
  for (size_t i = 0; i < f->entries.len; i++) {
    const wasi_http_field *e = &f->entries.items[i];
    cm_val pair = cm_val_seq(cx->arena, 2);
    pair.u.seq.items[0] = cm_val_string(e->name, (uint32_t)e->name_len);
    pair.u.seq.items[1] = wasi_bytes(cx, e->value, e->value_len);
    result->u.seq.items[i] = pair;
  }
  return NULL;
}

static wasm_trap *fields_clone(const cm_bound_call *call, cm_val *result) {
  wasi_http_ctx *http = call->state;
  const wasi_http_fields *f = call->args[0].object;
  wasm_trap *trap = wasi_http_fields_charge(http, f->bytes);
  if (trap) return trap;
  return fields_add(http, wasi_http_fields_clone(http, f, false), result);
}

#define FIELDS_SELF {&wasi_http_fields_kind}
const cm_host_binding wasi_http_fields_funcs[] = {
    {"[constructor]fields", fields_new, {NULL}},
    {"[static]fields.from-list", fields_from_list, {NULL}},
    {"[method]fields.get", fields_get, FIELDS_SELF},
    {"[method]fields.has", fields_has, FIELDS_SELF},
    {"[method]fields.set", fields_set, FIELDS_SELF},
    {"[method]fields.delete", fields_delete, FIELDS_SELF},
    {"[method]fields.append", fields_append, FIELDS_SELF},
    {"[method]fields.entries", fields_entries, FIELDS_SELF},
    {"[method]fields.clone", fields_clone, FIELDS_SELF},
};
const size_t wasi_http_fields_nfuncs = WR_ARRAY_LEN(wasi_http_fields_funcs);

/* wasi:http 0.3's fields: the same functions (entries is called copy-all), get-and-delete, and
 * size-exceeded instead of a trap past the budget. */
static const cm_host_binding p3_fields_funcs[] = {
    {"[constructor]fields", fields_new, {NULL}},
    {"[static]fields.from-list", fields_from_list, {NULL}},
    {"[method]fields.get", fields_get, FIELDS_SELF},
    {"[method]fields.has", fields_has, FIELDS_SELF},
    {"[method]fields.set", fields_set, FIELDS_SELF},
    {"[method]fields.delete", fields_delete, FIELDS_SELF},
    {"[method]fields.get-and-delete", fields_get_and_delete, FIELDS_SELF},
    {"[method]fields.append", fields_append, FIELDS_SELF},
    {"[method]fields.copy-all", fields_entries, FIELDS_SELF},
    {"[method]fields.clone", fields_clone, FIELDS_SELF},
};

bool wasi_http_p3_define_fields(cm_host *host, const char *interface, wr_error *err) {
  return wasi_define_resource(host, interface, "fields", &wasi_http_fields_kind, err) &&
         cm_host_bind(host, interface, &wasi_http_binder, p3_fields_funcs, WR_ARRAY_LEN(p3_fields_funcs),
                      (void *)p3_rows, err);
}
