/* The admin endpoint (--admin-addr): /metrics in Prometheus text (the pools' metrics summed over
 * the workers) and /healthz, on a one-worker front end of its own so that it answers even when
 * every serving worker is busy. */
#include "serve/admin.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static void *admin_worker_start(void *user, httpd_worker *httpd) {
  (void)httpd;
  return user;
}

static void admin_on_request(void *worker_state, httpd_exchange *ex) {
  serve_app *app = worker_state;
  const httpd_request *req = httpd_exchange_request(ex);
  const char *query = memchr(req->path, '?', req->path_len); /* the path is not NUL-terminated */
  size_t path_len = query ? (size_t)(query - req->path) : req->path_len;
  if (path_len == 8 && !memcmp(req->path, "/healthz", 8)) {
    serve_respond_plain(ex, 200, "ok\n");
    return;
  }
  if (!(path_len == 8 && !memcmp(req->path, "/metrics", 8))) {
    serve_respond_plain(ex, 404, "not found (try /metrics or /healthz)\n");
    return;
  }
  size_t need;
  char *text = serve_app_metrics_text(app, &need);
  httpd_header type = {"content-type", 12, "text/plain; version=0.0.4; charset=utf-8", 40};
  httpd_response_start(ex, 200, &type, 1, (int64_t)need);
  httpd_response_write(ex, text, need);
  httpd_response_end(ex);
  wr_free(text);
}

httpd_server *serve_admin_start(serve_app *app, const char *admin_addr, wr_error *err) {
  httpd_config config = {0};
  const char *addr = admin_addr;
  const char *colon = strrchr(addr, ':');
  char host[256];
  size_t host_len = colon ? (size_t)(colon - addr) : 0;
  char *end = NULL;
  unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
  if (host_len >= 2 && addr[0] == '[' && addr[host_len - 1] == ']') addr++, host_len -= 2;
  if (!colon || host_len == 0 || host_len >= sizeof host || !end || *end || port > 65535 || colon[1] == 0) {
    wr_error_set(err, "--admin-addr: expected HOST:PORT, got '%s'", admin_addr);
    return NULL;
  }
  memcpy(host, addr, host_len);
  host[host_len] = 0;
  config.host = host;
  config.port = (uint16_t)port;
  config.workers = 1;
  config.max_connections = 64;
  config.handler.user = app;
  config.handler.worker_start = admin_worker_start;
  config.handler.on_request = admin_on_request;
  httpd_server *server = httpd_server_start(&config, err);
  if (!server) wr_error_prefix(err, "--admin-addr");
  return server;
}

