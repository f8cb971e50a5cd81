/* Tasks and subtasks: the state of one call across a component boundary (Concurrency.md,
 * definitions.py Task and Subtask).
 *
 * A cm_task is the callee's side of a call of a lifted function: every export call from the
 * host, every guest-to-guest call, every resource destructor run and every instantiation runs
 * as one, on a thread of its own (thread.h: its implicit thread, on a pooled fiber). It owns
 * what belongs to the call rather than to the instance: the borrows lowered into it
 * (num_borrows, back to zero before it returns: Task.return_), its Task.State and the caller's
 * side of the call (cm_call: on_start hands over the arguments, on_resolve takes the result).
 * A cm_subtask is the caller's side of a call of a lowered function (canon lower): the own
 * handles it lent as borrows (returned when the result is delivered: Subtask.deliver_resolve),
 * its Subtask.State, and, once an async call blocked, its place in the caller's handle table
 * as a waitable (waitable.h). The instance keeps only what ComponentInstance keeps
 * (instance_internal.h); the code that runs calls is call.c, the other built-ins builtins.c,
 * streams and futures stream.c.
 *
 * Task.State: INITIAL -> STARTED (the caller's arguments are lifted) -> RESOLVED (task.return,
 * the sync return, or task.cancel after the cancellation was delivered); STARTED ->
 * PENDING_CANCEL -> CANCEL_DELIVERED when the caller cancels while no thread of the task can
 * take it; INITIAL -> CANCEL_DELIVERED when cancelled while waiting to enter. A task goes on
 * running after RESOLVED until its last thread exits (an async export streaming its body after
 * returning the response); it is freed when it has exited and no C frame holds it.
 * Admission (Task.enter_implicit_thread): an async-typed call waits while the instance has
 * backpressure, or needs the exclusive lock (sync or callback lift) that another task holds,
 * or others are already waiting; before waiting, the instance's ready threads run (the lock's
 * holder may be about to release it). */
#ifndef WARREN_COMPONENT_TASK_H
#define WARREN_COMPONENT_TASK_H

#include "../base/vec.h"
#include "../wasm/runtime.h"
#include "arena.h"
#include "component.h"
#include "thread.h"
#include "waitable.h"

typedef struct cm_component_instance cm_component_instance;
typedef struct cm_handle_table cm_handle_table;

typedef enum cm_task_state {
  CM_TASK_INITIAL,
  CM_TASK_STARTED,
  CM_TASK_PENDING_CANCEL,
  CM_TASK_CANCEL_DELIVERED,
  CM_TASK_RESOLVED,
} cm_task_state;

typedef enum cm_subtask_state {
  CM_SUBTASK_STARTING = 0,
  CM_SUBTASK_STARTED = 1,
  CM_SUBTASK_RETURNED = 2,
  CM_SUBTASK_CANCELLED_BEFORE_STARTED = 3,
  CM_SUBTASK_CANCELLED_BEFORE_RETURNED = 4,
} cm_subtask_state;

typedef struct cm_subtask cm_subtask;
typedef struct cm_val cm_val;
typedef struct cm_func cm_func;

/* The caller's side of a call, as the callee sees it (definitions.py OnStart / OnResolve):
 * on_start hands over the arguments (lifted into `arena`, which lives until they are lowered),
 * on_resolve takes the result (NULL: the call was cancelled), lifted into result_arena (NULL:
 * a scratch region released right after on_resolve, so on_resolve must lower or copy it). */
typedef struct cm_call cm_call;
struct cm_call {
  wasm_trap *(*on_start)(cm_call *call, cm_arena *arena, const cm_val **args);
  wasm_trap *(*on_resolve)(cm_call *call, const cm_val *result);
  cm_arena *result_arena;
};

/* The canonical options a lifted function was lifted with, as its tasks need them. */
typedef struct cm_task_opts {
  bool async;
  bool has_callback;
  wasm_memory *memory;
  int encoding; /* cm_string_encoding */
} cm_task_opts;

struct cm_task {
  cm_task_state state;
  const cm_functype *ft;      /* NULL for a destructor run or an instantiation (sync) */
  cm_task_opts opts;
  const cm_func *func;         /* the lifted function it runs (NULL: a destructor, an instantiation) */
  cm_component_instance *inst; /* the instance it runs in (NULL: a bare canon call in tests) */
  cm_call *call;               /* the caller's side (NULL: nothing to hand over) */
  cm_subtask *caller;          /* the lowered call that made it; NULL when the host called */
  cm_task *outer;              /* unused (kept for tests of the sync path) */
  uint32_t num_borrows;        /* borrows lowered into it and not dropped yet */
  uint32_t context[CM_CONTEXT_SLOTS]; /* context.get/set outside of any thread (tests) */
  cm_thread *implicit_thread;
  uint32_t num_threads;        /* threads registered and not exited */
  uint32_t holds;              /* C frames still reading it; freed when exited and 0 */
  bool exited;
  bool heap;                   /* allocated by cm_task_new */
  /* the embedder's hooks (cm_func_start): told when the task has exited */
  void (*on_exit)(void *arg);
  void *on_exit_arg;
  void *owned;                 /* freed with the task if still set (the host's state for a call) */
};

/* An own handle lent as a borrow for the duration of a subtask. */
typedef struct cm_lender {
  cm_handle_table *table;
  uint32_t index;
} cm_lender;

struct cm_subtask {
  cm_waitable w;               /* a Waitable (in the caller's handle table once it blocks) */
  cm_subtask_state state;
  cm_task *task;               /* the caller's task making the lowered call (may be NULL) */
  cm_task *callee;             /* the lifted callee's task, for on_cancel (NULL: host callee) */
  WR_VEC(cm_lender) lenders;   /* own handles lent to the callee, until the resolve is delivered */
  bool resolve_delivered;
  bool cancellation_requested;
  uint32_t handle_index;       /* its index in the caller's handle table (0: not there) */
  cm_arena *scratch;           /* arguments and result of the call (NULL: none) */
  cm_arena_mark scratch_mark;  /* released when the subtask finishes */
};

/* A task of `ft` (may be NULL) in `inst` (may be NULL), called from `caller` (NULL: the host). */
void cm_task_init(cm_task *task, const cm_functype *ft, cm_component_instance *inst, cm_subtask *caller);
/* A heap task (async-capable); freed once exited and released. */
cm_task *cm_task_new(const cm_functype *ft, cm_task_opts opts, cm_component_instance *inst, cm_call *call);
void cm_task_hold(cm_task *task);
void cm_task_release(cm_task *task);
cm_component_instance *cm_task_instance(const cm_task *task);
/* on_start: INITIAL -> STARTED, as the arguments are lowered into the callee. */
void cm_task_start(cm_task *task);
/* Task.return_: STARTED (or CANCEL_DELIVERED) -> RESOLVED. Traps when the task returned before
 * or still holds borrows it was given ("borrow handles still remain at the end of the call"). */
wasm_trap *cm_task_return(wasm_store *store, cm_task *task);
/* Task.needs_exclusive (async-typed tasks): a sync or callback lift. */
bool cm_task_needs_exclusive(const cm_task *task);
/* Task.enter_implicit_thread: admission under backpressure; false when cancelled meanwhile
 * (the task then resolved as cancelled). */
wasm_trap *cm_task_enter_implicit_thread(cm_task *task, cm_thread *thread, bool *entered);
/* Task.exit_implicit_thread / unregister_thread: traps unless resolved when its last thread
 * goes. */
wasm_trap *cm_task_exit_implicit_thread(cm_task *task);
void cm_task_register_thread(cm_task *task, cm_thread *thread);
wasm_trap *cm_task_unregister_thread(cm_task *task, cm_thread *thread);
/* Task.request_cancellation, from `caller` (NULL: the host). */
wasm_trap *cm_task_request_cancellation(cm_task *task, cm_component_instance *caller);
bool cm_task_deliver_pending_cancel(cm_task *task, bool cancellable);
/* Task.cancel: task.cancel after the cancellation was delivered. */
wasm_trap *cm_task_cancel(wasm_store *store, cm_task *task);

/* A lowered call from `task` (may be NULL), in STARTING; its scratch region of `scratch`
 * (may be NULL) begins here. */
void cm_subtask_init(cm_subtask *subtask, cm_task *task, cm_arena *scratch);
/* on_start of the callee: STARTING -> STARTED (the arguments are being lifted). */
void cm_subtask_start(cm_subtask *subtask);
/* Subtask.add_lender: the own handle at `index` of `table` is lent until the resolve is
 * delivered (it cannot be dropped or moved meanwhile). */
void cm_subtask_add_lender(cm_subtask *subtask, cm_handle_table *table, uint32_t index);
/* Subtask.resolve: to RETURNED or one of the CANCELLED states. */
void cm_subtask_resolve(cm_subtask *subtask, cm_subtask_state state);
bool cm_subtask_resolved(const cm_subtask *subtask);
/* Subtask.deliver_resolve: every lent handle is returned. */
void cm_subtask_deliver_resolve(cm_subtask *subtask);
/* The end of the C frame that made the subtask, after a trap too: returns what is still lent
 * and releases the scratch region (values lifted into it are gone). */
void cm_subtask_finish(cm_subtask *subtask);

#endif
