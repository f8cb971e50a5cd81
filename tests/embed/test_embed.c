/* The embedding API (include/warren.h) through libwarren.so (embed.api) and libwarren.a
 * (embed.api_static), as an embedder uses it: only warren.h is included. Components, whose
 * paths come on the command line:
 *   values.wasm, traps.wasm  tests/component_values (echo functions; Canonical ABI traps)
 *   hello-cli.wasm           the shared corpus' C command (prints argv, CORPUS_ENV, stderr)
 *   probe.wasm               tests/serve_e2e/probe.wat, a wasi:http guest (answers "count=N", N per instance)
 * Every function of warren.h is called at least once. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <warren.h>

static int failures;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                     \
    }                                                                 \
  } while (0)

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *bytes = malloc(size > 0 ? (size_t)size : 1);
  *len = fread(bytes, 1, (size_t)size, f);
  fclose(f);
  return bytes;
}

static warren_component *load(const char *path) {
  size_t len;
  uint8_t *bytes = read_file(path, &len);
  warren_error *err = NULL;
  warren_component *c = warren_component_load(bytes, len, &err);
  free(bytes); /* the component keeps its own copy */
  if (!c) {
    fprintf(stderr, "%s: %s\n", path, warren_error_message(err));
    exit(2);
  }
  return c;
}

/* Asserts err is of `kind` and its message contains `fragment`; frees it. */
static void expect_error(warren_error *err, warren_error_kind kind, const char *fragment) {
  CHECK(err != NULL);
  if (!err) return;
  if (warren_error_get_kind(err) != kind || !strstr(warren_error_message(err), fragment))
    fprintf(stderr, "  got kind %d: %s (wanted kind %d with '%s')\n", warren_error_get_kind(err),
            warren_error_message(err), kind, fragment);
  CHECK(warren_error_get_kind(err) == kind);
  CHECK(strstr(warren_error_message(err), fragment) != NULL);
  warren_error_free(err);
}

static void test_load_errors(void) {
  warren_error *err = NULL;
  static const uint8_t garbage[] = {'n', 'o', 't', ' ', 'w', 'a', 's', 'm'};
  CHECK(warren_component_load(garbage, sizeof garbage, &err) == NULL);
  size_t offset = 99;
  CHECK(err && warren_error_offset(err, &offset) && offset == 0);
  expect_error(err, WARREN_ERROR_LOAD, "");
  static const uint8_t core_module[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  err = NULL;
  CHECK(warren_component_load(core_module, sizeof core_module, &err) == NULL);
  expect_error(err, WARREN_ERROR_LOAD, "core WebAssembly module");
  /* a component header cut short */
  static const uint8_t truncated[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 1, 0x80};
  err = NULL;
  CHECK(warren_component_load(truncated, sizeof truncated, &err) == NULL);
  CHECK(err && warren_error_offset(err, &offset) && offset >= 8);
  expect_error(err, WARREN_ERROR_LOAD, "");
  /* a malformed cache bound (as `warren serve` takes it) fails the load, saying which */
  if (!getenv("WARREN_NO_CACHE")) {
    const char *was = getenv("WARREN_CACHE_MAX_SIZE");
    char *saved = was ? strdup(was) : NULL;
    setenv("WARREN_CACHE_MAX_SIZE", "12Q", 1);
    err = NULL;
    CHECK(warren_component_load(truncated, sizeof truncated, &err) == NULL);
    expect_error(err, WARREN_ERROR_INVALID, "WARREN_CACHE_MAX_SIZE: expected a size in bytes");
    if (saved) setenv("WARREN_CACHE_MAX_SIZE", saved, 1);
    else unsetenv("WARREN_CACHE_MAX_SIZE");
    free(saved);
  }
  /* NULL err is allowed: the failure is only returned */
  CHECK(warren_component_load(garbage, sizeof garbage, NULL) == NULL);
  CHECK(strcmp(warren_version(), "0.1.0") == 0);
}

static void test_inspect(const warren_component *values) {
  size_t n = warren_component_export_count(values);
  CHECK(n > 10);
  bool found = false;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(warren_component_export_name(values, i), "echo-u8")) {
      found = true;
      CHECK(strcmp(warren_component_export_type(values, i), "func(x: u8) -> u8") == 0 ||
            strstr(warren_component_export_type(values, i), "-> u8") != NULL);
    }
  CHECK(found);
  CHECK(warren_component_export_name(values, n) == NULL);
  CHECK(warren_component_export_type(values, n) == NULL);
  CHECK(warren_component_import_count(values) == 0);
  CHECK(warren_component_import_name(values, 0) == NULL);
  CHECK(warren_component_import_type(values, 0) == NULL);
  char *text = warren_component_describe(values);
  CHECK(strstr(text, "exports (") != NULL && strstr(text, "echo-u8: func(") != NULL);
  warren_string_free(text);
}

static void test_imports(const warren_component *cli) {
  size_t n = warren_component_import_count(cli);
  bool found = false;
  for (size_t i = 0; i < n; i++)
    if (strstr(warren_component_import_name(cli, i), "wasi:cli/environment@0.2")) {
      found = true;
      CHECK(strstr(warren_component_import_type(cli, i), "instance wasi:cli/environment@0.2") != NULL);
      CHECK(strstr(warren_component_import_type(cli, i), "get-arguments: func() -> list<string>") != NULL);
    }
  CHECK(found);
}

/* Calls and expects `want` back. */
static void expect_call(warren_instance *inst, const char *call, const char *want) {
  warren_error *err = NULL;
  char *got = warren_call(inst, call, &err);
  if (!got || strcmp(got, want)) fprintf(stderr, "  %s: got %s, wanted %s\n", call, got ? got : warren_error_message(err), want);
  CHECK(got && !strcmp(got, want));
  if (err) warren_error_free(err);
  warren_string_free(got);
}

static void test_calls(const warren_component *values, const warren_host *host) {
  warren_error *err = NULL;
  warren_instance *inst = warren_instantiate(values, host, &err);
  CHECK(inst != NULL);
  if (!inst) return;
  expect_call(inst, "echo-u8(255)", "255");
  expect_call(inst, "echo-string(\"h\\u{e9}llo, \\u{1F44B}\")", "\"héllo, 👋\"");
  expect_call(inst, "echo-list-u8([1, 2, 255,])", "[1, 2, 255]");
  expect_call(inst, "echo-result-empty(err)", "err");
  /* a value out of the type's range: an error pointing at the argument */
  CHECK(warren_call(inst, "echo-u8(256)", &err) == NULL);
  size_t offset = 0;
  CHECK(err && warren_error_offset(err, &offset) && offset == 8);
  expect_error(err, WARREN_ERROR_INVALID, "");
  err = NULL;
  CHECK(warren_call(inst, "no-such-function()", &err) == NULL);
  expect_error(err, WARREN_ERROR_NOT_FOUND, "no-such-function");
  err = NULL;
  CHECK(warren_call(inst, "echo-u8(1", &err) == NULL);
  expect_error(err, WARREN_ERROR_INVALID, "");
  /* the instance is still usable after bad input */
  expect_call(inst, "echo-u8(7)", "7");
  warren_instance_free(inst);
}

static void test_traps(const warren_component *traps, const warren_host *host) {
  warren_error *err = NULL;
  warren_instance *inst = warren_instantiate(traps, host, &err);
  CHECK(inst != NULL);
  if (!inst) return;
  CHECK(warren_call(inst, "misaligned-list()", &err) == NULL);
  expect_error(err, WARREN_ERROR_TRAP, "list at 2 (alignment 4)");
  err = NULL;
  CHECK(warren_call(inst, "oob-list()", &err) == NULL);
  expect_error(err, WARREN_ERROR_TRAP, "cannot be called again");
  warren_instance_free(inst);
  /* a fresh instance of the same component is fine */
  inst = warren_instantiate(traps, host, &err);
  CHECK(inst != NULL);
  err = NULL;
  CHECK(warren_call(inst, "surrogate-char()", &err) == NULL);
  expect_error(err, WARREN_ERROR_TRAP, "0xd800");
  warren_instance_free(inst);
}

static void test_link_error(const warren_host *host) {
  /* (component (import "x" (func))): the host has no `x` */
  static const uint8_t imports_x[] = {0,    'a',  's',  'm',  0x0d, 0x00, 0x01, 0x00, /* preamble */
                                      0x07, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00,       /* type 0: func() */
                                      0x0a, 0x06, 0x01, 0x00, 0x01, 'x',  0x01, 0x00}; /* import "x" (func (type 0)) */
  warren_error *err = NULL;
  warren_component *c = warren_component_load(imports_x, sizeof imports_x, &err);
  CHECK(c != NULL);
  if (!c) {
    fprintf(stderr, "  %s\n", warren_error_message(err));
    warren_error_free(err);
    return;
  }
  CHECK(warren_component_import_count(c) == 1);
  CHECK(strcmp(warren_component_import_name(c, 0), "x") == 0);
  CHECK(strcmp(warren_component_import_type(c, 0), "func()") == 0);
  CHECK(warren_instantiate(c, host, &err) == NULL);
  expect_error(err, WARREN_ERROR_LINK, "x");
  err = NULL;
  CHECK(warren_instantiate(c, NULL, &err) == NULL);
  expect_error(err, WARREN_ERROR_INVALID, "host");
  warren_component_free(c);
}

static char *read_all(FILE *f) {
  static char buf[4096];
  fflush(f);
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  return buf;
}

static void test_run_command(const warren_component *cli, const warren_component *values) {
  FILE *out = tmpfile(), *errf = tmpfile();
  warren_wasi_config *config = warren_wasi_config_new();
  warren_wasi_config_add_arg(config, "hello");
  warren_wasi_config_add_arg(config, "Ada");
  warren_wasi_config_add_env(config, "CORPUS_ENV", "first");
  warren_wasi_config_add_env(config, "CORPUS_ENV", "embedded");
  warren_wasi_config_set_stdio(config, -1, fileno(out), fileno(errf));
  warren_wasi_config_allow_sockets(config, false);
  warren_error *err = NULL;
  CHECK(warren_wasi_config_preopen_dir(config, "/nonexistent/warren", "/", false, &err) == false);
  expect_error(err, WARREN_ERROR_INVALID, "/nonexistent/warren");
  err = NULL;
  CHECK(warren_wasi_config_preopen_dir(config, "/tmp", "/", true, &err));
  int exit_code = -1;
  bool ran = warren_run_command(cli, config, &exit_code, &err);
  if (!ran) fprintf(stderr, "  run: %s\n", warren_error_message(err));
  CHECK(ran && exit_code == 0);
  const char *text = read_all(out);
  CHECK(strstr(text, "argc=2\nargv[0]=hello\nargv[1]=Ada\nCORPUS_ENV=embedded\n") != NULL);
  CHECK(strcmp(read_all(errf), "this line goes to stderr\n") == 0);
  /* not a command */
  err = NULL;
  CHECK(!warren_run_command(values, config, &exit_code, &err));
  expect_error(err, WARREN_ERROR_NOT_FOUND, "wasi:cli/run");
  warren_wasi_config_free(config);
  fclose(out);
  fclose(errf);
}

/* One GET over loopback; returns the status and copies the body. */
static int http_get(int port, const char *path, char *body, size_t body_cap) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval tv = {30, 0}; /* a guard against a hang, not a timing assertion */
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  char request[256];
  int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", path);
  if (write(fd, request, (size_t)n) != n) {
    close(fd);
    return -1;
  }
  char response[8192];
  size_t len = 0;
  ssize_t r;
  while (len < sizeof response - 1 && (r = read(fd, response + len, sizeof response - 1 - len)) > 0) len += (size_t)r;
  response[len] = 0;
  close(fd);
  int status = -1;
  if (sscanf(response, "HTTP/1.1 %d", &status) != 1) return -1;
  const char *start = strstr(response, "\r\n\r\n");
  snprintf(body, body_cap, "%s", start ? start + 4 : "");
  return status;
}

static void test_server(const warren_component *probe, const warren_component *values) {
  warren_server_config *config = warren_server_config_new();
  warren_error *err = NULL;
  CHECK(!warren_server_config_set(config, "no-such-option", "1", &err));
  expect_error(err, WARREN_ERROR_INVALID, "unknown server option 'no-such-option'");
  err = NULL;
  CHECK(!warren_server_config_set(config, "max-instances", "many", &err));
  expect_error(err, WARREN_ERROR_INVALID, "max-instances");
  err = NULL;
  CHECK(!warren_server_config_set(config, "addr", "localhost", &err));
  expect_error(err, WARREN_ERROR_INVALID, "HOST:PORT");
  err = NULL;
  CHECK(!warren_server_config_set(config, "idle-instance-timeout", "5 parsecs", &err));
  expect_error(err, WARREN_ERROR_INVALID, "");
  err = NULL;
  CHECK(!warren_server_config_set(config, "body-timeout", "soon", &err));
  expect_error(err, WARREN_ERROR_INVALID, "--body-timeout: duration 'soon'");
  err = NULL;
  CHECK(!warren_server_config_set(config, "header-timeout", NULL, &err));
  expect_error(err, WARREN_ERROR_INVALID, "--header-timeout: a duration is needed");
  err = NULL;
  CHECK(!warren_server_config_set(config, "shutdown-timeout", "soon", &err));
  expect_error(err, WARREN_ERROR_INVALID, "shutdown-timeout");
  err = NULL;
  CHECK(!warren_server_config_set(config, "max-memory-size", "0", &err));
  expect_error(err, WARREN_ERROR_INVALID, "max-memory-size");
  const char *settings[][2] = {
      {"addr", "127.0.0.1:0"}, {"workers", "1"},         {"max-instance-reuse-count", "2"}, {"exact-limits", NULL},
      {"max-instances", "4"},  {"seed", "42"},           {"drain-timeout", "2s"},           {"timeout", "20s"},
      {"name", "probe"},       {"queue-timeout", "10s"}, {"idle-instance-timeout", "1h"},
      {"header-timeout", "5s"}, {"keep-alive-timeout", "30s"}, {"body-idle-timeout", "20s"}, {"body-timeout", "2m"},
      {"shutdown-timeout", "5s"},
      {"max-memory-size", "1048576"},
  };
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
    err = NULL;
    bool set = warren_server_config_set(config, settings[i][0], settings[i][1], &err);
    if (!set) fprintf(stderr, "  %s: %s\n", settings[i][0], warren_error_message(err));
    CHECK(set);
  }
  warren_wasi_config *wasi = warren_wasi_config_new();
  warren_wasi_config_set_stdio(wasi, -1, -1, -1); /* the probe's stderr lines are not wanted */
  warren_server_config_set_wasi(config, wasi);
  warren_wasi_config_free(wasi);

  /* a component that is not a wasi:http handler */
  err = NULL;
  CHECK(warren_server_new(values, config, &err) == NULL);
  expect_error(err, WARREN_ERROR_NOT_FOUND, "wasi:http/incoming-handler");
  /* limits inconsistent as a whole */
  warren_server_config *bad = warren_server_config_new();
  CHECK(warren_server_config_set(bad, "min-instances", "5", NULL));
  CHECK(warren_server_config_set(bad, "max-instances", "2", NULL));
  err = NULL;
  CHECK(warren_server_new(probe, bad, &err) == NULL);
  expect_error(err, WARREN_ERROR_INVALID, "");
  warren_server_config_free(bad);

  err = NULL;
  warren_server *server = warren_server_new(probe, config, &err);
  warren_server_config_free(config); /* the server has its copy */
  CHECK(server != NULL);
  if (!server) return;
  int port = warren_server_start(server, &err);
  CHECK(port > 0);
  err = NULL;
  CHECK(warren_server_start(server, &err) == -1);
  expect_error(err, WARREN_ERROR_INVALID, "already started");
  /* reuse count exactly 2, one worker: two requests on one instance, then a new one (whose
   * second request traps) */
  char body[1024];
  CHECK(http_get(port, "/", body, sizeof body) == 200);
  CHECK(strstr(body, "count=1\n") != NULL); /* the body may come chunked */
  CHECK(http_get(port, "/", body, sizeof body) == 200);
  CHECK(strstr(body, "count=2\n") != NULL); /* the body may come chunked */
  CHECK(http_get(port, "/", body, sizeof body) == 200);
  CHECK(strstr(body, "count=1\n") != NULL); /* the body may come chunked */
  CHECK(http_get(port, "/trap", body, sizeof body) == 500);
  /* metrics are published on the worker's tick: poll (bounded) until the trap shows */
  char *metrics = NULL;
  for (int i = 0; i < 3000; i++) {
    warren_string_free(metrics);
    metrics = warren_server_metrics_text(server);
    if (strstr(metrics, "warren_pool_traps_total{component=\"probe\"} 1")) break;
    usleep(1000);
  }
  CHECK(strstr(metrics, "warren_pool_traps_total{component=\"probe\"} 1") != NULL);
  CHECK(strstr(metrics, "warren_pool_instantiations_total{component=\"probe\"} 2") != NULL);
  if (failures) fprintf(stderr, "%s", metrics);
  warren_string_free(metrics);
  /* max-memory-size 1 MiB: the guest's memory.grow fails at 16 pages, and it answers so */
  CHECK(http_get(port, "/grow", body, sizeof body) == 200);
  CHECK(strstr(body, "count=16\n") != NULL);
  warren_server_stop(server);
  CHECK(http_get(port, "/", body, sizeof body) == -1); /* no longer listening */
  warren_server_stop(server);                          /* a second stop does nothing */
  warren_server_free(server);
}

/* A memory cap from the WASI configuration: below the probe's one-page memory, instantiation
 * fails and says why; at a page it instantiates. */
static void test_memory_cap(const warren_component *probe) {
  warren_wasi_config *wasi = warren_wasi_config_new();
  warren_wasi_config_set_max_memory_size(wasi, 65535);
  warren_error *err = NULL;
  warren_host *host = warren_host_new(wasi, &err);
  CHECK(host != NULL);
  CHECK(warren_instantiate(probe, host, &err) == NULL);
  expect_error(err, WARREN_ERROR_LINK, "exceeds the limit of 65535 bytes (max-memory-size)");
  warren_host_free(host);
  warren_wasi_config_set_max_memory_size(wasi, 65536);
  err = NULL;
  host = warren_host_new(wasi, &err);
  warren_instance *inst = warren_instantiate(probe, host, &err);
  CHECK(inst != NULL);
  warren_instance_free(inst);
  warren_host_free(host);
  warren_wasi_config_free(wasi);
}

/* Async exports: two calls on one instance at once, each finishing when the instance runs;
 * readiness follows the guest's backpressure. */
static void test_async(warren_component *async, warren_host *host) {
  warren_error *err = NULL;
  warren_instance *inst = warren_instantiate(async, host, &err);
  CHECK(inst != NULL);
  if (!inst) return;
  CHECK(warren_instance_ready(inst));
  warren_task *a = warren_call_start(inst, "add(2, 3)", &err);
  warren_task *b = warren_call_start(inst, "add(40, 2)", &err);
  CHECK(a && b);
  /* both yielded before returning */
  CHECK(warren_task_result(a) == NULL && warren_task_result(b) == NULL && !warren_task_exited(a));
  CHECK(warren_instance_run(inst, &err));
  CHECK(warren_task_result(a) && !strcmp(warren_task_result(a), "5"));
  CHECK(warren_task_result(b) && !strcmp(warren_task_result(b), "42"));
  CHECK(warren_task_exited(a) && warren_task_exited(b) && !warren_task_cancelled(a));
  CHECK(!warren_instance_run(inst, &err)); /* nothing left to run */
  warren_task_free(a);
  warren_task_free(b);
  /* backpressure: not ready while the guest holds it */
  char *out = warren_call(inst, "hold()", &err);
  CHECK(out != NULL);
  warren_string_free(out);
  CHECK(!warren_instance_ready(inst));
  warren_task *c = warren_call_start(inst, "add(1, 1)", &err);
  CHECK(c != NULL && warren_task_result(c) == NULL);
  CHECK(!warren_instance_run(inst, &err)); /* it waits to enter */
  out = warren_call(inst, "release()", &err);
  warren_string_free(out);
  CHECK(warren_instance_run(inst, &err) && warren_task_result(c) && !strcmp(warren_task_result(c), "2"));
  CHECK(warren_instance_ready(inst));
  /* a task freed before it exits is kept until the instance goes */
  warren_task *d = warren_call_start(inst, "add(0, 0)", &err);
  warren_task_free(d);
  warren_task *e = warren_call_start(inst, "nope()", &err);
  CHECK(e == NULL && err && warren_error_get_kind(err) == WARREN_ERROR_NOT_FOUND);
  warren_error_free(err);
  warren_instance_free(inst);
}

static void count_notify(void *arg) { (*(int *)arg)++; }

/* An async export that waits on host timers (tests/wasi_p3/concurrent_wait.wat: three waits, one
 * cancelled, the other two end in order and are reported on stdout), driven by the embedder's own
 * loop: run what is ready, then wait for host events. Without warren_instance_wait nothing would
 * ever end the waits. */
static void test_async_host_waits(const warren_component *waiter) {
  int out[2];
  CHECK(pipe(out) == 0);
  warren_wasi_config *wasi = warren_wasi_config_new();
  warren_wasi_config_set_stdio(wasi, -1, out[1], 2);
  warren_error *err = NULL;
  warren_host *host = warren_host_new(wasi, &err);
  warren_instance *inst = host ? warren_instantiate(waiter, host, &err) : NULL;
  CHECK(inst != NULL);
  if (!inst) return;
  CHECK(warren_instance_wait(inst, 0) == -1); /* nothing pending yet */
  int notified = 0, events = 0, rounds = 0;
  warren_instance_set_notify(inst, count_notify, &notified);
  warren_task *task = warren_call_start(inst, "wasi:cli/run@0.3.0#run()", &err);
  CHECK(task != NULL && warren_task_result(task) == NULL); /* it waits */
  while (task && !warren_task_exited(task) && rounds++ < 100) { /* bounded: ends after ~200 ms */
    while (warren_instance_run(inst, &err)) {
    }
    if (warren_task_exited(task)) break;
    int n = warren_instance_wait(inst, 10000);
    CHECK(n > 0);
    if (n <= 0) break;
    events += n;
  }
  CHECK(task && warren_task_exited(task) && warren_task_result(task) && !strcmp(warren_task_result(task), "ok"));
  CHECK(events >= 2);   /* the two timers, at least */
  CHECK(notified >= 2); /* each ended wait made a thread ready */
  while (warren_instance_wait(inst, 1000) > 0) { /* stdout's last bytes, if any are still queued */
  }
  warren_task_free(task);
  warren_instance_set_notify(inst, NULL, NULL);
  warren_instance_free(inst);
  warren_host_free(host);
  warren_wasi_config_free(wasi);
  close(out[1]);
  char text[64] = {0};
  size_t len = 0;
  ssize_t n;
  while (len < sizeof text - 1 && (n = read(out[0], text + len, sizeof text - 1 - len)) > 0) len += (size_t)n;
  close(out[0]);
  CHECK(!strcmp(text, "cancelled\nshort\nlong\n"));
  if (strcmp(text, "cancelled\nshort\nlong\n")) fprintf(stderr, "stdout was: %s\n", text);
}

/* A WASI 0.3 component through the embedding API gets p3's pool defaults (reuse, concurrency) like
 * `warren serve`: with one instance at most, requests land on the same instance, which counts on,
 * and requests at once share it. */
static void test_server_p3(const warren_component *probe3) {
  warren_server_config *config = warren_server_config_new();
  const char *settings[][2] = {{"addr", "127.0.0.1:0"}, {"workers", "1"}, {"max-instances", "1"},
                               {"idle-instance-timeout", "1h"}};
  for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
    CHECK(warren_server_config_set(config, settings[i][0], settings[i][1], NULL));
  warren_wasi_config *wasi = warren_wasi_config_new();
  warren_wasi_config_set_stdio(wasi, -1, -1, -1);
  warren_server_config_set_wasi(config, wasi);
  warren_wasi_config_free(wasi);
  warren_error *err = NULL;
  warren_server *server = warren_server_new(probe3, config, &err);
  warren_server_config_free(config);
  CHECK(server != NULL);
  if (!server) return;
  int port = warren_server_start(server, &err);
  CHECK(port > 0);
  char body[1024];
  CHECK(http_get(port, "/", body, sizeof body) == 200);
  CHECK(strstr(body, "count=1 ") != NULL);
  CHECK(http_get(port, "/", body, sizeof body) == 200);
  CHECK(strstr(body, "count=2 ") != NULL); /* reused: p2 would have given a fresh instance */
  warren_server_stop(server);
  warren_server_free(server);
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s values.wasm traps.wasm hello-cli.wasm probe.wasm async.wasm probe3.wasm "
                    "concurrent_wait.wasm\n", argv[0]);
    return 2;
  }
  warren_component *values = load(argv[1]), *traps = load(argv[2]), *cli = load(argv[3]), *probe = load(argv[4]);
  warren_component *async = load(argv[5]), *probe3 = load(argv[6]), *waiter = load(argv[7]);
  warren_error *err = NULL;
  warren_host *host = warren_host_new(NULL, &err);
  CHECK(host != NULL);
  test_load_errors();
  test_inspect(values);
  test_imports(cli);
  test_calls(values, host);
  test_traps(traps, host);
  test_link_error(host);
  test_run_command(cli, values);
  test_memory_cap(probe);
  test_server(probe, values);
  test_async(async, host);
  test_async_host_waits(waiter);
  test_server_p3(probe3);
  warren_host_free(host);
  warren_component_free(async);
  warren_component_free(probe3);
  warren_component_free(waiter);
  warren_component_free(values);
  warren_component_free(traps);
  warren_component_free(cli);
  warren_component_free(probe);
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  else printf("embed: all checks passed\n");
  return failures ? 1 : 0;
}
