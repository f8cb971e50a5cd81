/* wasi_poll_reactor: the wakeups in a list, one poll(2) over their fds with the nearest
 * deadline as its timeout. */
#include "reactor.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>

#include "../base/alloc.h"
#include "../base/clock.h"

struct wasi_wakeup {
  wasi_wakeup *prev, *next;
  int fd;
  short events, revents;
  uint64_t deadline_ns;
  uint64_t seq; /* registration order: one run only fires what was there when it polled */
  bool due;
  wasi_wakeup_fn fn;
  void *arg;
};

struct wasi_poll_reactor {
  wasi_reactor base; /* first */
  wasi_wakeup *head;
  size_t pending;
  uint64_t next_seq;
  struct pollfd *fds;
  size_t fds_cap;
};

static void unlink_wakeup(wasi_poll_reactor *r, wasi_wakeup *w) {
  if (w->prev) w->prev->next = w->next;
  else r->head = w->next;
  if (w->next) w->next->prev = w->prev;
  r->pending--;
}

static wasi_wakeup *poll_wait(wasi_reactor *self, int fd, short events, uint64_t deadline_ns, wasi_wakeup_fn fn,
                              void *arg) {
  wasi_poll_reactor *r = (wasi_poll_reactor *)self;
  if (fd < -1 || (fd < 0 && deadline_ns == UINT64_MAX)) return NULL; /* would never fire */
  wasi_wakeup *w = WR_NEW(wasi_wakeup);
  *w = (wasi_wakeup){.next = r->head, .fd = fd, .events = events, .deadline_ns = deadline_ns,
                     .seq = r->next_seq++, .fn = fn, .arg = arg};
  if (r->head) r->head->prev = w;
  r->head = w;
  r->pending++;
  return w;
}

static void poll_cancel(wasi_reactor *self, wasi_wakeup *w) {
  wasi_poll_reactor *r = (wasi_poll_reactor *)self;
  unlink_wakeup(r, w);
  wr_free(w);
}

wasi_poll_reactor *wasi_poll_reactor_new(void) {
  wasi_poll_reactor *r = WR_NEW(wasi_poll_reactor);
  r->base.wait = poll_wait;
  r->base.cancel = poll_cancel;
  return r;
}

void wasi_poll_reactor_free(wasi_poll_reactor *r) {
  if (!r) return;
  while (r->head) poll_cancel(&r->base, r->head);
  wr_free(r->fds);
  wr_free(r);
}

wasi_reactor *wasi_poll_reactor_base(wasi_poll_reactor *r) { return &r->base; }

size_t wasi_poll_reactor_pending(const wasi_poll_reactor *r) { return r->pending; }

/* Milliseconds for poll(2) until `deadline_ns`, rounded up so a wakeup is never early. */
static int timeout_ms(uint64_t now, uint64_t deadline_ns) {
  if (deadline_ns == UINT64_MAX) return -1;
  if (deadline_ns <= now) return 0;
  uint64_t ms = (deadline_ns - now + 999999u) / 1000000u;
  return ms > INT_MAX ? INT_MAX : (int)ms;
}

size_t wasi_poll_reactor_run(wasi_poll_reactor *r, uint64_t timeout_ns) {
  if (!r->head) return 0;
  uint64_t now = wr_monotonic_ns();
  uint64_t until = timeout_ns == UINT64_MAX || timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
  uint64_t start_seq = r->next_seq;
  size_t nfds = 0;
  for (wasi_wakeup *w = r->head; w; w = w->next) {
    if (w->deadline_ns < until) until = w->deadline_ns;
    if (w->fd >= 0) nfds++;
  }
  if (nfds > r->fds_cap) {
    r->fds = wr_realloc_array(r->fds, nfds, sizeof *r->fds);
    r->fds_cap = nfds;
  }
  size_t i = 0;
  for (wasi_wakeup *w = r->head; w; w = w->next)
    if (w->fd >= 0) r->fds[i++] = (struct pollfd){.fd = w->fd, .events = w->events};
  int rc = poll(r->fds, (nfds_t)nfds, timeout_ms(now, until));
  if (rc < 0 && errno != EINTR) rc = 0; /* treat as a timeout; deadlines still fire below */
  now = wr_monotonic_ns();
  i = 0;
  for (wasi_wakeup *w = r->head; w; w = w->next) {
    short revents = 0;
    if (w->fd >= 0) {
      revents = rc > 0 ? r->fds[i].revents : 0;
      i++;
    }
    if (revents || w->deadline_ns <= now) {
      w->due = true;
      w->revents = revents;
    }
  }
  /* Run the due ones; a fn may register or cancel others, so rescan after each. */
  size_t ran = 0;
  for (;;) {
    wasi_wakeup *w = r->head;
    while (w && !(w->due && w->seq < start_seq)) w = w->next;
    if (!w) break;
    unlink_wakeup(r, w);
    wasi_wakeup_fn fn = w->fn;
    void *arg = w->arg;
    short revents = w->revents;
    wr_free(w);
    fn(arg, revents);
    ran++;
  }
  return ran;
}
