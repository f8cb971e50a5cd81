/* Calls: call and call_indirect put their arguments in consecutive canonical slots, where the
 * callee's frame begins; the tail calls (return_call, return_call_indirect) move them into this
 * frame's first slots, which the callee reuses. */
#include "compile_internal.h"

/* A call's arguments, in consecutive canonical slots starting at the callee's frame base
 * (*base_out). */
bool compile_call_args(compiler *c, const wasm_functype *t, uint32_t *base_out) {
  if (c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + t->nparams) return fail(c, "operand stack underflow");
  materialize_top(c, t->nparams);
  uint32_t base = t->nparams ? c->stack.items[c->stack.len - t->nparams].canon : next_canon(c);
  c->stack.len -= t->nparams;
  uint32_t nps = types_slots(wasm_functype_params(t), t->nparams);
  uint32_t nrs = types_slots(wasm_functype_results(t), t->nresults);
  if (!reserve_slots(c, base + WR_MAX(nps, nrs))) return false;
  *base_out = base;
  return true;
}

/* A tail call's arguments: they replace this frame's first slots. */
static bool emit_tail_args(compiler *c, const wasm_functype *t) {
  if (c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + t->nparams) return fail(c, "operand stack underflow");
  materialize_top(c, t->nparams);
  compile_emit_moves(c, t->nparams, wasm_functype_params(t), 0);
  c->stack.len -= t->nparams;
  uint32_t nps = types_slots(wasm_functype_params(t), t->nparams);
  uint32_t nrs = types_slots(wasm_functype_results(t), t->nresults);
  return reserve_slots(c, WR_MAX(nps, nrs));
}

static void push_call_results(compiler *c, const wasm_functype *t) {
  for (uint32_t k = 0; k < t->nresults; k++) push(c, wasm_functype_results(t)[k]);
}

bool compile_call(compiler *c) {
  uint32_t idx, base;
  if (!read_index(c, &idx, nfuncs_total(c), "unknown function")) return false;
  const wasm_functype *t = wasm_module_func_type(c->module, idx);
  if (!compile_call_args(c, t, &base)) return false;
  emit_op(c, WASM_IOP_call);
  emit(c, idx);
  emit(c, base);
  push_call_results(c, t);
  return true;
}

bool compile_call_indirect(compiler *c) {
  const wasm_module *m = c->module;
  uint32_t idx, table, base;
  if (!read_index(c, &idx, m->ntypes, "unknown type") || !read_index(c, &table, ntables_total(c), "unknown table"))
    return false;
  operand index;
  if (!pop(c, &index)) return false;
  const wasm_functype *t = &m->types[idx];
  if (!compile_call_args(c, t, &base)) return false;
  /* the index may sit in the argument area: read it into a slot past the arguments */
  emit_op(c, WASM_IOP_call_indirect);
  emit(c, idx);
  emit(c, table);
  emit(c, index.where);
  emit(c, base);
  push_call_results(c, t);
  return true;
}

bool compile_return_call(compiler *c) {
  uint32_t idx;
  if (!c->module->features.tail_call) return fail(c, "tail calls are not enabled");
  if (!read_index(c, &idx, nfuncs_total(c), "unknown function")) return false;
  if (!emit_tail_args(c, wasm_module_func_type(c->module, idx))) return false;
  emit_op(c, WASM_IOP_return_call);
  emit(c, idx);
  c->unreachable = true;
  return true;
}

bool compile_return_call_indirect(compiler *c) {
  const wasm_module *m = c->module;
  uint32_t idx, table;
  operand index;
  if (!m->features.tail_call) return fail(c, "tail calls are not enabled");
  if (!read_index(c, &idx, m->ntypes, "unknown type") || !read_index(c, &table, ntables_total(c), "unknown table"))
    return false;
  if (!pop(c, &index)) return false;
  materialize(c, &index); /* its local could be overwritten by the argument moves */
  if (!emit_tail_args(c, &m->types[idx])) return false;
  emit_op(c, WASM_IOP_return_call_indirect);
  emit(c, idx);
  emit(c, table);
  emit(c, index.where);
  c->unreachable = true;
  return true;
}
