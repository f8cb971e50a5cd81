/* Native templates of scalar floating point (SSE2): arithmetic, comparisons, conversions. */
#include "native_internal.h"

#if WASM_NATIVE

/* `op` xmm, slot s */
static void sse_op_slot(wasm_native_builder *nb, uint8_t kind, int op, int xmm, uint32_t s) {
  int reg = float_operand_reg(nb, s);
  if (reg >= 0) x64_sse_op_rr(&nb->b, kind, op, xmm, reg);
  else x64_sse_op_mem(&nb->b, kind, op, xmm, frame_slot(nb, s));
}
/* xmm0 = slot s converted to the other float width (kind: the width of s) */
static void cvt_float_slot(wasm_native_builder *nb, uint8_t kind, uint32_t s) {
  int reg = float_operand_reg(nb, s);
  if (reg >= 0) x64_cvt_float_rr(&nb->b, kind, XMM0, reg);
  else x64_cvt_float_mem(&nb->b, kind, XMM0, frame_slot(nb, s));
}
/* xmm0 into slot `dst`: an f32 result zero-extended to the slot, as the interpreter writes it */
static void store_float(wasm_native_builder *nb, bool f64, uint32_t dst) {
  if (f64) {
    store_f64(nb, dst, XMM0);
  } else {
    x64_movd_from_xmm(&nb->b, RAX, XMM0);
    x64_store64(&nb->b, slot(nb, dst), RAX);
  }
}
static void float_binop(wasm_native_builder *nb, bool f64, int op, const uint32_t *ins) {
  uint8_t kind = f64 ? SSE_F64 : SSE_F32;
  if (f64) native_load_f64_xmm0(nb, ins[2]);
  else load_float(nb, kind, XMM0, ins[2]);
  sse_op_slot(nb, kind, op, XMM0, ins[3]); /* a cached operand goes through xmm1 */
  if (!f64 || !native_f64_result_unread(nb, ins[1])) store_float(nb, f64, ins[1]);
  if (f64) native_chain_f64_result(nb, ins[1]);
}
/* dst = a cmp b for floats; lt / le compare the other way round so that NaN is false */
enum fcmp { FEQ, FNE, FLT, FGT, FLE, FGE };
static void float_compare(wasm_native_builder *nb, bool f64, enum fcmp cmp, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  uint8_t kind = f64 ? SSE_F64 : SSE_F32;
  bool swap = cmp == FLT || cmp == FLE;
  load_float(nb, kind, XMM0, ins[swap ? 3 : 2]);
  uint32_t other = ins[swap ? 2 : 3];
  int reg = float_operand_reg(nb, other);
  if (reg >= 0) x64_ucomi_rr(b, f64, XMM0, reg);
  else x64_ucomi_mem(b, f64, XMM0, frame_slot(nb, other));
  switch (cmp) {
  case FEQ:
    x64_setcc(b, CC_E, RAX);
    x64_setcc(b, CC_NP, RCX);
    x64_op_reg(b, 0, false, 0x22, 1, RAX, RCX); /* and al, cl */
    break;
  case FNE:
    x64_setcc(b, CC_NE, RAX);
    x64_setcc(b, CC_P, RCX);
    x64_op_reg(b, 0, false, 0x0A, 1, RAX, RCX); /* or al, cl */
    break;
  case FLT:
  case FGT: x64_setcc(b, CC_A, RAX); break;
  case FLE:
  case FGE: x64_setcc(b, CC_AE, RAX); break;
  }
  x64_movzx8_rr(b, RAX, RAX);
  x64_store64(b, slot(nb, ins[1]), RAX);
}
/* signed float -> int truncation: cvtt gives the "integer indefinite" value on NaN and
 * overflow; then the interpreter decides (a trap, or that value was the right answer). */
static void truncate_signed(wasm_native_builder *nb, uint32_t pc, bool from64, bool to64) {
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  int reg = float_operand_reg(nb, ins[2]);
  if (reg >= 0) x64_cvtt_rr(b, from64 ? SSE_F64 : SSE_F32, to64, RAX, reg);
  else x64_cvtt_mem(b, from64 ? SSE_F64 : SSE_F32, to64, RAX, frame_slot(nb, ins[2]));
  if (to64) {
    x64_mov_imm64(b, RCX, (uint64_t)INT64_MIN);
    x64_alu_rr(b, true, ALU_CMP, RAX, RCX);
  } else {
    x64_alu_imm(b, false, ALU_CMP, RAX, INT32_MIN);
  }
  /* rel32 jumps: the step saves and reloads the locals kept in registers, which can make it long */
  size_t fine = x64_jcc_fixup(b, CC_NE);
  native_emit_step(nb, pc);
  size_t done = x64_jmp_fixup(b);
  x64_link(b, fine, b->len);
  x64_store64(b, slot(nb, ins[1]), RAX);
  x64_link(b, done, b->len);
}

/* rcx = the float 2^bits (f64 or f32 bits) in xmm1 */
static void float_power_of_two(wasm_native_builder *nb, bool f64, int bits) {
  uint64_t v = f64 ? (uint64_t)(1023 + bits) << 52 : (uint64_t)(127 + bits) << 23;
  x64_mov_imm64(&nb->b, RCX, v);
  x64_movq_to_xmm(&nb->b, XMM1, RCX);
}
/* The saturating truncations (trunc_sat): the conversion gives the integer indefinite value (the
 * minimum) on NaN and overflow, or, for an unsigned result, a value out of its range; then NaN
 * is 0 and the operand's sign picks the bound. An i32 unsigned result converts to 64 bits, and an
 * i64 one of 2^63 or more subtracts 2^63 first. Out of line only in what is rare. */
static void truncate_saturating(wasm_native_builder *nb, const uint32_t *ins, bool from64, bool to64, bool is_signed) {
  x64_buf *b = &nb->b;
  uint8_t kind = from64 ? SSE_F64 : SSE_F32;
  load_float(nb, kind, XMM0, ins[2]);
  x64_cvtt_rr(b, kind, to64 || !is_signed, RAX, XMM0);
  size_t in_range;
  if (is_signed && to64) {
    x64_mov_imm64(b, RCX, (uint64_t)INT64_MIN);
    x64_alu_rr(b, true, ALU_CMP, RAX, RCX);
    in_range = x64_jcc_fixup(b, CC_NE);
  } else if (is_signed) {
    x64_alu_imm(b, false, ALU_CMP, RAX, INT32_MIN);
    in_range = x64_jcc_fixup(b, CC_NE);
  } else if (!to64) {
    x64_mov_rr(b, true, RCX, RAX);
    x64_shift_imm(b, true, SH_SHR, RCX, 32);
    in_range = x64_jcc_fixup(b, CC_E); /* 0 <= rax < 2^32 */
  } else {
    x64_test_rr(b, true, RAX, RAX);
    in_range = x64_jcc_fixup(b, CC_NS); /* 0 <= rax < 2^63 */
  }
  /* out of range: NaN -> 0, at most 0 -> the minimum (0 unsigned), else the maximum */
  x64_xorps(b, XMM1, XMM1);
  x64_ucomi_rr(b, from64, XMM0, XMM1);
  size_t positive = x64_jcc_fixup(b, CC_A); /* not taken on NaN (unordered sets CF and ZF) */
  size_t keep_minimum = 0;
  if (is_signed) {
    size_t nan = x64_jcc_fixup(b, CC_P);
    keep_minimum = x64_jmp_fixup(b); /* at most 0: the minimum is what the conversion gave */
    x64_link(b, nan, b->len);
  }
  x64_alu_rr(b, false, ALU_XOR, RAX, RAX);
  size_t zero = x64_jmp_fixup(b);
  x64_link(b, positive, b->len);
  size_t done_big = 0;
  if (!is_signed && to64) { /* 2^63 <= x < 2^64: convert x - 2^63, then set bit 63 */
    float_power_of_two(nb, from64, 64);
    x64_ucomi_rr(b, from64, XMM0, XMM1);
    size_t huge = x64_jcc_fixup(b, CC_AE);
    float_power_of_two(nb, from64, 63);
    x64_sse_op_rr(b, kind, SSE_SUB, XMM0, XMM1);
    x64_cvtt_rr(b, kind, true, RAX, XMM0);
    x64_bit_imm(b, true, BT_COMPLEMENT, RAX, 63);
    done_big = x64_jmp_fixup(b);
    x64_link(b, huge, b->len);
  }
  if (to64) x64_mov_imm64(b, RAX, is_signed ? (uint64_t)INT64_MAX : UINT64_MAX);
  else x64_mov_imm32(b, RAX, is_signed ? (uint32_t)INT32_MAX : UINT32_MAX);
  x64_link(b, in_range, b->len);
  x64_link(b, zero, b->len);
  if (done_big) x64_link(b, done_big, b->len);
  if (keep_minimum) x64_link(b, keep_minimum, b->len);
  x64_store64(b, slot(nb, ins[1]), RAX);
}

/* Float operations. */
bool native_emit_float_op(wasm_native_builder *nb, uint32_t pc) {
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  switch ((enum wasm_iop)ins[0]) {
  /* ---- floats ---- */
  case WASM_IOP_f64_add: float_binop(nb, true, SSE_ADD, ins); return true;
  case WASM_IOP_f64_sub: float_binop(nb, true, SSE_SUB, ins); return true;
  case WASM_IOP_f64_mul: float_binop(nb, true, SSE_MUL, ins); return true;
  case WASM_IOP_f64_div: float_binop(nb, true, SSE_DIV, ins); return true;
  case WASM_IOP_f32_add: float_binop(nb, false, SSE_ADD, ins); return true;
  case WASM_IOP_f32_sub: float_binop(nb, false, SSE_SUB, ins); return true;
  case WASM_IOP_f32_mul: float_binop(nb, false, SSE_MUL, ins); return true;
  case WASM_IOP_f32_div: float_binop(nb, false, SSE_DIV, ins); return true;
  case WASM_IOP_f64_sqrt:
  case WASM_IOP_f32_sqrt: {
    bool f64 = ins[0] == WASM_IOP_f64_sqrt;
    x64_xorps(b, XMM0, XMM0);
    sse_op_slot(nb, f64 ? SSE_F64 : SSE_F32, SSE_SQRT, XMM0, ins[2]);
    store_float(nb, f64, ins[1]);
    return true;
  }
  case WASM_IOP_f64_eq: float_compare(nb, true, FEQ, ins); return true;
  case WASM_IOP_f64_ne: float_compare(nb, true, FNE, ins); return true;
  case WASM_IOP_f64_lt: float_compare(nb, true, FLT, ins); return true;
  case WASM_IOP_f64_gt: float_compare(nb, true, FGT, ins); return true;
  case WASM_IOP_f64_le: float_compare(nb, true, FLE, ins); return true;
  case WASM_IOP_f64_ge: float_compare(nb, true, FGE, ins); return true;
  case WASM_IOP_f32_eq: float_compare(nb, false, FEQ, ins); return true;
  case WASM_IOP_f32_ne: float_compare(nb, false, FNE, ins); return true;
  case WASM_IOP_f32_lt: float_compare(nb, false, FLT, ins); return true;
  case WASM_IOP_f32_gt: float_compare(nb, false, FGT, ins); return true;
  case WASM_IOP_f32_le: float_compare(nb, false, FLE, ins); return true;
  case WASM_IOP_f32_ge: float_compare(nb, false, FGE, ins); return true;
  case WASM_IOP_f64_neg:
  case WASM_IOP_f64_abs:
  case WASM_IOP_f32_neg:
  case WASM_IOP_f32_abs: {
    enum wasm_iop op = ins[0];
    bool f64 = op == WASM_IOP_f64_neg || op == WASM_IOP_f64_abs;
    bool neg = op == WASM_IOP_f64_neg || op == WASM_IOP_f32_neg;
    x64_load64(b, RAX, slot(nb, ins[2]));
    x64_bit_imm(b, f64, neg ? BT_COMPLEMENT : BT_RESET, RAX, f64 ? 63 : 31);
    x64_store64(b, slot(nb, ins[1]), RAX);
    return true;
  }
  case WASM_IOP_f64_convert_i32_s:
  case WASM_IOP_f64_convert_i64_s:
  case WASM_IOP_f64_convert_i32_u:
  case WASM_IOP_f32_convert_i32_s:
  case WASM_IOP_f32_convert_i64_s:
  case WASM_IOP_f32_convert_i32_u: {
    enum wasm_iop op = ins[0];
    bool f64 = op == WASM_IOP_f64_convert_i32_s || op == WASM_IOP_f64_convert_i64_s || op == WASM_IOP_f64_convert_i32_u;
    uint8_t kind = f64 ? SSE_F64 : SSE_F32;
    x64_xorps(b, XMM0, XMM0);
    if (op == WASM_IOP_f64_convert_i32_u || op == WASM_IOP_f32_convert_i32_u) {
      x64_load32(b, RAX, slot(nb, ins[2])); /* an unsigned i32 is a non-negative i64 */
      x64_cvt_int_reg(b, kind, true, XMM0, RAX);
    } else {
      bool from64 = op == WASM_IOP_f64_convert_i64_s || op == WASM_IOP_f32_convert_i64_s;
      x64_cvt_int_mem(b, kind, from64, XMM0, slot(nb, ins[2]));
    }
    store_float(nb, f64, ins[1]);
    return true;
  }
  case WASM_IOP_f64_promote_f32:
    x64_xorps(b, XMM0, XMM0);
    cvt_float_slot(nb, SSE_F32, ins[2]);
    store_float(nb, true, ins[1]);
    return true;
  case WASM_IOP_f32_demote_f64:
    x64_xorps(b, XMM0, XMM0);
    cvt_float_slot(nb, SSE_F64, ins[2]);
    store_float(nb, false, ins[1]);
    return true;
  case WASM_IOP_i32_trunc_f64_s: truncate_signed(nb, pc, true, false); return true;
  case WASM_IOP_i32_trunc_f32_s: truncate_signed(nb, pc, false, false); return true;
  case WASM_IOP_i64_trunc_f64_s: truncate_signed(nb, pc, true, true); return true;
  case WASM_IOP_i64_trunc_f32_s: truncate_signed(nb, pc, false, true); return true;
  case WASM_IOP_i32_trunc_sat_f64_s: truncate_saturating(nb, ins, true, false, true); return true;
  case WASM_IOP_i32_trunc_sat_f64_u: truncate_saturating(nb, ins, true, false, false); return true;
  case WASM_IOP_i32_trunc_sat_f32_s: truncate_saturating(nb, ins, false, false, true); return true;
  case WASM_IOP_i32_trunc_sat_f32_u: truncate_saturating(nb, ins, false, false, false); return true;
  case WASM_IOP_i64_trunc_sat_f64_s: truncate_saturating(nb, ins, true, true, true); return true;
  case WASM_IOP_i64_trunc_sat_f64_u: truncate_saturating(nb, ins, true, true, false); return true;
  case WASM_IOP_i64_trunc_sat_f32_s: truncate_saturating(nb, ins, false, true, true); return true;
  case WASM_IOP_i64_trunc_sat_f32_u: truncate_saturating(nb, ins, false, true, false); return true;
  default: return false;
  }
}

#endif
