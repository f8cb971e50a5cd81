/* Host bindings (src/component/host_bind.c): rows checked against the WIT, arguments lifted
 * from core values with handles resolved to host objects, list<u8> and string passed as
 * ranges into guest memory (not copied), every guest mistake trapping with the very message
 * the plain lifting path gives, and the cm_val adapter that direct callers use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "component/host_bind.h"
#include "component/names.h"

#include "../check.h"

#define IFACE "test:bind/t@1.0.0"

static const char wit[] = "package test:bind@1.0.0;\n"
                          "interface t {\n"
                          "  resource blob;\n"
                          "  put: func(b: borrow<blob>, data: list<u8>, name: string) -> u32;\n"
                          "  words: func(data: list<u32>) -> u32;\n"
                          "  take: func(b: blob) -> u32;\n"
                          "}\n";

/* ---- the host side: blobs in a state the binder hands out ---- */
typedef struct blob {
  uint32_t id;
} blob;

static const int blob_kind = 0; /* compared by address, as wasi_kind is */
static blob blobs[3] = {{100}, {101}, {102}};
static bool have_state = true;

static wasm_trap *state_of(const cm_canon_cx *cx, void **state) {
  *state = blobs;
  return have_state ? NULL : wasm_trap_new(cx->store, WASM_TRAP_HOST, "no state");
}

static wasm_store *store;

static wasm_trap *resolve(void *state, uint32_t rep, const void *kind, void **object) {
  if (kind != &blob_kind || rep >= 3) return wasm_trap_new(store, WASM_TRAP_HOST, "unknown blob %u", rep);
  *object = (blob *)state + rep;
  return NULL;
}

static const cm_host_binder binder = {state_of, resolve};

/* What the last call saw. */
static struct {
  const blob *b;
  cm_bytes data;
  cm_text name;
  void *env;
} seen;

static wasm_trap *put(const cm_bound_call *call, cm_val *result) {
  seen.b = call->args[0].object;
  seen.data = call->args[1].bytes;
  seen.name = call->args[2].str;
  seen.env = call->env;
  uint32_t sum = seen.b->id;
  for (uint32_t i = 0; i < seen.data.len; i++) sum += seen.data.data[i];
  *result = cm_val_u(sum);
  return NULL;
}

static wasm_trap *words(const cm_bound_call *call, cm_val *result) {
  const cm_val *list = &call->args[0].val;
  uint32_t sum = 0;
  for (uint32_t i = 0; i < list->u.seq.count; i++) sum += (uint32_t)list->u.seq.items[i].u.u;
  *result = cm_val_u(sum);
  return NULL;
}

static wasm_trap *take(const cm_bound_call *call, cm_val *result) {
  *result = cm_val_u(call->args[0].val.u.rep);
  return NULL;
}

static wasm_trap *plain(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  WR_UNUSED(env);
  WR_UNUSED(cx);
  WR_UNUSED(args);
  *result = cm_val_u(0);
  return NULL;
}

/* ---- the guest side: a memory and a handle table ---- */
static wasm_memory *memory;
static cm_handle_table handles;
static cm_arena *arena;
static cm_host *host;
static const cm_type *blob_type;

static uint8_t *mem(void) { return wasm_memory_data(memory); }
static uint32_t mem_size(void) { return (uint32_t)wasm_memory_size_bytes(memory); }

/* A new own handle of a blob in the guest's table. */
static uint32_t add_handle(uint32_t rep) {
  uint32_t index = 0;
  CHECK(!cm_resource_new(store, &handles, blob_type, rep, &index));
  return index;
}

/* Calls `func` of the test interface through cm_call_host, with `impl` (NULL: the bound
 * function) and the core `slots`; the trap message or NULL. */
static const char *call(const char *func, cm_host_impl impl, cm_string_encoding enc, wasm_slot *slots) {
  const cm_functype *ft = cm_host_func_type(host, IFACE, func);
  cm_host_impl bound_impl = NULL;
  void *env = NULL;
  cm_name name;
  const char *why;
  CHECK(cm_name_parse(arena, (const uint8_t *)IFACE, (uint32_t)strlen(IFACE), &name, &why));
  CHECK(cm_host_interface_func(cm_host_find(host, &name), func, &bound_impl, &env));
  cm_canon_cx cx = {.store = store, .memory = memory, .encoding = enc, .handles = &handles, .arena = arena};
  cm_subtask subtask;
  cm_subtask_init(&subtask, NULL, arena);
  memset(&seen, 0, sizeof seen);
  wasm_trap *trap = cm_call_host(&cx, &subtask, ft, impl ? impl : bound_impl, impl ? NULL : env, slots);
  cm_subtask_finish(&subtask);
  return trap ? trap->message : NULL;
}

static void test_bind_errors(void) {
  wr_error err = {0};
  static const cm_host_binding unknown[] = {{"nope", put, {NULL}}};
  CHECK(!cm_host_bind(host, IFACE, &binder, unknown, 1, NULL, &err) && strstr(err.message, "has no function nope"));
  static const cm_host_binding not_handle[] = {{"put", put, {&blob_kind, &blob_kind}}};
  CHECK(!cm_host_bind(host, IFACE, &binder, not_handle, 1, NULL, &err) && strstr(err.message, "parameter 1"));
  static const cm_host_binding past_end[] = {{"take", take, {NULL, &blob_kind}}};
  CHECK(!cm_host_bind(host, IFACE, &binder, past_end, 1, NULL, &err) && strstr(err.message, "parameter 1"));
}

/* In place: the function sees the guest's own bytes, and the result is computed from them. */
static void test_in_place(void) {
  uint32_t h = add_handle(1);
  memcpy(mem() + 64, "\x01\x02\x03\x04", 4);
  memcpy(mem() + 128, "caf\xc3\xa9", 5);
  wasm_slot slots[CM_MAX_FLAT_PARAMS + 1] = {h, 64, 4, 128, 5};
  CHECK(call("put", NULL, CM_UTF8, slots) == NULL);
  CHECK(slots[0] == 101 + 10);
  CHECK(seen.b == &blobs[1]);
  CHECK(seen.data.data == mem() + 64 && seen.data.len == 4);
  CHECK(seen.name.data == (const char *)mem() + 128 && seen.name.len == 5);
  CHECK(seen.env == (void *)&binder);
  /* an empty list and string at the very end of memory are in bounds */
  wasm_slot empty[CM_MAX_FLAT_PARAMS + 1] = {h, mem_size(), 0, mem_size(), 0};
  CHECK(call("put", NULL, CM_UTF8, empty) == NULL && seen.data.len == 0 && seen.name.len == 0);
}

/* Another encoding than UTF-8 is transcoded (out of guest memory, into the arena). */
static void test_utf16(void) {
  uint32_t h = add_handle(2);
  memcpy(mem() + 256, "h\0i\0\xe9\0", 6); /* "hié" in UTF-16LE: 3 code units */
  wasm_slot slots[CM_MAX_FLAT_PARAMS + 1] = {h, 0, 0, 256, 3};
  CHECK(call("put", NULL, CM_UTF16, slots) == NULL);
  CHECK(seen.name.len == 4 && memcmp(seen.name.data, "hi\xc3\xa9", 4) == 0);
  CHECK(!(seen.name.data >= (const char *)mem() && seen.name.data < (const char *)mem() + mem_size()));
}

/* Every bad input traps on the bound path with the message of the plain path. */
static void test_same_traps(void) {
  uint32_t size = mem_size();
  memcpy(mem() + 512, "\xc3\x28", 2); /* invalid UTF-8 */
  memcpy(mem() + 520, "ab\xe2\x82", 4); /* cut off */
  const wasm_slot FRESH = (wasm_slot)1 << 40; /* a live handle, so that it is not the point */
  struct {
    wasm_slot slots[5];
    cm_string_encoding enc;
    const char *needle;
  } cases[] = {
      {{0, 0, 0, 0, 0}, CM_UTF8, "unknown handle index 0"},
      {{77, 0, 0, 0, 0}, CM_UTF8, "unknown handle index 77"},
      {{FRESH, size - 2, 10, 0, 0}, CM_UTF8, "list content out-of-bounds"},
      {{FRESH, size, 1, 0, 0}, CM_UTF8, "list content out-of-bounds"},
      {{FRESH, UINT32_MAX, 2, 0, 0}, CM_UTF8, "list content out-of-bounds"},
      {{FRESH, 0, 1u << 28, 0, 0}, CM_UTF8, "list too long"},
      {{FRESH, 0, 0, size - 1, 5}, CM_UTF8, "string content out-of-bounds"},
      {{FRESH, 0, 0, 512, 2}, CM_UTF8, "invalid utf-8 in a guest string"},
      {{FRESH, 0, 0, 520, 4}, CM_UTF8, "incomplete utf-8 byte sequence"},
      {{FRESH, 0, 0, 0, 1u << 28}, CM_UTF8, "string too long"},
      {{FRESH, 0, 0, 257, 1}, CM_UTF16, "unaligned pointer: string at 257"},
  };
  for (size_t i = 0; i < WR_ARRAY_LEN(cases); i++) {
    wasm_slot bound[CM_MAX_FLAT_PARAMS + 1] = {0}, lifted[CM_MAX_FLAT_PARAMS + 1] = {0};
    memcpy(bound, cases[i].slots, sizeof cases[i].slots);
    memcpy(lifted, cases[i].slots, sizeof cases[i].slots);
    if (bound[0] == FRESH) bound[0] = lifted[0] = add_handle(0);
    const char *got = call("put", NULL, cases[i].enc, bound);
    const char *want = call("put", plain, cases[i].enc, lifted);
    CHECK(got && want && strcmp(got, want) == 0 && strstr(got, cases[i].needle));
    if (!got || !want || strcmp(got, want) || !strstr(got, cases[i].needle))
      fprintf(stderr, "case %zu: bound \"%s\", plain \"%s\"\n", i, got ? got : "-", want ? want : "-");
  }
  /* the binder's traps: an object it does not know, a call without its state */
  wasm_slot slots[CM_MAX_FLAT_PARAMS + 1] = {add_handle(7), 0, 0, 0, 0};
  const char *got = call("put", NULL, CM_UTF8, slots);
  CHECK(got && strstr(got, "unknown blob 7"));
  have_state = false;
  wasm_slot again[CM_MAX_FLAT_PARAMS + 1] = {add_handle(0), 0, 0, 0, 0};
  got = call("put", NULL, CM_UTF8, again);
  CHECK(got && strstr(got, "no state"));
  have_state = true;
}

/* Other lists are lifted as values; an own handle without a kind arrives as its rep and
 * leaves the guest's table. */
static void test_values(void) {
  uint32_t words_at = 1024;
  uint32_t w[3] = {5, 6, 7};
  memcpy(mem() + words_at, w, sizeof w);
  wasm_slot slots[CM_MAX_FLAT_PARAMS + 1] = {words_at, 3};
  CHECK(call("words", NULL, CM_UTF8, slots) == NULL && slots[0] == 18);
  wasm_slot unaligned[CM_MAX_FLAT_PARAMS + 1] = {words_at + 1, 3};
  const char *got = call("words", NULL, CM_UTF8, unaligned);
  CHECK(got && strstr(got, "unaligned pointer: list at 1025"));

  uint32_t h = add_handle(42);
  wasm_slot own[CM_MAX_FLAT_PARAMS + 1] = {h};
  CHECK(call("take", NULL, CM_UTF8, own) == NULL && own[0] == 42);
  wasm_slot twice[CM_MAX_FLAT_PARAMS + 1] = {h};
  got = call("take", NULL, CM_UTF8, twice);
  CHECK(got && strstr(got, "unknown handle index"));
}

/* Direct callers pass lifted cm_vals to the registered impl: the adapter copies a list<u8>. */
static void test_adapter(void) {
  cm_name name;
  const char *why;
  CHECK(cm_name_parse(arena, (const uint8_t *)IFACE, (uint32_t)strlen(IFACE), &name, &why));
  cm_host_impl impl = NULL;
  void *env = NULL;
  CHECK(cm_host_interface_func(cm_host_find(host, &name), "put", &impl, &env) && impl == cm_host_bound_impl);
  cm_val args[3] = {cm_val_handle(2), cm_val_seq(arena, 3), cm_val_string("x", 1)};
  for (uint32_t i = 0; i < 3; i++) args[1].u.seq.items[i] = cm_val_u(10 * (i + 1));
  cm_canon_cx cx = {.store = store, .memory = memory, .arena = arena};
  cm_val result = {0};
  CHECK(impl(env, &cx, args, &result) == NULL);
  CHECK(result.u.u == 102 + 60 && seen.b == &blobs[2] && seen.data.len == 3 && seen.data.data[2] == 30);
  CHECK(seen.name.len == 1 && seen.name.data[0] == 'x');
}

int main(void) {
  store = wasm_store_new();
  wr_error err = {0};
  wasm_memtype mt = {.limits = {.min = 1, .max = 1, .has_max = true}};
  memory = wasm_memory_new(store, &mt, &err);
  arena = cm_arena_new();
  host = cm_host_new();
  cm_handle_table_init(&handles);
  if (!memory || !cm_host_add_wit(host, "t.wit", wit, strlen(wit), &err)) {
    fprintf(stderr, "setup: %s\n", err.message);
    return 1;
  }
  blob_type = cm_host_resource(host, IFACE, "blob");
  static const cm_host_binding rows[] = {
      {"put", put, {&blob_kind}},
      {"words", words, {NULL}},
      {"take", take, {NULL}},
  };
  CHECK(cm_host_bind(host, IFACE, &binder, rows, WR_ARRAY_LEN(rows), (void *)&binder, &err));
  test_bind_errors();
  test_in_place();
  test_utf16();
  test_same_traps();
  test_values();
  test_adapter();
  cm_handle_table_free(&handles);
  cm_host_free(host);
  cm_arena_free(arena);
  wasm_store_free(store);
  printf("host_bind: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
