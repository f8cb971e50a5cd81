/* Engine unit tests: calls, control flow, traps (including guard-page faults and stack
 * exhaustion), host functions with re-entry, interruption, memory growth limits, and the
 * partial-failure semantics of instantiation. Usage: engine_test DIR (holding the .wasm
 * files built from this folder's .wat files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "base/fiber.h"
#include "module_files.h"
#include "wasm/image.h"
#include "wasm/runtime.h"

static wasm_func *export_func(wasm_instance *inst, const char *name) {
  wasm_extern e;
  if (!wasm_instance_export(inst, name, strlen(name), &e) || e.kind != WASM_EXTERN_FUNC) {
    fprintf(stderr, "missing export %s\n", name);
    exit(2);
  }
  return e.of.func;
}

/* ---- host functions ---- */

static wasm_func *reentry_target; /* "fib": called back from the host */

static wasm_trap *host_add_then_call(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)env;
  /* re-enter the guest: fib(a) + b */
  wasm_slot args[1] = {slots[0]};
  wasm_trap *trap = wasm_func_call(wasm_caller_store(caller), reentry_target, args);
  if (trap) return trap;
  CHECK(wasm_caller_memory(caller) != NULL);
  slots[0] = (uint32_t)(args[0] + slots[1]);
  return NULL;
}

static int stop_calls;

static wasm_trap *host_stop(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)env;
  (void)slots;
  if (++stop_calls == 1000) wasm_store_interrupt(wasm_caller_store(caller));
  return NULL;
}

static wasm_trap *host_yield(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  (void)env;
  wr_fiber_suspend();
  slots[0] = (uint32_t)(slots[0] + 1);
  return NULL;
}

static wasm_trap *call(wasm_store *store, wasm_instance *inst, const char *name, wasm_slot *slots) {
  return wasm_func_call(store, export_func(inst, name), slots);
}

/* An instance of a module without imports; the test cannot go on without it. */
static wasm_instance *instantiate_or_exit(wasm_store *store, const wasm_module *module) {
  wasm_trap *trap = NULL;
  wr_error err = {0};
  wasm_instance *inst = wasm_instantiate(store, module, NULL, 0, &trap, &err);
  CHECK(inst != NULL);
  if (!inst) exit(1);
  return inst;
}

/* An export taking an i32 and returning an i64. */
static uint64_t call_i64_i32(wasm_store *store, wasm_instance *inst, const char *name, uint32_t a) {
  wasm_slot s[2] = {a, 0};
  wasm_trap *trap = call(store, inst, name, s);
  if (trap) {
    fprintf(stderr, "%s trapped: %s\n", name, trap->message);
    failures++;
    return 0;
  }
  return s[0];
}

/* What engine_test.wat's v128_lane_kinds computes, lane by lane in C (little-endian bytes). */
static uint64_t v128_lane_kinds_model(uint32_t n) {
  static const uint32_t init[4] = {0x80FF7F01u, 0x8001FFFEu, 0x01020304u, 0xF0E0D0C0u};
  uint8_t v[16], mem[8] = {0}; /* mem[k]: memory byte 64 + k */
  memcpy(v, init, 16);
  uint64_t sum = 0;
  for (uint32_t i = 0; i < n || i == 0; i++) {
    for (int k = 0; k < 4; k++) {
      uint32_t lane;
      memcpy(&lane, v + 4 * k, 4);
      lane += i * 0x01030507u;
      memcpy(v + 4 * k, &lane, 4);
    }
    uint16_t h7, h3, h6;
    uint32_t w3, f2;
    uint64_t d1, d0;
    memcpy(&h7, v + 14, 2), memcpy(&h3, v + 6, 2), memcpy(&w3, v + 12, 4);
    memcpy(&d1, v + 8, 8), memcpy(&f2, v + 8, 4), memcpy(&d0, v, 8);
    sum += (uint32_t)(int32_t)(int8_t)v[13];
    sum += v[6];
    sum += (uint32_t)(int32_t)(int16_t)h7;
    sum += h3;
    sum += w3;
    sum += d1;
    sum += f2;
    sum += d0;
    v[5] = (uint8_t)i;
    h6 = (uint16_t)(i + 0x1234);
    memcpy(v + 12, &h6, 2);
    uint64_t low_sum = (uint32_t)sum;
    memcpy(v + 8, &low_sum, 8);
    memcpy(mem, v + 8, 8);     /* store64_lane 1 at 64 */
    memcpy(mem, v + 6, 2);     /* store16_lane 3 at 64 */
    memcpy(mem + 2, v + 4, 4); /* store32_lane 1 at 66 */
    mem[6] = v[9];             /* store8_lane 9 at 70 */
    memcpy(v + 4, mem + 1, 2); /* load16_lane 2 from 65 */
    v[15] = mem[6];            /* load8_lane 15 from 70 */
    memcpy(v + 8, mem, 8);     /* load64_lane 1 from 64 */
    memcpy(v, mem + 3, 4);     /* load32_lane 0 from 67 */
    if (i + 1 >= n) break;
  }
  uint64_t d0;
  memcpy(&d0, v, 8);
  return sum ^ d0;
}

/* ...and v128_result_is_operand: (bitselect(v, v, m) is v) v = w - v, then lanes v1 w0 v3 v0,
 * then rotated by a lane, then i added. */
static uint32_t v128_result_is_operand_model(uint32_t x, uint32_t n) {
  uint32_t v[4] = {x, x, x, x}, w[4] = {1000, 2000, 3000, 4000};
  for (uint32_t i = 0; i < n || i == 0; i++) {
    for (int k = 0; k < 4; k++) v[k] = w[k] - v[k];
    uint32_t s[4] = {v[1], w[0], v[3], v[0]};
    uint32_t t[4] = {s[1] + i, s[2] + i, s[3] + i, s[0] + i};
    memcpy(v, t, sizeof v);
    if (i + 1 >= n) break;
  }
  return v[0] * 3 + v[1] + v[2] + v[3];
}

/* ...and v128_known_constants: r sums shuffles of (z, v), v = x in every lane. */
static uint32_t v128_known_constants_model(uint32_t x, uint32_t n) {
  uint32_t z[4] = {0}, r[4] = {0};
  for (uint32_t i = 0; i < n || i == 0; i++) {
    uint32_t s[4] = {x, z[0], x, z[1]};
    for (int k = 0; k < 4; k++) r[k] += s[k], z[k] += x;
    if (i + 1 >= n) break;
  }
  uint32_t after_add[4] = {7 + x, x, x, x}, after_replace[4] = {x, x, 9, x}, from_const[4] = {x, 0, x, 11};
  for (int k = 0; k < 4; k++) r[k] += after_add[k] + after_replace[k] + from_const[k];
  return r[0] + r[1] * 3 + r[2] * 5 + r[3] * 7;
}

static uint32_t call_i32(wasm_store *store, wasm_instance *inst, const char *name, uint32_t a) {
  wasm_slot s[3] = {a, 0, 0};
  wasm_trap *trap = call(store, inst, name, s);
  if (trap) {
    fprintf(stderr, "%s trapped: %s\n", name, trap->message);
    failures++;
    return 0;
  }
  return (uint32_t)s[0];
}

static wasm_trap_kind trap_kind_of(wasm_store *store, wasm_instance *inst, const char *name, wasm_slot *slots) {
  wasm_trap *trap = call(store, inst, name, slots);
  return trap ? trap->kind : (wasm_trap_kind)-1;
}

typedef struct fiber_job {
  wasm_store *store;
  wasm_instance *inst;
  wasm_trap_kind kind;
  uint32_t fib;
} fiber_job;

static void run_on_fiber(void *arg) {
  fiber_job *job = arg;
  wasm_slot s[1] = {0x40000}; /* past the 3 pages grown to below */
  job->kind = trap_kind_of(job->store, job->inst, "load", s); /* guard-page fault on the fiber */
  job->fib = call_i32(job->store, job->inst, "fib", 15);
  wasm_slot deep[1] = {0};
  wasm_trap *trap = call(job->store, job->inst, "forever", deep);
  CHECK(trap && trap->kind == WASM_TRAP_STACK_EXHAUSTED);
}

typedef struct yield_job {
  wasm_store *store;
  wasm_instance *inst;
  uint32_t arg, result;
} yield_job;

static void run_yield_sum(void *arg) {
  yield_job *job = arg;
  job->result = call_i32(job->store, job->inst, "yield_sum", job->arg);
}

/* Two guest calls of one store suspended on fibers at once, and a third call in between,
 * must not write over each other's frames. */
static void test_interleaved_fibers(wasm_store *store, wasm_instance *inst) {
  yield_job a = {store, inst, 10, 0}, b = {store, inst, 100, 0};
  wr_fiber *fa = wr_fiber_new(256 * 1024, run_yield_sum, &a);
  wr_fiber *fb = wr_fiber_new(256 * 1024, run_yield_sum, &b);
  CHECK(fa && fb);
  if (!fa || !fb) return;
  CHECK(!wr_fiber_resume(fa)); /* both suspended inside the host call */
  CHECK(!wr_fiber_resume(fb));
  CHECK(wr_fiber_resume(fa)); /* a finishes first... */
  CHECK(call_i32(store, inst, "depth", 500) == 500); /* ...then other guest work runs */
  CHECK(wr_fiber_resume(fb));
  CHECK(a.result == 10 + 21);
  CHECK(b.result == 100 + 201);
  wr_fiber_free(fa);
  wr_fiber_free(fb);
}

/* ---- preemption: the yield hook ---- */

static unsigned yields, yields_before_trap;

/* Asks for the next yield at once, so every check point of the guest (function entry, loop
 * back-edge) calls the hook: the harshest schedule for state kept across a yield. */
static void yield_every_check(wasm_store *store, void *arg) {
  (void)arg;
  yields++;
  if (yields_before_trap && yields == yields_before_trap) wasm_store_interrupt(store);
  else wasm_store_request_yield(store);
}

static void yield_to_resumer(wasm_store *store, void *arg) {
  (void)arg;
  yields++;
  wasm_store_request_yield(store);
  if (wr_fiber_current()) wr_fiber_suspend();
}

static void run_sum_to(void *arg) {
  yield_job *job = arg;
  wasm_slot s[1] = {job->arg};
  wasm_trap *trap = call(job->store, job->inst, "sum_to", s);
  CHECK(trap == NULL);
  job->result = trap ? 0 : (uint32_t)(s[0] % 1000000007u);
}

static void test_yield_hook(wasm_store *store, wasm_instance *inst) {
  wasm_slot s[3] = {100000, 0, 0};
  /* a request without a hook is dropped: the guest goes on */
  wasm_store_request_yield(store);
  CHECK(call(store, inst, "sum_to", s) == NULL && s[0] == 4999950000ull);
  /* loop back-edges: a sum over many yields is still right */
  wasm_store_set_yield_hook(store, yield_every_check, NULL);
  yields = 0;
  wasm_store_request_yield(store);
  s[0] = 100000;
  CHECK(call(store, inst, "sum_to", s) == NULL && s[0] == 4999950000ull);
  CHECK(yields >= 100000);
  /* function entries: recursion over many yields */
  yields = 0;
  wasm_store_request_yield(store);
  CHECK(call_i32(store, inst, "fib", 20) == 6765);
  CHECK(yields >= 6765);
  /* the hook may turn the yield into a trap: the guest stops there */
  yields = 0;
  yields_before_trap = 50;
  wasm_store_request_yield(store);
  s[0] = 100000;
  CHECK(trap_kind_of(store, inst, "sum_to", s) == WASM_TRAP_INTERRUPTED);
  CHECK(yields == 50);
  yields_before_trap = 0;
  /* a pending trap is not downgraded by a later yield request */
  wasm_store_interrupt(store);
  wasm_store_request_yield(store);
  s[0] = 10;
  CHECK(trap_kind_of(store, inst, "sum_to", s) == WASM_TRAP_INTERRUPTED);
  wasm_store_clear_interrupt(store);
  /* a hook that switches away: two sums suspended mid-loop on fibers, other guest calls of the
   * same store in between, each resumed until done */
  wasm_store_set_yield_hook(store, yield_to_resumer, NULL);
  yield_job a = {store, inst, 3000, 0}, b = {store, inst, 5000, 0};
  wr_fiber *fa = wr_fiber_new(256 * 1024, run_sum_to, &a);
  wr_fiber *fb = wr_fiber_new(256 * 1024, run_sum_to, &b);
  CHECK(fa && fb);
  if (fa && fb) {
    wasm_store_request_yield(store);
    bool a_done = false, b_done = false;
    unsigned rounds = 0;
    while (!(a_done && b_done) && rounds++ < 100000) {
      if (!a_done) a_done = wr_fiber_resume(fa);
      if (rounds % 1000 == 0) CHECK(call_i32(store, inst, "fib", 5) == 5);
      if (!b_done) b_done = wr_fiber_resume(fb);
    }
    CHECK(a_done && b_done);
    CHECK(rounds > 3000); /* they really were suspended at every back-edge */
    CHECK(a.result == 3000u * 2999u / 2);
    CHECK(b.result == 5000u * 4999u / 2);
  }
  wr_fiber_free(fa);
  wr_fiber_free(fb);
  wasm_store_set_yield_hook(store, NULL, NULL);
  wasm_store_clear_interrupt(store);
  CHECK(call_i32(store, inst, "fib", 10) == 55);
}

static void test_main_module(const char *dir) {
  wasm_module *module = load(dir, "engine_test.wasm", wasm_features_default());
  /* the tier every test below runs on: native code on x86-64 unless the interpreter is asked for */
  const char *engine = getenv("WARREN_ENGINE");
  bool want_native = !(engine && strcmp(engine, "interp") == 0);
#if !defined(__x86_64__)
  want_native = false;
#endif
  CHECK(wasm_module_is_native(module) == want_native);
  wasm_store *store = wasm_store_new();
  uint8_t ii_i[] = {WASM_I32, WASM_I32, WASM_I32};
  wasm_functype add_type = {2, 1, ii_i};
  wasm_functype stop_type = {0, 0, ii_i};
  wasm_functype yield_type = {1, 1, ii_i};
  wasm_extern imports[3] = {
      {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(store, &add_type, host_add_then_call, NULL)}},
      {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(store, &stop_type, host_stop, NULL)}},
      {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(store, &yield_type, host_yield, NULL)}},
  };
  wasm_trap *trap = NULL;
  wr_error err = {0};
  wasm_instance *inst = wasm_instantiate(store, module, imports, 3, &trap, &err);
  CHECK(inst != NULL);
  if (!inst) {
    fprintf(stderr, "instantiate: %s\n", err.message);
    exit(1);
  }
  reentry_target = export_func(inst, "fib");

  CHECK(call_i32(store, inst, "fib", 20) == 6765);
  wasm_slot s[3] = {20, 0, 0};
  CHECK(call(store, inst, "fac", s) == NULL && s[0] == 2432902008176640000ull);
  s[0] = 100000;
  CHECK(call(store, inst, "sum_to", s) == NULL && s[0] == 4999950000ull);
  CHECK(call_i32(store, inst, "classify", 0) == 100);
  CHECK(call_i32(store, inst, "classify", 1) == 200);
  CHECK(call_i32(store, inst, "classify", 7) == 300);
  CHECK(call_i32(store, inst, "carry_join", 0) == 100);      /* falls through: x = 0 + 100 */
  CHECK(call_i32(store, inst, "carry_join", 5) == (7 ^ 25)); /* branches: x keeps 7 */
  wasm_slot sub_args[2] = {10, 3};
  CHECK(call(store, inst, "carry_sub", sub_args) == NULL && (int32_t)sub_args[0] == 3 - 11);
  static const struct { uint32_t a, b, lt, gt_u; } carried_compares[] = {
      {3, 5, 1, 0}, {6, 5, 0, 0}, {7, 5, 0, 1}, {0xFFFFFFFFu, 5, 1, 1}};
  for (size_t i = 0; i < sizeof carried_compares / sizeof carried_compares[0]; i++) {
    wasm_slot lt_args[2] = {carried_compares[i].a, carried_compares[i].b};
    CHECK(call(store, inst, "carry_lt", lt_args) == NULL && lt_args[0] == carried_compares[i].lt);
    wasm_slot gt_args[2] = {carried_compares[i].a, carried_compares[i].b};
    CHECK(call(store, inst, "carry_branch_gt_u", gt_args) == NULL && gt_args[0] == carried_compares[i].gt_u);
  }
  CHECK(call_i32(store, inst, "v128_carry_join", 0) == 100);      /* falls through: x = 0 + 100 */
  CHECK(call_i32(store, inst, "v128_carry_join", 5) == (7 ^ 25)); /* branches: x keeps 7 */
  wasm_slot vsub_args[2] = {10, 3};
  CHECK(call(store, inst, "v128_carry_sub", vsub_args) == NULL && (int32_t)vsub_args[0] == 3 - 11);
  wasm_slot andnot_args[2] = {0xFF, 0x0E};
  CHECK(call(store, inst, "v128_carry_andnot", andnot_args) == NULL && andnot_args[0] == (0xFFu & ~0x0Fu));
  wasm_slot select_args[3] = {0xAAAA, 0x5555, 0xFF00 - 1}; /* mask 0xFF00 */
  CHECK(call(store, inst, "v128_carry_bitselect", select_args) == NULL && select_args[0] == 0xAA55);
  CHECK(call_i32(store, inst, "v128_carry_replace_lane", 4) == 9);
  wasm_slot vector_args[2] = {10, 0}; /* every lane: 0 + 1 + ... + 9 */
  CHECK(call(store, inst, "v128_across_calls", vector_args) == NULL && vector_args[0] == (45ull << 32 | 45) &&
        vector_args[1] == (45ull << 32 | 45));
  uint32_t lanes[4] = {0}, lane_sum = 0;
  for (uint32_t i = 0; i < 10; i++) {
    for (int k = 0; k < 4; k++) lanes[k] += i;
    lane_sum += lanes[2];
    lanes[0] = lane_sum;
  }
  CHECK(call_i32(store, inst, "v128_lanes_in_loop", 10) == lane_sum + lanes[0]);
  CHECK(call_i64_i32(store, inst, "v128_lane_kinds", 9) == v128_lane_kinds_model(9));
  wasm_slot operand_args[2] = {0x01020304u, 7};
  CHECK(call(store, inst, "v128_result_is_operand", operand_args) == NULL &&
        (uint32_t)operand_args[0] == v128_result_is_operand_model(0x01020304u, 7));
  wasm_slot known_args[2] = {5, 4};
  CHECK(call(store, inst, "v128_known_constants", known_args) == NULL &&
        (uint32_t)known_args[0] == v128_known_constants_model(5, 4));
  CHECK(call_i32(store, inst, "v128_deep_stack", 3) == 4 + 1000 * (10 * 3 + 550));
  CHECK(call_i32(store, inst, "v128_temps_across_block", 100) == 100 - 35);
  wasm_slot three_vectors[6] = {0};
  CHECK(call(store, inst, "v128_temps_to_results", three_vectors) == NULL &&
        three_vectors[0] == (1ull << 32 | 1) && three_vectors[1] == (1ull << 32 | 1) &&
        three_vectors[2] == (2ull << 32 | 2) && three_vectors[3] == (2ull << 32 | 2) &&
        three_vectors[4] == (3ull << 32 | 3) && three_vectors[5] == (3ull << 32 | 3));
  wasm_slot three[3] = {1, 2, 3};
  CHECK(call(store, inst, "swap3", three) == NULL && three[0] == 3 && three[1] == 2 && three[2] == 1);
  CHECK(call_i32(store, inst, "bump", 0) == 1 && call_i32(store, inst, "bump", 0) == 2);

  /* traps */
  wasm_slot d[2] = {7, 0};
  CHECK(trap_kind_of(store, inst, "div", d) == WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
  d[0] = 0x80000000u;
  d[1] = 0xFFFFFFFFu;
  CHECK(trap_kind_of(store, inst, "div", d) == WASM_TRAP_INTEGER_OVERFLOW);
  double nan = __builtin_nan("");
  memcpy(&d[0], &nan, 8);
  CHECK(trap_kind_of(store, inst, "trunc", d) == WASM_TRAP_INVALID_CONVERSION);
  CHECK(trap_kind_of(store, inst, "boom", d) == WASM_TRAP_UNREACHABLE);
  d[0] = 65533; /* the last 3 bytes of the page plus one past it */
  CHECK(trap_kind_of(store, inst, "load", d) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  d[0] = 0xFFFFFFFFu;
  CHECK(trap_kind_of(store, inst, "load", d) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  d[0] = 65532;
  d[1] = 0xABCDEF01u;
  CHECK(call(store, inst, "store", d) == NULL);
  CHECK(call_i32(store, inst, "load", 65532) == 0xABCDEF01u);
  d[0] = 0;
  CHECK(trap_kind_of(store, inst, "forever", d) == WASM_TRAP_STACK_EXHAUSTED);
  CHECK(call_i32(store, inst, "depth", 20000) == 20000); /* deep but legitimate recursion */
  wasm_slot ind[2] = {0, 10};
  CHECK(call(store, inst, "indirect", ind) == NULL && ind[0] == 55); /* table[0] = fib */
  ind[0] = 2;
  CHECK(trap_kind_of(store, inst, "indirect", ind) == WASM_TRAP_INDIRECT_CALL_MISMATCH);
  ind[0] = 3;
  CHECK(trap_kind_of(store, inst, "indirect", ind) == WASM_TRAP_UNINITIALIZED_ELEMENT);
  ind[0] = 4;
  CHECK(trap_kind_of(store, inst, "indirect", ind) == WASM_TRAP_UNDEFINED_ELEMENT);
  /* the store still works after every kind of trap */
  CHECK(call_i32(store, inst, "fib", 10) == 55);

  /* host function re-entering the guest */
  wasm_slot h[2] = {10, 5};
  CHECK(call(store, inst, "via_host", h) == NULL && h[0] == 60);

  /* a page grown by a callee is usable by its caller */
  CHECK(call_i32(store, inst, "grow_then_store", 65536 + 8) == 77);
  /* memory.grow honours the maximum (3 pages) */
  CHECK(call_i32(store, inst, "grow", 2) == 0xFFFFFFFFu);
  CHECK(call_i32(store, inst, "grow", 1) == 2);
  CHECK(call_i32(store, inst, "grow", 1) == 0xFFFFFFFFu);
  CHECK(call_i32(store, inst, "load", 3 * 65536 - 4) == 0);

  /* interruption at a loop back-edge */
  wasm_slot none[1] = {0};
  CHECK(trap_kind_of(store, inst, "spin", none) == WASM_TRAP_INTERRUPTED);
  CHECK(stop_calls == 1000);
  wasm_store_clear_interrupt(store);
  CHECK(call_i32(store, inst, "fib", 10) == 55);

  /* on a small fiber stack: guard faults, calls and stack exhaustion stay clean */
  fiber_job job = {store, inst, (wasm_trap_kind)-1, 0};
  wr_fiber *fiber = wr_fiber_new(256 * 1024, run_on_fiber, &job);
  CHECK(fiber != NULL);
  if (fiber) {
    while (!wr_fiber_resume(fiber)) {
    }
    wr_fiber_free(fiber);
    CHECK(job.kind == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    CHECK(job.fib == 610);
  }
  test_interleaved_fibers(store, inst);
  test_yield_hook(store, inst);

  wasm_store_free(store);
  wasm_module_free(module);
}

static void test_partial_instantiation(const char *dir) {
  wasm_module *module = load(dir, "partial_init.wasm", wasm_features_default());
  wasm_store *store = wasm_store_new();
  wasm_memtype mt = {{1, 1, true, false, false}};
  wr_error err = {0};
  wasm_memory *mem = wasm_memory_new(store, &mt, &err);
  CHECK(mem != NULL);
  wasm_extern imports[1] = {{WASM_EXTERN_MEMORY, {.memory = mem}}};
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(store, module, imports, 1, &trap, &err);
  CHECK(inst == NULL);
  CHECK(trap && trap->kind == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  CHECK(memcmp(wasm_memory_data(mem), "ok", 2) == 0);

  /* an incompatible import is a link error, not a trap */
  wasm_memtype small = {{0, 0, false, false, false}};
  wasm_memory *mem0 = wasm_memory_new(store, &small, &err);
  imports[0].of.memory = mem0;
  trap = NULL;
  wr_error link = {0};
  CHECK(wasm_instantiate(store, module, imports, 1, &trap, &link) == NULL);
  CHECK(trap == NULL && link.failed && strstr(link.message, "incompatible import type"));
  wasm_store_free(store);
  wasm_module_free(module);
}

/* A memory made from an image and reset for the next instance (image.c) reads as the image
 * again: bytes written inside the image and beyond it, after a few written pages (copied
 * back) and after many (zapped). */
static void test_image_reset(const char *dir) {
  wasm_module *module = load(dir, "image_reset.wasm", wasm_features_default());
  for (int round = 0; round < 3; round++) {
    wasm_store *store = wasm_store_new();
    wasm_instance *inst = instantiate_or_exit(store, module);
    /* what every instance starts from */
    CHECK(call_i32(store, inst, "read", 0) == 'a' && call_i32(store, inst, "read", 2) == 'c');
    CHECK(call_i32(store, inst, "read", 70000) == 'x');
    CHECK(call_i32(store, inst, "read", 5000) == 0 && call_i32(store, inst, "read", 100000) == 0);
    CHECK(call_i32(store, inst, "read", 200 * 65536 + 12) == 0);
    wasm_slot w[2] = {0, 'Z'};
    CHECK(call(store, inst, "write", w) == NULL);
    w[0] = 70001, w[1] = 'Q';
    CHECK(call(store, inst, "write", w) == NULL);
    w[0] = 100000, w[1] = 7; /* past the image's last byte: a zero page */
    CHECK(call(store, inst, "write", w) == NULL);
    CHECK(call_i32(store, inst, "read", 70001) == 'Q');
    /* round 1 dirties more pages than are copied back (4096 host pages = 256 wasm pages) */
    wasm_slot n[1] = {round == 1 ? 300 : 4};
    CHECK(call(store, inst, "dirty_pages", n) == NULL);
    CHECK(call_i32(store, inst, "read", 12) == 9);
    wasm_store_free(store); /* the memory's reservation is reset and kept for the next round */
  }
  wasm_module_free(module);
}

/* A reset reuses the written pages an earlier reset of the same reservation found, as long as
 * the process took no page fault since (image.c). A page the guest, or the kernel for a system
 * call, writes for the first time faults, so the next reset looks again and restores it. */
static void test_image_reset_reuses_written_pages(const char *dir) {
  wasm_module *module = load(dir, "image_reset.wasm", wasm_features_default());
  enum { HOST_PAGE = 4096, ROUNDS = 12 };
  uint32_t same = 10 * HOST_PAGE + 12; /* written every round */
  int fds[2];
  CHECK(pipe(fds) == 0);
  uint64_t walks_skipped = 0;
  for (int round = 0; round < ROUNDS; round++) {
    wasm_store *store = wasm_store_new();
    wasm_instance *inst = instantiate_or_exit(store, module);
    /* every page any earlier round wrote reads as the image again */
    CHECK(call_i32(store, inst, "read", same) == 0);
    for (int earlier = 0; earlier < round; earlier++) { /* (reading a page never written would fault) */
      if (earlier % 3 == 1) CHECK(call_i32(store, inst, "read", (uint32_t)(20 + earlier) * HOST_PAGE + 12) == 0);
      if (earlier % 3 == 2) CHECK(call_i32(store, inst, "read", (uint32_t)(40 + earlier) * HOST_PAGE + 12) == 0);
    }
    CHECK(call_i32(store, inst, "read", 0) == 'a');
    wasm_slot w[2] = {same, 5};
    CHECK(call(store, inst, "write", w) == NULL);
    w[0] = 0, w[1] = 'Z';
    CHECK(call(store, inst, "write", w) == NULL);
    if (round % 3 == 1) { /* a page no round wrote before, by the guest */
      wasm_slot fresh[2] = {(uint32_t)(20 + round) * HOST_PAGE + 12, 7};
      CHECK(call(store, inst, "write", fresh) == NULL);
    }
    if (round % 3 == 2) { /* and by the kernel, reading from a pipe into guest memory */
      wasm_extern e;
      CHECK(wasm_instance_export(inst, "mem", 3, &e) && e.kind == WASM_EXTERN_MEMORY);
      CHECK(write(fds[1], "k", 1) == 1);
      CHECK(read(fds[0], wasm_memory_data(e.of.memory) + (40 + round) * HOST_PAGE + 12, 1) == 1);
      CHECK(call_i32(store, inst, "read", (uint32_t)(40 + round) * HOST_PAGE + 12) == 'k');
    }
    uint64_t walks = wasm_image_page_walks();
    wasm_store_free(store);
    if (round > 0 && round % 3 == 0 && wasm_image_page_walks() == walks) walks_skipped++;
  }
  /* rounds that wrote only pages written before can skip the walk; the process may fault for
   * its own reasons (malloc), so some of them, not all. AddressSanitizer's allocator faults in
   * fresh shadow and quarantined memory all the time, so there the walk is never skipped: the
   * release build checks this (scripts/test.sh runs the engine tests there too). */
#ifndef WARREN_SANITIZE
  CHECK(walks_skipped > 0);
#else
  (void)walks_skipped;
#endif
  close(fds[0]);
  close(fds[1]);
  wasm_module_free(module);
}

/* The store's cap on each memory (-W max-memory-size): memory.grow answers -1 past it, a cap
 * that is not a whole number of pages rounds down, the memory stays usable up to the cap, and a
 * memory whose minimum is above the cap fails instantiation with an error naming the limit. */
static void test_memory_cap(const char *dir) {
  wasm_module *module = load(dir, "memory_cap.wasm", wasm_features_default());
  static const struct {
    uint64_t cap;
    uint32_t pages; /* where growing stops (the guest's own bound is 1000) */
  } cases[] = {{0, 1000}, {10 * 65536, 10}, {10 * 65536 + 4000, 10}, {2 * 65536, 2}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wasm_store *store = wasm_store_new();
    wasm_store_set_max_memory_size(store, cases[i].cap);
    wasm_instance *inst = instantiate_or_exit(store, module);
    CHECK(call_i32(store, inst, "grow_until_fail", 1000) == cases[i].pages);
    if (cases[i].cap) CHECK(call_i32(store, inst, "grow", 1) == UINT32_MAX);
    CHECK(call_i32(store, inst, "touch_last", 0) == 77);
    wasm_store_free(store);
  }
  /* a minimum of 2 pages under a cap of 1 page and a bit */
  wasm_store *store = wasm_store_new();
  wasm_store_set_max_memory_size(store, 65536 + 100);
  wasm_trap *trap = NULL;
  wr_error err = {0};
  CHECK(wasm_instantiate(store, module, NULL, 0, &trap, &err) == NULL);
  CHECK(trap == NULL);
  CHECK(strstr(err.message, "exceeds the limit of 65636 bytes (max-memory-size)") != NULL);
  wasm_store_free(store);
  wasm_module_free(module);
}

/* Memory 1 beside memory 0: every memory instruction on it, copies between the two, the store's
 * cap on it, and one memory imported as both (what memory 1 grows, memory 0 sees). */
static void test_multi_memory(const char *dir) {
  wasm_features features = wasm_features_default();
  features.multi_memory = true;
  wasm_module *module = load(dir, "multi_memory.wasm", features);
  wasm_store *store = wasm_store_new();
  wasm_store_set_max_memory_size(store, 3 * 65536);
  wr_error err = {0};
  wasm_memtype type = {0};
  type.limits.min = 1;
  wasm_memory *m0 = wasm_memory_new(store, &type, &err), *m1 = wasm_memory_new(store, &type, &err);
  CHECK(m0 && m1);
  wasm_extern imports[2] = {{.kind = WASM_EXTERN_MEMORY, .of.memory = m0}, {.kind = WASM_EXTERN_MEMORY, .of.memory = m1}};
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(store, module, imports, 2, &trap, &err);
  CHECK(inst != NULL);
  if (!inst) exit(1);
  wasm_slot s[3] = {100, 0xABCD};
  CHECK(call(store, inst, "store1", s) == NULL);
  CHECK(call_i32(store, inst, "load1", 100) == 0xABCD && call_i32(store, inst, "load0", 100) == 0);
  CHECK(wasm_memory_data(m1)[100] == 0xCD && wasm_memory_data(m0)[100] == 0);
  CHECK(call_i32(store, inst, "size1", 0) == 1);
  CHECK(call_i32(store, inst, "grow1", 1) == 1 && call_i32(store, inst, "size1", 0) == 2);
  CHECK(wasm_memory_size_bytes(m1) == 2 * 65536 && wasm_memory_size_bytes(m0) == 65536);
  CHECK(call_i32(store, inst, "grow1", 2) == UINT32_MAX); /* past the store's cap of 3 pages */
  s[0] = 70000, s[1] = 'x', s[2] = 3;
  CHECK(call(store, inst, "fill1", s) == NULL);
  CHECK(call_i32(store, inst, "load1", 70000) == 0x787878);
  s[0] = 65534; /* 65534 + 3 is past memory 0 but inside memory 1 */
  CHECK(trap_kind_of(store, inst, "fill0", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  wasm_slot at[1] = {200};
  CHECK(call(store, inst, "init1", at) == NULL);
  CHECK(memcmp(wasm_memory_data(m1) + 200, "hello", 5) == 0);
  s[0] = 10, s[1] = 200, s[2] = 5;
  CHECK(call(store, inst, "copy1to0", s) == NULL);
  CHECK(memcmp(wasm_memory_data(m0) + 10, "hello", 5) == 0);
  s[0] = 0, s[1] = 2 * 65536 - 2, s[2] = 5; /* the source runs past memory 1 */
  CHECK(trap_kind_of(store, inst, "copy1to0", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  CHECK(trap_kind_of(store, inst, "load1", (wasm_slot[3]){2 * 65536 - 2}) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);

  /* one memory as both: memory 0's instructions see what memory 1 grew */
  wasm_memory *shared = wasm_memory_new(store, &type, &err);
  wasm_extern same[2] = {{.kind = WASM_EXTERN_MEMORY, .of.memory = shared}, {.kind = WASM_EXTERN_MEMORY, .of.memory = shared}};
  wasm_instance *twice = wasm_instantiate(store, module, same, 2, &trap, &err);
  CHECK(twice != NULL);
  if (twice) CHECK(call_i32(store, twice, "grow1_fill0", 0) == 7);
  wasm_store_free(store);
  wasm_module_free(module);
}

static wasm_trap *host_stop_at_1000(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)slots;
  int *calls = env;
  if (++*calls == 1000) wasm_store_interrupt(wasm_caller_store(caller));
  return NULL;
}

static wasm_trap *host_fail(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)env, (void)slots;
  return wasm_trap_new(wasm_caller_store(caller), WASM_TRAP_HOST, "the lib's host failed");
}

/* Calls from one instance's code into another's (imports, a table's elements, and back through
 * the callee's table): native code calls those straight from its frame, so the callee must see
 * its own memory, globals and tables, and traps, interrupts and exhaustion must come back. */
static void test_cross_instance_calls(const char *dir) {
  wasm_module *lib_module = load(dir, "cross_lib.wasm", wasm_features_default());
  wasm_module *user_module = load(dir, "cross_user.wasm", wasm_features_default());
  wasm_store *store = wasm_store_new();
  int stops = 0;
  wasm_functype stop_type = {0, 0, NULL};
  wasm_extern host[2] = {
      {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(store, &stop_type, host_stop_at_1000, &stops)}},
      {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(store, &stop_type, host_fail, NULL)}},
  };
  wasm_trap *trap = NULL;
  wr_error err = {0};
  wasm_instance *lib = wasm_instantiate(store, lib_module, host, 2, &trap, &err);
  CHECK(lib != NULL);
  if (!lib) exit(1);
  static const char *const names[] = {"peek", "poke", "div", "spin", "fail", "ping", "table"};
  wasm_extern imports[7];
  for (size_t i = 0; i < 7; i++) CHECK(wasm_instance_export(lib, names[i], strlen(names[i]), &imports[i]));
  wasm_instance *user = wasm_instantiate(store, user_module, imports, 7, &trap, &err);
  CHECK(user != NULL);
  if (!user) exit(1);

  /* each side reads its own memory and the callee its own global: 42 + 1000 there, 7 here */
  CHECK(call_i32(store, user, "peek_both", 16) == 7000000 + 1042);
  CHECK(call_i32(store, user, "peek_indirect", 16) == 1042);
  wasm_slot s[2] = {32, 5};
  CHECK(call(store, user, "poke_then_peek", s) == NULL && s[0] == 1005); /* written there, not here */
  /* recursion back and forth between the two, through an import and the callee's table */
  CHECK(call_i32(store, user, "pong", 2000) == 2000);
  wasm_slot deep[1] = {0x7FFFFFFF};
  CHECK(trap_kind_of(store, user, "pong", deep) == WASM_TRAP_STACK_EXHAUSTED);
  /* a trap in the callee comes back to the caller's call */
  wasm_slot d[2] = {7, 0};
  CHECK(trap_kind_of(store, user, "div", d) == WASM_TRAP_INTEGER_DIVIDE_BY_ZERO);
  d[0] = 84, d[1] = 2;
  CHECK(call(store, user, "div", d) == NULL && d[0] == 42);
  wasm_trap *failed = call(store, user, "fail", d); /* ...and a host function's trap object */
  CHECK(failed && failed->kind == WASM_TRAP_HOST && strcmp(failed->message, "the lib's host failed") == 0);
  /* an interrupt stops the callee's loop */
  wasm_slot none[1] = {0};
  CHECK(trap_kind_of(store, user, "spin", none) == WASM_TRAP_INTERRUPTED);
  CHECK(stops == 1000);
  wasm_store_clear_interrupt(store);
  CHECK(call_i32(store, user, "peek_both", 16) == 7000000 + 1042);
  wasm_store_free(store);
  wasm_module_free(user_module);
  wasm_module_free(lib_module);
}

/* f64 results the native tier leaves in xmm0 without storing them (f64_chain.wat), against
 * the same arithmetic in C (IEEE doubles, no contraction: the same rounding). */
static double f64_chain_model(uint32_t n, int32_t x) {
  double b[64], c[64], a = (double)x, acc = 0, alt = 0;
  for (uint32_t i = 0; i < n; i++) b[i] = (double)i + 0.5, c[i] = 1;
  for (uint32_t i = 0; i < n; i++) c[i] = c[i] + a * b[i];
  for (uint32_t i = 0; i < n; i++) {
    acc = acc + ((c[i] * 2 - a) / 3 + 1 / (a * 4));
    alt = a * b[i] - alt;
  }
  double t = a * 3;
  acc = t + acc;
  acc = acc + t;
  double v = (x & 1) ? 7 : a * 8;
  return acc + alt + v / 2;
}

static void test_f64_chain(const char *dir) {
  wasm_module *module = load(dir, "f64_chain.wasm", wasm_features_default());
  wasm_store *store = wasm_store_new();
  wasm_instance *inst = instantiate_or_exit(store, module);
  static const struct { uint32_t n; int32_t x; } cases[] = {{1, 1}, {10, 3}, {10, 4}, {64, -7}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wasm_slot s[2] = {cases[i].n, (uint32_t)cases[i].x};
    double got = 0, want = f64_chain_model(cases[i].n, cases[i].x);
    CHECK(call(store, inst, "f64_chain", s) == NULL);
    memcpy(&got, &s[0], sizeof got);
    CHECK(memcmp(&got, &want, sizeof got) == 0);
  }
  wasm_store_free(store);
  wasm_module_free(module);
}

/* loop_regions.wat in C (u32 arithmetic wraps as wasm's i32 does). */
static uint32_t rotl32(uint32_t x, uint32_t k) { return x << (k & 31) | x >> ((32 - k) & 31); }
static uint32_t loop_regions_model(uint32_t n) {
  uint32_t i = 0, a[8] = {0}, b[8] = {0}, c[8] = {0}, d = 0;
  for (; i < n; i++) {
    a[0] += i;
    a[1] ^= a[0] + 1;
    a[2] += a[1] * 3;
    a[3] -= a[2];
    a[4] += rotl32(a[3], 5);
    a[5] ^= a[4];
    a[6] += a[5] >> 3;
    a[7] += a[6] ^ i;
  }
  i = 0;
  if (!(n & 1)) b[7] = 11;
  do {
    b[0] += i * 3;
    if (!(i & 1)) b[1] += b[0];
    b[2] ^= b[1] + i;
    b[3] += b[2];
    b[4] -= b[3] * 7;
    b[5] += rotl32(b[4], 29);
    b[6] ^= b[5];
    b[7] += b[6];
    i++;
  } while (i < n);
  do {
    c[0] += i;
    c[1] += c[0] * 5;
    c[2] ^= c[1];
    c[3] += c[2] << 1;
    c[4] -= c[3];
    c[5] += rotl32(c[4], 7);
    c[6] ^= c[5] + 9;
    c[7] += c[6];
    i--;
  } while (i > 1);
  for (;;) {
    d = d * 31 + a[7];
    a[7]++;
    uint32_t k = a[7] & 3;
    if (k == 2) d ^= 0x5555;
    if (k >= 2) break;
  }
  uint32_t e[8] = {0}, j = 0;
  i = 0;
  do {
    do {
      e[0] += j;
      e[1] ^= e[0] + 3;
      e[2] += e[1] * 5;
      e[3] -= e[2];
      e[4] += rotl32(e[3], 11);
      e[5] ^= e[4];
      e[6] += e[5] >> 2;
      e[7] += e[6];
      j++;
    } while (j & 7);
    d += e[7];
    i++;
  } while (i < n);
  for (int k = 0; k < 8; k++) d += e[k];
  uint32_t sum = d;
  for (int k = 0; k < 8; k++) sum += a[k] + b[k] + c[k];
  return sum;
}

static void test_loop_regions(const char *dir) {
  wasm_module *module = load(dir, "loop_regions.wasm", wasm_features_default());
  wasm_store *store = wasm_store_new();
  wasm_instance *inst = instantiate_or_exit(store, module);
  static const uint32_t counts[] = {1, 2, 7, 100, 1000};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    CHECK(call_i32(store, inst, "loop_regions", counts[i]) == loop_regions_model(counts[i]));
  wasm_store_free(store);
  wasm_module_free(module);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: engine_test DIR\n");
    return 2;
  }
  test_main_module(argv[1]);
  test_partial_instantiation(argv[1]);
  test_image_reset(argv[1]);
  test_image_reset_reuses_written_pages(argv[1]);
  test_memory_cap(argv[1]);
  test_multi_memory(argv[1]);
  test_cross_instance_calls(argv[1]);
  test_f64_chain(argv[1]);
  test_loop_regions(argv[1]);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
