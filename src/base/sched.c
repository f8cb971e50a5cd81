/* Tasks on pooled fibers and a FIFO run queue. See sched.h. */
#include "base/sched.h"

#include "base/alloc.h"
#include "base/fiber.h"
#include "base/log.h"

typedef enum { TASK_READY, TASK_RUNNING, TASK_SUSPENDED } task_state;

/* A fiber that runs task after task: its function never returns, it suspends between tasks, so
 * the stack is mapped once and reused. */
typedef struct pooled_fiber {
  wr_fiber *fiber;
  wr_task *task; /* the task it runs; NULL once that task's function returned */
  struct pooled_fiber *next_idle;
} pooled_fiber;

struct wr_task {
  wr_sched *sched;
  pooled_fiber *runner;
  void (*fn)(void *arg);
  void (*done)(void *arg);
  void *arg;
  void *local;
  task_state state;
  bool cancelled;
  wr_task *next_ready;
};

struct wr_sched {
  size_t stack_size;
  unsigned max_idle_fibers;
  unsigned idle_fiber_count;
  pooled_fiber *idle_fibers;
  wr_task *ready_head, *ready_tail;
  /* tasks that yielded at the end of a time slice: they run after the tasks woken or spawned
   * meanwhile, so work that waits on I/O goes ahead of work that computes */
  wr_task *yielded_head, *yielded_tail;
  unsigned live_tasks;
  wr_sched_hooks hooks;
};

static _Thread_local wr_task *current_task;

static void fiber_main(void *arg) {
  pooled_fiber *pf = arg;
  for (;;) {
    wr_task *task = pf->task;
    task->fn(task->arg);
    pf->task = NULL;
    wr_fiber_suspend();
  }
}

wr_sched *wr_sched_new(size_t stack_size, unsigned max_idle_fibers) {
  wr_sched *s = WR_NEW(wr_sched);
  s->stack_size = stack_size ? stack_size : (size_t)2 << 20;
  s->max_idle_fibers = max_idle_fibers ? max_idle_fibers : 64;
  return s;
}

void wr_sched_free(wr_sched *sched) {
  if (sched == NULL) return;
  if (sched->live_tasks) WR_WARN("sched: scheduler freed with %u unfinished tasks", sched->live_tasks);
  while (sched->idle_fibers) {
    pooled_fiber *pf = sched->idle_fibers;
    sched->idle_fibers = pf->next_idle;
    wr_fiber_free(pf->fiber); /* suspended between tasks: nothing on its stack to unwind */
    wr_free(pf);
  }
  wr_free(sched);
}

void wr_sched_set_hooks(wr_sched *sched, const wr_sched_hooks *hooks) {
  sched->hooks = hooks ? *hooks : (wr_sched_hooks){0};
}

unsigned wr_sched_live_tasks(const wr_sched *sched) { return sched->live_tasks; }

static void enqueue(wr_task **head, wr_task **tail, wr_task *task) {
  task->state = TASK_READY;
  task->next_ready = NULL;
  if (*tail) (*tail)->next_ready = task;
  else *head = task;
  *tail = task;
}

static void make_ready(wr_task *task) { enqueue(&task->sched->ready_head, &task->sched->ready_tail, task); }

static pooled_fiber *take_fiber(wr_sched *s) {
  if (s->idle_fibers) {
    pooled_fiber *pf = s->idle_fibers;
    s->idle_fibers = pf->next_idle;
    s->idle_fiber_count--;
    return pf;
  }
  pooled_fiber *pf = WR_NEW(pooled_fiber);
  pf->fiber = wr_fiber_new(s->stack_size, fiber_main, pf);
  if (pf->fiber == NULL) {
    wr_free(pf);
    return NULL;
  }
  return pf;
}

static void return_fiber(wr_sched *s, pooled_fiber *pf) {
  if (s->idle_fiber_count < s->max_idle_fibers) {
    pf->next_idle = s->idle_fibers;
    s->idle_fibers = pf;
    s->idle_fiber_count++;
  } else {
    wr_fiber_free(pf->fiber);
    wr_free(pf);
  }
}

wr_task *wr_task_spawn(wr_sched *sched, void (*fn)(void *arg), void (*done)(void *arg), void *arg) {
  pooled_fiber *pf = take_fiber(sched);
  if (pf == NULL) return NULL;
  wr_task *task = WR_NEW(wr_task);
  task->sched = sched;
  task->runner = pf;
  task->fn = fn;
  task->done = done;
  task->arg = arg;
  pf->task = task;
  sched->live_tasks++;
  if (sched->hooks.task_started) sched->hooks.task_started(sched->hooks.arg);
  make_ready(task);
  return task;
}

static void task_resume(wr_task *task) {
  wr_sched *s = task->sched;
  pooled_fiber *pf = task->runner;
  task->state = TASK_RUNNING;
  current_task = task;
  if (s->hooks.switched) s->hooks.switched(s->hooks.arg, task);
  wr_fiber_resume(pf->fiber);
  if (s->hooks.switched) s->hooks.switched(s->hooks.arg, NULL);
  current_task = NULL;
  if (pf->task == NULL) { /* fn returned */
    s->live_tasks--;
    return_fiber(s, pf);
    if (task->done) task->done(task->arg);
    wr_free(task);
    if (s->hooks.task_finished) s->hooks.task_finished(s->hooks.arg);
  } else if (task->state == TASK_RUNNING) {
    task->state = TASK_SUSPENDED;
  }
}

static void run_list(wr_task *task) {
  while (task) {
    wr_task *next = task->next_ready;
    task_resume(task);
    task = next;
  }
}

static bool run(wr_sched *sched, bool yielded_too) {
  /* Only the tasks ready now: one woken or yielding while this runs waits for the next pass, so
   * a task that keeps waking itself cannot starve the caller. */
  wr_task *ready = sched->ready_head, *yielded = yielded_too ? sched->yielded_head : NULL;
  sched->ready_head = sched->ready_tail = NULL;
  if (yielded_too) sched->yielded_head = sched->yielded_tail = NULL;
  run_list(ready);
  run_list(yielded);
  return sched->ready_head != NULL || sched->yielded_head != NULL;
}

bool wr_sched_run(wr_sched *sched) { return run(sched, true); }
bool wr_sched_run_woken(wr_sched *sched) { return run(sched, false); }

wr_task *wr_task_current(void) { return current_task; }
wr_sched *wr_task_sched(const wr_task *task) { return task->sched; }

void wr_task_suspend(void) {
  if (current_task == NULL) return;
  wr_fiber_suspend(); /* task_resume marks it SUSPENDED on the caller's stack */
}

void wr_task_yield(void) {
  wr_task *task = current_task;
  if (task == NULL) return;
  /* task_resume leaves it READY */
  enqueue(&task->sched->yielded_head, &task->sched->yielded_tail, task);
  wr_fiber_suspend();
}

void wr_task_wake(wr_task *task) {
  if (task->state == TASK_SUSPENDED) make_ready(task);
}

void wr_task_cancel(wr_task *task) {
  task->cancelled = true;
  wr_task_wake(task);
}

bool wr_task_cancelled(const wr_task *task) { return task->cancelled; }
void wr_task_set_local(wr_task *task, void *local) { task->local = local; }
void *wr_task_local(const wr_task *task) { return task->local; }
