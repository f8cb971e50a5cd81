/* wasi:sockets@0.3.0 called directly, as a guest's lowered import would: sync functions through
 * their bound implementations, async ones with a stand-in for the runtime's call (the test's
 * wasi_p3_calls records each result), streams and futures read and written through host ends
 * of the test's own, and the poll reactor driven by the test. Loopback only: denied without
 * allow, a TCP echo between two sockets in this process, a refused connect, a UDP round trip,
 * cancellation, name lookup of "localhost", and ops left running when the instance goes. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/instance.h"
#include "component/names.h"
#include "component/stream.h"
#include "wasi/p2.h"
#include "wasi/p3_internal.h"

#include "../check.h"

static cm_host *host;
static cm_arena *arena;
static wasm_store *store;
static wasi_p2_ctx *ctx;
static cm_component *empty;
static cm_component_instance *inst;
static wasi_poll_reactor *reactor;
static cm_canon_cx cx;
static wasm_trap *last_trap;

/* ---- the stand-in for an async call ---- */

typedef struct fake_call {
  bool finished, cancelled;
  uint32_t index;     /* result: 0 ok, 1 err */
  int code;           /* the error-code case, -1 when ok */
  char data[64];      /* udp receive: the datagram */
  size_t ndata;
  uint16_t port;      /* udp receive: the sender's port */
  size_t naddresses;  /* lookup: addresses */
  bool loopback;      /* lookup: 127.0.0.1 or ::1 among them */
  bool is_lookup, is_receive;
  void (*on_cancel)(void *arg);
  void (*on_drop)(void *arg);
  void *arg;
} fake_call;

static wasm_trap *fake_finish(cm_host_call *call, const cm_val *result) {
  fake_call *f = (fake_call *)call;
  f->finished = true;
  f->index = result->u.cs.index;
  f->code = f->index ? (int)result->u.cs.payload->u.cs.index : -1;
  if (f->index == 0 && f->is_receive) {
    const cm_val *pair = result->u.cs.payload;
    const cm_val *bytes = &pair->u.seq.items[0];
    f->ndata = bytes->u.seq.count < sizeof f->data ? bytes->u.seq.count : sizeof f->data;
    for (size_t i = 0; i < f->ndata; i++) f->data[i] = (char)bytes->u.seq.items[i].u.u;
    f->port = (uint16_t)pair->u.seq.items[1].u.cs.payload->u.seq.items[0].u.u;
  }
  if (f->index == 0 && f->is_lookup) {
    const cm_val *list = result->u.cs.payload;
    f->naddresses = list->u.seq.count;
    for (uint32_t i = 0; i < list->u.seq.count; i++) {
      const cm_val *ip = &list->u.seq.items[i];
      const cm_val *t = ip->u.cs.payload;
      if (ip->u.cs.index == 0 && t->u.seq.items[0].u.u == 127) f->loopback = true;
      if (ip->u.cs.index == 1 && t->u.seq.items[0].u.u == 0 && t->u.seq.items[7].u.u == 1) f->loopback = true;
    }
  }
  return NULL;
}

static void fake_set_hooks(cm_host_call *call, void (*on_cancel)(void *), void (*on_drop)(void *), void *arg) {
  fake_call *f = (fake_call *)call;
  f->on_cancel = on_cancel;
  f->on_drop = on_drop;
  f->arg = arg;
}

static void fake_cancelled(cm_host_call *call) { ((fake_call *)call)->cancelled = true; }

static const wasi_p3_calls fake_calls = {fake_finish, fake_set_hooks, fake_cancelled};

/* ---- calling implementations ---- */

static void setup(bool allow, bool with_reactor) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.allow_sockets = allow;
  store = wasm_store_new();
  ctx = wasi_p2_ctx_new(&config);
  wasi_p2_ctx_attach(ctx, store);
  reactor = wasi_poll_reactor_new();
  if (with_reactor) wasi_p2_set_reactor(ctx, wasi_poll_reactor_base(reactor));
  wasm_trap *trap = NULL;
  wr_error err = {0};
  inst = cm_instantiate(store, empty, host, &trap, &err);
  CHECK(inst != NULL);
  cx = (cm_canon_cx){.store = store, .arena = arena, .inst = inst};
}

static void teardown(void) {
  cm_component_instance_free(inst); /* first, as embedders do: the ctx goes after its instance */
  wasi_p2_ctx_free(ctx);
  wasi_poll_reactor_free(reactor);
  wasm_store_free(store);
}

static const cm_host_interface *find_iface(const char *iface) {
  char full[128];
  snprintf(full, sizeof full, "wasi:%s@%s", iface, WASI_P3_VERSION);
  cm_name name;
  const char *why;
  if (!cm_name_parse(arena, (const uint8_t *)full, (uint32_t)strlen(full), &name, &why)) {
    fprintf(stderr, "bad name %s: %s\n", full, why);
    exit(2);
  }
  const cm_host_interface *hi = cm_host_find(host, &name);
  if (!hi) {
    fprintf(stderr, "no interface %s\n", full);
    exit(2);
  }
  return hi;
}

static cm_val call(const char *iface, const char *func, const cm_val *args) {
  cm_host_impl impl;
  void *env;
  if (!cm_host_interface_func(find_iface(iface), func, &impl, &env)) {
    fprintf(stderr, "no implementation of %s %s\n", iface, func);
    exit(2);
  }
  cm_val result = {0};
  last_trap = impl(env, &cx, args, &result);
  return result;
}

static void call_async(const char *iface, const char *func, const cm_val *args, fake_call *f) {
  cm_host_async_impl impl;
  void *env;
  if (!cm_host_interface_async_func(find_iface(iface), func, &impl, &env)) {
    fprintf(stderr, "no async implementation of %s %s\n", iface, func);
    exit(2);
  }
  last_trap = impl(env, &cx, args, (cm_host_call *)f);
}

#define CALL(func, ...) call("sockets/types", func, (const cm_val[]){__VA_ARGS__})
#define ASYNC(f, func, ...) call_async("sockets/types", func, (const cm_val[]){__VA_ARGS__}, f)

static cm_val enum_case(uint32_t i) { return (cm_val){.u.cs = {i, NULL}}; }
static bool is_ok(cm_val r) { return !last_trap && r.u.cs.index == 0; }
static int err_code(cm_val r) { return !last_trap && r.u.cs.index == 1 ? (int)r.u.cs.payload->u.cs.index : -1; }
static bool trapped(const char *needle) { return last_trap && strstr(last_trap->message, needle); }

/* Runs the reactor until *flag (bounded: each run waits at most 2 s for an event). */
static void run_until(const bool *flag) {
  for (int i = 0; i < 200 && !*flag; i++) wasi_poll_reactor_run(reactor, 2000000000ull);
}

/* types.error-code cases */
enum { E_ACCESS_DENIED = 0, E_INVALID_ARGUMENT = 2, E_INVALID_STATE = 5, E_CONNECTION_REFUSED = 9 };

static cm_val loopback4(uint16_t port) {
  cm_val rec = cm_val_seq(arena, 2);
  rec.u.seq.items[0] = cm_val_u(port);
  rec.u.seq.items[1] = cm_val_seq(arena, 4);
  static const uint8_t ip[4] = {127, 0, 0, 1};
  for (int i = 0; i < 4; i++) rec.u.seq.items[1].u.seq.items[i] = cm_val_u(ip[i]);
  return cm_val_case(arena, 0, &rec);
}

static uint16_t port_of(cm_val socket) {
  cm_val r = CALL("[method]tcp-socket.get-local-address", socket);
  return is_ok(r) ? (uint16_t)r.u.cs.payload->u.cs.payload->u.seq.items[0].u.u : 0;
}

static uint16_t udp_port_of(cm_val socket) {
  cm_val r = CALL("[method]udp-socket.get-local-address", socket);
  return is_ok(r) ? (uint16_t)r.u.cs.payload->u.cs.payload->u.seq.items[0].u.u : 0;
}

/* ---- host ends of the test ---- */

typedef struct end_probe {
  bool done;
  int result;
  uint32_t n;
} end_probe;

static void probe_done(void *arg, int result, uint32_t n) {
  end_probe *p = arg;
  p->done = true;
  p->result = result;
  p->n = n;
}

static const cm_host_end_ops probe_ops = {probe_done};

/* Reads `len` bytes (or up to the end) from a stream<u8> the host gave. */
static size_t read_bytes(cm_host_end *end, end_probe *p, char *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    *p = (end_probe){0};
    CHECK(cm_host_end_read(end, store, buf + got, NULL, NULL, (uint32_t)(len - got)) == NULL);
    run_until(&p->done);
    CHECK(p->done);
    if (!p->done) break;
    got += p->n;
    if (p->result == CM_COPY_DROPPED) break;
  }
  return got;
}

/* The value of a future<result<_, error-code>> the host gave: 0 ok, else 1 + the code. */
static int read_future(void *shared) {
  end_probe p = {0};
  cm_host_end *end = cm_host_end_take_readable(shared, &probe_ops, &p);
  cm_val v = {0};
  CHECK(cm_host_end_read(end, store, NULL, &v, arena, 1) == NULL);
  run_until(&p.done);
  CHECK(p.done && p.n == 1);
  int out = p.n == 1 ? (v.u.cs.index == 0 ? 0 : 1 + (int)v.u.cs.payload->u.cs.index) : -1;
  cm_host_end_drop(end);
  return out;
}

/* A stream<u8> the test writes: the readable end goes to send(). */
static cm_host_end *new_byte_stream(end_probe *p, void **readable) {
  return cm_host_end_new_writable(cm_instance_cstore(inst), false, cm_valtype_primitive(CM_U8), readable, &probe_ops,
                                  p);
}

static void write_bytes(cm_host_end *end, end_probe *p, const char *text) {
  *p = (end_probe){0};
  CHECK(cm_host_end_write(end, store, text, NULL, (uint32_t)strlen(text)) == NULL);
  run_until(&p->done);
  CHECK(p->done && p->n == strlen(text));
}

/* ---- tests ---- */

static void test_denied(void) {
  setup(false, true);
  CHECK(err_code(CALL("[static]tcp-socket.create", enum_case(0))) == E_ACCESS_DENIED);
  CHECK(err_code(CALL("[static]udp-socket.create", enum_case(1))) == E_ACCESS_DENIED);
  fake_call f = {.is_lookup = true};
  cm_val name = cm_val_string("localhost", 9);
  call_async("sockets/ip-name-lookup", "resolve-addresses", &name, &f);
  CHECK(!last_trap && f.finished && f.index == 1 && f.code == 0);
  CALL("[method]tcp-socket.get-is-listening", cm_val_handle(1));
  CHECK(trapped("unknown tcp-socket"));
  teardown();
}

static void test_tcp_echo(void) {
  setup(true, true);
  cm_val listener = *CALL("[static]tcp-socket.create", enum_case(0)).u.cs.payload;
  CHECK(is_ok(CALL("[method]tcp-socket.bind", listener, loopback4(0))));
  CHECK(err_code(CALL("[method]tcp-socket.bind", listener, loopback4(0))) == E_INVALID_STATE);
  cm_val l = CALL("[method]tcp-socket.listen", listener);
  CHECK(is_ok(l));
  CHECK(err_code(CALL("[method]tcp-socket.listen", listener)) == E_INVALID_STATE);
  CHECK(CALL("[method]tcp-socket.get-is-listening", listener).u.b);
  uint16_t port = port_of(listener);
  CHECK(port != 0);
  end_probe accepted = {0};
  cm_host_end *connections = cm_host_end_take_readable(l.u.cs.payload->u.shared, &probe_ops, &accepted);
  cm_val conn = {0};
  CHECK(cm_host_end_read(connections, store, NULL, &conn, arena, 1) == NULL);

  cm_val client = *CALL("[static]tcp-socket.create", enum_case(0)).u.cs.payload;
  fake_call f = {0};
  ASYNC(&f, "[method]tcp-socket.connect", client, loopback4(0));
  CHECK(!last_trap && f.finished && f.code == E_INVALID_ARGUMENT);
  f = (fake_call){0};
  ASYNC(&f, "[method]tcp-socket.connect", client, loopback4(port));
  CHECK(!last_trap);
  run_until(&f.finished);
  CHECK(f.finished && f.index == 0);
  run_until(&accepted.done);
  CHECK(accepted.done && accepted.n == 1 && conn.u.rep != 0);
  cm_val server = cm_val_handle(conn.u.rep);
  cm_val peer = CALL("[method]tcp-socket.get-remote-address", server);
  CHECK(is_ok(peer) && peer.u.cs.payload->u.cs.payload->u.seq.items[0].u.u == port_of(client));
  f = (fake_call){0};
  ASYNC(&f, "[method]tcp-socket.connect", client, loopback4(port));
  CHECK(f.finished && f.code == E_INVALID_STATE);

  /* client -> server */
  end_probe cw = {0}, sr = {0}, sw = {0}, cr = {0};
  void *readable;
  cm_host_end *client_out = new_byte_stream(&cw, &readable);
  cm_val send_future = CALL("[method]tcp-socket.send", client, (cm_val){.u.shared = readable});
  CHECK(!last_trap);
  cm_val recv = CALL("[method]tcp-socket.receive", server);
  CHECK(!last_trap);
  cm_host_end *server_in = cm_host_end_take_readable(recv.u.seq.items[0].u.shared, &probe_ops, &sr);
  write_bytes(client_out, &cw, "ping");
  char buf[64] = {0};
  CHECK(read_bytes(server_in, &sr, buf, 4) == 4 && !memcmp(buf, "ping", 4));

  /* server -> client */
  cm_host_end *server_out = new_byte_stream(&sw, &readable);
  cm_val server_send = CALL("[method]tcp-socket.send", server, (cm_val){.u.shared = readable});
  cm_val crecv = CALL("[method]tcp-socket.receive", client);
  cm_host_end *client_in = cm_host_end_take_readable(crecv.u.seq.items[0].u.shared, &probe_ops, &cr);
  write_bytes(server_out, &sw, "pong!");
  memset(buf, 0, sizeof buf);
  CHECK(read_bytes(client_in, &cr, buf, 5) == 5 && !memcmp(buf, "pong!", 5));

  /* send and receive are once per socket */
  void *again;
  end_probe ap = {0};
  cm_host_end *again_end = new_byte_stream(&ap, &again);
  cm_val second = CALL("[method]tcp-socket.send", client, (cm_val){.u.shared = again});
  CHECK(read_future(second.u.shared) == 1 + E_INVALID_STATE);
  cm_host_end_drop(again_end);

  /* the client ends its stream: the server reads the end, both futures say ok */
  cm_host_end_drop(client_out);
  CHECK(read_future(send_future.u.shared) == 0);
  CHECK(read_bytes(server_in, &sr, buf, sizeof buf) == 0 && sr.result == CM_COPY_DROPPED);
  CHECK(read_future(recv.u.seq.items[1].u.shared) == 0);

  /* options */
  CHECK(is_ok(CALL("[method]tcp-socket.set-keep-alive-enabled", server, cm_val_bool(true))));
  cm_val ka = CALL("[method]tcp-socket.get-keep-alive-enabled", server);
  CHECK(is_ok(ka) && ka.u.cs.payload->u.b);
  CHECK(err_code(CALL("[method]tcp-socket.set-hop-limit", server, cm_val_u(0))) == E_INVALID_ARGUMENT);
  CHECK(CALL("[method]tcp-socket.get-address-family", server).u.cs.index == 0);

  cm_host_end_drop(server_in);
  cm_host_end_drop(client_in);
  cm_host_end_drop(server_out);
  CHECK(read_future(server_send.u.shared) == 0);
  cm_host_end_drop(connections); /* the listener's stream: its op ends at its next wakeup */
  teardown();
}

static void test_tcp_refused_and_no_reactor(void) {
  setup(true, true);
  cm_val bound = *CALL("[static]tcp-socket.create", enum_case(0)).u.cs.payload;
  CHECK(is_ok(CALL("[method]tcp-socket.bind", bound, loopback4(0))));
  uint16_t port = port_of(bound);
  cm_val client = *CALL("[static]tcp-socket.create", enum_case(0)).u.cs.payload;
  fake_call f = {0};
  ASYNC(&f, "[method]tcp-socket.connect", client, loopback4(port));
  run_until(&f.finished);
  CHECK(f.finished && f.code == E_CONNECTION_REFUSED);
  /* receive on a socket that is not connected: the stream ends, the future says why */
  cm_val recv = CALL("[method]tcp-socket.receive", bound);
  CHECK(read_future(recv.u.seq.items[1].u.shared) == 1 + E_INVALID_STATE);
  end_probe p = {0};
  cm_host_end *in = cm_host_end_take_readable(recv.u.seq.items[0].u.shared, &probe_ops, &p);
  char buf[4];
  CHECK(read_bytes(in, &p, buf, sizeof buf) == 0 && p.result == CM_COPY_DROPPED);
  cm_host_end_drop(in);
  teardown();

  /* without a reactor a call that would wait traps instead of blocking */
  setup(true, false);
  cm_val s = *CALL("[static]tcp-socket.create", enum_case(0)).u.cs.payload;
  f = (fake_call){0};
  ASYNC(&f, "[method]tcp-socket.connect", s, loopback4(9));
  CHECK(trapped("no event loop"));
  teardown();
}

static void test_udp(void) {
  setup(true, true);
  cm_val a = *CALL("[static]udp-socket.create", enum_case(0)).u.cs.payload;
  cm_val b = *CALL("[static]udp-socket.create", enum_case(0)).u.cs.payload;
  fake_call f = {.is_receive = true};
  ASYNC(&f, "[method]udp-socket.receive", a);
  CHECK(f.finished && f.code == E_INVALID_STATE); /* not bound */
  CHECK(is_ok(CALL("[method]udp-socket.bind", a, loopback4(0))));
  CHECK(is_ok(CALL("[method]udp-socket.bind", b, loopback4(0))));
  CHECK(err_code(CALL("[method]udp-socket.disconnect", a)) == E_INVALID_STATE);
  uint16_t a_port = udp_port_of(a), b_port = udp_port_of(b);

  /* b waits first, then a sends */
  fake_call got = {.is_receive = true};
  ASYNC(&got, "[method]udp-socket.receive", b);
  CHECK(!last_trap && !got.finished);
  cm_val payload = cm_val_seq(arena, 2);
  payload.u.seq.items[0] = cm_val_u('h');
  payload.u.seq.items[1] = cm_val_u('i');
  cm_val to_b = loopback4(b_port);
  fake_call sent = {0};
  ASYNC(&sent, "[method]udp-socket.send", a, payload, cm_val_case(arena, 1, &to_b));
  CHECK(sent.finished && sent.index == 0);
  run_until(&got.finished);
  CHECK(got.finished && got.index == 0 && got.ndata == 2 && !memcmp(got.data, "hi", 2) && got.port == a_port);

  /* a datagram needs a destination: a is not connected */
  sent = (fake_call){0};
  ASYNC(&sent, "[method]udp-socket.send", a, payload, (cm_val){.u.cs = {0, NULL}});
  CHECK(sent.finished && sent.code == E_INVALID_ARGUMENT);
  /* connected, a sends without naming b */
  CHECK(is_ok(CALL("[method]udp-socket.connect", a, loopback4(b_port))));
  cm_val remote = CALL("[method]udp-socket.get-remote-address", a);
  CHECK(is_ok(remote) && remote.u.cs.payload->u.cs.payload->u.seq.items[0].u.u == b_port);
  sent = (fake_call){0};
  ASYNC(&sent, "[method]udp-socket.send", a, payload, (cm_val){.u.cs = {0, NULL}});
  CHECK(sent.finished && sent.index == 0);
  got = (fake_call){.is_receive = true};
  ASYNC(&got, "[method]udp-socket.receive", b);
  run_until(&got.finished);
  CHECK(got.finished && got.index == 0 && got.ndata == 2);
  CHECK(is_ok(CALL("[method]udp-socket.disconnect", a)));

  /* a receive cancelled while it waits */
  fake_call waiting = {.is_receive = true};
  ASYNC(&waiting, "[method]udp-socket.receive", a);
  CHECK(!waiting.finished && waiting.on_cancel);
  waiting.on_cancel(waiting.arg);
  CHECK(waiting.cancelled && !waiting.finished);

  /* one left waiting when the instance goes: the ctx reclaims it */
  fake_call left = {.is_receive = true};
  ASYNC(&left, "[method]udp-socket.receive", b);
  CHECK(!left.finished);
  teardown();
}

static void test_lookup(void) {
  setup(true, true);
  fake_call f = {.is_lookup = true};
  cm_val name = cm_val_string("", 0);
  call_async("sockets/ip-name-lookup", "resolve-addresses", &name, &f);
  CHECK(f.finished && f.code == 1); /* invalid-argument */
  f = (fake_call){.is_lookup = true};
  name = cm_val_string("127.0.0.1", 9);
  call_async("sockets/ip-name-lookup", "resolve-addresses", &name, &f);
  CHECK(f.finished && f.index == 0 && f.naddresses == 1 && f.loopback);
  f = (fake_call){.is_lookup = true};
  name = cm_val_string("localhost", 9);
  call_async("sockets/ip-name-lookup", "resolve-addresses", &name, &f);
  CHECK(!last_trap);
  run_until(&f.finished);
  CHECK(f.finished && f.index == 0 && f.naddresses >= 1 && f.loopback);
  teardown();
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  arena = cm_arena_new();
  host = cm_host_new();
  wr_error err = {0};
  if (!wasi_p2_define(host, &err) || !wasi_p3_define(host, &err)) {
    fprintf(stderr, "define: %s\n", err.message);
    return 1;
  }
  static const uint8_t empty_component[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  empty = cm_component_load(empty_component, sizeof empty_component, NULL, &err);
  if (!empty) {
    fprintf(stderr, "empty component: %s\n", err.message);
    return 1;
  }
  wasi_p3_calls_in_use = &fake_calls;
  test_denied();
  test_tcp_echo();
  test_tcp_refused_and_no_reactor();
  test_udp();
  test_lookup();
  cm_component_free(empty);
  cm_host_free(host);
  cm_arena_free(arena);
  printf("wasi_p3 sockets: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
