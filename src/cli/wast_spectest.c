#include "wast_spectest.h"

#include <string.h>

/* Parameter lists of the print functions; the types must outlive every store. */
static uint8_t print_params_none[1];
static uint8_t print_params_i32[] = {WASM_I32};
static uint8_t print_params_i64[] = {WASM_I64};
static uint8_t print_params_f32[] = {WASM_F32};
static uint8_t print_params_f64[] = {WASM_F64};
static uint8_t print_params_i32_f32[] = {WASM_I32, WASM_F32};
static uint8_t print_params_f64_f64[] = {WASM_F64, WASM_F64};

static const struct {
  const char *name;
  wasm_functype type;
} print_funcs[] = {
    {"print", {0, 0, print_params_none}},
    {"print_i32", {1, 0, print_params_i32}},
    {"print_i64", {1, 0, print_params_i64}},
    {"print_f32", {1, 0, print_params_f32}},
    {"print_f64", {1, 0, print_params_f64}},
    {"print_i32_f32", {2, 0, print_params_i32_f32}},
    {"print_f64_f64", {2, 0, print_params_f64_f64}},
};

/* The scripts only check that the calls link and run; printing would clutter the report. */
static wasm_trap *print_nothing(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller, (void)env, (void)slots;
  return NULL;
}

static void add(wast_spectest *spectest, const char *name, wasm_extern ext) {
  spectest->exports[spectest->count].name = name;
  spectest->exports[spectest->count].ext = ext;
  spectest->count++;
}

static void add_global(wast_spectest *spectest, wasm_store *store, const char *name, uint8_t type,
                       wasm_slot value) {
  wasm_globaltype gt = {type, false};
  wasm_extern ext = {.kind = WASM_EXTERN_GLOBAL};
  ext.of.global = wasm_global_new(store, gt, &value);
  add(spectest, name, ext);
}

bool wast_spectest_init(wast_spectest *spectest, wasm_store *store, wr_error *err) {
  memset(spectest, 0, sizeof *spectest);
  for (size_t i = 0; i < WR_ARRAY_LEN(print_funcs); i++) {
    wasm_extern ext = {.kind = WASM_EXTERN_FUNC};
    ext.of.func = wasm_func_new_host(store, &print_funcs[i].type, print_nothing, NULL);
    add(spectest, print_funcs[i].name, ext);
  }

  float f32 = 666.6f;
  double f64 = 666.6;
  uint32_t f32_bits;
  uint64_t f64_bits;
  memcpy(&f32_bits, &f32, sizeof f32_bits);
  memcpy(&f64_bits, &f64, sizeof f64_bits);
  add_global(spectest, store, "global_i32", WASM_I32, 666);
  add_global(spectest, store, "global_i64", WASM_I64, 666);
  add_global(spectest, store, "global_f32", WASM_F32, f32_bits);
  add_global(spectest, store, "global_f64", WASM_F64, f64_bits);

  wasm_tabletype table_type = {.elem = WASM_FUNCREF, .limits = {.min = 10, .max = 20, .has_max = true}};
  wasm_extern table = {.kind = WASM_EXTERN_TABLE};
  table.of.table = wasm_table_new(store, &table_type, NULL, err);
  if (!table.of.table) return false;
  add(spectest, "table", table);

  wasm_memtype memory_type = {.limits = {.min = 1, .max = 2, .has_max = true}};
  wasm_extern memory = {.kind = WASM_EXTERN_MEMORY};
  memory.of.memory = wasm_memory_new(store, &memory_type, err);
  if (!memory.of.memory) return false;
  add(spectest, "memory", memory);
  return true;
}

bool wast_spectest_lookup(const wast_spectest *spectest, const char *name, size_t name_len, wasm_extern *out) {
  for (size_t i = 0; i < spectest->count; i++) {
    const char *export_name = spectest->exports[i].name;
    if (strlen(export_name) == name_len && memcmp(export_name, name, name_len) == 0) {
      *out = spectest->exports[i].ext;
      return true;
    }
  }
  return false;
}
