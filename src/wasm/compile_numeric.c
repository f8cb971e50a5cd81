/* Fixed-signature instructions (opcodes.def: arithmetic, comparisons, conversions, and the 0xFC
 * saturating truncations): each maps one-to-one to an internal opcode, op dst a [b], unless
 * compile_fuse.c folds the instruction before it in. */
#include "compile_internal.h"

typedef struct simple_op {
  uint16_t iop; /* 0 = not simple */
  uint8_t nargs, arg, result;
} simple_op;

static simple_op sig_info(wasm_op_sig sig, enum wasm_iop iop) {
  simple_op s = {(uint16_t)iop, 0, 0, 0};
  switch (sig) {
#define SIG1(name, a, r) case SIG_##name: s.nargs = 1; s.arg = a; s.result = r; break;
#define SIG2(name, a, r) case SIG_##name: s.nargs = 2; s.arg = a; s.result = r; break;
  SIG1(f32_f32, WASM_F32, WASM_F32) SIG1(f32_f64, WASM_F32, WASM_F64) SIG1(f32_i32, WASM_F32, WASM_I32)
  SIG1(f32_i64, WASM_F32, WASM_I64) SIG2(f32f32_f32, WASM_F32, WASM_F32) SIG2(f32f32_i32, WASM_F32, WASM_I32)
  SIG1(f64_f32, WASM_F64, WASM_F32) SIG1(f64_f64, WASM_F64, WASM_F64) SIG1(f64_i32, WASM_F64, WASM_I32)
  SIG1(f64_i64, WASM_F64, WASM_I64) SIG2(f64f64_f64, WASM_F64, WASM_F64) SIG2(f64f64_i32, WASM_F64, WASM_I32)
  SIG1(i32_f32, WASM_I32, WASM_F32) SIG1(i32_f64, WASM_I32, WASM_F64) SIG1(i32_i32, WASM_I32, WASM_I32)
  SIG1(i32_i64, WASM_I32, WASM_I64) SIG2(i32i32_i32, WASM_I32, WASM_I32) SIG1(i64_f32, WASM_I64, WASM_F32)
  SIG1(i64_f64, WASM_I64, WASM_F64) SIG1(i64_i32, WASM_I64, WASM_I32) SIG1(i64_i64, WASM_I64, WASM_I64)
  SIG2(i64i64_i32, WASM_I64, WASM_I32) SIG2(i64i64_i64, WASM_I64, WASM_I64)
#undef SIG1
#undef SIG2
  case SIG_SPECIAL:
    s.iop = 0;
    break;
  }
  return s;
}

/* Internal opcode and signature of every fixed-signature instruction, by opcode byte (and by
 * 0xFC sub-opcode). SIG_SPECIAL entries expand to "+ 0": no internal opcode. */
typedef struct byte_op {
  uint16_t iop;
  uint8_t sig;
} byte_op;

#define X(name) WASM_IOP_##name
#define WASM_OP_LOAD(name, b, type, align)
#define WASM_OP_STORE(name, b, type, align)
static const byte_op one_byte_ops[256] = {
#define WASM_OP(name, b, sig) [b] = {WASM_IOP_##sig(name) + 0, sig},
#define WASM_OP_FC(name, sub, sig)
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
};
static const byte_op fc_ops[32] = {
#define WASM_OP(name, b, sig)
#define WASM_OP_FC(name, sub, sig) [sub] = {WASM_IOP_##sig(name) + 0, sig},
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
};
#undef WASM_OP_LOAD
#undef WASM_OP_STORE
#undef X

static bool emit_simple(compiler *c, simple_op s) {
  operand a, b;
  bool fused;
  if (!compile_fuse_arithmetic(c, (enum wasm_iop)s.iop, &fused)) return false;
  if (fused) return true;
  if (s.nargs == 2) {
    if (!pop(c, &b) || !pop(c, &a)) return false;
  } else if (!pop(c, &a)) {
    return false;
  }
  uint32_t dst = push(c, s.result);
  emit_op(c, (enum wasm_iop)s.iop);
  uint32_t dst_word = emit(c, dst);
  emit(c, a.where);
  if (s.nargs == 2) emit(c, b.where);
  note_result(c, dst_word);
  return true;
}

bool compile_numeric(compiler *c, uint8_t op) {
  if (one_byte_ops[op].sig != SIG_SPECIAL)
    return emit_simple(c, sig_info((wasm_op_sig)one_byte_ops[op].sig, (enum wasm_iop)one_byte_ops[op].iop));
  wr_error_at(c->err, c->r.pos - 1, "instruction 0x%02x not supported by the interpreter", op);
  return false;
}

bool compile_is_fc_numeric(uint32_t sub) { return sub < WR_ARRAY_LEN(fc_ops) && fc_ops[sub].sig != SIG_SPECIAL; }

bool compile_fc_numeric(compiler *c, uint32_t sub) {
  byte_op o = fc_ops[sub];
  return emit_simple(c, sig_info((wasm_op_sig)o.sig, (enum wasm_iop)o.iop));
}
