/* The native tier (see native.h): a template translator from the internal code to x86-64.
 * Every instruction becomes a short sequence that reads its operand slots from the frame
 * (rbx), computes in rax / rcx / rdx / xmm0 and writes its result slot; branches become
 * jumps between the translated instructions. What has no template is handed to
 * wasm_interp_step, so every module can be translated.
 *
 * Files: this one holds data movement, control flow and the dispatcher; the templates of
 * each instruction family are in native_calls.c, native_emit_memory.c, native_emit_int.c and
 * native_emit_float.c; functions and modules (prologue, entry, traps, mapping, running) in
 * native_module.c; lazy translation in native_lazy.c. */
#include "native_internal.h"

#include <stdlib.h>
#include <string.h>

bool wasm_native_enabled(void) {
  if (!WASM_NATIVE) return false;
  static int enabled = -1; /* read once: a module's tier must not change under it */
  if (enabled < 0) {
    const char *engine = getenv("WARREN_ENGINE");
    enabled = !(engine && strcmp(engine, "interp") == 0);
  }
  return enabled;
}

bool wasm_module_is_native(const wasm_module *module) { return module->code && module->code->native; }

#if WASM_NATIVE

/* A branch to word `target` of the function; `cc` < 0 for an unconditional jump. */
void native_branch(wasm_native_builder *nb, int cc, uint32_t target) {
  x64_buf *b = &nb->b;
  if (native_region_exit(nb, target)) { /* out of a loop region: its moves on this edge alone */
    size_t skip = cc < 0 ? 0 : x64_jcc_fixup(b, cc ^ 1);
    native_emit_region_exit(nb);
    int32_t region = nb->region;
    nb->region = -1; /* the jump itself, as from outside */
    native_branch(nb, -1, target);
    nb->region = region;
    if (cc >= 0) x64_link(b, skip, b->len);
    return;
  }
  native_check_label(nb, target);
  if (nb->region >= 0 && target == nb->regions.items[nb->region].start) { /* a back-edge: past the moves in */
    if (cc < 0) x64_jmp_to(b, nb->regions.items[nb->region].head_at);
    else x64_jcc_to(b, cc, nb->regions.items[nb->region].head_at);
    return;
  }
  if (target < nb->f->code_len && nb->native_at[target] != NO_POS) {
    if (cc < 0) x64_jmp_to(b, nb->native_at[target]);
    else x64_jcc_to(b, cc, nb->native_at[target]);
    return;
  }
  size_t at = cc < 0 ? x64_jmp_fixup(b) : x64_jcc_fixup(b, cc);
  fixup fx = {at, at + 4, target};
  WR_VEC_PUSH(&nb->branches, fx);
}
/* The slow path of an interrupt check (the flag is set): a yield request calls the store's hook
 * with this frame below the stack top and returns 0 to go on; a trap returns its status. Guarded
 * memory never moves, so r12 stays valid across the hook. */
uint32_t native_poll_interrupt(native_ctx *cx, wasm_slot *frame_end) {
  return wasm_store_poll_interrupt(cx->store, cx->xs, frame_end) ? (uint32_t)WASM_TRAP_INTERRUPTED + 1 : 0;
}
/* Function entry and loop heads: one compare and a branch not taken while the flag is
 * clear. The slow path goes out of line, after the function (emit_interrupt_stubs). */
void native_emit_interrupt_check(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  x64_cmp_mem_imm8(b, false, x64_at(R14, 0), 0);
  interrupt_check check = {x64_jcc_fixup(b, CC_NE), 0, nb->region};
  check.resume_at = b->len;
  WR_VEC_PUSH(&nb->interrupt_checks, check);
}
/* One stub per check: besides the pinned callee-saved registers only the cached locals are live
 * between instructions, so the slow path saves them, makes a plain C call, reloads them and goes
 * back to the check's resume point. */
void native_emit_interrupt_stubs(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  for (size_t i = 0; i < nb->interrupt_checks.len; i++) {
    const interrupt_check *check = &nb->interrupt_checks.items[i];
    x64_link(b, check->jcc_at, b->len);
    native_use_region(nb, check->region); /* its registers are those of where it is */
    native_spill_cached(nb, UINT32_MAX);
    x64_mov_rr(b, true, RDI, R13);
    x64_lea(b, true, RSI, frame_at(nb->f->frame_slots));
    native_call_helper_checked(nb, HELPER_POLL_INTERRUPT);
    x64_jmp_to(b, check->resume_at);
  }
}

/* A loop's back-edge: a plain branch to a loop head (which checks the interrupt flag), else one
 * that checks the flag when taken. */
void native_branch_back(wasm_native_builder *nb, int cc, uint32_t target) {
  x64_buf *b = &nb->b;
  if (native_loop_head(nb, target) && target < nb->f->code_len && nb->native_at[target] != NO_POS) {
    native_branch(nb, cc, target); /* the check is at the head */
    return;
  }
  size_t skip = 0;
  if (cc >= 0) skip = x64_jcc8(b, cc ^ 1);
  native_emit_interrupt_check(nb);
  native_branch(nb, -1, target);
  if (cc >= 0) x64_land8(b, skip);
}

/* Calls helper h, whose status (eax) is 0 to go on or a trap kind + 1 to propagate, and reloads the
 * cached registers the caller spilled before loading the arguments. */
void native_call_helper_checked(wasm_native_builder *nb, enum native_helper h) {
  x64_buf *b = &nb->b;
  native_call_helper(nb, h);
  x64_test_rr(b, false, RAX, RAX);
  x64_jcc_to(b, CC_NE, nb->propagate_at);
  native_reload_cached(nb);
}

/* The instruction at `pc` run by the interpreter. */
void native_emit_step(wasm_native_builder *nb, uint32_t pc) {
  x64_buf *b = &nb->b;
  native_spill_cached(nb, UINT32_MAX); /* the interpreter reads and writes the frame */
  /* the slots it names (a word that is an immediate or a target marks one for nothing; two in a
   * row for a vector); any other slot it reaches is above the constants (a call's arguments) */
  for (uint32_t w = pc + 1; w < nb->next_pc; w++) native_init_read(nb, nb->code[w], 2);
  x64_load64(b, RDI, CX(inst));
  x64_mov_rr(b, true, RSI, RBX);
  native_load_address(nb, RDX, WASM_RELOC_CODE_WORD, pc);
  native_call_helper_checked(nb, HELPER_INTERP_STEP);
}

/* Data movement and control flow. */
static bool emit_control_op(wasm_native_builder *nb, uint32_t pc) {
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  switch ((enum wasm_iop)ins[0]) {
  /* ---- data movement ---- */
  case WASM_IOP_copy: {
    uint64_t value;
    bool i32 = native_rax_holds(nb, ins[2], false); /* a carried i32 stays one */
    if (const_slot(nb, ins[2], &value)) { /* a constant: no load from the pool */
      x64_mov_imm64(b, RAX, value);
      i32 = value <= UINT32_MAX;
    } else {
      native_load_rax(nb, ins[2], true);
    }
    native_set_result(nb, ins[1], RAX);
    if (i32) native_chain_rax_is_i32(nb);
    return true;
  }
  case WASM_IOP_copy2:
    x64_load64(b, RAX, slot(nb, ins[2]));
    x64_load64(b, RCX, slot(nb, ins[2] + 1));
    x64_store64(b, slot(nb, ins[1]), RAX);
    x64_store64(b, slot(nb, ins[1] + 1), RCX);
    return true;
  case WASM_IOP_copy_pair:
    x64_load64(b, RAX, slot(nb, ins[2]));
    x64_store64(b, slot(nb, ins[1]), RAX);
    x64_load64(b, RAX, slot(nb, ins[4]));
    x64_store64(b, slot(nb, ins[3]), RAX);
    return true;
  case WASM_IOP_const32:
    x64_mov_imm32(b, RAX, ins[2]);
    native_set_result(nb, ins[1], RAX);
    native_chain_rax_is_i32(nb);
    return true;
  case WASM_IOP_const64:
    x64_mov_imm64(b, RAX, (uint64_t)ins[2] | (uint64_t)ins[3] << 32);
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
  case WASM_IOP_select: {
    /* the condition first: it is often the previous instruction's result, still in rax */
    int cond = native_value_reg(nb, ins[4], true, RAX);
    x64_test_rr(b, false, cond, cond);
    x64_load64(b, RAX, slot(nb, ins[2])); /* a mov: the flags stay */
    x64_cmov_mem(b, true, CC_E, RAX, slot(nb, ins[3]));
    native_set_result(nb, ins[1], RAX);
    return true;
  }
  case WASM_IOP_global_get:
    x64_load64(b, RAX, CX(globals));
    x64_load64(b, RAX, x64_at(RAX, (int32_t)(ins[2] * 8)));
    x64_load64(b, RAX, x64_at(RAX, (int32_t)offsetof(wasm_global, value)));
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
  case WASM_IOP_global_set:
    x64_load64(b, RCX, CX(globals));
    x64_load64(b, RCX, x64_at(RCX, (int32_t)(ins[1] * 8)));
    x64_load64(b, RAX, slot(nb, ins[2]));
    x64_store64(b, x64_at(RCX, (int32_t)offsetof(wasm_global, value)), RAX);
    return true;

  /* ---- control ---- */
  case WASM_IOP_br: native_branch(nb, -1, target_of(nb, pc, 1)); return true;
  case WASM_IOP_br_back: native_branch_back(nb, -1, target_of(nb, pc, 1)); return true;
  case WASM_IOP_br_if:
  case WASM_IOP_br_unless:
  case WASM_IOP_br_if_back:
  case WASM_IOP_br_unless_back:
  case WASM_IOP_br_if64:
  case WASM_IOP_br_unless64:
  case WASM_IOP_br_unless_back64: {
    enum wasm_iop op = ins[0];
    bool w = op == WASM_IOP_br_if64 || op == WASM_IOP_br_unless64 || op == WASM_IOP_br_unless_back64;
    bool unless = op == WASM_IOP_br_unless || op == WASM_IOP_br_unless_back || op == WASM_IOP_br_unless64 ||
                  op == WASM_IOP_br_unless_back64;
    bool back = op == WASM_IOP_br_if_back || op == WASM_IOP_br_unless_back || op == WASM_IOP_br_unless_back64;
    x64_cmp_mem_imm8(b, w, slot(nb, ins[1]), 0);
    if (back) native_branch_back(nb, unless ? CC_E : CC_NE, target_of(nb, pc, 2));
    else native_branch(nb, unless ? CC_E : CC_NE, target_of(nb, pc, 2));
    return true;
  }
#define FUSED(name, cc)                                              \
  case WASM_IOP_br_if_##name:                                        \
  case WASM_IOP_br_if_back_##name:                                   \
  case WASM_IOP_br_unless_##name:                                    \
  case WASM_IOP_br_if_i64_##name:                                    \
  case WASM_IOP_br_if_back_i64_##name:                               \
  case WASM_IOP_br_unless_i64_##name: {                              \
    enum wasm_iop op = ins[0];                                       \
    bool w = op == WASM_IOP_br_if_i64_##name || op == WASM_IOP_br_if_back_i64_##name || \
             op == WASM_IOP_br_unless_i64_##name;                    \
    bool unless = op == WASM_IOP_br_unless_##name || op == WASM_IOP_br_unless_i64_##name; \
    bool back = op == WASM_IOP_br_if_back_##name || op == WASM_IOP_br_if_back_i64_##name; \
    int holds = native_compare_slots(nb, w, ins[1], ins[2], cc);     \
    int c = unless ? holds ^ 1 : holds;                              \
    if (back) native_branch_back(nb, c, target_of(nb, pc, 3));              \
    else native_branch(nb, c, target_of(nb, pc, 3));                        \
    return true;                                                     \
  }                                                                  \
  case WASM_IOP_i32_add_br_if_back_##name:                           \
    native_add32_to(nb, ins[1], ins[2], ins[3]);                     \
    native_alu_slot(nb, false, ALU_CMP, native_value_reg(nb, ins[4], false, RAX), ins[5]); \
    native_branch_back(nb, cc, target_of(nb, pc, 6));                       \
    return true;
    CMP_CCS(FUSED)
#undef FUSED
  case WASM_IOP_br_table: {
    /* An index at or past the default's takes it by a conditional branch, which the predictor
     * settles at once; a clamp (cmov) would lengthen the chain the indirect jump waits on. The
     * table holds the other targets, as 32-bit distances from its start. */
    uint32_t n = ins[2], ndefault = n - 1;
    native_load_rax(nb, ins[1], false);
    x64_alu_imm(b, false, ALU_CMP, RAX, (int32_t)ndefault);
    native_check_label(nb, target_of(nb, pc, 3 + ndefault));
    size_t to_default = x64_jcc_fixup(b, CC_AE);
    fixup fx_default = {to_default, to_default + 4, target_of(nb, pc, 3 + ndefault)};
    WR_VEC_PUSH(&nb->branches, fx_default);
    if (ndefault == 0) return true;
    size_t table_ref = x64_lea_rip(b, RCX);
    x64_load_s32(b, RAX, x64_at_index(RCX, RAX, 2, 0));
    x64_alu_rr(b, true, ALU_ADD, RAX, RCX);
    x64_jmp_reg(b, RAX);
    size_t table = b->len;
    x64_link(b, table_ref, table);
    for (uint32_t k = 0; k < ndefault; k++) {
      x64_u32(b, 0);
      native_check_label(nb, target_of(nb, pc, 3 + k));
      fixup fx = {table + 4 * k, table, target_of(nb, pc, 3 + k)};
      WR_VEC_PUSH(&nb->branches, fx);
    }
    return true;
  }
  case WASM_IOP_unreachable: x64_jmp_to(b, nb->trap_at[WASM_TRAP_UNREACHABLE]); return true;
  default: return false;
  }
}

bool native_emit_op(wasm_native_builder *nb, uint32_t pc) {
  /* SIMD first: it also moves vectors (copy2) in one 16-byte access */
  return native_emit_simd_op(nb, pc) || emit_control_op(nb, pc) || native_emit_call_op(nb, pc) ||
         native_emit_memory_op(nb, pc) || native_emit_int_op(nb, pc) || native_emit_float_op(nb, pc);
}

#else /* !WASM_NATIVE */

wasm_native_builder *wasm_native_begin(const wasm_module *module) {
  WR_UNUSED(module);
  return NULL;
}
bool wasm_native_add(wasm_native_builder *nb, uint32_t def_index, const wasm_compiled_func *func,
                     const uint32_t *op_starts, size_t nops) {
  WR_UNUSED(nb), WR_UNUSED(def_index), WR_UNUSED(func), WR_UNUSED(op_starts), WR_UNUSED(nops);
  return false;
}
bool wasm_native_finish(wasm_native_builder *nb, struct wasm_code *code) {
  WR_UNUSED(nb), WR_UNUSED(code);
  return false;
}
void wasm_native_abandon(wasm_native_builder *nb) { WR_UNUSED(nb); }
void wasm_native_free(struct wasm_native_code *native) { WR_UNUSED(native); }
bool wasm_native_prepare_lazy(const wasm_module *module, struct wasm_code *code) {
  WR_UNUSED(module), WR_UNUSED(code);
  return false;
}
const void *wasm_native_translated(const struct wasm_native_code *native, uint32_t def_index) {
  WR_UNUSED(native), WR_UNUSED(def_index);
  return NULL;
}
const void *wasm_native_translate(const wasm_module *module, struct wasm_code *code, uint32_t def_index,
                                  const uint32_t *op_starts, size_t nops) {
  WR_UNUSED(module), WR_UNUSED(code), WR_UNUSED(def_index), WR_UNUSED(op_starts), WR_UNUSED(nops);
  return NULL;
}
wasm_trap *wasm_native_call(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots) {
  WR_UNUSED(xs), WR_UNUSED(func), WR_UNUSED(slots);
  return wasm_trap_new(store, WASM_TRAP_UNREACHABLE, "no native tier");
}

#endif
