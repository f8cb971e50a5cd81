/* Whole synchronous calls across the Canonical ABI: host -> lifted guest function, and guest
 * -> lowered host function, each with its borrow scope. */
#include "canon.h"

#include <string.h>

#define TRAP(cx, ...) wasm_trap_new((cx)->store, WASM_TRAP_HOST, __VA_ARGS__)

static bool same_functype(const wasm_functype *a, const wasm_functype *b) {
  return a->nparams == b->nparams && a->nresults == b->nresults &&
         memcmp(a->types, b->types, a->nparams + a->nresults) == 0;
}

wasm_trap *cm_call_lifted(const cm_canon_cx *outer, const cm_functype *ft, wasm_func *func, wasm_func *post_return,
                          const cm_val *args, cm_val *result) {
  wasm_functype expected;
  uint8_t types[CM_MAX_FLAT_PARAMS + 2];
  cm_flatten_functype(ft, true, false, false, &expected, types);
  if (!same_functype(wasm_func_type(func), &expected))
    return TRAP(outer, "canonical ABI: the lifted core function does not have the flattened type");
  cm_call_scope scope;
  cm_call_scope_init(&scope);
  cm_canon_cx cx = *outer;
  cx.scope = &scope;
  wasm_slot slots[CM_MAX_FLAT_PARAMS];
  uint32_t nslots;
  wasm_trap *trap = cm_lower_args(&cx, ft, args, slots, &nslots);
  if (!trap) trap = wasm_func_call(cx.store, func, slots);
  if (!trap) trap = cm_lift_result(&cx, ft, slots, result);
  wasm_trap *scope_trap = cm_call_scope_end(cx.store, &scope);
  if (!trap) trap = scope_trap;
  if (!trap && post_return) {
    if (cx.may_leave) *cx.may_leave = false;
    trap = cm_post_return(cx.store, post_return, slots);
    if (cx.may_leave) *cx.may_leave = true;
  }
  return trap;
}

wasm_trap *cm_call_host(const cm_canon_cx *outer, const cm_functype *ft, cm_host_impl impl, void *env,
                        wasm_slot *slots) {
  cm_call_scope scope;
  cm_call_scope_init(&scope);
  cm_canon_cx cx = *outer;
  cx.scope = &scope;
  /* arguments live in the arena; a small array on the stack covers most signatures */
  cm_val small[8];
  cm_val *args = ft->nparams <= 8 ? small : cm_arena_array(cx.arena, ft->nparams, sizeof(cm_val));
  cm_val result = {0};
  wasm_trap *trap = cm_lift_args(&cx, ft, slots, args);
  if (!trap) trap = impl(env, &cx, args, &result);
  if (!trap) trap = cm_lower_result(&cx, ft, &result, slots);
  wasm_trap *scope_trap = cm_call_scope_end(cx.store, &scope);
  return trap ? trap : scope_trap;
}
