/* What the engine tests that load .wasm files from a folder share: loading one (exits on
 * failure: a missing or broken fixture is not a test result), instantiating, and finding exports. */
#ifndef WARREN_TESTS_ENGINE_MODULE_FILES_H
#define WARREN_TESTS_ENGINE_MODULE_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/input_file.h"
#include "wasm/engine.h"

static inline wasm_module *load(const char *dir, const char *name, wasm_features features) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  wr_error err = {0};
  uint8_t *bytes = NULL;
  size_t n = 0;
  if (!wr_read_input_file(path, &bytes, &n, &err)) {
    fprintf(stderr, "%s\n", err.message);
    exit(2);
  }
  wasm_module *m = wasm_module_load(bytes, n, &features, &err, NULL);
  wr_free(bytes);
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
