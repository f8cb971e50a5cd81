/* Tasks on pooled fibers and a run queue, with no event loop in it.
 *
 * A *task* runs a function on a fiber. When the function must wait (a guest blocked on wasi:io,
 * or preempted at the end of its time slice) it suspends its fiber back to whoever runs the
 * scheduler; something noticed later (a flag, a ready fd, a deadline, a timer) wakes it, and
 * the next wr_sched_run resumes it. What turns fds and timers into wake-ups is the embedder's:
 * `warren serve` adapts h2o's loop (src/serve/task.h), a plain driver just calls wr_sched_run
 * until no task is live.
 *
 * Fibers are pooled: a finished task's fiber, stack included, waits in the scheduler for the
 * next task instead of being unmapped. A scheduler and its tasks belong to one thread. */
#ifndef WARREN_BASE_SCHED_H
#define WARREN_BASE_SCHED_H

#include "common.h"

typedef struct wr_sched wr_sched;
typedef struct wr_task wr_task;

/* What the embedder wants to hear about; every hook may be NULL. */
typedef struct wr_sched_hooks {
  void *arg;
  /* a task was spawned / has finished (after its done callback): e.g. keep a loop alive */
  void (*task_started)(void *arg);
  void (*task_finished)(void *arg);
  /* `task` is about to run on this thread; then NULL once it has suspended or finished (e.g.
   * stamp when a time slice began) */
  void (*switched)(void *arg, wr_task *task);
} wr_sched_hooks;

/* stack_size: usable stack of each fiber (0 = 2 MiB); max_idle_fibers: finished fibers kept for
 * reuse (0 = 64). */
wr_sched *wr_sched_new(size_t stack_size, unsigned max_idle_fibers);
/* Every task must have finished. Frees the pooled fibers. */
void wr_sched_free(wr_sched *sched);
void wr_sched_set_hooks(wr_sched *sched, const wr_sched_hooks *hooks);
/* Runs every task that is ready now, once each; true if some are ready again (the caller must
 * not sleep). A task woken or yielding while this runs waits for the next call, so the caller's
 * own work (its event loop) runs in between. */
bool wr_sched_run(wr_sched *sched);
/* The same without the tasks that yielded: the caller may give a few passes of its own work to
 * each time slice of the tasks that compute (they run at the next wr_sched_run). */
bool wr_sched_run_woken(wr_sched *sched);
/* Tasks spawned and not finished. */
unsigned wr_sched_live_tasks(const wr_sched *sched);

/* Starts fn(arg) on a fiber at the scheduler's next run; `done(arg)`, if given, runs on the
 * scheduler's caller's stack after fn returns (free what the task used there). NULL if no fiber
 * could be mapped. */
wr_task *wr_task_spawn(wr_sched *sched, void (*fn)(void *arg), void (*done)(void *arg), void *arg);
/* The task running on this thread, or NULL outside any task. */
wr_task *wr_task_current(void);
wr_sched *wr_task_sched(const wr_task *task);
/* From inside a task: back to the scheduler's caller until wr_task_wake. Outside a task: no-op. */
void wr_task_suspend(void);
/* From inside a task: stays ready, but lets the caller run first, then, at the next
 * wr_sched_run, every task made ready meanwhile (preemption at the end of a time slice: tasks
 * that wait on I/O go ahead of those that compute). Outside a task: no-op. */
void wr_task_yield(void);
/* Makes a suspended task ready (it runs at the scheduler's next run). Waking a task that is
 * running or already ready does nothing; a task must re-check what it waits for when it
 * resumes. */
void wr_task_wake(wr_task *task);

/* Asks a task to stop, and wakes it: what it waits on should then give up (its waiter checks
 * wr_task_cancelled). Cooperative: a task that never waits is not stopped by this. */
void wr_task_cancel(wr_task *task);
bool wr_task_cancelled(const wr_task *task);

/* One pointer of the embedder's per task (e.g. the wasm store its guest runs in), NULL at
 * spawn. */
void wr_task_set_local(wr_task *task, void *local);
void *wr_task_local(const wr_task *task);

#endif
