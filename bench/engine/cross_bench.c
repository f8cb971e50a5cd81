/* Calls between instances: ns per call of a one-instruction function called from a loop as a
 * function of the same instance, as an import from another instance, and through a table
 * holding that import (bench/engine/cross_caller.wat, cross_callee.wat). Issue 14 item 5.
 * Usage: engine_cross_bench CALLER.wasm CALLEE.wasm [calls] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm/runtime.h"

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static wasm_module *load(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  uint8_t bytes[4096];
  size_t size = fread(bytes, 1, sizeof bytes, f);
  fclose(f);
  wr_error err = {0};
  wasm_features features = wasm_features_default();
  wasm_module *module = wasm_module_load(bytes, size, &features, &err, NULL);
  if (!module) {
    fprintf(stderr, "%s: %s\n", path, err.message);
    exit(1);
  }
  return module;
}

static wasm_extern export_of(wasm_instance *inst, const char *name) {
  wasm_extern e;
  if (!wasm_instance_export(inst, name, strlen(name), &e) || e.kind != WASM_EXTERN_FUNC) {
    fprintf(stderr, "missing export %s\n", name);
    exit(1);
  }
  return e;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: engine_cross_bench CALLER.wasm CALLEE.wasm [calls]\n");
    return 2;
  }
  uint32_t calls = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 20000000u;
  wasm_module *caller = load(argv[1]), *callee = load(argv[2]);
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  wr_error err = {0};
  wasm_instance *lib = wasm_instantiate(store, callee, NULL, 0, &trap, &err);
  if (!lib) return 1;
  wasm_extern inc = export_of(lib, "inc");
  wasm_instance *inst = wasm_instantiate(store, caller, &inc, 1, &trap, &err);
  if (!inst) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  static const char *const kinds[] = {"local", "imported", "indirect"};
  for (size_t k = 0; k < 3; k++) {
    wasm_slot slots[1] = {calls};
    double start = seconds();
    if (wasm_func_call(store, export_of(inst, kinds[k]).of.func, slots)) return 1;
    double elapsed = seconds() - start;
    printf("%-8s %u calls in %.3f s = %.2f ns/call (result %llu)\n", kinds[k], calls, elapsed,
           elapsed * 1e9 / calls, (unsigned long long)slots[0]);
  }
  wasm_store_free(store);
  wasm_module_free(caller);
  wasm_module_free(callee);
  return 0;
}
