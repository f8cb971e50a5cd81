/* The socket core shared by wasi:sockets 0.2 (p2_sockets.c) and 0.3 (p3_sockets.c): sockets
 * as non-blocking fds with the WASI state machine, the address values both WITs spell the same
 * way, socket options, and name lookup on a helper thread. Every call returns at once: what
 * would wait answers NET_WOULD_BLOCK and the caller waits on the fd (a pollable for 0.2, the
 * reactor for 0.3). Errors are one enum both versions map to their own error-code.
 *
 * Not for other layers; the hosts above reach it through wasi_p2_define / wasi_p3_define. */
#ifndef WARREN_WASI_NET_H
#define WARREN_WASI_NET_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "../component/value.h"

typedef enum wasi_net_error {
  NET_OK,
  NET_UNKNOWN,
  NET_ACCESS_DENIED,
  NET_NOT_SUPPORTED,
  NET_INVALID_ARGUMENT,
  NET_OUT_OF_MEMORY,
  NET_TIMEOUT,
  NET_CONCURRENCY_CONFLICT,
  NET_NOT_IN_PROGRESS,
  NET_WOULD_BLOCK,
  NET_INVALID_STATE,
  NET_NEW_SOCKET_LIMIT,
  NET_ADDRESS_NOT_BINDABLE,
  NET_ADDRESS_IN_USE,
  NET_REMOTE_UNREACHABLE,
  NET_CONNECTION_REFUSED,
  NET_CONNECTION_RESET,
  NET_CONNECTION_ABORTED,
  NET_CONNECTION_BROKEN,
  NET_DATAGRAM_TOO_LARGE,
  NET_NAME_UNRESOLVABLE,
  NET_TEMPORARY_RESOLVER_FAILURE,
  NET_PERMANENT_RESOLVER_FAILURE,
} wasi_net_error;

/* The error an errno of a socket call means (e.g. ECONNREFUSED: NET_CONNECTION_REFUSED). */
wasi_net_error wasi_net_errno(int err);

/* ---- addresses (ip-address-family, ip-address, ip-socket-address: same shape in 0.2 and 0.3) ---- */

typedef struct wasi_net_addr {
  struct sockaddr_storage ss;
  socklen_t len;
} wasi_net_addr;

/* ip-address-family case (0 ipv4, 1 ipv6) <-> AF_INET / AF_INET6 */
int wasi_net_family(uint32_t family_case);
uint32_t wasi_net_family_case(int family);
/* An ip-socket-address value into `out`; NET_INVALID_ARGUMENT when its family is not `family`. */
wasi_net_error wasi_net_addr_from_val(const cm_val *v, int family, wasi_net_addr *out);
cm_val wasi_net_addr_to_val(cm_arena *arena, const wasi_net_addr *addr);
/* The ip-address of an address (its port and IPv6 flow / scope dropped). */
cm_val wasi_net_ip_to_val(cm_arena *arena, const wasi_net_addr *addr);

/* ---- sockets ---- */

typedef enum wasi_socket_state {
  SOCKET_UNBOUND,
  SOCKET_BIND_STARTED, /* 0.2's start-bind done, finish-bind not yet */
  SOCKET_BOUND,
  SOCKET_LISTEN_STARTED,
  SOCKET_LISTENING,
  SOCKET_CONNECTING,
  SOCKET_CONNECTED,
  SOCKET_CLOSED, /* a connect failed: nothing more can be done with it */
} wasi_socket_state;

/* One socket; counted references because 0.2's streams (and 0.3's send / receive) outlive the
 * guest's handle of the socket. */
typedef struct wasi_socket {
  int fd;
  int family;
  bool tcp;
  wasi_socket_state state;
  uint32_t refs;
  uint32_t backlog;
  bool udp_connected; /* a UDP socket with a fixed remote address */
  uint32_t users;     /* 0.2: live datagram streams */
  bool sending, receiving; /* 0.3: send / receive was called (once each per socket) */
} wasi_socket;

#define WASI_NET_BACKLOG_DEFAULT 128u

/* A new non-blocking socket (IPv6 ones are IPv6-only). */
wasi_net_error wasi_socket_create(bool tcp, int family, wasi_socket **out);
wasi_socket *wasi_socket_retain(wasi_socket *s);
void wasi_socket_release(wasi_socket *s); /* closes the fd with the last reference */

/* Each checks the state it needs (NET_INVALID_STATE otherwise) and the address. */
wasi_net_error wasi_socket_bind(wasi_socket *s, const cm_val *address);
/* Starts a TCP connection: NET_OK once connecting (finish with wasi_socket_connect_finish when
 * the fd is writable), or the error that ended it at once (the socket is then closed). */
wasi_net_error wasi_socket_connect_start(wasi_socket *s, const cm_val *address);
/* NET_WOULD_BLOCK while still connecting; NET_OK when connected; else why it failed. */
wasi_net_error wasi_socket_connect_finish(wasi_socket *s);
/* listen(2) on a bound (0.3: or unbound, bound to an ephemeral port first) TCP socket. */
wasi_net_error wasi_socket_listen(wasi_socket *s, bool bind_implicitly);
/* A connection a listening socket got, NET_WOULD_BLOCK when none is waiting. */
wasi_net_error wasi_socket_accept(wasi_socket *s, wasi_socket **out);
wasi_net_error wasi_socket_set_backlog(wasi_socket *s, uint64_t value);
wasi_net_error wasi_socket_local_address(const wasi_socket *s, wasi_net_addr *out);
wasi_net_error wasi_socket_remote_address(const wasi_socket *s, wasi_net_addr *out);
/* UDP: fixes the remote address (NULL: back to none). The socket must be bound (0.3 binds it
 * implicitly when bind_implicitly). */
wasi_net_error wasi_socket_udp_connect(wasi_socket *s, const cm_val *address, bool bind_implicitly);
/* UDP: sends one datagram (address NULL: to the connected remote). NET_WOULD_BLOCK when the
 * socket buffer is full. */
wasi_net_error wasi_socket_udp_send(wasi_socket *s, const uint8_t *data, size_t len, const cm_val *address);
/* UDP: one datagram of at most `cap` bytes (longer ones are cut), NET_WOULD_BLOCK when none. */
wasi_net_error wasi_socket_udp_receive(wasi_socket *s, uint8_t *buf, size_t cap, size_t *len, wasi_net_addr *from);
#define WASI_NET_DATAGRAM_MAX 65535u

typedef enum wasi_socket_option {
  OPT_KEEP_ALIVE,       /* bool */
  OPT_KEEP_ALIVE_IDLE,  /* duration (ns) */
  OPT_KEEP_ALIVE_INTERVAL,
  OPT_KEEP_ALIVE_COUNT, /* u32 */
  OPT_HOP_LIMIT,        /* u8: TTL / unicast hops */
  OPT_RECEIVE_BUFFER,   /* u64 */
  OPT_SEND_BUFFER,
} wasi_socket_option;

wasi_net_error wasi_socket_get_option(const wasi_socket *s, wasi_socket_option option, uint64_t *value);
wasi_net_error wasi_socket_set_option(wasi_socket *s, wasi_socket_option option, uint64_t value);

/* The host functions 0.2 and 0.3 declare alike, the socket their first argument (host_bind.h rows):
 * local_address, remote_address, address_family, and the getter and setter of every option
 * (get_keep_alive, set_keep_alive, ..., get_send_buffer, set_send_buffer; keep-alive-enabled is a
 * bool, the rest numbers). `answer` (static in the including file) makes the version's
 * result<T, error-code>. */
#define WASI_SOCKET_COMMON_FUNCS(answer)                                                                     \
  static wasm_trap *local_address(const cm_bound_call *call, cm_val *result) {                               \
    wasi_net_addr a;                                                                                         \
    wasi_net_error e = wasi_socket_local_address(call->args[0].object, &a);                                  \
    cm_val v = e ? (cm_val){0} : wasi_net_addr_to_val(call->cx->arena, &a);                                  \
    return answer(call->cx, e, &v, result);                                                                  \
  }                                                                                                          \
  static wasm_trap *remote_address(const cm_bound_call *call, cm_val *result) {                              \
    wasi_net_addr a;                                                                                         \
    wasi_net_error e = wasi_socket_remote_address(call->args[0].object, &a);                                 \
    cm_val v = e ? (cm_val){0} : wasi_net_addr_to_val(call->cx->arena, &a);                                  \
    return answer(call->cx, e, &v, result);                                                                  \
  }                                                                                                          \
  static wasm_trap *address_family(const cm_bound_call *call, cm_val *result) {                              \
    const wasi_socket *s = call->args[0].object;                                                             \
    *result = (cm_val){.u.cs = {wasi_net_family_case(s->family), NULL}};                                     \
    return NULL;                                                                                             \
  }                                                                                                          \
  static wasm_trap *get_option(const cm_bound_call *call, wasi_socket_option option, cm_val *result) {       \
    uint64_t value = 0;                                                                                      \
    wasi_net_error e = wasi_socket_get_option(call->args[0].object, option, &value);                         \
    cm_val v = option == OPT_KEEP_ALIVE ? cm_val_bool(value != 0) : cm_val_u(value);                         \
    return answer(call->cx, e, &v, result);                                                                  \
  }                                                                                                          \
  static wasm_trap *set_option(const cm_bound_call *call, wasi_socket_option option, cm_val *result) {       \
    const cm_val *v = &call->args[1].val;                                                                    \
    uint64_t value = option == OPT_KEEP_ALIVE ? v->u.b : v->u.u;                                             \
    return answer(call->cx, wasi_socket_set_option(call->args[0].object, option, value), NULL, result);      \
  }                                                                                                          \
  WASI_SOCKET_OPTION_PAIR(keep_alive, OPT_KEEP_ALIVE)                                                        \
  WASI_SOCKET_OPTION_PAIR(keep_alive_idle, OPT_KEEP_ALIVE_IDLE)                                              \
  WASI_SOCKET_OPTION_PAIR(keep_alive_interval, OPT_KEEP_ALIVE_INTERVAL)                                      \
  WASI_SOCKET_OPTION_PAIR(keep_alive_count, OPT_KEEP_ALIVE_COUNT)                                            \
  WASI_SOCKET_OPTION_PAIR(hop_limit, OPT_HOP_LIMIT)                                                          \
  WASI_SOCKET_OPTION_PAIR(receive_buffer, OPT_RECEIVE_BUFFER)                                                \
  WASI_SOCKET_OPTION_PAIR(send_buffer, OPT_SEND_BUFFER)
#define WASI_SOCKET_OPTION_PAIR(name, option)                                                                          \
  static wasm_trap *get_##name(const cm_bound_call *call, cm_val *result) { return get_option(call, option, result); } \
  static wasm_trap *set_##name(const cm_bound_call *call, cm_val *result) { return set_option(call, option, result); }

/* ---- name lookup ---- */

/* A lookup runs getaddrinfo(3) (which blocks) on a detached helper thread, so no guest thread
 * waits for DNS; its fd turns readable when the answer is in. At most WASI_NET_LOOKUPS_MAX run
 * at once in the process; beyond that a lookup fails with NET_TEMPORARY_RESOLVER_FAILURE. */
#define WASI_NET_LOOKUPS_MAX 32 /* shown in `warren run --help` and `warren serve --help` */
#define WASI_NET_NAME_MAX 253 /* a DNS name's longest text form */

typedef struct wasi_lookup wasi_lookup;

/* `name` is a host name or an IP address literal (answered without a thread). */
wasi_net_error wasi_lookup_start(const char *name, size_t len, wasi_lookup **out);
/* Readable once the lookup finished (may stay readable). */
int wasi_lookup_fd(const wasi_lookup *lookup);
/* NET_WOULD_BLOCK until finished; then NET_OK with *addresses / *count (owned by the lookup,
 * in getaddrinfo's order, without duplicates) or the lookup's error. */
wasi_net_error wasi_lookup_result(wasi_lookup *lookup, const wasi_net_addr **addresses, size_t *count);
/* The helper thread (if still running) finishes on its own and frees what is left. */
void wasi_lookup_free(wasi_lookup *lookup);

#endif
