/* wasi:sockets 0.2, present so that components importing it link: the network handle exists,
 * but creating a socket or resolving a name answers access-denied, or not-supported when the
 * ctx allows sockets (Warren implements no socket yet). No socket object can therefore exist,
 * and a method call on one names a handle the guest cannot have: a trap. */
#include <stdio.h>

#include "p2_internal.h"

enum { ERROR_ACCESS_DENIED = 1, ERROR_NOT_SUPPORTED = 2 }; /* network.error-code cases */

/* The network resource carries no state; tables need a non-NULL object. */
static const char network_object;
static const wasi_kind network_kind = {"network", NULL};
/* Never stored: sockets, datagram streams and resolvers are never created. */
static const wasi_kind socket_kind = {"socket", NULL};

static wasm_trap *instance_network(const cm_bound_call *call, cm_val *result) {
  uint32_t rep;
  wasm_trap *trap = wasi_table_add(call->state, &network_kind, (void *)&network_object, &rep);
  if (!trap) *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *refuse(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  bool allowed = wasi_p2_ctx_config(call->state)->allow_sockets;
  cm_val code = {.u.cs = {allowed ? ERROR_NOT_SUPPORTED : ERROR_ACCESS_DENIED, NULL}};
  *result = wasi_err(cx, &code);
  return NULL;
}

/* Bound with the socket's kind, which no object has: resolving the handle traps before this. */
static wasm_trap *no_socket(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(call);
  WR_UNUSED(result);
  return NULL;
}

static const char *const tcp_methods[] = {
    "start-bind", "finish-bind", "start-connect", "finish-connect", "start-listen", "finish-listen", "accept",
    "local-address", "remote-address", "is-listening", "address-family", "set-listen-backlog-size",
    "keep-alive-enabled", "set-keep-alive-enabled", "keep-alive-idle-time", "set-keep-alive-idle-time",
    "keep-alive-interval", "set-keep-alive-interval", "keep-alive-count", "set-keep-alive-count", "hop-limit",
    "set-hop-limit", "receive-buffer-size", "set-receive-buffer-size", "send-buffer-size",
    "set-send-buffer-size", "subscribe", "shutdown",
};
static const char *const udp_methods[] = {
    "start-bind", "finish-bind", "stream", "local-address", "remote-address", "address-family",
    "unicast-hop-limit", "set-unicast-hop-limit", "receive-buffer-size", "set-receive-buffer-size",
    "send-buffer-size", "set-send-buffer-size", "subscribe",
};
static const char *const resolver_methods[] = {"resolve-next-address", "subscribe"};
static const char *const incoming_methods[] = {"receive", "subscribe"};
static const char *const outgoing_methods[] = {"check-send", "send", "subscribe"};

/* Every method of `resource` traps (see no_socket), and so does its destructor. */
static bool define_unreachable(cm_host *host, const char *interface, const char *resource,
                               const char *const *methods, size_t n, wr_error *err) {
  for (size_t i = 0; i < n; i++) {
    char name[96];
    snprintf(name, sizeof name, "[method]%s.%s", resource, methods[i]);
    cm_host_binding def = {name, no_socket, {&socket_kind}};
    if (!wasi_bind_funcs(host, interface, &def, 1, err)) return false;
  }
  return wasi_define_resource(host, interface, resource, &socket_kind, err);
}

bool wasi_p2_define_sockets(cm_host *host, wr_error *err) {
  static const cm_host_binding instance_network_funcs[] = {{"instance-network", instance_network, {NULL}}};
  static const cm_host_binding lookup_funcs[] = {{"resolve-addresses", refuse, {&network_kind}}};
  static const cm_host_binding tcp_create_funcs[] = {{"create-tcp-socket", refuse, {NULL}}};
  static const cm_host_binding udp_create_funcs[] = {{"create-udp-socket", refuse, {NULL}}};
  const char *lookup = WASI_IFACE("sockets/ip-name-lookup");
  const char *tcp = WASI_IFACE("sockets/tcp");
  const char *udp = WASI_IFACE("sockets/udp");
  return wasi_add_wit(host, "sockets", err) &&
         wasi_define_resource(host, WASI_IFACE("sockets/network"), "network", &network_kind, err) &&
         wasi_bind_funcs(host, WASI_IFACE("sockets/instance-network"), instance_network_funcs, 1, err) &&
         wasi_bind_funcs(host, lookup, lookup_funcs, 1, err) &&
         define_unreachable(host, lookup, "resolve-address-stream", resolver_methods,
                            WR_ARRAY_LEN(resolver_methods), err) &&
         define_unreachable(host, tcp, "tcp-socket", tcp_methods, WR_ARRAY_LEN(tcp_methods), err) &&
         wasi_bind_funcs(host, WASI_IFACE("sockets/tcp-create-socket"), tcp_create_funcs, 1, err) &&
         define_unreachable(host, udp, "udp-socket", udp_methods, WR_ARRAY_LEN(udp_methods), err) &&
         define_unreachable(host, udp, "incoming-datagram-stream", incoming_methods, WR_ARRAY_LEN(incoming_methods),
                            err) &&
         define_unreachable(host, udp, "outgoing-datagram-stream", outgoing_methods, WR_ARRAY_LEN(outgoing_methods),
                            err) &&
         wasi_bind_funcs(host, WASI_IFACE("sockets/udp-create-socket"), udp_create_funcs, 1, err);
}
