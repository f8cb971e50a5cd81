/* Serves one request to a wasi:http component through the embedder interface of
 * src/wasi/http.h, as the server will: instantiate with the WASI 0.2 + wasi:http host, create
 * an incoming-request and a response-outparam, call wasi:http/incoming-handler#handle on a
 * fiber, and print what the front end would send:
 *   status <N>\n<name>: <value>\n...\n\n<body>
 * or "error <code>" when the guest answered with an error or never answered.
 * Usage: handle_request COMPONENT METHOD PATH [BODY]
 * "{upstream}" in PATH becomes the address of an HTTP server on a thread of this process that
 * answers one request with "upstream says hi" (for components that make outgoing requests). */
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
#include "base/fiber.h"
#include "component/instance.h"
#include "wasi/http.h"
#include "wasi/p2.h"

/* ---- what the front end would send ---- */
typedef struct response {
  WR_VEC(char) out;
  bool answered, finished, aborted;
  bool instance_freed; /* set while the instance is freed: what the guest left unfinished */
  bool aborted_by_free;
} response;

static void emit(response *r, const void *data, size_t len) {
  WR_VEC_RESERVE(&r->out, len);
  memcpy(r->out.items + r->out.len, data, len);
  r->out.len += len;
}

static wasi_stream_status sink_check_write(void *self, uint64_t *permitted, wasi_io_error **err) {
  WR_UNUSED(self);
  WR_UNUSED(err);
  *permitted = 1u << 16;
  return WASI_STREAM_OK;
}

static wasi_stream_status sink_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **err) {
  WR_UNUSED(err);
  emit(self, buf, len);
  return WASI_STREAM_OK;
}

static wasi_stream_status sink_flush(void *self, wasi_io_error **err) {
  WR_UNUSED(self);
  WR_UNUSED(err);
  return WASI_STREAM_OK;
}

static wasi_pollable *sink_subscribe(void *self) {
  WR_UNUSED(self);
  return wasi_pollable_ready();
}

static void sink_free(void *self) { WR_UNUSED(self); }

static bool sink_finish(void *self, const wasi_http_fields *trailers, wasi_http_error_code *err) {
  WR_UNUSED(trailers);
  WR_UNUSED(err);
  ((response *)self)->finished = true;
  return true;
}

static void sink_abort(void *self) {
  response *r = self;
  r->aborted = true;
  r->aborted_by_free = r->instance_freed;
}

static const wasi_http_sink_ops sink = {{sink_check_write, sink_write, sink_flush, sink_subscribe, sink_free, 0},
                                        sink_finish, sink_abort};

static void on_head(void *env, uint16_t status, const wasi_http_fields *headers, const wasi_http_sink_ops **ops,
                    void **self) {
  response *r = env;
  char line[64];
  r->answered = true;
  emit(r, line, (size_t)snprintf(line, sizeof line, "status %u\n", status));
  for (size_t i = 0; i < wasi_http_fields_count(headers); i++) {
    wasi_http_header h = wasi_http_fields_at(headers, i);
    emit(r, h.name, h.name_len);
    emit(r, ": ", 2);
    emit(r, h.value, h.value_len);
    emit(r, "\n", 1);
  }
  emit(r, "\n", 1);
  *ops = &sink;
  *self = r;
}

static void on_error(void *env, const wasi_http_error_code *code) {
  response *r = env;
  if (r->answered) return;
  r->answered = true;
  const char *name = code ? wasi_http_error_name(code->code) : "no-response";
  emit(r, "error ", 6);
  emit(r, name, strlen(name));
  emit(r, "\n", 1);
}

static const wasi_http_responder responder = {on_head, on_error};

/* ---- the request body: a fixed string ---- */
typedef struct request_body {
  const char *data;
  size_t pos, len;
} request_body;

static wasi_stream_status body_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err) {
  WR_UNUSED(err);
  request_body *b = self;
  if (b->pos == b->len) return WASI_STREAM_CLOSED;
  *nread = WR_MIN(len, b->len - b->pos);
  memcpy(buf, b->data + b->pos, *nread);
  b->pos += *nread;
  return WASI_STREAM_OK;
}

static wasi_pollable *body_subscribe(void *self) {
  WR_UNUSED(self);
  return wasi_pollable_ready();
}

static void body_free(void *self) { WR_UNUSED(self); }

static const wasi_http_body_ops body_ops = {{body_read, body_subscribe, body_free}, NULL};

/* ---- the request, on a fiber ---- */
typedef struct job {
  const cm_component *component;
  const cm_host *host;
  const char *method, *path;
  request_body body;
  response resp;
  int status;
} job;

static void run(void *arg) {
  job *j = arg;
  j->status = 1;
  wasm_store *store = wasm_store_new();
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  wasi_p2_ctx *p2 = wasi_p2_ctx_new(&config);
  wasi_p2_ctx_attach(p2, store);
  wasi_http_ctx *http = wasi_http_ctx_new(p2, NULL, NULL);
  wr_error err = {0};
  wasm_trap *trap = NULL;
  cm_arena *arena = cm_arena_new();
  cm_component_instance *inst = cm_instantiate(store, j->component, j->host, &trap, &err);
  if (!inst) {
    fprintf(stderr, "instantiate: %s\n", trap ? trap->message : err.message);
    goto done;
  }
  const cm_func *handle = cm_instance_func(inst, WASI_HTTP_INCOMING_HANDLER, WASI_HTTP_HANDLE_FUNC);
  if (!handle) {
    fprintf(stderr, "no %s#%s export\n", WASI_HTTP_INCOMING_HANDLER, WASI_HTTP_HANDLE_FUNC);
    goto done;
  }
  wasi_http_header headers[] = {{"host", 4, (const uint8_t *)"localhost", 9},
                                {"user-agent", 10, (const uint8_t *)"warren-test", 11}};
  wasi_http_request_head head = {j->method, strlen(j->method), "http", "localhost", j->path, headers, 2};
  uint32_t req = 0, out = 0;
  if ((trap = wasi_http_incoming_request_new(http, &head, &body_ops, &j->body, &req)) ||
      (trap = wasi_http_response_outparam_new(http, &responder, &j->resp, &out))) {
    fprintf(stderr, "host: %s\n", trap->message);
    goto done;
  }
  cm_val args[2] = {cm_val_handle(req), cm_val_handle(out)};
  cm_val result = {0};
  trap = cm_func_call(inst, handle, args, &result, arena);
  if (trap) {
    fprintf(stderr, "trap: %s\n", trap->message);
    emit(&j->resp, "trap\n", 5);
  }
  j->status = 0;
done:
  j->resp.instance_freed = true;
  cm_component_instance_free(inst); /* drops what the guest still holds: an unset outparam */
  wasi_p2_ctx_free(p2);
  wasi_http_ctx_free(http);
  wasm_store_free(store);
  cm_arena_free(arena);
}

/* ---- the upstream: one request, one fixed answer, every wait bounded ---- */
static void *upstream(void *arg) {
  int listen_fd = *(int *)arg;
  struct pollfd p = {listen_fd, POLLIN, 0};
  if (poll(&p, 1, 30000) <= 0) return NULL;
  int fd = accept(listen_fd, NULL, NULL);
  if (fd < 0) return NULL;
  char buf[8192];
  size_t len = 0;
  while (len < sizeof buf - 1) {
    struct pollfd q = {fd, POLLIN, 0};
    if (poll(&q, 1, 30000) <= 0) break;
    ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (n <= 0) break;
    len += (size_t)n;
    buf[len] = '\0';
    if (strstr(buf, "\r\n\r\n")) break;
  }
  const char *answer = "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\nupstream says hi\n";
  (void)!send(fd, answer, strlen(answer), MSG_NOSIGNAL);
  close(fd);
  return NULL;
}

/* Replaces "{upstream}" in `path` with "http://127.0.0.1:PORT" of a started upstream. */
static char *start_upstream(const char *path, int *listen_fd, pthread_t *thread) {
  const char *mark = strstr(path, "{upstream}");
  if (!mark) return NULL;
  *listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  if (*listen_fd < 0 || bind(*listen_fd, (struct sockaddr *)&addr, alen) || listen(*listen_fd, 4) ||
      getsockname(*listen_fd, (struct sockaddr *)&addr, &alen)) {
    fprintf(stderr, "cannot listen on 127.0.0.1\n");
    exit(2);
  }
  pthread_create(thread, NULL, upstream, listen_fd);
  size_t n = strlen(path) + 64;
  char *out = wr_malloc(n);
  snprintf(out, n, "%.*shttp://127.0.0.1:%d%s", (int)(mark - path), path, ntohs(addr.sin_port), mark + 10);
  return out;
}

static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = wr_malloc(n > 0 ? (size_t)n : 1);
  *size = fread(data, 1, n > 0 ? (size_t)n : 0, f);
  fclose(f);
  return data;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s COMPONENT METHOD PATH [BODY]\n", argv[0]);
    return 2;
  }
  size_t size = 0;
  uint8_t *bytes = read_file(argv[1], &size);
  if (!bytes) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  wr_error err = {0};
  cm_component *component = cm_component_load(bytes, size, NULL, &err);
  cm_host *host = cm_host_new();
  if (!component || !wasi_p2_define(host, &err) || !wasi_http_define(host, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 2;
  }
  const char *body = argc > 4 ? argv[4] : "";
  int listen_fd = -1;
  pthread_t thread;
  char *path = start_upstream(argv[3], &listen_fd, &thread);
  job j = {.component = component, .host = host, .method = argv[2], .path = path ? path : argv[3],
           .body = {body, 0, strlen(body)}, .status = 1};
  wr_fiber *fiber = wr_fiber_new(2u << 20, run, &j);
  while (fiber && !wr_fiber_resume(fiber)) {
  }
  wr_fiber_free(fiber);
  if (path) { /* unblock the upstream if the guest never called it */
    shutdown(listen_fd, SHUT_RDWR);
    pthread_join(thread, NULL);
    close(listen_fd);
    wr_free(path);
  }
  fwrite(j.resp.out.items, 1, j.resp.out.len, stdout);
  if (j.resp.aborted) printf("\n(body aborted%s)\n", j.resp.aborted_by_free ? " when the instance was freed" : "");
  WR_VEC_FREE(&j.resp.out);
  cm_component_free(component);
  cm_host_free(host);
  wr_free(bytes);
  return j.status;
}
