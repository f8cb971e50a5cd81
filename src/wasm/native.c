/* The native tier (see native.h): a template translator from the internal code to x86-64.
 * Every instruction becomes a short sequence that reads its operand slots from the frame
 * (rbx), computes in rax / rcx / rdx / xmm0 and writes its result slot; branches become
 * jumps between the translated instructions. What has no template here is handed to
 * wasm_interp_step, so every module can be translated. */
#include "native.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/fiber.h"
#include "code_arena.h"

/* -DWARREN_NO_NATIVE builds the interpreter alone. */
#if defined(__x86_64__) && WASM_GUARDED_MEMORY && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(WARREN_NO_NATIVE)
#define WASM_NATIVE 1
#else
#define WASM_NATIVE 0
#endif

bool wasm_native_enabled(void) {
  if (!WASM_NATIVE) return false;
  static int enabled = -1; /* read once: a module's tier must not change under it */
  if (enabled < 0) {
    const char *engine = getenv("WARREN_ENGINE");
    enabled = !(engine && strcmp(engine, "interp") == 0);
  }
  return enabled;
}

bool wasm_module_is_native(const wasm_module *module) { return module->code && module->code->native; }

#if WASM_NATIVE

#include "x64.h"

/* What a native call needs at hand, addressed from r13. */
typedef struct native_ctx {
  uint8_t *mem_base; /* memory 0's; a guarded memory grows in place, so it never moves */
  wasm_instance *inst;
  wasm_global **globals;
  wasm_table **tables;
  wasm_func **funcs;
  const wasm_functype *const *types;
  wasm_slot *stack_end;
  uintptr_t native_limit; /* rsp may not go below */
  void *entry_rsp;        /* for unwinding a trap */
  atomic_int *interrupt;
  wasm_store *store;
  wasm_exec_stack *xs;
  wasm_trap *trap; /* a trap object from a call out (host function, other instance) */
} native_ctx;

#define CX(field) x64_at(R13, (int32_t)offsetof(native_ctx, field))

typedef uint32_t (*native_enter_fn)(wasm_slot *fp, native_ctx *cx, const void *code);

struct wasm_native_code {
  uint8_t *base;
  size_t size;
  native_enter_fn enter;
  /* Lazy translation: entries[i] is defined function i's code once translated, else its stub that
   * translates it (native code reads it with a plain load; C with atomics). */
  _Atomic(const void *) *entries;
  const uint8_t **translate_stubs; /* the initial entries */
  uint32_t nfuncs;
  wasm_code_arena *arena; /* where translated functions go */
};

enum { TRAP_KINDS = WASM_TRAP_EXIT + 1 };

typedef struct fixup {
  size_t at;       /* the rel32 to patch */
  size_t rel_base; /* it is relative to this buffer position */
  uint32_t target; /* a word index (branches) or a defined function (calls) */
} fixup;

/* An interrupt check of the function being translated, whose slow path is emitted after it. */
typedef struct interrupt_check {
  size_t jcc_at;    /* the rel32 of its branch to the slow path */
  size_t resume_at; /* where the guest goes on */
} interrupt_check;

struct wasm_native_builder {
  x64_buf b;
  const wasm_module *module;
  size_t exit_at, propagate_at, trap_at[TRAP_KINDS];
  size_t *func_at; /* per defined function (eager translation only) */
  size_t last_func_at;
  /* Lazy translation: calls between defined functions go through this code's entries */
  const struct wasm_native_code *lazy;
  WR_VEC(fixup) calls;
  /* per function */
  const wasm_compiled_func *f;
  const uint32_t *code;
  uint32_t *native_at; /* word index -> buffer position of the instruction starting there */
  size_t native_cap;
  WR_VEC(fixup) branches;
  WR_VEC(interrupt_check) interrupt_checks;
};

#define NO_POS UINT32_MAX

/* ---- operands ---- */

static x64_mem slot(uint32_t s) { return x64_at(RBX, (int32_t)(s * 8)); }

/* The value of a slot of the function's constant pool, known at translation time. */
static bool const_slot(const wasm_native_builder *nb, uint32_t s, uint64_t *value) {
  const wasm_compiled_func *f = nb->f;
  if (s < f->nlocal_slots || s >= f->nparam_slots + f->init_len) return false;
  *value = f->init[s - f->nparam_slots];
  return true;
}

static void jump_to_trap(wasm_native_builder *nb, int cc, wasm_trap_kind kind) {
  x64_jcc_to(&nb->b, cc, nb->trap_at[kind]);
}

/* A branch to word `target` of the function; `cc` < 0 for an unconditional jump. */
static void branch(wasm_native_builder *nb, int cc, uint32_t target) {
  x64_buf *b = &nb->b;
  if (target < nb->f->code_len && nb->native_at[target] != NO_POS) {
    if (cc < 0) x64_jmp_to(b, nb->native_at[target]);
    else x64_jcc_to(b, cc, nb->native_at[target]);
    return;
  }
  size_t at = cc < 0 ? x64_jmp_fixup(b) : x64_jcc_fixup(b, cc);
  fixup fx = {at, at + 4, target};
  WR_VEC_PUSH(&nb->branches, fx);
}
/* The target of the branch whose distance is in word k of the instruction at `pc`. */
static uint32_t target_of(const wasm_native_builder *nb, uint32_t pc, uint32_t k) {
  return (uint32_t)((int64_t)pc + k + (int32_t)nb->code[pc + k]);
}
/* The slow path of an interrupt check (the flag is set): a yield request calls the store's hook
 * with this frame below the stack top and returns 0 to go on; a trap returns its status. Guarded
 * memory never moves, so r12 stays valid across the hook. */
static uint32_t native_poll_interrupt(native_ctx *cx, wasm_slot *frame_end) {
  return wasm_store_poll_interrupt(cx->store, cx->xs, frame_end) ? (uint32_t)WASM_TRAP_INTERRUPTED + 1 : 0;
}
/* Function entry and loop back-edges: one compare and a branch not taken while the flag is
 * clear. The slow path goes out of line, after the function (emit_interrupt_stubs). */
static void emit_interrupt_check(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  x64_cmp_mem_imm8(b, false, x64_at(R14, 0), 0);
  interrupt_check check = {x64_jcc_fixup(b, CC_NE), 0};
  check.resume_at = b->len;
  WR_VEC_PUSH(&nb->interrupt_checks, check);
}
/* One stub per check: only pinned callee-saved registers are live between instructions, so the
 * slow path is a plain C call, then back to the check's resume point. */
static void emit_interrupt_stubs(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  for (size_t i = 0; i < nb->interrupt_checks.len; i++) {
    const interrupt_check *check = &nb->interrupt_checks.items[i];
    x64_link(b, check->jcc_at, b->len);
    x64_mov_rr(b, true, RDI, R13);
    x64_lea(b, true, RSI, slot(nb->f->frame_slots));
    x64_call_abs(b, (const void *)native_poll_interrupt);
    x64_test_rr(b, false, RAX, RAX);
    x64_jcc_to(b, CC_NE, nb->propagate_at);
    x64_jmp_to(b, check->resume_at);
  }
}

/* A loop's back-edge: checks the interrupt flag when taken. */
static void branch_back(wasm_native_builder *nb, int cc, uint32_t target) {
  x64_buf *b = &nb->b;
  size_t skip = 0;
  if (cc >= 0) skip = x64_jcc8(b, cc ^ 1);
  emit_interrupt_check(nb);
  branch(nb, -1, target);
  if (cc >= 0) x64_land8(b, skip);
}

/* The instruction at `pc` run by the interpreter. */
static void emit_step(wasm_native_builder *nb, uint32_t pc) {
  x64_buf *b = &nb->b;
  x64_load64(b, RDI, CX(inst));
  x64_mov_rr(b, true, RSI, RBX);
  x64_mov_imm64(b, RDX, (uint64_t)(uintptr_t)(nb->code + pc));
  x64_call_abs(b, (const void *)wasm_interp_step);
  x64_test_rr(b, false, RAX, RAX);
  x64_jcc_to(b, CC_NE, nb->propagate_at);
}

/* ---- calls ---- */

/* Calls out through C: rsi = the callee (wasm_func *), its arguments at slot `base`. */
static uint32_t native_call_out(native_ctx *cx, wasm_func *callee, wasm_slot *args, wasm_slot *frame_end) {
  wasm_exec_stack *xs = cx->xs;
  wasm_slot *saved_top = xs->top;
  xs->top = frame_end;
  wasm_trap *t = callee->host ? wasm_host_call(cx->store, cx->inst, callee, args)
                              : wasm_interp_call(cx->store, xs, callee, args);
  xs->top = saved_top;
  if (!t) return 0;
  cx->trap = t;
  return WASM_TRAP_HOST + 1;
}
static void emit_call_out(wasm_native_builder *nb, uint32_t base) {
  x64_buf *b = &nb->b;
  x64_mov_rr(b, true, RDI, R13);
  x64_lea(b, true, RDX, slot(base));
  x64_lea(b, true, RCX, slot(nb->f->frame_slots));
  x64_call_abs(b, (const void *)native_call_out);
  x64_test_rr(b, false, RAX, RAX);
  x64_jcc_to(b, CC_NE, nb->propagate_at);
}
/* rax = the current code of defined function def_index (lazy translation). */
static void load_entry(wasm_native_builder *nb, uint32_t def_index) {
  x64_mov_imm64(&nb->b, RAX, (uint64_t)(uintptr_t)&nb->lazy->entries[def_index]);
  x64_load64(&nb->b, RAX, x64_at(RAX, 0));
}
/* A native call of the function whose code address is in rax (or, def_index != NO_POS, of
 * that defined function) with its frame at slot `base`. */
static void emit_native_call(wasm_native_builder *nb, uint32_t def_index, uint32_t base) {
  x64_buf *b = &nb->b;
  if (base) x64_lea(b, true, RBX, slot(base));
  if (def_index != NO_POS && nb->lazy) {
    load_entry(nb, def_index);
    x64_call_reg(b, RAX);
  } else if (def_index != NO_POS) {
    size_t at = x64_call_fixup(b);
    fixup fx = {at, at + 4, def_index};
    WR_VEC_PUSH(&nb->calls, fx);
  } else {
    x64_call_reg(b, RAX);
  }
  if (base) x64_lea(b, true, RBX, x64_at(RBX, -(int32_t)(base * 8)));
}
static void emit_return(wasm_native_builder *nb) {
  x64_alu_imm(&nb->b, true, ALU_ADD, RSP, 8);
  x64_ret(&nb->b);
}
/* rsi = the table element for call_indirect type table index: traps unless it is a function
 * of that type. */
static void emit_indirect_callee(wasm_native_builder *nb, uint32_t type, uint32_t table, uint32_t index) {
  x64_buf *b = &nb->b;
  x64_load64(b, RAX, CX(tables));
  x64_load64(b, RAX, x64_at(RAX, (int32_t)(table * 8)));
  x64_load32(b, RCX, slot(index));
  x64_alu_mem(b, true, ALU_CMP, RCX, x64_at(RAX, (int32_t)offsetof(wasm_table, size)));
  jump_to_trap(nb, CC_AE, WASM_TRAP_UNDEFINED_ELEMENT);
  x64_load64(b, RAX, x64_at(RAX, (int32_t)offsetof(wasm_table, elems)));
  x64_load64(b, RSI, x64_at_index(RAX, RCX, 3, 0));
  x64_test_rr(b, true, RSI, RSI);
  jump_to_trap(nb, CC_E, WASM_TRAP_UNINITIALIZED_ELEMENT);
  /* a lazy entry (odd) is made into its function by C, once per entry */
  x64_mov_rr(b, false, RAX, RSI);
  x64_alu_imm(b, false, ALU_AND, RAX, 1);
  size_t real = x64_jcc8(b, CC_E);
  x64_load64(b, RDI, CX(tables));
  x64_load64(b, RDI, x64_at(RDI, (int32_t)(table * 8)));
  x64_mov_rr(b, false, RSI, RCX);
  x64_call_abs(b, (const void *)wasm_table_resolve);
  x64_mov_rr(b, true, RSI, RAX);
  x64_land8(b, real);
  x64_load64(b, RAX, CX(types));
  x64_load64(b, RAX, x64_at(RAX, (int32_t)(type * 8)));
  x64_alu_mem(b, true, ALU_CMP, RAX, x64_at(RSI, (int32_t)offsetof(wasm_func, type)));
  jump_to_trap(nb, CC_NE, WASM_TRAP_INDIRECT_CALL_MISMATCH);
}
/* Leaves ZF clear when rsi is a function of this instance, with its native code in rax. */
static size_t emit_if_foreign(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  x64_load64(b, RAX, x64_at(RSI, (int32_t)offsetof(wasm_func, instance)));
  x64_alu_mem(b, true, ALU_CMP, RAX, CX(inst));
  size_t foreign = x64_jcc_fixup(b, CC_NE);
  x64_load64(b, RAX, x64_at(RSI, (int32_t)offsetof(wasm_func, code)));
  x64_load64(b, RAX, x64_at(RAX, (int32_t)offsetof(wasm_compiled_func, native)));
  return foreign;
}

/* ---- memory operands ---- */

/* The effective address rax (a zero-extended i32) + offset, as a memory operand; `scratch`
 * holds a large offset. */
static x64_mem effective(wasm_native_builder *nb, uint32_t offset, int scratch) {
  if (offset <= INT32_MAX) return x64_at_index(R12, RAX, 0, (int32_t)offset);
  x64_mov_imm32(&nb->b, scratch, offset);
  x64_alu_rr(&nb->b, true, ALU_ADD, RAX, scratch);
  return x64_at_index(R12, RAX, 0, 0);
}
/* eax = slot a + slot b (i32) */
static void sum32(wasm_native_builder *nb, uint32_t a, uint32_t b_slot) {
  x64_load32(&nb->b, RAX, slot(a));
  x64_alu_mem(&nb->b, false, ALU_ADD, RAX, slot(b_slot));
}
/* eax = slot a + (slot x << slot s) (i32), s usually a constant */
static void scaled32(wasm_native_builder *nb, uint32_t a, uint32_t x, uint32_t s) {
  x64_buf *b = &nb->b;
  uint64_t shift;
  if (const_slot(nb, s, &shift) && (shift & 31) <= 3) {
    x64_load32(b, RAX, slot(x));
    x64_load32(b, RCX, slot(a));
    x64_lea(b, false, RAX, x64_at_index(RCX, RAX, (int)(shift & 31), 0));
    return;
  }
  x64_load32(b, RAX, slot(x));
  x64_load32(b, RCX, slot(s));
  x64_shift_cl(b, false, SH_SHL, RAX);
  x64_alu_mem(b, false, ALU_ADD, RAX, slot(a));
}

enum load_kind { LD32, LD64, LD_S8_32, LD_U8, LD_S16_32, LD_U16, LD_S8_64, LD_S16_64, LD_S32_64 };
static void load_from(wasm_native_builder *nb, enum load_kind kind, x64_mem m) {
  x64_buf *b = &nb->b;
  switch (kind) {
  case LD32: x64_load32(b, RAX, m); break;
  case LD64: x64_load64(b, RAX, m); break;
  case LD_S8_32: x64_load_s8(b, false, RAX, m); break;
  case LD_U8: x64_load_u8(b, RAX, m); break;
  case LD_S16_32: x64_load_s16(b, false, RAX, m); break;
  case LD_U16: x64_load_u16(b, RAX, m); break;
  case LD_S8_64: x64_load_s8(b, true, RAX, m); break;
  case LD_S16_64: x64_load_s16(b, true, RAX, m); break;
  case LD_S32_64: x64_load_s32(b, RAX, m); break;
  }
}
static void store_to(wasm_native_builder *nb, int bytes, x64_mem m) {
  x64_buf *b = &nb->b;
  switch (bytes) {
  case 1: x64_store8(b, m, RCX); break;
  case 2: x64_store16(b, m, RCX); break;
  case 4: x64_store32(b, m, RCX); break;
  default: x64_store64(b, m, RCX); break;
  }
}

/* ---- arithmetic ---- */

static void binop_alu(wasm_native_builder *nb, bool w, int alu, const uint32_t *ins) {
  x64_load64(&nb->b, RAX, slot(ins[2]));
  x64_alu_mem(&nb->b, w, alu, RAX, slot(ins[3]));
  x64_store64(&nb->b, slot(ins[1]), RAX);
}
static void binop_alu_imm(wasm_native_builder *nb, bool w, int alu, const uint32_t *ins) {
  x64_load64(&nb->b, RAX, slot(ins[2]));
  x64_alu_imm(&nb->b, w, alu, RAX, (int32_t)ins[3]); /* 32-bit operations zero-extend */
  x64_store64(&nb->b, slot(ins[1]), RAX);
}
static void shift(wasm_native_builder *nb, bool w, int kind, const uint32_t *ins) {
  x64_load64(&nb->b, RAX, slot(ins[2]));
  x64_load32(&nb->b, RCX, slot(ins[3]));
  x64_shift_cl(&nb->b, w, kind, RAX);
  x64_store64(&nb->b, slot(ins[1]), RAX);
}
static void shift_imm(wasm_native_builder *nb, bool w, int kind, const uint32_t *ins) {
  x64_load64(&nb->b, RAX, slot(ins[2]));
  x64_shift_imm(&nb->b, w, kind, RAX, (uint8_t)(ins[3] & (w ? 63 : 31)));
  x64_store64(&nb->b, slot(ins[1]), RAX);
}
/* dst = (a cmp b) for integers */
static void compare(wasm_native_builder *nb, bool w, int cc, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  x64_load64(b, RCX, slot(ins[2]));
  x64_alu_mem(b, w, ALU_CMP, RCX, slot(ins[3]));
  x64_setcc(b, cc, RAX);
  x64_movzx8_rr(b, RAX, RAX);
  x64_store64(b, slot(ins[1]), RAX);
}
static void divide(wasm_native_builder *nb, bool w, bool is_signed, bool remainder, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  x64_load64(b, RAX, slot(ins[2]));
  x64_load64(b, RCX, slot(ins[3]));
  x64_test_rr(b, w, RCX, RCX);
  jump_to_trap(nb, CC_E, WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
  size_t done = 0, normal = 0;
  if (is_signed) {
    /* INT_MIN / -1 overflows (a trap), INT_MIN % -1 is 0: x86 faults on both */
    x64_alu_imm(b, w, ALU_CMP, RCX, -1);
    normal = x64_jcc8(b, CC_NE);
    if (remainder) {
      x64_alu_rr(b, false, ALU_XOR, RDX, RDX);
      done = x64_jmp8(b);
    } else {
      if (w) {
        x64_mov_imm64(b, RDX, (uint64_t)INT64_MIN);
        x64_alu_rr(b, true, ALU_CMP, RAX, RDX);
      } else {
        x64_alu_imm(b, false, ALU_CMP, RAX, INT32_MIN);
      }
      jump_to_trap(nb, CC_E, WASM_TRAP_INTEGER_OVERFLOW);
    }
    x64_land8(b, normal);
    x64_sign_extend_ax(b, w);
  } else {
    x64_alu_rr(b, false, ALU_XOR, RDX, RDX);
  }
  x64_div(b, w, is_signed, RCX);
  if (is_signed && remainder) x64_land8(b, done);
  if (remainder) {
    x64_store64(b, slot(ins[1]), RDX);
  } else {
    x64_store64(b, slot(ins[1]), RAX);
  }
}
/* clz / ctz with the wasm result for 0 (the operand width) */
static void count_zeros(wasm_native_builder *nb, bool w, bool leading, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  int bits = w ? 64 : 32;
  if (leading) {
    x64_mov_imm64(b, RCX, (uint64_t)-1);
    x64_bsr(b, w, RAX, slot(ins[2]));
    x64_cmov_rr(b, w, CC_E, RAX, RCX);
    x64_neg(b, w, RAX);
    x64_alu_imm(b, w, ALU_ADD, RAX, bits - 1);
  } else {
    x64_mov_imm32(b, RCX, (uint32_t)bits);
    x64_bsf(b, w, RAX, slot(ins[2]));
    x64_cmov_rr(b, w, CC_E, RAX, RCX);
  }
  x64_store64(b, slot(ins[1]), RAX);
}
/* xmm0 into slot `dst`: an f32 result zero-extended to the slot, as the interpreter writes it */
static void store_float(wasm_native_builder *nb, bool f64, uint32_t dst) {
  if (f64) {
    x64_sse_store(&nb->b, SSE_F64, slot(dst), XMM0);
  } else {
    x64_movd_from_xmm(&nb->b, RAX, XMM0);
    x64_store64(&nb->b, slot(dst), RAX);
  }
}
static void float_binop(wasm_native_builder *nb, bool f64, int op, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  uint8_t kind = f64 ? SSE_F64 : SSE_F32;
  x64_sse_load(b, kind, XMM0, slot(ins[2]));
  x64_sse_op_mem(b, kind, op, XMM0, slot(ins[3]));
  store_float(nb, f64, ins[1]);
}
/* dst = a cmp b for floats; lt / le compare the other way round so that NaN is false */
enum fcmp { FEQ, FNE, FLT, FGT, FLE, FGE };
static void float_compare(wasm_native_builder *nb, bool f64, enum fcmp cmp, const uint32_t *ins) {
  x64_buf *b = &nb->b;
  uint8_t kind = f64 ? SSE_F64 : SSE_F32;
  bool swap = cmp == FLT || cmp == FLE;
  x64_sse_load(b, kind, XMM0, slot(ins[swap ? 3 : 2]));
  x64_ucomi_mem(b, f64, XMM0, slot(ins[swap ? 2 : 3]));
  switch (cmp) {
  case FEQ:
    x64_setcc(b, CC_E, RAX);
    x64_setcc(b, CC_NP, RCX);
    x64_op_reg(b, 0, false, 0x22, 1, RAX, RCX); /* and al, cl */
    break;
  case FNE:
    x64_setcc(b, CC_NE, RAX);
    x64_setcc(b, CC_P, RCX);
    x64_op_reg(b, 0, false, 0x0A, 1, RAX, RCX); /* or al, cl */
    break;
  case FLT:
  case FGT: x64_setcc(b, CC_A, RAX); break;
  case FLE:
  case FGE: x64_setcc(b, CC_AE, RAX); break;
  }
  x64_movzx8_rr(b, RAX, RAX);
  x64_store64(b, slot(ins[1]), RAX);
}
/* signed float -> int truncation: cvtt gives the "integer indefinite" value on NaN and
 * overflow; then the interpreter decides (a trap, or that value was the right answer). */
static void truncate_signed(wasm_native_builder *nb, uint32_t pc, bool from64, bool to64) {
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  x64_cvtt_mem(b, from64 ? SSE_F64 : SSE_F32, to64, RAX, slot(ins[2]));
  if (to64) {
    x64_mov_imm64(b, RCX, (uint64_t)INT64_MIN);
    x64_alu_rr(b, true, ALU_CMP, RAX, RCX);
  } else {
    x64_alu_imm(b, false, ALU_CMP, RAX, INT32_MIN);
  }
  size_t fine = x64_jcc8(b, CC_NE);
  size_t slow_start = b->len;
  emit_step(nb, pc);
  size_t done = x64_jmp8(b);
  if (b->len - slow_start > 127) abort(); /* the step call sequence is short */
  x64_land8(b, fine);
  x64_store64(b, slot(ins[1]), RAX);
  x64_land8(b, done);
}

#define CMP_CCS(M)                                                                              \
  M(eq, CC_E) M(ne, CC_NE) M(lt_s, CC_L) M(lt_u, CC_B) M(gt_s, CC_G) M(gt_u, CC_A) M(le_s, CC_LE) \
  M(le_u, CC_BE) M(ge_s, CC_GE) M(ge_u, CC_AE)

/* Translates the instruction at word `pc`; false when it has no template (the caller then
 * steps it). */
static bool emit_op(wasm_native_builder *nb, uint32_t pc) {
  x64_buf *b = &nb->b;
  const uint32_t *ins = nb->code + pc;
  switch ((enum wasm_iop)ins[0]) {
  /* ---- data movement ---- */
  case WASM_IOP_copy:
    x64_load64(b, RAX, slot(ins[2]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_copy2:
    x64_load64(b, RAX, slot(ins[2]));
    x64_load64(b, RCX, slot(ins[2] + 1));
    x64_store64(b, slot(ins[1]), RAX);
    x64_store64(b, slot(ins[1] + 1), RCX);
    return true;
  case WASM_IOP_copy_pair:
    x64_load64(b, RAX, slot(ins[2]));
    x64_store64(b, slot(ins[1]), RAX);
    x64_load64(b, RAX, slot(ins[4]));
    x64_store64(b, slot(ins[3]), RAX);
    return true;
  case WASM_IOP_const32:
    x64_mov_imm32(b, RAX, ins[2]);
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_const64:
    x64_mov_imm64(b, RAX, (uint64_t)ins[2] | (uint64_t)ins[3] << 32);
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_select:
    x64_load32(b, RCX, slot(ins[4]));
    x64_load64(b, RAX, slot(ins[2]));
    x64_test_rr(b, false, RCX, RCX);
    x64_cmov_mem(b, true, CC_E, RAX, slot(ins[3]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_global_get:
    x64_load64(b, RAX, CX(globals));
    x64_load64(b, RAX, x64_at(RAX, (int32_t)(ins[2] * 8)));
    x64_load64(b, RAX, x64_at(RAX, (int32_t)offsetof(wasm_global, value)));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_global_set:
    x64_load64(b, RCX, CX(globals));
    x64_load64(b, RCX, x64_at(RCX, (int32_t)(ins[1] * 8)));
    x64_load64(b, RAX, slot(ins[2]));
    x64_store64(b, x64_at(RCX, (int32_t)offsetof(wasm_global, value)), RAX);
    return true;

  /* ---- control ---- */
  case WASM_IOP_br: branch(nb, -1, target_of(nb, pc, 1)); return true;
  case WASM_IOP_br_back: branch_back(nb, -1, target_of(nb, pc, 1)); return true;
  case WASM_IOP_br_if:
  case WASM_IOP_br_unless:
  case WASM_IOP_br_if_back:
  case WASM_IOP_br_unless_back:
  case WASM_IOP_br_if64:
  case WASM_IOP_br_unless64:
  case WASM_IOP_br_unless_back64: {
    enum wasm_iop op = ins[0];
    bool w = op == WASM_IOP_br_if64 || op == WASM_IOP_br_unless64 || op == WASM_IOP_br_unless_back64;
    bool unless = op == WASM_IOP_br_unless || op == WASM_IOP_br_unless_back || op == WASM_IOP_br_unless64 ||
                  op == WASM_IOP_br_unless_back64;
    bool back = op == WASM_IOP_br_if_back || op == WASM_IOP_br_unless_back || op == WASM_IOP_br_unless_back64;
    x64_cmp_mem_imm8(b, w, slot(ins[1]), 0);
    if (back) branch_back(nb, unless ? CC_E : CC_NE, target_of(nb, pc, 2));
    else branch(nb, unless ? CC_E : CC_NE, target_of(nb, pc, 2));
    return true;
  }
#define FUSED(name, cc)                                              \
  case WASM_IOP_br_if_##name:                                        \
  case WASM_IOP_br_if_back_##name:                                   \
  case WASM_IOP_br_unless_##name:                                    \
  case WASM_IOP_br_if_i64_##name:                                    \
  case WASM_IOP_br_if_back_i64_##name:                               \
  case WASM_IOP_br_unless_i64_##name: {                              \
    enum wasm_iop op = ins[0];                                       \
    bool w = op == WASM_IOP_br_if_i64_##name || op == WASM_IOP_br_if_back_i64_##name || \
             op == WASM_IOP_br_unless_i64_##name;                    \
    bool unless = op == WASM_IOP_br_unless_##name || op == WASM_IOP_br_unless_i64_##name; \
    bool back = op == WASM_IOP_br_if_back_##name || op == WASM_IOP_br_if_back_i64_##name; \
    x64_load64(b, RAX, slot(ins[1]));                                \
    x64_alu_mem(b, w, ALU_CMP, RAX, slot(ins[2]));                   \
    int c = unless ? (cc) ^ 1 : (cc);                                \
    if (back) branch_back(nb, c, target_of(nb, pc, 3));              \
    else branch(nb, c, target_of(nb, pc, 3));                        \
    return true;                                                     \
  }                                                                  \
  case WASM_IOP_i32_add_br_if_back_##name:                           \
    sum32(nb, ins[2], ins[3]);                                       \
    x64_store64(b, slot(ins[1]), RAX);                               \
    x64_load32(b, RAX, slot(ins[4]));                                \
    x64_alu_mem(b, false, ALU_CMP, RAX, slot(ins[5]));               \
    branch_back(nb, cc, target_of(nb, pc, 6));                       \
    return true;                                                     \
  case WASM_IOP_i32_##name: compare(nb, false, cc, ins); return true; \
  case WASM_IOP_i64_##name: compare(nb, true, cc, ins); return true;
    CMP_CCS(FUSED)
#undef FUSED
  case WASM_IOP_br_table: {
    uint32_t n = ins[2];
    x64_load32(b, RAX, slot(ins[1]));
    x64_mov_imm32(b, RCX, n - 1);
    x64_alu_rr(b, false, ALU_CMP, RAX, RCX);
    x64_cmov_rr(b, false, CC_AE, RAX, RCX);
    size_t table_ref = x64_lea_rip(b, RCX);
    x64_load_s32(b, RAX, x64_at_index(RCX, RAX, 2, 0));
    x64_alu_rr(b, true, ALU_ADD, RAX, RCX);
    x64_jmp_reg(b, RAX);
    size_t table = b->len;
    x64_link(b, table_ref, table);
    for (uint32_t k = 0; k < n; k++) {
      x64_u32(b, 0);
      fixup fx = {table + 4 * k, table, target_of(nb, pc, 3 + k)};
      WR_VEC_PUSH(&nb->branches, fx);
    }
    return true;
  }
  case WASM_IOP_return: emit_return(nb); return true;
  case WASM_IOP_unreachable: x64_jmp_to(b, nb->trap_at[WASM_TRAP_UNREACHABLE]); return true;
  case WASM_IOP_call: {
    uint32_t index = ins[1], base = ins[2];
    if (index >= nb->module->nfunc_imports) {
      emit_native_call(nb, index - nb->module->nfunc_imports, base);
    } else {
      x64_load64(b, RSI, CX(funcs));
      x64_load64(b, RSI, x64_at(RSI, (int32_t)(index * 8)));
      emit_call_out(nb, base);
    }
    return true;
  }
  case WASM_IOP_call_indirect: {
    emit_indirect_callee(nb, ins[1], ins[2], ins[3]);
    size_t foreign = emit_if_foreign(nb);
    emit_native_call(nb, NO_POS, ins[4]);
    size_t done = x64_jmp_fixup(b);
    x64_link(b, foreign, b->len);
    emit_call_out(nb, ins[4]);
    x64_link(b, done, b->len);
    return true;
  }
  case WASM_IOP_return_call: {
    uint32_t index = ins[1];
    if (index >= nb->module->nfunc_imports && nb->lazy) {
      x64_alu_imm(b, true, ALU_ADD, RSP, 8);
      load_entry(nb, index - nb->module->nfunc_imports);
      x64_jmp_reg(b, RAX);
    } else if (index >= nb->module->nfunc_imports) {
      x64_alu_imm(b, true, ALU_ADD, RSP, 8);
      size_t at = x64_jmp_fixup(b);
      fixup fx = {at, at + 4, index - nb->module->nfunc_imports};
      WR_VEC_PUSH(&nb->calls, fx);
    } else {
      x64_load64(b, RSI, CX(funcs));
      x64_load64(b, RSI, x64_at(RSI, (int32_t)(index * 8)));
      emit_call_out(nb, 0);
      emit_return(nb);
    }
    return true;
  }
  case WASM_IOP_return_call_indirect: {
    emit_indirect_callee(nb, ins[1], ins[2], ins[3]);
    size_t foreign = emit_if_foreign(nb);
    x64_alu_imm(b, true, ALU_ADD, RSP, 8);
    x64_jmp_reg(b, RAX);
    x64_link(b, foreign, b->len);
    emit_call_out(nb, 0);
    emit_return(nb);
    return true;
  }

  /* ---- memory ---- */
#define LOAD(name, kind)                                 \
  case WASM_IOP_##name:                                  \
    x64_load32(b, RAX, slot(ins[2]));                    \
    load_from(nb, kind, effective(nb, ins[3], RCX));     \
    x64_store64(b, slot(ins[1]), RAX);                   \
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
    load_from(nb, kind, effective(nb, ins[4], RCX));     \
    x64_store64(b, slot(ins[1]), RAX);                   \
    return true;
    LOAD_ADD(i32_load_add, LD32)
    LOAD_ADD(i64_load_add, LD64)
    LOAD_ADD(i32_load8_u_add, LD_U8)
#undef LOAD_ADD
  case WASM_IOP_i32_load_add_shl:
  case WASM_IOP_i64_load_add_shl:
    scaled32(nb, ins[2], ins[3], ins[4]);
    load_from(nb, ins[0] == WASM_IOP_i32_load_add_shl ? LD32 : LD64, effective(nb, ins[5], RCX));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
#define STORE(name, bytes)                               \
  case WASM_IOP_##name:                                  \
    x64_load32(b, RAX, slot(ins[1]));                    \
    x64_load64(b, RCX, slot(ins[2]));                    \
    store_to(nb, bytes, effective(nb, ins[3], RDX));     \
    return true;
    STORE(i32_store, 4)
    STORE(i64_store, 8)
    STORE(f32_store, 4)
    STORE(f64_store, 8)
    STORE(i32_store8, 1)
    STORE(i32_store16, 2)
    STORE(i64_store8, 1)
    STORE(i64_store16, 2)
    STORE(i64_store32, 4)
#undef STORE
#define STORE_ADD(name, bytes)                           \
  case WASM_IOP_##name:                                  \
    sum32(nb, ins[1], ins[2]);                           \
    x64_load64(b, RCX, slot(ins[3]));                    \
    store_to(nb, bytes, effective(nb, ins[4], RDX));     \
    return true;
    STORE_ADD(i32_store_add, 4)
    STORE_ADD(i64_store_add, 8)
    STORE_ADD(i32_store8_add, 1)
#undef STORE_ADD
  case WASM_IOP_i32_store_add_shl:
  case WASM_IOP_i64_store_add_shl:
    scaled32(nb, ins[1], ins[2], ins[3]);
    x64_load64(b, RCX, slot(ins[4]));
    store_to(nb, ins[0] == WASM_IOP_i32_store_add_shl ? 4 : 8, effective(nb, ins[5], RDX));
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
    else x64_load32(b, RAX, slot(ins[3]));
    x64_sse_load(b, SSE_F64, XMM0, slot(ins[2]));
    x64_sse_op_mem(b, SSE_F64, sse, XMM0, effective(nb, ins[at_sum ? 5 : 4], RCX));
    x64_sse_store(b, SSE_F64, slot(ins[1]), XMM0);
    return true;
  }
  case WASM_IOP_f64_add_to_mem:
  case WASM_IOP_f64_sub_to_mem:
  case WASM_IOP_f64_mul_to_mem: {
    enum wasm_iop op = ins[0];
    int sse = op == WASM_IOP_f64_add_to_mem ? SSE_ADD : op == WASM_IOP_f64_sub_to_mem ? SSE_SUB : SSE_MUL;
    x64_load32(b, RAX, slot(ins[1]));
    x64_mem m = effective(nb, ins[3], RCX);
    x64_sse_load(b, SSE_F64, XMM0, slot(ins[2]));
    x64_sse_op_mem(b, SSE_F64, sse, XMM0, m);
    x64_sse_store(b, SSE_F64, m, XMM0);
    return true;
  }
  case WASM_IOP_i32_add3:
    sum32(nb, ins[2], ins[3]);
    x64_alu_mem(b, false, ALU_ADD, RAX, slot(ins[4]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_i32_add_shl:
    scaled32(nb, ins[2], ins[3], ins[4]);
    x64_store64(b, slot(ins[1]), RAX);
    return true;

  /* ---- integers ---- */
  case WASM_IOP_i32_eqz:
  case WASM_IOP_i64_eqz:
    x64_alu_rr(b, false, ALU_XOR, RAX, RAX);
    x64_cmp_mem_imm8(b, ins[0] == WASM_IOP_i64_eqz, slot(ins[2]), 0);
    x64_setcc(b, CC_E, RAX);
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_i32_add: binop_alu(nb, false, ALU_ADD, ins); return true;
  case WASM_IOP_i32_sub: binop_alu(nb, false, ALU_SUB, ins); return true;
  case WASM_IOP_i32_and: binop_alu(nb, false, ALU_AND, ins); return true;
  case WASM_IOP_i32_or: binop_alu(nb, false, ALU_OR, ins); return true;
  case WASM_IOP_i32_xor: binop_alu(nb, false, ALU_XOR, ins); return true;
  case WASM_IOP_i64_add: binop_alu(nb, true, ALU_ADD, ins); return true;
  case WASM_IOP_i64_sub: binop_alu(nb, true, ALU_SUB, ins); return true;
  case WASM_IOP_i64_and: binop_alu(nb, true, ALU_AND, ins); return true;
  case WASM_IOP_i64_or: binop_alu(nb, true, ALU_OR, ins); return true;
  case WASM_IOP_i64_xor: binop_alu(nb, true, ALU_XOR, ins); return true;
  case WASM_IOP_i32_mul:
  case WASM_IOP_i64_mul:
    x64_load64(b, RAX, slot(ins[2]));
    x64_imul_mem(b, ins[0] == WASM_IOP_i64_mul, RAX, slot(ins[3]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_i32_add_imm: binop_alu_imm(nb, false, ALU_ADD, ins); return true;
  case WASM_IOP_i32_sub_imm: binop_alu_imm(nb, false, ALU_SUB, ins); return true;
  case WASM_IOP_i32_and_imm: binop_alu_imm(nb, false, ALU_AND, ins); return true;
  case WASM_IOP_i32_or_imm: binop_alu_imm(nb, false, ALU_OR, ins); return true;
  case WASM_IOP_i32_xor_imm: binop_alu_imm(nb, false, ALU_XOR, ins); return true;
  case WASM_IOP_i64_add_imm: binop_alu_imm(nb, true, ALU_ADD, ins); return true;
  case WASM_IOP_i64_and_imm: binop_alu_imm(nb, true, ALU_AND, ins); return true;
  case WASM_IOP_i32_mul_imm:
    x64_load32(b, RCX, slot(ins[2]));
    x64_imul_imm(b, false, RAX, RCX, (int32_t)ins[3]);
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_i32_shl: shift(nb, false, SH_SHL, ins); return true;
  case WASM_IOP_i32_shr_s: shift(nb, false, SH_SAR, ins); return true;
  case WASM_IOP_i32_shr_u: shift(nb, false, SH_SHR, ins); return true;
  case WASM_IOP_i32_rotl: shift(nb, false, SH_ROL, ins); return true;
  case WASM_IOP_i32_rotr: shift(nb, false, SH_ROR, ins); return true;
  case WASM_IOP_i64_shl: shift(nb, true, SH_SHL, ins); return true;
  case WASM_IOP_i64_shr_s: shift(nb, true, SH_SAR, ins); return true;
  case WASM_IOP_i64_shr_u: shift(nb, true, SH_SHR, ins); return true;
  case WASM_IOP_i64_rotl: shift(nb, true, SH_ROL, ins); return true;
  case WASM_IOP_i64_rotr: shift(nb, true, SH_ROR, ins); return true;
  case WASM_IOP_i32_shl_imm: shift_imm(nb, false, SH_SHL, ins); return true;
  case WASM_IOP_i32_shr_s_imm: shift_imm(nb, false, SH_SAR, ins); return true;
  case WASM_IOP_i32_shr_u_imm: shift_imm(nb, false, SH_SHR, ins); return true;
  case WASM_IOP_i32_div_s: divide(nb, false, true, false, ins); return true;
  case WASM_IOP_i32_div_u: divide(nb, false, false, false, ins); return true;
  case WASM_IOP_i32_rem_s: divide(nb, false, true, true, ins); return true;
  case WASM_IOP_i32_rem_u: divide(nb, false, false, true, ins); return true;
  case WASM_IOP_i64_div_s: divide(nb, true, true, false, ins); return true;
  case WASM_IOP_i64_div_u: divide(nb, true, false, false, ins); return true;
  case WASM_IOP_i64_rem_s: divide(nb, true, true, true, ins); return true;
  case WASM_IOP_i64_rem_u: divide(nb, true, false, true, ins); return true;
  case WASM_IOP_i32_clz: count_zeros(nb, false, true, ins); return true;
  case WASM_IOP_i32_ctz: count_zeros(nb, false, false, ins); return true;
  case WASM_IOP_i64_clz: count_zeros(nb, true, true, ins); return true;
  case WASM_IOP_i64_ctz: count_zeros(nb, true, false, ins); return true;

  /* ---- conversions ---- */
  case WASM_IOP_i32_wrap_i64:
  case WASM_IOP_i64_extend_i32_u:
  case WASM_IOP_i32_reinterpret_f32:
  case WASM_IOP_f32_reinterpret_i32:
    x64_load32(b, RAX, slot(ins[2]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_i64_reinterpret_f64:
  case WASM_IOP_f64_reinterpret_i64:
    x64_load64(b, RAX, slot(ins[2]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_i64_extend_i32_s:
  case WASM_IOP_i64_extend32_s:
    x64_load_s32(b, RAX, slot(ins[2]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_i32_extend8_s:
  case WASM_IOP_i64_extend8_s:
    x64_load_s8(b, ins[0] == WASM_IOP_i64_extend8_s, RAX, slot(ins[2]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  case WASM_IOP_i32_extend16_s:
  case WASM_IOP_i64_extend16_s:
    x64_load_s16(b, ins[0] == WASM_IOP_i64_extend16_s, RAX, slot(ins[2]));
    x64_store64(b, slot(ins[1]), RAX);
    return true;

  /* ---- floats ---- */
  case WASM_IOP_f64_add: float_binop(nb, true, SSE_ADD, ins); return true;
  case WASM_IOP_f64_sub: float_binop(nb, true, SSE_SUB, ins); return true;
  case WASM_IOP_f64_mul: float_binop(nb, true, SSE_MUL, ins); return true;
  case WASM_IOP_f64_div: float_binop(nb, true, SSE_DIV, ins); return true;
  case WASM_IOP_f32_add: float_binop(nb, false, SSE_ADD, ins); return true;
  case WASM_IOP_f32_sub: float_binop(nb, false, SSE_SUB, ins); return true;
  case WASM_IOP_f32_mul: float_binop(nb, false, SSE_MUL, ins); return true;
  case WASM_IOP_f32_div: float_binop(nb, false, SSE_DIV, ins); return true;
  case WASM_IOP_f64_sqrt:
  case WASM_IOP_f32_sqrt: {
    bool f64 = ins[0] == WASM_IOP_f64_sqrt;
    x64_xorps(b, XMM0, XMM0);
    x64_sse_op_mem(b, f64 ? SSE_F64 : SSE_F32, SSE_SQRT, XMM0, slot(ins[2]));
    store_float(nb, f64, ins[1]);
    return true;
  }
  case WASM_IOP_f64_eq: float_compare(nb, true, FEQ, ins); return true;
  case WASM_IOP_f64_ne: float_compare(nb, true, FNE, ins); return true;
  case WASM_IOP_f64_lt: float_compare(nb, true, FLT, ins); return true;
  case WASM_IOP_f64_gt: float_compare(nb, true, FGT, ins); return true;
  case WASM_IOP_f64_le: float_compare(nb, true, FLE, ins); return true;
  case WASM_IOP_f64_ge: float_compare(nb, true, FGE, ins); return true;
  case WASM_IOP_f32_eq: float_compare(nb, false, FEQ, ins); return true;
  case WASM_IOP_f32_ne: float_compare(nb, false, FNE, ins); return true;
  case WASM_IOP_f32_lt: float_compare(nb, false, FLT, ins); return true;
  case WASM_IOP_f32_gt: float_compare(nb, false, FGT, ins); return true;
  case WASM_IOP_f32_le: float_compare(nb, false, FLE, ins); return true;
  case WASM_IOP_f32_ge: float_compare(nb, false, FGE, ins); return true;
  case WASM_IOP_f64_neg:
  case WASM_IOP_f64_abs:
  case WASM_IOP_f32_neg:
  case WASM_IOP_f32_abs: {
    enum wasm_iop op = ins[0];
    bool f64 = op == WASM_IOP_f64_neg || op == WASM_IOP_f64_abs;
    bool neg = op == WASM_IOP_f64_neg || op == WASM_IOP_f32_neg;
    x64_load64(b, RAX, slot(ins[2]));
    x64_bit_imm(b, f64, neg ? BT_COMPLEMENT : BT_RESET, RAX, f64 ? 63 : 31);
    x64_store64(b, slot(ins[1]), RAX);
    return true;
  }
  case WASM_IOP_f64_convert_i32_s:
  case WASM_IOP_f64_convert_i64_s:
  case WASM_IOP_f64_convert_i32_u:
  case WASM_IOP_f32_convert_i32_s:
  case WASM_IOP_f32_convert_i64_s:
  case WASM_IOP_f32_convert_i32_u: {
    enum wasm_iop op = ins[0];
    bool f64 = op == WASM_IOP_f64_convert_i32_s || op == WASM_IOP_f64_convert_i64_s || op == WASM_IOP_f64_convert_i32_u;
    uint8_t kind = f64 ? SSE_F64 : SSE_F32;
    x64_xorps(b, XMM0, XMM0);
    if (op == WASM_IOP_f64_convert_i32_u || op == WASM_IOP_f32_convert_i32_u) {
      x64_load32(b, RAX, slot(ins[2])); /* an unsigned i32 is a non-negative i64 */
      x64_cvt_int_reg(b, kind, true, XMM0, RAX);
    } else {
      bool from64 = op == WASM_IOP_f64_convert_i64_s || op == WASM_IOP_f32_convert_i64_s;
      x64_cvt_int_mem(b, kind, from64, XMM0, slot(ins[2]));
    }
    store_float(nb, f64, ins[1]);
    return true;
  }
  case WASM_IOP_f64_promote_f32:
    x64_xorps(b, XMM0, XMM0);
    x64_cvt_float_mem(b, SSE_F32, XMM0, slot(ins[2]));
    store_float(nb, true, ins[1]);
    return true;
  case WASM_IOP_f32_demote_f64:
    x64_xorps(b, XMM0, XMM0);
    x64_cvt_float_mem(b, SSE_F64, XMM0, slot(ins[2]));
    store_float(nb, false, ins[1]);
    return true;
  case WASM_IOP_i32_trunc_f64_s: truncate_signed(nb, pc, true, false); return true;
  case WASM_IOP_i32_trunc_f32_s: truncate_signed(nb, pc, false, false); return true;
  case WASM_IOP_i64_trunc_f64_s: truncate_signed(nb, pc, true, true); return true;
  case WASM_IOP_i64_trunc_f32_s: truncate_signed(nb, pc, false, true); return true;
  default: return false;
  }
}

/* ---- functions and modules ---- */

static void emit_prologue(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  const wasm_compiled_func *f = nb->f;
  x64_alu_imm(b, true, ALU_SUB, RSP, 8); /* rsp is 16-byte aligned in the body */
  x64_alu_mem(b, true, ALU_CMP, RSP, CX(native_limit));
  jump_to_trap(nb, CC_B, WASM_TRAP_STACK_EXHAUSTED);
  x64_lea(b, true, RAX, slot(f->frame_slots));
  x64_alu_mem(b, true, ALU_CMP, RAX, CX(stack_end));
  jump_to_trap(nb, CC_A, WASM_TRAP_STACK_EXHAUSTED);
  emit_interrupt_check(nb);
  /* zeroed locals and the constant pool */
  if (f->init_len <= 16) {
    for (uint32_t i = 0; i < f->init_len; i++) {
      uint64_t v = f->init[i];
      x64_mem m = slot(f->nparam_slots + i);
      if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
        x64_store64_imm(b, m, (int32_t)v);
      } else {
        x64_mov_imm64(b, RAX, v);
        x64_store64(b, m, RAX);
      }
    }
  } else {
    x64_lea(b, true, RDI, slot(f->nparam_slots));
    x64_mov_imm64(b, RSI, (uint64_t)(uintptr_t)f->init);
    x64_mov_imm32(b, RCX, f->init_len);
    x64_rep_movsq(b);
  }
}

bool wasm_native_add(wasm_native_builder *nb, uint32_t def_index, const wasm_compiled_func *f,
                     const uint32_t *op_starts, size_t nops) {
  if (!nb) return false;
  if (f->frame_slots > INT32_MAX / 8 - 2) return false;
  x64_buf *b = &nb->b;
  nb->f = f;
  nb->code = f->code;
  if (nb->native_cap < (size_t)f->code_len + 1) {
    nb->native_cap = (size_t)f->code_len + 1;
    nb->native_at = wr_realloc(nb->native_at, nb->native_cap * sizeof(uint32_t));
  }
  for (size_t i = 0; i <= f->code_len; i++) nb->native_at[i] = NO_POS;
  nb->branches.len = 0;
  nb->interrupt_checks.len = 0;
  while (b->len % 16) x64_byte(b, 0x90); /* functions start aligned */
  nb->last_func_at = b->len;
  if (nb->func_at) nb->func_at[def_index] = b->len;
  emit_prologue(nb);
  for (size_t i = 0; i < nops; i++) {
    uint32_t pc = op_starts[i];
    if (pc >= f->code_len) return false;
    nb->native_at[pc] = (uint32_t)b->len;
    if (!emit_op(nb, pc)) emit_step(nb, pc);
  }
  x64_jmp_to(b, nb->trap_at[WASM_TRAP_UNREACHABLE]); /* never reached: bodies end in return */
  emit_interrupt_stubs(nb);
  for (size_t i = 0; i < nb->branches.len; i++) {
    const fixup *fx = &nb->branches.items[i];
    if (fx->target >= f->code_len || nb->native_at[fx->target] == NO_POS) return false;
    x64_patch32(b, fx->at, (uint32_t)(int32_t)((int64_t)nb->native_at[fx->target] - (int64_t)fx->rel_base));
  }
  return true;
}

/* The entry (C ABI: fp, cx, code), the exit every trap unwinds to, and one stub per trap
 * kind, at the start of the module's code. */
static void emit_entry_and_traps(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  static const int saved[] = {RBX, RBP, R12, R13, R14, R15};
  for (size_t i = 0; i < 6; i++) x64_push(b, saved[i]);
  x64_alu_imm(b, true, ALU_SUB, RSP, 8);
  x64_store64(b, x64_at(RSI, (int32_t)offsetof(native_ctx, entry_rsp)), RSP);
  x64_mov_rr(b, true, RBX, RDI);
  x64_mov_rr(b, true, R13, RSI);
  x64_load64(b, R12, CX(mem_base));
  x64_load64(b, R14, CX(interrupt));
  x64_call_reg(b, RDX);
  x64_alu_rr(b, false, ALU_XOR, RAX, RAX);
  nb->exit_at = b->len;
  x64_alu_imm(b, true, ALU_ADD, RSP, 8);
  for (size_t i = 6; i-- > 0;) x64_pop(b, saved[i]);
  x64_ret(b);
  /* eax holds the trap already (a step or a call out returned it) */
  nb->propagate_at = b->len;
  x64_load64(b, RSP, CX(entry_rsp));
  x64_jmp_to(b, nb->exit_at);
  for (int k = 0; k < TRAP_KINDS; k++) {
    nb->trap_at[k] = b->len;
    x64_mov_imm32(b, RAX, (uint32_t)k + 1);
    x64_jmp_to(b, nb->propagate_at);
  }
}

wasm_native_builder *wasm_native_begin(const wasm_module *module) {
  if (!wasm_native_enabled()) return NULL;
  wasm_native_builder *nb = WR_NEW(wasm_native_builder);
  nb->module = module;
  nb->func_at = WR_NEW_ARRAY(size_t, module->nfuncs ? module->nfuncs : 1);
  emit_entry_and_traps(nb);
  return nb;
}

void wasm_native_abandon(wasm_native_builder *nb) {
  if (!nb) return;
  wr_free(nb->b.p);
  wr_free(nb->func_at);
  wr_free(nb->native_at);
  WR_VEC_FREE(&nb->calls);
  WR_VEC_FREE(&nb->branches);
  WR_VEC_FREE(&nb->interrupt_checks);
  wr_free(nb);
}

/* WARREN_PERF_MAP=1: name each function's code in /tmp/perf-PID.map, where perf looks for
 * symbols of generated code. */
static void write_perf_map(const wasm_native_builder *nb, const uint8_t *mem) {
  if (!getenv("WARREN_PERF_MAP")) return;
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  FILE *f = fopen(path, "a");
  if (!f) return;
  const wasm_module *m = nb->module;
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    size_t end = i + 1 < m->nfuncs ? nb->func_at[i + 1] : nb->b.len;
    const char *name = m->func_names ? m->func_names[m->nfunc_imports + i] : NULL;
    fprintf(f, "%lx %zx wasm[%u]%s%s\n", (unsigned long)(uintptr_t)(mem + nb->func_at[i]), end - nb->func_at[i],
            m->nfunc_imports + i, name ? " " : "", name ? name : "");
  }
  fclose(f);
}

bool wasm_native_finish(wasm_native_builder *nb, struct wasm_code *code) {
  if (!nb) return false;
  x64_buf *b = &nb->b;
  for (size_t i = 0; i < nb->calls.len; i++) {
    const fixup *fx = &nb->calls.items[i];
    x64_patch32(b, fx->at, (uint32_t)(int32_t)((int64_t)nb->func_at[fx->target] - (int64_t)fx->rel_base));
  }
  size_t page = 4096, size = (b->len + page - 1) / page * page;
  uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    wasm_native_abandon(nb);
    return false;
  }
  memcpy(mem, b->p, b->len);
  if (mprotect(mem, size, PROT_READ | PROT_EXEC) != 0) {
    munmap(mem, size);
    wasm_native_abandon(nb);
    return false;
  }
  write_perf_map(nb, mem);
  struct wasm_native_code *native = WR_NEW(struct wasm_native_code);
  native->base = mem;
  native->size = size;
  native->enter = (native_enter_fn)(void *)mem;
  for (uint32_t i = 0; i < code->nfuncs; i++) code->funcs[i].native = mem + nb->func_at[i];
  code->native = native;
  wasm_native_abandon(nb);
  return true;
}

void wasm_native_free(struct wasm_native_code *native) {
  if (!native) return;
  munmap(native->base, native->size);
  wr_free((void *)native->entries);
  wr_free(native->translate_stubs);
  wasm_code_arena_free(native->arena);
  wr_free(native);
}

/* ---- lazy translation ---- */

/* Called by the shared translate stub on a function's first call: its code, or NULL with the
 * trap in cx. */
static const void *native_lazy_translate(native_ctx *cx, uint32_t def_index) {
  wr_error err = {0};
  const void *entry = wasm_lazy_native_entry(cx->inst->module, def_index, &err);
  if (!entry) cx->trap = wasm_trap_new(cx->store, WASM_TRAP_HOST, "%s", err.message);
  return entry;
}

/* The module's base code for lazy translation: the entry and trap stubs, then one shared stub
 * that translates the function whose index is in esi and jumps to it (entered as the function
 * itself, so the frame and pinned registers are already the callee's), then per function a
 * translate stub (esi = index, to the shared one) and an entry stub (jumps through the function's
 * entry: what code->funcs[i].native names, for calls from C and call_indirect). */
bool wasm_native_prepare_lazy(const wasm_module *module, struct wasm_code *code) {
  if (!wasm_native_enabled()) return false;
  uint32_t n = module->nfuncs;
  wasm_native_builder *nb = WR_NEW(wasm_native_builder);
  nb->module = module;
  emit_entry_and_traps(nb);
  x64_buf *b = &nb->b;
  while (b->len % 16) x64_byte(b, 0x90);
  size_t common_at = b->len;
  x64_alu_imm(b, true, ALU_SUB, RSP, 8);
  x64_mov_rr(b, true, RDI, R13);
  x64_call_abs(b, (const void *)native_lazy_translate);
  x64_alu_imm(b, true, ALU_ADD, RSP, 8);
  x64_test_rr(b, true, RAX, RAX);
  size_t failed = x64_jcc8(b, CC_E);
  x64_jmp_reg(b, RAX);
  x64_land8(b, failed);
  x64_mov_imm32(b, RAX, (uint32_t)WASM_TRAP_HOST + 1);
  x64_jmp_to(b, nb->propagate_at);
  struct wasm_native_code *native = WR_NEW(struct wasm_native_code);
  native->nfuncs = n;
  native->entries = wr_malloc((n ? n : 1) * sizeof *native->entries);
  native->translate_stubs = WR_NEW_ARRAY(const uint8_t *, n ? n : 1);
  size_t *translate_at = WR_NEW_ARRAY(size_t, n ? n : 1), *entry_at = WR_NEW_ARRAY(size_t, n ? n : 1);
  for (uint32_t i = 0; i < n; i++) {
    translate_at[i] = b->len;
    x64_mov_imm32(b, RSI, i);
    x64_jmp_to(b, common_at);
    while (b->len % 8) x64_byte(b, 0x90);
    entry_at[i] = b->len;
    x64_mov_imm64(b, RAX, (uint64_t)(uintptr_t)&native->entries[i]);
    x64_load64(b, RAX, x64_at(RAX, 0));
    x64_jmp_reg(b, RAX);
    while (b->len % 8) x64_byte(b, 0x90);
  }
  size_t page = 4096, size = (b->len + page - 1) / page * page;
  uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  bool ok = mem != MAP_FAILED;
  if (ok) {
    memcpy(mem, b->p, b->len);
    ok = mprotect(mem, size, PROT_READ | PROT_EXEC) == 0;
    if (!ok) munmap(mem, size);
  }
  if (ok) {
    native->base = mem;
    native->size = size;
    native->enter = (native_enter_fn)(void *)mem;
    native->arena = wasm_code_arena_new();
    for (uint32_t i = 0; i < n; i++) {
      native->translate_stubs[i] = mem + translate_at[i];
      atomic_init(&native->entries[i], (const void *)(mem + translate_at[i]));
      code->funcs[i].native = mem + entry_at[i];
    }
    code->native = native;
  } else {
    wr_free((void *)native->entries);
    wr_free(native->translate_stubs);
    wr_free(native);
  }
  wr_free(translate_at);
  wr_free(entry_at);
  wasm_native_abandon(nb);
  return ok;
}

const void *wasm_native_translated(const struct wasm_native_code *native, uint32_t def_index) {
  const void *entry = atomic_load_explicit(&native->entries[def_index], memory_order_acquire);
  return entry == native->translate_stubs[def_index] ? NULL : entry;
}

/* WARREN_PERF_MAP=1, for one lazily translated function. */
static void perf_map_one(const wasm_module *m, uint32_t def_index, const void *at, size_t size) {
  if (!getenv("WARREN_PERF_MAP")) return;
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  FILE *f = fopen(path, "a");
  if (!f) return;
  uint32_t index = m->nfunc_imports + def_index;
  const char *name = m->func_names ? m->func_names[index] : NULL;
  fprintf(f, "%lx %zx wasm[%u]%s%s\n", (unsigned long)(uintptr_t)at, size, index, name ? " " : "", name ? name : "");
  fclose(f);
}

const void *wasm_native_translate(const wasm_module *module, struct wasm_code *code, uint32_t def_index,
                                  const uint32_t *op_starts, size_t nops) {
  struct wasm_native_code *native = code->native;
  wasm_native_builder *nb = WR_NEW(wasm_native_builder);
  nb->module = module;
  nb->lazy = native;
  /* each piece carries its own trap stubs: branches to them stay short and relative */
  emit_entry_and_traps(nb);
  const void *entry = NULL;
  if (wasm_native_add(nb, def_index, &code->funcs[def_index], op_starts, nops)) {
    const uint8_t *at = wasm_code_arena_add(native->arena, nb->b.p, nb->b.len);
    if (at) {
      entry = at + nb->last_func_at;
      perf_map_one(module, def_index, entry, nb->b.len - nb->last_func_at);
      atomic_store_explicit(&native->entries[def_index], entry, memory_order_release);
    }
  }
  wasm_native_abandon(nb);
  return entry;
}


/* ---- running ---- */

/* The lowest address native frames may use on this stack: its low end plus room for the C
 * code (host functions, the interpreter) that native code calls. */
#define NATIVE_STACK_MARGIN (96 * 1024)
static uintptr_t native_stack_limit(void) {
  wr_fiber *fiber = wr_fiber_current();
  if (fiber) {
    uint8_t *low;
    size_t size;
    wr_fiber_stack(fiber, &low, &size);
    return (uintptr_t)low + NATIVE_STACK_MARGIN;
  }
  static _Thread_local uintptr_t thread_limit;
  if (!thread_limit) {
    pthread_attr_t attr;
    void *low = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstack(&attr, &low, &size);
      pthread_attr_destroy(&attr);
    }
    /* unknown bounds: allow 256 KiB below here */
    thread_limit = low ? (uintptr_t)low + NATIVE_STACK_MARGIN
                       : (uintptr_t)__builtin_frame_address(0) - 256 * 1024;
  }
  return thread_limit;
}

wasm_trap *wasm_native_call(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots) {
  const wasm_compiled_func *cur = func->code;
  wasm_instance *inst = func->instance;
  native_ctx cx;
  cx.stack_end = xs->stack + WASM_VALUE_STACK_SLOTS;
  cx.native_limit = native_stack_limit();
  wasm_slot *fp = xs->top;
  if (fp + cur->frame_slots > cx.stack_end || (uintptr_t)__builtin_frame_address(0) < cx.native_limit)
    return wasm_trap_new(store, WASM_TRAP_STACK_EXHAUSTED, "%s", wasm_trap_kind_message(WASM_TRAP_STACK_EXHAUSTED));
  wasm_memory *mem0 = wasm_instance_memory0(inst);
  cx.mem_base = mem0 ? mem0->base : NULL;
  cx.inst = inst;
  cx.globals = inst->globals;
  cx.tables = inst->tables;
  cx.funcs = inst->funcs;
  cx.types = inst->types;
  cx.entry_rsp = NULL;
  cx.interrupt = &store->interrupt;
  cx.store = store;
  cx.xs = xs;
  cx.trap = NULL;
  memcpy(fp, slots, (size_t)func->nparam_slots * sizeof(wasm_slot));
  uint32_t status = inst->module->code->native->enter(fp, &cx, cur->native);
  if (status) {
    if (cx.trap) return cx.trap;
    wasm_trap_kind kind = (wasm_trap_kind)(status - 1);
    return wasm_trap_new(store, kind, "%s", wasm_trap_kind_message(kind));
  }
  memcpy(slots, fp, (size_t)func->nresult_slots * sizeof(wasm_slot));
  return NULL;
}

#else /* !WASM_NATIVE */

wasm_native_builder *wasm_native_begin(const wasm_module *module) {
  WR_UNUSED(module);
  return NULL;
}
bool wasm_native_add(wasm_native_builder *nb, uint32_t def_index, const wasm_compiled_func *func,
                     const uint32_t *op_starts, size_t nops) {
  WR_UNUSED(nb), WR_UNUSED(def_index), WR_UNUSED(func), WR_UNUSED(op_starts), WR_UNUSED(nops);
  return false;
}
bool wasm_native_finish(wasm_native_builder *nb, struct wasm_code *code) {
  WR_UNUSED(nb), WR_UNUSED(code);
  return false;
}
void wasm_native_abandon(wasm_native_builder *nb) { WR_UNUSED(nb); }
void wasm_native_free(struct wasm_native_code *native) { WR_UNUSED(native); }
bool wasm_native_prepare_lazy(const wasm_module *module, struct wasm_code *code) {
  WR_UNUSED(module), WR_UNUSED(code);
  return false;
}
const void *wasm_native_translated(const struct wasm_native_code *native, uint32_t def_index) {
  WR_UNUSED(native), WR_UNUSED(def_index);
  return NULL;
}
const void *wasm_native_translate(const wasm_module *module, struct wasm_code *code, uint32_t def_index,
                                  const uint32_t *op_starts, size_t nops) {
  WR_UNUSED(module), WR_UNUSED(code), WR_UNUSED(def_index), WR_UNUSED(op_starts), WR_UNUSED(nops);
  return NULL;
}
wasm_trap *wasm_native_call(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots) {
  WR_UNUSED(xs), WR_UNUSED(func), WR_UNUSED(slots);
  return wasm_trap_new(store, WASM_TRAP_UNREACHABLE, "no native tier");
}

#endif
