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
#include "native.h"
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
  const wasm_memory *m = wasm_instance_memory0(inst);
  return m ? m->base : NULL;
}
static inline uint64_t memory_bytes(const wasm_instance *inst) {
  const wasm_memory *m = wasm_instance_memory0(inst);
  return m ? m->size : 0;
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
/* Whether EA can answer NULL (an out-of-bounds access): only where memory is unguarded. */
#define EA_CAN_FAIL (!WASM_GUARDED_MEMORY)
/* The operands of memory.size/grow/init/copy/fill that are addresses or lengths in the
 * memory: i32 here, i64 for a 64-bit memory (interp_step_on64). */
#define MEM_ADDR(i) I32(i)
#define MEM_RESULT(x) ((uint32_t)(x))

#define LOAD(name, ctype, convert)                      \
  CASE(name) {                                          \
    uint8_t *p_ = EA(2, 3, sizeof(ctype));              \
    if (EA_CAN_FAIL && !p_) goto trap;         \
    ctype v_;                                           \
    memcpy(&v_, p_, sizeof v_);                         \
    OUT = convert;                                      \
    NEXT(4);                                            \
  }
/* op dst a b offset: the address is a + b (the i32.add the compiler fused in) */
#define LOAD_ADD(name, ctype, convert)                  \
  CASE(name) {                                          \
    uint8_t *p_ = EA_OF(I32(2) + I32(3), 4, sizeof(ctype)); \
    if (EA_CAN_FAIL && !p_) goto trap;         \
    ctype v_;                                           \
    memcpy(&v_, p_, sizeof v_);                         \
    OUT = convert;                                      \
    NEXT(5);                                            \
  }
/* op dst a x s offset: the address is a + (x << s) (an indexed element) */
#define LOAD_ADD_SHL(name, ctype)                                       \
  CASE(name) {                                                          \
    uint8_t *p_ = EA_OF(I32(2) + (I32(3) << (I32(4) & 31)), 5, sizeof(ctype)); \
    if (EA_CAN_FAIL && !p_) goto trap;                         \
    ctype v_;                                                           \
    memcpy(&v_, p_, sizeof v_);                                         \
    OUT = v_;                                                           \
    NEXT(6);                                                            \
  }
#define STORE(name, ctype)                              \
  CASE(name) {                                          \
    uint8_t *p_ = EA(1, 3, sizeof(ctype));              \
    if (EA_CAN_FAIL && !p_) goto trap;         \
    ctype v_ = (ctype)fp[ip[2]];                        \
    memcpy(p_, &v_, sizeof v_);                         \
    NEXT(4);                                            \
  }

#define RELOAD_MEMORY()               \
  do {                                \
    mem = memory_base(inst);          \
    mem_size = memory_bytes(inst);    \
  } while (0)
/* The memory object memory.size and memory.grow act on (the dispatch loop: memory 0). */
#define CUR_MEMORY() wasm_instance_memory0(inst)

/* One instruction on `memory` (on_memory's, or memory 0 for the native tier): 0, or a trap
 * kind + 1. */
static uint32_t interp_step_on(wasm_instance *inst, wasm_slot *fp, const uint32_t *ip, wasm_memory *memory);
/* The same on a 64-bit memory (on_memory64's): every access is checked against its size, and
 * `offset` is the instruction's 64-bit static offset (its own offset word is 0). */
static uint32_t interp_step_on64(wasm_instance *inst, wasm_slot *fp, const uint32_t *ip, wasm_memory *memory,
                                 uint64_t offset);

/* Lazy translation: a callee not translated yet is translated before it runs; a trap when it
 * cannot be. The check is one load (the function's ready flag). */
static WR_NOINLINE wasm_trap *translate_callee(wasm_store *store, const wasm_func *fn) {
  wr_error err = {0};
  if (wasm_code_ensure_slow(fn->instance->module, fn->code, &err)) return NULL;
  return wasm_trap_new(store, WASM_TRAP_HOST, "%s", err.message);
}
#define ENSURE_TRANSLATED(fn)                                                      \
  do {                                                                             \
    if (WR_UNLIKELY(!atomic_load_explicit(&(fn)->code->ready, memory_order_acquire))) { \
      wasm_trap *t_ = translate_callee(store, fn);                                 \
      if (t_) {                                                                    \
        xs->depth = entry_depth;                                                   \
        return t_;                                                                 \
      }                                                                            \
    }                                                                              \
  } while (0)

/* A yield request calls the store's hook with this frame's slots below the stack top, then goes
 * on: the hook may have let other code run, so memory is reloaded. */
#define CHECK_INTERRUPT()                                                                 \
  do {                                                                                    \
    if (WR_UNLIKELY(atomic_load_explicit(&store->interrupt, memory_order_relaxed))) {     \
      if (wasm_store_poll_interrupt(store, xs, fp + cur->frame_slots))                    \
        TRAP(WASM_TRAP_INTERRUPTED);                                                      \
      RELOAD_MEMORY();                                                                    \
    }                                                                                     \
  } while (0)


wasm_trap *wasm_interp_call(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots) {
#if WASM_INTERP_THREADED
  static const void *const labels[] = {
#define X(name) &&L_##name,
#include "iops.inc"
#undef X
  };
#endif
  if (func->code->native) return wasm_native_call(store, xs, func, slots);
  wasm_slot *const stack_end = xs->stack + WASM_VALUE_STACK_SLOTS;
  const uint32_t entry_depth = xs->depth;
  ENSURE_TRANSLATED(func);
  wasm_trap_kind trap_kind = WASM_TRAP_UNREACHABLE;
  wasm_instance *inst = func->instance;
  const wasm_compiled_func *cur = func->code;
  wasm_slot *fp = xs->top;
  const uint32_t *ip;
  uint8_t *mem;
  uint64_t mem_size;
  wasm_func *callee;
  wasm_exception *exn; /* being thrown */
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
    if (wasm_store_poll_interrupt(store, xs, fp + cur->frame_slots)) {
      trap_kind = WASM_TRAP_INTERRUPTED;
      goto trap_no_frame;
    }
    RELOAD_MEMORY();
  }

resume: /* a handler caught an exception: ip is its catch block */
#if WASM_INTERP_THREADED
  DISPATCH();
#else
  for (;;) switch ((enum wasm_iop)*ip) {
#endif

  /* ---- data movement and control ---- */
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
    callee = wasm_instance_func(inst, ip[1]);
    args = fp + ip[2];
    ret = ip + 3;
  enter_call: /* callee, args and ret set */
    if (callee->host) {
      wasm_slot *saved_top = xs->top;
      xs->top = fp + cur->frame_slots;
      wasm_trap *t = wasm_host_call(store, inst, callee, args);
      xs->top = saved_top;
      if (t) {
        if (t->kind == WASM_TRAP_EXCEPTION) {
          exn = wasm_exception_take(store, t);
          goto throw_here; /* ip is still the call */
        }
        xs->depth = entry_depth;
        return t;
      }
      RELOAD_MEMORY();
      ip = ret;
      DISPATCH();
    }
    ENSURE_TRANSLATED(callee);
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
    wasm_table *table = inst->tables[ip[2]];
    uint32_t index = I32(3);
    if (index >= table->size) TRAP(WASM_TRAP_UNDEFINED_ELEMENT);
    callee = wasm_table_entry(table, index);
    if (!callee) TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
    if (callee->type != inst->types[ip[1]]) TRAP(WASM_TRAP_INDIRECT_CALL_MISMATCH);
    args = fp + ip[4];
    ret = ip + 5;
    goto enter_call;
  }
  CASE(return_call) {
    callee = wasm_instance_func(inst, ip[1]);
  tail_call:
    if (callee->host) {
      wasm_slot *saved_top = xs->top;
      xs->top = fp + cur->frame_slots;
      wasm_trap *t = wasm_host_call(store, inst, callee, fp);
      xs->top = saved_top;
      if (t) {
        if (t->kind == WASM_TRAP_EXCEPTION) {
          exn = wasm_exception_take(store, t);
          goto throw_to_caller; /* a tail call left this frame */
        }
        xs->depth = entry_depth;
        return t;
      }
      RELOAD_MEMORY(); /* the host may have grown it; the return below keeps it */
      goto do_return;
    }
    ENSURE_TRANSLATED(callee);
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
    wasm_table *table = inst->tables[ip[2]];
    uint32_t index = I32(3);
    if (index >= table->size) TRAP(WASM_TRAP_UNDEFINED_ELEMENT);
    callee = wasm_table_entry(table, index);
    if (!callee) TRAP(WASM_TRAP_UNINITIALIZED_ELEMENT);
    if (callee->type != inst->types[ip[1]]) TRAP(WASM_TRAP_INDIRECT_CALL_MISMATCH);
    goto tail_call;
  }
  CASE(throw) {
    exn = wasm_exception_new(store, inst->tags[ip[1]], fp + ip[2]);
    goto throw_here;
  }
  CASE(rethrow) {
    exn = (wasm_exception *)(uintptr_t)fp[ip[1]];
    goto throw_here;
  }
  CASE(throw_ref) {
    exn = (wasm_exception *)(uintptr_t)fp[ip[1]];
    if (!exn) TRAP(WASM_TRAP_NULL_EXCEPTION);
    goto throw_here;
  }
#include "interp_ops.inc"

#if !WASM_INTERP_THREADED
  default:
    TRAP(WASM_TRAP_UNREACHABLE);
  }
#endif

/* exn was thrown at ip in the frame of cur: its handler there, else the caller's at its call,
 * up to this entry's caller, which gets it as a trap */
throw_here:
  if (cur->nhandlers) {
    const uint32_t *handler = wasm_exception_catch(cur, inst, fp, (uint32_t)(ip - cur->code), exn);
    if (handler) {
      ip = handler;
      RELOAD_MEMORY(); /* a host call on the way may have grown it */
      goto resume;
    }
  }
throw_to_caller:
  if (xs->depth == entry_depth) return wasm_exception_trap(store, exn);
  {
    const wasm_call_frame *f = &xs->frames[--xs->depth];
    ip = f->ret_ip - 1; /* inside its call instruction */
    fp = f->fp;
    cur = f->func;
    inst = f->instance;
  }
  goto throw_here;

done:
  memcpy(slots, fp, (size_t)func->nresult_slots * sizeof(wasm_slot));
  return NULL;
trap:
  xs->depth = entry_depth;
trap_no_frame:
  return wasm_trap_new(store, trap_kind, "%s", wasm_trap_kind_message(trap_kind));
}

/* ---- one instruction at a time, for the native tier ---- */

#undef CASE
#undef NEXT
#undef TRAP
#undef RELOAD_MEMORY
#undef CUR_MEMORY
#define CASE(name) case WASM_IOP_##name:
#define NEXT(n) return 0
#define TRAP(kind) return (uint32_t)(kind) + 1
#define RELOAD_MEMORY()                      \
  do {                                       \
    mem = memory ? memory->base : NULL;      \
    mem_size = memory ? memory->size : 0;    \
  } while (0)
#define CUR_MEMORY() memory

static uint32_t interp_step_on(wasm_instance *inst, wasm_slot *fp, const uint32_t *ip, wasm_memory *memory) {
  wasm_trap_kind trap_kind = WASM_TRAP_UNREACHABLE;
  uint8_t *mem;
  uint64_t mem_size;
  RELOAD_MEMORY();
  switch ((enum wasm_iop)*ip) {
#include "interp_ops.inc"
  default: break;
  }
  trap_kind = WASM_TRAP_UNREACHABLE; /* a control instruction: never sent here */
trap:
  return (uint32_t)trap_kind + 1;
}

uint32_t wasm_interp_step(wasm_instance *inst, wasm_slot *fp, const uint32_t *ip) {
  return interp_step_on(inst, fp, ip, wasm_instance_memory0(inst));
}

/* ---- one instruction on a 64-bit memory (on_memory64) ---- */

#undef EA_OF
#undef EA
#undef EA_CAN_FAIL
#undef MEM_ADDR
#undef MEM_RESULT
/* addr + offset + size within the memory, without wrapping: guard pages cannot cover a 64-bit
 * address, so this is the bounds check. */
static inline bool in_bounds64(uint64_t addr, uint64_t offset, uint64_t size, uint64_t mem_size) {
  return addr <= mem_size && offset <= mem_size - addr && size <= mem_size - addr - offset;
}
#define EA_OF(addr, offset_word, size)                                                        \
  (in_bounds64((uint64_t)(addr), offset64, (size), mem_size)                                  \
       ? mem + (uint64_t)(addr) + offset64                                                    \
       : (trap_kind = WASM_TRAP_MEMORY_OUT_OF_BOUNDS, (uint8_t *)NULL))
#define EA(addr_slot, offset_word, size) EA_OF(I64(addr_slot), offset_word, size)
#define EA_CAN_FAIL 1
#define MEM_ADDR(i) I64(i)
#define MEM_RESULT(x) ((uint64_t)(x))

static uint32_t interp_step_on64(wasm_instance *inst, wasm_slot *fp, const uint32_t *ip, wasm_memory *memory,
                                 uint64_t offset64) {
  wasm_trap_kind trap_kind = WASM_TRAP_UNREACHABLE;
  uint8_t *mem;
  uint64_t mem_size;
  RELOAD_MEMORY();
  switch ((enum wasm_iop)*ip) {
#define INTERP_MEMORY_ONLY 1
#include "interp_ops.inc"
#undef INTERP_MEMORY_ONLY
  default: break;
  }
  trap_kind = WASM_TRAP_UNREACHABLE; /* a control instruction: never sent here */
trap:
  return (uint32_t)trap_kind + 1;
}
