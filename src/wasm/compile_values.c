/* Instructions that move values rather than compute them: drop and select, locals and
 * globals, constants (pooled: operands name the constant's slot), references, and table.get /
 * table.set. local.get costs nothing (the stack entry names the local's slot) and local.set
 * usually retargets the instruction that computed the value. */
#include "compile_internal.h"

bool compile_drop(compiler *c) {
  operand a;
  return pop(c, &a);
}

bool compile_select(compiler *c, bool typed) {
  operand a, b, cond;
  if (typed) {
    uint32_t n;
    const uint8_t *types;
    if (!wasm_read_u32(&c->r, &n) || !wasm_read_bytes(&c->r, n, &types)) return false;
  }
  if (!pop(c, &cond) || !pop(c, &b) || !pop(c, &a)) return false;
  uint32_t dst = push(c, a.type);
  emit_op(c, a.type == WASM_V128 ? WASM_IOP_select2 : WASM_IOP_select);
  uint32_t dst_word = emit(c, dst);
  emit(c, a.where);
  emit(c, b.where);
  emit(c, cond.where);
  note_result(c, dst_word);
  return true;
}

bool compile_local_get(compiler *c) {
  uint32_t idx;
  if (!read_index(c, &idx, c->nlocals, "unknown local")) return false;
  push(c, c->local_type[idx]);
  c->stack.items[c->stack.len - 1].where = c->local_slot[idx];
  return true;
}

/* local.set / local.tee of local x: a value just computed is written straight into the local;
 * stack values still read from the local's slot are first copied to their own. */
static bool set_local(compiler *c, uint32_t x, bool tee) {
  operand v;
  const ctrl *block = &c->ctrls.items[c->ctrls.len - 1];
  if (c->stack.len <= block->height) return fail(c, "operand stack underflow");
  uint32_t slot = c->local_slot[x];
  uint32_t produced = c->last_dst;
  v = c->stack.items[--c->stack.len];
  bool referenced = false;
  for (size_t i = 0; i < c->stack.len; i++)
    if (c->stack.items[i].where == slot) referenced = true;
  if (produced != NO_POS && (v.where == v.canon || is_vector_temp(c, v.where)) && c->code.items[produced] == v.where &&
      !referenced) {
    /* the value was just computed: write it straight into the local */
    c->code.items[produced] = slot;
  } else {
    for (size_t i = 0; i < c->stack.len; i++)
      if (c->stack.items[i].where == slot) materialize(c, &c->stack.items[i]);
    compile_emit_copy(c, v.type, slot, v.where);
  }
  c->last_dst = NO_POS;
  if (tee) {
    operand o = {v.type, v.canon, slot};
    WR_VEC_PUSH(&c->stack, o);
  }
  return true;
}

bool compile_local_set(compiler *c, bool tee) {
  uint32_t idx;
  if (!read_index(c, &idx, c->nlocals, "unknown local")) return false;
  return set_local(c, idx, tee);
}

bool compile_global_get(compiler *c) {
  uint32_t idx;
  if (!read_index(c, &idx, nglobals_total(c), "unknown global")) return false;
  uint8_t type = wasm_module_global_type(c->module, idx).type;
  uint32_t dst = push(c, type);
  emit_op(c, type == WASM_V128 ? WASM_IOP_global_get2 : WASM_IOP_global_get);
  note_result(c, emit(c, dst));
  emit(c, idx);
  return true;
}

bool compile_global_set(compiler *c) {
  uint32_t idx;
  operand a;
  if (!read_index(c, &idx, nglobals_total(c), "unknown global") || !pop(c, &a)) return false;
  emit_op(c, a.type == WASM_V128 ? WASM_IOP_global_set2 : WASM_IOP_global_set);
  emit(c, idx);
  emit(c, a.where);
  return true;
}

bool compile_table_get(compiler *c) {
  uint32_t idx;
  operand a;
  if (!read_index(c, &idx, ntables_total(c), "unknown table") || !pop(c, &a)) return false;
  uint32_t dst = push(c, wasm_module_table_type(c->module, idx).elem);
  emit_op(c, WASM_IOP_table_get);
  note_result(c, emit(c, dst));
  emit(c, idx);
  emit(c, a.where);
  return true;
}

bool compile_table_set(compiler *c) {
  uint32_t idx;
  operand a, b;
  if (!read_index(c, &idx, ntables_total(c), "unknown table") || !pop(c, &b) || !pop(c, &a)) return false;
  emit_op(c, WASM_IOP_table_set);
  emit(c, idx);
  emit(c, a.where);
  emit(c, b.where);
  return true;
}

/* A constant of `type`: a reference to its pool slot, or, once the pool is full, const32 or
 * (wide) const64 into a stack slot. */
static void push_const(compiler *c, uint8_t type, uint64_t bits, bool wide) {
  if (compile_push_pooled_const(c, type, bits)) return;
  uint32_t dst = push(c, type);
  emit_op(c, wide ? WASM_IOP_const64 : WASM_IOP_const32);
  note_result(c, emit(c, dst));
  emit(c, (uint32_t)bits);
  if (wide) emit(c, (uint32_t)(bits >> 32));
}

bool compile_const(compiler *c, uint8_t op) {
  switch (op) {
  case WASM_OPCODE_i32_const: {
    int32_t v;
    if (!wasm_read_s32(&c->r, &v)) return false;
    push_const(c, WASM_I32, (uint32_t)v, false);
    return true;
  }
  case WASM_OPCODE_f32_const: {
    uint32_t bits;
    if (!wasm_read_fixed32(&c->r, &bits)) return false;
    push_const(c, WASM_F32, bits, false);
    return true;
  }
  case WASM_OPCODE_i64_const: {
    int64_t v;
    if (!wasm_read_s64(&c->r, &v)) return false;
    push_const(c, WASM_I64, (uint64_t)v, true);
    return true;
  }
  case WASM_OPCODE_f64_const: {
    uint64_t bits;
    if (!wasm_read_fixed64(&c->r, &bits)) return false;
    push_const(c, WASM_F64, bits, true);
    return true;
  }
  default: { /* ref.null: a null reference is 0 */
    uint8_t type = 0; /* zeroed: gcc -Os cannot see that a successful read sets it */
    if (!wasm_read_u8(&c->r, &type)) return false;
    push_const(c, type, 0, true);
    return true;
  }
  }
}

bool compile_ref_is_null(compiler *c) {
  operand a;
  if (!pop(c, &a)) return false;
  uint32_t dst = push(c, WASM_I32);
  emit_op(c, WASM_IOP_ref_is_null);
  note_result(c, emit(c, dst));
  emit(c, a.where);
  return true;
}

bool compile_ref_func(compiler *c) {
  uint32_t idx;
  if (!read_index(c, &idx, nfuncs_total(c), "unknown function")) return false;
  uint32_t dst = push(c, WASM_FUNCREF);
  emit_op(c, WASM_IOP_ref_func);
  note_result(c, emit(c, dst));
  emit(c, idx);
  return true;
}
