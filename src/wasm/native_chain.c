/* The function's branch targets and loop heads, an f64 result carried to the next
 * instruction in xmm0: a template that leaves the f64 it
 * wrote to slot s in xmm0 says so, and the next instruction, when it reads slot s into xmm0
 * first, skips the load (from the frame, or the movq from a general register a cached slot
 * costs). Only between neighbours, and never into a branch target: the words some branch
 * targets are found before translation, and a branch to an unmarked word fails the function's
 * translation rather than run with a wrong xmm0. An integer result stored from rax is
 * carried the same way in rax, and a v128 in xmm0 (the store stays: only the next instruction's
 * load goes). */
#include "native_internal.h"

#include <string.h>

#if WASM_NATIVE

static void mark(wasm_native_builder *nb, uint32_t target) {
  if (target < nb->f->code_len) nb->label[target] |= LABEL_TARGET;
}
/* A loop back-edge's target: the loop checks the interrupt flag there. */
static void mark_back(wasm_native_builder *nb, uint32_t target) {
  if (target < nb->f->code_len) nb->label[target] |= LABEL_TARGET | LABEL_LOOP_HEAD;
}

void native_mark_labels(wasm_native_builder *nb, const uint32_t *op_starts, size_t nops) {
  size_t n = (size_t)nb->f->code_len + 1;
  if (nb->label_cap < n) {
    nb->label_cap = n;
    nb->label = wr_realloc(nb->label, n);
  }
  memset(nb->label, 0, n);
  nb->label_missed = false;
  nb->xmm0_slot = nb->xmm0_next = NO_POS;
  nb->rax_slot = nb->rax_next = NO_POS;
  nb->rax_zext = nb->rax_next_zext = false;
  nb->v128_slot = nb->v128_next = NO_POS;
  nb->nknown = 0;
  for (size_t i = 0; i < nops; i++) {
    uint32_t pc = op_starts[i];
    const uint32_t *ins = nb->code + pc;
    switch ((enum wasm_iop)ins[0]) {
    case WASM_IOP_br: mark(nb, target_of(nb, pc, 1)); break;
    case WASM_IOP_br_back: mark_back(nb, target_of(nb, pc, 1)); break;
    case WASM_IOP_br_if:
    case WASM_IOP_br_unless:
    case WASM_IOP_br_if64:
    case WASM_IOP_br_unless64: mark(nb, target_of(nb, pc, 2)); break;
    case WASM_IOP_br_if_back:
    case WASM_IOP_br_unless_back:
    case WASM_IOP_br_unless_back64: mark_back(nb, target_of(nb, pc, 2)); break;
#define FUSED(name, cc)                                                  \
  case WASM_IOP_br_if_##name:                                            \
  case WASM_IOP_br_unless_##name:                                        \
  case WASM_IOP_br_if_i64_##name:                                        \
  case WASM_IOP_br_unless_i64_##name: mark(nb, target_of(nb, pc, 3)); break; \
  case WASM_IOP_br_if_back_##name:                                       \
  case WASM_IOP_br_if_back_i64_##name: mark_back(nb, target_of(nb, pc, 3)); break; \
  case WASM_IOP_i32_add_br_if_back_##name: mark_back(nb, target_of(nb, pc, 6)); break;
      CMP_CCS(FUSED)
#undef FUSED
    case WASM_IOP_br_table:
      for (uint32_t k = 0; k < ins[2]; k++) mark(nb, target_of(nb, pc, 3 + k));
      break;
    default: break;
    }
  }
}

void native_check_label(wasm_native_builder *nb, uint32_t target) {
  if (target >= nb->f->code_len || !nb->label[target]) nb->label_missed = true;
}

bool native_loop_head(const wasm_native_builder *nb, uint32_t pc) {
  return pc < nb->f->code_len && (nb->label[pc] & LABEL_LOOP_HEAD);
}

void native_chain_begin(wasm_native_builder *nb, uint32_t pc) {
  if (nb->label[pc]) nb->nknown = 0; /* another path may come here with other values */
  nb->xmm0_slot = nb->label[pc] ? NO_POS : nb->xmm0_next;
  nb->xmm0_next = NO_POS;
  /* the store must have been the previous instruction's last code: no path through it skips it */
  bool carried = !nb->label[pc] && nb->rax_next != NO_POS && nb->rax_next_end == nb->b.len;
  nb->rax_slot = carried ? nb->rax_next : NO_POS;
  nb->rax_zext = carried && nb->rax_next_zext;
  nb->rax_next = NO_POS;
  nb->rax_next_zext = false;
  bool vector = !nb->label[pc] && nb->v128_next != NO_POS && nb->v128_next_end == nb->b.len;
  nb->v128_slot = vector ? nb->v128_next : NO_POS;
  nb->v128_next = NO_POS;
  nb->op_start = nb->b.len;
}

void native_chain_f64_result(wasm_native_builder *nb, uint32_t s) { nb->xmm0_next = s; }

bool native_xmm0_holds_f64(const wasm_native_builder *nb, uint32_t s) {
  return s != NO_POS && nb->xmm0_slot == s && nb->op_start == nb->b.len;
}

/* The consumers: templates that begin by taking their first f64 operand from xmm0
 * (native_load_f64_xmm0, or f64_store's use of native_xmm0_holds_f64), have no slow path that
 * steps the interpreter over the frame, and whose other words are not the slot. */
bool native_f64_result_unread(const wasm_native_builder *nb, uint32_t s) {
  const wasm_compiled_func *f = nb->f;
  uint32_t pc = nb->next_pc;
  if (s < f->nparam_slots + f->init_len || s >= f->frame_slots) return false; /* a local or a constant */
  if (pc >= f->code_len || nb->label[pc]) return false; /* another path reaches the next one */
  const uint32_t *ins = nb->code + pc;
  uint32_t others; /* how many words after the first operand name slots */
  switch ((enum wasm_iop)ins[0]) {
  case WASM_IOP_f64_add:
  case WASM_IOP_f64_sub:
  case WASM_IOP_f64_mul:
  case WASM_IOP_f64_div:
  case WASM_IOP_f64_add_mem:
  case WASM_IOP_f64_sub_mem:
  case WASM_IOP_f64_mul_mem: others = 1; break;                        /* dst, s, b | addr */
  case WASM_IOP_f64_add_mem_add:
  case WASM_IOP_f64_sub_mem_add:
  case WASM_IOP_f64_mul_mem_add: others = 2; break;                    /* dst, s, base, index */
  case WASM_IOP_f64_add_to_mem:
  case WASM_IOP_f64_sub_to_mem:
  case WASM_IOP_f64_mul_to_mem:
  case WASM_IOP_f64_store: return ins[2] == s && ins[1] != s;          /* addr, s, offset */
  default: return false;
  }
  if (ins[2] != s) return false;
  for (uint32_t k = 0; k < others; k++)
    if (ins[3 + k] == s) return false;
  return true;
}

void native_chain_rax_result(wasm_native_builder *nb, uint32_t s) {
  nb->rax_next = s;
  nb->rax_next_zext = false;
  nb->rax_next_end = nb->b.len;
}

void native_chain_v128_result(wasm_native_builder *nb, uint32_t s) {
  nb->v128_next = s;
  nb->v128_next_end = nb->b.len;
}

bool native_xmm0_holds_v128(const wasm_native_builder *nb, uint32_t s) {
  return s != NO_POS && nb->v128_slot == s && nb->op_start == nb->b.len;
}

void native_chain_rax_is_i32(wasm_native_builder *nb) {
  if (nb->rax_next != NO_POS && nb->rax_next_end == nb->b.len) nb->rax_next_zext = true;
}

bool native_rax_holds(const wasm_native_builder *nb, uint32_t s, bool w) {
  return s != NO_POS && nb->rax_slot == s && nb->op_start == nb->b.len && (w || nb->rax_zext);
}

void native_load_rax(wasm_native_builder *nb, uint32_t s, bool w) {
  if (native_rax_holds(nb, s, w)) return;
  if (w) x64_load64(&nb->b, RAX, slot(nb, s));
  else x64_load32(&nb->b, RAX, slot(nb, s));
}

void native_load_f64_xmm0(wasm_native_builder *nb, uint32_t s) {
  if (nb->xmm0_slot != s) load_float(nb, SSE_F64, XMM0, s);
  nb->xmm0_slot = NO_POS;
}

#endif
