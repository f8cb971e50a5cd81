/* What the compiler's files (compile*.c) share: the state of one function's translation, the
 * small helpers every instruction family uses to keep the operand stack and emit words (inline:
 * they run for every instruction), and the functions one file offers the others.
 *
 * One pass per body: the compiler mirrors the operand stack with, for every entry, its type,
 * its canonical slot (locals + stack height) and the slot where its value actually is (a
 * local's slot after local.get, until something could overwrite it). */
#ifndef WARREN_WASM_COMPILE_INTERNAL_H
#define WARREN_WASM_COMPILE_INTERNAL_H

#include "../base/alloc.h"
#include "../base/vec.h"
#include "compile.h"
#include "reader.h"

#define NO_POS UINT32_MAX
/* Generous bounds that keep the slot arithmetic far from overflow. */
#define MAX_FRAME_SLOTS (1u << 24)

typedef struct operand {
  uint8_t type;
  uint32_t canon; /* canonical slot */
  uint32_t where; /* slot holding the value now */
} operand;

typedef enum { CTRL_FUNC, CTRL_BLOCK, CTRL_LOOP, CTRL_IF } ctrl_kind;

typedef struct ctrl {
  ctrl_kind kind;
  uint32_t height;    /* stack entries below the block's params */
  uint32_t base_slot; /* canonical slot of the first param / result */
  uint32_t nparams, nresults;
  const uint8_t *params, *results;
  uint8_t single;      /* the result type of a one-result block type */
  bool single_result;  /* results are `single` (the struct may move: no pointer to it) */
  uint32_t loop_start; /* CTRL_LOOP */
  uint32_t else_fixup; /* CTRL_IF: word awaiting the else (or end) offset */
  WR_VEC(uint32_t) fixups; /* words awaiting the end offset */
  bool reachable_at_end_via_branch;
  /* a `try` (a CTRL_BLOCK for branches): its handler, whether its body has ended (a catch
   * block is being compiled), the slot its catch blocks keep the exception in, its catches */
  uint32_t handler; /* NO_POS: not a try */
  bool in_catch;
  uint32_t exn_slot;
  WR_VEC(wasm_eh_catch) catches;
} ctrl;

typedef struct compiler {
  const wasm_module *module;
  wr_error *err;
  wasm_reader r;
  WR_VEC(uint32_t) code;
  WR_VEC(operand) stack;
  WR_VEC(ctrl) ctrls;
  uint32_t nlocals;
  uint32_t *local_slot;
  uint8_t *local_type;
  uint32_t nlocal_slots;
  /* constant pool: slots [nlocal_slots, nlocal_slots + const_cap), then the vector temporaries
   * (push_result), then the stack */
  WR_VEC(uint64_t) consts;
  uint32_t const_cap;
  uint32_t vector_temps; /* how many (two slots each), from nlocal_slots + const_cap */
  uint32_t stack_base;
  uint32_t max_slot;
  uint32_t nresult_slots;
  uint32_t last_dst; /* word of the last instruction's result slot, if its value is the top */
  uint32_t last_op_pos; /* word of the last instruction's opcode */
  WR_VEC(uint32_t) op_starts; /* word of every instruction in `code`, in order */
  uint32_t label_pos; /* word of the latest branch target: no fusion reaches across it */
  uint32_t memidx;    /* the memory the instruction being compiled addresses, when not 0 */
  bool mem64;         /* ... and that memory is 64-bit (prefixed even when it is memory 0) */
  bool *memory_is64;  /* per memory of the module (imports first), looked up once */
  uint64_t mem_offset; /* the 64-bit static offset of that instruction (on_memory64's) */
  bool dump; /* WARREN_DUMP_CODE is set */
  bool unreachable;
  uint32_t skip_depth; /* nesting inside unreachable code */
  WR_VEC(wasm_eh_handler) handlers; /* of the function being compiled */
  WR_VEC(wasm_eh_catch) catches;
  uint32_t exn_base; /* first of the hidden locals that hold caught exceptions, one per try depth */
  bool throws;       /* the function has a try, throw or rethrow: it runs on the interpreter */
} compiler;

static inline bool fail(compiler *c, const char *message) {
  if (!c->err->failed) wr_error_at(c->err, c->r.pos, "%s", message);
  return false;
}

static inline uint32_t types_slots(const uint8_t *types, uint32_t n) {
  uint32_t total = 0;
  for (uint32_t i = 0; i < n; i++) total += wasm_type_slots(types[i]);
  return total;
}

static inline bool read_index(compiler *c, uint32_t *out, uint32_t limit, const char *what) {
  if (!wasm_read_u32(&c->r, out)) return false;
  if (*out >= limit) return fail(c, what);
  return true;
}

static inline uint32_t nfuncs_total(const compiler *c) { return c->module->nfunc_imports + c->module->nfuncs; }
static inline uint32_t nglobals_total(const compiler *c) { return c->module->nglobal_imports + c->module->nglobals; }
static inline uint32_t ntables_total(const compiler *c) { return c->module->ntable_imports + c->module->ntables; }

/* ---- emission ---- */

static inline uint32_t emit(compiler *c, uint32_t word) {
  WR_VEC_PUSH(&c->code, word);
  return (uint32_t)c->code.len - 1;
}

/* A branch target word: the distance from the word itself to the target (compile.h), or
 * NO_POS while the target is ahead and unknown (patch fills it in). */
static inline uint32_t emit_target(compiler *c, uint32_t target) {
  uint32_t word = (uint32_t)c->code.len;
  return emit(c, target == NO_POS ? NO_POS : target - word);
}

/* Point the target word at `target`, which is always the code's current end. */
static inline void patch(compiler *c, uint32_t word, uint32_t target) {
  c->code.items[word] = target - word;
  c->label_pos = target;
}

/* Drop the instructions from word `pos` on (a fusion takes them back). */
static inline void truncate_code(compiler *c, uint32_t pos) {
  c->code.len = pos;
  while (c->op_starts.len > 0 && c->op_starts.items[c->op_starts.len - 1] >= pos) c->op_starts.len--;
}

static inline void emit_op(compiler *c, enum wasm_iop op) {
  c->last_dst = NO_POS;
  c->last_op_pos = (uint32_t)c->code.len;
  WR_VEC_PUSH(&c->op_starts, c->last_op_pos);
  emit(c, (uint32_t)op);
}

/* Record where the instruction just emitted names its result slot (the top of the stack),
 * so that a following local.set / local.tee can retarget the result into the local. */
static inline void note_result(compiler *c, uint32_t dst_word) { c->last_dst = dst_word; }

/* ---- operand stack ---- */

static inline uint32_t next_canon(const compiler *c) {
  if (c->stack.len == 0) return c->stack_base;
  const operand *top = &c->stack.items[c->stack.len - 1];
  return top->canon + wasm_type_slots(top->type);
}

static inline bool reserve_slots(compiler *c, uint32_t end) {
  if (end > MAX_FRAME_SLOTS) return fail(c, "function frame too large");
  if (end > c->max_slot) c->max_slot = end;
  return true;
}

/* Push a value that lives in its canonical slot; returns that slot. */
static inline uint32_t push(compiler *c, uint8_t type) {
  uint32_t canon = next_canon(c);
  operand o = {type, canon, canon};
  reserve_slots(c, canon + wasm_type_slots(type));
  WR_VEC_PUSH(&c->stack, o);
  c->last_dst = NO_POS;
  return canon;
}

/* Push the v128 result of an instruction about to be emitted; returns the slot to write it to.
 * The operand stack's slots hold values of every type in turn (a slot is a vector here, an i32
 * there, half of a vector one slot higher elsewhere), so a v128 result goes to a slot of its
 * own instead, the temporary numbered by the vectors below it on the stack, which no value of
 * another type ever uses and no live vector shares: the native tier can keep such a slot in an
 * xmm register for the whole function. Deeper vectors (beyond the temporaries) stay in their
 * canonical slots. Nothing inside a block pops what is below it, so a temporary holds its
 * value until it is popped; a call's frame starts above the temporaries. */
static inline uint32_t push_result(compiler *c, uint8_t type) {
  uint32_t canon = push(c, type);
  if (type != WASM_V128) return canon;
  uint32_t below = 0;
  for (size_t i = 0; i + 1 < c->stack.len; i++) below += c->stack.items[i].type == WASM_V128;
  if (below >= c->vector_temps) return canon;
  uint32_t temp = c->nlocal_slots + c->const_cap + 2 * below;
  c->stack.items[c->stack.len - 1].where = temp;
  return temp;
}
static inline bool is_vector_temp(const compiler *c, uint32_t slot) {
  uint32_t first = c->nlocal_slots + c->const_cap;
  return slot >= first && slot < first + 2 * c->vector_temps;
}

static inline bool pop(compiler *c, operand *out) {
  const ctrl *block = &c->ctrls.items[c->ctrls.len - 1];
  if (c->stack.len <= block->height) return fail(c, "operand stack underflow");
  *out = c->stack.items[--c->stack.len];
  c->last_dst = NO_POS;
  return true;
}

static inline bool pop_n(compiler *c, operand *out, int n) {
  for (int i = n - 1; i >= 0; i--)
    if (!pop(c, &out[i])) return false;
  return true;
}

/* Constant-pool slots never change, so values read from them need no protection. */
static inline bool is_const_slot(const compiler *c, uint32_t slot) {
  return slot >= c->nlocal_slots && slot < c->nlocal_slots + c->const_cap;
}

/* ---- copies and constants (compile_stack.c) ---- */

/* Emits copy dst src (copy2 for a v128); nothing when dst is src. */
void compile_emit_copy(compiler *c, uint8_t type, uint32_t dst, uint32_t src);
/* Push a constant as a reference to its pool slot; false when the pool is full. */
bool compile_push_pooled_const(compiler *c, uint8_t type, uint64_t bits);

/* Moves a stack value that lives elsewhere (a local, a pooled constant) into its canonical slot. */
static inline void materialize(compiler *c, operand *o) {
  if (o->where != o->canon) {
    compile_emit_copy(c, o->type, o->canon, o->where);
    o->where = o->canon;
  }
}

static inline void materialize_top(compiler *c, uint32_t n) {
  for (size_t i = c->stack.len - n; i < c->stack.len; i++) materialize(c, &c->stack.items[i]);
}

/* ---- superinstructions (compile_fuse.c) ---- */

/* i32.add / f64 arithmetic fused with the instruction just before; *fused: whether it was. */
bool compile_fuse_arithmetic(compiler *c, enum wasm_iop iop, bool *fused);
/* A load's address operands (their count), taking back the a + b or a + (x << s) before it. */
uint32_t compile_fuse_load_address(compiler *c, enum wasm_iop *load, uint32_t address[3]);
/* A store compiled with the address arithmetic or f64 update before it; false: not fusable. */
bool compile_fuse_store(compiler *c, enum wasm_iop store, uint32_t offset);
bool compile_fuse_update_in_memory(compiler *c, uint32_t offset);
/* The comparison (or eqz) just computed, taken back for the branch on it: which one, or -1. */
int compile_take_compare(compiler *c, uint32_t *a, uint32_t *b);
/* A branch on comparison `which`; kind 0 = br_if, 1 = br_if_back, 2 = br_unless. Returns the
 * target word. */
uint32_t compile_emit_fused_branch(compiler *c, int which, int kind, uint32_t a, uint32_t b, uint32_t target);
/* A loop's back-branch on `which` with the loop's step folded in; false: not fusable. */
bool compile_fuse_step_branch(compiler *c, int which, uint32_t a, uint32_t b, uint32_t loop_start);
/* Constant second operands become immediates (once the body is complete). */
void compile_use_immediates(compiler *c);

/* ---- memory instructions (compile_memory.c) ---- */

/* A load or store, opcode i32_load .. i64_store32. */
bool compile_memory_access(compiler *c, uint8_t op);
bool compile_memory_size(compiler *c);
bool compile_memory_grow(compiler *c);
/* Immediates: a memarg (its offset; the memory goes to c->memidx / mem64 / mem_offset), a memory
 * index, which compile_note_memory checks and records. */
bool compile_read_memarg(compiler *c, uint32_t *offset);
bool compile_read_memory_index(compiler *c);
bool compile_note_memory(compiler *c, uint32_t memidx);
/* Puts on_memory before the instruction just compiled when it addresses another memory. */
void compile_prefix_memory(compiler *c);

/* ---- SIMD (compile_simd.c) ---- */

bool compile_simd(compiler *c);
/* The shape (simd_ops.h) of SIMD sub-opcode `sub`, or -1 when there is none. */
int compile_simd_shape(uint32_t sub);

/* ---- instructions read past (compile_skip.c) ---- */

/* In unreachable code: skips `op`, or leaves (*handled false) the else / catch / end that closes
 * the unreachable block to be compiled. */
bool compile_skip_unreachable(compiler *c, uint8_t op, bool *handled);
/* Pre-scans of a body: its deepest try nesting, and its scalar constants (bounded). */
uint32_t compile_count_try_depth(const wasm_module *m, const wasm_func_def *def);
uint32_t compile_count_constants(const wasm_module *m, const wasm_func_def *def, bool *uses_simd);

/* ---- fixed-signature instructions (compile_numeric.c) ---- */

/* One-byte opcode `op` when it has a fixed signature; else the error that nothing compiles it. */
bool compile_numeric(compiler *c, uint8_t op);
/* The same for 0xFC sub-opcode `sub` (the saturating truncations). */
bool compile_is_fc_numeric(uint32_t sub);
bool compile_fc_numeric(compiler *c, uint32_t sub);

/* ---- 0xFC prefix (compile_fc.c) ---- */

bool compile_fc(compiler *c);

/* ---- control (compile_control.c) ---- */

bool compile_block(compiler *c, ctrl_kind kind); /* block or loop */
bool compile_if(compiler *c);
bool compile_else(compiler *c);
bool compile_end(compiler *c);
bool compile_br(compiler *c);
bool compile_br_if(compiler *c);
bool compile_br_table(compiler *c);
bool compile_return(compiler *c);
bool compile_unreachable(compiler *c);
/* What the exception handling instructions build on: a block type immediate, a block's start
 * and end, a branch to the label of `depth` with its values moved into place, and a fall-through
 * part's jump to its block's end. */
bool compile_read_blocktype(compiler *c, ctrl *b);
bool compile_begin_block(compiler *c, ctrl_kind kind, ctrl *b);
bool compile_end_block(compiler *c);
void compile_emit_branch(compiler *c, uint32_t depth);
void compile_jump_to_end(compiler *c, ctrl *b);
/* Moves the top n values (of `types`) into slots dst_slot.. */
void compile_emit_moves(compiler *c, uint32_t n, const uint8_t *types, uint32_t dst_slot);

/* ---- calls (compile_calls.c) ---- */

bool compile_call(compiler *c);
bool compile_call_indirect(compiler *c);
bool compile_return_call(compiler *c);
bool compile_return_call_indirect(compiler *c);
/* Takes the arguments of type t off the stack in place for a callee frame at *base_out (a
 * throw's payload goes the same way). */
bool compile_call_args(compiler *c, const wasm_functype *t, uint32_t *base_out);

/* ---- exception handling (compile_exceptions.c) ---- */

bool compile_try(compiler *c);
bool compile_catch(compiler *c, uint8_t op); /* catch or catch_all */
bool compile_delegate(compiler *c);
bool compile_throw(compiler *c);
bool compile_rethrow(compiler *c);
bool compile_try_table(compiler *c);
bool compile_throw_ref(compiler *c);
/* compile_end_block's part for a try: its handler's range end and catches. */
void compile_end_try(compiler *c, ctrl *b);

/* ---- values, locals, globals, constants, references (compile_values.c) ---- */

bool compile_drop(compiler *c);
bool compile_select(compiler *c, bool typed);
bool compile_local_get(compiler *c);
bool compile_local_set(compiler *c, bool tee);
bool compile_global_get(compiler *c);
bool compile_global_set(compiler *c);
bool compile_table_get(compiler *c);
bool compile_table_set(compiler *c);
bool compile_const(compiler *c, uint8_t op); /* i32/i64/f32/f64.const, ref.null */
bool compile_ref_is_null(compiler *c);
bool compile_ref_func(compiler *c);

#endif
