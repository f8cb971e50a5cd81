/* Operand forms that spare the templates a trip through rax and the frame: a constant slot
 * becomes an imm32 in the instruction, an operand kept in a register is used in place, and a
 * result whose local lives in a register is computed there. */
#include "native_internal.h"

#if WASM_NATIVE

bool native_imm(const wasm_native_builder *nb, uint32_t s, bool w, int32_t *imm) {
  uint64_t v;
  if (!const_slot(nb, s, &v)) return false;
  if (!w) {
    *imm = (int32_t)(uint32_t)v; /* 32-bit operations read the low half */
    return true;
  }
  if ((int64_t)v < INT32_MIN || (int64_t)v > INT32_MAX) return false; /* imm32 sign-extends */
  *imm = (int32_t)v;
  return true;
}

int native_value_reg(wasm_native_builder *nb, uint32_t s, bool w, int scratch) {
  int reg = cached_reg(nb, s);
  if (reg >= 0) return reg;
  if (scratch == RAX && native_rax_holds(nb, s, w)) return RAX;
  if (w) x64_load64(&nb->b, scratch, frame_slot(nb, s));
  else x64_load32(&nb->b, scratch, frame_slot(nb, s));
  return scratch;
}

int native_result_reg(wasm_native_builder *nb, uint32_t dst, int read_after) {
  int reg = cached_reg(nb, dst);
  return reg >= 0 && reg != read_after ? reg : RAX;
}

void native_set_result(wasm_native_builder *nb, uint32_t dst, int r) {
  if (cached_reg(nb, dst) == r) return;
  x64_store64(&nb->b, slot(nb, dst), r);
  if (r == RAX) native_chain_rax_result(nb, dst);
}

void native_alu_slot(wasm_native_builder *nb, bool w, int alu, int r, uint32_t s) {
  int32_t imm;
  if (native_imm(nb, s, w, &imm)) x64_alu_imm(&nb->b, w, alu, r, imm);
  else x64_alu_mem(&nb->b, w, alu, r, slot(nb, s));
}

/* The condition for b `cc` a that means a `cc` b. */
static int swapped_cc(int cc) {
  switch (cc) {
  case CC_L: return CC_G;
  case CC_G: return CC_L;
  case CC_LE: return CC_GE;
  case CC_GE: return CC_LE;
  case CC_B: return CC_A;
  case CC_A: return CC_B;
  case CC_BE: return CC_AE;
  case CC_AE: return CC_BE;
  default: return cc; /* E, NE */
  }
}

int native_compare_slots(wasm_native_builder *nb, bool w, uint32_t a, uint32_t b, int cc) {
  if (cached_reg(nb, a) < 0 && cached_reg(nb, b) < 0 && native_rax_holds(nb, b, true) &&
      !native_rax_holds(nb, a, true)) {
    native_alu_slot(nb, w, ALU_CMP, RAX, a);
    return swapped_cc(cc);
  }
  native_alu_slot(nb, w, ALU_CMP, native_value_reg(nb, a, true, RAX), b);
  return cc;
}

void native_load_into(wasm_native_builder *nb, int r, uint32_t s) {
  if (cached_reg(nb, s) == r || (r == RAX && native_rax_holds(nb, s, true))) return;
  x64_load64(&nb->b, r, slot(nb, s));
}

void native_add32_to(wasm_native_builder *nb, uint32_t dst, uint32_t a, uint32_t b_slot) {
  int r = native_result_reg(nb, dst, cached_reg(nb, b_slot));
  int ra = cached_reg(nb, a);
  int32_t imm;
  if (ra >= 0 && ra != r && native_imm(nb, b_slot, false, &imm)) {
    x64_lea(&nb->b, false, r, x64_at(ra, imm)); /* a 32-bit lea zero-extends */
  } else {
    native_load_into(nb, r, a);
    native_alu_slot(nb, false, ALU_ADD, r, b_slot);
  }
  native_set_result(nb, dst, r);
  native_chain_rax_is_i32(nb);
}

#endif
