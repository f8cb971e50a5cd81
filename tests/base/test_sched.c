/* The scheduler of src/base/sched.c with no event loop: spawning, suspending, waking in a chosen
 * order, done callbacks, fiber reuse, cancellation, yielding, hooks. */
#include <stdio.h>
#include <string.h>

#include "base/sched.h"
#include "../check.h"

static char trace[256];
static wr_task *tasks[3];

static void note(char c) {
  size_t n = strlen(trace);
  trace[n] = c;
  trace[n + 1] = 0;
}

/* Notes its letter, suspends, notes it again, suspends, notes it a last time. */
static void three_steps(void *arg) {
  char c = *(const char *)arg;
  note(c);
  wr_task_suspend();
  note(c);
  wr_task_suspend();
  note((char)(c - 'a' + 'A'));
}

static int done_count;
static void count_done(void *arg) {
  (void)arg;
  done_count++;
}

static void test_order_and_wake(void) {
  wr_sched *s = wr_sched_new(64 * 1024, 2);
  static const char letters[] = "abc";
  trace[0] = 0;
  done_count = 0;
  for (int i = 0; i < 3; i++) tasks[i] = wr_task_spawn(s, three_steps, count_done, (void *)&letters[i]);
  CHECK(wr_sched_live_tasks(s) == 3);
  CHECK(!wr_sched_run(s)); /* all three start and suspend; none is ready again */
  CHECK(strcmp(trace, "abc") == 0);
  CHECK(!wr_sched_run(s)); /* nobody woke them */
  CHECK(strcmp(trace, "abc") == 0);
  wr_task_wake(tasks[2]);
  wr_task_wake(tasks[0]);
  wr_task_wake(tasks[0]); /* waking a ready task twice queues it once */
  CHECK(!wr_sched_run(s));
  CHECK(strcmp(trace, "abcca") == 0);
  wr_task_wake(tasks[1]);
  wr_task_wake(tasks[1]);
  wr_sched_run(s);
  CHECK(strcmp(trace, "abccab") == 0);
  for (int i = 0; i < 3; i++) wr_task_wake(tasks[i]);
  wr_sched_run(s);
  CHECK(strcmp(trace, "abccabABC") == 0);
  CHECK(done_count == 3);
  CHECK(wr_sched_live_tasks(s) == 0);
  wr_sched_free(s);
}

static void record_current(void *arg) { *(wr_task **)arg = wr_task_current(); }

static void test_reuse_and_current(void) {
  wr_sched *s = wr_sched_new(0, 1);
  CHECK(wr_task_current() == NULL);
  for (int i = 0; i < 1000; i++) { /* one pooled fiber serves them all */
    wr_task *seen = NULL;
    wr_task *t = wr_task_spawn(s, record_current, NULL, &seen);
    CHECK(t != NULL);
    wr_sched_run(s);
    CHECK(seen == t);
  }
  CHECK(wr_task_current() == NULL);
  CHECK(wr_sched_live_tasks(s) == 0);
  wr_sched_free(s);
}

static bool saw_cancel;
static void wait_for_cancel(void *arg) {
  (void)arg;
  while (!wr_task_cancelled(wr_task_current())) wr_task_suspend();
  saw_cancel = true;
}

static void test_cancel(void) {
  wr_sched *s = wr_sched_new(0, 0);
  wr_task *t = wr_task_spawn(s, wait_for_cancel, NULL, NULL);
  wr_sched_run(s);
  CHECK(!saw_cancel);
  wr_task_cancel(t); /* also wakes it */
  wr_sched_run(s);
  CHECK(saw_cancel);
  CHECK(wr_sched_live_tasks(s) == 0);
  wr_sched_free(s);
}

/* Two tasks that yield after every step interleave, and each pass runs each step once: a task
 * that yields never runs twice in one wr_sched_run. */
static void yield_steps(void *arg) {
  char c = *(const char *)arg;
  for (int i = 0; i < 3; i++) {
    note(c);
    wr_task_yield();
  }
}

static void test_yield(void) {
  wr_sched *s = wr_sched_new(0, 0);
  static const char letters[] = "xy";
  trace[0] = 0;
  wr_task_yield(); /* outside a task: nothing */
  wr_task_spawn(s, yield_steps, NULL, (void *)&letters[0]);
  wr_task_spawn(s, yield_steps, NULL, (void *)&letters[1]);
  CHECK(wr_sched_run(s)); /* both ran one step and are ready again */
  CHECK(strcmp(trace, "xy") == 0);
  CHECK(wr_sched_run(s));
  CHECK(strcmp(trace, "xyxy") == 0);
  CHECK(wr_sched_run(s));
  CHECK(!wr_sched_run(s)); /* the last step returns */
  CHECK(strcmp(trace, "xyxyxy") == 0);
  CHECK(wr_sched_live_tasks(s) == 0);
  wr_sched_free(s);
}

/* A task that yielded runs after a task spawned or woken before the next run. */
static void yield_once(void *arg) {
  char c = *(const char *)arg;
  note(c);
  wr_task_yield();
  note((char)(c - 'a' + 'A'));
}
static void note_once(void *arg) { note(*(const char *)arg); }

static void test_yielded_run_last(void) {
  wr_sched *s = wr_sched_new(0, 0);
  static const char letters[] = "ab";
  trace[0] = 0;
  wr_task_spawn(s, yield_once, NULL, (void *)&letters[0]);
  CHECK(wr_sched_run(s));
  wr_task_spawn(s, note_once, NULL, (void *)&letters[1]);
  CHECK(wr_sched_run_woken(s)); /* b only: a, which yielded, is still ready */
  CHECK(strcmp(trace, "ab") == 0);
  CHECK(!wr_sched_run(s));
  CHECK(strcmp(trace, "abA") == 0);
  CHECK(wr_sched_live_tasks(s) == 0);
  wr_sched_free(s);
}

/* The hooks: started/finished bracket each task; switched names the task on the way in and NULL
 * on the way out, once per resumption; the task-local pointer is the embedder's. */
static int started, finished, switched_in, switched_out;
static void *local_seen;
static void on_started(void *arg) { started += arg == &started; }
static void on_finished(void *arg) { finished += arg == &started; }
static void on_switched(void *arg, wr_task *task) {
  (void)arg;
  if (task) {
    switched_in++;
    local_seen = wr_task_local(task);
  } else {
    switched_out++;
  }
}
static int local_value;
static void suspend_once(void *arg) {
  (void)arg;
  wr_task_set_local(wr_task_current(), &local_value);
  wr_task_suspend();
}

static void test_hooks(void) {
  wr_sched *s = wr_sched_new(0, 0);
  wr_sched_hooks hooks = {.arg = &started, .task_started = on_started, .task_finished = on_finished,
                          .switched = on_switched};
  wr_sched_set_hooks(s, &hooks);
  wr_task *t = wr_task_spawn(s, suspend_once, NULL, NULL);
  CHECK(started == 1 && finished == 0);
  CHECK(wr_task_local(t) == NULL);
  wr_sched_run(s);
  CHECK(switched_in == 1 && switched_out == 1);
  CHECK(local_seen == NULL); /* set inside the task, after the switch */
  wr_task_wake(t);
  wr_sched_run(s);
  CHECK(switched_in == 2 && switched_out == 2);
  CHECK(local_seen == &local_value);
  CHECK(finished == 1);
  wr_sched_free(s);
}

int main(void) {
  test_order_and_wake();
  test_reuse_and_current();
  test_cancel();
  test_yield();
  test_yielded_run_last();
  test_hooks();
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
