/* Instantiation plans (src/component/plan.h): an instantiation replays what the first one
 * against the same host looked up by name, so these check that the replay is keyed right
 * (tests/component/plan/plan.wat):
 * - two hosts instantiating one component, in turn, each reach their own host function,
 *   resource type and destructor, through the root and through a nested component;
 * - one nested component instantiated at three sites with three kinds of argument instance
 *   reaches each site's own;
 * - more hosts than a component keeps plans for still get their own bindings;
 * - link errors read as before, a host function defined (or replaced) after a plan was made
 *   is the one called;
 * - threads instantiating a freshly loaded component against two hosts at once each get
 *   their own host's function.
 * Usage: plan_test plan.wasm */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/input_file.h"
#include "component/host.h"
#include "component/instance.h"
#include "../check.h"

/* What one host's functions answer and what its destructor saw. */
typedef struct host_side {
  uint32_t id;
  atomic_uint dtor_calls;
  atomic_uint dtor_rep;
} host_side;

static void side_init(host_side *side, uint32_t id) {
  side->id = id;
  atomic_init(&side->dtor_calls, 0);
  atomic_init(&side->dtor_rep, 0);
}

static wasm_trap *host_id(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  (void)cx, (void)args;
  *result = cm_val_u(((host_side *)env)->id);
  return NULL;
}

/* Answers id + 1000: a replacement defined after the first instantiation. */
static wasm_trap *host_id_replaced(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  (void)cx, (void)args;
  *result = cm_val_u(((host_side *)env)->id + 1000);
  return NULL;
}

static wasm_trap *host_make(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  (void)env, (void)cx;
  *result = cm_val_handle((uint32_t)args[0].u.u);
  return NULL;
}

static wasm_trap *host_dtor(void *env, wasm_store *store, uint32_t rep) {
  (void)store;
  host_side *side = env;
  atomic_fetch_add(&side->dtor_calls, 1);
  atomic_store(&side->dtor_rep, rep);
  return NULL;
}

static const char plan_wit[] = "package test:plan;\n"
                               "interface host {\n"
                               "  resource thing;\n"
                               "  id: func() -> u32;\n"
                               "  make: func(rep: u32) -> thing;\n"
                               "}\n";

/* A host of test:plan/host answering side->id; `id` left undefined unless define_id. */
static cm_host *plan_host(host_side *side, bool define_id) {
  wr_error err = {0};
  cm_host *host = cm_host_new();
  CHECK(cm_host_add_wit(host, "plan.wit", plan_wit, strlen(plan_wit), &err));
  if (define_id) CHECK(cm_host_define_func(host, "test:plan/host", "id", host_id, side));
  CHECK(cm_host_define_func(host, "test:plan/host", "make", host_make, side));
  const cm_type *thing = cm_host_resource(host, "test:plan/host", "thing");
  CHECK(thing != NULL);
  if (thing) cm_host_define_dtor(host, thing, host_dtor, side);
  return host;
}

/* One instance of `component` against `host`: calls each export named in `names` (no
 * arguments, u32 result) into results[], then make-and-drop(rep) when rep is non-zero. false
 * with the link error or trap in why[]. */
static bool instantiate_and_call(const cm_component *component, const cm_host *host, const char *const *names,
                                 size_t n, uint32_t *results, uint32_t rep, char *why, size_t why_size) {
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  wr_error err = {0};
  bool ok = true;
  cm_component_instance *inst = cm_instantiate(store, component, host, &trap, &err);
  if (!inst) {
    snprintf(why, why_size, "%s", trap ? trap->message : err.message);
    ok = false;
  }
  cm_arena *arena = cm_arena_new();
  for (size_t i = 0; ok && i < n; i++) {
    const cm_func *func = cm_instance_func(inst, NULL, names[i]);
    cm_val result = {0};
    trap = func ? cm_func_call(inst, func, NULL, &result, arena) : NULL;
    if (!func || trap) {
      snprintf(why, why_size, "%s: %s", names[i], trap ? trap->message : "no such export");
      ok = false;
    }
    results[i] = (uint32_t)result.u.u;
  }
  if (ok && rep) {
    const cm_func *func = cm_instance_func(inst, NULL, "make-and-drop");
    cm_val arg = cm_val_u(rep);
    trap = func ? cm_func_call(inst, func, &arg, NULL, arena) : NULL;
    if (!func || trap) {
      snprintf(why, why_size, "make-and-drop: %s", trap ? trap->message : "no such export");
      ok = false;
    }
  }
  cm_arena_free(arena);
  cm_component_instance_free(inst);
  wasm_store_free(store);
  return ok;
}

static const char *const all_exports[] = {"run", "via-host", "via-child", "via-inline"};

/* Instantiates against `host`, expecting its own id from the host paths and 7 from the guest
 * ones, and its own destructor to see the dropped `thing`. */
static void expect_own_bindings(const cm_component *component, const cm_host *host, host_side *side, uint32_t rep) {
  uint32_t results[4] = {0};
  char why[512] = "";
  unsigned dtor_calls = atomic_load(&side->dtor_calls);
  bool ok = instantiate_and_call(component, host, all_exports, 4, results, rep, why, sizeof why);
  CHECK(ok);
  if (!ok) fprintf(stderr, "host %u: %s\n", side->id, why);
  CHECK(results[0] == side->id && results[1] == side->id);
  CHECK(results[2] == 7 && results[3] == 7);
  if (results[0] != side->id || results[1] != side->id)
    fprintf(stderr, "host %u: run %u, via-host %u\n", side->id, results[0], results[1]);
  CHECK(atomic_load(&side->dtor_calls) == dtor_calls + 1 && atomic_load(&side->dtor_rep) == rep);
}

static void test_two_hosts(const cm_component *component) {
  host_side a, b;
  side_init(&a, 1);
  side_init(&b, 2);
  cm_host *host_a = plan_host(&a, true), *host_b = plan_host(&b, true);
  for (uint32_t round = 0; round < 3; round++) {
    expect_own_bindings(component, host_a, &a, 100 + round);
    expect_own_bindings(component, host_b, &b, 200 + round);
  }
  cm_host_free(host_a);
  cm_host_free(host_b);
}

enum { MANY_HOSTS = 12 }; /* more than CM_PLANS_PER_COMPONENT */

static void test_more_hosts_than_plans(const cm_component *component) {
  host_side sides[MANY_HOSTS];
  cm_host *hosts[MANY_HOSTS];
  for (uint32_t i = 0; i < MANY_HOSTS; i++) {
    side_init(&sides[i], 10 + i);
    hosts[i] = plan_host(&sides[i], true);
  }
  for (uint32_t round = 0; round < 2; round++)
    for (uint32_t i = 0; i < MANY_HOSTS; i++) expect_own_bindings(component, hosts[i], &sides[i], 300 + i);
  for (uint32_t i = 0; i < MANY_HOSTS; i++) cm_host_free(hosts[i]);
}

static void test_link_errors_and_late_definitions(const cm_component *component) {
  char why[512] = "";
  uint32_t result = 0;
  /* a host without the interface */
  wr_error err = {0};
  cm_host *bare = cm_host_new();
  static const char other_wit[] = "package test:other;\ninterface other {\n  f: func();\n}\n";
  CHECK(cm_host_add_wit(bare, "other.wit", other_wit, strlen(other_wit), &err));
  CHECK(!instantiate_and_call(component, bare, all_exports, 1, &result, 0, why, sizeof why));
  CHECK(!strcmp(why, "instantiating the component: import `test:plan/host` is not provided by the host"));
  if (strcmp(why, "instantiating the component: import `test:plan/host` is not provided by the host"))
    fprintf(stderr, "bare host: %s\n", why);
  cm_host_free(bare);

  /* the interface without `id`: refused, then accepted once `id` is defined */
  host_side late;
  side_init(&late, 5);
  cm_host *host = plan_host(&late, false);
  for (int twice = 0; twice < 2; twice++) {
    CHECK(!instantiate_and_call(component, host, all_exports, 1, &result, 0, why, sizeof why));
    CHECK(!strcmp(why, "instantiating the component: the host does not implement test:plan/host#id"));
    if (strcmp(why, "instantiating the component: the host does not implement test:plan/host#id"))
      fprintf(stderr, "host without id: %s\n", why);
  }
  CHECK(cm_host_define_func(host, "test:plan/host", "id", host_id, &late));
  expect_own_bindings(component, host, &late, 55);
  expect_own_bindings(component, host, &late, 56); /* replayed */
  /* replaced after the plan was made: the replay calls the new one */
  CHECK(cm_host_define_func(host, "test:plan/host", "id", host_id_replaced, &late));
  uint32_t results[2] = {0};
  CHECK(instantiate_and_call(component, host, all_exports, 2, results, 0, why, sizeof why));
  CHECK(results[0] == 1005 && results[1] == 1005);
  cm_host_free(host);
}

/* ---- threads ---- */
enum { THREADS = 4, ROUNDS = 20 };

typedef struct worker {
  const cm_component *component;
  const cm_host *hosts[2];
  uint32_t ids[2];
  unsigned started, failed, mismatched; /* instantiations; link errors or traps; wrong ids */
  char why[512];
} worker;

static void *work(void *arg) {
  worker *w = arg;
  for (unsigned round = 0; round < ROUNDS; round++) {
    unsigned which = (round + w->ids[0]) % 2; /* threads start on different hosts */
    uint32_t results[4] = {0};
    w->started++;
    if (!instantiate_and_call(w->component, w->hosts[which], all_exports, 4, results, 0, w->why, sizeof w->why))
      w->failed++;
    else if (results[0] != w->ids[which] || results[1] != w->ids[which] || results[2] != 7 || results[3] != 7)
      w->mismatched++;
  }
  return NULL;
}

static void test_threads(const cm_component *fresh) {
  host_side a, b;
  side_init(&a, 1);
  side_init(&b, 2);
  cm_host *host_a = plan_host(&a, true), *host_b = plan_host(&b, true);
  worker workers[THREADS];
  pthread_t threads[THREADS];
  for (unsigned i = 0; i < THREADS; i++) {
    workers[i] = (worker){.component = fresh, .hosts = {host_a, host_b}, .ids = {1 + i % 2, 2 - i % 2}};
    if (i % 2) workers[i].hosts[0] = host_b, workers[i].hosts[1] = host_a;
    CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
  }
  for (unsigned i = 0; i < THREADS; i++) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(workers[i].started == ROUNDS && workers[i].failed == 0 && workers[i].mismatched == 0);
    if (workers[i].failed) fprintf(stderr, "thread %u: %s\n", i, workers[i].why);
  }
  cm_host_free(host_a);
  cm_host_free(host_b);
}

static cm_component *load(const uint8_t *bytes, size_t size) {
  wr_error err = {0};
  cm_component *component = cm_component_load(bytes, size, NULL, &err);
  if (!component) fprintf(stderr, "load: %s\n", err.message);
  return component;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s plan.wasm\n", argv[0]);
    return 2;
  }
  wr_error err = {0};
  uint8_t *bytes = NULL;
  size_t size = 0;
  if (!wr_read_input_file(argv[1], &bytes, &size, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 2;
  }
  cm_component *component = load(bytes, size), *fresh = load(bytes, size);
  wr_free(bytes);
  if (!component || !fresh) return 1;
  test_two_hosts(component);
  test_more_hosts_than_plans(component);
  test_link_errors_and_late_definitions(component);
  test_threads(fresh);
  cm_component_free(component);
  cm_component_free(fresh);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
