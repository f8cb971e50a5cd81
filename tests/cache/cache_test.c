/* The compiled-module cache (src/wasm/cache.c): a first load writes the file, the next one uses
 * it (validation skipped, memory image mapped from it) and behaves the same; a corrupt,
 * truncated, foreign or mismatched file is rejected with a note saying why, the input is loaded
 * from scratch and the file rewritten; a precompiled file runs alone and is checked whole.
 * Usage: cache_test DIR (holding image_reset.wasm) SCRATCH_DIR. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "wasm/cache.h"
#include "wasm/runtime.h"

static int failures;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                               \
    }                                                                           \
  } while (0)

static uint8_t *input;
static size_t input_size;
static char dir[512];

static uint8_t *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *bytes = malloc(*size ? *size : 1);
  if (fread(bytes, 1, *size, f) != *size) exit(2);
  fclose(f);
  return bytes;
}
static void write_all(const char *path, const uint8_t *bytes, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(bytes, 1, size, f) != size) exit(2);
  fclose(f);
}

/* The one file in dir (the cache writes one per input). */
static bool cache_file(char *path, size_t n) {
  DIR *d = opendir(dir);
  if (!d) return false;
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') snprintf(path, n, "%s/%s", dir, e->d_name), found++;
  closedir(d);
  return found == 1;
}

static uint32_t call_read(wasm_store *store, wasm_instance *inst, uint32_t address) {
  wasm_extern e;
  if (!wasm_instance_export(inst, "read", 4, &e)) return 0xFFFFFFFF;
  wasm_slot slots[1] = {address};
  return wasm_func_call(store, e.of.func, slots) ? 0xFFFFFFFF : (uint32_t)slots[0];
}

/* Loads the input within the current session and checks what the image put in memory. */
static void load_and_check(const uint8_t *bytes, size_t size) {
  wasm_features features = wasm_features_default();
  wr_error err = {0};
  wasm_module *m = wasm_module_load(bytes, size, &features, &err, NULL);
  CHECK(m != NULL);
  if (!m) return;
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(store, m, NULL, 0, &trap, &err);
  CHECK(inst != NULL);
  if (inst) {
    CHECK(call_read(store, inst, 0) == 'a' && call_read(store, inst, 2) == 'c');
    CHECK(call_read(store, inst, 70001) == 'y');
    CHECK(call_read(store, inst, 5) == 0);
  }
  wasm_store_free(store);
  wasm_module_free(m);
}

/* One load through the cache directory: whether it hit, and the note. */
static bool load_through_cache(char *note, size_t note_size) {
  wasm_features features = wasm_features_default();
  wasm_cache_session *s = wasm_cache_begin(dir, input, input_size, &features, note, note_size);
  bool hit = wasm_cache_hit(s);
  CHECK(wasm_cache_current() == s);
  load_and_check(input, input_size);
  wr_error err = {0};
  CHECK(wasm_cache_end(s, true, &err));
  CHECK(wasm_cache_current() == NULL);
  return hit;
}

/* Rewrites the cache file with fn applied to its bytes. */
static void tamper(void (*fn)(uint8_t *bytes, size_t *size)) {
  char path[1024];
  CHECK(cache_file(path, sizeof path));
  size_t size;
  uint8_t *bytes = read_all(path, &size);
  fn(bytes, &size);
  write_all(path, bytes, size);
  free(bytes);
}
static void flip_last_byte(uint8_t *bytes, size_t *size) { bytes[*size - 1] ^= 0x40; }
static void flip_image_byte(uint8_t *bytes, size_t *size) {
  /* the image is the first thing at a 4 KiB boundary: "abc" */
  CHECK(*size > 4096 && bytes[4096] == 'a');
  bytes[4096] = 'Z';
}
static void truncate_half(uint8_t *bytes, size_t *size) {
  (void)bytes;
  *size /= 2;
}
static void other_build(uint8_t *bytes, size_t *size) {
  (void)size;
  bytes[24] ^= 1; /* the build id, then the header's checksum made right again */
  wasm_hash128 h = wasm_content_hash(bytes, 128);
  memcpy(bytes + 128, &h, sizeof h);
}
static void bad_header_checksum(uint8_t *bytes, size_t *size) {
  (void)size;
  bytes[96] ^= 1; /* the module count */
}
static void not_a_cache_file(uint8_t *bytes, size_t *size) {
  memcpy(bytes, "\0asm", 4);
  (void)size;
}

static void expect_rejected(void (*fn)(uint8_t *, size_t *), const char *why) {
  tamper(fn);
  char note[1024];
  CHECK(!load_through_cache(note, sizeof note));
  if (!strstr(note, "rejected") || !strstr(note, why)) {
    fprintf(stderr, "note for '%s': %s\n", why, note);
    failures++;
  }
  /* rewritten: the next load hits again */
  CHECK(load_through_cache(note, sizeof note));
  CHECK(note[0] == 0);
}

static void test_cache_directory(void) {
  char note[1024];
  CHECK(!load_through_cache(note, sizeof note)); /* a miss writes the file */
  CHECK(note[0] == 0);
  char path[1024];
  CHECK(cache_file(path, sizeof path));
  CHECK(strstr(path, ".cwasm") != NULL);
  CHECK(load_through_cache(note, sizeof note)); /* then hits */
  CHECK(note[0] == 0);
  expect_rejected(flip_last_byte, "checksum");
  expect_rejected(flip_image_byte, "checksum");
  expect_rejected(truncate_half, "truncated");
  expect_rejected(other_build, "another warren build");
  expect_rejected(bad_header_checksum, "header's checksum");
  expect_rejected(not_a_cache_file, "magic");
  /* a module that fails to load leaves no file behind */
  CHECK(cache_file(path, sizeof path));
  unlink(path);
  wasm_features features = wasm_features_default();
  uint8_t broken[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x05};
  wasm_cache_session *s = wasm_cache_begin(dir, broken, sizeof broken, &features, note, sizeof note);
  wr_error err = {0};
  CHECK(wasm_module_load(broken, sizeof broken, &features, &err, NULL) == NULL);
  CHECK(wasm_cache_end(s, false, &err));
  CHECK(!cache_file(path, sizeof path));
}

static void test_features_are_part_of_the_key(void) {
  char note[1024], path[1024];
  CHECK(!load_through_cache(note, sizeof note));
  wasm_features features = wasm_features_default();
  features.tail_call = !features.tail_call;
  wasm_cache_session *s = wasm_cache_begin(dir, input, input_size, &features, note, sizeof note);
  CHECK(!wasm_cache_hit(s)); /* another file name: a miss, not a rejection */
  CHECK(note[0] == 0);
  wr_error err = {0};
  wasm_module *m = wasm_module_load(input, input_size, &features, &err, NULL);
  CHECK(m != NULL);
  if (m) wasm_module_free(m);
  CHECK(wasm_cache_end(s, m != NULL, &err));
  CHECK(!cache_file(path, sizeof path)); /* now two files */
}

static void test_precompiled(void) {
  char out[1024], note[1024];
  snprintf(out, sizeof out, "%s/app.cwasm", dir);
  wasm_features features = wasm_features_default();
  wasm_cache_session *s = wasm_cache_begin_compile(out, input, input_size, &features);
  load_and_check(input, input_size);
  wr_error err = {0};
  CHECK(wasm_cache_end(s, true, &err));
  size_t size;
  uint8_t *file = read_all(out, &size);
  CHECK(file && wasm_cache_is_precompiled(file, size));
  uint8_t *embedded = NULL;
  size_t embedded_size = 0;
  s = wasm_cache_begin_precompiled(out, &features, &embedded, &embedded_size, note, sizeof note, &err);
  CHECK(s && wasm_cache_hit(s) && note[0] == 0);
  CHECK(embedded_size == input_size && embedded && memcmp(embedded, input, input_size) == 0);
  if (s) {
    load_and_check(embedded, embedded_size);
    CHECK(wasm_cache_end(s, true, &err));
  }
  wr_free(embedded);
  /* the input inside is covered by the checksum too */
  file[size - 3] ^= 0x10;
  write_all(out, file, size);
  wr_error rejected = {0};
  s = wasm_cache_begin_precompiled(out, &features, &embedded, &embedded_size, note, sizeof note, &rejected);
  CHECK(s == NULL && strstr(rejected.message, "checksum"));
  CHECK(wasm_cache_current() == NULL);
  free(file);
  unlink(out);
}

/* The loader on every truncation of a valid file, skipping the checksums: never reads outside. */
static void test_parse_truncations(void) {
  char out[1024];
  snprintf(out, sizeof out, "%s/t.cwasm", dir);
  wasm_features features = wasm_features_default();
  wasm_cache_session *s = wasm_cache_begin_compile(out, input, input_size, &features);
  load_and_check(input, input_size);
  wr_error err = {0};
  CHECK(wasm_cache_end(s, true, &err));
  size_t size;
  uint8_t *file = read_all(out, &size);
  wasm_cache_view view;
  CHECK(wasm_cache_parse(file, size, 0, &view, &err));
  CHECK(view.nmodules == 1 && view.nimages == 1 && view.same_build && view.input_size == input_size);
  for (size_t n = 0; n < size; n += 7) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, file, n);
    wr_error e = {0};
    CHECK(!wasm_cache_parse(copy, n, WASM_CACHE_SKIP_CHECKSUM, &view, &e));
    free(copy);
  }
  free(file);
  unlink(out);
}

static void clear_dir(void) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[1024];
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) snprintf(path, sizeof path, "%s/%s", dir, e->d_name), unlink(path);
  closedir(d);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: cache_test DIR SCRATCH_DIR\n");
    return 2;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/image_reset.wasm", argv[1]);
  input = read_all(path, &input_size);
  if (!input) {
    fprintf(stderr, "cannot read %s\n", path);
    return 2;
  }
  /* a directory the cache must make, parents included */
  snprintf(dir, sizeof dir, "%s/cache-test/nested", argv[2]);
  clear_dir();
  test_cache_directory();
  clear_dir();
  test_features_are_part_of_the_key();
  clear_dir();
  test_precompiled();
  test_parse_truncations();
  clear_dir();
  free(input);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("cache tests passed\n");
  return 0;
}
