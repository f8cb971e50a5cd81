/* Superinstructions: an instruction that consumes the value the one just before computed takes
 * that instruction back and does its work in the same dispatch (address arithmetic folded into
 * loads and stores, f64 arithmetic on memory, a comparison into the branch on it, a loop's step
 * into its back-branch), and, once a body is complete, constant second operands become
 * immediates. Nothing fuses across a branch target (label_pos). */
#include <string.h>

#include "compile_internal.h"

/* Superinstructions: when the value on top of the stack was just computed by `op` (with
 * `n` operands after its result slot), drop that instruction and return its operands, so
 * the consumer computes the value itself in the same dispatch. The dropped result slot is
 * a stack temporary only the consumer reads (a local.tee would have cleared last_dst). */
static const uint32_t *peek_last(const compiler *c, enum wasm_iop op) {
  if (c->stack.len == 0 || c->last_dst == NO_POS || c->last_dst != c->last_op_pos + 1) return NULL;
  const operand *top = &c->stack.items[c->stack.len - 1];
  if (top->where != top->canon || c->code.items[c->last_dst] != top->canon) return NULL;
  if (c->code.items[c->last_op_pos] != (uint32_t)op) return NULL;
  return &c->code.items[c->last_op_pos + 2];
}

static void drop_last(compiler *c) {
  truncate_code(c, c->last_op_pos);
  c->last_dst = NO_POS;
}

static bool take_last(compiler *c, enum wasm_iop op, uint32_t *operands, uint32_t n) {
  const uint32_t *last = peek_last(c, op);
  if (!last) return false;
  for (uint32_t k = 0; k < n; k++) operands[k] = last[k];
  drop_last(c);
  return true;
}

static bool take_last_binary(compiler *c, enum wasm_iop op, uint32_t *x, uint32_t *y) {
  uint32_t operands[2];
  if (!take_last(c, op, operands, 2)) return false;
  *x = operands[0];
  *y = operands[1];
  return true;
}

/* The internal opcodes that load from a + b and from a + (x << s), for the loads that
 * have them (WASM_IOP_COUNT: none). */
static enum wasm_iop load_add_op(enum wasm_iop load) {
  switch (load) {
  case WASM_IOP_i32_load: case WASM_IOP_f32_load: return WASM_IOP_i32_load_add;
  case WASM_IOP_i64_load: case WASM_IOP_f64_load: return WASM_IOP_i64_load_add;
  case WASM_IOP_i32_load8_u: return WASM_IOP_i32_load8_u_add;
  default: return WASM_IOP_COUNT;
  }
}

static enum wasm_iop load_add_shl_op(enum wasm_iop load) {
  switch (load) {
  case WASM_IOP_i32_load: case WASM_IOP_f32_load: return WASM_IOP_i32_load_add_shl;
  case WASM_IOP_i64_load: case WASM_IOP_f64_load: return WASM_IOP_i64_load_add_shl;
  default: return WASM_IOP_COUNT;
  }
}

/* A load's address, when the instruction just before computed it as a + b or a + (x << s) and
 * `*load` has a form that adds itself: that instruction is taken back, *load becomes that form,
 * the address operands are address[0..), and their count is returned. Else 1: the address is
 * the load's own operand (the caller's to fill in). */
uint32_t compile_fuse_load_address(compiler *c, enum wasm_iop *load, uint32_t address[3]) {
  enum wasm_iop with_sum = load_add_op(*load), with_scaled = load_add_shl_op(*load);
  if (with_sum != WASM_IOP_COUNT && take_last(c, WASM_IOP_i32_add, address, 2)) {
    *load = with_sum;
    return 2;
  }
  if (with_scaled != WASM_IOP_COUNT && take_last(c, WASM_IOP_i32_add_shl, address, 3)) {
    *load = with_scaled;
    return 3;
  }
  return 1;
}

/* The same for stores, whose address is the operand below the value. */
static enum wasm_iop store_add_op(enum wasm_iop store) {
  switch (store) {
  case WASM_IOP_i32_store: case WASM_IOP_f32_store: return WASM_IOP_i32_store_add;
  case WASM_IOP_i64_store: case WASM_IOP_f64_store: return WASM_IOP_i64_store_add;
  case WASM_IOP_i32_store8: return WASM_IOP_i32_store8_add;
  default: return WASM_IOP_COUNT;
  }
}

static enum wasm_iop store_add_shl_op(enum wasm_iop store) {
  switch (store) {
  case WASM_IOP_i32_store: case WASM_IOP_f32_store: return WASM_IOP_i32_store_add_shl;
  case WASM_IOP_i64_store: case WASM_IOP_f64_store: return WASM_IOP_i64_store_add_shl;
  default: return WASM_IOP_COUNT;
  }
}

/* `fused dst a x y`: a binary op whose second operand was the instruction just taken back
 * (take_last_binary left its operands in x and y); pops both stack operands, pushes `type`. */
static bool emit_fused_with_last(compiler *c, enum wasm_iop fused, uint8_t type, uint32_t x, uint32_t y) {
  operand a, b;
  if (!pop(c, &b) || !pop(c, &a)) return false;
  uint32_t dst = push(c, type);
  emit_op(c, fused);
  uint32_t dst_word = emit(c, dst);
  emit(c, a.where);
  emit(c, x);
  emit(c, y);
  note_result(c, dst_word);
  return true;
}

/* i32.add of an address computed just before: a + (x << y) or a + x + y; f64 arithmetic on a
 * value just loaded. *fused says whether the instruction `iop` was compiled so. */
bool compile_fuse_arithmetic(compiler *c, enum wasm_iop iop, bool *fused) {
  uint32_t x, y;
  *fused = true;
  if (iop == WASM_IOP_i32_add) {
    enum wasm_iop with_address = WASM_IOP_COUNT;
    if (take_last_binary(c, WASM_IOP_i32_shl, &x, &y)) with_address = WASM_IOP_i32_add_shl;
    else if (take_last_binary(c, WASM_IOP_i32_add, &x, &y)) with_address = WASM_IOP_i32_add3;
    if (with_address != WASM_IOP_COUNT) return emit_fused_with_last(c, with_address, WASM_I32, x, y);
  }
  /* f64 arithmetic on a value just loaded: a op memory[x + offset y] */
  enum wasm_iop with_memory = iop == WASM_IOP_f64_add   ? WASM_IOP_f64_add_mem
                              : iop == WASM_IOP_f64_sub ? WASM_IOP_f64_sub_mem
                              : iop == WASM_IOP_f64_mul ? WASM_IOP_f64_mul_mem
                                                        : WASM_IOP_COUNT;
  if (with_memory != WASM_IOP_COUNT && take_last_binary(c, WASM_IOP_f64_load, &x, &y))
    return emit_fused_with_last(c, with_memory, WASM_F64, x, y);
  /* ... or loaded from x + y (f64 loads from a sum become i64_load_add) */
  uint32_t sum_address[3];
  if (with_memory != WASM_IOP_COUNT && take_last(c, WASM_IOP_i64_load_add, sum_address, 3)) {
    enum wasm_iop with_sum = (enum wasm_iop)(with_memory + (WASM_IOP_f64_add_mem_add - WASM_IOP_f64_add_mem));
    if (!emit_fused_with_last(c, with_sum, WASM_F64, sum_address[0], sum_address[1])) return false;
    emit(c, sum_address[2]);
    return true;
  }
  *fused = false;
  return true;
}

/* A branch on the i32 or i64 comparison just computed: take the comparison's operands back
 * and drop its instruction, so the branch compares itself. Returns the comparison's index in
 * fused_compares, FUSE_EQZ / FUSE_EQZ64 for i32.eqz / i64.eqz, or -1 when the condition is
 * anything else. */
#define FUSE_EQZ 100

#define FUSE_EQZ64 101

static const enum wasm_iop fused_compares[] = {
#define M(name, op, ctype) WASM_IOP_i32_##name,
    WASM_FUSED_COMPARES(M)
#undef M
#define M(name, op, ctype) WASM_IOP_i64_##name,
    WASM_FUSED_COMPARES64(M)
#undef M
};

/* fused_compares[k] for k below this is an i32 comparison */
#define FUSED_I32_COMPARES ((int)WR_ARRAY_LEN(fused_compares) / 2)

int compile_take_compare(compiler *c, uint32_t *a, uint32_t *b) {
  if (c->stack.len == 0 || c->last_dst == NO_POS || c->last_dst != c->last_op_pos + 1) return -1;
  const operand *top = &c->stack.items[c->stack.len - 1];
  if (top->where != top->canon || c->code.items[c->last_dst] != top->canon) return -1;
  uint32_t op = c->code.items[c->last_op_pos];
  int which = -1;
  if (op == WASM_IOP_i32_eqz) which = FUSE_EQZ;
  if (op == WASM_IOP_i64_eqz) which = FUSE_EQZ64;
  for (int k = 0; k < (int)WR_ARRAY_LEN(fused_compares); k++)
    if (op == (uint32_t)fused_compares[k]) which = k;
  if (which < 0) return -1;
  *a = c->code.items[c->last_op_pos + 2];
  *b = which == FUSE_EQZ || which == FUSE_EQZ64 ? 0 : c->code.items[c->last_op_pos + 3];
  drop_last(c);
  return which;
}

/* Emit a conditional branch on a fused comparison; `kind` 0 = br_if, 1 = br_if_back,
 * 2 = br_unless. Returns the word awaiting the target. */
uint32_t compile_emit_fused_branch(compiler *c, int which, int kind, uint32_t a, uint32_t b, uint32_t target) {
  if (which == FUSE_EQZ || which == FUSE_EQZ64) {
    static const enum wasm_iop inverted[] = {WASM_IOP_br_unless, WASM_IOP_br_unless_back, WASM_IOP_br_if};
    static const enum wasm_iop inverted64[] = {WASM_IOP_br_unless64, WASM_IOP_br_unless_back64, WASM_IOP_br_if64};
    emit_op(c, which == FUSE_EQZ ? inverted[kind] : inverted64[kind]);
    emit(c, a);
  } else if (which >= FUSED_I32_COMPARES) {
    emit_op(c, (enum wasm_iop)(WASM_IOP_br_if_i64_eq + 3 * (which - FUSED_I32_COMPARES) + kind));
    emit(c, a);
    emit(c, b);
  } else {
    emit_op(c, (enum wasm_iop)(WASM_IOP_br_if_eq + 3 * which + kind));
    emit(c, a);
    emit(c, b);
  }
  return emit_target(c, target);
}

/* An f64.store of `a op (the f64 at the same address and offset)`, which an f64_<op>_mem
 * just computed: the cell is updated in place (c[j] += x in one dispatch). */
bool compile_fuse_update_in_memory(compiler *c, uint32_t offset) {
  static const enum wasm_iop with_memory[] = {WASM_IOP_f64_add_mem, WASM_IOP_f64_sub_mem, WASM_IOP_f64_mul_mem};
  static const enum wasm_iop to_memory[] = {WASM_IOP_f64_add_to_mem, WASM_IOP_f64_sub_to_mem, WASM_IOP_f64_mul_to_mem};
  if (c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + 2) return false;
  for (size_t k = 0; k < WR_ARRAY_LEN(with_memory); k++) {
    const uint32_t *last = peek_last(c, with_memory[k]); /* a addr offset */
    if (!last) continue;
    uint32_t address = c->stack.items[c->stack.len - 2].where, a = last[0];
    if (last[1] != address || last[2] != offset) return false;
    drop_last(c);
    c->stack.len -= 2;
    emit_op(c, to_memory[k]);
    emit(c, address);
    emit(c, a);
    emit(c, offset);
    return true;
  }
  return false;
}

/* A store whose address (the operand below the value) the last instruction computed as
 * a + b or a + (x << s) into a stack temporary, with the value already in a slot: that
 * instruction is dropped and the store addresses memory through its operands. */
bool compile_fuse_store(compiler *c, enum wasm_iop store, uint32_t offset) {
  enum wasm_iop with_sum = store_add_op(store), with_scaled = store_add_shl_op(store);
  if (with_sum == WASM_IOP_COUNT || c->op_starts.len == 0) return false;
  if (c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + 2) return false;
  const operand *address = &c->stack.items[c->stack.len - 2], *value = &c->stack.items[c->stack.len - 1];
  uint32_t start = c->op_starts.items[c->op_starts.len - 1], op = c->code.items[start];
  uint32_t naddress = op == WASM_IOP_i32_add ? 2 : op == WASM_IOP_i32_add_shl && with_scaled != WASM_IOP_COUNT ? 3 : 0;
  if (naddress == 0 || start + 2 + naddress != c->code.len || c->label_pos > start) return false;
  if (address->where != address->canon || c->code.items[start + 1] != address->canon || value->where == address->canon)
    return false;
  uint32_t parts[3], value_slot = value->where;
  memcpy(parts, &c->code.items[start + 2], naddress * sizeof(uint32_t));
  truncate_code(c, start);
  c->stack.len -= 2;
  emit_op(c, naddress == 2 ? with_sum : with_scaled);
  for (uint32_t k = 0; k < naddress; k++) emit(c, parts[k]);
  emit(c, value_slot);
  emit(c, offset);
  return true;
}

/* The i32.add just before a loop's fused back-branch (typically the induction variable's
 * step), when no branch lands between them: taken back (dst a b) so that the branch
 * instruction adds, compares and jumps in one dispatch. */
static bool take_step(compiler *c, uint32_t step[3]) {
  if (c->op_starts.len == 0) return false;
  uint32_t start = c->op_starts.items[c->op_starts.len - 1];
  if (start + 4 != c->code.len || c->code.items[start] != WASM_IOP_i32_add || c->label_pos > start) return false;
  memcpy(step, &c->code.items[start + 1], 3 * sizeof(uint32_t));
  truncate_code(c, start);
  return true;
}

/* A loop's back-branch on i32 comparison `which` (of a and b) with the step just before it:
 * i32_add_br_if_back_<cmp>. False, with nothing emitted, when there is no step to take. */
bool compile_fuse_step_branch(compiler *c, int which, uint32_t a, uint32_t b, uint32_t loop_start) {
  uint32_t step[3];
  if (which >= FUSED_I32_COMPARES || !take_step(c, step)) return false;
  emit_op(c, (enum wasm_iop)(WASM_IOP_i32_add_br_if_back_eq + which));
  for (int k = 0; k < 3; k++) emit(c, step[k]);
  emit(c, a);
  emit(c, b);
  emit_target(c, loop_start);
  return true;
}

/* Binary operations whose second operand, when it names a constant-pool slot, becomes the
 * constant itself (one load less per run), as the `_imm` opcode that follows each in
 * WASM_IOPS_IMM. Done once the body is complete, so fusions still see the plain opcodes. */
void compile_use_immediates(compiler *c) {
  static const enum wasm_iop plain[] = {
#define X(name) WASM_IOP_##name,
      WASM_IOPS_IMM(X)
#undef X
  };
  static const enum wasm_iop with_immediate[] = {
#define X(name) WASM_IOP_##name##_imm,
      WASM_IOPS_IMM(X)
#undef X
  };
  for (size_t i = 0; i < c->op_starts.len; i++) {
    uint32_t *ins = &c->code.items[c->op_starts.items[i]];
    for (size_t k = 0; k < WR_ARRAY_LEN(plain); k++) {
      if (ins[0] != (uint32_t)plain[k]) continue;
      uint32_t slot = ins[3]; /* op dst a b */
      if (slot < c->nlocal_slots || slot >= c->nlocal_slots + c->consts.len) break;
      uint64_t value = c->consts.items[slot - c->nlocal_slots];
      /* i64 operations take the immediate sign-extended: only constants that survive it */
      bool is_i64 = plain[k] == WASM_IOP_i64_add || plain[k] == WASM_IOP_i64_and;
      if (!is_i64 || (uint64_t)(int64_t)(int32_t)(uint32_t)value == value) {
        ins[0] = with_immediate[k];
        ins[3] = (uint32_t)value;
      }
      break;
    }
  }
}
