/* wasi:http error-code: the C form the embedder and client use (http.h), its conversion to and
 * from the guest's variant value, wasi:io errors that carry one, and http-error-code. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http_internal.h"

/* How each case's payload is shaped in the WIT, so one flat C struct can carry any of them. */
typedef enum {
  PAYLOAD_NONE,
  PAYLOAD_DNS,             /* record { rcode: option<string>, info-code: option<u16> } */
  PAYLOAD_TLS,             /* record { alert-id: option<u8>, alert-message: option<string> } */
  PAYLOAD_OPTION_NUMBER,   /* option<u64> / option<u32> */
  PAYLOAD_OPTION_STRING,   /* option<string> */
  PAYLOAD_FIELD_SIZE,      /* field-size-payload { field-name: option<string>, field-size: option<u32> } */
  PAYLOAD_OPTION_FIELD_SIZE,
} payload_shape;

static const struct {
  const char *name;
  payload_shape shape;
} error_cases[WASI_HTTP_ERR_COUNT] = {
    {"DNS-timeout", PAYLOAD_NONE},
    {"DNS-error", PAYLOAD_DNS},
    {"destination-not-found", PAYLOAD_NONE},
    {"destination-unavailable", PAYLOAD_NONE},
    {"destination-IP-prohibited", PAYLOAD_NONE},
    {"destination-IP-unroutable", PAYLOAD_NONE},
    {"connection-refused", PAYLOAD_NONE},
    {"connection-terminated", PAYLOAD_NONE},
    {"connection-timeout", PAYLOAD_NONE},
    {"connection-read-timeout", PAYLOAD_NONE},
    {"connection-write-timeout", PAYLOAD_NONE},
    {"connection-limit-reached", PAYLOAD_NONE},
    {"TLS-protocol-error", PAYLOAD_NONE},
    {"TLS-certificate-error", PAYLOAD_NONE},
    {"TLS-alert-received", PAYLOAD_TLS},
    {"HTTP-request-denied", PAYLOAD_NONE},
    {"HTTP-request-length-required", PAYLOAD_NONE},
    {"HTTP-request-body-size", PAYLOAD_OPTION_NUMBER},
    {"HTTP-request-method-invalid", PAYLOAD_NONE},
    {"HTTP-request-URI-invalid", PAYLOAD_NONE},
    {"HTTP-request-URI-too-long", PAYLOAD_NONE},
    {"HTTP-request-header-section-size", PAYLOAD_OPTION_NUMBER},
    {"HTTP-request-header-size", PAYLOAD_OPTION_FIELD_SIZE},
    {"HTTP-request-trailer-section-size", PAYLOAD_OPTION_NUMBER},
    {"HTTP-request-trailer-size", PAYLOAD_FIELD_SIZE},
    {"HTTP-response-incomplete", PAYLOAD_NONE},
    {"HTTP-response-header-section-size", PAYLOAD_OPTION_NUMBER},
    {"HTTP-response-header-size", PAYLOAD_FIELD_SIZE},
    {"HTTP-response-body-size", PAYLOAD_OPTION_NUMBER},
    {"HTTP-response-trailer-section-size", PAYLOAD_OPTION_NUMBER},
    {"HTTP-response-trailer-size", PAYLOAD_FIELD_SIZE},
    {"HTTP-response-transfer-coding", PAYLOAD_OPTION_STRING},
    {"HTTP-response-content-coding", PAYLOAD_OPTION_STRING},
    {"HTTP-response-timeout", PAYLOAD_NONE},
    {"HTTP-upgrade-failed", PAYLOAD_NONE},
    {"HTTP-protocol-error", PAYLOAD_NONE},
    {"loop-detected", PAYLOAD_NONE},
    {"configuration-error", PAYLOAD_NONE},
    {"internal-error", PAYLOAD_OPTION_STRING},
};

wasi_http_error_code wasi_http_error(wasi_http_error_kind code) { return (wasi_http_error_code){.code = code}; }

wasi_http_error_code wasi_http_internal_error(const char *fmt, ...) {
  char text[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  wasi_http_error_code err = {.code = WASI_HTTP_ERR_INTERNAL_ERROR, .present = true};
  err.text = wr_strndup(text, strlen(text));
  return err;
}

void wasi_http_error_code_clear(wasi_http_error_code *err) {
  wr_free(err->text);
  err->text = NULL;
}

const char *wasi_http_error_name(wasi_http_error_kind code) {
  return (unsigned)code < WASI_HTTP_ERR_COUNT ? error_cases[code].name : "unknown";
}

static cm_val optional_string(cm_arena *arena, const char *text) {
  if (!text) return (cm_val){0};
  size_t len = strlen(text);
  cm_val s = cm_val_string(cm_arena_strndup(arena, text, len), (uint32_t)len);
  return cm_val_case(arena, 1, &s);
}

static cm_val optional_number(cm_arena *arena, bool has, uint64_t value) {
  if (!has) return (cm_val){0};
  cm_val n = cm_val_u(value);
  return cm_val_case(arena, 1, &n);
}

/* A two-field record of an optional string and an optional number, in the given order. */
static cm_val string_number_record(cm_arena *arena, const wasi_http_error_code *err, bool string_first) {
  cm_val rec = cm_val_seq(arena, 2);
  rec.u.seq.items[string_first ? 0 : 1] = optional_string(arena, err->text);
  rec.u.seq.items[string_first ? 1 : 0] = optional_number(arena, err->has_value, err->value);
  return rec;
}

cm_val wasi_http_error_to_val(cm_arena *arena, const wasi_http_error_code *err) {
  cm_val payload;
  switch (error_cases[err->code].shape) {
  case PAYLOAD_NONE: return cm_val_case(arena, err->code, NULL);
  case PAYLOAD_DNS: payload = string_number_record(arena, err, true); break;
  case PAYLOAD_TLS: payload = string_number_record(arena, err, false); break;
  case PAYLOAD_OPTION_NUMBER: payload = optional_number(arena, err->has_value, err->value); break;
  case PAYLOAD_OPTION_STRING: payload = optional_string(arena, err->text); break;
  case PAYLOAD_FIELD_SIZE: payload = string_number_record(arena, err, true); break;
  case PAYLOAD_OPTION_FIELD_SIZE:
    if (err->present) {
      cm_val rec = string_number_record(arena, err, true);
      payload = cm_val_case(arena, 1, &rec);
    } else {
      payload = (cm_val){0};
    }
    break;
  default: return cm_val_case(arena, err->code, NULL);
  }
  return cm_val_case(arena, err->code, &payload);
}

static void read_optional_string(const cm_val *opt, wasi_http_error_code *err) {
  if (opt->u.cs.index == 1) err->text = wr_strndup(opt->u.cs.payload->u.str.data, opt->u.cs.payload->u.str.len);
}

static void read_optional_number(const cm_val *opt, wasi_http_error_code *err) {
  if (opt->u.cs.index == 1) {
    err->has_value = true;
    err->value = opt->u.cs.payload->u.u;
  }
}

static void read_record(const cm_val *rec, wasi_http_error_code *err, bool string_first) {
  read_optional_string(&rec->u.seq.items[string_first ? 0 : 1], err);
  read_optional_number(&rec->u.seq.items[string_first ? 1 : 0], err);
}

wasi_http_error_code wasi_http_error_from_val(const cm_val *val) {
  wasi_http_error_code err = {.code = (wasi_http_error_kind)val->u.cs.index};
  const cm_val *p = val->u.cs.payload;
  if (err.code >= WASI_HTTP_ERR_COUNT) return wasi_http_error(WASI_HTTP_ERR_INTERNAL_ERROR);
  switch (error_cases[err.code].shape) {
  case PAYLOAD_NONE: break;
  case PAYLOAD_DNS: read_record(p, &err, true); break;
  case PAYLOAD_TLS: read_record(p, &err, false); break;
  case PAYLOAD_OPTION_NUMBER: read_optional_number(p, &err); break;
  case PAYLOAD_OPTION_STRING: read_optional_string(p, &err); break;
  case PAYLOAD_FIELD_SIZE: read_record(p, &err, true); break;
  case PAYLOAD_OPTION_FIELD_SIZE:
    if (p->u.cs.index == 1) {
      err.present = true;
      read_record(p->u.cs.payload, &err, true);
    }
    break;
  }
  err.present = err.present || err.has_value || err.text;
  return err;
}

static void io_error_detail_free(void *detail) {
  wasi_http_error_code_clear(detail);
  wr_free(detail);
}

wasi_io_error *wasi_http_io_error(wasi_http_error_code *err) {
  wasi_io_error *io = wasi_io_error_new(0, "wasi:http error: %s%s%s", wasi_http_error_name(err->code),
                                        err->text ? ": " : "", err->text ? err->text : "");
  wasi_http_error_code *copy = WR_NEW(wasi_http_error_code);
  *copy = *err;
  err->text = NULL;
  io->detail = copy;
  io->detail_free = io_error_detail_free;
  return io;
}

const wasi_http_error_code *wasi_http_io_error_code(const wasi_io_error *io) {
  return io->detail_free == io_error_detail_free ? io->detail : NULL;
}

/* http-error-code(err: borrow<io-error>) -> option<error-code> */
static wasm_trap *http_error_code(const cm_bound_call *call, cm_val *result) {
  const wasi_io_error *io = call->args[0].object;
  if (io->detail_free != io_error_detail_free) {
    *result = wasi_none();
    return NULL;
  }
  cm_val code = wasi_http_error_to_val(call->cx->arena, io->detail);
  *result = wasi_some(call->cx, &code);
  return NULL;
}

/* bound with wasi_p2_binder: it needs no wasi:http context */
const cm_host_binding wasi_http_error_funcs[] = {{"http-error-code", http_error_code, {&wasi_io_error_kind}}};
const size_t wasi_http_error_nfuncs = WR_ARRAY_LEN(wasi_http_error_funcs);
