/* Control instructions: blocks, loops and ifs (their labels, and the branch words awaiting a
 * label's end, patched when it comes), br / br_if / br_table with the moves that put a label's
 * values in place, return, and unreachable. A block's values sit in its canonical slots, so
 * every path into a label writes the same slots. */
#include "compile_internal.h"

static uint32_t label_arity(const ctrl *b) { return b->kind == CTRL_LOOP ? b->nparams : b->nresults; }

static const uint8_t *results_of(const ctrl *b) { return b->single_result ? &b->single : b->results; }

static const uint8_t *label_types(const ctrl *b) { return b->kind == CTRL_LOOP ? b->params : results_of(b); }

/* Move the top values a branch carries into `dst_slot`.. (ascending is safe: sources are
 * locals, below every stack slot, or stack slots at or above their destination). */
void compile_emit_moves(compiler *c, uint32_t n, const uint8_t *types, uint32_t dst_slot) {
  size_t first = c->stack.len - n;
  for (uint32_t k = 0; k < n; k++) {
    compile_emit_copy(c, types[k], dst_slot, c->stack.items[first + k].where);
    dst_slot += wasm_type_slots(types[k]);
  }
}

static bool moves_needed(const compiler *c, uint32_t n, const uint8_t *types, uint32_t dst_slot) {
  size_t first = c->stack.len - n;
  for (uint32_t k = 0; k < n; k++) {
    if (c->stack.items[first + k].where != dst_slot) return true;
    dst_slot += wasm_type_slots(types[k]);
  }
  return false;
}

static void emit_return(compiler *c) {
  const ctrl *fn = &c->ctrls.items[0];
  size_t first = c->stack.len - fn->nresults;
  /* A result read from a slot that an earlier result move overwrites is first copied to
   * its own stack slot. The operand stack is left as is: this may be one path of several
   * (br_if, br_table), and the others never ran these copies. */
  uint32_t dst = 0;
  for (size_t i = first; i < c->stack.len; i++) {
    const operand *o = &c->stack.items[i];
    if (o->where < c->nresult_slots) compile_emit_copy(c, o->type, o->canon, o->where);
  }
  for (size_t i = first; i < c->stack.len; i++) {
    const operand *o = &c->stack.items[i];
    compile_emit_copy(c, o->type, dst, o->where < c->nresult_slots ? o->canon : o->where);
    dst += wasm_type_slots(o->type);
  }
  emit_op(c, WASM_IOP_return);
}

/* Jump to the label of `depth` with its values moved into place. */
void compile_emit_branch(compiler *c, uint32_t depth) {
  ctrl *target = &c->ctrls.items[c->ctrls.len - 1 - depth];
  if (target->kind == CTRL_FUNC) {
    emit_return(c);
    return;
  }
  compile_emit_moves(c, label_arity(target), label_types(target), target->base_slot);
  if (target->kind == CTRL_LOOP) {
    emit_op(c, WASM_IOP_br_back);
    emit_target(c, target->loop_start);
  } else {
    emit_op(c, WASM_IOP_br);
    WR_VEC_PUSH(&target->fixups, emit(c, NO_POS));
    target->reachable_at_end_via_branch = true;
  }
}

bool compile_read_blocktype(compiler *c, ctrl *b) {
  int64_t bt = 0; /* zeroed: gcc -Os cannot see that a successful read sets it */
  if (!wasm_read_s33(&c->r, &bt)) return false;
  b->nparams = b->nresults = 0;
  b->params = b->results = NULL;
  b->single_result = false;
  if (bt == -64) return true;
  if (bt < 0) {
    b->single = (uint8_t)(bt & 0x7F);
    b->single_result = true;
    b->nresults = 1;
    return true;
  }
  if ((uint64_t)bt >= c->module->ntypes) return fail(c, "unknown type");
  const wasm_functype *t = &c->module->types[bt];
  b->params = wasm_functype_params(t);
  b->nparams = t->nparams;
  b->results = wasm_functype_results(t);
  b->nresults = t->nresults;
  return true;
}

bool compile_begin_block(compiler *c, ctrl_kind kind, ctrl *b) {
  /* Values below a block must sit in their own slots: code inside may overwrite locals. */
  if (c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + b->nparams) return fail(c, "operand stack underflow");
  /* (constants and vector temporaries below the block's params stay: nothing inside writes
   * them; the params themselves must be in the slots branches to the label write) */
  for (size_t i = 0; i < c->stack.len; i++) {
    uint32_t where = c->stack.items[i].where;
    if (i >= c->stack.len - b->nparams || !(is_const_slot(c, where) || is_vector_temp(c, where)))
      materialize(c, &c->stack.items[i]);
  }
  b->kind = kind;
  b->height = (uint32_t)c->stack.len - b->nparams;
  b->base_slot = b->nparams ? c->stack.items[b->height].canon : next_canon(c);
  b->loop_start = (uint32_t)c->code.len;
  if (kind == CTRL_LOOP) c->label_pos = b->loop_start;
  b->else_fixup = NO_POS;
  b->fixups.items = NULL;
  b->fixups.len = b->fixups.cap = 0;
  b->reachable_at_end_via_branch = false;
  b->handler = NO_POS;
  b->exn_slot = NO_POS;
  b->in_catch = false;
  b->catches.items = NULL;
  b->catches.len = b->catches.cap = 0;
  c->last_dst = NO_POS;
  WR_VEC_PUSH(&c->ctrls, *b);
  return true;
}

static void reset_stack_to(compiler *c, const ctrl *b, uint32_t n, const uint8_t *types) {
  c->stack.len = b->height;
  for (uint32_t k = 0; k < n; k++) push(c, types[k]);
}

bool compile_end_block(compiler *c) {
  ctrl *b = &c->ctrls.items[c->ctrls.len - 1];
  bool reachable = !c->unreachable;
  if (reachable) materialize_top(c, b->nresults);
  uint32_t here = (uint32_t)c->code.len;
  if (b->handler != NO_POS) compile_end_try(c, b);
  if (b->kind == CTRL_IF && b->else_fixup != NO_POS) {
    patch(c, b->else_fixup, here);
    reachable = true;
  }
  for (size_t i = 0; i < b->fixups.len; i++) patch(c, b->fixups.items[i], here);
  if (b->reachable_at_end_via_branch) reachable = true;
  ctrl done = *b;
  WR_VEC_FREE(&b->fixups);
  c->ctrls.len--;
  reset_stack_to(c, &done, done.nresults, results_of(&done));
  c->unreachable = !reachable;
  c->last_dst = NO_POS;
  return true;
}

bool compile_br_table(compiler *c) {
  uint32_t n;
  operand index;
  if (!wasm_read_u32(&c->r, &n)) return false;
  if (n > wasm_reader_remaining(&c->r)) return fail(c, "unexpected end");
  uint32_t *depths = wr_malloc(((size_t)n + 1) * sizeof(uint32_t));
  for (uint32_t i = 0; i <= n; i++) {
    if (!read_index(c, &depths[i], (uint32_t)c->ctrls.len, "unknown label")) {
      wr_free(depths);
      return false;
    }
  }
  if (!pop(c, &index)) {
    wr_free(depths);
    return false;
  }
  emit_op(c, WASM_IOP_br_table);
  emit(c, index.where);
  emit(c, n + 1);
  uint32_t table = (uint32_t)c->code.len;
  for (uint32_t i = 0; i <= n; i++) emit(c, NO_POS);
  for (uint32_t i = 0; i <= n; i++) {
    ctrl *target = &c->ctrls.items[c->ctrls.len - 1 - depths[i]];
    uint32_t arity = label_arity(target);
    if (c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + arity) {
      wr_free(depths);
      return fail(c, "operand stack underflow");
    }
    if (target->kind == CTRL_BLOCK || target->kind == CTRL_IF) {
      if (!moves_needed(c, arity, label_types(target), target->base_slot)) {
        WR_VEC_PUSH(&target->fixups, table + i);
        target->reachable_at_end_via_branch = true;
        continue;
      }
    }
    patch(c, table + i, (uint32_t)c->code.len);
    compile_emit_branch(c, depths[i]);
  }
  wr_free(depths);
  c->unreachable = true;
  return true;
}

/* The values of a part of block `b` that falls through (an if's then, a try's body or catch)
 * go to its end. */
void compile_jump_to_end(compiler *c, ctrl *b) {
  if (c->unreachable) return;
  materialize_top(c, b->nresults);
  emit_op(c, WASM_IOP_br);
  WR_VEC_PUSH(&b->fixups, emit(c, NO_POS));
  b->reachable_at_end_via_branch = true;
}

bool compile_block(compiler *c, ctrl_kind kind) {
  ctrl nb;
  return compile_read_blocktype(c, &nb) && compile_begin_block(c, kind, &nb);
}

/* The then part is entered by not branching to the else (or end) on the condition, fused
 * with the comparison that computed it when it can be. */
bool compile_if(compiler *c) {
  ctrl nb;
  operand cond;
  uint32_t ca, cb;
  if (!compile_read_blocktype(c, &nb)) return false;
  int which = compile_take_compare(c, &ca, &cb);
  if (!pop(c, &cond) || !compile_begin_block(c, CTRL_IF, &nb)) return false;
  uint32_t fixup;
  if (which >= 0) {
    fixup = compile_emit_fused_branch(c, which, 2, ca, cb, NO_POS);
  } else {
    emit_op(c, WASM_IOP_br_unless);
    emit(c, cond.where);
    fixup = emit(c, NO_POS);
  }
  c->ctrls.items[c->ctrls.len - 1].else_fixup = fixup;
  return true;
}

bool compile_else(compiler *c) {
  ctrl *blk = &c->ctrls.items[c->ctrls.len - 1];
  if (blk->kind != CTRL_IF || blk->else_fixup == NO_POS) return fail(c, "else without if");
  compile_jump_to_end(c, blk);
  patch(c, blk->else_fixup, (uint32_t)c->code.len);
  blk->else_fixup = NO_POS;
  reset_stack_to(c, blk, blk->nparams, blk->params);
  c->unreachable = false;
  c->last_dst = NO_POS;
  return true;
}

/* The end of a block, or of the function body (which returns). */
bool compile_end(compiler *c) {
  if (c->ctrls.len == 1) {
    if (!c->unreachable) emit_return(c);
    c->ctrls.len = 0;
    return true;
  }
  return compile_end_block(c);
}

bool compile_br(compiler *c) {
  uint32_t depth;
  if (!read_index(c, &depth, (uint32_t)c->ctrls.len, "unknown label")) return false;
  compile_emit_branch(c, depth);
  c->unreachable = true;
  return true;
}

/* br_if on comparison `which` of a and b, taken back from the instruction before: a loop's
 * back-branch with its step, a branch that compares, or (when the label's values must move
 * first) a fused br_unless over the moves and the branch. */
static void emit_br_if_compare(compiler *c, uint32_t depth, ctrl *target, bool direct, int which, uint32_t a,
                               uint32_t b) {
  if (direct && target->kind == CTRL_LOOP && compile_fuse_step_branch(c, which, a, b, target->loop_start)) return;
  if (direct) {
    bool back = target->kind == CTRL_LOOP;
    uint32_t word = compile_emit_fused_branch(c, which, back ? 1 : 0, a, b, back ? target->loop_start : NO_POS);
    if (!back) {
      WR_VEC_PUSH(&target->fixups, word);
      target->reachable_at_end_via_branch = true;
    }
    return;
  }
  uint32_t skip = compile_emit_fused_branch(c, which, 2, a, b, NO_POS);
  compile_emit_branch(c, depth);
  patch(c, skip, (uint32_t)c->code.len);
  c->last_dst = NO_POS;
}

/* br_if on a condition slot: br_if / br_if_back when the label's values are already in place,
 * else br_unless over the moves and the branch. */
static void emit_br_if_slot(compiler *c, uint32_t depth, ctrl *target, bool direct, uint32_t cond) {
  if (direct) {
    if (target->kind == CTRL_LOOP) {
      emit_op(c, WASM_IOP_br_if_back);
      emit(c, cond);
      emit_target(c, target->loop_start);
    } else {
      emit_op(c, WASM_IOP_br_if);
      emit(c, cond);
      WR_VEC_PUSH(&target->fixups, emit(c, NO_POS));
      target->reachable_at_end_via_branch = true;
    }
    return;
  }
  emit_op(c, WASM_IOP_br_unless);
  emit(c, cond);
  uint32_t skip = emit(c, NO_POS);
  compile_emit_branch(c, depth);
  patch(c, skip, (uint32_t)c->code.len);
  c->last_dst = NO_POS;
}

bool compile_br_if(compiler *c) {
  uint32_t depth;
  operand cond;
  if (!read_index(c, &depth, (uint32_t)c->ctrls.len, "unknown label")) return false;
  uint32_t ca = 0, cb = 0;
  int which = compile_take_compare(c, &ca, &cb);
  if (!pop(c, &cond)) return false;
  ctrl *target = &c->ctrls.items[c->ctrls.len - 1 - depth];
  uint32_t arity = label_arity(target);
  if (c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + arity) return fail(c, "operand stack underflow");
  /* the label's values are where it wants them: the branch needs no moves of its own */
  bool direct = target->kind != CTRL_FUNC && !moves_needed(c, arity, label_types(target), target->base_slot);
  if (which >= 0) emit_br_if_compare(c, depth, target, direct, which, ca, cb);
  else emit_br_if_slot(c, depth, target, direct, cond.where);
  return true;
}

bool compile_return(compiler *c) {
  if (c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + c->ctrls.items[0].nresults)
    return fail(c, "operand stack underflow");
  emit_return(c);
  c->unreachable = true;
  return true;
}

bool compile_unreachable(compiler *c) {
  emit_op(c, WASM_IOP_unreachable);
  c->unreachable = true;
  return true;
}
