/* Shared between the wasi:http host files: the host objects behind the guest's handles and
 * the helpers that build and read their cm_val forms. */
#ifndef WARREN_WASI_HTTP_INTERNAL_H
#define WARREN_WASI_HTTP_INTERNAL_H

#include "../base/alloc.h"
#include "../base/vec.h"
#include "http.h"
#include "p2_internal.h"

#define WASI_HTTP_TYPES "wasi:http/types@" WASI_P2_VERSION
#define WASI_HTTP_OUTGOING_HANDLER "wasi:http/outgoing-handler@" WASI_P2_VERSION

/* Bookkeeping charged per entry on top of its bytes, so that many empty entries count too. */
#define WASI_HTTP_FIELD_OVERHEAD 32
/* Header bytes one ctx may hold in all its fields together: a guest looping on append or
 * clone traps instead of exhausting the host. */
#define WASI_HTTP_FIELDS_BUDGET (64u * 1024 * 1024)

/* ---- fields ---- */
typedef struct wasi_http_field {
  char *name; /* lower-case, NUL-terminated */
  size_t name_len;
  uint8_t *value;
  size_t value_len;
} wasi_http_field;

struct wasi_http_fields {
  WR_VEC(wasi_http_field) entries;
  bool immutable;
  size_t bytes;   /* charged against *budget */
  size_t *budget; /* the owning ctx's fields_bytes, or NULL */
};

/* The cases of header-error, and "no error". */
typedef enum {
  WASI_HTTP_HEADER_INVALID_SYNTAX,
  WASI_HTTP_HEADER_FORBIDDEN,
  WASI_HTTP_HEADER_IMMUTABLE,
  WASI_HTTP_HEADER_SIZE_EXCEEDED, /* 0.3 only (0.2 traps instead) */
  WASI_HTTP_HEADER_OK,
} wasi_http_header_error;

bool wasi_http_is_forbidden(const char *name, size_t len);
/* A name a guest may set: INVALID_SYNTAX, FORBIDDEN or OK. */
wasi_http_header_error wasi_http_check_guest_name(const char *name, size_t len);

wasi_http_fields *wasi_http_fields_new(wasi_http_ctx *http, bool immutable);
void wasi_http_fields_free(wasi_http_fields *f);
wasi_http_fields *wasi_http_fields_clone(wasi_http_ctx *http, const wasi_http_fields *src, bool immutable);
/* Appends without checks (host-made fields; guests' entries are checked by the caller). */
void wasi_http_fields_push(wasi_http_fields *f, const char *name, size_t name_len, const uint8_t *value,
                           size_t value_len);
bool wasi_http_fields_has(const wasi_http_fields *f, const char *name, size_t len);
void wasi_http_fields_remove(wasi_http_fields *f, const char *name, size_t len);
/* The value of the first entry named `name`, or NULL. */
const wasi_http_field *wasi_http_fields_find(const wasi_http_fields *f, const char *name);
/* A trap when adding `extra` bytes would exceed the ctx's budget. */
wasm_trap *wasi_http_fields_charge(wasi_http_ctx *http, size_t extra);

/* ---- per-instance state ---- */
struct wasi_http_ctx {
  wasi_p2_ctx *p2;
  const wasi_http_client *client;
  void *client_env;
  size_t fields_bytes;
  struct wasi_http_p3_call *orphans; /* calls given up by their owner while their task runs */
};
/* Frees the orphaned calls, once the instance whose tasks held them is gone. */
void wasi_http_p3_free_orphans(wasi_http_ctx *http);

/* The wasi:http state of a host call's instance, or a trap when none was installed. */
wasm_trap *wasi_http_ctx_of(const cm_canon_cx *cx, wasi_http_ctx **out);
/* Binds wasi:http functions (host_bind.h): the state is the call's wasi_http_ctx (a trap when
 * none was installed), objects are looked up in its p2 table by wasi_kind. */
extern const cm_host_binder wasi_http_binder;

/* ---- method and scheme ---- */
typedef enum {
  WASI_HTTP_METHOD_GET, WASI_HTTP_METHOD_HEAD, WASI_HTTP_METHOD_POST, WASI_HTTP_METHOD_PUT,
  WASI_HTTP_METHOD_DELETE, WASI_HTTP_METHOD_CONNECT, WASI_HTTP_METHOD_OPTIONS, WASI_HTTP_METHOD_TRACE,
  WASI_HTTP_METHOD_PATCH, WASI_HTTP_METHOD_OTHER,
} wasi_http_method_tag;

typedef struct wasi_http_method {
  wasi_http_method_tag tag;
  char *other; /* OTHER: the token, malloc'ed */
} wasi_http_method;

typedef enum { WASI_HTTP_SCHEME_HTTP, WASI_HTTP_SCHEME_HTTPS, WASI_HTTP_SCHEME_OTHER } wasi_http_scheme_tag;

typedef struct wasi_http_scheme {
  bool present;
  wasi_http_scheme_tag tag;
  char *other;
} wasi_http_scheme;

/* ---- bodies (http_body.c) ---- */
/* What an incoming body reads from: an embedder's or client's body (ops NULL: empty). */
typedef struct wasi_http_body_source {
  const wasi_http_body_ops *ops;
  void *self;
} wasi_http_body_source;

void wasi_http_body_source_free(wasi_http_body_source *src);
/* An own<incoming-body> reading `src` (taken). */
wasm_trap *wasi_http_incoming_body_new(wasi_http_ctx *http, wasi_http_body_source *src, uint32_t *rep);
/* The trailers a body source says ended it, as new immutable fields; NULL when it has none. */
wasi_http_fields *wasi_http_trailers_of(wasi_http_ctx *http, const wasi_http_body_ops *ops, void *self);

/* The buffer between an outgoing body the guest writes and the sink the host attaches once
 * the message is sent (response-outparam.set, outgoing-handler.handle). */
typedef struct wasi_http_pipe wasi_http_pipe;
/* A pipe held by a request or response (one reference) and an own<outgoing-body> on it. */
wasm_trap *wasi_http_outgoing_body_new(wasi_http_ctx *http, bool is_request, const wasi_http_fields *headers,
                                       wasi_http_pipe **pipe, uint32_t *rep);
/* The message was sent: the body now flows to the sink (buffered bytes first; a body
 * finished or dropped earlier ends at once). The sink is the pipe's from here on. */
void wasi_http_pipe_attach(wasi_http_pipe *pipe, const wasi_http_sink_ops *ops, void *self);
void wasi_http_pipe_release(wasi_http_pipe *pipe);

/* ---- objects behind the resources (http_types.c) ---- */
/* What a request addresses. The first member of 0.2's incoming and outgoing request and of
 * 0.3's request, so that one set of accessors (wasi_http_target_funcs) serves all three. */
typedef struct wasi_http_target {
  wasi_http_method method;
  wasi_http_scheme scheme;
  char *authority, *path_with_query; /* NULL = none */
} wasi_http_target;

/* From a host-side head (copied); clear frees what it holds. */
void wasi_http_target_from_head(wasi_http_target *t, const wasi_http_request_head *head);
void wasi_http_target_clear(wasi_http_target *t);
/* Getters and setters of a target-first object (the object's argument is the first). */
wasm_trap *wasi_http_target_get_method(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_target_set_method(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_target_get_path(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_target_set_path(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_target_get_scheme(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_target_set_scheme(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_target_get_authority(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_target_set_authority(const cm_bound_call *call, cm_val *result);

typedef struct wasi_http_incoming_request {
  wasi_http_target target; /* first */
  wasi_http_fields *headers;
  wasi_http_body_source body;
  bool consumed;
} wasi_http_incoming_request;

typedef struct wasi_http_outgoing_request {
  wasi_http_target target;   /* first */
  wasi_http_fields *headers; /* immutable: the guest gave it up to the constructor */
  wasi_http_pipe *body;              /* once body() was called */
  bool body_taken;
} wasi_http_outgoing_request;

typedef enum { WASI_HTTP_CONNECT_TIMEOUT, WASI_HTTP_FIRST_BYTE_TIMEOUT, WASI_HTTP_BETWEEN_BYTES_TIMEOUT } wasi_http_timeout_kind;

typedef struct wasi_http_request_options {
  bool has[3]; /* indexed by wasi_http_timeout_kind */
  uint64_t ns[3];
  bool immutable; /* 0.3: the copy a request hands out (setters answer request-options-error.immutable) */
} wasi_http_request_options;

/* request-options' constructor and timeout accessors, shared by 0.2 and 0.3 (whose setters
 * differ only in their error, which 0.2 never returns). */
wasm_trap *wasi_http_request_options_new(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_get_connect_timeout(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_set_connect_timeout(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_get_first_byte_timeout(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_set_first_byte_timeout(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_get_between_bytes_timeout(const cm_bound_call *call, cm_val *result);
wasm_trap *wasi_http_set_between_bytes_timeout(const cm_bound_call *call, cm_val *result);

/* The method's text ("GET", or the other token). */
const char *wasi_http_method_text(const wasi_http_method *m);
/* The scheme's text ("http", "https", or the other one); "http" when absent. */
const char *wasi_http_scheme_text(const wasi_http_scheme *s);
void wasi_http_method_clear(wasi_http_method *m);
void wasi_http_scheme_clear(wasi_http_scheme *s);
/* An immutable copy of a message's headers as a new own<fields> (charged to the budget). */
wasm_trap *wasi_http_headers_handle(wasi_http_ctx *http, const wasi_http_fields *headers, cm_val *result);
/* Takes an own<fields> argument out of the table, made immutable: the message owns it. */
wasm_trap *wasi_http_take_fields(wasi_http_ctx *http, const cm_val *handle, wasi_http_fields **out);

typedef struct wasi_http_incoming_response {
  uint16_t status;
  wasi_http_fields *headers;
  wasi_http_body_source body;
  bool consumed;
} wasi_http_incoming_response;

extern const wasi_kind wasi_http_fields_kind;
extern const wasi_kind wasi_http_incoming_request_kind;
extern const wasi_kind wasi_http_outgoing_request_kind;
extern const wasi_kind wasi_http_request_options_kind;
extern const wasi_kind wasi_http_response_outparam_kind;
extern const wasi_kind wasi_http_incoming_response_kind;
extern const wasi_kind wasi_http_incoming_body_kind;
extern const wasi_kind wasi_http_future_trailers_kind;
extern const wasi_kind wasi_http_outgoing_response_kind;
extern const wasi_kind wasi_http_outgoing_body_kind;
extern const wasi_kind wasi_http_future_incoming_response_kind;

/* ---- cm_val helpers ---- */
cm_val wasi_http_error_to_val(cm_arena *arena, const wasi_http_error_code *err);
/* The error-code a wasi_http_io_error carries, or NULL. */
const wasi_http_error_code *wasi_http_io_error_code(const wasi_io_error *io);
wasi_http_error_code wasi_http_error_from_val(const cm_val *val);
/* A wasi:io error carrying an error-code (http-error-code finds it); takes err's text. */
wasi_io_error *wasi_http_io_error(wasi_http_error_code *err);
/* A string value holding a copy of `len` bytes. */
cm_val wasi_http_string(const cm_canon_cx *cx, const char *s, size_t len);

/* ---- each file's functions of wasi:http/types, registered by wasi_http_define ---- */
extern const cm_host_binding wasi_http_error_funcs[];
extern const size_t wasi_http_error_nfuncs;
extern const cm_host_binding wasi_http_fields_funcs[];
extern const size_t wasi_http_fields_nfuncs;
extern const cm_host_binding wasi_http_message_funcs[];
extern const size_t wasi_http_message_nfuncs;
extern const cm_host_binding wasi_http_body_funcs[];
extern const size_t wasi_http_body_nfuncs;
extern const cm_host_binding wasi_http_future_funcs[];
extern const size_t wasi_http_future_nfuncs;
bool wasi_http_define_outgoing_handler(cm_host *host, wr_error *err);

#endif
