/* Calls across the component boundary at run time: definitions.py Store.lift + canon_lift (a
 * lifted function runs as a task on a thread of its own), Store.lower + canon_lower (a guest
 * calls a lowered function, sync or async, as a subtask), and the host's entry points
 * (cm_func_call, cm_func_start, cm_instance_run). */
#include <string.h>

#include "../base/alloc.h"
#include "host_bind.h"
#include "instance_internal.h"
#include "task.h"
#include "value.h"

#define TRAP(store, ...) wasm_trap_new((store), WASM_TRAP_HOST, __VA_ARGS__)

enum { CALLBACK_EXIT = 0, CALLBACK_YIELD = 1, CALLBACK_WAIT = 2 };

wasm_trap *cm_poisoned_trap(wasm_store *store) {
  return TRAP(store, "cannot enter component instance (a trap went through it before)");
}

static void poison(cm_component_instance *inst) { inst->root->poisoned = true; }

static bool exclusive_free(void *arg) { return ((cm_component_instance *)arg)->exclusive == NULL; }

/* ---- canon lift: the callee's thread ---- */

static wasm_trap *lift_sync_body(cm_thread *thread, cm_task *task, cm_canon_cx *cx, wasm_slot *slots) {
  const cm_func *f = task->func;
  wasm_store *store = cx->store;
  wasm_trap *trap = wasm_func_call(store, f->core, slots);
  if (trap) return trap;
  cm_arena_mark mark = cm_arena_mark_now(thread->scratch);
  cm_val result = {0};
  cx->arena = task->call && task->call->result_arena ? task->call->result_arena : thread->scratch;
  trap = cm_lift_result(cx, task->ft, slots, &result);
  if (!trap) trap = cm_task_return(store, task);
  if (!trap && task->call) trap = task->call->on_resolve(task->call, task->ft->result ? &result : NULL);
  cm_arena_release(thread->scratch, mark);
  if (trap) return trap;
  if (f->post_return) {
    f->owner->may_leave = false;
    trap = cm_post_return(store, f->post_return, slots);
    f->owner->may_leave = true;
  }
  return trap;
}

static wasm_trap *lift_callback_loop(cm_thread *thread, cm_task *task, wasm_slot *slots) {
  const cm_func *f = task->func;
  cm_component_instance *inst = f->owner;
  wasm_store *store = inst->root->store;
  for (;;) {
    uint32_t packed = (uint32_t)slots[0];
    uint32_t code = packed & 0xf, si = packed >> 4;
    if (code > CALLBACK_WAIT) return TRAP(store, "unsupported callback code: %u", code);
    if (code == CALLBACK_EXIT) return NULL;
    cm_instance_set_exclusive(inst, NULL);
    cm_event event;
    if (code == CALLBACK_YIELD) {
      bool cancelled = cm_thread_yield_until(thread, exclusive_free, inst, true);
      event = (cm_event){cancelled ? CM_EVENT_TASK_CANCELLED : CM_EVENT_NONE, 0, 0};
    } else {
      cm_waitable_set *wset;
      wasm_trap *trap = cm_handle_get_waitable_set(store, &inst->handles, si, &wset);
      if (trap) return trap;
      event = cm_waitable_set_wait(wset, thread, exclusive_free, inst, true);
    }
    inst->exclusive = thread;
    slots[0] = event.code;
    slots[1] = event.index;
    slots[2] = event.payload;
    wasm_trap *trap = wasm_func_call(store, f->callback, slots);
    if (trap) return trap;
  }
}

static wasm_trap *lift_thread(cm_thread *thread, void *arg) {
  cm_task *task = arg;
  const cm_func *f = task->func;
  cm_component_instance *inst = f->owner;
  wasm_store *store = inst->root->store;
  bool entered;
  wasm_trap *trap = cm_task_enter_implicit_thread(task, thread, &entered);
  if (trap) return trap;
  if (!entered) { /* cancelled while waiting to enter */
    task->exited = true;
    if (task->on_exit) task->on_exit(task->on_exit_arg);
    return NULL;
  }
  cm_canon_cx cx = {
      .store = store,
      .memory = f->memory,
      .realloc = f->realloc,
      .encoding = f->encoding,
      .handles = &inst->handles,
      .task = task,
      .arena = thread->scratch,
      .may_leave = &inst->may_leave,
      .inst = inst,
  };
  cm_task_start(task);
  wasm_slot slots[CM_MAX_FLAT_PARAMS > 3 ? CM_MAX_FLAT_PARAMS : 3];
  uint32_t nslots = 0;
  cm_arena_mark mark = cm_arena_mark_now(thread->scratch);
  const cm_val *args = NULL;
  if (task->call) trap = task->call->on_start(task->call, thread->scratch, &args);
  if (!trap) trap = cm_lower_args(&cx, task->ft, args, slots, &nslots);
  cm_arena_release(thread->scratch, mark);
  if (trap) return trap;
  if (!f->async) trap = lift_sync_body(thread, task, &cx, slots);
  else {
    trap = wasm_func_call(store, f->core, slots);
    if (!trap && f->callback) trap = lift_callback_loop(thread, task, slots);
  }
  if (trap) return trap;
  return cm_task_exit_implicit_thread(task);
}

cm_thread *cm_instance_ready_thread(cm_component_instance *inst, const cm_thread *except, bool exclusive_too) {
  cm_store_rt *s = inst->root->cstore;
  for (size_t i = 0; i < s->waiting.len; i++) {
    cm_thread *t = s->waiting.items[i];
    if (t != except && t->task && t->task->inst == inst && (exclusive_too || t != inst->exclusive) && cm_thread_ready(t))
      return t;
  }
  return NULL;
}

/* The sync-typed rule (end of canon_lift): until the task returns, run the instance's other
 * ready threads; none left means it blocked. */
static wasm_trap *run_until_resolved(cm_component_instance *inst, cm_task *task) {
  while (task->state != CM_TASK_RESOLVED) {
    cm_thread *candidate = cm_instance_ready_thread(inst, NULL, false);
    if (!candidate) return TRAP(inst->root->store, "cannot block a synchronous task before returning");
    wasm_trap *trap = cm_thread_resume(candidate, false);
    if (trap) return trap;
  }
  return NULL;
}

wasm_trap *cm_call_lift(const cm_func *f, cm_call *call, cm_component_instance *caller, cm_task **task_out) {
  cm_component_instance *inst = f->owner;
  wasm_store *store = inst->root->store;
  if (task_out) *task_out = NULL;
  if (inst->root->poisoned) return cm_poisoned_trap(store);
  if (!cm_instance_may_enter_from(inst, caller))
    return TRAP(store, "cannot enter component instance (it is already on the call stack)");
  cm_task *task = cm_task_new(f->type, (cm_task_opts){f->async, f->callback != NULL, f->memory, (int)f->encoding},
                              inst, call);
  task->func = f;
  cm_instance_track_task(inst, task);
  cm_task_hold(task);
  cm_thread *thread = cm_thread_new(inst->root->cstore, task, lift_thread, task);
  if (!thread) {
    cm_task_release(task);
    return TRAP(store, "cannot map a stack for a component thread");
  }
  cm_instance_enter_from(inst, caller);
  wasm_trap *trap = cm_thread_resume(thread, false);
  if (!trap && !f->type->async) trap = run_until_resolved(inst, task);
  cm_instance_leave_to(inst, caller);
  if (trap) poison(inst);
  if (task_out && !trap) *task_out = task;
  else cm_task_release(task);
  return trap;
}

typedef struct sync_run {
  cm_thread_fn fn;
  void *arg;
} sync_run;

wasm_trap *cm_run_sync_task(cm_component_instance *inst, cm_thread_fn fn, void *arg) {
  cm_task *task = cm_task_new(NULL, (cm_task_opts){0}, inst, NULL);
  cm_instance_track_task(inst, task);
  cm_task_hold(task);
  cm_thread *thread = cm_thread_new(inst->root->cstore, task, fn, arg);
  if (!thread) {
    cm_task_release(task);
    return TRAP(inst->root->store, "cannot map a stack for a component thread");
  }
  task->implicit_thread = thread;
  cm_task_register_thread(task, thread);
  wasm_trap *trap = cm_thread_resume(thread, false);
  if (!trap) trap = run_until_resolved(inst, task);
  if (trap) poison(inst);
  cm_task_release(task);
  return trap;
}

/* ---- canon lower: the caller's side ---- */

/* A lowered call in flight: the subtask and the caller's side of the call it made. A sync one
 * lives on the C stack of the host call; an async one that blocked lives in the caller's
 * handle table until subtask.drop. */
typedef struct lower_call {
  cm_subtask st;  /* first: the handle table holds it as a cm_subtask */
  cm_call call;
  const lowered_func *lf;
  cm_canon_cx cx;
  wasm_slot *sync_slots;      /* sync: where the flat results go */
  wasm_slot flat_args[CM_MAX_FLAT_ASYNC_PARAMS + 1];
  uint32_t retptr;            /* async: where the result goes */
  bool async;
  bool report_progress;       /* async, once in the handle table */
  /* an async host callee (cm_host_call): its hooks */
  void (*host_on_cancel)(void *arg);
  void (*host_on_drop)(void *arg);
  void *host_arg;
  bool host_pending;          /* the host has not finished it */
} lower_call;

struct cm_host_call {
  lower_call lc;
};

static cm_event subtask_event(cm_waitable *w) {
  cm_subtask *st = (cm_subtask *)w;
  if (cm_subtask_resolved(st) && !st->resolve_delivered) cm_subtask_deliver_resolve(st);
  return (cm_event){CM_EVENT_SUBTASK, st->handle_index, st->state};
}

static void on_progress(lower_call *lc) {
  if (lc->report_progress) cm_waitable_set_pending_event(&lc->st.w, subtask_event);
}

static wasm_trap *lower_on_start(cm_call *call, cm_arena *arena, const cm_val **args) {
  lower_call *lc = (lower_call *)((char *)call - offsetof(lower_call, call));
  on_progress(lc);
  cm_subtask_start(&lc->st);
  const cm_functype *ft = lc->lf->type;
  cm_val *vals = cm_arena_array(arena, ft->nparams ? ft->nparams : 1, sizeof(cm_val));
  cm_canon_cx cx = lc->cx;
  cx.arena = arena;
  cx.subtask = &lc->st;
  wasm_trap *trap = lc->async ? cm_lift_args_max(&cx, ft, CM_MAX_FLAT_ASYNC_PARAMS, lc->flat_args, vals)
                              : cm_lift_args(&cx, ft, lc->sync_slots, vals);
  *args = vals;
  return trap;
}

static wasm_trap *lower_on_resolve(cm_call *call, const cm_val *result) {
  lower_call *lc = (lower_call *)((char *)call - offsetof(lower_call, call));
  on_progress(lc);
  if (!result && lc->st.cancellation_requested && lc->st.state == CM_SUBTASK_STARTING) {
    cm_subtask_resolve(&lc->st, CM_SUBTASK_CANCELLED_BEFORE_STARTED);
    return NULL;
  }
  if (!result && lc->st.cancellation_requested) {
    cm_subtask_resolve(&lc->st, CM_SUBTASK_CANCELLED_BEFORE_RETURNED);
    return NULL;
  }
  const cm_functype *ft = lc->lf->type;
  wasm_trap *trap = NULL;
  if (ft->result) {
    if (!result) return TRAP(lc->cx.store, "canonical ABI: a call resolved without its result");
    trap = lc->async ? cm_store(&lc->cx, ft->result, result, lc->retptr) : cm_lower_result(&lc->cx, ft, result, lc->sync_slots);
  }
  cm_subtask_resolve(&lc->st, CM_SUBTASK_RETURNED);
  return trap;
}

static bool subtask_is_resolved(void *arg) { return cm_subtask_resolved(arg); }

/* A bound host function (host_bind.h) lifts its arguments itself, straight from the core values. */
static wasm_trap *call_bound(lower_call *lc, cm_arena *arena, cm_val *result) {
  on_progress(lc);
  cm_subtask_start(&lc->st);
  cm_canon_cx cx = lc->cx;
  cx.arena = arena;
  cx.subtask = &lc->st;
  uint32_t max_flat = lc->async ? CM_MAX_FLAT_ASYNC_PARAMS : CM_MAX_FLAT_PARAMS;
  const wasm_slot *slots = lc->async ? lc->flat_args : lc->sync_slots;
  return cm_host_bound_call(lc->lf->callee->env, &cx, lc->lf->type, max_flat, slots, result);
}

/* A host callee: lift, call, lower, all at once (host functions finish during the call). */
static wasm_trap *call_host(lower_call *lc, cm_thread *thread) {
  const cm_functype *ft = lc->lf->type;
  cm_arena *arena = thread ? thread->scratch : cm_root_scratch(lc->lf->caller->root);
  cm_arena_mark mark = cm_arena_mark_now(arena);
  cm_val result = {0};
  wasm_trap *trap;
  if (lc->lf->callee->impl == cm_host_bound_impl) {
    trap = call_bound(lc, arena, &result);
  } else {
    const cm_val *args;
    trap = lower_on_start(&lc->call, arena, &args);
    cm_canon_cx cx = lc->cx;
    cx.arena = arena;
    cx.subtask = &lc->st;
    if (!trap) trap = lc->lf->callee->impl(lc->lf->callee->env, &cx, args, &result);
  }
  if (!trap) trap = lower_on_resolve(&lc->call, ft->result ? &result : NULL);
  cm_arena_release(arena, mark);
  return trap;
}

/* An async host callee: it may finish during the call or later (cm_host_call_return). */
static wasm_trap *call_host_async(lower_call *lc, cm_thread *thread) {
  cm_arena *arena = thread ? thread->scratch : cm_root_scratch(lc->lf->caller->root);
  cm_arena_mark mark = cm_arena_mark_now(arena);
  const cm_val *args;
  wasm_trap *trap = lower_on_start(&lc->call, arena, &args);
  cm_canon_cx cx = lc->cx;
  cx.arena = arena;
  cx.subtask = &lc->st;
  lc->host_pending = true;
  if (!trap) trap = lc->lf->callee->async_impl(lc->lf->callee->env, &cx, args, (cm_host_call *)lc);
  cm_arena_release(arena, mark);
  return trap;
}

wasm_trap *cm_host_call_return(cm_host_call *call, const cm_val *result) {
  lower_call *lc = &call->lc;
  lc->host_pending = false;
  cm_arena *arena = cm_arena_new();
  lc->cx.arena = arena;
  wasm_trap *trap = lower_on_resolve(&lc->call, lc->lf->type->result ? result : NULL);
  cm_arena_free(arena);
  lc->cx.arena = NULL;
  if (trap) poison(lc->lf->caller);
  return trap;
}

void cm_host_call_set_hooks(cm_host_call *call, void (*on_cancel)(void *arg), void (*on_drop)(void *arg), void *arg) {
  call->lc.host_on_cancel = on_cancel;
  call->lc.host_on_drop = on_drop;
  call->lc.host_arg = arg;
}

void cm_host_call_cancelled(cm_host_call *call) {
  lower_call *lc = &call->lc;
  lc->host_pending = false;
  lower_on_resolve(&lc->call, NULL);
}

wasm_store *cm_host_call_store(const cm_host_call *call) { return call->lc.lf->caller->root->store; }

wasm_trap *cm_lowered_call(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const lowered_func *lf = env;
  cm_component_instance *inst = lf->caller;
  wasm_store *store = inst->root->store;
  if (!inst->may_leave) return TRAP(store, "cannot leave component instance (during post-return or realloc)");
  cm_thread *thread = cm_current_thread();
  const cm_functype *ft = lf->type;
  /* a sync-typed task may not block before it returns, and a sync call of an async-typed
   * function may (wasmtime refuses it up front, before the callee runs) */
  if (!lf->async && ft->async && thread && thread->task && (!thread->task->ft || !thread->task->ft->async) &&
      thread->task->state != CM_TASK_RESOLVED)
    return TRAP(store, "cannot block a synchronous task before returning");
  lower_call local;
  lower_call *lc = &local;
  if (lf->async) lc = WR_NEW(lower_call);
  else memset(lc, 0, sizeof *lc);
  lc->lf = lf;
  lc->async = lf->async;
  lc->call.on_start = lower_on_start;
  lc->call.on_resolve = lower_on_resolve;
  lc->cx = (cm_canon_cx){
      .store = store,
      .memory = lf->memory,
      .realloc = lf->realloc,
      .encoding = lf->encoding,
      .handles = &inst->handles,
      .may_leave = &inst->may_leave,
      .inst = inst,
  };
  cm_subtask_init(&lc->st, thread ? thread->task : NULL, NULL);
  cm_waitable_init(&lc->st.w, inst->root->cstore);
  if (lf->async) {
    uint32_t nflat = cm_params_flat_count(ft) <= CM_MAX_FLAT_ASYNC_PARAMS ? cm_params_flat_count(ft) : 1;
    memcpy(lc->flat_args, slots, nflat * sizeof(wasm_slot));
    if (ft->result) lc->retptr = (uint32_t)slots[nflat];
  } else {
    lc->sync_slots = slots;
  }
  wasm_trap *trap;
  if (lf->callee->kind == CM_FUNC_HOST) trap = call_host(lc, thread);
  else if (lf->callee->kind == CM_FUNC_HOST_ASYNC) trap = call_host_async(lc, thread);
  else trap = cm_call_lift(lf->callee, &lc->call, inst, &lc->st.callee);
  if (!trap && !lf->async) {
    if (!cm_subtask_resolved(&lc->st)) {
      if (!thread) trap = TRAP(store, "cannot block outside of a component thread");
      else cm_thread_wait_until(thread, subtask_is_resolved, &lc->st, false);
    }
  }
  if (trap || !lf->async || cm_subtask_resolved(&lc->st)) {
    cm_subtask_finish(&lc->st);
    if (lc->st.callee) cm_task_release(lc->st.callee);
    if (lf->async) {
      wr_free(lc);
      if (!trap) slots[0] = CM_SUBTASK_RETURNED;
    }
    return trap;
  }
  /* it blocked: the caller gets a subtask to wait on */
  uint32_t index;
  trap = cm_handle_add_object(store, &inst->handles, CM_HANDLE_SUBTASK, &lc->st, &index);
  if (trap) {
    cm_subtask_finish(&lc->st);
    if (lc->st.callee) cm_task_release(lc->st.callee);
    wr_free(lc);
    return trap;
  }
  lc->st.handle_index = index;
  lc->report_progress = true;
  slots[0] = (uint64_t)lc->st.state | ((uint64_t)index << 4);
  return NULL;
}

void cm_subtask_free(cm_subtask *st) {
  lower_call *lc = (lower_call *)st;
  if (lc->host_pending && lc->host_on_drop) lc->host_on_drop(lc->host_arg);
  cm_waitable_drop(&lc->st.w);
  cm_subtask_finish(&lc->st);
  if (lc->st.callee) cm_task_release(lc->st.callee);
  wr_free(lc);
}

wasm_trap *cm_subtask_request_cancel(cm_subtask *st) {
  lower_call *lc = (lower_call *)st;
  if (lc->host_pending) {
    if (lc->host_on_cancel) lc->host_on_cancel(lc->host_arg);
    return NULL;
  }
  if (!st->callee) return NULL; /* sync host callees finish during the call */
  return cm_task_request_cancellation(st->callee, lc->lf->caller);
}

/* ---- the host's entry points ---- */

typedef struct host_call {
  cm_call call;
  const cm_val *args;
  cm_val *result;
  bool resolved;
  cm_async_call *async;
} host_call;

static wasm_trap *host_on_start(cm_call *call, cm_arena *arena, const cm_val **args) {
  (void)arena;
  *args = ((host_call *)call)->args;
  return NULL;
}

static wasm_trap *host_on_resolve(cm_call *call, const cm_val *result) {
  host_call *hc = (host_call *)call;
  hc->resolved = true;
  if (hc->async) {
    if (hc->async->on_resolve) hc->async->on_resolve(hc->async->arg, result);
    return NULL;
  }
  if (result && hc->result) *hc->result = *result;
  return NULL;
}

wasm_trap *cm_func_call(cm_component_instance *inst, const cm_func *func, const cm_val *args, cm_val *result,
                        cm_arena *arena) {
  wasm_store *store = inst->root->store;
  if (func->kind != CM_FUNC_LIFTED) return TRAP(store, "calling a host function through an instance export");
  host_call hc = {.call = {host_on_start, host_on_resolve, arena}, .args = args, .result = result};
  cm_task *task;
  wasm_trap *trap = cm_call_lift(func, &hc.call, NULL, &task);
  cm_store_rt *s = inst->root->cstore;
  while (!trap && !hc.resolved) {
    bool progressed;
    trap = cm_store_tick(s, &progressed);
    if (!trap && !progressed) trap = TRAP(store, "deadlock detected: event loop cannot make further progress");
  }
  if (task) {
    /* a task that goes on after returning keeps the host's call alive until it exits */
    if (!task->exited) task->call = NULL;
    cm_task_release(task);
  }
  if (trap) poison(func->owner);
  return trap;
}

/* The host's side of a started call: owned by its task, so it goes with the task when the
 * instance is freed before the task exits. */
typedef struct started_call {
  host_call hc;
  cm_async_call *user;
  cm_task *task;
} started_call;

static void started_on_exit(void *arg) {
  started_call *sc = arg;
  cm_async_call *user = sc->user;
  if (sc->task) sc->task->owned = NULL;
  wr_free(sc);
  if (user->on_exit) user->on_exit(user->arg);
}

wasm_trap *cm_func_start(cm_component_instance *inst, const cm_func *func, cm_async_call *user, cm_task **task_out) {
  wasm_store *store = inst->root->store;
  *task_out = NULL;
  if (func->kind != CM_FUNC_LIFTED) return TRAP(store, "calling a host function through an instance export");
  started_call *sc = WR_NEW(started_call);
  sc->user = user;
  sc->hc = (host_call){.call = {host_on_start, host_on_resolve, user->arena}, .args = user->args, .async = user};
  cm_task *task;
  wasm_trap *trap = cm_call_lift(func, &sc->hc.call, NULL, &task);
  if (trap) {
    wr_free(sc);
    return trap;
  }
  if (task->exited) {
    cm_task_release(task);
    started_on_exit(sc);
    return NULL;
  }
  task->on_exit = started_on_exit;
  task->on_exit_arg = sc;
  task->owned = sc;
  sc->task = task;
  *task_out = task;
  cm_task_release(task);
  return NULL;
}

wasm_trap *cm_instance_run(cm_component_instance *inst, bool *progressed) {
  *progressed = false;
  for (;;) {
    bool ran;
    wasm_trap *trap = cm_store_tick(inst->root->cstore, &ran);
    if (trap) {
      poison(inst);
      return trap;
    }
    if (!ran) return NULL;
    *progressed = true;
  }
}

bool cm_instance_ready(const cm_component_instance *inst) {
  return !inst->root->poisoned && inst->backpressure == 0 && inst->exclusive == NULL && inst->num_waiting_to_enter == 0;
}

void cm_instance_set_notify(cm_component_instance *inst, void (*notify)(void *arg), void *arg) {
  inst->root->cstore->notify = notify;
  inst->root->cstore->notify_arg = arg;
}

cm_task *cm_instance_current_task(const cm_component_instance *inst) {
  (void)inst;
  cm_thread *t = cm_current_thread();
  return t ? t->task : NULL;
}
