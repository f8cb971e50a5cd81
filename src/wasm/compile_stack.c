/* Where stack values go beyond the inline helpers of compile_internal.h: copies between slots
 * (adjacent ones joined into one dispatch) and the constant pool. */
#include "compile_internal.h"

void compile_emit_copy(compiler *c, uint8_t type, uint32_t dst, uint32_t src) {
  if (dst == src) return;
  /* a copy right after a copy (call arguments, branch results) joins it in one dispatch */
  uint32_t last = c->op_starts.len ? c->op_starts.items[c->op_starts.len - 1] : NO_POS;
  if (type != WASM_V128 && last != NO_POS && last + 3 == c->code.len && c->code.items[last] == WASM_IOP_copy &&
      c->label_pos <= last) {
    c->code.items[last] = WASM_IOP_copy_pair;
    emit(c, dst);
    emit(c, src);
    c->last_dst = NO_POS;
    return;
  }
  emit_op(c, type == WASM_V128 ? WASM_IOP_copy2 : WASM_IOP_copy);
  emit(c, dst);
  emit(c, src);
}

/* Push a constant as a reference to its pool slot; false when the pool is full. */
bool compile_push_pooled_const(compiler *c, uint8_t type, uint64_t bits) {
  size_t k;
  for (k = 0; k < c->consts.len; k++)
    if (c->consts.items[k] == bits) break;
  if (k == c->consts.len) {
    if (c->consts.len >= c->const_cap) return false;
    WR_VEC_PUSH(&c->consts, bits);
  }
  push(c, type);
  c->stack.items[c->stack.len - 1].where = c->nlocal_slots + (uint32_t)k;
  return true;
}
