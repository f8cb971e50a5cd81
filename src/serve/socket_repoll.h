/* A guard for h2o 2.2.5's event loop (Debian's libh2o-evloop0.13). A write that completes at once
 * schedules its callback without asking the loop to update the socket's epoll registration. If
 * the socket was still registered for writes from an earlier partial write, and the one epoll
 * pass that would have noticed missed it (epoll_wait returns at most 256 events, so this needs a
 * few hundred busy connections), the registration outlives the write: the next EPOLLOUT then
 * reaches write_pending with no write callback, and h2o aborts the process on an assertion.
 * Read start and stop both queue the socket for the state update, which drops the stale write
 * registration, so every write callback calls this first. */
#ifndef WARREN_SERVE_SOCKET_REPOLL_H
#define WARREN_SERVE_SOCKET_REPOLL_H

#include <h2o.h>

static inline void serve_socket_repoll(h2o_socket_t *sock) {
  if (h2o_socket_is_reading(sock)) h2o_socket_read_start(sock, sock->_cb.read);
  else h2o_socket_read_stop(sock);
}

#endif
