/* Native templates of the 128-bit SIMD instructions (simd_ops.def) on SSE2, with SSSE3 / SSE4.1 /
 * SSE4.2 forms where the CPU has them (asked once with cpuid). A v128 lives in an xmm register
 * (xmm4..xmm15, native_regalloc.c) or in the frame (two slots, 8-byte aligned, reached with
 * movdqu); templates compute in the result's register or in xmm0..xmm3, and take operands from
 * their registers (vload / vstore / result_xmm); scalar operands (lane values, shift counts,
 * results of tests and extracts) go through slot(), as they may be kept in general registers.
 * 16-byte constants are read from a pool after the function's body. What has no template here, or needs an
 * extension the CPU lacks, is declined and stepped by the interpreter, whose semantics
 * (simd.h) every template matches bit for bit.
 *
 * WARREN_NATIVE_SIMD=off declines every SIMD instruction (all stepped, as before this file);
 * WARREN_NATIVE_SIMD=sse2 uses SSE2 forms only, as on a CPU without SSSE3 / SSE4.1 (tests). */
#include "native_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if WASM_NATIVE

#include <cpuid.h>

enum { SIMD_ON = 1, HAS_SSSE3 = 2, HAS_SSE41 = 4, HAS_SSE42 = 8 };

/* The templates allowed: SIMD_ON and the extensions the CPU has (0 when off). */
static unsigned simd_features(void) {
  static atomic_int cached = -1; /* translation may run on several threads; each computes the same */
  int features = atomic_load_explicit(&cached, memory_order_relaxed);
  if (features >= 0) return (unsigned)features;
  const char *mode = getenv("WARREN_NATIVE_SIMD");
  features = SIMD_ON;
  unsigned eax, ebx, ecx, edx;
  if (mode && strcmp(mode, "off") == 0) features = 0;
  else if (!(mode && strcmp(mode, "sse2") == 0) && __get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
    if (ecx & bit_SSSE3) features |= HAS_SSSE3;
    if (ecx & bit_SSE4_1) features |= HAS_SSE41;
    if (ecx & bit_SSE4_2) features |= HAS_SSE42;
  }
  atomic_store_explicit(&cached, features, memory_order_relaxed);
  return (unsigned)features;
}

/* ---- vectors in the frame, or in an xmm register (native_regalloc.c) ---- */

/* The xmm register that holds slot s's vector, or -1 when it is in the frame; a vector that
 * overlaps a cached one only in part must be reached in the frame, which the cached one's
 * register makes stale: a conflict (native_internal.h). */
/* The 16 bytes of slots s and s + 1 are reached in the frame. */
static void vector_in_frame(wasm_native_builder *nb, uint32_t s) {
  forget_known_vector(nb, s);
  no_register_conflict(nb, s);
  vector_conflict(nb, s);
  vector_conflict(nb, s + 1);
}
static int vector_reg(wasm_native_builder *nb, uint32_t s) {
  no_register_conflict(nb, s);
  if (!nb->nvector || s >= nb->f->frame_slots || s + 1 >= nb->f->frame_slots) return -1;
  if (nb->vector_reg[s] >= 0) return nb->vector_reg[s];
  vector_in_frame(nb, s);
  return -1;
}
/* xmm = slot s's vector: from xmm0 when the previous instruction left it there and nothing of
 * this one was emitted yet, else from its register or the frame. */
static void vload(wasm_native_builder *nb, int xmm, uint32_t s) {
  int reg = vector_reg(nb, s);
  if (native_xmm0_holds_v128(nb, s)) {
    if (xmm != XMM0) x64_vec_rr(&nb->b, 0, VEC_MOVAP, xmm, XMM0);
  } else if (reg >= 0) {
    if (reg != xmm) x64_vec_rr(&nb->b, 0, VEC_MOVAP, xmm, reg);
  } else {
    x64_movdqu_load(&nb->b, xmm, frame_vector(nb, s));
  }
}
static void vstore(wasm_native_builder *nb, uint32_t s, int xmm) {
  forget_known_vector(nb, s);
  int reg = vector_reg(nb, s);
  if (reg >= 0) x64_vec_rr(&nb->b, 0, VEC_MOVAP, reg, xmm);
  else x64_movdqu_store(&nb->b, frame_vector(nb, s), xmm);
}
/* The instruction's last code: its result, in xmm0, to slot s (and carried to the next one). */
static void vresult(wasm_native_builder *nb, uint32_t s) {
  vstore(nb, s, XMM0);
  native_chain_v128_result(nb, s);
}
/* Where a template computes slot dst's vector: in dst's own xmm register when it has one (no
 * copy to it at the end), else in xmm0. Only for templates that read their vector operands
 * before they first write the result register. */
static int result_xmm(wasm_native_builder *nb, uint32_t dst) {
  int reg = vector_reg(nb, dst);
  return reg >= 0 ? reg : XMM0;
}
/* ...and their last code: xmm0's result stored to dst (and carried), nothing when it was dst's
 * own register. */
static void result_in(wasm_native_builder *nb, uint32_t dst, int acc) {
  if (acc == XMM0) vresult(nb, dst);
  else forget_known_vector(nb, dst);
}
/* The constant slot s's vector is known to hold (v128.const wrote it in straight-line code
 * before this instruction), or NULL. */
static const uint8_t *known_vector(const wasm_native_builder *nb, uint32_t s) {
  for (uint32_t i = 0; i < nb->nknown; i++)
    if (nb->known_slot[i] == s) return nb->known_bytes[i];
  return NULL;
}
static void remember_known_vector(wasm_native_builder *nb, uint32_t s, const uint8_t bytes[16]) {
  forget_known_vector(nb, s);
  if (nb->nknown == NATIVE_KNOWN_VECTORS) return;
  nb->known_slot[nb->nknown] = s;
  memcpy(nb->known_bytes[nb->nknown], bytes, 16);
  nb->nknown++;
}
/* Byte `at` of the vector in slot s, in the frame. */
static x64_mem lane_at(wasm_native_builder *nb, uint32_t s, uint32_t at) {
  vector_in_frame(nb, s);
  native_init_read(nb, s, 2);
  return x64_at(RBX, (int32_t)(s * 8 + at));
}
/* The xmm register that has slot s's vector without the frame: xmm0 when the previous instruction
 * left it there (only before anything of this one is emitted), else its own, else -1. */
static int vector_held(wasm_native_builder *nb, uint32_t s) {
  if (native_xmm0_holds_v128(nb, s)) return XMM0;
  return vector_reg(nb, s);
}
/* reg = the bits of `held`'s vector from byte `at` on, in its low bits (those above the lane are
 * not cleared): the lane's dwords shuffled to the bottom of `scratch` first. */
static void lane_from_xmm(wasm_native_builder *nb, int reg, int held, uint32_t at, int scratch) {
  uint32_t dword = at / 4;
  if (dword) {
    x64_vec_rr_imm(&nb->b, 0x66, VEC_PSHUFD, scratch, held, (uint8_t)(dword | ((dword + 1) & 3) << 2));
    held = scratch;
  }
  x64_movq_from_xmm(&nb->b, reg, held);
  if (at % 4) x64_shift_imm(&nb->b, true, SH_SHR, reg, (uint8_t)(at % 4 * 8));
}
/* Slot dst = slot vec's vector with bytes [at, at + size) replaced by rcx's low bits. The lane
 * is written in dst's 16 bytes of the frame: its own place, or, when a register holds dst, bytes
 * nothing else uses (a template reaching them otherwise is a conflict), so the vector goes
 * there, takes the lane and comes back. */
static void replace_lane(wasm_native_builder *nb, uint32_t dst, uint32_t vec, uint32_t at, uint32_t size) {
  x64_buf *b = &nb->b;
  bool cached = nb->nvector && dst + 1 < nb->f->frame_slots && nb->vector_reg[dst] >= 0;
  x64_mem lane = cached ? x64_at(RBX, (int32_t)(dst * 8 + at)) : lane_at(nb, dst, at);
  if (cached) {
    vload(nb, XMM0, vec);
    x64_movdqu_store(b, frame_vector(nb, dst), XMM0);
  } else if (dst != vec) {
    vload(nb, XMM0, vec);
    vstore(nb, dst, XMM0);
  }
  switch (size) {
  case 1: x64_store8(b, lane, RCX); break;
  case 2: x64_store16(b, lane, RCX); break;
  case 4: x64_store32(b, lane, RCX); break;
  default: x64_store64(b, lane, RCX); break;
  }
  if (cached) {
    x64_movdqu_load(b, XMM0, frame_vector(nb, dst));
    vresult(nb, dst);
  }
}

/* Whether no general register holds slot s or s + 1 (a vector's two slots). */
static bool no_general_register(const wasm_native_builder *nb, uint32_t s) {
  uint32_t n = nb->f->frame_slots;
  return s >= n || s + 1 >= n || (nb->local_reg[s] < 0 && nb->local_reg[s + 1] < 0);
}
/* ...and when one does, a conflict: the template declines (the instruction is stepped) in a
 * translation that is redone without that register. */
static bool in_frame(wasm_native_builder *nb, uint32_t s) { return no_register_conflict(nb, s); }

/* xmm = a 16-byte constant, read RIP-relative from the function's constants after its body
 * (native_emit_vector_consts): one load, nothing in the instruction stream to jump over */
static void const128(wasm_native_builder *nb, int xmm, const uint8_t bytes[16]) {
  x64_movdqu_load_rip(&nb->b, xmm, nb->b.len); /* linked when the constants are placed */
  vector_const_ref ref = {nb->b.len - 4, {0}};
  memcpy(ref.bytes, bytes, 16);
  WR_VEC_PUSH(&nb->vector_consts, ref);
}
void native_emit_vector_consts(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  if (!nb->vector_consts.len) return;
  while (b->len % 16) x64_byte(b, 0xCC); /* never run: after the function's last jump */
  size_t first = b->len;
  for (size_t i = 0; i < nb->vector_consts.len; i++) {
    const vector_const_ref *ref = &nb->vector_consts.items[i];
    size_t at = first;
    while (at < b->len && memcmp(b->p + at, ref->bytes, 16) != 0) at += 16;
    if (at == b->len) {
      x64_reserve(b, 16);
      memcpy(b->p + b->len, ref->bytes, 16);
      b->len += 16;
    }
    x64_link(b, ref->at, at);
  }
}
/* xmm = the 32-bit value in eax in every lane */
static void splat_eax(wasm_native_builder *nb, int xmm) {
  x64_movd_to_xmm(&nb->b, xmm, RAX);
  x64_vec_rr_imm(&nb->b, 0x66, VEC_PSHUFD, xmm, xmm, 0);
}
/* xmm = every bit set */
static void all_ones(wasm_native_builder *nb, int xmm) { x64_vec_rr(&nb->b, 0x66, VEC_PCMPEQD, xmm, xmm); }
/* xmm = a 32-bit / 64-bit pattern in every lane */
static void splat32(wasm_native_builder *nb, int xmm, uint32_t value) {
  uint8_t bytes[16];
  for (int k = 0; k < 16; k += 4) memcpy(bytes + k, &value, 4);
  const128(nb, xmm, bytes);
}
static void splat64(wasm_native_builder *nb, int xmm, uint64_t value) {
  uint8_t bytes[16];
  memcpy(bytes, &value, 8);
  memcpy(bytes + 8, &value, 8);
  const128(nb, xmm, bytes);
}

/* The effective address rax (a zero-extended i32) + offset in memory 0 (guarded: no bounds
 * check, as the scalar templates); `scratch` holds a large offset. */
static x64_mem effective(wasm_native_builder *nb, uint32_t offset, int scratch) {
  if (offset <= INT32_MAX) return x64_at_index(R12, RAX, 0, (int32_t)offset);
  x64_mov_imm32(&nb->b, scratch, offset);
  x64_alu_rr(&nb->b, true, ALU_ADD, RAX, scratch);
  return x64_at_index(R12, RAX, 0, 0);
}
/* The memory operand of a load or store whose i32 address is in slot `addr`. */
static x64_mem address(wasm_native_builder *nb, uint32_t addr, uint32_t offset) {
  native_load_rax(nb, addr, false); /* nothing when the previous instruction left it in rax */
  return effective(nb, offset, RCX);
}

/* ---- loads and stores: dst addr offset / addr vec offset / dst addr vec offset lane ---- */

static bool emit_load(wasm_native_builder *nb, const uint32_t *ins, unsigned features) {
  x64_buf *b = &nb->b;
  uint32_t pmov = 0;
  /* operand words are read only once the instruction is known to be one of these: this runs
   * first for every instruction, and a shorter one may end the code */
  switch ((enum wasm_iop)ins[0]) {
  case WASM_IOP_simd_v128_load8x8_s:
  case WASM_IOP_simd_v128_load8x8_u:
  case WASM_IOP_simd_v128_load16x4_s:
  case WASM_IOP_simd_v128_load16x4_u:
  case WASM_IOP_simd_v128_load32x2_s:
  case WASM_IOP_simd_v128_load32x2_u:
    if (!(features & HAS_SSE41)) return false;
    /* fall through */
  case WASM_IOP_simd_v128_load:
  case WASM_IOP_simd_v128_load32_zero:
  case WASM_IOP_simd_v128_load64_zero:
  case WASM_IOP_simd_v128_load8_splat:
  case WASM_IOP_simd_v128_load16_splat:
  case WASM_IOP_simd_v128_load32_splat:
  case WASM_IOP_simd_v128_load64_splat:
    if (!in_frame(nb, ins[1])) return false;
    break;
  default: return false;
  }
  uint32_t dst = ins[1];
  int acc = result_xmm(nb, dst);
  switch ((enum wasm_iop)ins[0]) {
  case WASM_IOP_simd_v128_load: x64_movdqu_load(b, acc, address(nb, ins[2], ins[3])); break;
  case WASM_IOP_simd_v128_load32_zero: x64_movd_load(b, acc, address(nb, ins[2], ins[3])); break;
  case WASM_IOP_simd_v128_load64_zero: x64_movq_load(b, acc, address(nb, ins[2], ins[3])); break;
  case WASM_IOP_simd_v128_load8_splat:
  case WASM_IOP_simd_v128_load16_splat: {
    bool bytes = ins[0] == WASM_IOP_simd_v128_load8_splat;
    x64_mem m = address(nb, ins[2], ins[3]);
    if (bytes) x64_load_u8(b, RAX, m);
    else x64_load_u16(b, RAX, m);
    x64_imul_imm(b, false, RAX, RAX, bytes ? 0x01010101 : 0x00010001);
    splat_eax(nb, acc);
    break;
  }
  case WASM_IOP_simd_v128_load32_splat:
    x64_movd_load(b, acc, address(nb, ins[2], ins[3]));
    x64_vec_rr_imm(b, 0x66, VEC_PSHUFD, acc, acc, 0);
    break;
  case WASM_IOP_simd_v128_load64_splat:
    x64_movq_load(b, acc, address(nb, ins[2], ins[3]));
    x64_vec_rr(b, 0x66, VEC_PUNPCKLQDQ, acc, acc);
    break;
  case WASM_IOP_simd_v128_load8x8_s: pmov = VEC_PMOVSXBW; break;
  case WASM_IOP_simd_v128_load8x8_u: pmov = VEC_PMOVZXBW; break;
  case WASM_IOP_simd_v128_load16x4_s: pmov = VEC_PMOVSXWD; break;
  case WASM_IOP_simd_v128_load16x4_u: pmov = VEC_PMOVZXWD; break;
  case WASM_IOP_simd_v128_load32x2_s: pmov = VEC_PMOVSXDQ; break;
  case WASM_IOP_simd_v128_load32x2_u: pmov = VEC_PMOVZXDQ; break;
  default: return false;
  }
  if (pmov) x64_vec_mem(b, 0x66, pmov, acc, address(nb, ins[2], ins[3])); /* reads 8 bytes */
  result_in(nb, dst, acc);
  return true;
}

/* load_lane dst addr vec offset lane / store_lane addr vec offset lane: a scalar access and a
 * lane of the vector in the frame. */
static bool emit_lane_access(wasm_native_builder *nb, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  int log2;
  bool load;
  switch ((enum wasm_iop)ins[0]) {
  case WASM_IOP_simd_v128_load8_lane: load = true, log2 = 0; break;
  case WASM_IOP_simd_v128_load16_lane: load = true, log2 = 1; break;
  case WASM_IOP_simd_v128_load32_lane: load = true, log2 = 2; break;
  case WASM_IOP_simd_v128_load64_lane: load = true, log2 = 3; break;
  case WASM_IOP_simd_v128_store8_lane: load = false, log2 = 0; break;
  case WASM_IOP_simd_v128_store16_lane: load = false, log2 = 1; break;
  case WASM_IOP_simd_v128_store32_lane: load = false, log2 = 2; break;
  case WASM_IOP_simd_v128_store64_lane: load = false, log2 = 3; break;
  default: return false;
  }
  uint32_t lanes = 16u >> log2;
  if (load) {
    uint32_t dst = ins[1], vec = ins[3];
    if (!in_frame(nb, dst) || !in_frame(nb, vec)) return false;
    uint32_t at = (ins[5] & (lanes - 1)) << log2;
    x64_mem m = address(nb, ins[2], ins[4]); /* may trap: before dst is written */
    switch (log2) {
    case 0: x64_load_u8(b, RCX, m); break;
    case 1: x64_load_u16(b, RCX, m); break;
    case 2: x64_load32(b, RCX, m); break;
    default: x64_load64(b, RCX, m); break;
    }
    replace_lane(nb, dst, vec, at, 1u << log2);
    return true;
  }
  uint32_t vec = ins[2];
  if (!in_frame(nb, vec)) return false;
  uint32_t at = (ins[4] & (lanes - 1)) << log2;
  int held = vector_held(nb, vec);
  x64_mem m = address(nb, ins[1], ins[3]); /* before rcx is loaded: a large offset passes through it */
  if (held >= 0) lane_from_xmm(nb, RCX, held, at, XMM1);
  else x64_load64(b, RCX, lane_at(nb, vec, at));
  switch (log2) {
  case 0: x64_store8(b, m, RCX); break;
  case 1: x64_store16(b, m, RCX); break;
  case 2: x64_store32(b, m, RCX); break;
  default: x64_store64(b, m, RCX); break;
  }
  return true;
}

/* extract dst vec lane: the lane from the vector's register, or a scalar load from the frame;
 * i32 results zero-extended in their slot. */
static bool emit_extract(wasm_native_builder *nb, const uint32_t *ins, uint32_t size, bool is_signed) {
  x64_buf *b = &nb->b;
  uint32_t vec = ins[2], at = (ins[3] & (16u / size - 1)) * size;
  if (!in_frame(nb, vec)) return false;
  int held = vector_held(nb, vec);
  if (held >= 0) {
    lane_from_xmm(nb, RAX, held, at, XMM1);
    if (size == 4) x64_mov_rr(b, false, RAX, RAX);
    if (size < 4) {
      x64_shift_imm(b, false, SH_SHL, RAX, (uint8_t)(32 - 8 * size));
      x64_shift_imm(b, false, is_signed ? SH_SAR : SH_SHR, RAX, (uint8_t)(32 - 8 * size));
    }
  } else {
    x64_mem m = lane_at(nb, vec, at);
    switch (size) {
    case 1: is_signed ? x64_load_s8(b, false, RAX, m) : x64_load_u8(b, RAX, m); break;
    case 2: is_signed ? x64_load_s16(b, false, RAX, m) : x64_load_u16(b, RAX, m); break;
    case 4: x64_load32(b, RAX, m); break;
    default: x64_load64(b, RAX, m); break;
    }
  }
  x64_store64(b, slot(nb, ins[1]), RAX);
  return true;
}

/* ---- lanes: splat dst x / extract dst vec lane / replace dst vec x lane ---- */

static bool emit_lane_op(wasm_native_builder *nb, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  int acc = XMM0;
  switch ((enum wasm_iop)ins[0]) {
  case WASM_IOP_simd_i8x16_splat:
  case WASM_IOP_simd_i16x8_splat:
  case WASM_IOP_simd_i32x4_splat:
  case WASM_IOP_simd_f32x4_splat:
  case WASM_IOP_simd_i64x2_splat:
  case WASM_IOP_simd_f64x2_splat:
    if (!in_frame(nb, ins[1])) return false;
    acc = result_xmm(nb, ins[1]);
    break;
  default: break;
  }
  switch ((enum wasm_iop)ins[0]) {
  case WASM_IOP_simd_i8x16_splat:
    x64_load_u8(b, RAX, slot(nb, ins[2]));
    x64_imul_imm(b, false, RAX, RAX, 0x01010101);
    splat_eax(nb, acc);
    break;
  case WASM_IOP_simd_i16x8_splat:
    x64_load_u16(b, RAX, slot(nb, ins[2]));
    x64_imul_imm(b, false, RAX, RAX, 0x00010001);
    splat_eax(nb, acc);
    break;
  case WASM_IOP_simd_i32x4_splat:
  case WASM_IOP_simd_f32x4_splat: /* straight from the value's register when it has one */
    x64_movd_to_xmm(b, acc, native_value_reg(nb, ins[2], false, RAX));
    x64_vec_rr_imm(b, 0x66, VEC_PSHUFD, acc, acc, 0);
    break;
  case WASM_IOP_simd_i64x2_splat:
  case WASM_IOP_simd_f64x2_splat:
    x64_load64(b, RAX, slot(nb, ins[2]));
    x64_movq_to_xmm(b, acc, RAX);
    x64_vec_rr(b, 0x66, VEC_PUNPCKLQDQ, acc, acc);
    break;
  case WASM_IOP_simd_i8x16_extract_lane_s: return emit_extract(nb, ins, 1, true);
  case WASM_IOP_simd_i8x16_extract_lane_u: return emit_extract(nb, ins, 1, false);
  case WASM_IOP_simd_i16x8_extract_lane_s: return emit_extract(nb, ins, 2, true);
  case WASM_IOP_simd_i16x8_extract_lane_u: return emit_extract(nb, ins, 2, false);
  case WASM_IOP_simd_i32x4_extract_lane:
  case WASM_IOP_simd_f32x4_extract_lane: return emit_extract(nb, ins, 4, false);
  case WASM_IOP_simd_i64x2_extract_lane:
  case WASM_IOP_simd_f64x2_extract_lane: return emit_extract(nb, ins, 8, false);
  /* replaces: the vector copied to dst, then one lane written over */
#define REPLACE(name, lanes)                                              \
  case WASM_IOP_simd_##name: {                                            \
    uint32_t dst = ins[1], vec = ins[2], size = 16u / (lanes);            \
    if (!in_frame(nb, dst) || !in_frame(nb, vec)) return false;           \
    x64_load64(b, RCX, slot(nb, ins[3]));                                 \
    replace_lane(nb, dst, vec, (ins[4] & (lanes - 1)) * size, size);      \
    return true;                                                          \
  }
    REPLACE(i8x16_replace_lane, 16)
    REPLACE(i16x8_replace_lane, 8)
    REPLACE(i32x4_replace_lane, 4)
    REPLACE(f32x4_replace_lane, 4)
    REPLACE(i64x2_replace_lane, 2)
    REPLACE(f64x2_replace_lane, 2)
#undef REPLACE
  default: return false;
  }
  result_in(nb, ins[1], acc);
  return true;
}

/* ---- lane-wise binary operations: dst a b ---- */

/* How a binary instruction maps to SSE: `op` (with `prefix`) on xmm0 = a, xmm1 = b, or with the
 * operands swapped; comparisons optionally flip the sign bits first (unsigned as signed) and
 * invert the result. */
typedef struct binary_form {
  uint8_t prefix;
  uint32_t op;
  unsigned needs; /* HAS_* */
  bool swap;
  uint32_t sign_flip; /* a 32-bit pattern xored into both operands, or 0 */
  bool invert;
  int cmp_imm; /* cmpps / cmppd predicate, or -1 */
} binary_form;

static bool binary_form_of(enum wasm_iop iop, binary_form *f) {
  *f = (binary_form){0x66, 0, 0, false, 0, false, -1};
  switch (iop) {
#define OP(name, opcode) case WASM_IOP_simd_##name: f->op = opcode; return true;
#define OP41(name, opcode) case WASM_IOP_simd_##name: f->op = opcode, f->needs = HAS_SSE41; return true;
    OP(i8x16_add, VEC_PADDB) OP(i16x8_add, VEC_PADDW) OP(i32x4_add, VEC_PADDD) OP(i64x2_add, VEC_PADDQ)
    OP(i8x16_sub, VEC_PSUBB) OP(i16x8_sub, VEC_PSUBW) OP(i32x4_sub, VEC_PSUBD) OP(i64x2_sub, VEC_PSUBQ)
    OP(i8x16_add_sat_s, VEC_PADDSB) OP(i8x16_add_sat_u, VEC_PADDUSB)
    OP(i16x8_add_sat_s, VEC_PADDSW) OP(i16x8_add_sat_u, VEC_PADDUSW)
    OP(i8x16_sub_sat_s, VEC_PSUBSB) OP(i8x16_sub_sat_u, VEC_PSUBUSB)
    OP(i16x8_sub_sat_s, VEC_PSUBSW) OP(i16x8_sub_sat_u, VEC_PSUBUSW)
    OP(i16x8_mul, VEC_PMULLW) OP41(i32x4_mul, VEC_PMULLD)
    OP(i32x4_dot_i16x8_s, VEC_PMADDWD) /* pairwise products summed, wrapping: as the spec */
    OP(i8x16_avgr_u, VEC_PAVGB) OP(i16x8_avgr_u, VEC_PAVGW)
    OP(i8x16_min_u, VEC_PMINUB) OP(i8x16_max_u, VEC_PMAXUB) OP(i16x8_min_s, VEC_PMINSW) OP(i16x8_max_s, VEC_PMAXSW)
    OP41(i8x16_min_s, VEC_PMINSB) OP41(i8x16_max_s, VEC_PMAXSB) OP41(i16x8_min_u, VEC_PMINUW)
    OP41(i16x8_max_u, VEC_PMAXUW) OP41(i32x4_min_s, VEC_PMINSD) OP41(i32x4_max_s, VEC_PMAXSD)
    OP41(i32x4_min_u, VEC_PMINUD) OP41(i32x4_max_u, VEC_PMAXUD)
    /* narrowing saturates signed inputs, to signed or unsigned lanes: as the spec */
    OP(i8x16_narrow_i16x8_s, VEC_PACKSSWB) OP(i8x16_narrow_i16x8_u, VEC_PACKUSWB)
    OP(i16x8_narrow_i32x4_s, VEC_PACKSSDW) OP41(i16x8_narrow_i32x4_u, VEC_PACKUSDW)
    OP(v128_and, VEC_PAND) OP(v128_or, VEC_POR) OP(v128_xor, VEC_PXOR)
#undef OP41
#undef OP
  case WASM_IOP_simd_v128_andnot: f->op = VEC_PANDN, f->swap = true; return true; /* ~b & a */
  /* float arithmetic: IEEE results; a NaN result is the quieted input or the default NaN,
   * which is what the spec allows */
#define FOP(name, prefix_, opcode) case WASM_IOP_simd_##name: f->prefix = prefix_, f->op = opcode; return true;
    FOP(f32x4_add, 0, VEC_ADDP) FOP(f32x4_sub, 0, VEC_SUBP) FOP(f32x4_mul, 0, VEC_MULP) FOP(f32x4_div, 0, VEC_DIVP)
    FOP(f64x2_add, 0x66, VEC_ADDP) FOP(f64x2_sub, 0x66, VEC_SUBP) FOP(f64x2_mul, 0x66, VEC_MULP)
    FOP(f64x2_div, 0x66, VEC_DIVP)
#undef FOP
  /* pmin(a, b) = b < a ? b : a is minps b, a (which answers its second operand unless the first
   * is less); pmax(a, b) = a < b ? b : a is maxps b, a. Either way an input, bits unchanged. */
  case WASM_IOP_simd_f32x4_pmin: f->prefix = 0, f->op = VEC_MINP, f->swap = true; return true;
  case WASM_IOP_simd_f32x4_pmax: f->prefix = 0, f->op = VEC_MAXP, f->swap = true; return true;
  case WASM_IOP_simd_f64x2_pmin: f->op = VEC_MINP, f->swap = true; return true;
  case WASM_IOP_simd_f64x2_pmax: f->op = VEC_MAXP, f->swap = true; return true;
  /* float comparisons: cmpps predicates eq 0, lt 1, le 2, neq (true when unordered) 4 */
#define FCMP(name, prefix_, imm, swap_) \
  case WASM_IOP_simd_##name: f->prefix = prefix_, f->op = VEC_CMPP, f->cmp_imm = imm, f->swap = swap_; return true;
    FCMP(f32x4_eq, 0, 0, false) FCMP(f32x4_ne, 0, 4, false) FCMP(f32x4_lt, 0, 1, false)
    FCMP(f32x4_gt, 0, 1, true) FCMP(f32x4_le, 0, 2, false) FCMP(f32x4_ge, 0, 2, true)
    FCMP(f64x2_eq, 0x66, 0, false) FCMP(f64x2_ne, 0x66, 4, false) FCMP(f64x2_lt, 0x66, 1, false)
    FCMP(f64x2_gt, 0x66, 1, true) FCMP(f64x2_le, 0x66, 2, false) FCMP(f64x2_ge, 0x66, 2, true)
#undef FCMP
  /* integer comparisons from pcmpeq / pcmpgt: lt swaps, le / ge / ne invert, unsigned ones flip
   * the sign bits first */
#define ICMP(shape, eq, gt, sign, needs_eq, needs_gt)                                                      \
  case WASM_IOP_simd_##shape##_eq: f->op = eq, f->needs = needs_eq; return true;                           \
  case WASM_IOP_simd_##shape##_ne: f->op = eq, f->needs = needs_eq, f->invert = true; return true;         \
  case WASM_IOP_simd_##shape##_gt_s: f->op = gt, f->needs = needs_gt; return true;                         \
  case WASM_IOP_simd_##shape##_lt_s: f->op = gt, f->needs = needs_gt, f->swap = true; return true;         \
  case WASM_IOP_simd_##shape##_le_s: f->op = gt, f->needs = needs_gt, f->invert = true; return true;       \
  case WASM_IOP_simd_##shape##_ge_s:                                                                       \
    f->op = gt, f->needs = needs_gt, f->swap = true, f->invert = true;                                     \
    return true;
#define ICMP_U(shape, gt, sign)                                                                            \
  case WASM_IOP_simd_##shape##_gt_u: f->op = gt, f->sign_flip = sign; return true;                         \
  case WASM_IOP_simd_##shape##_lt_u: f->op = gt, f->sign_flip = sign, f->swap = true; return true;         \
  case WASM_IOP_simd_##shape##_le_u: f->op = gt, f->sign_flip = sign, f->invert = true; return true;       \
  case WASM_IOP_simd_##shape##_ge_u:                                                                       \
    f->op = gt, f->sign_flip = sign, f->swap = true, f->invert = true;                                     \
    return true;
    ICMP(i8x16, VEC_PCMPEQB, VEC_PCMPGTB, 0x80808080u, 0, 0) ICMP_U(i8x16, VEC_PCMPGTB, 0x80808080u)
    ICMP(i16x8, VEC_PCMPEQW, VEC_PCMPGTW, 0x80008000u, 0, 0) ICMP_U(i16x8, VEC_PCMPGTW, 0x80008000u)
    ICMP(i32x4, VEC_PCMPEQD, VEC_PCMPGTD, 0x80000000u, 0, 0) ICMP_U(i32x4, VEC_PCMPGTD, 0x80000000u)
    ICMP(i64x2, VEC_PCMPEQQ, VEC_PCMPGTQ, 0, HAS_SSE41, HAS_SSE42)
#undef ICMP_U
#undef ICMP
  default: return false;
  }
}

static bool emit_binary(wasm_native_builder *nb, const uint32_t *ins, unsigned features) {
  binary_form f;
  if (!binary_form_of((enum wasm_iop)ins[0], &f) || (f.needs & ~features)) return false;
  if (!in_frame(nb, ins[1]) || !in_frame(nb, ins[2]) || !in_frame(nb, ins[3])) return false;
  x64_buf *b = &nb->b;
  /* acc = op(acc = the first, `second`): the second straight from its register when it has
   * one, else from the carry (moved aside before the first is loaded) or the frame; acc is the
   * result's own register unless that is the second's, or a sign flip or inversion needs more */
  uint32_t a = ins[f.swap ? 3 : 2], bv = ins[f.swap ? 2 : 3];
  int second = vector_reg(nb, bv), acc = f.sign_flip || f.invert ? XMM0 : result_xmm(nb, ins[1]);
  if (acc != XMM0 && acc == second && a != bv) acc = XMM0;
  if (second < 0 && a != bv && native_xmm0_holds_v128(nb, bv)) {
    x64_vec_rr(b, 0, VEC_MOVAP, XMM1, XMM0);
    second = XMM1;
  }
  vload(nb, acc, a);
  if (second < 0 && a == bv) second = acc;
  if (second < 0) {
    vload(nb, XMM1, bv);
    second = XMM1;
  }
  if (f.sign_flip) { /* on copies: a register's vector stays as it is */
    if (second != XMM0 && second != XMM1) {
      x64_vec_rr(b, 0, VEC_MOVAP, XMM1, second);
      second = XMM1;
    }
    splat32(nb, XMM2, f.sign_flip);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM0, XMM2);
    if (second != XMM0) x64_vec_rr(b, 0x66, VEC_PXOR, second, XMM2);
  }
  if (f.cmp_imm >= 0) x64_vec_rr_imm(b, f.prefix, f.op, acc, second, (uint8_t)f.cmp_imm);
  else x64_vec_rr(b, f.prefix, f.op, acc, second);
  if (f.invert) {
    all_ones(nb, XMM1);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM0, XMM1);
  }
  result_in(nb, ins[1], acc);
  return true;
}

/* ---- unary operations: dst a ---- */

static bool emit_unary(wasm_native_builder *nb, const uint32_t *ins, unsigned features) {
  x64_buf *b = &nb->b;
  enum wasm_iop iop = ins[0];
  uint32_t neg = 0, abs = 0, extend = 0;
  bool high = false;
  switch (iop) {
  case WASM_IOP_simd_v128_not:
  case WASM_IOP_simd_f32x4_abs:
  case WASM_IOP_simd_f64x2_abs:
  case WASM_IOP_simd_f32x4_neg:
  case WASM_IOP_simd_f64x2_neg:
  case WASM_IOP_simd_f32x4_sqrt:
  case WASM_IOP_simd_f64x2_sqrt:
  case WASM_IOP_simd_f32x4_convert_i32x4_s:
  case WASM_IOP_simd_f64x2_convert_low_i32x4_s:
  case WASM_IOP_simd_f64x2_promote_low_f32x4:
  case WASM_IOP_simd_f32x4_demote_f64x2_zero: break;
  case WASM_IOP_simd_i8x16_neg: neg = VEC_PSUBB; break;
  case WASM_IOP_simd_i16x8_neg: neg = VEC_PSUBW; break;
  case WASM_IOP_simd_i32x4_neg: neg = VEC_PSUBD; break;
  case WASM_IOP_simd_i64x2_neg: neg = VEC_PSUBQ; break;
  case WASM_IOP_simd_i8x16_abs: abs = VEC_PABSB; break;
  case WASM_IOP_simd_i16x8_abs: abs = VEC_PABSW; break;
  case WASM_IOP_simd_i32x4_abs: abs = VEC_PABSD; break;
  case WASM_IOP_simd_i16x8_extend_low_i8x16_s: extend = VEC_PMOVSXBW; break;
  case WASM_IOP_simd_i16x8_extend_high_i8x16_s: extend = VEC_PMOVSXBW, high = true; break;
  case WASM_IOP_simd_i16x8_extend_low_i8x16_u: extend = VEC_PMOVZXBW; break;
  case WASM_IOP_simd_i16x8_extend_high_i8x16_u: extend = VEC_PMOVZXBW, high = true; break;
  case WASM_IOP_simd_i32x4_extend_low_i16x8_s: extend = VEC_PMOVSXWD; break;
  case WASM_IOP_simd_i32x4_extend_high_i16x8_s: extend = VEC_PMOVSXWD, high = true; break;
  case WASM_IOP_simd_i32x4_extend_low_i16x8_u: extend = VEC_PMOVZXWD; break;
  case WASM_IOP_simd_i32x4_extend_high_i16x8_u: extend = VEC_PMOVZXWD, high = true; break;
  case WASM_IOP_simd_i64x2_extend_low_i32x4_s: extend = VEC_PMOVSXDQ; break;
  case WASM_IOP_simd_i64x2_extend_high_i32x4_s: extend = VEC_PMOVSXDQ, high = true; break;
  case WASM_IOP_simd_i64x2_extend_low_i32x4_u: extend = VEC_PMOVZXDQ; break;
  case WASM_IOP_simd_i64x2_extend_high_i32x4_u: extend = VEC_PMOVZXDQ, high = true; break;
  case WASM_IOP_simd_f32x4_ceil:
  case WASM_IOP_simd_f32x4_floor:
  case WASM_IOP_simd_f32x4_trunc:
  case WASM_IOP_simd_f32x4_nearest:
  case WASM_IOP_simd_f64x2_ceil:
  case WASM_IOP_simd_f64x2_floor:
  case WASM_IOP_simd_f64x2_trunc:
  case WASM_IOP_simd_f64x2_nearest:
    if (!(features & HAS_SSE41)) return false;
    break;
  default: return false;
  }
  if ((abs && !(features & HAS_SSSE3)) || (extend && !(features & HAS_SSE41))) return false;
  uint32_t dst = ins[1], a = ins[2];
  if (!in_frame(nb, dst) || !in_frame(nb, a)) return false;
  int acc = result_xmm(nb, dst); /* the operand is read first, into it or xmm1 */
  if (neg) {
    vload(nb, XMM1, a);
    x64_vec_rr(b, 0x66, VEC_PXOR, acc, acc);
    x64_vec_rr(b, 0x66, neg, acc, XMM1);
    result_in(nb, dst, acc);
    return true;
  }
  vload(nb, acc, a);
  if (abs) {
    x64_vec_rr(b, 0x66, abs, acc, acc);
  } else if (extend) {
    if (high) x64_vec_shift_imm(b, VEC_SHIFT_Q, VEC_SH_SRLDQ, acc, 8);
    x64_vec_rr(b, 0x66, extend, acc, acc);
  } else {
    switch (iop) {
    case WASM_IOP_simd_v128_not:
      all_ones(nb, XMM1);
      x64_vec_rr(b, 0x66, VEC_PXOR, acc, XMM1);
      break;
    /* abs and neg change the sign bits only, as the spec (NaNs included) */
    case WASM_IOP_simd_f32x4_abs:
    case WASM_IOP_simd_f64x2_abs: {
      bool f64 = iop == WASM_IOP_simd_f64x2_abs;
      all_ones(nb, XMM1);
      x64_vec_shift_imm(b, f64 ? VEC_SHIFT_Q : VEC_SHIFT_D, VEC_SH_SRL, XMM1, 1);
      x64_vec_rr(b, 0x66, VEC_PAND, acc, XMM1);
      break;
    }
    case WASM_IOP_simd_f32x4_neg:
    case WASM_IOP_simd_f64x2_neg: {
      bool f64 = iop == WASM_IOP_simd_f64x2_neg;
      all_ones(nb, XMM1);
      x64_vec_shift_imm(b, f64 ? VEC_SHIFT_Q : VEC_SHIFT_D, VEC_SH_SLL, XMM1, f64 ? 63 : 31);
      x64_vec_rr(b, 0x66, VEC_PXOR, acc, XMM1);
      break;
    }
    case WASM_IOP_simd_f32x4_sqrt: x64_vec_rr(b, 0, VEC_SQRTP, acc, acc); break;
    case WASM_IOP_simd_f64x2_sqrt: x64_vec_rr(b, 0x66, VEC_SQRTP, acc, acc); break;
    /* i32 -> f32 rounds to nearest (the default mode), i32 -> f64 and f32 -> f64 are exact,
     * f64 -> f32 rounds to nearest and zeroes the high lanes: each as the spec */
    case WASM_IOP_simd_f32x4_convert_i32x4_s: x64_vec_rr(b, 0, VEC_CVTDQ2PS, acc, acc); break;
    case WASM_IOP_simd_f64x2_convert_low_i32x4_s: x64_vec_rr(b, 0xF3, VEC_CVTDQ2PD, acc, acc); break;
    case WASM_IOP_simd_f64x2_promote_low_f32x4: x64_vec_rr(b, 0, VEC_CVTPS2PD, acc, acc); break;
    case WASM_IOP_simd_f32x4_demote_f64x2_zero: x64_vec_rr(b, 0x66, VEC_CVTPS2PD, acc, acc); break;
    /* roundps / roundpd: mode in bits 0-1 (0 nearest-even, 1 down, 2 up, 3 toward zero), bit 3
     * keeps the inexact exception quiet; a NaN comes out quieted */
    case WASM_IOP_simd_f32x4_nearest: x64_vec_rr_imm(b, 0x66, VEC_ROUNDPS, acc, acc, 8); break;
    case WASM_IOP_simd_f32x4_floor: x64_vec_rr_imm(b, 0x66, VEC_ROUNDPS, acc, acc, 9); break;
    case WASM_IOP_simd_f32x4_ceil: x64_vec_rr_imm(b, 0x66, VEC_ROUNDPS, acc, acc, 10); break;
    case WASM_IOP_simd_f32x4_trunc: x64_vec_rr_imm(b, 0x66, VEC_ROUNDPS, acc, acc, 11); break;
    case WASM_IOP_simd_f64x2_nearest: x64_vec_rr_imm(b, 0x66, VEC_ROUNDPD, acc, acc, 8); break;
    case WASM_IOP_simd_f64x2_floor: x64_vec_rr_imm(b, 0x66, VEC_ROUNDPD, acc, acc, 9); break;
    case WASM_IOP_simd_f64x2_ceil: x64_vec_rr_imm(b, 0x66, VEC_ROUNDPD, acc, acc, 10); break;
    case WASM_IOP_simd_f64x2_trunc: x64_vec_rr_imm(b, 0x66, VEC_ROUNDPD, acc, acc, 11); break;
    default: return false; /* not reached: the first switch admits only the cases above */
    }
  }
  result_in(nb, dst, acc);
  return true;
}

/* ---- tests: dst(i32) a ---- */

static bool emit_test(wasm_native_builder *nb, const uint32_t *ins, unsigned features) {
  x64_buf *b = &nb->b;
  enum wasm_iop iop = ins[0];
  uint32_t zero_lanes = 0; /* all_true: the pcmpeq that finds zero lanes */
  switch (iop) {
  case WASM_IOP_simd_v128_any_true:
  case WASM_IOP_simd_i8x16_bitmask:
  case WASM_IOP_simd_i16x8_bitmask:
  case WASM_IOP_simd_i32x4_bitmask:
  case WASM_IOP_simd_i64x2_bitmask: break;
  case WASM_IOP_simd_i8x16_all_true: zero_lanes = VEC_PCMPEQB; break;
  case WASM_IOP_simd_i16x8_all_true: zero_lanes = VEC_PCMPEQW; break;
  case WASM_IOP_simd_i32x4_all_true: zero_lanes = VEC_PCMPEQD; break;
  case WASM_IOP_simd_i64x2_all_true:
    if (!(features & HAS_SSE41)) return false;
    zero_lanes = VEC_PCMPEQQ;
    break;
  default: return false;
  }
  if (!in_frame(nb, ins[2])) return false;
  vload(nb, XMM0, ins[2]);
  if (iop == WASM_IOP_simd_v128_any_true || zero_lanes) {
    /* any_true: not every byte zero; all_true: no lane zero */
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM1, XMM1);
    x64_vec_rr(b, 0x66, zero_lanes ? zero_lanes : VEC_PCMPEQB, XMM1, XMM0);
    x64_vec_rr(b, 0x66, VEC_PMOVMSKB, RAX, XMM1);
    if (zero_lanes) {
      x64_test_rr(b, false, RAX, RAX);
      x64_setcc(b, CC_E, RAX);
    } else {
      x64_alu_imm(b, false, ALU_CMP, RAX, 0xFFFF);
      x64_setcc(b, CC_NE, RAX);
    }
    x64_movzx8_rr(b, RAX, RAX);
  } else if (iop == WASM_IOP_simd_i8x16_bitmask) {
    x64_vec_rr(b, 0x66, VEC_PMOVMSKB, RAX, XMM0);
  } else if (iop == WASM_IOP_simd_i16x8_bitmask) {
    /* signed saturation keeps each lane's sign in its byte */
    x64_vec_rr(b, 0x66, VEC_PACKSSWB, XMM0, XMM0);
    x64_vec_rr(b, 0x66, VEC_PMOVMSKB, RAX, XMM0);
    x64_movzx8_rr(b, RAX, RAX);
  } else {
    x64_vec_rr(b, iop == WASM_IOP_simd_i64x2_bitmask ? 0x66 : 0, VEC_MOVMSKP, RAX, XMM0);
  }
  x64_store64(b, slot(nb, ins[1]), RAX);
  return true;
}

/* ---- shifts: dst a count ---- */

static bool emit_shift(wasm_native_builder *nb, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  enum wasm_iop iop = ins[0];
  uint32_t by_xmm, width;
  int group, kind;
  switch (iop) {
  case WASM_IOP_simd_i16x8_shl: by_xmm = VEC_PSLLW, group = VEC_SHIFT_W, kind = VEC_SH_SLL, width = 16; break;
  case WASM_IOP_simd_i16x8_shr_s: by_xmm = VEC_PSRAW, group = VEC_SHIFT_W, kind = VEC_SH_SRA, width = 16; break;
  case WASM_IOP_simd_i16x8_shr_u: by_xmm = VEC_PSRLW, group = VEC_SHIFT_W, kind = VEC_SH_SRL, width = 16; break;
  case WASM_IOP_simd_i32x4_shl: by_xmm = VEC_PSLLD, group = VEC_SHIFT_D, kind = VEC_SH_SLL, width = 32; break;
  case WASM_IOP_simd_i32x4_shr_s: by_xmm = VEC_PSRAD, group = VEC_SHIFT_D, kind = VEC_SH_SRA, width = 32; break;
  case WASM_IOP_simd_i32x4_shr_u: by_xmm = VEC_PSRLD, group = VEC_SHIFT_D, kind = VEC_SH_SRL, width = 32; break;
  case WASM_IOP_simd_i64x2_shl: by_xmm = VEC_PSLLQ, group = VEC_SHIFT_Q, kind = VEC_SH_SLL, width = 64; break;
  case WASM_IOP_simd_i64x2_shr_u: by_xmm = VEC_PSRLQ, group = VEC_SHIFT_Q, kind = VEC_SH_SRL, width = 64; break;
  /* i8 lanes: widened to i16 (the byte in the high half for shr_s, zero-extended otherwise),
   * shifted there and packed back */
  case WASM_IOP_simd_i8x16_shl: by_xmm = VEC_PSLLW, group = VEC_SHIFT_W, kind = VEC_SH_SLL, width = 8; break;
  case WASM_IOP_simd_i8x16_shr_s: by_xmm = VEC_PSRAW, group = VEC_SHIFT_W, kind = VEC_SH_SRA, width = 8; break;
  case WASM_IOP_simd_i8x16_shr_u: by_xmm = VEC_PSRLW, group = VEC_SHIFT_W, kind = VEC_SH_SRL, width = 8; break;
  /* i64 shr_s (no SSE form): ((a >>u s) ^ m) - m with m the sign bit >>u s */
  case WASM_IOP_simd_i64x2_shr_s: by_xmm = VEC_PSRLQ, group = VEC_SHIFT_Q, kind = VEC_SH_SRL, width = 64; break;
  default: return false;
  }
  uint32_t dst = ins[1], a = ins[2];
  if (!in_frame(nb, dst) || !in_frame(nb, a)) return false;
  int acc = result_xmm(nb, dst); /* the operand is read first, into it */
  /* the count mod the lane width; i8 shr_s shifts the byte down from the high half: 8 more */
  uint32_t extra = iop == WASM_IOP_simd_i8x16_shr_s ? 8 : 0;
  uint64_t count = 0;
  bool known = const_slot(nb, ins[3], &count);
  if (!known) {
    x64_load32(b, RAX, slot(nb, ins[3]));
    x64_alu_imm(b, false, ALU_AND, RAX, (int32_t)(width - 1));
    if (extra) x64_alu_imm(b, false, ALU_ADD, RAX, (int32_t)extra);
    x64_movd_to_xmm(b, XMM3, RAX);
  }
  uint8_t n = (uint8_t)((count & (width - 1)) + extra);
#define SHIFT(xmm) (known ? x64_vec_shift_imm(b, group, kind, xmm, n) : x64_vec_rr(b, 0x66, by_xmm, xmm, XMM3))
  vload(nb, acc, a);
  if (width == 8) {
    x64_vec_rr(b, 0x66, VEC_MOVDQA, XMM1, acc);
    if (iop == WASM_IOP_simd_i8x16_shr_s) {
      x64_vec_rr(b, 0x66, VEC_PUNPCKLBW, acc, acc);
      x64_vec_rr(b, 0x66, VEC_PUNPCKHBW, XMM1, XMM1);
    } else {
      x64_vec_rr(b, 0x66, VEC_PXOR, XMM2, XMM2);
      x64_vec_rr(b, 0x66, VEC_PUNPCKLBW, acc, XMM2);
      x64_vec_rr(b, 0x66, VEC_PUNPCKHBW, XMM1, XMM2);
    }
    SHIFT(acc);
    SHIFT(XMM1);
    if (iop == WASM_IOP_simd_i8x16_shl) { /* keep each word's low byte: packing saturates */
      all_ones(nb, XMM2);
      x64_vec_shift_imm(b, VEC_SHIFT_W, VEC_SH_SRL, XMM2, 8);
      x64_vec_rr(b, 0x66, VEC_PAND, acc, XMM2);
      x64_vec_rr(b, 0x66, VEC_PAND, XMM1, XMM2);
    }
    x64_vec_rr(b, 0x66, iop == WASM_IOP_simd_i8x16_shr_s ? VEC_PACKSSWB : VEC_PACKUSWB, acc, XMM1);
  } else if (iop == WASM_IOP_simd_i64x2_shr_s) {
    splat64(nb, XMM2, 0x8000000000000000u);
    SHIFT(acc);
    SHIFT(XMM2);
    x64_vec_rr(b, 0x66, VEC_PXOR, acc, XMM2);
    x64_vec_rr(b, 0x66, VEC_PSUBQ, acc, XMM2);
  } else {
    SHIFT(acc);
  }
#undef SHIFT
  result_in(nb, dst, acc);
  return true;
}

/* ---- shuffles: shuffle dst a b lanes*4 / swizzle dst a b ---- */

static bool emit_shuffle(wasm_native_builder *nb, const uint32_t *ins, unsigned features) {
  x64_buf *b = &nb->b;
  if (!(features & HAS_SSSE3)) return false;
  uint32_t dst = ins[1], a = ins[2], bv = ins[3];
  if (!in_frame(nb, dst) || !in_frame(nb, a) || !in_frame(nb, bv)) return false;
  if (ins[0] == WASM_IOP_simd_i8x16_swizzle) {
    /* pshufb zeroes a lane whose index has bit 7 set and else takes index & 15: saturating
     * index + 0x70 sets bit 7 for every index >= 16 and leaves 0..15 in the low bits */
    vload(nb, XMM0, a);
    vload(nb, XMM1, bv);
    splat32(nb, XMM2, 0x70707070u);
    x64_vec_rr(b, 0x66, VEC_PADDUSB, XMM1, XMM2);
    x64_vec_rr(b, 0x66, VEC_PSHUFB, XMM0, XMM1);
    vresult(nb, dst);
    return true;
  }
  /* the lanes taken from a and from b, each as a pshufb mask (0x80: none); one mask when a and
   * b are the same vector */
  uint8_t lanes[16], from_a[16], from_b[16];
  memcpy(lanes, ins + 4, 16);
  bool any_a = false, any_b = false;
  for (int i = 0; i < 16; i++) {
    uint8_t l = a == bv ? lanes[i] & 15 : lanes[i] & 31;
    from_a[i] = l < 16 ? l : 0x80;
    from_b[i] = l >= 16 ? (uint8_t)(l - 16) : 0x80;
    any_a |= l < 16;
    any_b |= l >= 16;
  }
  /* an operand known to be a constant: its lanes are constant bytes or'ed in (none when zero),
   * and only the other is shuffled */
  const uint8_t *known_a = known_vector(nb, a), *known_b = known_vector(nb, bv);
  uint8_t fixed[16] = {0};
  bool any_fixed = false;
  if (a != bv && (known_a || known_b) && any_a && any_b) {
    bool a_known = known_a != NULL;
    for (int i = 0; i < 16; i++) {
      uint8_t *mask = a_known ? &from_a[i] : &from_b[i];
      if (*mask == 0x80) continue;
      fixed[i] = (a_known ? known_a : known_b)[*mask];
      any_fixed |= fixed[i] != 0;
      *mask = 0x80;
    }
    if (a_known) any_a = false;
    else any_b = false;
  }
  /* in the result's register (xmm0 when that is b's, which is read after it is written), b's
   * part in xmm1 (moved aside first when the carry has it) */
  int acc = result_xmm(nb, dst);
  bool b_aside = false;
  if (any_a && any_b) {
    int held = vector_reg(nb, bv);
    if (held < 0 && native_xmm0_holds_v128(nb, bv)) {
      x64_vec_rr(b, 0, VEC_MOVAP, XMM1, XMM0);
      b_aside = true;
    }
    if (acc == held) acc = XMM0;
  }
  if (any_a) {
    vload(nb, acc, a);
    const128(nb, XMM2, from_a);
    x64_vec_rr(b, 0x66, VEC_PSHUFB, acc, XMM2);
  }
  if (any_b) {
    int part = any_a ? XMM1 : acc;
    if (!b_aside) vload(nb, part, bv);
    const128(nb, XMM2, from_b);
    x64_vec_rr(b, 0x66, VEC_PSHUFB, part, XMM2);
    if (any_a) x64_vec_rr(b, 0x66, VEC_POR, acc, XMM1);
  }
  if (any_fixed) {
    const128(nb, XMM2, fixed);
    x64_vec_rr(b, 0x66, VEC_POR, acc, XMM2);
  }
  result_in(nb, dst, acc);
  return true;
}

/* ---- operations that take a sequence: dst a b (binary) or dst a (unary) ---- */

/* Float min / max as the spec: a NaN operand gives a NaN (here always the canonical one, which
 * the spec allows), and -0 < +0. minps / maxps alone answer their second operand for NaNs and
 * for zeros of either sign, so each runs both ways and the results are merged: for min, or-ing
 * the two keeps -0 and NaNs; for max, the xor of the two marks a discrepancy (zeros of
 * opposite signs, NaNs) that or and subtract turn into +0 or a NaN. NaN lanes (cmpunord) then
 * get their payload cleared. xmm0 = a, xmm1 = b; the result in xmm0. */
static void float_min_max(wasm_native_builder *nb, bool f64, bool max) {
  x64_buf *b = &nb->b;
  uint8_t p = f64 ? 0x66 : 0;
  uint32_t op = max ? VEC_MAXP : VEC_MINP;
  x64_vec_rr(b, p, VEC_MOVAP, XMM2, XMM1);
  x64_vec_rr(b, p, op, XMM2, XMM0);
  x64_vec_rr(b, p, op, XMM0, XMM1);
  if (max) {
    x64_vec_rr(b, p, VEC_XORP, XMM0, XMM2);
    x64_vec_rr(b, p, VEC_ORP, XMM2, XMM0);
    x64_vec_rr(b, p, VEC_SUBP, XMM2, XMM0);
    x64_vec_rr_imm(b, p, VEC_CMPP, XMM0, XMM2, 3);
  } else {
    x64_vec_rr(b, p, VEC_ORP, XMM2, XMM0);
    x64_vec_rr_imm(b, p, VEC_CMPP, XMM0, XMM2, 3);
    x64_vec_rr(b, p, VEC_ORP, XMM2, XMM0);
  }
  /* the NaN lanes' mask shifted right past sign, exponent and quiet bit: the payload bits */
  x64_vec_shift_imm(b, f64 ? VEC_SHIFT_Q : VEC_SHIFT_D, VEC_SH_SRL, XMM0, f64 ? 13 : 10);
  x64_vec_rr(b, p, VEC_ANDNP, XMM0, XMM2);
}

static bool emit_sequence(wasm_native_builder *nb, const uint32_t *ins, unsigned features) {
  x64_buf *b = &nb->b;
  enum wasm_iop iop = ins[0];
  bool binary = true;
  unsigned needs = 0;
  switch (iop) {
  case WASM_IOP_simd_i16x8_extmul_low_i8x16_s:
  case WASM_IOP_simd_i16x8_extmul_high_i8x16_s:
  case WASM_IOP_simd_i16x8_extmul_low_i8x16_u:
  case WASM_IOP_simd_i16x8_extmul_high_i8x16_u:
  case WASM_IOP_simd_i64x2_extmul_low_i32x4_s:
  case WASM_IOP_simd_i64x2_extmul_high_i32x4_s: needs = HAS_SSE41; break;
  case WASM_IOP_simd_i16x8_q15mulr_sat_s: needs = HAS_SSSE3; break;
  case WASM_IOP_simd_i32x4_trunc_sat_f32x4_u:
  case WASM_IOP_simd_i32x4_trunc_sat_f64x2_u_zero: binary = false, needs = HAS_SSE41; break;
  case WASM_IOP_simd_i32x4_extmul_low_i16x8_s:
  case WASM_IOP_simd_i32x4_extmul_high_i16x8_s:
  case WASM_IOP_simd_i32x4_extmul_low_i16x8_u:
  case WASM_IOP_simd_i32x4_extmul_high_i16x8_u:
  case WASM_IOP_simd_i64x2_extmul_low_i32x4_u:
  case WASM_IOP_simd_i64x2_extmul_high_i32x4_u:
  case WASM_IOP_simd_i64x2_mul:
  case WASM_IOP_simd_f32x4_min:
  case WASM_IOP_simd_f32x4_max:
  case WASM_IOP_simd_f64x2_min:
  case WASM_IOP_simd_f64x2_max: break;
  case WASM_IOP_simd_i16x8_extadd_pairwise_i8x16_s:
  case WASM_IOP_simd_i16x8_extadd_pairwise_i8x16_u:
  case WASM_IOP_simd_i8x16_popcnt: binary = false, needs = HAS_SSSE3; break;
  case WASM_IOP_simd_i32x4_extadd_pairwise_i16x8_s:
  case WASM_IOP_simd_i32x4_extadd_pairwise_i16x8_u:
  case WASM_IOP_simd_i64x2_abs:
  case WASM_IOP_simd_i32x4_trunc_sat_f32x4_s:
  case WASM_IOP_simd_i32x4_trunc_sat_f64x2_s_zero:
  case WASM_IOP_simd_f32x4_convert_i32x4_u:
  case WASM_IOP_simd_f64x2_convert_low_i32x4_u: binary = false; break;
  default: return false;
  }
  if ((needs & ~features) || !in_frame(nb, ins[1]) || !in_frame(nb, ins[2]) || (binary && !in_frame(nb, ins[3])))
    return false;
  vload(nb, XMM0, ins[2]);
  if (binary) vload(nb, XMM1, ins[3]);
  int result = XMM0;
  switch (iop) {
  /* widening multiplies: i8 lanes extended to i16 (the product fits), i16 products from their
   * low and high halves, i32 products of lanes 0 and 2 after spreading the half taken */
  case WASM_IOP_simd_i16x8_extmul_low_i8x16_s:
  case WASM_IOP_simd_i16x8_extmul_high_i8x16_s:
  case WASM_IOP_simd_i16x8_extmul_low_i8x16_u:
  case WASM_IOP_simd_i16x8_extmul_high_i8x16_u: {
    bool high = iop == WASM_IOP_simd_i16x8_extmul_high_i8x16_s || iop == WASM_IOP_simd_i16x8_extmul_high_i8x16_u;
    bool is_signed = iop == WASM_IOP_simd_i16x8_extmul_low_i8x16_s || iop == WASM_IOP_simd_i16x8_extmul_high_i8x16_s;
    uint32_t extend = is_signed ? VEC_PMOVSXBW : VEC_PMOVZXBW;
    if (high) {
      x64_vec_shift_imm(b, VEC_SHIFT_Q, VEC_SH_SRLDQ, XMM0, 8);
      x64_vec_shift_imm(b, VEC_SHIFT_Q, VEC_SH_SRLDQ, XMM1, 8);
    }
    x64_vec_rr(b, 0x66, extend, XMM0, XMM0);
    x64_vec_rr(b, 0x66, extend, XMM1, XMM1);
    x64_vec_rr(b, 0x66, VEC_PMULLW, XMM0, XMM1);
    break;
  }
  case WASM_IOP_simd_i32x4_extmul_low_i16x8_s:
  case WASM_IOP_simd_i32x4_extmul_high_i16x8_s:
  case WASM_IOP_simd_i32x4_extmul_low_i16x8_u:
  case WASM_IOP_simd_i32x4_extmul_high_i16x8_u: {
    bool high = iop == WASM_IOP_simd_i32x4_extmul_high_i16x8_s || iop == WASM_IOP_simd_i32x4_extmul_high_i16x8_u;
    bool is_signed = iop == WASM_IOP_simd_i32x4_extmul_low_i16x8_s || iop == WASM_IOP_simd_i32x4_extmul_high_i16x8_s;
    x64_vec_rr(b, 0x66, VEC_MOVDQA, XMM2, XMM0);
    x64_vec_rr(b, 0x66, VEC_PMULLW, XMM2, XMM1);
    x64_vec_rr(b, 0x66, is_signed ? VEC_PMULHW : VEC_PMULHUW, XMM0, XMM1);
    x64_vec_rr(b, 0x66, high ? VEC_PUNPCKHWD : VEC_PUNPCKLWD, XMM2, XMM0);
    result = XMM2;
    break;
  }
  case WASM_IOP_simd_i64x2_extmul_low_i32x4_s:
  case WASM_IOP_simd_i64x2_extmul_high_i32x4_s:
  case WASM_IOP_simd_i64x2_extmul_low_i32x4_u:
  case WASM_IOP_simd_i64x2_extmul_high_i32x4_u: {
    bool high = iop == WASM_IOP_simd_i64x2_extmul_high_i32x4_s || iop == WASM_IOP_simd_i64x2_extmul_high_i32x4_u;
    bool is_signed = iop == WASM_IOP_simd_i64x2_extmul_low_i32x4_s || iop == WASM_IOP_simd_i64x2_extmul_high_i32x4_s;
    uint8_t spread = high ? 0xFA : 0x50; /* lanes 2,2,3,3 or 0,0,1,1 */
    x64_vec_rr_imm(b, 0x66, VEC_PSHUFD, XMM0, XMM0, spread);
    x64_vec_rr_imm(b, 0x66, VEC_PSHUFD, XMM1, XMM1, spread);
    x64_vec_rr(b, 0x66, is_signed ? VEC_PMULDQ : VEC_PMULUDQ, XMM0, XMM1);
    break;
  }
  case WASM_IOP_simd_i64x2_mul: /* lo*lo + ((hi_a*lo_b + lo_a*hi_b) << 32), each 32x32->64 */
    x64_vec_rr(b, 0x66, VEC_MOVDQA, XMM2, XMM0);
    x64_vec_shift_imm(b, VEC_SHIFT_Q, VEC_SH_SRL, XMM2, 32);
    x64_vec_rr(b, 0x66, VEC_PMULUDQ, XMM2, XMM1);
    x64_vec_rr(b, 0x66, VEC_MOVDQA, XMM3, XMM1);
    x64_vec_shift_imm(b, VEC_SHIFT_Q, VEC_SH_SRL, XMM3, 32);
    x64_vec_rr(b, 0x66, VEC_PMULUDQ, XMM3, XMM0);
    x64_vec_rr(b, 0x66, VEC_PADDQ, XMM2, XMM3);
    x64_vec_shift_imm(b, VEC_SHIFT_Q, VEC_SH_SLL, XMM2, 32);
    x64_vec_rr(b, 0x66, VEC_PMULUDQ, XMM0, XMM1);
    x64_vec_rr(b, 0x66, VEC_PADDQ, XMM0, XMM2);
    break;
  case WASM_IOP_simd_i16x8_q15mulr_sat_s:
    /* pmulhrsw rounds as the spec; only -32768 * -32768 wraps to 0x8000 where the spec saturates */
    x64_vec_rr(b, 0x66, VEC_PMULHRSW, XMM0, XMM1);
    splat32(nb, XMM2, 0x80008000u);
    x64_vec_rr(b, 0x66, VEC_PCMPEQW, XMM2, XMM0);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM0, XMM2);
    break;
  case WASM_IOP_simd_f32x4_min: float_min_max(nb, false, false); break;
  case WASM_IOP_simd_f32x4_max: float_min_max(nb, false, true); break;
  case WASM_IOP_simd_f64x2_min: float_min_max(nb, true, false); break;
  case WASM_IOP_simd_f64x2_max: float_min_max(nb, true, true); break;
  /* pairwise sums as multiply-adds by 1 (pmaddubsw: unsigned bytes times signed ones or ones
   * times signed bytes; no sum saturates) */
  case WASM_IOP_simd_i16x8_extadd_pairwise_i8x16_s:
    splat32(nb, XMM1, 0x01010101u);
    x64_vec_rr(b, 0x66, VEC_PMADDUBSW, XMM1, XMM0);
    result = XMM1;
    break;
  case WASM_IOP_simd_i16x8_extadd_pairwise_i8x16_u:
    splat32(nb, XMM1, 0x01010101u);
    x64_vec_rr(b, 0x66, VEC_PMADDUBSW, XMM0, XMM1);
    break;
  case WASM_IOP_simd_i32x4_extadd_pairwise_i16x8_s:
    splat32(nb, XMM1, 0x00010001u);
    x64_vec_rr(b, 0x66, VEC_PMADDWD, XMM0, XMM1);
    break;
  case WASM_IOP_simd_i32x4_extadd_pairwise_i16x8_u: /* as signed (x - 32768), then 65536 back */
    splat32(nb, XMM1, 0x80008000u);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM0, XMM1);
    splat32(nb, XMM1, 0x00010001u);
    x64_vec_rr(b, 0x66, VEC_PMADDWD, XMM0, XMM1);
    splat32(nb, XMM1, 0x00010000u);
    x64_vec_rr(b, 0x66, VEC_PADDD, XMM0, XMM1);
    break;
  case WASM_IOP_simd_i8x16_popcnt: { /* each nibble's count looked up with pshufb */
    static const uint8_t nibble_counts[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    splat32(nb, XMM3, 0x0F0F0F0Fu);
    x64_vec_rr(b, 0x66, VEC_MOVDQA, XMM1, XMM0);
    x64_vec_shift_imm(b, VEC_SHIFT_W, VEC_SH_SRL, XMM1, 4);
    x64_vec_rr(b, 0x66, VEC_PAND, XMM1, XMM3);
    x64_vec_rr(b, 0x66, VEC_PAND, XMM0, XMM3);
    const128(nb, XMM2, nibble_counts);
    x64_vec_rr(b, 0x66, VEC_MOVDQA, XMM3, XMM2);
    x64_vec_rr(b, 0x66, VEC_PSHUFB, XMM2, XMM0);
    x64_vec_rr(b, 0x66, VEC_PSHUFB, XMM3, XMM1);
    x64_vec_rr(b, 0x66, VEC_PADDB, XMM2, XMM3);
    result = XMM2;
    break;
  }
  case WASM_IOP_simd_i64x2_abs: /* (a ^ s) - s with s each lane's sign spread over it */
    x64_vec_rr(b, 0x66, VEC_MOVDQA, XMM1, XMM0);
    x64_vec_shift_imm(b, VEC_SHIFT_D, VEC_SH_SRA, XMM1, 31);
    x64_vec_rr_imm(b, 0x66, VEC_PSHUFD, XMM1, XMM1, 0xF5);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM0, XMM1);
    x64_vec_rr(b, 0x66, VEC_PSUBQ, XMM0, XMM1);
    break;
  case WASM_IOP_simd_i32x4_trunc_sat_f32x4_s:
    /* NaN lanes zeroed first; cvttps2dq answers 0x80000000 out of range, which stays for
     * negative overflow and becomes 0x7FFFFFFF where the input was not negative */
    x64_vec_rr(b, 0, VEC_MOVAP, XMM1, XMM0);
    x64_vec_rr_imm(b, 0, VEC_CMPP, XMM1, XMM1, 0);
    x64_vec_rr(b, 0x66, VEC_PAND, XMM0, XMM1);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM1, XMM0); /* sign bit set where the input is >= 0 */
    x64_vec_rr(b, 0xF3, VEC_CVTTPS2DQ, XMM0, XMM0);
    x64_vec_rr(b, 0x66, VEC_PAND, XMM1, XMM0);
    x64_vec_shift_imm(b, VEC_SHIFT_D, VEC_SH_SRA, XMM1, 31);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM0, XMM1);
    break;
  case WASM_IOP_simd_i32x4_trunc_sat_f64x2_s_zero:
    /* clamped above to INT32_MAX (NaN lanes to 0: minpd answers its second operand for a NaN);
     * below, cvttpd2dq's 0x80000000 is INT32_MIN; the high lanes come out zero */
    x64_vec_rr(b, 0x66, VEC_MOVAP, XMM1, XMM0);
    x64_vec_rr_imm(b, 0x66, VEC_CMPP, XMM1, XMM1, 0);
    splat64(nb, XMM2, 0x41DFFFFFFFC00000u); /* 2147483647.0 */
    x64_vec_rr(b, 0x66, VEC_ANDP, XMM1, XMM2);
    x64_vec_rr(b, 0x66, VEC_MINP, XMM0, XMM1);
    x64_vec_rr(b, 0x66, VEC_CVTTPD2DQ, XMM0, XMM0);
    break;
  case WASM_IOP_simd_i32x4_trunc_sat_f32x4_u:
    /* NaN and negative lanes to 0 (maxps answers its second operand, +0, for a NaN or -0);
     * lanes below 2^31 convert directly; above, cvttps2dq answers 0x80000000, to which the
     * conversion of x - 2^31 (exact) is added, or 0x7FFFFFFF where x - 2^31 >= 2^31 */
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM1, XMM1);
    x64_vec_rr(b, 0, VEC_MAXP, XMM0, XMM1);
    splat32(nb, XMM1, 0x4F000000u); /* 2^31 */
    x64_vec_rr(b, 0, VEC_MOVAP, XMM2, XMM0);
    x64_vec_rr(b, 0, VEC_SUBP, XMM2, XMM1);
    x64_vec_rr_imm(b, 0, VEC_CMPP, XMM1, XMM2, 2); /* 2^31 <= x - 2^31 */
    x64_vec_rr(b, 0xF3, VEC_CVTTPS2DQ, XMM2, XMM2);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM2, XMM1);
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM1, XMM1);
    x64_vec_rr(b, 0x66, VEC_PMAXSD, XMM2, XMM1);
    x64_vec_rr(b, 0xF3, VEC_CVTTPS2DQ, XMM0, XMM0);
    x64_vec_rr(b, 0x66, VEC_PADDD, XMM0, XMM2);
    break;
  case WASM_IOP_simd_i32x4_trunc_sat_f64x2_u_zero:
    /* clamped to [0, UINT32_MAX] (NaN to 0), truncated, then 2^52 added: the integer is then
     * the low 32 bits of each double, which shufps gathers into lanes 0-1 over zeros */
    x64_vec_rr(b, 0x66, VEC_PXOR, XMM1, XMM1);
    x64_vec_rr(b, 0x66, VEC_MAXP, XMM0, XMM1);
    splat64(nb, XMM2, 0x41EFFFFFFFE00000u); /* 4294967295.0 */
    x64_vec_rr(b, 0x66, VEC_MINP, XMM0, XMM2);
    x64_vec_rr_imm(b, 0x66, VEC_ROUNDPD, XMM0, XMM0, 11);
    splat64(nb, XMM2, 0x4330000000000000u); /* 2^52 */
    x64_vec_rr(b, 0x66, VEC_ADDP, XMM0, XMM2);
    x64_vec_rr_imm(b, 0, VEC_SHUFP, XMM0, XMM1, 0x88);
    break;
  case WASM_IOP_simd_f32x4_convert_i32x4_u:
    /* low 16 bits and the rest converted exactly (the rest halved to fit a signed lane, then
     * doubled), so the one rounding is the final add's */
    splat32(nb, XMM1, 0x0000FFFFu);
    x64_vec_rr(b, 0x66, VEC_PAND, XMM1, XMM0);
    x64_vec_rr(b, 0x66, VEC_PSUBD, XMM0, XMM1);
    x64_vec_rr(b, 0, VEC_CVTDQ2PS, XMM1, XMM1);
    x64_vec_shift_imm(b, VEC_SHIFT_D, VEC_SH_SRL, XMM0, 1);
    x64_vec_rr(b, 0, VEC_CVTDQ2PS, XMM0, XMM0);
    x64_vec_rr(b, 0, VEC_ADDP, XMM0, XMM0);
    x64_vec_rr(b, 0, VEC_ADDP, XMM0, XMM1);
    break;
  case WASM_IOP_simd_f64x2_convert_low_i32x4_u: /* the double 2^52 + x, built from bits, less 2^52 */
    splat32(nb, XMM1, 0x43300000u);
    x64_vec_rr(b, 0x66, VEC_PUNPCKLDQ, XMM0, XMM1);
    splat64(nb, XMM1, 0x4330000000000000u);
    x64_vec_rr(b, 0x66, VEC_SUBP, XMM0, XMM1);
    break;
  default: return false; /* not reached: the first switch admits only the cases above */
  }
  vstore(nb, ins[1], result);
  return true;
}

bool native_emit_simd_op(wasm_native_builder *nb, uint32_t pc) {
  unsigned features = simd_features();
  if (!(features & SIMD_ON)) return false;
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  switch ((enum wasm_iop)ins[0]) {
  /* Vectors move in one 16-byte access: a vector written as two 8-byte halves and then read
   * whole (by the next template) would wait for both stores to reach the cache. */
  case WASM_IOP_const128:
  case WASM_IOP_simd_v128_const: {
    if (!in_frame(nb, ins[1])) return false;
    uint8_t bytes[16];
    memcpy(bytes, ins + 2, 16);
    int acc = result_xmm(nb, ins[1]);
    const128(nb, acc, bytes);
    result_in(nb, ins[1], acc);
    remember_known_vector(nb, ins[1], bytes);
    return true;
  }
  case WASM_IOP_copy2: /* dst src, a v128 */
    if (no_general_register(nb, ins[1]) && no_general_register(nb, ins[2])) {
      int acc = result_xmm(nb, ins[1]);
      vload(nb, acc, ins[2]);
      result_in(nb, ins[1], acc);
      return true;
    }
    /* a general register holds a half of one of them (an operand-stack slot that is a scalar
     * elsewhere): through rax and rcx, the other side from its xmm register or the frame */
    if (no_general_register(nb, ins[2])) {
      vload(nb, XMM0, ins[2]);
      x64_movq_from_xmm(b, RAX, XMM0);
      x64_vec_rr_imm(b, 0x66, VEC_PSHUFD, XMM0, XMM0, 0xEE);
      x64_movq_from_xmm(b, RCX, XMM0);
    } else {
      x64_load64(b, RAX, slot(nb, ins[2]));
      x64_load64(b, RCX, slot(nb, ins[2] + 1));
    }
    if (no_general_register(nb, ins[1])) {
      x64_movq_to_xmm(b, XMM0, RAX);
      x64_movq_to_xmm(b, XMM1, RCX);
      x64_vec_rr(b, 0x66, VEC_PUNPCKLQDQ, XMM0, XMM1);
      vresult(nb, ins[1]);
    } else {
      x64_store64(b, slot(nb, ins[1]), RAX);
      x64_store64(b, slot(nb, ins[1] + 1), RCX);
    }
    return true;
  case WASM_IOP_global_get2: /* dst global */
  case WASM_IOP_global_set2: { /* global src */
    bool get = ins[0] == WASM_IOP_global_get2;
    uint32_t vec = get ? ins[1] : ins[2], global = get ? ins[2] : ins[1];
    if (!in_frame(nb, vec)) return false;
    x64_load64(b, RAX, CX(globals));
    x64_load64(b, RAX, x64_at(RAX, (int32_t)(global * 8)));
    x64_mem value = x64_at(RAX, (int32_t)offsetof(wasm_global, value));
    if (get) {
      x64_movdqu_load(b, XMM0, value);
      vresult(nb, vec);
    } else {
      vload(nb, XMM0, vec);
      x64_movdqu_store(b, value, XMM0);
    }
    return true;
  }
  case WASM_IOP_select2: { /* dst a b cond */
    if (!in_frame(nb, ins[1]) || !in_frame(nb, ins[2]) || !in_frame(nb, ins[3])) return false;
    vload(nb, XMM0, ins[2]);
    vload(nb, XMM1, ins[3]);
    x64_load32(b, RCX, slot(nb, ins[4]));
    x64_test_rr(b, false, RCX, RCX);
    size_t keep = x64_jcc8(b, CC_NE);
    x64_vec_rr(b, 0, VEC_MOVAP, XMM0, XMM1);
    x64_land8(b, keep);
    vresult(nb, ins[1]);
    return true;
  }
  case WASM_IOP_simd_v128_store: { /* from the vector's register when it has one */
    if (!in_frame(nb, ins[2])) return false;
    int held = vector_held(nb, ins[2]);
    if (held < 0) vload(nb, held = XMM0, ins[2]);
    x64_movdqu_store(b, address(nb, ins[1], ins[3]), held);
    return true;
  }
  case WASM_IOP_simd_v128_bitselect: { /* dst v1 v2 c: (v1 & c) | (v2 & ~c) */
    if (!in_frame(nb, ins[1]) || !in_frame(nb, ins[2]) || !in_frame(nb, ins[3]) || !in_frame(nb, ins[4]))
      return false;
    /* the mask copied to xmm2 first (pandn writes it), v2 from its register, v1 into the
     * result's (unless that is v2's, read after it is written, even when v1 is v2) */
    uint32_t v1 = ins[2], v2 = ins[3];
    int acc = result_xmm(nb, ins[1]), second = vector_reg(nb, v2);
    if (acc == second) acc = XMM0;
    vload(nb, XMM2, ins[4]);
    if (second < 0) vload(nb, second = XMM1, v2);
    vload(nb, acc, v1);
    x64_vec_rr(b, 0x66, VEC_PAND, acc, XMM2);
    x64_vec_rr(b, 0x66, VEC_PANDN, XMM2, second);
    x64_vec_rr(b, 0x66, VEC_POR, acc, XMM2);
    result_in(nb, ins[1], acc);
    return true;
  }
  case WASM_IOP_simd_i8x16_shuffle:
  case WASM_IOP_simd_i8x16_swizzle: return emit_shuffle(nb, ins, features);
  default: break;
  }
  return emit_load(nb, ins, features) || emit_lane_access(nb, ins) || emit_lane_op(nb, ins) || emit_binary(nb, ins, features) ||
         emit_unary(nb, ins, features) || emit_test(nb, ins, features) || emit_shift(nb, ins) ||
         emit_sequence(nb, ins, features);
}

/* The extensions the templates use, which a stored translation must have been made for. */
uint32_t native_simd_target(void) { return simd_features(); }

#endif
