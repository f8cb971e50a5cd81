/* WASI 0.3 cli, clocks and random hosts (src/wasi/p3_*.c).
 *   cli_test                      the sync functions called directly (as test_p2.c does), and
 *                                 the release-candidate names (cm_host_alias_version);
 *   cli_test command.wasm concurrent_wait.wasm exit.wasm
 *                                 the async ones through the .wat guests of tests/wasi_p3, run with
 *                                 wasi_p3_call on a poll reactor: stdio over pipes (with slow
 *                                 readers, prefixes and rate limits), empty and discarding stdio,
 *                                 EPIPE, no event loop, output accepted before an exit, and an
 *                                 instance freed while its waits and pumps are pending. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"
#include "base/input_file.h"
#include "component/names.h"
#include "wasi/p2.h"
#include "wasi/p3.h"
#include "wasi/p2_internal.h"

static cm_host *host;
static cm_arena *arena;

/* ---- the sync functions, called directly ---- */

static wasm_store *store;
static wasi_p2_ctx *ctx;
static cm_canon_cx cx;
static wasm_trap *last_trap;

static const cm_host_interface *find(const char *name) {
  cm_name parsed;
  const char *why;
  if (!cm_name_parse(arena, (const uint8_t *)name, (uint32_t)strlen(name), &parsed, &why)) return NULL;
  return cm_host_find(host, &parsed);
}

static cm_val call(const char *iface, const char *func, const cm_val *args) {
  char full[128];
  snprintf(full, sizeof full, "wasi:%s@%s", iface, WASI_P3_VERSION);
  const cm_host_interface *hi = find(full);
  cm_host_impl impl;
  void *env;
  if (!hi || !cm_host_interface_func(hi, func, &impl, &env)) {
    fprintf(stderr, "no implementation of %s %s\n", full, func);
    exit(2);
  }
  cm_val result = {0};
  last_trap = impl(env, &cx, args, &result);
  return result;
}

static bool is_str(cm_val v, const char *s) { return v.u.str.len == strlen(s) && !memcmp(v.u.str.data, s, v.u.str.len); }

static void test_direct(void) {
  static const char *const args[] = {"prog", "a b"};
  static const char *const env[] = {"K=v", "EMPTY="};
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.args = args;
  config.nargs = 2;
  config.env = env;
  config.nenv = 2;
  config.initial_cwd = "/work";
  store = wasm_store_new();
  ctx = wasi_p2_ctx_new(&config);
  wasi_p2_ctx_attach(ctx, store);
  cx = (cm_canon_cx){.store = store, .arena = arena};

  cm_val v = call("cli/environment", "get-arguments", NULL);
  CHECK(!last_trap && v.u.seq.count == 2 && is_str(v.u.seq.items[1], "a b"));
  v = call("cli/environment", "get-environment", NULL);
  CHECK(!last_trap && v.u.seq.count == 2 && is_str(v.u.seq.items[0].u.seq.items[0], "K") &&
        is_str(v.u.seq.items[0].u.seq.items[1], "v") && is_str(v.u.seq.items[1].u.seq.items[1], ""));
  v = call("cli/environment", "get-initial-cwd", NULL);
  CHECK(!last_trap && v.u.cs.index == 1 && is_str(*v.u.cs.payload, "/work"));
  for (int i = 0; i < 3; i++) {
    static const char *const names[][2] = {{"cli/terminal-stdin", "get-terminal-stdin"},
                                           {"cli/terminal-stdout", "get-terminal-stdout"},
                                           {"cli/terminal-stderr", "get-terminal-stderr"}};
    v = call(names[i][0], names[i][1], NULL);
    CHECK(!last_trap && v.u.cs.index == 0);
  }
  /* exit ends the run as in 0.2: an exit trap with the code */
  cm_val err_case = {.u.cs = {1, NULL}}, ok_case = {.u.cs = {0, NULL}}, code = cm_val_u(7);
  call("cli/exit", "exit", &err_case);
  CHECK(last_trap && last_trap->kind == WASM_TRAP_EXIT && last_trap->exit_code == 1);
  call("cli/exit", "exit", &ok_case);
  CHECK(last_trap && last_trap->kind == WASM_TRAP_EXIT && last_trap->exit_code == 0);
  call("cli/exit", "exit-with-code", &code);
  CHECK(last_trap && last_trap->kind == WASM_TRAP_EXIT && last_trap->exit_code == 7);

  /* random: max-len is a maximum, so a huge one is capped instead of trapping as in 0.2 */
  cm_val len = cm_val_u(16);
  v = call("random/random", "get-random-bytes", &len);
  CHECK(!last_trap && v.u.seq.count == 16);
  len = cm_val_u(UINT64_MAX);
  v = call("random/insecure", "get-insecure-random-bytes", &len);
  CHECK(!last_trap && v.u.seq.count == WASI_RANDOM_MAX);
  cm_val a = call("random/random", "get-random-u64", NULL), b = call("random/insecure", "get-insecure-random-u64", NULL);
  CHECK(!last_trap && a.u.u != b.u.u); /* 2^-64 to fail */
  v = call("random/insecure-seed", "get-insecure-seed", NULL);
  CHECK(!last_trap && v.u.seq.count == 2 && v.u.seq.items[0].u.u != v.u.seq.items[1].u.u);

  /* clocks */
  v = call("clocks/system-clock", "now", NULL);
  time_t now = time(NULL);
  CHECK(!last_trap && v.u.seq.items[0].u.s >= (int64_t)now - 5 && v.u.seq.items[0].u.s <= (int64_t)now + 5 &&
        v.u.seq.items[1].u.u < 1000000000u);
  v = call("clocks/system-clock", "get-resolution", NULL);
  CHECK(!last_trap && v.u.u >= 1 && v.u.u <= 1000000000u);
  cm_val m1 = call("clocks/monotonic-clock", "now", NULL), m2 = call("clocks/monotonic-clock", "now", NULL);
  CHECK(!last_trap && m2.u.u >= m1.u.u && m1.u.u > 0);
  v = call("clocks/monotonic-clock", "get-resolution", NULL);
  CHECK(!last_trap && v.u.u >= 1);

  wasi_p2_ctx_free(ctx);
  wasm_store_free(store);
}

/* ---- release candidates ---- */

static void test_versions(void) {
  /* the candidates whose WIT is 0.3.0's bind to it */
  const cm_host_interface *stdout_final = find("wasi:cli/stdout@0.3.0");
  const cm_host_interface *stdout_rc = find("wasi:cli/stdout@0.3.0-rc-2026-03-15");
  CHECK(stdout_final && stdout_rc &&
        cm_host_interface_type(stdout_rc) == cm_host_interface_type(stdout_final));
  cm_host_impl impl;
  void *env;
  CHECK(stdout_rc && cm_host_interface_func(stdout_rc, "write-via-stream", &impl, &env));
  cm_host_async_impl async_impl;
  const cm_host_interface *clock_rc = find("wasi:clocks/monotonic-clock@0.3.0-rc-2026-02-09");
  CHECK(clock_rc && cm_host_interface_async_func(clock_rc, "wait-for", &async_impl, &env));
  CHECK(find("wasi:random/random@0.3.0-rc-2026-03-15") != NULL);
  CHECK(find("wasi:random/insecure-seed@0.3.0-rc-2026-02-09") != NULL);
  /* random/random and random/insecure of 2026-02-09 take an exact `len`: their own WIT, not an
   * alias of 0.3.0's (whose max-len parameter would not match) */
  const cm_host_interface *random_rc = find("wasi:random/random@0.3.0-rc-2026-02-09");
  const cm_host_interface *random_final = find("wasi:random/random@0.3.0");
  CHECK(random_rc && random_final && cm_host_interface_type(random_rc) != cm_host_interface_type(random_final));
  CHECK(random_rc && cm_host_interface_func(random_rc, "get-random-bytes", &impl, &env));
  CHECK(find("wasi:random/insecure@0.3.0-rc-2026-02-09") != NULL);
  /* http, filesystem and sockets: 2026-03-15 is 0.3.0, 2026-02-09 is not */
  CHECK(find("wasi:http/types@0.3.0-rc-2026-03-15") != NULL && find("wasi:http/handler@0.3.0-rc-2026-03-15") != NULL);
  CHECK(find("wasi:filesystem/preopens@0.3.0-rc-2026-03-15") != NULL);
  CHECK(find("wasi:sockets/ip-name-lookup@0.3.0-rc-2026-03-15") != NULL);
  CHECK(find("wasi:http/types@0.3.0-rc-2026-02-09") == NULL && find("wasi:sockets/types@0.3.0-rc-2026-02-09") == NULL);
  /* other prereleases still bind only to themselves */
  CHECK(find("wasi:cli/stdout@0.3.0-rc-2025-09-16") == NULL);
  CHECK(find("wasi:cli/stdout@0.3.0-rc-2026-03-15+build") == NULL);
  /* what an alias refuses */
  wr_error err = {0};
  CHECK(!cm_host_alias_version(host, "wasi:cli/nope@0.3.0", "0.3.0-rc-1", &err) && strstr(err.message, "no such"));
  CHECK(!cm_host_alias_version(host, "wasi:cli/stdout@0.3.0", "0.3.1", &err) && strstr(err.message, "prerelease"));
  CHECK(!cm_host_alias_version(host, "wasi:cli/stdout@0.3.0", "0.3.0-rc-2026-03-15", &err) &&
        strstr(err.message, "alias already"));
  /* a name the host declares with its own WIT keeps its declaration */
  CHECK(cm_host_alias_version(host, "wasi:random/random@0.3.0", "0.3.0-rc-2026-02-09", &err));
  CHECK(find("wasi:random/random@0.3.0-rc-2026-02-09") &&
        cm_host_interface_type(find("wasi:random/random@0.3.0-rc-2026-02-09")) !=
            cm_host_interface_type(find("wasi:random/random@0.3.0")));
  CHECK(!cm_host_alias_version(host, "wasi:cli/stdout@0.3.0", "0.3.0-rc 2", &err));
  CHECK(cm_host_alias_version(host, "wasi:cli/stdout@0.3.0", "0.3.0-test", &err) &&
        find("wasi:cli/stdout@0.3.0-test") != NULL);
}


/* ---- the async functions, through guests ---- */

typedef struct guest {
  wasm_store *store;
  wasi_p2_ctx *ctx;
  wasi_poll_reactor *reactor;
  cm_component_instance *inst;
} guest;

static cm_component *load(const char *path) {
  wr_error err = {0};
  uint8_t *bytes = NULL;
  size_t size = 0;
  cm_component *component = NULL;
  if (wr_read_input_file(path, &bytes, &size, &err)) component = cm_component_load(bytes, size, NULL, &err);
  wr_free(bytes);
  if (!component) fprintf(stderr, "%s: %s\n", path, err.message);
  return component;
}

static bool guest_start(guest *g, const cm_component *component, const wasi_p2_config *config, bool with_reactor,
                        const char *stdout_prefix, wasi_output_limit *limit) {
  *g = (guest){.store = wasm_store_new(), .ctx = wasi_p2_ctx_new(config), .reactor = wasi_poll_reactor_new()};
  wasi_p2_ctx_attach(g->ctx, g->store);
  if (with_reactor) wasi_p2_set_reactor(g->ctx, wasi_poll_reactor_base(g->reactor));
  wasi_p2_set_stdio_prefix(g->ctx, 1, stdout_prefix);
  wasi_p2_set_output_limit(g->ctx, limit);
  wr_error err = {0};
  wasm_trap *trap = NULL;
  g->inst = cm_instantiate(g->store, component, host, &trap, &err);
  if (!g->inst) fprintf(stderr, "instantiate: %s\n", trap ? trap->message : err.message);
  return g->inst != NULL;
}

static void guest_end(guest *g) {
  cm_component_instance_free(g->inst);
  wasm_store_free(g->store);
  wasi_p2_ctx_free(g->ctx); /* cancels the waits still registered */
  CHECK(wasi_poll_reactor_pending(g->reactor) == 0);
  wasi_poll_reactor_free(g->reactor);
}

static const cm_func *run_func(const guest *g) {
  const char *interface;
  const cm_func *run = wasi_cli_run_func(g->inst, &interface);
  if (!run) {
    fprintf(stderr, "the guest exports no wasi:cli/run\n");
    exit(2);
  }
  return run;
}

static wasi_p2_config stdio_config(int in, int out) {
  static const char *const args[] = {"prog", "x", "y z"};
  static const char *const env[] = {"A=1"};
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.args = args;
  config.nargs = 3;
  config.env = env;
  config.nenv = 1;
  config.stdio[0] = in;
  config.stdio[1] = out;
  config.stdio[2] = -1;
  return config;
}

/* How a run ended (the trap's message is copied: it goes with the store). */
typedef struct outcome {
  bool ok;      /* returned ok */
  bool trapped;
  int exit_code; /* an exit trap's code, else -1 */
  char message[256];
} outcome;

/* Runs the guest's run to its end (wasi_p3_call) with stdin `in` and stdout `out` (-1: none). */
static outcome run_with(const cm_component *component, int in, int out, bool with_reactor, const char *prefix,
                        wasi_output_limit *limit) {
  wasi_p2_config config = stdio_config(in, out);
  outcome o = {.trapped = true, .exit_code = -1, .message = "not instantiated"};
  guest g;
  if (guest_start(&g, component, &config, with_reactor, prefix, limit)) {
    cm_val result = {0};
    wasm_trap *trap = wasi_p3_call(g.inst, g.reactor, run_func(&g), NULL, &result, arena);
    o.trapped = trap != NULL;
    o.ok = !trap && result.u.cs.index == 0;
    if (trap && trap->kind == WASM_TRAP_EXIT) o.exit_code = trap->exit_code;
    snprintf(o.message, sizeof o.message, "%s", trap ? trap->message : "");
    if (trap) fprintf(stderr, "(guest trap: %s)\n", trap->message);
  }
  guest_end(&g);
  return o;
}

/* run_with, stdout a pipe read back into buf (NUL-terminated; it fits the pipe's buffer). */
static outcome run_captured(const cm_component *component, int in, const char *prefix, wasi_output_limit *limit,
                            char *buf, size_t cap) {
  int out[2];
  buf[0] = 0;
  if (pipe(out)) return (outcome){.trapped = true, .message = "pipe"};
  outcome o = run_with(component, in, out[1], true, prefix, limit);
  close(out[1]);
  size_t len = 0;
  ssize_t r;
  while (len < cap - 1 && (r = read(out[0], buf + len, cap - 1 - len)) > 0) len += (size_t)r;
  buf[len] = 0;
  close(out[0]);
  return o;
}

#define COMMAND_OUTPUT "hello from p3\nx\ny z\nA=1\nwaited\n" /* before stdin's bytes */

/* stdin and stdout are pipes; everything the guest writes comes out in order */
static void test_command_pipes(const cm_component *command) {
  int in[2];
  if (pipe(in)) return;
  static const char input[] = "line one\nline two\n";
  CHECK(write(in[1], input, sizeof input - 1) == (ssize_t)(sizeof input - 1));
  close(in[1]);
  char buf[256];
  outcome o = run_captured(command, in[0], NULL, NULL, buf, sizeof buf);
  CHECK(o.ok && !strcmp(buf, COMMAND_OUTPUT "line one\nline two\n"));
  close(in[0]);
}

/* stdout a socket (as a server's log may be): written with send */
static void test_command_socket(const cm_component *command) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return;
  outcome o = run_with(command, -1, sv[1], true, NULL, NULL);
  close(sv[1]);
  char buf[256];
  size_t len = 0;
  ssize_t r;
  while (len < sizeof buf - 1 && (r = read(sv[0], buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)r;
  buf[len] = 0;
  CHECK(o.ok && !strcmp(buf, COMMAND_OUTPUT));
  close(sv[0]);
}

/* -1: an empty stdin and a discarding stdout (what `warren serve` gives a guest) */
static void test_command_no_stdio(const cm_component *command) {
  CHECK(run_with(command, -1, -1, true, NULL, NULL).ok);
}

/* 0.2's line prefix and rate limit apply to write-via-stream too */
static void test_command_prefix_and_limit(const cm_component *command) {
  wasi_output_limit limit;
  wr_rate_limit_init(&limit.instance, 0.001, 3); /* three lines, then (nearly) nothing */
  limit.shared = NULL;
  char buf[256];
  outcome o = run_captured(command, -1, "out :: ", &limit, buf, sizeof buf);
  CHECK(o.ok && !strcmp(buf, "out :: hello from p3\nout :: x\nout :: y z\n"));
  wr_rate_limit_destroy(&limit.instance);
}

typedef struct slow_reader {
  int fd;
  size_t prefix;   /* bytes before the pattern */
  long pause_ns;   /* after each read */
  size_t got;
  bool intact;
} slow_reader;

static void *read_slowly(void *arg) {
  slow_reader *r = arg;
  struct timespec start = {0, 50 * 1000000}, pause = {0, r->pause_ns}; /* let the pipe fill */
  nanosleep(&start, NULL);
  static char buf[4096];
  ssize_t n;
  while ((n = read(r->fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++, r->got++)
      if (r->got >= r->prefix && buf[i] != (char)('a' + (r->got - r->prefix) % 26)) r->intact = false;
    if (r->pause_ns) nanosleep(&pause, NULL);
  }
  return NULL;
}

/* `size` bytes of a pattern from a file through the guest into a pipe read slowly (the host's
 * writes meet a full pipe); what the reader got, checked against the pattern after `prefix`. */
static outcome run_slow_reader(const cm_component *component, size_t size, size_t prefix, long pause_ns,
                               size_t *got, bool *intact) {
  char path[] = "/tmp/warren-p3-stdin-XXXXXX";
  int in = mkstemp(path);
  int out[2];
  if (in < 0 || pipe(out)) return (outcome){.trapped = true, .message = "setup"};
  unlink(path);
  char *data = malloc(size);
  for (size_t i = 0; i < size; i++) data[i] = (char)('a' + i % 26);
  CHECK(write(in, data, size) == (ssize_t)size);
  free(data);
  lseek(in, 0, SEEK_SET);
  slow_reader reader = {.fd = out[0], .prefix = prefix, .pause_ns = pause_ns, .intact = true};
  pthread_t thread;
  pthread_create(&thread, NULL, read_slowly, &reader);
  outcome o = run_with(component, in, out[1], true, NULL, NULL);
  close(out[1]);
  pthread_join(thread, NULL);
  close(out[0]);
  close(in);
  *got = reader.got;
  *intact = reader.intact;
  return o;
}

/* 1 MiB through the command into a pipe that fills: the host waits for room (POLLOUT) */
static void test_command_slow_reader(const cm_component *command) {
  size_t got;
  bool intact;
  outcome o = run_slow_reader(command, 1u << 20, sizeof COMMAND_OUTPUT - 1, 0, &got, &intact);
  CHECK(o.ok && got == sizeof COMMAND_OUTPUT - 1 + (1u << 20) && intact);
}

/* exit.wat exits right after its last write: output the host accepted but the full pipe had no
 * room for yet is still written before wasi_p3_call returns */
static void test_exit_flushes(const cm_component *exiting) {
  size_t got;
  bool intact;
  outcome o = run_slow_reader(exiting, 100000, 0, 2 * 1000000, &got, &intact);
  CHECK(o.exit_code == 3 && got == 100000 && intact);
}

/* a stdout nobody reads: the future says pipe, the stream is dropped, the guest sees it */
static void test_command_broken_pipe(const cm_component *command) {
  int out[2];
  if (pipe(out)) return;
  close(out[0]);
  outcome o = run_with(command, -1, out[1], true, NULL, NULL);
  /* command.wat traps on a write that did not complete */
  CHECK(o.trapped && strstr(o.message, "unreachable"));
  close(out[1]);
}

/* without an event loop, the first stream or wait says so */
static void test_no_reactor(const cm_component *command) {
  outcome o = run_with(command, -1, -1, false, NULL, NULL);
  CHECK(o.trapped && strstr(o.message, "event loop"));
}

/* waits run concurrently, a cancelled one goes (concurrent_wait.wat says what it checks); its
 * stdin, a pipe that stays open and silent, does not keep the call going once run is over */
static void test_concurrent_waits(const cm_component *waits) {
  int in[2];
  if (pipe(in)) return;
  char buf[64];
  outcome o = run_captured(waits, in[0], NULL, NULL, buf, sizeof buf);
  CHECK(o.ok && !strcmp(buf, "cancelled\nshort\nlong\n"));
  close(in[0]);
  close(in[1]);
}

static void ignore_resolve(void *arg, const cm_val *result) { (void)arg, (void)result; }

/* an instance freed while its timers and stdout pump are pending: nothing leaks, nothing fires */
static void test_freed_while_pending(const cm_component *component, size_t pending) {
  wasi_p2_config config = stdio_config(-1, -1);
  guest g;
  if (guest_start(&g, component, &config, true, NULL, NULL)) {
    static cm_async_call call = {.on_resolve = ignore_resolve};
    call.arena = arena;
    cm_task *task;
    bool progressed;
    CHECK(cm_func_start(g.inst, run_func(&g), &call, &task) == NULL);
    CHECK(cm_instance_run(g.inst, &progressed) == NULL);
    CHECK(wasi_poll_reactor_pending(g.reactor) == pending);
  }
  guest_end(&g);
}

static void guest_tests(const char *command_path, const char *waits_path, const char *exit_path) {
  cm_component *command = load(command_path), *waits = load(waits_path), *exiting = load(exit_path);
  CHECK(command && waits && exiting);
  if (command && waits && exiting) {
    test_exit_flushes(exiting);
    test_command_pipes(command);
    test_command_no_stdio(command);
    test_command_socket(command);
    test_command_prefix_and_limit(command);
    test_command_slow_reader(command);
    test_command_broken_pipe(command);
    test_no_reactor(command);
    test_concurrent_waits(waits);
    test_freed_while_pending(command, 1); /* its stdout pump's first step, which its first write waits for */
    /* 200 ms and 10 ms (the hour was cancelled), and the first steps of its stdin and stdout pumps
     * (a pump steps on the loop, even over an fd of -1) */
    test_freed_while_pending(waits, 4);
  }
  cm_component_free(command);
  cm_component_free(waits);
  cm_component_free(exiting);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN); /* as `warren run` and `warren serve` do: EPIPE, not a signal */
  host = cm_host_new();
  arena = cm_arena_new();
  wr_error err = {0};
  if (!wasi_p2_define(host, &err) || !wasi_p3_define(host, &err)) {
    fprintf(stderr, "define: %s\n", err.message);
    return 2;
  }
  if (argc == 1) {
    test_direct();
    test_versions();
  } else if (argc == 4) {
    guest_tests(argv[1], argv[2], argv[3]);
  } else {
    fprintf(stderr, "usage: %s [command.wasm concurrent_wait.wasm exit.wasm]\n", argv[0]);
    return 2;
  }
  cm_arena_free(arena);
  cm_host_free(host);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
