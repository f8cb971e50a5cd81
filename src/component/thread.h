/* Threads and the store's waiting list (definitions.py "Stack Switching", "Threads", Store).
 *
 * A cm_thread is one definitions.py Thread: a continuation on a fiber of its own, the task it
 * belongs to, the two context.get/set words, and, while it waits, the predicate that says when
 * it may run again. Resuming a thread runs it on its fiber until it blocks (suspends itself,
 * waits, yields) or finishes; blocking may name another thread to switch to, which the resumer
 * then runs (Thread.resume's loop). Everything is on one OS thread; nothing here locks.
 *
 * Traps: a thread whose function traps finishes with the trap, and its resumer gets it back as
 * the result of cm_thread_resume, so a trap travels up the chain of resumers the way an
 * exception would in definitions.py. Threads left suspended by a trap are freed with the store.
 *
 * Foreign suspensions: code running on a thread's fiber may also be suspended by something
 * that knows nothing of component threads (a WASI 0.2 host call waiting for a socket through
 * src/base/sched, or preemption at the end of a time slice). The resumer tells those apart from
 * blocking and passes them up: it suspends its own fiber too, and when resumed it resumes the
 * thread again, so the whole chain waits as one. */
#ifndef WARREN_COMPONENT_THREAD_H
#define WARREN_COMPONENT_THREAD_H

#include "../base/fiber.h"
#include "../base/vec.h"
#include "../wasm/runtime.h"
#include "arena.h"

#define CM_CONTEXT_SLOTS 2 /* context.get/set indices (Binary.md: below 2) */

typedef struct cm_thread cm_thread;
typedef struct cm_store_rt cm_store_rt;
typedef struct cm_task cm_task;

/* What a thread runs: returns a trap or NULL. */
typedef wasm_trap *(*cm_thread_fn)(cm_thread *thread, void *arg);
typedef bool (*cm_ready_fn)(void *arg);

typedef struct cm_fiber cm_fiber;

struct cm_thread {
  cm_store_rt *store;
  cm_task *task;
  cm_fiber *fiber;         /* the continuation; NULL once finished */
  cm_thread_fn fn;
  void *fn_arg;
  bool running;            /* definitions.py: cont is None */
  bool finished;
  bool blocked;            /* set by the thread as it blocks, to tell blocking from a foreign suspension */
  bool cancellable;
  bool block_result;       /* Cancelled, handed to the thread by its resumer */
  cm_thread *switch_to;    /* handed to the resumer by the blocking thread */
  cm_ready_fn ready_fn;    /* waiting: non-NULL */
  void *ready_arg;
  uint32_t waiting_slot;   /* its index in store->waiting while waiting */
  uint32_t index;          /* its index in its instance's thread table (thread.index) */
  uint32_t storage[CM_CONTEXT_SLOTS];
  wasm_trap *trap;         /* what its function returned */
  cm_arena *scratch;       /* values crossing the sync calls it makes (LIFO within the thread) */
};

/* Called when something a waiting thread may wait for has changed (a pending event, a
 * released lock), so that the embedder's loop runs cm_store_tick; may be NULL. */
typedef void (*cm_store_notify_fn)(void *arg);

struct cm_store_rt {
  wasm_store *wasm;
  WR_VEC(cm_thread *) waiting;
  cm_fiber *idle_fibers;
  uint32_t idle_fiber_count;
  WR_VEC(cm_fiber *) all_fibers;
  WR_VEC(cm_thread *) live_threads; /* every thread not finished, for freeing after a trap */
  WR_VEC(void *) shared_objects;     /* streams and futures (plain allocations), freed with the store */
  WR_VEC(void *) host_ends;          /* host ends (stream.h) not dropped yet, freed with the store */
  uint32_t nesting_depth;
  size_t stack_size;
  cm_store_notify_fn notify;
  void *notify_arg;
};

/* A store lives in memory its owner provides (an instance keeps it in its arena). */
void cm_store_init(cm_store_rt *store, wasm_store *wasm);
/* Registering a plain allocation the store frees if nobody else does (a stream both of whose
 * ends were lost to a trap), and freeing one. */
void cm_store_own(cm_store_rt *store, void *object);
void cm_store_free_owned(cm_store_rt *store, void *object);
/* Frees every fiber and thread (threads left suspended are dropped without unwinding), not the
 * store's own memory. */
void cm_store_fini(cm_store_rt *store);

/* A new suspended thread of `task` that will run fn(thread, arg). NULL if no fiber could be
 * mapped. */
cm_thread *cm_thread_new(cm_store_rt *store, cm_task *task, cm_thread_fn fn, void *arg);
/* The thread running on this OS thread (NULL: host code outside any thread). */
cm_thread *cm_current_thread(void);

bool cm_thread_suspended(const cm_thread *t); /* not running and not waiting */
bool cm_thread_waiting(const cm_thread *t);
bool cm_thread_ready(const cm_thread *t);      /* waiting, and its predicate holds */

/* Thread.resume: runs `t` (and whatever it switches to) until it blocks or finishes. A finished
 * thread is freed here; its trap, if any, is returned. */
wasm_trap *cm_thread_resume(cm_thread *t, bool cancelled);
/* Thread.resume_later: a suspended thread becomes ready. */
void cm_thread_resume_later(cm_thread *t);

/* From the running thread `t` (each returns Cancelled). deliver_pending_cancel comes first in
 * each, as in definitions.py, through cm_task_deliver_pending_cancel. */
bool cm_thread_suspend(cm_thread *t, bool cancellable);
bool cm_thread_wait_until(cm_thread *t, cm_ready_fn ready, void *arg, bool cancellable);
bool cm_thread_yield(cm_thread *t, bool cancellable);
/* Yields (always lets the others run first), then waits until ready(arg): a callback's YIELD. */
bool cm_thread_yield_until(cm_thread *t, cm_ready_fn ready, void *arg, bool cancellable);
bool cm_thread_suspend_then_resume(cm_thread *t, bool cancellable, cm_thread *other);
bool cm_thread_yield_then_resume(cm_thread *t, bool cancellable, cm_thread *other);
bool cm_thread_suspend_then_promote(cm_thread *t, bool cancellable, cm_thread *other);
bool cm_thread_yield_then_promote(cm_thread *t, bool cancellable, cm_thread *other);

/* Tells the embedder that waiting threads may have become ready. */
void cm_store_notify(cm_store_rt *store);
/* Store.tick: resumes one ready waiting thread whose instance may be entered from the host.
 * *progressed says whether one ran. A trap from it is returned. */
wasm_trap *cm_store_tick(cm_store_rt *store, bool *progressed);

#endif
