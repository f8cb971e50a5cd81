/* Native templates of linear memory accesses: loads and stores of memory 0 (guarded, so
 * no bounds check: r12 + the zero-extended address + offset), with the fused address forms. */
#include "native_internal.h"

#include <string.h>

#if WASM_NATIVE

/* The effective address `index` (a zero-extended i32) + offset, as a memory operand;
 * `scratch` holds a large offset. */
static x64_mem effective_at(wasm_native_builder *nb, int index, uint32_t offset, int scratch) {
  if (offset <= INT32_MAX) return x64_at_index(R12, index, 0, (int32_t)offset);
  x64_mov_imm32(&nb->b, scratch, offset);
  x64_alu_rr(&nb->b, true, ALU_ADD, index, scratch);
  return x64_at_index(R12, index, 0, 0);
}
/* The effective address rax + offset. */
static x64_mem effective(wasm_native_builder *nb, uint32_t offset, int scratch) {
  return effective_at(nb, RAX, offset, scratch);
}
/* r = slot a + (slot x << slot s) (i32), s usually a constant: then one lea. */
static void scaled32(wasm_native_builder *nb, int r, uint32_t a, uint32_t x, uint32_t s) {
  x64_buf *b = &nb->b;
  uint64_t shift;
  if (const_slot(nb, s, &shift) && (shift & 31) <= 3) {
    int rx = native_value_reg(nb, x, false, RAX);
    int ra = native_value_reg(nb, a, false, RCX);
    x64_lea(b, false, r, x64_at_index(ra, rx, (int)(shift & 31), 0)); /* the low 32 bits, zero-extended */
    return;
  }
  native_load_rax(nb, x, false);
  x64_load32(b, RCX, slot(nb, s));
  x64_shift_cl(b, false, SH_SHL, RAX);
  x64_alu_mem(b, false, ALU_ADD, RAX, slot(nb, a));
  if (r != RAX) x64_mov_rr(b, true, r, RAX);
}

enum load_kind { LD32, LD64, LD_S8_32, LD_U8, LD_S16_32, LD_U16, LD_S8_64, LD_S16_64, LD_S32_64 };
static void load_from(wasm_native_builder *nb, enum load_kind kind, int r, x64_mem m) {
  x64_buf *b = &nb->b;
  switch (kind) {
  case LD32: x64_load32(b, r, m); break;
  case LD64: x64_load64(b, r, m); break;
  case LD_S8_32: x64_load_s8(b, false, r, m); break;
  case LD_U8: x64_load_u8(b, r, m); break;
  case LD_S16_32: x64_load_s16(b, false, r, m); break;
  case LD_U16: x64_load_u16(b, r, m); break;
  case LD_S8_64: x64_load_s8(b, true, r, m); break;
  case LD_S16_64: x64_load_s16(b, true, r, m); break;
  case LD_S32_64: x64_load_s32(b, r, m); break;
  }
}
/* slot dst = the value at m, loaded straight into dst's register when it has one */
static void load_to_slot(wasm_native_builder *nb, enum load_kind kind, uint32_t dst, x64_mem m) {
  int r = native_result_reg(nb, dst, -1);
  load_from(nb, kind, r, m);
  native_set_result(nb, dst, r);
  if (kind == LD32 || kind == LD_U8 || kind == LD_U16 || kind == LD_S8_32 || kind == LD_S16_32)
    native_chain_rax_is_i32(nb); /* a 32-bit destination zero-extends */
}
/* Stores `bytes` of slot s at the address in rax + offset: from s's register when it has one
 * a store of that width can name (a byte store without REX would mean ah..bh for 4..7). */
static void store_value_at(wasm_native_builder *nb, int bytes, uint32_t s, uint32_t offset) {
  x64_buf *b = &nb->b;
  int v = native_value_reg(nb, s, true, RCX);
  if (bytes == 1 && v >= 4 && v < 8) {
    x64_mov_rr(b, true, RCX, v);
    v = RCX;
  }
  x64_mem m = effective(nb, offset, RDX);
  switch (bytes) {
  case 1: x64_store8(b, m, v); break;
  case 2: x64_store16(b, m, v); break;
  case 4: x64_store32(b, m, v); break;
  default: x64_store64(b, m, v); break;
  }
}

/* A store of `bytes` of slot s at slot addr + offset. A value the previous instruction left in
 * rax (a load, change, store back) stays there and the address goes to rcx. */
static void store_plain(wasm_native_builder *nb, int bytes, uint32_t addr, uint32_t s, uint32_t offset) {
  x64_buf *b = &nb->b;
  if (cached_reg(nb, s) >= 0 || !native_rax_holds(nb, s, true) || native_rax_holds(nb, addr, false)) {
    native_load_rax(nb, addr, false);
    store_value_at(nb, bytes, s, offset);
    return;
  }
  x64_load32(b, RCX, slot(nb, addr)); /* zero-extends, from a register too */
  x64_mem m = effective_at(nb, RCX, offset, RDX);
  switch (bytes) {
  case 1: x64_store8(b, m, RAX); break;
  case 2: x64_store16(b, m, RAX); break;
  case 4: x64_store32(b, m, RAX); break;
  default: x64_store64(b, m, RAX); break;
  }
}

/* ---- bulk memory: a C call instead of an interpreter step (componentize-js's guests translate
 * memcpy and memset to these: a few thousand in one component) ---- */

uint32_t native_memory_copy(native_ctx *cx, uint32_t dst, uint32_t src, uint32_t n) {
  const wasm_memory *m = wasm_instance_memory0(cx->inst);
  uint64_t size = m ? m->size : 0;
  /* out of bounds traps before anything is written */
  if ((uint64_t)dst + n > size || (uint64_t)src + n > size) return (uint32_t)WASM_TRAP_MEMORY_OUT_OF_BOUNDS + 1;
  if (n) memmove(cx->mem_base + dst, cx->mem_base + src, n);
  return 0;
}
uint32_t native_memory_fill(native_ctx *cx, uint32_t dst, uint32_t value, uint32_t n) {
  const wasm_memory *m = wasm_instance_memory0(cx->inst);
  uint64_t size = m ? m->size : 0;
  if ((uint64_t)dst + n > size) return (uint32_t)WASM_TRAP_MEMORY_OUT_OF_BOUNDS + 1;
  if (n) memset(cx->mem_base + dst, (int)(uint8_t)value, n);
  return 0;
}
uint32_t native_memory_grow(native_ctx *cx, uint32_t delta_pages) {
  /* a guarded memory grows in place: r12, its base, stays valid */
  return (uint32_t)wasm_memory_grow(wasm_instance_memory0(cx->inst), delta_pages);
}
/* memory.size on memory 0 (dst): its size, read through the context, in 64 KiB pages */
static void emit_memory_size(wasm_native_builder *nb, uint32_t dst) {
  _Static_assert(WASM_PAGE_SIZE == 1u << 16, "memory.size shifts by 16");
  x64_buf *b = &nb->b;
  x64_load64(b, RAX, CX(inst));
  x64_load64(b, RAX, x64_at(RAX, (int32_t)offsetof(wasm_instance, memories)));
  x64_load64(b, RAX, x64_at(RAX, 0));
  x64_load64(b, RAX, x64_at(RAX, (int32_t)offsetof(wasm_memory, size)));
  x64_shift_imm(b, true, SH_SHR, RAX, 16);
  x64_store64(b, slot(nb, dst), RAX);
}
/* memory.grow on memory 0 (dst delta): a C call, the registers that C may change saved around it */
static void emit_memory_grow(wasm_native_builder *nb, uint32_t dst, uint32_t delta) {
  x64_buf *b = &nb->b;
  x64_load32(b, RAX, slot(nb, delta));
  native_spill_cached(nb, UINT32_MAX);
  x64_mov_rr(b, true, RSI, RAX);
  x64_mov_rr(b, true, RDI, R13);
  native_call_helper(nb, HELPER_MEMORY_GROW);
  native_reload_cached(nb);
  x64_store64(b, slot(nb, dst), RAX); /* after the reload, which would overwrite a register result */
}
/* memory.copy (dst src n) / memory.fill (dst value n) on memory 0: the three i32 operands to
 * esi, edx, ecx, the registers that C may change saved around the call. */
static void emit_bulk_call(wasm_native_builder *nb, const uint32_t *ins, enum native_helper helper) {
  x64_buf *b = &nb->b;
  x64_load32(b, RAX, slot(nb, ins[1]));
  x64_load32(b, RDX, slot(nb, ins[2]));
  x64_load32(b, RCX, slot(nb, ins[3]));
  native_spill_cached(nb, UINT32_MAX);
  x64_mov_rr(b, true, RSI, RAX);
  x64_mov_rr(b, true, RDI, R13);
  native_call_helper_checked(nb, helper);
}

/* Loads, stores, the f64 arithmetic on memory operands and address arithmetic. */
bool native_emit_memory_op(wasm_native_builder *nb, uint32_t pc) {
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  switch ((enum wasm_iop)ins[0]) {
  case WASM_IOP_memory_copy: emit_bulk_call(nb, ins, HELPER_MEMORY_COPY); return true;
  case WASM_IOP_memory_fill: emit_bulk_call(nb, ins, HELPER_MEMORY_FILL); return true;
  case WASM_IOP_memory_size: emit_memory_size(nb, ins[1]); return true;
  case WASM_IOP_memory_grow: emit_memory_grow(nb, ins[1], ins[2]); return true;
#define LOAD(name, kind)                                 \
  case WASM_IOP_##name:                                  \
    native_load_rax(nb, ins[2], false);                      \
    load_to_slot(nb, kind, ins[1], effective(nb, ins[3], RCX)); \
    return true;
    LOAD(i32_load, LD32)
    LOAD(i64_load, LD64)
    LOAD(f32_load, LD32)
    LOAD(f64_load, LD64)
    LOAD(i32_load8_s, LD_S8_32)
    LOAD(i32_load8_u, LD_U8)
    LOAD(i32_load16_s, LD_S16_32)
    LOAD(i32_load16_u, LD_U16)
    LOAD(i64_load8_s, LD_S8_64)
    LOAD(i64_load8_u, LD_U8)
    LOAD(i64_load16_s, LD_S16_64)
    LOAD(i64_load16_u, LD_U16)
    LOAD(i64_load32_s, LD_S32_64)
    LOAD(i64_load32_u, LD32)
#undef LOAD
#define LOAD_ADD(name, kind)                             \
  case WASM_IOP_##name:                                  \
    sum32(nb, ins[2], ins[3]);                           \
    load_to_slot(nb, kind, ins[1], effective(nb, ins[4], RCX)); \
    return true;
    LOAD_ADD(i32_load_add, LD32)
    LOAD_ADD(i64_load_add, LD64)
    LOAD_ADD(i32_load8_u_add, LD_U8)
#undef LOAD_ADD
  case WASM_IOP_i32_load_add_shl:
  case WASM_IOP_i64_load_add_shl:
    scaled32(nb, RAX, ins[2], ins[3], ins[4]);
    load_to_slot(nb, ins[0] == WASM_IOP_i32_load_add_shl ? LD32 : LD64, ins[1], effective(nb, ins[5], RCX));
    return true;
  case WASM_IOP_f64_store:
    if (native_xmm0_holds_f64(nb, ins[2])) { /* computed just before: the slot may not hold it */
      native_load_rax(nb, ins[1], false);
      x64_sse_store(b, SSE_F64, effective(nb, ins[3], RCX), XMM0);
    } else {
      store_plain(nb, 8, ins[1], ins[2], ins[3]);
    }
    return true;
#define STORE(name, bytes)                               \
  case WASM_IOP_##name:                                  \
    store_plain(nb, bytes, ins[1], ins[2], ins[3]);      \
    return true;
    STORE(i32_store, 4)
    STORE(i64_store, 8)
    STORE(f32_store, 4)
    STORE(i32_store8, 1)
    STORE(i32_store16, 2)
    STORE(i64_store8, 1)
    STORE(i64_store16, 2)
    STORE(i64_store32, 4)
#undef STORE
#define STORE_ADD(name, bytes)                           \
  case WASM_IOP_##name:                                  \
    sum32(nb, ins[1], ins[2]);                           \
    store_value_at(nb, bytes, ins[3], ins[4]);           \
    return true;
    STORE_ADD(i32_store_add, 4)
    STORE_ADD(i64_store_add, 8)
    STORE_ADD(i32_store8_add, 1)
#undef STORE_ADD
  case WASM_IOP_i32_store_add_shl:
  case WASM_IOP_i64_store_add_shl:
    scaled32(nb, RAX, ins[1], ins[2], ins[3]);
    store_value_at(nb, ins[0] == WASM_IOP_i32_store_add_shl ? 4 : 8, ins[4], ins[5]);
    return true;
  case WASM_IOP_f64_add_mem:
  case WASM_IOP_f64_sub_mem:
  case WASM_IOP_f64_mul_mem:
  case WASM_IOP_f64_add_mem_add:
  case WASM_IOP_f64_sub_mem_add:
  case WASM_IOP_f64_mul_mem_add: {
    enum wasm_iop op = ins[0];
    int sse = (op == WASM_IOP_f64_add_mem || op == WASM_IOP_f64_add_mem_add)   ? SSE_ADD
              : (op == WASM_IOP_f64_sub_mem || op == WASM_IOP_f64_sub_mem_add) ? SSE_SUB
                                                                               : SSE_MUL;
    bool at_sum = op == WASM_IOP_f64_add_mem_add || op == WASM_IOP_f64_sub_mem_add || op == WASM_IOP_f64_mul_mem_add;
    if (at_sum) sum32(nb, ins[3], ins[4]);
    else native_load_rax(nb, ins[3], false);
    native_load_f64_xmm0(nb, ins[2]);
    x64_sse_op_mem(b, SSE_F64, sse, XMM0, effective(nb, ins[at_sum ? 5 : 4], RCX));
    if (!native_f64_result_unread(nb, ins[1])) store_f64(nb, ins[1], XMM0);
    native_chain_f64_result(nb, ins[1]);
    return true;
  }
  case WASM_IOP_f64_add_to_mem:
  case WASM_IOP_f64_sub_to_mem:
  case WASM_IOP_f64_mul_to_mem: {
    enum wasm_iop op = ins[0];
    int sse = op == WASM_IOP_f64_add_to_mem ? SSE_ADD : op == WASM_IOP_f64_sub_to_mem ? SSE_SUB : SSE_MUL;
    native_load_rax(nb, ins[1], false);
    x64_mem m = effective(nb, ins[3], RCX);
    native_load_f64_xmm0(nb, ins[2]);
    x64_sse_op_mem(b, SSE_F64, sse, XMM0, m);
    x64_sse_store(b, SSE_F64, m, XMM0);
    return true;
  }
  case WASM_IOP_i32_add3:
    sum32(nb, ins[2], ins[3]);
    native_alu_slot(nb, false, ALU_ADD, RAX, ins[4]);
    native_set_result(nb, ins[1], RAX);
    native_chain_rax_is_i32(nb);
    return true;
  case WASM_IOP_i32_add_shl: {
    int r = native_result_reg(nb, ins[1], -1);
    scaled32(nb, r, ins[2], ins[3], ins[4]);
    native_set_result(nb, ins[1], r);
    native_chain_rax_is_i32(nb);
    return true;
  }
  default: return false;
  }
}

#endif
