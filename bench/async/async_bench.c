/* The async runtime's costs (issue 10's bench): `async_bench async.wasm` prints
 * - an async export called 1, 16 and 256 at once on one instance, callback-lifted and stackful
 *   (each call yields once, so each costs a task, a thread and two switches): ns per call;
 * - stream.write/read of 64 KiB chunks between two components and from a guest to the host:
 *   MB/s, next to memcpy of the same chunks in the same run.
 * Medians of several rounds; figures, not assertions (bench/async.sh runs it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "component/instance.h"
#include "component/stream.h"
#include "component/value.h"

#define ROUNDS 7

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_u64);
  return v[n / 2];
}

typedef struct call_slot {
  bool resolved;
  uint64_t value;
} call_slot;

static void on_resolve(void *arg, const cm_val *result) {
  call_slot *s = arg;
  s->resolved = true;
  if (result) s->value = result->u.u;
}

static void fail(const char *what, wasm_trap *trap) {
  fprintf(stderr, "async_bench: %s: %s\n", what, trap ? trap->message : "failed");
  exit(1);
}

/* ns per call with `n` calls of `name` in flight at once */
static uint64_t concurrent_calls(cm_component_instance *inst, const char *name, unsigned n) {
  const cm_func *f = cm_instance_func(inst, NULL, name);
  if (!f) fail(name, NULL);
  call_slot *slots = calloc(n, sizeof *slots);
  cm_async_call *calls = calloc(n, sizeof *calls);
  cm_val args[2] = {cm_val_u(2), cm_val_u(3)};
  cm_arena *arena = cm_arena_new();
  uint64_t samples[ROUNDS];
  unsigned reps = 4096 / n + 1;
  for (int r = 0; r < ROUNDS; r++) {
    uint64_t start = wr_monotonic_ns();
    for (unsigned rep = 0; rep < reps; rep++) {
      for (unsigned i = 0; i < n; i++) {
        slots[i] = (call_slot){0};
        calls[i] = (cm_async_call){.on_resolve = on_resolve, .arg = &slots[i], .arena = arena, .args = args};
        cm_task *task;
        wasm_trap *trap = cm_func_start(inst, f, &calls[i], &task);
        if (trap) fail(name, trap);
      }
      bool progressed;
      wasm_trap *trap = cm_instance_run(inst, &progressed);
      if (trap) fail(name, trap);
      for (unsigned i = 0; i < n; i++)
        if (!slots[i].resolved || slots[i].value != 5) fail("a call did not return 5", NULL);
    }
    samples[r] = (wr_monotonic_ns() - start) / ((uint64_t)reps * n);
  }
  cm_arena_free(arena);
  free(calls);
  free(slots);
  return median(samples, ROUNDS);
}

typedef struct host_sink {
  uint8_t *buf;
  uint64_t got;
  int last;
  bool done;
} host_sink;

static void sink_done(void *arg, int result, uint32_t n) {
  host_sink *s = arg;
  s->got += n;
  s->last = result;
  if (result == CM_COPY_DROPPED) s->done = true;
}

static const cm_host_end_ops sink_ops = {sink_done, NULL};

#define TOTAL (64u << 20)
#define CHUNK (64u << 10)

/* MB/s of `total` bytes from the guest's produce() to a host end reading 64 KiB at a time */
static double guest_to_host(cm_component_instance *inst) {
  const cm_func *produce = cm_instance_func(inst, NULL, "produce");
  if (!produce) fail("produce", NULL);
  uint64_t samples[ROUNDS];
  uint8_t *buf = malloc(CHUNK);
  for (int r = 0; r < ROUNDS; r++) {
    call_slot slot = {0};
    cm_val total = cm_val_u(TOTAL);
    cm_arena *arena = cm_arena_new();
    cm_val result = {0};
    (void)result;
    uint64_t start = wr_monotonic_ns();
    cm_async_call call = {.on_resolve = on_resolve, .arg = &slot, .arena = arena, .args = &total};
    cm_task *task;
    wasm_trap *trap = cm_func_start(inst, produce, &call, &task);
    if (trap || !slot.resolved) fail("produce", trap);
    host_sink sink = {.buf = buf};
    /* the stream value is the shared stream; on_resolve kept its bits in `value` */
    cm_host_end *end = cm_host_end_take_readable((void *)(uintptr_t)slot.value, &sink_ops, &sink);
    while (!sink.done) {
      if ((trap = cm_host_end_read(end, cm_instance_store(inst), buf, NULL, NULL, CHUNK))) fail("host read", trap);
      bool progressed;
      if ((trap = cm_instance_run(inst, &progressed))) fail("run", trap);
    }
    cm_host_end_drop(end);
    samples[r] = wr_monotonic_ns() - start;
    if (sink.got != TOTAL) fail("the host did not read every byte", NULL);
    cm_arena_free(arena);
  }
  free(buf);
  return (double)TOTAL / 1e6 / ((double)median(samples, ROUNDS) / 1e9);
}

static double component_to_component(cm_component_instance *inst) {
  const cm_func *transfer = cm_instance_func(inst, NULL, "transfer");
  if (!transfer) fail("transfer", NULL);
  uint64_t samples[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    call_slot slot = {0};
    cm_val total = cm_val_u(TOTAL);
    cm_arena *arena = cm_arena_new();
    uint64_t start = wr_monotonic_ns();
    cm_async_call call = {.on_resolve = on_resolve, .arg = &slot, .arena = arena, .args = &total};
    cm_task *task;
    wasm_trap *trap = cm_func_start(inst, transfer, &call, &task);
    if (trap) fail("transfer", trap);
    bool progressed;
    while (!slot.resolved) {
      if ((trap = cm_instance_run(inst, &progressed))) fail("run", trap);
      if (!progressed && !slot.resolved) fail("transfer stalled", NULL);
    }
    samples[r] = wr_monotonic_ns() - start;
    if (slot.value != TOTAL) fail("transfer moved the wrong number of bytes", NULL);
    cm_arena_free(arena);
  }
  return (double)TOTAL / 1e6 / ((double)median(samples, ROUNDS) / 1e9);
}

static double memcpy_rate(void) {
  uint8_t *a = calloc(1, CHUNK), *b = calloc(1, CHUNK);
  uint64_t samples[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    uint64_t start = wr_monotonic_ns();
    for (unsigned i = 0; i < TOTAL / CHUNK; i++) {
      memcpy(b, a, CHUNK);
      a[i % CHUNK] = b[(i * 7) % CHUNK]; /* keep the copies observable */
    }
    samples[r] = wr_monotonic_ns() - start;
  }
  free(a);
  free(b);
  return (double)TOTAL / 1e6 / ((double)median(samples, ROUNDS) / 1e9);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s async.wasm\n", argv[0]);
    return 2;
  }
  wr_error err = {0};
  FILE *f = fopen(argv[1], "rb");
  if (!f) return fprintf(stderr, "cannot open %s\n", argv[1]), 1;
  static uint8_t bytes[1 << 20];
  size_t len = fread(bytes, 1, sizeof bytes, f);
  fclose(f);
  cm_component *component = cm_component_load(bytes, len, NULL, &err);
  if (!component) return fprintf(stderr, "%s\n", err.message), 1;
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  cm_component_instance *inst = cm_instantiate(store, component, NULL, &trap, &err);
  if (!inst) fail("instantiate", trap);
  printf("async export calls on one instance (each yields once), ns per call, median of %d:\n", ROUNDS);
  printf("  %-10s %10s %10s %10s\n", "lift", "1 at once", "16", "256");
  const char *names[2] = {"add-callback", "add-stackful"};
  for (int k = 0; k < 2; k++) {
    uint64_t a = concurrent_calls(inst, names[k], 1), b = concurrent_calls(inst, names[k], 16),
             c = concurrent_calls(inst, names[k], 256);
    printf("  %-10s %10llu %10llu %10llu\n", k ? "stackful" : "callback", (unsigned long long)a,
           (unsigned long long)b, (unsigned long long)c);
  }
  printf("streams of u8, 64 KiB per read and write, %u MiB:\n", TOTAL >> 20);
  printf("  component -> component  %8.0f MB/s\n", component_to_component(inst));
  printf("  guest -> host end       %8.0f MB/s\n", guest_to_host(inst));
  printf("  memcpy (same chunks)    %8.0f MB/s\n", memcpy_rate());
  cm_component_instance_free(inst);
  wasm_store_free(store);
  cm_component_free(component);
  return 0;
}
