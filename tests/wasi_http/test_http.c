/* wasi:http host unit tests: the implementations are called as a guest's lowered imports would
 * call them (through the host registry, with a cm_canon_cx over a store and an arena), with
 * embedder hooks that record what a server would see, and an outgoing request to a small HTTP
 * server on a thread of this process (127.0.0.1, ephemeral port, every wait bounded). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "component/names.h"
#include "wasi/http_internal.h" /* error-code values are checked directly */
#include "wasi/p2.h"

#include "../check.h"


/* ---- calling host functions as a guest would ---- */
static cm_host *host;
static cm_arena *arena;
static wasm_store *store;
static wasi_p2_ctx *p2;
static wasi_http_ctx *http;
static cm_canon_cx cx;

#define TYPES "wasi:http/types@" WASI_P2_VERSION
#define STREAMS "wasi:io/streams@" WASI_P2_VERSION
#define ERROR_IFACE "wasi:io/error@" WASI_P2_VERSION
#define OUTGOING "wasi:http/outgoing-handler@" WASI_P2_VERSION

static const cm_host_interface *iface(const char *name) {
  cm_name parsed;
  const char *why = NULL;
  if (!cm_name_parse(arena, (const uint8_t *)name, (uint32_t)strlen(name), &parsed, &why)) return NULL;
  return cm_host_find(host, &parsed);
}

/* Calls interface.func; returns the trap (NULL on success). */
static wasm_trap *call(const char *interface, const char *func, const cm_val *args, cm_val *result) {
  cm_host_impl impl = NULL;
  void *env = NULL;
  const cm_host_interface *i = iface(interface);
  if (!i || !cm_host_interface_func(i, func, &impl, &env)) {
    fprintf(stderr, "no host function %s %s\n", interface, func);
    exit(2);
  }
  cm_val ignored;
  return impl(env, &cx, args, result ? result : &ignored);
}

static cm_val must(const char *interface, const char *func, const cm_val *args) {
  cm_val result = {0};
  wasm_trap *trap = call(interface, func, args, &result);
  if (trap) {
    fprintf(stderr, "%s: unexpected trap: %s\n", func, trap->message);
    failures++;
  }
  return result;
}

static void drop(const char *resource, uint32_t rep) {
  const char *interface = strcmp(resource, "input-stream") == 0 || strcmp(resource, "output-stream") == 0 ? STREAMS
                          : strcmp(resource, "pollable") == 0 ? "wasi:io/poll@" WASI_P2_VERSION
                          : strcmp(resource, "error") == 0     ? ERROR_IFACE
                                                              : TYPES;
  const cm_type *type = cm_host_resource(host, interface, resource);
  cm_host_dtor dtor = NULL;
  void *env = NULL;
  CHECK(type && cm_host_dtor_of(host, type, &dtor, &env));
  if (dtor) CHECK(dtor(env, store, rep) == NULL);
}

static cm_val str(const char *s) { return cm_val_string(s, (uint32_t)strlen(s)); }

static cm_val bytes(const void *data, size_t len) {
  cm_val list = cm_val_seq(arena, (uint32_t)len);
  for (size_t i = 0; i < len; i++) list.u.seq.items[i].u.u = ((const uint8_t *)data)[i];
  return list;
}

static bool bytes_equal(const cm_val *list, const char *s) {
  if (list->u.seq.count != strlen(s)) return false;
  for (uint32_t i = 0; i < list->u.seq.count; i++)
    if (list->u.seq.items[i].u.u != (uint8_t)s[i]) return false;
  return true;
}

static cm_val some(const cm_val *v) { return cm_val_case(arena, 1, v); }
static cm_val none(void) { return (cm_val){0}; }

/* result<_, header-error>: -1 for ok, else the header-error case. */
static int header_result(cm_val r) { return r.u.cs.index == 0 ? -1 : (int)r.u.cs.payload->u.cs.index; }

enum { INVALID_SYNTAX = 0, FORBIDDEN = 1, IMMUTABLE = 2, OK = -1 };

static uint32_t new_fields(void) { return must(TYPES, "[constructor]fields", NULL).u.rep; }

static int append(uint32_t f, const char *name, const char *value) {
  cm_val args[3] = {cm_val_handle(f), str(name), bytes(value, strlen(value))};
  return header_result(must(TYPES, "[method]fields.append", args));
}

static cm_val get(uint32_t f, const char *name) {
  cm_val args[2] = {cm_val_handle(f), str(name)};
  return must(TYPES, "[method]fields.get", args);
}

static void setup(void) {
  arena = cm_arena_new();
  store = wasm_store_new();
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  p2 = wasi_p2_ctx_new(&config);
  wasi_p2_ctx_attach(p2, store);
  http = wasi_http_ctx_new(p2, NULL, NULL);
  cx = (cm_canon_cx){.store = store, .arena = arena};
}

static void teardown(void) {
  wasi_p2_ctx_free(p2);
  wasi_http_ctx_free(http);
  wasm_store_free(store);
  cm_arena_free(arena);
}

/* ---- fields ---- */
static void test_fields(void) {
  uint32_t f = new_fields();
  CHECK(append(f, "malformed header name", "ok") == INVALID_SYNTAX);
  CHECK(append(f, "", "ok") == INVALID_SYNTAX);
  CHECK(append(f, "ok-name", "bad\nvalue") == INVALID_SYNTAX);
  CHECK(append(f, "ok-name", "bad\rvalue") == INVALID_SYNTAX);
  CHECK(append(f, "ok-name", "nul\x01") == INVALID_SYNTAX);
  CHECK(append(f, "Connection", "keep-alive") == FORBIDDEN);
  CHECK(append(f, "Keep-Alive", "x") == FORBIDDEN);
  CHECK(append(f, "host", "x") == FORBIDDEN);
  CHECK(append(f, "Transfer-Encoding", "chunked") == FORBIDDEN);
  CHECK(append(f, "X-One", "1") == OK);
  CHECK(append(f, "content-type", "text/plain") == OK);
  CHECK(append(f, "x-one", "2\tand tab") == OK);

  cm_val v = get(f, "X-ONE");
  CHECK(v.u.seq.count == 2 && bytes_equal(&v.u.seq.items[0], "1") && bytes_equal(&v.u.seq.items[1], "2\tand tab"));
  CHECK(get(f, "missing").u.seq.count == 0);
  CHECK(get(f, "bad name").u.seq.count == 0);
  cm_val has_args[2] = {cm_val_handle(f), str("Content-Type")};
  CHECK(must(TYPES, "[method]fields.has", has_args).u.b);
  has_args[1] = str("nope");
  CHECK(!must(TYPES, "[method]fields.has", has_args).u.b);

  /* entries keep insertion order; names lower-case */
  cm_val self = cm_val_handle(f);
  cm_val e = must(TYPES, "[method]fields.entries", &self);
  CHECK(e.u.seq.count == 3);
  if (e.u.seq.count == 3) {
    CHECK(e.u.seq.items[0].u.seq.items[0].u.str.len == 5 && memcmp(e.u.seq.items[0].u.seq.items[0].u.str.data, "x-one", 5) == 0);
    CHECK(memcmp(e.u.seq.items[1].u.seq.items[0].u.str.data, "content-type", 12) == 0);
    CHECK(bytes_equal(&e.u.seq.items[2].u.seq.items[1], "2\tand tab"));
  }

  /* set replaces every value of the name */
  cm_val values = cm_val_seq(arena, 2);
  values.u.seq.items[0] = bytes("a", 1);
  values.u.seq.items[1] = bytes("b", 1);
  cm_val set_args[3] = {cm_val_handle(f), str("X-one"), values};
  CHECK(header_result(must(TYPES, "[method]fields.set", set_args)) == OK);
  v = get(f, "x-one");
  CHECK(v.u.seq.count == 2 && bytes_equal(&v.u.seq.items[0], "a") && bytes_equal(&v.u.seq.items[1], "b"));
  set_args[1] = str("upgrade");
  CHECK(header_result(must(TYPES, "[method]fields.set", set_args)) == FORBIDDEN);
  values.u.seq.items[1] = bytes("b\n", 2);
  set_args[1] = str("x-two");
  CHECK(header_result(must(TYPES, "[method]fields.set", set_args)) == INVALID_SYNTAX);
  CHECK(get(f, "x-two").u.seq.count == 0);

  cm_val del_args[2] = {cm_val_handle(f), str("X-ONE")};
  CHECK(header_result(must(TYPES, "[method]fields.delete", del_args)) == OK);
  CHECK(get(f, "x-one").u.seq.count == 0);
  del_args[1] = str("bad name");
  CHECK(header_result(must(TYPES, "[method]fields.delete", del_args)) == INVALID_SYNTAX);
  del_args[1] = str("connection");
  CHECK(header_result(must(TYPES, "[method]fields.delete", del_args)) == FORBIDDEN);

  /* clone is an independent, mutable copy */
  uint32_t c = must(TYPES, "[method]fields.clone", &self).u.rep;
  CHECK(append(c, "x-clone", "1") == OK);
  CHECK(get(f, "x-clone").u.seq.count == 0);
  CHECK(get(c, "content-type").u.seq.count == 1);
  drop("fields", c);

  /* from-list: validated, order kept */
  cm_val list = cm_val_seq(arena, 2);
  for (int i = 0; i < 2; i++) list.u.seq.items[i] = cm_val_seq(arena, 2);
  list.u.seq.items[0].u.seq.items[0] = str("A");
  list.u.seq.items[0].u.seq.items[1] = bytes("1", 1);
  list.u.seq.items[1].u.seq.items[0] = str("b");
  list.u.seq.items[1].u.seq.items[1] = bytes("2", 1);
  cm_val r = must(TYPES, "[static]fields.from-list", &list);
  CHECK(r.u.cs.index == 0);
  if (r.u.cs.index == 0) {
    cm_val h = *r.u.cs.payload;
    cm_val ent = must(TYPES, "[method]fields.entries", &h);
    CHECK(ent.u.seq.count == 2 && ent.u.seq.items[0].u.seq.items[0].u.str.data[0] == 'a');
    drop("fields", h.u.rep);
  }
  list.u.seq.items[1].u.seq.items[0] = str("proxy-connection");
  r = must(TYPES, "[static]fields.from-list", &list);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == FORBIDDEN);
  list.u.seq.items[1].u.seq.items[0] = str("a b");
  r = must(TYPES, "[static]fields.from-list", &list);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == INVALID_SYNTAX);

  /* a wrong rep traps, it does not crash */
  cm_val bogus = cm_val_handle(12345);
  CHECK(call(TYPES, "[method]fields.entries", &bogus, NULL) != NULL);
  drop("fields", f);
}

/* a guest appending without end traps once the instance holds too many header bytes */
static void test_fields_budget(void) {
  uint32_t f = new_fields();
  size_t len = 1u << 20;
  char *big = wr_malloc(len + 1);
  memset(big, 'v', len);
  big[len] = '\0';
  cm_val args[3] = {cm_val_handle(f), str("x-big"), bytes(big, len)};
  wasm_trap *trap = NULL;
  int i = 0;
  for (; i < 100 && !trap; i++) trap = call(TYPES, "[method]fields.append", args, NULL);
  CHECK(trap && strstr(trap->message, "MiB"));
  CHECK(i == 64);
  wr_free(big);
  drop("fields", f);
}

/* ---- an embedder's body source: a fixed string, two bytes per read ---- */
typedef struct string_source {
  const char *data;
  size_t pos;
  bool *freed;
} string_source;

static wasi_stream_status source_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err) {
  WR_UNUSED(err);
  string_source *s = self;
  size_t left = strlen(s->data) - s->pos;
  if (!left) return WASI_STREAM_CLOSED;
  *nread = WR_MIN(WR_MIN(len, left), 2);
  memcpy(buf, s->data + s->pos, *nread);
  s->pos += *nread;
  return WASI_STREAM_OK;
}

static wasi_pollable *source_subscribe(void *self) {
  WR_UNUSED(self);
  return wasi_pollable_ready();
}

static void source_free(void *self) {
  string_source *s = self;
  *s->freed = true;
  wr_free(s);
}

static const wasi_http_body_ops source_ops = {{source_read, source_subscribe, source_free}, NULL};

/* The wasi:http error-code case of the last read that failed (-1: it ended cleanly). */
static int last_read_error;

/* Reads an input stream to its end with blocking-read. */
static char *read_all(uint32_t stream, size_t max) {
  char *out = wr_calloc(1, max + 1);
  size_t n = 0;
  last_read_error = -1;
  for (int guard = 0; guard < 100000; guard++) {
    cm_val args[2] = {cm_val_handle(stream), cm_val_u(4096)};
    cm_val r = must(STREAMS, "[method]input-stream.blocking-read", args);
    if (r.u.cs.index != 0) {
      if (r.u.cs.payload->u.cs.index == 0) { /* last-operation-failed(error) */
        cm_val e = *r.u.cs.payload->u.cs.payload;
        cm_val code = must(TYPES, "http-error-code", &e);
        last_read_error = code.u.cs.index == 1 ? (int)code.u.cs.payload->u.cs.index : -2;
        drop("error", e.u.rep);
      }
      break;
    }
    for (uint32_t i = 0; i < r.u.cs.payload->u.seq.count && n < max; i++)
      out[n++] = (char)r.u.cs.payload->u.seq.items[i].u.u;
  }
  return out;
}

static bool text_equal(cm_val opt, const char *s) {
  return opt.u.cs.index == 1 && opt.u.cs.payload->u.str.len == strlen(s) &&
         memcmp(opt.u.cs.payload->u.str.data, s, strlen(s)) == 0;
}

/* Finishes an incoming body and describes what its future-trailers gives: "name=value;" per
 * trailer, "" for none, "error" when the future said err. */
static char last_trailers[256];
static void finish_body(cm_val body) {
  cm_val ft = must(TYPES, "[static]incoming-body.finish", &body);
  cm_val t = must(TYPES, "[method]future-trailers.get", &ft);
  snprintf(last_trailers, sizeof last_trailers, "error");
  if (t.u.cs.index == 1 && t.u.cs.payload->u.cs.index == 0 && t.u.cs.payload->u.cs.payload->u.cs.index == 0) {
    cm_val opt = *t.u.cs.payload->u.cs.payload->u.cs.payload;
    last_trailers[0] = '\0';
    if (opt.u.cs.index == 1) {
      cm_val h = *opt.u.cs.payload;
      cm_val e = must(TYPES, "[method]fields.entries", &h);
      for (uint32_t i = 0; i < e.u.seq.count; i++) {
        const cm_val *pair = e.u.seq.items[i].u.seq.items;
        size_t at = strlen(last_trailers);
        snprintf(last_trailers + at, sizeof last_trailers - at, "%.*s=", (int)pair[0].u.str.len, pair[0].u.str.data);
        for (uint32_t k = 0; k < pair[1].u.seq.count && strlen(last_trailers) + 2 < sizeof last_trailers; k++) {
          at = strlen(last_trailers);
          last_trailers[at] = (char)pair[1].u.seq.items[k].u.u;
          last_trailers[at + 1] = '\0';
        }
        at = strlen(last_trailers);
        snprintf(last_trailers + at, sizeof last_trailers - at, ";");
      }
      cm_val more[2] = {h, str("x-more")};
      CHECK(header_result(must(TYPES, "[method]fields.delete", more)) == IMMUTABLE);
      drop("fields", h.u.rep);
    }
  }
  drop("future-trailers", ft.u.rep);
}

/* ---- a source whose body ends with trailers ---- */
static wasi_stream_status trailed_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err) {
  WR_UNUSED(self);
  WR_UNUSED(buf);
  WR_UNUSED(len);
  WR_UNUSED(err);
  *nread = 0;
  return WASI_STREAM_CLOSED;
}

static void trailed_free(void *self) { WR_UNUSED(self); }

static bool trailed_trailer(void *self, size_t i, wasi_http_header *out) {
  WR_UNUSED(self);
  static const wasi_http_header trailers[] = {{"X-Checksum", 10, (const uint8_t *)"abc", 3},
                                              {"Server-Timing", 13, (const uint8_t *)"db;dur=1", 8}};
  if (i >= 2) return false;
  *out = trailers[i];
  return true;
}

static const wasi_http_body_ops trailed_ops = {{trailed_read, source_subscribe, trailed_free}, trailed_trailer};

/* The trailers a source reports after its end reach future-trailers (immutable, names lower-cased);
 * a body finished before its end was read reports none. */
static void test_request_trailers(void) {
  wasi_http_request_head head = {"POST", 4, "http", "example.com", "/", NULL, 0};
  for (int read_it = 1; read_it >= 0; read_it--) {
    uint32_t req = 0;
    CHECK(wasi_http_incoming_request_new(http, &head, &trailed_ops, NULL, &req) == NULL);
    cm_val self = cm_val_handle(req);
    cm_val b = *must(TYPES, "[method]incoming-request.consume", &self).u.cs.payload;
    cm_val s = *must(TYPES, "[method]incoming-body.stream", &b).u.cs.payload;
    if (read_it) {
      char *text = read_all(s.u.rep, 100);
      CHECK(text[0] == '\0' && last_read_error == -1);
      wr_free(text);
    }
    drop("input-stream", s.u.rep);
    finish_body(b);
    CHECK(strcmp(last_trailers, read_it ? "x-checksum=abc;server-timing=db;dur=1;" : "") == 0);
    if (strcmp(last_trailers, read_it ? "x-checksum=abc;server-timing=db;dur=1;" : "") != 0)
      fprintf(stderr, "  trailers %s\n", last_trailers);
    drop("incoming-request", req);
  }
}

static void test_incoming_request(void) {
  wasi_http_header headers[] = {{"Host", 4, (const uint8_t *)"example.com", 11},
                                {"X-Test", 6, (const uint8_t *)"yes", 3}};
  wasi_http_request_head head = {"PURGE", 5, "http", "example.com", "/a?b=1", headers, 2};
  bool freed = false;
  string_source *src = WR_NEW(string_source);
  *src = (string_source){"hello body", 0, &freed};
  uint32_t req = 0;
  CHECK(wasi_http_incoming_request_new(http, &head, &source_ops, src, &req) == NULL);
  cm_val self = cm_val_handle(req);
  cm_val m = must(TYPES, "[method]incoming-request.method", &self);
  CHECK(m.u.cs.index == 9 && m.u.cs.payload->u.str.len == 5);
  CHECK(text_equal(must(TYPES, "[method]incoming-request.path-with-query", &self), "/a?b=1"));
  CHECK(text_equal(must(TYPES, "[method]incoming-request.authority", &self), "example.com"));
  cm_val sch = must(TYPES, "[method]incoming-request.scheme", &self);
  CHECK(sch.u.cs.index == 1 && sch.u.cs.payload->u.cs.index == 0);

  /* its headers are immutable, even the forbidden ones the client sent are visible */
  uint32_t h = must(TYPES, "[method]incoming-request.headers", &self).u.rep;
  CHECK(get(h, "host").u.seq.count == 1);
  CHECK(append(h, "x-more", "1") == IMMUTABLE);
  cm_val del_args[2] = {cm_val_handle(h), str("x-test")};
  CHECK(header_result(must(TYPES, "[method]fields.delete", del_args)) == IMMUTABLE);
  cm_val hs = cm_val_handle(h);
  uint32_t copy = must(TYPES, "[method]fields.clone", &hs).u.rep;
  CHECK(append(copy, "x-more", "1") == OK);
  drop("fields", copy);
  drop("fields", h);

  /* consume once, stream once */
  cm_val body = must(TYPES, "[method]incoming-request.consume", &self);
  CHECK(body.u.cs.index == 0);
  CHECK(must(TYPES, "[method]incoming-request.consume", &self).u.cs.index == 1);
  cm_val b = *body.u.cs.payload;
  cm_val s = must(TYPES, "[method]incoming-body.stream", &b);
  CHECK(s.u.cs.index == 0);
  CHECK(must(TYPES, "[method]incoming-body.stream", &b).u.cs.index == 1);
  char *text = read_all(s.u.cs.payload->u.rep, 100);
  CHECK(strcmp(text, "hello body") == 0);
  wr_free(text);
  drop("input-stream", s.u.cs.payload->u.rep);
  CHECK(freed);

  cm_val ft = must(TYPES, "[static]incoming-body.finish", &b);
  cm_val pollable = must(TYPES, "[method]future-trailers.subscribe", &ft);
  drop("pollable", pollable.u.rep);
  cm_val t = must(TYPES, "[method]future-trailers.get", &ft);
  CHECK(t.u.cs.index == 1 && t.u.cs.payload->u.cs.index == 0 && t.u.cs.payload->u.cs.payload->u.cs.index == 0 &&
        t.u.cs.payload->u.cs.payload->u.cs.payload->u.cs.index == 0);
  t = must(TYPES, "[method]future-trailers.get", &ft);
  CHECK(t.u.cs.index == 1 && t.u.cs.payload->u.cs.index == 1);
  drop("future-trailers", ft.u.rep);
  drop("incoming-request", req);

  /* an empty body, never consumed: nothing leaks */
  wasi_http_request_head get_head = {"GET", 3, NULL, NULL, NULL, NULL, 0};
  CHECK(wasi_http_incoming_request_new(http, &get_head, NULL, NULL, &req) == NULL);
  self = cm_val_handle(req);
  CHECK(must(TYPES, "[method]incoming-request.method", &self).u.cs.index == 0);
  CHECK(must(TYPES, "[method]incoming-request.scheme", &self).u.cs.index == 0);
  CHECK(must(TYPES, "[method]incoming-request.authority", &self).u.cs.index == 0);
  body = must(TYPES, "[method]incoming-request.consume", &self);
  b = *body.u.cs.payload;
  s = must(TYPES, "[method]incoming-body.stream", &b);
  cm_val rargs[2] = {*s.u.cs.payload, cm_val_u(10)};
  cm_val r = must(STREAMS, "[method]input-stream.read", rargs);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == 1); /* closed */
  drop("input-stream", s.u.cs.payload->u.rep);
  drop("incoming-body", b.u.rep);
  drop("incoming-request", req);
}

static cm_val method_other(const char *token) {
  cm_val s = str(token);
  return cm_val_case(arena, 9, &s);
}

/* Calls an option<string> setter; the result case (0 ok, 1 err). */
static uint32_t set_text(cm_val self, const char *func, const char *text) {
  cm_val s = text ? str(text) : (cm_val){0};
  cm_val args[2] = {self, text ? some(&s) : none()};
  return must(TYPES, func, args).u.cs.index;
}

static void test_outgoing_request(void) {
  uint32_t f = new_fields();
  CHECK(append(f, "x-a", "1") == OK);
  cm_val fh = cm_val_handle(f);
  uint32_t req = must(TYPES, "[constructor]outgoing-request", &fh).u.rep;
  cm_val self = cm_val_handle(req);
  CHECK(must(TYPES, "[method]outgoing-request.method", &self).u.cs.index == 0);
  CHECK(must(TYPES, "[method]outgoing-request.path-with-query", &self).u.cs.index == 0);
  CHECK(must(TYPES, "[method]outgoing-request.scheme", &self).u.cs.index == 0);
  CHECK(must(TYPES, "[method]outgoing-request.authority", &self).u.cs.index == 0);

  cm_val args[2] = {self, method_other("bad method")};
  CHECK(must(TYPES, "[method]outgoing-request.set-method", args).u.cs.index == 1);
  args[1] = method_other("PURGE");
  CHECK(must(TYPES, "[method]outgoing-request.set-method", args).u.cs.index == 0);
  cm_val m = must(TYPES, "[method]outgoing-request.method", &self);
  CHECK(m.u.cs.index == 9 && memcmp(m.u.cs.payload->u.str.data, "PURGE", 5) == 0);
  args[1] = cm_val_case(arena, 2, NULL); /* post */
  CHECK(must(TYPES, "[method]outgoing-request.set-method", args).u.cs.index == 0);

  cm_val scheme_other = str("1bad");
  cm_val sch = cm_val_case(arena, 2, &scheme_other);
  args[1] = some(&sch);
  CHECK(must(TYPES, "[method]outgoing-request.set-scheme", args).u.cs.index == 1);
  sch = cm_val_case(arena, 1, NULL);
  args[1] = some(&sch);
  CHECK(must(TYPES, "[method]outgoing-request.set-scheme", args).u.cs.index == 0);
  cm_val got = must(TYPES, "[method]outgoing-request.scheme", &self);
  CHECK(got.u.cs.index == 1 && got.u.cs.payload->u.cs.index == 1);

  CHECK(set_text(self, "[method]outgoing-request.set-authority", "bad host") == 1);
  CHECK(set_text(self, "[method]outgoing-request.set-authority", "example.com:x") == 1);
  CHECK(set_text(self, "[method]outgoing-request.set-authority", "example.com:8080") == 0);
  CHECK(text_equal(must(TYPES, "[method]outgoing-request.authority", &self), "example.com:8080"));
  CHECK(set_text(self, "[method]outgoing-request.set-authority", "[::1]:80") == 0);
  CHECK(set_text(self, "[method]outgoing-request.set-path-with-query", "/a b") == 1);
  CHECK(set_text(self, "[method]outgoing-request.set-path-with-query", "/a#frag") == 1);
  CHECK(set_text(self, "[method]outgoing-request.set-path-with-query", "/a?b=c") == 0);
  CHECK(text_equal(must(TYPES, "[method]outgoing-request.path-with-query", &self), "/a?b=c"));
  CHECK(set_text(self, "[method]outgoing-request.set-path-with-query", NULL) == 0);
  CHECK(must(TYPES, "[method]outgoing-request.path-with-query", &self).u.cs.index == 0);

  /* the headers it was built from are now immutable */
  uint32_t h = must(TYPES, "[method]outgoing-request.headers", &self).u.rep;
  CHECK(get(h, "x-a").u.seq.count == 1);
  CHECK(append(h, "x-b", "2") == IMMUTABLE);
  drop("fields", h);

  cm_val body = must(TYPES, "[method]outgoing-request.body", &self);
  CHECK(body.u.cs.index == 0);
  CHECK(must(TYPES, "[method]outgoing-request.body", &self).u.cs.index == 1);
  drop("outgoing-body", body.u.cs.payload->u.rep);
  drop("outgoing-request", req);

  /* request-options */
  uint32_t o = must(TYPES, "[constructor]request-options", NULL).u.rep;
  cm_val os = cm_val_handle(o);
  CHECK(must(TYPES, "[method]request-options.connect-timeout", &os).u.cs.index == 0);
  cm_val ns = cm_val_u(5000000);
  cm_val oargs[2] = {os, some(&ns)};
  CHECK(must(TYPES, "[method]request-options.set-first-byte-timeout", oargs).u.cs.index == 0);
  cm_val t = must(TYPES, "[method]request-options.first-byte-timeout", &os);
  CHECK(t.u.cs.index == 1 && t.u.cs.payload->u.u == 5000000);
  CHECK(must(TYPES, "[method]request-options.between-bytes-timeout", &os).u.cs.index == 0);
  drop("request-options", o);
}

/* ---- a responder that records what a front end would send ---- */
typedef struct recorded {
  int heads, errors, finishes, aborts, sink_frees;
  uint16_t status;
  bool error_was_null;
  wasi_http_error_code error;
  char header_names[256];
  char body[256];
  size_t body_len;
  char trailers[256];
} recorded;

static wasi_stream_status rec_check_write(void *self, uint64_t *permitted, wasi_io_error **err) {
  WR_UNUSED(self);
  WR_UNUSED(err);
  *permitted = 8;
  return WASI_STREAM_OK;
}

static wasi_stream_status rec_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **err) {
  WR_UNUSED(err);
  recorded *r = self;
  if (r->body_len + len < sizeof r->body) {
    memcpy(r->body + r->body_len, buf, len);
    r->body_len += len;
  }
  return WASI_STREAM_OK;
}

static wasi_stream_status rec_flush(void *self, wasi_io_error **err) {
  WR_UNUSED(self);
  WR_UNUSED(err);
  return WASI_STREAM_OK;
}

static wasi_pollable *rec_subscribe(void *self) {
  WR_UNUSED(self);
  return wasi_pollable_ready();
}

static void rec_free(void *self) { ((recorded *)self)->sink_frees++; }

static bool rec_finish(void *self, const wasi_http_fields *trailers, wasi_http_error_code *err) {
  WR_UNUSED(err);
  recorded *r = self;
  r->finishes++;
  for (size_t i = 0; trailers && i < wasi_http_fields_count(trailers); i++) {
    wasi_http_header h = wasi_http_fields_at(trailers, i);
    strncat(r->trailers, h.name, sizeof r->trailers - strlen(r->trailers) - 1);
    strncat(r->trailers, ";", sizeof r->trailers - strlen(r->trailers) - 1);
  }
  return true;
}

static void rec_abort(void *self) { ((recorded *)self)->aborts++; }

static const wasi_http_sink_ops rec_sink = {{rec_check_write, rec_write, rec_flush, rec_subscribe, rec_free, 0},
                                            rec_finish, rec_abort};

static void on_head(void *env, uint16_t status, const wasi_http_fields *headers, const wasi_http_sink_ops **ops,
                    void **self) {
  recorded *r = env;
  r->heads++;
  r->status = status;
  for (size_t i = 0; i < wasi_http_fields_count(headers); i++) {
    wasi_http_header h = wasi_http_fields_at(headers, i);
    strncat(r->header_names, h.name, sizeof r->header_names - strlen(r->header_names) - 1);
    strncat(r->header_names, ";", sizeof r->header_names - strlen(r->header_names) - 1);
  }
  *ops = &rec_sink;
  *self = r;
}

static void on_error(void *env, const wasi_http_error_code *code) {
  recorded *r = env;
  r->errors++;
  r->error_was_null = code == NULL;
  if (code) {
    r->error = *code;
    r->error.text = code->text ? wr_strndup(code->text, strlen(code->text)) : NULL;
  }
}

static const wasi_http_responder responder = {on_head, on_error};

/* Writes through an output stream the way a guest does: check-write, then write. */
static cm_val stream_write(uint32_t stream, const char *text) {
  cm_val s = cm_val_handle(stream);
  cm_val permit = must(STREAMS, "[method]output-stream.check-write", &s);
  if (permit.u.cs.index != 0) return permit;
  cm_val args[2] = {s, bytes(text, strlen(text))};
  return must(STREAMS, "[method]output-stream.write", args);
}

static uint32_t new_response(const char *header, const char *value, uint32_t *out_rep) {
  uint32_t f = new_fields();
  if (header) CHECK(append(f, header, value) == OK);
  cm_val fh = cm_val_handle(f);
  *out_rep = must(TYPES, "[constructor]outgoing-response", &fh).u.rep;
  return f;
}

static void outparam_set_ok(uint32_t outparam, uint32_t response) {
  cm_val resp = cm_val_handle(response);
  cm_val args[2] = {cm_val_handle(outparam), cm_val_case(arena, 0, &resp)};
  must(TYPES, "[static]response-outparam.set", args);
}

static void test_response(void) {
  /* write before set (buffered), set, write after set, finish with trailers */
  recorded rec = {0};
  uint32_t out = 0, resp = 0;
  CHECK(wasi_http_response_outparam_new(http, &responder, &rec, &out) == NULL);
  new_response("Content-Type", "text/plain", &resp);
  cm_val self = cm_val_handle(resp);
  CHECK(must(TYPES, "[method]outgoing-response.status-code", &self).u.u == 200);
  cm_val sargs[2] = {self, cm_val_u(99)};
  CHECK(must(TYPES, "[method]outgoing-response.set-status-code", sargs).u.cs.index == 1);
  sargs[1] = cm_val_u(404);
  CHECK(must(TYPES, "[method]outgoing-response.set-status-code", sargs).u.cs.index == 0);
  uint32_t h = must(TYPES, "[method]outgoing-response.headers", &self).u.rep;
  CHECK(append(h, "x", "1") == IMMUTABLE);
  drop("fields", h);
  cm_val body = must(TYPES, "[method]outgoing-response.body", &self);
  CHECK(body.u.cs.index == 0);
  CHECK(must(TYPES, "[method]outgoing-response.body", &self).u.cs.index == 1);
  cm_val b = *body.u.cs.payload;
  cm_val w = must(TYPES, "[method]outgoing-body.write", &b);
  CHECK(w.u.cs.index == 0);
  CHECK(must(TYPES, "[method]outgoing-body.write", &b).u.cs.index == 1);
  uint32_t stream = w.u.cs.payload->u.rep;
  CHECK(stream_write(stream, "early ").u.cs.index == 0);
  CHECK(rec.heads == 0 && rec.body_len == 0);

  outparam_set_ok(out, resp);
  CHECK(rec.heads == 1 && rec.status == 404 && strcmp(rec.header_names, "content-type;") == 0);
  CHECK(rec.body_len == 6 && memcmp(rec.body, "early ", 6) == 0);
  /* the sink's own check-write now limits writes (8 bytes) */
  cm_val sv = cm_val_handle(stream);
  cm_val permit = must(STREAMS, "[method]output-stream.check-write", &sv);
  CHECK(permit.u.cs.index == 0 && permit.u.cs.payload->u.u == 8);
  CHECK(stream_write(stream, "late").u.cs.index == 0);
  CHECK(rec.body_len == 10 && memcmp(rec.body, "early late", 10) == 0);
  cm_val wargs[2] = {sv, bytes("far too long for eight", 22)};
  CHECK(call(STREAMS, "[method]output-stream.write", wargs, NULL) != NULL); /* beyond check-write: a trap */
  drop("output-stream", stream);

  /* a second set on the consumed outparam traps */
  cm_val resp2v = cm_val_handle(0);
  cm_val args2[2] = {cm_val_handle(out), cm_val_case(arena, 0, &resp2v)};
  CHECK(call(TYPES, "[static]response-outparam.set", args2, NULL) != NULL);

  uint32_t t = new_fields();
  CHECK(append(t, "x-trailer", "done") == OK);
  cm_val tv = cm_val_handle(t);
  cm_val fargs[2] = {b, some(&tv)};
  CHECK(must(TYPES, "[static]outgoing-body.finish", fargs).u.cs.index == 0);
  CHECK(rec.finishes == 1 && rec.aborts == 0 && rec.sink_frees == 1 && strcmp(rec.trailers, "x-trailer;") == 0);
  CHECK(rec.errors == 0);

  /* no body asked for: the head, then an empty finished body */
  recorded rec2 = {0};
  CHECK(wasi_http_response_outparam_new(http, &responder, &rec2, &out) == NULL);
  new_response(NULL, NULL, &resp);
  outparam_set_ok(out, resp);
  CHECK(rec2.heads == 1 && rec2.status == 200 && rec2.finishes == 1 && rec2.body_len == 0 && rec2.sink_frees == 1);

  /* the body dropped without finish aborts the response */
  recorded rec3 = {0};
  CHECK(wasi_http_response_outparam_new(http, &responder, &rec3, &out) == NULL);
  new_response(NULL, NULL, &resp);
  self = cm_val_handle(resp);
  b = *must(TYPES, "[method]outgoing-response.body", &self).u.cs.payload;
  outparam_set_ok(out, resp);
  CHECK(rec3.heads == 1 && rec3.finishes == 0);
  drop("outgoing-body", b.u.rep);
  CHECK(rec3.aborts == 1 && rec3.sink_frees == 1);

  /* finished before set: delivered whole at set */
  recorded rec4 = {0};
  CHECK(wasi_http_response_outparam_new(http, &responder, &rec4, &out) == NULL);
  new_response(NULL, NULL, &resp);
  self = cm_val_handle(resp);
  b = *must(TYPES, "[method]outgoing-response.body", &self).u.cs.payload;
  w = must(TYPES, "[method]outgoing-body.write", &b);
  CHECK(stream_write(w.u.cs.payload->u.rep, "all of it").u.cs.index == 0);
  drop("output-stream", w.u.cs.payload->u.rep);
  cm_val fin[2] = {b, none()};
  CHECK(must(TYPES, "[static]outgoing-body.finish", fin).u.cs.index == 0);
  CHECK(rec4.heads == 0);
  outparam_set_ok(out, resp);
  CHECK(rec4.heads == 1 && rec4.finishes == 1 && rec4.body_len == 9 && memcmp(rec4.body, "all of it", 9) == 0);

  /* Content-Length is enforced: too much fails the write, too little fails finish */
  recorded rec5 = {0};
  CHECK(wasi_http_response_outparam_new(http, &responder, &rec5, &out) == NULL);
  new_response("content-length", "5", &resp);
  self = cm_val_handle(resp);
  b = *must(TYPES, "[method]outgoing-response.body", &self).u.cs.payload;
  w = must(TYPES, "[method]outgoing-body.write", &b);
  stream = w.u.cs.payload->u.rep;
  outparam_set_ok(out, resp);
  cm_val fail = stream_write(stream, "123456");
  CHECK(fail.u.cs.index == 1 && fail.u.cs.payload->u.cs.index == 0); /* last-operation-failed(error) */
  if (fail.u.cs.index == 1 && fail.u.cs.payload->u.cs.index == 0) {
    cm_val e = *fail.u.cs.payload->u.cs.payload;
    cm_val code = must(TYPES, "http-error-code", &e);
    CHECK(code.u.cs.index == 1 && code.u.cs.payload->u.cs.index == WASI_HTTP_ERR_HTTP_RESPONSE_BODY_SIZE);
    drop("error", e.u.rep);
  }
  CHECK(stream_write(stream, "123").u.cs.index == 0);
  drop("output-stream", stream);
  cm_val fin5[2] = {b, none()};
  cm_val r = must(TYPES, "[static]outgoing-body.finish", fin5);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == WASI_HTTP_ERR_HTTP_RESPONSE_BODY_SIZE &&
        r.u.cs.payload->u.cs.payload->u.cs.index == 1 && r.u.cs.payload->u.cs.payload->u.cs.payload->u.u == 3);
  CHECK(rec5.finishes == 0 && rec5.aborts == 1);

  /* set(err(...)) and an outparam dropped without set */
  recorded rec6 = {0};
  CHECK(wasi_http_response_outparam_new(http, &responder, &rec6, &out) == NULL);
  wasi_http_error_code code = wasi_http_internal_error("guest says %d", 7);
  cm_val cv = wasi_http_error_to_val(arena, &code);
  wasi_http_error_code_clear(&code);
  cm_val eargs[2] = {cm_val_handle(out), cm_val_case(arena, 1, &cv)};
  must(TYPES, "[static]response-outparam.set", eargs);
  CHECK(rec6.errors == 1 && !rec6.error_was_null && rec6.error.code == WASI_HTTP_ERR_INTERNAL_ERROR &&
        rec6.error.text && strcmp(rec6.error.text, "guest says 7") == 0);
  wasi_http_error_code_clear(&rec6.error);
  recorded rec7 = {0};
  CHECK(wasi_http_response_outparam_new(http, &responder, &rec7, &out) == NULL);
  drop("response-outparam", out);
  CHECK(rec7.errors == 1 && rec7.error_was_null && rec7.heads == 0);

  /* reps that name nothing (or the wrong kind) trap and leak nothing */
  recorded rec8 = {0};
  CHECK(wasi_http_response_outparam_new(http, &responder, &rec8, &out) == NULL);
  uint32_t not_a_response = new_fields();
  cm_val wrong = cm_val_handle(not_a_response);
  cm_val bad_set[2] = {cm_val_handle(out), cm_val_case(arena, 0, &wrong)};
  CHECK(call(TYPES, "[static]response-outparam.set", bad_set, NULL) != NULL);
  CHECK(rec8.errors == 1 && rec8.error_was_null);
  cm_val bogus = cm_val_handle(999999);
  CHECK(call(TYPES, "[constructor]outgoing-request", &bogus, NULL) != NULL);
  CHECK(call(TYPES, "[constructor]outgoing-response", &wrong, NULL) == NULL); /* fields it is */
  new_response(NULL, NULL, &resp);
  self = cm_val_handle(resp);
  b = *must(TYPES, "[method]outgoing-response.body", &self).u.cs.payload;
  cm_val bad_fin[2] = {b, some(&bogus)};
  CHECK(call(TYPES, "[static]outgoing-body.finish", bad_fin, NULL) != NULL);
  drop("outgoing-response", resp);
}

/* every payload shape survives host -> guest value -> host */
static void test_error_codes(void) {
  wasi_http_error_code cases[] = {
      {.code = WASI_HTTP_ERR_DNS_TIMEOUT},
      {.code = WASI_HTTP_ERR_DNS_ERROR, .present = true, .has_value = true, .value = 3, .text = "NXDOMAIN"},
      {.code = WASI_HTTP_ERR_TLS_ALERT_RECEIVED, .present = true, .has_value = true, .value = 40, .text = "bad"},
      {.code = WASI_HTTP_ERR_HTTP_REQUEST_BODY_SIZE, .present = true, .has_value = true, .value = 1ull << 40},
      {.code = WASI_HTTP_ERR_HTTP_REQUEST_HEADER_SIZE},
      {.code = WASI_HTTP_ERR_HTTP_REQUEST_HEADER_SIZE, .present = true, .text = "x-big"},
      {.code = WASI_HTTP_ERR_HTTP_RESPONSE_TRAILER_SIZE, .present = true, .has_value = true, .value = 9},
      {.code = WASI_HTTP_ERR_HTTP_RESPONSE_CONTENT_CODING, .present = true, .text = "br"},
      {.code = WASI_HTTP_ERR_INTERNAL_ERROR},
  };
  for (size_t i = 0; i < WR_ARRAY_LEN(cases); i++) {
    cm_val v = wasi_http_error_to_val(arena, &cases[i]);
    wasi_http_error_code back = wasi_http_error_from_val(&v);
    CHECK(back.code == cases[i].code && back.has_value == cases[i].has_value && back.value == cases[i].value);
    CHECK((back.text == NULL) == (cases[i].text == NULL) && (!back.text || strcmp(back.text, cases[i].text) == 0));
    CHECK(back.present == cases[i].present);
    wasi_http_error_code_clear(&back);
  }
  CHECK(strcmp(wasi_http_error_name(WASI_HTTP_ERR_CONNECTION_REFUSED), "connection-refused") == 0);
}

/* ---- a small HTTP server on a thread ---- */
typedef struct server {
  int listen_fd;
  int port;
  int connections; /* how many to serve before exiting */
} server;

/* Reads until the request (head + body) is complete; returns the body (decoded) in *body. */
static bool read_request(int fd, char *buf, size_t cap, char **path, char *body, size_t *body_len) {
  size_t len = 0;
  char *end = NULL;
  while (!(end = strstr(buf, "\r\n\r\n"))) {
    struct pollfd p = {fd, POLLIN, 0};
    if (len + 1 >= cap || poll(&p, 1, 10000) <= 0) return false;
    ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
    if (n <= 0) return false;
    len += (size_t)n;
    buf[len] = '\0';
  }
  *path = strchr(buf, ' ') + 1;
  size_t head_len = (size_t)(end + 4 - buf);
  bool chunked = strstr(buf, "transfer-encoding: chunked") != NULL;
  char *cl = strstr(buf, "content-length: ");
  size_t want = cl && cl < end ? (size_t)atoi(cl + 16) : 0;
  for (;;) {
    char *data = buf + head_len;
    size_t have = len - head_len;
    if (!chunked && have >= want) break;
    if (chunked && have >= 5 && memcmp(buf + len - 5, "0\r\n\r\n", 5) == 0) break;
    struct pollfd p = {fd, POLLIN, 0};
    if (len + 1 >= cap || poll(&p, 1, 10000) <= 0) return false;
    ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
    if (n <= 0) return false;
    len += (size_t)n;
    buf[len] = '\0';
    WR_UNUSED(data);
  }
  *body_len = 0;
  char *p = buf + head_len;
  if (!chunked) {
    memcpy(body, p, want);
    *body_len = want;
  } else {
    for (;;) {
      size_t n = strtoul(p, &p, 16);
      p = strstr(p, "\r\n") + 2;
      if (n == 0) break;
      memcpy(body + *body_len, p, n);
      *body_len += n;
      p += n + 2;
    }
  }
  (*path)[strcspn(*path, " ")] = '\0';
  return true;
}

static void send_text(int fd, const char *text) { (void)!send(fd, text, strlen(text), MSG_NOSIGNAL); }

static void *serve(void *arg) {
  server *s = arg;
  for (int i = 0; i < s->connections; i++) {
    struct pollfd p = {s->listen_fd, POLLIN, 0};
    if (poll(&p, 1, 20000) <= 0) break;
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) break;
    static char buf[65536], body[65536];
    memset(buf, 0, sizeof buf);
    char *path = NULL;
    size_t body_len = 0;
    if (read_request(fd, buf, sizeof buf, &path, body, &body_len)) {
      if (strcmp(path, "/hello") == 0) {
        send_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Server: test\r\n\r\nhello");
      } else if (strcmp(path, "/chunked") == 0) {
        send_text(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nx-t: 1\r\nContent-Length: 7\r\nX-Sum:  a b \r\n\r\n");
      } else if (strcmp(path, "/badtrailer") == 0) {
        send_text(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx t: 1\r\n\r\n");
      } else if (strcmp(path, "/bigtrailer") == 0) { /* a trailer section larger than the client takes */
        send_text(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-big: ");
        static char big[70000];
        memset(big, 'a', sizeof big);
        (void)!send(fd, big, sizeof big, MSG_NOSIGNAL);
      } else if (strcmp(path, "/close") == 0) {
        send_text(fd, "HTTP/1.1 200 OK\r\n\r\nuntil close");
      } else if (strcmp(path, "/echo") == 0) {
        char head[128];
        snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", body_len);
        send_text(fd, head);
        (void)!send(fd, body, body_len, MSG_NOSIGNAL);
      } else if (strcmp(path, "/silent") == 0) {
        struct pollfd q = {fd, POLLIN, 0};
        poll(&q, 1, 10000); /* until the client gives up and closes */
      } else if (strcmp(path, "/bad") == 0) {
        send_text(fd, "HTTP/1.1 200 OK\r\nbad header line\r\n\r\n");
      } else if (strcmp(path, "/huge") == 0) { /* a head larger than the client takes */
        send_text(fd, "HTTP/1.1 200 OK\r\nx-big: ");
        static char big[70000];
        memset(big, 'a', sizeof big);
        (void)!send(fd, big, sizeof big, MSG_NOSIGNAL);
      } else if (strcmp(path, "/badchunk") == 0) {
        send_text(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n");
      } else if (strcmp(path, "/chunkjunk") == 0) { /* issue 13: "5 junk" is no chunk-size line */
        send_text(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked \r\n\r\n3\r\nabc\r\n5 junk\r\nhello\r\n0\r\n\r\n");
      } else if (strcmp(path, "/lengthspace") == 0) { /* OWS around a value is not part of it */
        send_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3 \r\n\r\nabc");
      } else if (strcmp(path, "/short") == 0) {
        send_text(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      } else {
        send_text(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      }
    }
    close(fd);
  }
  return NULL;
}

static bool server_start(server *s, int connections) {
  s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&addr, len) != 0 || listen(s->listen_fd, 8) != 0 ||
      getsockname(s->listen_fd, (struct sockaddr *)&addr, &len) != 0)
    return false;
  s->port = ntohs(addr.sin_port);
  s->connections = connections;
  return true;
}

/* Builds an outgoing request to 127.0.0.1:port path, sends it; returns the future's result. */
static cm_val fetch(int port, const char *method_case_other, uint32_t method_case, const char *path,
                    const char *scheme_other_https, const char *body_text, const char *content_length,
                    uint64_t first_byte_ns, char **body_out, uint16_t *status) {
  uint32_t f = new_fields();
  if (content_length) CHECK(append(f, "content-length", content_length) == OK);
  cm_val fh = cm_val_handle(f);
  uint32_t req = must(TYPES, "[constructor]outgoing-request", &fh).u.rep;
  cm_val self = cm_val_handle(req);
  cm_val args[2] = {self, method_case_other ? method_other(method_case_other) : cm_val_case(arena, method_case, NULL)};
  must(TYPES, "[method]outgoing-request.set-method", args);
  char authority[64];
  snprintf(authority, sizeof authority, "127.0.0.1:%d", port);
  cm_val text = str(authority);
  args[1] = some(&text);
  must(TYPES, "[method]outgoing-request.set-authority", args);
  cm_val p = str(path);
  args[1] = some(&p);
  must(TYPES, "[method]outgoing-request.set-path-with-query", args);
  if (scheme_other_https) {
    cm_val sch = cm_val_case(arena, 1, NULL);
    args[1] = some(&sch);
    must(TYPES, "[method]outgoing-request.set-scheme", args);
  }
  cm_val body = {0};
  if (body_text) body = *must(TYPES, "[method]outgoing-request.body", &self).u.cs.payload;
  cm_val options = none();
  if (first_byte_ns) {
    uint32_t o = must(TYPES, "[constructor]request-options", NULL).u.rep;
    cm_val ns = cm_val_u(first_byte_ns);
    cm_val oargs[2] = {cm_val_handle(o), some(&ns)};
    must(TYPES, "[method]request-options.set-first-byte-timeout", oargs);
    cm_val oh = cm_val_handle(o);
    options = some(&oh);
  }
  cm_val hargs[2] = {self, options};
  cm_val r = must(OUTGOING, "handle", hargs);
  if (r.u.cs.index != 0) {
    if (body_text) drop("outgoing-body", body.u.rep);
    return r; /* err(error-code) */
  }
  cm_val future = *r.u.cs.payload;
  if (body_text) { /* written after handle, in pieces, then finished */
    cm_val w = must(TYPES, "[method]outgoing-body.write", &body);
    uint32_t stream = w.u.cs.payload->u.rep;
    size_t len = strlen(body_text), half = len / 2;
    char first[256];
    memcpy(first, body_text, half);
    first[half] = '\0';
    stream_write(stream, first);
    stream_write(stream, body_text + half);
    drop("output-stream", stream);
    cm_val fin[2] = {body, none()};
    CHECK(must(TYPES, "[static]outgoing-body.finish", fin).u.cs.index == 0);
  }
  cm_val pollable = must(TYPES, "[method]future-incoming-response.subscribe", &future);
  cm_val list = cm_val_seq(arena, 1);
  list.u.seq.items[0] = pollable;
  must("wasi:io/poll@" WASI_P2_VERSION, "poll", &list);
  drop("pollable", pollable.u.rep);
  cm_val got = must(TYPES, "[method]future-incoming-response.get", &future);
  CHECK(got.u.cs.index == 1 && got.u.cs.payload->u.cs.index == 0);
  cm_val again = must(TYPES, "[method]future-incoming-response.get", &future);
  CHECK(again.u.cs.index == 1 && again.u.cs.payload->u.cs.index == 1);
  drop("future-incoming-response", future.u.rep);
  cm_val result = *got.u.cs.payload->u.cs.payload; /* result<incoming-response, error-code> */
  if (result.u.cs.index == 0) {
    cm_val resp = *result.u.cs.payload;
    *status = (uint16_t)must(TYPES, "[method]incoming-response.status", &resp).u.u;
    cm_val b = *must(TYPES, "[method]incoming-response.consume", &resp).u.cs.payload;
    cm_val s = *must(TYPES, "[method]incoming-body.stream", &b).u.cs.payload;
    *body_out = read_all(s.u.rep, 65536);
    uint32_t h = must(TYPES, "[method]incoming-response.headers", &resp).u.rep;
    if (strcmp(path, "/hello") == 0) {
      cm_val v = get(h, "x-server");
      CHECK(v.u.seq.count == 1 && bytes_equal(&v.u.seq.items[0], "test"));
    }
    drop("fields", h);
    drop("input-stream", s.u.rep);
    finish_body(b);
    drop("incoming-response", resp.u.rep);
  }
  return result;
}

static void test_outgoing(void) {
  server s;
  if (!server_start(&s, 14)) {
    fprintf(stderr, "cannot listen on 127.0.0.1\n");
    failures++;
    return;
  }
  pthread_t thread;
  pthread_create(&thread, NULL, serve, &s);
  char *body = NULL;
  uint16_t status = 0;

  cm_val r = fetch(s.port, NULL, 0, "/hello", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && status == 200 && body && strcmp(body, "hello") == 0);
  wr_free(body), body = NULL;

  r = fetch(s.port, NULL, 0, "/chunked", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && status == 201 && body && strcmp(body, "abcdefg") == 0);
  wr_free(body), body = NULL;
  /* the origin's trailers reach future-trailers, without the ones that must not be trailers */
  CHECK(strcmp(last_trailers, "x-t=1;x-sum=a b;") == 0);
  if (strcmp(last_trailers, "x-t=1;x-sum=a b;") != 0) fprintf(stderr, "  trailers %s\n", last_trailers);
  /* malformed or oversized trailers fail the body's last read with the error-code */
  r = fetch(s.port, NULL, 0, "/badtrailer", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && body && strcmp(body, "abc") == 0 && last_read_error == WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR &&
        strcmp(last_trailers, "") == 0);
  wr_free(body), body = NULL;
  r = fetch(s.port, NULL, 0, "/bigtrailer", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && body && strcmp(body, "abc") == 0 &&
        last_read_error == WASI_HTTP_ERR_HTTP_RESPONSE_TRAILER_SECTION_SIZE);
  wr_free(body), body = NULL;

  r = fetch(s.port, NULL, 0, "/close", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && status == 200 && body && strcmp(body, "until close") == 0);
  wr_free(body), body = NULL;

  /* chunked request body (no content-length), written after handle */
  r = fetch(s.port, NULL, 2, "/echo", NULL, "posted in two pieces", NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && status == 200 && body && strcmp(body, "posted in two pieces") == 0);
  wr_free(body), body = NULL;

  /* Content-Length request body, a method of the guest's own */
  r = fetch(s.port, "ECHO", 0, "/echo", NULL, "exactly", "7", 0, &body, &status);
  CHECK(r.u.cs.index == 0 && status == 200 && body && strcmp(body, "exactly") == 0);
  wr_free(body), body = NULL;

  /* a server that never answers: the first-byte timeout (50 ms) */
  r = fetch(s.port, NULL, 0, "/silent", NULL, NULL, NULL, 50000000, &body, &status);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == WASI_HTTP_ERR_HTTP_RESPONSE_TIMEOUT);

  /* a malformed response head */
  r = fetch(s.port, NULL, 0, "/bad", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
  r = fetch(s.port, NULL, 0, "/huge", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == WASI_HTTP_ERR_HTTP_RESPONSE_HEADER_SECTION_SIZE);

  /* bodies that go wrong after the head: the read fails with the error-code */
  r = fetch(s.port, NULL, 0, "/badchunk", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && body && strcmp(body, "abc") == 0 && last_read_error == WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
  wr_free(body), body = NULL;
  r = fetch(s.port, NULL, 0, "/chunkjunk", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && body && strcmp(body, "abc") == 0 && last_read_error == WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
  wr_free(body), body = NULL;
  r = fetch(s.port, NULL, 0, "/lengthspace", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && body && strcmp(body, "abc") == 0 && status == 200);
  wr_free(body), body = NULL;
  r = fetch(s.port, NULL, 0, "/short", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 0 && body && strcmp(body, "abc") == 0 && last_read_error == WASI_HTTP_ERR_HTTP_RESPONSE_INCOMPLETE);
  wr_free(body), body = NULL;
  pthread_join(thread, NULL);

  /* https is refused by the built-in client; a closed port is connection-refused */
  r = fetch(s.port, NULL, 0, "/", "https", NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == WASI_HTTP_ERR_TLS_PROTOCOL_ERROR);
  close(s.listen_fd);
  r = fetch(s.port, NULL, 0, "/", NULL, NULL, NULL, 0, &body, &status);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == WASI_HTTP_ERR_CONNECTION_REFUSED);

  /* no authority: rejected before any connection */
  uint32_t f = new_fields();
  cm_val fh = cm_val_handle(f);
  cm_val req = must(TYPES, "[constructor]outgoing-request", &fh);
  cm_val hargs[2] = {req, none()};
  r = must(OUTGOING, "handle", hargs);
  CHECK(r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == WASI_HTTP_ERR_HTTP_REQUEST_URI_INVALID);
}

/* RFC 6761's .invalid: the names that never resolve, and look-alikes that may. */
static void test_invalid_names(void) {
  CHECK(wasi_http_name_never_resolves("invalid"));
  CHECK(wasi_http_name_never_resolves("nonexistent.invalid"));
  CHECK(wasi_http_name_never_resolves("a.b.INVALID."));
  CHECK(!wasi_http_name_never_resolves("notinvalid"));
  CHECK(!wasi_http_name_never_resolves("invalid.example"));
  CHECK(!wasi_http_name_never_resolves("invali"));
  CHECK(!wasi_http_name_never_resolves(""));
  CHECK(!wasi_http_name_never_resolves("."));
  wasi_http_error_code err = wasi_http_invalid_name_error();
  CHECK(err.code == WASI_HTTP_ERR_DNS_ERROR && err.present && err.text && strcmp(err.text, "NXDOMAIN") == 0);
  wasi_http_error_code_clear(&err);
}

int main(void) {
  host = cm_host_new();
  wr_error err = {0};
  if (!wasi_p2_define(host, &err) || !wasi_http_define(host, &err)) {
    fprintf(stderr, "define failed: %s\n", err.message);
    return 1;
  }
  setup();
  test_fields();
  test_fields_budget();
  test_incoming_request();
  test_request_trailers();
  test_outgoing_request();
  test_response();
  test_error_codes();
  test_outgoing();
  test_invalid_names();
  teardown();
  cm_host_free(host);
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
