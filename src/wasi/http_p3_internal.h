/* Shared by the wasi:http 0.3 files: the objects behind request, response and request-options,
 * and the bodies that move through streams and futures. */
#ifndef WARREN_WASI_HTTP_P3_INTERNAL_H
#define WARREN_WASI_HTTP_P3_INTERNAL_H

#include "../component/stream.h"
#include "http_internal.h"
#include "http_p3.h"

#define WASI_HTTP_P3_TYPES "wasi:http/types@0.3.0"

/* The host's element types of the streams and futures of wasi:http/types (what its host ends
 * are made of), looked up once per host; the env of every 0.3 message binding. */
typedef struct wasi_http_p3_types {
  const cm_valtype *byte;     /* stream<u8>'s u8 */
  const cm_valtype *trailers; /* result<option<trailers>, error-code> */
  const cm_valtype *outcome;  /* result<_, error-code> */
} wasi_http_p3_types;

/* A message's body. Made by a guest (request.new, response.new): the readable ends of its
 * contents stream (NULL: none) and trailers future, taken over as host ends until handed on
 * (NULL once the instance's store freed them: the ctx frees its objects after the instance).
 * Made by the host: the embedder's source. */
typedef struct wasi_http_p3_body {
  cm_host_end *contents, *trailers;
  const wasi_http_p3_body_source *source; /* host-made; NULL: empty or guest-made */
  void *source_env;
} wasi_http_p3_body;

/* A readable end a guest handed over, held by the host until it is read or handed on. */
cm_host_end *wasi_http_p3_take_end(void *shared);
/* The body now sits where it stays (in its message): its ends tell it when the instance's store
 * frees them (the ctx frees the message later). */
void wasi_http_p3_body_hold(wasi_http_p3_body *body);

/* Drops what the body still holds (a guest writing to it sees the reader go away; a source is
 * released). */
void wasi_http_p3_body_clear(wasi_http_p3_body *body);

/* A host-made body (its source, taken) as the readable ends of a stream<u8> and a trailers future
 * that a feed writes as the source delivers (what consume-body hands a guest; host ends may read
 * them too). */
wasm_trap *wasi_http_p3_body_feed(wasi_http_ctx *http, cm_store_rt *store, const wasi_http_p3_types *types,
                                  wasi_http_p3_body *body, void **contents, void **trailers);

/* The writable end of the future<result<_, error-code>> request.new / response.new returned:
 * an object of its own in the ctx's table (never seen by the guest), so that a result written
 * before the guest reads it waits there until it does, or until the ctx goes. */
typedef struct wasi_http_p3_transmit wasi_http_p3_transmit;
wasi_http_p3_transmit *wasi_http_p3_transmit_new(wasi_http_ctx *http, cm_store_rt *store,
                                                 const wasi_http_p3_types *types, void **readable);
/* Writes ok (err NULL) or err(code) once, and gives the transmit up (it goes when copied). */
void wasi_http_p3_transmit_report(wasi_http_p3_transmit *t, const wasi_http_error_code *err);
/* Gives the transmit up without a result (the guest's reader sees the writer dropped). */
void wasi_http_p3_transmit_drop(wasi_http_p3_transmit *t);

typedef struct wasi_http_p3_request {
  wasi_http_target target;            /* first: 0.2's accessors serve it */
  wasi_http_fields *headers;          /* immutable */
  wasi_http_request_options *options; /* immutable; NULL = none */
  wasi_http_p3_body body;
  wasi_http_p3_transmit *transmit;   /* guest-made only */
} wasi_http_p3_request;

struct wasi_http_p3_response {
  wasi_http_ctx *http;
  uint16_t status;
  wasi_http_fields *headers; /* immutable */
  wasi_http_p3_body body;
  wasi_http_p3_transmit *transmit;
  struct wasi_http_p3_reader *reader; /* the embedder's reading of the body, once started */
};

extern const wasi_kind wasi_http_p3_request_kind;
extern const wasi_kind wasi_http_p3_response_kind;

void wasi_http_p3_response_free(wasi_http_p3_response *resp);

/* consume-body of either message: the body as (stream<u8>, future<trailers>) for the guest.
 * `res` (the consumer's future<result<_, error-code>>) is taken: what it says goes to the
 * message's *transmit (taken too) when the message was guest-made. */
wasm_trap *wasi_http_p3_consume_body(const cm_canon_cx *cx, wasi_http_ctx *http, const wasi_http_p3_types *types,
                                     wasi_http_p3_body *body, wasi_http_p3_transmit **transmit, void *res,
                                     cm_val *result);

/* http_p3_client.c: wasi:http/client@0.3.0 send. */
bool wasi_http_p3_define_client(cm_host *host, const wasi_http_p3_types *types, wr_error *err);

/* http_fields.c: fields for 0.3 (bound on `interface`). */
bool wasi_http_p3_define_fields(cm_host *host, const char *interface, wr_error *err);

#endif
