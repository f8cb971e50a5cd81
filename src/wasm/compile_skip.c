/* Reading past instructions without compiling them: an unreachable stretch (up to the else /
 * catch / end that closes its block), and the pre-scans that size a function's constant pool
 * and its hidden exception locals before the main pass. */
#include <string.h>

#include "compile_internal.h"

static bool skip_memarg(compiler *c) {
  uint32_t align, memidx;
  uint64_t offset;
  if (!wasm_read_u32(&c->r, &align)) return false;
  if ((align & 0x40) && !wasm_read_u32(&c->r, &memidx)) return false;
  return wasm_read_u64(&c->r, &offset);
}

static bool skip_u32s(compiler *c, int n) {
  uint32_t v;
  for (int i = 0; i < n; i++)
    if (!wasm_read_u32(&c->r, &v)) return false;
  return true;
}

/* A 0xFC instruction: its sub-opcode and indices. */
static bool skip_fc_immediates(compiler *c) {
  uint32_t sub;
  if (!wasm_read_u32(&c->r, &sub)) return false;
  switch (sub) {
  case WASM_FC_memory_init: case WASM_FC_memory_copy: case WASM_FC_table_init: case WASM_FC_table_copy:
    return skip_u32s(c, 2);
  case WASM_FC_data_drop: case WASM_FC_memory_fill: case WASM_FC_elem_drop: case WASM_FC_table_grow:
  case WASM_FC_table_size: case WASM_FC_table_fill:
    return skip_u32s(c, 1);
  default:
    return true;
  }
}

/* A SIMD instruction: its sub-opcode, then what its shape carries. */
static bool skip_simd_immediates(compiler *c) {
  const uint8_t *bytes;
  uint32_t sub;
  if (!wasm_read_u32(&c->r, &sub)) return false;
  switch (compile_simd_shape(sub)) {
  case SIMD_LOAD: case SIMD_STORE: return skip_memarg(c);
  case SIMD_LOAD_LANE: case SIMD_STORE_LANE: return skip_memarg(c) && wasm_read_bytes(&c->r, 1, &bytes);
  case SIMD_CONST: case SIMD_SHUFFLE: return wasm_read_bytes(&c->r, 16, &bytes);
  case SIMD_EXTRACT_I32: case SIMD_EXTRACT_I64: case SIMD_EXTRACT_F32: case SIMD_EXTRACT_F64:
  case SIMD_REPLACE_I32: case SIMD_REPLACE_I64: case SIMD_REPLACE_F32: case SIMD_REPLACE_F64:
    return wasm_read_bytes(&c->r, 1, &bytes);
  case -1: return fail(c, "unknown SIMD opcode");
  default: return true;
  }
}

static bool skip_immediates(compiler *c, uint8_t op) {
  const uint8_t *bytes;
  int64_t s;
  uint32_t n;
  switch (op) {
  case WASM_OPCODE_block: case WASM_OPCODE_loop: case WASM_OPCODE_if: case WASM_OPCODE_try:
    return wasm_read_s33(&c->r, &s);
  case WASM_OPCODE_try_table: {
    uint8_t kind;
    if (!wasm_read_s33(&c->r, &s) || !wasm_read_u32(&c->r, &n)) return false;
    if (n > wasm_reader_remaining(&c->r)) return fail(c, "unexpected end");
    for (uint32_t i = 0; i < n; i++)
      if (!wasm_read_u8(&c->r, &kind) || !skip_u32s(c, kind <= 1 ? 2 : 1)) return false;
    return true;
  }
  case WASM_OPCODE_catch: case WASM_OPCODE_throw: case WASM_OPCODE_rethrow: case WASM_OPCODE_delegate:
  case WASM_OPCODE_br: case WASM_OPCODE_br_if: case WASM_OPCODE_call: case WASM_OPCODE_return_call:
  case WASM_OPCODE_local_get: case WASM_OPCODE_local_set: case WASM_OPCODE_local_tee:
  case WASM_OPCODE_global_get: case WASM_OPCODE_global_set: case WASM_OPCODE_table_get:
  case WASM_OPCODE_table_set: case WASM_OPCODE_ref_func: case WASM_OPCODE_memory_size:
  case WASM_OPCODE_memory_grow:
    return skip_u32s(c, 1);
  case WASM_OPCODE_call_indirect: case WASM_OPCODE_return_call_indirect:
    return skip_u32s(c, 2);
  case WASM_OPCODE_br_table:
    if (!wasm_read_u32(&c->r, &n)) return false;
    if (n > wasm_reader_remaining(&c->r)) return fail(c, "unexpected end");
    return skip_u32s(c, (int)n + 1);
  case WASM_OPCODE_select_t:
    if (!wasm_read_u32(&c->r, &n)) return false;
    return wasm_read_bytes(&c->r, n, &bytes);
  case WASM_OPCODE_i32_const: return wasm_read_sleb(&c->r, 32, &s);
  case WASM_OPCODE_i64_const: return wasm_read_sleb(&c->r, 64, &s);
  case WASM_OPCODE_f32_const: return wasm_read_bytes(&c->r, 4, &bytes);
  case WASM_OPCODE_f64_const: return wasm_read_bytes(&c->r, 8, &bytes);
  case WASM_OPCODE_ref_null: return wasm_read_bytes(&c->r, 1, &bytes);
  case WASM_OPCODE_PREFIX_FC:
    return skip_fc_immediates(c);
  case WASM_OPCODE_PREFIX_FD:
    return skip_simd_immediates(c);
  default:
    if (op >= WASM_OPCODE_i32_load && op <= WASM_OPCODE_i64_store32) return skip_memarg(c);
    return true;
  }
}

/* Skip an unreachable stretch up to the else / end that closes the current block. */
bool compile_skip_unreachable(compiler *c, uint8_t op, bool *handled) {
  *handled = true;
  switch (op) {
  case WASM_OPCODE_block: case WASM_OPCODE_loop: case WASM_OPCODE_if: case WASM_OPCODE_try:
  case WASM_OPCODE_try_table:
    c->skip_depth++;
    return skip_immediates(c, op);
  case WASM_OPCODE_else: case WASM_OPCODE_catch: case WASM_OPCODE_catch_all:
    if (c->skip_depth > 0) return skip_immediates(c, op);
    *handled = false;
    return true;
  case WASM_OPCODE_end: case WASM_OPCODE_delegate: /* a delegate ends its try */
    if (c->skip_depth > 0) {
      c->skip_depth--;
      return op == WASM_OPCODE_delegate ? skip_immediates(c, op) : true;
    }
    *handled = false;
    return true;
  default:
    return skip_immediates(c, op);
  }
}

/* Hidden locals for caught exceptions: the deepest nesting of tries in the body (a pre-scan,
 * as compile_count_constants). */
uint32_t compile_count_try_depth(const wasm_module *m, const wasm_func_def *def) {
  if (!m->features.exceptions) return 0;
  compiler scan;
  memset(&scan, 0, sizeof scan);
  wr_error scratch = {0};
  scan.err = &scratch;
  scan.r = wasm_reader_at(m->bytes, def->body_offset, def->body_end, &scratch);
  WR_VEC(uint8_t) open = {0}; /* per open block: 1 for a try */
  uint32_t depth = 0, deepest = 0;
  while (!wasm_reader_done(&scan.r)) {
    uint8_t op;
    if (!wasm_read_u8(&scan.r, &op)) break;
    if (op == WASM_OPCODE_block || op == WASM_OPCODE_loop || op == WASM_OPCODE_if || op == WASM_OPCODE_try ||
        op == WASM_OPCODE_try_table) {
      WR_VEC_PUSH(&open, op == WASM_OPCODE_try);
      if (op == WASM_OPCODE_try && ++depth > deepest) deepest = depth;
    } else if ((op == WASM_OPCODE_end || op == WASM_OPCODE_delegate) && open.len > 0) {
      depth -= open.items[--open.len];
    }
    if (!skip_immediates(&scan, op)) break;
  }
  WR_VEC_FREE(&open);
  return deepest;
}

/* Room for the constant pool: the number of scalar constant instructions in the body (a
 * pre-scan; anything malformed is left for the main pass to report), bounded; *uses_simd:
 * whether the body has a SIMD instruction (it gets vector temporaries). */
#define MAX_POOLED_CONSTANTS 256u

uint32_t compile_count_constants(const wasm_module *m, const wasm_func_def *def, bool *uses_simd) {
  compiler scan;
  memset(&scan, 0, sizeof scan);
  wr_error scratch = {0};
  scan.err = &scratch;
  scan.r = wasm_reader_at(m->bytes, def->body_offset, def->body_end, &scratch);
  uint32_t n = 0;
  *uses_simd = false;
  while (!wasm_reader_done(&scan.r)) {
    uint8_t op;
    if (!wasm_read_u8(&scan.r, &op)) break;
    if ((op == WASM_OPCODE_i32_const || op == WASM_OPCODE_i64_const || op == WASM_OPCODE_f32_const ||
         op == WASM_OPCODE_f64_const || op == WASM_OPCODE_ref_null) &&
        n < MAX_POOLED_CONSTANTS)
      n++;
    if (op == WASM_OPCODE_PREFIX_FD) *uses_simd = true;
    if (n == MAX_POOLED_CONSTANTS && *uses_simd) break;
    if (!skip_immediates(&scan, op)) break;
  }
  return n;
}
