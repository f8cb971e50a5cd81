/* Threads on pooled fibers and the store's waiting list. See thread.h. */
#include "thread.h"

#include <pthread.h>
#include <stdlib.h>

#include "../base/alloc.h"
#include "instance.h"
#include "stream.h"
#include "task.h"

/* A fiber that runs thread after thread: it suspends between them, so its stack is mapped
 * once. */
struct cm_fiber {
  wr_fiber *fiber;
  cm_thread *thread; /* the thread it runs; NULL while idle */
  cm_fiber *next_idle;
  cm_arena *scratch;
  size_t stack_size;
};

#define CM_MAX_IDLE_FIBERS 1024 /* kept mapped between threads: a burst of concurrent tasks reuses them */

static _Thread_local cm_thread *current_thread;

/* Idle fibers outlive their store in a per-thread cache: a server that makes a store per request
 * (p2, a fresh instance each time) would otherwise map and unmap a stack, and flush the TLB, for
 * every request. Freed with the thread. */
#define CM_THREAD_CACHED_FIBERS 256
typedef struct fiber_cache {
  cm_fiber *fibers[CM_THREAD_CACHED_FIBERS];
  size_t n;
} fiber_cache;
static pthread_key_t fiber_cache_key;
static pthread_once_t fiber_cache_once = PTHREAD_ONCE_INIT;

static void fiber_destroy(cm_fiber *f) {
  wr_fiber_free(f->fiber); /* a fiber left suspended by a trap is dropped without unwinding */
  cm_arena_free(f->scratch);
  wr_free(f);
}

static void fiber_cache_free(void *arg) {
  fiber_cache *c = arg;
  for (size_t i = 0; i < c->n; i++) fiber_destroy(c->fibers[i]);
  wr_free(c);
}

static void fiber_cache_init(void) { pthread_key_create(&fiber_cache_key, fiber_cache_free); }

static fiber_cache *thread_fiber_cache(void) {
  pthread_once(&fiber_cache_once, fiber_cache_init);
  fiber_cache *c = pthread_getspecific(fiber_cache_key);
  if (!c) {
    c = WR_NEW(fiber_cache);
    if (pthread_setspecific(fiber_cache_key, c) != 0) {
      wr_free(c);
      return NULL;
    }
  }
  return c;
}

cm_thread *cm_current_thread(void) { return current_thread; }

static void fiber_main(void *arg) {
  cm_fiber *f = arg;
  for (;;) {
    cm_thread *t = f->thread;
    t->trap = t->fn(t, t->fn_arg);
    t->finished = true;
    f->thread = NULL;
    wr_fiber_suspend();
  }
}

void cm_store_init(cm_store_rt *s, wasm_store *wasm) {
  *s = (cm_store_rt){.wasm = wasm, .stack_size = (size_t)8 << 20}; /* reserved, committed as touched */
}


static void thread_free(cm_thread *t) {
  cm_store_rt *s = t->store;
  for (size_t i = 0; i < s->live_threads.len; i++)
    if (s->live_threads.items[i] == t) {
      s->live_threads.items[i] = s->live_threads.items[--s->live_threads.len];
      break;
    }
  wr_free(t);
}

void cm_store_fini(cm_store_rt *s) {
  for (size_t i = 0; i < s->live_threads.len; i++) wr_free(s->live_threads.items[i]);
  WR_VEC_FREE(&s->live_threads);
  for (size_t i = 0; i < s->shared_objects.len; i++) wr_free(s->shared_objects.items[i]);
  WR_VEC_FREE(&s->shared_objects);
  /* A host end still held when its instance goes (a WASI 0.3 socket read in flight): the host
   * is told through its own state's teardown and must not touch the end after this. */
  for (size_t i = 0; i < s->host_ends.len; i++) {
    cm_copy_end *e = s->host_ends.items[i];
    if (e->host->on_gone) e->host->on_gone(e->host_arg, e); /* a holder that asked to hear it forgets it */
    wr_free(e);
  }
  WR_VEC_FREE(&s->host_ends);
  fiber_cache *cache = thread_fiber_cache();
  for (size_t i = 0; i < s->all_fibers.len; i++) {
    cm_fiber *f = s->all_fibers.items[i];
    /* an idle fiber waits at the top of its loop for its next thread, whichever store's */
    if (!f->thread && cache && cache->n < CM_THREAD_CACHED_FIBERS && f->stack_size == s->stack_size) {
      f->next_idle = NULL;
      cache->fibers[cache->n++] = f;
    } else {
      fiber_destroy(f);
    }
  }
  WR_VEC_FREE(&s->all_fibers);
  WR_VEC_FREE(&s->waiting);
}

void cm_store_own(cm_store_rt *s, void *object) { WR_VEC_PUSH(&s->shared_objects, object); }

void cm_store_free_owned(cm_store_rt *s, void *object) {
  for (size_t i = s->shared_objects.len; i-- > 0;)
    if (s->shared_objects.items[i] == object) {
      s->shared_objects.items[i] = s->shared_objects.items[--s->shared_objects.len];
      break;
    }
  wr_free(object);
}

static cm_fiber *fiber_take(cm_store_rt *s) {
  cm_fiber *f = s->idle_fibers;
  if (f) {
    s->idle_fibers = f->next_idle;
    s->idle_fiber_count--;
    return f;
  }
  fiber_cache *cache = thread_fiber_cache();
  if (cache && cache->n && cache->fibers[cache->n - 1]->stack_size == s->stack_size) {
    f = cache->fibers[--cache->n];
    WR_VEC_PUSH(&s->all_fibers, f);
    return f;
  }
  f = WR_NEW(cm_fiber);
  f->stack_size = s->stack_size;
  f->fiber = wr_fiber_new(s->stack_size, fiber_main, f);
  if (!f->fiber) {
    wr_free(f);
    return NULL;
  }
  f->scratch = cm_arena_new();
  WR_VEC_PUSH(&s->all_fibers, f);
  return f;
}

static void fiber_give_back(cm_store_rt *s, cm_fiber *f) {
  if (s->idle_fiber_count >= CM_MAX_IDLE_FIBERS) {
    for (size_t i = 0; i < s->all_fibers.len; i++)
      if (s->all_fibers.items[i] == f) {
        s->all_fibers.items[i] = s->all_fibers.items[--s->all_fibers.len];
        break;
      }
    fiber_destroy(f);
    return;
  }
  f->next_idle = s->idle_fibers;
  s->idle_fibers = f;
  s->idle_fiber_count++;
}

cm_thread *cm_thread_new(cm_store_rt *s, cm_task *task, cm_thread_fn fn, void *arg) {
  cm_fiber *f = fiber_take(s);
  if (!f) return NULL;
  cm_thread *t = WR_NEW(cm_thread);
  t->store = s;
  t->task = task;
  t->fiber = f;
  t->fn = fn;
  t->fn_arg = arg;
  t->scratch = f->scratch;
  f->thread = t;
  WR_VEC_PUSH(&s->live_threads, t);
  return t;
}

bool cm_thread_waiting(const cm_thread *t) { return !t->running && t->ready_fn != NULL; }
bool cm_thread_suspended(const cm_thread *t) { return !t->running && !t->finished && t->ready_fn == NULL; }
bool cm_thread_ready(const cm_thread *t) { return cm_thread_waiting(t) && t->ready_fn(t->ready_arg); }

static void start_waiting(cm_thread *t, cm_ready_fn ready, void *arg) {
  t->ready_fn = ready;
  t->ready_arg = arg;
  t->waiting_slot = (uint32_t)t->store->waiting.len;
  WR_VEC_PUSH(&t->store->waiting, t);
}

static void stop_waiting(cm_thread *t) {
  cm_store_rt *s = t->store;
  uint32_t slot = t->waiting_slot;
  cm_thread *last = s->waiting.items[--s->waiting.len];
  if (last != t) {
    s->waiting.items[slot] = last;
    last->waiting_slot = slot;
  }
  t->ready_fn = NULL;
  t->ready_arg = NULL;
}

static bool always(void *arg) {
  (void)arg;
  return true;
}

void cm_thread_resume_later(cm_thread *t) {
  start_waiting(t, always, NULL);
  cm_store_notify(t->store);
}

wasm_trap *cm_thread_resume(cm_thread *t, bool cancelled) {
  if (cm_thread_waiting(t)) stop_waiting(t);
  while (t) {
    cm_thread *outer = current_thread;
    t->running = true;
    t->blocked = false;
    t->switch_to = NULL;
    t->block_result = cancelled;
    for (;;) {
      current_thread = t;
      wr_fiber_resume(t->fiber->fiber);
      current_thread = outer;
      if (t->blocked || t->finished) break;
      /* suspended by something else (a WASI 0.2 wait, preemption): wait with it */
      if (wr_fiber_current()) wr_fiber_suspend();
    }
    t->running = false;
    if (t->finished) {
      wasm_trap *trap = t->trap;
      fiber_give_back(t->store, t->fiber);
      t->fiber = NULL;
      thread_free(t);
      return trap;
    }
    t = t->switch_to;
    cancelled = false;
  }
  return NULL;
}

/* block(switch_to): back to the resumer, which runs `other` next when non-NULL. */
static bool block(cm_thread *t, bool cancellable, cm_thread *other) {
  t->cancellable = cancellable;
  t->blocked = true;
  t->switch_to = other;
  wr_fiber_suspend();
  return t->block_result;
}

bool cm_thread_suspend(cm_thread *t, bool cancellable) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return true;
  return block(t, cancellable, NULL);
}

bool cm_thread_wait_until(cm_thread *t, cm_ready_fn ready, void *arg, bool cancellable) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return true;
  /* definitions.py may return at once when already ready; Warren always lets others run
   * first only when asked to yield, so a ready wait costs no switch */
  if (ready(arg)) return false;
  start_waiting(t, ready, arg);
  return block(t, cancellable, NULL);
}

bool cm_thread_yield(cm_thread *t, bool cancellable) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return true;
  start_waiting(t, always, NULL);
  return block(t, cancellable, NULL);
}

bool cm_thread_yield_until(cm_thread *t, cm_ready_fn ready, void *arg, bool cancellable) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return true;
  start_waiting(t, ready, arg);
  return block(t, cancellable, NULL);
}

bool cm_thread_suspend_then_resume(cm_thread *t, bool cancellable, cm_thread *other) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return true;
  return block(t, cancellable, other);
}

bool cm_thread_yield_then_resume(cm_thread *t, bool cancellable, cm_thread *other) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return true;
  start_waiting(t, always, NULL);
  return block(t, cancellable, other);
}

bool cm_thread_suspend_then_promote(cm_thread *t, bool cancellable, cm_thread *other) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return true;
  if (cm_thread_ready(other)) {
    stop_waiting(other);
    return block(t, cancellable, other);
  }
  return block(t, cancellable, NULL);
}

bool cm_thread_yield_then_promote(cm_thread *t, bool cancellable, cm_thread *other) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return true;
  if (cm_thread_ready(other)) {
    stop_waiting(other);
    start_waiting(t, always, NULL);
    return block(t, cancellable, other);
  }
  start_waiting(t, always, NULL);
  return block(t, cancellable, NULL);
}

void cm_store_notify(cm_store_rt *s) {
  if (s->notify) s->notify(s->notify_arg);
}

wasm_trap *cm_store_tick(cm_store_rt *s, bool *progressed) {
  *progressed = false;
  for (size_t i = 0; i < s->waiting.len; i++) {
    cm_thread *t = s->waiting.items[i];
    if (!cm_thread_ready(t)) continue;
    cm_component_instance *inst = cm_task_instance(t->task);
    if (!cm_instance_may_enter_from(inst, NULL)) continue;
    *progressed = true;
    s->nesting_depth++;
    cm_instance_enter_from(inst, NULL);
    wasm_trap *trap = cm_thread_resume(t, false);
    cm_instance_leave_to(inst, NULL);
    s->nesting_depth--;
    return trap;
  }
  return NULL;
}
