/* The interpreter: runs the internal code of compile.h.
 *
 * Dispatch is threaded (computed goto) where the compiler supports it, a `switch` otherwise
 * (WASM_INTERP_SWITCH forces it). Wasm-to-wasm calls never recurse on the C stack: frames
 * live on the store's value stack, return addresses on its call stack. The hot state (ip,
 * frame pointer, memory base) stays in locals and is reloaded after anything that may
 * change it (calls, memory.grow). */
#include <math.h>
#include <string.h>

#include "engine.h"
#include "simd.h"

#if !defined(WASM_INTERP_SWITCH) && (defined(__GNUC__) || defined(__clang__))
#define WASM_INTERP_THREADED 1
#else
#define WASM_INTERP_THREADED 0
#endif

/* ---- value helpers: floats travel as raw bits ---- */

static inline float f32_of(wasm_slot s) {
  uint32_t bits = (uint32_t)s;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}
static inline double f64_of(wasm_slot s) {
  double d;
  memcpy(&d, &s, 8);
  return d;
}
static inline wasm_slot slot_f32(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  return bits;
}
static inline wasm_slot slot_f64(double d) {
  uint64_t bits;
  memcpy(&bits, &d, 8);
  return bits;
}

/* NaN results: an arithmetic NaN from a NaN input (x + x quiets it), per the spec. */
static inline float f32_min(float a, float b) {
  if (isnan(a) || isnan(b)) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline float f32_max(float a, float b) {
  if (isnan(a) || isnan(b)) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? b : a;
  return a > b ? a : b;
}
static inline double f64_min(double a, double b) {
  if (isnan(a) || isnan(b)) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? a : b;
  return a < b ? a : b;
}
static inline double f64_max(double a, double b) {
  if (isnan(a) || isnan(b)) return a + b;
  if (a == 0 && b == 0) return signbit(a) ? b : a;
  return a > b ? a : b;
}
static inline float f32_round(float x, int mode) {
  if (isnan(x)) return x + x;
  switch (mode) {
  case 0: return ceilf(x);
  case 1: return floorf(x);
  case 2: return truncf(x);
  default: return nearbyintf(x);
  }
}
static inline double f64_round(double x, int mode) {
  if (isnan(x)) return x + x;
  switch (mode) {
  case 0: return ceil(x);
  case 1: return floor(x);
  case 2: return trunc(x);
  default: return nearbyint(x);
  }
}

static inline uint32_t rotl32(uint32_t x, uint32_t n) { return (x << (n & 31)) | (x >> ((32 - n) & 31)); }
static inline uint32_t rotr32(uint32_t x, uint32_t n) { return (x >> (n & 31)) | (x << ((32 - n) & 31)); }
static inline uint64_t rotl64(uint64_t x, uint64_t n) { return (x << (n & 63)) | (x >> ((64 - n) & 63)); }
static inline uint64_t rotr64(uint64_t x, uint64_t n) { return (x >> (n & 63)) | (x << ((64 - n) & 63)); }

/* Saturating truncations (NaN -> 0, out of range -> the nearest bound). */
static inline int32_t sat_i32(double x) {
  if (isnan(x)) return 0;
  if (x <= -2147483649.0) return INT32_MIN;
  if (x >= 2147483648.0) return INT32_MAX;
  return (int32_t)x;
}
static inline uint32_t sat_u32(double x) {
  if (isnan(x) || x <= -1.0) return 0;
  if (x >= 4294967296.0) return UINT32_MAX;
  return (uint32_t)x;
}
static inline int64_t sat_i64(double x) {
  if (isnan(x)) return 0;
  if (x < -9223372036854775808.0) return INT64_MIN;
  if (x >= 9223372036854775808.0) return INT64_MAX;
  return (int64_t)x;
}
static inline uint64_t sat_u64(double x) {
  if (isnan(x) || x <= -1.0) return 0;
  if (x >= 18446744073709551616.0) return UINT64_MAX;
  return (uint64_t)x;
}

static inline wasm_v128 v128_at(const wasm_slot *s) {
  wasm_v128 v;
  memcpy(&v, s, 16);
  return v;
}
static inline void v128_put(wasm_slot *s, wasm_v128 v) { memcpy(s, &v, 16); }

static inline uint8_t *memory_base(const wasm_instance *inst) {
  return inst->memories && inst->module->nmemory_imports + inst->module->nmemories ? inst->memories[0]->base : NULL;
}
static inline uint64_t memory_bytes(const wasm_instance *inst) {
  return inst->memories && inst->module->nmemory_imports + inst->module->nmemories ? inst->memories[0]->size : 0;
}

wasm_trap *wasm_host_call(wasm_store *store, wasm_instance *instance, wasm_func *func, wasm_slot *slots) {
  wasm_caller caller = {store, instance};
  void *protected = wasm_protected_save();
  wasm_trap *trap = func->host(&caller, func->env, slots);
  wasm_protected_restore(protected);
  return trap;
}

/* ---- the dispatch loop ---- */

#if WASM_INTERP_THREADED
#define CASE(name) L_##name:
#define DISPATCH() goto *labels[*ip]
#define NEXT(n)  \
  do {           \
    ip += (n);   \
    DISPATCH();  \
  } while (0)
#else
#define CASE(name) case WASM_IOP_##name:
#define DISPATCH() continue
#define NEXT(n) \
  {             \
    ip += (n);  \
    continue;   \
  }
#endif

/* Take the branch whose target is in word k: targets are relative to their own word. */
#define JUMP(k) ip += (k) + (int32_t)ip[k]

#define TRAP(kind)        \
  do {                    \
    trap_kind = (kind);   \
    goto trap;            \
  } while (0)

#define I32(i) ((uint32_t)fp[ip[i]])
#define I64(i) (fp[ip[i]])
#define F32(i) f32_of(fp[ip[i]])
#define F64(i) f64_of(fp[ip[i]])
#define OUT fp[ip[1]]

#define UNOP(name, expr)  \
  CASE(name) {            \
    OUT = (expr);         \
    NEXT(3);              \
  }
#define BINOP(name, expr) \
  CASE(name) {            \
    OUT = (expr);         \
    NEXT(4);              \
  }

/* Effective address of a load/store of `size` bytes at the i32 address `addr`: base +
 * addr + offset. */
#if WASM_GUARDED_MEMORY
#define EA_OF(addr, offset_word, size) (mem + (uint64_t)(addr) + ip[offset_word])
#else
#define EA_OF(addr, offset_word, size)                                                        \
  (((uint64_t)(addr) + ip[offset_word] + (size) > mem_size)                                   \
       ? (trap_kind = WASM_TRAP_MEMORY_OUT_OF_BOUNDS, (uint8_t *)NULL)                        \
       : mem + (uint64_t)(addr) + ip[offset_word])
#endif
#define EA(addr_slot, offset_word, size) EA_OF(I32(addr_slot), offset_word, size)

#define LOAD(name, ctype, convert)                      \
  CASE(name) {                                          \
    uint8_t *p_ = EA(2, 3, sizeof(ctype));              \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;         \
    ctype v_;                                           \
    memcpy(&v_, p_, sizeof v_);                         \
    OUT = convert;                                      \
    NEXT(4);                                            \
  }
/* op dst a b offset: the address is a + b (the i32.add the compiler fused in) */
#define LOAD_ADD(name, ctype, convert)                  \
  CASE(name) {                                          \
    uint8_t *p_ = EA_OF(I32(2) + I32(3), 4, sizeof(ctype)); \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;         \
    ctype v_;                                           \
    memcpy(&v_, p_, sizeof v_);                         \
    OUT = convert;                                      \
    NEXT(5);                                            \
  }
/* op dst a x s offset: the address is a + (x << s) (an indexed element) */
#define LOAD_ADD_SHL(name, ctype)                                       \
  CASE(name) {                                                          \
    uint8_t *p_ = EA_OF(I32(2) + (I32(3) << (I32(4) & 31)), 5, sizeof(ctype)); \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;                         \
    ctype v_;                                                           \
    memcpy(&v_, p_, sizeof v_);                                         \
    OUT = v_;                                                           \
    NEXT(6);                                                            \
  }
#define STORE(name, ctype)                              \
  CASE(name) {                                          \
    uint8_t *p_ = EA(1, 3, sizeof(ctype));              \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;         \
    ctype v_ = (ctype)fp[ip[2]];                        \
    memcpy(p_, &v_, sizeof v_);                         \
    NEXT(4);                                            \
  }

#define RELOAD_MEMORY()               \
  do {                                \
    mem = memory_base(inst);          \
    mem_size = memory_bytes(inst);    \
  } while (0)

#define CHECK_INTERRUPT()                                                             \
  do {                                                                                \
    if (WR_UNLIKELY(atomic_load_explicit(&store->interrupt, memory_order_relaxed)))   \
      TRAP(WASM_TRAP_INTERRUPTED);                                                    \
  } while (0)

wasm_trap *wasm_interp_call(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots) {
#if WASM_INTERP_THREADED
  static const void *const labels[] = {
#define X(name) &&L_##name,
#include "iops.inc"
#undef X
  };
#endif
  wasm_slot *const stack_end = xs->stack + WASM_VALUE_STACK_SLOTS;
  const uint32_t entry_depth = xs->depth;
  wasm_trap_kind trap_kind = WASM_TRAP_UNREACHABLE;
  wasm_instance *inst = func->instance;
  const wasm_compiled_func *cur = func->code;
  wasm_slot *fp = xs->top;
  const uint32_t *ip;
  uint8_t *mem;
  uint64_t mem_size;
  wasm_func *callee;
  wasm_slot *args;     /* call, call_indirect: the callee's frame */
  const uint32_t *ret; /* call, call_indirect: where the caller resumes */

  if (fp + cur->frame_slots > stack_end) {
    trap_kind = WASM_TRAP_STACK_EXHAUSTED;
    goto trap_no_frame;
  }
  memcpy(fp, slots, (size_t)func->nparam_slots * sizeof(wasm_slot));
  memcpy(fp + cur->nparam_slots, cur->init, (size_t)cur->init_len * sizeof(wasm_slot));
  RELOAD_MEMORY();
  ip = cur->code;
  if (WR_UNLIKELY(atomic_load_explicit(&store->interrupt, memory_order_relaxed))) {
    trap_kind = WASM_TRAP_INTERRUPTED;
    goto trap_no_frame;
  }

#if WASM_INTERP_THREADED
  DISPATCH();
#else
  for (;;) switch ((enum wasm_iop)*ip) {
#endif

  /* ---- data movement and control ---- */
  CASE(copy) {
    OUT = fp[ip[2]];
    NEXT(3);
  }
  CASE(copy2) {
    wasm_slot lo = fp[ip[2]], hi = fp[ip[2] + 1];
    fp[ip[1]] = lo;
    fp[ip[1] + 1] = hi;
    NEXT(3);
  }
  CASE(copy_pair) {
    fp[ip[1]] = fp[ip[2]];
    fp[ip[3]] = fp[ip[4]];
    NEXT(5);
  }
  CASE(const32) {
    OUT = ip[2];
    NEXT(3);
  }
  CASE(const64) {
    OUT = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
    NEXT(4);
  }
  CASE(const128) {
    fp[ip[1]] = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
    fp[ip[1] + 1] = (uint64_t)ip[4] | (uint64_t)ip[5] << 32;
    NEXT(6);
  }
  CASE(br) {
    JUMP(1);
    DISPATCH();
  }
  CASE(br_back) {
    CHECK_INTERRUPT();
    JUMP(1);
    DISPATCH();
  }
  CASE(br_if) {
    if (I32(1)) {
      JUMP(2);
      DISPATCH();
    }
    NEXT(3);
  }
  CASE(br_if_back) {
    if (I32(1)) {
      CHECK_INTERRUPT();
      JUMP(2);
      DISPATCH();
    }
    NEXT(3);
  }
  CASE(br_unless) {
    if (!I32(1)) {
      JUMP(2);
      DISPATCH();
    }
    NEXT(3);
  }
  CASE(br_unless_back) {
    if (!I32(1)) {
      CHECK_INTERRUPT();
      JUMP(2);
      DISPATCH();
    }
    NEXT(3);
  }
/* The three fused compare-branches of one comparison: taken forward, taken backward (a loop's
 * back-edge: checks for interruption) and its negation; OPERAND reads i32 or i64 slots. */
#define FUSED_BRANCH_FAMILY(name, op, ctype, OPERAND)         \
  CASE(br_if_##name) {                                        \
    if ((ctype)OPERAND(1) op (ctype)OPERAND(2)) {             \
      JUMP(3);                                                \
      DISPATCH();                                             \
    }                                                         \
    NEXT(4);                                                  \
  }                                                           \
  CASE(br_if_back_##name) {                                   \
    if ((ctype)OPERAND(1) op (ctype)OPERAND(2)) {             \
      CHECK_INTERRUPT();                                      \
      JUMP(3);                                                \
      DISPATCH();                                             \
    }                                                         \
    NEXT(4);                                                  \
  }                                                           \
  CASE(br_unless_##name) {                                    \
    if (!((ctype)OPERAND(1) op (ctype)OPERAND(2))) {          \
      JUMP(3);                                                \
      DISPATCH();                                             \
    }                                                         \
    NEXT(4);                                                  \
  }
#define FUSED_BRANCHES(name, op, ctype) FUSED_BRANCH_FAMILY(name, op, ctype, I32)
#define FUSED_BRANCHES64(name, op, ctype) FUSED_BRANCH_FAMILY(i64_##name, op, ctype, I64)
  WASM_FUSED_COMPARES(FUSED_BRANCHES)
  WASM_FUSED_COMPARES64(FUSED_BRANCHES64)
#undef FUSED_BRANCHES
#undef FUSED_BRANCHES64
#undef FUSED_BRANCH_FAMILY
  CASE(br_if64) {
    if (I64(1)) {
      JUMP(2);
      DISPATCH();
    }
    NEXT(3);
  }
  CASE(br_unless64) {
    if (!I64(1)) {
      JUMP(2);
      DISPATCH();
    }
    NEXT(3);
  }
  CASE(br_unless_back64) {
    if (!I64(1)) {
      CHECK_INTERRUPT();
      JUMP(2);
      DISPATCH();
    }
    NEXT(3);
  }
#define STEP_AND_BRANCH(name, op, ctype)                \
  CASE(i32_add_br_if_back_##name) {                     \
    OUT = (uint32_t)(I32(2) + I32(3));                  \
    if ((ctype)I32(4) op (ctype)I32(5)) {               \
      CHECK_INTERRUPT();                                \
      JUMP(6);                                          \
      DISPATCH();                                       \
    }                                                   \
    NEXT(7);                                            \
  }
  WASM_FUSED_COMPARES(STEP_AND_BRANCH)
#undef STEP_AND_BRANCH
  CASE(br_table) {
    uint32_t index = I32(1), n = ip[2];
    if (index >= n - 1) index = n - 1;
    JUMP(3 + index);
    DISPATCH();
  }
  CASE(return) {
  do_return:
    if (xs->depth == entry_depth) goto done;
    const wasm_call_frame *f = &xs->frames[--xs->depth];
    ip = f->ret_ip;
    fp = f->fp;
    cur = f->func;
    /* mem and mem_size are still the caller's when it is the callee's instance (a
     * memory.grow in the callee reloaded them; host calls reload after returning) */
    if (f->instance != inst) {
      inst = f->instance;
      RELOAD_MEMORY();
    }
    DISPATCH();
  }
  CASE(call) {
    callee = inst->funcs[ip[1]];
    args = fp + ip[2];
    ret = ip + 3;
  enter_call: /* callee, args and ret set */
    if (callee->host) {
      wasm_slot *saved_top = xs->top;
      xs->top = fp + cur->frame_slots;
      wasm_trap *t = wasm_host_call(store, inst, callee, args);
      xs->top = saved_top;
      if (t) {
        xs->depth = entry_depth;
        return t;
      }
      RELOAD_MEMORY();
      ip = ret;
      DISPATCH();
    }
    if (WR_UNLIKELY(xs->depth >= WASM_MAX_CALL_DEPTH || args + callee->code->frame_slots > stack_end))
      TRAP(WASM_TRAP_STACK_EXHAUSTED);
    wasm_call_frame *f = &xs->frames[xs->depth++];
    f->ret_ip = ret;
    f->fp = fp;
    f->func = cur;
    f->instance = inst;
    fp = args;
    cur = callee->code;
    memcpy(fp + cur->nparam_slots, cur->init, (size_t)cur->init_len * sizeof(wasm_slot));
    if (callee->instance != inst) {
      inst = callee->instance;
      RELOAD_MEMORY();
    }
    CHECK_INTERRUPT();
    ip = cur->code;
    DISPATCH();
  }
  CASE(call_indirect) {
    const wasm_table *table = inst->tables[ip[2]];
    uint32_t index = I32(3);
    if (index >= table->size) TRAP(WASM_TRAP_UNDEFINED_ELEMENT);
    callee = table->elems[index];
    if (!callee) TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
    if (callee->type != inst->types[ip[1]]) TRAP(WASM_TRAP_INDIRECT_CALL_MISMATCH);
    args = fp + ip[4];
    ret = ip + 5;
    goto enter_call;
  }
  CASE(return_call) {
    callee = inst->funcs[ip[1]];
  tail_call:
    if (callee->host) {
      wasm_slot *saved_top = xs->top;
      xs->top = fp + cur->frame_slots;
      wasm_trap *t = wasm_host_call(store, inst, callee, fp);
      xs->top = saved_top;
      if (t) {
        xs->depth = entry_depth;
        return t;
      }
      RELOAD_MEMORY(); /* the host may have grown it; the return below keeps it */
      goto do_return;
    }
    if (WR_UNLIKELY(fp + callee->code->frame_slots > stack_end)) TRAP(WASM_TRAP_STACK_EXHAUSTED);
    cur = callee->code;
    memcpy(fp + cur->nparam_slots, cur->init, (size_t)cur->init_len * sizeof(wasm_slot));
    if (callee->instance != inst) {
      inst = callee->instance;
      RELOAD_MEMORY();
    }
    CHECK_INTERRUPT();
    ip = cur->code;
    DISPATCH();
  }
  CASE(return_call_indirect) {
    const wasm_table *table = inst->tables[ip[2]];
    uint32_t index = I32(3);
    if (index >= table->size) TRAP(WASM_TRAP_UNDEFINED_ELEMENT);
    callee = table->elems[index];
    if (!callee) TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
    if (callee->type != inst->types[ip[1]]) TRAP(WASM_TRAP_INDIRECT_CALL_MISMATCH);
    goto tail_call;
  }
  CASE(select) {
    OUT = I32(4) ? fp[ip[2]] : fp[ip[3]];
    NEXT(5);
  }
  CASE(select2) {
    const wasm_slot *src = fp + (I32(4) ? ip[2] : ip[3]);
    wasm_slot lo = src[0], hi = src[1];
    fp[ip[1]] = lo;
    fp[ip[1] + 1] = hi;
    NEXT(5);
  }
  CASE(global_get) {
    OUT = inst->globals[ip[2]]->value[0];
    NEXT(3);
  }
  CASE(global_get2) {
    const wasm_global *g = inst->globals[ip[2]];
    fp[ip[1]] = g->value[0];
    fp[ip[1] + 1] = g->value[1];
    NEXT(3);
  }
  CASE(global_set) {
    inst->globals[ip[1]]->value[0] = fp[ip[2]];
    NEXT(3);
  }
  CASE(global_set2) {
    wasm_global *g = inst->globals[ip[1]];
    g->value[0] = fp[ip[2]];
    g->value[1] = fp[ip[2] + 1];
    NEXT(3);
  }
  CASE(unreachable) { TRAP(WASM_TRAP_UNREACHABLE); }
  CASE(memory_size) {
    OUT = (uint32_t)(memory_bytes(inst) / WASM_PAGE_SIZE);
    NEXT(2);
  }
  CASE(memory_grow) {
    OUT = (uint32_t)wasm_memory_grow(inst->memories[0], I32(2));
    RELOAD_MEMORY();
    NEXT(3);
  }
  CASE(ref_func) {
    OUT = (uintptr_t)inst->funcs[ip[2]];
    NEXT(3);
  }
  CASE(ref_is_null) {
    OUT = fp[ip[2]] == 0;
    NEXT(3);
  }
  CASE(table_get) {
    const wasm_table *t = inst->tables[ip[2]];
    uint32_t i = I32(3);
    if (i >= t->size) TRAP(WASM_TRAP_TABLE_OUT_OF_BOUNDS);
    OUT = (uintptr_t)t->elems[i];
    NEXT(4);
  }
  CASE(table_set) {
    wasm_table *t = inst->tables[ip[1]];
    uint32_t i = I32(2);
    if (i >= t->size) TRAP(WASM_TRAP_TABLE_OUT_OF_BOUNDS);
    t->elems[i] = (void *)(uintptr_t)fp[ip[3]];
    NEXT(4);
  }
  CASE(table_size) {
    OUT = (uint32_t)inst->tables[ip[2]]->size;
    NEXT(3);
  }
  CASE(table_grow) {
    wasm_table *t = inst->tables[ip[2]];
    uint64_t old = t->size;
    OUT = wasm_table_grow_by(t, I32(4), (void *)(uintptr_t)fp[ip[3]]) ? (uint32_t)old : UINT32_MAX;
    NEXT(5);
  }
  CASE(table_fill) {
    wasm_table *t = inst->tables[ip[1]];
    uint64_t start = I32(2), n = I32(4);
    void *ref = (void *)(uintptr_t)fp[ip[3]];
    if (start + n > t->size) TRAP(WASM_TRAP_TABLE_OUT_OF_BOUNDS);
    for (uint64_t k = 0; k < n; k++) t->elems[start + k] = ref;
    NEXT(5);
  }
  CASE(table_copy) {
    wasm_table *td = inst->tables[ip[1]], *ts = inst->tables[ip[2]];
    uint64_t d = I32(3), s = I32(4), n = I32(5);
    if (d + n > td->size || s + n > ts->size) TRAP(WASM_TRAP_TABLE_OUT_OF_BOUNDS);
    memmove(td->elems + d, ts->elems + s, n * sizeof(void *));
    NEXT(6);
  }
  CASE(table_init) {
    wasm_table *t = inst->tables[ip[1]];
    uint32_t seg = ip[2];
    uint64_t d = I32(3), s = I32(4), n = I32(5);
    if (d + n > t->size || s + n > inst->elem_len[seg]) TRAP(WASM_TRAP_TABLE_OUT_OF_BOUNDS);
    if (n) memcpy(t->elems + d, inst->elem_refs[seg] + s, n * sizeof(void *));
    NEXT(6);
  }
  CASE(elem_drop) {
    inst->elem_len[ip[1]] = 0;
    NEXT(2);
  }
  CASE(memory_init) {
    uint32_t seg = ip[1];
    uint64_t d = I32(2), s = I32(3), n = I32(4);
    if (d + n > mem_size || s + n > inst->data_len[seg]) TRAP(WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    if (n) memcpy(mem + d, inst->module->bytes + inst->module->datas[seg].data_offset + s, n);
    NEXT(5);
  }
  CASE(data_drop) {
    inst->data_len[ip[1]] = 0;
    NEXT(2);
  }
  CASE(memory_copy) {
    uint64_t d = I32(1), s = I32(2), n = I32(3);
    if (d + n > mem_size || s + n > mem_size) TRAP(WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    if (n) memmove(mem + d, mem + s, n);
    NEXT(4);
  }
  CASE(memory_fill) {
    uint64_t d = I32(1), n = I32(3);
    if (d + n > mem_size) TRAP(WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    if (n) memset(mem + d, (int)(uint8_t)fp[ip[2]], n);
    NEXT(4);
  }

  /* ---- memory ---- */
  LOAD(i32_load, uint32_t, v_)
  LOAD(i64_load, uint64_t, v_)
  LOAD(f32_load, uint32_t, v_)
  LOAD(f64_load, uint64_t, v_)
  LOAD(i32_load8_s, int8_t, (uint32_t)(int32_t)v_)
  LOAD(i32_load8_u, uint8_t, (uint32_t)v_)
  LOAD(i32_load16_s, int16_t, (uint32_t)(int32_t)v_)
  LOAD(i32_load16_u, uint16_t, (uint32_t)v_)
  LOAD(i64_load8_s, int8_t, (uint64_t)(int64_t)v_)
  LOAD(i64_load8_u, uint8_t, (uint64_t)v_)
  LOAD(i64_load16_s, int16_t, (uint64_t)(int64_t)v_)
  LOAD(i64_load16_u, uint16_t, (uint64_t)v_)
  LOAD(i64_load32_s, int32_t, (uint64_t)(int64_t)v_)
  LOAD(i64_load32_u, uint32_t, (uint64_t)v_)
  LOAD_ADD(i32_load_add, uint32_t, v_)
  LOAD_ADD(i64_load_add, uint64_t, v_)
  LOAD_ADD(i32_load8_u_add, uint8_t, (uint32_t)v_)
  LOAD_ADD_SHL(i32_load_add_shl, uint32_t)
  LOAD_ADD_SHL(i64_load_add_shl, uint64_t)
#define F64_WITH_MEMORY(name, op)                       \
  CASE(name) {                                          \
    uint8_t *p_ = EA(3, 4, sizeof(double));             \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;         \
    double v_;                                          \
    memcpy(&v_, p_, sizeof v_);                         \
    OUT = slot_f64(F64(2) op v_);                       \
    NEXT(5);                                            \
  }
  F64_WITH_MEMORY(f64_add_mem, +)
  F64_WITH_MEMORY(f64_sub_mem, -)
  F64_WITH_MEMORY(f64_mul_mem, *)
#undef F64_WITH_MEMORY
/* op dst a x y offset: the address is x + y (i32 addition) */
#define F64_WITH_MEMORY_AT_SUM(name, op)                         \
  CASE(name) {                                                   \
    uint8_t *p_ = EA_OF(I32(3) + I32(4), 5, sizeof(double));     \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;                  \
    double v_;                                                   \
    memcpy(&v_, p_, sizeof v_);                                  \
    OUT = slot_f64(F64(2) op v_);                                \
    NEXT(6);                                                     \
  }
  F64_WITH_MEMORY_AT_SUM(f64_add_mem_add, +)
  F64_WITH_MEMORY_AT_SUM(f64_sub_mem_add, -)
  F64_WITH_MEMORY_AT_SUM(f64_mul_mem_add, *)
#undef F64_WITH_MEMORY_AT_SUM
/* op addr a offset: the f64 at addr + offset becomes a op itself */
#define F64_TO_MEMORY(name, op)                         \
  CASE(name) {                                          \
    uint8_t *p_ = EA(1, 3, sizeof(double));             \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;         \
    double v_;                                          \
    memcpy(&v_, p_, sizeof v_);                         \
    v_ = F64(2) op v_;                                  \
    memcpy(p_, &v_, sizeof v_);                         \
    NEXT(4);                                            \
  }
  F64_TO_MEMORY(f64_add_to_mem, +)
  F64_TO_MEMORY(f64_sub_to_mem, -)
  F64_TO_MEMORY(f64_mul_to_mem, *)
#undef F64_TO_MEMORY
  CASE(i32_add3) {
    OUT = (uint32_t)(I32(2) + I32(3) + I32(4));
    NEXT(5);
  }
  CASE(i32_add_shl) {
    OUT = (uint32_t)(I32(2) + (I32(3) << (I32(4) & 31)));
    NEXT(5);
  }
  STORE(i32_store, uint32_t)
  STORE(i64_store, uint64_t)
  STORE(f32_store, uint32_t)
  STORE(f64_store, uint64_t)
  STORE(i32_store8, uint8_t)
  STORE(i32_store16, uint16_t)
  STORE(i64_store8, uint8_t)
  STORE(i64_store16, uint16_t)
  STORE(i64_store32, uint32_t)
/* op a b value offset: the address is a + b (i32 addition) */
#define STORE_ADD(name, ctype)                                  \
  CASE(name) {                                                  \
    uint8_t *p_ = EA_OF(I32(1) + I32(2), 4, sizeof(ctype));     \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;                 \
    ctype v_ = (ctype)fp[ip[3]];                                \
    memcpy(p_, &v_, sizeof v_);                                 \
    NEXT(5);                                                    \
  }
/* op a x s value offset: the address is a + (x << s) */
#define STORE_ADD_SHL(name, ctype)                                           \
  CASE(name) {                                                               \
    uint8_t *p_ = EA_OF(I32(1) + (I32(2) << (I32(3) & 31)), 5, sizeof(ctype)); \
    if (!WASM_GUARDED_MEMORY && !p_) goto trap;                              \
    ctype v_ = (ctype)fp[ip[4]];                                             \
    memcpy(p_, &v_, sizeof v_);                                              \
    NEXT(6);                                                                 \
  }
  STORE_ADD(i32_store_add, uint32_t)
  STORE_ADD(i64_store_add, uint64_t)
  STORE_ADD(i32_store8_add, uint8_t)
  STORE_ADD_SHL(i32_store_add_shl, uint32_t)
  STORE_ADD_SHL(i64_store_add_shl, uint64_t)
#undef STORE_ADD
#undef STORE_ADD_SHL

  /* ---- i32 ---- */
  UNOP(i32_eqz, I32(2) == 0)
  BINOP(i32_eq, I32(2) == I32(3))
  BINOP(i32_ne, I32(2) != I32(3))
  BINOP(i32_lt_s, (int32_t)I32(2) < (int32_t)I32(3))
  BINOP(i32_lt_u, I32(2) < I32(3))
  BINOP(i32_gt_s, (int32_t)I32(2) > (int32_t)I32(3))
  BINOP(i32_gt_u, I32(2) > I32(3))
  BINOP(i32_le_s, (int32_t)I32(2) <= (int32_t)I32(3))
  BINOP(i32_le_u, I32(2) <= I32(3))
  BINOP(i32_ge_s, (int32_t)I32(2) >= (int32_t)I32(3))
  BINOP(i32_ge_u, I32(2) >= I32(3))
  UNOP(i32_clz, I32(2) ? (uint32_t)__builtin_clz(I32(2)) : 32u)
  UNOP(i32_ctz, I32(2) ? (uint32_t)__builtin_ctz(I32(2)) : 32u)
  UNOP(i32_popcnt, (uint32_t)__builtin_popcount(I32(2)))
  BINOP(i32_add, (uint32_t)(I32(2) + I32(3)))
  BINOP(i32_sub, (uint32_t)(I32(2) - I32(3)))
  BINOP(i32_mul, (uint32_t)(I32(2) * I32(3)))
  CASE(i32_div_s) {
    int32_t a = (int32_t)I32(2), b = (int32_t)I32(3);
    if (b == 0) TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
    if (a == INT32_MIN && b == -1) TRAP(WASM_TRAP_INTEGER_OVERFLOW);
    OUT = (uint32_t)(a / b);
    NEXT(4);
  }
  CASE(i32_div_u) {
    uint32_t b = I32(3);
    if (b == 0) TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
    OUT = I32(2) / b;
    NEXT(4);
  }
  CASE(i32_rem_s) {
    int32_t a = (int32_t)I32(2), b = (int32_t)I32(3);
    if (b == 0) TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
    OUT = b == -1 ? 0 : (uint32_t)(a % b);
    NEXT(4);
  }
  CASE(i32_rem_u) {
    uint32_t b = I32(3);
    if (b == 0) TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
    OUT = I32(2) % b;
    NEXT(4);
  }
  BINOP(i32_and, I32(2) & I32(3))
  BINOP(i32_or, I32(2) | I32(3))
  BINOP(i32_xor, I32(2) ^ I32(3))
  BINOP(i32_shl, (uint32_t)(I32(2) << (I32(3) & 31)))
  BINOP(i32_shr_s, (uint32_t)((int32_t)I32(2) >> (I32(3) & 31)))
  BINOP(i32_shr_u, I32(2) >> (I32(3) & 31))
  BINOP(i32_rotl, rotl32(I32(2), I32(3)))
  BINOP(i32_rotr, rotr32(I32(2), I32(3)))
  /* the second operand is the immediate ip[3] */
  BINOP(i32_add_imm, (uint32_t)(I32(2) + ip[3]))
  BINOP(i32_sub_imm, (uint32_t)(I32(2) - ip[3]))
  BINOP(i32_mul_imm, (uint32_t)(I32(2) * ip[3]))
  BINOP(i32_and_imm, I32(2) & ip[3])
  BINOP(i32_or_imm, I32(2) | ip[3])
  BINOP(i32_xor_imm, I32(2) ^ ip[3])
  BINOP(i32_shl_imm, (uint32_t)(I32(2) << (ip[3] & 31)))
  BINOP(i32_shr_s_imm, (uint32_t)((int32_t)I32(2) >> (ip[3] & 31)))
  BINOP(i32_shr_u_imm, I32(2) >> (ip[3] & 31))
  BINOP(i64_add_imm, I64(2) + (uint64_t)(int64_t)(int32_t)ip[3])
  BINOP(i64_and_imm, I64(2) & (uint64_t)(int64_t)(int32_t)ip[3])

  /* ---- i64 ---- */
  UNOP(i64_eqz, I64(2) == 0)
  BINOP(i64_eq, I64(2) == I64(3))
  BINOP(i64_ne, I64(2) != I64(3))
  BINOP(i64_lt_s, (int64_t)I64(2) < (int64_t)I64(3))
  BINOP(i64_lt_u, I64(2) < I64(3))
  BINOP(i64_gt_s, (int64_t)I64(2) > (int64_t)I64(3))
  BINOP(i64_gt_u, I64(2) > I64(3))
  BINOP(i64_le_s, (int64_t)I64(2) <= (int64_t)I64(3))
  BINOP(i64_le_u, I64(2) <= I64(3))
  BINOP(i64_ge_s, (int64_t)I64(2) >= (int64_t)I64(3))
  BINOP(i64_ge_u, I64(2) >= I64(3))
  UNOP(i64_clz, I64(2) ? (uint64_t)__builtin_clzll(I64(2)) : 64u)
  UNOP(i64_ctz, I64(2) ? (uint64_t)__builtin_ctzll(I64(2)) : 64u)
  UNOP(i64_popcnt, (uint64_t)__builtin_popcountll(I64(2)))
  BINOP(i64_add, I64(2) + I64(3))
  BINOP(i64_sub, I64(2) - I64(3))
  BINOP(i64_mul, I64(2) * I64(3))
  CASE(i64_div_s) {
    int64_t a = (int64_t)I64(2), b = (int64_t)I64(3);
    if (b == 0) TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
    if (a == INT64_MIN && b == -1) TRAP(WASM_TRAP_INTEGER_OVERFLOW);
    OUT = (uint64_t)(a / b);
    NEXT(4);
  }
  CASE(i64_div_u) {
    uint64_t b = I64(3);
    if (b == 0) TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
    OUT = I64(2) / b;
    NEXT(4);
  }
  CASE(i64_rem_s) {
    int64_t a = (int64_t)I64(2), b = (int64_t)I64(3);
    if (b == 0) TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
    OUT = b == -1 ? 0 : (uint64_t)(a % b);
    NEXT(4);
  }
  CASE(i64_rem_u) {
    uint64_t b = I64(3);
    if (b == 0) TRAP(WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
    OUT = I64(2) % b;
    NEXT(4);
  }
  BINOP(i64_and, I64(2) & I64(3))
  BINOP(i64_or, I64(2) | I64(3))
  BINOP(i64_xor, I64(2) ^ I64(3))
  BINOP(i64_shl, I64(2) << (I64(3) & 63))
  BINOP(i64_shr_s, (uint64_t)((int64_t)I64(2) >> (I64(3) & 63)))
  BINOP(i64_shr_u, I64(2) >> (I64(3) & 63))
  BINOP(i64_rotl, rotl64(I64(2), I64(3)))
  BINOP(i64_rotr, rotr64(I64(2), I64(3)))

  /* ---- f32 / f64 ---- */
  BINOP(f32_eq, F32(2) == F32(3))
  BINOP(f32_ne, F32(2) != F32(3))
  BINOP(f32_lt, F32(2) < F32(3))
  BINOP(f32_gt, F32(2) > F32(3))
  BINOP(f32_le, F32(2) <= F32(3))
  BINOP(f32_ge, F32(2) >= F32(3))
  BINOP(f64_eq, F64(2) == F64(3))
  BINOP(f64_ne, F64(2) != F64(3))
  BINOP(f64_lt, F64(2) < F64(3))
  BINOP(f64_gt, F64(2) > F64(3))
  BINOP(f64_le, F64(2) <= F64(3))
  BINOP(f64_ge, F64(2) >= F64(3))
  UNOP(f32_abs, I32(2) & 0x7FFFFFFFu)
  UNOP(f32_neg, I32(2) ^ 0x80000000u)
  UNOP(f32_ceil, slot_f32(f32_round(F32(2), 0)))
  UNOP(f32_floor, slot_f32(f32_round(F32(2), 1)))
  UNOP(f32_trunc, slot_f32(f32_round(F32(2), 2)))
  UNOP(f32_nearest, slot_f32(f32_round(F32(2), 3)))
  UNOP(f32_sqrt, slot_f32(sqrtf(F32(2))))
  BINOP(f32_add, slot_f32(F32(2) + F32(3)))
  BINOP(f32_sub, slot_f32(F32(2) - F32(3)))
  BINOP(f32_mul, slot_f32(F32(2) * F32(3)))
  BINOP(f32_div, slot_f32(F32(2) / F32(3)))
  BINOP(f32_min, slot_f32(f32_min(F32(2), F32(3))))
  BINOP(f32_max, slot_f32(f32_max(F32(2), F32(3))))
  BINOP(f32_copysign, (I32(2) & 0x7FFFFFFFu) | (I32(3) & 0x80000000u))
  UNOP(f64_abs, I64(2) & 0x7FFFFFFFFFFFFFFFull)
  UNOP(f64_neg, I64(2) ^ 0x8000000000000000ull)
  UNOP(f64_ceil, slot_f64(f64_round(F64(2), 0)))
  UNOP(f64_floor, slot_f64(f64_round(F64(2), 1)))
  UNOP(f64_trunc, slot_f64(f64_round(F64(2), 2)))
  UNOP(f64_nearest, slot_f64(f64_round(F64(2), 3)))
  UNOP(f64_sqrt, slot_f64(sqrt(F64(2))))
  BINOP(f64_add, slot_f64(F64(2) + F64(3)))
  BINOP(f64_sub, slot_f64(F64(2) - F64(3)))
  BINOP(f64_mul, slot_f64(F64(2) * F64(3)))
  BINOP(f64_div, slot_f64(F64(2) / F64(3)))
  BINOP(f64_min, slot_f64(f64_min(F64(2), F64(3))))
  BINOP(f64_max, slot_f64(f64_max(F64(2), F64(3))))
  BINOP(f64_copysign, (I64(2) & 0x7FFFFFFFFFFFFFFFull) | (I64(3) & 0x8000000000000000ull))

  /* ---- conversions ---- */
  UNOP(i32_wrap_i64, (uint32_t)I64(2))
#define TRUNC(name, from, lo, hi, ctype, utype)                           \
  CASE(name) {                                                            \
    double x_ = from(2);                                                  \
    if (isnan(x_)) TRAP(WASM_TRAP_INVALID_CONVERSION);                    \
    if (!(x_ > (lo) && x_ < (hi))) TRAP(WASM_TRAP_INTEGER_OVERFLOW);      \
    OUT = (utype)(ctype)x_;                                               \
    NEXT(3);                                                              \
  }
  TRUNC(i32_trunc_f32_s, F32, -2147483904.0, 2147483648.0, int32_t, uint32_t)
  TRUNC(i32_trunc_f32_u, F32, -1.0, 4294967296.0, uint32_t, uint32_t)
  TRUNC(i32_trunc_f64_s, F64, -2147483649.0, 2147483648.0, int32_t, uint32_t)
  TRUNC(i32_trunc_f64_u, F64, -1.0, 4294967296.0, uint32_t, uint32_t)
  TRUNC(i64_trunc_f32_s, F32, -9223373136366403584.0, 9223372036854775808.0, int64_t, uint64_t)
  TRUNC(i64_trunc_f32_u, F32, -1.0, 18446744073709551616.0, uint64_t, uint64_t)
  TRUNC(i64_trunc_f64_s, F64, -9223372036854777856.0, 9223372036854775808.0, int64_t, uint64_t)
  TRUNC(i64_trunc_f64_u, F64, -1.0, 18446744073709551616.0, uint64_t, uint64_t)
  UNOP(i64_extend_i32_s, (uint64_t)(int64_t)(int32_t)I32(2))
  UNOP(i64_extend_i32_u, (uint64_t)I32(2))
  UNOP(f32_convert_i32_s, slot_f32((float)(int32_t)I32(2)))
  UNOP(f32_convert_i32_u, slot_f32((float)I32(2)))
  UNOP(f32_convert_i64_s, slot_f32((float)(int64_t)I64(2)))
  UNOP(f32_convert_i64_u, slot_f32((float)I64(2)))
  UNOP(f32_demote_f64, slot_f32((float)F64(2)))
  UNOP(f64_convert_i32_s, slot_f64((double)(int32_t)I32(2)))
  UNOP(f64_convert_i32_u, slot_f64((double)I32(2)))
  UNOP(f64_convert_i64_s, slot_f64((double)(int64_t)I64(2)))
  UNOP(f64_convert_i64_u, slot_f64((double)I64(2)))
  UNOP(f64_promote_f32, slot_f64((double)F32(2)))
  UNOP(i32_reinterpret_f32, I32(2))
  UNOP(i64_reinterpret_f64, I64(2))
  UNOP(f32_reinterpret_i32, I32(2))
  UNOP(f64_reinterpret_i64, I64(2))
  UNOP(i32_extend8_s, (uint32_t)(int32_t)(int8_t)I32(2))
  UNOP(i32_extend16_s, (uint32_t)(int32_t)(int16_t)I32(2))
  UNOP(i64_extend8_s, (uint64_t)(int64_t)(int8_t)I64(2))
  UNOP(i64_extend16_s, (uint64_t)(int64_t)(int16_t)I64(2))
  UNOP(i64_extend32_s, (uint64_t)(int64_t)(int32_t)I64(2))
  UNOP(i32_trunc_sat_f32_s, (uint32_t)sat_i32(F32(2)))
  UNOP(i32_trunc_sat_f32_u, sat_u32(F32(2)))
  UNOP(i32_trunc_sat_f64_s, (uint32_t)sat_i32(F64(2)))
  UNOP(i32_trunc_sat_f64_u, sat_u32(F64(2)))
  UNOP(i64_trunc_sat_f32_s, (uint64_t)sat_i64(F32(2)))
  UNOP(i64_trunc_sat_f32_u, sat_u64(F32(2)))
  UNOP(i64_trunc_sat_f64_s, (uint64_t)sat_i64(F64(2)))
  UNOP(i64_trunc_sat_f64_u, sat_u64(F64(2)))

#include "interp_simd.inc"

#if !WASM_INTERP_THREADED
  default:
    TRAP(WASM_TRAP_UNREACHABLE);
  }
#endif

done:
  memcpy(slots, fp, (size_t)func->nresult_slots * sizeof(wasm_slot));
  return NULL;
trap:
  xs->depth = entry_depth;
trap_no_frame:
  return wasm_trap_new(store, trap_kind, "%s", wasm_trap_kind_message(trap_kind));
}
