/* SIMD (0xFD prefix) instructions: each sub-opcode's shape (simd_ops.def) says its immediates
 * and operands; the internal opcode is simd_<name> with the operands in the order of the shape. */
#include <string.h>

#include "compile_internal.h"

int compile_simd_shape(uint32_t sub) {
  switch (sub) {
#define WASM_SIMD_OP(name, opcode, shape, lanes, align) \
  case opcode:                                          \
    return shape;
#include "simd_ops.def"
#undef WASM_SIMD_OP
  default:
    return -1;
  }
}

/* Loads and stores, of a whole vector or of one lane. */
static bool simd_memory(compiler *c, enum wasm_iop iop, int shape) {
  uint32_t offset = 0, dst;
  uint8_t lane;
  operand a = {0}, b = {0}; /* zeroed: gcc -O3 cannot see that every read follows a pop */
  switch (shape) {
  case SIMD_LOAD:
    if (!compile_read_memarg(c, &offset) || !pop(c, &a)) return false;
    dst = push_result(c, WASM_V128);
    emit_op(c, iop);
    note_result(c, emit(c, dst));
    emit(c, a.where);
    emit(c, offset);
    return true;
  case SIMD_STORE:
    if (!compile_read_memarg(c, &offset) || !pop(c, &b) || !pop(c, &a)) return false;
    emit_op(c, iop);
    emit(c, a.where);
    emit(c, b.where);
    emit(c, offset);
    return true;
  default: /* SIMD_LOAD_LANE, SIMD_STORE_LANE */
    if (!compile_read_memarg(c, &offset) || !wasm_read_u8(&c->r, &lane) || !pop(c, &b) || !pop(c, &a)) return false;
    emit_op(c, iop);
    if (shape == SIMD_LOAD_LANE) {
      dst = push_result(c, WASM_V128);
      note_result(c, emit(c, dst));
    }
    emit(c, a.where);
    emit(c, b.where);
    emit(c, offset);
    emit(c, lane);
    return true;
  }
}

/* v128.const and i8x16.shuffle: 16 immediate bytes, as four words. */
static bool simd_bytes(compiler *c, enum wasm_iop iop, bool shuffle) {
  const uint8_t *bytes;
  operand a = {0}, b = {0};
  if (!wasm_read_bytes(&c->r, 16, &bytes)) return false;
  if (shuffle && (!pop(c, &b) || !pop(c, &a))) return false;
  uint32_t dst = push_result(c, WASM_V128);
  emit_op(c, iop);
  uint32_t dst_word = emit(c, dst);
  if (shuffle) {
    emit(c, a.where);
    emit(c, b.where);
  }
  for (int k = 0; k < 4; k++) {
    uint32_t w;
    memcpy(&w, bytes + 4 * k, 4);
    emit(c, w);
  }
  note_result(c, dst_word);
  return true;
}

/* extract_lane and replace_lane: a lane immediate. */
static bool simd_lane(compiler *c, enum wasm_iop iop, int shape) {
  static const uint8_t types[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
  uint8_t lane;
  operand a = {0}, x = {0};
  uint32_t dst;
  if (shape >= SIMD_EXTRACT_I32 && shape <= SIMD_EXTRACT_F64) {
    if (!wasm_read_u8(&c->r, &lane) || !pop(c, &a)) return false;
    dst = push(c, types[shape - SIMD_EXTRACT_I32]);
    emit_op(c, iop);
    note_result(c, emit(c, dst));
    emit(c, a.where);
    emit(c, lane);
    return true;
  }
  if (!wasm_read_u8(&c->r, &lane) || !pop(c, &x) || !pop(c, &a)) return false;
  dst = push_result(c, WASM_V128);
  emit_op(c, iop);
  note_result(c, emit(c, dst));
  emit(c, a.where);
  emit(c, x.where);
  emit(c, lane);
  return true;
}

/* Everything without immediates: one to three operands, one result. */
static bool simd_arithmetic(compiler *c, enum wasm_iop iop, int shape) {
  operand args[3];
  int nargs = shape == SIMD_TERNARY ? 3 : shape == SIMD_BINARY || shape == SIMD_SHIFT ? 2 : 1;
  if (!pop_n(c, args, nargs)) return false;
  uint32_t dst = push_result(c, shape == SIMD_TEST ? WASM_I32 : WASM_V128);
  emit_op(c, iop);
  note_result(c, emit(c, dst));
  for (int k = 0; k < nargs; k++) emit(c, args[k].where);
  return true;
}

bool compile_simd(compiler *c) {
  uint32_t sub;
  if (!wasm_read_u32(&c->r, &sub)) return false;
  enum wasm_iop iop;
  switch (sub) {
#define WASM_SIMD_OP(name, opcode, shape, lanes, align) \
  case opcode:                                          \
    iop = WASM_IOP_simd_##name;                         \
    break;
#include "simd_ops.def"
#undef WASM_SIMD_OP
  default:
    return fail(c, "unknown SIMD opcode");
  }
  int shape = compile_simd_shape(sub);
  switch (shape) {
  case SIMD_LOAD: case SIMD_STORE: case SIMD_LOAD_LANE: case SIMD_STORE_LANE:
    return simd_memory(c, iop, shape);
  case SIMD_CONST: case SIMD_SHUFFLE:
    return simd_bytes(c, iop, shape == SIMD_SHUFFLE);
  case SIMD_EXTRACT_I32: case SIMD_EXTRACT_I64: case SIMD_EXTRACT_F32: case SIMD_EXTRACT_F64:
  case SIMD_REPLACE_I32: case SIMD_REPLACE_I64: case SIMD_REPLACE_F32: case SIMD_REPLACE_F64:
    return simd_lane(c, iop, shape);
  case SIMD_SPLAT_I32: case SIMD_SPLAT_I64: case SIMD_SPLAT_F32: case SIMD_SPLAT_F64:
  case SIMD_UNARY: case SIMD_TEST: case SIMD_BINARY: case SIMD_SHIFT: case SIMD_TERNARY:
    return simd_arithmetic(c, iop, shape);
  default:
    return fail(c, "unknown SIMD opcode");
  }
}
