/* The ticker thread (one per server): it interrupts guests past their -W timeout deadline and asks a
 * worker's running guest to yield once its time slice is over. */
#include <time.h>

#include "base/clock.h"
#include "serve/server_internal.h"

void *serve_ticker_main(void *arg) {
  serve_app *app = arg;
  while (!atomic_load(&app->ticker_stop)) {
    struct timespec pause = {0, TICKER_PERIOD_NS};
    nanosleep(&pause, NULL);
    uint64_t now = wr_monotonic_ns();
    pthread_mutex_lock(&app->running_lock);
    for (running *r = app->running_head.next; r != &app->running_head; r = r->next)
      if (now >= r->deadline_ns) wasm_store_interrupt(r->store);
    pthread_mutex_unlock(&app->running_lock);
    unsigned workers = atomic_load(&app->slice_count);
    for (unsigned i = 0; i < workers; i++) {
      slice_slot *slot = &app->slices[i];
      pthread_mutex_lock(&slot->lock);
      if (slot->store && now - slot->since_ns >= SERVE_TIME_SLICE_MS * 1000000ull) {
        wasm_store_request_yield(slot->store);
        slot->since_ns = now; /* asked once per slice */
      }
      pthread_mutex_unlock(&slot->lock);
    }
  }
  return NULL;
}

/* The worker's scheduler switches to `task` (NULL: back to the loop): its slice starts now. */
void serve_on_task_switch(void *arg, wr_task *task) {
  serve_worker *w = arg;
  slice_slot *slot = w->slice;
  wasm_store *store = task ? wr_task_local(task) : NULL;
  if (!slot || (!store && !slot->store)) return; /* only this thread writes the slot */
  uint64_t now = store ? wr_monotonic_ns() : 0;
  pthread_mutex_lock(&slot->lock);
  slot->store = store;
  slot->since_ns = now;
  pthread_mutex_unlock(&slot->lock);
}

/* The store's yield hook: the slice is over, so the guest's task goes to the back of the run
 * queue and the worker's loop (other connections, other tasks) runs before it goes on. */
void serve_guest_yield(wasm_store *store, void *arg) {
  WR_UNUSED(store), WR_UNUSED(arg);
  wr_task_yield();
}

void serve_running_add(serve_app *app, running *r) {
  pthread_mutex_lock(&app->running_lock);
  r->next = app->running_head.next;
  r->prev = &app->running_head;
  r->next->prev = r;
  app->running_head.next = r;
  pthread_mutex_unlock(&app->running_lock);
}

void serve_running_remove(serve_app *app, running *r) {
  pthread_mutex_lock(&app->running_lock);
  r->prev->next = r->next;
  r->next->prev = r->prev;
  pthread_mutex_unlock(&app->running_lock);
}

