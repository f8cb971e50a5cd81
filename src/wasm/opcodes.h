/* Opcode numbers and fixed signatures of the core instructions (see opcodes.def). */
#ifndef WARREN_WASM_OPCODES_H
#define WARREN_WASM_OPCODES_H

typedef enum {
  SIG_SPECIAL,
  SIG_f32_f32,
  SIG_f32_f64,
  SIG_f32_i32,
  SIG_f32_i64,
  SIG_f32f32_f32,
  SIG_f32f32_i32,
  SIG_f64_f32,
  SIG_f64_f64,
  SIG_f64_i32,
  SIG_f64_i64,
  SIG_f64f64_f64,
  SIG_f64f64_i32,
  SIG_i32_f32,
  SIG_i32_f64,
  SIG_i32_i32,
  SIG_i32_i64,
  SIG_i32i32_i32,
  SIG_i64_f32,
  SIG_i64_f64,
  SIG_i64_i32,
  SIG_i64_i64,
  SIG_i64i64_i32,
  SIG_i64i64_i64,
} wasm_op_sig;

/* One-byte opcodes: WASM_OPCODE_i32_add == 0x6A, ... */
enum {
#define WASM_OP(name, byte, sig) WASM_OPCODE_##name = byte,
#define WASM_OP_FC(name, sub, sig)
#define WASM_OP_LOAD(name, byte, type, align) WASM_OPCODE_##name = byte,
#define WASM_OP_STORE(name, byte, type, align) WASM_OPCODE_##name = byte,
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
#undef WASM_OP_LOAD
#undef WASM_OP_STORE
  WASM_OPCODE_PREFIX_FC = 0xFC,
  WASM_OPCODE_PREFIX_FD = 0xFD,
};

/* 0xFC sub-opcodes: WASM_FC_memory_copy == 10, ... */
enum {
#define WASM_OP(name, byte, sig)
#define WASM_OP_FC(name, sub, sig) WASM_FC_##name = sub,
#define WASM_OP_LOAD(name, byte, type, align)
#define WASM_OP_STORE(name, byte, type, align)
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
#undef WASM_OP_LOAD
#undef WASM_OP_STORE
};

#endif
