/* Runs the validator over the modules of wast2json outputs:
 *   - every `module` (and assert_unlinkable / assert_uninstantiable module) must decode and validate;
 *   - every assert_invalid module must be rejected (by the validator, or already by the decoder);
 *   - binary assert_malformed modules must be rejected by decode + validate (their malformations
 *     inside function bodies are the validator's to find).
 *
 *   validate_spec [--enable=simd,exceptions,memory64,multi_memory,tail_call,extended_const] [--verbose]
 *                 file.json...
 * Exit status 0 only when every module is classified right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "wasm/module.h"
#include "wasm/validate.h"

typedef struct tally {
  unsigned valid, valid_accepted;
  unsigned invalid, invalid_rejected, invalid_rejected_by_decoder, invalid_rejected_as_invalid;
  unsigned malformed, malformed_rejected, malformed_rejected_as_malformed;
} tally;

static bool verbose;

static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0, n;
  uint8_t *buf = wr_malloc(cap);
  while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) buf = wr_realloc(buf, cap *= 2);
  }
  fclose(f);
  *size = len;
  return buf;
}

/* The string value of "key": "..." in one wast2json command line. */
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

typedef enum { EXPECT_VALID, EXPECT_INVALID, EXPECT_MALFORMED } expectation;

static void check_module(const char *path, expectation expect, const char *expected_text,
                         const wasm_features *features, tally *t) {
  size_t size;
  uint8_t *wasm = read_file(path, &size);
  wr_error err = {0};
  wasm_module *m = wasm ? wasm_decode(wasm, size, features, &err) : NULL;
  bool decoded = m != NULL;
  bool valid = decoded && wasm_validate(m, &err);
  if (!wasm) snprintf(err.message, sizeof err.message, "cannot read the file");
  switch (expect) {
    case EXPECT_VALID:
      t->valid++;
      if (valid) t->valid_accepted++;
      else fprintf(stderr, "FAIL valid module rejected: %s: %s\n", path, err.message);
      break;
    case EXPECT_INVALID:
      t->invalid++;
      if (!valid) {
        t->invalid_rejected++;
        if (!decoded) t->invalid_rejected_by_decoder++;
        else if (!wasm_validate_error_is_malformed(&err)) t->invalid_rejected_as_invalid++;
        if (verbose) fprintf(stderr, "ok %s: want \"%s\", got \"%s\"\n", path, expected_text, err.message);
      } else {
        fprintf(stderr, "FAIL invalid module accepted: %s (want \"%s\")\n", path, expected_text);
      }
      break;
    case EXPECT_MALFORMED:
      t->malformed++;
      if (valid) {
        fprintf(stderr, "FAIL malformed module accepted: %s (want \"%s\")\n", path, expected_text);
        break;
      }
      t->malformed_rejected++;
      if (!decoded || wasm_validate_error_is_malformed(&err)) t->malformed_rejected_as_malformed++;
      else if (verbose)
        fprintf(stderr, "rejected as invalid: %s (want \"%s\", got \"%s\")\n", path, expected_text, err.message);
      break;
  }
  wasm_module_free(m);
  wr_free(wasm);
}

static void check_json(const char *json_path, const wasm_features *features, tally *t) {
  size_t size;
  char *text = (char *)read_file(json_path, &size);
  if (!text) {
    fprintf(stderr, "FAIL cannot read %s\n", json_path);
    t->valid++;
    return;
  }
  text = wr_realloc(text, size + 1);
  text[size] = 0;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", json_path);
  char *slash = strrchr(dir, '/');
  if (slash) slash[1] = 0;
  else dir[0] = 0;

  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char type[64], filename[1024], expected_text[256], module_type[32];
    if (!json_field(line, "type", type, sizeof type) || !json_field(line, "filename", filename, sizeof filename))
      continue;
    if (json_field(line, "module_type", module_type, sizeof module_type) && strcmp(module_type, "binary") != 0)
      continue; /* text modules are for text parsers */
    if (!json_field(line, "text", expected_text, sizeof expected_text)) expected_text[0] = 0;
    expectation expect;
    if (strcmp(type, "module") == 0 || strcmp(type, "assert_unlinkable") == 0 ||
        strcmp(type, "assert_uninstantiable") == 0)
      expect = EXPECT_VALID;
    else if (strcmp(type, "assert_invalid") == 0)
      expect = EXPECT_INVALID;
    else if (strcmp(type, "assert_malformed") == 0)
      expect = EXPECT_MALFORMED;
    else
      continue;
    char path[8192];
    snprintf(path, sizeof path, "%s%s", dir, filename);
    check_module(path, expect, expected_text, features, t);
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
      for (char *name = strtok(names, ","); name; name = strtok(NULL, ","))
        if (!enable(&features, name)) {
          fprintf(stderr, "unknown feature %s\n", name);
          return 2;
        }
    } else if (strcmp(argv[i], "--verbose") == 0) {
      verbose = true;
    }
  }
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0) continue;
    check_json(argv[i], &features, &t);
    njson++;
  }
  printf("%d files: valid modules accepted %u/%u; assert_invalid rejected %u/%u (%u by the validator as invalid, "
         "%u already by the decoder); binary assert_malformed rejected %u/%u (%u as malformed)\n",
         njson, t.valid_accepted, t.valid, t.invalid_rejected, t.invalid, t.invalid_rejected_as_invalid,
         t.invalid_rejected_by_decoder, t.malformed_rejected, t.malformed, t.malformed_rejected_as_malformed);
  bool all = t.valid_accepted == t.valid && t.invalid_rejected == t.invalid && t.malformed_rejected == t.malformed;
  return njson > 0 && all ? 0 : 1;
}
