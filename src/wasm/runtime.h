/* The core WebAssembly runtime: compiled modules, stores, instances, and the objects
 * they import and export (functions, tables, memories, globals).
 *
 * Ownership: a wasm_engine_module (decoded + validated + compiled) is immutable and may be
 * instantiated any number of times, in any store. Every runtime object (instance, func,
 * table, memory, global, trap) belongs to one store and is freed with it.
 *
 * Values cross the API as 64-bit slots (wasm_slot): i32/f32 use the low 32 bits (floats
 * as raw bits, so NaN payloads survive), i64/f64 use all 64, a v128 takes two slots
 * (low half first), a reference is a pointer (funcref: wasm_func*, externref: the host's
 * opaque pointer; NULL is the null reference). */
#ifndef WARREN_WASM_RUNTIME_H
#define WARREN_WASM_RUNTIME_H

#include "module.h"

typedef uint64_t wasm_slot;

typedef struct wasm_store wasm_store;
typedef struct wasm_instance wasm_instance;
typedef struct wasm_func wasm_func;
typedef struct wasm_table wasm_table;
typedef struct wasm_memory wasm_memory;
typedef struct wasm_global wasm_global;
typedef struct wasm_caller wasm_caller;
typedef struct wasm_tag wasm_tag;

/* ---- traps ---- */
typedef enum {
  WASM_TRAP_UNREACHABLE,
  WASM_TRAP_MEMORY_OUT_OF_BOUNDS,   /* "out of bounds memory access" */
  WASM_TRAP_TABLE_OUT_OF_BOUNDS,    /* "out of bounds table access" */
  WASM_TRAP_UNDEFINED_ELEMENT,      /* "undefined element" */
  WASM_TRAP_UNINITIALIZED_ELEMENT,  /* "uninitialized element" */
  WASM_TRAP_INDIRECT_CALL_MISMATCH, /* "indirect call type mismatch" */
  WASM_TRAP_INTEGER_DIVIDE_BY_ZERO, /* "integer divide by zero" */
  WASM_TRAP_INTEGER_OVERFLOW,       /* "integer overflow" */
  WASM_TRAP_INVALID_CONVERSION,     /* "invalid conversion to integer" */
  WASM_TRAP_STACK_EXHAUSTED,        /* "call stack exhausted" */
  WASM_TRAP_INTERRUPTED,            /* deadline / epoch / fuel */
  WASM_TRAP_HOST,                   /* a host function failed; message says why */
  WASM_TRAP_EXIT,                   /* the guest asked to exit (e.g. proc_exit); exit_code set */
  WASM_TRAP_EXCEPTION,              /* a wasm exception no handler caught; `exception` set */
  WASM_TRAP_NULL_EXCEPTION,         /* "null exception reference" (throw_ref of null) */
} wasm_trap_kind;

typedef struct wasm_exception wasm_exception;

typedef struct wasm_trap {
  wasm_trap_kind kind;
  int exit_code; /* WASM_TRAP_EXIT only */
  wasm_exception *exception; /* WASM_TRAP_EXCEPTION only: what was thrown (owned by the store) */
  char message[256];
} wasm_trap;

/* Allocated in the store (freed with it); message printf-style. */
wasm_trap *wasm_trap_new(wasm_store *store, wasm_trap_kind kind, const char *fmt, ...) WR_PRINTF(3, 4);
/* The spec's text for a trap kind ("integer divide by zero", ...). */
const char *wasm_trap_kind_message(wasm_trap_kind kind);

/* ---- engine-level module: decode + validate + compile ---- */
/* Decodes, validates and translates every function once. NULL + err on any failure;
 * err->message starts with the phase's category so callers can tell malformed
 * (decode) from invalid (validate). `*phase_out`, if given, gets 0 = decode, 1 = validate. */
wasm_module *wasm_module_load(const uint8_t *bytes, size_t size, const wasm_features *features,
                              wr_error *err, int *phase_out);
/* True when the module's functions run as native code (native.h), false when the
 * interpreter runs them (another architecture, or WARREN_ENGINE=interp). */
bool wasm_module_is_native(const wasm_module *module);

/* ---- store ---- */
wasm_store *wasm_store_new(void);
void wasm_store_free(wasm_store *store);
/* Ask running guest code in this store to stop at its next check (function entry or loop
 * back-edge); it then traps with WASM_TRAP_INTERRUPTED. Safe to call from another thread
 * or a signal handler. Overrides a pending yield request. */
void wasm_store_interrupt(wasm_store *store);
void wasm_store_clear_interrupt(wasm_store *store);
/* Preemption: ask running guest code in this store to call the store's yield hook at its next
 * check, then go on where it was (e.g. the embedder's time slice ran out and the hook suspends
 * the guest's task so its event loop and other tasks run). Ignored while a trap is pending.
 * Safe to call from another thread or a signal handler. Without a hook, the guest just goes on. */
void wasm_store_request_yield(wasm_store *store);
/* The hook runs on the guest's own stack, in the middle of its code: it may switch fibers and
 * come back later, and may call wasm_store_interrupt (the guest then traps when it returns), but
 * must not call into this store's guest code on this stack. NULL removes it. */
void wasm_store_set_yield_hook(wasm_store *store, void (*hook)(wasm_store *store, void *arg), void *arg);
/* Caps every linear memory made in this store afterwards at `bytes` (0: no cap beyond the
 * memory's own maximum), as wasmtime's -W max-memory-size: memory.grow past it returns -1,
 * and a memory whose minimum is above it fails to be made (instantiation fails). */
void wasm_store_set_max_memory_size(wasm_store *store, uint64_t bytes);
/* Opaque pointer for the embedder (e.g. the WASI context of this store). */
void wasm_store_set_data(wasm_store *store, void *data);
void *wasm_store_data(wasm_store *store);

/* ---- externs ---- */
typedef struct wasm_extern {
  wasm_externkind kind;
  union {
    wasm_func *func;
    wasm_table *table;
    wasm_memory *memory;
    wasm_global *global;
    wasm_tag *tag;
  } of;
} wasm_extern;

/* ---- host functions ---- */
/* `slots` holds the arguments on entry (per the function type, v128 = 2 slots) and
 * receives the results (same layout); its size is max(param slots, result slots).
 * Return NULL on success or a trap (wasm_trap_new) to abort the guest call.
 * A host function may suspend the current fiber (base/fiber.h): the guest waits. */
typedef wasm_trap *(*wasm_host_fn)(wasm_caller *caller, void *env, wasm_slot *slots);

wasm_func *wasm_func_new_host(wasm_store *store, const wasm_functype *type, wasm_host_fn fn,
                              void *env);
/* The process-wide canonical copy of a function type (typeintern.c): equal types are one
 * pointer, never freed. */
const wasm_functype *wasm_type_canonical(const wasm_functype *type);
/* wasm_func_new_host for a type wasm_type_canonical returned (no interning on the way). */
wasm_func *wasm_func_new_host_canonical(wasm_store *store, const wasm_functype *canonical, wasm_host_fn fn,
                                        void *env);
/* The memory of the instance whose code made this host call (its memory 0), or NULL. */
wasm_memory *wasm_caller_memory(wasm_caller *caller);
wasm_store *wasm_caller_store(wasm_caller *caller);
wasm_instance *wasm_caller_instance(wasm_caller *caller);

/* ---- functions ---- */
const wasm_functype *wasm_func_type(const wasm_func *func);
/* Number of slots a type's params / results occupy (v128 = 2). */
uint32_t wasm_slot_count(const uint8_t *types, uint32_t n);
/* Call a function. `slots` as for host functions (size max(param slots, result slots)).
 * Returns NULL on success or the trap. Re-entrant (a host function may call back in). */
wasm_trap *wasm_func_call(wasm_store *store, wasm_func *func, wasm_slot *slots);

/* ---- memories ---- */
wasm_memory *wasm_memory_new(wasm_store *store, const wasm_memtype *type, wr_error *err);
uint8_t *wasm_memory_data(wasm_memory *memory);
uint64_t wasm_memory_size_bytes(const wasm_memory *memory);
/* Grow by delta pages; returns old size in pages or -1 if it cannot. */
int64_t wasm_memory_grow(wasm_memory *memory, uint64_t delta_pages);
wasm_memtype wasm_memory_type(const wasm_memory *memory); /* current min = current size */

/* ---- tables ---- */
wasm_table *wasm_table_new(wasm_store *store, const wasm_tabletype *type, void *init, wr_error *err);
uint64_t wasm_table_size(const wasm_table *table);
bool wasm_table_get(wasm_table *table, uint64_t index, void **out);
bool wasm_table_set(wasm_table *table, uint64_t index, void *ref);
wasm_tabletype wasm_table_type(const wasm_table *table); /* current min = current size */

/* ---- globals ---- */
wasm_global *wasm_global_new(wasm_store *store, wasm_globaltype type, const wasm_slot *value);
wasm_globaltype wasm_global_type(const wasm_global *global);
void wasm_global_get(const wasm_global *global, wasm_slot *out);    /* 1 slot, 2 for v128 */
void wasm_global_set(wasm_global *global, const wasm_slot *value);

/* ---- instances ---- */
/* Instantiate `module` in `store` with one extern per module import, in import order.
 * Link errors (missing / incompatible import: "incompatible import type", "unknown import")
 * return NULL with err set and *trap_out NULL. A trap during initialisation (segment out
 * of bounds, start function trap) returns NULL with *trap_out set; as the spec says,
 * effects of segments applied before the failure remain visible in imported objects. */
wasm_instance *wasm_instantiate(wasm_store *store, const wasm_module *module,
                                const wasm_extern *imports, uint32_t nimports,
                                wasm_trap **trap_out, wr_error *err);
/* Look up an export by name; false if absent. */
bool wasm_instance_export(wasm_instance *instance, const char *name, size_t name_len,
                          wasm_extern *out);
/* The export at `export_index` in its module's export order (wasm_module_find_export), for a
 * caller that looked the name up once per module; false if out of range. */
bool wasm_instance_export_at(wasm_instance *instance, uint32_t export_index, wasm_extern *out);
const wasm_module *wasm_instance_module(const wasm_instance *instance);

/* Check an extern against an import type (used by instantiate and by linkers). */
bool wasm_extern_matches(const wasm_module *module, const wasm_import *import,
                         const wasm_extern *ext, wr_error *err);

#endif
