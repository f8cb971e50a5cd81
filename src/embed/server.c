/* warren_server: a wasi:http component served from the instance pool (serve/server.h), with
 * `warren serve`'s options set by name. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "embed_internal.h"
#include "serve/http_options.h"
#include "serve/server.h"

struct warren_server_config {
  serve_options options; /* http.host points at host[] */
  char host[256];
  char *admin_addr, *name;
  warren_wasi_config wasi;
};

typedef enum { SERVER_NEW, SERVER_RUNNING, SERVER_STOPPED } server_state;

struct warren_server {
  warren_server_config config; /* a copy: the app reads it for its lifetime */
  serve_app *app;
  server_state state;
  pthread_mutex_t lock; /* start and stop may come from different threads */
};

static void config_init(warren_server_config *config) {
  memset(config, 0, sizeof *config);
  wr_pool_limits_default(&config->options.limits, WR_POOL_P2);
  snprintf(config->host, sizeof config->host, "127.0.0.1");
  config->options.http.port = 8080;
  embed_wasi_copy(&config->wasi, NULL);
}

static void config_release(warren_server_config *config) {
  wr_free(config->admin_addr);
  wr_free(config->name);
  embed_wasi_release(&config->wasi);
}

warren_server_config *warren_server_config_new(void) {
  warren_server_config *config = WR_NEW(warren_server_config);
  config_init(config);
  return config;
}

void warren_server_config_free(warren_server_config *config) {
  if (!config) return;
  config_release(config);
  wr_free(config);
}

static bool parse_count(const char *name, const char *text, uint64_t min, uint64_t max, uint64_t *out, wr_error *e) {
  char *end;
  errno = 0;
  unsigned long long v = text && *text != '-' ? strtoull(text, &end, 10) : 0;
  if (!text || !*text || *text == '-' || *end || errno || v < min || v > max) {
    wr_error_set(e, "%s: expected a whole number from %llu to %llu, got '%s'", name, (unsigned long long)min,
                 (unsigned long long)max, text ? text : "(none)");
    return false;
  }
  *out = v;
  return true;
}

/* HOST:PORT, HOST may be [v6]. */
static bool parse_addr(const char *name, const char *text, char *host, size_t host_cap, uint16_t *port, wr_error *e) {
  const char *colon = text ? strrchr(text, ':') : NULL;
  const char *h = text;
  size_t host_len = colon ? (size_t)(colon - text) : 0;
  if (host_len >= 2 && h[0] == '[' && h[host_len - 1] == ']') h++, host_len -= 2;
  uint64_t p;
  if (!colon || host_len == 0 || host_len >= host_cap) {
    wr_error_set(e, "%s: expected HOST:PORT, got '%s'", name, text ? text : "(none)");
    return false;
  }
  if (!parse_count(name, colon + 1, 0, 65535, &p, e)) return false;
  memcpy(host, h, host_len);
  host[host_len] = 0;
  *port = (uint16_t)p;
  return true;
}

static bool set_option(warren_server_config *config, const char *name, const char *value, wr_error *e) {
  serve_options *o = &config->options;
  uint64_t n;
  if (!strcmp(name, "addr")) {
    char host[sizeof config->host];
    uint16_t port;
    if (!parse_addr(name, value, host, sizeof host, &port, e)) return false;
    memcpy(config->host, host, sizeof host);
    o->http.port = port;
  } else if (!strcmp(name, "workers")) {
    if (!parse_count(name, value, 1, 256, &n, e)) return false;
    o->http.workers = (unsigned)n;
  } else if (!strcmp(name, "timeout")) {
    if (!value || !wr_pool_parse_duration(value, &o->request_timeout_ns, e)) {
      if (!value) wr_error_set(e, "timeout: a duration is needed");
      return false;
    }
  } else if (!strcmp(name, "max-memory-size")) {
    if (!parse_count(name, value, 1, UINT64_MAX, &o->max_memory_bytes, e)) return false;
  } else if (!strcmp(name, "admin-addr")) {
    char host[256];
    uint16_t port;
    if (!parse_addr(name, value, host, sizeof host, &port, e)) return false;
    wr_free(config->admin_addr);
    config->admin_addr = wr_strndup(value, strlen(value));
  } else if (!strcmp(name, "name")) {
    if (!value) {
      wr_error_set(e, "name: a name is needed");
      return false;
    }
    wr_free(config->name);
    config->name = wr_strndup(value, strlen(value));
  } else if (!strcmp(name, "max-concurrent-requests")) {
    if (!parse_count(name, value, 1, UINT_MAX, &n, e)) return false;
    o->http.max_requests = (unsigned)n;
  } else if (!strcmp(name, "max-concurrent-connections")) {
    if (!parse_count(name, value, 1, UINT_MAX, &n, e)) return false;
    o->http.max_connections = (unsigned)n;
  } else if (!strcmp(name, "max-request-body-size")) {
    if (!parse_count(name, value, 1, UINT64_MAX, &n, e)) return false;
    o->http.max_body_bytes = n;
  } else if (!strcmp(name, "max-http-fields-size")) {
    if (!parse_count(name, value, 64, 1u << 24, &n, e)) return false;
    o->http.max_head_bytes = (size_t)n;
  } else {
    httpd_flag_result front_end = httpd_config_set_flag(&o->http, name, value, e);
    if (front_end != HTTPD_FLAG_UNKNOWN) return front_end == HTTPD_FLAG_SET;
    /* the pool's own flags, parsed by the pool exactly as `warren serve` does */
    if (!strcmp(name, "exact-limits") && value) {
      if (strcmp(value, "true") && strcmp(value, "false")) {
        wr_error_set(e, "exact-limits: expected true or false, got '%s'", value);
        return false;
      }
      if (!strcmp(value, "false")) {
        o->limits.exact = false;
        return true;
      }
      value = NULL;
    }
    wr_pool_limits limits = o->limits;
    switch (wr_pool_limits_set(&limits, name, value, e)) {
    case WR_POOL_FLAG_SET: o->limits = limits; return true;
    case WR_POOL_FLAG_INVALID: return false;
    case WR_POOL_FLAG_UNKNOWN:
      wr_error_set(e, "unknown server option '%s'", name);
      return false;
    }
  }
  return true;
}

bool warren_server_config_set(warren_server_config *config, const char *name, const char *value, warren_error **err) {
  wr_error e = {0};
  if (!config || !name) {
    embed_failf(err, WARREN_ERROR_INVALID, "warren_server_config_set: a config and a name are needed");
    return false;
  }
  if (!set_option(config, name, value, &e)) {
    embed_fail(err, WARREN_ERROR_INVALID, &e);
    return false;
  }
  return true;
}

void warren_server_config_set_wasi(warren_server_config *config, const warren_wasi_config *wasi) {
  embed_wasi_release(&config->wasi);
  embed_wasi_copy(&config->wasi, wasi);
}

/* A deep copy whose serve_options point into itself. */
static void config_copy(warren_server_config *to, const warren_server_config *from) {
  *to = *from;
  to->admin_addr = from->admin_addr ? wr_strndup(from->admin_addr, strlen(from->admin_addr)) : NULL;
  to->name = from->name ? wr_strndup(from->name, strlen(from->name)) : NULL;
  embed_wasi_copy(&to->wasi, &from->wasi);
  to->options.http.host = to->host;
  to->options.admin_addr = to->admin_addr;
  to->options.name = to->name ? to->name : "component";
  to->options.keep_metrics = true;
  to->options.wasi = *embed_wasi_view(&to->wasi);
  if (!to->wasi.args.len) {
    static const char *const program_name[] = {"warren-serve"};
    to->options.wasi.args = program_name;
    to->options.wasi.nargs = 1;
  }
}

warren_server *warren_server_new(const warren_component *component, const warren_server_config *config,
                                 warren_error **err) {
  if (!component || !config) {
    embed_failf(err, WARREN_ERROR_INVALID, "warren_server_new: a component and a config are needed");
    return NULL;
  }
  wr_error e = {0};
  warren_server *server = WR_NEW(warren_server);
  config_copy(&server->config, config);
  wr_pool_limits_set_kind(&server->config.options.limits, serve_component_kind(component->component));
  if (!wr_pool_limits_check(&server->config.options.limits, &e)) {
    embed_fail(err, WARREN_ERROR_INVALID, &e);
    config_release(&server->config);
    wr_free(server);
    return NULL;
  }
  pthread_mutex_init(&server->lock, NULL);
  server->app = serve_app_new(component->component, &server->config.options, &e);
  if (!server->app) {
    /* serve_app_new links the component once: a missing export or import, or a trap */
    embed_fail(err, strstr(e.message, "does not export") ? WARREN_ERROR_NOT_FOUND
                    : strstr(e.message, "trapped")       ? WARREN_ERROR_TRAP
                                                         : WARREN_ERROR_LINK,
               &e);
    warren_server_free(server);
    return NULL;
  }
  return server;
}

int warren_server_start(warren_server *server, warren_error **err) {
  pthread_mutex_lock(&server->lock);
  int port = -1;
  if (server->state != SERVER_NEW) {
    embed_failf(err, WARREN_ERROR_INVALID, "the server was already started");
  } else {
    wr_error e = {0};
    port = serve_app_start(server->app, &e);
    if (port < 0) embed_fail(err, WARREN_ERROR_SYSTEM, &e);
    else server->state = SERVER_RUNNING;
  }
  pthread_mutex_unlock(&server->lock);
  return port;
}

char *warren_server_metrics_text(warren_server *server) { return serve_app_metrics_text(server->app, NULL); }

void warren_server_stop(warren_server *server) {
  pthread_mutex_lock(&server->lock);
  if (server->state == SERVER_RUNNING) {
    serve_app_stop(server->app);
    server->state = SERVER_STOPPED;
  }
  pthread_mutex_unlock(&server->lock);
}

void warren_server_free(warren_server *server) {
  if (!server) return;
  warren_server_stop(server);
  serve_app_free(server->app);
  config_release(&server->config);
  pthread_mutex_destroy(&server->lock);
  wr_free(server);
}
