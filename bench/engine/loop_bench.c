/* Interpreter micro-benchmark: time per loop iteration and per call of loop.wat's kernels,
 * run through the engine API directly (no WASI, no CLI).
 * Usage: engine_loop_bench FILE.wasm [iterations] [fib-n] */
#include "bench_module.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: engine_loop_bench FILE.wasm [iterations] [fib-n]\n");
    return 2;
  }
  uint32_t iterations = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 100000000u;
  uint32_t fib_n = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 32u;
  wasm_module *module = bench_load_module(argv[1]);
  wr_error err = {0};
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(store, module, NULL, 0, &trap, &err);
  if (!inst) return 1;

  wasm_slot slots[2] = {iterations, 0};
  double start = bench_seconds();
  if (wasm_func_call(store, bench_export_func(inst, "sum"), slots)) return 1;
  double elapsed = bench_seconds() - start;
  printf("sum loop: %u iterations in %.3f s = %.2f ns/iteration (sum %llu)\n", iterations, elapsed,
         elapsed * 1e9 / iterations, (unsigned long long)slots[0]);

  /* fib(n) makes fib(n+1)*2-1 calls in all: count them from the results */
  slots[0] = fib_n;
  start = bench_seconds();
  if (wasm_func_call(store, bench_export_func(inst, "fib"), slots)) return 1;
  elapsed = bench_seconds() - start;
  double a = 0, b = 1;
  for (uint32_t i = 0; i <= fib_n; i++) {
    double next = a + b;
    a = b;
    b = next;
  }
  double calls = 2 * a - 1;
  printf("fib(%u): %.3f s = %.2f ns/call (result %llu)\n", fib_n, elapsed, elapsed * 1e9 / calls,
         (unsigned long long)slots[0]);
  wasm_store_free(store);
  wasm_module_free(module);
  return 0;
}
