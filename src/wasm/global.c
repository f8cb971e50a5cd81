/* Global variables: one value (two slots for v128) and its type. */
#include <string.h>

#include "../base/alloc.h"
#include "engine.h"

wasm_global *wasm_global_new(wasm_store *store, wasm_globaltype type, const wasm_slot *value) {
  wasm_global *g = WR_NEW(wasm_global);
  g->type = type;
  if (value) memcpy(g->value, value, wasm_type_slots(type.type) * sizeof(wasm_slot));
  WR_VEC_PUSH(&store->globals, g);
  return g;
}

wasm_globaltype wasm_global_type(const wasm_global *global) { return global->type; }

void wasm_global_get(const wasm_global *global, wasm_slot *out) {
  memcpy(out, global->value, wasm_type_slots(global->type.type) * sizeof(wasm_slot));
}

void wasm_global_set(wasm_global *global, const wasm_slot *value) {
  memcpy(global->value, value, wasm_type_slots(global->type.type) * sizeof(wasm_slot));
}
