/* What the engine tests that load .wasm files from a folder share: loading one (exits on
 * failure: a missing or broken fixture is not a test result), instantiating, and finding exports. */
#ifndef WARREN_TESTS_ENGINE_MODULE_FILES_H
#define WARREN_TESTS_ENGINE_MODULE_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/engine.h"

static inline wasm_module *load(const char *dir, const char *name, wasm_features features) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *bytes = malloc((size_t)n);
  if (fread(bytes, 1, (size_t)n, f) != (size_t)n) exit(2);
  fclose(f);
  wr_error err = {0};
  wasm_module *m = wasm_module_load(bytes, (size_t)n, &features, &err, NULL);
  free(bytes);
  if (!m) {
    fprintf(stderr, "%s: %s\n", name, err.message);
    exit(2);
  }
  return m;
}

static inline wasm_instance *instantiate(wasm_store *store, const wasm_module *m, const wasm_extern *imports, uint32_t n) {
  wr_error err = {0};
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(store, m, imports, n, &trap, &err);
  if (!inst) {
    fprintf(stderr, "instantiation failed: %s\n", err.message);
    exit(2);
  }
  return inst;
}

static inline wasm_extern export_of(wasm_instance *inst, const char *name) {
  wasm_extern e;
  if (!wasm_instance_export(inst, name, strlen(name), &e)) {
    fprintf(stderr, "missing export %s\n", name);
    exit(2);
  }
  return e;
}

#endif
