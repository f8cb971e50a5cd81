/* The compiled-module cache (src/wasm/cache.c): a first load writes the file, the next one uses
 * it (validation skipped, memory image mapped from it) and behaves the same; a corrupt,
 * truncated, foreign or mismatched file is rejected with a note saying why, the input is loaded
 * from scratch and the file rewritten; a precompiled file runs alone and is checked whole.
 * The file holds every function translated: a module loaded from it runs without translating
 * any, and a function whose stored code fails a check (its checksum, a relocation) is translated
 * instead. Files and directories that others could write are not used.
 * Usage: cache_test DIR (holding image_reset.wasm) SCRATCH_DIR CODE.wasm (tests/cache/code.wat). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "wasm/cache.h"
#include "wasm/compile.h"
#include "wasm/native.h"
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

/* Export `name` called with up to two i32 arguments: its i32 result, or 0xFFFFFFFF. */
static uint32_t call_export(wasm_store *store, wasm_instance *inst, const char *name, uint32_t a, uint32_t b) {
  wasm_extern e;
  if (!wasm_instance_export(inst, name, strlen(name), &e)) return 0xFFFFFFFF;
  wasm_slot slots[2] = {a, b};
  return wasm_func_call(store, e.of.func, slots) ? 0xFFFFFFFF : (uint32_t)slots[0];
}

/* Loads an input within the current session, instantiates it and checks the instance. */
static void load_and_run(const uint8_t *bytes, size_t size, void (*check)(wasm_store *store, wasm_instance *inst)) {
  wasm_features features = wasm_features_default();
  wr_error err = {0};
  wasm_module *m = wasm_module_load(bytes, size, &features, &err, NULL);
  CHECK(m != NULL);
  if (!m) return;
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(store, m, NULL, 0, &trap, &err);
  CHECK(inst != NULL);
  if (inst) check(store, inst);
  wasm_store_free(store);
  wasm_module_free(m);
}

/* What the image put in memory. */
static void check_image(wasm_store *store, wasm_instance *inst) {
  CHECK(call_export(store, inst, "read", 0, 0) == 'a' && call_export(store, inst, "read", 2, 0) == 'c');
  CHECK(call_export(store, inst, "read", 70001, 0) == 'y');
  CHECK(call_export(store, inst, "read", 5, 0) == 0);
}
static void load_and_check(const uint8_t *bytes, size_t size) { load_and_run(bytes, size, check_image); }

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

static void clear_dir(void) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[1024];
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) snprintf(path, sizeof path, "%s/%s", dir, e->d_name), unlink(path);
  closedir(d);
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
static void flip_table_byte(uint8_t *bytes, size_t *size) {
  (void)size;
  bytes[WASM_CACHE_HEADER_SIZE + 4] ^= 0x40; /* the module table, which the payload's checksum covers */
}
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
  bytes[WASM_CACHE_H_BUILD_ID] ^= 1; /* the build id, then the header's checksum made right again */
  wasm_hash128 h = wasm_content_hash(bytes, WASM_CACHE_H_HEADER_HASH);
  memcpy(bytes + WASM_CACHE_H_HEADER_HASH, &h, sizeof h);
}
static void bad_header_checksum(uint8_t *bytes, size_t *size) {
  (void)size;
  bytes[WASM_CACHE_H_NMODULES] ^= 1;
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
  expect_rejected(flip_table_byte, "checksum");
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

/* ---- the code area: every function translated, in the file (tests/cache/code.wat) ---- */

static uint8_t *code_input;
static size_t code_size;

/* What code.wasm's exports return. */
static void check_code(wasm_store *store, wasm_instance *inst) {
  CHECK(call_export(store, inst, "fib", 20, 0) == 6765);
  CHECK(call_export(store, inst, "apply", 0, 21) == 42);
  CHECK(call_export(store, inst, "apply", 1, 12) == 144);
  CHECK(call_export(store, inst, "apply", 2, 10) == 55);
  CHECK(call_export(store, inst, "apply", 3, 1) == 22); /* 1 + 21 + (21 << 32), wrapped */
  CHECK(call_export(store, inst, "grow", 0, 0) == 1);
  CHECK(call_export(store, inst, "sum", 100, 0) == 9900);
}
/* Loads code.wasm within the current session and checks what its exports return. */
static void run_code(void) { load_and_run(code_input, code_size, check_code); }

static bool code_through_cache(char *note, size_t note_size) {
  wasm_features features = wasm_features_default();
  wasm_cache_session *s = wasm_cache_begin(dir, code_input, code_size, &features, note, note_size);
  bool hit = wasm_cache_hit(s);
  run_code();
  wr_error err = {0};
  CHECK(wasm_cache_end(s, true, &err));
  return hit;
}

typedef struct counts {
  uint64_t compiles, translations, from_file, installs;
} counts;
static counts counted(void) {
  return (counts){wasm_lazy_compiles(), wasm_native_translations(), wasm_lazy_cache_installs(), wasm_native_installs()};
}
static bool native(void) { return wasm_native_target() != 0; }

static uint64_t blob_size(const uint8_t *e) {
  return (uint64_t)wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN) * 4 + (uint64_t)wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN) * 8 +
         (uint64_t)wasm_cache_get32(e + WASM_CACHE_F_NRELOCS) * 12 + wasm_cache_get32(e + WASM_CACHE_F_PIECE_SIZE);
}
/* The entry of the first stored function whose machine code has relocations, else NULL. */
static uint8_t *func_with_relocs(uint8_t *bytes, size_t size) {
  wasm_cache_view view;
  wr_error err = {0};
  if (!wasm_cache_parse(bytes, size, 0, &view, &err)) return NULL;
  for (uint32_t i = 0; i < view.nfuncs; i++) {
    uint8_t *e = bytes + (view.funcs - bytes) + (size_t)i * WASM_CACHE_FUNC_ENTRY;
    if (wasm_cache_get32(e + WASM_CACHE_F_NRELOCS)) return e;
  }
  return NULL;
}
/* Its first relocation, and its blob's checksum made right again after changing it. */
static uint8_t *first_reloc(uint8_t *bytes, uint8_t *e) {
  return bytes + wasm_cache_get64(e + WASM_CACHE_F_BLOB) + (size_t)wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN) * 4 +
         (size_t)wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN) * 8;
}
/* After a change to the tables: the payload's checksum and the header's made right again. */
static void fix_payload_checksums(uint8_t *bytes) {
  uint64_t code_at = wasm_cache_get64(bytes + WASM_CACHE_H_CODE_OFFSET);
  wasm_hash128 h = wasm_content_hash(bytes + WASM_CACHE_HEADER_SIZE, (size_t)code_at - WASM_CACHE_HEADER_SIZE);
  memcpy(bytes + WASM_CACHE_H_PAYLOAD_HASH, &h, sizeof h);
  h = wasm_content_hash(bytes, WASM_CACHE_H_HEADER_HASH);
  memcpy(bytes + WASM_CACHE_H_HEADER_HASH, &h, sizeof h);
}
/* ...and after a change to a function's blob, its checksum (in the function table) too. */
static void fix_blob_checksum(uint8_t *bytes, uint8_t *e) {
  wasm_hash128 h = wasm_content_hash(bytes + wasm_cache_get64(e + WASM_CACHE_F_BLOB), (size_t)blob_size(e));
  memcpy(e + WASM_CACHE_F_HASH, &h, sizeof h);
  fix_payload_checksums(bytes);
}
static void set_reloc(uint8_t *bytes, size_t size, int field, uint32_t value) {
  uint8_t *e = func_with_relocs(bytes, size);
  CHECK(e != NULL);
  if (!e) return;
  memcpy(first_reloc(bytes, e) + 4 * field, &value, 4);
  fix_blob_checksum(bytes, e);
}
static void bad_reloc_kind(uint8_t *bytes, size_t *size) { set_reloc(bytes, *size, 1, 99); }
static void bad_reloc_index(uint8_t *bytes, size_t *size) {
  uint8_t *e = func_with_relocs(bytes, *size);
  if (e) memcpy(first_reloc(bytes, e) + 4, &(uint32_t){WASM_RELOC_ENTRY}, 4);
  set_reloc(bytes, *size, 2, 1000); /* an entry of a function the module does not have */
}
static void bad_reloc_offset(uint8_t *bytes, size_t *size) {
  uint8_t *e = func_with_relocs(bytes, *size);
  set_reloc(bytes, *size, 0, e ? wasm_cache_get32(e + WASM_CACHE_F_PIECE_SIZE) - 4 : 0); /* its imm64 past the end */
}
static void flip_code_byte(uint8_t *bytes, size_t *size) {
  bytes[*size - 1] ^= 0x40; /* the last function's blob, checked when it is first called */
}
/* A function entry whose blob lies outside the file, with the payload's checksums made right. */
static void bad_func_entry(uint8_t *bytes, size_t *size) {
  uint8_t *e = bytes + WASM_CACHE_HEADER_SIZE + WASM_CACHE_MODULE_ENTRY * wasm_cache_get32(bytes + WASM_CACHE_H_NMODULES) +
               WASM_CACHE_IMAGE_ENTRY * wasm_cache_get32(bytes + WASM_CACHE_H_NIMAGES);
  CHECK(wasm_cache_get32(e + WASM_CACHE_F_FLAGS) != 0);
  uint64_t past = *size;
  memcpy(e + WASM_CACHE_F_BLOB, &past, 8);
  fix_payload_checksums(bytes);
}

/* A fresh file, then `fn` applied to it: the next load still uses the file (its tables are
 * sound), runs right, and translates the damaged function instead of taking it. */
static void expect_function_translated(void (*fn)(uint8_t *, size_t *), const char *what) {
  clear_dir();
  char note[1024];
  CHECK(!code_through_cache(note, sizeof note));
  tamper(fn);
  counts before = counted();
  bool hit = code_through_cache(note, sizeof note);
  counts after = counted();
  if (!hit || note[0] || after.compiles == before.compiles ||
      (native() && after.translations == before.translations)) {
    fprintf(stderr, "%s: hit %d, note '%s', %llu compiled, %llu translated\n", what, hit, note,
            (unsigned long long)(after.compiles - before.compiles),
            (unsigned long long)(after.translations - before.translations));
    failures++;
  }
}

static void test_code_area(void) {
  char note[1024];
  clear_dir();
  CHECK(!code_through_cache(note, sizeof note)); /* a miss: translates every function and writes them */
  counts before = counted();
  CHECK(code_through_cache(note, sizeof note));
  CHECK(note[0] == 0);
  counts after = counted();
  /* the same results with nothing translated: internal code and machine code came from the file */
  CHECK(after.compiles == before.compiles);
  CHECK(after.translations == before.translations);
  CHECK(after.from_file > before.from_file);
  CHECK(native() ? after.installs > before.installs : after.installs == before.installs);

  /* `warren compile`'s file: the same */
  char out[1024];
  snprintf(out, sizeof out, "%s/code.cwasm", dir);
  wasm_features features = wasm_features_default();
  wasm_cache_session *s = wasm_cache_begin_compile(out, code_input, code_size, &features);
  run_code();
  wr_error err = {0};
  CHECK(wasm_cache_end(s, true, &err));
  uint8_t *embedded = NULL;
  size_t embedded_size = 0;
  before = counted();
  s = wasm_cache_begin_precompiled(out, &features, &embedded, &embedded_size, note, sizeof note, &err);
  CHECK(s && wasm_cache_hit(s));
  if (s) {
    run_code();
    CHECK(wasm_cache_end(s, true, &err));
  }
  wr_free(embedded);
  after = counted();
  CHECK(after.compiles == before.compiles && after.translations == before.translations);

  /* a precompiled file with a bad relocation is rejected whole, saying which */
  if (native()) {
    size_t size;
    uint8_t *file = read_all(out, &size);
    bad_reloc_kind(file, &size);
    write_all(out, file, size);
    free(file);
    wr_error rejected = {0};
    s = wasm_cache_begin_precompiled(out, &features, &embedded, &embedded_size, note, sizeof note, &rejected);
    CHECK(s == NULL && strstr(rejected.message, "relocation 0 of function"));
  }
  unlink(out);

  /* damaged code: the function is translated instead (no crash, same results) */
  expect_function_translated(flip_code_byte, "a flipped code byte");
  if (native()) {
    expect_function_translated(bad_reloc_kind, "an unknown relocation kind");
    expect_function_translated(bad_reloc_index, "a relocation naming a function the module lacks");
    expect_function_translated(bad_reloc_offset, "a relocation past its code");
  }
  /* a bad table entry: the file is rejected with a note, the input loaded from scratch */
  clear_dir();
  CHECK(!code_through_cache(note, sizeof note));
  tamper(bad_func_entry);
  CHECK(!code_through_cache(note, sizeof note));
  if (!strstr(note, "rejected") || !strstr(note, "function entry")) {
    fprintf(stderr, "note for a bad function entry: %s\n", note);
    failures++;
  }
  CHECK(code_through_cache(note, sizeof note)); /* rewritten */
}

/* Files and directories others could write are not used. */
static void test_trust(void) {
  char note[1024], path[1024];
  clear_dir();
  CHECK(!code_through_cache(note, sizeof note));
  CHECK(cache_file(path, sizeof path));
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0077) == 0);
  chmod(path, 0666);
  CHECK(!code_through_cache(note, sizeof note));
  CHECK(strstr(note, "rejected") && strstr(note, "writable by others"));
  CHECK(code_through_cache(note, sizeof note)); /* rewritten, the user's alone */
  chmod(dir, 0777);
  CHECK(!code_through_cache(note, sizeof note));
  CHECK(strstr(note, "not used") != NULL);
  chmod(dir, 0700);
  CHECK(code_through_cache(note, sizeof note));
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: cache_test DIR SCRATCH_DIR CODE.wasm\n");
    return 2;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/image_reset.wasm", argv[1]);
  input = read_all(path, &input_size);
  code_input = read_all(argv[3], &code_size);
  if (!input || !code_input) {
    fprintf(stderr, "cannot read %s or %s\n", path, argv[3]);
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
  test_code_area();
  test_trust();
  clear_dir();
  free(input);
  free(code_input);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("cache tests passed\n");
  return 0;
}
