/* Memory instructions: loads and stores (their address arithmetic fused in where compile_fuse.c
 * can), memory.size and memory.grow, memarg and memory index immediates, and the on_memory
 * prefix that points an instruction at a memory other than memory 0. */
#include <string.h>

#include "compile_internal.h"

typedef struct mem_op {
  uint16_t iop;
  uint8_t type;
  bool store;
} mem_op;

static const mem_op memory_ops[256] = {
#define WASM_OP(name, b, sig)
#define WASM_OP_FC(name, sub, sig)
#define WASM_OP_LOAD(name, b, type, align) [b] = {WASM_IOP_##name, type, false},
#define WASM_OP_STORE(name, b, type, align) [b] = {WASM_IOP_##name, type, true},
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
#undef WASM_OP_LOAD
#undef WASM_OP_STORE
};

/* Memory instructions address memory 0 through the interpreter's cached base and size (and
 * the native tier's templates). One that addresses another memory is compiled as usual, then
 * prefixed with on_memory (compile_prefix_memory), which runs it on that memory. Fusing it with
 * its neighbours is off: the prefix must cover exactly one instruction. */
bool compile_note_memory(compiler *c, uint32_t memidx) {
  if (memidx >= c->module->nmemory_imports + c->module->nmemories) return fail(c, "unknown memory");
  c->mem64 = c->memory_is64[memidx];
  if (memidx == 0 && !c->mem64) return true;
  c->memidx = memidx;
  c->last_dst = NO_POS;
  c->label_pos = (uint32_t)c->code.len;
  return true;
}

bool compile_read_memarg(compiler *c, uint32_t *offset) {
  uint32_t align, memidx = 0;
  uint64_t off;
  if (!wasm_read_u32(&c->r, &align)) return false;
  if ((align & 0x40) && !wasm_read_u32(&c->r, &memidx)) return false;
  if (!wasm_read_u64(&c->r, &off) || !compile_note_memory(c, memidx)) return false;
  if (c->mem64) {
    c->mem_offset = off; /* on_memory64 carries it */
    *offset = 0;
    return true;
  }
  if (off > UINT32_MAX) return fail(c, "offset out of range for a 32-bit memory");
  *offset = (uint32_t)off;
  return true;
}

/* A memory index immediate. */
bool compile_read_memory_index(compiler *c) {
  uint32_t memidx;
  return wasm_read_u32(&c->r, &memidx) && compile_note_memory(c, memidx);
}

/* Puts on_memory memidx len before the instruction just compiled (see compile_note_memory). */
void compile_prefix_memory(compiler *c) {
  uint32_t start = c->op_starts.items[c->op_starts.len - 1];
  uint32_t len = (uint32_t)c->code.len - start, header = c->mem64 ? 5 : 3;
  for (uint32_t k = 0; k < header; k++) emit(c, 0);
  memmove(&c->code.items[start + header], &c->code.items[start], len * sizeof(uint32_t));
  c->code.items[start] = c->mem64 ? WASM_IOP_on_memory64 : WASM_IOP_on_memory;
  c->code.items[start + 1] = c->memidx;
  c->code.items[start + 2] = len;
  if (c->mem64) {
    c->code.items[start + 3] = (uint32_t)c->mem_offset;
    c->code.items[start + 4] = (uint32_t)(c->mem_offset >> 32);
  }
  c->last_op_pos = start;
  c->last_dst = NO_POS;
  c->label_pos = (uint32_t)c->code.len;
}

static bool compile_store(compiler *c, mem_op mo, uint32_t offset) {
  operand a, b;
  if (mo.iop == WASM_IOP_f64_store && compile_fuse_update_in_memory(c, offset)) return true;
  if (compile_fuse_store(c, (enum wasm_iop)mo.iop, offset)) return true;
  if (!pop(c, &b) || !pop(c, &a)) return false;
  emit_op(c, (enum wasm_iop)mo.iop);
  emit(c, a.where);
  emit(c, b.where);
  emit(c, offset);
  return true;
}

static bool compile_load(compiler *c, mem_op mo, uint32_t offset) {
  operand a;
  /* the address computed just before is folded in when it is a + b or a + (x << s) */
  enum wasm_iop iop = (enum wasm_iop)mo.iop;
  uint32_t address[3], naddress = compile_fuse_load_address(c, &iop, address);
  if (!pop(c, &a)) return false;
  if (naddress == 1) address[0] = a.where;
  uint32_t dst = push(c, mo.type);
  emit_op(c, iop);
  uint32_t dst_word = emit(c, dst);
  for (uint32_t k = 0; k < naddress; k++) emit(c, address[k]);
  emit(c, offset);
  note_result(c, dst_word);
  return true;
}

bool compile_memory_access(compiler *c, uint8_t op) {
  mem_op mo = memory_ops[op];
  uint32_t offset;
  if (!compile_read_memarg(c, &offset)) return false;
  return mo.store ? compile_store(c, mo, offset) : compile_load(c, mo, offset);
}

bool compile_memory_size(compiler *c) {
  if (!compile_read_memory_index(c)) return false;
  uint32_t dst = push(c, c->mem64 ? WASM_I64 : WASM_I32);
  emit_op(c, WASM_IOP_memory_size);
  note_result(c, emit(c, dst));
  return true;
}

bool compile_memory_grow(compiler *c) {
  operand delta;
  if (!compile_read_memory_index(c) || !pop(c, &delta)) return false;
  uint32_t dst = push(c, c->mem64 ? WASM_I64 : WASM_I32);
  emit_op(c, WASM_IOP_memory_grow);
  emit(c, dst);
  emit(c, delta.where);
  return true;
}
