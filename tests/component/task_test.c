/* Tasks and subtasks (src/component/task.h) seen from host functions called by a real
 * component (tests/component/task/tasks.wat): context slots belong to each call's thread, not
 * to the instance; a borrow given to a task counts until the guest drops it; an own handle lent
 * to the host is returned when the call ends; the scratch memory of lowered calls is released.
 * Usage: task_test tasks.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/host.h"
#include "component/instance.h"
#include "component/thread.h"
#include "../check.h"
#include "../load_component.h"

typedef struct probe_state {
  cm_component_instance *inst; /* the root instance */
  uint32_t steps;              /* bit per probe step seen */
  cm_task *a_task;             /* A.outer's task and thread, seen at step 1 */
  cm_thread *a_thread;
  cm_arena *scratch;           /* the scratch arena of the outermost lowered call (its thread's) */
  cm_arena_mark scratch_start; /* its mark when the host function began */
  uint32_t dtor_calls, dtor_rep;
} probe_state;

/* probe(step) -> step * 10, checking the calling task at each step of tasks.wat. */
static wasm_trap *probe(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  probe_state *st = env;
  uint32_t step = (uint32_t)args[0].u.u;
  st->steps |= 1u << step;
  cm_subtask *subtask = cx->subtask;
  CHECK(subtask && subtask->state == CM_SUBTASK_STARTED && subtask->task);
  if (!subtask || !subtask->task) return wasm_trap_new(cx->store, WASM_TRAP_HOST, "no calling task");
  cm_task *task = subtask->task;
  CHECK(task->state == CM_TASK_STARTED);
  cm_thread *thread = cm_current_thread();
  CHECK(thread && thread->task == task && cm_instance_current_task(st->inst) == task);
  switch (step) {
  case 1: /* A.outer, called by the host: its thread's slot 0 is A's 11 */
    CHECK(thread && thread->storage[0] == 11);
    st->a_task = task;
    st->a_thread = thread;
    st->scratch = cx->arena;
    st->scratch_start = cm_arena_mark_now(cx->arena);
    break;
  case 2: /* B.inner, called by A.outer: B's thread has its own slot (22); A's still holds 11 */
    CHECK(task != st->a_task && task->inst != st->a_task->inst && thread && thread->storage[0] == 22);
    CHECK(st->a_thread != thread && st->a_thread->storage[0] == 11);
    CHECK(cx->arena != st->scratch); /* each thread lifts into its own scratch */
    break;
  case 3: CHECK(task->num_borrows == 1); break; /* keep: the borrow it was given */
  case 4: CHECK(task->num_borrows == 0); break; /* keep: dropped */
  default: CHECK(!"unexpected probe step"); break;
  }
  /* scratch the call leaves behind: a small and a big (own chunk) allocation */
  cm_arena_alloc(cx->arena, 64);
  cm_arena_alloc(cx->arena, 200 * 1024);
  *result = cm_val_u(step * 10);
  return NULL;
}

static wasm_trap *make(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  (void)env, (void)cx;
  *result = cm_val_handle((uint32_t)args[0].u.u);
  return NULL;
}

/* inspect(t: borrow<thing>): the guest's own handle is lent to this call once. */
static wasm_trap *inspect(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  (void)env;
  cm_subtask *subtask = cx->subtask;
  CHECK(args[0].u.rep == 42);
  CHECK(subtask && subtask->lenders.len == 1);
  if (subtask && subtask->lenders.len == 1) {
    cm_lender l = subtask->lenders.items[0];
    CHECK(l.table->slots.items[l.index].num_lends == 1 && l.table->slots.items[l.index].own);
  }
  *result = cm_val_u(7);
  return NULL;
}

static wasm_trap *thing_dtor(void *env, wasm_store *store, uint32_t rep) {
  (void)store;
  probe_state *st = env;
  st->dtor_calls++;
  st->dtor_rep = rep;
  return NULL;
}

/* The scratch is back where it was before the host function allocated (or further back: the
 * arguments lifted into it before the call are released too). */
static bool released_to(cm_arena_mark now, cm_arena_mark then) {
  return now.chunk == then.chunk && now.used <= then.used && now.big == then.big;
}

static uint32_t call_u32(cm_component_instance *inst, const char *name, const cm_val *args, cm_arena *arena,
                         const char *expect_trap) {
  const cm_func *func = cm_instance_func(inst, NULL, name);
  CHECK(func != NULL);
  if (!func) return 0;
  cm_val result = {0};
  wasm_trap *trap = cm_func_call(inst, func, args, &result, arena);
  if (expect_trap) {
    CHECK(trap && strstr(trap->message, expect_trap));
    if (trap && !strstr(trap->message, expect_trap)) fprintf(stderr, "%s: trap %s\n", name, trap->message);
  } else {
    CHECK(!trap);
    if (trap) fprintf(stderr, "%s: trap %s\n", name, trap->message);
  }
  return (uint32_t)result.u.u;
}

static void run(cm_component_instance *inst, probe_state *st) {
  cm_arena *arena = cm_arena_new();
  CHECK(cm_instance_current_task(inst) == NULL);

  /* context slots per task: A sees 11 after B set its own slot to 22; both start at 0 */
  CHECK(call_u32(inst, "outer", NULL, arena, NULL) == 22 * 100 + 11);
  CHECK(st->steps == (1u << 1 | 1u << 2));
  CHECK(cm_instance_current_task(inst) == NULL);
  /* the scratch of both lowered calls (and what the host left in it) is released */
  CHECK(st->scratch && released_to(cm_arena_mark_now(st->scratch), st->scratch_start));
  /* a second call is a new task: slot 0 starts at 0 again, not at the 11 the first one left */
  CHECK(call_u32(inst, "outer", NULL, arena, NULL) == 22 * 100 + 11);
  CHECK(st->scratch && released_to(cm_arena_mark_now(st->scratch), st->scratch_start));

  /* a borrow given to the task counts until the guest drops it */
  cm_val borrowed = cm_val_handle(5);
  CHECK(call_u32(inst, "keep", &borrowed, arena, NULL) == 40);
  CHECK(st->steps == (1u << 1 | 1u << 2 | 1u << 3 | 1u << 4));

  /* an own handle lent for one call is returned when it ends, so the guest can drop it */
  CHECK(call_u32(inst, "lend", NULL, arena, NULL) == 7);
  CHECK(st->dtor_calls == 1 && st->dtor_rep == 42);

  /* a task returning with a borrow still held traps (last: the instance is done after a trap) */
  borrowed = cm_val_handle(6);
  call_u32(inst, "forget", &borrowed, arena, "borrow handles still remain");
  CHECK(cm_instance_current_task(inst) == NULL);
  cm_arena_free(arena);
}

int main(int argc, char **argv) {
  int exit_code = 0;
  cm_component *component = load_component_arg(argc, argv, &exit_code);
  if (!component) return exit_code;
  wr_error err = {0};
  cm_host *host = cm_host_new();
  static const char wit[] = "package test:task;\n"
                            "interface probe {\n"
                            "  resource thing;\n"
                            "  make: func(rep: u32) -> thing;\n"
                            "  inspect: func(t: borrow<thing>) -> u32;\n"
                            "  probe: func(step: u32) -> u32;\n"
                            "}\n";
  CHECK(cm_host_add_wit(host, "probe.wit", wit, strlen(wit), &err));
  probe_state st = {0};
  CHECK(cm_host_define_func(host, "test:task/probe", "probe", probe, &st));
  CHECK(cm_host_define_func(host, "test:task/probe", "make", make, &st));
  CHECK(cm_host_define_func(host, "test:task/probe", "inspect", inspect, &st));
  const cm_type *thing = cm_host_resource(host, "test:task/probe", "thing");
  CHECK(thing != NULL);
  if (thing) cm_host_define_dtor(host, thing, thing_dtor, &st);
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  st.inst = cm_instantiate(store, component, host, &trap, &err);
  CHECK(st.inst != NULL);
  if (!st.inst) fprintf(stderr, "instantiate: %s\n", trap ? trap->message : err.message);
  if (st.inst) {
    run(st.inst, &st);
    cm_component_instance_free(st.inst);
  }
  wasm_store_free(store);
  cm_host_free(host);
  cm_component_free(component);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
