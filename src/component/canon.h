/* The Canonical ABI, synchronous: lowering host values (cm_val) into a guest's core values and
 * linear memory, lifting them back, and the resource handle tables both directions go through
 * (CanonicalABI.md; definitions.py is the reference).
 *
 * Every failure the guest can cause is a trap: a wasm_trap (WASM_TRAP_HOST) allocated in
 * cx->store, whose message names the rule broken ("unaligned pointer: list at 2 (alignment 4)",
 * "unknown handle index 7"), starting with the words the component-model test suite uses where
 * it asserts the trap. Functions return NULL on success. Host-side mistakes that the spec only
 * asserts (a char that is not a scalar value, a case index out of range) trap too. */
#ifndef WARREN_COMPONENT_CANON_H
#define WARREN_COMPONENT_CANON_H

#include "../base/vec.h"
#include "../wasm/runtime.h"
#include "component.h"
#include "task.h"
#include "value.h"

#define CM_MAX_STRING_BYTE_LENGTH ((1u << 28) - 1) /* in the guest's encoding */
#define CM_MAX_LIST_BYTE_LENGTH ((1u << 28) - 1)
#define CM_UTF16_TAG (1u << 31)      /* latin1+utf16: the length counts UTF-16 code units */
#define CM_MAX_HANDLES (1u << 28)     /* handle table length bound (index 0 included) */
/* What lifting one value may cost the host (wasmtime's "fuel for hostcalls"): nested lists
 * can point at the same memory over and over, so the bytes lifted, not the guest's memory,
 * bound the copy. */
#define CM_MAX_LIFTED_BYTES ((size_t)256 << 20)

/* ---- handles ---- */
/* What a handle table slot holds (definitions.py ComponentInstance.handles: resource handles,
 * waitables, waitable sets, error contexts share one index space). */
typedef enum cm_handle_kind {
  CM_HANDLE_FREE = 0,
  CM_HANDLE_RESOURCE,
  CM_HANDLE_WAITABLE_SET,
  CM_HANDLE_SUBTASK,
  CM_HANDLE_STREAM_READABLE,
  CM_HANDLE_STREAM_WRITABLE,
  CM_HANDLE_FUTURE_READABLE,
  CM_HANDLE_FUTURE_WRITABLE,
  CM_HANDLE_ERROR_CONTEXT,
} cm_handle_kind;

typedef struct cm_handle {
  cm_handle_kind kind;
  void *object;            /* every kind but RESOURCE: the waitable set, subtask, end, error context */
  const cm_type *resource; /* RESOURCE: a CM_TYPE_RESOURCE */
  uint32_t rep;
  bool own;
  uint32_t num_lends;      /* own: subtasks it is currently lent to as a borrow */
  cm_task *borrow_scope;   /* borrow: the task that must drop it before returning */
  uint32_t next_free;      /* free slots: the next free index (0: none) */
} cm_handle;

/* Called when an own handle is dropped: `resource` is its type as the table's instance sees it
 * (an imported one is abstract), so the callee finds the concrete type and its destructor. */
typedef wasm_trap *(*cm_resource_dtor)(void *env, const cm_type *resource, uint32_t rep);

/* One component instance's handles. Index 0 is never used, so it can mean "none"; freed
 * indices are reused. `implements` lists the resources this instance defines: a borrow of
 * one of them is lowered into it as the bare rep (CanonicalABI.md lower_borrow). */
struct cm_handle_table {
  WR_VEC(cm_handle) slots;
  uint32_t free_head;
  const cm_type *const *implements;
  uint32_t nimplements;
  cm_resource_dtor dtor;
  void *dtor_env;
};

void cm_handle_table_init(cm_handle_table *table);
/* Frees the table's memory (no destructors run). */
void cm_handle_table_free(cm_handle_table *table);
/* A new handle; *index gets its index. Traps when the table is full. */
wasm_trap *cm_handle_add(wasm_store *store, cm_handle_table *table, cm_handle handle, uint32_t *index);
/* The live handle at `index` of resource type `resource`; the pointer is valid until the next add. */
wasm_trap *cm_handle_get(wasm_store *store, cm_handle_table *table, uint32_t index, const cm_type *resource,
                         cm_handle **out);
/* canon resource.new / resource.rep / resource.drop. Dropping an own handle runs the
 * table's destructor (if any); dropping a borrow ends it in its task (num_borrows). */
wasm_trap *cm_resource_new(wasm_store *store, cm_handle_table *table, const cm_type *resource, uint32_t rep,
                           uint32_t *index);
wasm_trap *cm_resource_rep(wasm_store *store, cm_handle_table *table, uint32_t index, const cm_type *resource,
                           uint32_t *rep);
wasm_trap *cm_resource_drop(wasm_store *store, cm_handle_table *table, uint32_t index, const cm_type *resource);

/* Objects in the table (every kind but RESOURCE): add one (the table owns it from then on),
 * get one of `kind` (traps on a free index or another kind), remove one (the caller owns it). */
wasm_trap *cm_handle_add_object(wasm_store *store, cm_handle_table *table, cm_handle_kind kind, void *object,
                                uint32_t *index);
wasm_trap *cm_handle_get_object(wasm_store *store, cm_handle_table *table, uint32_t index, cm_handle_kind kind,
                                void **out);
wasm_trap *cm_handle_remove_object(wasm_store *store, cm_handle_table *table, uint32_t index, cm_handle_kind kind,
                                   void **out);
/* The kind at `index` (CM_HANDLE_FREE when out of range). */
cm_handle_kind cm_handle_kind_at(const cm_handle_table *table, uint32_t index);
typedef struct cm_waitable_set cm_waitable_set;
wasm_trap *cm_handle_get_waitable_set(wasm_store *store, cm_handle_table *table, uint32_t index, cm_waitable_set **out);
/* Frees what a removed or left-over object of `kind` owns (the table's objects at its end). */
void cm_handle_object_free(cm_handle_kind kind, void *object);

/* The end of `task` while borrows lowered into it are still in `table` (the call trapped):
 * they stay usable as handles but no longer count in the task, which is about to go. */
void cm_handle_table_end_borrow_scope(cm_handle_table *table, const cm_task *task);

/* ---- lift / lower ---- */
/* Where values go to or come from: one guest instance's options for one call. */
typedef struct cm_canon_cx {
  wasm_store *store;
  wasm_memory *memory;         /* NULL when the types need none */
  wasm_func *realloc;          /* (old_ptr, old_size, align, new_size) -> ptr; NULL if absent */
  cm_string_encoding encoding;
  cm_handle_table *handles;    /* the guest instance's handles (NULL: no resources) */
  /* The call's borrow scope (definitions.py LiftLowerContext.borrow_scope): a borrow lowered
   * into the guest counts in `task` (lower_borrow), an own handle lifted from the guest as a
   * borrow is lent through `subtask` (lift_borrow). NULL: no borrows that way. */
  cm_task *task;
  cm_subtask *subtask;
  cm_arena *arena;             /* lifting: children of lifted values */
  cm_component_instance *inst; /* the guest instance (streams, futures, error contexts) */
  /* The guest instance's may_leave flag (NULL: none): cleared while its realloc and its
   * post-return run, so that they cannot call out of the instance (CanonicalABI.md). */
  bool *may_leave;
} cm_canon_cx;

/* One value to / from its flattened core values (type->flat_count <= CM_MAX_FLAT_PARAMS
 * slots, i32/f32 zero-extended in 64-bit slots as runtime.h says). */
wasm_trap *cm_lower_flat(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, wasm_slot *out);
wasm_trap *cm_lift_flat(const cm_canon_cx *cx, const cm_valtype *type, const wasm_slot *in, cm_val *out);

/* One value to / from guest memory at `ptr` (checked: aligned and in bounds). */
wasm_trap *cm_store(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, uint32_t ptr);
wasm_trap *cm_load(const cm_canon_cx *cx, const cm_valtype *type, uint32_t ptr, cm_val *out);

/* Calling a lifted guest function (canon lift) from the host: the arguments to the core
 * function's parameters (*nslots of them; spilled to memory from cx->realloc when they
 * flatten to more than CM_MAX_FLAT_PARAMS), and after the call its core results to the
 * function's result (through the returned pointer when it flattens to more than
 * CM_MAX_FLAT_RESULTS). `slots` needs room for CM_MAX_FLAT_PARAMS entries. */
wasm_trap *cm_lower_args(const cm_canon_cx *cx, const cm_functype *ft, const cm_val *args, wasm_slot *slots,
                         uint32_t *nslots);
wasm_trap *cm_lift_result(const cm_canon_cx *cx, const cm_functype *ft, const wasm_slot *slots, cm_val *result);
/* Calls the lifted function's post-return with the core results it returned (when the
 * function has one: `post_return` may be NULL). Call it once the result is no longer read. */
wasm_trap *cm_post_return(wasm_store *store, wasm_func *post_return, const wasm_slot *results);

/* A guest calling a lowered host function (canon lower): the core parameters to the
 * arguments (through a pointer when spilled), and the host's result back into the core
 * results, or into the guest's return area (the last core parameter) when spilled. `slots`
 * is the host function's slot array. */
wasm_trap *cm_lift_args(const cm_canon_cx *cx, const cm_functype *ft, const wasm_slot *slots, cm_val *args);
/* The same with another flat limit (an async lower: CM_MAX_FLAT_ASYNC_PARAMS; task.return). */
wasm_trap *cm_lift_args_max(const cm_canon_cx *cx, const cm_functype *ft, uint32_t max_flat, const wasm_slot *slots,
                            cm_val *args);
wasm_trap *cm_lower_result(const cm_canon_cx *cx, const cm_functype *ft, const cm_val *result, wasm_slot *slots);

/* ---- whole calls ---- */
/* The host calls a lifted guest function (canon lift, sync) as `task` (cm_task_init'ed, of
 * function type task->ft): checks `func` has the flattened type, starts the task and lowers
 * `args`, calls, lifts the result (into cx->arena, copied out of guest memory), returns the
 * task (trapping if the guest kept a borrow it was given), then runs `post_return` (may be
 * NULL) with *cx->may_leave cleared. cx->task and cx->subtask are ignored: the task is the
 * call's borrow scope. */
wasm_trap *cm_call_lifted(const cm_canon_cx *cx, cm_task *task, wasm_func *func, wasm_func *post_return,
                          const cm_val *args, cm_val *result);

/* The host side of a lowered import (canon lower, sync), for use inside a wasm_host_fn, as
 * `subtask` (cm_subtask_init'ed by the caller, who cm_subtask_finish'es it): lifts the guest's
 * arguments from `slots`, calls `impl`, lowers its result back into `slots` (or the guest's
 * return area), resolves the subtask and delivers it: the borrows the guest lent are
 * returned. `impl` gets cx with cx->subtask set (cx->arena holds the arguments and may hold
 * the result; cx->subtask->task is the calling task). cx->task and cx->subtask are ignored. */
typedef wasm_trap *(*cm_host_impl)(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result);
wasm_trap *cm_call_host(const cm_canon_cx *cx, cm_subtask *subtask, const cm_functype *ft, cm_host_impl impl,
                        void *env, wasm_slot *slots);

/* ---- internal to canon_*.c ---- */
/* The parameters as one tuple: its Canonical ABI size and alignment (spilled parameters;
 * false when the size does not fit 32 bits), and the number of flat values they take
 * (saturated past CM_MAX_FLAT_PARAMS). */
bool cm_params_layout(const cm_functype *ft, uint32_t *size, uint32_t *align);
uint32_t cm_params_flat_count(const cm_functype *ft);
/* Calls cx->realloc and checks the pointer it returns for `new_size` bytes of `what` ("list",
 * "string", "parameter": named in the out-of-bounds trap). */
wasm_trap *cm_canon_realloc(const cm_canon_cx *cx, const char *what, uint32_t old_ptr, uint32_t old_size,
                            uint32_t align, uint32_t new_size, uint32_t *ptr);
wasm_trap *cm_store_string(const cm_canon_cx *cx, const cm_val *val, uint32_t *ptr, uint32_t *tagged_units);
wasm_trap *cm_load_string(const cm_canon_cx *cx, uint32_t ptr, uint32_t tagged_units, cm_val *out);
/* Lifting without copying, for host bindings (host_bind.h): the same checks and traps as
 * cm_load_string / a list<u8>'s lift, but the result points into guest memory (a string in
 * another encoding than UTF-8 is transcoded into cx->arena). Valid only until guest code runs
 * again (it may write, grow and so move its memory). */
wasm_trap *cm_lift_string_range(const cm_canon_cx *cx, uint32_t ptr, uint32_t tagged_units, cm_val *out);
wasm_trap *cm_lift_byte_range(const cm_canon_cx *cx, uint32_t ptr, uint32_t count, const uint8_t **data);
/* stream, future and error-context values (builtins.c, stream.c) */
wasm_trap *cm_lift_async_value(const cm_canon_cx *cx, const cm_valtype *type, uint32_t index, cm_val *out);
wasm_trap *cm_lower_async_value(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, uint32_t *index);
wasm_trap *cm_lower_handle(const cm_canon_cx *cx, const cm_valtype *type, uint32_t rep, uint32_t *index);
wasm_trap *cm_lift_handle(const cm_canon_cx *cx, const cm_valtype *type, uint32_t index, uint32_t *rep);

#endif
