/* libFuzzer target: cm_component_load (component decoder + validator, core modules compiled)
 * on arbitrary bytes. Every input must either fail with a message and an offset or give a
 * component whose index spaces and definitions agree; nothing may crash, leak or hang. A
 * component that imports nothing is then instantiated and each export without parameters is
 * called, sync and async alike (the async runtime: tasks, callbacks, waitables, streams,
 * backpressure), its other threads run until none can; a watchdog interrupts a guest that
 * spins. See fuzz.cmake for how to run it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "component/component.h"
#include "component/instance.h"
#include "component/value.h"

#define require(condition)                                                            \
  do {                                                                                \
    if (!(condition)) {                                                               \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      abort();                                                                        \
    }                                                                                 \
  } while (0)

/* The invariants instantiation will rely on without re-checking. */
static void check_component(const cm_component *c) {
  for (size_t i = 0; i < c->defs.len; i++) {
    const cm_def *d = &c->defs.items[i];
    if (d->adds_item) {
      require(d->sort < CM_SORT_COUNT && d->sort_index < c->space[d->sort].len);
      require(c->space[d->sort].items[d->sort_index].def == i);
    }
  }
  require(c->type && c->type->nimports == c->imports.len && c->type->nexports == c->exports.len);
  for (size_t i = 0; i < c->canons.len; i++) {
    const cm_canon *cn = &c->canons.items[i];
    require(cn->kind < CM_CANON_KIND_COUNT);
    if (cn->kind == CM_CANON_LIFT) require(cn->func < c->space[CM_SORT_CORE_FUNC].len);
    else require(cn->core_type != NULL);
  }
  for (size_t i = 0; i < c->exports.len; i++) require(c->exports.items[i].index < c->space[c->exports.items[i].sort].len);
  for (size_t i = 0; i < c->components.len; i++) check_component(c->components.items[i]);
}

/* Interrupts the store after 100 ms unless told to stop first. */
typedef struct watchdog {
  pthread_mutex_t lock;
  pthread_cond_t done_cv;
  bool done;
  wasm_store *store;
} watchdog;

static void *watch(void *arg) {
  watchdog *w = arg;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_nsec += 100 * 1000 * 1000;
  if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
  pthread_mutex_lock(&w->lock);
  while (!w->done)
    if (pthread_cond_timedwait(&w->done_cv, &w->lock, &until) != 0) break;
  if (!w->done) wasm_store_interrupt(w->store);
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

static void run_exports(const cm_component *c) {
  if (c->imports.len) return;
  wasm_store *store = wasm_store_new();
  watchdog w = {.store = store};
  pthread_mutex_init(&w.lock, NULL);
  pthread_cond_init(&w.done_cv, NULL);
  pthread_t thread;
  bool watching = pthread_create(&thread, NULL, watch, &w) == 0;
  wasm_trap *trap = NULL;
  wr_error err = {0};
  cm_component_instance *inst = cm_instantiate(store, c, NULL, &trap, &err);
  if (inst) {
    cm_arena *arena = cm_arena_new();
    for (size_t i = 0; i < c->exports.len; i++) {
      const cm_export *ex = &c->exports.items[i];
      if (ex->sort != CM_SORT_FUNC) continue;
      const cm_func *f = cm_instance_func(inst, NULL, ex->ext.name.text);
      if (!f || cm_func_type(f)->nparams) continue;
      cm_val result;
      if (cm_func_call(inst, f, NULL, &result, arena)) break; /* a trap poisons the instance */
    }
    bool progressed;
    cm_instance_run(inst, &progressed);
    cm_arena_free(arena);
    cm_component_instance_free(inst);
  }
  if (watching) {
    pthread_mutex_lock(&w.lock);
    w.done = true;
    pthread_cond_signal(&w.done_cv);
    pthread_mutex_unlock(&w.lock);
    pthread_join(thread, NULL);
  }
  pthread_cond_destroy(&w.done_cv);
  pthread_mutex_destroy(&w.lock);
  wasm_store_free(store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wr_error err = {0};
  cm_component *c = cm_component_load(data, size, NULL, &err);
  if (!c) {
    require(err.failed && err.message[0] != 0 && err.has_offset);
    return 0;
  }
  check_component(c);
  run_exports(c);
  cm_component_free(c);
  return 0;
}
