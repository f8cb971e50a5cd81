/* Streams and futures. See stream.h. */
#include "stream.h"

#include <string.h>

#include "../base/alloc.h"
#include "decode_internal.h"
#include "instance.h"
#include "task.h"
#include "value.h"

#define TRAP(cx, ...) wasm_trap_new((cx)->store, WASM_TRAP_HOST, __VA_ARGS__)

static const char *noun(bool future) { return future ? "future" : "stream"; }

static cm_handle_kind end_kind(bool future, bool readable) {
  if (future) return readable ? CM_HANDLE_FUTURE_READABLE : CM_HANDLE_FUTURE_WRITABLE;
  return readable ? CM_HANDLE_STREAM_READABLE : CM_HANDLE_STREAM_WRITABLE;
}

static cm_copy_end *end_new(cm_shared *shared, bool readable) {
  cm_copy_end *e = WR_NEW(cm_copy_end);
  cm_waitable_init(&e->w, shared->store);
  e->state = CM_COPY_IDLE;
  e->shared = shared;
  e->readable = readable;
  shared->ends++;
  return e;
}

static void forget_host_end(cm_store_rt *store, cm_copy_end *e) {
  for (size_t i = store->host_ends.len; i-- > 0;)
    if (store->host_ends.items[i] == e) {
      store->host_ends.items[i] = store->host_ends.items[--store->host_ends.len];
      return;
    }
}

/* The end goes; the shared object goes with its last end. */
static void end_release(cm_copy_end *e) {
  cm_shared *shared = e->shared;
  if (e->host) forget_host_end(shared->store, e);
  cm_waitable_drop(&e->w);
  if (shared->pending == e) {
    shared->pending = NULL;
    shared->pending_inst = NULL;
  }
  wr_free(e);
  if (--shared->ends == 0) cm_store_free_owned(shared->store, shared);
}

void cm_copy_end_free(cm_copy_end *e) {
  if (!e->shared->dropped) e->shared->dropped = true;
  end_release(e);
}

wasm_trap *cm_shared_new(const cm_canon_cx *cx, bool future, const cm_valtype *t, uint32_t *readable,
                         uint32_t *writable) {
  cm_shared *shared = WR_NEW(cm_shared);
  shared->future = future;
  shared->t = t;
  shared->store = cm_instance_cstore(cx->inst);
  cm_store_own(shared->store, shared);
  cm_copy_end *r = end_new(shared, true), *w = end_new(shared, false);
  wasm_trap *trap = cm_handle_add_object(cx->store, cx->handles, end_kind(future, true), r, readable);
  if (!trap) trap = cm_handle_add_object(cx->store, cx->handles, end_kind(future, false), w, writable);
  return trap;
}

/* ---- buffers ---- */
static bool none_or_number(const cm_valtype *t) {
  if (!t) return true;
  switch (t->kind) {
  case CM_U8: case CM_U16: case CM_U32: case CM_U64: case CM_S8: case CM_S16: case CM_S32: case CM_S64:
  case CM_F32: case CM_F64:
    return true;
  default:
    return false;
  }
}

static uint32_t remain(const cm_buffer *b) { return b->length - b->progress; }

/* n elements from `src` into `dst`: numbers by one copy between the memories, anything else
 * through lift and lower (so that handles move between the tables). */
static uint8_t *bytes_at(cm_buffer *b) {
  return b->host_bytes ? b->host_bytes + (size_t)b->progress * b->t->size : wasm_memory_data(b->cx.memory) + b->ptr;
}

static wasm_trap *buffer_move(cm_buffer *dst, cm_buffer *src, uint32_t n) {
  const cm_valtype *t = src->t;
  if (t && n) {
    uint32_t size = t->size;
    if (none_or_number(t) && !src->host_vals && !dst->host_vals) {
      memmove(bytes_at(dst), bytes_at(src), (size_t)n * size);
    } else if (src->host_vals && dst->host_vals) {
      /* host to host (one host interface feeding another, or a test reading a host's stream):
       * the values as they are; their children stay the writer's until it reuses them */
      memcpy(dst->host_vals + dst->progress, src->host_vals + src->progress, (size_t)n * sizeof(cm_val));
      src->progress += n;
      dst->progress += n;
      return NULL;
    } else if (src->host_vals) {
      cm_canon_cx dcx = dst->cx;
      for (uint32_t i = 0; i < n; i++) {
        wasm_trap *trap = cm_store(&dcx, dst->t, &src->host_vals[src->progress + i], dst->ptr + i * size);
        if (trap) return trap;
      }
    } else if (dst->host_vals) {
      cm_canon_cx scx = src->cx;
      scx.arena = dst->host_arena;
      for (uint32_t i = 0; i < n; i++) {
        wasm_trap *trap = cm_load(&scx, t, src->ptr + i * size, &dst->host_vals[dst->progress + i]);
        if (trap) return trap;
      }
    } else {
      cm_arena *arena = cm_arena_new();
      cm_canon_cx scx = src->cx, dcx = dst->cx;
      scx.arena = arena;
      wasm_trap *trap = NULL;
      for (uint32_t i = 0; i < n && !trap; i++) {
        cm_val v;
        trap = cm_load(&scx, t, src->ptr + i * size, &v);
        if (!trap) trap = cm_store(&dcx, dst->t, &v, dst->ptr + i * size); /* as the receiver sees the type */
      }
      cm_arena_free(arena);
      if (trap) return trap;
    }
    src->ptr += n * size;
    dst->ptr += n * size;
  }
  src->progress += n;
  dst->progress += n;
  return NULL;
}

/* ---- events ---- */
static cm_event stream_event(cm_waitable *w) {
  cm_copy_end *e = (cm_copy_end *)w;
  if (e->reclaim && e->shared->pending == e) {
    e->shared->pending = NULL;
    e->shared->pending_inst = NULL;
  }
  e->reclaim = false;
  e->state = e->result == CM_COPY_DROPPED ? CM_COPY_DONE : CM_COPY_IDLE;
  uint32_t payload = (uint32_t)e->result | (e->buffer.progress << 4);
  return (cm_event){e->readable ? CM_EVENT_STREAM_READ : CM_EVENT_STREAM_WRITE, e->handle_index, payload};
}

static cm_event future_event(cm_waitable *w) {
  cm_copy_end *e = (cm_copy_end *)w;
  e->state = e->result == CM_COPY_DROPPED || e->result == CM_COPY_COMPLETED ? CM_COPY_DONE : CM_COPY_IDLE;
  return (cm_event){e->readable ? CM_EVENT_FUTURE_READ : CM_EVENT_FUTURE_WRITE, e->handle_index, e->result};
}

/* on_copy: a partial copy into the pending end's buffer (it stays pending until the event is
 * delivered); on_copy_done: the copy is over. */
/* A host end hears at once, and its buffer is given back at once. */
static void tell_host(cm_copy_end *e, cm_copy_result result) {
  e->result = result;
  if (e->shared->pending == e) {
    e->shared->pending = NULL;
    e->shared->pending_inst = NULL;
  }
  e->state = result == CM_COPY_DROPPED || (e->shared->future && result == CM_COPY_COMPLETED) ? CM_COPY_DONE : CM_COPY_IDLE;
  e->host->on_copy_done(e->host_arg, (int)result, e->buffer.progress);
}

static void on_copy(cm_copy_end *e) {
  if (e->host) {
    tell_host(e, CM_COPY_COMPLETED);
    return;
  }
  e->result = CM_COPY_COMPLETED;
  e->reclaim = true;
  cm_waitable_set_pending_event(&e->w, stream_event);
}

static void on_copy_done(cm_copy_end *e, cm_copy_result result) {
  if (e->host) {
    tell_host(e, result);
    return;
  }
  e->result = result;
  e->reclaim = false;
  cm_waitable_set_pending_event(&e->w, e->shared->future ? future_event : stream_event);
}

static void set_pending(cm_shared *s, cm_component_instance *inst, cm_copy_end *e) {
  s->pending_inst = inst;
  s->pending = e;
}

static void reset_and_notify_pending(cm_shared *s, cm_copy_result result) {
  cm_copy_end *p = s->pending;
  s->pending = NULL;
  s->pending_inst = NULL;
  if (p) on_copy_done(p, result);
}

static wasm_trap *intra_component(const cm_canon_cx *cx, cm_shared *s) {
  /* (two host ends have no instance: host to host is not intra-component) */
  if (cx->inst && cx->inst == s->pending_inst && !none_or_number(s->t))
    return TRAP(cx, "cannot read from and write to intra-component future/stream with non-numeric payload");
  return NULL;
}

/* SharedStreamImpl.read / write, with `e` the end offering cx's buffer. */
static wasm_trap *stream_copy(const cm_canon_cx *cx, cm_shared *s, cm_copy_end *e) {
  if (s->dropped) {
    on_copy_done(e, CM_COPY_DROPPED);
    return NULL;
  }
  if (!s->pending) {
    set_pending(s, cx->inst, e);
    return NULL;
  }
  wasm_trap *trap = intra_component(cx, s);
  if (trap) return trap;
  cm_copy_end *p = s->pending;
  cm_buffer *mine = &e->buffer, *theirs = &p->buffer;
  if (remain(theirs) > 0) {
    if (remain(mine) > 0) {
      uint32_t n = WR_MIN(remain(mine), remain(theirs));
      trap = e->readable ? buffer_move(mine, theirs, n) : buffer_move(theirs, mine, n);
      if (trap) return trap;
      on_copy(p);
    }
    on_copy_done(e, CM_COPY_COMPLETED);
  } else if (!e->readable && mine->length == 0 && theirs->length == 0) {
    on_copy_done(e, CM_COPY_COMPLETED);
  } else {
    reset_and_notify_pending(s, CM_COPY_COMPLETED);
    set_pending(s, cx->inst, e);
  }
  return NULL;
}

/* SharedFutureImpl.read / write. */
static wasm_trap *future_copy(const cm_canon_cx *cx, cm_shared *s, cm_copy_end *e) {
  if (!e->readable && s->dropped) {
    on_copy_done(e, CM_COPY_DROPPED);
    return NULL;
  }
  if (!s->pending) {
    set_pending(s, cx->inst, e);
    return NULL;
  }
  wasm_trap *trap = intra_component(cx, s);
  if (trap) return trap;
  cm_copy_end *p = s->pending;
  trap = e->readable ? buffer_move(&e->buffer, &p->buffer, 1) : buffer_move(&p->buffer, &e->buffer, 1);
  if (trap) return trap;
  reset_and_notify_pending(s, CM_COPY_COMPLETED);
  on_copy_done(e, CM_COPY_COMPLETED);
  return NULL;
}

static void shared_drop(cm_shared *s) {
  if (!s->dropped) {
    s->dropped = true;
    if (s->pending) reset_and_notify_pending(s, CM_COPY_DROPPED);
  }
}

/* ---- the built-ins ---- */
static wasm_trap *get_end(const cm_canon_cx *cx, bool future, bool readable, const cm_valtype *t, uint32_t index,
                          cm_copy_end **out) {
  void *obj;
  wasm_trap *trap = cm_handle_get_object(cx->store, cx->handles, index, end_kind(future, readable), &obj);
  if (trap) return trap;
  cm_copy_end *e = obj;
  if (!cm_valtypes_equal(e->shared->t, t)) return TRAP(cx, "%s element type mismatch", noun(future));
  *out = e;
  return NULL;
}

/* Both wordings that test/async and wasmtime's own tests look for. */
static const char *done_message(bool future, bool readable, bool dropped) {
  if (future && readable) return "cannot read from future after previous read succeeded";
  if (future && !dropped) return "cannot write to future after previous write succeeded or readable end dropped";
  if (future)
    return "cannot write after being notified that the readable end dropped (cannot write to future after previous "
           "write succeeded or readable end dropped)";
  return readable ? "cannot read after being notified that the writable end dropped (cannot read from stream after "
                    "being notified that the writable end dropped)"
                  : "cannot write after being notified that the readable end dropped (cannot write to stream after "
                    "being notified that the readable end dropped)";
}

static const char *const SYNC_IN_SET = "waitable cannot be used synchronously while added to a waitable set";

wasm_trap *cm_copy(const cm_canon_cx *cx, cm_thread *thread, bool future, bool readable, const cm_valtype *t,
                   bool async, uint32_t index, uint32_t ptr, uint32_t n, uint32_t *out) {
  cm_copy_end *e = NULL;
  wasm_trap *trap = get_end(cx, future, readable, t, index, &e);
  if (trap) return trap;
  if (e->state == CM_COPY_DONE) return TRAP(cx, "%s", done_message(future, readable, e->result == CM_COPY_DROPPED));
  if (e->state != CM_COPY_IDLE) return TRAP(cx, "cannot have concurrent operations active on a future/stream");
  if (e->w.wset && !async) return TRAP(cx, "%s", SYNC_IN_SET);
  if (n > CM_MAX_BUFFER_LENGTH) return TRAP(cx, "stream read/write count too large (%u elements)", n);
  if (t && n > 0) {
    if (ptr % t->align) return TRAP(cx, "unaligned pointer %u for a %s buffer (alignment %u)", ptr, noun(future), t->align);
    if (!cx->memory || (uint64_t)ptr + (uint64_t)n * t->size > wasm_memory_size_bytes(cx->memory))
      return TRAP(cx, "%s buffer out of bounds (%u + %u elements)", noun(future), ptr, n);
  }
  e->buffer = (cm_buffer){.t = t, .cx = *cx, .ptr = ptr, .length = n};
  e->buffer.cx.task = NULL;
  e->buffer.cx.subtask = NULL;
  e->handle_index = index;
  e->state = CM_COPY_COPYING;
  trap = future ? future_copy(cx, e->shared, e) : stream_copy(cx, e->shared, e);
  if (trap) return trap;
  if (!cm_waitable_has_pending_event(&e->w)) {
    if (async) {
      *out = CM_BLOCKED;
      return NULL;
    }
    cm_waitable_wait_for_pending_event(&e->w, thread);
  }
  *out = cm_waitable_get_pending_event(&e->w).payload;
  return NULL;
}

wasm_trap *cm_cancel_copy(const cm_canon_cx *cx, cm_thread *thread, bool future, bool readable, const cm_valtype *t,
                          bool async, uint32_t index, uint32_t *out) {
  cm_copy_end *e = NULL;
  wasm_trap *trap = get_end(cx, future, readable, t, index, &e);
  if (trap) return trap;
  if (e->state != CM_COPY_COPYING || e->w.has_sync_waiter) return TRAP(cx, "no %s copy in progress to cancel", noun(future));
  if (e->w.wset && !async) return TRAP(cx, "%s", SYNC_IN_SET);
  e->state = CM_COPY_CANCELLING;
  /* a partial copy not yet reported is reported as cancelled (wasmtime; test/async/cancel-stream) */
  if (cm_waitable_has_pending_event(&e->w) && e->reclaim) e->result = CM_COPY_CANCELLED;
  if (!cm_waitable_has_pending_event(&e->w)) {
    if (e->shared->pending == e) reset_and_notify_pending(e->shared, CM_COPY_CANCELLED);
    if (!cm_waitable_has_pending_event(&e->w)) {
      if (async) {
        *out = CM_BLOCKED;
        return NULL;
      }
      cm_waitable_wait_for_pending_event(&e->w, thread);
    }
  }
  *out = cm_waitable_get_pending_event(&e->w).payload;
  return NULL;
}

wasm_trap *cm_drop_end(const cm_canon_cx *cx, bool future, bool readable, const cm_valtype *t, uint32_t index) {
  cm_copy_end *e = NULL;
  wasm_trap *trap = get_end(cx, future, readable, t, index, &e);
  if (trap) return trap;
  if (e->state == CM_COPY_COPYING || e->state == CM_COPY_CANCELLING)
    return TRAP(cx, readable ? "cannot remove busy %s" : "cannot drop busy %s", noun(future));
  if (future && !readable && e->state != CM_COPY_DONE)
    return TRAP(cx, "cannot drop future write end without first writing a value");
  void *obj;
  cm_handle_remove_object(cx->store, cx->handles, index, end_kind(future, readable), &obj);
  shared_drop(e->shared);
  end_release(e);
  return NULL;
}

wasm_trap *cm_lift_end(const cm_canon_cx *cx, const cm_valtype *type, uint32_t index, void **shared) {
  bool future = type->kind == CM_FUTURE;
  if (!cx->handles) return TRAP(cx, "canonical ABI: no handle table for a %s", noun(future));
  cm_copy_end *e = NULL;
  wasm_trap *trap = get_end(cx, future, true, type->elem, index, &e);
  if (trap) return trap;
  if (e->state == CM_COPY_DONE)
    return TRAP(cx, "%s", future ? "cannot lift future after previous read succeeded"
                                 : "cannot lift stream after being notified that the writable end dropped");
  if (e->state != CM_COPY_IDLE) return TRAP(cx, "cannot remove busy %s", noun(future));
  if (e->w.wset) return TRAP(cx, "cannot lift %s while it's in a waitable set", noun(future));
  void *obj;
  cm_handle_remove_object(cx->store, cx->handles, index, end_kind(future, true), &obj);
  cm_shared *s = e->shared;
  s->ends++; /* the end in flight keeps it until it is lowered */
  end_release(e);
  *shared = s;
  return NULL;
}

wasm_trap *cm_lower_end(const cm_canon_cx *cx, const cm_valtype *type, void *shared, uint32_t *index) {
  bool future = type->kind == CM_FUTURE;
  if (!cx->handles) return TRAP(cx, "canonical ABI: no handle table for a %s", noun(future));
  cm_shared *s = shared;
  cm_copy_end *e = end_new(s, true);
  s->ends--; /* the end in flight becomes this one */
  return cm_handle_add_object(cx->store, cx->handles, end_kind(future, true), e, index);
}

/* ---- host ends ---- */
cm_host_end *cm_host_end_new_writable(cm_store_rt *store, bool future, const cm_valtype *t, void **readable,
                                      const cm_host_end_ops *ops, void *arg) {
  cm_shared *shared = WR_NEW(cm_shared);
  shared->future = future;
  shared->t = t;
  shared->store = store;
  cm_store_own(store, shared);
  cm_copy_end *w = end_new(shared, false);
  w->host = ops;
  w->host_arg = arg;
  WR_VEC_PUSH(&store->host_ends, w);
  shared->ends++; /* the readable end in flight, until a guest's table takes it */
  *readable = shared;
  return w;
}

cm_host_end *cm_host_end_take_readable(void *shared, const cm_host_end_ops *ops, void *arg) {
  cm_shared *s = shared;
  cm_copy_end *r = end_new(s, true);
  s->ends--; /* the end in flight becomes this one */
  r->host = ops;
  r->host_arg = arg;
  WR_VEC_PUSH(&s->store->host_ends, r);
  return r;
}

static wasm_trap *host_copy(cm_host_end *e, wasm_store *store, uint8_t *bytes, cm_val *vals, cm_arena *arena,
                            uint32_t n) {
  cm_canon_cx cx = {.store = store};
  bool future = e->shared->future;
  if (e->state == CM_COPY_DONE) return TRAP(&cx, "%s", done_message(future, e->readable, e->result == CM_COPY_DROPPED));
  if (e->state != CM_COPY_IDLE) return TRAP(&cx, "cannot have concurrent operations active on a future/stream");
  e->buffer = (cm_buffer){.t = e->shared->t, .cx = cx, .length = future ? 1 : n, .host_bytes = bytes,
                          .host_vals = vals, .host_arena = arena};
  e->state = CM_COPY_COPYING;
  return future ? future_copy(&cx, e->shared, e) : stream_copy(&cx, e->shared, e);
}

wasm_trap *cm_host_end_read(cm_host_end *e, wasm_store *store, void *bytes, cm_val *vals, cm_arena *arena, uint32_t n) {
  return host_copy(e, store, bytes, vals, arena, n);
}

wasm_trap *cm_host_end_write(cm_host_end *e, wasm_store *store, const void *bytes, const cm_val *vals, uint32_t n) {
  /* the buffer is only read from */
  return host_copy(e, store, (uint8_t *)(uintptr_t)bytes, (cm_val *)(uintptr_t)vals, NULL, n);
}

void cm_host_end_cancel(cm_host_end *e) {
  if (e->state == CM_COPY_COPYING && e->shared->pending == e) reset_and_notify_pending(e->shared, CM_COPY_CANCELLED);
}

void cm_host_end_drop(cm_host_end *e) {
  if (e->state == CM_COPY_COPYING && e->shared->pending == e) {
    e->shared->pending = NULL;
    e->shared->pending_inst = NULL;
  }
  shared_drop(e->shared);
  end_release(e);
}

bool cm_host_end_other_dropped(const cm_host_end *e) { return e->shared->dropped; }
