/* Waitables and waitable sets (definitions.py "Waitable State"): subtasks and the ends of
 * streams and futures are waitables; each may hold one pending event, computed when it is
 * delivered, and may be joined to one waitable set, which a thread waits on. */
#ifndef WARREN_COMPONENT_WAITABLE_H
#define WARREN_COMPONENT_WAITABLE_H

#include "../base/vec.h"
#include "thread.h"

typedef enum cm_event_code {
  CM_EVENT_NONE = 0,
  CM_EVENT_SUBTASK = 1,
  CM_EVENT_STREAM_READ = 2,
  CM_EVENT_STREAM_WRITE = 3,
  CM_EVENT_FUTURE_READ = 4,
  CM_EVENT_FUTURE_WRITE = 5,
  CM_EVENT_TASK_CANCELLED = 6,
} cm_event_code;

typedef struct cm_event {
  uint32_t code, index, payload;
} cm_event;

typedef struct cm_waitable cm_waitable;
typedef struct cm_waitable_set cm_waitable_set;

/* The pending event as a closure: computed (with its side effects) when delivered. */
typedef cm_event (*cm_pending_event_fn)(cm_waitable *w);

struct cm_waitable {
  cm_store_rt *store;               /* told when an event becomes pending */
  cm_pending_event_fn pending;   /* NULL: no pending event */
  cm_waitable_set *wset;
  uint32_t wset_slot;
  bool has_sync_waiter;
};

struct cm_waitable_set {
  WR_VEC(cm_waitable *) elems;
  uint32_t num_waiting;
  uint32_t next; /* where the next search for a pending event starts (fairness) */
};

void cm_waitable_init(cm_waitable *w, cm_store_rt *store);
void cm_waitable_set_pending_event(cm_waitable *w, cm_pending_event_fn fn);
bool cm_waitable_has_pending_event(const cm_waitable *w);
/* Waitable.wait_for_pending_event: the running thread `t` waits, not cancellable. */
void cm_waitable_wait_for_pending_event(cm_waitable *w, cm_thread *t);
cm_event cm_waitable_get_pending_event(cm_waitable *w);
void cm_waitable_join(cm_waitable *w, cm_waitable_set *wset);
/* Waitable.drop: leaves its set. */
void cm_waitable_drop(cm_waitable *w);

cm_waitable_set *cm_waitable_set_new(void);
bool cm_waitable_set_has_pending_event(const cm_waitable_set *s);
cm_event cm_waitable_set_get_pending_event(cm_waitable_set *s);
/* WaitableSet.wait_for_event_and: waits until ready(arg) and an event is pending; `ready`
 * may be NULL (always). */
cm_event cm_waitable_set_wait(cm_waitable_set *s, cm_thread *t, cm_ready_fn ready, void *arg, bool cancellable);
cm_event cm_waitable_set_poll(cm_waitable_set *s, cm_thread *t, bool cancellable);
/* Frees an empty set nobody waits on (the caller checked, WaitableSet.drop). */
void cm_waitable_set_free(cm_waitable_set *s);

#endif
