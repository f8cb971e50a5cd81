/* Whole synchronous calls across the Canonical ABI: host -> lifted guest function (as a
 * task), and guest -> lowered host function (as a subtask), each its own borrow scope. */
#include "canon.h"
#include "host_bind.h"

#include <string.h>

#define TRAP(cx, ...) wasm_trap_new((cx)->store, WASM_TRAP_HOST, __VA_ARGS__)

static bool same_functype(const wasm_functype *a, const wasm_functype *b) {
  return a->nparams == b->nparams && a->nresults == b->nresults &&
         memcmp(a->types, b->types, a->nparams + a->nresults) == 0;
}

wasm_trap *cm_call_lifted(const cm_canon_cx *outer, cm_task *task, wasm_func *func, wasm_func *post_return,
                          const cm_val *args, cm_val *result) {
  const cm_functype *ft = task->ft;
  wasm_functype expected;
  uint8_t types[CM_MAX_FLAT_PARAMS + 2];
  cm_flatten_functype(ft, true, false, false, &expected, types);
  if (!same_functype(wasm_func_type(func), &expected))
    return TRAP(outer, "canonical ABI: the lifted core function does not have the flattened type");
  cm_canon_cx cx = *outer;
  cx.task = task;
  cx.subtask = NULL;
  cm_task_start(task);
  wasm_slot slots[CM_MAX_FLAT_PARAMS];
  uint32_t nslots;
  wasm_trap *trap = cm_lower_args(&cx, ft, args, slots, &nslots);
  if (!trap) trap = wasm_func_call(cx.store, func, slots);
  if (!trap) trap = cm_lift_result(&cx, ft, slots, result);
  if (!trap) trap = cm_task_return(cx.store, task);
  if (!trap && post_return) {
    if (cx.may_leave) *cx.may_leave = false;
    trap = cm_post_return(cx.store, post_return, slots);
    if (cx.may_leave) *cx.may_leave = true;
  }
  return trap;
}

wasm_trap *cm_call_host(const cm_canon_cx *outer, cm_subtask *subtask, const cm_functype *ft, cm_host_impl impl,
                        void *env, wasm_slot *slots) {
  cm_canon_cx cx = *outer;
  cx.task = NULL;
  cx.subtask = subtask;
  /* arguments live in the arena; a small array on the stack covers most signatures */
  cm_val small[8];
  cm_val *args = ft->nparams <= 8 ? small : cm_arena_array(cx.arena, ft->nparams, sizeof(cm_val));
  cm_val result = {0};
  cm_subtask_start(subtask);
  wasm_trap *trap;
  if (impl == cm_host_bound_impl) { /* a binding lifts its arguments itself (host_bind.h) */
    trap = cm_host_bound_call(env, &cx, ft, CM_MAX_FLAT_PARAMS, slots, &result);
  } else {
    trap = cm_lift_args(&cx, ft, slots, args);
    if (!trap) trap = impl(env, &cx, args, &result);
  }
  if (!trap) trap = cm_lower_result(&cx, ft, &result, slots);
  if (!trap) cm_subtask_resolve(subtask, CM_SUBTASK_RETURNED);
  /* the lends end with the call, also when it trapped */
  cm_subtask_deliver_resolve(subtask);
  return trap;
}
