/* Unit tests of the serve-side wasi:http client (src/serve/http_client.c) driven from tasks on a
 * real worker loop, against an upstream HTTP server on threads of this test (127.0.0.1 only):
 * a 1 MiB Content-Length body, a chunked body with trailers (kept, forbidden ones dropped,
 * malformed or oversized ones failing the body), a close-delimited body, interim 1xx
 * responses, chunked and Content-Length request bodies larger than the client's write buffer,
 * a request body dropped unfinished, a host name looked up on the resolver pool, connect,
 * first-byte and between-bytes timeouts, a truncated body, connection refused, DNS error, https,
 * an invalid authority, malformed and oversized heads, and the key property: a task waiting on a
 * slow upstream does not hold up another task on the same loop.
 *
 * No assertion depends on timing: the upstream's waits have a long guard (UPSTREAM_GUARD_S) that
 * only keeps a broken client from hanging the test, and answers that tell the guard fired. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "serve/http_client.h"
#include "serve/task.h"
#include "wasi/http_internal.h"

#define UPSTREAM_GUARD_S 30
#define BIG_SIZE (1u << 20)

static atomic_int failures;
#define CHECK(cond)                                                     \
  do {                                                                  \
    if (!(cond)) {                                                      \
      fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond); \
      atomic_fetch_add(&failures, 1);                                   \
    }                                                                   \
  } while (0)

static uint8_t pattern_byte(size_t i) { return (uint8_t)(i * 7 + i / 251); }

/* ================= the upstream: a blocking HTTP/1.1 server on threads ================= */

static int upstream_port;
static pthread_mutex_t release_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t release_cond = PTHREAD_COND_INITIALIZER;
static bool slow_released;

static bool send_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n <= 0) return false;
    p += n;
    len -= (size_t)n;
  }
  return true;
}

static bool send_str(int fd, const char *s) { return send_all(fd, s, strlen(s)); }

typedef struct request_reader {
  int fd;
  char buf[65536];
  size_t len, pos;
} request_reader;

static bool reader_fill(request_reader *r) {
  if (r->pos) {
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
  }
  if (r->len == sizeof r->buf) return false;
  ssize_t n = recv(r->fd, r->buf + r->len, sizeof r->buf - r->len, 0);
  if (n <= 0) return false;
  r->len += (size_t)n;
  return true;
}

/* One CRLF-terminated line (without it), NUL-terminated in place. */
static char *reader_line(request_reader *r) {
  for (;;) {
    char *start = r->buf + r->pos;
    char *crlf = memmem(start, r->len - r->pos, "\r\n", 2);
    if (crlf) {
      *crlf = 0;
      r->pos = (size_t)(crlf + 2 - r->buf);
      return start;
    }
    if (!reader_fill(r)) return NULL;
  }
}

static bool reader_bytes(request_reader *r, size_t n, uint64_t *len, uint32_t *sum) {
  while (n) {
    if (r->pos == r->len && !reader_fill(r)) return false;
    size_t take = WR_MIN(n, r->len - r->pos);
    for (size_t i = 0; i < take; i++) *sum += (uint8_t)r->buf[r->pos + i];
    *len += take;
    r->pos += take;
    n -= take;
  }
  return true;
}

/* Blocks until the client goes away (it closed or reset the connection), bounded by the guard. */
static void wait_for_client_close(int fd) {
  struct timeval guard = {UPSTREAM_GUARD_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
  char sink[4096];
  while (recv(fd, sink, sizeof sink, 0) > 0) {
  }
}

static void respond(int fd, const char *status_and_headers, const char *body) {
  char head[512];
  snprintf(head, sizeof head, "HTTP/1.1 %s\r\ncontent-length: %zu\r\n\r\n", status_and_headers, strlen(body));
  if (send_str(fd, head)) send_str(fd, body);
}

static void serve_connection(int fd) {
  request_reader *r = WR_NEW(request_reader);
  r->fd = fd;
  char *line = reader_line(r);
  char method[16] = "", path[256] = "";
  if (!line || sscanf(line, "%15s %255s", method, path) != 2) goto out;
  bool chunked = false;
  uint64_t content_length = 0;
  char host[256] = "", from[64] = "";
  while ((line = reader_line(r)) && *line) {
    if (strncasecmp(line, "transfer-encoding:", 18) == 0) chunked = strstr(line + 18, "chunked") != NULL;
    else if (strncasecmp(line, "content-length:", 15) == 0) content_length = strtoull(line + 15, NULL, 10);
    else if (strncasecmp(line, "host:", 5) == 0) snprintf(host, sizeof host, "%s", line + 6);
    else if (strncasecmp(line, "x-from:", 7) == 0) snprintf(from, sizeof from, "%s", line + 8);
  }
  if (!line) goto out;

  if (strcmp(path, "/big") == 0) {
    char head[128];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\ncontent-length: %u\r\nx-kind: big\r\n\r\n", BIG_SIZE);
    uint8_t *body = wr_malloc(BIG_SIZE);
    for (size_t i = 0; i < BIG_SIZE; i++) body[i] = pattern_byte(i);
    if (send_str(fd, head)) send_all(fd, body, BIG_SIZE);
    wr_free(body);
  } else if (strcmp(path, "/chunked") == 0) {
    send_str(fd, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    size_t offset = 0;
    for (size_t size = 1; size < 6000; size = size * 3 + 1) { /* chunks of 1, 4, 13, ... bytes */
      char line_buf[32];
      snprintf(line_buf, sizeof line_buf, "%zx;ext=1\r\n", size);
      send_str(fd, line_buf);
      uint8_t *chunk = wr_malloc(size);
      for (size_t i = 0; i < size; i++) chunk[i] = pattern_byte(offset + i);
      send_all(fd, chunk, size);
      wr_free(chunk);
      send_str(fd, "\r\n");
      offset += size;
    }
    send_str(fd, "0\r\nx-trailer: kept\r\ncontent-length: 1\r\nSet-Cookie: a=b\r\nX-Two:  2 \r\n\r\n");
  } else if (strcmp(path, "/close") == 0) {
    send_str(fd, "HTTP/1.0 200 OK\r\n\r\n");
    uint8_t block[1000];
    for (size_t b = 0; b < 200; b++) {
      for (size_t i = 0; i < sizeof block; i++) block[i] = pattern_byte(b * sizeof block + i);
      send_all(fd, block, sizeof block);
    }
  } else if (strcmp(path, "/interim") == 0) {
    send_str(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\n");
    respond(fd, "201 Created\r\nx-kind: final", "ok");
  } else if (strcmp(path, "/echo") == 0) {
    uint64_t len = 0;
    uint32_t sum = 0;
    char trailers[128] = "";
    bool ok = true;
    if (chunked) {
      for (;;) {
        char *size_line = reader_line(r);
        if (!size_line) {
          ok = false;
          break;
        }
        size_t size = strtoull(size_line, NULL, 16);
        if (size == 0) break;
        if (!reader_bytes(r, size, &len, &sum) || !(line = reader_line(r)) || *line) {
          ok = false;
          break;
        }
      }
      while (ok && (line = reader_line(r)) && *line) strncat(trailers, line, sizeof trailers - strlen(trailers) - 2);
    } else {
      ok = reader_bytes(r, content_length, &len, &sum);
    }
    char body[256];
    snprintf(body, sizeof body, "%s len=%llu sum=%u chunked=%d trailers=%s", ok ? "complete" : "incomplete",
             (unsigned long long)len, sum, chunked, trailers);
    respond(fd, "200 OK", body);
  } else if (strcmp(path, "/head") == 0) {
    char body[400];
    snprintf(body, sizeof body, "method=%s host=%s from=%s", method, host, from);
    respond(fd, "200 OK", body);
  } else if (strcmp(path, "/stall-head") == 0) {
    wait_for_client_close(fd);
  } else if (strcmp(path, "/stall-body") == 0) {
    send_str(fd, "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789");
    wait_for_client_close(fd);
  } else if (strcmp(path, "/slow") == 0) {
    /* answers once the test released it (another request finished meanwhile) */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += UPSTREAM_GUARD_S;
    pthread_mutex_lock(&release_lock);
    while (!slow_released && pthread_cond_timedwait(&release_cond, &release_lock, &until) != ETIMEDOUT) {
    }
    bool released = slow_released;
    pthread_mutex_unlock(&release_lock);
    respond(fd, "200 OK", released ? "released" : "guard fired");
  } else if (strcmp(path, "/bad") == 0) {
    send_str(fd, "HTTP/1.1 two hundred\r\n\r\n");
  } else if (strcmp(path, "/obs-fold") == 0) {
    send_str(fd, "HTTP/1.1 200 OK\r\nx-a: 1\r\n  folded\r\ncontent-length: 0\r\n\r\n");
  } else if (strcmp(path, "/huge-head") == 0) {
    send_str(fd, "HTTP/1.1 200 OK\r\nx-big: ");
    char filler[1024];
    memset(filler, 'a', sizeof filler);
    for (int i = 0; i < 80; i++) send_all(fd, filler, sizeof filler);
    send_str(fd, "\r\ncontent-length: 0\r\n\r\n");
    wait_for_client_close(fd);
  } else if (strcmp(path, "/truncated") == 0) {
    send_str(fd, "HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nonly twenty bytes...");
  } else if (strcmp(path, "/bad-trailer") == 0) {
    send_str(fd, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-a: 1\r\nno colon\r\n\r\n");
  } else if (strcmp(path, "/big-trailer") == 0) { /* more trailer lines than a head may have fields */
    send_str(fd, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n");
    for (int i = 0; i < 101; i++) send_str(fd, "x-n: 1\r\n");
    send_str(fd, "\r\n");
  } else if (strcmp(path, "/chunk-junk") == 0) { /* issue 13: "5 junk" is no chunk-size line */
    send_str(fd, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked \r\n\r\n3\r\nabc\r\n5 junk\r\nhello\r\n0\r\n\r\n");
  } else if (strcmp(path, "/length-space") == 0) { /* OWS around a value is not part of it */
    send_str(fd, "HTTP/1.1 200 OK\r\ncontent-length: 3 \r\n\r\nabc");
  } else {
    respond(fd, "404 Not Found", "no such path");
  }
out:
  wr_free(r);
  close(fd);
}

static void *connection_thread(void *arg) {
  serve_connection((int)(intptr_t)arg);
  return NULL;
}

static void *accept_thread(void *arg) {
  int listener = (int)(intptr_t)arg;
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) continue;
    pthread_t tid;
    if (pthread_create(&tid, NULL, connection_thread, (void *)(intptr_t)fd) == 0) pthread_detach(tid);
    else close(fd);
  }
  return NULL;
}

static int listen_loopback(int *port, int backlog) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
    perror("upstream");
    exit(1);
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

/* ================= the client side: helpers a task calls ================= */

typedef struct guest {
  wasi_p2_ctx *p2;
  wasi_http_ctx *http;
  serve_waiter waiter;
} guest;

static serve_scheduler *scheduler;

static guest *guest_new(void) {
  guest *g = WR_NEW(guest);
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  g->p2 = wasi_p2_ctx_new(&config);
  serve_waiter_init(&g->waiter, scheduler);
  wasi_p2_set_waiter(g->p2, &g->waiter.base);
  g->http = wasi_http_ctx_new(g->p2, &serve_http_client, scheduler);
  return g;
}

static void guest_free(guest *g) {
  wasi_p2_ctx_free(g->p2);
  wasi_http_ctx_free(g->http);
  wr_free(g);
}

static void wait_on(guest *g, wasi_pollable *p) {
  wasm_trap *trap = wasi_block(g->p2, &p, 1);
  CHECK(trap == NULL);
  wasi_pollable_free(p);
}

typedef struct outcome {
  bool sent;              /* send() accepted the request */
  bool ready;             /* a response head arrived */
  wasi_http_error_kind error; /* of send, the response or the body */
  bool has_error;
  uint16_t status;
  char first_header[64];  /* "name: value" of a header named x-kind, if any */
  WR_VEC(uint8_t) body;
  bool body_complete;
  char trailers[128];     /* "name=value;" per trailer the body stream reported at its end */
} outcome;

typedef struct request_spec {
  const char *method, *scheme, *authority, *path;
  wasi_http_timeouts timeouts;
  const uint8_t *body;       /* NULL: no body */
  size_t body_len;
  bool content_length;       /* else chunked */
  bool trailers;
  size_t read_at_most;       /* stop reading the body after this many bytes (0: all) */
  size_t abort_after;        /* drop the request body unfinished after this many bytes (0: finish) */
} request_spec;

static void note_error(outcome *o, wasi_http_error_code *code) {
  o->has_error = true;
  o->error = code->code;
  wasi_http_error_code_clear(code);
}

static void write_body(guest *g, const request_spec *spec, const wasi_http_sink_ops *ops, void *self, outcome *o) {
  size_t done = 0;
  bool ok = true;
  size_t end = spec->abort_after ? spec->abort_after : spec->body_len;
  while (ok && done < end) {
    uint64_t permitted = 0;
    wasi_io_error *ioerr = NULL;
    wasi_stream_status st = ops->stream.check_write(self, &permitted, &ioerr);
    if (st != WASI_STREAM_OK) {
      if (ioerr) wasi_io_error_free(ioerr);
      ok = false;
      break;
    }
    if (permitted == 0) {
      wait_on(g, ops->stream.subscribe(self));
      continue;
    }
    size_t n = (size_t)WR_MIN(permitted, (uint64_t)(end - done));
    n = WR_MIN(n, (size_t)10000); /* several writes, odd sizes */
    st = ops->stream.write(self, spec->body + done, n, &ioerr);
    if (ioerr) wasi_io_error_free(ioerr);
    ok = st == WASI_STREAM_OK;
    done += n;
  }
  if (ok && !spec->abort_after) {
    wasi_http_fields *trailers = spec->trailers ? wasi_http_fields_new(g->http, false) : NULL;
    if (trailers) wasi_http_fields_push(trailers, "x-sum", 5, (const uint8_t *)"yes", 3);
    wasi_http_error_code code = {0};
    if (!ops->finish(self, trailers, &code)) note_error(o, &code);
    wasi_http_fields_free(trailers);
  } else {
    ops->abort(self);
  }
  ops->stream.free(self);
}

static void read_body(guest *g, const request_spec *spec, const wasi_http_body_ops *body_ops, void *self,
                      outcome *o) {
  const wasi_input_ops *ops = &body_ops->stream;
  uint8_t buf[16384];
  for (;;) {
    if (spec->read_at_most && o->body.len >= spec->read_at_most) break;
    size_t n = 0;
    wasi_io_error *ioerr = NULL;
    wasi_stream_status st = ops->read(self, buf, sizeof buf, &n, &ioerr);
    if (st == WASI_STREAM_CLOSED) {
      o->body_complete = true;
      wasi_http_header t;
      for (size_t i = 0; body_ops->trailer && body_ops->trailer(self, i, &t); i++) {
        size_t at = strlen(o->trailers);
        snprintf(o->trailers + at, sizeof o->trailers - at, "%.*s=%.*s;", (int)t.name_len, t.name, (int)t.value_len,
                 (const char *)t.value);
      }
      break;
    }
    if (st == WASI_STREAM_FAILED) {
      o->has_error = true;
      o->error = ioerr && ioerr->detail ? ((wasi_http_error_code *)ioerr->detail)->code : WASI_HTTP_ERR_INTERNAL_ERROR;
      if (ioerr) wasi_io_error_free(ioerr);
      break;
    }
    if (n == 0) {
      wait_on(g, ops->subscribe(self));
      continue;
    }
    WR_VEC_RESERVE(&o->body, n);
    memcpy(o->body.items + o->body.len, buf, n);
    o->body.len += n;
  }
  ops->free(self);
}

/* The whole exchange as a guest does it: send, write the body, wait for the head, read the body. */
static outcome fetch(guest *g, const request_spec *spec) {
  outcome o = {0};
  wasi_http_fields *headers = wasi_http_fields_new(g->http, false);
  wasi_http_fields_push(headers, "x-from", 6, (const uint8_t *)"client-test", 11);
  char length[32];
  if (spec->body && spec->content_length) {
    int n = snprintf(length, sizeof length, "%zu", spec->body_len);
    wasi_http_fields_push(headers, "content-length", 14, (const uint8_t *)length, (size_t)n);
  }
  wasi_http_outgoing_head head = {spec->method ? spec->method : "GET", spec->scheme ? spec->scheme : "http",
                                  spec->authority, spec->path, headers, spec->body != NULL};
  const wasi_http_sink_ops *sink_ops = NULL;
  void *sink_self = NULL;
  wasi_http_error_code code = {0};
  void *exchange = serve_http_client.send(scheduler, g->p2, &head, &spec->timeouts, &sink_ops, &sink_self, &code);
  wasi_http_fields_free(headers);
  if (!exchange) {
    note_error(&o, &code);
    return o;
  }
  o.sent = true;
  if (spec->body) write_body(g, spec, sink_ops, sink_self, &o);
  wasi_http_response_head resp = {0};
  wasi_http_progress progress;
  while ((progress = serve_http_client.response(exchange, &resp, &code)) == WASI_HTTP_PENDING)
    wait_on(g, serve_http_client.subscribe(exchange));
  serve_http_client.free(exchange);
  if (progress == WASI_HTTP_FAILED) {
    note_error(&o, &code);
    return o;
  }
  o.ready = true;
  o.status = resp.status;
  for (size_t i = 0; i < resp.nheaders; i++) {
    if (strcmp(resp.headers[i].name, "x-kind") == 0)
      snprintf(o.first_header, sizeof o.first_header, "%s: %s", resp.headers[i].name,
               (const char *)resp.headers[i].value);
    wr_free((void *)resp.headers[i].name);
    wr_free((void *)resp.headers[i].value);
  }
  wr_free(resp.headers);
  read_body(g, spec, resp.body_ops, resp.body_self, &o);
  return o;
}

static bool body_is(const outcome *o, const char *text) {
  return o->body.len == strlen(text) && memcmp(o->body.items, text, o->body.len) == 0;
}

static bool body_is_pattern(const outcome *o, size_t len) {
  if (o->body.len != len) return false;
  for (size_t i = 0; i < len; i++)
    if (o->body.items[i] != pattern_byte(i)) return false;
  return true;
}

static char authority[64], name_authority[64], dead_authority[64];

/* ================= the tests ================= */

static void test_bodies(guest *g) {
  outcome o = fetch(g, &(request_spec){.authority = authority, .path = "/big"});
  CHECK(o.ready && o.status == 200 && o.body_complete && !o.has_error);
  CHECK(body_is_pattern(&o, BIG_SIZE));
  CHECK(strcmp(o.first_header, "x-kind: big") == 0);
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/chunked"});
  size_t chunked_total = 0;
  for (size_t size = 1; size < 6000; size = size * 3 + 1) chunked_total += size;
  CHECK(o.ready && o.status == 200 && o.body_complete && !o.has_error);
  CHECK(body_is_pattern(&o, chunked_total));
  CHECK(strcmp(o.trailers, "x-trailer=kept;X-Two=2;") == 0); /* content-length and set-cookie dropped */
  WR_VEC_FREE(&o.body);
  o = fetch(g, &(request_spec){.authority = authority, .path = "/bad-trailer"});
  CHECK(o.ready && body_is(&o, "abc") && o.has_error && o.error == WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
  WR_VEC_FREE(&o.body);
  o = fetch(g, &(request_spec){.authority = authority, .path = "/big-trailer"});
  CHECK(o.ready && body_is(&o, "abc") && o.has_error && o.error == WASI_HTTP_ERR_HTTP_RESPONSE_TRAILER_SECTION_SIZE);
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/close"});
  CHECK(o.ready && o.status == 200 && o.body_complete && body_is_pattern(&o, 200000));
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/interim"});
  CHECK(o.ready && o.status == 201 && body_is(&o, "ok") && strcmp(o.first_header, "x-kind: final") == 0);
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.method = "HEAD", .authority = authority, .path = "/big"});
  CHECK(o.ready && o.status == 200 && o.body_complete && o.body.len == 0);
  WR_VEC_FREE(&o.body);

  /* the request head as the upstream saw it; the name is looked up on the resolver pool (and
   * "localhost" may name ::1 first, where nothing listens: the next address is tried) */
  o = fetch(g, &(request_spec){.method = "PATCH", .authority = name_authority, .path = "/head"});
  char expected[200];
  snprintf(expected, sizeof expected, "method=PATCH host=%s from=client-test", name_authority);
  CHECK(o.ready && o.status == 200 && body_is(&o, expected));
  WR_VEC_FREE(&o.body);

  /* a guest that stops reading early: dropping the body mid-way is fine */
  o = fetch(g, &(request_spec){.authority = authority, .path = "/big", .read_at_most = 1});
  CHECK(o.ready && o.body.len >= 1 && o.body.len <= SERVE_HTTP_CLIENT_BODY_BUFFER + 16384 && !o.body_complete);
  WR_VEC_FREE(&o.body);
}

static void test_request_bodies(guest *g) {
  size_t len = 300000; /* several times the client's write buffer */
  uint8_t *body = wr_malloc(len);
  uint32_t sum = 0;
  for (size_t i = 0; i < len; i++) sum += body[i] = pattern_byte(i);
  char expected[200];

  outcome o = fetch(g, &(request_spec){.method = "POST", .authority = authority, .path = "/echo", .body = body,
                                       .body_len = len, .trailers = true});
  snprintf(expected, sizeof expected, "complete len=%zu sum=%u chunked=1 trailers=x-sum: yes", len, sum);
  CHECK(o.ready && o.status == 200 && body_is(&o, expected));
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.method = "PUT", .authority = authority, .path = "/echo", .body = body,
                               .body_len = len, .content_length = true});
  snprintf(expected, sizeof expected, "complete len=%zu sum=%u chunked=0 trailers=", len, sum);
  CHECK(o.ready && o.status == 200 && body_is(&o, expected));
  WR_VEC_FREE(&o.body);

  /* a body dropped unfinished: the request never completes, the exchange fails */
  o = fetch(g, &(request_spec){.method = "PUT", .authority = authority, .path = "/echo", .body = body,
                               .body_len = len, .content_length = true, .abort_after = 1000});
  CHECK(!o.ready && o.has_error && o.error == WASI_HTTP_ERR_CONNECTION_TERMINATED);
  wr_free(body);
}

static void test_errors(guest *g) {
  const wasi_http_timeouts short_wait = {0, 200 * 1000000ull, 200 * 1000000ull};
  outcome o = fetch(g, &(request_spec){.authority = authority, .path = "/stall-head", .timeouts = short_wait});
  CHECK(o.sent && !o.ready && o.has_error && o.error == WASI_HTTP_ERR_HTTP_RESPONSE_TIMEOUT);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/stall-body", .timeouts = short_wait});
  CHECK(o.ready && body_is(&o, "0123456789") && !o.body_complete && o.has_error &&
        o.error == WASI_HTTP_ERR_CONNECTION_READ_TIMEOUT);
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/truncated"});
  CHECK(o.ready && body_is(&o, "only twenty bytes...") && o.has_error &&
        o.error == WASI_HTTP_ERR_HTTP_RESPONSE_INCOMPLETE);
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.authority = dead_authority, .path = "/"});
  CHECK(o.sent && !o.ready && o.error == WASI_HTTP_ERR_CONNECTION_REFUSED);

  /* a listener whose accept queue is full (and never accepted) drops further SYNs: the connect
   * hangs until the connect timeout */
  int full_port;
  int full = listen_loopback(&full_port, 0);
  int filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in full_addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                                  .sin_port = htons((uint16_t)full_port)};
  CHECK(connect(filler, (struct sockaddr *)&full_addr, sizeof full_addr) == 0);
  char full_authority[64];
  snprintf(full_authority, sizeof full_authority, "127.0.0.1:%d", full_port);
  o = fetch(g, &(request_spec){.authority = full_authority, .path = "/", .timeouts = {200 * 1000000ull, 0, 0}});
  CHECK(o.sent && !o.ready && o.error == WASI_HTTP_ERR_CONNECTION_TIMEOUT);
  close(filler);
  close(full);

  o = fetch(g, &(request_spec){.authority = "no-such-host.invalid", .path = "/"});
  CHECK(o.sent && !o.ready && o.error == WASI_HTTP_ERR_DNS_ERROR);

  o = fetch(g, &(request_spec){.scheme = "https", .authority = authority, .path = "/"});
  CHECK(!o.sent && o.error == WASI_HTTP_ERR_TLS_PROTOCOL_ERROR);

  o = fetch(g, &(request_spec){.authority = "127.0.0.1:99999", .path = "/"});
  CHECK(!o.sent && o.error == WASI_HTTP_ERR_HTTP_REQUEST_URI_INVALID);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/bad"});
  CHECK(!o.ready && o.error == WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/chunk-junk"});
  CHECK(o.ready && body_is(&o, "abc") && o.has_error && o.error == WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/length-space"});
  CHECK(o.ready && body_is(&o, "abc") && o.body_complete && !o.has_error);
  WR_VEC_FREE(&o.body);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/obs-fold"});
  CHECK(!o.ready && o.error == WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);

  o = fetch(g, &(request_spec){.authority = authority, .path = "/huge-head"});
  CHECK(!o.ready && o.error == WASI_HTTP_ERR_HTTP_RESPONSE_HEADER_SECTION_SIZE);
}

/* ---- the key property: a wait on a slow upstream does not hold up the loop ---- */

static atomic_bool fast_done, all_done;

/* Starts first and waits on an upstream that answers only once fast_task finished. */
static void slow_task(void *arg) {
  WR_UNUSED(arg);
  guest *g = guest_new();
  outcome o = fetch(g, &(request_spec){.authority = authority, .path = "/slow"});
  CHECK(atomic_load(&fast_done));
  CHECK(o.ready && body_is(&o, "released"));
  WR_VEC_FREE(&o.body);
  guest_free(g);
  atomic_store(&all_done, true);
}

static void fast_task(void *arg) {
  WR_UNUSED(arg);
  guest *g = guest_new();
  outcome o = fetch(g, &(request_spec){.authority = authority, .path = "/big"});
  CHECK(o.ready && body_is_pattern(&o, BIG_SIZE));
  WR_VEC_FREE(&o.body);
  guest_free(g);
  atomic_store(&fast_done, true);
  pthread_mutex_lock(&release_lock);
  slow_released = true;
  pthread_cond_broadcast(&release_cond);
  pthread_mutex_unlock(&release_lock);
}

static void main_task(void *arg) {
  WR_UNUSED(arg);
  guest *g = guest_new();
  test_bodies(g);
  test_request_bodies(g);
  test_errors(g);
  guest_free(g);
  /* two tasks on this one loop: the slow one starts first */
  wr_task_spawn(serve_scheduler_base(scheduler), slow_task, NULL, NULL);
  wr_task_spawn(serve_scheduler_base(scheduler), fast_task, NULL, NULL);
}

/* ================= the worker ================= */

static void *worker_start(void *user, httpd_worker *worker) {
  WR_UNUSED(user);
  scheduler = serve_scheduler_new(worker, 0, 0);
  return scheduler;
}

static void worker_stop(void *state) { serve_scheduler_free(state); }

/* Any request starts the tests (tasks run after a pass of the loop: this is one). */
static void on_request(void *state, httpd_exchange *ex) {
  WR_UNUSED(state);
  wr_task_spawn(serve_scheduler_base(scheduler), main_task, NULL, NULL);
  httpd_response_start(ex, 204, NULL, 0, 0);
  httpd_response_end(ex);
}

int main(void) {
  int listener = listen_loopback(&upstream_port, 64);
  pthread_t acceptor;
  pthread_create(&acceptor, NULL, accept_thread, (void *)(intptr_t)listener);
  pthread_detach(acceptor);
  snprintf(authority, sizeof authority, "127.0.0.1:%d", upstream_port);
  snprintf(name_authority, sizeof name_authority, "localhost:%d", upstream_port);
  int dead_port;
  close(listen_loopback(&dead_port, 1)); /* nothing listens there any more */
  snprintf(dead_authority, sizeof dead_authority, "127.0.0.1:%d", dead_port);

  httpd_config cfg = {0};
  cfg.workers = 1;
  cfg.handler.worker_start = worker_start;
  cfg.handler.worker_stop = worker_stop;
  cfg.handler.on_request = on_request;
  wr_error err = {0};
  httpd_server *server = httpd_server_start(&cfg, &err);
  if (!server) {
    fprintf(stderr, "cannot start the server: %s\n", err.message);
    return 1;
  }
  int kick = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                             .sin_port = htons(httpd_server_port(server))};
  if (kick < 0 || connect(kick, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      !send_str(kick, "GET /start HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")) {
    perror("start");
    return 1;
  }
  /* The worker runs the tests; wait for them (bounded: a guard against a hang, not a timing
   * assertion). */
  for (int i = 0; i < 1800 && !atomic_load(&all_done); i++) {
    struct timespec pause = {0, 100 * 1000000};
    nanosleep(&pause, NULL);
  }
  CHECK(atomic_load(&all_done));
  close(kick);
  httpd_server_stop(server);
  httpd_server_free(server);
  int n = atomic_load(&failures);
  printf("%s (%d failed checks)\n", n ? "FAIL" : "ok", n);
  return n ? 1 : 0;
}
