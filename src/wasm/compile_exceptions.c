/* Exception handling: the legacy instructions (try, catch, catch_all, delegate, throw, rethrow)
 * and the new ones (try_table, throw_ref). A function that has any of them runs on the
 * interpreter (c->throws), which does the unwinding.
 *
 * A `try` is a block whose body [start, end) has a handler (compile.h): its catch blocks
 * follow the body like an `else`, each a jump target the handler names. An exception the
 * handler does not catch goes to `outer`: the innermost try still in its body around this one
 * (a delegate names its own). A catch block keeps its exception in a hidden local, one per
 * try depth, for `rethrow`. */
#include <string.h>

#include "compile_internal.h"

/* Type index of tag `idx` (imports first). */
static uint32_t tag_type_index(const wasm_module *m, uint32_t idx) {
  if (idx >= m->ntag_imports) return m->tags[idx - m->ntag_imports];
  for (uint32_t i = 0, k = 0; i < m->nimports; i++) {
    if (m->imports[i].kind != WASM_EXTERN_TAG) continue;
    if (k++ == idx) return m->imports[i].desc.tag_type;
  }
  return 0;
}

static bool read_tag(compiler *c, uint32_t *idx, const wasm_functype **type) {
  const wasm_module *m = c->module;
  if (!read_index(c, idx, m->ntag_imports + m->ntags, "unknown tag")) return false;
  uint32_t t = tag_type_index(m, *idx);
  if (t >= m->ntypes) return fail(c, "unknown type");
  *type = &m->types[t];
  return true;
}

/* The handler an exception raised directly inside ctrls[k] goes to. */
static uint32_t handler_from(const compiler *c, size_t k) {
  for (; k > 0; k--) {
    const ctrl *b = &c->ctrls.items[k];
    if (b->handler != NO_POS && !b->in_catch) return b->handler;
  }
  return WASM_EH_NONE;
}

/* The block just begun becomes a try: it gets a handler whose range starts here. */
static ctrl *open_handler(compiler *c, uint32_t outer, uint32_t payload_slot) {
  ctrl *b = &c->ctrls.items[c->ctrls.len - 1];
  b->handler = (uint32_t)c->handlers.len;
  c->throws = true;
  uint32_t here = (uint32_t)c->code.len;
  wasm_eh_handler h = {here, here, outer, payload_slot, 0, 0};
  WR_VEC_PUSH(&c->handlers, h);
  c->label_pos = here; /* nothing fuses across the edge of a handler's range */
  return b;
}

bool compile_try(compiler *c) {
  ctrl nb;
  if (!compile_read_blocktype(c, &nb)) return false;
  uint32_t outer = handler_from(c, c->ctrls.len - 1), depth = 0;
  for (size_t k = 1; k < c->ctrls.len; k++)
    if (c->ctrls.items[k].exn_slot != NO_POS) depth++; /* legacy tries */
  if (c->exn_base + depth >= c->nlocal_slots) return fail(c, "try nesting deeper than the pre-scan found");
  if (!compile_begin_block(c, CTRL_BLOCK, &nb)) return false;
  ctrl *b = open_handler(c, outer, c->ctrls.items[c->ctrls.len - 1].base_slot);
  b->exn_slot = c->exn_base + depth;
  return true;
}

/* The try body (or the catch block before this one) ends: its values go to the end. */
static void leave_try_part(compiler *c, ctrl *b) {
  compile_jump_to_end(c, b);
  if (!b->in_catch) {
    c->handlers.items[b->handler].end = (uint32_t)c->code.len;
    b->in_catch = true;
  }
}

bool compile_catch(compiler *c, uint8_t op) {
  ctrl *b = &c->ctrls.items[c->ctrls.len - 1];
  uint32_t tag = WASM_EH_CATCH_ALL;
  const wasm_functype *type = NULL;
  if (op == WASM_OPCODE_catch && !read_tag(c, &tag, &type)) return false;
  if (b->handler == NO_POS) return fail(c, "catch without try");
  leave_try_part(c, b);
  wasm_eh_catch k = {tag, (uint32_t)c->code.len, b->exn_slot};
  WR_VEC_PUSH(&b->catches, k);
  c->label_pos = k.target;
  c->stack.len = b->height;
  if (type)
    for (uint32_t i = 0; i < type->nparams; i++) push(c, wasm_functype_params(type)[i]);
  c->unreachable = false;
  c->last_dst = NO_POS;
  return true;
}

/* compile_end_block of a try: the handler gets its range's end and its catches. */
void compile_end_try(compiler *c, ctrl *b) {
  wasm_eh_handler *h = &c->handlers.items[b->handler];
  if (!b->in_catch) h->end = (uint32_t)c->code.len;
  h->first_catch = (uint32_t)c->catches.len;
  h->ncatches = (uint32_t)b->catches.len;
  for (size_t i = 0; i < b->catches.len; i++) WR_VEC_PUSH(&c->catches, b->catches.items[i]);
  WR_VEC_FREE(&b->catches);
  c->label_pos = (uint32_t)c->code.len;
}

bool compile_delegate(compiler *c) {
  ctrl *b = &c->ctrls.items[c->ctrls.len - 1];
  uint32_t depth;
  if (!wasm_read_u32(&c->r, &depth)) return false;
  if (b->handler == NO_POS || b->in_catch) return fail(c, "delegate without a matching try");
  size_t try_index = c->ctrls.len - 1;
  /* the label is counted from the block around the try; the function's is the caller */
  if (depth >= try_index) return fail(c, "unknown label");
  c->handlers.items[b->handler].outer = handler_from(c, try_index - 1 - depth);
  return compile_end_block(c);
}

/* try_table bt catch*: each clause is a landing pad, placed before the body (normal flow jumps
 * over them), that takes the values where the handler put them (the try_table's stack
 * height) and branches with them to the clause's label, counted from outside the try_table. */
typedef struct try_table_clause {
  uint8_t kind; /* 0 catch, 1 catch_ref, 2 catch_all, 3 catch_all_ref */
  uint32_t tag, label;
} try_table_clause;

static bool read_clauses(compiler *c, uint32_t n, try_table_clause *clauses, const wasm_functype **types) {
  bool ok = true;
  for (uint32_t i = 0; ok && i < n; i++) {
    try_table_clause *k = &clauses[i];
    ok = wasm_read_u8(&c->r, &k->kind) && (k->kind <= 3 || fail(c, "malformed catch clause")) &&
         (k->kind > 1 || read_tag(c, &k->tag, &types[i])) &&
         read_index(c, &k->label, (uint32_t)c->ctrls.len, "unknown label");
  }
  return ok;
}

/* One pad per clause, each starting with the stack at `height`; catches[i] says where clause
 * i's pad is and where its exnref goes. */
static void emit_landing_pads(compiler *c, const try_table_clause *clauses, const wasm_functype *const *types,
                              uint32_t n, size_t height, wasm_eh_catch *catches) {
  for (uint32_t i = 0; i < n; i++) {
    const try_table_clause *k = &clauses[i];
    c->label_pos = (uint32_t)c->code.len;
    c->last_dst = NO_POS;
    wasm_eh_catch entry = {k->kind <= 1 ? k->tag : WASM_EH_CATCH_ALL, (uint32_t)c->code.len, WASM_EH_NONE};
    if (k->kind <= 1)
      for (uint32_t p = 0; p < types[i]->nparams; p++) push(c, wasm_functype_params(types[i])[p]);
    if (k->kind == 1 || k->kind == 3) entry.exn_slot = push(c, WASM_EXNREF);
    catches[i] = entry;
    compile_emit_branch(c, k->label);
    c->stack.len = height;
  }
}

bool compile_try_table(compiler *c) {
  ctrl nb;
  uint32_t n;
  if (!compile_read_blocktype(c, &nb) || !wasm_read_u32(&c->r, &n)) return false;
  if (n > wasm_reader_remaining(&c->r) / 2) return fail(c, "unexpected end");
  try_table_clause *clauses = WR_NEW_ARRAY(try_table_clause, n ? n : 1);
  const wasm_functype **types = WR_NEW_ARRAY(const wasm_functype *, n ? n : 1);
  bool ok = read_clauses(c, n, clauses, types);
  size_t height = c->stack.len - nb.nparams;
  if (ok && c->stack.len < c->ctrls.items[c->ctrls.len - 1].height + nb.nparams) ok = fail(c, "operand stack underflow");
  if (!ok) {
    wr_free(clauses);
    wr_free(types);
    return false;
  }
  uint32_t outer = handler_from(c, c->ctrls.len - 1);
  /* the pads, with the block's params set aside */
  operand *params = WR_NEW_ARRAY(operand, nb.nparams ? nb.nparams : 1);
  if (nb.nparams) memcpy(params, &c->stack.items[height], nb.nparams * sizeof(operand));
  c->stack.len = height;
  uint32_t payload_slot = next_canon(c);
  emit_op(c, WASM_IOP_br);
  uint32_t skip = emit(c, NO_POS);
  wasm_eh_catch *catches = WR_NEW_ARRAY(wasm_eh_catch, n ? n : 1);
  emit_landing_pads(c, clauses, types, n, height, catches);
  for (uint32_t i = 0; i < nb.nparams; i++) WR_VEC_PUSH(&c->stack, params[i]);
  wr_free(params);
  wr_free(clauses);
  wr_free(types);
  patch(c, skip, (uint32_t)c->code.len);
  c->last_dst = NO_POS;
  if (!compile_begin_block(c, CTRL_BLOCK, &nb)) {
    wr_free(catches);
    return false;
  }
  ctrl *b = open_handler(c, outer, payload_slot);
  b->catches.items = catches;
  b->catches.len = n;
  b->catches.cap = n ? n : 1;
  return true;
}

bool compile_throw_ref(compiler *c) {
  operand exn = {0}; /* zeroed: gcc -Os cannot see that a successful pop sets it */
  if (!pop(c, &exn)) return false;
  emit_op(c, WASM_IOP_throw_ref);
  emit(c, exn.where);
  c->unreachable = true;
  c->throws = true;
  return true;
}

bool compile_throw(compiler *c) {
  uint32_t tag, base;
  const wasm_functype *type;
  if (!read_tag(c, &tag, &type) || !compile_call_args(c, type, &base)) return false;
  emit_op(c, WASM_IOP_throw);
  emit(c, tag);
  emit(c, base);
  c->throws = true;
  c->unreachable = true;
  return true;
}

bool compile_rethrow(compiler *c) {
  uint32_t depth;
  if (!read_index(c, &depth, (uint32_t)c->ctrls.len, "unknown label")) return false;
  const ctrl *target = &c->ctrls.items[c->ctrls.len - 1 - depth];
  if (target->handler == NO_POS || !target->in_catch) return fail(c, "invalid rethrow label");
  emit_op(c, WASM_IOP_rethrow);
  emit(c, target->exn_slot);
  c->throws = true;
  c->unreachable = true;
  return true;
}
