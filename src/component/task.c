/* Task and Subtask state transitions (definitions.py "Tasks", "Subtask State"). */
#include "task.h"

#include "canon.h"

void cm_task_init(cm_task *task, const cm_functype *ft, cm_component_instance *inst, cm_subtask *caller) {
  *task = (cm_task){.state = CM_TASK_INITIAL, .ft = ft, .inst = inst, .caller = caller};
}

void cm_task_start(cm_task *task) { task->state = CM_TASK_STARTED; }

wasm_trap *cm_task_return(wasm_store *store, cm_task *task) {
  if (task->state == CM_TASK_RESOLVED)
    return wasm_trap_new(store, WASM_TRAP_HOST, "task already returned a result");
  if (task->num_borrows)
    return wasm_trap_new(store, WASM_TRAP_HOST, "borrow handles still remain at the end of the call (%u)",
                         task->num_borrows);
  task->state = CM_TASK_RESOLVED;
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
