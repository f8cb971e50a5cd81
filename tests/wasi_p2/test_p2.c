/* WASI 0.2 host unit tests: every implementation is called directly, as a guest's lowered
 * import would call it (arguments as lifted cm_vals, a cm_canon_cx with a store and an arena),
 * after wasi_p2_define has declared the WIT and bound the implementations, so the test also
 * proves that every function name exists in Warren's WIT. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "component/names.h"
#include "wasi/p2.h"
#include "wasi/p2_internal.h"

#include "../check.h"


/* ---- calling implementations ---- */

static cm_host *host;
static cm_arena *arena;
static wasm_store *store;
static wasi_p2_ctx *ctx;
static cm_canon_cx cx;
static wasm_trap *last_trap;

static void setup(const wasi_p2_config *config) {
  store = wasm_store_new();
  ctx = wasi_p2_ctx_new(config);
  wasi_p2_ctx_attach(ctx, store);
  cx = (cm_canon_cx){.store = store, .arena = arena};
}

static void teardown(void) {
  wasi_p2_ctx_free(ctx);
  wasm_store_free(store);
  ctx = NULL;
  store = NULL;
}

/* Calls `func` of "wasi:<iface>@VERSION"; the trap (if any) is in last_trap. */
static cm_val call(const char *iface, const char *func, const cm_val *args) {
  char full[128];
  snprintf(full, sizeof full, "wasi:%s@%s", iface, WASI_P2_VERSION);
  cm_name name;
  const char *why;
  if (!cm_name_parse(arena, (const uint8_t *)full, (uint32_t)strlen(full), &name, &why)) {
    fprintf(stderr, "bad name %s: %s\n", full, why);
    exit(2);
  }
  const cm_host_interface *hi = cm_host_find(host, &name);
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

#define CALL(iface, func, ...) call(iface, func, (const cm_val[]){__VA_ARGS__})
#define CALL0(iface, func) call(iface, func, NULL)

static cm_val str(const char *s) { return cm_val_string(s, (uint32_t)strlen(s)); }
static cm_val enum_case(uint32_t i) { return (cm_val){.u.cs = {i, NULL}}; }
static cm_val bytes(const char *s) { return wasi_bytes(&cx, (const uint8_t *)s, strlen(s)); }

static bool is_ok(cm_val r) { return !last_trap && r.u.cs.index == 0; }
/* result<_, error-code> with an enum error: the code, or -1 when ok / trapped. */
static int err_code(cm_val r) { return !last_trap && r.u.cs.index == 1 ? (int)r.u.cs.payload->u.cs.index : -1; }
static bool trapped(const char *needle) { return last_trap && strstr(last_trap->message, needle); }
static bool stream_closed(cm_val r) {
  return !last_trap && r.u.cs.index == 1 && r.u.cs.payload->u.cs.index == 1;
}
static bool bytes_equal(cm_val list, const char *s) {
  if (list.u.seq.count != strlen(s)) return false;
  for (uint32_t i = 0; i < list.u.seq.count; i++)
    if (list.u.seq.items[i].u.u != (uint8_t)s[i]) return false;
  return true;
}

/* ---- io ---- */

static void test_stdout_pipe(void) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.stdio[1] = fds[1];
  setup(&config);
  cm_val out = CALL0("cli/stdout", "get-stdout");
  CHECK(!last_trap);
  /* stdio takes a write without check-write, as wasmtime's does (StarlingMonkey relies on it) */
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.write", out, bytes("x"))));
  cm_val permit = CALL("io/streams", "[method]output-stream.check-write", out);
  CHECK(is_ok(permit) && permit.u.cs.payload->u.u >= 4096);
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.write", out, bytes("hello "))));
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.flush", out)));
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.blocking-write-and-flush", out, bytes("world"))));
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.blocking-write-zeroes-and-flush", out, cm_val_u(2))));
  char buf[64] = {0};
  CHECK(read(fds[0], buf, sizeof buf) == 14);
  CHECK(memcmp(buf, "xhello world\0\0", 14) == 0);
  /* the spec's bounds */
  uint8_t big[5000] = {0};
  CALL("io/streams", "[method]output-stream.blocking-write-and-flush", out,
       wasi_bytes(&cx, big, sizeof big));
  CHECK(trapped("exceeds the limit of 4096"));
  CALL("io/streams", "[method]output-stream.blocking-write-zeroes-and-flush", out, cm_val_u(4097));
  CHECK(trapped("exceeds the limit"));
  permit = CALL("io/streams", "[method]output-stream.check-write", out);
  uint64_t n = permit.u.cs.payload->u.u;
  CALL("io/streams", "[method]output-stream.write-zeroes", out, cm_val_u(n + 1));
  CHECK(trapped("check-write permitted"));
  /* a rep that is not an output stream */
  CALL("io/streams", "[method]output-stream.check-write", cm_val_handle(9999));
  CHECK(trapped("unknown output-stream resource 9999"));
  /* the reader went away: closed */
  close(fds[0]);
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.check-write", out)));
  CHECK(stream_closed(CALL("io/streams", "[method]output-stream.write", out, bytes("x"))));
  CHECK(stream_closed(CALL("io/streams", "[method]output-stream.check-write", out)));
  teardown();
  close(fds[1]);
}

static void test_stdin_pipe_and_poll(void) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.stdio[0] = fds[0];
  setup(&config);
  cm_val in = CALL0("cli/stdin", "get-stdin");
  cm_val r = CALL("io/streams", "[method]input-stream.read", in, cm_val_u(100));
  CHECK(is_ok(r) && r.u.cs.payload->u.seq.count == 0); /* nothing yet: no blocking */
  cm_val p = CALL("io/streams", "[method]input-stream.subscribe", in);
  CHECK(!last_trap);
  CHECK(!CALL("io/poll", "[method]pollable.ready", p).u.b);
  /* poll on stdin and a 1 ms timer: the timer wins */
  cm_val timer = CALL("clocks/monotonic-clock", "subscribe-duration", cm_val_u(1000000));
  cm_val list = cm_val_seq(arena, 2);
  list.u.seq.items[0] = p;
  list.u.seq.items[1] = timer;
  cm_val ready = CALL("io/poll", "poll", list);
  CHECK(!last_trap && ready.u.seq.count == 1 && ready.u.seq.items[0].u.u == 1);
  CHECK(write(fds[1], "abcdef", 6) == 6);
  CHECK(CALL("io/poll", "[method]pollable.ready", p).u.b);
  r = CALL("io/streams", "[method]input-stream.read", in, cm_val_u(4));
  CHECK(is_ok(r) && bytes_equal(*r.u.cs.payload, "abcd"));
  r = CALL("io/streams", "[method]input-stream.skip", in, cm_val_u(1));
  CHECK(is_ok(r) && r.u.cs.payload->u.u == 1);
  r = CALL("io/streams", "[method]input-stream.blocking-read", in, cm_val_u(100));
  CHECK(is_ok(r) && bytes_equal(*r.u.cs.payload, "f"));
  close(fds[1]);
  CHECK(stream_closed(CALL("io/streams", "[method]input-stream.blocking-read", in, cm_val_u(100))));
  list = cm_val_seq(arena, 0);
  CALL("io/poll", "poll", list);
  CHECK(trapped("empty"));
  teardown();
  close(fds[0]);
}

static void test_splice(void) {
  int in[2], out[2];
  CHECK(pipe(in) == 0 && pipe(out) == 0);
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.stdio[0] = in[0];
  config.stdio[1] = out[1];
  setup(&config);
  cm_val src = CALL0("cli/stdin", "get-stdin");
  cm_val dst = CALL0("cli/stdout", "get-stdout");
  cm_val r = CALL("io/streams", "[method]output-stream.splice", dst, src, cm_val_u(10));
  CHECK(is_ok(r) && r.u.cs.payload->u.u == 0); /* nothing to move yet */
  CHECK(write(in[1], "spliced!", 8) == 8);
  r = CALL("io/streams", "[method]output-stream.splice", dst, src, cm_val_u(3));
  CHECK(is_ok(r) && r.u.cs.payload->u.u == 3);
  r = CALL("io/streams", "[method]output-stream.blocking-splice", dst, src, cm_val_u(100));
  CHECK(is_ok(r) && r.u.cs.payload->u.u == 5);
  char buf[16] = {0};
  CHECK(read(out[0], buf, sizeof buf) == 8 && memcmp(buf, "spliced!", 8) == 0);
  close(in[1]);
  CHECK(stream_closed(CALL("io/streams", "[method]output-stream.blocking-splice", dst, src, cm_val_u(100))));
  r = CALL("io/streams", "[method]input-stream.blocking-skip", src, cm_val_u(5));
  CHECK(stream_closed(r));
  teardown();
  close(in[0]);
  close(out[0]);
  close(out[1]);
}

/* A waiter that records wake-ups and signals the flag it waits on when asked to wait. */
typedef struct test_waiter {
  wasi_waiter base;
  int waits, wakes;
  wasi_flag *flag;
} test_waiter;

static wasm_trap *test_wait(wasi_waiter *self, wasi_p2_ctx *c, wasi_pollable *const *ps, uint32_t n) {
  WR_UNUSED(c);
  WR_UNUSED(ps);
  WR_UNUSED(n);
  test_waiter *w = (test_waiter *)self;
  w->waits++;
  wasi_signal(w->flag); /* as an event loop would before resuming the guest */
  return NULL;
}

static void test_wake(wasi_waiter *self, wasi_p2_ctx *c) {
  WR_UNUSED(c);
  ((test_waiter *)self)->wakes++;
}

static void test_flags_and_waiter(void) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  setup(&config);
  wasi_flag *flag = wasi_flag_new(ctx);
  uint32_t rep;
  CHECK(!wasi_pollable_add(ctx, wasi_pollable_flag(flag), &rep));
  cm_val p = cm_val_handle(rep);
  CHECK(!CALL("io/poll", "[method]pollable.ready", p).u.b);
  /* the default waiter cannot wait for a flag only a host could set */
  CALL("io/poll", "[method]pollable.block", p);
  CHECK(trapped("deadlock"));
  test_waiter waiter = {{test_wait, test_wake}, 0, 0, flag};
  wasi_p2_set_waiter(ctx, &waiter.base);
  CALL("io/poll", "[method]pollable.block", p);
  CHECK(!last_trap && waiter.waits == 1 && waiter.wakes == 1);
  CHECK(CALL("io/poll", "[method]pollable.ready", p).u.b);
  wasi_flag_clear(flag);
  CHECK(!CALL("io/poll", "[method]pollable.ready", p).u.b);
  /* the owner releases its flag; the guest's pollable keeps it alive */
  wasi_flag_release(flag);
  CHECK(!CALL("io/poll", "[method]pollable.ready", p).u.b);
  CHECK(!wasi_resource_dtor((void *)&wasi_pollable_kind, store, rep));
  CHECK(wasi_resource_dtor((void *)&wasi_pollable_kind, store, rep) != NULL); /* dropped twice */
  teardown();
}

static int frees;
static void count_free(void *object) {
  WR_UNUSED(object);
  frees++;
}

static void test_table(void) {
  static const wasi_kind kind_a = {"thing-a", count_free}, kind_b = {"thing-b", count_free};
  static int object;
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  setup(&config);
  uint32_t a, b;
  CHECK(!wasi_table_add(ctx, &kind_a, &object, &a));
  CHECK(!wasi_table_add(ctx, &kind_b, &object, &b));
  CHECK(a != 0 && b != 0 && a != b);
  CHECK(wasi_table_get(ctx, a, &kind_a) == &object);
  CHECK(wasi_table_get(ctx, a, &kind_b) == NULL); /* wrong kind */
  CHECK(wasi_table_get(ctx, 0, &kind_a) == NULL);
  CHECK(wasi_table_take(ctx, a, &kind_a) == &object && frees == 0);
  CHECK(wasi_table_get(ctx, a, &kind_a) == NULL);
  CHECK(wasi_table_remove(ctx, b, &kind_b) && frees == 1);
  /* fill it: the next add traps and frees the object */
  uint32_t rep = 0;
  bool all_added = true;
  for (uint32_t i = 0; i < WASI_TABLE_MAX; i++) all_added &= wasi_table_add(ctx, &kind_a, &object, &rep) == NULL;
  CHECK(all_added);
  frees = 0;
  wasm_trap *trap = wasi_table_add(ctx, &kind_a, &object, &rep);
  CHECK(trap && strstr(trap->message, "too many WASI resources") && frees == 1);
  frees = 0;
  teardown(); /* frees whatever is left */
  CHECK(frees == (int)WASI_TABLE_MAX);
}

/* ---- clocks, random, cli ---- */

static void test_clocks_random(void) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  setup(&config);
  uint64_t t0 = CALL0("clocks/monotonic-clock", "now").u.u;
  uint64_t t1 = CALL0("clocks/monotonic-clock", "now").u.u;
  CHECK(t1 >= t0 && t0 > 0);
  CHECK(CALL0("clocks/monotonic-clock", "resolution").u.u >= 1);
  cm_val wall = CALL0("clocks/wall-clock", "now");
  CHECK(wall.u.seq.items[0].u.u > 1700000000u && wall.u.seq.items[1].u.u < 1000000000u);
  cm_val p = CALL("clocks/monotonic-clock", "subscribe-instant", cm_val_u(t1 + 2000000));
  CHECK(!CALL("io/poll", "[method]pollable.ready", p).u.b);
  CALL("io/poll", "[method]pollable.block", p);
  CHECK(!last_trap && CALL0("clocks/monotonic-clock", "now").u.u >= t1 + 2000000);
  p = CALL("clocks/monotonic-clock", "subscribe-duration", cm_val_u(UINT64_MAX)); /* saturates */
  CHECK(!last_trap && !CALL("io/poll", "[method]pollable.ready", p).u.b);

  CHECK(CALL("random/random", "get-random-bytes", cm_val_u(0)).u.seq.count == 0);
  CHECK(CALL("random/random", "get-random-bytes", cm_val_u(33)).u.seq.count == 33);
  CHECK(CALL("random/insecure", "get-insecure-random-bytes", cm_val_u(7)).u.seq.count == 7);
  CALL("random/random", "get-random-bytes", cm_val_u(UINT64_MAX));
  CHECK(trapped("limit"));
  uint64_t r1 = CALL0("random/random", "get-random-u64").u.u, r2 = CALL0("random/random", "get-random-u64").u.u;
  CHECK(r1 != r2);
  CHECK(CALL0("random/insecure-seed", "insecure-seed").u.seq.count == 2);
  teardown();
}

static void test_cli(void) {
  static const char *const args[] = {"prog", "a b"};
  static const char *const env[] = {"A=1", "EMPTY=", "NOEQ"};
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.args = args;
  config.nargs = 2;
  config.env = env;
  config.nenv = 3;
  setup(&config);
  cm_val a = CALL0("cli/environment", "get-arguments");
  CHECK(a.u.seq.count == 2 && a.u.seq.items[1].u.str.len == 3);
  cm_val e = CALL0("cli/environment", "get-environment");
  CHECK(e.u.seq.count == 3);
  CHECK(e.u.seq.items[0].u.seq.items[0].u.str.len == 1 && e.u.seq.items[0].u.seq.items[1].u.str.data[0] == '1');
  CHECK(e.u.seq.items[1].u.seq.items[1].u.str.len == 0 && e.u.seq.items[2].u.seq.items[0].u.str.len == 4);
  CHECK(CALL0("cli/environment", "initial-cwd").u.cs.index == 0);
  CHECK(CALL0("cli/terminal-stdout", "get-terminal-stdout").u.cs.index == 0);
  CALL("cli/exit", "exit", enum_case(1));
  CHECK(last_trap && last_trap->kind == WASM_TRAP_EXIT && last_trap->exit_code == 1);
  CALL("cli/exit", "exit-with-code", cm_val_u(42));
  CHECK(last_trap && last_trap->kind == WASM_TRAP_EXIT && last_trap->exit_code == 42);
  teardown();
}

static void test_sockets_denied(void) {
  enum { ACCESS_DENIED = 1 };
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  setup(&config);
  cm_val net = CALL0("sockets/instance-network", "instance-network");
  CHECK(!last_trap);
  CHECK(err_code(CALL("sockets/tcp-create-socket", "create-tcp-socket", enum_case(0))) == ACCESS_DENIED);
  CHECK(err_code(CALL("sockets/udp-create-socket", "create-udp-socket", enum_case(1))) == ACCESS_DENIED);
  CHECK(err_code(CALL("sockets/ip-name-lookup", "resolve-addresses", net, str("localhost"))) == ACCESS_DENIED);
  CHECK(err_code(CALL("sockets/ip-name-lookup", "resolve-addresses", net, str("127.0.0.1"))) == ACCESS_DENIED);
  CALL("sockets/tcp", "[method]tcp-socket.subscribe", cm_val_handle(1));
  CHECK(trapped("unknown tcp-socket"));
  teardown();
}

/* network.error-code cases */
enum {
  NE_INVALID_ARGUMENT = 3, NE_NOT_IN_PROGRESS = 7, NE_WOULD_BLOCK = 8, NE_INVALID_STATE = 9,
  NE_CONNECTION_REFUSED = 14,
};

/* ip-socket-address ipv4(127.0.0.1:port) */
static cm_val loopback4(uint16_t port) {
  cm_val rec = cm_val_seq(arena, 2);
  rec.u.seq.items[0] = cm_val_u(port);
  rec.u.seq.items[1] = cm_val_seq(arena, 4);
  static const uint8_t ip[4] = {127, 0, 0, 1};
  for (int i = 0; i < 4; i++) rec.u.seq.items[1].u.seq.items[i] = cm_val_u(ip[i]);
  return cm_val_case(arena, 0, &rec);
}

/* ip-socket-address ipv6([::1]:port) */
static cm_val loopback6(uint16_t port) {
  cm_val rec = cm_val_seq(arena, 4);
  rec.u.seq.items[0] = cm_val_u(port);
  rec.u.seq.items[2] = cm_val_seq(arena, 8);
  rec.u.seq.items[2].u.seq.items[7] = cm_val_u(1);
  return cm_val_case(arena, 1, &rec);
}

static cm_val some_addr(cm_val addr) { return wasi_some(&cx, &addr); }

static uint16_t port_of_addr(cm_val addr) { return (uint16_t)addr.u.cs.payload->u.seq.items[0].u.u; }

/* A guest's drop of `handle`, a `resource` of "wasi:<iface>" (the trap, if any, in last_trap). */
static void drop(const char *iface, const char *resource, cm_val handle) {
  char full[128];
  snprintf(full, sizeof full, "wasi:%s@%s", iface, WASI_P2_VERSION);
  cm_host_dtor dtor;
  void *env;
  const cm_type *type = cm_host_resource(host, full, resource);
  if (!type || !cm_host_dtor_of(host, type, &dtor, &env)) {
    fprintf(stderr, "no destructor of %s %s\n", full, resource);
    exit(2);
  }
  last_trap = dtor(env, store, handle.u.rep);
}

/* Waits on the pollable `subscribe` of `iface` returns for `object`. */
static void wait_on(const char *iface, const char *subscribe, cm_val object) {
  cm_val p = call(iface, subscribe, &object);
  CHECK(!last_trap);
  CALL("io/poll", "[method]pollable.block", p);
  CHECK(!last_trap);
  drop("io/poll", "pollable", p);
}

static cm_val tcp_listener(cm_val net) {
  cm_val r = CALL("sockets/tcp-create-socket", "create-tcp-socket", enum_case(0));
  CHECK(is_ok(r));
  cm_val s = *r.u.cs.payload;
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.finish-bind", s)) == NE_NOT_IN_PROGRESS);
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.start-bind", s, net, loopback4(0))));
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.start-bind", s, net, loopback4(0))) == NE_INVALID_STATE);
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.finish-bind", s)));
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.start-listen", s)));
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.finish-listen", s)));
  CHECK(CALL("sockets/tcp", "[method]tcp-socket.is-listening", s).u.b);
  return s;
}

static cm_val read_some(cm_val in, uint64_t n) {
  cm_val r = CALL("io/streams", "[method]input-stream.blocking-read", in, cm_val_u(n));
  CHECK(is_ok(r));
  return is_ok(r) ? *r.u.cs.payload : (cm_val){0};
}

static void test_tcp_echo(void) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.allow_sockets = true;
  setup(&config);
  cm_val net = CALL0("sockets/instance-network", "instance-network");
  cm_val listener = tcp_listener(net);
  cm_val local = CALL("sockets/tcp", "[method]tcp-socket.local-address", listener);
  CHECK(is_ok(local));
  uint16_t port = port_of_addr(*local.u.cs.payload);
  CHECK(port != 0);
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.accept", listener)) == NE_WOULD_BLOCK);

  cm_val client = *CALL("sockets/tcp-create-socket", "create-tcp-socket", enum_case(0)).u.cs.payload;
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.start-connect", client, net, loopback4(0))) ==
        NE_INVALID_ARGUMENT);
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.start-connect", client, net, loopback6(port))) ==
        NE_INVALID_ARGUMENT);
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.shutdown", client, enum_case(2))) == NE_INVALID_STATE);
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.remote-address", client)) == NE_INVALID_STATE);
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.start-connect", client, net, loopback4(port))));
  cm_val fin = CALL("sockets/tcp", "[method]tcp-socket.finish-connect", client);
  for (int i = 0; i < 100 && err_code(fin) == NE_WOULD_BLOCK; i++) {
    wait_on("sockets/tcp", "[method]tcp-socket.subscribe", client);
    fin = CALL("sockets/tcp", "[method]tcp-socket.finish-connect", client);
  }
  CHECK(is_ok(fin));
  cm_val c_in = fin.u.cs.payload->u.seq.items[0], c_out = fin.u.cs.payload->u.seq.items[1];

  wait_on("sockets/tcp", "[method]tcp-socket.subscribe", listener);
  cm_val acc = CALL("sockets/tcp", "[method]tcp-socket.accept", listener);
  CHECK(is_ok(acc));
  cm_val server = acc.u.cs.payload->u.seq.items[0];
  cm_val s_in = acc.u.cs.payload->u.seq.items[1], s_out = acc.u.cs.payload->u.seq.items[2];
  /* each end's remote is the other's local */
  cm_val peer = CALL("sockets/tcp", "[method]tcp-socket.remote-address", server);
  cm_val client_local = CALL("sockets/tcp", "[method]tcp-socket.local-address", client);
  CHECK(is_ok(peer) && is_ok(client_local) &&
        port_of_addr(*peer.u.cs.payload) == port_of_addr(*client_local.u.cs.payload));
  CHECK(CALL("sockets/tcp", "[method]tcp-socket.address-family", server).u.cs.index == 0);

  CHECK(is_ok(CALL("io/streams", "[method]output-stream.blocking-write-and-flush", c_out, bytes("ping"))));
  CHECK(bytes_equal(read_some(s_in, 64), "ping"));
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.blocking-write-and-flush", s_out, bytes("pong!"))));
  CHECK(bytes_equal(read_some(c_in, 64), "pong!"));
  /* the client's send side shut down: the server reads the end */
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.shutdown", client, enum_case(1))));
  CHECK(stream_closed(CALL("io/streams", "[method]input-stream.blocking-read", s_in, cm_val_u(64))));

  /* options */
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.set-keep-alive-enabled", server, cm_val_bool(true))));
  cm_val ka = CALL("sockets/tcp", "[method]tcp-socket.keep-alive-enabled", server);
  CHECK(is_ok(ka) && ka.u.cs.payload->u.b);
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.set-keep-alive-idle-time", server, cm_val_u(1500000000))));
  cm_val idle = CALL("sockets/tcp", "[method]tcp-socket.keep-alive-idle-time", server);
  CHECK(is_ok(idle) && idle.u.cs.payload->u.u == 2000000000); /* whole seconds, rounded up */
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.set-hop-limit", server, cm_val_u(0))) == NE_INVALID_ARGUMENT);
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.set-hop-limit", server, cm_val_u(33))));
  cm_val hop = CALL("sockets/tcp", "[method]tcp-socket.hop-limit", server);
  CHECK(is_ok(hop) && hop.u.cs.payload->u.u == 33);
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.set-receive-buffer-size", server, cm_val_u(0))) ==
        NE_INVALID_ARGUMENT);
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.set-listen-backlog-size", server, cm_val_u(5))) ==
        NE_INVALID_STATE);
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.set-listen-backlog-size", listener, cm_val_u(5))));
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.accept", server)) == NE_INVALID_STATE);

  /* dropping the socket before its streams is harmless: they keep it */
  drop("sockets/tcp", "tcp-socket", client);
  CHECK(!last_trap);
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.blocking-write-and-flush", s_out, bytes("after"))));
  CHECK(bytes_equal(read_some(c_in, 64), "after"));
  drop("sockets/tcp", "tcp-socket", client);
  CHECK(trapped("unknown tcp-socket"));
  teardown();
}

/* A sender fills the connection until check-write says wait, then every byte arrives once, in
 * order. (Loopback TCP takes each permitted write whole, so the bytes a socket refuses and the
 * stream keeps for later are not reached here.) */
static void test_tcp_backpressure(void) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.allow_sockets = true;
  setup(&config);
  cm_val net = CALL0("sockets/instance-network", "instance-network");
  cm_val listener = tcp_listener(net);
  uint16_t port = port_of_addr(*CALL("sockets/tcp", "[method]tcp-socket.local-address", listener).u.cs.payload);
  cm_val client = *CALL("sockets/tcp-create-socket", "create-tcp-socket", enum_case(0)).u.cs.payload;
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.set-send-buffer-size", client, cm_val_u(4096))));
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.start-connect", client, net, loopback4(port))));
  cm_val fin = CALL("sockets/tcp", "[method]tcp-socket.finish-connect", client);
  for (int i = 0; i < 100 && err_code(fin) == NE_WOULD_BLOCK; i++) {
    wait_on("sockets/tcp", "[method]tcp-socket.subscribe", client);
    fin = CALL("sockets/tcp", "[method]tcp-socket.finish-connect", client);
  }
  CHECK(is_ok(fin));
  cm_val c_out = fin.u.cs.payload->u.seq.items[1];
  wait_on("sockets/tcp", "[method]tcp-socket.subscribe", listener);
  cm_val acc = CALL("sockets/tcp", "[method]tcp-socket.accept", listener);
  CHECK(is_ok(acc));
  cm_val s_in = acc.u.cs.payload->u.seq.items[1];

  enum { CHUNK = 65536, CAP = 64 << 20 };
  static uint8_t chunk[CHUNK];
  uint64_t written = 0;
  bool full = false;
  while (!full && written < CAP) {
    cm_val permit = CALL("io/streams", "[method]output-stream.check-write", c_out);
    CHECK(is_ok(permit));
    uint64_t n = is_ok(permit) ? permit.u.cs.payload->u.u : 0;
    if (n == 0) {
      full = true;
      break;
    }
    if (n > CHUNK) n = CHUNK;
    for (uint64_t i = 0; i < n; i++) chunk[i] = (uint8_t)((written + i) % 251);
    CHECK(is_ok(CALL("io/streams", "[method]output-stream.write", c_out, wasi_bytes(&cx, chunk, (size_t)n))));
    written += n;
  }
  CHECK(full); /* the connection filled up: the stream said wait */
  uint64_t got = 0;
  bool in_order = true;
  for (int i = 0; i < 1000000 && got < written; i++) {
    CALL("io/streams", "[method]output-stream.check-write", c_out); /* sends what was kept */
    cm_val r = CALL("io/streams", "[method]input-stream.read", s_in, cm_val_u(65536));
    CHECK(is_ok(r));
    if (!is_ok(r)) break;
    cm_val list = *r.u.cs.payload;
    for (uint32_t k = 0; k < list.u.seq.count; k++)
      if (list.u.seq.items[k].u.u != (got + k) % 251) in_order = false;
    got += list.u.seq.count;
    if (list.u.seq.count == 0 && got < written) wait_on("io/streams", "[method]input-stream.subscribe", s_in);
  }
  CHECK(got == written && in_order);
  teardown();
}

static void test_tcp_refused(void) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.allow_sockets = true;
  setup(&config);
  cm_val net = CALL0("sockets/instance-network", "instance-network");
  /* a bound socket that does not listen: connecting to its port is refused */
  cm_val bound = *CALL("sockets/tcp-create-socket", "create-tcp-socket", enum_case(0)).u.cs.payload;
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.start-bind", bound, net, loopback4(0))));
  CHECK(is_ok(CALL("sockets/tcp", "[method]tcp-socket.finish-bind", bound)));
  uint16_t port = port_of_addr(*CALL("sockets/tcp", "[method]tcp-socket.local-address", bound).u.cs.payload);
  cm_val client = *CALL("sockets/tcp-create-socket", "create-tcp-socket", enum_case(0)).u.cs.payload;
  cm_val r = CALL("sockets/tcp", "[method]tcp-socket.start-connect", client, net, loopback4(port));
  if (is_ok(r)) {
    r = CALL("sockets/tcp", "[method]tcp-socket.finish-connect", client);
    for (int i = 0; i < 100 && err_code(r) == NE_WOULD_BLOCK; i++) {
      wait_on("sockets/tcp", "[method]tcp-socket.subscribe", client);
      r = CALL("sockets/tcp", "[method]tcp-socket.finish-connect", client);
    }
  }
  CHECK(err_code(r) == NE_CONNECTION_REFUSED);
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.finish-connect", client)) == NE_NOT_IN_PROGRESS);
  /* an IPv6 socket takes no IPv4 address */
  cm_val six = *CALL("sockets/tcp-create-socket", "create-tcp-socket", enum_case(1)).u.cs.payload;
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.start-bind", six, net, loopback4(0))) == NE_INVALID_ARGUMENT);
  CHECK(CALL("sockets/tcp", "[method]tcp-socket.address-family", six).u.cs.index == 1);
  /* listening needs a bound socket */
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.start-listen", six)) == NE_INVALID_STATE);
  CHECK(err_code(CALL("sockets/tcp", "[method]tcp-socket.finish-listen", six)) == NE_NOT_IN_PROGRESS);
  teardown();
}

static cm_val udp_bound(cm_val net) {
  cm_val r = CALL("sockets/udp-create-socket", "create-udp-socket", enum_case(0));
  CHECK(is_ok(r));
  cm_val s = *r.u.cs.payload;
  CHECK(err_code(CALL("sockets/udp", "[method]udp-socket.stream", s, wasi_none())) == NE_INVALID_STATE);
  CHECK(is_ok(CALL("sockets/udp", "[method]udp-socket.start-bind", s, net, loopback4(0))));
  CHECK(is_ok(CALL("sockets/udp", "[method]udp-socket.finish-bind", s)));
  return s;
}

static void test_udp_round_trip(void) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.allow_sockets = true;
  setup(&config);
  cm_val net = CALL0("sockets/instance-network", "instance-network");
  cm_val a = udp_bound(net), b = udp_bound(net);
  uint16_t a_port = port_of_addr(*CALL("sockets/udp", "[method]udp-socket.local-address", a).u.cs.payload);
  uint16_t b_port = port_of_addr(*CALL("sockets/udp", "[method]udp-socket.local-address", b).u.cs.payload);
  cm_val sa = CALL("sockets/udp", "[method]udp-socket.stream", a, wasi_none());
  cm_val sb = CALL("sockets/udp", "[method]udp-socket.stream", b, some_addr(loopback4(a_port)));
  CHECK(is_ok(sa) && is_ok(sb));
  /* the streams of the first call are alive: a second call traps */
  CALL("sockets/udp", "[method]udp-socket.stream", a, wasi_none());
  CHECK(trapped("still alive"));
  cm_val a_in = sa.u.cs.payload->u.seq.items[0], a_out = sa.u.cs.payload->u.seq.items[1];
  cm_val b_in = sb.u.cs.payload->u.seq.items[0], b_out = sb.u.cs.payload->u.seq.items[1];
  cm_val remote = CALL("sockets/udp", "[method]udp-socket.remote-address", b);
  CHECK(is_ok(remote) && port_of_addr(*remote.u.cs.payload) == a_port);
  CHECK(err_code(CALL("sockets/udp", "[method]udp-socket.remote-address", a)) == NE_INVALID_STATE);

  /* a -> b */
  cm_val dgs = cm_val_seq(arena, 1);
  dgs.u.seq.items[0] = cm_val_seq(arena, 2);
  dgs.u.seq.items[0].u.seq.items[0] = bytes("hi b");
  dgs.u.seq.items[0].u.seq.items[1] = some_addr(loopback4(b_port));
  CALL("sockets/udp", "[method]outgoing-datagram-stream.send", a_out, dgs);
  CHECK(trapped("check-send permitted 0"));
  cm_val permit = CALL("sockets/udp", "[method]outgoing-datagram-stream.check-send", a_out);
  CHECK(is_ok(permit) && permit.u.cs.payload->u.u > 0);
  cm_val sent = CALL("sockets/udp", "[method]outgoing-datagram-stream.send", a_out, dgs);
  CHECK(is_ok(sent) && sent.u.cs.payload->u.u == 1);
  wait_on("sockets/udp", "[method]incoming-datagram-stream.subscribe", b_in);
  cm_val got = CALL("sockets/udp", "[method]incoming-datagram-stream.receive", b_in, cm_val_u(10));
  CHECK(is_ok(got) && got.u.cs.payload->u.seq.count == 1);
  if (is_ok(got) && got.u.cs.payload->u.seq.count == 1) {
    cm_val dg = got.u.cs.payload->u.seq.items[0];
    CHECK(bytes_equal(dg.u.seq.items[0], "hi b"));
    CHECK(port_of_addr(dg.u.seq.items[1]) == a_port);
  }
  /* b -> a, to its connected remote without naming it */
  dgs.u.seq.items[0].u.seq.items[0] = bytes("hi a");
  dgs.u.seq.items[0].u.seq.items[1] = wasi_none();
  CALL("sockets/udp", "[method]outgoing-datagram-stream.check-send", b_out);
  sent = CALL("sockets/udp", "[method]outgoing-datagram-stream.send", b_out, dgs);
  CHECK(is_ok(sent) && sent.u.cs.payload->u.u == 1);
  wait_on("sockets/udp", "[method]incoming-datagram-stream.subscribe", a_in);
  got = CALL("sockets/udp", "[method]incoming-datagram-stream.receive", a_in, cm_val_u(10));
  CHECK(is_ok(got) && got.u.cs.payload->u.seq.count == 1 &&
        bytes_equal(got.u.cs.payload->u.seq.items[0].u.seq.items[0], "hi a"));
  /* nothing waiting: an empty list, not an error */
  got = CALL("sockets/udp", "[method]incoming-datagram-stream.receive", a_in, cm_val_u(10));
  CHECK(is_ok(got) && got.u.cs.payload->u.seq.count == 0);
  /* a has no remote: a datagram must name one */
  CALL("sockets/udp", "[method]outgoing-datagram-stream.check-send", a_out);
  CHECK(err_code(CALL("sockets/udp", "[method]outgoing-datagram-stream.send", a_out, dgs)) == NE_INVALID_ARGUMENT);
  /* b is connected to a: no other destination */
  dgs.u.seq.items[0].u.seq.items[1] = some_addr(loopback4(b_port));
  CALL("sockets/udp", "[method]outgoing-datagram-stream.check-send", b_out);
  CHECK(err_code(CALL("sockets/udp", "[method]outgoing-datagram-stream.send", b_out, dgs)) == NE_INVALID_ARGUMENT);
  teardown();
}

static void test_name_lookup(void) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.allow_sockets = true;
  setup(&config);
  cm_val net = CALL0("sockets/instance-network", "instance-network");
  CHECK(err_code(CALL("sockets/ip-name-lookup", "resolve-addresses", net, str(""))) == NE_INVALID_ARGUMENT);
  CHECK(err_code(CALL("sockets/ip-name-lookup", "resolve-addresses", net, str("bad name"))) == NE_INVALID_ARGUMENT);
  CHECK(err_code(CALL("sockets/ip-name-lookup", "resolve-addresses", net, cm_val_string("a\0b", 3))) ==
        NE_INVALID_ARGUMENT);
  /* a literal answers at once */
  cm_val r = CALL("sockets/ip-name-lookup", "resolve-addresses", net, str("::1"));
  CHECK(is_ok(r));
  cm_val next = CALL("sockets/ip-name-lookup", "[method]resolve-address-stream.resolve-next-address", *r.u.cs.payload);
  CHECK(is_ok(next) && next.u.cs.payload->u.cs.index == 1 && next.u.cs.payload->u.cs.payload->u.cs.index == 1);
  next = CALL("sockets/ip-name-lookup", "[method]resolve-address-stream.resolve-next-address", *r.u.cs.payload);
  CHECK(is_ok(next) && next.u.cs.payload->u.cs.index == 0);
  /* localhost: on the helper thread, waited for through the pollable */
  r = CALL("sockets/ip-name-lookup", "resolve-addresses", net, str("localhost"));
  CHECK(is_ok(r));
  cm_val stream = *r.u.cs.payload;
  wait_on("sockets/ip-name-lookup", "[method]resolve-address-stream.subscribe", stream);
  bool loopback = false;
  for (int i = 0; i < 16; i++) {
    next = CALL("sockets/ip-name-lookup", "[method]resolve-address-stream.resolve-next-address", stream);
    CHECK(is_ok(next));
    if (!is_ok(next) || next.u.cs.payload->u.cs.index == 0) break;
    cm_val ip = *next.u.cs.payload->u.cs.payload;
    cm_val t = *ip.u.cs.payload;
    if (ip.u.cs.index == 0 && t.u.seq.items[0].u.u == 127) loopback = true;
    if (ip.u.cs.index == 1 && t.u.seq.items[7].u.u == 1 && t.u.seq.items[0].u.u == 0) loopback = true;
  }
  CHECK(loopback);
  /* a lookup dropped while its thread may still run */
  r = CALL("sockets/ip-name-lookup", "resolve-addresses", net, str("localhost"));
  CHECK(is_ok(r));
  teardown();
}

/* ---- filesystem ---- */

enum { E_EXIST = 7, E_NO_ENTRY = 20, E_NOT_EMPTY = 25, E_NOT_PERMITTED = 31, E_READ_ONLY = 33 };
enum { F_READ = 1, F_WRITE = 2, F_MUTATE = 32 };
enum { O_CREATE = 1, O_DIR = 2, O_EXCL_ = 4 };

static char tmp_root[256], outside_file[300];

static void make_tree(void) {
  char tmpl[] = "/tmp/warren-p2-XXXXXX";
  CHECK(mkdtemp(tmpl) != NULL);
  snprintf(tmp_root, sizeof tmp_root, "%s/root", tmpl);
  snprintf(outside_file, sizeof outside_file, "%s/secret", tmpl);
  char path[512];
  CHECK(mkdir(tmp_root, 0755) == 0);
  FILE *f = fopen(outside_file, "w");
  fputs("secret", f);
  fclose(f);
  snprintf(path, sizeof path, "%s/sub", tmp_root);
  CHECK(mkdir(path, 0755) == 0);
  snprintf(path, sizeof path, "%s/sub/file.txt", tmp_root);
  f = fopen(path, "w");
  fputs("contents", f);
  fclose(f);
  snprintf(path, sizeof path, "%s/up", tmp_root);
  CHECK(symlink("../secret", path) == 0);
  snprintf(path, sizeof path, "%s/abs", tmp_root);
  CHECK(symlink(outside_file, path) == 0);
  snprintf(path, sizeof path, "%s/inside", tmp_root);
  CHECK(symlink("sub/file.txt", path) == 0);
}

static void remove_tree(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(tmp_root) - strlen("/root")), tmp_root);
  CHECK(system(cmd) == 0);
}

static cm_val open_at(cm_val dir, uint32_t path_flags, const char *path, uint32_t open_flags, uint32_t flags) {
  return CALL("filesystem/types", "[method]descriptor.open-at", dir, cm_val_flags(path_flags), str(path),
              cm_val_flags(open_flags), cm_val_flags(flags));
}

static bool entries_are(cm_val dir, const char *expected) {
  cm_val stream = CALL("filesystem/types", "[method]descriptor.read-directory", dir);
  if (!is_ok(stream)) return false;
  char seen[256] = "";
  for (;;) {
    cm_val r = CALL("filesystem/types", "[method]directory-entry-stream.read-directory-entry", *stream.u.cs.payload);
    if (!is_ok(r)) return false;
    if (r.u.cs.payload->u.cs.index == 0) break;
    cm_val name = r.u.cs.payload->u.cs.payload->u.seq.items[1];
    /* order is the file system's: collect as a set of " name" words */
    strncat(seen, " ", sizeof seen - strlen(seen) - 1);
    strncat(seen, name.u.str.data, WR_MIN(name.u.str.len, sizeof seen - strlen(seen) - 1));
  }
  /* every expected word present and the counts equal */
  int n_seen = 0, n_expected = 0;
  for (const char *s = seen; *s; s++) n_seen += *s == ' ';
  char copy[256];
  snprintf(copy, sizeof copy, "%s", expected);
  for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
    n_expected++;
    char word[64];
    snprintf(word, sizeof word, " %s", w);
    bool found = false;
    for (const char *s = seen; (s = strstr(s, word)); s++)
      if (s[strlen(word)] == ' ' || s[strlen(word)] == '\0') found = true;
    if (!found) return false;
  }
  return n_seen == n_expected;
}

static void test_filesystem(bool use_openat2) {
  wasi_fs_use_openat2 = use_openat2;
  int dirfd = open(tmp_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK(dirfd >= 0);
  wasi_p2_preopen pre = {dirfd, "/", false};
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.preopens = &pre;
  config.npreopens = 1;
  setup(&config);
  cm_val dirs = CALL0("filesystem/preopens", "get-directories");
  CHECK(dirs.u.seq.count == 1);
  cm_val root = dirs.u.seq.items[0].u.seq.items[0];
  CHECK(dirs.u.seq.items[0].u.seq.items[1].u.str.len == 1);

  /* escapes: `..`, absolute paths, symlinks out (followed or as the parent of a name) */
  CHECK(err_code(open_at(root, 1, "../secret", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(open_at(root, 1, "sub/../../secret", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(open_at(root, 1, "/etc/passwd", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(open_at(root, 1, "up", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(open_at(root, 1, "abs", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(open_at(root, 1, "sub/../up", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.stat-at", root, cm_val_flags(1), str("up"))) ==
        E_NOT_PERMITTED);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.stat-at", root, cm_val_flags(1), str("abs"))) ==
        E_NOT_PERMITTED);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.stat-at", root, cm_val_flags(0), str("../x"))) ==
        E_NOT_PERMITTED);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.create-directory-at", root, str("../made"))) ==
        E_NOT_PERMITTED);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.unlink-file-at", root, str("/tmp/x"))) ==
        E_NOT_PERMITTED);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.readlink-at", root, str("sub/../../root/up"))) ==
        E_NOT_PERMITTED);
  /* a symlink itself (not followed) is fine to stat and read */
  cm_val st = CALL("filesystem/types", "[method]descriptor.stat-at", root, cm_val_flags(0), str("up"));
  CHECK(is_ok(st) && st.u.cs.payload->u.seq.items[0].u.cs.index == 5 /* symbolic-link */);
  cm_val link = CALL("filesystem/types", "[method]descriptor.readlink-at", root, str("up"));
  CHECK(is_ok(link) && link.u.cs.payload->u.str.len == 9);

  /* reading a file */
  cm_val file = open_at(root, 1, "sub/file.txt", 0, F_READ);
  CHECK(is_ok(file));
  cm_val fd = *file.u.cs.payload;
  cm_val rd = CALL("filesystem/types", "[method]descriptor.read", fd, cm_val_u(100), cm_val_u(3));
  CHECK(is_ok(rd) && bytes_equal(rd.u.cs.payload->u.seq.items[0], "tents"));
  rd = CALL("filesystem/types", "[method]descriptor.read", fd, cm_val_u(100), cm_val_u(8));
  CHECK(is_ok(rd) && rd.u.cs.payload->u.seq.items[1].u.b); /* end of file */
  cm_val type = CALL("filesystem/types", "[method]descriptor.get-type", fd);
  CHECK(is_ok(type) && type.u.cs.payload->u.cs.index == 6 /* regular-file */);
  st = CALL("filesystem/types", "[method]descriptor.stat", fd);
  CHECK(is_ok(st) && st.u.cs.payload->u.seq.items[2].u.u == 8);
  cm_val in = CALL("filesystem/types", "[method]descriptor.read-via-stream", fd, cm_val_u(4));
  CHECK(is_ok(in));
  cm_val r = CALL("io/streams", "[method]input-stream.blocking-read", *in.u.cs.payload, cm_val_u(100));
  CHECK(is_ok(r) && bytes_equal(*r.u.cs.payload, "ents"));
  CHECK(stream_closed(CALL("io/streams", "[method]input-stream.read", *in.u.cs.payload, cm_val_u(100))));
  /* writing through a read-only descriptor: bad-descriptor */
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.write-via-stream", fd, cm_val_u(0))) == 3);
  /* a symlink inside the preopen is followed */
  CHECK(is_ok(open_at(root, 1, "inside", 0, F_READ)));
  CHECK(err_code(open_at(root, 0, "inside", 0, F_READ)) == 15 /* loop: not following */);
  cm_val same = open_at(root, 1, "sub/./file.txt", 0, F_READ);
  CHECK(CALL("filesystem/types", "[method]descriptor.is-same-object", fd, *same.u.cs.payload).u.b);
  cm_val h1 = CALL("filesystem/types", "[method]descriptor.metadata-hash", fd);
  cm_val h2 = CALL("filesystem/types", "[method]descriptor.metadata-hash-at", root, cm_val_flags(0),
                   str("sub/file.txt"));
  CHECK(is_ok(h1) && is_ok(h2) && h1.u.cs.payload->u.seq.items[0].u.u == h2.u.cs.payload->u.seq.items[0].u.u);

  /* creating, writing, listing, renaming, removing */
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.create-directory-at", root, str("made"))));
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.create-directory-at", root, str("made"))) == E_EXIST);
  cm_val nf = open_at(root, 0, "made/new.txt", O_CREATE | O_EXCL_, F_READ | F_WRITE);
  CHECK(is_ok(nf));
  cm_val out = CALL("filesystem/types", "[method]descriptor.write-via-stream", *nf.u.cs.payload, cm_val_u(0));
  CHECK(is_ok(out));
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.blocking-write-and-flush", *out.u.cs.payload,
                   bytes("new data"))));
  cm_val ap = CALL("filesystem/types", "[method]descriptor.append-via-stream", *nf.u.cs.payload);
  CHECK(is_ok(CALL("io/streams", "[method]output-stream.blocking-write-and-flush", *ap.u.cs.payload, bytes("!"))));
  cm_val w = CALL("filesystem/types", "[method]descriptor.write", *nf.u.cs.payload, bytes("N"), cm_val_u(0));
  CHECK(is_ok(w) && w.u.cs.payload->u.u == 1);
  rd = CALL("filesystem/types", "[method]descriptor.read", *nf.u.cs.payload, cm_val_u(100), cm_val_u(0));
  CHECK(is_ok(rd) && bytes_equal(rd.u.cs.payload->u.seq.items[0], "New data!"));
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.set-size", *nf.u.cs.payload, cm_val_u(3))));
  CHECK(entries_are(root, "sub up abs inside made"));
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.rename-at", root, str("made/new.txt"), root,
                   str("moved.txt"))));
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.rename-at", root, str("moved.txt"), root,
                      str("../moved.txt"))) == E_NOT_PERMITTED);
  CHECK(entries_are(root, "sub up abs inside made moved.txt"));
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.symlink-at", root, str("moved.txt"), str("ln"))));
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.symlink-at", root, str("/etc/passwd"), str("ln2"))) ==
        E_NOT_PERMITTED);
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.link-at", root, cm_val_flags(0), str("moved.txt"), root,
                   str("hard"))));
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.unlink-file-at", root, str("hard"))));
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.unlink-file-at", root, str("ln"))));
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.unlink-file-at", root, str("moved.txt"))));
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.unlink-file-at", root, str("moved.txt"))) ==
        E_NO_ENTRY);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.remove-directory-at", root, str("sub"))) ==
        E_NOT_EMPTY);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.unlink-file-at", root, str("sub"))) ==
        14 /* is-directory */);
  CHECK(is_ok(CALL("filesystem/types", "[method]descriptor.remove-directory-at", root, str("made"))));
  CHECK(entries_are(root, "sub up abs inside"));
  /* a subdirectory opened without mutate-directory cannot change the tree */
  cm_val sub = open_at(root, 0, "sub", O_DIR, F_READ);
  CHECK(is_ok(sub));
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.create-directory-at", *sub.u.cs.payload, str("x"))) ==
        E_NOT_PERMITTED);
  CHECK(entries_are(*sub.u.cs.payload, "file.txt"));
  /* ... nor climb out of itself, even though its parent is inside the preopen */
  CHECK(err_code(open_at(*sub.u.cs.payload, 0, "../sub/file.txt", 0, F_READ)) == E_NOT_PERMITTED);
  teardown();

  /* a read-only preopen */
  pre.read_only = true;
  setup(&config);
  dirs = CALL0("filesystem/preopens", "get-directories");
  root = dirs.u.seq.items[0].u.seq.items[0];
  CHECK(err_code(open_at(root, 0, "new", O_CREATE, F_READ | F_WRITE)) == E_READ_ONLY);
  CHECK(err_code(open_at(root, 0, "sub/file.txt", 0, F_WRITE)) == E_READ_ONLY);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.create-directory-at", root, str("x"))) ==
        E_READ_ONLY);
  CHECK(err_code(CALL("filesystem/types", "[method]descriptor.unlink-file-at", root, str("inside"))) == E_READ_ONLY);
  CHECK(is_ok(open_at(root, 0, "sub/file.txt", 0, F_READ)));
  teardown();
  close(dirfd);
  wasi_fs_use_openat2 = true;
}

static void test_filesystem_error_code(void) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  setup(&config);
  uint32_t rep;
  CHECK(!wasi_table_add(ctx, &wasi_io_error_kind, wasi_io_error_new(ENOENT, "gone"), &rep));
  cm_val code = CALL("filesystem/types", "filesystem-error-code", cm_val_handle(rep));
  CHECK(code.u.cs.index == 1 && code.u.cs.payload->u.cs.index == E_NO_ENTRY);
  cm_val text = CALL("io/error", "[method]error.to-debug-string", cm_val_handle(rep));
  CHECK(text.u.str.len == 4 && memcmp(text.u.str.data, "gone", 4) == 0);
  teardown();
}

/* A store without a WASI ctx (an embedder that forgot wasi_p2_ctx_attach): every bound
 * function traps with a clear message instead of reading a NULL ctx. */
static void test_no_ctx(void) {
  store = wasm_store_new();
  cx = (cm_canon_cx){.store = store, .arena = arena};
  CALL("io/streams", "[method]output-stream.check-write", cm_val_handle(1));
  CHECK(trapped("wasi used without a WASI context"));
  CALL0("cli/stdout", "get-stdout");
  CHECK(trapped("wasi used without a WASI context"));
  wasm_store_free(store);
  store = NULL;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* a closed pipe is an EPIPE error, as in warren itself */
  arena = cm_arena_new();
  host = cm_host_new();
  wr_error err = {0};
  if (!wasi_p2_define(host, &err)) {
    fprintf(stderr, "wasi_p2_define: %s\n", err.message);
    return 1;
  }
  test_stdout_pipe();
  test_stdin_pipe_and_poll();
  test_splice();
  test_flags_and_waiter();
  test_table();
  test_clocks_random();
  test_cli();
  test_sockets_denied();
  test_tcp_echo();
  test_tcp_backpressure();
  test_tcp_refused();
  test_udp_round_trip();
  test_name_lookup();
  make_tree();
  test_filesystem(true);
  test_filesystem(false);
  remove_tree();
  test_filesystem_error_code();
  test_no_ctx();
  cm_host_free(host);
  cm_arena_free(arena);
  printf("wasi_p2: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
