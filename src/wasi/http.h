/* wasi:http 0.2 (types, outgoing-handler; the guest exports incoming-handler) over the WASI
 * 0.2 context of io.h, and the interface towards the embedder that serves requests.
 *
 * Set-up, once: cm_host_new, wasi_p2_define, then wasi_http_define (its WIT `use`s wasi:io
 * and wasi:clocks).
 *
 * Per guest instance: wasi_http_ctx_new(p2_ctx, client, client_env) installs the wasi:http
 * state as the p2 ctx's embedder pointer. Per request:
 *   1. wasi_http_incoming_request_new: the request head and a body input stream the embedder
 *      supplies (any io.h input stream: its read/subscribe see the bytes as they arrive);
 *   2. wasi_http_response_outparam_new: hooks that learn the response head as soon as the guest
 *      calls response-outparam.set, give the stream its body is written to, and learn whether
 *      the body was finished (with trailers) or dropped unfinished (abort the response);
 *   3. call the guest's export "handle" of interface "wasi:http/incoming-handler@0.2.10" (any
 *      0.2.x) with (own incoming-request, own response-outparam): cm_val_handle(rep) of the
 *      two reps above.
 * When handle returns and neither hook ran, the guest did not answer: send 500 (the guest
 * may still hold the outparam; its drop, at the latest when the instance is freed, calls
 * on_error(NULL)). tests/wasi_http/handle_request.c does all of this for one request.
 *
 * Outgoing requests (outgoing-handler.handle) go through a wasi_http_client the embedder
 * provides; wasi_http_default_client is a blocking HTTP/1.1 client over plain sockets (http
 * only) for `warren run` and tests. A server implements the client on its event loop.
 *
 * Free order: the component instance, wasi_p2_ctx_free (frees the guest's wasi:http
 * objects: an unfinished body's sink gets abort, an unset outparam on_error), then
 * wasi_http_ctx_free. */
#ifndef WARREN_WASI_HTTP_H
#define WARREN_WASI_HTTP_H

#include "io.h"

#define WASI_HTTP_INCOMING_HANDLER "wasi:http/incoming-handler@" WASI_P2_VERSION
#define WASI_HTTP_HANDLE_FUNC "handle"

typedef struct wasi_http_ctx wasi_http_ctx;
typedef struct wasi_http_fields wasi_http_fields;

/* One header (or trailer) line; names need not be lower-case. */
typedef struct wasi_http_header {
  const char *name;
  size_t name_len;
  const uint8_t *value;
  size_t value_len;
} wasi_http_header;

/* error-code: `code` is the case of the WIT variant (WASI_HTTP_ERR_*). Cases with a payload
 * keep it flattened: `present` says an option<...> payload is `some`; `value` and `text` are
 * its number and string parts (DNS-error: text = rcode, value = info-code;
 * TLS-alert-received: value = alert-id, text = alert-message; *-size with a
 * field-size-payload: text = field-name, value = field-size; internal-error and *-coding:
 * text), each present when has_value / text != NULL. */
typedef enum {
  WASI_HTTP_ERR_DNS_TIMEOUT,
  WASI_HTTP_ERR_DNS_ERROR,
  WASI_HTTP_ERR_DESTINATION_NOT_FOUND,
  WASI_HTTP_ERR_DESTINATION_UNAVAILABLE,
  WASI_HTTP_ERR_DESTINATION_IP_PROHIBITED,
  WASI_HTTP_ERR_DESTINATION_IP_UNROUTABLE,
  WASI_HTTP_ERR_CONNECTION_REFUSED,
  WASI_HTTP_ERR_CONNECTION_TERMINATED,
  WASI_HTTP_ERR_CONNECTION_TIMEOUT,
  WASI_HTTP_ERR_CONNECTION_READ_TIMEOUT,
  WASI_HTTP_ERR_CONNECTION_WRITE_TIMEOUT,
  WASI_HTTP_ERR_CONNECTION_LIMIT_REACHED,
  WASI_HTTP_ERR_TLS_PROTOCOL_ERROR,
  WASI_HTTP_ERR_TLS_CERTIFICATE_ERROR,
  WASI_HTTP_ERR_TLS_ALERT_RECEIVED,
  WASI_HTTP_ERR_HTTP_REQUEST_DENIED,
  WASI_HTTP_ERR_HTTP_REQUEST_LENGTH_REQUIRED,
  WASI_HTTP_ERR_HTTP_REQUEST_BODY_SIZE,
  WASI_HTTP_ERR_HTTP_REQUEST_METHOD_INVALID,
  WASI_HTTP_ERR_HTTP_REQUEST_URI_INVALID,
  WASI_HTTP_ERR_HTTP_REQUEST_URI_TOO_LONG,
  WASI_HTTP_ERR_HTTP_REQUEST_HEADER_SECTION_SIZE,
  WASI_HTTP_ERR_HTTP_REQUEST_HEADER_SIZE,
  WASI_HTTP_ERR_HTTP_REQUEST_TRAILER_SECTION_SIZE,
  WASI_HTTP_ERR_HTTP_REQUEST_TRAILER_SIZE,
  WASI_HTTP_ERR_HTTP_RESPONSE_INCOMPLETE,
  WASI_HTTP_ERR_HTTP_RESPONSE_HEADER_SECTION_SIZE,
  WASI_HTTP_ERR_HTTP_RESPONSE_HEADER_SIZE,
  WASI_HTTP_ERR_HTTP_RESPONSE_BODY_SIZE,
  WASI_HTTP_ERR_HTTP_RESPONSE_TRAILER_SECTION_SIZE,
  WASI_HTTP_ERR_HTTP_RESPONSE_TRAILER_SIZE,
  WASI_HTTP_ERR_HTTP_RESPONSE_TRANSFER_CODING,
  WASI_HTTP_ERR_HTTP_RESPONSE_CONTENT_CODING,
  WASI_HTTP_ERR_HTTP_RESPONSE_TIMEOUT,
  WASI_HTTP_ERR_HTTP_UPGRADE_FAILED,
  WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR,
  WASI_HTTP_ERR_LOOP_DETECTED,
  WASI_HTTP_ERR_CONFIGURATION_ERROR,
  WASI_HTTP_ERR_INTERNAL_ERROR,
  WASI_HTTP_ERR_COUNT
} wasi_http_error_kind;

typedef struct wasi_http_error_code {
  wasi_http_error_kind code;
  bool present;
  bool has_value;
  uint64_t value;
  char *text; /* malloc'ed (wasi_http_error_code_clear frees it) */
} wasi_http_error_code;

/* A payload-less error code, or internal-error with a message. */
wasi_http_error_code wasi_http_error(wasi_http_error_kind code);
wasi_http_error_code wasi_http_internal_error(const char *fmt, ...) WR_PRINTF(1, 2);
void wasi_http_error_code_clear(wasi_http_error_code *err);
/* The WIT name of a case ("connection-refused"). */
const char *wasi_http_error_name(wasi_http_error_kind code);
/* A wasi:io error carrying an error-code (the guest's http-error-code finds it), for a client's
 * stream failures; takes err's text. */
wasi_io_error *wasi_http_io_error(wasi_http_error_code *err);

/* ---- fields as the embedder reads them ---- */
size_t wasi_http_fields_count(const wasi_http_fields *fields);
/* The i-th entry (names lower-case, in insertion order); valid while the fields live. */
wasi_http_header wasi_http_fields_at(const wasi_http_fields *fields, size_t i);

/* ---- a body the host writes: the sink of an outgoing body ---- */
/* An io.h output stream plus the end of the body. Warren writes the guest's bytes through
 * `stream` (check_write / write / flush / subscribe, as io.h says, except around the moment
 * the message is sent: the bytes the guest wrote before (WASI_HTTP_BODY_BUFFER at most) are
 * written at once, and a guest's write permitted before may land after; so a sink must take
 * up to WASI_HTTP_BODY_BUFFER bytes beyond what its check_write permitted), then calls
 * exactly one of finish / abort, then stream.free(self). All of it happens inside the guest's
 * host calls, on its fiber (or while its instance and ctx are freed): never block there, queue
 * the work for the event loop. */
#define WASI_HTTP_BODY_BUFFER (64u * 1024)
typedef struct wasi_http_sink_ops {
  wasi_output_ops stream;
  /* Every byte was written; `trailers` may be NULL. An error code fails the guest's
   * outgoing-body.finish (and owns its text). */
  bool (*finish)(void *self, const wasi_http_fields *trailers, wasi_http_error_code *err);
  /* The guest dropped the body without finishing it: the message is incomplete. */
  void (*abort)(void *self);
} wasi_http_sink_ops;

/* ---- a body the host reads: an incoming request's or a client's response body ---- */
/* Its bytes as an io.h input stream, and the trailer fields that ended it. */
typedef struct wasi_http_body_ops {
  wasi_input_ops stream;
  /* May be NULL (never any trailers). Once stream.read said CLOSED: the i-th trailer field into
   * *out (valid until stream.free), false past the last. The guest gets them from
   * future-trailers (0.2) or the body's trailers future (0.3). */
  bool (*trailer)(void *self, size_t i, wasi_http_header *out);
} wasi_http_body_ops;

/* ---- 1. the incoming request ---- */
typedef struct wasi_http_request_head {
  const char *method;          /* "GET", "PATCH", any token */
  size_t method_len;
  const char *scheme;          /* "http", "https", another; NULL = none */
  const char *authority;       /* NULL = none */
  const char *path_with_query; /* NULL = none */
  const wasi_http_header *headers;
  size_t nheaders;
} wasi_http_request_head;

/* A new incoming-request in the ctx's table: *rep is what handle's first argument carries.
 * The head is copied. `body_ops` may be NULL (an empty body); otherwise Warren owns
 * body_self from here on (body_ops->stream.free(body_self) when the guest is done with it). */
wasm_trap *wasi_http_incoming_request_new(wasi_http_ctx *http, const wasi_http_request_head *head,
                                          const wasi_http_body_ops *body_ops, void *body_self, uint32_t *rep);

/* ---- 2. the response ---- */
typedef struct wasi_http_responder {
  /* response-outparam.set(ok(response)): status and headers are final, send them now
   * (`headers` is valid during the call only). Return the sink the body goes to (ops + self,
   * never NULL; Warren ends and frees it as wasi_http_sink_ops says). When the guest never
   * asked for a body, finish follows at once. */
  void (*on_head)(void *env, uint16_t status, const wasi_http_fields *headers, const wasi_http_sink_ops **sink_ops,
                  void **sink_self);
  /* set(err(code)), or the outparam was dropped without set (code NULL; also when the
   * instance is freed, e.g. after a trap): answer 500. `code` is valid during the call. */
  void (*on_error)(void *env, const wasi_http_error_code *code);
} wasi_http_responder;

/* A new response-outparam; *rep is handle's second argument. `responder` and `env` must
 * outlive the ctx's objects. */
wasm_trap *wasi_http_response_outparam_new(wasi_http_ctx *http, const wasi_http_responder *responder, void *env,
                                           uint32_t *rep);

/* ---- 3. outgoing requests ---- */
typedef struct wasi_http_outgoing_head {
  const char *method;    /* a token, NUL-terminated */
  const char *scheme;    /* "http", "https" or another */
  const char *authority; /* "host[:port]"; never empty */
  const char *path_with_query;
  const wasi_http_fields *headers; /* as the guest set them (no forbidden ones) */
  bool has_body;         /* false: the guest never asked for a body: send none */
} wasi_http_outgoing_head;

/* Timeouts in nanoseconds; 0 = the client's default. */
typedef struct wasi_http_timeouts {
  uint64_t connect_ns, first_byte_ns, between_bytes_ns;
} wasi_http_timeouts;

/* The response head of an exchange. `headers` are malloc'ed copies the host takes. */
typedef struct wasi_http_response_head {
  uint16_t status;
  wasi_http_header *headers; /* names and values malloc'ed too; freed by Warren */
  size_t nheaders;
  const wasi_http_body_ops *body_ops; /* the body; Warren owns body_self from here on */
  void *body_self;
} wasi_http_response_head;

typedef enum { WASI_HTTP_PENDING, WASI_HTTP_READY, WASI_HTTP_FAILED } wasi_http_progress;

typedef struct wasi_http_client {
  /* Starts a request: the head now. On success returns the exchange and, when head->has_body,
   * the sink for the request body (*sink_ops, *sink_self); NULL + *err otherwise. */
  void *(*send)(void *env, wasi_p2_ctx *ctx, const wasi_http_outgoing_head *head, const wasi_http_timeouts *timeouts,
                const wasi_http_sink_ops **sink_ops, void **sink_self, wasi_http_error_code *err);
  /* The response: PENDING, READY (*out filled, once), or FAILED (*err). */
  wasi_http_progress (*response)(void *exchange, wasi_http_response_head *out, wasi_http_error_code *err);
  /* A pollable ready when response() would not say PENDING. */
  wasi_pollable *(*subscribe)(void *exchange);
  /* Drops the exchange (after READY / FAILED, or abandoning it); a body already handed out
   * lives on. */
  void (*free)(void *exchange);
} wasi_http_client;

/* Splits an authority "[userinfo@]host[:port]" / "[v6]:port" into the host (brackets removed) and a
 * decimal port in 1..65535 (default 80); false when malformed or too long for the buffers. */
bool wasi_http_split_authority(const char *authority, char *host, size_t host_size, char *port, size_t port_size);

/* RFC 6761 6.4: "invalid" and the names under it never resolve, and lookups should say so at once.
 * getaddrinfo asks the nameserver anyway, so the clients check first and answer DNS-error with
 * rcode NXDOMAIN (wasi_http_invalid_name_error) without a lookup. */
bool wasi_http_name_never_resolves(const char *host);
wasi_http_error_code wasi_http_invalid_name_error(void);

/* HTTP/1.1 over blocking sockets: getaddrinfo + connect (connect timeout, default 600 s),
 * Content-Length or chunked request bodies, Content-Length / chunked / close-delimited
 * response bodies. response() and body reads block (first-byte and between-bytes timeouts,
 * default 600 s), so its pollables are always ready. https → TLS-protocol-error. */
extern const wasi_http_client wasi_http_default_client;

/* ---- per-instance state ---- */
/* Installs itself as `p2`'s embedder pointer. `client` NULL = wasi_http_default_client. */
wasi_http_ctx *wasi_http_ctx_new(wasi_p2_ctx *p2, const wasi_http_client *client, void *client_env);
void wasi_http_ctx_free(wasi_http_ctx *http);
wasi_p2_ctx *wasi_http_ctx_p2(const wasi_http_ctx *http);

/* Declares wasi:http/types, incoming-handler and outgoing-handler (WIT in
 * src/wasi/wit/http.wit) and implements types and outgoing-handler. Needs wasi_p2_define
 * first. false + err on a WIT or definition error (a bug in Warren). */
bool wasi_http_define(cm_host *host, wr_error *err);

#endif
