/* The WASI 0.3 reactor on an h2o loop (src/serve/serve_reactor.c): a fired wakeup kicks its owner
 * and its fn runs only from serve_reactor_run_due; deadlines, readable fds, cancellation and
 * disposal with wakeups pending (ASan checks the frees). The loop is run a bounded number of
 * passes; no assertion is about time. */
#include <h2o.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "base/clock.h"
#include "serve/serve_reactor.h"
#include "../check.h"

typedef struct seen {
  unsigned kicks, calls;
  short revents;
} seen;

static void kick(void *arg) { ((seen *)arg)->kicks++; }

static void on_wakeup(void *arg, short revents) {
  seen *s = arg;
  s->calls++;
  s->revents = revents;
}

/* Runs the loop until the owner was kicked (at most `passes` passes of up to 50 ms). */
static void run_until_kicked(h2o_evloop_t *loop, seen *owner, unsigned passes) {
  unsigned before = owner->kicks;
  for (unsigned i = 0; i < passes && owner->kicks == before; i++) h2o_evloop_run(loop, 50);
}

int main(void) {
  h2o_evloop_t *loop = h2o_evloop_create();
  seen owner = {0};
  serve_reactor r;
  serve_reactor_init(&r, loop, kick, &owner);

  /* a deadline: kicked from the loop, the fn runs only from run_due */
  seen deadline = {0};
  CHECK(r.base.wait(&r.base, -1, 0, wr_monotonic_ns(), on_wakeup, &deadline) != NULL);
  CHECK(serve_reactor_pending(&r) && deadline.calls == 0);
  run_until_kicked(loop, &owner, 100);
  CHECK(owner.kicks == 1 && deadline.calls == 0);
  CHECK(serve_reactor_run_due(&r) == 1);
  CHECK(deadline.calls == 1 && deadline.revents == 0 && !serve_reactor_pending(&r));

  /* a readable fd (the deadline far away) */
  int fds[2];
  CHECK(pipe(fds) == 0);
  seen readable = {0};
  CHECK(r.base.wait(&r.base, fds[0], POLLIN, wr_monotonic_ns() + 60ull * 1000000000, on_wakeup, &readable) != NULL);
  CHECK(write(fds[1], "x", 1) == 1);
  run_until_kicked(loop, &owner, 100);
  CHECK(owner.kicks == 2 && serve_reactor_run_due(&r) == 1);
  CHECK(readable.calls == 1 && (readable.revents & POLLIN));

  /* cancelled before and after firing: the fn never runs */
  seen cancelled = {0}, fired_then_cancelled = {0};
  wasi_wakeup *w1 = r.base.wait(&r.base, fds[0], POLLIN, UINT64_MAX, on_wakeup, &cancelled);
  wasi_wakeup *w2 = r.base.wait(&r.base, -1, 0, wr_monotonic_ns(), on_wakeup, &fired_then_cancelled);
  CHECK(w1 && w2);
  r.base.cancel(&r.base, w1);
  run_until_kicked(loop, &owner, 100);
  r.base.cancel(&r.base, w2);
  CHECK(serve_reactor_run_due(&r) == 0 && cancelled.calls == 0 && fired_then_cancelled.calls == 0);

  /* a bad fd cannot be watched */
  seen bad = {0};
  CHECK(r.base.wait(&r.base, 1000000, POLLIN, UINT64_MAX, on_wakeup, &bad) == NULL);

  /* disposal with wakeups still registered frees them without running them */
  seen left = {0};
  CHECK(r.base.wait(&r.base, fds[0], POLLIN, wr_monotonic_ns() + 60ull * 1000000000, on_wakeup, &left) != NULL);
  CHECK(r.base.wait(&r.base, -1, 0, wr_monotonic_ns() + 60ull * 1000000000, on_wakeup, &left) != NULL);
  serve_reactor_dispose(&r);
  CHECK(left.calls == 0 && !serve_reactor_pending(&r));
  for (unsigned i = 0; i < 3; i++) h2o_evloop_run(loop, 0); /* the closed sockets go */
  close(fds[0]);
  close(fds[1]);
  h2o_evloop_destroy(loop);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
