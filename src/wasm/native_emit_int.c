/* Native templates of integer arithmetic, comparisons and integer conversions. */
#include "native_internal.h"

#if WASM_NATIVE

/* dst = a `alu` b, in dst's register when it has one (and b does not live there). */
static void binop_alu(wasm_native_builder *nb, bool w, int alu, const uint32_t *ins) {
  int r = native_result_reg(nb, ins[1], cached_reg(nb, ins[3]));
  uint32_t a = ins[2], b_slot = ins[3];
  bool commutes = alu == ALU_ADD || alu == ALU_AND || alu == ALU_OR || alu == ALU_XOR;
  if (commutes && r == RAX && native_rax_holds(nb, b_slot, true) && !native_rax_holds(nb, a, true)) {
    a = ins[3]; /* the previous instruction left b in rax */
    b_slot = ins[2];
  }
  native_load_into(nb, r, a);
  native_alu_slot(nb, w, alu, r, b_slot);
  native_set_result(nb, ins[1], r);
  if (!w) native_chain_rax_is_i32(nb); /* 32-bit operations zero-extend */
}
static void binop_alu_imm(wasm_native_builder *nb, bool w, int alu, const uint32_t *ins) {
  int r = native_result_reg(nb, ins[1], -1);
  int ra = cached_reg(nb, ins[2]);
  if (alu == ALU_ADD && ra >= 0 && ra != r) {
    x64_lea(&nb->b, w, r, x64_at(ra, (int32_t)ins[3])); /* a 32-bit lea zero-extends */
  } else {
    native_load_into(nb, r, ins[2]);
    x64_alu_imm(&nb->b, w, alu, r, (int32_t)ins[3]); /* 32-bit operations zero-extend */
  }
  native_set_result(nb, ins[1], r);
  if (!w) native_chain_rax_is_i32(nb);
}
static void shift_imm(wasm_native_builder *nb, bool w, int kind, const uint32_t *ins) {
  int r = native_result_reg(nb, ins[1], -1);
  native_load_into(nb, r, ins[2]);
  x64_shift_imm(&nb->b, w, kind, r, (uint8_t)(ins[3] & (w ? 63 : 31)));
  native_set_result(nb, ins[1], r);
  if (!w) native_chain_rax_is_i32(nb);
}
static void shift(wasm_native_builder *nb, bool w, int kind, const uint32_t *ins) {
  int32_t count;
  if (native_imm(nb, ins[3], false, &count)) {
    uint32_t imm_ins[4] = {ins[0], ins[1], ins[2], (uint32_t)count};
    shift_imm(nb, w, kind, imm_ins);
    return;
  }
  x64_load64(&nb->b, RAX, slot(nb, ins[2]));
  x64_load32(&nb->b, RCX, slot(nb, ins[3]));
  x64_shift_cl(&nb->b, w, kind, RAX);
  x64_store64(&nb->b, slot(nb, ins[1]), RAX);
}
/* dst = (a cmp b) for integers */
static void compare(wasm_native_builder *nb, bool w, int cc, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  x64_setcc(b, native_compare_slots(nb, w, ins[2], ins[3], cc), RAX); /* after the compare */
  int r = native_result_reg(nb, ins[1], -1);
  x64_movzx8_rr(b, r, RAX);
  native_set_result(nb, ins[1], r);
  native_chain_rax_is_i32(nb);
}
static void divide(wasm_native_builder *nb, bool w, bool is_signed, bool remainder, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  x64_load64(b, RAX, slot(nb, ins[2]));
  x64_load64(b, RCX, slot(nb, ins[3]));
  x64_test_rr(b, w, RCX, RCX);
  jump_to_trap(nb, CC_E, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
  size_t done = 0, normal = 0;
  if (is_signed) {
    /* INT_MIN / -1 overflows (a trap), INT_MIN % -1 is 0: x86 faults on both */
    x64_alu_imm(b, w, ALU_CMP, RCX, -1);
    normal = x64_jcc8(b, CC_NE);
    if (remainder) {
      x64_alu_rr(b, false, ALU_XOR, RDX, RDX);
      done = x64_jmp8(b);
    } else {
      if (w) {
        x64_mov_imm64(b, RDX, (uint64_t)INT64_MIN);
        x64_alu_rr(b, true, ALU_CMP, RAX, RDX);
      } else {
        x64_alu_imm(b, false, ALU_CMP, RAX, INT32_MIN);
      }
      jump_to_trap(nb, CC_E, WASM_TRAP_INTEGER_OVERFLOW);
    }
    x64_land8(b, normal);
    x64_sign_extend_ax(b, w);
  } else {
    x64_alu_rr(b, false, ALU_XOR, RDX, RDX);
  }
  x64_div(b, w, is_signed, RCX);
  if (is_signed && remainder) x64_land8(b, done);
  if (remainder) {
    x64_store64(b, slot(nb, ins[1]), RDX);
  } else {
    x64_store64(b, slot(nb, ins[1]), RAX);
  }
}
/* clz / ctz with the wasm result for 0 (the operand width) */
static void count_zeros(wasm_native_builder *nb, bool w, bool leading, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  int bits = w ? 64 : 32;
  if (leading) {
    x64_mov_imm64(b, RCX, (uint64_t)-1);
    x64_bsr(b, w, RAX, slot(nb, ins[2]));
    x64_cmov_rr(b, w, CC_E, RAX, RCX);
    x64_neg(b, w, RAX);
    x64_alu_imm(b, w, ALU_ADD, RAX, bits - 1);
  } else {
    x64_mov_imm32(b, RCX, (uint32_t)bits);
    x64_bsf(b, w, RAX, slot(nb, ins[2]));
    x64_cmov_rr(b, w, CC_E, RAX, RCX);
  }
  x64_store64(b, slot(nb, ins[1]), RAX);
}

/* Integer operations. */
bool native_emit_int_op(wasm_native_builder *nb, uint32_t pc) {
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  switch ((enum wasm_iop)ins[0]) {
  /* ---- integers ---- */
  case WASM_IOP_i32_eqz:
  case WASM_IOP_i64_eqz:
    x64_alu_rr(b, false, ALU_XOR, RAX, RAX);
    x64_cmp_mem_imm8(b, ins[0] == WASM_IOP_i64_eqz, slot(nb, ins[2]), 0);
    x64_setcc(b, CC_E, RAX);
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
  case WASM_IOP_i32_add: binop_alu(nb, false, ALU_ADD, ins); return true;
  case WASM_IOP_i32_sub: binop_alu(nb, false, ALU_SUB, ins); return true;
  case WASM_IOP_i32_and: binop_alu(nb, false, ALU_AND, ins); return true;
  case WASM_IOP_i32_or: binop_alu(nb, false, ALU_OR, ins); return true;
  case WASM_IOP_i32_xor: binop_alu(nb, false, ALU_XOR, ins); return true;
  case WASM_IOP_i64_add: binop_alu(nb, true, ALU_ADD, ins); return true;
  case WASM_IOP_i64_sub: binop_alu(nb, true, ALU_SUB, ins); return true;
  case WASM_IOP_i64_and: binop_alu(nb, true, ALU_AND, ins); return true;
  case WASM_IOP_i64_or: binop_alu(nb, true, ALU_OR, ins); return true;
  case WASM_IOP_i64_xor: binop_alu(nb, true, ALU_XOR, ins); return true;
  case WASM_IOP_i32_mul:
  case WASM_IOP_i64_mul: {
    int r = native_result_reg(nb, ins[1], cached_reg(nb, ins[3]));
    native_load_into(nb, r, ins[2]);
    x64_imul_mem(b, ins[0] == WASM_IOP_i64_mul, r, slot(nb, ins[3]));
    native_set_result(nb, ins[1], r);
    if (ins[0] == WASM_IOP_i32_mul) native_chain_rax_is_i32(nb);
    return true;
  }
  case WASM_IOP_i32_add_imm: binop_alu_imm(nb, false, ALU_ADD, ins); return true;
  case WASM_IOP_i32_sub_imm: binop_alu_imm(nb, false, ALU_SUB, ins); return true;
  case WASM_IOP_i32_and_imm: binop_alu_imm(nb, false, ALU_AND, ins); return true;
  case WASM_IOP_i32_or_imm: binop_alu_imm(nb, false, ALU_OR, ins); return true;
  case WASM_IOP_i32_xor_imm: binop_alu_imm(nb, false, ALU_XOR, ins); return true;
  case WASM_IOP_i64_add_imm: binop_alu_imm(nb, true, ALU_ADD, ins); return true;
  case WASM_IOP_i64_and_imm: binop_alu_imm(nb, true, ALU_AND, ins); return true;
  case WASM_IOP_i32_mul_imm: {
    int src = native_value_reg(nb, ins[2], false, RCX);
    int r = native_result_reg(nb, ins[1], -1);
    x64_imul_imm(b, false, r, src, (int32_t)ins[3]);
    native_set_result(nb, ins[1], r);
    native_chain_rax_is_i32(nb);
    return true;
  }
  case WASM_IOP_i32_shl: shift(nb, false, SH_SHL, ins); return true;
  case WASM_IOP_i32_shr_s: shift(nb, false, SH_SAR, ins); return true;
  case WASM_IOP_i32_shr_u: shift(nb, false, SH_SHR, ins); return true;
  case WASM_IOP_i32_rotl: shift(nb, false, SH_ROL, ins); return true;
  case WASM_IOP_i32_rotr: shift(nb, false, SH_ROR, ins); return true;
  case WASM_IOP_i64_shl: shift(nb, true, SH_SHL, ins); return true;
  case WASM_IOP_i64_shr_s: shift(nb, true, SH_SAR, ins); return true;
  case WASM_IOP_i64_shr_u: shift(nb, true, SH_SHR, ins); return true;
  case WASM_IOP_i64_rotl: shift(nb, true, SH_ROL, ins); return true;
  case WASM_IOP_i64_rotr: shift(nb, true, SH_ROR, ins); return true;
  case WASM_IOP_i32_shl_imm: shift_imm(nb, false, SH_SHL, ins); return true;
  case WASM_IOP_i32_shr_s_imm: shift_imm(nb, false, SH_SAR, ins); return true;
  case WASM_IOP_i32_shr_u_imm: shift_imm(nb, false, SH_SHR, ins); return true;
  case WASM_IOP_i32_div_s: divide(nb, false, true, false, ins); return true;
  case WASM_IOP_i32_div_u: divide(nb, false, false, false, ins); return true;
  case WASM_IOP_i32_rem_s: divide(nb, false, true, true, ins); return true;
  case WASM_IOP_i32_rem_u: divide(nb, false, false, true, ins); return true;
  case WASM_IOP_i64_div_s: divide(nb, true, true, false, ins); return true;
  case WASM_IOP_i64_div_u: divide(nb, true, false, false, ins); return true;
  case WASM_IOP_i64_rem_s: divide(nb, true, true, true, ins); return true;
  case WASM_IOP_i64_rem_u: divide(nb, true, false, true, ins); return true;
  case WASM_IOP_i32_clz: count_zeros(nb, false, true, ins); return true;
  case WASM_IOP_i32_ctz: count_zeros(nb, false, false, ins); return true;
  case WASM_IOP_i64_clz: count_zeros(nb, true, true, ins); return true;
  case WASM_IOP_i64_ctz: count_zeros(nb, true, false, ins); return true;

  /* ---- conversions ---- */
  case WASM_IOP_i32_wrap_i64:
  case WASM_IOP_i64_extend_i32_u:
  case WASM_IOP_i32_reinterpret_f32:
  case WASM_IOP_f32_reinterpret_i32:
    x64_load32(b, RAX, slot(nb, ins[2]));
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
  case WASM_IOP_i64_reinterpret_f64:
  case WASM_IOP_f64_reinterpret_i64:
    x64_load64(b, RAX, slot(nb, ins[2]));
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
  case WASM_IOP_i64_extend_i32_s:
  case WASM_IOP_i64_extend32_s:
    x64_load_s32(b, RAX, slot(nb, ins[2]));
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
  case WASM_IOP_i32_extend8_s:
  case WASM_IOP_i64_extend8_s:
    x64_load_s8(b, ins[0] == WASM_IOP_i64_extend8_s, RAX, slot(nb, ins[2]));
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
  case WASM_IOP_i32_extend16_s:
  case WASM_IOP_i64_extend16_s:
    x64_load_s16(b, ins[0] == WASM_IOP_i64_extend16_s, RAX, slot(nb, ins[2]));
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
#define COMPARE(name, cc)                                             \
  case WASM_IOP_i32_##name: compare(nb, false, cc, ins); return true; \
  case WASM_IOP_i64_##name: compare(nb, true, cc, ins); return true;
    CMP_CCS(COMPARE)
#undef COMPARE
  default: return false;
  }
}

#endif
