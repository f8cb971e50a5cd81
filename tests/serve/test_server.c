/* A tiny server for the front end's end-to-end tests (tests/serve/test_http.py): the HTTP layer
 * with a C request handler, no WebAssembly. Prints "port N" once it listens; SIGTERM or SIGINT
 * stops it gracefully and it exits 0.
 *   GET  /hello        "hello\n" with a content-length
 *   POST /echo         the request body streamed back (chunked unless the request had a length)
 *   GET  /bytes/N      N bytes of a repeating pattern, chunked, written as capacity allows
 *   ANY  /head         the parsed request head as text (method, authority, path, headers)
 *   POST /sink         reads the whole body, then answers with its length
 *   GET  /never        never answers (the client's disconnect must free it)
 *   GET  /task/sleep/MS a task on a fiber waits MS ms on a wasi deadline pollable, then answers
 *   POST /task/late-sink/MS a task waits MS ms, then reads the whole body, then answers its length
 *                           and a line "name: value" per request trailer its stream reports
 *   POST /task/echo    a task echoes the body through the io.h streams of http_streams.h,
 *                      blocking in wasi_block (so on the serve waiter) whenever a side is not ready
 *   GET  /task/fdwait  a task waits on an fd pollable (a pipe the server made at start) until
 *                      readable, reads one byte, answers "got C blocking=B" (B: the fd is still
 *                      blocking after the wait, as it was before)
 *   GET  /fdpoke       writes one byte into that pipe
 *   GET  /trailers     a chunked "body" followed by the trailer x-checksum: 42 (and an invalid one)
 *   anything else      404 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "serve/http_server.h"
#include "serve/http_streams.h"
#include "serve/task.h"

typedef struct pump {
  httpd_exchange *ex;
  size_t held; /* body bytes read and not yet written */
  bool body_done;
  uint64_t to_generate; /* /bytes/N */
  uint64_t generated;
  char buf[16384];
} pump;

/* Compares the path without its query. */
static bool path_is(const httpd_request *r, const char *p) {
  const char *query = memchr(r->path, '?', r->path_len);
  size_t len = query ? (size_t)(query - r->path) : r->path_len;
  return len == strlen(p) && memcmp(r->path, p, len) == 0;
}

static void pump_finish(pump *p, bool ok) {
  if (ok) httpd_response_end(p->ex);
  else httpd_response_abort(p->ex);
  wr_free(p);
}

/* Moves request body to the response, waiting on whichever side is not ready. */
static void echo_pump(void *arg) {
  pump *p = arg;
  for (;;) {
    if (httpd_exchange_failed(p->ex)) return pump_finish(p, false);
    if (p->held > 0) {
      size_t cap = httpd_response_capacity(p->ex);
      if (cap == 0) return;
      size_t n = p->held < cap ? p->held : cap;
      httpd_response_write(p->ex, p->buf, n);
      memmove(p->buf, p->buf + n, p->held - n);
      p->held -= n;
      continue;
    }
    if (p->body_done) return pump_finish(p, true);
    size_t n;
    switch (httpd_body_read(p->ex, p->buf, sizeof p->buf, &n)) {
    case HTTPD_BODY_DATA: p->held = n; break;
    case HTTPD_BODY_WAIT: return;
    case HTTPD_BODY_END: p->body_done = true; break;
    case HTTPD_BODY_ERROR: return pump_finish(p, false);
    }
  }
}

static void sink_pump(void *arg) {
  pump *p = arg;
  for (;;) {
    size_t n;
    switch (httpd_body_read(p->ex, p->buf, sizeof p->buf, &n)) {
    case HTTPD_BODY_DATA: p->generated += n; break;
    case HTTPD_BODY_WAIT: return;
    case HTTPD_BODY_ERROR: return pump_finish(p, false);
    case HTTPD_BODY_END: {
      int len = snprintf(p->buf, sizeof p->buf, "%llu\n", (unsigned long long)p->generated);
      httpd_response_start(p->ex, 200, NULL, 0, len);
      httpd_response_write(p->ex, p->buf, (size_t)len);
      return pump_finish(p, true);
    }
    }
  }
}

static void bytes_pump(void *arg) {
  pump *p = arg;
  while (p->generated < p->to_generate) {
    if (httpd_exchange_failed(p->ex)) return pump_finish(p, false);
    size_t cap = httpd_response_capacity(p->ex);
    if (cap == 0) return;
    size_t n = sizeof p->buf < cap ? sizeof p->buf : cap;
    if (n > p->to_generate - p->generated) n = (size_t)(p->to_generate - p->generated);
    for (size_t i = 0; i < n; i++) p->buf[i] = (char)('a' + (p->generated + i) % 26);
    httpd_response_write(p->ex, p->buf, n);
    p->generated += n;
  }
  pump_finish(p, true);
}

static void describe_head(httpd_exchange *ex) {
  const httpd_request *r = httpd_exchange_request(ex);
  size_t cap = 256 + r->method_len + r->authority_len + r->path_len;
  for (size_t i = 0; i < r->header_count; i++) cap += r->headers[i].name_len + r->headers[i].value_len + 4;
  char *text = wr_malloc(cap);
  int len = snprintf(text, cap, "method=%.*s\nauthority=%.*s\npath=%.*s\nversion=1.%d\nbody=%d\n", (int)r->method_len,
                     r->method, (int)r->authority_len, r->authority, (int)r->path_len, r->path, r->minor_version,
                     r->has_body ? 1 : 0);
  for (size_t i = 0; i < r->header_count; i++)
    len += snprintf(text + len, cap - (size_t)len, "%.*s: %.*s\n", (int)r->headers[i].name_len, r->headers[i].name,
                    (int)r->headers[i].value_len, r->headers[i].value);
  httpd_header type = {"content-type", 12, "text/plain", 10};
  httpd_response_start(ex, 200, &type, 1, len);
  httpd_response_write(ex, text, (size_t)len);
  httpd_response_end(ex);
  wr_free(text);
}

/* ---- C "guests" on tasks: they use only what a wasi:http guest reaches (io.h streams, pollables) ---- */

typedef enum { GUEST_ECHO, GUEST_SLEEP, GUEST_FD_WAIT, GUEST_LATE_SINK } guest_kind;

typedef struct guest_request {
  wasi_p2_ctx *ctx;
  serve_waiter waiter;
  serve_http_exchange *x;
  guest_kind kind;
  uint64_t sleep_ms;
} guest_request;

static int poke_pipe[2];

static void block_on(wasi_p2_ctx *ctx, wasi_pollable *p) {
  wasm_trap *trap = wasi_block(ctx, &p, 1);
  if (trap) abort(); /* no store: a trap here is a bug in the test */
  wasi_pollable_free(p);
}

/* Writes everything, waiting for check-write like a guest's blocking-write-and-flush. */
static bool sink_write_all(wasi_p2_ctx *ctx, const wasi_http_sink_ops *ops, void *self, const uint8_t *data,
                           size_t len) {
  while (len) {
    uint64_t permitted;
    wasi_io_error *err = NULL;
    if (ops->stream.check_write(self, &permitted, &err) != WASI_STREAM_OK) return false;
    if (permitted == 0) {
      block_on(ctx, ops->stream.subscribe(self));
      continue;
    }
    size_t n = len < permitted ? len : (size_t)permitted;
    if (ops->stream.write(self, data, n, &err) != WASI_STREAM_OK) {
      if (err) wasi_io_error_free(err);
      return false;
    }
    data += n;
    len -= n;
  }
  return true;
}

static void guest_main(void *arg) {
  guest_request *g = arg;
  const wasi_http_sink_ops *sink;
  void *sink_self;
  bool ok = true;
  if (g->kind == GUEST_LATE_SINK) { /* waits, then reads the whole body, then answers its length */
    block_on(g->ctx, wasi_pollable_deadline(wr_monotonic_ns() + g->sleep_ms * 1000000));
    const wasi_http_body_ops *body_ops;
    void *body_self;
    serve_http_body_stream(g->x, &body_ops, &body_self);
    const wasi_input_ops *body = &body_ops->stream;
    uint64_t total = 0;
    uint8_t buf[4096];
    for (;;) {
      size_t n;
      wasi_io_error *err = NULL;
      wasi_stream_status st = body->read(body_self, buf, sizeof buf, &n, &err);
      if (st == WASI_STREAM_CLOSED) break;
      if (st == WASI_STREAM_FAILED) {
        wasi_io_error_free(err);
        ok = false;
        break;
      }
      total += n;
      if (n == 0) block_on(g->ctx, body->subscribe(body_self));
    }
    char text[2048];
    int len = snprintf(text, sizeof text, "%llu\n", (unsigned long long)total);
    wasi_http_header t;
    for (size_t i = 0; ok && body_ops->trailer(body_self, i, &t) && len < (int)sizeof text; i++)
      len += snprintf(text + len, sizeof text - (size_t)len, "%.*s: %.*s\n", (int)t.name_len, t.name, (int)t.value_len,
                      (const char *)t.value);
    if (len >= (int)sizeof text) len = (int)sizeof text - 1;
    body->free(body_self);
    serve_http_start_response(g->x, ok ? 200 : 500, NULL, 0, len, &sink, &sink_self);
    ok = sink_write_all(g->ctx, sink, sink_self, (const uint8_t *)text, (size_t)len) && ok;
  } else if (g->kind == GUEST_SLEEP) {
    block_on(g->ctx, wasi_pollable_deadline(wr_monotonic_ns() + g->sleep_ms * 1000000));
    serve_http_start_response(g->x, 200, NULL, 0, -1, &sink, &sink_self);
    ok = sink_write_all(g->ctx, sink, sink_self, (const uint8_t *)"slept\n", 6);
  } else if (g->kind == GUEST_FD_WAIT) {
    block_on(g->ctx, wasi_pollable_fd(poke_pipe[0], POLLIN));
    char c = '?', text[32];
    if (read(poke_pipe[0], &c, 1) != 1) c = '!';
    int len = snprintf(text, sizeof text, "got %c blocking=%d\n", c, !(fcntl(poke_pipe[0], F_GETFL) & O_NONBLOCK));
    serve_http_start_response(g->x, 200, NULL, 0, len, &sink, &sink_self);
    ok = sink_write_all(g->ctx, sink, sink_self, (const uint8_t *)text, (size_t)len);
  } else {
    const wasi_http_body_ops *body_ops;
    void *body_self;
    serve_http_body_stream(g->x, &body_ops, &body_self);
    const wasi_input_ops *body = &body_ops->stream;
    serve_http_start_response(g->x, 200, NULL, 0, -1, &sink, &sink_self);
    uint8_t *buf = wr_malloc(65536);
    for (;;) {
      size_t n;
      wasi_io_error *err = NULL;
      wasi_stream_status st = body->read(body_self, buf, 65536, &n, &err);
      if (st == WASI_STREAM_CLOSED) break;
      if (st == WASI_STREAM_FAILED) {
        wasi_io_error_free(err);
        ok = false;
        break;
      }
      if (n == 0) block_on(g->ctx, body->subscribe(body_self));
      else if (!sink_write_all(g->ctx, sink, sink_self, buf, n)) {
        ok = false;
        break;
      }
    }
    wr_free(buf);
    body->free(body_self);
  }
  if (ok) {
    wasi_http_error_code err;
    sink->finish(sink_self, NULL, &err);
  } else {
    sink->abort(sink_self);
  }
  sink->stream.free(sink_self);
}

static void guest_done(void *arg) {
  guest_request *g = arg;
  wasi_p2_ctx_free(g->ctx);
  serve_http_exchange_release(g->x, false);
  wr_free(g);
}

static void start_guest(serve_scheduler *sched, httpd_exchange *ex, guest_kind kind, uint64_t sleep_ms) {
  guest_request *g = WR_NEW(guest_request);
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  g->ctx = wasi_p2_ctx_new(&config);
  serve_waiter_init(&g->waiter, sched);
  wasi_p2_set_waiter(g->ctx, &g->waiter.base);
  g->x = serve_http_exchange_new(ex, g->ctx);
  g->kind = kind;
  g->sleep_ms = sleep_ms;
  if (wr_task_spawn(serve_scheduler_base(sched), guest_main, guest_done, g) == NULL) guest_done(g);
}

static void *worker_start(void *user, httpd_worker *worker) {
  (void)user;
  return serve_scheduler_new(worker, 256 * 1024, 0);
}

static void worker_stop(void *worker_state) { serve_scheduler_free(worker_state); }

static void on_request(void *worker_state, httpd_exchange *ex) {
  const httpd_request *r = httpd_exchange_request(ex);
  if (r->path_len > 12 && memcmp(r->path, "/task/sleep/", 12) == 0) {
    start_guest(worker_state, ex, GUEST_SLEEP, strtoull(r->path + 12, NULL, 10));
  } else if (r->path_len > 16 && memcmp(r->path, "/task/late-sink/", 16) == 0) {
    start_guest(worker_state, ex, GUEST_LATE_SINK, strtoull(r->path + 16, NULL, 10));
  } else if (path_is(r, "/task/echo")) {
    start_guest(worker_state, ex, GUEST_ECHO, 0);
  } else if (path_is(r, "/task/fdwait")) {
    start_guest(worker_state, ex, GUEST_FD_WAIT, 0);
  } else if (path_is(r, "/trailers")) {
    httpd_response_start(ex, 200, NULL, 0, -1);
    httpd_response_write(ex, "body", 4);
    httpd_header trailers[] = {{"x-checksum", 10, "42", 2}, {"bad name", 8, "x", 1}};
    httpd_response_end_with_trailers(ex, trailers, 2);
  } else if (path_is(r, "/fdpoke")) {
    bool ok = write(poke_pipe[1], "x", 1) == 1;
    httpd_response_start(ex, ok ? 200 : 500, NULL, 0, 0);
    httpd_response_end(ex);
  } else if (path_is(r, "/hello")) {
    httpd_header type = {"content-type", 12, "text/plain", 10};
    httpd_response_start(ex, 200, &type, 1, 6);
    httpd_response_write(ex, "hello\n", 6);
    httpd_response_end(ex);
  } else if (path_is(r, "/echo")) {
    pump *p = WR_NEW(pump);
    p->ex = ex;
    httpd_body_want(ex); /* it answers before reading but will read: a waiting client gets its 100 */
    httpd_response_start(ex, 200, NULL, 0, r->content_length == UINT64_MAX ? -1 : (int64_t)r->content_length);
    httpd_body_on_ready(ex, echo_pump, p);
    httpd_response_on_writable(ex, echo_pump, p);
    echo_pump(p);
  } else if (r->path_len > 7 && memcmp(r->path, "/bytes/", 7) == 0) {
    pump *p = WR_NEW(pump);
    p->ex = ex;
    p->to_generate = strtoull(r->path + 7, NULL, 10);
    httpd_response_start(ex, 200, NULL, 0, -1);
    httpd_response_on_writable(ex, bytes_pump, p);
    bytes_pump(p);
  } else if (path_is(r, "/head")) {
    describe_head(ex);
  } else if (path_is(r, "/sink")) {
    pump *p = WR_NEW(pump);
    p->ex = ex;
    httpd_body_on_ready(ex, sink_pump, p);
    sink_pump(p);
  } else if (path_is(r, "/never")) {
    pump *p = WR_NEW(pump); /* freed when the client goes away */
    p->ex = ex;
    httpd_response_on_writable(ex, echo_pump, p);
    httpd_body_on_ready(ex, echo_pump, p);
  } else {
    httpd_response_start(ex, 404, NULL, 0, 0);
    httpd_response_end(ex);
  }
}

int main(int argc, char **argv) {
  httpd_config cfg = {0};
  cfg.workers = 2;
  cfg.max_head_bytes = 8192;
  cfg.max_header_count = 50;
  cfg.max_body_bytes = 4u << 20;
  cfg.head_timeout_ms = 700;
  cfg.body_timeout_ms = 700;
  cfg.idle_timeout_ms = 5000;
  cfg.stop_timeout_ms = 2000;
  cfg.handler.on_request = on_request;
  cfg.handler.worker_start = worker_start;
  cfg.handler.worker_stop = worker_stop;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--workers") == 0) cfg.workers = (unsigned)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--port") == 0) cfg.port = (uint16_t)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--max-connections") == 0) cfg.max_connections = (unsigned)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--max-requests") == 0) cfg.max_requests = (unsigned)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--idle-timeout-ms") == 0) cfg.idle_timeout_ms = (uint32_t)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--head-timeout-ms") == 0) cfg.head_timeout_ms = (uint32_t)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--body-timeout-ms") == 0) cfg.body_timeout_ms = (uint32_t)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--body-total-timeout-ms") == 0) cfg.body_total_timeout_ms = (uint32_t)atoi(argv[i + 1]);
    else {
      fprintf(stderr,
              "usage: %s [--workers N] [--port P] [--max-connections N] [--max-requests N] [--idle-timeout-ms MS]\n"
              "          [--head-timeout-ms MS] [--body-timeout-ms MS] [--body-total-timeout-ms MS]\n",
              argv[0]);
      return 2;
    }
  }
  if (pipe(poke_pipe) != 0) {
    perror("pipe");
    return 1;
  }
  /* Block the stop signals in every thread; the main thread waits for them. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  wr_error err = {0};
  httpd_server *server = httpd_server_start(&cfg, &err);
  if (server == NULL) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  printf("port %u\n", httpd_server_port(server));
  fflush(stdout);
  int sig;
  sigwait(&stop, &sig);
  httpd_server_free(server);
  return 0;
}
