/* The HTTP/1.1 front end: worker threads, each with its own event loop (h2o's evloop) and its own
 * SO_REUSEPORT listening socket, speaking HTTP/1.1 with keep-alive, pipelining and chunked bodies,
 * and handing every request to a *request handler* as an exchange.
 *
 * Why not h2o's own HTTP/1 layer: libh2o 2.2.5 buffers a whole request body before calling a
 * handler, answers over-long heads with 400 (not 431) and drops slow requests without a 408. So the
 * connection state machine (framing, limits, timeouts, response serialization) is ours, while
 * parsing is the strict grammar of src/wasi/http1_grammar.h and http1_chunked.h (shared with the
 * clients), and sockets, timers and the loop are h2o's.
 *
 * Requests: a line ends with CRLF only; fields must follow RFC 9112 (no obs-fold, no space
 * before the colon, OWS trimmed from values); Host must be one valid uri-host[:port] (required in
 * HTTP/1.1); Transfer-Encoding must end in chunked, once, and never beside Content-Length
 * (400; another coding 501); Content-Length values must be digits and agree. The fields that
 * describe the connection (Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade,
 * Proxy-Connection and whatever Connection names) are used for framing and not handed on.
 *
 * Threading: a handler is called only on the worker thread that owns the connection, from that
 * worker's event loop (never from inside one of the handler's own calls into this API), and the
 * exchange must be used on that thread only.
 *
 * Lifetime: an exchange belongs to the handler from on_request until it calls httpd_response_end
 * or httpd_response_abort; after that it must not be touched. If the client goes away first, the
 * exchange stays valid (calls become no-ops, httpd_exchange_failed says so) and the registered
 * callbacks fire once so a waiting handler notices. */
#ifndef WARREN_SERVE_HTTP_SERVER_H
#define WARREN_SERVE_HTTP_SERVER_H

#include "base/common.h"
#include "base/error.h"

typedef struct httpd_server httpd_server;
typedef struct httpd_worker httpd_worker;
typedef struct httpd_exchange httpd_exchange;

typedef struct httpd_header {
  const char *name; /* lower-cased for requests */
  size_t name_len;
  const char *value;
  size_t value_len;
} httpd_header;

/* A request head. Every pointer stays valid until the exchange is finished. */
typedef struct httpd_request {
  const char *method;
  size_t method_len;
  const char *scheme; /* "http" */
  const char *authority; /* the Host header ("" when an HTTP/1.0 request has none) */
  size_t authority_len;
  const char *path; /* path and query, as received (origin-form or "*") */
  size_t path_len;
  int minor_version; /* HTTP/1.<minor_version> */
  const httpd_header *headers; /* in arrival order, names lower-cased */
  size_t header_count;
  bool has_body;
  uint64_t content_length; /* UINT64_MAX when chunked */
} httpd_request;

typedef struct httpd_handler {
  void *user;
  /* Called on each worker thread before it serves; returns that worker's handler state, passed to
   * on_request (e.g. the worker's task scheduler). May be NULL. */
  void *(*worker_start)(void *user, httpd_worker *worker);
  /* The server began stopping (no new connections; busy ones finish their current response):
   * the handler winds its own work down (hold the worker until it is done). May be NULL. */
  void (*worker_stopping)(void *worker_state);
  void (*worker_stop)(void *worker_state);
  /* A request's head is complete. The handler answers now or later. */
  void (*on_request)(void *worker_state, httpd_exchange *ex);
} httpd_handler;

typedef struct httpd_config {
  const char *host; /* numeric IPv4 or IPv6 address; NULL = 127.0.0.1 */
  uint16_t port; /* 0 = pick a free port (see httpd_server_port) */
  unsigned workers; /* 0 = number of online cores */
  size_t max_head_bytes; /* request line + headers; over it: 431. 0 = 64 KiB */
  size_t max_header_count; /* over it: 431. 0 = 100 */
  uint64_t max_body_bytes; /* over it: 413. 0 = 64 MiB */
  size_t body_buffer_bytes; /* unread request body buffered before reading pauses. 0 = 64 KiB */
  size_t response_buffer_bytes; /* queued response bytes before writes report no capacity. 0 = 64 KiB */
  /* Timeouts (see README "Connections"). A new connection has head_timeout_ms from its accept
   * to a complete head (closed quietly if it sent nothing, else 408); a keep-alive connection
   * idles up to idle_timeout_ms, then has head_timeout_ms from the next request's first byte. */
  uint32_t head_timeout_ms; /* 0 = 10 s */
  uint32_t body_timeout_ms; /* longest silence while a request body is expected; then 408. 0 = 60 s */
  uint32_t body_total_timeout_ms; /* from the end of the head to the last body byte; then 408. 0 = 5 min */
  uint32_t idle_timeout_ms; /* keep-alive connection with no request; closed quietly. 0 = 60 s */
  uint32_t send_timeout_ms; /* longest stall writing to a client that does not read. 0 = 60 s */
  uint32_t stop_timeout_ms; /* a graceful stop closes what is still open after this. 0 = 10 s */
  /* Open connections over all workers (each worker takes its share); 0 = 1000. At the cap a new
   * connection closes the one waiting longest for a request (idle keep-alive, or not a byte
   * sent yet); if every one is busy, the new one gets a 503 and is closed at once. */
  unsigned max_connections;
  unsigned max_requests; /* requests handed to the handler and not finished, all workers; 503 over it. 0 = 1000 */
  httpd_handler handler;
} httpd_config;

/* Binds every worker's socket (errors are reported here, before any thread starts) and starts the
 * workers. NULL with `err` set on failure. */
httpd_server *httpd_server_start(const httpd_config *config, wr_error *err);
/* The port actually bound (useful with port 0). */
uint16_t httpd_server_port(const httpd_server *server);
/* Shuts the listening sockets: new connections are refused from now on (not left in a backlog);
 * the workers go on serving the connections they have. Safe from a signal-watching thread. */
void httpd_server_refuse_connections(httpd_server *server);
/* Graceful stop: the listening sockets are shut at once (new connections are refused, not left
 * in a backlog), in-flight exchanges finish (connections are closed once their current response
 * is done; whatever is left after stop_timeout_ms is closed), then the workers are joined. Safe to
 * call from a signal-watching thread, not from a worker. */
void httpd_server_stop(httpd_server *server);
/* Stops (if still running) and frees. */
void httpd_server_free(httpd_server *server);

/* --- worker: for code that runs work on a worker's loop (src/serve/task.c) --- */

/* The worker's h2o_evloop_t (as void * so this header does not need h2o's). */
void *httpd_worker_loop(httpd_worker *worker);
unsigned httpd_worker_index(const httpd_worker *worker);
/* Installs a function the worker calls after every pass of its event loop. It returns true while it
 * still has work ready to run, so the loop polls without sleeping. One per worker. */
void httpd_worker_set_idle_hook(httpd_worker *worker, bool (*run)(void *arg), void *arg);

/* Work that must finish before a stopping worker exits (a task on its loop): a graceful stop
 * keeps the loop running until every hold is released. */
void httpd_worker_hold(httpd_worker *worker);
void httpd_worker_release(httpd_worker *worker);

/* --- an exchange: the request --- */

const httpd_request *httpd_exchange_request(const httpd_exchange *ex);
httpd_worker *httpd_exchange_worker(const httpd_exchange *ex);
/* True once the connection failed or was closed: nothing more can be read or sent. */
bool httpd_exchange_failed(const httpd_exchange *ex);
/* Asks the connection whether its client is still there, for a handler that is busy without
 * reading or writing (a guest computing): the socket is peeked, never read. If the peer closed
 * or reset it, the connection is closed now, so the exchange fails and its callbacks fire as if
 * the loop had seen it. True when the exchange has failed. (A client that half-closes after its
 * request counts as gone, as in most servers.) Call from the loop, not from inside a callback of
 * this exchange. */
bool httpd_exchange_check_client(httpd_exchange *ex);

typedef enum {
  HTTPD_BODY_DATA, /* bytes were copied */
  HTTPD_BODY_WAIT, /* nothing now; the ready callback fires when that changes */
  HTTPD_BODY_END, /* the whole body was read */
  HTTPD_BODY_ERROR /* the client went away, sent a malformed chunk or too much */
} httpd_body_status;

/* The handler is going to read the body: a client that sent `Expect: 100-continue` gets its
 * `100 Continue` now (once; not after a response started). httpd_body_read calls it; call it
 * before waiting for body bytes without reading (registering a ready callback does not count,
 * so that a handler that answers without reading never sends a 100). */
void httpd_body_want(httpd_exchange *ex);
/* Copies up to `cap` bytes of request body that have arrived into buf; *n gets the count. */
httpd_body_status httpd_body_read(httpd_exchange *ex, void *buf, size_t cap, size_t *n);
/* Bytes of body that httpd_body_read can return now without waiting. */
size_t httpd_body_available(const httpd_exchange *ex);
/* Once httpd_body_read said END: the i-th trailer field of a chunked body into *out (names as
 * received; valid until the exchange is finished), false past the last. Trailer lines follow the
 * field grammar of heads and count against max_head_bytes and max_header_count (a malformed or
 * oversized trailer section fails the body: 400, or a closed connection once a response started);
 * fields that must not be trailers (http1_is_forbidden_trailer) are dropped. */
bool httpd_body_trailer(const httpd_exchange *ex, size_t i, httpd_header *out);
/* `ready` is called (from the loop) whenever more body arrives, the body ends, or it fails, until
 * replaced or cleared with NULL. */
void httpd_body_on_ready(httpd_exchange *ex, void (*ready)(void *arg), void *arg);

/* --- an exchange: the response --- */

/* Starts the response. content_length < 0: length unknown, sent chunked (HTTP/1.1) or
 * close-delimited (HTTP/1.0). Framing headers among `headers` (content-length,
 * transfer-encoding, connection, keep-alive) are ignored: the server owns framing. Headers whose
 * name is not a token or whose value holds CR, LF or NUL are dropped. Returns false if the
 * exchange failed or a response was already started. */
bool httpd_response_start(httpd_exchange *ex, int status, const httpd_header *headers, size_t header_count,
                          int64_t content_length);
/* How many bytes httpd_response_write takes now (0 = the client is slow: wait for the writable
 * callback). Backpressure: a write larger than this is still taken, but a handler that respects
 * it keeps memory bounded by response_buffer_bytes. */
size_t httpd_response_capacity(const httpd_exchange *ex);
/* Queues body bytes (copied). Bytes beyond a declared content_length are dropped and false returned. */
bool httpd_response_write(httpd_exchange *ex, const void *data, size_t len);
/* `writable` is called (from the loop) when capacity becomes non-zero again or the exchange fails,
 * until replaced or cleared with NULL. */
void httpd_response_on_writable(httpd_exchange *ex, void (*writable)(void *arg), void *arg);
/* Finishes the response (starting a 200 with no body if none was started) and gives up the
 * exchange. A response shorter than its declared content_length closes the connection. */
void httpd_response_end(httpd_exchange *ex);
/* The same, with trailer fields: sent after the last chunk of a chunked response, dropped
 * otherwise (HTTP/1.1 has nowhere else to put them). Invalid fields are dropped. */
void httpd_response_end_with_trailers(httpd_exchange *ex, const httpd_header *trailers, size_t trailer_count);
/* Gives up the exchange after a failure: a response not yet started becomes a 500 with a small
 * body; a started one is cut off and the connection closed. */
void httpd_response_abort(httpd_exchange *ex);

#endif
