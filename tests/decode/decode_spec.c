/* Decodes the modules of wast2json outputs: every `module` command (and every module of
 * assert_unlinkable / assert_uninstantiable) must decode. Binary
 * assert_malformed modules are tallied (rejected / message category matched) for information
 * only, since some of them are malformed inside function bodies, which the validator reads.
 *
 *   decode_spec [--enable=simd,exceptions,memory64,multi_memory,tail_call,extended_const] [--list-malformed]
 *               file.json... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "wasm/module.h"

typedef struct tally {
  unsigned modules, module_failures;
  unsigned malformed, malformed_rejected, malformed_matched;
} tally;

static bool list_malformed;

static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  uint8_t *buf = wr_malloc(cap);
  size_t n;
  while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) buf = wr_realloc(buf, cap *= 2);
  }
  fclose(f);
  *size = len;
  return buf;
}

/* Copies the string value of "key": "..." found in `line` (no escapes needed for file names;
 * escaped quotes in texts are left as they are). */
static bool json_field(const char *line, const char *key, char *out, size_t cap) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\": \"", key);
  const char *p = strstr(line, pattern);
  if (!p) return false;
  p += strlen(pattern);
  size_t n = 0;
  while (p[n] && !(p[n] == '"' && (n == 0 || p[n - 1] != '\\')) && n + 1 < cap) n++;
  memcpy(out, p, n);
  out[n] = 0;
  return true;
}

static void check_json(const char *json_path, const wasm_features *features, tally *t) {
  size_t size;
  char *text = (char *)read_file(json_path, &size);
  if (!text) {
    fprintf(stderr, "cannot read %s\n", json_path);
    t->module_failures++;
    return;
  }
  text = wr_realloc(text, size + 1);
  text[size] = 0;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", json_path);
  char *slash = strrchr(dir, '/');
  if (slash) slash[1] = 0; else dir[0] = 0;

  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char type[64], filename[1024], expected[256], module_type[32];
    if (!json_field(line, "type", type, sizeof type) || !json_field(line, "filename", filename, sizeof filename))
      continue;
    /* modules that must load as far as decoding: plain ones and those that fail only later */
    bool is_module = strcmp(type, "module") == 0 || strcmp(type, "assert_unlinkable") == 0 ||
                     strcmp(type, "assert_uninstantiable") == 0;
    bool is_malformed = strcmp(type, "assert_malformed") == 0 && json_field(line, "module_type", module_type,
                                                                              sizeof module_type) &&
                        strcmp(module_type, "binary") == 0;
    if (!is_module && !is_malformed) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s%s", dir, filename);
    size_t wasm_size;
    uint8_t *wasm = read_file(path, &wasm_size);
    if (!wasm) {
      fprintf(stderr, "cannot read %s\n", path);
      t->module_failures++;
      continue;
    }
    wr_error err = {0};
    wasm_module *m = wasm_decode(wasm, wasm_size, features, &err);
    if (is_module) {
      t->modules++;
      if (!m) {
        t->module_failures++;
        fprintf(stderr, "FAIL %s: %s at %zu\n", path, err.message, err.offset);
      }
    } else {
      t->malformed++;
      if (!json_field(line, "text", expected, sizeof expected)) expected[0] = 0;
      if (!m) {
        t->malformed_rejected++;
        if (strncmp(err.message, expected, strlen(expected)) == 0) t->malformed_matched++;
        else if (list_malformed) fprintf(stderr, "message %s: want \"%s\", got \"%s\"\n", path, expected, err.message);
      } else if (list_malformed) {
        fprintf(stderr, "accepted %s (want \"%s\")\n", path, expected);
      }
    }
    wasm_module_free(m);
    wr_free(wasm);
  }
  wr_free(text);
}

static bool enable(wasm_features *f, const char *name) {
  if (strcmp(name, "simd") == 0) f->simd = true;
  else if (strcmp(name, "exceptions") == 0) f->exceptions = true;
  else if (strcmp(name, "memory64") == 0) f->memory64 = true;
  else if (strcmp(name, "multi_memory") == 0) f->multi_memory = true;
  else if (strcmp(name, "tail_call") == 0) f->tail_call = true;
  else if (strcmp(name, "extended_const") == 0) f->extended_const = true;
  else return false;
  return true;
}

int main(int argc, char **argv) {
  wasm_features features = wasm_features_default();
  /* the suites expect wabt's defaults: one memory unless --enable=multi_memory (core's
   * "multiple memories" assertions) */
  features.multi_memory = false;
  tally t = {0};
  int njson = 0;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--enable=", 9) == 0) {
      char names[256];
      snprintf(names, sizeof names, "%s", argv[i] + 9);
      for (char *name = strtok(names, ","); name; name = strtok(NULL, ",")) {
        if (!enable(&features, name)) {
          fprintf(stderr, "unknown feature %s\n", name);
          return 2;
        }
      }
    } else if (strcmp(argv[i], "--list-malformed") == 0) {
      list_malformed = true;
    }
  }
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0) continue;
    check_json(argv[i], &features, &t);
    njson++;
  }
  printf("%d files: %u/%u modules decoded; binary assert_malformed: %u/%u rejected by the decoder, %u with the "
         "expected message\n",
         njson, t.modules - t.module_failures, t.modules, t.malformed_rejected, t.malformed, t.malformed_matched);
  return njson > 0 && t.module_failures == 0 ? 0 : 1;
}
