/* wasi:sockets 0.2 on the socket core (net.h): TCP and UDP sockets as non-blocking fds, their
 * byte and datagram streams, and name lookup on a helper thread. Nothing here blocks: what
 * would wait answers would-block and the guest waits on a pollable on the socket's fd (which a
 * server's waiter turns into a suspended fiber). Without config.allow_sockets, creating a
 * socket or resolving a name answers access-denied, so no socket object can exist.
 *
 * Child resources (streams, pollables) hold a reference to their socket, so dropping a socket
 * before its streams is harmless; a pollable only names the fd. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "net.h"
#include "p2_internal.h"

#define SOCKET_CHUNK (64u * 1024u) /* a stream's largest write per check-write, and read */
#define DATAGRAMS_PER_CALL 64u     /* check-send's permit and receive's largest batch */
#define RECEIVE_BYTES_MAX (256u * 1024u) /* receive stops adding datagrams past this many bytes */

/* network.error-code cases, in WIT order */
enum {
  E_UNKNOWN, E_ACCESS_DENIED, E_NOT_SUPPORTED, E_INVALID_ARGUMENT, E_OUT_OF_MEMORY, E_TIMEOUT,
  E_CONCURRENCY_CONFLICT, E_NOT_IN_PROGRESS, E_WOULD_BLOCK, E_INVALID_STATE, E_NEW_SOCKET_LIMIT,
  E_ADDRESS_NOT_BINDABLE, E_ADDRESS_IN_USE, E_REMOTE_UNREACHABLE, E_CONNECTION_REFUSED, E_CONNECTION_RESET,
  E_CONNECTION_ABORTED, E_DATAGRAM_TOO_LARGE, E_NAME_UNRESOLVABLE, E_TEMPORARY_RESOLVER_FAILURE,
  E_PERMANENT_RESOLVER_FAILURE,
};

static uint32_t error_code_of(wasi_net_error e) {
  static const uint32_t codes[] = {
      [NET_UNKNOWN] = E_UNKNOWN,
      [NET_ACCESS_DENIED] = E_ACCESS_DENIED,
      [NET_NOT_SUPPORTED] = E_NOT_SUPPORTED,
      [NET_INVALID_ARGUMENT] = E_INVALID_ARGUMENT,
      [NET_OUT_OF_MEMORY] = E_OUT_OF_MEMORY,
      [NET_TIMEOUT] = E_TIMEOUT,
      [NET_CONCURRENCY_CONFLICT] = E_CONCURRENCY_CONFLICT,
      [NET_NOT_IN_PROGRESS] = E_NOT_IN_PROGRESS,
      [NET_WOULD_BLOCK] = E_WOULD_BLOCK,
      [NET_INVALID_STATE] = E_INVALID_STATE,
      [NET_NEW_SOCKET_LIMIT] = E_NEW_SOCKET_LIMIT,
      [NET_ADDRESS_NOT_BINDABLE] = E_ADDRESS_NOT_BINDABLE,
      [NET_ADDRESS_IN_USE] = E_ADDRESS_IN_USE,
      [NET_REMOTE_UNREACHABLE] = E_REMOTE_UNREACHABLE,
      [NET_CONNECTION_REFUSED] = E_CONNECTION_REFUSED,
      [NET_CONNECTION_RESET] = E_CONNECTION_RESET,
      [NET_CONNECTION_ABORTED] = E_CONNECTION_ABORTED,
      [NET_CONNECTION_BROKEN] = E_CONNECTION_RESET, /* 0.2 has no connection-broken */
      [NET_DATAGRAM_TOO_LARGE] = E_DATAGRAM_TOO_LARGE,
      [NET_NAME_UNRESOLVABLE] = E_NAME_UNRESOLVABLE,
      [NET_TEMPORARY_RESOLVER_FAILURE] = E_TEMPORARY_RESOLVER_FAILURE,
      [NET_PERMANENT_RESOLVER_FAILURE] = E_PERMANENT_RESOLVER_FAILURE,
  };
  return e < WR_ARRAY_LEN(codes) ? codes[e] : E_UNKNOWN;
}

/* result<T, error-code>: ok(payload) when e is NET_OK, else the error. */
static wasm_trap *answer(const cm_canon_cx *cx, wasi_net_error e, const cm_val *payload, cm_val *result) {
  if (e == NET_OK) {
    *result = wasi_ok(cx, payload);
  } else {
    cm_val code = {.u.cs = {error_code_of(e), NULL}};
    *result = wasi_err(cx, &code);
  }
  return NULL;
}

/* ---- kinds ---- */

static void socket_free_object(void *object) { wasi_socket_release(object); }

/* The network resource carries no state; tables need a non-NULL object. */
static const char network_object;
static const wasi_kind network_kind = {"network", NULL};
static const wasi_kind tcp_kind = {"tcp-socket", socket_free_object};
static const wasi_kind udp_kind = {"udp-socket", socket_free_object};

static wasm_trap *instance_network(const cm_bound_call *call, cm_val *result) {
  uint32_t rep;
  wasm_trap *trap = wasi_table_add(call->state, &network_kind, (void *)&network_object, &rep);
  if (!trap) *result = cm_val_handle(rep);
  return trap;
}

static bool allowed(const cm_bound_call *call) { return wasi_p2_ctx_config(call->state)->allow_sockets; }

static wasm_trap *create_socket(const cm_bound_call *call, bool tcp, cm_val *result) {
  if (!allowed(call)) return answer(call->cx, NET_ACCESS_DENIED, NULL, result);
  wasi_socket *s;
  wasi_net_error e = wasi_socket_create(tcp, wasi_net_family((uint32_t)call->args[0].val.u.cs.index), &s);
  if (e) return answer(call->cx, e, NULL, result);
  uint32_t rep;
  wasm_trap *trap = wasi_table_add(call->state, tcp ? &tcp_kind : &udp_kind, s, &rep);
  if (trap) return trap;
  cm_val handle = cm_val_handle(rep);
  return answer(call->cx, NET_OK, &handle, result);
}

static wasm_trap *create_tcp_socket(const cm_bound_call *call, cm_val *result) {
  return create_socket(call, true, result);
}

static wasm_trap *create_udp_socket(const cm_bound_call *call, cm_val *result) {
  return create_socket(call, false, result);
}

/* ---- shared by tcp-socket and udp-socket ---- */

static wasm_trap *start_bind(const cm_bound_call *call, cm_val *result) {
  wasi_socket *s = call->args[0].object;
  wasi_net_error e = wasi_socket_bind(s, &call->args[2].val);
  if (!e) s->state = SOCKET_BIND_STARTED;
  return answer(call->cx, e, NULL, result);
}

static wasm_trap *finish_bind(const cm_bound_call *call, cm_val *result) {
  wasi_socket *s = call->args[0].object;
  if (s->state != SOCKET_BIND_STARTED) return answer(call->cx, NET_NOT_IN_PROGRESS, NULL, result);
  s->state = SOCKET_BOUND;
  return answer(call->cx, NET_OK, NULL, result);
}

WASI_SOCKET_COMMON_FUNCS(answer)

static wasm_trap *add_pollable(const cm_bound_call *call, wasi_pollable *pollable, cm_val *result) {
  uint32_t rep;
  wasm_trap *trap = wasi_pollable_add(call->state, pollable, &rep);
  if (!trap) *result = cm_val_handle(rep);
  return trap;
}

/* ---- tcp byte streams ---- */

typedef struct tcp_stream {
  wasi_socket *s; /* a reference */
  bool closed;
  uint8_t *pending; /* output: bytes the socket did not take yet (at most one chunk) */
  size_t pending_len, pending_off;
} tcp_stream;

static wasi_stream_status stream_failed(tcp_stream *t, int err, wasi_io_error **error) {
  t->closed = true;
  if (err == EPIPE) return WASI_STREAM_CLOSED;
  *error = wasi_io_error_new(err, "socket: %s", strerror(err));
  return WASI_STREAM_FAILED;
}

static wasi_stream_status tcp_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **error) {
  tcp_stream *t = self;
  if (t->closed) return WASI_STREAM_CLOSED;
  ssize_t n;
  do n = recv(t->s->fd, buf, len, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EWOULDBLOCK ? WASI_STREAM_OK : stream_failed(t, errno, error);
  if (n == 0) {
    t->closed = true;
    return WASI_STREAM_CLOSED;
  }
  *nread = (size_t)n;
  return WASI_STREAM_OK;
}

static wasi_pollable *tcp_subscribe_in(void *self) {
  tcp_stream *t = self;
  return t->closed ? wasi_pollable_ready() : wasi_pollable_fd(t->s->fd, POLLIN);
}

/* Sends what is pending; WASI_STREAM_OK with bytes left when the socket is full. */
static wasi_stream_status drain(tcp_stream *t, wasi_io_error **error) {
  while (t->pending_off < t->pending_len) {
    ssize_t n;
    do n = send(t->s->fd, t->pending + t->pending_off, t->pending_len - t->pending_off, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) return errno == EWOULDBLOCK ? WASI_STREAM_OK : stream_failed(t, errno, error);
    t->pending_off += (size_t)n;
  }
  t->pending_len = t->pending_off = 0;
  return WASI_STREAM_OK;
}

static wasi_stream_status tcp_check_write(void *self, uint64_t *permitted, wasi_io_error **error) {
  tcp_stream *t = self;
  if (t->closed) return WASI_STREAM_CLOSED;
  wasi_stream_status st = drain(t, error);
  if (st != WASI_STREAM_OK) return st;
  *permitted = 0;
  if (t->pending_len) return WASI_STREAM_OK;
  struct pollfd pfd = {.fd = t->s->fd, .events = POLLOUT};
  if (poll(&pfd, 1, 0) > 0) *permitted = SOCKET_CHUNK; /* an error shows in the write */
  return WASI_STREAM_OK;
}

static wasi_stream_status tcp_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **error) {
  tcp_stream *t = self;
  if (t->closed) return WASI_STREAM_CLOSED;
  size_t sent = 0;
  while (sent < len && !t->pending_len) {
    ssize_t n;
    do n = send(t->s->fd, buf + sent, len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EWOULDBLOCK) break;
    if (n < 0) return stream_failed(t, errno, error);
    sent += (size_t)n;
  }
  if (sent < len) {
    /* io.c lets a write carry at most what check-write permitted: one chunk */
    if (!t->pending) t->pending = wr_malloc(SOCKET_CHUNK);
    memcpy(t->pending + t->pending_len, buf + sent, len - sent);
    t->pending_len += len - sent;
  }
  return WASI_STREAM_OK;
}

static wasi_stream_status tcp_flush(void *self, wasi_io_error **error) {
  tcp_stream *t = self;
  if (t->closed) return WASI_STREAM_CLOSED;
  return drain(t, error);
}

static wasi_pollable *tcp_subscribe_out(void *self) {
  tcp_stream *t = self;
  return t->closed ? wasi_pollable_ready() : wasi_pollable_fd(t->s->fd, POLLOUT);
}

static void tcp_stream_free(void *self) {
  tcp_stream *t = self;
  if (!t->closed && t->pending_len) {
    wasi_io_error *error = NULL;
    drain(t, &error); /* best effort: what the socket takes now */
    wasi_io_error_free(error);
  }
  wasi_socket_release(t->s);
  wr_free(t->pending);
  wr_free(t);
}

static const wasi_input_ops tcp_input_ops = {tcp_read, tcp_subscribe_in, tcp_stream_free};
static const wasi_output_ops tcp_output_ops = {tcp_check_write, tcp_write, tcp_flush, tcp_subscribe_out,
                                              tcp_stream_free, 0};

static tcp_stream *tcp_stream_new(wasi_socket *s) {
  tcp_stream *t = WR_NEW(tcp_stream);
  t->s = wasi_socket_retain(s);
  return t;
}

/* The (input-stream, output-stream) pair of a connected socket into items[0..1]. */
static wasm_trap *add_streams(const cm_bound_call *call, wasi_socket *s, cm_val *items) {
  uint32_t in, out;
  wasm_trap *trap = wasi_input_stream_add(call->state, &tcp_input_ops, tcp_stream_new(s), &in);
  if (trap) return trap;
  trap = wasi_output_stream_add(call->state, &tcp_output_ops, tcp_stream_new(s), &out);
  if (trap) return trap;
  items[0] = cm_val_handle(in);
  items[1] = cm_val_handle(out);
  return NULL;
}

/* ---- tcp-socket ---- */

static wasm_trap *tcp_start_connect(const cm_bound_call *call, cm_val *result) {
  return answer(call->cx, wasi_socket_connect_start(call->args[0].object, &call->args[2].val), NULL, result);
}

static wasm_trap *tcp_finish_connect(const cm_bound_call *call, cm_val *result) {
  wasi_socket *s = call->args[0].object;
  wasi_net_error e = wasi_socket_connect_finish(s);
  if (e) return answer(call->cx, e, NULL, result);
  cm_val pair = cm_val_seq(call->cx->arena, 2);
  wasm_trap *trap = add_streams(call, s, pair.u.seq.items);
  return trap ? trap : answer(call->cx, NET_OK, &pair, result);
}

static wasm_trap *tcp_start_listen(const cm_bound_call *call, cm_val *result) {
  wasi_socket *s = call->args[0].object;
  wasi_net_error e = wasi_socket_listen(s, false);
  if (!e) s->state = SOCKET_LISTEN_STARTED;
  return answer(call->cx, e, NULL, result);
}

static wasm_trap *tcp_finish_listen(const cm_bound_call *call, cm_val *result) {
  wasi_socket *s = call->args[0].object;
  if (s->state != SOCKET_LISTEN_STARTED) return answer(call->cx, NET_NOT_IN_PROGRESS, NULL, result);
  s->state = SOCKET_LISTENING;
  return answer(call->cx, NET_OK, NULL, result);
}

static wasm_trap *tcp_accept(const cm_bound_call *call, cm_val *result) {
  wasi_socket *c;
  wasi_net_error e = wasi_socket_accept(call->args[0].object, &c);
  if (e) return answer(call->cx, e, NULL, result);
  uint32_t rep;
  wasm_trap *trap = wasi_table_add(call->state, &tcp_kind, c, &rep);
  if (trap) return trap;
  cm_val triple = cm_val_seq(call->cx->arena, 3);
  triple.u.seq.items[0] = cm_val_handle(rep);
  trap = add_streams(call, c, triple.u.seq.items + 1);
  return trap ? trap : answer(call->cx, NET_OK, &triple, result);
}

static wasm_trap *tcp_is_listening(const cm_bound_call *call, cm_val *result) {
  const wasi_socket *s = call->args[0].object;
  *result = cm_val_bool(s->state == SOCKET_LISTENING);
  return NULL;
}

static wasm_trap *tcp_set_listen_backlog_size(const cm_bound_call *call, cm_val *result) {
  return answer(call->cx, wasi_socket_set_backlog(call->args[0].object, call->args[1].val.u.u), NULL, result);
}

static wasm_trap *tcp_subscribe(const cm_bound_call *call, cm_val *result) {
  const wasi_socket *s = call->args[0].object;
  wasi_pollable *p = s->state == SOCKET_CONNECTING  ? wasi_pollable_fd(s->fd, POLLOUT)
                     : s->state == SOCKET_LISTENING ? wasi_pollable_fd(s->fd, POLLIN)
                                                    : wasi_pollable_ready();
  return add_pollable(call, p, result);
}

static wasm_trap *tcp_shutdown(const cm_bound_call *call, cm_val *result) {
  const wasi_socket *s = call->args[0].object;
  if (s->state != SOCKET_CONNECTED) return answer(call->cx, NET_INVALID_STATE, NULL, result);
  static const int how[] = {SHUT_RD, SHUT_WR, SHUT_RDWR};
  uint32_t which = (uint32_t)call->args[1].val.u.cs.index;
  wasi_net_error e = shutdown(s->fd, how[which < 3 ? which : 2]) < 0 ? wasi_net_errno(errno) : NET_OK;
  return answer(call->cx, e, NULL, result);
}

/* ---- udp-socket and its datagram streams ---- */

typedef struct datagram_stream {
  wasi_socket *s; /* a reference; s->users counts the live streams */
  uint64_t permitted; /* outgoing: what the last check-send allowed */
} datagram_stream;

static void datagram_stream_free(void *object) {
  datagram_stream *d = object;
  d->s->users--;
  wasi_socket_release(d->s);
  wr_free(d);
}

static const wasi_kind incoming_kind = {"incoming-datagram-stream", datagram_stream_free};
static const wasi_kind outgoing_kind = {"outgoing-datagram-stream", datagram_stream_free};

static wasm_trap *add_datagram_stream(const cm_bound_call *call, wasi_socket *s, const wasi_kind *kind,
                                      cm_val *handle) {
  datagram_stream *d = WR_NEW(datagram_stream);
  d->s = wasi_socket_retain(s);
  s->users++;
  uint32_t rep;
  wasm_trap *trap = wasi_table_add(call->state, kind, d, &rep);
  if (!trap) *handle = cm_val_handle(rep);
  return trap;
}

static wasm_trap *udp_stream(const cm_bound_call *call, cm_val *result) {
  wasi_socket *s = call->args[0].object;
  if (s->users)
    return wasi_trap(call->state, "udp-socket.stream: the datagram streams of the previous call are still alive");
  if (s->state != SOCKET_BOUND) return answer(call->cx, NET_INVALID_STATE, NULL, result);
  const cm_val *remote = &call->args[1].val;
  wasi_net_error e = wasi_socket_udp_connect(s, remote->u.cs.index ? remote->u.cs.payload : NULL, false);
  if (e) return answer(call->cx, e, NULL, result);
  cm_val pair = cm_val_seq(call->cx->arena, 2);
  wasm_trap *trap = add_datagram_stream(call, s, &incoming_kind, &pair.u.seq.items[0]);
  if (!trap) trap = add_datagram_stream(call, s, &outgoing_kind, &pair.u.seq.items[1]);
  return trap ? trap : answer(call->cx, NET_OK, &pair, result);
}

/* Binding and connecting finish at once: always ready. */
static wasm_trap *udp_subscribe(const cm_bound_call *call, cm_val *result) {
  return add_pollable(call, wasi_pollable_ready(), result);
}

static wasm_trap *incoming_receive(const cm_bound_call *call, cm_val *result) {
  datagram_stream *d = call->args[0].object;
  uint64_t max = call->args[1].val.u.u;
  if (max > DATAGRAMS_PER_CALL) max = DATAGRAMS_PER_CALL;
  cm_val list = cm_val_seq(call->cx->arena, (uint32_t)max);
  list.u.seq.count = 0;
  uint8_t *buf = wr_malloc(WASI_NET_DATAGRAM_MAX);
  size_t total = 0;
  wasi_net_error e = NET_OK;
  while (list.u.seq.count < max && total < RECEIVE_BYTES_MAX) {
    size_t len;
    wasi_net_addr from;
    e = wasi_socket_udp_receive(d->s, buf, WASI_NET_DATAGRAM_MAX, &len, &from);
    if (e) break;
    cm_val rec = cm_val_seq(call->cx->arena, 2);
    rec.u.seq.items[0] = wasi_bytes(call->cx, buf, len);
    rec.u.seq.items[1] = wasi_net_addr_to_val(call->cx->arena, &from);
    list.u.seq.items[list.u.seq.count++] = rec;
    total += len;
  }
  wr_free(buf);
  /* an error after some datagrams waits for the next call */
  if (e == NET_WOULD_BLOCK || list.u.seq.count) e = NET_OK;
  return answer(call->cx, e, &list, result);
}

static wasm_trap *incoming_subscribe(const cm_bound_call *call, cm_val *result) {
  const datagram_stream *d = call->args[0].object;
  return add_pollable(call, wasi_pollable_fd(d->s->fd, POLLIN), result);
}

static wasm_trap *outgoing_check_send(const cm_bound_call *call, cm_val *result) {
  datagram_stream *d = call->args[0].object;
  struct pollfd pfd = {.fd = d->s->fd, .events = POLLOUT};
  d->permitted = poll(&pfd, 1, 0) > 0 ? DATAGRAMS_PER_CALL : 0;
  cm_val n = cm_val_u(d->permitted);
  return answer(call->cx, NET_OK, &n, result);
}

static wasm_trap *outgoing_send(const cm_bound_call *call, cm_val *result) {
  datagram_stream *d = call->args[0].object;
  const cm_val *list = &call->args[1].val;
  if (list->u.seq.count > d->permitted)
    return wasi_trap(call->state, "outgoing-datagram-stream.send: %u datagrams, check-send permitted %llu",
                     list->u.seq.count, (unsigned long long)d->permitted);
  d->permitted = 0; /* every send needs a check-send before it */
  uint8_t *buf = wr_malloc(WASI_NET_DATAGRAM_MAX + 1);
  uint64_t sent = 0;
  wasi_net_error e = NET_OK;
  for (; sent < list->u.seq.count; sent++) {
    const cm_val *dg = &list->u.seq.items[sent];
    const cm_val *data = &dg->u.seq.items[0], *remote = &dg->u.seq.items[1];
    if (data->u.seq.count > WASI_NET_DATAGRAM_MAX) {
      e = NET_DATAGRAM_TOO_LARGE;
      break;
    }
    for (uint32_t i = 0; i < data->u.seq.count; i++) buf[i] = (uint8_t)data->u.seq.items[i].u.u;
    e = wasi_socket_udp_send(d->s, buf, data->u.seq.count, remote->u.cs.index ? remote->u.cs.payload : NULL);
    if (e) break;
  }
  wr_free(buf);
  /* datagrams already sent count; the error is reported when it hit the first one */
  if (sent > 0 || e == NET_WOULD_BLOCK) e = NET_OK;
  cm_val n = cm_val_u(sent);
  return answer(call->cx, e, &n, result);
}

static wasm_trap *outgoing_subscribe(const cm_bound_call *call, cm_val *result) {
  const datagram_stream *d = call->args[0].object;
  return add_pollable(call, wasi_pollable_fd(d->s->fd, POLLOUT), result);
}

/* ---- ip-name-lookup ---- */

typedef struct resolver {
  wasi_lookup *lookup;
  size_t next;
} resolver;

static void resolver_free(void *object) {
  resolver *r = object;
  wasi_lookup_free(r->lookup);
  wr_free(r);
}

static const wasi_kind resolver_kind = {"resolve-address-stream", resolver_free};

static wasm_trap *resolve_addresses(const cm_bound_call *call, cm_val *result) {
  if (!allowed(call)) return answer(call->cx, NET_ACCESS_DENIED, NULL, result);
  cm_text name = call->args[1].str;
  wasi_lookup *lookup;
  wasi_net_error e = wasi_lookup_start(name.data, name.len, &lookup);
  if (e) return answer(call->cx, e, NULL, result);
  resolver *r = WR_NEW(resolver);
  r->lookup = lookup;
  uint32_t rep;
  wasm_trap *trap = wasi_table_add(call->state, &resolver_kind, r, &rep);
  if (trap) return trap;
  cm_val handle = cm_val_handle(rep);
  return answer(call->cx, NET_OK, &handle, result);
}

static wasm_trap *resolve_next_address(const cm_bound_call *call, cm_val *result) {
  resolver *r = call->args[0].object;
  const wasi_net_addr *addresses;
  size_t count;
  wasi_net_error e = wasi_lookup_result(r->lookup, &addresses, &count);
  if (e) return answer(call->cx, e, NULL, result);
  cm_val next = wasi_none();
  if (r->next < count) {
    cm_val ip = wasi_net_ip_to_val(call->cx->arena, &addresses[r->next++]);
    next = wasi_some(call->cx, &ip);
  }
  return answer(call->cx, NET_OK, &next, result);
}

static wasm_trap *resolver_subscribe(const cm_bound_call *call, cm_val *result) {
  const resolver *r = call->args[0].object;
  return add_pollable(call, wasi_pollable_fd(wasi_lookup_fd(r->lookup), POLLIN), result);
}

/* ---- registration ---- */

#define TCP(m) "[method]tcp-socket." m
#define UDP(m) "[method]udp-socket." m

bool wasi_p2_define_sockets(cm_host *host, wr_error *err) {
  static const cm_host_binding instance_network_funcs[] = {{"instance-network", instance_network, {NULL}}};
  static const cm_host_binding lookup_funcs[] = {
      {"resolve-addresses", resolve_addresses, {&network_kind}},
      {"[method]resolve-address-stream.resolve-next-address", resolve_next_address, {&resolver_kind}},
      {"[method]resolve-address-stream.subscribe", resolver_subscribe, {&resolver_kind}},
  };
  static const cm_host_binding tcp_create_funcs[] = {{"create-tcp-socket", create_tcp_socket, {NULL}}};
  static const cm_host_binding udp_create_funcs[] = {{"create-udp-socket", create_udp_socket, {NULL}}};
  static const cm_host_binding tcp_funcs[] = {
      {TCP("start-bind"), start_bind, {&tcp_kind, &network_kind}},
      {TCP("finish-bind"), finish_bind, {&tcp_kind}},
      {TCP("start-connect"), tcp_start_connect, {&tcp_kind, &network_kind}},
      {TCP("finish-connect"), tcp_finish_connect, {&tcp_kind}},
      {TCP("start-listen"), tcp_start_listen, {&tcp_kind}},
      {TCP("finish-listen"), tcp_finish_listen, {&tcp_kind}},
      {TCP("accept"), tcp_accept, {&tcp_kind}},
      {TCP("local-address"), local_address, {&tcp_kind}},
      {TCP("remote-address"), remote_address, {&tcp_kind}},
      {TCP("is-listening"), tcp_is_listening, {&tcp_kind}},
      {TCP("address-family"), address_family, {&tcp_kind}},
      {TCP("set-listen-backlog-size"), tcp_set_listen_backlog_size, {&tcp_kind}},
      {TCP("keep-alive-enabled"), get_keep_alive, {&tcp_kind}},
      {TCP("set-keep-alive-enabled"), set_keep_alive, {&tcp_kind}},
      {TCP("keep-alive-idle-time"), get_keep_alive_idle, {&tcp_kind}},
      {TCP("set-keep-alive-idle-time"), set_keep_alive_idle, {&tcp_kind}},
      {TCP("keep-alive-interval"), get_keep_alive_interval, {&tcp_kind}},
      {TCP("set-keep-alive-interval"), set_keep_alive_interval, {&tcp_kind}},
      {TCP("keep-alive-count"), get_keep_alive_count, {&tcp_kind}},
      {TCP("set-keep-alive-count"), set_keep_alive_count, {&tcp_kind}},
      {TCP("hop-limit"), get_hop_limit, {&tcp_kind}},
      {TCP("set-hop-limit"), set_hop_limit, {&tcp_kind}},
      {TCP("receive-buffer-size"), get_receive_buffer, {&tcp_kind}},
      {TCP("set-receive-buffer-size"), set_receive_buffer, {&tcp_kind}},
      {TCP("send-buffer-size"), get_send_buffer, {&tcp_kind}},
      {TCP("set-send-buffer-size"), set_send_buffer, {&tcp_kind}},
      {TCP("subscribe"), tcp_subscribe, {&tcp_kind}},
      {TCP("shutdown"), tcp_shutdown, {&tcp_kind}},
  };
  static const cm_host_binding udp_funcs[] = {
      {UDP("start-bind"), start_bind, {&udp_kind, &network_kind}},
      {UDP("finish-bind"), finish_bind, {&udp_kind}},
      {UDP("stream"), udp_stream, {&udp_kind}},
      {UDP("local-address"), local_address, {&udp_kind}},
      {UDP("remote-address"), remote_address, {&udp_kind}},
      {UDP("address-family"), address_family, {&udp_kind}},
      {UDP("unicast-hop-limit"), get_hop_limit, {&udp_kind}},
      {UDP("set-unicast-hop-limit"), set_hop_limit, {&udp_kind}},
      {UDP("receive-buffer-size"), get_receive_buffer, {&udp_kind}},
      {UDP("set-receive-buffer-size"), set_receive_buffer, {&udp_kind}},
      {UDP("send-buffer-size"), get_send_buffer, {&udp_kind}},
      {UDP("set-send-buffer-size"), set_send_buffer, {&udp_kind}},
      {UDP("subscribe"), udp_subscribe, {&udp_kind}},
      {"[method]incoming-datagram-stream.receive", incoming_receive, {&incoming_kind}},
      {"[method]incoming-datagram-stream.subscribe", incoming_subscribe, {&incoming_kind}},
      {"[method]outgoing-datagram-stream.check-send", outgoing_check_send, {&outgoing_kind}},
      {"[method]outgoing-datagram-stream.send", outgoing_send, {&outgoing_kind}},
      {"[method]outgoing-datagram-stream.subscribe", outgoing_subscribe, {&outgoing_kind}},
  };
  const char *lookup = WASI_IFACE("sockets/ip-name-lookup");
  const char *tcp = WASI_IFACE("sockets/tcp");
  const char *udp = WASI_IFACE("sockets/udp");
  return wasi_add_wit(host, "sockets", err) &&
         wasi_define_resource(host, WASI_IFACE("sockets/network"), "network", &network_kind, err) &&
         wasi_bind_funcs(host, WASI_IFACE("sockets/instance-network"), instance_network_funcs, 1, err) &&
         wasi_bind_funcs(host, lookup, lookup_funcs, WR_ARRAY_LEN(lookup_funcs), err) &&
         wasi_define_resource(host, lookup, "resolve-address-stream", &resolver_kind, err) &&
         wasi_bind_funcs(host, tcp, tcp_funcs, WR_ARRAY_LEN(tcp_funcs), err) &&
         wasi_define_resource(host, tcp, "tcp-socket", &tcp_kind, err) &&
         wasi_bind_funcs(host, WASI_IFACE("sockets/tcp-create-socket"), tcp_create_funcs, 1, err) &&
         wasi_bind_funcs(host, udp, udp_funcs, WR_ARRAY_LEN(udp_funcs), err) &&
         wasi_define_resource(host, udp, "udp-socket", &udp_kind, err) &&
         wasi_define_resource(host, udp, "incoming-datagram-stream", &incoming_kind, err) &&
         wasi_define_resource(host, udp, "outgoing-datagram-stream", &outgoing_kind, err) &&
         wasi_bind_funcs(host, WASI_IFACE("sockets/udp-create-socket"), udp_create_funcs, 1, err);
}
