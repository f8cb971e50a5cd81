/* wasi:sockets 0.3.0 on the socket core (net.h), shared with 0.2: the same non-blocking
 * sockets, addresses, options and name lookup, answered through the async runtime. Nothing
 * blocks a worker thread: connect, UDP send / receive and name lookup are async host functions
 * that wait on the ctx's reactor; listen, send and receive move data through host ends of
 * streams and futures (component/stream.h) and wait on the reactor between copies.
 *
 * An operation that outlives its call (an op) is a task (p3_task.h): it sits in the ctx's
 * table, so freeing the ctx after its instance reclaims what a guest left running, and each of
 * its steps runs from the reactor, never inside a stream callback. send and receive are
 * pumps, the tasks that move bytes between an fd and a stream. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "../component/instance.h"
#include "../component/stream.h"
#include "net.h"
#include "p3_task.h"

#define TYPES WASI_P3_IFACE("sockets/types")
#define LOOKUP WASI_P3_IFACE("sockets/ip-name-lookup")

/* ---- error codes ---- */

/* types.error-code cases, in WIT order */
enum {
  E_ACCESS_DENIED, E_NOT_SUPPORTED, E_INVALID_ARGUMENT, E_OUT_OF_MEMORY, E_TIMEOUT, E_INVALID_STATE,
  E_ADDRESS_NOT_BINDABLE, E_ADDRESS_IN_USE, E_REMOTE_UNREACHABLE, E_CONNECTION_REFUSED, E_CONNECTION_BROKEN,
  E_CONNECTION_RESET, E_CONNECTION_ABORTED, E_DATAGRAM_TOO_LARGE, E_OTHER,
};
/* ip-name-lookup.error-code cases */
enum { L_ACCESS_DENIED, L_INVALID_ARGUMENT, L_NAME_UNRESOLVABLE, L_TEMPORARY, L_PERMANENT, L_OTHER };

static uint32_t error_case(wasi_net_error e) {
  switch (e) {
  case NET_ACCESS_DENIED: return E_ACCESS_DENIED;
  case NET_NOT_SUPPORTED: return E_NOT_SUPPORTED;
  case NET_INVALID_ARGUMENT: return E_INVALID_ARGUMENT;
  case NET_OUT_OF_MEMORY: return E_OUT_OF_MEMORY;
  case NET_TIMEOUT: return E_TIMEOUT;
  case NET_CONCURRENCY_CONFLICT: /* 0.3 has no in-between states: these are the wrong state */
  case NET_NOT_IN_PROGRESS:
  case NET_INVALID_STATE: return E_INVALID_STATE;
  case NET_ADDRESS_NOT_BINDABLE: return E_ADDRESS_NOT_BINDABLE;
  case NET_ADDRESS_IN_USE: return E_ADDRESS_IN_USE;
  case NET_REMOTE_UNREACHABLE: return E_REMOTE_UNREACHABLE;
  case NET_CONNECTION_REFUSED: return E_CONNECTION_REFUSED;
  case NET_CONNECTION_BROKEN: return E_CONNECTION_BROKEN;
  case NET_CONNECTION_RESET: return E_CONNECTION_RESET;
  case NET_CONNECTION_ABORTED: return E_CONNECTION_ABORTED;
  case NET_DATAGRAM_TOO_LARGE: return E_DATAGRAM_TOO_LARGE;
  default: return E_OTHER;
  }
}

static uint32_t lookup_error_case(wasi_net_error e) {
  switch (e) {
  case NET_ACCESS_DENIED: return L_ACCESS_DENIED;
  case NET_INVALID_ARGUMENT: return L_INVALID_ARGUMENT;
  case NET_NAME_UNRESOLVABLE: return L_NAME_UNRESOLVABLE;
  case NET_TEMPORARY_RESOLVER_FAILURE: return L_TEMPORARY;
  case NET_PERMANENT_RESOLVER_FAILURE: return L_PERMANENT;
  default: return L_OTHER;
  }
}

/* result<T, error-code> (lookup: ip-name-lookup's error-code); `other` carries no text. */
static cm_val answer_in(cm_arena *arena, wasi_net_error e, const cm_val *payload, bool lookup) {
  if (e == NET_OK) return cm_val_case(arena, 0, payload);
  uint32_t index = lookup ? lookup_error_case(e) : error_case(e);
  cm_val none = {.u.cs = {0, NULL}};
  cm_val code = cm_val_case(arena, index, index == (lookup ? (uint32_t)L_OTHER : (uint32_t)E_OTHER) ? &none : NULL);
  return cm_val_case(arena, 1, &code);
}

static wasm_trap *answer(const cm_canon_cx *cx, wasi_net_error e, const cm_val *payload, cm_val *result) {
  *result = answer_in(cx->arena, e, payload, false);
  return NULL;
}

/* ---- sockets in the table ---- */

static void socket_free_object(void *object) { wasi_socket_release(object); }
static const wasi_kind tcp_kind = {"tcp-socket", socket_free_object};
static const wasi_kind udp_kind = {"udp-socket", socket_free_object};

/* The stream and future element types of the functions that make them, from the host's WIT. */
typedef struct socket_types {
  const cm_valtype *accepted;      /* listen's stream<tcp-socket> element */
  const cm_valtype *send_result;   /* send's future element: result<_, error-code> */
  const cm_valtype *receive_bytes; /* receive's stream<u8> element */
  const cm_valtype *receive_result;
} socket_types;

static bool allowed(wasi_p2_ctx *ctx) { return wasi_p2_ctx_config(ctx)->allow_sockets; }

static wasm_trap *create(const cm_bound_call *call, bool tcp, cm_val *result) {
  if (!allowed(call->state)) return answer(call->cx, NET_ACCESS_DENIED, NULL, result);
  wasi_socket *s;
  wasi_net_error e = wasi_socket_create(tcp, wasi_net_family((uint32_t)call->args[0].val.u.cs.index), &s);
  if (e) return answer(call->cx, e, NULL, result);
  uint32_t rep;
  wasm_trap *trap = wasi_table_add(call->state, tcp ? &tcp_kind : &udp_kind, s, &rep);
  if (trap) return trap;
  cm_val handle = cm_val_handle(rep);
  return answer(call->cx, NET_OK, &handle, result);
}

static wasm_trap *tcp_create(const cm_bound_call *call, cm_val *result) { return create(call, true, result); }
static wasm_trap *udp_create(const cm_bound_call *call, cm_val *result) { return create(call, false, result); }

static wasm_trap *bind_socket(const cm_bound_call *call, cm_val *result) {
  return answer(call->cx, wasi_socket_bind(call->args[0].object, &call->args[1].val), NULL, result);
}

static wasm_trap *is_listening(const cm_bound_call *call, cm_val *result) {
  const wasi_socket *s = call->args[0].object;
  *result = cm_val_bool(s->state == SOCKET_LISTENING);
  return NULL;
}

static wasm_trap *set_backlog(const cm_bound_call *call, cm_val *result) {
  return answer(call->cx, wasi_socket_set_backlog(call->args[0].object, call->args[1].val.u.u), NULL, result);
}

WASI_SOCKET_COMMON_FUNCS(answer)

static wasm_trap *udp_connect(const cm_bound_call *call, cm_val *result) {
  return answer(call->cx, wasi_socket_udp_connect(call->args[0].object, &call->args[1].val, true), NULL, result);
}

static wasm_trap *udp_disconnect(const cm_bound_call *call, cm_val *result) {
  wasi_socket *s = call->args[0].object;
  if (!s->udp_connected) return answer(call->cx, NET_INVALID_STATE, NULL, result);
  return answer(call->cx, wasi_socket_udp_connect(s, NULL, false), NULL, result);
}

/* ---- ops: work that outlives its call ---- */

typedef enum op_type {
  OP_CONNECT,
  OP_UDP_SEND,
  OP_UDP_RECEIVE,
  OP_LOOKUP,
  OP_ACCEPT, /* listen's stream of connections */
} op_type;

typedef struct op {
  wasi_p3_task base; /* first: data is accept's stream */
  op_type type;
  wasi_socket *s;      /* a reference */
  wasi_lookup *lookup;
  cm_host_call *call;  /* an async call not finished yet */
  uint8_t *buf;        /* udp: the datagram */
  size_t len;
  cm_val handle;       /* accept: the connection being handed over */
  wasi_net_addr remote; /* udp send: where a retry goes */
  bool has_remote;
} op;

/* What the op holds apart from the call and the host ends. */
static void op_release(wasi_p3_task *task) {
  op *o = (op *)task;
  wasi_socket_release(o->s);
  wasi_lookup_free(o->lookup);
  wr_free(o->buf);
}

static void op_step(wasi_p3_task *task);

static op *op_new(wasi_p2_ctx *ctx, wasi_reactor *reactor, op_type type, wasi_socket *s, wasm_trap **trap) {
  op *o = WR_NEW(op);
  o->base.step = op_step;
  o->base.release = op_release;
  o->type = type;
  o->s = s ? wasi_socket_retain(s) : NULL;
  *trap = wasi_p3_task_start(&o->base, ctx, reactor);
  return *trap ? NULL : o;
}

static void op_finish(op *o) { wasi_p3_task_finish(&o->base); }
static void op_wait(op *o, int fd, short events) { wasi_p3_task_wait(&o->base, fd, events); }

/* An async call's result; the op is done. */
static void op_return(op *o, const cm_val *result) {
  cm_host_call *call = o->call;
  o->call = NULL;
  wasi_p3_calls_in_use->finish(call, result);
  op_finish(o);
}

static void op_return_error(op *o, wasi_net_error e, bool lookup) {
  cm_arena *arena = cm_arena_new();
  cm_val r = answer_in(arena, e, NULL, lookup);
  op_return(o, &r);
  cm_arena_free(arena);
}

static void on_cancel(void *arg) {
  op *o = arg;
  cm_host_call *call = o->call;
  o->call = NULL;
  if (o->type == OP_CONNECT) o->s->state = SOCKET_CLOSED; /* half a connect cannot be resumed */
  op_finish(o);
  wasi_p3_calls_in_use->cancelled(call);
}

static void on_drop(void *arg) {
  op *o = arg;
  o->call = NULL;
  op_finish(o);
}

static void op_take_call(op *o, cm_host_call *call) {
  o->call = call;
  wasi_p3_calls_in_use->set_hooks(call, on_cancel, on_drop, o);
}

/* ---- async calls: tcp connect, udp send / receive, name lookup ---- */

static void connect_step(op *o) {
  wasi_net_error e = wasi_socket_connect_finish(o->s);
  if (e == NET_WOULD_BLOCK) {
    op_wait(o, o->s->fd, POLLOUT);
    return;
  }
  op_return_error(o, e, false); /* NET_OK: ok */
}

/* A retry of a datagram the socket had no room for: to the address the call named (checked
 * when it started), or to the connected peer. */
static void udp_send_step(op *o) {
  ssize_t n;
  do n = o->has_remote ? sendto(o->s->fd, o->buf, o->len, MSG_DONTWAIT | MSG_NOSIGNAL,
                                (const struct sockaddr *)&o->remote.ss, o->remote.len)
                       : send(o->s->fd, o->buf, o->len, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EWOULDBLOCK) {
    op_wait(o, o->s->fd, POLLOUT);
    return;
  }
  op_return_error(o, n < 0 ? wasi_net_errno(errno) : NET_OK, false);
}

static void udp_receive_step(op *o) {
  size_t len = 0;
  wasi_net_addr from;
  wasi_net_error e = wasi_socket_udp_receive(o->s, o->buf, WASI_NET_DATAGRAM_MAX, &len, &from);
  if (e == NET_WOULD_BLOCK) {
    op_wait(o, o->s->fd, POLLIN);
    return;
  }
  cm_arena *arena = cm_arena_new();
  cm_val pair = cm_val_seq(arena, 2);
  if (!e) {
    pair.u.seq.items[0] = cm_val_seq(arena, (uint32_t)len);
    for (size_t i = 0; i < len; i++) pair.u.seq.items[0].u.seq.items[i] = cm_val_u(o->buf[i]);
    pair.u.seq.items[1] = wasi_net_addr_to_val(arena, &from);
  }
  cm_val r = answer_in(arena, e, &pair, false);
  op_return(o, &r);
  cm_arena_free(arena);
}

static void lookup_step(op *o) {
  const wasi_net_addr *addresses = NULL;
  size_t count = 0;
  wasi_net_error e = wasi_lookup_result(o->lookup, &addresses, &count);
  if (e == NET_WOULD_BLOCK) {
    op_wait(o, wasi_lookup_fd(o->lookup), POLLIN);
    return;
  }
  cm_arena *arena = cm_arena_new();
  cm_val list = cm_val_seq(arena, (uint32_t)count);
  for (size_t i = 0; i < count; i++) list.u.seq.items[i] = wasi_net_ip_to_val(arena, &addresses[i]);
  cm_val r = answer_in(arena, e, &list, true);
  op_return(o, &r);
  cm_arena_free(arena);
}

/* Finishes an async call at once, with a result built in a scratch arena. */
static wasm_trap *return_now(cm_host_call *call, wasi_net_error e, bool lookup) {
  cm_arena *arena = cm_arena_new();
  cm_val r = answer_in(arena, e, NULL, lookup);
  wasm_trap *trap = wasi_p3_calls_in_use->finish(call, &r);
  cm_arena_free(arena);
  return trap;
}

/* The socket a borrow<tcp-socket> / borrow<udp-socket> argument names, or a trap. */
static wasm_trap *socket_arg(wasi_p2_ctx *ctx, const cm_val *arg, const wasi_kind *kind, wasi_socket **s) {
  return wasi_table_lookup(ctx, arg->u.rep, kind, (void **)s);
}

/* Starts an op that continues with `first` on the loop. */
static wasm_trap *start_op(wasi_p2_ctx *ctx, op_type type, wasi_socket *s, cm_host_call *call, const char *what,
                           op **out) {
  wasi_reactor *reactor;
  wasm_trap *trap = wasi_p3_reactor(ctx, what, &reactor);
  if (trap) return trap;
  op *o = op_new(ctx, reactor, type, s, &trap);
  if (!o) return trap;
  op_take_call(o, call);
  *out = o;
  return NULL;
}

static wasm_trap *tcp_connect(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call) {
  WR_UNUSED(env);
  wasi_p2_ctx *ctx = wasi_p2_ctx_of(cx);
  wasi_socket *s;
  wasm_trap *trap = socket_arg(ctx, &args[0], &tcp_kind, &s);
  if (trap) return trap;
  wasi_reactor *reactor;
  if ((trap = wasi_p3_reactor(ctx, "tcp-socket.connect", &reactor))) return trap;
  wasi_net_error e = wasi_socket_connect_start(s, &args[1]);
  if (e) return return_now(call, e, false);
  op *o;
  if ((trap = start_op(ctx, OP_CONNECT, s, call, "tcp-socket.connect", &o))) return trap;
  op_wait(o, s->fd, POLLOUT);
  return NULL;
}

static wasm_trap *udp_send(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call) {
  WR_UNUSED(env);
  wasi_p2_ctx *ctx = wasi_p2_ctx_of(cx);
  wasi_socket *s;
  wasm_trap *trap = socket_arg(ctx, &args[0], &udp_kind, &s);
  if (trap) return trap;
  const cm_val *data = &args[1], *remote = &args[2];
  if (data->u.seq.count > WASI_NET_DATAGRAM_MAX) return return_now(call, NET_DATAGRAM_TOO_LARGE, false);
  uint8_t *buf = wr_malloc(data->u.seq.count ? data->u.seq.count : 1);
  for (uint32_t i = 0; i < data->u.seq.count; i++) buf[i] = (uint8_t)data->u.seq.items[i].u.u;
  /* the first try checks the remote; a retry after would-block sends the same datagram there */
  wasi_net_error e = wasi_socket_udp_send(s, buf, data->u.seq.count, remote->u.cs.index ? remote->u.cs.payload : NULL);
  if (e != NET_WOULD_BLOCK) {
    wr_free(buf);
    return return_now(call, e, false);
  }
  op *o;
  if ((trap = start_op(ctx, OP_UDP_SEND, s, call, "udp-socket.send", &o))) {
    wr_free(buf);
    return trap;
  }
  o->buf = buf;
  o->len = data->u.seq.count;
  if (remote->u.cs.index) {
    /* checked by the first try; retries go to the same address */
    wasi_net_addr_from_val(remote->u.cs.payload, s->family, &o->remote);
    o->has_remote = true;
  }
  op_wait(o, s->fd, POLLOUT);
  return NULL;
}

static wasm_trap *udp_receive(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call) {
  WR_UNUSED(env);
  wasi_p2_ctx *ctx = wasi_p2_ctx_of(cx);
  wasi_socket *s;
  wasm_trap *trap = socket_arg(ctx, &args[0], &udp_kind, &s);
  if (trap) return trap;
  if (s->state == SOCKET_UNBOUND) return return_now(call, NET_INVALID_STATE, false);
  op *o;
  if ((trap = start_op(ctx, OP_UDP_RECEIVE, s, call, "udp-socket.receive", &o))) return trap;
  o->buf = wr_malloc(WASI_NET_DATAGRAM_MAX);
  udp_receive_step(o); /* a datagram already waiting is answered at once */
  return NULL;
}

static wasm_trap *resolve_addresses(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call) {
  WR_UNUSED(env);
  wasi_p2_ctx *ctx = wasi_p2_ctx_of(cx);
  if (!allowed(ctx)) return return_now(call, NET_ACCESS_DENIED, true);
  wasi_lookup *lookup;
  wasi_net_error e = wasi_lookup_start(args[0].u.str.data, args[0].u.str.len, &lookup);
  if (e) return return_now(call, e, true);
  op *o;
  wasm_trap *trap = start_op(ctx, OP_LOOKUP, NULL, call, "resolve-addresses", &o);
  if (trap) {
    wasi_lookup_free(lookup);
    return trap;
  }
  o->lookup = lookup;
  lookup_step(o); /* a literal is answered at once */
  return NULL;
}

/* ---- listen: a stream of accepted connections ---- */

static void accept_step(op *o) {
  if (o->base.copying) return;
  bool reader_gone = false;
  if (o->handle.u.rep) {
    /* the last connection's copy is over: handed over, or the reader went away (the
     * connection is then closed) */
    if (o->base.copied != 1) wasi_table_remove(o->base.ctx, o->handle.u.rep, &tcp_kind);
    o->handle.u.rep = 0;
    reader_gone = o->base.copy_result == CM_COPY_DROPPED;
  }
  /* the reader dropped the stream, or the guest dropped the listening socket */
  if (reader_gone || cm_host_end_other_dropped(o->base.data) || o->s->refs == 1) {
    op_finish(o);
    return;
  }
  wasi_socket *c;
  wasi_net_error e = wasi_socket_accept(o->s, &c);
  if (e) {
    /* nothing waiting, or a connection that died before accept: wait for the next */
    op_wait(o, o->s->fd, POLLIN);
    return;
  }
  uint32_t rep;
  if (wasi_table_add(o->base.ctx, &tcp_kind, c, &rep)) {
    op_finish(o); /* the table is full (the connection was closed by the add) */
    return;
  }
  o->handle = cm_val_handle(rep);
  o->base.copying = true;
  wasm_trap *trap = cm_host_end_write(o->base.data, wasi_p2_ctx_store(o->base.ctx), NULL, &o->handle, 1);
  if (trap) {
    o->base.copying = false;
    o->base.copied = 0;
    o->base.copy_result = CM_COPY_DROPPED;
    op_wait(o, -1, 0);
  }
}

static wasm_trap *tcp_listen(const cm_bound_call *call, cm_val *result) {
  const socket_types *types = call->env;
  wasi_socket *s = call->args[0].object;
  wasi_reactor *reactor;
  wasm_trap *trap = wasi_p3_reactor(call->state, "tcp-socket.listen", &reactor);
  if (trap) return trap;
  wasi_net_error e = wasi_socket_listen(s, true);
  if (e) return answer(call->cx, e, NULL, result);
  op *o = op_new(call->state, reactor, OP_ACCEPT, s, &trap);
  if (!o) return trap;
  void *readable;
  o->base.data = cm_host_end_new_writable(cm_instance_cstore(call->cx->inst), false, types->accepted, &readable,
                                          &wasi_p3_task_end_ops, o);
  cm_val stream = {.u.shared = readable};
  op_wait(o, s->fd, POLLIN);
  return answer(call->cx, NET_OK, &stream, result);
}

/* ---- send and receive: bytes between the socket and a stream, a pump (p3_task.h) ---- */

typedef struct socket_stream {
  wasi_p3_pump pump; /* first */
  wasi_socket *s;    /* a reference */
  cm_val outcome, code, none; /* the future's value */
} socket_stream;

static void socket_stream_release(wasi_p3_task *task) { wasi_socket_release(((socket_stream *)task)->s); }

/* Ends the stream and writes its future (the task ends once the guest took it). */
static void settle(socket_stream *ss, wasi_net_error outcome) {
  uint32_t index = error_case(outcome);
  ss->none = (cm_val){.u.cs = {0, NULL}};
  ss->code = (cm_val){.u.cs = {index, index == E_OTHER ? &ss->none : NULL}};
  ss->outcome = outcome == NET_OK ? (cm_val){.u.cs = {0, NULL}} : (cm_val){.u.cs = {1, &ss->code}};
  wasi_p3_task_settle(&ss->pump.task, &ss->outcome);
}

/* The bytes ended well (the guest's stream ended, or it stopped reading): so does that
 * direction of the connection. */
static void socket_stream_settle(wasi_p3_pump *pump, int err) {
  if (!err) shutdown(pump->fd, pump->output ? SHUT_WR : SHUT_RD);
  settle((socket_stream *)pump, err ? wasi_net_errno(err) : NET_OK);
}

static ssize_t socket_receive(wasi_p3_pump *pump, uint8_t *buf, size_t len) {
  return recv(pump->fd, buf, len, MSG_DONTWAIT);
}

static ssize_t socket_send(wasi_p3_pump *pump, const uint8_t *buf, size_t len) {
  return send(pump->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static const wasi_p3_pump_ops receive_ops = {socket_receive, NULL, NULL, socket_stream_settle};
static const wasi_p3_pump_ops send_ops = {NULL, socket_send, NULL, socket_stream_settle};

/* A stream task over the socket, in the ctx's table. */
static wasm_trap *socket_stream_start(const cm_bound_call *call, bool send, socket_stream **out) {
  wasi_socket *s = call->args[0].object;
  wasi_reactor *reactor;
  wasm_trap *trap = wasi_p3_reactor(call->state, send ? "tcp-socket.send" : "tcp-socket.receive", &reactor);
  if (trap) return trap;
  socket_stream *ss = WR_NEW(socket_stream);
  wasi_p3_pump_init(&ss->pump, send ? &send_ops : &receive_ops, s->fd, send);
  ss->pump.task.release = socket_stream_release;
  ss->s = wasi_socket_retain(s);
  if ((trap = wasi_p3_task_start(&ss->pump.task, call->state, reactor))) return trap;
  *out = ss;
  return NULL;
}

/* Starts the bytes moving, or refuses them: not connected, or this direction was asked for
 * before. */
static void socket_stream_go(socket_stream *ss, bool *claimed) {
  if (ss->s->state != SOCKET_CONNECTED || *claimed) {
    settle(ss, NET_INVALID_STATE);
    return;
  }
  *claimed = true;
  wasi_p3_task_wait(&ss->pump.task, -1, 0);
}

static wasm_trap *tcp_send(const cm_bound_call *call, cm_val *result) {
  const socket_types *types = call->env;
  socket_stream *ss = NULL;
  wasm_trap *trap = socket_stream_start(call, true, &ss);
  if (trap) return trap;
  ss->pump.task.data = cm_host_end_take_readable(call->args[1].val.u.shared, &wasi_p3_pump_end_ops, ss);
  void *readable;
  ss->pump.task.done = cm_host_end_new_writable(cm_instance_cstore(call->cx->inst), true, types->send_result,
                                                &readable, &wasi_p3_task_end_ops, ss);
  *result = (cm_val){.u.shared = readable};
  socket_stream_go(ss, &ss->s->sending);
  return NULL;
}

static wasm_trap *tcp_receive(const cm_bound_call *call, cm_val *result) {
  const socket_types *types = call->env;
  socket_stream *ss = NULL;
  wasm_trap *trap = socket_stream_start(call, false, &ss);
  if (trap) return trap;
  cm_store_rt *store = cm_instance_cstore(call->cx->inst);
  void *bytes, *future;
  ss->pump.task.data = cm_host_end_new_writable(store, false, types->receive_bytes, &bytes, &wasi_p3_pump_end_ops, ss);
  ss->pump.task.done = cm_host_end_new_writable(store, true, types->receive_result, &future, &wasi_p3_task_end_ops, ss);
  cm_val pair = cm_val_seq(call->cx->arena, 2);
  pair.u.seq.items[0] = (cm_val){.u.shared = bytes};
  pair.u.seq.items[1] = (cm_val){.u.shared = future};
  *result = pair;
  socket_stream_go(ss, &ss->s->receiving);
  return NULL;
}

/* Every op's steps start here, on the reactor. */
static void op_step(wasi_p3_task *task) {
  op *o = (op *)task;
  switch (o->type) {
  case OP_CONNECT: connect_step(o); break;
  case OP_UDP_SEND: udp_send_step(o); break;
  case OP_UDP_RECEIVE: udp_receive_step(o); break;
  case OP_LOOKUP: lookup_step(o); break;
  case OP_ACCEPT: accept_step(o); break;
  }
}

/* ---- registration ---- */

#define TCP(m) "[method]tcp-socket." m
#define UDP(m) "[method]udp-socket." m

static const cm_valtype *stream_elem(const cm_valtype *t) { return t ? t->elem : NULL; }

bool wasi_p3_define_sockets(cm_host *host, wr_error *err) {
  static const cm_host_binding funcs[] = {
      {"[static]tcp-socket.create", tcp_create, {NULL}},
      {TCP("bind"), bind_socket, {&tcp_kind}},
      {TCP("listen"), tcp_listen, {&tcp_kind}},
      {TCP("send"), tcp_send, {&tcp_kind}},
      {TCP("receive"), tcp_receive, {&tcp_kind}},
      {TCP("get-local-address"), local_address, {&tcp_kind}},
      {TCP("get-remote-address"), remote_address, {&tcp_kind}},
      {TCP("get-is-listening"), is_listening, {&tcp_kind}},
      {TCP("get-address-family"), address_family, {&tcp_kind}},
      {TCP("set-listen-backlog-size"), set_backlog, {&tcp_kind}},
      {TCP("get-keep-alive-enabled"), get_keep_alive, {&tcp_kind}},
      {TCP("set-keep-alive-enabled"), set_keep_alive, {&tcp_kind}},
      {TCP("get-keep-alive-idle-time"), get_keep_alive_idle, {&tcp_kind}},
      {TCP("set-keep-alive-idle-time"), set_keep_alive_idle, {&tcp_kind}},
      {TCP("get-keep-alive-interval"), get_keep_alive_interval, {&tcp_kind}},
      {TCP("set-keep-alive-interval"), set_keep_alive_interval, {&tcp_kind}},
      {TCP("get-keep-alive-count"), get_keep_alive_count, {&tcp_kind}},
      {TCP("set-keep-alive-count"), set_keep_alive_count, {&tcp_kind}},
      {TCP("get-hop-limit"), get_hop_limit, {&tcp_kind}},
      {TCP("set-hop-limit"), set_hop_limit, {&tcp_kind}},
      {TCP("get-receive-buffer-size"), get_receive_buffer, {&tcp_kind}},
      {TCP("set-receive-buffer-size"), set_receive_buffer, {&tcp_kind}},
      {TCP("get-send-buffer-size"), get_send_buffer, {&tcp_kind}},
      {TCP("set-send-buffer-size"), set_send_buffer, {&tcp_kind}},
      {"[static]udp-socket.create", udp_create, {NULL}},
      {UDP("bind"), bind_socket, {&udp_kind}},
      {UDP("connect"), udp_connect, {&udp_kind}},
      {UDP("disconnect"), udp_disconnect, {&udp_kind}},
      {UDP("get-local-address"), local_address, {&udp_kind}},
      {UDP("get-remote-address"), remote_address, {&udp_kind}},
      {UDP("get-address-family"), address_family, {&udp_kind}},
      {UDP("get-unicast-hop-limit"), get_hop_limit, {&udp_kind}},
      {UDP("set-unicast-hop-limit"), set_hop_limit, {&udp_kind}},
      {UDP("get-receive-buffer-size"), get_receive_buffer, {&udp_kind}},
      {UDP("set-receive-buffer-size"), set_receive_buffer, {&udp_kind}},
      {UDP("get-send-buffer-size"), get_send_buffer, {&udp_kind}},
      {UDP("set-send-buffer-size"), set_send_buffer, {&udp_kind}},
  };
  const cm_functype *listen = cm_host_func_type(host, TYPES, TCP("listen"));
  const cm_functype *send = cm_host_func_type(host, TYPES, TCP("send"));
  const cm_functype *receive = cm_host_func_type(host, TYPES, TCP("receive"));
  if (!listen || !send || !receive || !listen->result || !send->result || !receive->result ||
      receive->result->count != 2) {
    wr_error_set(err, "%s: listen, send or receive missing from the WIT", TYPES);
    return false;
  }
  socket_types *types = cm_host_alloc(host, sizeof *types);
  types->accepted = stream_elem(listen->result->elem);
  types->send_result = stream_elem(send->result);
  types->receive_bytes = stream_elem(receive->result->fields[0].type);
  types->receive_result = stream_elem(receive->result->fields[1].type);
  return cm_host_bind(host, TYPES, &wasi_p2_binder, funcs, WR_ARRAY_LEN(funcs), types, err) &&
         wasi_define_resource(host, TYPES, "tcp-socket", &tcp_kind, err) &&
         wasi_define_resource(host, TYPES, "udp-socket", &udp_kind, err) &&
         cm_host_define_async_func(host, TYPES, TCP("connect"), tcp_connect, NULL) &&
         cm_host_define_async_func(host, TYPES, UDP("send"), udp_send, NULL) &&
         cm_host_define_async_func(host, TYPES, UDP("receive"), udp_receive, NULL) &&
         cm_host_define_async_func(host, LOOKUP, "resolve-addresses", resolve_addresses, NULL);
}
