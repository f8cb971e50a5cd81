/* Stores: ownership of every runtime object, interned function types, the value and call
 * stacks guest code runs on, interruption. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "../base/fiber.h"
#include "compile.h"
#include "engine.h"

/* Execution stacks (64 MiB of value stack and 1.9 MB of call frames, address space) are kept
 * for reuse per thread, like memory reservations: a store per request must not pay an mmap +
 * munmap, nor a trip through malloc's large-chunk path for its frames. Validated code never
 * reads a slot or frame it did not write, so a reused stack needs no clearing. One mapping
 * holds both: the value stack, a guard page, then the frames. */
enum { EXEC_STACK_CACHE = 256 };
#define VALUE_STACK_BYTES ((size_t)WASM_VALUE_STACK_SLOTS * sizeof(wasm_slot))
#define FRAMES_BYTES ((size_t)WASM_MAX_CALL_DEPTH * sizeof(wasm_call_frame))
static _Thread_local struct {
  void *mapping[EXEC_STACK_CACHE];
  unsigned count;
} exec_stacks;

static size_t exec_stack_bytes(size_t page) { return VALUE_STACK_BYTES + page + (FRAMES_BYTES + page - 1) / page * page; }

/* A stack's mapping (its value stack at the start, its frames after the guard page), or NULL. */
static void *exec_stack_take(wasm_call_frame **frames) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  void *p = exec_stacks.count ? exec_stacks.mapping[--exec_stacks.count] : NULL;
  if (!p) {
    p = mmap(NULL, exec_stack_bytes(page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if (mprotect((uint8_t *)p + VALUE_STACK_BYTES, page, PROT_NONE) != 0) {
      munmap(p, exec_stack_bytes(page));
      return NULL;
    }
  }
  *frames = (wasm_call_frame *)(void *)((uint8_t *)p + VALUE_STACK_BYTES + page);
  return p;
}

static void exec_stack_give(void *mapping) {
  if (exec_stacks.count < EXEC_STACK_CACHE) exec_stacks.mapping[exec_stacks.count++] = mapping;
  else munmap(mapping, exec_stack_bytes((size_t)sysconf(_SC_PAGESIZE)));
}

wasm_store *wasm_store_new(void) {
  wasm_store *store = WR_NEW(wasm_store);
  atomic_init(&store->interrupt, 0);
  return store;
}

/* Where an instance's defined-function objects live: blocks of a few dozen, made as needed. */
#define FUNC_BLOCK_SIZE 64
struct wasm_func_block {
  struct wasm_func_block *next;
  uint32_t used;
  wasm_func funcs[FUNC_BLOCK_SIZE];
};

/* A zeroed function object from a chain of blocks (a block is not zeroed as a whole: most of
 * an instance's functions are never made). */
static wasm_func *func_from_blocks(struct wasm_func_block **chain) {
  struct wasm_func_block *b = *chain;
  if (!b || b->used == FUNC_BLOCK_SIZE) {
    b = wr_malloc(sizeof *b);
    b->used = 0;
    b->next = *chain;
    *chain = b;
  }
  wasm_func *f = &b->funcs[b->used++];
  *f = (wasm_func){0};
  return f;
}

static void free_func_blocks(struct wasm_func_block *b) {
  for (struct wasm_func_block *next; b; b = next) {
    next = b->next;
    wr_free(b);
  }
}

void wasm_store_free(wasm_store *store) {
  if (!store) return;
  for (size_t i = 0; i < store->instances.len; i++) {
    wasm_instance *inst = store->instances.items[i];
    if (inst->elem_refs) {
      for (uint32_t k = 0; k < inst->module->nelems; k++) wr_free(inst->elem_refs[k]);
    }
    free_func_blocks(inst->func_blocks);
    wr_free(inst); /* its index spaces are in its block (wasm_instantiate) */
  }
  free_func_blocks(store->host_funcs);
  for (size_t i = 0; i < store->tables.len; i++) {
    wr_free(store->tables.items[i]->elems);
    wr_free(store->tables.items[i]);
  }
  for (size_t i = 0; i < store->memories.len; i++) {
    wasm_memory_release(store->memories.items[i]);
    wr_free(store->memories.items[i]);
  }
  for (size_t i = 0; i < store->globals.len; i++) wr_free(store->globals.items[i]);
  for (size_t i = 0; i < store->traps.len; i++) wr_free(store->traps.items[i]);
  for (size_t i = 0; i < store->tags.len; i++) wr_free(store->tags.items[i]);
  for (size_t i = 0; i < store->exceptions.len; i++) wr_free(store->exceptions.items[i]);
  WR_VEC_FREE(&store->tags);
  WR_VEC_FREE(&store->exceptions);
  WR_VEC_FREE(&store->instances);
  WR_VEC_FREE(&store->tables);
  WR_VEC_FREE(&store->memories);
  WR_VEC_FREE(&store->globals);
  WR_VEC_FREE(&store->traps);
  for (size_t i = 0; i < store->stacks.len; i++) {
    wasm_exec_stack *xs = store->stacks.items[i];
    exec_stack_give(xs->stack);
    wr_free(xs);
  }
  WR_VEC_FREE(&store->stacks);
  wr_free(store);
}

void wasm_store_interrupt(wasm_store *store) { atomic_store(&store->interrupt, WASM_INTERRUPT_TRAP); }
void wasm_store_clear_interrupt(wasm_store *store) { atomic_store(&store->interrupt, WASM_INTERRUPT_NONE); }

void wasm_store_request_yield(wasm_store *store) {
  int none = WASM_INTERRUPT_NONE; /* a pending trap stays a trap */
  atomic_compare_exchange_strong(&store->interrupt, &none, WASM_INTERRUPT_YIELD);
}

void wasm_store_set_yield_hook(wasm_store *store, void (*hook)(wasm_store *store, void *arg), void *arg) {
  store->yield_hook = hook;
  store->yield_arg = arg;
}

bool wasm_store_poll_interrupt(wasm_store *store, wasm_exec_stack *xs, wasm_slot *frame_end) {
  int yield = WASM_INTERRUPT_YIELD;
  /* cleared before the hook: a request made while the guest is away asks for the next yield */
  if (atomic_compare_exchange_strong(&store->interrupt, &yield, WASM_INTERRUPT_NONE) && store->yield_hook) {
    /* The hook may switch fibers, and other guest calls run on this thread meanwhile: they must
     * not chain their protected calls onto this one, which is parked on another stack. */
    void *protected = wasm_protected_save();
    wasm_protected_restore(NULL);
    wasm_slot *saved_top = xs->top;
    xs->top = frame_end;
    store->yield_hook(store, store->yield_arg);
    xs->top = saved_top;
    wasm_protected_restore(protected);
  }
  return atomic_load(&store->interrupt) == WASM_INTERRUPT_TRAP;
}
void wasm_store_set_max_memory_size(wasm_store *store, uint64_t bytes) { store->max_memory_bytes = bytes; }
void wasm_store_set_data(wasm_store *store, void *data) { store->data = data; }
void *wasm_store_data(wasm_store *store) { return store->data; }


/* ---- traps ---- */

const char *wasm_trap_kind_message(wasm_trap_kind kind) {
  switch (kind) {
  case WASM_TRAP_UNREACHABLE: return "unreachable";
  case WASM_TRAP_MEMORY_OUT_OF_BOUNDS: return "out of bounds memory access";
  case WASM_TRAP_TABLE_OUT_OF_BOUNDS: return "out of bounds table access";
  case WASM_TRAP_UNDEFINED_ELEMENT: return "undefined element";
  case WASM_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
  case WASM_TRAP_INDIRECT_CALL_MISMATCH: return "indirect call type mismatch";
  case WASM_TRAP_INTEGER_DIVIDE_BY_ZERO: return "integer divide by zero";
  case WASM_TRAP_INTEGER_OVERFLOW: return "integer overflow";
  case WASM_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
  case WASM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
  case WASM_TRAP_INTERRUPTED: return "interrupted";
  case WASM_TRAP_HOST: return "host function failed";
  case WASM_TRAP_EXIT: return "exit";
  case WASM_TRAP_EXCEPTION: return "uncaught exception";
  case WASM_TRAP_NULL_EXCEPTION: return "null exception reference";
  }
  return "trap";
}

wasm_trap *wasm_trap_new(wasm_store *store, wasm_trap_kind kind, const char *fmt, ...) {
  wasm_trap *trap = WR_NEW(wasm_trap);
  trap->kind = kind;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(trap->message, sizeof trap->message, fmt, ap);
  va_end(ap);
  WR_VEC_PUSH(&store->traps, trap);
  return trap;
}

/* ---- functions ---- */

uint32_t wasm_slot_count(const uint8_t *types, uint32_t n) {
  uint32_t total = 0;
  for (uint32_t i = 0; i < n; i++) total += wasm_type_slots(types[i]);
  return total;
}

/* `type` must be canonical. */
static void func_init(wasm_func *f, const wasm_functype *type) {
  f->type = type;
  f->nparam_slots = wasm_slot_count(wasm_functype_params(type), type->nparams);
  f->nresult_slots = wasm_slot_count(wasm_functype_results(type), type->nresults);
}

wasm_func *wasm_func_new_host(wasm_store *store, const wasm_functype *type, wasm_host_fn fn, void *env) {
  return wasm_func_new_host_canonical(store, wasm_type_canonical(type), fn, env);
}

wasm_func *wasm_func_new_host_canonical(wasm_store *store, const wasm_functype *canonical, wasm_host_fn fn,
                                        void *env) {
  wasm_func *f = func_from_blocks(&store->host_funcs);
  func_init(f, canonical);
  f->host = fn;
  f->env = env;
  return f;
}

void wasm_func_init_wasm(wasm_func *f, wasm_instance *instance, uint32_t type_index, const wasm_compiled_func *code) {
  const struct wasm_code *module_code = instance->module->code;
  f->type = module_code->types[type_index];
  f->nparam_slots = module_code->param_slots[type_index];
  f->nresult_slots = module_code->result_slots[type_index];
  f->instance = instance;
  f->code = code;
}

wasm_func *wasm_instance_make_func(wasm_instance *inst, uint32_t index) {
  const wasm_module *m = inst->module;
  wasm_func *f = func_from_blocks(&inst->func_blocks);
  uint32_t def = index - m->nfunc_imports; /* imports are set at instantiation: index is defined */
  wasm_func_init_wasm(f, inst, m->funcs[def].type, &m->code->funcs[def]);
  wasm_instance_set_func(inst, index, f);
  return f;
}

const wasm_functype *wasm_func_type(const wasm_func *func) { return func->type; }

wasm_memory *wasm_caller_memory(wasm_caller *caller) {
  return caller->instance ? wasm_instance_memory0(caller->instance) : NULL;
}
wasm_store *wasm_caller_store(wasm_caller *caller) { return caller->store; }
wasm_instance *wasm_caller_instance(wasm_caller *caller) { return caller->instance; }

/* The stack for a call from the current fiber: the one its running calls use (re-entry from
 * a host function), else an idle one, else a new one; NULL if it cannot be mapped. */
static wasm_exec_stack *exec_stack_for_caller(wasm_store *store) {
  const void *fiber = wr_fiber_current();
  wasm_exec_stack *idle = NULL;
  for (size_t i = 0; i < store->stacks.len; i++) {
    wasm_exec_stack *xs = store->stacks.items[i];
    if (xs->active && xs->owner == fiber) return xs;
    if (!xs->active && !idle) idle = xs;
  }
  if (!idle) {
    wasm_call_frame *frames;
    void *p = exec_stack_take(&frames);
    if (!p) return NULL;
    idle = WR_NEW(wasm_exec_stack);
    idle->stack = p;
    idle->top = p;
    idle->frames = frames;
    WR_VEC_PUSH(&store->stacks, idle);
  }
  idle->owner = fiber;
  return idle;
}

wasm_trap *wasm_func_call(wasm_store *store, wasm_func *func, wasm_slot *slots) {
  if (func->host) return wasm_host_call(store, NULL, func, slots);
  wasm_exec_stack *xs = exec_stack_for_caller(store);
  if (!xs) return wasm_trap_new(store, WASM_TRAP_STACK_EXHAUSTED, "call stack exhausted (cannot map a stack)");
  wasm_slot *saved_top = xs->top;
  uint32_t saved_depth = xs->depth;
  xs->active++;
  wasm_trap *trap = wasm_protected_call(store, xs, wasm_interp_call, func, slots);
  xs->active--;
  xs->top = saved_top;
  xs->depth = saved_depth;
  return trap;
}
