/* The 0.3 reactor on a worker's h2o loop. See serve_reactor.h. */
#include "serve/serve_reactor.h"

#include <fcntl.h>
#include <h2o.h>
#include <poll.h>

#include "base/alloc.h"
#include "base/clock.h"

struct wasi_wakeup {
  serve_reactor *reactor;
  wasi_wakeup *prev, *next; /* in live; then next in due or retired */
  wasi_wakeup_fn fn;
  void *arg;
  short revents;
  bool has_timer;
  h2o_timeout_t timeout;
  h2o_timeout_entry_t timer;
  h2o_socket_t *sock; /* on a duplicate of fd */
  int fd, fd_flags;
};

static void unlink_live(wasi_wakeup *w) {
  if (w->prev) w->prev->next = w->next;
  else w->reactor->live = w->next;
  if (w->next) w->next->prev = w->prev;
  w->prev = w->next = NULL;
}

/* Stops watching (the timeout itself is disposed later: h2o may be running its list now). */
static void stop_watching(wasi_wakeup *w) {
  if (w->has_timer && h2o_timeout_is_linked(&w->timer)) h2o_timeout_unlink(&w->timer);
  if (w->sock) {
    h2o_socket_close(w->sock);
    w->sock = NULL;
    fcntl(w->fd, F_SETFL, w->fd_flags); /* h2o made the shared description non-blocking */
  }
}

static void retire(wasi_wakeup *w) {
  w->next = w->reactor->retired;
  w->reactor->retired = w;
}

static void dispose_retired(serve_reactor *r) {
  while (r->retired) {
    wasi_wakeup *w = r->retired;
    r->retired = w->next;
    if (w->has_timer) h2o_timeout_dispose(r->loop, &w->timeout);
    wr_free(w);
  }
}

static void fire(wasi_wakeup *w, short revents) {
  serve_reactor *r = w->reactor;
  stop_watching(w);
  unlink_live(w);
  w->revents = revents;
  wasi_wakeup **tail = &r->due;
  while (*tail) tail = &(*tail)->next;
  *tail = w;
  r->kick(r->kick_arg);
}

static void on_timer(h2o_timeout_entry_t *entry) { fire(H2O_STRUCT_FROM_MEMBER(wasi_wakeup, timer, entry), 0); }

static void on_readable(h2o_socket_t *sock, const char *err) {
  wasi_wakeup *w = sock->data;
  fire(w, err ? POLLERR : POLLIN);
}

static void on_writable(h2o_socket_t *sock, const char *err) {
  wasi_wakeup *w = sock->data;
  fire(w, err ? POLLERR : POLLOUT);
}

static wasi_wakeup *reactor_wait(wasi_reactor *self, int fd, short events, uint64_t deadline_ns, wasi_wakeup_fn fn,
                                 void *arg) {
  serve_reactor *r = (serve_reactor *)self;
  dispose_retired(r);
  wasi_wakeup *w = WR_NEW(wasi_wakeup);
  w->reactor = r;
  w->fn = fn;
  w->arg = arg;
  w->fd = fd;
  if (fd >= 0) {
    /* h2o owns (and closes) the fd of its socket, so it watches a duplicate */
    int flags = fcntl(fd, F_GETFL);
    int dup = flags < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) {
      wr_free(w);
      return NULL;
    }
    w->fd_flags = flags;
    w->sock = h2o_evloop_socket_create(r->loop, dup, H2O_SOCKET_FLAG_DONT_READ);
    w->sock->data = w;
    if (events & POLLIN) h2o_socket_read_start(w->sock, on_readable);
    if (events & POLLOUT) h2o_socket_notify_write(w->sock, on_writable);
  }
  if (deadline_ns != UINT64_MAX) {
    uint64_t now = wr_monotonic_ns();
    uint64_t ms = deadline_ns > now ? (deadline_ns - now + 999999) / 1000000 : 0;
    h2o_timeout_init(r->loop, &w->timeout, ms);
    w->timer.cb = on_timer;
    h2o_timeout_link(r->loop, &w->timeout, &w->timer);
    w->has_timer = true;
  }
  w->next = r->live;
  if (r->live) r->live->prev = w;
  r->live = w;
  return w;
}

static void reactor_cancel(wasi_reactor *self, wasi_wakeup *w) {
  serve_reactor *r = (serve_reactor *)self;
  for (wasi_wakeup **p = &r->due; *p; p = &(*p)->next)
    if (*p == w) {
      *p = w->next;
      retire(w);
      return;
    }
  stop_watching(w);
  unlink_live(w);
  retire(w);
}

void serve_reactor_init(serve_reactor *reactor, void *loop, void (*kick)(void *arg), void *kick_arg) {
  *reactor = (serve_reactor){.base = {reactor_wait, reactor_cancel}, .loop = loop, .kick = kick, .kick_arg = kick_arg};
}

size_t serve_reactor_run_due(serve_reactor *reactor) {
  size_t ran = 0;
  while (reactor->due) {
    wasi_wakeup *w = reactor->due;
    reactor->due = w->next;
    retire(w);
    w->fn(w->arg, w->revents); /* may register or cancel others */
    ran++;
  }
  dispose_retired(reactor);
  return ran;
}

bool serve_reactor_pending(const serve_reactor *reactor) { return reactor->live || reactor->due; }

void serve_reactor_dispose(serve_reactor *reactor) {
  while (reactor->live) reactor_cancel(&reactor->base, reactor->live);
  while (reactor->due) reactor_cancel(&reactor->base, reactor->due);
  dispose_retired(reactor);
}
