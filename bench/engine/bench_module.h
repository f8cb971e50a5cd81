/* What the engine micro-benchmarks share: loading a small module and finding an exported
 * function, exiting with a message when either fails. */
#ifndef WARREN_BENCH_ENGINE_BENCH_MODULE_H
#define WARREN_BENCH_ENGINE_BENCH_MODULE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm/runtime.h"

static inline double bench_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A module of at most 4 KiB (the benchmarks' own .wat files). */
static inline wasm_module *bench_load_module(const char *path) {
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

static inline wasm_func *bench_export_func(wasm_instance *inst, const char *name) {
  wasm_extern e;
  if (!wasm_instance_export(inst, name, strlen(name), &e) || e.kind != WASM_EXTERN_FUNC) {
    fprintf(stderr, "missing export %s\n", name);
    exit(1);
  }
  return e.of.func;
}

#endif
