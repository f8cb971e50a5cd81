/* Task and Subtask state transitions (definitions.py "Tasks", "Subtask State"). */
#include "task.h"

#include "../base/alloc.h"
#include "canon.h"
#include "instance.h"

#define TRAP(store, ...) wasm_trap_new((store), WASM_TRAP_HOST, __VA_ARGS__)

void cm_task_init(cm_task *task, const cm_functype *ft, cm_component_instance *inst, cm_subtask *caller) {
  *task = (cm_task){.state = CM_TASK_INITIAL, .ft = ft, .inst = inst, .caller = caller};
}

cm_task *cm_task_new(const cm_functype *ft, cm_task_opts opts, cm_component_instance *inst, cm_call *call) {
  cm_task *task = WR_NEW(cm_task);
  cm_task_init(task, ft, inst, NULL);
  task->opts = opts;
  task->call = call;
  task->heap = true;
  return task;
}

static void task_maybe_free(cm_task *task) {
  if (task->heap && task->exited && task->holds == 0) {
    if (task->inst) cm_instance_forget_task(task->inst, task);
    wr_free(task->owned);
    wr_free(task);
  }
}

void cm_task_hold(cm_task *task) { task->holds++; }

void cm_task_release(cm_task *task) {
  task->holds--;
  task_maybe_free(task);
}

cm_component_instance *cm_task_instance(const cm_task *task) { return task->inst; }

void cm_task_start(cm_task *task) { task->state = CM_TASK_STARTED; }

wasm_trap *cm_task_return(wasm_store *store, cm_task *task) {
  if (task->state == CM_TASK_RESOLVED)
    return TRAP(store, "task already returned a result");
  if (task->num_borrows)
    return TRAP(store, "borrow handles still remain at the end of the call (%u)", task->num_borrows);
  task->state = CM_TASK_RESOLVED;
  return NULL;
}

bool cm_task_needs_exclusive(const cm_task *task) { return !task->opts.async || task->opts.has_callback; }

typedef struct admission {
  cm_task *task;
} admission;

static bool has_backpressure(const cm_task *task) {
  return cm_instance_backpressure(task->inst) > 0 ||
         (cm_task_needs_exclusive(task) && cm_instance_exclusive(task->inst) != NULL);
}

static bool no_backpressure(void *arg) { return !has_backpressure(arg); }

wasm_trap *cm_task_enter_implicit_thread(cm_task *task, cm_thread *thread, bool *entered) {
  task->implicit_thread = thread;
  *entered = true;
  if (task->ft && task->ft->async && task->inst) {
    /* Before waiting to enter, let the instance's ready threads run: the one holding the
     * exclusive lock may be ready to release it (test/async/sync-streams.wast expects the
     * second call to start). */
    while (has_backpressure(task) || cm_instance_num_waiting_to_enter(task->inst) > 0) {
      cm_thread *ready = cm_instance_ready_thread(task->inst, thread, true);
      if (!ready) break;
      wasm_trap *trap = cm_thread_resume(ready, false);
      if (trap) return trap;
    }
    if (has_backpressure(task) || cm_instance_num_waiting_to_enter(task->inst) > 0) {
      cm_instance_waiting_to_enter(task->inst, +1);
      bool cancelled = cm_thread_wait_until(thread, no_backpressure, task, true);
      cm_instance_waiting_to_enter(task->inst, -1);
      if (cancelled) {
        *entered = false;
        return cm_task_cancel(cm_instance_store(task->inst), task);
      }
    }
    if (cm_task_needs_exclusive(task)) cm_instance_set_exclusive(task->inst, thread);
  }
  cm_task_register_thread(task, thread);
  return NULL;
}

void cm_task_register_thread(cm_task *task, cm_thread *thread) {
  task->num_threads++;
  if (task->inst) thread->index = cm_instance_add_thread(task->inst, thread);
}

wasm_trap *cm_task_unregister_thread(cm_task *task, cm_thread *thread) {
  task->num_threads--;
  if (task->inst && thread->index) cm_instance_remove_thread(task->inst, thread->index);
  thread->index = 0;
  if (task->num_threads == 0) {
    if (task->state != CM_TASK_RESOLVED)
      return TRAP(task->inst ? cm_instance_store(task->inst) : NULL, "%s",
                  task->ft && task->ft->async ? "async-lifted export failed to produce a result"
                                              : "cannot block a synchronous task before returning");
    task->exited = true;
    if (task->on_exit) task->on_exit(task->on_exit_arg);
  }
  return NULL;
}

wasm_trap *cm_task_exit_implicit_thread(cm_task *task) {
  cm_thread *thread = task->implicit_thread;
  bool release_lock = task->ft && task->ft->async && task->inst && cm_task_needs_exclusive(task);
  wasm_trap *trap = cm_task_unregister_thread(task, thread);
  if (release_lock) cm_instance_set_exclusive(task->inst, NULL);
  if (!trap) {
    cm_task_hold(task);
    cm_task_release(task); /* frees it when nobody holds it */
  }
  return trap;
}

wasm_trap *cm_task_request_cancellation(cm_task *task, cm_component_instance *caller) {
  if (task->state == CM_TASK_INITIAL) {
    task->state = CM_TASK_CANCEL_DELIVERED;
    return cm_thread_resume(task->implicit_thread, true);
  }
  /* one of the task's threads that waits cancellably takes it: Warren only has the implicit one */
  cm_thread *t = task->implicit_thread;
  bool candidate = t && !t->running && !t->finished && t->cancellable && (cm_thread_waiting(t) || cm_thread_suspended(t));
  if (candidate && cm_task_needs_exclusive(task) && cm_instance_exclusive(task->inst) != NULL &&
      cm_instance_exclusive(task->inst) != t)
    candidate = false;
  if (candidate && cm_instance_may_enter_from(task->inst, caller)) {
    /* the task may end inside the resume (a callback that calls task.cancel and exits), and
     * with it be freed: only the instance is used after */
    cm_component_instance *inst = task->inst;
    task->state = CM_TASK_CANCEL_DELIVERED;
    cm_instance_enter_from(inst, caller);
    wasm_trap *trap = cm_thread_resume(t, true);
    cm_instance_leave_to(inst, caller);
    return trap;
  }
  task->state = CM_TASK_PENDING_CANCEL;
  return NULL;
}

bool cm_task_deliver_pending_cancel(cm_task *task, bool cancellable) {
  if (task && cancellable && task->state == CM_TASK_PENDING_CANCEL) {
    task->state = CM_TASK_CANCEL_DELIVERED;
    return true;
  }
  return false;
}

wasm_trap *cm_task_cancel(wasm_store *store, cm_task *task) {
  if (task->state != CM_TASK_CANCEL_DELIVERED)
    return TRAP(store, "`task.cancel` called by task which has not been cancelled");
  if (task->num_borrows)
    return TRAP(store, "borrow handles still remain at the end of the call (%u)", task->num_borrows);
  task->state = CM_TASK_RESOLVED;
  if (task->call) return task->call->on_resolve(task->call, NULL);
  return NULL;
}

void cm_subtask_init(cm_subtask *subtask, cm_task *task, cm_arena *scratch) {
  *subtask = (cm_subtask){.state = CM_SUBTASK_STARTING, .task = task, .scratch = scratch};
  if (scratch) subtask->scratch_mark = cm_arena_mark_now(scratch);
}

void cm_subtask_start(cm_subtask *subtask) { subtask->state = CM_SUBTASK_STARTED; }

void cm_subtask_add_lender(cm_subtask *subtask, cm_handle_table *table, uint32_t index) {
  table->slots.items[index].num_lends++;
  WR_VEC_PUSH(&subtask->lenders, ((cm_lender){table, index}));
}

void cm_subtask_resolve(cm_subtask *subtask, cm_subtask_state state) { subtask->state = state; }

bool cm_subtask_resolved(const cm_subtask *subtask) { return subtask->state >= CM_SUBTASK_RETURNED; }

void cm_subtask_deliver_resolve(cm_subtask *subtask) {
  for (size_t i = 0; i < subtask->lenders.len; i++) {
    cm_lender l = subtask->lenders.items[i];
    l.table->slots.items[l.index].num_lends--;
  }
  WR_VEC_FREE(&subtask->lenders);
  subtask->resolve_delivered = true;
}

void cm_subtask_finish(cm_subtask *subtask) {
  if (!subtask->resolve_delivered) cm_subtask_deliver_resolve(subtask);
  if (subtask->scratch) cm_arena_release(subtask->scratch, subtask->scratch_mark);
}
