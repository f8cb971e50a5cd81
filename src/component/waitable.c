/* Waitables and waitable sets. See waitable.h. */
#include "waitable.h"

#include "../base/alloc.h"
#include "task.h"

void cm_waitable_init(cm_waitable *w, cm_store_rt *store) { *w = (cm_waitable){.store = store}; }

void cm_waitable_set_pending_event(cm_waitable *w, cm_pending_event_fn fn) {
  w->pending = fn;
  if (fn && w->store) cm_store_notify(w->store);
}

bool cm_waitable_has_pending_event(const cm_waitable *w) { return w->pending != NULL; }

static bool waitable_has_event(void *arg) { return cm_waitable_has_pending_event(arg); }

void cm_waitable_wait_for_pending_event(cm_waitable *w, cm_thread *t) {
  w->has_sync_waiter = true;
  cm_thread_wait_until(t, waitable_has_event, w, false);
  w->has_sync_waiter = false;
}

cm_event cm_waitable_get_pending_event(cm_waitable *w) {
  cm_pending_event_fn fn = w->pending;
  w->pending = NULL;
  return fn(w);
}

void cm_waitable_join(cm_waitable *w, cm_waitable_set *wset) {
  if (w->wset) {
    cm_waitable_set *old = w->wset;
    cm_waitable *last = old->elems.items[--old->elems.len];
    if (last != w) {
      old->elems.items[w->wset_slot] = last;
      last->wset_slot = w->wset_slot;
    }
  }
  w->wset = wset;
  if (wset) {
    w->wset_slot = (uint32_t)wset->elems.len;
    WR_VEC_PUSH(&wset->elems, w);
  }
}

void cm_waitable_drop(cm_waitable *w) { cm_waitable_join(w, NULL); }

cm_waitable_set *cm_waitable_set_new(void) { return WR_NEW(cm_waitable_set); }

void cm_waitable_set_free(cm_waitable_set *s) {
  if (!s) return;
  for (size_t i = 0; i < s->elems.len; i++) s->elems.items[i]->wset = NULL;
  WR_VEC_FREE(&s->elems);
  wr_free(s);
}

bool cm_waitable_set_has_pending_event(const cm_waitable_set *s) {
  for (size_t i = 0; i < s->elems.len; i++)
    if (s->elems.items[i]->pending) return true;
  return false;
}

cm_event cm_waitable_set_get_pending_event(cm_waitable_set *s) {
  size_t n = s->elems.len;
  for (size_t k = 0; k < n; k++) {
    size_t i = (s->next + k) % n;
    cm_waitable *w = s->elems.items[i];
    if (w->pending) {
      s->next = (uint32_t)((i + 1) % n);
      return cm_waitable_get_pending_event(w);
    }
  }
  return (cm_event){CM_EVENT_NONE, 0, 0};
}

typedef struct wait_arg {
  cm_waitable_set *set;
  cm_ready_fn ready;
  void *arg;
} wait_arg;

static bool ready_and_has_event(void *p) {
  wait_arg *a = p;
  return (!a->ready || a->ready(a->arg)) && cm_waitable_set_has_pending_event(a->set);
}

cm_event cm_waitable_set_wait(cm_waitable_set *s, cm_thread *t, cm_ready_fn ready, void *arg, bool cancellable) {
  wait_arg a = {s, ready, arg};
  s->num_waiting++;
  bool cancelled = cm_thread_wait_until(t, ready_and_has_event, &a, cancellable);
  cm_event e = cancelled ? (cm_event){CM_EVENT_TASK_CANCELLED, 0, 0} : cm_waitable_set_get_pending_event(s);
  s->num_waiting--;
  return e;
}

cm_event cm_waitable_set_poll(cm_waitable_set *s, cm_thread *t, bool cancellable) {
  if (cm_task_deliver_pending_cancel(t->task, cancellable)) return (cm_event){CM_EVENT_TASK_CANCELLED, 0, 0};
  if (!cm_waitable_set_has_pending_event(s)) return (cm_event){CM_EVENT_NONE, 0, 0};
  return cm_waitable_set_get_pending_event(s);
}
