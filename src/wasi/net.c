/* The socket core of wasi:sockets 0.2 and 0.3 (net.h). */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../base/alloc.h"

wasi_net_error wasi_net_errno(int err) {
  switch (err) {
  case EACCES:
  case EPERM: return NET_ACCESS_DENIED;
  case EAFNOSUPPORT:
  case EPROTONOSUPPORT:
  case EOPNOTSUPP: return NET_NOT_SUPPORTED;
  case EINVAL: return NET_INVALID_ARGUMENT;
  case ENOMEM:
  case ENOBUFS: return NET_OUT_OF_MEMORY;
  case ETIMEDOUT: return NET_TIMEOUT;
  case EALREADY: return NET_CONCURRENCY_CONFLICT;
  case EAGAIN: return NET_WOULD_BLOCK;
  case EISCONN:
  case ENOTCONN:
  case EDESTADDRREQ: return NET_INVALID_STATE;
  case EMFILE:
  case ENFILE: return NET_NEW_SOCKET_LIMIT;
  case EADDRNOTAVAIL: return NET_ADDRESS_NOT_BINDABLE;
  case EADDRINUSE: return NET_ADDRESS_IN_USE;
  case EHOSTUNREACH:
  case ENETUNREACH:
  case ENETDOWN:
  case EHOSTDOWN: return NET_REMOTE_UNREACHABLE;
  case ECONNREFUSED: return NET_CONNECTION_REFUSED;
  case ECONNRESET: return NET_CONNECTION_RESET;
  case ECONNABORTED: return NET_CONNECTION_ABORTED;
  case EPIPE: return NET_CONNECTION_BROKEN;
  case EMSGSIZE: return NET_DATAGRAM_TOO_LARGE;
  default: return NET_UNKNOWN;
  }
}

/* ---- addresses ---- */

int wasi_net_family(uint32_t family_case) { return family_case == 0 ? AF_INET : AF_INET6; }
uint32_t wasi_net_family_case(int family) { return family == AF_INET ? 0 : 1; }

wasi_net_error wasi_net_addr_from_val(const cm_val *v, int family, wasi_net_addr *out) {
  memset(out, 0, sizeof *out);
  const cm_val *rec = v->u.cs.payload;
  if (!rec) return NET_INVALID_ARGUMENT;
  if (v->u.cs.index == 0) {
    if (family != AF_INET) return NET_INVALID_ARGUMENT;
    struct sockaddr_in *in = (struct sockaddr_in *)&out->ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)rec->u.seq.items[0].u.u);
    uint8_t *b = (uint8_t *)&in->sin_addr;
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)rec->u.seq.items[1].u.seq.items[i].u.u;
    out->len = sizeof *in;
    return NET_OK;
  }
  if (family != AF_INET6) return NET_INVALID_ARGUMENT;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons((uint16_t)rec->u.seq.items[0].u.u);
  in6->sin6_flowinfo = htonl((uint32_t)rec->u.seq.items[1].u.u);
  for (int i = 0; i < 8; i++) {
    uint16_t word = (uint16_t)rec->u.seq.items[2].u.seq.items[i].u.u;
    in6->sin6_addr.s6_addr[2 * i] = (uint8_t)(word >> 8);
    in6->sin6_addr.s6_addr[2 * i + 1] = (uint8_t)word;
  }
  in6->sin6_scope_id = (uint32_t)rec->u.seq.items[3].u.u;
  out->len = sizeof *in6;
  /* The sockets are IPv6-only: an IPv4-mapped address would reach IPv4 through the back door. */
  if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) return NET_INVALID_ARGUMENT;
  return NET_OK;
}

static cm_val ip_tuple(cm_arena *arena, const wasi_net_addr *addr) {
  if (addr->ss.ss_family == AF_INET) {
    const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in *)&addr->ss)->sin_addr;
    cm_val t = cm_val_seq(arena, 4);
    for (int i = 0; i < 4; i++) t.u.seq.items[i] = cm_val_u(b[i]);
    return t;
  }
  const uint8_t *b = ((const struct sockaddr_in6 *)&addr->ss)->sin6_addr.s6_addr;
  cm_val t = cm_val_seq(arena, 8);
  for (int i = 0; i < 8; i++) t.u.seq.items[i] = cm_val_u((uint64_t)b[2 * i] << 8 | b[2 * i + 1]);
  return t;
}

cm_val wasi_net_ip_to_val(cm_arena *arena, const wasi_net_addr *addr) {
  cm_val t = ip_tuple(arena, addr);
  return cm_val_case(arena, wasi_net_family_case(addr->ss.ss_family), &t);
}

cm_val wasi_net_addr_to_val(cm_arena *arena, const wasi_net_addr *addr) {
  if (addr->ss.ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)&addr->ss;
    cm_val rec = cm_val_seq(arena, 2);
    rec.u.seq.items[0] = cm_val_u(ntohs(in->sin_port));
    rec.u.seq.items[1] = ip_tuple(arena, addr);
    return cm_val_case(arena, 0, &rec);
  }
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&addr->ss;
  cm_val rec = cm_val_seq(arena, 4);
  rec.u.seq.items[0] = cm_val_u(ntohs(in6->sin6_port));
  rec.u.seq.items[1] = cm_val_u(ntohl(in6->sin6_flowinfo));
  rec.u.seq.items[2] = ip_tuple(arena, addr);
  rec.u.seq.items[3] = cm_val_u(in6->sin6_scope_id);
  return cm_val_case(arena, 1, &rec);
}

static uint16_t port_of(const wasi_net_addr *a) {
  return ntohs(a->ss.ss_family == AF_INET ? ((const struct sockaddr_in *)&a->ss)->sin_port
                                          : ((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

static bool is_unspecified(const wasi_net_addr *a) {
  if (a->ss.ss_family == AF_INET) return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
  return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
}

static bool is_multicast_or_broadcast(const wasi_net_addr *a) {
  if (a->ss.ss_family == AF_INET) {
    uint32_t ip = ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr);
    return IN_MULTICAST(ip) || ip == INADDR_BROADCAST;
  }
  return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
}

/* A remote address must name one peer: a port, a specified unicast address. */
static wasi_net_error remote_from_val(const wasi_socket *s, const cm_val *v, wasi_net_addr *out) {
  wasi_net_error e = wasi_net_addr_from_val(v, s->family, out);
  if (e) return e;
  if (port_of(out) == 0 || is_unspecified(out) || (s->tcp && is_multicast_or_broadcast(out)))
    return NET_INVALID_ARGUMENT;
  return NET_OK;
}

/* ---- sockets ---- */

wasi_net_error wasi_socket_create(bool tcp, int family, wasi_socket **out) {
  int fd = socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return wasi_net_errno(errno);
  int one = 1;
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  /* A server restarted in a guest can bind its port again at once, as wasmtime allows. */
  if (tcp) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  wasi_socket *s = WR_NEW(wasi_socket);
  s->fd = fd;
  s->family = family;
  s->tcp = tcp;
  s->refs = 1;
  s->backlog = WASI_NET_BACKLOG_DEFAULT;
  *out = s;
  return NET_OK;
}

wasi_socket *wasi_socket_retain(wasi_socket *s) {
  s->refs++;
  return s;
}

void wasi_socket_release(wasi_socket *s) {
  if (!s || --s->refs) return;
  close(s->fd);
  wr_free(s);
}

wasi_net_error wasi_socket_bind(wasi_socket *s, const cm_val *address) {
  if (s->state != SOCKET_UNBOUND) return NET_INVALID_STATE;
  wasi_net_addr a;
  wasi_net_error e = wasi_net_addr_from_val(address, s->family, &a);
  if (e) return e;
  if (s->tcp && is_multicast_or_broadcast(&a)) return NET_INVALID_ARGUMENT;
  if (bind(s->fd, (const struct sockaddr *)&a.ss, a.len) < 0)
    return errno == EADDRNOTAVAIL ? NET_ADDRESS_NOT_BINDABLE : wasi_net_errno(errno);
  s->state = SOCKET_BOUND;
  return NET_OK;
}

wasi_net_error wasi_socket_connect_start(wasi_socket *s, const cm_val *address) {
  if (!s->tcp) return NET_NOT_SUPPORTED;
  if (s->state == SOCKET_CONNECTING) return NET_CONCURRENCY_CONFLICT;
  if (s->state != SOCKET_UNBOUND && s->state != SOCKET_BOUND) return NET_INVALID_STATE;
  wasi_net_addr a;
  wasi_net_error e = remote_from_val(s, address, &a);
  if (e) return e;
  int r;
  do r = connect(s->fd, (const struct sockaddr *)&a.ss, a.len);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno != EINPROGRESS) {
    s->state = SOCKET_CLOSED;
    return wasi_net_errno(errno);
  }
  s->state = SOCKET_CONNECTING;
  return NET_OK;
}

wasi_net_error wasi_socket_connect_finish(wasi_socket *s) {
  if (s->state != SOCKET_CONNECTING) return NET_NOT_IN_PROGRESS;
  struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
  if (poll(&pfd, 1, 0) == 0) return NET_WOULD_BLOCK;
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) soerr = errno;
  if (soerr) {
    s->state = SOCKET_CLOSED;
    return wasi_net_errno(soerr);
  }
  s->state = SOCKET_CONNECTED;
  return NET_OK;
}

wasi_net_error wasi_socket_listen(wasi_socket *s, bool bind_implicitly) {
  if (!s->tcp) return NET_NOT_SUPPORTED;
  if (s->state == SOCKET_UNBOUND && bind_implicitly) {
    /* listen(2) on an unbound socket binds it to an ephemeral port of the wildcard address */
  } else if (s->state != SOCKET_BOUND) {
    return NET_INVALID_STATE;
  }
  if (listen(s->fd, (int)s->backlog) < 0) return wasi_net_errno(errno);
  s->state = SOCKET_LISTENING;
  return NET_OK;
}

wasi_net_error wasi_socket_accept(wasi_socket *s, wasi_socket **out) {
  if (s->state != SOCKET_LISTENING) return NET_INVALID_STATE;
  int fd;
  do fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno == EWOULDBLOCK ? NET_WOULD_BLOCK : wasi_net_errno(errno);
  wasi_socket *c = WR_NEW(wasi_socket);
  c->fd = fd;
  c->family = s->family;
  c->tcp = true;
  c->refs = 1;
  c->state = SOCKET_CONNECTED;
  c->backlog = WASI_NET_BACKLOG_DEFAULT;
  *out = c;
  return NET_OK;
}

wasi_net_error wasi_socket_set_backlog(wasi_socket *s, uint64_t value) {
  if (!s->tcp) return NET_NOT_SUPPORTED;
  if (value == 0) return NET_INVALID_ARGUMENT;
  if (s->state == SOCKET_CONNECTING || s->state == SOCKET_CONNECTED || s->state == SOCKET_CLOSED)
    return NET_INVALID_STATE;
  s->backlog = value > INT_MAX ? INT_MAX : (uint32_t)value;
  if (s->state == SOCKET_LISTENING && listen(s->fd, (int)s->backlog) < 0) return wasi_net_errno(errno);
  return NET_OK;
}

wasi_net_error wasi_socket_local_address(const wasi_socket *s, wasi_net_addr *out) {
  if (s->state == SOCKET_UNBOUND || s->state == SOCKET_BIND_STARTED || s->state == SOCKET_CLOSED)
    return NET_INVALID_STATE;
  out->len = sizeof out->ss;
  if (getsockname(s->fd, (struct sockaddr *)&out->ss, &out->len) < 0) return wasi_net_errno(errno);
  return NET_OK;
}

wasi_net_error wasi_socket_remote_address(const wasi_socket *s, wasi_net_addr *out) {
  if (s->tcp ? s->state != SOCKET_CONNECTED : !s->udp_connected) return NET_INVALID_STATE;
  out->len = sizeof out->ss;
  if (getpeername(s->fd, (struct sockaddr *)&out->ss, &out->len) < 0) return wasi_net_errno(errno);
  return NET_OK;
}

/* Binds an unbound socket to the wildcard address and an ephemeral port. */
static wasi_net_error bind_any(wasi_socket *s) {
  wasi_net_addr a = {0};
  a.ss.ss_family = (sa_family_t)s->family;
  a.len = s->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
  if (bind(s->fd, (const struct sockaddr *)&a.ss, a.len) < 0) return wasi_net_errno(errno);
  s->state = SOCKET_BOUND;
  return NET_OK;
}

wasi_net_error wasi_socket_udp_connect(wasi_socket *s, const cm_val *address, bool bind_implicitly) {
  if (s->tcp) return NET_NOT_SUPPORTED;
  if (s->state != SOCKET_BOUND) {
    if (s->state != SOCKET_UNBOUND || !bind_implicitly) return NET_INVALID_STATE;
  }
  wasi_net_addr a;
  if (address) {
    wasi_net_error e = remote_from_val(s, address, &a);
    if (e) return e;
  }
  if (s->state == SOCKET_UNBOUND) {
    wasi_net_error e = bind_any(s);
    if (e) return e;
  }
  if (!address) {
    if (s->udp_connected) {
      struct sockaddr unspec = {.sa_family = AF_UNSPEC};
      if (connect(s->fd, &unspec, sizeof unspec) < 0 && errno != EAFNOSUPPORT) return wasi_net_errno(errno);
    }
    s->udp_connected = false;
    return NET_OK;
  }
  if (connect(s->fd, (const struct sockaddr *)&a.ss, a.len) < 0) return wasi_net_errno(errno);
  s->udp_connected = true;
  return NET_OK;
}

wasi_net_error wasi_socket_udp_send(wasi_socket *s, const uint8_t *data, size_t len, const cm_val *address) {
  if (s->tcp) return NET_NOT_SUPPORTED;
  if (len > WASI_NET_DATAGRAM_MAX) return NET_DATAGRAM_TOO_LARGE;
  wasi_net_addr a;
  if (address) {
    wasi_net_error e = remote_from_val(s, address, &a);
    if (e) return e;
    if (s->udp_connected) {
      /* a connected socket sends to its peer only */
      wasi_net_addr peer;
      if (wasi_socket_remote_address(s, &peer) || peer.len != a.len || memcmp(&peer.ss, &a.ss, a.len))
        return NET_INVALID_ARGUMENT;
      address = NULL;
    }
  } else if (!s->udp_connected) {
    return NET_INVALID_ARGUMENT;
  }
  if (s->state == SOCKET_UNBOUND) {
    wasi_net_error e = bind_any(s);
    if (e) return e;
  }
  ssize_t n;
  do n = address ? sendto(s->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&a.ss, a.len)
                 : send(s->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EWOULDBLOCK ? NET_WOULD_BLOCK : wasi_net_errno(errno);
  return NET_OK;
}

wasi_net_error wasi_socket_udp_receive(wasi_socket *s, uint8_t *buf, size_t cap, size_t *len, wasi_net_addr *from) {
  if (s->tcp) return NET_NOT_SUPPORTED;
  if (s->state == SOCKET_UNBOUND) return NET_INVALID_STATE;
  ssize_t n;
  do {
    from->len = sizeof from->ss;
    n = recvfrom(s->fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&from->ss, &from->len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EWOULDBLOCK ? NET_WOULD_BLOCK : wasi_net_errno(errno);
  *len = (size_t)n;
  return NET_OK;
}

/* ---- options ---- */

static const int64_t NS_PER_S = 1000000000;

static bool option_level(const wasi_socket *s, wasi_socket_option option, int *level, int *name) {
  switch (option) {
  case OPT_KEEP_ALIVE: *level = SOL_SOCKET, *name = SO_KEEPALIVE; return s->tcp;
  case OPT_KEEP_ALIVE_IDLE: *level = IPPROTO_TCP, *name = TCP_KEEPIDLE; return s->tcp;
  case OPT_KEEP_ALIVE_INTERVAL: *level = IPPROTO_TCP, *name = TCP_KEEPINTVL; return s->tcp;
  case OPT_KEEP_ALIVE_COUNT: *level = IPPROTO_TCP, *name = TCP_KEEPCNT; return s->tcp;
  case OPT_HOP_LIMIT:
    if (s->family == AF_INET) *level = IPPROTO_IP, *name = IP_TTL;
    else *level = IPPROTO_IPV6, *name = IPV6_UNICAST_HOPS;
    return true;
  case OPT_RECEIVE_BUFFER: *level = SOL_SOCKET, *name = SO_RCVBUF; return true;
  case OPT_SEND_BUFFER: *level = SOL_SOCKET, *name = SO_SNDBUF; return true;
  }
  return false;
}

wasi_net_error wasi_socket_get_option(const wasi_socket *s, wasi_socket_option option, uint64_t *value) {
  int level, name, v = 0;
  if (!option_level(s, option, &level, &name)) return NET_NOT_SUPPORTED;
  socklen_t len = sizeof v;
  if (getsockopt(s->fd, level, name, &v, &len) < 0) return wasi_net_errno(errno);
  if (option == OPT_KEEP_ALIVE_IDLE || option == OPT_KEEP_ALIVE_INTERVAL) *value = (uint64_t)v * NS_PER_S;
  else if (option == OPT_KEEP_ALIVE) *value = v != 0;
  else *value = (uint64_t)(v < 0 ? 0 : v);
  return NET_OK;
}

wasi_net_error wasi_socket_set_option(wasi_socket *s, wasi_socket_option option, uint64_t value) {
  int level, name;
  if (!option_level(s, option, &level, &name)) return NET_NOT_SUPPORTED;
  uint64_t v = value;
  switch (option) {
  case OPT_KEEP_ALIVE: v = value != 0; break;
  case OPT_KEEP_ALIVE_IDLE:
  case OPT_KEEP_ALIVE_INTERVAL:
    if (value == 0) return NET_INVALID_ARGUMENT;
    v = (value + NS_PER_S - 1) / NS_PER_S; /* whole seconds, rounded up */
    if (v > 32767) v = 32767;            /* Linux's largest */
    break;
  case OPT_KEEP_ALIVE_COUNT:
    if (value == 0) return NET_INVALID_ARGUMENT;
    if (v > 127) v = 127;
    break;
  case OPT_HOP_LIMIT:
    if (value == 0 || value > 255) return NET_INVALID_ARGUMENT;
    break;
  case OPT_RECEIVE_BUFFER:
  case OPT_SEND_BUFFER:
    if (value == 0) return NET_INVALID_ARGUMENT;
    if (v > INT_MAX / 2) v = INT_MAX / 2;
    break;
  }
  int iv = (int)v;
  if (setsockopt(s->fd, level, name, &iv, sizeof iv) < 0) return wasi_net_errno(errno);
  return NET_OK;
}

/* ---- name lookup ---- */

struct wasi_lookup {
  atomic_uint refs; /* the owner's and the helper thread's */
  int efd;          /* eventfd, written once the answer is in */
  atomic_bool done;
  wasi_net_error error;
  wasi_net_addr *addresses;
  size_t count;
  char name[WASI_NET_NAME_MAX + 1];
};

static atomic_int lookups_running;

static void lookup_unref(wasi_lookup *l) {
  if (atomic_fetch_sub(&l->refs, 1) != 1) return;
  close(l->efd);
  wr_free(l->addresses);
  wr_free(l);
}

static void lookup_finish(wasi_lookup *l) {
  atomic_store_explicit(&l->done, true, memory_order_release);
  uint64_t one = 1;
  ssize_t w = write(l->efd, &one, sizeof one);
  WR_UNUSED(w); /* an eventfd write of 1 cannot fail short of overflow */
}

static wasi_net_error resolver_error(int gai) {
  switch (gai) {
  case EAI_NONAME:
#ifdef EAI_NODATA
  case EAI_NODATA:
#endif
  case EAI_ADDRFAMILY: return NET_NAME_UNRESOLVABLE;
  case EAI_AGAIN: return NET_TEMPORARY_RESOLVER_FAILURE;
  case EAI_MEMORY: return NET_OUT_OF_MEMORY;
  default: return NET_PERMANENT_RESOLVER_FAILURE;
  }
}

static void lookup_answer(wasi_lookup *l, const struct addrinfo *list) {
  size_t n = 0;
  for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) n++;
  l->addresses = WR_NEW_ARRAY(wasi_net_addr, n ? n : 1);
  for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || ai->ai_addrlen > sizeof(struct sockaddr_storage))
      continue;
    wasi_net_addr a = {0};
    memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
    if (a.ss.ss_family == AF_INET) ((struct sockaddr_in *)&a.ss)->sin_port = 0;
    else ((struct sockaddr_in6 *)&a.ss)->sin6_port = 0;
    a.len = ai->ai_addrlen;
    bool seen = false;
    for (size_t i = 0; i < l->count && !seen; i++)
      seen = l->addresses[i].len == a.len && !memcmp(&l->addresses[i].ss, &a.ss, a.len);
    if (!seen) l->addresses[l->count++] = a;
  }
  if (!l->count) l->error = NET_NAME_UNRESOLVABLE;
}

static void *lookup_thread(void *arg) {
  wasi_lookup *l = arg;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  struct addrinfo *list = NULL;
  int gai = getaddrinfo(l->name, NULL, &hints, &list);
  if (gai) l->error = resolver_error(gai);
  else lookup_answer(l, list);
  if (list) freeaddrinfo(list);
  lookup_finish(l);
  atomic_fetch_sub(&lookups_running, 1);
  lookup_unref(l);
  return NULL;
}

/* A name getaddrinfo may see: no empty labels, no spaces or controls (and no NUL), not too long. */
static bool name_valid(const char *name, size_t len) {
  if (len == 0 || len > WASI_NET_NAME_MAX) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c <= ' ' || c == 0x7f) return false;
  }
  return true;
}

/* An IP literal: answered without a thread. */
static bool parse_literal(wasi_lookup *l) {
  wasi_net_addr a = {0};
  struct sockaddr_in *in = (struct sockaddr_in *)&a.ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a.ss;
  if (inet_pton(AF_INET, l->name, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    a.len = sizeof *in;
  } else if (inet_pton(AF_INET6, l->name, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    a.len = sizeof *in6;
  } else {
    return false;
  }
  l->addresses = WR_NEW(wasi_net_addr);
  l->addresses[0] = a;
  l->count = 1;
  return true;
}

wasi_net_error wasi_lookup_start(const char *name, size_t len, wasi_lookup **out) {
  if (!name_valid(name, len)) return NET_INVALID_ARGUMENT;
  wasi_lookup *l = WR_NEW(wasi_lookup);
  memcpy(l->name, name, len);
  l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (l->efd < 0) {
    wr_free(l);
    return wasi_net_errno(errno);
  }
  atomic_init(&l->refs, 1);
  if (parse_literal(l)) {
    lookup_finish(l);
    *out = l;
    return NET_OK;
  }
  if (atomic_fetch_add(&lookups_running, 1) >= WASI_NET_LOOKUPS_MAX) {
    atomic_fetch_sub(&lookups_running, 1);
    lookup_unref(l);
    return NET_TEMPORARY_RESOLVER_FAILURE;
  }
  atomic_fetch_add(&l->refs, 1);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, lookup_thread, l);
  pthread_attr_destroy(&attr);
  if (rc) {
    atomic_fetch_sub(&lookups_running, 1);
    atomic_fetch_sub(&l->refs, 1);
    lookup_unref(l);
    return NET_TEMPORARY_RESOLVER_FAILURE;
  }
  *out = l;
  return NET_OK;
}

int wasi_lookup_fd(const wasi_lookup *lookup) { return lookup->efd; }

wasi_net_error wasi_lookup_result(wasi_lookup *lookup, const wasi_net_addr **addresses, size_t *count) {
  if (!atomic_load_explicit(&lookup->done, memory_order_acquire)) return NET_WOULD_BLOCK;
  if (lookup->error) return lookup->error;
  *addresses = lookup->addresses;
  *count = lookup->count;
  return NET_OK;
}

void wasi_lookup_free(wasi_lookup *lookup) {
  if (lookup) lookup_unref(lookup);
}
