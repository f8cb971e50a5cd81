/* The serve-side wasi:http client (http_client.h): one connection object per outgoing request,
 * shared by the exchange (the guest's future-incoming-response), the request body sink and the
 * response body stream. It lives until all three are gone; the socket may close earlier (the
 * response is complete and read, or the exchange failed). Every callback runs on the worker's
 * thread, either from the event loop (socket, timer, lookup) or from the guest's task. */
#include "serve/http_client.h"
#include "serve/socket_repoll.h"

#include <errno.h>
#include <h2o.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "serve/resolver.h"
#include "serve/task.h"
#include "wasi/http1.h"
#include "wasi/http1_chunked.h"
#include "wasi/http1_grammar.h"

#define DEFAULT_TIMEOUT_NS (600ull * 1000000000ull)
#define MAX_TIMEOUT_MS ((uint64_t)INT32_MAX) /* h2o adds timeouts to its clock: keep them sane */
#define MAX_RESPONSE_HEAD (64u * 1024)
#define MAX_RESPONSE_HEADERS 100
/* Queued request bytes: check-write keeps a guest under WASI_HTTP_BODY_BUFFER, the sink contract
 * adds as much again; writes taken without check-write must not grow it without end. */
#define MAX_WRITE_BACKLOG (4u * WASI_HTTP_BODY_BUFFER)

typedef enum {
  PHASE_RESOLVING,  /* waiting for the resolver */
  PHASE_CONNECTING, /* a connect to one of the addresses is in progress */
  PHASE_HEAD,       /* connected: reading the response head */
  PHASE_BODY,       /* reading the response body */
  PHASE_DONE,       /* the whole response arrived */
} conn_phase;


typedef wasi_http1_buffer byte_buffer;

typedef struct client_conn {
  unsigned refs; /* the exchange, the request body sink, the response body */
  h2o_evloop_t *loop;
  conn_phase phase;
  /* the exchange failed (before the head: the response fails; after it: the body does) */
  bool failed;
  wasi_http_error_code error;

  /* connecting */
  serve_lookup *lookup;
  struct addrinfo *addresses, *next_address;
  int last_connect_errno;
  int fd;              /* the socket's descriptor (owned by `sock`) */
  h2o_socket_t *sock;  /* NULL before a connect and once closed */
  bool closed;         /* the socket was closed for good */

  /* timers: `read_timer` follows the phase (connect, first byte, between bytes), `write_timer`
   * runs while a write is stalled */
  h2o_timeout_t connect_timeout, first_byte_timeout, between_bytes_timeout;
  h2o_timeout_entry_t read_timer, write_timer;

  /* the request */
  byte_buffer pending;  /* queued, not yet handed to the socket */
  byte_buffer inflight; /* being written by h2o (must stay put until its callback) */
  bool writing;
  bool chunked_request;
  bool write_failed;
  bool sink_error_reported;

  /* the response */
  bool head_only; /* a HEAD request: no body follows */
  bool got_first_byte;
  bool head_ready, head_taken;
  uint16_t status;
  WR_VEC(wasi_http_header) headers; /* malloc'ed copies until taken */
  http1_body_kind framing;
  uint64_t remaining; /* BODY_LENGTH: body bytes not yet received */
  http1_chunked_decoder decoder;
  size_t decoded;     /* body bytes at the start of sock->input, ready for the guest */
  bool reading;       /* h2o reads the socket (off while the guest has enough buffered) */

  /* the guest's pollables */
  wasi_flag *response_ready, *readable, *writable;
} client_conn;

static void fail(client_conn *c, wasi_http_error_code code);

/* ---- small helpers ---- */

/* A request-options timeout (0: the default) in h2o's milliseconds. */
static uint64_t timeout_ms(uint64_t ns) {
  if (ns == 0) ns = DEFAULT_TIMEOUT_NS;
  uint64_t ms = ns / 1000000 + (ns % 1000000 != 0);
  return ms > MAX_TIMEOUT_MS ? MAX_TIMEOUT_MS : ms;
}

static void stop_timer(h2o_timeout_entry_t *timer) {
  if (h2o_timeout_is_linked(timer)) h2o_timeout_unlink(timer);
}

static void start_timer(client_conn *c, h2o_timeout_t *timeout, h2o_timeout_entry_t *timer) {
  stop_timer(timer);
  h2o_timeout_link(c->loop, timeout, timer);
}

static size_t write_backlog(const client_conn *c) { return c->pending.len + c->inflight.len; }

static wasi_http_error_code copy_error(const wasi_http_error_code *e) {
  wasi_http_error_code copy = *e;
  if (e->text) copy.text = wr_strndup(e->text, strlen(e->text));
  return copy;
}

static void free_headers(client_conn *c) {
  for (size_t i = 0; i < c->headers.len; i++) {
    wr_free((void *)c->headers.items[i].name);
    wr_free((void *)c->headers.items[i].value);
  }
  WR_VEC_FREE(&c->headers);
}

/* ---- the socket's end ---- */

static void close_socket(client_conn *c) {
  stop_timer(&c->read_timer);
  stop_timer(&c->write_timer);
  if (c->sock) h2o_socket_close(c->sock); /* drops unread input and any write in flight */
  c->sock = NULL;
  c->closed = true;
  c->reading = false;
  c->writing = false;
  c->decoded = 0;
  WR_VEC_FREE(&c->pending);
  WR_VEC_FREE(&c->inflight);
}

/* Once nothing more will be read and every decoded byte went to the guest, the socket goes. */
static void close_if_finished(client_conn *c) {
  if (c->sock && c->decoded == 0 && (c->failed || c->phase == PHASE_DONE)) close_socket(c);
}

static void conn_release(client_conn *c) {
  if (--c->refs) return;
  if (c->lookup) serve_lookup_cancel(c->lookup);
  close_socket(c);
  h2o_timeout_dispose(c->loop, &c->connect_timeout);
  h2o_timeout_dispose(c->loop, &c->first_byte_timeout);
  h2o_timeout_dispose(c->loop, &c->between_bytes_timeout);
  if (c->addresses) freeaddrinfo(c->addresses);
  free_headers(c);
  http1_chunked_release(&c->decoder);
  wasi_http_error_code_clear(&c->error);
  wasi_flag_release(c->response_ready);
  wasi_flag_release(c->readable);
  wasi_flag_release(c->writable);
  wr_free(c);
}

/* Everything that waits learns the outcome. A later failure of an exchange that already failed
 * or completed changes nothing. */
static void fail(client_conn *c, wasi_http_error_code code) {
  if (c->failed || c->phase == PHASE_DONE) {
    wasi_http_error_code_clear(&code);
    return;
  }
  c->failed = true;
  c->error = code;
  if (c->lookup) {
    serve_lookup_cancel(c->lookup);
    c->lookup = NULL;
  }
  if (c->phase < PHASE_HEAD) close_socket(c); /* an attempt still connecting */
  if (c->sock && c->reading) h2o_socket_read_stop(c->sock);
  c->reading = false;
  stop_timer(&c->read_timer);
  close_if_finished(c);
  wasi_signal(c->response_ready);
  wasi_signal(c->readable);
  wasi_signal(c->writable);
}

/* ---- writing the request ---- */

static void on_written(h2o_socket_t *sock, const char *err);

static void start_write(client_conn *c) {
  if (c->writing || !c->sock || c->phase < PHASE_HEAD || c->pending.len == 0 || c->write_failed) return;
  byte_buffer swap = c->inflight;
  c->inflight = c->pending;
  c->pending = swap;
  c->pending.len = 0;
  c->writing = true;
  h2o_iovec_t iov = h2o_iovec_init(c->inflight.items, c->inflight.len);
  start_timer(c, &c->between_bytes_timeout, &c->write_timer);
  h2o_socket_write(c->sock, &iov, 1, on_written);
}

static void on_written(h2o_socket_t *sock, const char *err) {
  client_conn *c = sock->data;
  serve_socket_repoll(sock);
  c->writing = false;
  stop_timer(&c->write_timer);
  c->inflight.len = 0;
  if (err) {
    /* The server stopped reading (it may have answered already): the response side decides. */
    c->write_failed = true;
    c->pending.len = 0;
  } else {
    start_write(c);
  }
  if (c->write_failed || write_backlog(c) < WASI_HTTP_BODY_BUFFER) wasi_signal(c->writable);
}

static void on_write_timeout(h2o_timeout_entry_t *entry) {
  client_conn *c = H2O_STRUCT_FROM_MEMBER(client_conn, write_timer, entry);
  c->write_failed = true;
  wasi_signal(c->writable);
  if (c->phase == PHASE_DONE || c->failed) return; /* what arrived may still be read */
  fail(c, wasi_http_error(WASI_HTTP_ERR_CONNECTION_WRITE_TIMEOUT));
  close_socket(c); /* a write stuck in h2o ends only with the socket */
}

static void queue_bytes(client_conn *c, const void *data, size_t len) {
  if (c->closed || c->write_failed) return;
  wasi_http1_append(&c->pending, data, len);
  start_write(c);
}

/* ---- reading the response ---- */

static void on_read(h2o_socket_t *sock, const char *err);

/* The silence allowed from now until the next byte. */
static void restart_read_timer(client_conn *c) {
  start_timer(c, c->got_first_byte ? &c->between_bytes_timeout : &c->first_byte_timeout, &c->read_timer);
}

static void resume_reading(client_conn *c) {
  if (c->reading || !c->sock || c->failed || c->phase == PHASE_DONE) return;
  c->reading = true;
  h2o_socket_read_start(c->sock, on_read);
  restart_read_timer(c);
}

static void pause_reading(client_conn *c) {
  if (!c->reading) return;
  c->reading = false;
  h2o_socket_read_stop(c->sock);
  stop_timer(&c->read_timer);
}

/* The head at the start of sock->input: status, fields, framing (the strict grammar of
 * wasi/http1_grammar.h). Returns false when incomplete; a malformed or oversized head fails the
 * exchange. */
static bool take_head(client_conn *c) {
  for (;;) {
    h2o_buffer_t *in = c->sock->input; /* consuming all of it swaps the buffer */
    http1_field fields[MAX_RESPONSE_HEADERS];
    http1_head head;
    switch (http1_parse_response_head(in->bytes, in->size, MAX_RESPONSE_HEAD, fields, MAX_RESPONSE_HEADERS, &head)) {
    case HTTP1_HEAD_COMPLETE: break;
    case HTTP1_HEAD_PARTIAL: return false;
    case HTTP1_HEAD_TOO_LARGE:
    case HTTP1_HEAD_TOO_MANY_FIELDS:
      fail(c, wasi_http_error(WASI_HTTP_ERR_HTTP_RESPONSE_HEADER_SECTION_SIZE));
      return false;
    case HTTP1_HEAD_MALFORMED:
      fail(c, wasi_http_error(WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR));
      return false;
    }
    if (head.status < 200 && head.status != 101) { /* an interim response; the real one follows */
      h2o_buffer_consume(&c->sock->input, head.length);
      continue;
    }
    http1_framing framing;
    if (http1_response_framing(fields, head.field_count, head.status, c->head_only, &framing) != HTTP1_FRAMING_OK) {
      fail(c, wasi_http_error(WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR));
      return false;
    }
    for (size_t i = 0; i < head.field_count; i++) {
      const http1_field *f = &fields[i];
      wasi_http_header h = {wr_strndup(f->name, f->name_len), f->name_len,
                            (const uint8_t *)wr_strndup(f->value, f->value_len), f->value_len};
      WR_VEC_PUSH(&c->headers, h);
    }
    h2o_buffer_consume(&c->sock->input, head.length);
    c->status = (uint16_t)head.status;
    c->framing = framing.body;
    c->remaining = framing.length;
    c->phase = c->framing == HTTP1_BODY_NONE ? PHASE_DONE : PHASE_BODY;
    c->head_ready = true;
    wasi_signal(c->response_ready);
    return true;
  }
}

/* Makes the body bytes that arrived available to the guest (decoding chunks in place). */
static void take_body(client_conn *c) {
  h2o_buffer_t *in = c->sock->input;
  size_t fresh = in->size - c->decoded;
  switch (c->framing) {
  case HTTP1_BODY_LENGTH: {
    size_t n = fresh < c->remaining ? fresh : (size_t)c->remaining;
    c->decoded += n;
    c->remaining -= n;
    if (c->remaining == 0) c->phase = PHASE_DONE;
    break;
  }
  case HTTP1_BODY_UNTIL_CLOSE: c->decoded += fresh; break;
  case HTTP1_BODY_CHUNKED: {
    if (fresh == 0) break;
    size_t data, consumed;
    http1_chunked_status st = http1_chunked_decode(&c->decoder, in->bytes + c->decoded, fresh, &data, &consumed);
    in->size = c->decoded + data; /* the chunk framing is gone: only data stays (nothing follows: connection: close) */
    c->decoded += data;
    if (st == HTTP1_CHUNKED_ERROR) {
      fail(c, wasi_http_error(c->decoder.over_limit ? WASI_HTTP_ERR_HTTP_RESPONSE_TRAILER_SECTION_SIZE
                                                    : WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR));
      return;
    }
    if (st == HTTP1_CHUNKED_DONE) c->phase = PHASE_DONE;
    break;
  }
  case HTTP1_BODY_NONE: break;
  }
  if (c->phase == PHASE_DONE) pause_reading(c);
  else if (c->decoded >= SERVE_HTTP_CLIENT_BODY_BUFFER) pause_reading(c); /* the guest reads first */
  if (c->decoded || c->phase == PHASE_DONE) wasi_signal(c->readable);
}

static void on_read(h2o_socket_t *sock, const char *err) {
  client_conn *c = sock->data;
  if (sock->input->size > 0 && !c->got_first_byte) c->got_first_byte = true;
  if (c->reading) restart_read_timer(c);
  if (c->phase == PHASE_HEAD && take_head(c) && c->phase == PHASE_DONE) pause_reading(c);
  if (c->phase == PHASE_BODY && !c->failed) take_body(c);
  if (err && !c->failed && c->phase != PHASE_DONE) {
    if (err != h2o_socket_error_closed) {
      fail(c, wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED));
    } else if (c->phase == PHASE_BODY && c->framing == HTTP1_BODY_UNTIL_CLOSE) {
      c->phase = PHASE_DONE;
      pause_reading(c);
      wasi_signal(c->readable);
    } else {
      fail(c, wasi_http_error(c->got_first_byte ? WASI_HTTP_ERR_HTTP_RESPONSE_INCOMPLETE
                                                : WASI_HTTP_ERR_CONNECTION_TERMINATED));
    }
  }
  if (c->sock) close_if_finished(c);
}

static void on_read_timeout(h2o_timeout_entry_t *entry) {
  client_conn *c = H2O_STRUCT_FROM_MEMBER(client_conn, read_timer, entry);
  wasi_http_error_kind code;
  switch (c->phase) {
  case PHASE_RESOLVING: code = WASI_HTTP_ERR_DNS_TIMEOUT; break;
  case PHASE_CONNECTING: code = WASI_HTTP_ERR_CONNECTION_TIMEOUT; break;
  default:
    code = c->got_first_byte ? WASI_HTTP_ERR_CONNECTION_READ_TIMEOUT : WASI_HTTP_ERR_HTTP_RESPONSE_TIMEOUT;
    break;
  }
  fail(c, wasi_http_error(code));
}

/* ---- connecting ---- */

static wasi_http_error_code connect_error(int e) {
  switch (e) {
  case ECONNREFUSED: return wasi_http_error(WASI_HTTP_ERR_CONNECTION_REFUSED);
  case ETIMEDOUT: return wasi_http_error(WASI_HTTP_ERR_CONNECTION_TIMEOUT);
  case ENETUNREACH:
  case EHOSTUNREACH: return wasi_http_error(WASI_HTTP_ERR_DESTINATION_IP_UNROUTABLE);
  case ECONNRESET:
  case EPIPE: return wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
  default: return wasi_http_error(WASI_HTTP_ERR_DESTINATION_UNAVAILABLE);
  }
}

static void on_connected(h2o_socket_t *sock, const char *err);

/* Starts a connect to the next address; when none is left, the exchange fails with the last
 * address's error. */
static void connect_next(client_conn *c) {
  while (c->next_address) {
    struct addrinfo *ai = c->next_address;
    c->next_address = ai->ai_next;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      c->last_connect_errno = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
      c->phase = PHASE_CONNECTING;
      c->fd = fd;
      c->sock = h2o_evloop_socket_create(c->loop, fd, 0);
      c->sock->data = c;
      h2o_socket_notify_write(c->sock, on_connected); /* writable = the connect finished */
      return;
    }
    c->last_connect_errno = errno;
    close(fd);
  }
  fail(c, connect_error(c->last_connect_errno));
}

static void on_connected(h2o_socket_t *sock, const char *err) {
  client_conn *c = sock->data;
  int so_error = 0;
  socklen_t len = sizeof so_error;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
  if (so_error == 0 && err) so_error = ECONNREFUSED;
  if (so_error) {
    h2o_socket_close(c->sock);
    c->sock = NULL;
    c->last_connect_errno = so_error;
    connect_next(c);
    return;
  }
  c->phase = PHASE_HEAD;
  freeaddrinfo(c->addresses);
  c->addresses = c->next_address = NULL;
  resume_reading(c); /* the first-byte timer replaces the connect timer */
  start_write(c);
}

static void on_resolved(void *arg, struct addrinfo *list, int gai_error) {
  client_conn *c = arg;
  c->lookup = NULL;
  if (gai_error || !list) {
    if (list) freeaddrinfo(list);
    wasi_http_error_code code = wasi_http_error(WASI_HTTP_ERR_DNS_ERROR);
    const char *text = gai_strerror(gai_error ? gai_error : EAI_NONAME);
    code.present = true;
    code.text = wr_strndup(text, strlen(text));
    fail(c, code);
    return;
  }
  c->addresses = c->next_address = list;
  c->last_connect_errno = ECONNREFUSED;
  connect_next(c);
}


/* ---- the request body sink ---- */

static wasi_stream_status sink_failure(client_conn *c, wasi_io_error **err) {
  if (c->sink_error_reported) return WASI_STREAM_CLOSED;
  c->sink_error_reported = true;
  wasi_http_error_code code = c->failed ? copy_error(&c->error) : wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
  *err = wasi_http_io_error(&code);
  return WASI_STREAM_FAILED;
}

static bool sink_broken(const client_conn *c) { return c->failed || c->write_failed || c->closed; }

static wasi_stream_status sink_check_write(void *self, uint64_t *permitted, wasi_io_error **err) {
  client_conn *c = self;
  *permitted = 0;
  if (sink_broken(c)) return sink_failure(c, err);
  size_t backlog = write_backlog(c);
  if (backlog < WASI_HTTP_BODY_BUFFER) *permitted = WASI_HTTP_BODY_BUFFER - backlog;
  else wasi_flag_clear(c->writable);
  return WASI_STREAM_OK;
}

static wasi_stream_status sink_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **err) {
  client_conn *c = self;
  if (sink_broken(c)) return sink_failure(c, err);
  if (len == 0) return WASI_STREAM_OK;
  if (write_backlog(c) + len > MAX_WRITE_BACKLOG) { /* writes without check-write, again and again */
    *err = wasi_io_error_new(0, "the request body was written faster than check-write allowed");
    return WASI_STREAM_FAILED;
  }
  if (c->chunked_request) {
    wasi_http1_chunk_size(&c->pending, len);
    wasi_http1_append(&c->pending, buf, len);
    wasi_http1_append(&c->pending, "\r\n", 2);
    start_write(c);
  } else {
    queue_bytes(c, buf, len);
  }
  return WASI_STREAM_OK;
}

/* Bytes go out as fast as the socket takes them; check-write reports the backlog. */
static wasi_stream_status sink_flush(void *self, wasi_io_error **err) {
  client_conn *c = self;
  return sink_broken(c) ? sink_failure(c, err) : WASI_STREAM_OK;
}

static wasi_pollable *sink_subscribe(void *self) {
  client_conn *c = self;
  if (sink_broken(c) || write_backlog(c) < WASI_HTTP_BODY_BUFFER) wasi_signal(c->writable);
  return wasi_pollable_flag(c->writable);
}

static bool sink_finish(void *self, const wasi_http_fields *trailers, wasi_http_error_code *err) {
  client_conn *c = self;
  if (sink_broken(c)) {
    *err = c->failed ? copy_error(&c->error) : wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
    return false;
  }
  if (!c->chunked_request) return true; /* Content-Length framed: the server counts */
  byte_buffer end = {0};
  wasi_http1_last_chunk(&end, trailers);
  queue_bytes(c, end.items, end.len);
  WR_VEC_FREE(&end);
  return true;
}

/* The guest dropped the body unfinished: the server must not take the truncated request as
 * whole, so the connection goes (and with it the response, unless that is complete). */
static void sink_abort(void *self) {
  client_conn *c = self;
  if (c->phase == PHASE_DONE) return; /* too late to matter: the server answered in full */
  fail(c, wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED));
  close_socket(c);
}

static void sink_free(void *self) { conn_release(self); }

static const wasi_http_sink_ops request_sink = {
    {sink_check_write, sink_write, sink_flush, sink_subscribe, sink_free, 0}, sink_finish, sink_abort};

/* ---- the response body stream ---- */

static wasi_stream_status body_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err) {
  client_conn *c = self;
  *nread = 0;
  if (c->decoded > 0) {
    size_t n = len < c->decoded ? len : c->decoded;
    memcpy(buf, c->sock->input->bytes, n);
    h2o_buffer_consume(&c->sock->input, n);
    c->decoded -= n;
    *nread = n;
    if (c->decoded < SERVE_HTTP_CLIENT_BODY_BUFFER) resume_reading(c);
    close_if_finished(c);
    return WASI_STREAM_OK;
  }
  if (c->phase == PHASE_DONE) return WASI_STREAM_CLOSED;
  if (c->failed) {
    wasi_http_error_code code = copy_error(&c->error);
    *err = wasi_http_io_error(&code);
    return WASI_STREAM_FAILED;
  }
  wasi_flag_clear(c->readable);
  return WASI_STREAM_OK;
}

static wasi_pollable *body_subscribe(void *self) {
  client_conn *c = self;
  if (c->decoded > 0 || c->phase == PHASE_DONE || c->failed) wasi_signal(c->readable);
  return wasi_pollable_flag(c->readable);
}

static void body_free(void *self) { conn_release(self); }

/* The origin's trailers (a chunked body's, once it ended). */
static bool body_trailer(void *self, size_t i, wasi_http_header *out) {
  client_conn *c = self;
  size_t count;
  const http1_field *f = http1_chunked_trailers(&c->decoder, &count);
  if (c->framing != HTTP1_BODY_CHUNKED || c->phase != PHASE_DONE || i >= count) return false;
  *out = (wasi_http_header){f[i].name, f[i].name_len, (const uint8_t *)f[i].value, f[i].value_len};
  return true;
}

static const wasi_http_body_ops response_body = {{body_read, body_subscribe, body_free}, body_trailer};

/* ---- the exchange ---- */

static void *client_send(void *env, wasi_p2_ctx *ctx, const wasi_http_outgoing_head *head,
                         const wasi_http_timeouts *timeouts, const wasi_http_sink_ops **sink_ops, void **sink_self,
                         wasi_http_error_code *err) {
  h2o_evloop_t *loop = env ? serve_scheduler_loop(env) : NULL;
  if (!loop) {
    *err = wasi_http_internal_error("outgoing HTTP needs the server's event loop");
    return NULL;
  }
  if (strcasecmp(head->scheme, "https") == 0) {
    *err = wasi_http_error(WASI_HTTP_ERR_TLS_PROTOCOL_ERROR); /* no TLS in this client yet */
    return NULL;
  }
  char host[256], port[8];
  if (!wasi_http_split_authority(head->authority, host, sizeof host, port, sizeof port)) {
    *err = wasi_http_error(WASI_HTTP_ERR_HTTP_REQUEST_URI_INVALID);
    return NULL;
  }
  client_conn *c = WR_NEW(client_conn);
  c->refs = 1;
  c->loop = loop;
  c->fd = -1;
  c->response_ready = wasi_flag_new(ctx);
  c->readable = wasi_flag_new(ctx);
  c->writable = wasi_flag_new(ctx);
  http1_chunked_init(&c->decoder, MAX_RESPONSE_HEAD, MAX_RESPONSE_HEADERS);
  c->head_only = strcmp(head->method, "HEAD") == 0;
  h2o_timeout_init(loop, &c->connect_timeout, timeout_ms(timeouts->connect_ns));
  h2o_timeout_init(loop, &c->first_byte_timeout, timeout_ms(timeouts->first_byte_ns));
  h2o_timeout_init(loop, &c->between_bytes_timeout, timeout_ms(timeouts->between_bytes_ns));
  c->read_timer.cb = on_read_timeout;
  c->write_timer.cb = on_write_timeout;

  c->chunked_request = wasi_http1_chunked_request(head);
  wasi_http1_request_head(&c->pending, head, c->chunked_request);

  /* A numeric host needs no lookup (getaddrinfo with AI_NUMERICHOST never blocks). */
  start_timer(c, &c->connect_timeout, &c->read_timer);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
  struct addrinfo *list = NULL;
  if (getaddrinfo(host, port, &hints, &list) == 0) {
    on_resolved(c, list, 0);
  } else if (wasi_http_name_never_resolves(host)) {
    fail(c, wasi_http_invalid_name_error());
  } else {
    c->phase = PHASE_RESOLVING;
    c->lookup = serve_lookup_start(loop, host, port, on_resolved, c);
    if (!c->lookup) fail(c, wasi_http_internal_error("cannot start a name lookup: %s", strerror(errno)));
  }
  if (head->has_body) {
    c->refs++;
    *sink_ops = &request_sink;
    *sink_self = c;
  }
  return c;
}

static wasi_http_progress client_response(void *exchange, wasi_http_response_head *out, wasi_http_error_code *err) {
  client_conn *c = exchange;
  if (c->head_ready && !c->head_taken) {
    c->head_taken = true;
    out->status = c->status;
    out->headers = c->headers.items;
    out->nheaders = c->headers.len;
    c->headers.items = NULL;
    c->headers.len = c->headers.cap = 0;
    c->refs++;
    out->body_ops = &response_body;
    out->body_self = c;
    return WASI_HTTP_READY;
  }
  if (c->failed && !c->head_ready) {
    *err = copy_error(&c->error);
    return WASI_HTTP_FAILED;
  }
  if (c->head_taken) { /* asked twice: the contract says once */
    *err = wasi_http_internal_error("the response was already taken");
    return WASI_HTTP_FAILED;
  }
  wasi_flag_clear(c->response_ready);
  return WASI_HTTP_PENDING;
}

static wasi_pollable *client_subscribe(void *exchange) {
  client_conn *c = exchange;
  if (c->head_ready || c->failed) wasi_signal(c->response_ready);
  return wasi_pollable_flag(c->response_ready);
}

static void client_free(void *exchange) { conn_release(exchange); }

const wasi_http_client serve_http_client = {client_send, client_response, client_subscribe, client_free};
