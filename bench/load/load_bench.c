/* Load-time benchmark: `load_bench FILE.wasm [N]` splits the cost of loading a core module or
 * every core module of a component (found by walking its sections) into the engine's phases —
 * decode, validate, compile (internal code, plus native code unless WARREN_ENGINE=interp),
 * type interning and memory images — and prints the median milliseconds of each over N runs,
 * then the memory the compiled code holds. Run it once as is and once with
 * WARREN_ENGINE=interp: the difference in "compile" is the native emission, and once with
 * WARREN_COMPILE=eager to translate every function at load as before lazy translation.
 * For a component it then times the whole cm_component_load, without the cache and from a
 * warm cache file (wasm/cache.h) in a scratch directory, hashing included. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <dirent.h>
#include <unistd.h>

#include "base/alloc.h"
#include "component/component.h"
#include "wasm/cache.h"
#include "wasm/compile.h"
#include "wasm/image.h"
#include "wasm/native.h"
#include "wasm/runtime.h"
#include "wasm/validate.h"

enum { PHASE_DECODE, PHASE_VALIDATE, PHASE_COMPILE, PHASE_FINISH, PHASES };
static const char *const phase_names[PHASES] = {"decode", "validate", "compile", "types+images"};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
/* CPU time of this thread: steadier than wall time on a loaded machine */
static uint64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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

typedef struct totals {
  uint64_t ns[PHASES];
  uint32_t modules, funcs;
  size_t code_bytes; /* internal code + constant pools */
} totals;

/* Loads one core module phase by phase, adding the time of each to t. */
static bool load_core(const uint8_t *bytes, size_t size, totals *t) {
  wr_error err = {0};
  wasm_features features = wasm_features_default();
  uint64_t t0 = now_ns();
  wasm_module *m = wasm_decode(bytes, size, &features, &err);
  uint64_t t1 = now_ns();
  bool ok = m && wasm_validate(m, &err);
  uint64_t t2 = now_ns();
  ok = ok && wasm_compile(m, &err);
  uint64_t t3 = now_ns();
  if (ok) {
    wasm_code_intern_types(m);
    wasm_images_build(m);
  }
  uint64_t t4 = now_ns();
  if (!ok) {
    fprintf(stderr, "load failed: %s\n", err.message);
    if (m) wasm_module_free(m);
    return false;
  }
  t->ns[PHASE_DECODE] += t1 - t0;
  t->ns[PHASE_VALIDATE] += t2 - t1;
  t->ns[PHASE_COMPILE] += t3 - t2;
  t->ns[PHASE_FINISH] += t4 - t3;
  t->modules++;
  t->funcs += m->nfuncs;
  for (uint32_t i = 0; i < m->code->nfuncs; i++) {
    const wasm_compiled_func *f = &m->code->funcs[i];
    t->code_bytes += (size_t)f->code_len * 4 + (size_t)f->init_len * 8;
  }
  wasm_module_free(m);
  return true;
}

static bool read_u32(const uint8_t *p, size_t size, size_t *pos, uint32_t *out) {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (*pos >= size) return false;
    uint8_t byte = p[(*pos)++];
    v |= (uint32_t)(byte & 0x7F) << shift;
    if (!(byte & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

/* A component: loads every core module section (id 1), recursing into nested components (id 4). */
static bool load_all(const uint8_t *bytes, size_t size, totals *t) {
  if (size < 8) return false;
  if (bytes[4] == 1 && bytes[5] == 0) return load_core(bytes, size, t); /* core module version */
  size_t pos = 8;
  while (pos < size) {
    uint8_t id = bytes[pos++];
    uint32_t len;
    if (!read_u32(bytes, size, &pos, &len) || len > size - pos) return false;
    if (id == 1 && !load_core(bytes + pos, len, t)) return false;
    if (id == 4 && !load_all(bytes + pos, len, t)) return false;
    pos += len;
  }
  return true;
}

static int compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: load_bench FILE.wasm [N]\n");
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 5;
  if (n < 1) n = 1;
  uint8_t *bytes;
  size_t size;
  if (!read_all(argv[1], &bytes, &size)) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  uint64_t *samples[PHASES + 1];
  for (int k = 0; k <= PHASES; k++) samples[k] = WR_NEW_ARRAY(uint64_t, (size_t)n);
  totals last = {0};
  for (int i = 0; i < n; i++) {
    totals t = {0};
    if (!load_all(bytes, size, &t)) {
      fprintf(stderr, "%s: cannot load\n", argv[1]);
      return 1;
    }
    uint64_t sum = 0;
    for (int k = 0; k < PHASES; k++) samples[k][i] = t.ns[k], sum += t.ns[k];
    samples[PHASES][i] = sum;
    last = t;
  }
  const char *engine = getenv("WARREN_ENGINE");
  printf("%s: %zu bytes, %u core modules, %u functions, engine %s, median of %d\n", argv[1], size, last.modules,
         last.funcs, wasm_native_enabled() ? "native" : (engine ? engine : "interp"), n);
  for (int k = 0; k <= PHASES; k++) {
    qsort(samples[k], (size_t)n, sizeof(uint64_t), compare_u64);
    printf("  %-14s %8.2f ms\n", k < PHASES ? phase_names[k] : "total", (double)samples[k][n / 2] / 1e6);
  }
  printf("  internal code  %8.2f MiB (translated at load)\n", (double)last.code_bytes / (1024.0 * 1024.0));
  if (!cm_is_component(bytes, size)) return 0;
  /* the whole component: plain, then through a cache file written by a first load */
  char dir[] = "/tmp/warren-load-bench-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  wasm_features features = wasm_features_default();
  for (int cached = 0; cached < 2; cached++) {
    for (int i = 0; i <= n; i++) { /* run 0 writes the cache file */
      wr_error err = {0};
      char note[512];
      uint64_t t0 = now_ns(), c0 = cpu_ns();
      wasm_cache_session *session = cached ? wasm_cache_begin(dir, bytes, size, &features, note, sizeof note) : NULL;
      cm_component *c = cm_component_load(bytes, size, &features, &err);
      if (session && !wasm_cache_end(session, c != NULL, &err)) fprintf(stderr, "cache: %s\n", err.message);
      uint64_t t1 = now_ns(), c1 = cpu_ns();
      if (!c) return 1;
      cm_component_free(c);
      if (i > 0) samples[0][i - 1] = t1 - t0, samples[1][i - 1] = c1 - c0;
    }
    qsort(samples[0], (size_t)n, sizeof(uint64_t), compare_u64);
    qsort(samples[1], (size_t)n, sizeof(uint64_t), compare_u64);
    printf("  component load %8.2f ms (%.2f ms CPU)%s\n", (double)samples[0][n / 2] / 1e6,
           (double)samples[1][n / 2] / 1e6, cached ? " from the cache file" : "");
  }
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    char path[sizeof dir + 256];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (e->d_name[0] != '.') unlink(path);
  }
  if (d) closedir(d);
  rmdir(dir);
  return 0;
}
