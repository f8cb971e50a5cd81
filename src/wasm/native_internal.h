/* What the native tier's files (native*.c) share: the builder, the context native code reads
 * from r13, the frame operands, and the emitters one file offers the others. */
#ifndef WARREN_WASM_NATIVE_INTERNAL_H
#define WARREN_WASM_NATIVE_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "code_arena.h"
#include "compile.h"
#include "native.h"

/* -DWARREN_NO_NATIVE builds the interpreter alone. */
#if defined(__x86_64__) && WASM_GUARDED_MEMORY && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(WARREN_NO_NATIVE)
#define WASM_NATIVE 1
#else
#define WASM_NATIVE 0
#endif

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

/* Runs native function `func` with its frame at fp: fills cx's fields of func's instance (the
 * caller set those of the thread: stack bounds, store, interrupt flag, exec stack) and enters
 * its code. 0, or a trap kind + 1 (then cx->trap may hold the trap object). */
uint32_t native_enter_instance(native_ctx *cx, wasm_func *func, wasm_slot *fp);

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
  struct kept_piece *kept; /* per function, when a cache file is being written (native_reloc.c) */
};

enum { TRAP_KINDS = WASM_TRAP_EXIT + 1 };

/* How many vectors a translation remembers as known constants at once (native_emit_simd.c). */
#define NATIVE_KNOWN_VECTORS 4

/* How many locals a function keeps in registers at most (native_regalloc.c). */
#define NATIVE_CACHE_REGS 8
/* ...and how many v128 slots in xmm registers (xmm4..xmm15; the templates use xmm0..xmm3). */
#define NATIVE_VECTOR_REGS 12

typedef struct fixup {
  size_t at;       /* the rel32 to patch */
  size_t rel_base; /* it is relative to this buffer position */
  uint32_t target; /* a word index (branches) or a defined function (calls) */
} fixup;

/* An interrupt check of the function being translated, whose slow path is emitted after it. */
typedef struct interrupt_check {
  size_t jcc_at;    /* the rel32 of its branch to the slow path */
  size_t resume_at; /* where the guest goes on */
  int32_t region;   /* the loop region it is in (its registers are saved), or -1 */
} interrupt_check;

/* A loop with general registers of its own (native_regalloc.c): in words [start, end], from a
 * loop head to the last back-edge of the loops around it, the slots in cached_slot live in
 * cached_reg instead of the function's choice. Only falling into its head enters it (a loop is
 * entered nowhere else) and its values go through the frame: the function's registers are
 * stored and the region's loaded; leaving it, by falling out of its end or by a branch to a
 * word outside it, does the reverse. */
typedef struct native_region {
  uint32_t start, end;
  size_t head_at; /* the head's code after the moves in: where its back-edges go */
  uint32_t ncached;
  uint32_t cached_slot[NATIVE_CACHE_REGS];
  int cached_reg[NATIVE_CACHE_REGS];
} native_region;

/* A 16-byte constant a template reads RIP-relative from its function's constant pool. */
typedef struct vector_const_ref {
  size_t at; /* the rel32 to patch */
  uint8_t bytes[16];
} vector_const_ref;

struct wasm_native_builder {
  x64_buf b;
  const wasm_module *module;
  size_t exit_at, propagate_at, trap_at[TRAP_KINDS];
  size_t *func_at; /* per defined function (eager translation only) */
  size_t last_func_at;
  /* Lazy translation: calls between defined functions go through this code's entries */
  const struct wasm_native_code *lazy;
  WR_VEC(fixup) calls;
  WR_VEC(wasm_native_reloc) relocs; /* every absolute address emitted (native_reloc.c) */
  /* per function */
  const wasm_compiled_func *f;
  const uint32_t *code;
  uint32_t *native_at; /* word index -> buffer position of the instruction starting there */
  size_t native_cap;
  WR_VEC(fixup) branches;
  WR_VEC(interrupt_check) interrupt_checks;
  WR_VEC(vector_const_ref) vector_consts; /* placed after the function (native_emit_vector_consts) */
  /* Slots kept in registers (native_regalloc.c): local_reg[s] is the register of slot s (a
   * local or an operand-stack slot), or -1 when it lives in the frame; cached_slot[i] /
   * cached_reg[i] list them. */
  int8_t *local_reg;
  size_t local_reg_cap;
  uint32_t ncached;
  uint32_t cached_slot[NATIVE_CACHE_REGS];
  int cached_reg[NATIVE_CACHE_REGS];
  /* Loops with registers of their own, in order (native_region), the function's own choice
   * outside them, and the region being translated (-1: none); ncached / cached_slot /
   * cached_reg / local_reg are always the current one's. */
  WR_VEC(native_region) regions;
  native_region outside;
  int32_t region;
  /* v128 slots kept in xmm registers the same way: vector_reg[s] is the xmm register of the
   * vector in slots s and s + 1, or -1. A template that reaches such a slot other than through
   * vload / vstore (native_emit_simd.c) sets vector_conflict[s]; one that reaches a slot a
   * general register holds as (half of) a vector sets register_conflict[s]; either way
   * `conflicted` is set and the function is translated again without those (wasm_native_add),
   * or, after many attempts, with no slot in a register (no_registers). */
  int8_t *vector_reg;
  uint8_t *vector_conflict, *register_conflict;
  size_t vector_cap;
  uint32_t nvector;
  uint32_t vector_slot[NATIVE_VECTOR_REGS];
  int vector_xmm[NATIVE_VECTOR_REGS];
  bool conflicted, no_registers;
  /* Vector slots that v128.const wrote, with the value, while straight-line code has not
   * written them since (native_emit_simd.c): a shuffle takes such an operand's lanes as
   * constants. Forgotten at branch targets, after calls and steps (native_reload_cached), and
   * on any other access to an overlapping slot (forget_known_vector). */
  uint32_t nknown;
  uint32_t known_slot[NATIVE_KNOWN_VECTORS];
  uint8_t known_bytes[NATIVE_KNOWN_VECTORS][16];
  /* An f64 result carried in xmm0 to the next instruction (native_chain.c): label[w] marks
   * the words a branch targets; xmm0_slot is the slot whose f64 xmm0 holds as the current
   * instruction starts, xmm0_next the one the current instruction leaves there. */
  uint8_t *label;
  size_t label_cap;
  uint32_t xmm0_slot, xmm0_next;
  uint32_t next_pc; /* the word after the instruction being translated */
  /* An integer result carried in rax to the next instruction (native_chain.c): rax_slot is
   * the slot whose 64-bit value rax holds as the current instruction starts (rax_zext: and
   * whose upper half is zero, an i32), valid only while nothing of the instruction is emitted
   * yet (op_start == b.len); rax_next / rax_next_zext / rax_next_end what the current
   * instruction's last store leaves there and where that store ends. */
  uint32_t rax_slot, rax_next;
  bool rax_zext, rax_next_zext;
  size_t op_start, rax_next_end;
  /* A v128 result carried in xmm0 the same way (native_emit_simd.c): v128_slot as the current
   * instruction starts, v128_next / v128_next_end what its last store leaves. */
  uint32_t v128_slot, v128_next;
  size_t v128_next_end;
  bool label_missed; /* a branch to an unmarked word: the function is not translated */
  /* The slots of the prologue's initialisation (zeroed locals and the constant pool) that the
   * code reaches in the frame: init_needed[s - nparam_slots]. A large initialisation copies
   * only these, after the body (native_module.c), since most constants end up as immediates. */
  uint8_t *init_needed;
  size_t init_needed_cap;
  size_t init_jump_at, init_resume_at; /* the prologue's jump to it (0: none), and back */
  bool poison_init;                     /* WARREN_NATIVE_POISON_INIT (native_module.c) */
};

#define NO_POS UINT32_MAX

/* ---- operands ---- */

/* Slot s in the frame, whether or not a register holds it (addresses, spills, calls). */
static inline x64_mem frame_at(uint32_t s) { return x64_at(RBX, (int32_t)(s * 8)); }
/* The code reaches slot s (and, for a vector, s + 1) in the frame: a slot the prologue
 * initialises must then be initialised. */
static inline void native_init_read(wasm_native_builder *nb, uint32_t s, uint32_t count) {
  const wasm_compiled_func *f = nb->f;
  for (uint32_t k = s; k < s + count; k++)
    if (k >= f->nparam_slots && k < f->nparam_slots + f->init_len) nb->init_needed[k - f->nparam_slots] = 1;
}
/* Slot s in the frame as the code reads or writes it there. */
static inline x64_mem frame_slot(wasm_native_builder *nb, uint32_t s) {
  native_init_read(nb, s, 1);
  return frame_at(s);
}
/* The vector in slots s and s + 1 in the frame, as the code reads or writes it there. */
static inline x64_mem frame_vector(wasm_native_builder *nb, uint32_t s) {
  native_init_read(nb, s, 2);
  return frame_at(s);
}
/* The xmm register of the cached vector that slot s is part of (its first or second half), or
 * -1. */
static inline int vector_reg_of(const wasm_native_builder *nb, uint32_t s) {
  if (!nb->nvector || s >= nb->f->frame_slots) return -1;
  if (nb->vector_reg[s] >= 0) return nb->vector_reg[s];
  return s > 0 ? nb->vector_reg[s - 1] : -1;
}
/* A template reaches slot s in the frame, or as a scalar, while s is part of a vector kept in
 * an xmm register: the translation is redone without that vector there. */
static inline void vector_conflict(wasm_native_builder *nb, uint32_t s) {
  if (vector_reg_of(nb, s) < 0) return;
  uint32_t first = nb->vector_reg[s] >= 0 ? s : s - 1;
  nb->vector_conflict[first] = 1;
  nb->conflicted = true;
}
/* A vector template reaches slots s and s + 1 as one vector: a general register holding either
 * is a conflict (its value would be half of a vector). True when none does. */
static inline bool no_register_conflict(wasm_native_builder *nb, uint32_t s) {
  bool clear = true;
  for (uint32_t k = s; k < s + 2 && k < nb->f->frame_slots; k++)
    if (nb->local_reg[k] >= 0) {
      nb->register_conflict[k] = 1;
      nb->conflicted = true;
      clear = false;
    }
  return clear;
}
/* Slot s is written (or may be): a known constant vector that overlaps it is no longer known. */
static inline void forget_known_vector(wasm_native_builder *nb, uint32_t s) {
  for (uint32_t i = 0; i < nb->nknown;) {
    uint32_t k = nb->known_slot[i];
    if (k + 1 >= s && k <= s + 1) {
      nb->nknown--;
      nb->known_slot[i] = nb->known_slot[nb->nknown];
      memcpy(nb->known_bytes[i], nb->known_bytes[nb->nknown], 16);
    } else {
      i++;
    }
  }
}
/* The register that holds slot s, or -1 when it lives in the frame. Every scalar use of a slot
 * asks this first, so it also catches one of a slot an xmm register holds (and one that
 * overwrites a known constant vector). */
static inline int cached_reg(wasm_native_builder *nb, uint32_t s) {
  vector_conflict(nb, s);
  if (nb->nknown) forget_known_vector(nb, s);
  return s < nb->f->frame_slots ? nb->local_reg[s] : -1;
}
/* Slot s as a template operand: its register when it has one, else the frame. Every template
 * reads and writes slots through this, so a local kept in a register needs no other change. */
static inline x64_mem slot(wasm_native_builder *nb, uint32_t s) {
  int reg = cached_reg(nb, s);
  return reg >= 0 ? x64_in_reg(reg) : frame_slot(nb, s);
}

/* The value of a slot of the function's constant pool, known at translation time. */
static inline bool const_slot(const wasm_native_builder *nb, uint32_t s, uint64_t *value) {
  const wasm_compiled_func *f = nb->f;
  if (s < f->nlocal_slots || s >= f->nparam_slots + f->init_len) return false;
  *value = f->init[s - f->nparam_slots];
  return true;
}

static inline void jump_to_trap(wasm_native_builder *nb, int cc, wasm_trap_kind kind) {
  x64_jcc_to(&nb->b, cc, nb->trap_at[kind]);
}

/* The target of the branch whose distance is in word k of the instruction at `pc`. */
static inline uint32_t target_of(const wasm_native_builder *nb, uint32_t pc, uint32_t k) {
  return (uint32_t)((int64_t)pc + k + (int32_t)nb->code[pc + k]);
}

/* ---- an integer result carried in rax to the next instruction (native_chain.c) ---- */

/* The instruction being translated has just stored rax to slot s (its last code): the next
 * one may read s from rax. */
void native_chain_rax_result(wasm_native_builder *nb, uint32_t s);
/* ...and that value is an i32 (rax's upper half is zero), so a 32-bit read may use it too. */
void native_chain_rax_is_i32(wasm_native_builder *nb);
/* Whether rax holds slot s (w: all 64 bits, else the zero-extended low 32) at this point: only
 * at the very start of an instruction that follows the one that left it there. */
bool native_rax_holds(const wasm_native_builder *nb, uint32_t s, bool w);
/* rax = slot s (w: 64 bits, else 32 zero-extended), nothing when rax holds it already. */
void native_load_rax(wasm_native_builder *nb, uint32_t s, bool w);
/* Compares slot a with slot b (w: 64 bits) and returns the condition code that holds when
 * `a cc b`: the operands swap (and cc with them) when rax holds b from the previous
 * instruction and not a. */
int native_compare_slots(wasm_native_builder *nb, bool w, uint32_t a, uint32_t b, int cc);

/* ---- operand forms (native_operands.c) ---- */

/* Slot s as an imm32 when it is a constant that one fits (w: sign-extended to 64 bits). */
bool native_imm(const wasm_native_builder *nb, uint32_t s, bool w, int32_t *imm);
/* A register holding slot s: its own when cached, else `scratch` loaded (w: 64 bits). */
int native_value_reg(wasm_native_builder *nb, uint32_t s, bool w, int scratch);
/* The register to compute slot dst's value in: its own when cached, unless that is
 * `read_after`, an operand's register still read once the result is being written; else rax. */
int native_result_reg(wasm_native_builder *nb, uint32_t dst, int read_after);
/* Slot dst = register r (nothing when r is dst's own register). */
void native_set_result(wasm_native_builder *nb, uint32_t dst, int r);
/* r = r `alu` slot s: an immediate when s is a constant that fits. */
void native_alu_slot(wasm_native_builder *nb, bool w, int alu, int r, uint32_t s);
/* r = slot s (64 bits), nothing when r is s's own register. */
void native_load_into(wasm_native_builder *nb, int r, uint32_t s);
/* Slot dst = slot a + slot b (i32). */
void native_add32_to(wasm_native_builder *nb, uint32_t dst, uint32_t a, uint32_t b_slot);

/* eax = slot a + slot b (i32) */
static inline void sum32(wasm_native_builder *nb, uint32_t a, uint32_t b_slot) {
  int32_t imm;
  int ra = cached_reg(nb, a);
  if (ra >= 0 && native_imm(nb, b_slot, false, &imm)) {
    x64_lea(&nb->b, false, RAX, x64_at(ra, imm));
    return;
  }
  native_load_rax(nb, a, false);
  native_alu_slot(nb, false, ALU_ADD, RAX, b_slot);
}

/* ---- float operands: SSE forms take an xmm register or memory, not a general register ---- */

/* xmm = the float in slot s (f32: the low bits) */
static inline void load_float(wasm_native_builder *nb, uint8_t kind, int xmm, uint32_t s) {
  int reg = cached_reg(nb, s);
  if (reg >= 0) x64_movq_to_xmm(&nb->b, xmm, reg);
  else x64_sse_load(&nb->b, kind, xmm, frame_slot(nb, s));
}
/* slot s = the f64 in xmm */
static inline void store_f64(wasm_native_builder *nb, uint32_t s, int xmm) {
  int reg = cached_reg(nb, s);
  if (reg >= 0) x64_movq_from_xmm(&nb->b, reg, xmm);
  else x64_sse_store(&nb->b, SSE_F64, frame_slot(nb, s), xmm);
}
/* The xmm operand for slot s: xmm1 loaded from its register, or -1 to use the frame. */
static inline int float_operand_reg(wasm_native_builder *nb, uint32_t s) {
  int reg = cached_reg(nb, s);
  if (reg < 0) return -1;
  x64_movq_to_xmm(&nb->b, XMM1, reg);
  return XMM1;
}

/* ---- locals in registers (native_regalloc.c) ---- */

/* Chooses the slots of function def_index to keep in registers: the most used scalar locals
 * and operand-stack slots, uses weighted by loop depth. */
void native_choose_cached_locals(wasm_native_builder *nb, uint32_t def_index, const uint32_t *op_starts,
                                 size_t nops);
/* Writes the cached locals below slot `below` to the frame (before anything else reads it). */
void native_spill_cached(wasm_native_builder *nb, uint32_t below);
/* Reads every cached local from the frame (after anything else may have written it or the
 * registers: calls out, interpreter steps, native calls). */
void native_reload_cached(wasm_native_builder *nb);
/* The cached locals' values on entry: parameters from the frame, other locals their initial value. */
void native_load_cached_on_entry(wasm_native_builder *nb);
/* Translating the word at `pc`: leaves the region just past (falling out of its end), emitting
 * the moves through the frame; before the word's address, so that branches to it arrive moved. */
void native_region_leave(wasm_native_builder *nb, uint32_t pc);
/* ...then enters the region that starts here: after the word's address, where a branch from
 * outside (to the end of a block that ends where the loop begins) arrives too; its back-edges
 * go past these moves. */
void native_region_enter(wasm_native_builder *nb, uint32_t pc);
/* Whether a branch to `target` leaves the region being translated. */
bool native_region_exit(const wasm_native_builder *nb, uint32_t target);
/* The moves of leaving the region being translated, for a branch out of it (translation stays
 * in the region). */
void native_emit_region_exit(wasm_native_builder *nb);
/* Translation state as in region r (-1: outside every region), emitting nothing (the out-of-line
 * code of an interrupt check in it). */
void native_use_region(wasm_native_builder *nb, int32_t r);

/* ---- f64 results carried in xmm0 (native_chain.c) ---- */

enum { LABEL_TARGET = 1, LABEL_LOOP_HEAD = 2 }; /* bits of wasm_native_builder.label */
/* Marks the function's branch targets and loop heads (before translating it). */
void native_mark_labels(wasm_native_builder *nb, const uint32_t *op_starts, size_t nops);
/* Every branch emitted names its target here: one not marked fails the translation. */
void native_check_label(wasm_native_builder *nb, uint32_t target);
/* Whether word pc is a loop back-edge's target: the loop's interrupt check goes there. */
bool native_loop_head(const wasm_native_builder *nb, uint32_t pc);
/* At the start of the instruction at `pc`. */
void native_chain_begin(wasm_native_builder *nb, uint32_t pc);
/* The instruction being translated ends with slot s's f64 in xmm0. */
void native_chain_f64_result(wasm_native_builder *nb, uint32_t s);
/* Whether the f64 the instruction being translated computes into operand-stack slot s, left in
 * xmm0, need not be stored: the next instruction takes it from xmm0 and pops it, reading s
 * nowhere else, so nothing ever reads the slot. */
bool native_f64_result_unread(const wasm_native_builder *nb, uint32_t s);
/* Whether xmm0 holds slot s's f64 as the instruction starts (from the previous one). */
bool native_xmm0_holds_f64(const wasm_native_builder *nb, uint32_t s);
/* xmm0 = slot s's f64: nothing when the previous instruction left it there. The first use of
 * xmm0 of the template that calls it. */
void native_load_f64_xmm0(wasm_native_builder *nb, uint32_t s);
/* The instruction being translated ends with the store of slot s's v128 from xmm0. */
void native_chain_v128_result(wasm_native_builder *nb, uint32_t s);
/* Whether xmm0 holds slot s's v128 as the instruction starts (nothing of it emitted yet). */
bool native_xmm0_holds_v128(const wasm_native_builder *nb, uint32_t s);

/* ---- absolute addresses (native_reloc.c) ---- */

/* The C functions native code calls, by their index in one fixed table, so a stored piece names
 * them without holding a host address. */
enum native_helper {
  HELPER_INTERP_STEP,
  HELPER_POLL_INTERRUPT,
  HELPER_CALL_OUT,
  HELPER_TABLE_RESOLVE,
  HELPER_MEMORY_COPY,
  HELPER_MEMORY_FILL,
  HELPER_MEMORY_GROW,
  NATIVE_HELPERS
};
_Static_assert(NATIVE_HELPERS == WASM_NATIVE_HELPERS, "native.h counts the helpers");
uint32_t native_poll_interrupt(native_ctx *cx, wasm_slot *frame_end);                           /* native.c */
uint32_t native_call_out(native_ctx *cx, wasm_func *callee, wasm_slot *args, wasm_slot *frame_end); /* native_calls.c */
/* memory.copy / memory.fill on memory 0: 0, or an out-of-bounds trap + 1 (native_emit_memory.c) */
uint32_t native_memory_copy(native_ctx *cx, uint32_t dst, uint32_t src, uint32_t n);
uint32_t native_memory_fill(native_ctx *cx, uint32_t dst, uint32_t value, uint32_t n);
/* memory.grow on memory 0: the old size in pages, or -1 (native_emit_memory.c) */
uint32_t native_memory_grow(native_ctx *cx, uint32_t delta_pages);
/* call helper h (through rax) */
void native_call_helper(wasm_native_builder *nb, enum native_helper h);
/* ...whose status 0 goes on and anything else is a trap to propagate, then the cached registers
 * reloaded (native.c) */
void native_call_helper_checked(wasm_native_builder *nb, enum native_helper h);
/* reg = the address a relocation of `kind` and `index` names in the function being translated. */
void native_load_address(wasm_native_builder *nb, int reg, enum wasm_native_reloc_kind kind, uint32_t index);
/* A lazy translation was just made and published: counted, and its piece kept when pieces are kept. */
void native_note_translation(struct wasm_native_code *native, uint32_t def_index, const wasm_native_builder *nb);
void native_free_kept_pieces(struct wasm_native_code *native);
/* WARREN_PERF_MAP=1: names one lazily translated function's code (native_lazy.c). */
void native_perf_map_one(const wasm_module *m, uint32_t def_index, const void *at, size_t size);

/* ---- control (native.c) ---- */

/* A branch to word `target` of the function; `cc` < 0 for an unconditional jump. */
void native_branch(wasm_native_builder *nb, int cc, uint32_t target);
/* A loop's back-edge: a plain branch to a loop head (which checks the interrupt flag), else one
 * that checks the flag when taken. */
void native_branch_back(wasm_native_builder *nb, int cc, uint32_t target);
/* Function entry and loop heads: one compare and a branch not taken while the flag is clear. */
void native_emit_interrupt_check(wasm_native_builder *nb);
/* The out-of-line slow paths of the function's interrupt checks, after its body. */
void native_emit_interrupt_stubs(wasm_native_builder *nb);
/* The instruction at `pc` run by the interpreter. */
void native_emit_step(wasm_native_builder *nb, uint32_t pc);
/* Translates the instruction at word `pc`; false when it has no template (the caller then
 * steps it). */
bool native_emit_op(wasm_native_builder *nb, uint32_t pc);

/* ---- templates by instruction family: each false when `pc` is not of its family ---- */

bool native_emit_call_op(wasm_native_builder *nb, uint32_t pc);   /* native_calls.c */
bool native_emit_memory_op(wasm_native_builder *nb, uint32_t pc); /* native_emit_memory.c */
bool native_emit_int_op(wasm_native_builder *nb, uint32_t pc);    /* native_emit_int.c */
bool native_emit_float_op(wasm_native_builder *nb, uint32_t pc);  /* native_emit_float.c */
bool native_emit_simd_op(wasm_native_builder *nb, uint32_t pc);   /* native_emit_simd.c */
/* The function's 16-byte constants, after its body (and its out-of-line stubs), each once. */
void native_emit_vector_consts(wasm_native_builder *nb);
/* The CPU extensions the SIMD templates use (part of wasm_native_target). */
uint32_t native_simd_target(void);

/* ---- modules (native_module.c) ---- */

/* The entry (C ABI: fp, cx, code), the exit every trap unwinds to, and one stub per trap kind. */
void native_emit_entry_and_traps(wasm_native_builder *nb);

#define CMP_CCS(M)                                                                              \
  M(eq, CC_E) M(ne, CC_NE) M(lt_s, CC_L) M(lt_u, CC_B) M(gt_s, CC_G) M(gt_u, CC_A) M(le_s, CC_LE) \
  M(le_u, CC_BE) M(ge_s, CC_GE) M(ge_u, CC_AE)

#endif /* WASM_NATIVE */

#endif
