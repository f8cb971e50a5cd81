/* Calls between instances: ns per call of a one-instruction function called from a loop as a
 * function of the same instance, as an import from another instance, and through a table
 * holding that import (bench/engine/cross_caller.wat, cross_callee.wat). Issue 14 item 5.
 * Usage: engine_cross_bench CALLER.wasm CALLEE.wasm [calls] */
#include "bench_module.h"

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: engine_cross_bench CALLER.wasm CALLEE.wasm [calls]\n");
    return 2;
  }
  uint32_t calls = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 20000000u;
  wasm_module *caller = bench_load_module(argv[1]), *callee = bench_load_module(argv[2]);
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  wr_error err = {0};
  wasm_instance *lib = wasm_instantiate(store, callee, NULL, 0, &trap, &err);
  if (!lib) return 1;
  wasm_extern inc = {WASM_EXTERN_FUNC, {.func = bench_export_func(lib, "inc")}};
  wasm_instance *inst = wasm_instantiate(store, caller, &inc, 1, &trap, &err);
  if (!inst) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  static const char *const kinds[] = {"local", "imported", "indirect"};
  for (size_t k = 0; k < 3; k++) {
    wasm_slot slots[1] = {calls};
    double start = bench_seconds();
    if (wasm_func_call(store, bench_export_func(inst, kinds[k]), slots)) return 1;
    double elapsed = bench_seconds() - start;
    printf("%-8s %u calls in %.3f s = %.2f ns/call (result %llu)\n", kinds[k], calls, elapsed,
           elapsed * 1e9 / calls, (unsigned long long)slots[0]);
  }
  wasm_store_free(store);
  wasm_module_free(caller);
  wasm_module_free(callee);
  return 0;
}
