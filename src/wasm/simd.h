/* Semantics of every fixed-width SIMD instruction in simd_ops.def, as one inline function
 * `wasm_simd_<name>` per table row. The signature follows from the row's shape:
 *
 *   SIMD_UNARY        wasm_v128 f(wasm_v128 a)
 *   SIMD_BINARY       wasm_v128 f(wasm_v128 a, wasm_v128 b)
 *   SIMD_TERNARY      wasm_v128 f(wasm_v128 a, wasm_v128 b, wasm_v128 c)
 *   SIMD_TEST         uint32_t  f(wasm_v128 a)
 *   SIMD_SHIFT        wasm_v128 f(wasm_v128 a, uint32_t count)        count is taken mod the lane width
 *   SIMD_SPLAT_I32/F32 wasm_v128 f(uint32_t bits)
 *   SIMD_SPLAT_I64/F64 wasm_v128 f(uint64_t bits)
 *   SIMD_EXTRACT_I32/F32 uint32_t f(wasm_v128 a, unsigned lane)   i8/i16 lanes come sign- or zero-extended
 *   SIMD_EXTRACT_I64/F64 uint64_t f(wasm_v128 a, unsigned lane)
 *   SIMD_REPLACE_I32/F32 wasm_v128 f(wasm_v128 a, unsigned lane, uint32_t bits)  i8/i16 take the low bits
 *   SIMD_REPLACE_I64/F64 wasm_v128 f(wasm_v128 a, unsigned lane, uint64_t bits)
 *   SIMD_LOAD         wasm_v128 f(const uint8_t *p)
 *   SIMD_LOAD_LANE    wasm_v128 f(wasm_v128 a, const uint8_t *p, unsigned lane)
 *   SIMD_STORE        void f(uint8_t *p, wasm_v128 a)
 *   SIMD_STORE_LANE   void f(uint8_t *p, wasm_v128 a, unsigned lane)
 *   SIMD_CONST        wasm_v128 wasm_simd_v128_const(const uint8_t bytes[16])
 *   SIMD_SHUFFLE      wasm_v128 wasm_simd_i8x16_shuffle(wasm_v128 a, wasm_v128 b, const uint8_t lanes[16])
 *
 * `p` is the effective address in linear memory: any alignment, bounds already checked by the
 * caller. Lane indices are validated by the validator; they are masked here anyway so that an
 * unvalidated caller cannot index outside the vector. Floats cross the API as raw bits so that
 * NaN payloads survive; operations that the spec defines on bits or as selects (abs, neg, pmin,
 * pmax, lane moves) return an input's bits unchanged, signalling NaNs included.
 *
 * NaN results follow the spec: an operation whose NaN inputs are all canonical returns a
 * canonical NaN, otherwise an arithmetic (quiet) NaN. Hardware IEEE arithmetic already does that
 * (it quiets the input NaN or makes the default NaN), and min/max/rounding quiet an input NaN
 * explicitly. */
#ifndef WARREN_WASM_SIMD_H
#define WARREN_WASM_SIMD_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef union wasm_v128 {
  uint8_t u8[16];
  int8_t i8[16];
  uint16_t u16[8];
  int16_t i16[8];
  uint32_t u32[4];
  int32_t i32[4];
  uint64_t u64[2];
  int64_t i64[2];
  float f32[4];
  double f64[2];
} wasm_v128;

/* Lane i of every view is bytes [i*w, (i+1)*w) of the vector, as in Wasm's little-endian layout. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "wasm_v128 lane order assumes a little-endian host");
_Static_assert(sizeof(wasm_v128) == 16, "wasm_v128 must be 16 bytes");
/* Float lanes must round to their own precision after every operation (no x87 excess precision). */
#if FLT_EVAL_METHOD != 0
#error "SIMD float semantics need FLT_EVAL_METHOD == 0 (SSE2 or NEON floating point)"
#endif

#define WASM_SIMD_F32_QUIET 0x00400000u
#define WASM_SIMD_F64_QUIET 0x0008000000000000ull
#define WASM_SIMD_F32_SIGN 0x80000000u
#define WASM_SIMD_F64_SIGN 0x8000000000000000ull

/* ---- Lane-wise building blocks ------------------------------------------------------------
 * Each macro defines one wasm_simd_<name> that applies an expression to every lane. `field` is
 * the union view; the lane values are `x` (and `y`) of C type `type`. Integer expressions are
 * written over unsigned types so that wrapping is defined. */

#define WASM_SIMD_LANES(v, field) (sizeof((v).field) / sizeof((v).field[0]))

#define WASM_SIMD_UNARY_LANES(name, field, type, expr)                                     \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a) {                                  \
    wasm_v128 r;                                                                           \
    for (unsigned i = 0; i < WASM_SIMD_LANES(a, field); i++) {                             \
      type x = a.field[i];                                                                 \
      r.field[i] = (expr);                                                                 \
    }                                                                                      \
    return r;                                                                              \
  }

#define WASM_SIMD_BINARY_LANES(name, field, type, expr)                                    \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a, wasm_v128 b) {                     \
    wasm_v128 r;                                                                           \
    for (unsigned i = 0; i < WASM_SIMD_LANES(a, field); i++) {                             \
      type x = a.field[i], y = b.field[i];                                                 \
      r.field[i] = (expr);                                                                 \
    }                                                                                      \
    return r;                                                                              \
  }

/* Comparisons yield lanes of the same width that are all ones (`ones`, through the unsigned
 * view `out`) or all zeros. */
#define WASM_SIMD_COMPARE_LANES(name, field, type, out, ones, cond)                        \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a, wasm_v128 b) {                     \
    wasm_v128 r;                                                                           \
    for (unsigned i = 0; i < WASM_SIMD_LANES(a, field); i++) {                             \
      type x = a.field[i], y = b.field[i];                                                 \
      r.out[i] = (cond) ? (ones) : 0;                                                      \
    }                                                                                      \
    return r;                                                                              \
  }

#define WASM_SIMD_SHIFT_LANES(name, field, type, expr)                                     \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a, uint32_t count) {                  \
    wasm_v128 r;                                                                           \
    unsigned s = count & (8 * sizeof(a.field[0]) - 1);                                     \
    for (unsigned i = 0; i < WASM_SIMD_LANES(a, field); i++) {                             \
      type x = a.field[i];                                                                 \
      r.field[i] = (expr);                                                                 \
    }                                                                                      \
    return r;                                                                              \
  }

/* Widens lanes [offset, offset + lanes of out) of `in` into `out` (extend_low/high). */
#define WASM_SIMD_EXTEND_LANES(name, out, in, offset)                                      \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a) {                                  \
    wasm_v128 r;                                                                           \
    for (unsigned i = 0; i < WASM_SIMD_LANES(r, out); i++) r.out[i] = a.in[(offset) + i];  \
    return r;                                                                              \
  }

/* Widening multiply of lanes [offset, ...) of both inputs; `type` holds the exact product. */
#define WASM_SIMD_EXTMUL_LANES(name, out, type, in, offset)                                \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a, wasm_v128 b) {                     \
    wasm_v128 r;                                                                           \
    for (unsigned i = 0; i < WASM_SIMD_LANES(r, out); i++)                                 \
      r.out[i] = (type)a.in[(offset) + i] * (type)b.in[(offset) + i];                      \
    return r;                                                                              \
  }

/* Adds neighbouring lane pairs of `in` into lanes of twice the width. */
#define WASM_SIMD_EXTADD_PAIRWISE_LANES(name, out, type, in)                               \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a) {                                  \
    wasm_v128 r;                                                                           \
    for (unsigned i = 0; i < WASM_SIMD_LANES(r, out); i++)                                 \
      r.out[i] = (type)a.in[2 * i] + (type)a.in[2 * i + 1];                                \
    return r;                                                                              \
  }

/* 1 when every lane of `field` is non-zero, else 0. */
#define WASM_SIMD_ALL_TRUE(name, field)                                                    \
  static inline uint32_t wasm_simd_##name(wasm_v128 a) {                                   \
    for (unsigned i = 0; i < WASM_SIMD_LANES(a, field); i++)                               \
      if (a.field[i] == 0) return 0;                                                       \
    return 1;                                                                              \
  }

/* Bit i of the result is the sign bit of lane i. */
#define WASM_SIMD_BITMASK(name, field, lane_bits)                                          \
  static inline uint32_t wasm_simd_##name(wasm_v128 a) {                                   \
    uint32_t mask = 0;                                                                     \
    for (unsigned i = 0; i < WASM_SIMD_LANES(a, field); i++)                               \
      mask |= (uint32_t)(a.field[i] >> ((lane_bits) - 1)) << i;                            \
    return mask;                                                                           \
  }

/* Narrows the lanes of a (low half) then b (high half), saturating into [lo, hi]. */
#define WASM_SIMD_NARROW_LANES(name, out, in, lo, hi)                                      \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a, wasm_v128 b) {                     \
    wasm_v128 r;                                                                           \
    const unsigned half = WASM_SIMD_LANES(a, in);                                          \
    for (unsigned i = 0; i < half; i++) {                                                  \
      r.out[i] = wasm_simd_clamp(a.in[i], lo, hi);                                         \
      r.out[half + i] = wasm_simd_clamp(b.in[i], lo, hi);                                  \
    }                                                                                      \
    return r;                                                                              \
  }

/* ---- SSE2 fast paths -----------------------------------------------------------------------
 * Where one SSE2 instruction computes exactly the Wasm result, the *_SSE2 macros below define the
 * function with it; otherwise (other hosts, or -DWASM_SIMD_PORTABLE to test the portable code)
 * they fall back to the lane-wise definition given alongside. `kind` is the register view:
 * si128, ps (f32 lanes) or pd (f64 lanes). SSE float arithmetic quiets and propagates a NaN
 * operand exactly like the scalar C code, so both paths give identical bits. */
#if defined(__SSE2__) && !defined(WASM_SIMD_PORTABLE)
#include <emmintrin.h>
#define WASM_SIMD_SSE2 1

static inline __m128i wasm_simd_to_si128(wasm_v128 v) { return _mm_loadu_si128((const __m128i *)(const void *)&v); }
static inline __m128 wasm_simd_to_ps(wasm_v128 v) { return _mm_loadu_ps(v.f32); }
static inline __m128d wasm_simd_to_pd(wasm_v128 v) { return _mm_loadu_pd(v.f64); }
static inline wasm_v128 wasm_simd_from_si128(__m128i x) {
  wasm_v128 v;
  _mm_storeu_si128((__m128i *)(void *)&v, x);
  return v;
}
static inline wasm_v128 wasm_simd_from_ps(__m128 x) {
  wasm_v128 v;
  _mm_storeu_ps(v.f32, x);
  return v;
}
static inline wasm_v128 wasm_simd_from_pd(__m128d x) {
  wasm_v128 v;
  _mm_storeu_pd(v.f64, x);
  return v;
}
/* Operand orders that differ from Wasm's: andnot(a, b) = a & ~b; pmin = b < a ? b : a is
 * MINPS(b, a); pmax = a < b ? b : a is MAXPS(b, a). */
static inline __m128i wasm_simd_sse2_andnot(__m128i a, __m128i b) { return _mm_andnot_si128(b, a); }
static inline __m128 wasm_simd_sse2_pmin_ps(__m128 a, __m128 b) { return _mm_min_ps(b, a); }
static inline __m128 wasm_simd_sse2_pmax_ps(__m128 a, __m128 b) { return _mm_max_ps(b, a); }
static inline __m128d wasm_simd_sse2_pmin_pd(__m128d a, __m128d b) { return _mm_min_pd(b, a); }
static inline __m128d wasm_simd_sse2_pmax_pd(__m128d a, __m128d b) { return _mm_max_pd(b, a); }

#define WASM_SIMD_UNARY_SSE2(name, kind, intrinsic, field, type, expr)                     \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a) {                                  \
    return wasm_simd_from_##kind(intrinsic(wasm_simd_to_##kind(a)));                       \
  }
#define WASM_SIMD_BINARY_SSE2(name, kind, intrinsic, field, type, expr)                    \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a, wasm_v128 b) {                     \
    return wasm_simd_from_##kind(intrinsic(wasm_simd_to_##kind(a), wasm_simd_to_##kind(b))); \
  }
#define WASM_SIMD_COMPARE_SSE2(name, kind, intrinsic, field, type, out, ones, cond)        \
  WASM_SIMD_BINARY_SSE2(name, kind, intrinsic, field, type, cond)
/* The count goes in the low 64 bits of an xmm register; lanes shift by it as a whole. */
#define WASM_SIMD_SHIFT_SSE2(name, intrinsic, field, type, expr)                           \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a, uint32_t count) {                  \
    __m128i s = _mm_cvtsi32_si128((int)(count & (8 * sizeof(a.field[0]) - 1)));            \
    return wasm_simd_from_si128(intrinsic(wasm_simd_to_si128(a), s));                      \
  }
#else
#define WASM_SIMD_SSE2 0
#define WASM_SIMD_UNARY_SSE2(name, kind, intrinsic, field, type, expr) WASM_SIMD_UNARY_LANES(name, field, type, expr)
#define WASM_SIMD_BINARY_SSE2(name, kind, intrinsic, field, type, expr) WASM_SIMD_BINARY_LANES(name, field, type, expr)
#define WASM_SIMD_COMPARE_SSE2(name, kind, intrinsic, field, type, out, ones, cond)        \
  WASM_SIMD_COMPARE_LANES(name, field, type, out, ones, cond)
#define WASM_SIMD_SHIFT_SSE2(name, intrinsic, field, type, expr) WASM_SIMD_SHIFT_LANES(name, field, type, expr)
#endif

/* ---- Scalar helpers ------------------------------------------------------------------------ */

static inline int32_t wasm_simd_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static inline float wasm_simd_f32_from_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}
static inline uint32_t wasm_simd_f32_to_bits(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return bits;
}
static inline double wasm_simd_f64_from_bits(uint64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}
static inline uint64_t wasm_simd_f64_to_bits(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return bits;
}
static inline int wasm_simd_f32_is_nan(uint32_t bits) { return (bits & ~WASM_SIMD_F32_SIGN) > 0x7F800000u; }
static inline int wasm_simd_f64_is_nan(uint64_t bits) {
  return (bits & ~WASM_SIMD_F64_SIGN) > 0x7FF0000000000000ull;
}

/* min/max: a NaN operand wins (quieted, so a canonical input stays canonical); -0 < +0. Equal
 * operands can only differ in the sign of zero, where OR picks -0 and AND picks +0. */
static inline uint32_t wasm_simd_f32_min_bits(uint32_t a, uint32_t b) {
  if (wasm_simd_f32_is_nan(a)) return a | WASM_SIMD_F32_QUIET;
  if (wasm_simd_f32_is_nan(b)) return b | WASM_SIMD_F32_QUIET;
  float x = wasm_simd_f32_from_bits(a), y = wasm_simd_f32_from_bits(b);
  return x == y ? (a | b) : x < y ? a : b;
}
static inline uint32_t wasm_simd_f32_max_bits(uint32_t a, uint32_t b) {
  if (wasm_simd_f32_is_nan(a)) return a | WASM_SIMD_F32_QUIET;
  if (wasm_simd_f32_is_nan(b)) return b | WASM_SIMD_F32_QUIET;
  float x = wasm_simd_f32_from_bits(a), y = wasm_simd_f32_from_bits(b);
  return x == y ? (a & b) : x > y ? a : b;
}
static inline uint64_t wasm_simd_f64_min_bits(uint64_t a, uint64_t b) {
  if (wasm_simd_f64_is_nan(a)) return a | WASM_SIMD_F64_QUIET;
  if (wasm_simd_f64_is_nan(b)) return b | WASM_SIMD_F64_QUIET;
  double x = wasm_simd_f64_from_bits(a), y = wasm_simd_f64_from_bits(b);
  return x == y ? (a | b) : x < y ? a : b;
}
static inline uint64_t wasm_simd_f64_max_bits(uint64_t a, uint64_t b) {
  if (wasm_simd_f64_is_nan(a)) return a | WASM_SIMD_F64_QUIET;
  if (wasm_simd_f64_is_nan(b)) return b | WASM_SIMD_F64_QUIET;
  double x = wasm_simd_f64_from_bits(a), y = wasm_simd_f64_from_bits(b);
  return x == y ? (a & b) : x > y ? a : b;
}

/* Rounding to integral: a NaN comes back quieted with its payload; nearbyint rounds half to
 * even in the default rounding mode, which Wasm code cannot change. */
#define WASM_SIMD_F32_ROUNDING(name, fn)                                                   \
  static inline uint32_t name(uint32_t bits) {                                             \
    if (wasm_simd_f32_is_nan(bits)) return bits | WASM_SIMD_F32_QUIET;                     \
    return wasm_simd_f32_to_bits(fn(wasm_simd_f32_from_bits(bits)));                       \
  }
#define WASM_SIMD_F64_ROUNDING(name, fn)                                                   \
  static inline uint64_t name(uint64_t bits) {                                             \
    if (wasm_simd_f64_is_nan(bits)) return bits | WASM_SIMD_F64_QUIET;                     \
    return wasm_simd_f64_to_bits(fn(wasm_simd_f64_from_bits(bits)));                       \
  }
WASM_SIMD_F32_ROUNDING(wasm_simd_f32_ceil_bits, ceilf)
WASM_SIMD_F32_ROUNDING(wasm_simd_f32_floor_bits, floorf)
WASM_SIMD_F32_ROUNDING(wasm_simd_f32_trunc_bits, truncf)
WASM_SIMD_F32_ROUNDING(wasm_simd_f32_nearest_bits, nearbyintf)
WASM_SIMD_F64_ROUNDING(wasm_simd_f64_ceil_bits, ceil)
WASM_SIMD_F64_ROUNDING(wasm_simd_f64_floor_bits, floor)
WASM_SIMD_F64_ROUNDING(wasm_simd_f64_trunc_bits, trunc)
WASM_SIMD_F64_ROUNDING(wasm_simd_f64_nearest_bits, nearbyint)

/* Saturating float -> int (f32 lanes are widened to double exactly): NaN -> 0, out of range ->
 * the nearest bound, else truncation toward zero. */
static inline int32_t wasm_simd_trunc_sat_s32(double x) {
  if (x != x) return 0;
  if (x >= 2147483648.0) return INT32_MAX;
  if (x <= -2147483649.0) return INT32_MIN;
  return (int32_t)x;
}
static inline uint32_t wasm_simd_trunc_sat_u32(double x) {
  if (!(x > -1.0)) return 0; /* also NaN */
  if (x >= 4294967296.0) return UINT32_MAX;
  return (uint32_t)x;
}

/* ---- Memory ------------------------------------------------------------------------------ */

static inline wasm_v128 wasm_simd_v128_load(const uint8_t *p) {
  wasm_v128 r;
  memcpy(&r, p, 16);
  return r;
}
static inline void wasm_simd_v128_store(uint8_t *p, wasm_v128 a) { memcpy(p, &a, 16); }

static inline wasm_v128 wasm_simd_v128_load32_zero(const uint8_t *p) {
  wasm_v128 r = {0};
  memcpy(&r.u32[0], p, 4);
  return r;
}
static inline wasm_v128 wasm_simd_v128_load64_zero(const uint8_t *p) {
  wasm_v128 r = {0};
  memcpy(&r.u64[0], p, 8);
  return r;
}

#define WASM_SIMD_LOAD_SPLAT(name, field, type)                                            \
  static inline wasm_v128 wasm_simd_##name(const uint8_t *p) {                             \
    wasm_v128 r;                                                                           \
    type v;                                                                                \
    memcpy(&v, p, sizeof v);                                                               \
    for (unsigned i = 0; i < WASM_SIMD_LANES(r, field); i++) r.field[i] = v;               \
    return r;                                                                              \
  }
WASM_SIMD_LOAD_SPLAT(v128_load8_splat, u8, uint8_t)
WASM_SIMD_LOAD_SPLAT(v128_load16_splat, u16, uint16_t)
WASM_SIMD_LOAD_SPLAT(v128_load32_splat, u32, uint32_t)
WASM_SIMD_LOAD_SPLAT(v128_load64_splat, u64, uint64_t)

#define WASM_SIMD_LANE_ACCESS(load_name, store_name, field)                                \
  static inline wasm_v128 wasm_simd_##load_name(wasm_v128 a, const uint8_t *p, unsigned lane) { \
    memcpy(&a.field[lane % WASM_SIMD_LANES(a, field)], p, sizeof a.field[0]);              \
    return a;                                                                              \
  }                                                                                        \
  static inline void wasm_simd_##store_name(uint8_t *p, wasm_v128 a, unsigned lane) {      \
    memcpy(p, &a.field[lane % WASM_SIMD_LANES(a, field)], sizeof a.field[0]);              \
  }
WASM_SIMD_LANE_ACCESS(v128_load8_lane, v128_store8_lane, u8)
WASM_SIMD_LANE_ACCESS(v128_load16_lane, v128_store16_lane, u16)
WASM_SIMD_LANE_ACCESS(v128_load32_lane, v128_store32_lane, u32)
WASM_SIMD_LANE_ACCESS(v128_load64_lane, v128_store64_lane, u64)

/* ---- Constants, shuffles, splats, lanes ------------------------------------------------- */

static inline wasm_v128 wasm_simd_v128_const(const uint8_t bytes[16]) {
  wasm_v128 r;
  memcpy(&r, bytes, 16);
  return r;
}

/* Lane indices 0-15 pick from a, 16-31 from b (the validator rejects >= 32; masking keeps an
 * unvalidated index in bounds). */
static inline wasm_v128 wasm_simd_i8x16_shuffle(wasm_v128 a, wasm_v128 b, const uint8_t lanes[16]) {
  uint8_t both[32];
  memcpy(both, &a, 16);
  memcpy(both + 16, &b, 16);
  wasm_v128 r;
  for (unsigned i = 0; i < 16; i++) r.u8[i] = both[lanes[i] & 31];
  return r;
}

/* Lanes of b index a; out-of-range indices select 0, unlike shuffle. */
static inline wasm_v128 wasm_simd_i8x16_swizzle(wasm_v128 a, wasm_v128 b) {
  wasm_v128 r;
  for (unsigned i = 0; i < 16; i++) r.u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i]] : 0;
  return r;
}

#define WASM_SIMD_SPLAT(name, field, type, bits_type)                                      \
  static inline wasm_v128 wasm_simd_##name(bits_type bits) {                               \
    wasm_v128 r;                                                                           \
    for (unsigned i = 0; i < WASM_SIMD_LANES(r, field); i++) r.field[i] = (type)bits;      \
    return r;                                                                              \
  }
WASM_SIMD_SPLAT(i8x16_splat, u8, uint8_t, uint32_t)
WASM_SIMD_SPLAT(i16x8_splat, u16, uint16_t, uint32_t)
WASM_SIMD_SPLAT(i32x4_splat, u32, uint32_t, uint32_t)
WASM_SIMD_SPLAT(i64x2_splat, u64, uint64_t, uint64_t)
WASM_SIMD_SPLAT(f32x4_splat, u32, uint32_t, uint32_t)
WASM_SIMD_SPLAT(f64x2_splat, u64, uint64_t, uint64_t)

/* extract_lane returns the lane widened to the result's bits: `field`'s C type decides whether
 * an 8/16-bit lane is sign- or zero-extended. */
#define WASM_SIMD_EXTRACT(name, field, bits_type)                                          \
  static inline bits_type wasm_simd_##name(wasm_v128 a, unsigned lane) {                   \
    return (bits_type)a.field[lane % WASM_SIMD_LANES(a, field)];                           \
  }
WASM_SIMD_EXTRACT(i8x16_extract_lane_s, i8, uint32_t)
WASM_SIMD_EXTRACT(i8x16_extract_lane_u, u8, uint32_t)
WASM_SIMD_EXTRACT(i16x8_extract_lane_s, i16, uint32_t)
WASM_SIMD_EXTRACT(i16x8_extract_lane_u, u16, uint32_t)
WASM_SIMD_EXTRACT(i32x4_extract_lane, u32, uint32_t)
WASM_SIMD_EXTRACT(i64x2_extract_lane, u64, uint64_t)
WASM_SIMD_EXTRACT(f32x4_extract_lane, u32, uint32_t)
WASM_SIMD_EXTRACT(f64x2_extract_lane, u64, uint64_t)

#define WASM_SIMD_REPLACE(name, field, type, bits_type)                                    \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a, unsigned lane, bits_type bits) {   \
    a.field[lane % WASM_SIMD_LANES(a, field)] = (type)bits;                                \
    return a;                                                                              \
  }
WASM_SIMD_REPLACE(i8x16_replace_lane, u8, uint8_t, uint32_t)
WASM_SIMD_REPLACE(i16x8_replace_lane, u16, uint16_t, uint32_t)
WASM_SIMD_REPLACE(i32x4_replace_lane, u32, uint32_t, uint32_t)
WASM_SIMD_REPLACE(i64x2_replace_lane, u64, uint64_t, uint64_t)
WASM_SIMD_REPLACE(f32x4_replace_lane, u32, uint32_t, uint32_t)
WASM_SIMD_REPLACE(f64x2_replace_lane, u64, uint64_t, uint64_t)

/* ---- Comparisons ------------------------------------------------------------------------- */

WASM_SIMD_COMPARE_SSE2(i8x16_eq, si128, _mm_cmpeq_epi8, u8, uint8_t, u8, UINT8_MAX, x == y)
WASM_SIMD_COMPARE_LANES(i8x16_ne, u8, uint8_t, u8, UINT8_MAX, x != y)
WASM_SIMD_COMPARE_SSE2(i8x16_lt_s, si128, _mm_cmplt_epi8, i8, int8_t, u8, UINT8_MAX, x < y)
WASM_SIMD_COMPARE_LANES(i8x16_lt_u, u8, uint8_t, u8, UINT8_MAX, x < y)
WASM_SIMD_COMPARE_SSE2(i8x16_gt_s, si128, _mm_cmpgt_epi8, i8, int8_t, u8, UINT8_MAX, x > y)
WASM_SIMD_COMPARE_LANES(i8x16_gt_u, u8, uint8_t, u8, UINT8_MAX, x > y)
WASM_SIMD_COMPARE_LANES(i8x16_le_s, i8, int8_t, u8, UINT8_MAX, x <= y)
WASM_SIMD_COMPARE_LANES(i8x16_le_u, u8, uint8_t, u8, UINT8_MAX, x <= y)
WASM_SIMD_COMPARE_LANES(i8x16_ge_s, i8, int8_t, u8, UINT8_MAX, x >= y)
WASM_SIMD_COMPARE_LANES(i8x16_ge_u, u8, uint8_t, u8, UINT8_MAX, x >= y)
WASM_SIMD_COMPARE_SSE2(i16x8_eq, si128, _mm_cmpeq_epi16, u16, uint16_t, u16, UINT16_MAX, x == y)
WASM_SIMD_COMPARE_LANES(i16x8_ne, u16, uint16_t, u16, UINT16_MAX, x != y)
WASM_SIMD_COMPARE_SSE2(i16x8_lt_s, si128, _mm_cmplt_epi16, i16, int16_t, u16, UINT16_MAX, x < y)
WASM_SIMD_COMPARE_LANES(i16x8_lt_u, u16, uint16_t, u16, UINT16_MAX, x < y)
WASM_SIMD_COMPARE_SSE2(i16x8_gt_s, si128, _mm_cmpgt_epi16, i16, int16_t, u16, UINT16_MAX, x > y)
WASM_SIMD_COMPARE_LANES(i16x8_gt_u, u16, uint16_t, u16, UINT16_MAX, x > y)
WASM_SIMD_COMPARE_LANES(i16x8_le_s, i16, int16_t, u16, UINT16_MAX, x <= y)
WASM_SIMD_COMPARE_LANES(i16x8_le_u, u16, uint16_t, u16, UINT16_MAX, x <= y)
WASM_SIMD_COMPARE_LANES(i16x8_ge_s, i16, int16_t, u16, UINT16_MAX, x >= y)
WASM_SIMD_COMPARE_LANES(i16x8_ge_u, u16, uint16_t, u16, UINT16_MAX, x >= y)
WASM_SIMD_COMPARE_SSE2(i32x4_eq, si128, _mm_cmpeq_epi32, u32, uint32_t, u32, UINT32_MAX, x == y)
WASM_SIMD_COMPARE_LANES(i32x4_ne, u32, uint32_t, u32, UINT32_MAX, x != y)
WASM_SIMD_COMPARE_SSE2(i32x4_lt_s, si128, _mm_cmplt_epi32, i32, int32_t, u32, UINT32_MAX, x < y)
WASM_SIMD_COMPARE_LANES(i32x4_lt_u, u32, uint32_t, u32, UINT32_MAX, x < y)
WASM_SIMD_COMPARE_SSE2(i32x4_gt_s, si128, _mm_cmpgt_epi32, i32, int32_t, u32, UINT32_MAX, x > y)
WASM_SIMD_COMPARE_LANES(i32x4_gt_u, u32, uint32_t, u32, UINT32_MAX, x > y)
WASM_SIMD_COMPARE_LANES(i32x4_le_s, i32, int32_t, u32, UINT32_MAX, x <= y)
WASM_SIMD_COMPARE_LANES(i32x4_le_u, u32, uint32_t, u32, UINT32_MAX, x <= y)
WASM_SIMD_COMPARE_LANES(i32x4_ge_s, i32, int32_t, u32, UINT32_MAX, x >= y)
WASM_SIMD_COMPARE_LANES(i32x4_ge_u, u32, uint32_t, u32, UINT32_MAX, x >= y)
WASM_SIMD_COMPARE_LANES(i64x2_eq, u64, uint64_t, u64, UINT64_MAX, x == y)
WASM_SIMD_COMPARE_LANES(i64x2_ne, u64, uint64_t, u64, UINT64_MAX, x != y)
WASM_SIMD_COMPARE_LANES(i64x2_lt_s, i64, int64_t, u64, UINT64_MAX, x < y)
WASM_SIMD_COMPARE_LANES(i64x2_gt_s, i64, int64_t, u64, UINT64_MAX, x > y)
WASM_SIMD_COMPARE_LANES(i64x2_le_s, i64, int64_t, u64, UINT64_MAX, x <= y)
WASM_SIMD_COMPARE_LANES(i64x2_ge_s, i64, int64_t, u64, UINT64_MAX, x >= y)
/* IEEE comparisons: every one but ne is false when a lane is NaN. */
WASM_SIMD_COMPARE_SSE2(f32x4_eq, ps, _mm_cmpeq_ps, f32, float, u32, UINT32_MAX, x == y)
WASM_SIMD_COMPARE_SSE2(f32x4_ne, ps, _mm_cmpneq_ps, f32, float, u32, UINT32_MAX, x != y)
WASM_SIMD_COMPARE_SSE2(f32x4_lt, ps, _mm_cmplt_ps, f32, float, u32, UINT32_MAX, x < y)
WASM_SIMD_COMPARE_SSE2(f32x4_gt, ps, _mm_cmpgt_ps, f32, float, u32, UINT32_MAX, x > y)
WASM_SIMD_COMPARE_SSE2(f32x4_le, ps, _mm_cmple_ps, f32, float, u32, UINT32_MAX, x <= y)
WASM_SIMD_COMPARE_SSE2(f32x4_ge, ps, _mm_cmpge_ps, f32, float, u32, UINT32_MAX, x >= y)
WASM_SIMD_COMPARE_SSE2(f64x2_eq, pd, _mm_cmpeq_pd, f64, double, u64, UINT64_MAX, x == y)
WASM_SIMD_COMPARE_SSE2(f64x2_ne, pd, _mm_cmpneq_pd, f64, double, u64, UINT64_MAX, x != y)
WASM_SIMD_COMPARE_SSE2(f64x2_lt, pd, _mm_cmplt_pd, f64, double, u64, UINT64_MAX, x < y)
WASM_SIMD_COMPARE_SSE2(f64x2_gt, pd, _mm_cmpgt_pd, f64, double, u64, UINT64_MAX, x > y)
WASM_SIMD_COMPARE_SSE2(f64x2_le, pd, _mm_cmple_pd, f64, double, u64, UINT64_MAX, x <= y)
WASM_SIMD_COMPARE_SSE2(f64x2_ge, pd, _mm_cmpge_pd, f64, double, u64, UINT64_MAX, x >= y)

/* ---- Bitwise ----------------------------------------------------------------------------- */

WASM_SIMD_UNARY_LANES(v128_not, u64, uint64_t, ~x)
WASM_SIMD_BINARY_SSE2(v128_and, si128, _mm_and_si128, u64, uint64_t, x & y)
WASM_SIMD_BINARY_SSE2(v128_andnot, si128, wasm_simd_sse2_andnot, u64, uint64_t, x & ~y)
WASM_SIMD_BINARY_SSE2(v128_or, si128, _mm_or_si128, u64, uint64_t, x | y)
WASM_SIMD_BINARY_SSE2(v128_xor, si128, _mm_xor_si128, u64, uint64_t, x ^ y)
/* Bits of c choose between a (1) and b (0). */
static inline wasm_v128 wasm_simd_v128_bitselect(wasm_v128 a, wasm_v128 b, wasm_v128 c) {
  wasm_v128 r;
  for (unsigned i = 0; i < 2; i++) r.u64[i] = (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]);
  return r;
}
static inline uint32_t wasm_simd_v128_any_true(wasm_v128 a) { return (a.u64[0] | a.u64[1]) != 0; }

/* ---- Integer lane arithmetic ------------------------------------------------------------- */

WASM_SIMD_UNARY_LANES(i8x16_abs, u8, uint32_t, (x & 0x80u) ? 0u - x : x)
WASM_SIMD_UNARY_LANES(i16x8_abs, u16, uint32_t, (x & 0x8000u) ? 0u - x : x)
WASM_SIMD_UNARY_LANES(i32x4_abs, u32, uint32_t, (x >> 31) ? 0u - x : x)
WASM_SIMD_UNARY_LANES(i64x2_abs, u64, uint64_t, (x >> 63) ? 0u - x : x)
WASM_SIMD_UNARY_LANES(i8x16_neg, u8, uint32_t, 0u - x)
WASM_SIMD_UNARY_LANES(i16x8_neg, u16, uint32_t, 0u - x)
WASM_SIMD_UNARY_LANES(i32x4_neg, u32, uint32_t, 0u - x)
WASM_SIMD_UNARY_LANES(i64x2_neg, u64, uint64_t, 0u - x)
WASM_SIMD_UNARY_LANES(i8x16_popcnt, u8, unsigned, (unsigned)__builtin_popcount(x))

WASM_SIMD_ALL_TRUE(i8x16_all_true, u8)
WASM_SIMD_ALL_TRUE(i16x8_all_true, u16)
WASM_SIMD_ALL_TRUE(i32x4_all_true, u32)
WASM_SIMD_ALL_TRUE(i64x2_all_true, u64)
#if WASM_SIMD_SSE2
/* MOVMSK gathers lane sign bits; i16 lanes are first packed to bytes with signed saturation,
 * which keeps each sign. */
static inline uint32_t wasm_simd_i8x16_bitmask(wasm_v128 a) { return (uint32_t)_mm_movemask_epi8(wasm_simd_to_si128(a)); }
static inline uint32_t wasm_simd_i16x8_bitmask(wasm_v128 a) {
  return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(wasm_simd_to_si128(a), _mm_setzero_si128()));
}
static inline uint32_t wasm_simd_i32x4_bitmask(wasm_v128 a) { return (uint32_t)_mm_movemask_ps(wasm_simd_to_ps(a)); }
static inline uint32_t wasm_simd_i64x2_bitmask(wasm_v128 a) { return (uint32_t)_mm_movemask_pd(wasm_simd_to_pd(a)); }
#else
WASM_SIMD_BITMASK(i8x16_bitmask, u8, 8)
WASM_SIMD_BITMASK(i16x8_bitmask, u16, 16)
WASM_SIMD_BITMASK(i32x4_bitmask, u32, 32)
WASM_SIMD_BITMASK(i64x2_bitmask, u64, 64)
#endif

WASM_SIMD_NARROW_LANES(i8x16_narrow_i16x8_s, i8, i16, INT8_MIN, INT8_MAX)
WASM_SIMD_NARROW_LANES(i8x16_narrow_i16x8_u, u8, i16, 0, UINT8_MAX)
WASM_SIMD_NARROW_LANES(i16x8_narrow_i32x4_s, i16, i32, INT16_MIN, INT16_MAX)
WASM_SIMD_NARROW_LANES(i16x8_narrow_i32x4_u, u16, i32, 0, UINT16_MAX)

WASM_SIMD_EXTEND_LANES(i16x8_extend_low_i8x16_s, i16, i8, 0)
WASM_SIMD_EXTEND_LANES(i16x8_extend_high_i8x16_s, i16, i8, 8)
WASM_SIMD_EXTEND_LANES(i16x8_extend_low_i8x16_u, u16, u8, 0)
WASM_SIMD_EXTEND_LANES(i16x8_extend_high_i8x16_u, u16, u8, 8)
WASM_SIMD_EXTEND_LANES(i32x4_extend_low_i16x8_s, i32, i16, 0)
WASM_SIMD_EXTEND_LANES(i32x4_extend_high_i16x8_s, i32, i16, 4)
WASM_SIMD_EXTEND_LANES(i32x4_extend_low_i16x8_u, u32, u16, 0)
WASM_SIMD_EXTEND_LANES(i32x4_extend_high_i16x8_u, u32, u16, 4)
WASM_SIMD_EXTEND_LANES(i64x2_extend_low_i32x4_s, i64, i32, 0)
WASM_SIMD_EXTEND_LANES(i64x2_extend_high_i32x4_s, i64, i32, 2)
WASM_SIMD_EXTEND_LANES(i64x2_extend_low_i32x4_u, u64, u32, 0)
WASM_SIMD_EXTEND_LANES(i64x2_extend_high_i32x4_u, u64, u32, 2)

/* The widening loads are a 64-bit load followed by extend_low. */
#define WASM_SIMD_LOAD_EXTEND(name, extend)                                                \
  static inline wasm_v128 wasm_simd_##name(const uint8_t *p) { return wasm_simd_##extend(wasm_simd_v128_load64_zero(p)); }
WASM_SIMD_LOAD_EXTEND(v128_load8x8_s, i16x8_extend_low_i8x16_s)
WASM_SIMD_LOAD_EXTEND(v128_load8x8_u, i16x8_extend_low_i8x16_u)
WASM_SIMD_LOAD_EXTEND(v128_load16x4_s, i32x4_extend_low_i16x8_s)
WASM_SIMD_LOAD_EXTEND(v128_load16x4_u, i32x4_extend_low_i16x8_u)
WASM_SIMD_LOAD_EXTEND(v128_load32x2_s, i64x2_extend_low_i32x4_s)
WASM_SIMD_LOAD_EXTEND(v128_load32x2_u, i64x2_extend_low_i32x4_u)

WASM_SIMD_SHIFT_LANES(i8x16_shl, u8, uint32_t, x << s)
WASM_SIMD_SHIFT_SSE2(i16x8_shl, _mm_sll_epi16, u16, uint32_t, x << s)
WASM_SIMD_SHIFT_SSE2(i32x4_shl, _mm_sll_epi32, u32, uint32_t, x << s)
WASM_SIMD_SHIFT_SSE2(i64x2_shl, _mm_sll_epi64, u64, uint64_t, x << s)
/* >> on a negative signed value is arithmetic in GCC and Clang (implementation-defined, not UB). */
WASM_SIMD_SHIFT_LANES(i8x16_shr_s, i8, int32_t, x >> s)
WASM_SIMD_SHIFT_SSE2(i16x8_shr_s, _mm_sra_epi16, i16, int32_t, x >> s)
WASM_SIMD_SHIFT_SSE2(i32x4_shr_s, _mm_sra_epi32, i32, int32_t, x >> s)
WASM_SIMD_SHIFT_LANES(i64x2_shr_s, i64, int64_t, x >> s)
WASM_SIMD_SHIFT_LANES(i8x16_shr_u, u8, uint32_t, x >> s)
WASM_SIMD_SHIFT_SSE2(i16x8_shr_u, _mm_srl_epi16, u16, uint32_t, x >> s)
WASM_SIMD_SHIFT_SSE2(i32x4_shr_u, _mm_srl_epi32, u32, uint32_t, x >> s)
WASM_SIMD_SHIFT_SSE2(i64x2_shr_u, _mm_srl_epi64, u64, uint64_t, x >> s)

WASM_SIMD_BINARY_SSE2(i8x16_add, si128, _mm_add_epi8, u8, uint32_t, x + y)
WASM_SIMD_BINARY_SSE2(i16x8_add, si128, _mm_add_epi16, u16, uint32_t, x + y)
WASM_SIMD_BINARY_SSE2(i32x4_add, si128, _mm_add_epi32, u32, uint32_t, x + y)
WASM_SIMD_BINARY_SSE2(i64x2_add, si128, _mm_add_epi64, u64, uint64_t, x + y)
WASM_SIMD_BINARY_SSE2(i8x16_sub, si128, _mm_sub_epi8, u8, uint32_t, x - y)
WASM_SIMD_BINARY_SSE2(i16x8_sub, si128, _mm_sub_epi16, u16, uint32_t, x - y)
WASM_SIMD_BINARY_SSE2(i32x4_sub, si128, _mm_sub_epi32, u32, uint32_t, x - y)
WASM_SIMD_BINARY_SSE2(i64x2_sub, si128, _mm_sub_epi64, u64, uint64_t, x - y)
WASM_SIMD_BINARY_SSE2(i16x8_mul, si128, _mm_mullo_epi16, u16, uint32_t, x * y)
WASM_SIMD_BINARY_LANES(i32x4_mul, u32, uint32_t, x * y)
WASM_SIMD_BINARY_LANES(i64x2_mul, u64, uint64_t, x * y)

WASM_SIMD_BINARY_SSE2(i8x16_add_sat_s, si128, _mm_adds_epi8, i8, int32_t, wasm_simd_clamp(x + y, INT8_MIN, INT8_MAX))
WASM_SIMD_BINARY_SSE2(i8x16_add_sat_u, si128, _mm_adds_epu8, u8, int32_t, wasm_simd_clamp(x + y, 0, UINT8_MAX))
WASM_SIMD_BINARY_SSE2(i8x16_sub_sat_s, si128, _mm_subs_epi8, i8, int32_t, wasm_simd_clamp(x - y, INT8_MIN, INT8_MAX))
WASM_SIMD_BINARY_SSE2(i8x16_sub_sat_u, si128, _mm_subs_epu8, u8, int32_t, wasm_simd_clamp(x - y, 0, UINT8_MAX))
WASM_SIMD_BINARY_SSE2(i16x8_add_sat_s, si128, _mm_adds_epi16, i16, int32_t, wasm_simd_clamp(x + y, INT16_MIN, INT16_MAX))
WASM_SIMD_BINARY_SSE2(i16x8_add_sat_u, si128, _mm_adds_epu16, u16, int32_t, wasm_simd_clamp(x + y, 0, UINT16_MAX))
WASM_SIMD_BINARY_SSE2(i16x8_sub_sat_s, si128, _mm_subs_epi16, i16, int32_t, wasm_simd_clamp(x - y, INT16_MIN, INT16_MAX))
WASM_SIMD_BINARY_SSE2(i16x8_sub_sat_u, si128, _mm_subs_epu16, u16, int32_t, wasm_simd_clamp(x - y, 0, UINT16_MAX))

WASM_SIMD_BINARY_LANES(i8x16_min_s, i8, int8_t, x < y ? x : y)
WASM_SIMD_BINARY_SSE2(i8x16_min_u, si128, _mm_min_epu8, u8, uint8_t, x < y ? x : y)
WASM_SIMD_BINARY_LANES(i8x16_max_s, i8, int8_t, x > y ? x : y)
WASM_SIMD_BINARY_SSE2(i8x16_max_u, si128, _mm_max_epu8, u8, uint8_t, x > y ? x : y)
WASM_SIMD_BINARY_SSE2(i16x8_min_s, si128, _mm_min_epi16, i16, int16_t, x < y ? x : y)
WASM_SIMD_BINARY_LANES(i16x8_min_u, u16, uint16_t, x < y ? x : y)
WASM_SIMD_BINARY_SSE2(i16x8_max_s, si128, _mm_max_epi16, i16, int16_t, x > y ? x : y)
WASM_SIMD_BINARY_LANES(i16x8_max_u, u16, uint16_t, x > y ? x : y)
WASM_SIMD_BINARY_LANES(i32x4_min_s, i32, int32_t, x < y ? x : y)
WASM_SIMD_BINARY_LANES(i32x4_min_u, u32, uint32_t, x < y ? x : y)
WASM_SIMD_BINARY_LANES(i32x4_max_s, i32, int32_t, x > y ? x : y)
WASM_SIMD_BINARY_LANES(i32x4_max_u, u32, uint32_t, x > y ? x : y)
WASM_SIMD_BINARY_SSE2(i8x16_avgr_u, si128, _mm_avg_epu8, u8, uint32_t, (x + y + 1) >> 1)
WASM_SIMD_BINARY_SSE2(i16x8_avgr_u, si128, _mm_avg_epu16, u16, uint32_t, (x + y + 1) >> 1)

/* Q15 rounding multiply; only -32768 * -32768 overflows, saturating to 32767. The product fits
 * int32_t and >> is arithmetic (see shr_s). */
WASM_SIMD_BINARY_LANES(i16x8_q15mulr_sat_s, i16, int32_t, wasm_simd_clamp((x * y + 0x4000) >> 15, INT16_MIN, INT16_MAX))

WASM_SIMD_EXTADD_PAIRWISE_LANES(i16x8_extadd_pairwise_i8x16_s, i16, int32_t, i8)
WASM_SIMD_EXTADD_PAIRWISE_LANES(i16x8_extadd_pairwise_i8x16_u, u16, uint32_t, u8)
WASM_SIMD_EXTADD_PAIRWISE_LANES(i32x4_extadd_pairwise_i16x8_s, i32, int32_t, i16)
WASM_SIMD_EXTADD_PAIRWISE_LANES(i32x4_extadd_pairwise_i16x8_u, u32, uint32_t, u16)

WASM_SIMD_EXTMUL_LANES(i16x8_extmul_low_i8x16_s, i16, int32_t, i8, 0)
WASM_SIMD_EXTMUL_LANES(i16x8_extmul_high_i8x16_s, i16, int32_t, i8, 8)
WASM_SIMD_EXTMUL_LANES(i16x8_extmul_low_i8x16_u, u16, uint32_t, u8, 0)
WASM_SIMD_EXTMUL_LANES(i16x8_extmul_high_i8x16_u, u16, uint32_t, u8, 8)
WASM_SIMD_EXTMUL_LANES(i32x4_extmul_low_i16x8_s, i32, int32_t, i16, 0)
WASM_SIMD_EXTMUL_LANES(i32x4_extmul_high_i16x8_s, i32, int32_t, i16, 4)
WASM_SIMD_EXTMUL_LANES(i32x4_extmul_low_i16x8_u, u32, uint32_t, u16, 0)
WASM_SIMD_EXTMUL_LANES(i32x4_extmul_high_i16x8_u, u32, uint32_t, u16, 4)
WASM_SIMD_EXTMUL_LANES(i64x2_extmul_low_i32x4_s, i64, int64_t, i32, 0)
WASM_SIMD_EXTMUL_LANES(i64x2_extmul_high_i32x4_s, i64, int64_t, i32, 2)
WASM_SIMD_EXTMUL_LANES(i64x2_extmul_low_i32x4_u, u64, uint64_t, u32, 0)
WASM_SIMD_EXTMUL_LANES(i64x2_extmul_high_i32x4_u, u64, uint64_t, u32, 2)

/* Pairwise products summed with wrapping: -32768 * -32768 * 2 = 2^31 wraps to INT32_MIN. */
static inline wasm_v128 wasm_simd_i32x4_dot_i16x8_s(wasm_v128 a, wasm_v128 b) {
  wasm_v128 r;
  for (unsigned i = 0; i < 4; i++) {
    int32_t even = (int32_t)a.i16[2 * i] * b.i16[2 * i];
    int32_t odd = (int32_t)a.i16[2 * i + 1] * b.i16[2 * i + 1];
    r.u32[i] = (uint32_t)even + (uint32_t)odd;
  }
  return r;
}

/* ---- Float lane arithmetic --------------------------------------------------------------- */

WASM_SIMD_UNARY_LANES(f32x4_abs, u32, uint32_t, x & ~WASM_SIMD_F32_SIGN)
WASM_SIMD_UNARY_LANES(f64x2_abs, u64, uint64_t, x & ~WASM_SIMD_F64_SIGN)
WASM_SIMD_UNARY_LANES(f32x4_neg, u32, uint32_t, x ^ WASM_SIMD_F32_SIGN)
WASM_SIMD_UNARY_LANES(f64x2_neg, u64, uint64_t, x ^ WASM_SIMD_F64_SIGN)
WASM_SIMD_UNARY_SSE2(f32x4_sqrt, ps, _mm_sqrt_ps, f32, float, sqrtf(x))
WASM_SIMD_UNARY_SSE2(f64x2_sqrt, pd, _mm_sqrt_pd, f64, double, sqrt(x))
WASM_SIMD_BINARY_SSE2(f32x4_add, ps, _mm_add_ps, f32, float, x + y)
WASM_SIMD_BINARY_SSE2(f64x2_add, pd, _mm_add_pd, f64, double, x + y)
WASM_SIMD_BINARY_SSE2(f32x4_sub, ps, _mm_sub_ps, f32, float, x - y)
WASM_SIMD_BINARY_SSE2(f64x2_sub, pd, _mm_sub_pd, f64, double, x - y)
WASM_SIMD_BINARY_SSE2(f32x4_mul, ps, _mm_mul_ps, f32, float, x * y)
WASM_SIMD_BINARY_SSE2(f64x2_mul, pd, _mm_mul_pd, f64, double, x * y)
WASM_SIMD_BINARY_SSE2(f32x4_div, ps, _mm_div_ps, f32, float, x / y)
WASM_SIMD_BINARY_SSE2(f64x2_div, pd, _mm_div_pd, f64, double, x / y)
WASM_SIMD_BINARY_LANES(f32x4_min, u32, uint32_t, wasm_simd_f32_min_bits(x, y))
WASM_SIMD_BINARY_LANES(f64x2_min, u64, uint64_t, wasm_simd_f64_min_bits(x, y))
WASM_SIMD_BINARY_LANES(f32x4_max, u32, uint32_t, wasm_simd_f32_max_bits(x, y))
WASM_SIMD_BINARY_LANES(f64x2_max, u64, uint64_t, wasm_simd_f64_max_bits(x, y))
/* pmin/pmax are the plain selects b < a ? b : a and a < b ? b : a: a NaN operand is returned
 * unchanged (or the other operand is), bits intact. */
WASM_SIMD_BINARY_SSE2(f32x4_pmin, ps, wasm_simd_sse2_pmin_ps, u32, uint32_t,
                       wasm_simd_f32_from_bits(y) < wasm_simd_f32_from_bits(x) ? y : x)
WASM_SIMD_BINARY_SSE2(f64x2_pmin, pd, wasm_simd_sse2_pmin_pd, u64, uint64_t,
                       wasm_simd_f64_from_bits(y) < wasm_simd_f64_from_bits(x) ? y : x)
WASM_SIMD_BINARY_SSE2(f32x4_pmax, ps, wasm_simd_sse2_pmax_ps, u32, uint32_t,
                       wasm_simd_f32_from_bits(x) < wasm_simd_f32_from_bits(y) ? y : x)
WASM_SIMD_BINARY_SSE2(f64x2_pmax, pd, wasm_simd_sse2_pmax_pd, u64, uint64_t,
                       wasm_simd_f64_from_bits(x) < wasm_simd_f64_from_bits(y) ? y : x)

WASM_SIMD_UNARY_LANES(f32x4_ceil, u32, uint32_t, wasm_simd_f32_ceil_bits(x))
WASM_SIMD_UNARY_LANES(f32x4_floor, u32, uint32_t, wasm_simd_f32_floor_bits(x))
WASM_SIMD_UNARY_LANES(f32x4_trunc, u32, uint32_t, wasm_simd_f32_trunc_bits(x))
WASM_SIMD_UNARY_LANES(f32x4_nearest, u32, uint32_t, wasm_simd_f32_nearest_bits(x))
WASM_SIMD_UNARY_LANES(f64x2_ceil, u64, uint64_t, wasm_simd_f64_ceil_bits(x))
WASM_SIMD_UNARY_LANES(f64x2_floor, u64, uint64_t, wasm_simd_f64_floor_bits(x))
WASM_SIMD_UNARY_LANES(f64x2_trunc, u64, uint64_t, wasm_simd_f64_trunc_bits(x))
WASM_SIMD_UNARY_LANES(f64x2_nearest, u64, uint64_t, wasm_simd_f64_nearest_bits(x))

/* ---- Conversions ------------------------------------------------------------------------- */

/* Lane-wise conversion between views of the same lane count; `convert` is a function or a cast. */
#define WASM_SIMD_CONVERT_LANES(name, out, in, convert)                                       \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a) {                                  \
    wasm_v128 r;                                                                           \
    for (unsigned i = 0; i < WASM_SIMD_LANES(r, out); i++) r.out[i] = convert(a.in[i]);     \
    return r;                                                                              \
  }
/* The _zero forms write two lanes from a 2-lane input and clear the upper two. */
#define WASM_SIMD_CONVERT_TWO_ZERO(name, out, in, convert)                                    \
  static inline wasm_v128 wasm_simd_##name(wasm_v128 a) {                                  \
    wasm_v128 r = {0};                                                                     \
    for (unsigned i = 0; i < 2; i++) r.out[i] = convert(a.in[i]);                           \
    return r;                                                                              \
  }

WASM_SIMD_CONVERT_LANES(i32x4_trunc_sat_f32x4_s, i32, f32, wasm_simd_trunc_sat_s32)
WASM_SIMD_CONVERT_LANES(i32x4_trunc_sat_f32x4_u, u32, f32, wasm_simd_trunc_sat_u32)
WASM_SIMD_CONVERT_TWO_ZERO(i32x4_trunc_sat_f64x2_s_zero, i32, f64, wasm_simd_trunc_sat_s32)
WASM_SIMD_CONVERT_TWO_ZERO(i32x4_trunc_sat_f64x2_u_zero, u32, f64, wasm_simd_trunc_sat_u32)
/* Int -> float casts round to nearest-even, as Wasm requires. */
WASM_SIMD_CONVERT_LANES(f32x4_convert_i32x4_s, f32, i32, (float))
WASM_SIMD_CONVERT_LANES(f32x4_convert_i32x4_u, f32, u32, (float))
WASM_SIMD_CONVERT_LANES(f64x2_convert_low_i32x4_s, f64, i32, (double))
WASM_SIMD_CONVERT_LANES(f64x2_convert_low_i32x4_u, f64, u32, (double))
/* The hardware conversions quiet a NaN, keeping canonical NaNs canonical. */
WASM_SIMD_CONVERT_TWO_ZERO(f32x4_demote_f64x2_zero, f32, f64, (float))
WASM_SIMD_CONVERT_LANES(f64x2_promote_low_f32x4, f64, f32, (double))

#endif
