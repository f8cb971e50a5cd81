/* Lazy translation (src/wasm/lazy.c): nothing is translated at load, a call translates what it
 * reaches (direct calls, call_indirect, tail calls) and nothing else, and threads sharing one
 * module that call the same functions for the first time at once all get correct results.
 * Usage: lazy_test DIR (holding lazy.wasm). With WARREN_COMPILE=eager it checks that every
 * function is translated at load instead. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/compile.h"
#include "wasm/runtime.h"

static int failures;

#define CHECK(cond)                                                               \
  do {                                                                            \
    if (!(cond)) {                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

static uint8_t *bytes;
static size_t size;

static wasm_module *load(void) {
  wr_error err = {0};
  wasm_features features = wasm_features_default();
  features.tail_call = true;
  wasm_module *m = wasm_module_load(bytes, size, &features, &err, NULL);
  if (!m) {
    fprintf(stderr, "lazy.wasm: %s\n", err.message);
    exit(2);
  }
  return m;
}

static wasm_func *export_func(wasm_instance *inst, const char *name) {
  wasm_extern e;
  if (!wasm_instance_export(inst, name, strlen(name), &e) || e.kind != WASM_EXTERN_FUNC) {
    fprintf(stderr, "missing export %s\n", name);
    exit(2);
  }
  return e.of.func;
}

static uint32_t call1(wasm_store *store, wasm_instance *inst, const char *name, uint32_t a, uint32_t b) {
  wasm_slot slots[2] = {a, b};
  wasm_trap *trap = wasm_func_call(store, export_func(inst, name), slots);
  if (trap) {
    fprintf(stderr, "%s trapped: %s\n", name, trap->message);
    failures++;
    return 0;
  }
  return (uint32_t)slots[0];
}

/* Defined function indices of lazy.wat. */
enum { FIB, DOUBLE, TRIPLE, APPLY, SUM_TO, SUM, NEVER, NFUNCS };

static bool translated(const wasm_module *m, uint32_t def_index) {
  return atomic_load(&m->code->funcs[def_index].ready);
}

static void test_translates_on_first_call(void) {
  wasm_module *m = load();
  CHECK(m->nfuncs == NFUNCS);
  CHECK(wasm_module_translated_functions(m) == 0);
  wasm_store *store = wasm_store_new();
  wr_error err = {0};
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(store, m, NULL, 0, &trap, &err);
  CHECK(inst != NULL);
  CHECK(wasm_module_translated_functions(m) == 0); /* instantiating runs nothing */
  CHECK(call1(store, inst, "fib", 20, 0) == 6765);
  CHECK(translated(m, FIB));
  CHECK(wasm_module_translated_functions(m) == 1);
  CHECK(call1(store, inst, "apply", 1, 5) == 15);
  CHECK(translated(m, APPLY) && translated(m, TRIPLE) && !translated(m, DOUBLE));
  CHECK(call1(store, inst, "apply", 0, 5) == 10);
  CHECK(translated(m, DOUBLE));
  CHECK(call1(store, inst, "sum", 100, 0) == 5050);
  CHECK(translated(m, SUM) && translated(m, SUM_TO));
  CHECK(!translated(m, NEVER));
  CHECK(wasm_module_translated_functions(m) == NFUNCS - 1);
  wasm_store_free(store);
  wasm_module_free(m);
}

static void test_eager_translates_at_load(void) {
  wasm_module *m = load();
  CHECK(wasm_module_translated_functions(m) == NFUNCS);
  wasm_module_free(m);
}

/* ---- threads racing to the first call ---- */

enum { THREADS = 4, ROUNDS = 25 };

typedef struct racer {
  const wasm_module *module;
  pthread_barrier_t *start;
  int wrong;
} racer;

static void *race(void *arg) {
  racer *r = arg;
  wasm_store *store = wasm_store_new();
  wr_error err = {0};
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(store, r->module, NULL, 0, &trap, &err);
  pthread_barrier_wait(r->start);
  if (!inst || call1(store, inst, "fib", 15, 0) != 610 || call1(store, inst, "apply", 0, 21) != 42 ||
      call1(store, inst, "apply", 1, 7) != 21 || call1(store, inst, "sum", 1000, 0) != 500500)
    r->wrong++;
  wasm_store_free(store);
  return NULL;
}

static void test_threads_share_first_calls(void) {
  for (int round = 0; round < ROUNDS; round++) {
    wasm_module *m = load();
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    pthread_t threads[THREADS];
    racer racers[THREADS];
    for (int i = 0; i < THREADS; i++) {
      racers[i] = (racer){m, &start, 0};
      CHECK(pthread_create(&threads[i], NULL, race, &racers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
      pthread_join(threads[i], NULL);
      CHECK(racers[i].wrong == 0);
    }
    pthread_barrier_destroy(&start);
    /* "never" stays untranslated unless everything was translated at load */
    CHECK(wasm_module_translated_functions(m) == (wasm_compile_lazy_enabled() ? NFUNCS - 1 : NFUNCS));
    wasm_module_free(m);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: lazy_test DIR\n");
    return 2;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/lazy.wasm", argv[1]);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 2;
  }
  fseek(f, 0, SEEK_END);
  size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  bytes = malloc(size);
  if (fread(bytes, 1, size, f) != size) return 2;
  fclose(f);
  if (wasm_compile_lazy_enabled()) {
    test_translates_on_first_call();
  } else {
    test_eager_translates_at_load();
  }
  test_threads_share_first_calls();
  free(bytes);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("lazy translation tests passed\n");
  return 0;
}
