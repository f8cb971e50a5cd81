/* libFuzzer target for the HTTP front end (src/serve/http_server.c). The grammar itself is
 * fuzzed in process by fuzz_http1.c; this one drives what is around it (request validation,
 * content-length and chunked bodies in place, pipelining, limits, timeouts, responses) over
 * whole connections: one server with one worker runs for the process, and each input is sent on
 * a fresh loopback connection, then the client half-closes and reads until the server closes.
 * The first byte picks how the rest is cut into writes (to exercise partial heads and chunks).
 * A server that does not close within the read timeout is reported as a hang (abort). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "serve/http_server.h"

static uint16_t server_port;

typedef struct body_counter {
  httpd_exchange *ex;
  uint64_t bytes;
} body_counter;

/* Reads the whole body, then answers with its length: every path of the body machinery runs. */
static void count_body(void *arg) {
  body_counter *c = arg;
  char buf[4096];
  for (;;) {
    size_t n;
    httpd_body_status st = httpd_body_read(c->ex, buf, sizeof buf, &n);
    if (st == HTTPD_BODY_DATA) {
      c->bytes += n;
      continue;
    }
    if (st == HTTPD_BODY_WAIT) return;
    if (st == HTTPD_BODY_END) {
      char text[32];
      int len = snprintf(text, sizeof text, "%llu\n", (unsigned long long)c->bytes);
      httpd_response_start(c->ex, 200, NULL, 0, -1);
      httpd_response_write(c->ex, text, (size_t)len);
      httpd_response_end(c->ex);
    } else {
      httpd_response_abort(c->ex);
    }
    free(c);
    return;
  }
}

static void on_request(void *worker_state, httpd_exchange *ex) {
  (void)worker_state;
  body_counter *c = calloc(1, sizeof *c);
  if (c == NULL) abort();
  c->ex = ex;
  httpd_body_on_ready(ex, count_body, c);
  count_body(c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  httpd_config cfg = {0};
  cfg.workers = 1;
  cfg.max_head_bytes = 4096;
  cfg.max_header_count = 20;
  cfg.max_body_bytes = 1 << 16;
  cfg.body_buffer_bytes = 1024;
  cfg.head_timeout_ms = 500;
  cfg.body_timeout_ms = 500;
  cfg.idle_timeout_ms = 500;
  cfg.handler.on_request = on_request;
  wr_error err = {0};
  httpd_server *server = httpd_server_start(&cfg, &err); /* runs until the process exits */
  if (server == NULL) {
    fprintf(stderr, "fuzz_http: %s\n", err.message);
    abort();
  }
  server_port = httpd_server_port(server);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t piece = data[0] ? data[0] : size;
  data++;
  size--;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) abort();
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(server_port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timeval timeout = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  /* Hundreds of thousands of short connections can run out of loopback ports for a moment. */
  int attempts = 0;
  while (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    if (++attempts == 100) {
      fprintf(stderr, "fuzz_http: connect: %s\n", strerror(errno));
      abort();
    }
    close(fd);
    usleep(10000);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) abort();
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  }
  for (size_t off = 0; off < size;) {
    size_t n = size - off < piece ? size - off : piece;
    ssize_t sent = send(fd, data + off, n, MSG_NOSIGNAL);
    if (sent <= 0) break; /* the server already answered and closed */
    off += (size_t)sent;
  }
  shutdown(fd, SHUT_WR);
  char buf[65536];
  for (;;) {
    ssize_t got = recv(fd, buf, sizeof buf, 0);
    if (got > 0) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      fprintf(stderr, "fuzz_http: the server kept the connection open\n");
      abort();
    }
    break;
  }
  close(fd);
  return 0;
}
