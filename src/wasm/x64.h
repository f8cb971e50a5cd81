/* A small x86-64 instruction encoder for the native tier (native.c): just the instruction
 * forms it emits, each a function that appends bytes to a growable buffer. Memory operands
 * are base + index * scale + disp32 (no RIP-relative form except x64_lea_rip). */
#ifndef WARREN_WASM_X64_H
#define WARREN_WASM_X64_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/alloc.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
enum { XMM0 = 0, XMM1 = 1 };
#define X64_NO_INDEX (-1)

/* Condition codes (the low nibble of Jcc / SETcc / CMOVcc). */
enum {
  CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G
};

typedef struct x64_buf {
  uint8_t *p;
  size_t len, cap;
} x64_buf;

typedef struct x64_mem {
  int base, index, scale; /* scale: 0..3 (x1, x2, x4, x8) */
  int32_t disp;
  /* A general register in place of the memory operand (the ModRM mod = 3 form): base is the
   * register. The native tier keeps some frame slots in registers this way. */
  bool is_reg;
} x64_mem;

static inline x64_mem x64_at(int base, int32_t disp) { return (x64_mem){base, X64_NO_INDEX, 0, disp, false}; }
static inline x64_mem x64_at_index(int base, int index, int scale, int32_t disp) {
  return (x64_mem){base, index, scale, disp, false};
}
static inline x64_mem x64_in_reg(int reg) { return (x64_mem){reg, X64_NO_INDEX, 0, 0, true}; }

static inline void x64_reserve(x64_buf *b, size_t n) {
  if (b->len + n <= b->cap) return;
  size_t cap = b->cap ? b->cap * 2 : 4096;
  while (cap < b->len + n) cap *= 2;
  b->p = wr_realloc(b->p, cap);
  b->cap = cap;
}
static inline void x64_byte(x64_buf *b, uint8_t v) {
  x64_reserve(b, 1);
  b->p[b->len++] = v;
}
static inline void x64_u32(x64_buf *b, uint32_t v) {
  x64_reserve(b, 4);
  memcpy(b->p + b->len, &v, 4);
  b->len += 4;
}
static inline void x64_u64(x64_buf *b, uint64_t v) {
  x64_reserve(b, 8);
  memcpy(b->p + b->len, &v, 8);
  b->len += 8;
}
static inline void x64_patch32(x64_buf *b, size_t at, uint32_t v) { memcpy(b->p + at, &v, 4); }

/* [prefix] [REX] opcode... ModRM [SIB] [disp] for `reg` (a register or an opcode extension)
 * and a memory operand. `opcode` holds 1..3 bytes, first byte lowest. */
static inline void x64_op_mem(x64_buf *b, uint8_t prefix, bool w, uint32_t opcode, int nopcode, int reg, x64_mem m) {
  if (prefix) x64_byte(b, prefix);
  if (m.is_reg) {
    /* a REX prefix even when no bit is set: byte forms then mean spl/bpl/sil/dil, not ah..bh */
    bool byte_reg = (m.base & 7) >= 4 && !(m.base & 8);
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((m.base & 8) ? 1 : 0));
    if (rex != 0x40 || byte_reg) x64_byte(b, rex);
    for (int i = 0; i < nopcode; i++) x64_byte(b, (uint8_t)(opcode >> (8 * i)));
    x64_byte(b, (uint8_t)(0xC0 | (reg & 7) << 3 | (m.base & 7)));
    return;
  }
  int index = m.index == X64_NO_INDEX ? 0 : m.index;
  uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) | ((m.base & 8) ? 1 : 0));
  if (rex != 0x40) x64_byte(b, rex);
  for (int i = 0; i < nopcode; i++) x64_byte(b, (uint8_t)(opcode >> (8 * i)));
  int mod = (m.disp == 0 && (m.base & 7) != RBP) ? 0 : (m.disp >= -128 && m.disp <= 127) ? 1 : 2;
  if (m.index == X64_NO_INDEX && (m.base & 7) != RSP) {
    x64_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (m.base & 7)));
  } else {
    int idx = m.index == X64_NO_INDEX ? RSP : (m.index & 7);
    x64_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4));
    x64_byte(b, (uint8_t)(m.scale << 6 | idx << 3 | (m.base & 7)));
  }
  if (mod == 1) x64_byte(b, (uint8_t)(int8_t)m.disp);
  else if (mod == 2) x64_u32(b, (uint32_t)m.disp);
}
/* The register-register form: ModRM with mod = 3; `reg` in the reg field, `rm` in r/m. */
static inline void x64_op_reg(x64_buf *b, uint8_t prefix, bool w, uint32_t opcode, int nopcode, int reg, int rm) {
  if (prefix) x64_byte(b, prefix);
  uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
  if (rex != 0x40) x64_byte(b, rex);
  for (int i = 0; i < nopcode; i++) x64_byte(b, (uint8_t)(opcode >> (8 * i)));
  x64_byte(b, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

/* mov reg, [m] (32-bit zero-extends, 64-bit) and mov [m], reg. */
static inline void x64_load32(x64_buf *b, int reg, x64_mem m) { x64_op_mem(b, 0, false, 0x8B, 1, reg, m); }
static inline void x64_load64(x64_buf *b, int reg, x64_mem m) { x64_op_mem(b, 0, true, 0x8B, 1, reg, m); }
static inline void x64_store8(x64_buf *b, x64_mem m, int reg) { x64_op_mem(b, 0, false, 0x88, 1, reg, m); }
static inline void x64_store16(x64_buf *b, x64_mem m, int reg) { x64_op_mem(b, 0x66, false, 0x89, 1, reg, m); }
static inline void x64_store32(x64_buf *b, x64_mem m, int reg) { x64_op_mem(b, 0, false, 0x89, 1, reg, m); }
static inline void x64_store64(x64_buf *b, x64_mem m, int reg) { x64_op_mem(b, 0, true, 0x89, 1, reg, m); }
/* movzx / movsx loads into a 32- or 64-bit register. */
static inline void x64_load_u8(x64_buf *b, int reg, x64_mem m) { x64_op_mem(b, 0, false, 0xB60F, 2, reg, m); }
static inline void x64_load_u16(x64_buf *b, int reg, x64_mem m) { x64_op_mem(b, 0, false, 0xB70F, 2, reg, m); }
static inline void x64_load_s8(x64_buf *b, bool w, int reg, x64_mem m) { x64_op_mem(b, 0, w, 0xBE0F, 2, reg, m); }
static inline void x64_load_s16(x64_buf *b, bool w, int reg, x64_mem m) { x64_op_mem(b, 0, w, 0xBF0F, 2, reg, m); }
static inline void x64_load_s32(x64_buf *b, int reg, x64_mem m) { x64_op_mem(b, 0, true, 0x63, 1, reg, m); }
static inline void x64_lea(x64_buf *b, bool w, int reg, x64_mem m) { x64_op_mem(b, 0, w, 0x8D, 1, reg, m); }

static inline void x64_mov_rr(x64_buf *b, bool w, int dst, int src) { x64_op_reg(b, 0, w, 0x8B, 1, dst, src); }
/* mov r32, imm32 (zero-extends) and mov r64, imm64 (the shortest form that is exact). */
static inline void x64_mov_imm32(x64_buf *b, int reg, uint32_t imm) {
  if (reg & 8) x64_byte(b, 0x41);
  x64_byte(b, (uint8_t)(0xB8 + (reg & 7)));
  x64_u32(b, imm);
}
/* mov reg, imm64 always in its 10-byte form: returns where the imm64 is, for an address patched
 * in later (a relocation of code kept in the cache file, native_reloc.c). */
static inline size_t x64_mov_abs64(x64_buf *b, int reg, uint64_t imm) {
  x64_byte(b, (uint8_t)(0x48 | ((reg & 8) ? 1 : 0)));
  x64_byte(b, (uint8_t)(0xB8 + (reg & 7)));
  x64_u64(b, imm);
  return b->len - 8;
}
static inline void x64_mov_imm64(x64_buf *b, int reg, uint64_t imm) {
  if (imm <= 0xFFFFFFFFu) {
    x64_mov_imm32(b, reg, (uint32_t)imm);
  } else if ((int64_t)imm >= INT32_MIN && (int64_t)imm <= INT32_MAX) {
    x64_op_reg(b, 0, true, 0xC7, 1, 0, reg);
    x64_u32(b, (uint32_t)imm);
  } else {
    x64_mov_abs64(b, reg, imm);
  }
}
/* mov qword [m], simm32 */
static inline void x64_store64_imm(x64_buf *b, x64_mem m, int32_t imm) {
  x64_op_mem(b, 0, true, 0xC7, 1, 0, m);
  x64_u32(b, (uint32_t)imm);
}

/* The eight classic ALU operations: the /digit of 0x81 and the base of the r, r/m form. */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };
static inline void x64_alu_mem(x64_buf *b, bool w, int alu, int reg, x64_mem m) {
  x64_op_mem(b, 0, w, (uint32_t)(alu * 8 + 3), 1, reg, m);
}
static inline void x64_alu_rr(x64_buf *b, bool w, int alu, int dst, int src) {
  x64_op_reg(b, 0, w, (uint32_t)(alu * 8 + 3), 1, dst, src);
}
static inline void x64_alu_imm(x64_buf *b, bool w, int alu, int reg, int32_t imm) {
  if (imm >= -128 && imm <= 127) {
    x64_op_reg(b, 0, w, 0x83, 1, alu, reg);
    x64_byte(b, (uint8_t)(int8_t)imm);
  } else {
    x64_op_reg(b, 0, w, 0x81, 1, alu, reg);
    x64_u32(b, (uint32_t)imm);
  }
}
/* cmp dword|qword [m], simm8 */
static inline void x64_cmp_mem_imm8(x64_buf *b, bool w, x64_mem m, int8_t imm) {
  x64_op_mem(b, 0, w, 0x83, 1, ALU_CMP, m);
  x64_byte(b, (uint8_t)imm);
}
static inline void x64_test_rr(x64_buf *b, bool w, int a, int c) { x64_op_reg(b, 0, w, 0x85, 1, c, a); }
static inline void x64_imul_mem(x64_buf *b, bool w, int reg, x64_mem m) { x64_op_mem(b, 0, w, 0xAF0F, 2, reg, m); }
static inline void x64_imul_imm(x64_buf *b, bool w, int dst, int src, int32_t imm) {
  x64_op_reg(b, 0, w, 0x69, 1, dst, src);
  x64_u32(b, (uint32_t)imm);
}
/* Shifts and rotates: the /digit of 0xD3 (by cl) and 0xC1 (by imm8). */
enum { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };
static inline void x64_shift_cl(x64_buf *b, bool w, int kind, int reg) { x64_op_reg(b, 0, w, 0xD3, 1, kind, reg); }
static inline void x64_shift_imm(x64_buf *b, bool w, int kind, int reg, uint8_t n) {
  x64_op_reg(b, 0, w, 0xC1, 1, kind, reg);
  x64_byte(b, n);
}
/* div / idiv r (edx:eax or rdx:rax), cdq / cqo */
static inline void x64_div(x64_buf *b, bool w, bool is_signed, int reg) {
  x64_op_reg(b, 0, w, 0xF7, 1, is_signed ? 7 : 6, reg);
}
static inline void x64_sign_extend_ax(x64_buf *b, bool w) {
  if (w) x64_byte(b, 0x48);
  x64_byte(b, 0x99);
}
static inline void x64_setcc(x64_buf *b, int cc, int reg8) { x64_op_reg(b, 0, false, 0x900F | (uint32_t)cc << 8, 2, 0, reg8); }
static inline void x64_movzx8_rr(x64_buf *b, int dst, int src8) { x64_op_reg(b, 0, false, 0xB60F, 2, dst, src8); }
static inline void x64_cmov_mem(x64_buf *b, bool w, int cc, int reg, x64_mem m) {
  x64_op_mem(b, 0, w, 0x400F | (uint32_t)cc << 8, 2, reg, m);
}
static inline void x64_cmov_rr(x64_buf *b, bool w, int cc, int dst, int src) {
  x64_op_reg(b, 0, w, 0x400F | (uint32_t)cc << 8, 2, dst, src);
}
/* bsr / bsf r, r/m */
static inline void x64_bsr(x64_buf *b, bool w, int dst, x64_mem m) { x64_op_mem(b, 0, w, 0xBD0F, 2, dst, m); }
static inline void x64_bsf(x64_buf *b, bool w, int dst, x64_mem m) { x64_op_mem(b, 0, w, 0xBC0F, 2, dst, m); }
static inline void x64_neg(x64_buf *b, bool w, int reg) { x64_op_reg(b, 0, w, 0xF7, 1, 3, reg); }
/* bt{s,r,c} r, imm8: the /digit of 0x0F 0xBA */
enum { BT_SET = 5, BT_RESET = 6, BT_COMPLEMENT = 7 };
static inline void x64_bit_imm(x64_buf *b, bool w, int kind, int reg, uint8_t bit) {
  x64_op_reg(b, 0, w, 0xBA0F, 2, kind, reg);
  x64_byte(b, bit);
}

/* Control flow. Jumps and calls to a position in the same buffer; the *_fixup forms leave
 * a rel32 to patch and return its position. */
static inline size_t x64_jcc_fixup(x64_buf *b, int cc) {
  x64_byte(b, 0x0F);
  x64_byte(b, (uint8_t)(0x80 | cc));
  x64_u32(b, 0);
  return b->len - 4;
}
static inline size_t x64_jmp_fixup(x64_buf *b) {
  x64_byte(b, 0xE9);
  x64_u32(b, 0);
  return b->len - 4;
}
static inline size_t x64_call_fixup(x64_buf *b) {
  x64_byte(b, 0xE8);
  x64_u32(b, 0);
  return b->len - 4;
}
/* Point the rel32 at `at` to buffer position `target`. */
static inline void x64_link(x64_buf *b, size_t at, size_t target) {
  x64_patch32(b, at, (uint32_t)(int32_t)((int64_t)target - (int64_t)(at + 4)));
}
static inline void x64_jcc_to(x64_buf *b, int cc, size_t target) { x64_link(b, x64_jcc_fixup(b, cc), target); }
static inline void x64_jmp_to(x64_buf *b, size_t target) { x64_link(b, x64_jmp_fixup(b), target); }
/* A short forward jcc over a few instructions: returns the position of its rel8. */
static inline size_t x64_jcc8(x64_buf *b, int cc) {
  x64_byte(b, (uint8_t)(0x70 | cc));
  x64_byte(b, 0);
  return b->len - 1;
}
static inline size_t x64_jmp8(x64_buf *b) {
  x64_byte(b, 0xEB);
  x64_byte(b, 0);
  return b->len - 1;
}
static inline void x64_land8(x64_buf *b, size_t at) { b->p[at] = (uint8_t)(b->len - (at + 1)); }
static inline void x64_call_reg(x64_buf *b, int reg) { x64_op_reg(b, 0, false, 0xFF, 1, 2, reg); }
static inline void x64_jmp_reg(x64_buf *b, int reg) { x64_op_reg(b, 0, false, 0xFF, 1, 4, reg); }
static inline void x64_call_abs(x64_buf *b, const void *fn) {
  x64_mov_imm64(b, RAX, (uint64_t)(uintptr_t)fn);
  x64_call_reg(b, RAX);
}
static inline void x64_ret(x64_buf *b) { x64_byte(b, 0xC3); }
static inline void x64_push(x64_buf *b, int reg) {
  if (reg & 8) x64_byte(b, 0x41);
  x64_byte(b, (uint8_t)(0x50 + (reg & 7)));
}
static inline void x64_pop(x64_buf *b, int reg) {
  if (reg & 8) x64_byte(b, 0x41);
  x64_byte(b, (uint8_t)(0x58 + (reg & 7)));
}
/* lea reg, [rip + rel32]: returns the rel32's position (link it with x64_link). */
static inline size_t x64_lea_rip(x64_buf *b, int reg) {
  x64_byte(b, (uint8_t)(0x48 | ((reg & 8) ? 4 : 0)));
  x64_byte(b, 0x8D);
  x64_byte(b, (uint8_t)(0x05 | (reg & 7) << 3));
  x64_u32(b, 0);
  return b->len - 4;
}
static inline void x64_rep_movsq(x64_buf *b) {
  x64_byte(b, 0xF3);
  x64_byte(b, 0x48);
  x64_byte(b, 0xA5);
}

/* SSE2 scalar floating point: prefix F2 = double, F3 = single. Forms whose r/m would be an xmm
 * register take memory only (x64_op_xmm_mem); the *_rr forms take xmm registers. */
static inline void x64_op_xmm_mem(x64_buf *b, uint8_t prefix, bool w, uint32_t opcode, int nopcode, int reg, x64_mem m) {
  if (m.is_reg) abort(); /* a general register is no xmm operand */
  x64_op_mem(b, prefix, w, opcode, nopcode, reg, m);
}
#define SSE_F64 0xF2
#define SSE_F32 0xF3
enum { SSE_SQRT = 0x51, SSE_ADD = 0x58, SSE_MUL = 0x59, SSE_SUB = 0x5C, SSE_DIV = 0x5E };
static inline void x64_sse_load(x64_buf *b, uint8_t kind, int xmm, x64_mem m) { x64_op_xmm_mem(b, kind, false, 0x100F, 2, xmm, m); }
static inline void x64_sse_store(x64_buf *b, uint8_t kind, x64_mem m, int xmm) { x64_op_xmm_mem(b, kind, false, 0x110F, 2, xmm, m); }
static inline void x64_sse_op_mem(x64_buf *b, uint8_t kind, int op, int xmm, x64_mem m) {
  x64_op_xmm_mem(b, kind, false, 0x000F | (uint32_t)op << 8, 2, xmm, m);
}
/* ucomisd / ucomiss xmm, [m] */
static inline void x64_ucomi_mem(x64_buf *b, bool f64, int xmm, x64_mem m) {
  x64_op_xmm_mem(b, f64 ? 0x66 : 0, false, 0x2E0F, 2, xmm, m);
}
/* cvtsi2sd / cvtsi2ss xmm, r/m32|64 */
static inline void x64_cvt_int_mem(x64_buf *b, uint8_t kind, bool w, int xmm, x64_mem m) {
  x64_op_mem(b, kind, w, 0x2A0F, 2, xmm, m);
}
static inline void x64_cvt_int_reg(x64_buf *b, uint8_t kind, bool w, int xmm, int reg) {
  x64_op_reg(b, kind, w, 0x2A0F, 2, xmm, reg);
}
/* cvttsd2si / cvttss2si r32|64, [m] */
static inline void x64_cvtt_mem(x64_buf *b, uint8_t kind, bool w, int reg, x64_mem m) {
  x64_op_xmm_mem(b, kind, w, 0x2C0F, 2, reg, m);
}
/* cvtss2sd (kind F3) / cvtsd2ss (kind F2) xmm, [m] */
static inline void x64_cvt_float_mem(x64_buf *b, uint8_t kind, int xmm, x64_mem m) {
  x64_op_xmm_mem(b, kind, false, 0x5A0F, 2, xmm, m);
}
/* movd r32, xmm (zero-extends into the 64-bit register) */
static inline void x64_movd_from_xmm(x64_buf *b, int reg, int xmm) { x64_op_reg(b, 0x66, false, 0x7E0F, 2, xmm, reg); }
/* movq xmm, r64 and movq r64, xmm */
static inline void x64_movq_to_xmm(x64_buf *b, int xmm, int reg) { x64_op_reg(b, 0x66, true, 0x6E0F, 2, xmm, reg); }
static inline void x64_movq_from_xmm(x64_buf *b, int reg, int xmm) { x64_op_reg(b, 0x66, true, 0x7E0F, 2, xmm, reg); }
/* The register forms: op xmm, xmm2 / ucomis xmm, xmm2 / cvtt r, xmm / cvt xmm, xmm2 */
static inline void x64_sse_op_rr(x64_buf *b, uint8_t kind, int op, int xmm, int xmm2) {
  x64_op_reg(b, kind, false, 0x000F | (uint32_t)op << 8, 2, xmm, xmm2);
}
static inline void x64_ucomi_rr(x64_buf *b, bool f64, int xmm, int xmm2) { x64_op_reg(b, f64 ? 0x66 : 0, false, 0x2E0F, 2, xmm, xmm2); }
static inline void x64_cvtt_rr(x64_buf *b, uint8_t kind, bool w, int reg, int xmm) { x64_op_reg(b, kind, w, 0x2C0F, 2, reg, xmm); }
static inline void x64_cvt_float_rr(x64_buf *b, uint8_t kind, int xmm, int xmm2) { x64_op_reg(b, kind, false, 0x5A0F, 2, xmm, xmm2); }
static inline void x64_xorps(x64_buf *b, int dst, int src) { x64_op_reg(b, 0, false, 0x570F, 2, dst, src); }

/* ---- SSE packed (128-bit) forms, for the SIMD templates (native_emit_simd.c) ----
 * Opcodes are written first byte lowest (0x0F 0xFC is 0xFC0F, 0x0F 0x38 0x00 is 0x00380F);
 * `prefix` is the mandatory prefix (0, 0x66, 0xF2, 0xF3). Legacy SSE forms with a 128-bit
 * memory operand need it 16-byte aligned (frame slots are not), so the templates load vectors
 * with movdqu and compute on registers. Names say which extension each needs beyond SSE2. */
enum {
  XMM2 = 2, XMM3 = 3, XMM4 = 4, /* xmm4..xmm15: vectors kept in registers (native_regalloc.c) */
  /* SSE2, prefix 66 */
  VEC_PADDB = 0xFC0F, VEC_PADDW = 0xFD0F, VEC_PADDD = 0xFE0F, VEC_PADDQ = 0xD40F,
  VEC_PSUBB = 0xF80F, VEC_PSUBW = 0xF90F, VEC_PSUBD = 0xFA0F, VEC_PSUBQ = 0xFB0F,
  VEC_PADDSB = 0xEC0F, VEC_PADDSW = 0xED0F, VEC_PADDUSB = 0xDC0F, VEC_PADDUSW = 0xDD0F,
  VEC_PSUBSB = 0xE80F, VEC_PSUBSW = 0xE90F, VEC_PSUBUSB = 0xD80F, VEC_PSUBUSW = 0xD90F,
  VEC_PMULLW = 0xD50F, VEC_PMADDWD = 0xF50F, VEC_PAVGB = 0xE00F, VEC_PAVGW = 0xE30F,
  VEC_PMINUB = 0xDA0F, VEC_PMAXUB = 0xDE0F, VEC_PMINSW = 0xEA0F, VEC_PMAXSW = 0xEE0F,
  VEC_PAND = 0xDB0F, VEC_PANDN = 0xDF0F, VEC_POR = 0xEB0F, VEC_PXOR = 0xEF0F,
  VEC_PCMPEQB = 0x740F, VEC_PCMPEQW = 0x750F, VEC_PCMPEQD = 0x760F,
  VEC_PCMPGTB = 0x640F, VEC_PCMPGTW = 0x650F, VEC_PCMPGTD = 0x660F,
  VEC_PACKSSWB = 0x630F, VEC_PACKUSWB = 0x670F, VEC_PACKSSDW = 0x6B0F,
  VEC_PUNPCKLBW = 0x600F, VEC_PUNPCKHBW = 0x680F, VEC_PUNPCKLQDQ = 0x6C0F,
  VEC_PSHUFD = 0x700F, VEC_MOVDQA = 0x6F0F, VEC_PMOVMSKB = 0xD70F,
  VEC_PSLLW = 0xF10F, VEC_PSLLD = 0xF20F, VEC_PSLLQ = 0xF30F, /* by the count in an xmm */
  VEC_PSRLW = 0xD10F, VEC_PSRLD = 0xD20F, VEC_PSRLQ = 0xD30F,
  VEC_PSRAW = 0xE10F, VEC_PSRAD = 0xE20F,
  VEC_PMULHW = 0xE50F, VEC_PMULHUW = 0xE40F, VEC_PMULUDQ = 0xF40F,
  VEC_PUNPCKLWD = 0x610F, VEC_PUNPCKHWD = 0x690F, VEC_PUNPCKLDQ = 0x620F,
  VEC_CVTTPS2DQ = 0x5B0F, /* prefix F3 */
  VEC_CVTTPD2DQ = 0xE60F, /* prefix 66 */
  /* SSE/SSE2 floating point: prefix 0 = f32x4, 66 = f64x2 */
  VEC_ADDP = 0x580F, VEC_SUBP = 0x5C0F, VEC_MULP = 0x590F, VEC_DIVP = 0x5E0F, VEC_SQRTP = 0x510F,
  VEC_MINP = 0x5D0F, VEC_MAXP = 0x5F0F, VEC_CMPP = 0xC20F, VEC_MOVMSKP = 0x500F,
  VEC_SHUFP = 0xC60F, /* with an imm8 */
  VEC_ANDP = 0x540F, VEC_ANDNP = 0x550F, VEC_ORP = 0x560F, VEC_XORP = 0x570F, VEC_MOVAP = 0x280F,
  VEC_CVTDQ2PS = 0x5B0F,  /* prefix 0 */
  VEC_CVTDQ2PD = 0xE60F,  /* prefix F3 */
  VEC_CVTPS2PD = 0x5A0F,  /* prefix 0; with 66 it is cvtpd2ps */
  /* SSSE3, prefix 66 */
  VEC_PSHUFB = 0x00380F, VEC_PABSB = 0x1C380F, VEC_PABSW = 0x1D380F, VEC_PABSD = 0x1E380F,
  VEC_PMADDUBSW = 0x04380F, VEC_PMULHRSW = 0x0B380F,
  /* SSE4.1, prefix 66 */
  VEC_PMULLD = 0x40380F, VEC_PMULDQ = 0x28380F, VEC_PCMPEQQ = 0x29380F, VEC_PACKUSDW = 0x2B380F,
  VEC_PMINSB = 0x38380F, VEC_PMINSD = 0x39380F, VEC_PMINUW = 0x3A380F, VEC_PMINUD = 0x3B380F,
  VEC_PMAXSB = 0x3C380F, VEC_PMAXSD = 0x3D380F, VEC_PMAXUW = 0x3E380F, VEC_PMAXUD = 0x3F380F,
  VEC_PMOVSXBW = 0x20380F, VEC_PMOVSXWD = 0x23380F, VEC_PMOVSXDQ = 0x25380F,
  VEC_PMOVZXBW = 0x30380F, VEC_PMOVZXWD = 0x33380F, VEC_PMOVZXDQ = 0x35380F,
  VEC_ROUNDPS = 0x083A0F, VEC_ROUNDPD = 0x093A0F, /* with an imm8 */
  /* SSE4.2, prefix 66 */
  VEC_PCMPGTQ = 0x37380F,
};
/* 0F 38 xx and 0F 3A xx are three-byte opcodes (pshufb's last byte is 0, so not by value) */
static inline int x64_opcode_bytes(uint32_t opcode) {
  uint32_t second = opcode >> 8 & 0xFF;
  return second == 0x38 || second == 0x3A ? 3 : 2;
}
/* op xmm, xmm2 (also r32, xmm for pmovmskb / movmskps) */
static inline void x64_vec_rr(x64_buf *b, uint8_t prefix, uint32_t opcode, int xmm, int xmm2) {
  x64_op_reg(b, prefix, false, opcode, x64_opcode_bytes(opcode), xmm, xmm2);
}
/* op xmm, xmm2, imm8 (pshufd, cmpps, roundps) */
static inline void x64_vec_rr_imm(x64_buf *b, uint8_t prefix, uint32_t opcode, int xmm, int xmm2, uint8_t imm) {
  x64_vec_rr(b, prefix, opcode, xmm, xmm2);
  x64_byte(b, imm);
}
/* op xmm, [m]: only for forms that take unaligned memory (movdqu, movd/movq, pmovsx/zx m64) */
static inline void x64_vec_mem(x64_buf *b, uint8_t prefix, uint32_t opcode, int xmm, x64_mem m) {
  x64_op_xmm_mem(b, prefix, false, opcode, x64_opcode_bytes(opcode), xmm, m);
}
/* movdqu xmm, [m] / movdqu [m], xmm */
static inline void x64_movdqu_load(x64_buf *b, int xmm, x64_mem m) { x64_vec_mem(b, 0xF3, 0x6F0F, xmm, m); }
static inline void x64_movdqu_store(x64_buf *b, x64_mem m, int xmm) { x64_vec_mem(b, 0xF3, 0x7F0F, xmm, m); }
/* movdqu xmm, [rip + rel32] reading the 16 bytes at buffer position `target` (data in the code) */
static inline void x64_movdqu_load_rip(x64_buf *b, int xmm, size_t target) {
  x64_byte(b, 0xF3);
  if (xmm & 8) x64_byte(b, 0x44);
  x64_byte(b, 0x0F);
  x64_byte(b, 0x6F);
  x64_byte(b, (uint8_t)(0x05 | (xmm & 7) << 3));
  x64_u32(b, 0);
  x64_link(b, b->len - 4, target);
}
/* movd xmm, [m32] and movq xmm, [m64]: the other lanes zeroed */
static inline void x64_movd_load(x64_buf *b, int xmm, x64_mem m) { x64_vec_mem(b, 0x66, 0x6E0F, xmm, m); }
static inline void x64_movq_load(x64_buf *b, int xmm, x64_mem m) { x64_vec_mem(b, 0xF3, 0x7E0F, xmm, m); }
/* movd xmm, r32 (the other lanes zeroed) */
static inline void x64_movd_to_xmm(x64_buf *b, int xmm, int reg) { x64_op_reg(b, 0x66, false, 0x6E0F, 2, xmm, reg); }
/* Packed shifts by an immediate: 66 0F 71 (words) / 72 (dwords) / 73 (qwords, and whole-register
 * byte shifts) with the operation in the reg field. */
enum { VEC_SHIFT_W = 0x71, VEC_SHIFT_D = 0x72, VEC_SHIFT_Q = 0x73 };
enum { VEC_SH_SRL = 2, VEC_SH_SRA = 4, VEC_SH_SLL = 6, VEC_SH_SRLDQ = 3 };
static inline void x64_vec_shift_imm(x64_buf *b, int group, int kind, int xmm, uint8_t n) {
  x64_op_reg(b, 0x66, false, 0x000F | (uint32_t)group << 8, 2, kind, xmm);
  x64_byte(b, n);
}

#endif
