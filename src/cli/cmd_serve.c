/* `warren serve`: serve a wasi:http component over HTTP/1.1, with `wasmtime serve`'s flags
 * and the pool's (server.h, pool.h). */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cache_cli.h"
#include "commands.h"
#include "component/component.h"
#include "options.h"
#include "run.h"
#include "serve/http_options.h"
#include "serve/server.h"

enum { SERVE_EXIT_FAILED = 1, SERVE_EXIT_USAGE = 2 };

typedef struct serve_cli {
  const char *path;
  const char *addr;
  const char *shutdown_addr;
  cli_strings env;
  WR_VEC(const char *) dirs;
  bool inherit_env, inherit_network;
  bool no_cache;
  uint64_t cache_max_size; /* --cache-max-size, else $WARREN_CACHE_MAX_SIZE, else 1 GiB (0: none) */
  serve_options options;
  wasm_features features; /* -W multi-memory / memory64 / exceptions */
} serve_cli;

static void usage(FILE *out) {
  fprintf(out,
          "usage: warren serve [options] COMPONENT.wasm\n"
          "\n"
          "Serves a wasi:http component (one exporting wasi:http/incoming-handler@0.2.x or\n"
          "wasi:http/handler@0.3.x) over HTTP/1.1. Each request is handled by an instance from a pool.\n"
          "A WASI 0.3 component's instances serve many requests at once and a bounded, randomized\n"
          "number in all; a WASI 0.2 component gets a fresh instance per request unless\n"
          "--max-instance-reuse-count says otherwise. COMPONENT.wasm must be a regular file of at\n"
          "most 1 GiB.\n"
          "\n"
          "options (as wasmtime serve):\n"
          "  --addr HOST:PORT            listen address (default 127.0.0.1:8080; port 0 picks one)\n"
          "  --env NAME=VALUE | NAME     a guest environment variable (repeatable)\n"
          "  --dir HOST[::GUEST]         give guests the host directory HOST (repeatable)\n"
          "  -S cli                      the guest may use wasi:cli (always on)\n"
          "  -S inherit-env              pass the whole host environment\n"
          "  -S inherit-network          allow sockets and name lookups (at most 32 lookups at\n"
          "                              once in the process, each on a helper thread)\n"
          "  -W timeout=DURATION         interrupt a request's guest after DURATION (500), e.g. 2s\n"
          "                              (default: none; a busy guest still yields every 10 ms)\n"
          "  -W max-memory-size=BYTES    cap on each linear memory of an instance: memory.grow past\n"
          "                              it returns -1 (default: none beyond the module's maximum)\n"
          CLI_WASM_FEATURES_HELP
          "  --max-concurrent-requests N     requests in flight, all workers (default 1000; then 503)\n"
          "  --max-concurrent-connections N  open connections, all workers (default 1000); at the cap\n"
          "                              the connection waiting longest for a request is closed to make\n"
          "                              room, and if all are busy the new one gets 503\n"
          "  --shutdown-addr HOST:PORT   a connection to this address shuts the server down gracefully\n"
          "  --max-instance-reuse-count N|A..B             requests per instance (default: p2 1, p3 128)\n"
          "  --max-instance-concurrent-reuse-count N|A..B  concurrent requests per instance (p2: 1;\n"
          "                                                p3 default 16)\n"
          "  --idle-instance-timeout D|A..B                retire an idle instance (default 1s)\n"
          "beyond wasmtime:\n"
          "  --admin-addr HOST:PORT      serve /metrics (Prometheus) and /healthz there\n"
          "  --workers N                 worker threads, each with its own event loop (default: cores)\n"
          "  --max-request-body-size BYTES   larger bodies get 413 (default 64 MiB)\n"
          "  --max-http-fields-size BYTES    larger request heads (or over 100 fields) get 431, larger\n"
          "                                  chunked trailer sections (or over 100 lines) 400 (default 64 KiB)\n"
          "  --header-timeout D          a request head must arrive within D of the connection opening\n"
          "                              or of its first byte on a kept-alive one (default 10s; then 408,\n"
          "                              or a quiet close if nothing was sent)\n"
          "  --keep-alive-timeout D      close a kept-alive connection after D without a request (60s)\n"
          "  --body-idle-timeout D       longest silence while a request body is expected (60s; then 408)\n"
          "  --body-timeout D            a whole request body must arrive within D of its head (5m;\n"
          "                              then 408): a body trickled in keeps no instance longer\n"
          "  --min-instances N           instances kept ready ahead of requests (per worker; default 0)\n"
          "  --max-instances N           instance cap per worker; then requests queue (default 1000)\n"
          "  --max-queued-requests N     queue bound per worker; then 503 (default 1000)\n"
          "  --queue-timeout D           a queued request waits at most D, then 503 (default 10s)\n"
          "  --drain-timeout D           bound on a drained instance's wind-down (default 5s): the\n"
          "                              tasks of given-up requests, then its teardown hook\n"
          "  --idle-hook-timeout D       bound on one run of the guest's warren:lifecycle/idle hook;\n"
          "                              past it the instance is retired (default 1s)\n"
          "  --shutdown-timeout D        on SIGTERM, in-flight requests get D, then are cut (default 30s)\n"
          "  --exact-limits              use N as given instead of sampling [ceil(N/2), N]\n"
          "  --seed S                    reproducible sampling of limits\n"
          "  --no-cache                  load without the compiled-module cache (by default the\n"
          "                              cost of loading beyond decoding, validation and memory\n"
          "                              images, is kept per input in $XDG_CACHE_HOME/warren, else\n"
          "                              ~/.cache/warren; a corrupt or foreign file is reported and\n"
          "                              rewritten; `warren compile` output runs as is)\n"
          CLI_CACHE_MAX_SIZE_HELP("  --cache-max-size SIZE       ", "                              ")
          "  -h, --help                  show this help\n"
          "\n"
          "Durations: a number with a unit: ns, us, ms, s, m, h.\n"
          "\n"
          "Guests are preempted: one that runs 10 ms without waiting yields to its worker's event loop\n"
          "at its next call or loop iteration, so other requests on that worker go on being served.\n"
          "If a request's client goes away while its guest runs, the guest is interrupted and its\n"
          "instance retired (WASI 0.3: its task is asked to cancel and its instance drained).\n"
          "\n"
          "SIGINT/SIGTERM close the listeners at once (new connections are refused), give in-flight\n"
          "requests --shutdown-timeout, then interrupt the guests still running (the cut requests\n"
          "are logged), run teardowns within --drain-timeout and exit; a second signal exits at once.\n"
          "\n"
          "Logs are rate-limited: a guest's stdout and stderr lines to 100/s per instance and 1000/s\n"
          "for all instances (bursts of twice that), trap, timeout and instantiation failures to 10\n"
          "lines/s; a later line says how many were dropped.\n");
}

/* A whole number in [min, max] (message printed otherwise). */
static bool parse_u64(const char *flag, const char *text, uint64_t min, uint64_t max, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (!*text || *end || errno || text[0] == '-' || v < min || v > max) {
    fprintf(stderr, "warren serve: %s: expected a whole number from %llu to %llu, got '%s'\n", flag,
            (unsigned long long)min, (unsigned long long)max, text);
    return false;
  }
  *out = v;
  return true;
}

/* HOST:PORT (HOST may be [v6]); the host part is copied into host_out. */
static bool parse_addr(const char *flag, const char *text, char *host_out, size_t host_cap, uint16_t *port) {
  const char *colon = strrchr(text, ':');
  if (!colon) {
    fprintf(stderr, "warren serve: %s: expected HOST:PORT, got '%s'\n", flag, text);
    return false;
  }
  const char *host = text;
  size_t host_len = (size_t)(colon - text);
  if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') host++, host_len -= 2;
  uint64_t p;
  if (host_len == 0 || host_len >= host_cap || !parse_u64(flag, colon + 1, 0, 65535, &p)) {
    if (host_len == 0 || host_len >= host_cap)
      fprintf(stderr, "warren serve: %s: expected HOST:PORT, got '%s'\n", flag, text);
    return false;
  }
  memcpy(host_out, host, host_len);
  host_out[host_len] = 0;
  *port = (uint16_t)p;
  return true;
}

static bool set_wasi_option(serve_cli *cli, const char *option) {
  const char *eq = strchr(option, '=');
  size_t n = eq ? (size_t)(eq - option) : strlen(option);
  bool on = !eq || !strcmp(eq + 1, "y") || !strcmp(eq + 1, "yes") || !strcmp(eq + 1, "true");
  if (eq && !on && strcmp(eq + 1, "n") && strcmp(eq + 1, "no") && strcmp(eq + 1, "false")) {
    fprintf(stderr, "warren serve: -S %s: expected y or n after '='\n", option);
    return false;
  }
  if (n == 3 && !strncmp(option, "cli", n)) return true;
  if (n == 4 && !strncmp(option, "http", n)) return true;
  if (n == 11 && !strncmp(option, "inherit-env", n)) {
    cli->inherit_env = on;
    return true;
  }
  if (n == 15 && !strncmp(option, "inherit-network", n)) {
    cli->inherit_network = on;
    return true;
  }
  fprintf(stderr, "warren serve: unknown -S option '%.*s' (known: cli, http, inherit-env, inherit-network)\n", (int)n,
          option);
  return false;
}

static bool set_wasm_option(serve_cli *cli, const char *option) {
  if (!strncmp(option, "timeout=", 8)) {
    wr_error err = {0};
    if (!wr_pool_parse_duration(option + 8, &cli->options.request_timeout_ns, &err)) {
      fprintf(stderr, "warren serve: -W timeout: %s\n", err.message);
      return false;
    }
    return true;
  }
  if (!strncmp(option, "max-memory-size=", 16))
    return cli_parse_max_memory_size(option + 16, &cli->options.max_memory_bytes, "warren serve");
  int feature = cli_wasm_feature_option(option, &cli->features, "warren serve");
  if (feature) return feature > 0;
  fprintf(stderr,
          "warren serve: unknown -W option '%s' (known: timeout=DURATION, max-memory-size=BYTES, multi-memory, "
          "memory64, exceptions)\n",
          option);
  return false;
}

/* The value of a front-end timeout flag (httpd_flag_names) at argv[*i], else NULL. */
static const char *http_flag_value(int argc, char **argv, int *i, bool *missing, const char **name) {
  char flag[64];
  for (size_t k = 0; httpd_flag_names[k]; k++) {
    snprintf(flag, sizeof flag, "--%s", httpd_flag_names[k]);
    const char *value = cli_option_value(argc, argv, i, flag, missing);
    *name = httpd_flag_names[k];
    if (value || *missing) return value;
  }
  return NULL;
}

/* Returns -1 when parsing succeeded, else the exit status. */
static int parse_options(int argc, char **argv, serve_cli *cli) {
  int i = 1;
  const char *cache_max_size = NULL;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *arg = argv[i], *value, *http_flag;
    bool missing = false;
    uint64_t n;
    if (!strcmp(arg, "--")) {
      i++;
      break;
    }
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(arg, "--no-cache")) {
      cli->no_cache = true;
    } else if ((value = cli_option_value(argc, argv, &i, "--cache-max-size", &missing))) {
      cache_max_size = value;
    } else if ((value = cli_option_value(argc, argv, &i, "--addr", &missing))) {
      cli->addr = value;
    } else if ((value = cli_option_value(argc, argv, &i, "--env", &missing))) {
      if (!cli_add_env(&cli->env, value, "warren serve")) return SERVE_EXIT_USAGE;
    } else if ((value = cli_option_value(argc, argv, &i, "--dir", &missing))) {
      WR_VEC_PUSH(&cli->dirs, value);
    } else if ((value = cli_option_value(argc, argv, &i, "-S", &missing))) {
      if (!set_wasi_option(cli, value)) return SERVE_EXIT_USAGE;
    } else if ((value = cli_option_value(argc, argv, &i, "-W", &missing))) {
      if (!set_wasm_option(cli, value)) return SERVE_EXIT_USAGE;
    } else if ((value = cli_option_value(argc, argv, &i, "--shutdown-addr", &missing))) {
      cli->shutdown_addr = value;
    } else if ((value = cli_option_value(argc, argv, &i, "--admin-addr", &missing))) {
      cli->options.admin_addr = value;
    } else if ((value = cli_option_value(argc, argv, &i, "--max-concurrent-requests", &missing))) {
      if (!parse_u64(arg, value, 1, UINT_MAX, &n)) return SERVE_EXIT_USAGE;
      cli->options.http.max_requests = (unsigned)n;
    } else if ((value = cli_option_value(argc, argv, &i, "--max-concurrent-connections", &missing))) {
      if (!parse_u64(arg, value, 1, UINT_MAX, &n)) return SERVE_EXIT_USAGE;
      cli->options.http.max_connections = (unsigned)n;
    } else if ((value = cli_option_value(argc, argv, &i, "--workers", &missing))) {
      if (!parse_u64(arg, value, 1, 256, &n)) return SERVE_EXIT_USAGE;
      cli->options.http.workers = (unsigned)n;
    } else if ((value = cli_option_value(argc, argv, &i, "--max-request-body-size", &missing))) {
      if (!parse_u64(arg, value, 1, UINT64_MAX, &n)) return SERVE_EXIT_USAGE;
      cli->options.http.max_body_bytes = n;
    } else if ((value = cli_option_value(argc, argv, &i, "--max-http-fields-size", &missing))) {
      if (!parse_u64(arg, value, 64, 1u << 24, &n)) return SERVE_EXIT_USAGE;
      cli->options.http.max_head_bytes = (size_t)n;
    } else if ((value = http_flag_value(argc, argv, &i, &missing, &http_flag))) {
      wr_error err = {0};
      if (httpd_config_set_flag(&cli->options.http, http_flag, value, &err) != HTTPD_FLAG_SET) {
        fprintf(stderr, "warren serve: %s\n", err.message);
        return SERVE_EXIT_USAGE;
      }
    } else if (missing) {
      fprintf(stderr, "warren serve: %s needs a value\n", arg);
      return SERVE_EXIT_USAGE;
    } else {
      /* the pool's flags: --name VALUE, --name=VALUE, or --exact-limits */
      char name[64];
      const char *eq = strchr(arg, '=');
      size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
      if (name_len >= sizeof name) name_len = sizeof name - 1;
      memcpy(name, arg, name_len);
      name[name_len] = 0;
      const char *flag_value = eq ? eq + 1 : NULL;
      if (!eq && wr_pool_flag_takes_value(name)) {
        if (i + 1 >= argc) {
          fprintf(stderr, "warren serve: %s needs a value\n", arg);
          return SERVE_EXIT_USAGE;
        }
        flag_value = argv[++i];
      }
      wr_error err = {0};
      switch (wr_pool_limits_set(&cli->options.limits, name, flag_value, &err)) {
      case WR_POOL_FLAG_SET: break;
      case WR_POOL_FLAG_INVALID:
        fprintf(stderr, "warren serve: %s\n", err.message);
        return SERVE_EXIT_USAGE;
      case WR_POOL_FLAG_UNKNOWN:
        fprintf(stderr, "warren serve: unknown option '%s'\n\n", arg);
        usage(stderr);
        return SERVE_EXIT_USAGE;
      }
    }
  }
  if (i + 1 != argc) {
    if (i < argc) fprintf(stderr, "warren serve: one component expected, got extra arguments after %s\n\n", argv[i]);
    usage(stderr);
    return SERVE_EXIT_USAGE;
  }
  if (!cli_cache_max_size(cache_max_size, &cli->cache_max_size, "warren serve")) return SERVE_EXIT_USAGE;
  cli->path = argv[i];
  return -1;
}

/* --shutdown-addr: the first connection to it stops the server as SIGTERM would. */
static void *shutdown_listener(void *arg) {
  int fd = (int)(intptr_t)arg;
  int conn = accept(fd, NULL, NULL);
  if (conn >= 0) close(conn);
  close(fd);
  kill(getpid(), SIGTERM);
  return NULL;
}

static bool start_shutdown_listener(const char *addr) {
  char host[256];
  uint16_t port;
  if (!parse_addr("--shutdown-addr", addr, host, sizeof host, &port)) return false;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
  struct addrinfo *res;
  char service[8];
  snprintf(service, sizeof service, "%u", port);
  if (getaddrinfo(host, service, &hints, &res) != 0) {
    fprintf(stderr, "warren serve: --shutdown-addr %s: not a numeric address\n", addr);
    return false;
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, 1) == 0;
  freeaddrinfo(res);
  if (!ok) {
    fprintf(stderr, "warren serve: --shutdown-addr %s: %s\n", addr, strerror(errno));
    if (fd >= 0) close(fd);
    return false;
  }
  pthread_t thread;
  /* it must not take the signals the main thread waits for */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  ok = pthread_create(&thread, NULL, shutdown_listener, (void *)(intptr_t)fd) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (ok) pthread_detach(thread);
  return ok;
}

extern char **environ;

int cmd_serve(int argc, char **argv) {
  serve_cli cli = {0};
  cli.features = wasm_features_default();
  wr_pool_limits_default(&cli.options.limits, WR_POOL_P2);
  wasi_p2_config_init(&cli.options.wasi);
  int status = parse_options(argc, argv, &cli);
  uint8_t *bytes = NULL;
  size_t size = 0;
  cm_component *component = NULL;
  serve_app *app = NULL;
  WR_VEC(const char *) env = {0};
  wasi_p2_preopen *preopens = WR_NEW_ARRAY(wasi_p2_preopen, cli.dirs.len ? cli.dirs.len : 1);
  bool preopens_open = false;
  char host[256];
  if (status >= 0) goto done;
  status = SERVE_EXIT_FAILED;
  uint16_t port = 8080;
  if (cli.addr && !parse_addr("--addr", cli.addr, host, sizeof host, &port)) {
    status = SERVE_EXIT_USAGE;
    goto done;
  }
  cli.options.http.host = cli.addr ? host : "127.0.0.1";
  cli.options.http.port = port;
  wr_error err = {0};
  if (!cli_read_file(cli.path, &bytes, &size)) goto done;

  cli_cache cache;
  if (!cli_cache_begin(&cache, "warren serve", cli.path, cli.no_cache, cli.cache_max_size, &bytes, &size, &cli.features)) goto done;
  if (!cm_is_component(bytes, size)) {
    cli_cache_end(&cache, false);
    fprintf(stderr, "warren serve: %s is not a component (serve needs a wasi:http component)\n", cli.path);
    goto done;
  }
  component = cm_component_load(bytes, size, &cli.features, &err);
  cli_cache_end(&cache, component != NULL);
  if (!component) {
    run_print_error(cli.path, &err);
    goto done;
  }
  /* the flags are checked once the kind is known: p3 defaults differ, and p2 allows no concurrency */
  wr_pool_limits_set_kind(&cli.options.limits, serve_component_kind(component));
  if (!wr_pool_limits_check(&cli.options.limits, &err)) {
    fprintf(stderr, "warren serve: %s\n", err.message);
    status = SERVE_EXIT_USAGE;
    goto done;
  }
  if (cli.inherit_env)
    for (char **e = environ; *e; e++) WR_VEC_PUSH(&env, *e);
  for (size_t i = 0; i < cli.env.len; i++) WR_VEC_PUSH(&env, cli.env.items[i]);
  if (!cli_open_preopens(cli.dirs.items, cli.dirs.len, preopens, "warren serve")) goto done;
  preopens_open = true;
  static const char *const program_name[] = {"warren-serve"};
  cli.options.wasi.args = program_name;
  cli.options.wasi.nargs = 1;
  cli.options.wasi.env = env.items;
  cli.options.wasi.nenv = env.len;
  cli.options.wasi.preopens = preopens;
  cli.options.wasi.npreopens = cli.dirs.len;
  cli.options.wasi.allow_sockets = cli.inherit_network;
  const char *slash = strrchr(cli.path, '/');
  cli.options.name = slash ? slash + 1 : cli.path;
  app = serve_app_new(component, &cli.options, &err);
  if (!app) {
    run_print_error(cli.path, &err);
    goto done;
  }
  if (cli.shutdown_addr && !start_shutdown_listener(cli.shutdown_addr)) goto done;
  if (!serve_app_run(app, &err)) {
    fprintf(stderr, "warren serve: %s\n", err.message);
    goto done;
  }
  status = 0;
done:
  cli_cache_report("warren serve");
  serve_app_free(app);
  cm_component_free(component);
  if (preopens_open) cli_close_preopens(preopens, cli.dirs.len);
  wr_free(preopens);
  WR_VEC_FREE(&env);
  wr_free(bytes);
  for (size_t i = 0; i < cli.env.len; i++) wr_free(cli.env.items[i]);
  WR_VEC_FREE(&cli.env);
  WR_VEC_FREE(&cli.dirs);
  return status;
}
