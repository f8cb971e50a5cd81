/* Fibers: resume/suspend order, values across switches, nesting, deep stacks, many fibers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fiber.h"

static int failures;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                     \
    }                                                                 \
  } while (0)

typedef struct {
  int trace[16];
  int n;
} log_t;

static void counting_body(void *arg) {
  log_t *log = arg;
  for (int i = 1; i <= 3; i++) {
    log->trace[log->n++] = i;
    wr_fiber_suspend();
  }
  log->trace[log->n++] = 99;
}

static void test_resume_suspend_order(void) {
  log_t log = {{0}, 0};
  wr_fiber *f = wr_fiber_new(64 * 1024, counting_body, &log);
  CHECK(f != NULL);
  CHECK(wr_fiber_current() == NULL);
  CHECK(!wr_fiber_resume(f));
  CHECK(log.n == 1 && log.trace[0] == 1);
  CHECK(!wr_fiber_resume(f));
  CHECK(!wr_fiber_resume(f));
  CHECK(log.n == 3 && log.trace[2] == 3);
  CHECK(wr_fiber_resume(f)); /* body returns */
  CHECK(log.n == 4 && log.trace[3] == 99);
  CHECK(wr_fiber_done(f));
  CHECK(wr_fiber_resume(f)); /* resuming a finished fiber is a no-op */
  CHECK(wr_fiber_current() == NULL);
  wr_fiber_free(f);
}

static wr_fiber *inner_fiber;
static void inner_body(void *arg) {
  int *steps = arg;
  CHECK(wr_fiber_current() == inner_fiber);
  *steps += 10;
  wr_fiber_suspend();
  *steps += 100;
}

static void outer_body(void *arg) {
  int *steps = arg;
  wr_fiber *self = wr_fiber_current();
  inner_fiber = wr_fiber_new(32 * 1024, inner_body, steps);
  CHECK(!wr_fiber_resume(inner_fiber)); /* a fiber resuming another: suspend returns here */
  CHECK(wr_fiber_current() == self);
  *steps += 1;
  wr_fiber_suspend();
  CHECK(wr_fiber_resume(inner_fiber));
  wr_fiber_free(inner_fiber);
}

static void test_nested(void) {
  int steps = 0;
  wr_fiber *outer = wr_fiber_new(64 * 1024, outer_body, &steps);
  CHECK(!wr_fiber_resume(outer));
  CHECK(steps == 11);
  CHECK(wr_fiber_resume(outer));
  CHECK(steps == 111);
  wr_fiber_free(outer);
}

static unsigned recurse(unsigned depth, volatile char *prev) {
  volatile char buf[256];
  buf[0] = (char)depth;
  buf[255] = prev ? prev[0] : 0;
  if (depth == 0) return buf[0] + (unsigned char)buf[255];
  return recurse(depth - 1, buf) + 1;
}

static void deep_body(void *arg) {
  unsigned *out = arg;
  *out = recurse(1000, NULL); /* ~300 KiB of frames on a 1 MiB stack */
}

static void test_deep_stack(void) {
  unsigned result = 0;
  wr_fiber *f = wr_fiber_new(1024 * 1024, deep_body, &result);
  CHECK(wr_fiber_resume(f));
  CHECK(result == 1000 + 1);
  wr_fiber_free(f);
}

static void yield_twice(void *arg) {
  int *counter = arg;
  (*counter)++;
  wr_fiber_suspend();
  (*counter)++;
}

static void test_many_fibers(void) {
  enum { N = 500 };
  static wr_fiber *fibers[N];
  int counter = 0;
  for (int i = 0; i < N; i++) {
    fibers[i] = wr_fiber_new(16 * 1024, yield_twice, &counter);
    CHECK(!wr_fiber_resume(fibers[i]));
  }
  CHECK(counter == N);
  for (int i = N - 1; i >= 0; i--) CHECK(wr_fiber_resume(fibers[i])); /* any order */
  CHECK(counter == 2 * N);
  for (int i = 0; i < N; i++) wr_fiber_free(fibers[i]);
  /* a fiber freed while suspended mid-body is fine too */
  wr_fiber *f = wr_fiber_new(16 * 1024, yield_twice, &counter);
  CHECK(!wr_fiber_resume(f));
  wr_fiber_free(f);
}

static void float_body(void *arg) {
  double *x = arg;
  volatile double local = 1.5;
  wr_fiber_suspend();
  *x = local * 2.0;
}

static void test_float_state_survives(void) {
  double x = 0;
  wr_fiber *f = wr_fiber_new(16 * 1024, float_body, &x);
  wr_fiber_resume(f);
  volatile double here = 3.25;
  wr_fiber_resume(f);
  CHECK(x == 3.0);
  CHECK(here == 3.25);
  wr_fiber_free(f);
}

int main(void) {
  test_resume_suspend_order();
  test_nested();
  test_deep_stack();
  test_many_fibers();
  test_float_state_survives();
  if (failures) {
    fprintf(stderr, "%d fiber check(s) failed\n", failures);
    return 1;
  }
  printf("fiber tests passed\n");
  return 0;
}
