/* The internal code the compiler (compile*.c) produces and the interpreter (interp.c) runs.
 *
 * A function body becomes a stream of 32-bit words: an internal opcode followed by its
 * operands. Operands are frame slot indices (every value lives at a known slot: locals
 * first, then the operand stack by height; v128 takes two slots), immediates, or branch
 * targets (the signed distance in words from the target word itself to the instruction
 * branched to, so a taken branch needs no code base). Stack-machine bookkeeping
 * is gone at run time: branches carry their own result moves, local.get and constants
 * usually cost nothing (operands name the local's slot, or a slot of the frame's constant
 * pool, filled on entry) and a value computed into a local is written there directly.
 *
 * Layout of each instruction, by operand kind:
 *   unary   op dst a            binary  op dst a b
 *   load    op dst addr offset  store   op addr value offset
 *   others are documented at their internal opcode below. */
#ifndef WARREN_WASM_COMPILE_H
#define WARREN_WASM_COMPILE_H

#include <stdatomic.h>

#include "module.h"
#include "opcodes.h"
#include "simd_ops.h"

/* Core instructions with a fixed signature map one-to-one to internal opcodes; the
 * SIG_SPECIAL ones are replaced by the extra opcodes below. */
#define WASM_IOP_SIG_SPECIAL(name)
#define WASM_IOP_SIG_f32_f32(name) X(name)
#define WASM_IOP_SIG_f32_f64(name) X(name)
#define WASM_IOP_SIG_f32_i32(name) X(name)
#define WASM_IOP_SIG_f32_i64(name) X(name)
#define WASM_IOP_SIG_f32f32_f32(name) X(name)
#define WASM_IOP_SIG_f32f32_i32(name) X(name)
#define WASM_IOP_SIG_f64_f32(name) X(name)
#define WASM_IOP_SIG_f64_f64(name) X(name)
#define WASM_IOP_SIG_f64_i32(name) X(name)
#define WASM_IOP_SIG_f64_i64(name) X(name)
#define WASM_IOP_SIG_f64f64_f64(name) X(name)
#define WASM_IOP_SIG_f64f64_i32(name) X(name)
#define WASM_IOP_SIG_i32_f32(name) X(name)
#define WASM_IOP_SIG_i32_f64(name) X(name)
#define WASM_IOP_SIG_i32_i32(name) X(name)
#define WASM_IOP_SIG_i32_i64(name) X(name)
#define WASM_IOP_SIG_i32i32_i32(name) X(name)
#define WASM_IOP_SIG_i64_f32(name) X(name)
#define WASM_IOP_SIG_i64_f64(name) X(name)
#define WASM_IOP_SIG_i64_i32(name) X(name)
#define WASM_IOP_SIG_i64_i64(name) X(name)
#define WASM_IOP_SIG_i64i64_i32(name) X(name)
#define WASM_IOP_SIG_i64i64_i64(name) X(name)

/* Opcodes without a wasm counterpart of the same shape:
 *   copy dst src / copy2 (v128) / copy_pair dst src dst2 src2 (one copy, then the other)
 *   const32 dst imm / const64 dst lo hi / const128 dst w0..w3
 *   br target / br_back target (checks the interrupt flag)
 *   br_if cond target / br_if_back cond target / br_unless cond target
 *   br_table index n target0..target(n) (the last is the default)
 *   return (results already in slots 0..)
 *   call func_index base / call_indirect type_index table index base
 *   return_call func_index / return_call_indirect type_index table index (arguments already
 *   moved to slots 0.. of the current frame, which the callee reuses)
 *   select dst a b cond / select2 (v128)
 *   global_get dst index / global_get2 / global_set index src / global_set2
 *   unreachable
 *   memory_size dst / memory_grow dst delta
 *   ref_func dst func_index / ref_is_null dst ref
 *   table_get dst table index / table_set table index ref / table_size dst table
 *   table_grow dst table init delta / table_fill table start ref count
 *   table_copy dst_table src_table d s n / table_init table elem d s n / elem_drop elem
 *   memory_init data d s n / data_drop data / memory_copy d s n / memory_fill d value n
 *   (all of these, and loads and stores, address memory 0)
 *   on_memory memidx len: the next instruction (len words, a memory instruction) addresses
 *   memory memidx instead of memory 0
 *   on_memory64 memidx len offset_lo offset_hi: the same for a 64-bit memory (memory 0
 *   included): i64 addresses, each access bounds-checked, the 64-bit static offset here (the
 *   instruction's own offset word is 0)
 *   memory_copy_between dst_memory src_memory d s n
 *   throw tag base (the payload in slots base..) / rethrow exn_slot / throw_ref exn
 *   br_unless_back cond target
 *   br_if_<cmp> a b target / br_if_back_<cmp> / br_unless_<cmp>: an i32 comparison fused
 *   with the branch that consumes it (loop conditions cost one dispatch); br_if_i64_<cmp>,
 *   br_if_back_i64_<cmp>, br_unless_i64_<cmp> the same for i64 comparisons, and
 *   br_if64 / br_unless64 / br_unless_back64 cond target for a fused i64.eqz
 *   i32_add_br_if_back_<cmp> dst x y a b target: dst = x + y, then br_if_back_<cmp> a b
 *   target (a loop's step and test in one dispatch)
 *   f64_<add|sub|mul>_mem_add dst a x y offset: dst = a op (the f64 at x + y + offset)
 *   f64_<add|sub|mul>_to_mem addr a offset: the f64 at addr + offset becomes a op itself
 *   i32_add_shl dst a x s: dst = a + (x << s), an address scaled by an element size
 *   i32_add3 dst a b c: dst = a + b + c (an address from a base, an index and a field)
 *   f64_<add|sub|mul>_mem dst a addr offset: dst = a op (the f64 at addr + offset)
 *   <load>_add dst a b offset: a load from address a + b (i32 addition), for i32_load,
 *   i64_load (f32/f64 loads use these: floats travel as raw bits) and i32_load8_u
 *   <load>_add_shl dst a x s offset: a load from address a + (x << s), for i32_load, i64_load
 *   <store>_add a b value offset / <store>_add_shl a x s value offset: the same for stores
 *   (i32_store, i64_store, and i32_store8 from a + b)
 *   simd ops: see interp_simd.inc (operands follow the shape). */
#define WASM_FUSED_COMPARES(M)                                                          \
  M(eq, ==, uint32_t) M(ne, !=, uint32_t) M(lt_s, <, int32_t) M(lt_u, <, uint32_t)        \
  M(gt_s, >, int32_t) M(gt_u, >, uint32_t) M(le_s, <=, int32_t) M(le_u, <=, uint32_t)     \
  M(ge_s, >=, int32_t) M(ge_u, >=, uint32_t)
#define WASM_FUSED_COMPARES64(M)                                                        \
  M(eq, ==, uint64_t) M(ne, !=, uint64_t) M(lt_s, <, int64_t) M(lt_u, <, uint64_t)        \
  M(gt_s, >, int64_t) M(gt_u, >, uint64_t) M(le_s, <=, int64_t) M(le_u, <=, uint64_t)     \
  M(ge_s, >=, int64_t) M(ge_u, >=, uint64_t)
#define WASM_IOP_FUSED(name, op, ctype) X(br_if_##name) X(br_if_back_##name) X(br_unless_##name)
#define WASM_IOP_FUSED64(name, op, ctype) X(br_if_i64_##name) X(br_if_back_i64_##name) X(br_unless_i64_##name)
#define WASM_IOP_STEP_FUSED(name, op, ctype) X(i32_add_br_if_back_##name)
/* Binary operations that also exist as <op>_imm dst a imm, the second operand a constant
 * (i64 ones sign-extend a 32-bit imm). */
#define WASM_IOPS_IMM(X)                                                                \
  X(i32_add) X(i32_sub) X(i32_mul) X(i32_and) X(i32_or) X(i32_xor) X(i32_shl) X(i32_shr_s) \
  X(i32_shr_u) X(i64_add) X(i64_and)
#define WASM_IOP_WITH_IMM(name) X(name##_imm)
#define WASM_IOPS_EXTRA(X)                                                                      \
  X(copy) X(copy2) X(copy_pair) X(const32) X(const64) X(const128) X(br) X(br_back) X(br_if)     \
  X(br_if_back) X(br_unless) X(br_table) X(return) X(call) X(call_indirect) X(return_call)      \
  X(return_call_indirect) X(select)                                                             \
  X(select2) X(global_get) X(global_get2) X(global_set) X(global_set2) X(unreachable)           \
  X(memory_size) X(memory_grow) X(ref_func) X(ref_is_null) X(table_get) X(table_set)            \
  X(table_size) X(table_grow) X(table_fill) X(table_copy) X(table_init) X(elem_drop)            \
  X(memory_init) X(data_drop) X(memory_copy) X(memory_fill) X(br_unless_back)                   \
  X(on_memory) X(on_memory64) X(memory_copy_between) X(throw) X(rethrow) X(throw_ref)            \
  X(i32_add_shl) X(i32_add3) X(f64_add_mem) X(f64_sub_mem) X(f64_mul_mem)                       \
  X(f64_add_mem_add) X(f64_sub_mem_add) X(f64_mul_mem_add)                                      \
  X(i32_load_add) X(i64_load_add) X(i32_load8_u_add) X(i32_load_add_shl) X(i64_load_add_shl)    \
  X(i32_store_add) X(i64_store_add) X(i32_store8_add) X(i32_store_add_shl) X(i64_store_add_shl) \
  X(f64_add_to_mem) X(f64_sub_to_mem) X(f64_mul_to_mem)                                         \
  WASM_FUSED_COMPARES(WASM_IOP_FUSED) WASM_FUSED_COMPARES(WASM_IOP_STEP_FUSED)                  \
  X(br_if64) X(br_unless64) X(br_unless_back64) WASM_FUSED_COMPARES64(WASM_IOP_FUSED64)         \
  WASM_IOPS_IMM(WASM_IOP_WITH_IMM)

/* Every internal opcode, in order. Define X(name) and include "iops.inc" to expand. */
enum wasm_iop {
#define X(name) WASM_IOP_##name,
#include "iops.inc"
#undef X
  WASM_IOP_COUNT
};

/* Exception handlers, of a legacy `try` (catch / catch_all / delegate) or a `try_table`. A
 * body is the words [start, end); handlers nest as the tries do, an inner one after its
 * outer one, so the innermost handler of a word is the last whose body holds it. */
typedef struct wasm_eh_catch {
  uint32_t tag;      /* tag index, or WASM_EH_CATCH_ALL */
  uint32_t target;   /* word of the catch block (a try_table's: a landing pad that branches on) */
  uint32_t exn_slot; /* where the exception itself goes, or WASM_EH_NONE */
} wasm_eh_catch;
#define WASM_EH_CATCH_ALL UINT32_MAX
#define WASM_EH_NONE UINT32_MAX
typedef struct wasm_eh_handler {
  uint32_t start, end;
  uint32_t outer;        /* handler tried next (a delegate's target), or WASM_EH_NONE: the caller */
  uint32_t payload_slot; /* where a catch block finds the tag's values */
  uint32_t first_catch, ncatches;
} wasm_eh_handler;

typedef struct wasm_compiled_func {
  uint32_t *code;
  uint32_t code_len;
  uint32_t nparam_slots, nresult_slots;
  uint32_t nlocal_slots; /* params + declared locals */
  /* Slots [nparam_slots, nparam_slots + init_len) are set from `init` on entry: zeroed
   * locals, then the function's constant pool (operands name constants by slot). */
  uint64_t *init;
  uint32_t init_len;
  uint32_t frame_slots;  /* everything the frame may touch, call arguments included */
  const void *native;    /* its native code (native.h), or NULL: the interpreter runs it */
  wasm_eh_handler *handlers; /* NULL when the function has no try */
  uint32_t nhandlers;
  wasm_eh_catch *catches;
  /* Set (release) once everything above is filled: with lazy translation (lazy.c) a function is
   * translated on its first call, and a reader that sees it unset calls wasm_code_ensure. */
  atomic_bool ready;
} wasm_compiled_func;

struct wasm_code {
  uint32_t nfuncs;
  wasm_compiled_func *funcs; /* one per defined function */
  struct wasm_memory_image *images; /* one per defined memory (image.h) */
  uint32_t nimages;
  const wasm_functype **types; /* module type index -> canonical type (wasm_type_canonical) */
  uint32_t *param_slots, *result_slots; /* module type index -> slots its params / results take */
  struct wasm_native_code *native;      /* every function's native code, or NULL (native.h) */
  struct wasm_lazy *lazy;               /* lazy translation's state (lazy.c), or NULL: all translated */
  struct wasm_cached_code *cached;      /* functions a cache file holds translated (cache.h), or NULL */
  /* Segments at instantiation, worked out once (segments.c): each data segment's length once
   * instantiated (0 for an active one), the active ones no image holds, in order, and per element
   * segment its entries as a table it fills holds them before first use (NULL: work them out). */
  uint32_t *data_len_after_init;
  uint32_t *data_to_copy, ndata_to_copy;
  void ***elem_lazy_entries;
  uint32_t nelems_planned;
  /* per defined table, its entries once its segments are applied, when that is the same for
   * every instance (then those segments are not applied one by one); else NULL */
  void ***table_images;
  uint32_t ntables_planned;
};

/* After the images: what instantiation does with each segment (segments.c). */
void wasm_code_plan_segments(wasm_module *module);
void wasm_code_free_segment_plan(struct wasm_code *code);

/* Translate every function body of a validated module; false + err on anything the
 * interpreter cannot run. */
bool wasm_compile(wasm_module *module, wr_error *err);
void wasm_code_free(struct wasm_code *code);
/* The instruction starts (word indices) of one translated function, for the native tier. */
typedef struct wasm_op_starts {
  uint32_t *items;
  size_t len;
} wasm_op_starts;
/* Translates one defined function into `out` (ready stays unset); `op_starts`, if given, receives
 * its instruction starts (free items with wr_free). False + err ("in function N: ...") when the
 * interpreter cannot run it. */
bool wasm_compile_function(const wasm_module *module, uint32_t def_index, wasm_compiled_func *out,
                           wasm_op_starts *op_starts, wr_error *err);

/* ---- lazy translation (lazy.c) ----
 * By default a function is translated on its first call, not at load, so a module does not pay
 * for the functions it never runs (a componentize-js component has 12,706, and starts a few
 * thousand). WARREN_COMPILE=eager translates every function at load, as before. */
bool wasm_compile_lazy_enabled(void);
/* wasm_compile's lazy form: sets up module->code with nothing translated yet. */
bool wasm_compile_lazy(wasm_module *module, wr_error *err);
/* Makes sure `func` (one of module->code->funcs) is translated: true at once when it is (one
 * acquire load), else translates it under the module's lock. False + err when it cannot be
 * translated (then every call of it fails the same way). */
bool wasm_code_ensure_slow(const wasm_module *module, const wasm_compiled_func *func, wr_error *err);
static inline bool wasm_code_ensure(const wasm_module *module, const wasm_compiled_func *func, wr_error *err) {
  if (WR_LIKELY(atomic_load_explicit(&func->ready, memory_order_acquire))) return true;
  return wasm_code_ensure_slow(module, func, err);
}
void wasm_lazy_free(struct wasm_lazy *lazy);
/* How many of the module's defined functions are translated so far (all of them when eager). */
uint32_t wasm_module_translated_functions(const wasm_module *module);
/* Functions lazily translated to internal code in this process so far (wasm_compile_function
 * runs), and functions whose internal code came from a cache file instead: for tests and
 * statistics. */
uint64_t wasm_lazy_compiles(void);
uint64_t wasm_lazy_cache_installs(void);

/* Fills code->types (after wasm_compile). */
void wasm_code_intern_types(wasm_module *module);

/* Slots a value type occupies. */
static inline uint32_t wasm_type_slots(uint8_t type) { return type == WASM_V128 ? 2 : 1; }

#endif
