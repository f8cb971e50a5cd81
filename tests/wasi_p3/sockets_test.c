/* wasi:sockets@0.3.0 called directly, as a guest's lowered import would: sync functions through
 * their bound implementations, async ones with a stand-in for the runtime's call (the test's
 * wasi_p3_calls records each result), streams and futures read and written through host ends
 * of the test's own, and the poll reactor driven by the test. Loopback only: denied without
 * allow, a TCP echo between two sockets in this process, a refused connect, a UDP round trip,
 * cancellation, name lookup of "localhost", and ops left running when the instance goes. */
#include <signal.h>

#include "harness.h"

static void setup(bool allow, bool with_reactor) {
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.allow_sockets = allow;
  setup_with(&config, with_reactor);
}

#define CALL(func, ...) call("sockets/types", func, (const cm_val[]){__VA_ARGS__})
#define ASYNC(f, func, ...) call_async("sockets/types", func, (const cm_val[]){__VA_ARGS__}, f)

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

/* A guest that drops what it was given: the receive stream (the socket stops reading, the
 * future says ok once data shows the drop), and the stream of connections (the listener's op
 * ends at the next connection, which is not accepted). */
static void test_tcp_dropped_streams(void) {
  setup(true, true);
  cm_val listener = *CALL("[static]tcp-socket.create", enum_case(0)).u.cs.payload;
  CHECK(is_ok(CALL("[method]tcp-socket.bind", listener, loopback4(0))));
  cm_val l = CALL("[method]tcp-socket.listen", listener);
  CHECK(is_ok(l));
  uint16_t port = port_of(listener);
  end_probe accepted = {0};
  cm_host_end *connections = cm_host_end_take_readable(l.u.cs.payload->u.shared, &probe_ops, &accepted);
  cm_val conn = {0};
  CHECK(cm_host_end_read(connections, store, NULL, &conn, arena, 1) == NULL);
  cm_val client = *CALL("[static]tcp-socket.create", enum_case(0)).u.cs.payload;
  fake_call f = {0};
  ASYNC(&f, "[method]tcp-socket.connect", client, loopback4(port));
  run_until(&f.finished);
  run_until(&accepted.done);
  CHECK(f.finished && f.index == 0 && accepted.n == 1);
  cm_val server = cm_val_handle(conn.u.rep);

  cm_val recv = CALL("[method]tcp-socket.receive", server);
  end_probe rp = {0};
  cm_host_end_drop(cm_host_end_take_readable(recv.u.seq.items[0].u.shared, &probe_ops, &rp));
  end_probe cw = {0};
  void *readable;
  cm_host_end *client_out = new_byte_stream(&cw, &readable);
  cm_val sent = CALL("[method]tcp-socket.send", client, (cm_val){.u.shared = readable});
  cw = (end_probe){0};
  CHECK(cm_host_end_write(client_out, store, "x", NULL, 1) == NULL);
  run_until(&cw.done);
  CHECK(read_future(recv.u.seq.items[1].u.shared) == 0);
  cm_val again = CALL("[method]tcp-socket.receive", server); /* once per socket */
  CHECK(read_future(again.u.seq.items[1].u.shared) == 1 + E_INVALID_STATE);
  end_probe ap = {0};
  cm_host_end_drop(cm_host_end_take_readable(again.u.seq.items[0].u.shared, &probe_ops, &ap));
  cm_host_end_drop(client_out);
  CHECK(read_future(sent.u.shared) == 0);

  cm_host_end_drop(connections);
  cm_val late = *CALL("[static]tcp-socket.create", enum_case(0)).u.cs.payload;
  f = (fake_call){0};
  ASYNC(&f, "[method]tcp-socket.connect", late, loopback4(port));
  run_until(&f.finished); /* the kernel completes it; the listener's op then ends */
  CHECK(f.finished && f.index == 0);
  for (int i = 0; i < 4; i++) wasi_poll_reactor_run(reactor, 0);
  CHECK(wasi_poll_reactor_pending(reactor) == 0); /* nothing is waiting any more */
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
  if (!harness_init()) return 1;
  test_denied();
  test_tcp_echo();
  test_tcp_dropped_streams();
  test_tcp_refused_and_no_reactor();
  test_udp();
  test_lookup();
  harness_free();
  printf("wasi_p3 sockets: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
