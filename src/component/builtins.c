/* The canon built-ins other than lift, lower and resource.* (definitions.py "Canonical
 * Definitions" from context.get on): each becomes a core host function over the current
 * thread, its task and its instance. */
#include <string.h>

#include "../base/alloc.h"
#include "instance_internal.h"
#include "stream.h"
#include "task.h"
#include "value.h"

#define TRAP(store, ...) wasm_trap_new((store), WASM_TRAP_HOST, __VA_ARGS__)

typedef struct builtin {
  cm_component_instance *inst;
  const cm_canon *cn;
  wasm_memory *memory;
  wasm_func *realloc;
  wasm_table *table;
} builtin;

/* An error context (definitions.py ErrorContext): shared by every handle to it. */
typedef struct error_context {
  uint32_t refs;
  uint32_t len;
  char message[];
} error_context;

static wasm_store *store_of(const builtin *b) { return b->inst->root->store; }

static wasm_trap *cannot_leave(const builtin *b) {
  return TRAP(store_of(b), "cannot leave component instance (during post-return or realloc)");
}

/* The running thread, which every built-in but a few needs. */
static wasm_trap *running(const builtin *b, cm_thread **out) {
  *out = cm_current_thread();
  if (!*out) return TRAP(store_of(b), "canon %s called outside of a component thread", cm_canon_kind_name(b->cn->kind));
  return NULL;
}

/* The running thread of a built-in that leaves the instance (most do: not during its
 * post-return or realloc). */
static wasm_trap *leaving_thread(const builtin *b, cm_thread **out) {
  if (!b->inst->may_leave) return cannot_leave(b);
  return running(b, out);
}

static cm_canon_cx builtin_cx(const builtin *b) {
  return (cm_canon_cx){
      .store = store_of(b),
      .memory = b->memory,
      .realloc = b->realloc,
      .encoding = b->cn->opts.string_encoding,
      .handles = &b->inst->handles,
      .may_leave = &b->inst->may_leave,
      .inst = b->inst,
  };
}

/* wasmtime refuses a blocking built-in's sync form in a task that may not block (a sync-typed
 * task before it returns) up front, before looking at its operands
 * (test/async/trap-if-block-and-sync.wast). */
static wasm_trap *may_block(const builtin *b, const cm_thread *t) {
  const cm_task *task = t->task;
  if (task && (!task->ft || !task->ft->async) && task->state != CM_TASK_RESOLVED)
    return TRAP(store_of(b), "cannot block a synchronous task before returning");
  return NULL;
}

/* ---- values ---- */
static void error_context_release(error_context *ec) {
  if (--ec->refs == 0) wr_free(ec);
}

void cm_handle_object_free(cm_handle_kind kind, void *object) {
  switch (kind) {
  case CM_HANDLE_WAITABLE_SET: cm_waitable_set_free(object); break;
  case CM_HANDLE_SUBTASK: cm_subtask_free(object); break;
  case CM_HANDLE_STREAM_READABLE:
  case CM_HANDLE_STREAM_WRITABLE:
  case CM_HANDLE_FUTURE_READABLE:
  case CM_HANDLE_FUTURE_WRITABLE: cm_copy_end_free(object); break;
  case CM_HANDLE_ERROR_CONTEXT: error_context_release(object); break;
  default: break;
  }
}

wasm_trap *cm_lift_async_value(const cm_canon_cx *cx, const cm_valtype *type, uint32_t index, cm_val *out) {
  if (type->kind == CM_STREAM || type->kind == CM_FUTURE) return cm_lift_end(cx, type, index, &out->u.shared);
  if (!cx->handles) return TRAP(cx->store, "canonical ABI: no handle table for an error-context");
  return cm_handle_get_object(cx->store, cx->handles, index, CM_HANDLE_ERROR_CONTEXT, &out->u.shared);
}

wasm_trap *cm_lower_async_value(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, uint32_t *index) {
  if (type->kind == CM_STREAM || type->kind == CM_FUTURE) return cm_lower_end(cx, type, val->u.shared, index);
  if (!cx->handles) return TRAP(cx->store, "canonical ABI: no handle table for an error-context");
  error_context *ec = val->u.shared;
  wasm_trap *trap = cm_handle_add_object(cx->store, cx->handles, CM_HANDLE_ERROR_CONTEXT, ec, index);
  if (!trap) ec->refs++;
  return trap;
}

/* ---- context, backpressure, task ---- */
static wasm_trap *context_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  cm_thread *t;
  wasm_trap *trap = running(b, &t);
  if (!trap) slots[0] = t->storage[b->cn->context_index];
  return trap;
}

static wasm_trap *context_set(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  cm_thread *t;
  wasm_trap *trap = running(b, &t);
  if (!trap) t->storage[b->cn->context_index] = (uint32_t)slots[0];
  return trap;
}

static wasm_trap *backpressure(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  cm_component_instance *inst = b->inst;
  switch (b->cn->kind) {
  case CM_CANON_BACKPRESSURE_SET: inst->backpressure = slots[0] ? 1 : 0; break;
  case CM_CANON_BACKPRESSURE_INC:
    if (inst->backpressure == 0xffff) return TRAP(store_of(b), "backpressure counter overflow");
    inst->backpressure++;
    break;
  default:
    if (inst->backpressure == 0) return TRAP(store_of(b), "backpressure counter overflow (below zero)");
    inst->backpressure--;
    break;
  }
  cm_store_notify(inst->root->cstore);
  return NULL;
}

static wasm_trap *task_return(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  wasm_store *store = store_of(b);
  cm_thread *t;
  wasm_trap *trap = leaving_thread(b, &t);
  if (trap) return trap;
  cm_task *task = t->task;
  const cm_canon *cn = b->cn;
  if (!task->ft || !task->opts.async || !cm_valtypes_equal(cn->result, task->ft->result) ||
      (cn->opts.has_memory && b->memory != task->opts.memory) || (int)cn->opts.string_encoding != task->opts.encoding)
    return TRAP(store, "invalid `task.return` signature and/or options for current task");
  if (task->state == CM_TASK_RESOLVED) return TRAP(store, "`task.return` called more than once");
  cm_field field = {.type = cn->result};
  cm_functype ft = {.nparams = cn->result ? 1 : 0, .params = &field};
  cm_canon_cx cx = builtin_cx(b);
  cx.memory = task->opts.memory;
  cm_arena_mark mark = cm_arena_mark_now(t->scratch);
  cx.arena = task->call && task->call->result_arena ? task->call->result_arena : t->scratch;
  cm_val result = {0};
  trap = cm_lift_args_max(&cx, &ft, CM_MAX_FLAT_PARAMS, slots, &result);
  if (!trap) trap = cm_task_return(store, task);
  if (!trap && task->call) trap = task->call->on_resolve(task->call, cn->result ? &result : NULL);
  cm_arena_release(t->scratch, mark);
  return trap;
}

static wasm_trap *task_cancel(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  (void)slots;
  const builtin *b = env;
  cm_thread *t;
  wasm_trap *trap = leaving_thread(b, &t);
  if (trap) return trap;
  if (!t->task->opts.async) return TRAP(store_of(b), "`task.cancel` called by a synchronous task");
  return cm_task_cancel(store_of(b), t->task);
}

/* ---- waitables ---- */
static wasm_trap *store_event(const builtin *b, uint32_t ptr, cm_event e, wasm_slot *slots) {
  if (ptr % 4) return TRAP(store_of(b), "unaligned pointer %u for an event (alignment 4)", ptr);
  if (!b->memory || (uint64_t)ptr + 8 > wasm_memory_size_bytes(b->memory))
    return TRAP(store_of(b), "event pointer out of bounds (%u + 8 bytes)", ptr);
  uint8_t *p = wasm_memory_data(b->memory) + ptr;
  for (int i = 0; i < 4; i++) {
    p[i] = (uint8_t)(e.index >> (8 * i));
    p[4 + i] = (uint8_t)(e.payload >> (8 * i));
  }
  slots[0] = e.code;
  return NULL;
}

static wasm_trap *waitable_set_new(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  cm_waitable_set *s = cm_waitable_set_new();
  uint32_t index;
  wasm_trap *trap = cm_handle_add_object(store_of(b), &b->inst->handles, CM_HANDLE_WAITABLE_SET, s, &index);
  if (trap) cm_waitable_set_free(s);
  else slots[0] = index;
  return trap;
}

static wasm_trap *waitable_set_wait_or_poll(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  cm_thread *t;
  wasm_trap *trap = leaving_thread(b, &t);
  if (trap) return trap;
  if (b->cn->kind == CM_CANON_WAITABLE_SET_WAIT && (trap = may_block(b, t))) return trap;
  cm_waitable_set *s;
  if ((trap = cm_handle_get_waitable_set(store_of(b), &b->inst->handles, (uint32_t)slots[0], &s))) return trap;
  uint32_t ptr = (uint32_t)slots[1];
  cm_event e = b->cn->kind == CM_CANON_WAITABLE_SET_WAIT ? cm_waitable_set_wait(s, t, NULL, NULL, b->cn->async)
                                                          : cm_waitable_set_poll(s, t, b->cn->async);
  return store_event(b, ptr, e, slots);
}

static wasm_trap *waitable_set_drop(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  cm_waitable_set *s;
  wasm_trap *trap = cm_handle_get_waitable_set(store_of(b), &b->inst->handles, (uint32_t)slots[0], &s);
  if (trap) return trap;
  if (s->num_waiting) return TRAP(store_of(b), "cannot drop waitable set with waiters");
  if (s->elems.len) return TRAP(store_of(b), "cannot drop waitable set with waitables still in it");
  void *obj;
  cm_handle_remove_object(store_of(b), &b->inst->handles, (uint32_t)slots[0], CM_HANDLE_WAITABLE_SET, &obj);
  cm_waitable_set_free(s);
  return NULL;
}

static wasm_trap *get_waitable(const builtin *b, uint32_t index, cm_waitable **out) {
  cm_handle_kind kind = cm_handle_kind_at(&b->inst->handles, index);
  switch (kind) {
  case CM_HANDLE_SUBTASK:
  case CM_HANDLE_STREAM_READABLE:
  case CM_HANDLE_STREAM_WRITABLE:
  case CM_HANDLE_FUTURE_READABLE:
  case CM_HANDLE_FUTURE_WRITABLE: {
    void *obj;
    wasm_trap *trap = cm_handle_get_object(store_of(b), &b->inst->handles, index, kind, &obj);
    if (!trap) *out = obj; /* each object starts with its cm_waitable */
    return trap;
  }
  case CM_HANDLE_FREE: return TRAP(store_of(b), "unknown handle index %u", index);
  default: return TRAP(store_of(b), "handle index %u is not a waitable", index);
  }
}

static wasm_trap *waitable_join(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  cm_waitable *w = NULL;
  wasm_trap *trap = get_waitable(b, (uint32_t)slots[0], &w);
  if (trap) return trap;
  if (w->has_sync_waiter) return TRAP(store_of(b), "waitable cannot be used synchronously while added to a waitable set");
  uint32_t si = (uint32_t)slots[1];
  if (si == 0) {
    cm_waitable_join(w, NULL);
    return NULL;
  }
  cm_waitable_set *s;
  if ((trap = cm_handle_get_waitable_set(store_of(b), &b->inst->handles, si, &s))) return trap;
  cm_waitable_join(w, s);
  if (cm_waitable_has_pending_event(w)) cm_store_notify(b->inst->root->cstore);
  return NULL;
}

static wasm_trap *subtask_cancel(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  wasm_store *store = store_of(b);
  cm_thread *t;
  wasm_trap *trap = leaving_thread(b, &t);
  if (trap) return trap;
  uint32_t index = (uint32_t)slots[0];
  bool async = b->cn->async;
  if (!async && (trap = may_block(b, t))) return trap;
  void *obj;
  if ((trap = cm_handle_get_object(store, &b->inst->handles, index, CM_HANDLE_SUBTASK, &obj))) return trap;
  cm_subtask *st = obj;
  if (st->resolve_delivered) return TRAP(store, "`subtask.cancel` called after terminal status delivered");
  if (st->cancellation_requested) return TRAP(store, "`subtask.cancel` called twice");
  if (st->w.wset && !async) return TRAP(store, "waitable cannot be used synchronously while added to a waitable set");
  if (!cm_subtask_resolved(st)) {
    st->cancellation_requested = true;
    if ((trap = cm_subtask_request_cancel(st))) return trap;
    if (!cm_subtask_resolved(st)) {
      if (async) {
        slots[0] = CM_BLOCKED;
        return NULL;
      }
      cm_waitable_wait_for_pending_event(&st->w, t);
    }
  }
  cm_waitable_get_pending_event(&st->w);
  slots[0] = st->state;
  return NULL;
}

static wasm_trap *subtask_drop(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  void *obj;
  uint32_t index = (uint32_t)slots[0];
  wasm_trap *trap = cm_handle_get_object(store_of(b), &b->inst->handles, index, CM_HANDLE_SUBTASK, &obj);
  if (trap) return trap;
  cm_subtask *st = obj;
  if (!st->resolve_delivered) return TRAP(store_of(b), "cannot drop a subtask which has not yet resolved");
  cm_handle_remove_object(store_of(b), &b->inst->handles, index, CM_HANDLE_SUBTASK, &obj);
  cm_subtask_free(st);
  return NULL;
}

/* ---- streams and futures ---- */
static bool is_future(cm_canon_kind kind) { return kind >= CM_CANON_FUTURE_NEW && kind <= CM_CANON_FUTURE_DROP_WRITABLE; }

static const cm_valtype *elem_of(const builtin *b) { return b->cn->resolved->val->elem; }

static wasm_trap *shared_new(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  cm_canon_cx cx = builtin_cx(b);
  uint32_t r = 0, w = 0;
  wasm_trap *trap = cm_shared_new(&cx, is_future(b->cn->kind), elem_of(b), &r, &w);
  if (!trap) slots[0] = (uint64_t)r | ((uint64_t)w << 32);
  return trap;
}

static wasm_trap *copy(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  cm_thread *t;
  wasm_trap *trap = leaving_thread(b, &t);
  if (trap) return trap;
  if (!b->cn->opts.async && (trap = may_block(b, t))) return trap;
  cm_canon_kind k = b->cn->kind;
  bool future = is_future(k);
  bool readable = k == CM_CANON_STREAM_READ || k == CM_CANON_FUTURE_READ;
  cm_canon_cx cx = builtin_cx(b);
  uint32_t out;
  trap = cm_copy(&cx, t, future, readable, elem_of(b), b->cn->opts.async, (uint32_t)slots[0], (uint32_t)slots[1],
                 future ? 1 : (uint32_t)slots[2], &out);
  if (!trap) slots[0] = out;
  return trap;
}

static wasm_trap *cancel_copy(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  cm_thread *t;
  wasm_trap *trap = leaving_thread(b, &t);
  if (trap) return trap;
  if (!b->cn->async && (trap = may_block(b, t))) return trap;
  cm_canon_kind k = b->cn->kind;
  bool readable = k == CM_CANON_STREAM_CANCEL_READ || k == CM_CANON_FUTURE_CANCEL_READ;
  cm_canon_cx cx = builtin_cx(b);
  uint32_t out;
  trap = cm_cancel_copy(&cx, t, is_future(k), readable, elem_of(b), b->cn->async, (uint32_t)slots[0], &out);
  if (!trap) slots[0] = out;
  return trap;
}

static wasm_trap *drop_end(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  cm_canon_kind k = b->cn->kind;
  bool readable = k == CM_CANON_STREAM_DROP_READABLE || k == CM_CANON_FUTURE_DROP_READABLE;
  cm_canon_cx cx = builtin_cx(b);
  return cm_drop_end(&cx, is_future(k), readable, elem_of(b), (uint32_t)slots[0]);
}

/* ---- error contexts ---- */
static wasm_trap *error_context_new(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  cm_canon_cx cx = builtin_cx(b);
  cm_arena *arena = cm_arena_new();
  cx.arena = arena;
  cm_val msg;
  wasm_trap *trap = cm_load_string(&cx, (uint32_t)slots[0], (uint32_t)slots[1], &msg);
  if (trap) {
    cm_arena_free(arena);
    return trap;
  }
  error_context *ec = wr_malloc(sizeof *ec + msg.u.str.len);
  ec->refs = 0;
  ec->len = msg.u.str.len;
  memcpy(ec->message, msg.u.str.data, msg.u.str.len);
  cm_arena_free(arena);
  cm_val v = {.u.shared = ec};
  uint32_t index;
  static const cm_valtype error_context_type = {.kind = CM_ERROR_CONTEXT};
  trap = cm_lower_async_value(&cx, &error_context_type, &v, &index);
  if (trap) wr_free(ec);
  else slots[0] = index;
  return trap;
}

static wasm_trap *error_context_debug_message(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  cm_canon_cx cx = builtin_cx(b);
  void *obj;
  wasm_trap *trap = cm_handle_get_object(cx.store, cx.handles, (uint32_t)slots[0], CM_HANDLE_ERROR_CONTEXT, &obj);
  if (trap) return trap;
  error_context *ec = obj;
  cm_val s = cm_val_string(ec->message, ec->len);
  uint32_t ptr = (uint32_t)slots[1], sptr, units;
  if ((trap = cm_store_string(&cx, &s, &sptr, &units))) return trap;
  if (ptr % 4 || !cx.memory || (uint64_t)ptr + 8 > wasm_memory_size_bytes(cx.memory))
    return TRAP(cx.store, "invalid debug message pointer %u (out of bounds or unaligned)", ptr);
  uint8_t *p = wasm_memory_data(cx.memory) + ptr;
  for (int i = 0; i < 4; i++) {
    p[i] = (uint8_t)(sptr >> (8 * i));
    p[4 + i] = (uint8_t)(units >> (8 * i));
  }
  return NULL;
}

static wasm_trap *error_context_drop(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  if (!b->inst->may_leave) return cannot_leave(b);
  void *obj;
  wasm_trap *trap = cm_handle_remove_object(store_of(b), &b->inst->handles, (uint32_t)slots[0], CM_HANDLE_ERROR_CONTEXT, &obj);
  if (!trap) error_context_release(obj);
  return trap;
}

/* ---- threads ---- */
static wasm_trap *other_thread(const builtin *b, uint32_t index, bool must_be_suspended, cm_thread **out) {
  cm_thread *other = cm_instance_thread(b->inst, index);
  if (!other) return TRAP(store_of(b), "unknown thread index %u", index);
  if (must_be_suspended && !cm_thread_suspended(other)) return TRAP(store_of(b), "thread %u is not suspended", index);
  *out = other;
  return NULL;
}

static wasm_trap *thread_op(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  cm_thread *t;
  wasm_trap *trap = leaving_thread(b, &t);
  if (trap) return trap;
  bool cancellable = b->cn->async;
  cm_thread *other = NULL;
  switch (b->cn->kind) {
  case CM_CANON_THREAD_INDEX: slots[0] = t->index; return NULL;
  case CM_CANON_THREAD_YIELD: slots[0] = cm_thread_yield(t, cancellable); return NULL;
  case CM_CANON_THREAD_SUSPEND:
    if ((trap = may_block(b, t))) return trap;
    slots[0] = cm_thread_suspend(t, cancellable);
    return NULL;
  case CM_CANON_THREAD_RESUME_LATER:
    if ((trap = other_thread(b, (uint32_t)slots[0], true, &other))) return trap;
    cm_thread_resume_later(other);
    return NULL;
  case CM_CANON_THREAD_SUSPEND_THEN_RESUME:
    if ((trap = other_thread(b, (uint32_t)slots[0], true, &other))) return trap;
    slots[0] = cm_thread_suspend_then_resume(t, cancellable, other);
    return NULL;
  case CM_CANON_THREAD_YIELD_THEN_RESUME:
    if ((trap = other_thread(b, (uint32_t)slots[0], true, &other))) return trap;
    slots[0] = cm_thread_yield_then_resume(t, cancellable, other);
    return NULL;
  case CM_CANON_THREAD_SUSPEND_THEN_PROMOTE:
    if ((trap = other_thread(b, (uint32_t)slots[0], false, &other))) return trap;
    slots[0] = cm_thread_suspend_then_promote(t, cancellable, other);
    return NULL;
  default:
    if ((trap = other_thread(b, (uint32_t)slots[0], false, &other))) return trap;
    slots[0] = cm_thread_yield_then_promote(t, cancellable, other);
    return NULL;
  }
}

typedef struct new_thread {
  wasm_func *func;
  uint32_t arg;
} new_thread;

static wasm_trap *run_new_thread(cm_thread *thread, void *arg) {
  new_thread nt = *(new_thread *)arg;
  wr_free(arg);
  wasm_slot slots[1] = {nt.arg};
  wasm_trap *trap = wasm_func_call(thread->store->wasm, nt.func, slots);
  if (!trap) trap = cm_task_unregister_thread(thread->task, thread);
  return trap;
}

static wasm_trap *thread_new_indirect(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const builtin *b = env;
  cm_thread *t;
  wasm_trap *trap = leaving_thread(b, &t);
  if (trap) return trap;
  void *ref = NULL;
  if (!b->table || !wasm_table_get(b->table, (uint32_t)slots[0], &ref) || !ref)
    return TRAP(store_of(b), "thread.new-indirect: no function at table index %u", (uint32_t)slots[0]);
  wasm_func *f = ref;
  const wasm_functype *ft = wasm_func_type(f);
  if (ft->nparams != 1 || ft->nresults != 0 || ft->types[0] != WASM_I32)
    return TRAP(store_of(b), "thread.new-indirect: the function has the wrong type");
  new_thread *nt = WR_NEW(new_thread);
  nt->func = f;
  nt->arg = (uint32_t)slots[1];
  cm_thread *other = cm_thread_new(b->inst->root->cstore, t->task, run_new_thread, nt);
  if (!other) {
    wr_free(nt);
    return TRAP(store_of(b), "cannot map a stack for a component thread");
  }
  cm_task_register_thread(t->task, other);
  slots[0] = other->index;
  return NULL;
}

bool cm_builtin_func(cm_component_instance *inst, const cm_canon *cn, wasm_memory *memory, wasm_func *realloc_fn,
                     wasm_table *table, wasm_func **out, wr_error *err) {
  wasm_host_fn fn = NULL;
  switch (cn->kind) {
  case CM_CANON_CONTEXT_GET:
  case CM_CANON_CONTEXT_SET:
    if (cn->context_index >= CM_CONTEXT_SLOTS) {
      wr_error_set(err, "canon %s: context index %u out of range", cm_canon_kind_name(cn->kind), cn->context_index);
      return false;
    }
    fn = cn->kind == CM_CANON_CONTEXT_GET ? context_get : context_set;
    break;
  case CM_CANON_BACKPRESSURE_SET:
  case CM_CANON_BACKPRESSURE_INC:
  case CM_CANON_BACKPRESSURE_DEC: fn = backpressure; break;
  case CM_CANON_TASK_RETURN: fn = task_return; break;
  case CM_CANON_TASK_CANCEL: fn = task_cancel; break;
  case CM_CANON_WAITABLE_SET_NEW: fn = waitable_set_new; break;
  case CM_CANON_WAITABLE_SET_WAIT:
  case CM_CANON_WAITABLE_SET_POLL: fn = waitable_set_wait_or_poll; break;
  case CM_CANON_WAITABLE_SET_DROP: fn = waitable_set_drop; break;
  case CM_CANON_WAITABLE_JOIN: fn = waitable_join; break;
  case CM_CANON_SUBTASK_CANCEL: fn = subtask_cancel; break;
  case CM_CANON_SUBTASK_DROP: fn = subtask_drop; break;
  case CM_CANON_STREAM_NEW:
  case CM_CANON_FUTURE_NEW: fn = shared_new; break;
  case CM_CANON_STREAM_READ:
  case CM_CANON_STREAM_WRITE:
  case CM_CANON_FUTURE_READ:
  case CM_CANON_FUTURE_WRITE: fn = copy; break;
  case CM_CANON_STREAM_CANCEL_READ:
  case CM_CANON_STREAM_CANCEL_WRITE:
  case CM_CANON_FUTURE_CANCEL_READ:
  case CM_CANON_FUTURE_CANCEL_WRITE: fn = cancel_copy; break;
  case CM_CANON_STREAM_DROP_READABLE:
  case CM_CANON_STREAM_DROP_WRITABLE:
  case CM_CANON_FUTURE_DROP_READABLE:
  case CM_CANON_FUTURE_DROP_WRITABLE: fn = drop_end; break;
  case CM_CANON_ERROR_CONTEXT_NEW: fn = error_context_new; break;
  case CM_CANON_ERROR_CONTEXT_DEBUG_MESSAGE: fn = error_context_debug_message; break;
  case CM_CANON_ERROR_CONTEXT_DROP: fn = error_context_drop; break;
  case CM_CANON_THREAD_INDEX:
  case CM_CANON_THREAD_YIELD:
  case CM_CANON_THREAD_SUSPEND:
  case CM_CANON_THREAD_RESUME_LATER:
  case CM_CANON_THREAD_SUSPEND_THEN_RESUME:
  case CM_CANON_THREAD_YIELD_THEN_RESUME:
  case CM_CANON_THREAD_SUSPEND_THEN_PROMOTE:
  case CM_CANON_THREAD_YIELD_THEN_PROMOTE: fn = thread_op; break;
  case CM_CANON_THREAD_NEW_INDIRECT: fn = thread_new_indirect; break;
  default:
    wr_error_set(err, "canon %s is not supported yet", cm_canon_kind_name(cn->kind));
    return false;
  }
  builtin *b = cm_arena_alloc(inst->root->arena, sizeof *b);
  b->inst = inst;
  b->cn = cn;
  b->memory = memory;
  b->realloc = realloc_fn;
  b->table = table;
  *out = wasm_func_new_host_canonical(inst->root->store, cn->core_type, fn, b);
  return true;
}
