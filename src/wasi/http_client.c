/* wasi_http_default_client: HTTP/1.1 over a blocking TCP socket, one connection per request
 * ("connection: close"), for `warren run` and tests. Every wait is a poll(2) bounded by the
 * request's timeouts, so a silent server costs a timeout, never a hang; the response head is
 * bounded (WASI_HTTP_CLIENT_MAX_HEAD) and parsed, like chunked bodies, by the strict grammar of
 * http1_grammar.h / http1_chunked.h; a chunked body's trailers (as bounded as a head) are kept for
 * the guest's future-trailers. Because reads block, the pollables it hands out are always
 * ready. */
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http1.h"
#include "http1_chunked.h"
#include "http1_grammar.h"
#include "http_internal.h"

#define WASI_HTTP_CLIENT_MAX_HEAD (64u * 1024)
#define DEFAULT_TIMEOUT_NS (600ull * 1000000000ull)
#define MAX_RESPONSE_FIELDS 100
#define IN_BUFFER WASI_HTTP_CLIENT_MAX_HEAD /* a whole head fits */


/* One connection, shared by the exchange, the request body sink and the response body. */
typedef struct connection {
  unsigned refs;
  int fd;
  wasi_http_timeouts timeouts; /* resolved: never 0 */
  bool chunked_request;
  bool request_failed; /* the request body could not be sent or was aborted */
  bool head_only;      /* a HEAD request: the response has no body */
  uint8_t in[IN_BUFFER];
  size_t in_pos, in_len;
  bool got_first_byte;
  /* response body */
  http1_body_kind framing;
  uint64_t remaining; /* HTTP1_BODY_LENGTH: bytes left */
  http1_chunked_decoder decoder;
  size_t decoded; /* HTTP1_BODY_CHUNKED: body bytes decoded in place at in[in_pos] */
  bool chunks_ended;
  bool chunk_error; /* the decoder failed after the bytes at in[in_pos] */
  bool body_done;
} connection;

static void connection_release(connection *c) {
  if (--c->refs) return;
  close(c->fd);
  http1_chunked_release(&c->decoder);
  wr_free(c);
}

static int timeout_ms(uint64_t ns) {
  uint64_t ms = (ns + 999999) / 1000000;
  return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/* Waits for `events` on the socket: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, uint64_t timeout_ns) {
  struct pollfd p = {.fd = fd, .events = events};
  for (;;) {
    int r = poll(&p, 1, timeout_ms(timeout_ns));
    if (r < 0 && errno == EINTR) continue;
    return r < 0 ? -1 : r;
  }
}

static bool send_all(connection *c, const void *data, size_t len, wasi_http_error_code *err) {
  const uint8_t *p = data;
  while (len) {
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int r = wait_fd(c->fd, POLLOUT, c->timeouts.between_bytes_ns);
      if (r == 0) {
        *err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_WRITE_TIMEOUT);
        return false;
      }
      if (r > 0) continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
      return false;
    }
    p += n;
    len -= (size_t)n;
  }
  return true;
}

/* Reads more bytes into c->in (compacting it first): false + *err on timeout, error or end. */
static bool fill(connection *c, wasi_http_error_code *err, bool *eof) {
  if (c->in_pos) {
    memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
    c->in_len -= c->in_pos;
    c->in_pos = 0;
  }
  *eof = false;
  if (c->in_len == sizeof c->in) {
    *err = wasi_http_error(WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
    return false;
  }
  for (;;) {
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
    if (n > 0) {
      c->in_len += (size_t)n;
      c->got_first_byte = true;
      return true;
    }
    if (n == 0) {
      *eof = true;
      *err = wasi_http_error(WASI_HTTP_ERR_HTTP_RESPONSE_INCOMPLETE);
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      *err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
      return false;
    }
    uint64_t limit = c->got_first_byte ? c->timeouts.between_bytes_ns : c->timeouts.first_byte_ns;
    int r = wait_fd(c->fd, POLLIN, limit);
    if (r == 0) {
      *err = wasi_http_error(c->got_first_byte ? WASI_HTTP_ERR_CONNECTION_READ_TIMEOUT
                                               : WASI_HTTP_ERR_HTTP_RESPONSE_TIMEOUT);
      return false;
    }
    if (r < 0) {
      *err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
      return false;
    }
  }
}

/* ---- connecting ---- */

bool wasi_http_split_authority(const char *authority, char *host, size_t host_size, char *port, size_t port_size) {
  const char *colon = NULL;
  const char *h = authority;
  size_t hlen;
  const char *at = strrchr(authority, '@'); /* userinfo is not sent as part of the host */
  if (at) h = at + 1;
  if (h[0] == '[') {
    const char *close = strchr(h, ']');
    if (!close) return false;
    hlen = (size_t)(close - h - 1);
    h++;
    if (close[1] == ':') colon = close + 1;
    else if (close[1] != '\0') return false;
  } else {
    colon = strrchr(h, ':');
    hlen = colon ? (size_t)(colon - h) : strlen(h);
  }
  if (hlen == 0 || hlen >= host_size) return false;
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  const char *p = colon && colon[1] ? colon + 1 : "80";
  size_t plen = strlen(p);
  unsigned long value = 0;
  for (size_t i = 0; i < plen; i++) {
    if (p[i] < '0' || p[i] > '9' || i >= 5) return false;
    value = value * 10 + (unsigned long)(p[i] - '0');
  }
  if (plen >= port_size || value == 0 || value > 65535) return false;
  memcpy(port, p, plen + 1);
  return true;
}

bool wasi_http_name_never_resolves(const char *host) {
  static const char label[] = "invalid";
  size_t n = strlen(host), k = sizeof label - 1;
  if (n > 0 && host[n - 1] == '.') n--; /* the root's dot */
  if (n < k || strncasecmp(host + n - k, label, k) != 0) return false;
  return n == k || host[n - k - 1] == '.';
}

wasi_http_error_code wasi_http_invalid_name_error(void) {
  wasi_http_error_code err = wasi_http_error(WASI_HTTP_ERR_DNS_ERROR);
  err.present = true;
  err.text = wr_strndup("NXDOMAIN", strlen("NXDOMAIN"));
  return err;
}

static wasi_http_error_code dns_error(int gai) {
  wasi_http_error_code err = wasi_http_error(WASI_HTTP_ERR_DNS_ERROR);
  const char *text = gai_strerror(gai);
  err.present = true;
  err.text = wr_strndup(text, strlen(text));
  return err;
}

static wasi_http_error_code connect_error(int e) {
  switch (e) {
  case ECONNREFUSED: return wasi_http_error(WASI_HTTP_ERR_CONNECTION_REFUSED);
  case ETIMEDOUT: return wasi_http_error(WASI_HTTP_ERR_CONNECTION_TIMEOUT);
  case ENETUNREACH: case EHOSTUNREACH: return wasi_http_error(WASI_HTTP_ERR_DESTINATION_IP_UNROUTABLE);
  default: return wasi_http_error(WASI_HTTP_ERR_DESTINATION_UNAVAILABLE);
  }
}

/* A connected non-blocking socket, or -1 + *err. */
static int connect_to(const char *authority, uint64_t timeout_ns, wasi_http_error_code *err) {
  char host[256], port[16];
  if (!wasi_http_split_authority(authority, host, sizeof host, port, sizeof port)) {
    *err = wasi_http_error(WASI_HTTP_ERR_HTTP_REQUEST_URI_INVALID);
    return -1;
  }
  if (wasi_http_name_never_resolves(host)) {
    *err = wasi_http_invalid_name_error();
    return -1;
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *list = NULL;
  int gai = getaddrinfo(host, port, &hints, &list);
  if (gai) {
    *err = dns_error(gai);
    return -1;
  }
  int last_errno = ECONNREFUSED;
  for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r < 0 && errno == EINPROGRESS) {
      int w = wait_fd(fd, POLLOUT, timeout_ns);
      if (w == 0) {
        errno = ETIMEDOUT;
      } else {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (w > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) r = 0;
        else errno = soerr ? soerr : ECONNREFUSED;
      }
    }
    if (r == 0) {
      freeaddrinfo(list);
      return fd;
    }
    last_errno = errno;
    close(fd);
  }
  freeaddrinfo(list);
  *err = connect_error(last_errno);
  return -1;
}

/* ---- the request ---- */


/* the request body sink */

static wasi_stream_status sink_check_write(void *self, uint64_t *permitted, wasi_io_error **err) {
  WR_UNUSED(err);
  connection *c = self;
  if (c->request_failed) return WASI_STREAM_CLOSED;
  *permitted = WASI_HTTP_BODY_BUFFER; /* writes block until sent */
  return WASI_STREAM_OK;
}

static wasi_stream_status sink_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **err) {
  connection *c = self;
  if (c->request_failed) return WASI_STREAM_CLOSED;
  if (len == 0) return WASI_STREAM_OK;
  wasi_http_error_code code = {0};
  bool ok = true;
  if (c->chunked_request) {
    wasi_http1_buffer size_line = {0};
    wasi_http1_chunk_size(&size_line, len);
    ok = send_all(c, size_line.items, size_line.len, &code);
    WR_VEC_FREE(&size_line);
  }
  ok = ok && send_all(c, buf, len, &code);
  if (ok && c->chunked_request) ok = send_all(c, "\r\n", 2, &code);
  if (ok) return WASI_STREAM_OK;
  c->request_failed = true;
  *err = wasi_http_io_error(&code);
  return WASI_STREAM_FAILED;
}

static wasi_stream_status sink_flush(void *self, wasi_io_error **err) {
  WR_UNUSED(err);
  connection *c = self;
  return c->request_failed ? WASI_STREAM_CLOSED : WASI_STREAM_OK;
}

static wasi_pollable *always_ready(void *self) {
  WR_UNUSED(self);
  return wasi_pollable_ready();
}

static bool sink_finish(void *self, const wasi_http_fields *trailers, wasi_http_error_code *err) {
  connection *c = self;
  if (c->request_failed) {
    *err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
    return false;
  }
  if (!c->chunked_request) return true; /* Content-Length framed: the server counts */
  wasi_http1_buffer end = {0};
  wasi_http1_last_chunk(&end, trailers);
  bool ok = send_all(c, end.items, end.len, err);
  WR_VEC_FREE(&end);
  if (!ok) c->request_failed = true;
  return ok;
}

/* An unfinished body: the server must not take a truncated request as whole. */
static void sink_abort(void *self) {
  connection *c = self;
  c->request_failed = true;
  shutdown(c->fd, SHUT_RDWR);
}

static void sink_free(void *self) { connection_release(self); }

static const wasi_http_sink_ops request_sink = {
    {sink_check_write, sink_write, sink_flush, always_ready, sink_free, 0}, sink_finish, sink_abort};

static uint64_t or_default(uint64_t ns) { return ns ? ns : DEFAULT_TIMEOUT_NS; }

static void *client_send(void *env, wasi_p2_ctx *ctx, const wasi_http_outgoing_head *head,
                         const wasi_http_timeouts *timeouts, const wasi_http_sink_ops **sink_ops, void **sink_self,
                         wasi_http_error_code *err) {
  WR_UNUSED(env);
  WR_UNUSED(ctx);
  if (strcasecmp(head->scheme, "https") == 0) {
    *err = wasi_http_error(WASI_HTTP_ERR_TLS_PROTOCOL_ERROR); /* no TLS in the built-in client */
    return NULL;
  }
  wasi_http_timeouts t = {or_default(timeouts->connect_ns), or_default(timeouts->first_byte_ns),
                          or_default(timeouts->between_bytes_ns)};
  int fd = connect_to(head->authority, t.connect_ns, err);
  if (fd < 0) return NULL;
  connection *c = WR_NEW(connection);
  c->refs = 1;
  c->fd = fd;
  c->timeouts = t;
  c->head_only = strcmp(head->method, "HEAD") == 0;
  c->chunked_request = wasi_http1_chunked_request(head);
  wasi_http1_buffer req = {0};
  wasi_http1_request_head(&req, head, c->chunked_request);
  bool ok = send_all(c, req.items, req.len, err);
  WR_VEC_FREE(&req);
  if (!ok) {
    connection_release(c);
    return NULL;
  }
  if (head->has_body) {
    c->refs++;
    *sink_ops = &request_sink;
    *sink_self = c;
  }
  return c;
}

/* ---- the response ---- */

static void free_headers(wasi_http_header *headers, size_t n) {
  for (size_t i = 0; i < n; i++) {
    wr_free((void *)headers[i].name);
    wr_free((void *)headers[i].value);
  }
  wr_free(headers);
}

/* The head that starts at in[in_pos]: status, fields, body framing. PARTIAL asks for more bytes. */
static http1_head_status parse_head(connection *c, wasi_http_response_head *out, wasi_http_error_code *err) {
  http1_field fields[MAX_RESPONSE_FIELDS];
  http1_head head;
  http1_head_status st = http1_parse_response_head((const char *)c->in + c->in_pos, c->in_len - c->in_pos,
                                                   sizeof c->in, fields, MAX_RESPONSE_FIELDS, &head);
  http1_framing framing;
  if (st == HTTP1_HEAD_COMPLETE &&
      http1_response_framing(fields, head.field_count, head.status, c->head_only, &framing) != HTTP1_FRAMING_OK)
    st = HTTP1_HEAD_MALFORMED;
  if (st == HTTP1_HEAD_PARTIAL) return st;
  if (st != HTTP1_HEAD_COMPLETE) {
    *err = wasi_http_error(st == HTTP1_HEAD_MALFORMED ? WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR
                                                      : WASI_HTTP_ERR_HTTP_RESPONSE_HEADER_SECTION_SIZE);
    return st;
  }
  out->status = (uint16_t)head.status;
  out->nheaders = head.field_count;
  out->headers = WR_NEW_ARRAY(wasi_http_header, head.field_count ? head.field_count : 1);
  for (size_t i = 0; i < head.field_count; i++) {
    const http1_field *f = &fields[i];
    out->headers[i] = (wasi_http_header){wr_strndup(f->name, f->name_len), f->name_len,
                                         (const uint8_t *)wr_strndup(f->value, f->value_len), f->value_len};
  }
  c->in_pos += head.length;
  c->framing = framing.body;
  c->remaining = framing.length;
  http1_chunked_release(&c->decoder); /* a no-op unless an interim response came first */
  http1_chunked_init(&c->decoder, sizeof c->in, MAX_RESPONSE_FIELDS);
  c->body_done = c->framing == HTTP1_BODY_NONE;
  return st;
}

/* a response body reader */

static wasi_stream_status body_fail(wasi_http_error_code *code, wasi_io_error **err) {
  *err = wasi_http_io_error(code);
  return WASI_STREAM_FAILED;
}

/* Chunked: decodes in place until body bytes are ready at in[in_pos] or the body ended. */
static bool chunks_advance(connection *c, wasi_http_error_code *err) {
  while (c->decoded == 0 && !c->chunks_ended) {
    if (c->chunk_error) { /* reported once the bytes before it were read */
      *err = wasi_http_error(c->decoder.over_limit ? WASI_HTTP_ERR_HTTP_RESPONSE_TRAILER_SECTION_SIZE
                                                   : WASI_HTTP_ERR_HTTP_PROTOCOL_ERROR);
      return false;
    }
    if (c->in_pos == c->in_len) {
      bool eof;
      if (!fill(c, err, &eof)) return false;
    }
    size_t data, consumed;
    http1_chunked_status st = http1_chunked_decode(&c->decoder, (char *)c->in + c->in_pos, c->in_len - c->in_pos,
                                                   &data, &consumed);
    c->in_len = c->in_pos + data; /* the framing is gone; nothing may follow the body (connection: close) */
    c->decoded = data;
    c->chunk_error = st == HTTP1_CHUNKED_ERROR;
    c->chunks_ended = st == HTTP1_CHUNKED_DONE;
  }
  return true;
}

static wasi_stream_status body_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err) {
  connection *c = self;
  wasi_http_error_code code = {0};
  *nread = 0;
  if (c->body_done) return WASI_STREAM_CLOSED;
  if (c->framing == HTTP1_BODY_CHUNKED) {
    if (!chunks_advance(c, &code)) return body_fail(&code, err);
    size_t n = WR_MIN(len, c->decoded);
    memcpy(buf, c->in + c->in_pos, n);
    c->in_pos += n;
    c->decoded -= n;
    *nread = n;
    if (c->decoded == 0 && c->chunks_ended) c->body_done = true;
    return n || !c->body_done ? WASI_STREAM_OK : WASI_STREAM_CLOSED;
  }
  if (c->in_pos == c->in_len) {
    bool eof;
    if (!fill(c, &code, &eof)) {
      if (eof && c->framing == HTTP1_BODY_UNTIL_CLOSE) {
        c->body_done = true;
        return WASI_STREAM_CLOSED;
      }
      return body_fail(&code, err);
    }
  }
  size_t n = WR_MIN(len, c->in_len - c->in_pos);
  if (c->framing == HTTP1_BODY_LENGTH && n > c->remaining) n = (size_t)c->remaining;
  memcpy(buf, c->in + c->in_pos, n);
  c->in_pos += n;
  *nread = n;
  if (c->framing == HTTP1_BODY_LENGTH) {
    c->remaining -= n;
    if (c->remaining == 0) c->body_done = true;
  }
  return WASI_STREAM_OK;
}

static void body_free(void *self) { connection_release(self); }

/* The origin's trailers (a chunked body's, once it ended). */
static bool body_trailer(void *self, size_t i, wasi_http_header *out) {
  connection *c = self;
  size_t count;
  const http1_field *f = http1_chunked_trailers(&c->decoder, &count);
  if (c->framing != HTTP1_BODY_CHUNKED || !c->body_done || i >= count) return false;
  *out = (wasi_http_header){f[i].name, f[i].name_len, (const uint8_t *)f[i].value, f[i].value_len};
  return true;
}

static const wasi_http_body_ops response_body = {{body_read, always_ready, body_free}, body_trailer};

static wasi_http_progress client_response(void *exchange, wasi_http_response_head *out, wasi_http_error_code *err) {
  connection *c = exchange;
  for (;;) {
    http1_head_status st;
    while ((st = parse_head(c, out, err)) == HTTP1_HEAD_PARTIAL) {
      bool eof;
      if (!fill(c, err, &eof)) {
        if (eof && c->request_failed) *err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
        return WASI_HTTP_FAILED;
      }
    }
    if (st != HTTP1_HEAD_COMPLETE) return WASI_HTTP_FAILED;
    if (out->status >= 200 || out->status == 101) break;
    free_headers(out->headers, out->nheaders); /* 1xx: an interim response; the real one follows */
    *out = (wasi_http_response_head){0};
  }
  c->refs++;
  out->body_ops = &response_body;
  out->body_self = c;
  return WASI_HTTP_READY;
}

static wasi_pollable *client_subscribe(void *exchange) { return always_ready(exchange); }

static void client_free(void *exchange) { connection_release(exchange); }

const wasi_http_client wasi_http_default_client = {client_send, client_response, client_subscribe, client_free};
