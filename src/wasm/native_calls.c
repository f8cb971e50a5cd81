/* Native templates of calls and returns: native calls inside the module (through the lazy
 * entries or a patched rel32), calls out through C to imports and other instances, tail calls. */
#include "native_internal.h"

#if WASM_NATIVE

/* A native function of another instance (an import, or a table's element), called straight
 * from its caller's frame: its frame starts at the arguments, as a call inside one instance's
 * does, and the caller's context lends it the thread's part (issue 14 item 5: no interpreter
 * entry, no copy of arguments or results). */
static uint32_t call_foreign_native(native_ctx *cx, wasm_func *callee, wasm_slot *args) {
  native_ctx inner;
  inner.stack_end = cx->stack_end;
  inner.native_limit = cx->native_limit;
  inner.interrupt = cx->interrupt;
  inner.store = cx->store;
  inner.xs = cx->xs;
  uint32_t status = native_enter_instance(&inner, callee, args);
  if (status) cx->trap = inner.trap;
  return status;
}

/* Calls out through C: rsi = the callee (wasm_func *), its arguments at slot `base`. */
uint32_t native_call_out(native_ctx *cx, wasm_func *callee, wasm_slot *args, wasm_slot *frame_end) {
  if (!callee->host && callee->code->native) return call_foreign_native(cx, callee, args);
  wasm_exec_stack *xs = cx->xs;
  wasm_slot *saved_top = xs->top;
  xs->top = frame_end;
  wasm_trap *t = callee->host ? wasm_host_call(cx->store, cx->inst, callee, args)
                              : wasm_interp_call(cx->store, xs, callee, args);
  xs->top = saved_top;
  if (!t) return 0;
  cx->trap = t;
  return WASM_TRAP_HOST + 1;
}
/* The callee runs in C: the cached locals (saved by the call's template) come back after. */
static void emit_call_out(wasm_native_builder *nb, uint32_t base) {
  x64_buf *b = &nb->b;
  x64_mov_rr(b, true, RDI, R13);
  x64_lea(b, true, RDX, frame_at(base));
  x64_lea(b, true, RCX, frame_at(nb->f->frame_slots));
  native_call_helper_checked(nb, HELPER_CALL_OUT);
}
/* rax = the current code of defined function def_index (lazy translation). */
static void load_entry(wasm_native_builder *nb, uint32_t def_index) {
  native_load_address(nb, RAX, WASM_RELOC_ENTRY, def_index);
  x64_load64(&nb->b, RAX, x64_at(RAX, 0));
}
/* A native call of the function whose code address is in rax (or, def_index != NO_POS, of
 * that defined function) with its frame at slot `base`. The callee keeps its own locals in the
 * same registers: ours (saved by the call's template) come back after. */
static void emit_native_call(wasm_native_builder *nb, uint32_t def_index, uint32_t base) {
  x64_buf *b = &nb->b;
  if (base) x64_lea(b, true, RBX, frame_at(base));
  if (def_index != NO_POS && nb->lazy) {
    load_entry(nb, def_index);
    x64_call_reg(b, RAX);
  } else if (def_index != NO_POS) {
    size_t at = x64_call_fixup(b);
    fixup fx = {at, at + 4, def_index};
    WR_VEC_PUSH(&nb->calls, fx);
  } else {
    x64_call_reg(b, RAX);
  }
  if (base) x64_lea(b, true, RBX, x64_at(RBX, -(int32_t)(base * 8)));
  native_reload_cached(nb);
}
/* The results are in slots 0..: those of them that are cached locals go to the frame. */
static void emit_return(wasm_native_builder *nb) {
  native_spill_cached(nb, nb->f->nresult_slots);
  x64_alu_imm(&nb->b, true, ALU_ADD, RSP, 8);
  x64_ret(&nb->b);
}
/* rsi = the table element for call_indirect type table index: traps unless it is a function
 * of that type. */
static void emit_indirect_callee(wasm_native_builder *nb, uint32_t type, uint32_t table, uint32_t index) {
  x64_buf *b = &nb->b;
  x64_load64(b, RAX, CX(tables));
  x64_load64(b, RAX, x64_at(RAX, (int32_t)(table * 8)));
  x64_load32(b, RCX, slot(nb, index));
  x64_alu_mem(b, true, ALU_CMP, RCX, x64_at(RAX, (int32_t)offsetof(wasm_table, size)));
  jump_to_trap(nb, CC_AE, WASM_TRAP_UNDEFINED_ELEMENT);
  x64_load64(b, RAX, x64_at(RAX, (int32_t)offsetof(wasm_table, elems)));
  x64_load64(b, RSI, x64_at_index(RAX, RCX, 3, 0));
  x64_test_rr(b, true, RSI, RSI);
  jump_to_trap(nb, CC_E, WASM_TRAP_UNINITIALIZED_ELEMENT);
  /* a lazy entry (odd) is made into its function by C, once per entry (the call op saved the
   * cached locals; its paths reload them) */
  x64_mov_rr(b, false, RAX, RSI);
  x64_alu_imm(b, false, ALU_AND, RAX, 1);
  size_t real = x64_jcc8(b, CC_E);
  x64_load64(b, RDI, CX(tables));
  x64_load64(b, RDI, x64_at(RDI, (int32_t)(table * 8)));
  x64_mov_rr(b, false, RSI, RCX);
  native_call_helper(nb, HELPER_TABLE_RESOLVE);
  x64_mov_rr(b, true, RSI, RAX);
  x64_land8(b, real);
  x64_load64(b, RAX, CX(types));
  x64_load64(b, RAX, x64_at(RAX, (int32_t)(type * 8)));
  x64_alu_mem(b, true, ALU_CMP, RAX, x64_at(RSI, (int32_t)offsetof(wasm_func, type)));
  jump_to_trap(nb, CC_NE, WASM_TRAP_INDIRECT_CALL_MISMATCH);
}
/* Leaves ZF clear when rsi is a function of this instance, with its native code in rax. */
static size_t emit_if_foreign(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  x64_load64(b, RAX, x64_at(RSI, (int32_t)offsetof(wasm_func, instance)));
  x64_alu_mem(b, true, ALU_CMP, RAX, CX(inst));
  size_t foreign = x64_jcc_fixup(b, CC_NE);
  x64_load64(b, RAX, x64_at(RSI, (int32_t)offsetof(wasm_func, code)));
  x64_load64(b, RAX, x64_at(RAX, (int32_t)offsetof(wasm_compiled_func, native)));
  return foreign;
}

/* call, call_indirect, return_call, return_call_indirect, return. */
bool native_emit_call_op(wasm_native_builder *nb, uint32_t pc) {
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  enum wasm_iop op = ins[0];
  /* Every call saves the cached locals first: the callee may read the frame (a tail call's
   * arguments are in slots 0..), uses the same registers, and rsi / rdi, which may hold
   * locals, carry the callee and the context from here on. */
  if (op == WASM_IOP_call || op == WASM_IOP_call_indirect || op == WASM_IOP_return_call ||
      op == WASM_IOP_return_call_indirect)
    native_spill_cached(nb, UINT32_MAX);
  switch (op) {
  case WASM_IOP_return: emit_return(nb); return true;
  case WASM_IOP_call: {
    uint32_t index = ins[1], base = ins[2];
    if (index >= nb->module->nfunc_imports) {
      emit_native_call(nb, index - nb->module->nfunc_imports, base);
    } else {
      x64_load64(b, RSI, CX(funcs));
      x64_load64(b, RSI, x64_at(RSI, (int32_t)(index * 8)));
      emit_call_out(nb, base);
    }
    return true;
  }
  case WASM_IOP_call_indirect: {
    emit_indirect_callee(nb, ins[1], ins[2], ins[3]);
    size_t foreign = emit_if_foreign(nb);
    emit_native_call(nb, NO_POS, ins[4]);
    size_t done = x64_jmp_fixup(b);
    x64_link(b, foreign, b->len);
    emit_call_out(nb, ins[4]);
    x64_link(b, done, b->len);
    return true;
  }
  case WASM_IOP_return_call: {
    uint32_t index = ins[1];
    if (index >= nb->module->nfunc_imports && nb->lazy) {
      x64_alu_imm(b, true, ALU_ADD, RSP, 8);
      load_entry(nb, index - nb->module->nfunc_imports);
      x64_jmp_reg(b, RAX);
    } else if (index >= nb->module->nfunc_imports) {
      x64_alu_imm(b, true, ALU_ADD, RSP, 8);
      size_t at = x64_jmp_fixup(b);
      fixup fx = {at, at + 4, index - nb->module->nfunc_imports};
      WR_VEC_PUSH(&nb->calls, fx);
    } else {
      x64_load64(b, RSI, CX(funcs));
      x64_load64(b, RSI, x64_at(RSI, (int32_t)(index * 8)));
      emit_call_out(nb, 0);
      emit_return(nb);
    }
    return true;
  }
  case WASM_IOP_return_call_indirect: {
    emit_indirect_callee(nb, ins[1], ins[2], ins[3]);
    size_t foreign = emit_if_foreign(nb);
    x64_alu_imm(b, true, ALU_ADD, RSP, 8);
    x64_jmp_reg(b, RAX);
    x64_link(b, foreign, b->len);
    emit_call_out(nb, 0);
    emit_return(nb);
    return true;
  }
  default: return false;
  }
}

#endif
