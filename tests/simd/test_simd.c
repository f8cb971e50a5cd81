/* Unit tests of the SIMD semantics in src/wasm/simd.h: every table row has a function of its
 * shape's signature (checked at compile time), and each family is exercised on its edge cases:
 * saturation, NaN rules, lane order, out-of-range indices, wrapping. */
#include "wasm/simd.h"
#include "wasm/simd_ops.h"

#include <inttypes.h>
#include <stdio.h>

static int failures;

#define CHECK_EQ(actual, expected)                                                                   \
  do {                                                                                               \
    uint64_t actual_ = (uint64_t)(actual), expected_ = (uint64_t)(expected);                         \
    if (actual_ != expected_) {                                                                      \
      fprintf(stderr, "%s:%d: %s = 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", __FILE__, __LINE__,     \
              #actual, actual_, expected_);                                                          \
      failures++;                                                                                    \
    }                                                                                                \
  } while (0)

#define CHECK_V128(actual, expected)                                                                 \
  do {                                                                                               \
    wasm_v128 actual_ = (actual), expected_ = (expected);                                            \
    if (memcmp(&actual_, &expected_, 16) != 0) {                                                     \
      fprintf(stderr, "%s:%d: %s =\n  ", __FILE__, __LINE__, #actual);                               \
      print_bytes(actual_);                                                                          \
      fprintf(stderr, "expected\n  ");                                                               \
      print_bytes(expected_);                                                                        \
      failures++;                                                                                    \
    }                                                                                                \
  } while (0)

static void print_bytes(wasm_v128 v) {
  for (int i = 0; i < 16; i++) fprintf(stderr, "%02x ", v.u8[i]);
  fprintf(stderr, "\n");
}

#define I8X16(...) ((wasm_v128){.i8 = {__VA_ARGS__}})
#define U8X16(...) ((wasm_v128){.u8 = {__VA_ARGS__}})
#define I16X8(...) ((wasm_v128){.i16 = {__VA_ARGS__}})
#define U16X8(...) ((wasm_v128){.u16 = {__VA_ARGS__}})
#define I32X4(...) ((wasm_v128){.i32 = {__VA_ARGS__}})
#define U32X4(...) ((wasm_v128){.u32 = {__VA_ARGS__}})
#define I64X2(...) ((wasm_v128){.i64 = {__VA_ARGS__}})
#define U64X2(...) ((wasm_v128){.u64 = {__VA_ARGS__}})
#define F32X4(...) ((wasm_v128){.f32 = {__VA_ARGS__}})
#define F64X2(...) ((wasm_v128){.f64 = {__VA_ARGS__}})

/* NaN bit patterns. */
#define F32_CANON 0x7FC00000u
#define F32_SNAN 0x7FA00001u          /* signalling, payload 0x200001 */
#define F32_QNAN_PAYLOAD 0x7FE00001u  /* F32_SNAN quieted */
#define F64_CANON 0x7FF8000000000000ull
#define F64_SNAN 0x7FF4000000000001ull
#define F64_QNAN_PAYLOAD 0x7FFC000000000001ull
#define F32_NEG_ZERO 0x80000000u
#define F64_NEG_ZERO 0x8000000000000000ull

static int f32_is_canonical_nan(uint32_t bits) { return (bits & 0x7FFFFFFFu) == F32_CANON; }
static int f32_is_arithmetic_nan(uint32_t bits) { return (bits & 0x7FC00000u) == 0x7FC00000u; }
static int f64_is_canonical_nan(uint64_t bits) { return (bits & 0x7FFFFFFFFFFFFFFFull) == F64_CANON; }

/* ---- Every table row has a semantic function with its shape's signature ------------------ */

typedef wasm_v128 (*shape_SIMD_UNARY)(wasm_v128);
typedef wasm_v128 (*shape_SIMD_BINARY)(wasm_v128, wasm_v128);
typedef wasm_v128 (*shape_SIMD_TERNARY)(wasm_v128, wasm_v128, wasm_v128);
typedef uint32_t (*shape_SIMD_TEST)(wasm_v128);
typedef wasm_v128 (*shape_SIMD_SHIFT)(wasm_v128, uint32_t);
typedef wasm_v128 (*shape_SIMD_SPLAT_I32)(uint32_t);
typedef wasm_v128 (*shape_SIMD_SPLAT_F32)(uint32_t);
typedef wasm_v128 (*shape_SIMD_SPLAT_I64)(uint64_t);
typedef wasm_v128 (*shape_SIMD_SPLAT_F64)(uint64_t);
typedef uint32_t (*shape_SIMD_EXTRACT_I32)(wasm_v128, unsigned);
typedef uint32_t (*shape_SIMD_EXTRACT_F32)(wasm_v128, unsigned);
typedef uint64_t (*shape_SIMD_EXTRACT_I64)(wasm_v128, unsigned);
typedef uint64_t (*shape_SIMD_EXTRACT_F64)(wasm_v128, unsigned);
typedef wasm_v128 (*shape_SIMD_REPLACE_I32)(wasm_v128, unsigned, uint32_t);
typedef wasm_v128 (*shape_SIMD_REPLACE_F32)(wasm_v128, unsigned, uint32_t);
typedef wasm_v128 (*shape_SIMD_REPLACE_I64)(wasm_v128, unsigned, uint64_t);
typedef wasm_v128 (*shape_SIMD_REPLACE_F64)(wasm_v128, unsigned, uint64_t);
typedef wasm_v128 (*shape_SIMD_LOAD)(const uint8_t *);
typedef wasm_v128 (*shape_SIMD_LOAD_LANE)(wasm_v128, const uint8_t *, unsigned);
typedef void (*shape_SIMD_STORE)(uint8_t *, wasm_v128);
typedef void (*shape_SIMD_STORE_LANE)(uint8_t *, wasm_v128, unsigned);
typedef wasm_v128 (*shape_SIMD_CONST)(const uint8_t *);
typedef wasm_v128 (*shape_SIMD_SHUFFLE)(wasm_v128, wasm_v128, const uint8_t *);

/* A compile error here names a row whose function is missing or has the wrong signature. */
#define WASM_SIMD_OP(name, opcode, shape, lanes, align) static const shape_##shape table_fn_##name = wasm_simd_##name;
#include "wasm/simd_ops.def"
#undef WASM_SIMD_OP

static void test_table(void) {
  const struct {
    const char *name;
    unsigned opcode;
    wasm_simd_shape shape;
    unsigned lanes, align;
    int has_function;
  } rows[] = {
#define WASM_SIMD_OP(name, opcode, shape, lanes, align) {#name, opcode, shape, lanes, align, table_fn_##name != 0},
#include "wasm/simd_ops.def"
#undef WASM_SIMD_OP
  };
  CHECK_EQ(sizeof rows / sizeof rows[0], 236);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    CHECK_EQ(rows[i].has_function, 1);
    if (i > 0) CHECK_EQ(rows[i - 1].opcode < rows[i].opcode, 1);
    int is_memory = rows[i].shape == SIMD_LOAD || rows[i].shape == SIMD_STORE ||
                    rows[i].shape == SIMD_LOAD_LANE || rows[i].shape == SIMD_STORE_LANE;
    if (!is_memory) CHECK_EQ(rows[i].align, 0);
    /* A lane-indexed memory access touches 16 / lanes bytes, its natural alignment. */
    if (rows[i].shape == SIMD_LOAD_LANE || rows[i].shape == SIMD_STORE_LANE)
      CHECK_EQ(rows[i].lanes << rows[i].align, 16);
  }
}

/* ---- Memory ------------------------------------------------------------------------------ */

static void test_memory(void) {
  uint8_t mem[40];
  for (int i = 0; i < 40; i++) mem[i] = (uint8_t)(0x80 + i);
  const uint8_t *p = mem + 1; /* unaligned on purpose */

  CHECK_V128(wasm_simd_v128_load(p), U8X16(0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C,
                                           0x8D, 0x8E, 0x8F, 0x90));
  CHECK_V128(wasm_simd_v128_load8x8_s(p), I16X8(-127, -126, -125, -124, -123, -122, -121, -120));
  CHECK_V128(wasm_simd_v128_load8x8_u(p), U16X8(0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88));
  CHECK_V128(wasm_simd_v128_load16x4_s(p), I32X4((int16_t)0x8281, (int16_t)0x8483, (int16_t)0x8685, (int16_t)0x8887));
  CHECK_V128(wasm_simd_v128_load16x4_u(p), U32X4(0x8281, 0x8483, 0x8685, 0x8887));
  CHECK_V128(wasm_simd_v128_load32x2_s(p), I64X2((int32_t)0x84838281, (int32_t)0x88878685));
  CHECK_V128(wasm_simd_v128_load32x2_u(p), U64X2(0x84838281, 0x88878685));
  CHECK_V128(wasm_simd_v128_load8_splat(p), U8X16(0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
                                                  0x81, 0x81, 0x81, 0x81, 0x81));
  CHECK_V128(wasm_simd_v128_load16_splat(p), U16X8(0x8281, 0x8281, 0x8281, 0x8281, 0x8281, 0x8281, 0x8281, 0x8281));
  CHECK_V128(wasm_simd_v128_load32_splat(p), U32X4(0x84838281, 0x84838281, 0x84838281, 0x84838281));
  CHECK_V128(wasm_simd_v128_load64_splat(p), U64X2(0x8887868584838281, 0x8887868584838281));
  CHECK_V128(wasm_simd_v128_load32_zero(p), U32X4(0x84838281, 0, 0, 0));
  CHECK_V128(wasm_simd_v128_load64_zero(p), U64X2(0x8887868584838281, 0));

  wasm_v128 base = U32X4(0x11111111, 0x22222222, 0x33333333, 0x44444444);
  CHECK_V128(wasm_simd_v128_load8_lane(base, p, 15), U32X4(0x11111111, 0x22222222, 0x33333333, 0x81444444));
  CHECK_V128(wasm_simd_v128_load16_lane(base, p, 1), U32X4(0x82811111, 0x22222222, 0x33333333, 0x44444444));
  CHECK_V128(wasm_simd_v128_load32_lane(base, p, 2), U32X4(0x11111111, 0x22222222, 0x84838281, 0x44444444));
  CHECK_V128(wasm_simd_v128_load64_lane(base, p, 0), U64X2(0x8887868584838281, 0x4444444433333333));

  uint8_t out[20] = {0};
  wasm_simd_v128_store(out + 3, base);
  CHECK_EQ(out[2], 0);
  CHECK_EQ(out[3], 0x11);
  CHECK_EQ(out[18], 0x44);
  CHECK_EQ(out[19], 0);
  memset(out, 0, sizeof out);
  wasm_simd_v128_store8_lane(out, base, 4);
  CHECK_EQ(out[0], 0x22);
  CHECK_EQ(out[1], 0);
  wasm_simd_v128_store16_lane(out + 1, U16X8(0, 0, 0, 0, 0, 0, 0, 0xABCD), 7);
  CHECK_EQ(out[1], 0xCD);
  CHECK_EQ(out[2], 0xAB);
  wasm_simd_v128_store32_lane(out + 5, base, 3);
  CHECK_EQ(out[5], 0x44);
  CHECK_EQ(out[8], 0x44);
  CHECK_EQ(out[9], 0);
  wasm_simd_v128_store64_lane(out + 9, U64X2(1, 0x0102030405060708), 1);
  CHECK_EQ(out[9], 0x08);
  CHECK_EQ(out[16], 0x01);
  CHECK_EQ(out[17], 0);
}

/* ---- Constants, shuffles, lanes ---------------------------------------------------------- */

static void test_lanes(void) {
  static const uint8_t bytes[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  wasm_v128 a = wasm_simd_v128_const(bytes);
  CHECK_EQ(a.u32[0], 0x03020100);
  wasm_v128 b = U8X16(100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115);
  static const uint8_t picks[16] = {31, 0, 16, 15, 17, 1, 30, 14, 2, 2, 2, 2, 18, 19, 20, 21};
  CHECK_V128(wasm_simd_i8x16_shuffle(a, b, picks),
             U8X16(115, 0, 100, 15, 101, 1, 114, 14, 2, 2, 2, 2, 102, 103, 104, 105));
  /* swizzle: indices >= 16 (including 255 and 16) select 0. */
  CHECK_V128(wasm_simd_i8x16_swizzle(b, U8X16(15, 16, 255, 0, 1, 128, 17, 2, 3, 4, 5, 6, 7, 8, 9, 10)),
             U8X16(115, 0, 0, 100, 101, 0, 0, 102, 103, 104, 105, 106, 107, 108, 109, 110));

  CHECK_V128(wasm_simd_i8x16_splat(0x1FF), U8X16(255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
                                                 255, 255, 255));
  CHECK_V128(wasm_simd_i16x8_splat(0x12345678), U16X8(0x5678, 0x5678, 0x5678, 0x5678, 0x5678, 0x5678, 0x5678, 0x5678));
  CHECK_V128(wasm_simd_f32x4_splat(F32_SNAN), U32X4(F32_SNAN, F32_SNAN, F32_SNAN, F32_SNAN));
  CHECK_V128(wasm_simd_f64x2_splat(F64_SNAN), U64X2(F64_SNAN, F64_SNAN));
  CHECK_V128(wasm_simd_i64x2_splat(0x8000000000000001ull), U64X2(0x8000000000000001ull, 0x8000000000000001ull));

  wasm_v128 v = I8X16(0, -1, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5);
  CHECK_EQ(wasm_simd_i8x16_extract_lane_s(v, 1), 0xFFFFFFFFu);
  CHECK_EQ(wasm_simd_i8x16_extract_lane_u(v, 1), 0xFFu);
  CHECK_EQ(wasm_simd_i8x16_extract_lane_s(v, 3), 0xFFFFFF80u);
  CHECK_EQ(wasm_simd_i8x16_extract_lane_u(v, 3), 0x80u);
  CHECK_EQ(wasm_simd_i8x16_extract_lane_s(v, 15), 5);
  wasm_v128 h = I16X8(0, 0, -32768, 0, 0, 0, 0, 32767);
  CHECK_EQ(wasm_simd_i16x8_extract_lane_s(h, 2), 0xFFFF8000u);
  CHECK_EQ(wasm_simd_i16x8_extract_lane_u(h, 2), 0x8000u);
  CHECK_EQ(wasm_simd_i16x8_extract_lane_s(h, 7), 32767);
  CHECK_EQ(wasm_simd_i32x4_extract_lane(U32X4(1, 2, 3, 0xDEADBEEF), 3), 0xDEADBEEF);
  CHECK_EQ(wasm_simd_i64x2_extract_lane(U64X2(1, 0x8000000000000000ull), 1), 0x8000000000000000ull);
  CHECK_EQ(wasm_simd_f32x4_extract_lane(U32X4(0, F32_SNAN, 0, 0), 1), F32_SNAN);
  CHECK_EQ(wasm_simd_f64x2_extract_lane(U64X2(F64_SNAN, 0), 0), F64_SNAN);

  CHECK_V128(wasm_simd_i8x16_replace_lane(U8X16(0), 15, 0x1234), U8X16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x34));
  CHECK_V128(wasm_simd_i16x8_replace_lane(U16X8(1, 2, 3, 4, 5, 6, 7, 8), 0, 0xABCDEF), U16X8(0xCDEF, 2, 3, 4, 5, 6, 7, 8));
  CHECK_V128(wasm_simd_i32x4_replace_lane(U32X4(1, 2, 3, 4), 2, 9), U32X4(1, 2, 9, 4));
  CHECK_V128(wasm_simd_i64x2_replace_lane(U64X2(1, 2), 1, 9), U64X2(1, 9));
  CHECK_V128(wasm_simd_f32x4_replace_lane(U32X4(1, 2, 3, 4), 0, F32_SNAN), U32X4(F32_SNAN, 2, 3, 4));
  CHECK_V128(wasm_simd_f64x2_replace_lane(U64X2(1, 2), 1, F64_SNAN), U64X2(1, F64_SNAN));
}

/* ---- Comparisons, bitwise ---------------------------------------------------------------- */

static void test_compare_and_bitwise(void) {
  wasm_v128 a = I8X16(-128, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  wasm_v128 b = I8X16(1, -128, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  CHECK_EQ(wasm_simd_i8x16_lt_s(a, b).u32[0], 0x000000FFu);
  CHECK_EQ(wasm_simd_i8x16_lt_u(a, b).u32[0], 0x0000FF00u);
  CHECK_EQ(wasm_simd_i8x16_le_u(a, b).u32[0], 0xFFFFFF00u);
  CHECK_EQ(wasm_simd_i8x16_ge_s(a, b).u32[0], 0xFFFFFF00u);
  CHECK_EQ(wasm_simd_i8x16_eq(a, b).u32[0], 0xFFFF0000u);
  CHECK_EQ(wasm_simd_i8x16_ne(a, b).u32[0], 0x0000FFFFu);
  CHECK_V128(wasm_simd_i16x8_gt_u(U16X8(0x8000, 1, 0, 0, 0, 0, 0, 0), U16X8(1, 0x8000, 0, 0, 0, 0, 0, 0)),
             U16X8(0xFFFF, 0, 0, 0, 0, 0, 0, 0));
  CHECK_V128(wasm_simd_i16x8_gt_s(U16X8(0x8000, 1, 0, 0, 0, 0, 0, 0), U16X8(1, 0x8000, 0, 0, 0, 0, 0, 0)),
             U16X8(0, 0xFFFF, 0, 0, 0, 0, 0, 0));
  CHECK_V128(wasm_simd_i32x4_lt_u(U32X4(0xFFFFFFFF, 0, 7, 7), U32X4(0, 0xFFFFFFFF, 7, 8)), U32X4(0, ~0u, 0, ~0u));
  CHECK_V128(wasm_simd_i64x2_lt_s(I64X2(INT64_MIN, 0), I64X2(INT64_MAX, -1)), U64X2(~0ull, 0));
  CHECK_V128(wasm_simd_i64x2_ge_s(I64X2(-1, -1), I64X2(-1, 0)), U64X2(~0ull, 0));

  wasm_v128 f = U32X4(F32_CANON, 0x3F800000u, F32_NEG_ZERO, 0x7F800000u);
  wasm_v128 g = U32X4(F32_CANON, 0x3F800000u, 0, 0x7F800000u);
  CHECK_V128(wasm_simd_f32x4_eq(f, g), U32X4(0, ~0u, ~0u, ~0u)); /* NaN != NaN, -0 == +0 */
  CHECK_V128(wasm_simd_f32x4_ne(f, g), U32X4(~0u, 0, 0, 0));
  CHECK_V128(wasm_simd_f32x4_lt(f, g), U32X4(0, 0, 0, 0));
  CHECK_V128(wasm_simd_f32x4_ge(f, g), U32X4(0, ~0u, ~0u, ~0u));
  CHECK_V128(wasm_simd_f64x2_le(U64X2(F64_SNAN, F64_NEG_ZERO), U64X2(0, 0)), U64X2(0, ~0ull));
  CHECK_V128(wasm_simd_f64x2_gt(F64X2(1.0, -1.0), F64X2(0.5, 0.5)), U64X2(~0ull, 0));

  wasm_v128 x = U64X2(0xFF00FF00FF00FF00ull, 0x0123456789ABCDEFull);
  wasm_v128 y = U64X2(0x0F0F0F0F0F0F0F0Full, 0xFFFFFFFF00000000ull);
  CHECK_V128(wasm_simd_v128_not(x), U64X2(0x00FF00FF00FF00FFull, 0xFEDCBA9876543210ull));
  CHECK_V128(wasm_simd_v128_and(x, y), U64X2(0x0F000F000F000F00ull, 0x0123456700000000ull));
  CHECK_V128(wasm_simd_v128_andnot(x, y), U64X2(0xF000F000F000F000ull, 0x0000000089ABCDEFull));
  CHECK_V128(wasm_simd_v128_or(x, y), U64X2(0xFF0FFF0FFF0FFF0Full, 0xFFFFFFFF89ABCDEFull));
  CHECK_V128(wasm_simd_v128_xor(x, y), U64X2(0xF00FF00FF00FF00Full, 0xFEDCBA9889ABCDEFull));
  /* bitselect takes a where the mask is 1, b where it is 0. */
  CHECK_V128(wasm_simd_v128_bitselect(U64X2(~0ull, ~0ull), U64X2(0, 0), y), y);
  CHECK_V128(wasm_simd_v128_bitselect(x, U64X2(0x1111111111111111ull, 0), y),
             U64X2(0x1F101F101F101F10ull, 0x0123456700000000ull));
  CHECK_EQ(wasm_simd_v128_any_true(U64X2(0, 0)), 0);
  CHECK_EQ(wasm_simd_v128_any_true(U64X2(0, 0x8000000000000000ull)), 1);
}

/* ---- Integer arithmetic ------------------------------------------------------------------ */

static void test_integer_unary_and_tests(void) {
  CHECK_V128(wasm_simd_i8x16_abs(I8X16(-128, -1, 1, 127, 0)), I8X16(-128, 1, 1, 127, 0));
  CHECK_V128(wasm_simd_i16x8_abs(I16X8(-32768, -5, 5)), I16X8(-32768, 5, 5));
  CHECK_V128(wasm_simd_i32x4_abs(I32X4(INT32_MIN, -7, 7, 0)), I32X4(INT32_MIN, 7, 7, 0));
  CHECK_V128(wasm_simd_i64x2_abs(I64X2(INT64_MIN, -9)), I64X2(INT64_MIN, 9));
  CHECK_V128(wasm_simd_i8x16_neg(I8X16(-128, 1, 0)), I8X16(-128, -1, 0));
  CHECK_V128(wasm_simd_i16x8_neg(I16X8(-32768, 3)), I16X8(-32768, -3));
  CHECK_V128(wasm_simd_i32x4_neg(I32X4(INT32_MIN, 1, -1, 0)), I32X4(INT32_MIN, -1, 1, 0));
  CHECK_V128(wasm_simd_i64x2_neg(I64X2(INT64_MIN, 1)), I64X2(INT64_MIN, -1));
  CHECK_V128(wasm_simd_i8x16_popcnt(U8X16(0xFF, 0x55, 0x80, 0, 0x0F)), U8X16(8, 4, 1, 0, 4));

  CHECK_EQ(wasm_simd_i8x16_all_true(U8X16(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x80)), 1);
  CHECK_EQ(wasm_simd_i8x16_all_true(U8X16(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0)), 0);
  CHECK_EQ(wasm_simd_i16x8_all_true(U16X8(0x100, 1, 1, 1, 1, 1, 1, 1)), 1);
  CHECK_EQ(wasm_simd_i16x8_all_true(U8X16(1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1)), 1);
  CHECK_EQ(wasm_simd_i32x4_all_true(U32X4(1, 1, 0, 1)), 0);
  CHECK_EQ(wasm_simd_i64x2_all_true(U64X2(0x100000000ull, 1)), 1);
  CHECK_EQ(wasm_simd_i64x2_all_true(U64X2(1, 0)), 0);

  /* Bit i of the mask is the sign of lane i. */
  CHECK_EQ(wasm_simd_i8x16_bitmask(I8X16(-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, -128)), 0x8001);
  CHECK_EQ(wasm_simd_i8x16_bitmask(I8X16(0, -1, 127, -2)), 0xA);
  CHECK_EQ(wasm_simd_i16x8_bitmask(I16X8(0, -32768, 32767, 0, 0, 0, 0, -1)), 0x82);
  CHECK_EQ(wasm_simd_i32x4_bitmask(I32X4(-1, 0, INT32_MIN, INT32_MAX)), 0x5);
  CHECK_EQ(wasm_simd_i64x2_bitmask(I64X2(1, -1)), 0x2);
}

static void test_widen_narrow(void) {
  wasm_v128 a = I16X8(300, -300, 127, -128, 128, -129, 255, 256);
  wasm_v128 b = I16X8(0, -1, 1, 32767, -32768, 2, 3, 4);
  CHECK_V128(wasm_simd_i8x16_narrow_i16x8_s(a, b),
             I8X16(127, -128, 127, -128, 127, -128, 127, 127, 0, -1, 1, 127, -128, 2, 3, 4));
  CHECK_V128(wasm_simd_i8x16_narrow_i16x8_u(a, b),
             U8X16(255, 0, 127, 0, 128, 0, 255, 255, 0, 0, 1, 255, 0, 2, 3, 4));
  CHECK_V128(wasm_simd_i16x8_narrow_i32x4_s(I32X4(70000, -70000, 32768, -32769), I32X4(1, -1, 32767, -32768)),
             I16X8(32767, -32768, 32767, -32768, 1, -1, 32767, -32768));
  CHECK_V128(wasm_simd_i16x8_narrow_i32x4_u(I32X4(70000, -70000, 65535, 65536), I32X4(1, -1, 32768, 0)),
             U16X8(65535, 0, 65535, 65535, 1, 0, 32768, 0));

  wasm_v128 bytes = I8X16(-1, 2, -3, 4, -5, 6, -7, 8, -128, 127, -2, 3, -4, 5, -6, 7);
  CHECK_V128(wasm_simd_i16x8_extend_low_i8x16_s(bytes), I16X8(-1, 2, -3, 4, -5, 6, -7, 8));
  CHECK_V128(wasm_simd_i16x8_extend_high_i8x16_s(bytes), I16X8(-128, 127, -2, 3, -4, 5, -6, 7));
  CHECK_V128(wasm_simd_i16x8_extend_low_i8x16_u(bytes), I16X8(255, 2, 253, 4, 251, 6, 249, 8));
  CHECK_V128(wasm_simd_i16x8_extend_high_i8x16_u(bytes), I16X8(128, 127, 254, 3, 252, 5, 250, 7));
  wasm_v128 halves = I16X8(-1, 1, -32768, 32767, -2, 2, -3, 3);
  CHECK_V128(wasm_simd_i32x4_extend_low_i16x8_s(halves), I32X4(-1, 1, -32768, 32767));
  CHECK_V128(wasm_simd_i32x4_extend_high_i16x8_u(halves), I32X4(65534, 2, 65533, 3));
  wasm_v128 words = I32X4(-1, 5, INT32_MIN, 7);
  CHECK_V128(wasm_simd_i64x2_extend_low_i32x4_s(words), I64X2(-1, 5));
  CHECK_V128(wasm_simd_i64x2_extend_high_i32x4_s(words), I64X2(INT32_MIN, 7));
  CHECK_V128(wasm_simd_i64x2_extend_low_i32x4_u(words), I64X2(0xFFFFFFFFll, 5));
  CHECK_V128(wasm_simd_i64x2_extend_high_i32x4_u(words), I64X2(0x80000000ll, 7));

  CHECK_V128(wasm_simd_i16x8_extadd_pairwise_i8x16_s(I8X16(-128, -128, 127, 127, -1, 1)), I16X8(-256, 254, 0));
  CHECK_V128(wasm_simd_i16x8_extadd_pairwise_i8x16_u(U8X16(255, 255, 1, 2)), I16X8(510, 3));
  CHECK_V128(wasm_simd_i32x4_extadd_pairwise_i16x8_s(I16X8(-32768, -32768, 32767, 32767)), I32X4(-65536, 65534));
  CHECK_V128(wasm_simd_i32x4_extadd_pairwise_i16x8_u(U16X8(65535, 65535)), I32X4(131070));

  wasm_v128 m = I8X16(-128, 2, 0, 0, 0, 0, 0, 0, -128, -1, 0, 0, 0, 0, 0, 3);
  wasm_v128 n = I8X16(-128, -3, 0, 0, 0, 0, 0, 0, 127, -1, 0, 0, 0, 0, 0, 5);
  CHECK_V128(wasm_simd_i16x8_extmul_low_i8x16_s(m, n), I16X8(16384, -6));
  CHECK_V128(wasm_simd_i16x8_extmul_high_i8x16_s(m, n), I16X8(-16256, 1, 0, 0, 0, 0, 0, 15));
  CHECK_V128(wasm_simd_i16x8_extmul_low_i8x16_u(m, n), U16X8(16384, 2 * 253));
  CHECK_V128(wasm_simd_i16x8_extmul_high_i8x16_u(m, n), U16X8(128 * 127, 65025, 0, 0, 0, 0, 0, 15));
  wasm_v128 p = I16X8(-32768, 2, 0, 0, -32768, -1, 0, 0);
  CHECK_V128(wasm_simd_i32x4_extmul_low_i16x8_s(p, p), I32X4(1 << 30, 4));
  CHECK_V128(wasm_simd_i32x4_extmul_high_i16x8_u(p, p), U32X4(1u << 30, 0xFFFE0001u));
  wasm_v128 q = U32X4(0xFFFFFFFFu, 2, 0x80000000u, 3);
  CHECK_V128(wasm_simd_i64x2_extmul_low_i32x4_u(q, q), U64X2(0xFFFFFFFE00000001ull, 4));
  CHECK_V128(wasm_simd_i64x2_extmul_low_i32x4_s(q, q), I64X2(1, 4));
  CHECK_V128(wasm_simd_i64x2_extmul_high_i32x4_s(q, q), I64X2(0x4000000000000000ll, 9));
  CHECK_V128(wasm_simd_i64x2_extmul_high_i32x4_u(q, q), U64X2(0x4000000000000000ull, 9));
}

static void test_shifts(void) {
  wasm_v128 v = I8X16(-128, 1, 64, -1);
  CHECK_V128(wasm_simd_i8x16_shl(v, 1), I8X16(0, 2, -128, -2));
  CHECK_V128(wasm_simd_i8x16_shl(v, 9), I8X16(0, 2, -128, -2)); /* count mod 8 */
  CHECK_V128(wasm_simd_i8x16_shr_s(v, 1), I8X16(-64, 0, 32, -1));
  CHECK_V128(wasm_simd_i8x16_shr_u(v, 1), I8X16(64, 0, 32, 127));
  CHECK_V128(wasm_simd_i8x16_shr_u(v, 8), v);
  CHECK_V128(wasm_simd_i16x8_shr_s(I16X8(-32768, 4), 17), I16X8(-16384, 2));
  CHECK_V128(wasm_simd_i16x8_shl(I16X8(-32768, 0x4001), 1), I16X8(0, -32766));
  CHECK_V128(wasm_simd_i16x8_shr_u(I16X8(-32768), 15), I16X8(1));
  CHECK_V128(wasm_simd_i32x4_shl(I32X4(1, -1), 31), I32X4(INT32_MIN, INT32_MIN));
  CHECK_V128(wasm_simd_i32x4_shr_s(I32X4(INT32_MIN, 8), 32), I32X4(INT32_MIN, 8));
  CHECK_V128(wasm_simd_i32x4_shr_u(I32X4(INT32_MIN, 8), 0xFFFFFFFFu), I32X4(1, 0));
  CHECK_V128(wasm_simd_i64x2_shl(I64X2(1, 3), 65), I64X2(2, 6));
  CHECK_V128(wasm_simd_i64x2_shr_s(I64X2(INT64_MIN, -1), 63), I64X2(-1, -1));
  CHECK_V128(wasm_simd_i64x2_shr_u(I64X2(INT64_MIN, -1), 63), I64X2(1, 1));
}

static void test_add_mul_minmax(void) {
  CHECK_V128(wasm_simd_i8x16_add(U8X16(255, 128), U8X16(1, 128)), U8X16(0, 0));
  CHECK_V128(wasm_simd_i16x8_sub(U16X8(0), U16X8(1)), U16X8(65535));
  CHECK_V128(wasm_simd_i32x4_add(U32X4(0xFFFFFFFFu, 1), U32X4(1, 2)), U32X4(0, 3));
  CHECK_V128(wasm_simd_i64x2_sub(I64X2(INT64_MIN, 5), I64X2(1, 7)), I64X2(INT64_MAX, -2));
  CHECK_V128(wasm_simd_i16x8_mul(U16X8(65535, 0x8000, 300), U16X8(65535, 2, 300)), U16X8(1, 0, (uint16_t)90000));
  CHECK_V128(wasm_simd_i32x4_mul(U32X4(0xFFFFFFFFu, 0x10000, 3), U32X4(0xFFFFFFFFu, 0x10000, 5)), U32X4(1, 0, 15));
  CHECK_V128(wasm_simd_i64x2_mul(I64X2(INT64_MIN, -3), I64X2(-1, 7)), I64X2(INT64_MIN, -21));

  CHECK_V128(wasm_simd_i8x16_add_sat_s(I8X16(100, -100, 127, -128), I8X16(100, -100, -1, -1)),
             I8X16(127, -128, 126, -128));
  CHECK_V128(wasm_simd_i8x16_add_sat_u(U8X16(200, 1), U8X16(100, 2)), U8X16(255, 3));
  CHECK_V128(wasm_simd_i8x16_sub_sat_s(I8X16(-100, 100, -128), I8X16(100, -100, 1)), I8X16(-128, 127, -128));
  CHECK_V128(wasm_simd_i8x16_sub_sat_u(U8X16(10, 20, 255), U8X16(20, 10, 255)), U8X16(0, 10, 0));
  CHECK_V128(wasm_simd_i16x8_add_sat_s(I16X8(32000, -32000), I16X8(1000, -1000)), I16X8(32767, -32768));
  CHECK_V128(wasm_simd_i16x8_add_sat_u(U16X8(65000, 5), U16X8(1000, 6)), U16X8(65535, 11));
  CHECK_V128(wasm_simd_i16x8_sub_sat_s(I16X8(-32768, 32767), I16X8(1, -1)), I16X8(-32768, 32767));
  CHECK_V128(wasm_simd_i16x8_sub_sat_u(U16X8(1, 65535), U16X8(2, 1)), U16X8(0, 65534));

  CHECK_V128(wasm_simd_i8x16_min_s(I8X16(-128, 127), I8X16(127, -128)), I8X16(-128, -128));
  CHECK_V128(wasm_simd_i8x16_min_u(I8X16(-128, 127), I8X16(127, -128)), I8X16(127, 127));
  CHECK_V128(wasm_simd_i8x16_max_s(I8X16(-128, 127), I8X16(127, -128)), I8X16(127, 127));
  CHECK_V128(wasm_simd_i8x16_max_u(I8X16(-128, 127), I8X16(127, -128)), I8X16(-128, -128));
  CHECK_V128(wasm_simd_i16x8_min_u(I16X8(-1, 0), I16X8(1, -1)), I16X8(1, 0));
  CHECK_V128(wasm_simd_i16x8_max_s(I16X8(-1, 0), I16X8(1, -1)), I16X8(1, 0));
  CHECK_V128(wasm_simd_i32x4_min_s(I32X4(INT32_MIN, -1), I32X4(0, 1)), I32X4(INT32_MIN, -1));
  CHECK_V128(wasm_simd_i32x4_max_u(I32X4(INT32_MIN, -1), I32X4(0, 1)), I32X4(INT32_MIN, -1));
  CHECK_V128(wasm_simd_i32x4_min_u(I32X4(INT32_MIN, -1), I32X4(0, 1)), I32X4(0, 1));
  CHECK_V128(wasm_simd_i32x4_max_s(I32X4(INT32_MIN, -1), I32X4(0, 1)), I32X4(0, 1));
  CHECK_V128(wasm_simd_i8x16_avgr_u(U8X16(255, 0, 1, 2), U8X16(255, 1, 2, 2)), U8X16(255, 1, 2, 2));
  CHECK_V128(wasm_simd_i16x8_avgr_u(U16X8(65535, 0), U16X8(65534, 1)), U16X8(65535, 1));

  CHECK_V128(wasm_simd_i16x8_q15mulr_sat_s(I16X8(-32768, 16384, 1, -1, 32767, -32768, 3),
                                           I16X8(-32768, 16384, 16384, 16384, 32767, 32767, 0)),
             I16X8(32767, 8192, 1, 0, 32766, -32767, 0));
  CHECK_V128(wasm_simd_i32x4_dot_i16x8_s(I16X8(-32768, -32768, 1, 2, 32767, 32767, -1, 1),
                                         I16X8(-32768, -32768, 3, 4, 32767, 32767, 5, 5)),
             I32X4(INT32_MIN, 11, 2147352578, 0));
}

/* ---- Floats ------------------------------------------------------------------------------ */

static void test_float_arith(void) {
  wasm_v128 r = wasm_simd_f32x4_add(F32X4(1.5f, 3e38f, 0, 0), F32X4(2.25f, 3e38f, 0, 0));
  CHECK_EQ(r.f32[0] == 3.75f, 1);
  CHECK_EQ(r.u32[1], 0x7F800000u); /* overflow to +inf */
  r = wasm_simd_f32x4_add(U32X4(F32_SNAN, F32_CANON, 0x7F800000u, 0), U32X4(0, 0x3F800000u, 0xFF800000u, 0));
  CHECK_EQ(f32_is_arithmetic_nan(r.u32[0]), 1);
  CHECK_EQ(f32_is_canonical_nan(r.u32[1]), 1);
  CHECK_EQ(f32_is_canonical_nan(r.u32[2]), 1); /* inf + -inf */
  r = wasm_simd_f32x4_div(F32X4(1, -1, 0, 6), F32X4(0, 0, 0, 3));
  CHECK_EQ(r.u32[0], 0x7F800000u);
  CHECK_EQ(r.u32[1], 0xFF800000u);
  CHECK_EQ(f32_is_canonical_nan(r.u32[2]), 1); /* 0 / 0 */
  CHECK_EQ(r.u32[3], 0x40000000u);
  r = wasm_simd_f32x4_sqrt(F32X4(4, -1, 2, 0));
  CHECK_EQ(r.f32[0] == 2.0f, 1);
  CHECK_EQ(f32_is_canonical_nan(r.u32[1]), 1);
  CHECK_EQ(r.u32[2], 0x3FB504F3u);
  wasm_v128 d = wasm_simd_f64x2_mul(F64X2(1e300, 3.0), F64X2(1e300, -0.5));
  CHECK_EQ(d.u64[0], 0x7FF0000000000000ull);
  CHECK_EQ(d.f64[1] == -1.5, 1);
  d = wasm_simd_f64x2_sub(U64X2(F64_CANON, 0), U64X2(0, F64_CANON));
  CHECK_EQ(f64_is_canonical_nan(d.u64[0]), 1);
  CHECK_EQ(f64_is_canonical_nan(d.u64[1]), 1);

  /* abs/neg are sign-bit operations: NaN payloads survive, even signalling ones. */
  CHECK_V128(wasm_simd_f32x4_abs(U32X4(F32_SNAN | 0x80000000u, F32_NEG_ZERO, 0xBF800000u, 1)),
             U32X4(F32_SNAN, 0, 0x3F800000u, 1));
  CHECK_V128(wasm_simd_f32x4_neg(U32X4(F32_SNAN, 0, 0xBF800000u, F32_NEG_ZERO)),
             U32X4(F32_SNAN | 0x80000000u, F32_NEG_ZERO, 0x3F800000u, 0));
  CHECK_V128(wasm_simd_f64x2_abs(U64X2(F64_SNAN | F64_NEG_ZERO, F64_NEG_ZERO)), U64X2(F64_SNAN, 0));
  CHECK_V128(wasm_simd_f64x2_neg(U64X2(F64_SNAN, 0)), U64X2(F64_SNAN | F64_NEG_ZERO, F64_NEG_ZERO));
}

static void test_float_min_max(void) {
  /* min/max: -0 < +0 in both argument orders; NaN propagates quieted. */
  CHECK_V128(wasm_simd_f32x4_min(U32X4(F32_NEG_ZERO, 0, F32_SNAN, 0x3F800000u), U32X4(0, F32_NEG_ZERO, 0x3F800000u, F32_CANON)),
             U32X4(F32_NEG_ZERO, F32_NEG_ZERO, F32_QNAN_PAYLOAD, F32_CANON));
  CHECK_V128(wasm_simd_f32x4_max(U32X4(F32_NEG_ZERO, 0, F32_SNAN, 0x3F800000u), U32X4(0, F32_NEG_ZERO, 0x3F800000u, F32_CANON)),
             U32X4(0, 0, F32_QNAN_PAYLOAD, F32_CANON));
  CHECK_V128(wasm_simd_f32x4_min(F32X4(1, -5, 3, -1e30f), F32X4(2, 5, -3, 1e30f)), F32X4(1, -5, -3, -1e30f));
  CHECK_V128(wasm_simd_f32x4_max(F32X4(1, -5, 3, -1e30f), F32X4(2, 5, -3, 1e30f)), F32X4(2, 5, 3, 1e30f));
  CHECK_V128(wasm_simd_f64x2_min(U64X2(0, F64_SNAN), U64X2(F64_NEG_ZERO, 0)), U64X2(F64_NEG_ZERO, F64_QNAN_PAYLOAD));
  CHECK_V128(wasm_simd_f64x2_max(U64X2(0, 0), U64X2(F64_NEG_ZERO, F64_CANON)), U64X2(0, F64_CANON));
  CHECK_V128(wasm_simd_f64x2_max(F64X2(-1, 7), F64X2(-2, 8)), F64X2(-1, 8));

  /* pmin = b < a ? b : a, pmax = a < b ? b : a: pure selects, bits untouched. */
  wasm_v128 a = U32X4(F32_SNAN, 0x3F800000u, F32_NEG_ZERO, 0);
  wasm_v128 b = U32X4(0x3F800000u, F32_SNAN, 0, F32_NEG_ZERO);
  CHECK_V128(wasm_simd_f32x4_pmin(a, b), a);
  CHECK_V128(wasm_simd_f32x4_pmax(a, b), a);
  CHECK_V128(wasm_simd_f32x4_pmin(F32X4(1, 2, -3, 4), F32X4(2, 1, -4, 4)), F32X4(1, 1, -4, 4));
  CHECK_V128(wasm_simd_f32x4_pmax(F32X4(1, 2, -3, 4), F32X4(2, 1, -4, 4)), F32X4(2, 2, -3, 4));
  CHECK_V128(wasm_simd_f64x2_pmin(U64X2(F64_SNAN, 0), U64X2(0, F64_NEG_ZERO)), U64X2(F64_SNAN, 0));
  CHECK_V128(wasm_simd_f64x2_pmax(U64X2(0, F64_NEG_ZERO), U64X2(F64_SNAN, 0)), U64X2(0, F64_NEG_ZERO));
  CHECK_V128(wasm_simd_f64x2_pmin(F64X2(3, -3), F64X2(2, -2)), F64X2(2, -3));
  CHECK_V128(wasm_simd_f64x2_pmax(F64X2(3, -3), F64X2(2, -2)), F64X2(3, -2));
}

static void test_float_rounding(void) {
  /* nearest rounds half to even and keeps the sign of zero. */
  CHECK_V128(wasm_simd_f32x4_nearest(F32X4(2.5f, 3.5f, -2.5f, -0.5f)), F32X4(2, 4, -2, -0.0f));
  CHECK_EQ(wasm_simd_f32x4_nearest(F32X4(-0.5f)).u32[0], F32_NEG_ZERO);
  CHECK_V128(wasm_simd_f32x4_ceil(F32X4(1.1f, -1.9f, 8388607.5f, -0.5f)), F32X4(2, -1, 8388608.0f, -0.0f));
  CHECK_EQ(wasm_simd_f32x4_ceil(F32X4(0, 0, 0, -0.5f)).u32[3], F32_NEG_ZERO);
  CHECK_V128(wasm_simd_f32x4_floor(F32X4(1.9f, -1.1f, 0.5f, -0.0f)), F32X4(1, -2, 0, -0.0f));
  CHECK_EQ(wasm_simd_f32x4_floor(F32X4(0, 0, 0, -0.0f)).u32[3], F32_NEG_ZERO);
  CHECK_V128(wasm_simd_f32x4_trunc(F32X4(1.9f, -1.9f, 1e30f, -0.7f)), F32X4(1, -1, 1e30f, -0.0f));
  CHECK_EQ(wasm_simd_f32x4_trunc(F32X4(0, 0, 0, -0.7f)).u32[3], F32_NEG_ZERO);
  /* NaNs come back quieted with their payload; canonical stays canonical. */
  CHECK_V128(wasm_simd_f32x4_floor(U32X4(F32_SNAN, F32_CANON, 0xFF800000u, 0x7F800000u)),
             U32X4(F32_QNAN_PAYLOAD, F32_CANON, 0xFF800000u, 0x7F800000u));
  CHECK_V128(wasm_simd_f32x4_nearest(U32X4(F32_SNAN, 0, 0, 0)), U32X4(F32_QNAN_PAYLOAD, 0, 0, 0));

  CHECK_V128(wasm_simd_f64x2_nearest(F64X2(0.5, 1.5)), F64X2(0, 2));
  CHECK_V128(wasm_simd_f64x2_nearest(F64X2(4503599627370497.0, -4503599627370495.5)),
             F64X2(4503599627370497.0, -4503599627370496.0));
  CHECK_V128(wasm_simd_f64x2_ceil(F64X2(-0.1, 1.0000001)), F64X2(-0.0, 2));
  CHECK_EQ(wasm_simd_f64x2_ceil(F64X2(-0.1, 0)).u64[0], F64_NEG_ZERO);
  CHECK_V128(wasm_simd_f64x2_floor(F64X2(-0.1, 1.999)), F64X2(-1, 1));
  CHECK_V128(wasm_simd_f64x2_trunc(F64X2(-1.999, 1e300)), F64X2(-1, 1e300));
  CHECK_V128(wasm_simd_f64x2_trunc(U64X2(F64_SNAN, F64_CANON)), U64X2(F64_QNAN_PAYLOAD, F64_CANON));
}

static void test_conversions(void) {
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f32x4_s(U32X4(F32_CANON, 0, 0, 0)), I32X4(0));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f32x4_s(F32X4(3e9f, -3e9f, -1.9f, 2147483520.0f)),
             I32X4(INT32_MAX, INT32_MIN, -1, 2147483520));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f32x4_s(F32X4(2147483648.0f, -2147483648.0f, 0.99f, -0.0f)),
             I32X4(INT32_MAX, INT32_MIN, 0, 0));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f32x4_s(U32X4(0x7F800000u, 0xFF800000u, F32_SNAN | 0x80000000u, 0)),
             I32X4(INT32_MAX, INT32_MIN, 0, 0));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f32x4_u(F32X4(-0.9f, -1.0f, 4294967040.0f, 5e9f)), U32X4(0, 0, 4294967040u, UINT32_MAX));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f32x4_u(U32X4(F32_CANON, 0xFF800000u, 0x7F800000u, 0x4F000000u)),
             U32X4(0, 0, UINT32_MAX, 0x80000000u));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f64x2_s_zero(F64X2(-2147483648.9, 2147483647.9)), I32X4(INT32_MIN, INT32_MAX, 0, 0));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f64x2_s_zero(F64X2(-2147483649.0, 1e300)), I32X4(INT32_MIN, INT32_MAX, 0, 0));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f64x2_s_zero(U64X2(F64_CANON, 0)), I32X4(0, 0, 0, 0));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f64x2_u_zero(F64X2(4294967295.9, -0.99)), U32X4(UINT32_MAX, 0, 0, 0));
  CHECK_V128(wasm_simd_i32x4_trunc_sat_f64x2_u_zero(F64X2(4294967296.0, 42.7)), U32X4(UINT32_MAX, 42, 0, 0));

  CHECK_V128(wasm_simd_f32x4_convert_i32x4_s(I32X4(INT32_MIN, -1, 16777217, INT32_MAX)),
             F32X4(-2147483648.0f, -1, 16777216.0f, 2147483648.0f));
  CHECK_V128(wasm_simd_f32x4_convert_i32x4_u(U32X4(UINT32_MAX, 0x80000000u, 16777219, 0)),
             F32X4(4294967296.0f, 2147483648.0f, 16777220.0f, 0));
  CHECK_V128(wasm_simd_f64x2_convert_low_i32x4_s(I32X4(INT32_MIN, -1, 99, 99)), F64X2(-2147483648.0, -1));
  CHECK_V128(wasm_simd_f64x2_convert_low_i32x4_u(U32X4(UINT32_MAX, 7, 99, 99)), F64X2(4294967295.0, 7));

  /* demote rounds to nearest-even, overflows to inf, quiets NaN, clears the upper lanes. */
  wasm_v128 d = wasm_simd_f32x4_demote_f64x2_zero(F64X2(1.0 + 0x1p-24, 1e300));
  CHECK_V128(d, U32X4(0x3F800000u, 0x7F800000u, 0, 0));
  d = wasm_simd_f32x4_demote_f64x2_zero(U64X2(F64_CANON, F64_SNAN));
  CHECK_EQ(f32_is_canonical_nan(d.u32[0]), 1);
  CHECK_EQ(f32_is_arithmetic_nan(d.u32[1]), 1);
  CHECK_EQ(d.u64[1], 0);
  CHECK_V128(wasm_simd_f32x4_demote_f64x2_zero(F64X2(-0.0, 0x1p-150)), U32X4(F32_NEG_ZERO, 0, 0, 0));
  wasm_v128 p = wasm_simd_f64x2_promote_low_f32x4(U32X4(0x3FC00000u, F32_CANON, 0x40000000u, 0x40000000u));
  CHECK_EQ(p.f64[0] == 1.5, 1);
  CHECK_EQ(f64_is_canonical_nan(p.u64[1]), 1);
  p = wasm_simd_f64x2_promote_low_f32x4(U32X4(F32_SNAN, F32_NEG_ZERO, 0, 0));
  CHECK_EQ((p.u64[0] & 0x7FF8000000000000ull) == 0x7FF8000000000000ull, 1);
  CHECK_EQ(p.u64[1], F64_NEG_ZERO);
}

int main(void) {
  test_table();
  test_memory();
  test_lanes();
  test_compare_and_bitwise();
  test_integer_unary_and_tests();
  test_widen_narrow();
  test_shifts();
  test_add_mul_minmax();
  test_float_arith();
  test_float_min_max();
  test_float_rounding();
  test_conversions();
  if (failures) {
    fprintf(stderr, "%d SIMD checks failed\n", failures);
    return 1;
  }
  printf("simd: all checks passed\n");
  return 0;
}
