/* The SIMD instruction table's vocabulary. simd_ops.def lists every 0xFD-prefixed
 * instruction once as
 *
 *   WASM_SIMD_OP(name, opcode, shape, lanes, align)
 *
 *   name   C identifier (i8x16_add); the text name replaces the first '_' by '.'
 *   opcode the u32 LEB after the 0xFD prefix
 *   shape  one of the wasm_simd_shape values below: operand/result types and immediates
 *   lanes  lane count for lane-index immediates (extract/replace/load_lane/store_lane), else 0
 *   align  log2 of the natural alignment for memory instructions (max alignment), else 0
 *
 * The decoder, validator, compiler and interpreter all use this one table. simd.h gives
 * each instruction's semantics as an inline function `wasm_simd_<name>` whose signature
 * follows from its shape (see simd.h). */
#ifndef WARREN_WASM_SIMD_OPS_H
#define WARREN_WASM_SIMD_OPS_H

typedef enum {
  SIMD_LOAD,        /* memarg;        [i32] -> [v128] */
  SIMD_STORE,       /* memarg;        [i32 v128] -> [] */
  SIMD_LOAD_LANE,   /* memarg, lane;  [i32 v128] -> [v128] */
  SIMD_STORE_LANE,  /* memarg, lane;  [i32 v128] -> [] */
  SIMD_CONST,       /* 16 bytes;      [] -> [v128] */
  SIMD_SHUFFLE,     /* 16 lane bytes (each < 32); [v128 v128] -> [v128] */
  SIMD_EXTRACT_I32, /* lane;          [v128] -> [i32] */
  SIMD_EXTRACT_I64, /* lane;          [v128] -> [i64] */
  SIMD_EXTRACT_F32, /* lane;          [v128] -> [f32] */
  SIMD_EXTRACT_F64, /* lane;          [v128] -> [f64] */
  SIMD_REPLACE_I32, /* lane;          [v128 i32] -> [v128] */
  SIMD_REPLACE_I64, /* lane;          [v128 i64] -> [v128] */
  SIMD_REPLACE_F32, /* lane;          [v128 f32] -> [v128] */
  SIMD_REPLACE_F64, /* lane;          [v128 f64] -> [v128] */
  SIMD_SPLAT_I32,   /*                [i32] -> [v128] */
  SIMD_SPLAT_I64,   /*                [i64] -> [v128] */
  SIMD_SPLAT_F32,   /*                [f32] -> [v128] */
  SIMD_SPLAT_F64,   /*                [f64] -> [v128] */
  SIMD_UNARY,       /*                [v128] -> [v128] */
  SIMD_BINARY,      /*                [v128 v128] -> [v128] */
  SIMD_TERNARY,     /*                [v128 v128 v128] -> [v128] */
  SIMD_TEST,        /*                [v128] -> [i32] */
  SIMD_SHIFT,       /*                [v128 i32] -> [v128] */
} wasm_simd_shape;

#endif
