/* The serve adapter of the scheduler (src/serve/task.c) without an event loop: the waiter's
 * fallback outside a task. (The scheduler itself: tests/base/test_sched.c; the waiter on a real
 * loop: tests/serve/test_http.py end to end.) */
#include <stdio.h>

#include "serve/task.h"
#include "../check.h"

static void test_waiter_outside_a_task(void) {
  serve_scheduler *s = serve_scheduler_new(NULL, 0, 0);
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  wasi_p2_ctx *ctx = wasi_p2_ctx_new(&config);
  serve_waiter waiter;
  serve_waiter_init(&waiter, s);
  wasi_p2_set_waiter(ctx, &waiter.base);
  /* not in a task: the default waiter handles a short deadline by blocking */
  wasi_pollable *p = wasi_pollable_deadline(wr_monotonic_ns() + 1000000);
  CHECK(wasi_block(ctx, &p, 1) == NULL);
  CHECK(wasi_pollable_is_ready(p));
  wasi_pollable_free(p);
  wasi_p2_ctx_free(ctx);
  serve_scheduler_free(s);
}

static int spun;
static void count_run(void *arg) {
  (void)arg;
  spun++;
}

/* Without a worker the adapter is the base scheduler run by hand. */
static void test_adapter_runs_tasks(void) {
  serve_scheduler *s = serve_scheduler_new(NULL, 0, 0);
  CHECK(serve_scheduler_loop(s) == NULL);
  CHECK(wr_task_spawn(serve_scheduler_base(s), count_run, NULL, NULL) != NULL);
  CHECK(!serve_scheduler_run(s));
  CHECK(spun == 1);
  CHECK(wr_sched_live_tasks(serve_scheduler_base(s)) == 0);
  serve_scheduler_free(s);
}

int main(void) {
  test_waiter_outside_a_task();
  test_adapter_runs_tasks();
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
