/* wasi_poll_reactor: deadlines fire in order and never early, fds fire on readiness, a
 * cancelled wakeup never runs, a wakeup registered by a running one waits for the next run,
 * and an empty reactor says so at once instead of blocking. */
#include <poll.h>
#include <unistd.h>

#include "../check.h"
#include "base/clock.h"
#include "wasi/reactor.h"

typedef struct fired {
  int order[8];
  short revents[8];
  int n;
} fired;

typedef struct probe {
  fired *log;
  int id;
  wasi_reactor *again; /* register another wakeup from inside fn */
} probe;

static void on_wakeup(void *arg, short revents) {
  probe *p = arg;
  if (p->log->n < 8) {
    p->log->order[p->log->n] = p->id;
    p->log->revents[p->log->n] = revents;
    p->log->n++;
  }
  if (p->again) {
    static probe next;
    next = (probe){.log = p->log, .id = p->id + 100};
    p->again->wait(p->again, -1, 0, 0, on_wakeup, &next);
  }
}

int main(void) {
  wasi_poll_reactor *pr = wasi_poll_reactor_new();
  wasi_reactor *r = wasi_poll_reactor_base(pr);

  /* nothing registered: returns 0 at once */
  CHECK(wasi_poll_reactor_run(pr, UINT64_MAX) == 0);
  CHECK(r->wait(r, -1, 0, UINT64_MAX, on_wakeup, NULL) == NULL); /* could never fire */

  /* two deadlines: the nearer fires first, neither early */
  fired log = {0};
  probe a = {&log, 1, NULL}, b = {&log, 2, NULL}, c = {&log, 3, NULL};
  uint64_t t0 = wr_monotonic_ns();
  CHECK(r->wait(r, -1, 0, t0 + 20000000, on_wakeup, &b) != NULL);
  CHECK(r->wait(r, -1, 0, t0 + 5000000, on_wakeup, &a) != NULL);
  wasi_wakeup *cancelled = r->wait(r, -1, 0, t0 + 1000000, on_wakeup, &c);
  r->cancel(r, cancelled);
  CHECK(wasi_poll_reactor_pending(pr) == 2);
  while (log.n < 1) wasi_poll_reactor_run(pr, UINT64_MAX);
  CHECK(log.order[0] == 1 && log.revents[0] == 0);
  CHECK(wr_monotonic_ns() >= t0 + 5000000);
  while (log.n < 2) wasi_poll_reactor_run(pr, UINT64_MAX);
  CHECK(log.order[1] == 2);
  CHECK(wr_monotonic_ns() >= t0 + 20000000);
  CHECK(wasi_poll_reactor_pending(pr) == 0);

  /* an fd: not ready within a short timeout, then ready once written */
  int fds[2];
  CHECK(pipe(fds) == 0);
  log = (fired){0};
  probe d = {&log, 4, NULL};
  CHECK(r->wait(r, fds[0], POLLIN, UINT64_MAX, on_wakeup, &d) != NULL);
  CHECK(wasi_poll_reactor_run(pr, 1000000) == 0 && log.n == 0);
  CHECK(write(fds[1], "x", 1) == 1);
  CHECK(wasi_poll_reactor_run(pr, UINT64_MAX) == 1);
  CHECK(log.n == 1 && log.order[0] == 4 && (log.revents[0] & POLLIN));

  /* a wakeup due at once that registers another: the new one runs on the next call only */
  log = (fired){0};
  probe e = {&log, 5, r};
  CHECK(r->wait(r, -1, 0, 0, on_wakeup, &e) != NULL);
  CHECK(wasi_poll_reactor_run(pr, UINT64_MAX) == 1 && log.n == 1);
  CHECK(wasi_poll_reactor_pending(pr) == 1);
  CHECK(wasi_poll_reactor_run(pr, UINT64_MAX) == 1 && log.n == 2 && log.order[1] == 105);

  /* freeing with wakeups pending drops them */
  CHECK(r->wait(r, fds[0], POLLIN, UINT64_MAX, on_wakeup, &d) != NULL);
  close(fds[0]);
  close(fds[1]);
  wasi_poll_reactor_free(pr);

  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
