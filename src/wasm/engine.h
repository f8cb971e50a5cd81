/* The runtime objects behind the opaque handles of runtime.h, shared by the store, the
 * instantiation code and the interpreter. Everything here belongs to one store. */
#ifndef WARREN_WASM_ENGINE_H
#define WARREN_WASM_ENGINE_H

#include <stdatomic.h>

#include "../base/vec.h"
#include "compile.h"
#include "runtime.h"

/* 64-bit hosts reserve the whole 33-bit effective-address range of a 32-bit memory (u32
 * address + u32 offset) plus a guard, so loads and stores need no bounds check: a fault in
 * the reservation becomes a trap (signals.c). Elsewhere every access is checked. */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define WASM_GUARDED_MEMORY 1
#else
#define WASM_GUARDED_MEMORY 0
#endif

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u
/* 8 GiB for address + offset, and a page of slack for the widest access (16 bytes). */
#define WASM_MEMORY_RESERVATION (((uint64_t)1 << 33) + WASM_PAGE_SIZE)

struct wasm_func {
  const wasm_functype *type; /* canonical (wasm_type_canonical): equal types are one pointer */
  uint32_t nparam_slots, nresult_slots;
  wasm_instance *instance;   /* NULL for host functions */
  const wasm_compiled_func *code;
  wasm_host_fn host;
  void *env;
};

struct wasm_memory {
  uint8_t *base;
  uint64_t size;     /* accessible bytes */
  uint64_t reserved; /* bytes of address space mapped (guarded) or allocated (unguarded) */
  uint64_t max_pages;
  wasm_memtype type;
  const struct wasm_memory_image *image; /* its initial contents, when made from a module's image */
  struct wasm_image_slot *image_slot;    /* the kept reservation it was taken from (image.c), or NULL */
};

/* Tables grow on demand; beyond this many entries table.grow reports failure (-1) rather
 * than letting a guest allocate without bound. */
#define WASM_TABLE_MAX_ENTRIES 10000000u

struct wasm_table {
  void **elems;
  uint64_t size, max;
  wasm_tabletype type;
  /* Set when the instance that defines this funcref table wrote its active element segments
   * into it: those entries are (function index << 1) | 1 of this instance until first read,
   * so instantiation makes no function object for entries never called (wasm_table_entry). */
  wasm_instance *lazy_owner;
};

struct wasm_global {
  wasm_globaltype type;
  wasm_slot value[2];
};

/* An exception tag (exception handling): its identity is the object, so an exception thrown
 * with an imported tag is caught by the exporter's `catch` of it. */
struct wasm_tag {
  const wasm_functype *type; /* canonical; its params are the exception's payload */
  uint32_t nslots;           /* payload slots */
};

/* A thrown exception: its tag and payload. Owned by the store (an exception may be caught,
 * kept and rethrown anywhere in it), freed with it. */
struct wasm_exception {
  const wasm_tag *tag;
  wasm_slot payload[]; /* tag->nslots */
};

struct wasm_instance {
  wasm_store *store;
  const wasm_module *module;
  wasm_func **funcs;         /* function index space: funcs[i] holds something only when bit i of */
  uint64_t *funcs_made;      /* funcs_made is set (imports always): funcs is never zeroed */
  wasm_table **tables;
  wasm_memory **memories;
  wasm_global **globals;
  wasm_tag **tags;           /* tag index space */
  const wasm_functype *const *types; /* module type index -> canonical type (the module's) */
  /* The defined functions' objects are made when first asked for (wasm_instance_func): a
   * module of 12,000 functions whose instance runs a few hundred makes a few hundred, and
   * clears a bit per function instead of a pointer. */
  struct wasm_func_block *func_blocks;
  /* Passive element segments as evaluated references; a dropped segment has length 0. */
  void ***elem_refs;
  uint32_t *elem_len;
  uint32_t *data_len; /* 0 once dropped */
};

/* A table of type->limits.min entries copied from `image` (the module's, segments.c), whose
 * lazy entries are `owner`'s functions. */
wasm_table *wasm_table_new_from_image(wasm_store *store, const wasm_tabletype *type, void *const *image,
                                      wasm_instance *owner);

/* funcs[index] for a defined function not asked for before (wasm_instance_func). */
wasm_func *wasm_instance_make_func(wasm_instance *inst, uint32_t index);

/* Whether funcs[index] was written (an import, or a defined function made). */
static inline bool wasm_instance_func_made(const wasm_instance *inst, uint32_t index) {
  return inst->funcs_made[index >> 6] >> (index & 63) & 1;
}
/* funcs[index] = f, and marked written. */
static inline void wasm_instance_set_func(wasm_instance *inst, uint32_t index, wasm_func *f) {
  inst->funcs[index] = f;
  inst->funcs_made[index >> 6] |= (uint64_t)1 << (index & 63);
}

/* The function at `index` of the instance's function index space (valid: checked by validation). */
static inline wasm_func *wasm_instance_func(wasm_instance *inst, uint32_t index) {
  if (WR_LIKELY(wasm_instance_func_made(inst, index))) return inst->funcs[index];
  return wasm_instance_make_func(inst, index);
}

/* Memory 0 of an instance, or NULL when its module has none. */
static inline wasm_memory *wasm_instance_memory0(const wasm_instance *inst) {
  return inst->memories && inst->module->nmemory_imports + inst->module->nmemories ? inst->memories[0] : NULL;
}

/* A frame of the wasm call stack: where to resume the caller. */
typedef struct wasm_call_frame {
  const uint32_t *ret_ip;
  wasm_slot *fp;
  const wasm_compiled_func *func;
  wasm_instance *instance;
} wasm_call_frame;

struct wasm_caller {
  wasm_store *store;
  wasm_instance *instance;
};

/* Limits on guest recursion: frames and value-stack slots per execution stack. */
#define WASM_MAX_CALL_DEPTH 60000u
#define WASM_VALUE_STACK_SLOTS (8u << 20)

/* The value stack (frames of slots) and call stack that guest code runs on. Each fiber
 * running guest code of a store gets its own, so tasks interleaved on fibers never write
 * over each other's frames; one is reused once its calls have all returned. `top` and
 * `depth` mark what the running calls use, so a re-entrant call starts above them. */
typedef struct wasm_exec_stack {
  const void *owner; /* the fiber (wr_fiber_current()) whose calls are on it */
  uint32_t active;   /* wasm_func_call entries running on it */
  wasm_slot *stack;  /* reserved once, committed by the kernel as touched */
  wasm_slot *top;
  wasm_call_frame *frames;
  uint32_t depth;
} wasm_exec_stack;

/* What the store's interrupt flag asks of the running guest (checked at function entry and at
 * loop back-edges; any non-zero value takes the slow path, wasm_store_poll_interrupt). */
enum { WASM_INTERRUPT_NONE = 0, WASM_INTERRUPT_TRAP = 1, WASM_INTERRUPT_YIELD = 2 };

struct wasm_store {
  atomic_int interrupt;
  void (*yield_hook)(wasm_store *store, void *arg);
  void *yield_arg;
  void *data;
  uint64_t max_memory_bytes; /* cap on each memory made in the store; 0: none */
  struct wasm_func_block *host_funcs; /* host function objects, in blocks */
  WR_VEC(wasm_table *) tables;
  WR_VEC(wasm_memory *) memories;
  WR_VEC(wasm_global *) globals;
  WR_VEC(wasm_instance *) instances;
  WR_VEC(wasm_trap *) traps;
  WR_VEC(wasm_tag *) tags;
  WR_VEC(wasm_exception *) exceptions;
  WR_VEC(wasm_exec_stack *) stacks;
};

/* Fills a defined function's object (owned by its instance) of module type `type_index`. */
void wasm_func_init_wasm(wasm_func *f, wasm_instance *instance, uint32_t type_index, const wasm_compiled_func *code);

/* The slow path of an interrupt check (the flag is set), from a frame of `xs` whose slots end at
 * `frame_end` (the stack top during the hook, so that other calls on this thread keep them): on
 * a yield request, clears it and calls the yield hook; true if the guest must trap
 * (WASM_TRAP_INTERRUPTED), now or after the hook returned. */
bool wasm_store_poll_interrupt(wasm_store *store, wasm_exec_stack *xs, wasm_slot *frame_end);

/* Run a wasm function (interp.c): args in `slots`, results written back. */
wasm_trap *wasm_interp_call(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots);
/* Call a host function with its arguments in `slots` on behalf of `instance`. */
wasm_trap *wasm_host_call(wasm_store *store, wasm_instance *instance, wasm_func *func, wasm_slot *slots);

/* Memory objects (memory.c). */
bool wasm_memory_grow_to(wasm_memory *memory, uint64_t new_pages);
void wasm_memory_release(wasm_memory *memory);
/* A defined memory whose initial contents are `image` (image.h): a reset slot of the image
 * when one is kept, else a fresh reservation with the image mapped in. */
wasm_memory *wasm_memory_new_from_image(wasm_store *store, const wasm_memtype *type,
                                        const struct wasm_memory_image *image, wr_error *err);

/* Guard-fault handling (signals.c): install once; a protected call runs `body` and turns a
 * fault inside a guarded memory of `store` into an out-of-bounds trap. */
typedef wasm_trap *(*wasm_protected_fn)(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots);
wasm_trap *wasm_protected_call(wasm_store *store, wasm_exec_stack *xs, wasm_protected_fn body, wasm_func *func,
                               wasm_slot *slots);
/* A host function may switch fibers, and other guest calls may run on this thread before it
 * returns: the host-call path saves the thread's innermost protected call and restores it. */
void *wasm_protected_save(void);
void wasm_protected_restore(void *saved);

/* Exception handling (exceptions.c). */
wasm_tag *wasm_tag_new(wasm_store *store, const wasm_functype *type);
/* A new exception of `tag` with its payload copied from `payload` (tag->nslots slots). */
wasm_exception *wasm_exception_new(wasm_store *store, const wasm_tag *tag, const wasm_slot *payload);
/* The trap that carries an exception out of a call nobody caught it in. */
wasm_trap *wasm_exception_trap(wasm_store *store, wasm_exception *exn);
/* An exception trap a caller caught: forgets the trap object (the exception stays) and
 * returns its exception. */
wasm_exception *wasm_exception_take(wasm_store *store, wasm_trap *trap);
/* The handler of function `func`, running instance `inst`, that catches `exn` thrown at word
 * `pc` of its code: writes the payload and the exception into the frame `fp` and returns the
 * word to go on at, or NULL when the exception leaves the function. */
const uint32_t *wasm_exception_catch(const wasm_compiled_func *func, const wasm_instance *inst, wasm_slot *fp,
                                     uint32_t pc, wasm_exception *exn);

/* Table growth shared by the API and table.grow: false when over the maximum. */
bool wasm_table_grow_by(wasm_table *table, uint64_t delta, void *init);

/* A lazy entry of `table` (odd: see wasm_table.lazy_owner) made into its function, stored back. */
wasm_func *wasm_table_resolve(wasm_table *table, uint64_t index);
static inline bool wasm_table_entry_is_lazy(const void *entry) { return ((uintptr_t)entry & 1) != 0; }
static inline void *wasm_table_lazy_entry(uint32_t func_index) { return (void *)(((uintptr_t)func_index << 1) | 1); }
/* Entry `index` (in bounds) as a reference: a lazy one made into its function first. */
static inline void *wasm_table_entry(wasm_table *table, uint64_t index) {
  void *e = table->elems[index];
  return WR_UNLIKELY(wasm_table_entry_is_lazy(e)) && table->lazy_owner ? wasm_table_resolve(table, index) : e;
}

#endif
