/* Engine tests of the proposals beyond Wasm 2.0 that the spec suite leaves out: a 64-bit memory
 * beside a 32-bit one, and exceptions crossing modules and tiers (thrown by interpreted code,
 * passing native frames, caught again). Usage: proposals_test DIR (holding the .wasm files built
 * from this folder's .wat files). Run once as is and once with WARREN_ENGINE=interp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "module_files.h"

static wasm_trap *call(wasm_store *store, wasm_instance *inst, const char *name, wasm_slot *slots) {
  return wasm_func_call(store, export_of(inst, name).of.func, slots);
}

static wasm_trap_kind trap_of(wasm_store *store, wasm_instance *inst, const char *name, wasm_slot *slots) {
  wasm_trap *trap = call(store, inst, name, slots);
  return trap ? trap->kind : (wasm_trap_kind)-1;
}

static void test_memory64(const char *dir) {
  wasm_features features = wasm_features_default();
  features.memory64 = true;
  features.multi_memory = true;
  wasm_module *m = load(dir, "memory64.wasm", features);
  wasm_store *store = wasm_store_new();
  wasm_instance *inst = instantiate(store, m, NULL, 0);
  wasm_slot s[3] = {65532, 0x12345678};
  CHECK(trap_of(store, inst, "store", s) == (wasm_trap_kind)-1);
  s[0] = 65532;
  CHECK(call(store, inst, "load", s) == NULL && (uint32_t)s[0] == 0x12345678);
  /* past the end, past 4 GiB, past the 8 GiB a 32-bit memory reserves, and wrapping around */
  const uint64_t outside[] = {65533, (uint64_t)1 << 32, (uint64_t)1 << 40, UINT64_MAX - 1};
  for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
    s[0] = outside[i];
    CHECK(trap_of(store, inst, "load", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    s[0] = outside[i], s[1] = 1;
    CHECK(trap_of(store, inst, "store", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  }
  s[0] = 0;
  CHECK(trap_of(store, inst, "load_far", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  s[0] = (uint64_t)1 << 33; /* offset + address past the whole reservation */
  CHECK(trap_of(store, inst, "load_far", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  CHECK(call(store, inst, "size", s) == NULL && s[0] == 1);
  s[0] = 1;
  CHECK(call(store, inst, "grow", s) == NULL && s[0] == 1);
  s[0] = 5; /* past the maximum of 3: -1 as an i64 */
  CHECK(call(store, inst, "grow", s) == NULL && s[0] == UINT64_MAX);
  CHECK(call(store, inst, "size", s) == NULL && s[0] == 2);
  CHECK(wasm_memory_size_bytes(export_of(inst, "mem").of.memory) == 2 * 65536);
  s[0] = 65536 + 10, s[1] = 'z', s[2] = 4;
  CHECK(call(store, inst, "fill", s) == NULL);
  s[0] = 2 * 65536 - 2, s[1] = 'z', s[2] = 4;
  CHECK(trap_of(store, inst, "fill", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  s[0] = 100, s[1] = 65536 + 10, s[2] = 4;
  CHECK(call(store, inst, "copy_to_small", s) == NULL);
  s[0] = 100;
  CHECK(call(store, inst, "load_small", s) == NULL && (uint32_t)s[0] == 0x7A7A7A7A);
  s[0] = 2 * 65536 - 16;
  CHECK(call(store, inst, "v128_roundtrip", s) == NULL && s[0] == 0x0102030405060708ull);
  s[0] = 2 * 65536 - 15;
  CHECK(trap_of(store, inst, "v128_roundtrip", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  s[0] = 100, s[1] = ((uint64_t)1 << 32) + 10, s[2] = 4; /* the source is past 4 GiB */
  CHECK(trap_of(store, inst, "copy_to_small", s) == WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
  wasm_store_free(store);
  wasm_module_free(m);
}

/* The catcher's "relay" import: the host calls the relay module's export, so that an exception
 * comes back as a trap, through native code where the relay has some, and through the host. */
static wasm_trap *host_relay(wasm_caller *caller, void *env, wasm_slot *slots) {
  return wasm_func_call(wasm_caller_store(caller), env, slots);
}

static void test_exceptions(const char *dir) {
  wasm_features features = wasm_features_default();
  features.exceptions = true;
  wasm_module *thrower = load(dir, "eh_thrower.wasm", features), *relay = load(dir, "eh_relay.wasm", features),
              *catcher = load(dir, "eh_catcher.wasm", features);
  /* the relay is what an exception must cross as a trap: native code where there is some */
  const char *engine = getenv("WARREN_ENGINE");
  bool interp = engine && strcmp(engine, "interp") == 0;
  CHECK(!wasm_module_is_native(thrower));
  if (!interp && wasm_module_is_native(relay) != wasm_module_is_native(thrower))
    fprintf(stderr, "(the relay runs as native code)\n");
  wasm_store *store = wasm_store_new();
  wasm_instance *t = instantiate(store, thrower, NULL, 0);
  wasm_extern throw_fn = export_of(t, "throw"), tag = export_of(t, "e");
  CHECK(tag.kind == WASM_EXTERN_TAG);
  wasm_instance *r = instantiate(store, relay, &throw_fn, 1);
  wasm_func *relay_fn = export_of(r, "relay").of.func;
  wasm_extern catcher_imports[2] = {tag, {.kind = WASM_EXTERN_FUNC}};
  catcher_imports[1].of.func = wasm_func_new_host(store, relay_fn->type, host_relay, relay_fn);
  wasm_instance *c = instantiate(store, catcher, catcher_imports, 2);

  wasm_slot s[1] = {5};
  CHECK(call(store, c, "catch", s) == NULL && (uint32_t)s[0] == 105);
  /* uncaught: the caller gets the exception, its tag and payload, as a trap */
  s[0] = 7;
  wasm_trap *trap = call(store, r, "relay", s);
  CHECK(trap && trap->kind == WASM_TRAP_EXCEPTION && trap->exception && trap->exception->tag == tag.of.tag &&
        trap->exception->payload[0] == 107);
  s[0] = 8;
  trap = call(store, c, "rethrow", s);
  CHECK(trap && trap->kind == WASM_TRAP_EXCEPTION && trap->exception->payload[0] == 108);
  /* an exception caught after crossing a call leaves no trap object behind in the store */
  size_t traps_before = store->traps.len;
  s[0] = 1000;
  CHECK(call(store, c, "catch_n", s) == NULL && (uint32_t)s[0] == 1000 * 1001 / 2 + 1000 * 100);
  CHECK(store->traps.len == traps_before);
  wasm_store_free(store);
  wasm_module_free(catcher);
  wasm_module_free(relay);
  wasm_module_free(thrower);
}

/* The exnref form of exception handling, which Debian's wabt cannot assemble yet, so the module
 * is written out by hand:
 *   (import "env" "e" (tag $e (param i32)))  (import "env" "relay" (func $relay (param i32)))
 *   (func (export "catch_tt") (param i32) (result i32)       ;; the payload, through catch
 *     (block $h (result i32) (try_table (result i32) (catch $e $h) (call $relay (local.get 0)) (i32.const -1))))
 *   (func (export "rethrow_ref") (param i32) (result i32)    ;; catch_ref, then throw_ref
 *     (block $h (result i32 exnref) (try_table (catch_ref $e $h) (call $relay (local.get 0)))
 *       (return (i32.const -1)))
 *     (throw_ref))
 *   (func (export "catch_all_ref") (param i32) (result i32)  ;; 7 once caught
 *     (block $h (result exnref) (try_table (catch_all_ref $h) (call $relay (local.get 0)))
 *       (return (i32.const -1)))
 *     (drop) (i32.const 7))
 *   (func (export "throw_null") (result i32) (throw_ref (ref.null exn)))
 *   (func (export "catch_tt_sum") (param i32) (result i32)   ;; 1000 + the payload: the catch
 *     (i32.const 1000)                                       ;; lands above a value kept below
 *     (block $h (result i32) (try_table (result i32) (catch $e $h) (call $relay (local.get 0)) (i32.const -1)))
 *     (i32.add)) */
static const uint8_t try_table_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x04, 0x60, 0x01, 0x7f, 0x00, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x02, 0x7f, 0x69, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x16, 0x02,
    0x03, 0x65, 0x6e, 0x76, 0x01, 0x65, 0x04, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x05, 0x72, 0x65,
    0x6c, 0x61, 0x79, 0x00, 0x00, 0x03, 0x06, 0x05, 0x01, 0x01, 0x01, 0x03, 0x01, 0x07, 0x46, 0x05,
    0x08, 0x63, 0x61, 0x74, 0x63, 0x68, 0x5f, 0x74, 0x74, 0x00, 0x01, 0x0b, 0x72, 0x65, 0x74, 0x68,
    0x72, 0x6f, 0x77, 0x5f, 0x72, 0x65, 0x66, 0x00, 0x02, 0x0d, 0x63, 0x61, 0x74, 0x63, 0x68, 0x5f,
    0x61, 0x6c, 0x6c, 0x5f, 0x72, 0x65, 0x66, 0x00, 0x03, 0x0a, 0x74, 0x68, 0x72, 0x6f, 0x77, 0x5f,
    0x6e, 0x75, 0x6c, 0x6c, 0x00, 0x04, 0x0c, 0x63, 0x61, 0x74, 0x63, 0x68, 0x5f, 0x74, 0x74, 0x5f,
    0x73, 0x75, 0x6d, 0x00, 0x05, 0x0a, 0x5c, 0x05, 0x12, 0x00, 0x02, 0x7f, 0x1f, 0x7f, 0x01, 0x00,
    0x00, 0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x7f, 0x0b, 0x0b, 0x0b, 0x14, 0x00, 0x02, 0x02, 0x1f,
    0x40, 0x01, 0x01, 0x00, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x41, 0x7f, 0x0f, 0x0b, 0x0a, 0x0b,
    0x15, 0x00, 0x02, 0x69, 0x1f, 0x40, 0x01, 0x03, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x41, 0x7f,
    0x0f, 0x0b, 0x1a, 0x41, 0x07, 0x0b, 0x05, 0x00, 0xd0, 0x69, 0x0a, 0x0b, 0x16, 0x00, 0x41, 0xe8,
    0x07, 0x02, 0x7f, 0x1f, 0x7f, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x7f, 0x0b,
    0x0b, 0x6a, 0x0b
};

/* Invalid: (tag $e (param i32)) (func (block $h (result i64) (try_table (catch $e $h)) (i64.const 0))
 * (drop)): the label takes an i64, the tag gives an i32. */
static const uint8_t try_table_mismatch[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x01, 0x0d, 0x03, 0x01, 0x00, 0x00, 0x0a, 0x11, 0x01, 0x0f, 0x00,
    0x02, 0x7e, 0x1f, 0x40, 0x01, 0x00, 0x00, 0x00, 0x0b, 0x42, 0x00, 0x0b, 0x1a, 0x0b};

static void test_try_table(const char *dir) {
  wasm_features features = wasm_features_default();
  features.exceptions = true;
  wasm_module *thrower = load(dir, "eh_thrower.wasm", features), *relay = load(dir, "eh_relay.wasm", features);
  wr_error err = {0};
  wasm_module *m = wasm_module_load(try_table_module, sizeof try_table_module, &features, &err, NULL);
  CHECK(m != NULL);
  if (!m) {
    fprintf(stderr, "try_table module: %s\n", err.message);
    exit(1);
  }
  features.exceptions = false; /* exnref and try_table need the feature */
  CHECK(wasm_module_load(try_table_module, sizeof try_table_module, &features, &err, NULL) == NULL);
  features.exceptions = true;
  int phase = -1;
  CHECK(wasm_module_load(try_table_mismatch, sizeof try_table_mismatch, &features, &err, &phase) == NULL &&
        phase == 1 && strstr(err.message, "type mismatch"));
  wasm_store *store = wasm_store_new();
  wasm_instance *t = instantiate(store, thrower, NULL, 0);
  wasm_extern throw_fn = export_of(t, "throw");
  wasm_instance *r = instantiate(store, relay, &throw_fn, 1);
  wasm_func *relay_fn = export_of(r, "relay").of.func;
  wasm_extern imports[2] = {export_of(t, "e"), {.kind = WASM_EXTERN_FUNC}};
  imports[1].of.func = wasm_func_new_host(store, relay_fn->type, host_relay, relay_fn);
  wasm_instance *inst = instantiate(store, m, imports, 2);
  wasm_slot s[1] = {5};
  CHECK(call(store, inst, "catch_tt", s) == NULL && (uint32_t)s[0] == 105);
  s[0] = 6;
  wasm_trap *trap = call(store, inst, "rethrow_ref", s);
  CHECK(trap && trap->kind == WASM_TRAP_EXCEPTION && trap->exception->payload[0] == 106);
  s[0] = 7;
  CHECK(call(store, inst, "catch_all_ref", s) == NULL && (uint32_t)s[0] == 7);
  CHECK(trap_of(store, inst, "throw_null", s) == WASM_TRAP_NULL_EXCEPTION);
  s[0] = 8;
  CHECK(call(store, inst, "catch_tt_sum", s) == NULL && (uint32_t)s[0] == 1108);
  wasm_store_free(store);
  wasm_module_free(m);
  wasm_module_free(relay);
  wasm_module_free(thrower);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  test_memory64(argv[1]);
  test_exceptions(argv[1]);
  test_try_table(argv[1]);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
