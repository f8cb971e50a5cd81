/* Instantiation benchmark: `instantiate_bench COMPONENT.wasm [N]` loads a component once
 * (decode, validate, compile: the cost every instance shares), then instantiates it N times
 * with the WASI 0.2 + wasi:http host the server uses — a fresh store, WASI context and
 * component instance each time, freed again — and prints the median, p90, p99 and mean microseconds per
 * instantiation (the per-request cost of p2's fresh instance per request). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/alloc.h"
#include "component/instance.h"
#include "wasi/http.h"
#include "wasi/p2.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static bool read_all(const char *path, uint8_t **out, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  *out = wr_malloc(n > 0 ? (size_t)n : 1);
  *size = fread(*out, 1, (size_t)n, f);
  fclose(f);
  return *size == (size_t)n;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: instantiate_bench COMPONENT.wasm [N]\n");
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 1000;
  if (n < 1) n = 1;
  uint8_t *bytes;
  size_t size;
  if (!read_all(argv[1], &bytes, &size)) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  wr_error err = {0};
  wasm_features features = wasm_features_default();
  uint64_t t0 = now_ns();
  cm_component *component = cm_component_load(bytes, size, &features, &err);
  uint64_t load_ns = now_ns() - t0;
  cm_host *host = cm_host_new();
  if (!component || !wasi_p2_define(host, &err) || !wasi_http_define(host, &err)) {
    fprintf(stderr, "%s: %s\n", argv[1], err.message);
    return 1;
  }
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  uint64_t *samples = WR_NEW_ARRAY(uint64_t, (size_t)n);
  double total = 0;
  for (int i = 0; i < n; i++) {
    uint64_t start = now_ns();
    wasm_store *store = wasm_store_new();
    wasi_p2_ctx *ctx = wasi_p2_ctx_new(&config);
    wasi_p2_ctx_attach(ctx, store);
    wasi_http_ctx *http = wasi_http_ctx_new(ctx, NULL, NULL);
    wasm_trap *trap = NULL;
    cm_component_instance *inst = cm_instantiate(store, component, host, &trap, &err);
    if (!inst) {
      fprintf(stderr, "%s: %s\n", argv[1], trap ? trap->message : err.message);
      return 1;
    }
    cm_component_instance_free(inst);
    wasm_store_free(store);
    wasi_p2_ctx_free(ctx);
    wasi_http_ctx_free(http);
    samples[i] = now_ns() - start;
    total += (double)samples[i];
  }
  qsort(samples, (size_t)n, sizeof *samples, compare_u64);
  printf("%s: load %.1f ms; instantiate x%d: median %.1f us, p90 %.1f us, p99 %.1f us, mean %.1f us\n", argv[1],
         (double)load_ns / 1e6, n, (double)samples[n / 2] / 1e3, (double)samples[n * 9 / 10] / 1e3,
         (double)samples[n * 99 / 100] / 1e3, total / n / 1e3);
  wr_free(samples);
  cm_host_free(host);
  cm_component_free(component);
  wr_free(bytes);
  return 0;
}
