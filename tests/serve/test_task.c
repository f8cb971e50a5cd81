/* Unit tests of src/serve/task.c without an event loop: spawning, suspending, waking in a
 * chosen order, done callbacks, fiber reuse, cancellation, and the waiter's fallback outside a
 * task. (The waiter on a real loop is covered end to end by tests/serve/test_http.py.) */
#include <stdio.h>
#include <string.h>

#include "base/fiber.h"
#include "serve/task.h"

static int failures;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond); \
      failures++;                                                     \
    }                                                                 \
  } while (0)

static char trace[256];
static serve_task *tasks[3];

static void note(char c) {
  size_t n = strlen(trace);
  trace[n] = c;
  trace[n + 1] = 0;
}

/* Notes its letter, suspends, notes it again, suspends, notes it a last time. */
static void three_steps(void *arg) {
  char c = *(const char *)arg;
  note(c);
  serve_task_suspend();
  note(c);
  serve_task_suspend();
  note((char)(c - 'a' + 'A'));
}

static int done_count;
static void count_done(void *arg) {
  (void)arg;
  done_count++;
}

static void test_order_and_wake(void) {
  serve_scheduler *s = serve_scheduler_new(NULL, 64 * 1024, 2);
  static const char letters[] = "abc";
  trace[0] = 0;
  done_count = 0;
  for (int i = 0; i < 3; i++) tasks[i] = serve_task_spawn(s, three_steps, count_done, (void *)&letters[i]);
  CHECK(serve_scheduler_live_tasks(s) == 3);
  CHECK(!serve_scheduler_run(s)); /* all three start and suspend; none is ready again */
  CHECK(strcmp(trace, "abc") == 0);
  CHECK(!serve_scheduler_run(s)); /* nobody woke them */
  CHECK(strcmp(trace, "abc") == 0);
  serve_task_wake(tasks[2]);
  serve_task_wake(tasks[0]);
  serve_task_wake(tasks[0]); /* waking a ready task twice queues it once */
  CHECK(!serve_scheduler_run(s));
  CHECK(strcmp(trace, "abcca") == 0);
  serve_task_wake(tasks[1]);
  serve_task_wake(tasks[1]);
  serve_scheduler_run(s);
  CHECK(strcmp(trace, "abccab") == 0);
  for (int i = 0; i < 3; i++) serve_task_wake(tasks[i]);
  serve_scheduler_run(s);
  CHECK(strcmp(trace, "abccabABC") == 0);
  CHECK(done_count == 3);
  CHECK(serve_scheduler_live_tasks(s) == 0);
  serve_scheduler_free(s);
}

static void record_current(void *arg) { *(serve_task **)arg = serve_task_current(); }

static void test_reuse_and_current(void) {
  serve_scheduler *s = serve_scheduler_new(NULL, 0, 1);
  CHECK(serve_task_current() == NULL);
  for (int i = 0; i < 1000; i++) { /* one pooled fiber serves them all */
    serve_task *seen = NULL;
    serve_task *t = serve_task_spawn(s, record_current, NULL, &seen);
    CHECK(t != NULL);
    serve_scheduler_run(s);
    CHECK(seen == t);
  }
  CHECK(serve_task_current() == NULL);
  CHECK(serve_scheduler_live_tasks(s) == 0);
  serve_scheduler_free(s);
}

static bool saw_cancel;
static void wait_for_cancel(void *arg) {
  (void)arg;
  while (!serve_task_cancelled(serve_task_current())) serve_task_suspend();
  saw_cancel = true;
}

static void test_cancel(void) {
  serve_scheduler *s = serve_scheduler_new(NULL, 0, 0);
  serve_task *t = serve_task_spawn(s, wait_for_cancel, NULL, NULL);
  serve_scheduler_run(s);
  CHECK(!saw_cancel);
  serve_task_cancel(t); /* also wakes it */
  serve_scheduler_run(s);
  CHECK(saw_cancel);
  CHECK(serve_scheduler_live_tasks(s) == 0);
  serve_scheduler_free(s);
}

static void test_waiter_outside_a_task(void) {
  serve_scheduler *s = serve_scheduler_new(NULL, 0, 0);
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  wasi_p2_ctx *ctx = wasi_p2_ctx_new(&config);
  serve_waiter waiter;
  serve_waiter_init(&waiter, s);
  wasi_p2_set_waiter(ctx, &waiter.base);
  /* not in a task: the default waiter handles a short deadline by blocking */
  wasi_pollable *p = wasi_pollable_deadline(wasi_monotonic_now() + 1000000);
  CHECK(wasi_block(ctx, &p, 1) == NULL);
  CHECK(wasi_pollable_is_ready(p));
  wasi_pollable_free(p);
  wasi_p2_ctx_free(ctx);
  serve_scheduler_free(s);
}

int main(void) {
  test_order_and_wake();
  test_reuse_and_current();
  test_cancel();
  test_waiter_outside_a_task();
  printf("%s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
