/* HTTP/1.1 connections on h2o's event loop: request framing, limits, timeouts, response
 * serialization, and the worker threads. See http_server.h for the contract. */
#include "serve/http_server.h"
#include "serve/socket_repoll.h"

#include <errno.h>
#include <h2o.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/decimal.h"
#include "base/log.h"
#include "wasi/http1_chunked.h"
#include "wasi/http1_grammar.h"

/* A byte buffer that only grows; reused across responses of a connection. */
typedef struct out_buffer {
  char *data;
  size_t len;
  size_t cap;
} out_buffer;

typedef enum { CONN_HEAD, CONN_EXCHANGE, CONN_CLOSING } conn_state;
typedef enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED } body_framing;
typedef enum { RESPONSE_LENGTH, RESPONSE_CHUNKED, RESPONSE_UNTIL_CLOSE, RESPONSE_NO_BODY } response_framing;

typedef struct httpd_conn httpd_conn;

struct httpd_server {
  httpd_config config;
  httpd_worker *workers;
  unsigned worker_count;
  uint16_t port;
  atomic_uint active_requests;
  bool stopped;
  bool refusing; /* httpd_server_refuse_connections ran */
};

struct httpd_worker {
  httpd_server *server;
  unsigned index;
  pthread_t thread;
  bool thread_started;
  int listen_fd;
  int wake_fd; /* eventfd: httpd_server_stop writes it to start the graceful stop */
  h2o_evloop_t *loop;
  h2o_socket_t *listener;
  h2o_socket_t *waker;
  atomic_bool stop_requested;
  bool stopping;
  unsigned conn_count;
  unsigned conn_limit; /* this worker's share of max_connections */
  unsigned long long refused; /* connections over the cap answered 503 */
  h2o_linklist_t conns;
  h2o_linklist_t idle_conns; /* waiting for a request's first byte, longest waiting first: closed to make room */
  h2o_linklist_t dirty; /* connections with output or a state change to handle after this loop pass */
  h2o_timeout_t idle_timeout, head_timeout, body_timeout, body_total_timeout, send_timeout, stop_timeout;
  h2o_timeout_entry_t stop_timer; /* a graceful stop's deadline: then every connection is closed */
  void *worker_state;
  bool (*idle_hook)(void *arg);
  void *idle_hook_arg;
  unsigned holds; /* work that must finish before a stopping worker exits (httpd_worker_hold) */
  http1_field *parsed_headers; /* max_header_count entries, reused by every parse */
  time_t date_second;
  char date_header[48];
};

struct httpd_conn {
  httpd_worker *worker;
  h2o_socket_t *sock;
  conn_state state;
  httpd_exchange *ex;
  bool persistent;
  bool served; /* a request came before: waiting for the next one is keep-alive idling */
  bool write_in_flight;
  out_buffer out[2]; /* out[pending] collects bytes; the other one is being written */
  unsigned pending;
  size_t parsed_len; /* bytes of a partial head already seen by the parser */
  h2o_timeout_entry_t read_timer;
  h2o_timeout_entry_t send_timer;
  h2o_timeout_entry_t body_timer; /* the whole request body must arrive before it fires */
  h2o_linklist_t link; /* in worker->conns */
  h2o_linklist_t idle_link; /* in worker->idle_conns */
  h2o_linklist_t dirty_link;
};

struct httpd_exchange {
  httpd_conn *conn; /* NULL once the connection let go of it */
  httpd_worker *worker;
  httpd_request request;
  bool failed;
  bool handler_done;
  bool is_head;
  unsigned notifying; /* callbacks running: the exchange must outlive them */
  /* request body */
  body_framing body;
  uint64_t body_left; /* BODY_LENGTH: bytes not yet consumed */
  http1_chunked_decoder decoder;
  size_t chunk_avail; /* BODY_CHUNKED: decoded bytes at the front of the input buffer */
  bool chunks_ended;
  /* Expect: 100-continue and the handler has not asked for the body yet: the 100 goes out when it
   * does, never once a final response started */
  bool continue_pending;
  uint64_t body_received;
  bool body_error;
  void (*body_ready)(void *arg);
  void *body_ready_arg;
  /* response */
  bool response_started;
  response_framing framing;
  uint64_t declared_length;
  uint64_t sent_length;
  void (*writable)(void *arg);
  void *writable_arg;
};

static void conn_close(httpd_conn *conn);
static void conn_parse_head(httpd_conn *conn);
static void conn_update_reading(httpd_conn *conn);
static void on_conn_read(h2o_socket_t *sock, const char *err);
static void on_accept(h2o_socket_t *listener, const char *err);
static void on_body_timeout(h2o_timeout_entry_t *entry);

/* ---------- small helpers ---------- */

static void out_append(out_buffer *buf, const void *data, size_t len) {
  if (buf->len + len > buf->cap) {
    size_t cap = buf->cap ? buf->cap : 1024;
    while (cap < buf->len + len) cap *= 2;
    buf->data = wr_realloc(buf->data, cap);
    buf->cap = cap;
  }
  memcpy(buf->data + buf->len, data, len);
  buf->len += len;
}

static void out_append_str(out_buffer *buf, const char *s) { out_append(buf, s, strlen(s)); }
/* v in decimal, as every response's status line and length are (snprintf's share of a small
 * response's CPU was ~1%). */
static void out_append_decimal(out_buffer *buf, uint64_t v) {
  char digits[WR_DECIMAL_MAX];
  const char *first = wr_decimal(v, digits);
  out_append(buf, first, (size_t)(digits + WR_DECIMAL_MAX - first));
}

static const char *status_reason(int status) {
  switch (status) {
  case 100: return "Continue";
  case 101: return "Switching Protocols";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 206: return "Partial Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 303: return "See Other";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 417: return "Expectation Failed";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return "Unknown";
  }
}


static const char *worker_date_header(httpd_worker *w) {
  time_t now = time(NULL);
  if (now != w->date_second) {
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(w->date_header, sizeof w->date_header, "date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    w->date_second = now;
  }
  return w->date_header;
}

/* ---------- connection plumbing ---------- */

static out_buffer *conn_pending(httpd_conn *conn) { return &conn->out[conn->pending]; }

static void conn_mark_dirty(httpd_conn *conn) {
  if (!h2o_linklist_is_linked(&conn->dirty_link)) h2o_linklist_insert(&conn->worker->dirty, &conn->dirty_link);
}

static void conn_set_read_timer(httpd_conn *conn, h2o_timeout_t *timeout, h2o_timeout_cb cb) {
  if (h2o_timeout_is_linked(&conn->read_timer)) h2o_timeout_unlink(&conn->read_timer);
  if (timeout != NULL) {
    conn->read_timer.cb = cb;
    h2o_timeout_link(conn->worker->loop, timeout, &conn->read_timer);
  }
}

static void on_write_done(h2o_socket_t *sock, const char *err);

static void conn_flush(httpd_conn *conn) {
  out_buffer *buf = conn_pending(conn);
  if (conn->write_in_flight || buf->len == 0) return;
  conn->pending ^= 1u;
  conn->write_in_flight = true;
  h2o_iovec_t iov = h2o_iovec_init(buf->data, buf->len);
  h2o_timeout_link(conn->worker->loop, &conn->worker->send_timeout, &conn->send_timer);
  h2o_socket_write(conn->sock, &iov, 1, on_write_done);
}

static bool exchange_body_complete(const httpd_exchange *ex) {
  switch (ex->body) {
  case BODY_NONE: return true;
  case BODY_LENGTH: return ex->body_left == 0;
  case BODY_CHUNKED: return ex->chunks_ended && ex->chunk_avail == 0;
  }
  return true;
}

static size_t exchange_body_buffered(const httpd_exchange *ex) {
  if (ex->conn == NULL || ex->body_error) return 0;
  if (ex->body == BODY_LENGTH) {
    size_t in = ex->conn->sock->input->size;
    return ex->body_left < in ? (size_t)ex->body_left : in;
  }
  return ex->body == BODY_CHUNKED ? ex->chunk_avail : 0;
}

static void exchange_maybe_free(httpd_exchange *ex) {
  if (ex->conn == NULL && ex->handler_done && ex->notifying == 0) {
    atomic_fetch_sub(&ex->worker->server->active_requests, 1);
    http1_chunked_release(&ex->decoder);
    wr_free(ex);
  }
}

static void exchange_notify(httpd_exchange *ex, bool body, bool writable) {
  if (ex->handler_done) {
    exchange_maybe_free(ex);
    return;
  }
  ex->notifying++;
  if (body && ex->body_ready) ex->body_ready(ex->body_ready_arg);
  if (writable && ex->writable && !ex->handler_done) ex->writable(ex->writable_arg);
  ex->notifying--;
  exchange_maybe_free(ex);
}

/* The connection lets go of its exchange; if the handler still holds it, it is told. */
static void conn_drop_exchange(httpd_conn *conn, bool failed) {
  httpd_exchange *ex = conn->ex;
  if (ex == NULL) return;
  if (h2o_timeout_is_linked(&conn->body_timer)) h2o_timeout_unlink(&conn->body_timer);
  conn->ex = NULL;
  ex->conn = NULL;
  if (failed) {
    ex->failed = true;
    if (!exchange_body_complete(ex)) ex->body_error = true;
    exchange_notify(ex, true, true);
  } else {
    exchange_maybe_free(ex);
  }
}

static void conn_close(httpd_conn *conn) {
  httpd_worker *w = conn->worker;
  if (h2o_timeout_is_linked(&conn->read_timer)) h2o_timeout_unlink(&conn->read_timer);
  if (h2o_timeout_is_linked(&conn->send_timer)) h2o_timeout_unlink(&conn->send_timer);
  if (h2o_linklist_is_linked(&conn->dirty_link)) h2o_linklist_unlink(&conn->dirty_link);
  if (h2o_linklist_is_linked(&conn->idle_link)) h2o_linklist_unlink(&conn->idle_link);
  h2o_linklist_unlink(&conn->link);
  conn_drop_exchange(conn, true);
  h2o_socket_close(conn->sock);
  wr_free(conn->out[0].data);
  wr_free(conn->out[1].data);
  wr_free(conn);
  w->conn_count--;
}

/* Stop reading; close once everything queued has been written. */
static void conn_close_after_flush(httpd_conn *conn) {
  conn->state = CONN_CLOSING;
  conn->persistent = false;
  if (h2o_linklist_is_linked(&conn->idle_link)) h2o_linklist_unlink(&conn->idle_link);
  conn_set_read_timer(conn, NULL, NULL);
  h2o_socket_read_stop(conn->sock);
  conn_drop_exchange(conn, true);
  conn_mark_dirty(conn);
}

/* A response the server writes itself (errors, limits), always followed by closing. */
static void conn_send_error(httpd_conn *conn, int status) {
  httpd_worker *w = conn->worker;
  char head[256];
  const char *reason = status_reason(status);
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\n%scontent-type: text/plain; charset=utf-8\r\ncontent-length: %zu\r\n"
                   "connection: close\r\n\r\n%s\n",
                   status, reason, worker_date_header(w), strlen(reason) + 1, reason);
  out_append(conn_pending(conn), head, (size_t)n);
  conn_close_after_flush(conn);
}

/* ---------- request body ---------- */

/* The body cannot be read to its end: answer with `status` if nothing was sent yet, then close. */
static void conn_body_failed(httpd_conn *conn, int status) {
  httpd_exchange *ex = conn->ex;
  ex->body_error = true;
  if (!ex->response_started && !ex->handler_done) {
    ex->response_started = true;
    conn_send_error(conn, status);
  } else {
    conn_close_after_flush(conn);
  }
}

static void conn_update_reading(httpd_conn *conn) {
  httpd_worker *w = conn->worker;
  bool read = false;
  if (conn->state == CONN_HEAD) {
    read = true;
  } else if (conn->state == CONN_EXCHANGE) {
    httpd_exchange *ex = conn->ex;
    bool more_body = ex->body == BODY_LENGTH ? ex->body_left > conn->sock->input->size
                                             : ex->body == BODY_CHUNKED && !ex->chunks_ended;
    read = more_body && !ex->body_error && exchange_body_buffered(ex) < w->server->config.body_buffer_bytes;
    if (!read || ex->continue_pending) { /* a client waiting for its 100 is not slow */
      conn_set_read_timer(conn, NULL, NULL);
    } else if (!h2o_timeout_is_linked(&conn->read_timer)) {
      conn_set_read_timer(conn, &w->body_timeout, on_body_timeout);
    }
  }
  if (read && !h2o_socket_is_reading(conn->sock)) h2o_socket_read_start(conn->sock, on_conn_read);
  else if (!read && h2o_socket_is_reading(conn->sock)) h2o_socket_read_stop(conn->sock);
}

/* Decodes newly arrived chunked bytes in place. False after a malformed or oversized body. */
static bool exchange_decode_chunks(httpd_conn *conn, httpd_exchange *ex) {
  h2o_buffer_t *in = conn->sock->input;
  if (ex->chunks_ended || in->size <= ex->chunk_avail) return true;
  size_t raw = in->size - ex->chunk_avail, data, consumed;
  http1_chunked_status st = http1_chunked_decode(&ex->decoder, in->bytes + ex->chunk_avail, raw, &data, &consumed);
  if (st == HTTP1_CHUNKED_ERROR) {
    conn_body_failed(conn, 400);
    return false;
  }
  /* the next pipelined request (if the body ended) moves up to follow the decoded bytes */
  char *fresh = in->bytes + ex->chunk_avail;
  memmove(fresh + data, fresh + consumed, raw - consumed);
  in->size = ex->chunk_avail + data + (raw - consumed);
  ex->chunk_avail += data;
  ex->body_received += data;
  if (st == HTTP1_CHUNKED_DONE) ex->chunks_ended = true;
  if (ex->body_received > conn->worker->server->config.max_body_bytes) {
    conn_body_failed(conn, 413);
    return false;
  }
  return true;
}

static void exchange_consume(httpd_conn *conn, httpd_exchange *ex, size_t n) {
  h2o_buffer_consume(&conn->sock->input, n);
  if (ex->body == BODY_LENGTH) ex->body_left -= n;
  else ex->chunk_avail -= n;
}

static void on_body_timeout(h2o_timeout_entry_t *entry) {
  httpd_conn *conn = H2O_STRUCT_FROM_MEMBER(httpd_conn, read_timer, entry);
  conn_body_failed(conn, 408);
}

/* Every byte of the body is in (maybe not yet read by the handler). */
static bool exchange_body_received(const httpd_exchange *ex) {
  if (ex->body == BODY_LENGTH) return ex->body_left <= ex->conn->sock->input->size;
  return ex->body != BODY_CHUNKED || ex->chunks_ended;
}

/* The whole body did not arrive within body_total_timeout_ms of the head. */
static void on_body_deadline(h2o_timeout_entry_t *entry) {
  httpd_conn *conn = H2O_STRUCT_FROM_MEMBER(httpd_conn, body_timer, entry);
  if (conn->state == CONN_EXCHANGE && !conn->ex->body_error && !exchange_body_received(conn->ex))
    conn_body_failed(conn, 408);
}

/* The body is expected from now on (at the head, or when its 100 Continue went out): it must all
 * arrive within body_total_timeout_ms. A client waiting for its 100 is not yet sending. */
static void exchange_start_body_deadline(httpd_conn *conn, httpd_exchange *ex) {
  if (ex->body == BODY_NONE || h2o_timeout_is_linked(&conn->body_timer)) return;
  conn->body_timer.cb = on_body_deadline;
  h2o_timeout_link(conn->worker->loop, &conn->worker->body_total_timeout, &conn->body_timer);
}

/* New bytes arrived while an exchange is active. */
static void conn_body_progress(httpd_conn *conn) {
  httpd_exchange *ex = conn->ex;
  if (ex->body == BODY_CHUNKED && !exchange_decode_chunks(conn, ex)) return;
  if (ex->handler_done) { /* the handler answered without reading all of it: discard the rest */
    size_t n = exchange_body_buffered(ex);
    if (n) exchange_consume(conn, ex, n);
    if (exchange_body_complete(ex)) conn_mark_dirty(conn);
  }
  if (conn->sock->bytes_read && h2o_timeout_is_linked(&conn->read_timer))
    conn_set_read_timer(conn, &conn->worker->body_timeout, on_body_timeout);
  conn_update_reading(conn);
  exchange_notify(ex, true, false);
}

/* ---------- request head ---------- */

static void on_idle_timeout(h2o_timeout_entry_t *entry) {
  httpd_conn *conn = H2O_STRUCT_FROM_MEMBER(httpd_conn, read_timer, entry);
  conn_close(conn);
}

static void on_head_timeout(h2o_timeout_entry_t *entry) {
  httpd_conn *conn = H2O_STRUCT_FROM_MEMBER(httpd_conn, read_timer, entry);
  if (conn->sock->input->size == 0) conn_close(conn); /* it never began a request: nobody to tell */
  else conn_send_error(conn, 408);
}

/* Splits an absolute-form target ("http://host/path") into authority and path. */
static bool split_absolute_form(const char *target, size_t len, const char **authority, size_t *authority_len,
                                const char **path, size_t *path_len) {
  size_t skip = 0;
  if (len >= 7 && http1_equals_lower(target, 7, "http://")) skip = 7;
  else if (len >= 8 && http1_equals_lower(target, 8, "https://")) skip = 8;
  else return false;
  const char *host = target + skip;
  const char *end = target + len;
  const char *slash = memchr(host, '/', (size_t)(end - host));
  *authority = host;
  *authority_len = (size_t)((slash ? slash : end) - host);
  *path = slash ? slash : "/";
  *path_len = slash ? (size_t)(end - slash) : 1;
  return *authority_len > 0;
}

/* Host and request framing per RFC 9110 §7.2 and RFC 9112 §3.2, §6: the status to answer with,
 * or 0 when the head is acceptable. */
static int check_request_fields(const http1_head *head, const http1_field *fields, size_t *host_index,
                                http1_framing *framing, bool *keep_alive, bool *close, bool *expect_continue) {
  *host_index = SIZE_MAX;
  *keep_alive = *close = *expect_continue = false;
  for (size_t i = 0; i < head->field_count; i++) {
    const http1_field *h = &fields[i];
    if (http1_equals_lower(h->name, h->name_len, "host")) {
      if (*host_index != SIZE_MAX || !http1_is_valid_host(h->value, h->value_len)) return 400;
      *host_index = i;
    } else if (http1_equals_lower(h->name, h->name_len, "connection")) {
      *keep_alive |= http1_list_has(h->value, h->value_len, "keep-alive");
      *close |= http1_list_has(h->value, h->value_len, "close");
    } else if (http1_equals_lower(h->name, h->name_len, "expect")) {
      if (!http1_equals_lower(h->value, h->value_len, "100-continue")) return 417;
      *expect_continue = head->minor_version >= 1;
    }
  }
  if (head->minor_version >= 1 && *host_index == SIZE_MAX) return 400;
  switch (http1_request_framing(fields, head->field_count, head->minor_version, framing)) {
  case HTTP1_FRAMING_OK: return 0;
  case HTTP1_FRAMING_UNSUPPORTED: return 501;
  case HTTP1_FRAMING_INVALID: break;
  }
  return 400;
}

/* The parsed head: check it, copy it into a new exchange and hand it over. */
static void conn_dispatch(httpd_conn *conn, const http1_head *head, const http1_field *fields) {
  httpd_worker *w = conn->worker;
  const httpd_config *cfg = &w->server->config;
  const char *in = conn->sock->input->bytes;
  const char *method = head->method, *target = head->target;
  size_t method_len = head->method_len, target_len = head->target_len, head_len = head->length;
  int minor_version = head->minor_version;

  const char *path = target, *abs_authority = NULL;
  size_t path_len = target_len, abs_authority_len = 0;
  if (target[0] != '/' && !(target_len == 1 && target[0] == '*' && http1_equals_lower(method, method_len, "options")) &&
      !split_absolute_form(target, target_len, &abs_authority, &abs_authority_len, &path, &path_len)) {
    conn_send_error(conn, 400);
    return;
  }
  if (abs_authority && !http1_is_valid_host(abs_authority, abs_authority_len)) {
    conn_send_error(conn, 400);
    return;
  }
  size_t host_index;
  http1_framing framing;
  bool keep_alive, close, expect_continue;
  int status = check_request_fields(head, fields, &host_index, &framing, &keep_alive, &close, &expect_continue);
  if (status != 0) {
    conn_send_error(conn, status);
    return;
  }
  bool chunked = framing.body == HTTP1_BODY_CHUNKED;
  uint64_t length = framing.body == HTTP1_BODY_LENGTH ? framing.length : 0;
  if (length > cfg->max_body_bytes) {
    conn_send_error(conn, 413);
    return;
  }
  unsigned active = atomic_fetch_add(&w->server->active_requests, 1) + 1;
  if (active > cfg->max_requests) {
    atomic_fetch_sub(&w->server->active_requests, 1);
    conn_send_error(conn, 503);
    return;
  }

  /* One allocation: the exchange, its header array and a copy of the head they point into. The
   * handler sees the message's fields only: those of the connection (hop-by-hop) stay here, as
   * wasmtime's front end does. */
  size_t header_count = head->field_count;
  httpd_exchange *ex = wr_malloc(sizeof *ex + header_count * sizeof(httpd_header) + head_len);
  memset(ex, 0, sizeof *ex);
  httpd_header *copied = (httpd_header *)(ex + 1);
  char *copy = (char *)(copied + header_count);
  memcpy(copy, in, head_len);
#define REBASE(p) (copy + ((p) - in))
  size_t kept = 0;
  const char *authority = NULL;
  size_t authority_len = 0;
  /* only Connection fields can name more hop-by-hop fields: without one, skip looking */
  size_t connection_scope = 0;
  for (size_t i = 0; i < header_count && connection_scope == 0; i++)
    if (http1_equals_lower(fields[i].name, fields[i].name_len, "connection")) connection_scope = header_count;
  for (size_t i = 0; i < header_count; i++) {
    if (i == host_index) {
      authority = REBASE(fields[i].value);
      authority_len = fields[i].value_len;
    }
    if (http1_is_hop_by_hop(fields[i].name, fields[i].name_len, fields, connection_scope)) continue;
    char *name = REBASE(fields[i].name);
    for (size_t k = 0; k < fields[i].name_len; k++)
      if (name[k] >= 'A' && name[k] <= 'Z') name[k] = (char)(name[k] - 'A' + 'a');
    copied[kept++] = (httpd_header){name, fields[i].name_len, REBASE(fields[i].value), fields[i].value_len};
  }
  httpd_request *req = &ex->request;
  req->method = REBASE(method);
  req->method_len = method_len;
  req->scheme = "http";
  if (abs_authority) {
    req->authority = REBASE(abs_authority);
    req->authority_len = abs_authority_len;
  } else if (authority) {
    req->authority = authority;
    req->authority_len = authority_len;
  } else {
    req->authority = "";
  }
  bool path_in_head = path >= target && path < target + target_len; /* else the static "/" */
  req->path = path_in_head ? REBASE(path) : path;
  req->path_len = path_len;
#undef REBASE
  req->minor_version = minor_version;
  req->headers = copied;
  req->header_count = kept;
  req->has_body = chunked || length > 0;
  req->content_length = chunked ? UINT64_MAX : length;

  ex->conn = conn;
  ex->worker = w;
  ex->is_head = http1_equals_lower(method, method_len, "head");
  ex->body = chunked ? BODY_CHUNKED : length > 0 ? BODY_LENGTH : BODY_NONE;
  ex->body_left = length;
  http1_chunked_init(&ex->decoder, cfg->max_head_bytes, cfg->max_header_count);
  /* 100 Continue waits until the handler reads the body (httpd_body_want) */
  ex->continue_pending = expect_continue && ex->body != BODY_NONE;

  h2o_buffer_consume(&conn->sock->input, head_len);
  conn->parsed_len = 0;
  conn->persistent = !close && (minor_version >= 1 || keep_alive) && !w->stopping;
  conn->ex = ex;
  conn->state = CONN_EXCHANGE;
  conn_set_read_timer(conn, NULL, NULL);
  conn->served = true;
  if (!ex->continue_pending) exchange_start_body_deadline(conn, ex);
  if (ex->body == BODY_CHUNKED) exchange_decode_chunks(conn, ex); /* a failure answers and closes */
  if (conn->state != CONN_EXCHANGE) { /* the body failed already: the handler never sees it */
    ex->handler_done = true;
    exchange_maybe_free(ex);
    return;
  }
  conn_update_reading(conn);
  w->server->config.handler.on_request(w->worker_state, ex);
}

/* Whether the bytes of a partial head that arrived since the last parse could change its
 * outcome: they end it, or hold a byte no head may have. Without this, a head trickled a byte at
 * a time would be parsed again for every byte. */
static bool head_worth_parsing(const char *buf, size_t from, size_t len) {
  if (from == 0) return true;
  size_t start = from >= 3 ? from - 3 : 0;
  for (size_t i = start; i < len; i++) {
    unsigned char c = (unsigned char)buf[i];
    if (c == '\n' || (c < 0x20 && c != '\r' && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

static void conn_parse_head(httpd_conn *conn) {
  httpd_worker *w = conn->worker;
  const httpd_config *cfg = &w->server->config;
  h2o_buffer_t *in = conn->sock->input;
  bool head_timer_running = conn->read_timer.cb == on_head_timeout && h2o_timeout_is_linked(&conn->read_timer);
  if (in->size == 0) {
    /* Waiting for a request: a keep-alive connection may idle; a new one has the time of a
     * head to send one (so connections that say nothing cannot hold slots for long). Either
     * may be closed to make room for a new connection. */
    if (conn->served) conn_set_read_timer(conn, &w->idle_timeout, on_idle_timeout);
    else if (!head_timer_running) conn_set_read_timer(conn, &w->head_timeout, on_head_timeout);
    if (!h2o_linklist_is_linked(&conn->idle_link)) h2o_linklist_insert(&w->idle_conns, &conn->idle_link);
    conn_update_reading(conn);
    return;
  }
  if (h2o_linklist_is_linked(&conn->idle_link)) h2o_linklist_unlink(&conn->idle_link);
  if (!head_timer_running) conn_set_read_timer(conn, &w->head_timeout, on_head_timeout);

  size_t len = in->size < cfg->max_head_bytes ? in->size : cfg->max_head_bytes;
  if (len < cfg->max_head_bytes && !head_worth_parsing(in->bytes, conn->parsed_len, len)) {
    conn->parsed_len = len;
    conn_update_reading(conn);
    return;
  }
  http1_head head;
  http1_field *fields = w->parsed_headers;
  switch (http1_parse_request_head(in->bytes, in->size, cfg->max_head_bytes, fields, cfg->max_header_count, &head)) {
  case HTTP1_HEAD_COMPLETE: conn_dispatch(conn, &head, fields); return;
  case HTTP1_HEAD_PARTIAL:
    conn->parsed_len = len;
    conn_update_reading(conn);
    return;
  case HTTP1_HEAD_MALFORMED: conn_send_error(conn, 400); return;
  case HTTP1_HEAD_TOO_LARGE:
  case HTTP1_HEAD_TOO_MANY_FIELDS: conn_send_error(conn, 431); return;
  }
}

/* ---------- after each loop pass ---------- */

/* Moves a connection on once its exchange is over: releases the exchange and starts on the next
 * (maybe already buffered) request. Runs outside handler calls so a handler is never re-entered. */
static void conn_advance(httpd_conn *conn) {
  const httpd_config *cfg = &conn->worker->server->config;
  while (conn->state == CONN_EXCHANGE && conn->ex->handler_done) {
    httpd_exchange *ex = conn->ex;
    if (!exchange_body_complete(ex)) {
      if (!conn->persistent) { /* closing anyway: no need to drain the rest of the body */
        conn_close_after_flush(conn);
        return;
      }
      size_t n = exchange_body_buffered(ex);
      if (n) exchange_consume(conn, ex, n);
      conn_update_reading(conn);
      if (!exchange_body_complete(ex)) return;
    }
    if (!conn->persistent) {
      conn_close_after_flush(conn);
      return;
    }
    if (conn_pending(conn)->len >= cfg->response_buffer_bytes) return; /* resume when the client reads */
    conn_drop_exchange(conn, false);
    conn->state = CONN_HEAD;
    conn_parse_head(conn);
  }
}

static void conn_after_pass(httpd_conn *conn) {
  conn_advance(conn);
  if (conn->state == CONN_CLOSING && !conn->write_in_flight && conn_pending(conn)->len == 0) {
    conn_close(conn);
    return;
  }
  conn_flush(conn);
}

static void worker_after_pass(httpd_worker *w) {
  while (!h2o_linklist_is_empty(&w->dirty)) {
    httpd_conn *conn = H2O_STRUCT_FROM_MEMBER(httpd_conn, dirty_link, w->dirty.next);
    h2o_linklist_unlink(&conn->dirty_link);
    conn_after_pass(conn);
  }
}

/* ---------- socket callbacks ---------- */

static void on_write_done(h2o_socket_t *sock, const char *err) {
  httpd_conn *conn = sock->data;
  serve_socket_repoll(sock);
  out_buffer *written = &conn->out[conn->pending ^ 1u];
  conn->write_in_flight = false;
  written->len = 0;
  if (written->cap > 4 * conn->worker->server->config.response_buffer_bytes) {
    /* a handler wrote far past its capacity once: do not keep that much per connection */
    wr_free(written->data);
    *written = (out_buffer){0};
  }
  h2o_timeout_unlink(&conn->send_timer);
  if (err != NULL) {
    conn_close(conn);
    return;
  }
  conn_mark_dirty(conn);
  if (conn->ex && conn->ex->response_started && httpd_response_capacity(conn->ex) > 0)
    exchange_notify(conn->ex, false, true);
}

static void on_send_timeout(h2o_timeout_entry_t *entry) {
  httpd_conn *conn = H2O_STRUCT_FROM_MEMBER(httpd_conn, send_timer, entry);
  conn_close(conn);
}

static void on_conn_read(h2o_socket_t *sock, const char *err) {
  httpd_conn *conn = sock->data;
  if (err != NULL) {
    conn_close(conn);
    return;
  }
  if (conn->state == CONN_HEAD) conn_parse_head(conn);
  else if (conn->state == CONN_EXCHANGE) conn_body_progress(conn);
}

/* At the connection cap: the connection waiting longest for a request goes (an idle keep-alive
 * one, or one that has not sent a byte yet); false if every connection is busy. */
static bool worker_make_room(httpd_worker *w) {
  if (w->conn_count < w->conn_limit) return true;
  for (h2o_linklist_t *node = w->idle_conns.next; node != &w->idle_conns; node = node->next) {
    httpd_conn *conn = H2O_STRUCT_FROM_MEMBER(httpd_conn, idle_link, node);
    if (conn->write_in_flight || conn_pending(conn)->len > 0) continue; /* its last response is still going out */
    conn_close(conn);
    return true;
  }
  return false;
}

/* Over the cap with every connection busy: the new connection gets a 503 at once rather than
 * waiting in the backlog. Written straight to the socket (it fits in an empty send buffer). */
static void worker_refuse(httpd_worker *w, h2o_socket_t *sock) {
  int fd = h2o_socket_get_fd(sock);
  static const char refusal[] = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
                                "content-length: 21\r\nconnection: close\r\n\r\nToo many connections\n";
  ssize_t sent = send(fd, refusal, sizeof refusal - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
  WR_UNUSED(sent); /* a client already gone needs no answer */
  /* Read what the client already sent, so that the close is a FIN and not a reset, which
   * could destroy the 503 before the client reads it. */
  char sink[4096];
  ssize_t got = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
  WR_UNUSED(got);
  h2o_socket_close(sock);
  if (w->refused++ % 1000 == 0) /* the first time, then every thousandth */
    WR_WARN("serve: worker %u: at its connection cap (%u), every connection busy: new ones get 503 (%llu so far)",
            w->index, w->conn_limit, w->refused);
}

static void on_accept(h2o_socket_t *listener, const char *err) {
  httpd_worker *w = listener->data;
  if (err != NULL) return;
  for (int i = 0; i < 16; i++) {
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock == NULL) return;
    if (!worker_make_room(w)) {
      worker_refuse(w, sock);
      continue;
    }
    httpd_conn *conn = WR_NEW(httpd_conn);
    conn->worker = w;
    conn->sock = sock;
    conn->state = CONN_HEAD;
    conn->send_timer.cb = on_send_timeout;
    sock->data = conn;
    h2o_linklist_insert(&w->conns, &conn->link);
    w->conn_count++;
    conn_parse_head(conn);
  }
}

/* ---------- the response ---------- */

const httpd_request *httpd_exchange_request(const httpd_exchange *ex) { return &ex->request; }
httpd_worker *httpd_exchange_worker(const httpd_exchange *ex) { return ex->worker; }
bool httpd_exchange_failed(const httpd_exchange *ex) { return ex->failed || ex->conn == NULL; }

void httpd_body_want(httpd_exchange *ex) {
  if (!ex->continue_pending) return;
  ex->continue_pending = false;
  httpd_conn *conn = ex->conn;
  if (conn == NULL || ex->failed || ex->response_started || ex->body_error) return;
  out_append_str(conn_pending(conn), "HTTP/1.1 100 Continue\r\n\r\n");
  conn_mark_dirty(conn);
  exchange_start_body_deadline(conn, ex);
  conn_update_reading(conn); /* from now on the body's silence is timed */
}

bool httpd_exchange_check_client(httpd_exchange *ex) {
  if (httpd_exchange_failed(ex)) return true;
  httpd_conn *conn = ex->conn;
  /* while reading, the loop sees a close itself */
  if (h2o_socket_is_reading(conn->sock)) return false;
  char byte;
  ssize_t n = recv(h2o_socket_get_fd(conn->sock), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) return false;
  conn_close(conn); /* EOF or an error (reset): the exchange fails and its callbacks run */
  return true;
}

httpd_body_status httpd_body_read(httpd_exchange *ex, void *buf, size_t cap, size_t *n) {
  *n = 0;
  httpd_body_want(ex);
  if (ex->conn == NULL) return exchange_body_complete(ex) && !ex->body_error ? HTTPD_BODY_END : HTTPD_BODY_ERROR;
  if (ex->body_error) return HTTPD_BODY_ERROR;
  size_t avail = exchange_body_buffered(ex);
  if (avail == 0) return exchange_body_complete(ex) ? HTTPD_BODY_END : HTTPD_BODY_WAIT;
  size_t take = avail < cap ? avail : cap;
  if (take == 0) return HTTPD_BODY_WAIT;
  memcpy(buf, ex->conn->sock->input->bytes, take);
  exchange_consume(ex->conn, ex, take);
  conn_update_reading(ex->conn);
  *n = take;
  return HTTPD_BODY_DATA;
}

size_t httpd_body_available(const httpd_exchange *ex) { return exchange_body_buffered(ex); }

bool httpd_body_trailer(const httpd_exchange *ex, size_t i, httpd_header *out) {
  if (ex->body != BODY_CHUNKED || !ex->chunks_ended || ex->body_error) return false;
  size_t count;
  const http1_field *f = http1_chunked_trailers(&ex->decoder, &count);
  if (i >= count) return false;
  *out = (httpd_header){f[i].name, f[i].name_len, f[i].value, f[i].value_len};
  return true;
}

void httpd_body_on_ready(httpd_exchange *ex, void (*ready)(void *arg), void *arg) {
  ex->body_ready = ready;
  ex->body_ready_arg = arg;
}

static void append_fields(out_buffer *out, const httpd_header *fields, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const httpd_header *h = &fields[i];
    if (!http1_is_token(h->name, h->name_len) || !http1_is_field_value(h->value, h->value_len)) continue;
    out_append(out, h->name, h->name_len);
    out_append(out, ": ", 2);
    out_append(out, h->value, h->value_len);
    out_append(out, "\r\n", 2);
  }
}

bool httpd_response_start(httpd_exchange *ex, int status, const httpd_header *headers, size_t header_count,
                          int64_t content_length) {
  httpd_conn *conn = ex->conn;
  if (conn == NULL || ex->failed || ex->response_started || ex->handler_done || status < 200 || status > 999)
    return false;
  ex->response_started = true;
  if (ex->continue_pending) {
    /* Answered without asking for the body: the client may never send it, or send it after
     * all. Either way the connection cannot be reused safely (RFC 9110 §10.1.1): close after
     * this response instead of waiting to discard a body that may not come. */
    ex->continue_pending = false;
    conn->persistent = false;
    exchange_start_body_deadline(conn, ex); /* a body that still comes is timed again */
    conn_update_reading(conn);
  }
  out_buffer *out = conn_pending(conn);
  out_append_str(out, "HTTP/1.1 ");
  out_append_decimal(out, (uint64_t)status); /* 200..999, checked above */
  out_append_str(out, " ");
  out_append_str(out, status_reason(status));
  out_append_str(out, "\r\n");
  out_append_str(out, worker_date_header(conn->worker));
  for (size_t i = 0; i < header_count; i++) {
    const httpd_header *h = &headers[i];
    if (http1_equals_lower(h->name, h->name_len, "content-length") ||
        http1_equals_lower(h->name, h->name_len, "transfer-encoding") ||
        http1_equals_lower(h->name, h->name_len, "connection") ||
        http1_equals_lower(h->name, h->name_len, "keep-alive"))
      continue;
    append_fields(out, h, 1);
  }
  if (status == 204 || status == 304) {
    ex->framing = RESPONSE_NO_BODY;
  } else if (content_length >= 0) {
    ex->framing = ex->is_head ? RESPONSE_NO_BODY : RESPONSE_LENGTH;
    ex->declared_length = (uint64_t)content_length;
    out_append_str(out, "content-length: ");
    out_append_decimal(out, (uint64_t)content_length);
    out_append_str(out, "\r\n");
  } else if (ex->is_head) {
    ex->framing = RESPONSE_NO_BODY;
  } else if (ex->request.minor_version >= 1) {
    ex->framing = RESPONSE_CHUNKED;
    out_append_str(out, "transfer-encoding: chunked\r\n");
  } else {
    ex->framing = RESPONSE_UNTIL_CLOSE;
    conn->persistent = false;
  }
  if (!conn->persistent) out_append_str(out, "connection: close\r\n");
  else if (ex->request.minor_version == 0) out_append_str(out, "connection: keep-alive\r\n");
  out_append(out, "\r\n", 2);
  conn_mark_dirty(conn);
  return true;
}

size_t httpd_response_capacity(const httpd_exchange *ex) {
  if (ex->conn == NULL || ex->failed) return 0;
  size_t limit = ex->worker->server->config.response_buffer_bytes;
  size_t queued = conn_pending(ex->conn)->len;
  return queued < limit ? limit - queued : 0;
}

bool httpd_response_write(httpd_exchange *ex, const void *data, size_t len) {
  httpd_conn *conn = ex->conn;
  if (conn == NULL || ex->failed || !ex->response_started || ex->handler_done) return false;
  if (len == 0) return true;
  out_buffer *out = conn_pending(conn);
  bool all = true;
  switch (ex->framing) {
  case RESPONSE_NO_BODY: return true;
  case RESPONSE_LENGTH:
    if (len > ex->declared_length - ex->sent_length) {
      len = (size_t)(ex->declared_length - ex->sent_length);
      all = false;
    }
    out_append(out, data, len);
    break;
  case RESPONSE_CHUNKED: {
    char size[24];
    int n = snprintf(size, sizeof size, "%zx\r\n", len);
    out_append(out, size, (size_t)n);
    out_append(out, data, len);
    out_append(out, "\r\n", 2);
    break;
  }
  case RESPONSE_UNTIL_CLOSE: out_append(out, data, len); break;
  }
  ex->sent_length += len;
  conn_mark_dirty(conn);
  return all;
}

void httpd_response_on_writable(httpd_exchange *ex, void (*writable)(void *arg), void *arg) {
  ex->writable = writable;
  ex->writable_arg = arg;
}

void httpd_response_end(httpd_exchange *ex) { httpd_response_end_with_trailers(ex, NULL, 0); }

void httpd_response_end_with_trailers(httpd_exchange *ex, const httpd_header *trailers, size_t trailer_count) {
  httpd_conn *conn = ex->conn;
  if (ex->handler_done) return;
  if (conn != NULL && !ex->failed) {
    if (!ex->response_started) httpd_response_start(ex, 200, NULL, 0, 0);
    if (ex->framing == RESPONSE_CHUNKED) {
      out_append(conn_pending(conn), "0\r\n", 3);
      append_fields(conn_pending(conn), trailers, trailer_count);
      out_append(conn_pending(conn), "\r\n", 2);
    }
    if (ex->framing == RESPONSE_UNTIL_CLOSE ||
        (ex->framing == RESPONSE_LENGTH && ex->sent_length < ex->declared_length))
      conn->persistent = false;
    conn_mark_dirty(conn);
  }
  ex->handler_done = true;
  ex->body_ready = NULL;
  ex->writable = NULL;
  exchange_maybe_free(ex);
}

void httpd_response_abort(httpd_exchange *ex) {
  httpd_conn *conn = ex->conn;
  if (ex->handler_done) return;
  if (conn != NULL && !ex->failed) {
    if (!ex->response_started) {
      static const char body[] = "Internal Server Error\n";
      httpd_header type = {"content-type", 12, "text/plain; charset=utf-8", 25};
      httpd_response_start(ex, 500, &type, 1, (int64_t)sizeof body - 1);
      httpd_response_write(ex, body, sizeof body - 1);
    } else {
      conn->persistent = false;
    }
    conn_mark_dirty(conn);
  }
  ex->handler_done = true;
  ex->body_ready = NULL;
  ex->writable = NULL;
  exchange_maybe_free(ex);
}

/* ---------- workers ---------- */

void *httpd_worker_loop(httpd_worker *worker) { return worker->loop; }
unsigned httpd_worker_index(const httpd_worker *worker) { return worker->index; }

void httpd_worker_set_idle_hook(httpd_worker *worker, bool (*run)(void *arg), void *arg) {
  worker->idle_hook = run;
  worker->idle_hook_arg = arg;
}

static void on_stop_deadline(h2o_timeout_entry_t *entry) {
  httpd_worker *w = H2O_STRUCT_FROM_MEMBER(httpd_worker, stop_timer, entry);
  while (!h2o_linklist_is_empty(&w->conns)) conn_close(H2O_STRUCT_FROM_MEMBER(httpd_conn, link, w->conns.next));
}

void httpd_worker_hold(httpd_worker *worker) { worker->holds++; }
void httpd_worker_release(httpd_worker *worker) { worker->holds--; }

static void worker_begin_stop(httpd_worker *w) {
  if (w->stopping) return;
  w->stopping = true;
  /* closed, not paused: a client that connects now is refused and can go elsewhere */
  h2o_socket_close(w->listener);
  w->listener = NULL;
  const httpd_handler *handler = &w->server->config.handler;
  if (handler->worker_stopping) handler->worker_stopping(w->worker_state);
  w->stop_timer.cb = on_stop_deadline;
  h2o_timeout_link(w->loop, &w->stop_timeout, &w->stop_timer);
  /* Idle connections go now; busy ones close after their current response. */
  h2o_linklist_t *node = w->conns.next;
  while (node != &w->conns) {
    httpd_conn *conn = H2O_STRUCT_FROM_MEMBER(httpd_conn, link, node);
    node = node->next;
    if (conn->state == CONN_HEAD && conn->sock->input->size == 0) {
      conn_close(conn);
    } else {
      conn->persistent = false;
      conn_mark_dirty(conn);
    }
  }
}

static void on_wake(h2o_socket_t *sock, const char *err) {
  httpd_worker *w = sock->data;
  uint64_t value;
  WR_UNUSED(err);
  if (read(w->wake_fd, &value, sizeof value) < 0 && errno != EAGAIN) WR_WARN("serve: wake read: %s", strerror(errno));
  if (atomic_load(&w->stop_requested)) worker_begin_stop(w);
}

/* h2o keeps freed socket buffers in a per-thread recycle list; a worker thread that ends gives them
 * back, or they would leak with the thread. */
static void worker_release_recycled_buffers(void) {
  h2o_mem_recycle_t *recycle = &h2o_socket_buffer_prototype.allocator;
  while (recycle->cnt > 0) free(h2o_mem_alloc_recycle(recycle, 0));
}

static void *worker_main(void *arg) {
  httpd_worker *w = arg;
  const httpd_config *cfg = &w->server->config;
  w->loop = h2o_evloop_create();
  w->parsed_headers = WR_NEW_ARRAY(http1_field, cfg->max_header_count);
  h2o_linklist_init_anchor(&w->conns);
  h2o_linklist_init_anchor(&w->idle_conns);
  h2o_linklist_init_anchor(&w->dirty);
  h2o_timeout_init(w->loop, &w->idle_timeout, cfg->idle_timeout_ms);
  h2o_timeout_init(w->loop, &w->head_timeout, cfg->head_timeout_ms);
  h2o_timeout_init(w->loop, &w->body_timeout, cfg->body_timeout_ms);
  h2o_timeout_init(w->loop, &w->body_total_timeout, cfg->body_total_timeout_ms);
  h2o_timeout_init(w->loop, &w->send_timeout, cfg->send_timeout_ms);
  h2o_timeout_init(w->loop, &w->stop_timeout, cfg->stop_timeout_ms);
  w->listener = h2o_evloop_socket_create(w->loop, w->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
  w->listener->data = w;
  h2o_socket_read_start(w->listener, on_accept);
  w->waker = h2o_evloop_socket_create(w->loop, w->wake_fd, H2O_SOCKET_FLAG_DONT_READ);
  w->waker->data = w;
  h2o_socket_read_start(w->waker, on_wake);
  if (cfg->handler.worker_start) w->worker_state = cfg->handler.worker_start(cfg->handler.user, w);
  if (atomic_load(&w->stop_requested)) worker_begin_stop(w);

  bool more = true; /* the idle hook's first run comes after one pass that does not wait: work
                     * worker_start queued (tasks it spawned) must not wait for a first event */
  while (!(w->stopping && w->conn_count == 0 && w->holds == 0)) {
    h2o_evloop_run(w->loop, more ? 0 : INT32_MAX);
    more = w->idle_hook ? w->idle_hook(w->idle_hook_arg) : false;
    worker_after_pass(w);
  }

  if (cfg->handler.worker_stop) cfg->handler.worker_stop(w->worker_state);
  if (w->listener) h2o_socket_close(w->listener);
  h2o_socket_close(w->waker);
  /* Let the loop run the closes it scheduled before it goes. */
  h2o_evloop_run(w->loop, 0);
  h2o_timeout_dispose(w->loop, &w->idle_timeout);
  h2o_timeout_dispose(w->loop, &w->head_timeout);
  h2o_timeout_dispose(w->loop, &w->body_timeout);
  h2o_timeout_dispose(w->loop, &w->body_total_timeout);
  h2o_timeout_dispose(w->loop, &w->send_timeout);
  if (h2o_timeout_is_linked(&w->stop_timer)) h2o_timeout_unlink(&w->stop_timer);
  h2o_timeout_dispose(w->loop, &w->stop_timeout);
  h2o_evloop_destroy(w->loop);
  wr_free(w->parsed_headers);
  worker_release_recycled_buffers();
  return NULL;
}

static int open_listener(const char *host, uint16_t port, uint16_t *bound_port, wr_error *err) {
  struct sockaddr_storage addr;
  socklen_t addr_len;
  memset(&addr, 0, sizeof addr);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    addr_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    addr_len = sizeof *v6;
  } else {
    wr_error_set(err, "serve: '%s' is not a numeric IPv4 or IPv6 address", host);
    return -1;
  }
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    wr_error_set(err, "serve: socket: %s", strerror(errno));
    return -1;
  }
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
      bind(fd, (struct sockaddr *)&addr, addr_len) != 0 || listen(fd, 1024) != 0) {
    wr_error_set(err, "serve: cannot listen on %s port %u: %s", host, port, strerror(errno));
    close(fd);
    return -1;
  }
  if (getsockname(fd, (struct sockaddr *)&addr, &addr_len) == 0)
    *bound_port = ntohs(addr.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
  return fd;
}

static void normalize_config(httpd_config *c) {
  if (c->host == NULL) c->host = "127.0.0.1";
  if (c->workers == 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->workers = cores > 0 ? (unsigned)cores : 1;
  }
  if (c->max_head_bytes == 0) c->max_head_bytes = 64 * 1024;
  if (c->max_header_count == 0) c->max_header_count = 100;
  if (c->max_header_count > 10000) c->max_header_count = 10000;
  if (c->max_body_bytes == 0) c->max_body_bytes = 64u * 1024 * 1024;
  if (c->body_buffer_bytes == 0) c->body_buffer_bytes = 64 * 1024;
  if (c->response_buffer_bytes == 0) c->response_buffer_bytes = 64 * 1024;
  if (c->head_timeout_ms == 0) c->head_timeout_ms = 10000;
  if (c->body_timeout_ms == 0) c->body_timeout_ms = 60000;
  if (c->body_total_timeout_ms == 0) c->body_total_timeout_ms = 300000;
  if (c->idle_timeout_ms == 0) c->idle_timeout_ms = 60000;
  if (c->send_timeout_ms == 0) c->send_timeout_ms = 60000;
  if (c->stop_timeout_ms == 0) c->stop_timeout_ms = 10000;
  if (c->max_connections == 0) c->max_connections = 1000;
  if (c->max_requests == 0) c->max_requests = 1000;
}

httpd_server *httpd_server_start(const httpd_config *config, wr_error *err) {
  if (config->handler.on_request == NULL) {
    wr_error_set(err, "serve: no request handler");
    return NULL;
  }
  /* A client that hangs up must not kill the process through a write. */
  signal(SIGPIPE, SIG_IGN);
  httpd_server *s = WR_NEW(httpd_server);
  s->config = *config;
  normalize_config(&s->config);
  s->worker_count = s->config.workers;
  s->workers = WR_NEW_ARRAY(httpd_worker, s->worker_count);
  uint16_t port = s->config.port;
  for (unsigned i = 0; i < s->worker_count; i++) {
    httpd_worker *w = &s->workers[i];
    w->server = s;
    w->index = i;
    w->listen_fd = -1;
    w->wake_fd = -1;
    w->conn_limit = (s->config.max_connections + s->worker_count - 1) / s->worker_count;
  }
  for (unsigned i = 0; i < s->worker_count; i++) {
    httpd_worker *w = &s->workers[i];
    /* The first socket may pick the port; the others share it through SO_REUSEPORT. */
    w->listen_fd = open_listener(s->config.host, port, &port, err);
    w->wake_fd = w->listen_fd < 0 ? -1 : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->listen_fd < 0 || w->wake_fd < 0) {
      if (w->listen_fd >= 0) wr_error_set(err, "serve: eventfd: %s", strerror(errno));
      httpd_server_free(s);
      return NULL;
    }
  }
  s->port = port;
  for (unsigned i = 0; i < s->worker_count; i++) {
    httpd_worker *w = &s->workers[i];
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
      wr_error_set(err, "serve: cannot start worker thread %u", i);
      httpd_server_free(s);
      return NULL;
    }
    w->thread_started = true;
  }
  return s;
}

uint16_t httpd_server_port(const httpd_server *server) { return server->port; }

void httpd_server_refuse_connections(httpd_server *server) {
  if (server->refusing) return;
  server->refusing = true;
  for (unsigned i = 0; i < server->worker_count; i++) {
    httpd_worker *w = &server->workers[i];
    if (!w->thread_started) continue;
    /* From this thread, even if a worker is slow to see its wake-up: a shut listening socket
     * refuses new connections and resets those in its backlog. The worker closes the fd itself. */
    if (shutdown(w->listen_fd, SHUT_RD) != 0) WR_WARN("serve: shutdown of listener: %s", strerror(errno));
  }
}

void httpd_server_stop(httpd_server *server) {
  if (server->stopped) return;
  server->stopped = true;
  httpd_server_refuse_connections(server);
  for (unsigned i = 0; i < server->worker_count; i++) {
    httpd_worker *w = &server->workers[i];
    if (!w->thread_started) continue;
    atomic_store(&w->stop_requested, true);
    uint64_t one = 1;
    if (write(w->wake_fd, &one, sizeof one) < 0) WR_WARN("serve: wake write: %s", strerror(errno));
  }
  for (unsigned i = 0; i < server->worker_count; i++) {
    httpd_worker *w = &server->workers[i];
    if (w->thread_started) pthread_join(w->thread, NULL);
    w->thread_started = false;
  }
}

void httpd_server_free(httpd_server *server) {
  if (server == NULL) return;
  httpd_server_stop(server);
  for (unsigned i = 0; i < server->worker_count; i++) {
    httpd_worker *w = &server->workers[i];
    /* A worker's loop closed its own sockets; the fds of workers that never ran are closed here. */
    if (w->loop == NULL) {
      if (w->listen_fd >= 0) close(w->listen_fd);
      if (w->wake_fd >= 0) close(w->wake_fd);
    }
  }
  wr_free(server->workers);
  wr_free(server);
}
