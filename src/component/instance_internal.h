/* What instantiation (instance.c), calls across the boundary (call.c), the async built-ins
 * (builtins.c) and streams (stream.c) share about a running component instance. Internal to
 * src/component. */
#ifndef WARREN_COMPONENT_INSTANCE_INTERNAL_H
#define WARREN_COMPONENT_INSTANCE_INTERNAL_H

#include "canon.h"
#include "instance.h"
#include "decode_internal.h"
#include "plan.h"
#include "thread.h"

typedef enum { CM_FUNC_LIFTED, CM_FUNC_HOST, CM_FUNC_HOST_ASYNC } cm_func_kind;

struct cm_func {
  cm_func_kind kind;
  const cm_functype *type;
  /* LIFTED: the core function and its options, in the instance that lifted it */
  cm_component_instance *owner;
  wasm_func *core, *realloc, *post_return, *callback;
  wasm_memory *memory;
  cm_string_encoding encoding;
  bool async;
  /* HOST, HOST_ASYNC */
  cm_host_impl impl;
  cm_host_async_impl async_impl;
  void *env;
};

/* What a root instance shares with its nested instances. */
typedef struct rt_root {
  wasm_store *store;
  cm_store_rt *cstore;  /* threads and the waiting list (thread.h) */
  const cm_host *host;
  cm_arena *arena;   /* runtime structures of the whole instance tree */
  cm_arena *scratch; /* values crossing one call made from outside any thread (cm_root_scratch) */
  /* The instantiation plan (plan.h) it replays, or records into while `recording` is set;
   * after instantiation it keeps what the instances' resources resolved to. */
  const cm_plan *plan;
  cm_plan *recording;
  bool owns_plan;     /* a plan that was not published: freed with the instance */
  cm_matcher matcher; /* while recording: abstract resources -> the ones they are bound to */
  cm_component_instance **all; /* every instance of the tree, in creation order (in arena) */
  uint32_t nall, all_cap;
  bool poisoned;     /* a trap went through it: it is never entered again */
} rt_root;

/* The root's scratch arena, made when first needed: most instances make no call from outside
 * a thread. */
cm_arena *cm_root_scratch(rt_root *root);

typedef union rt_item rt_item;

struct cm_component_instance {
  rt_root *root;
  const cm_component *component;
  cm_component_instance *parent; /* the instance that instantiated it */
  cm_component_instance *outer;  /* where its outer aliases resolve (see rt_component) */
  rt_item *space[CM_SORT_COUNT];
  rt_item *imports; /* the arguments, in component->imports order */
  cm_handle_table handles;
  uint32_t tree_index;        /* in root->all, and its node in the plan */
  const cm_plan_node *node;   /* the resources it defines, imports and aliases */
  /* What definitions.py's ComponentInstance keeps (the state of each call is its cm_task,
   * task.h). may_enter is false while a call into it or a descendant is on the stack, so that
   * it is never re-entered (may_enter_from); may_leave is false while its post-return or
   * realloc runs, so that those cannot call out. */
  bool may_enter;
  bool may_leave;
  uint32_t entered_descendants; /* descendants entered now (may_enter of each is false) */
  /* Async admission (Task.enter_implicit_thread): the backpressure counter, the tasks waiting
   * to enter, and the thread holding the exclusive lock that sync- and callback-lifted async
   * calls take. */
  uint32_t backpressure;
  uint32_t num_waiting_to_enter;
  cm_thread *exclusive;
  /* its threads (thread.index), index 0 unused; freed slots are reused */
  WR_VEC(cm_thread *) threads;
  WR_VEC(uint32_t) free_thread_slots;
  /* tasks made on the heap and not freed yet, for freeing with the instance after a trap */
  WR_VEC(cm_task *) tasks;
  /* subtasks, waitable sets, stream and future ends, error contexts in its handle table are
   * freed with it (canon_handles.c frees what the table owns) */
};

/* Calls across the boundary (call.c). */
/* Store.lift + canon_lift: starts a call of lifted `f` from `caller` (NULL: the host) with the
 * caller's side `call`; runs it until it returns or blocks (a sync-typed one until it
 * returns). *task_out (may be NULL) gets the callee's task, held: release it. */
wasm_trap *cm_call_lift(const cm_func *f, cm_call *call, cm_component_instance *caller, cm_task **task_out);
/* The host function made by `canon lower` (sync or async). */
typedef struct lowered_func {
  const cm_func *callee;
  const cm_functype *type; /* as the caller sees it */
  cm_component_instance *caller;
  wasm_memory *memory;
  wasm_func *realloc;
  cm_string_encoding encoding;
  bool async;
} lowered_func;
wasm_trap *cm_lowered_call(wasm_caller *caller, void *env, wasm_slot *slots);
/* Runs fn(arg) as a sync task of `inst` on a thread of its own until it is done (a destructor,
 * an instantiation). */
wasm_trap *cm_run_sync_task(cm_component_instance *inst, cm_thread_fn fn, void *arg);

/* The canon built-ins other than lift, lower and resource.* (builtins.c): the core function
 * for `cn` in `inst`, or false with `err` set. */
bool cm_builtin_func(cm_component_instance *inst, const cm_canon *cn, wasm_memory *memory, wasm_func *realloc_fn,
                     wasm_table *table, wasm_func **out, wr_error *err);

wasm_trap *cm_poisoned_trap(wasm_store *store);
/* An async lowered call's subtask (call.c): freed at subtask.drop or with its table; asked to
 * cancel by subtask.cancel. */
void cm_subtask_free(cm_subtask *subtask);
wasm_trap *cm_subtask_request_cancel(cm_subtask *subtask);

#endif
