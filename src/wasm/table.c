/* Tables of references (funcref: wasm_func*, externref: the host's pointer). */
#include <string.h>

#include "../base/alloc.h"
#include "engine.h"

/* A table of type's minimum size in the store, its entries for the caller to fill. */
static wasm_table *table_alloc(wasm_store *store, const wasm_tabletype *type) {
  wasm_table *t = WR_NEW(wasm_table);
  t->type = *type;
  t->max = type->limits.has_max ? type->limits.max : UINT32_MAX;
  if (t->max > WASM_TABLE_MAX_ENTRIES) t->max = WASM_TABLE_MAX_ENTRIES;
  t->size = type->limits.min;
  t->elems = wr_malloc((t->size ? t->size : 1) * sizeof(void *));
  WR_VEC_PUSH(&store->tables, t);
  return t;
}

wasm_table *wasm_table_new(wasm_store *store, const wasm_tabletype *type, void *init, wr_error *err) {
  if (type->limits.min > WASM_TABLE_MAX_ENTRIES) {
    wr_error_set(err, "table too large (%llu entries)", (unsigned long long)type->limits.min);
    return NULL;
  }
  wasm_table *t = table_alloc(store, type);
  if (init)
    for (uint64_t i = 0; i < t->size; i++) t->elems[i] = init;
  else
    memset(t->elems, 0, t->size * sizeof(void *));
  return t;
}

wasm_table *wasm_table_new_from_image(wasm_store *store, const wasm_tabletype *type, void *const *image,
                                      wasm_instance *owner) {
  wasm_table *t = table_alloc(store, type);
  memcpy(t->elems, image, t->size * sizeof(void *)); /* one copy, not a clear and then a copy */
  t->lazy_owner = owner;
  return t;
}

bool wasm_table_grow_by(wasm_table *table, uint64_t delta, void *init) {
  if (delta > table->max - table->size) return false;
  uint64_t new_size = table->size + delta;
  if (delta == 0) return true;
  table->elems = wr_realloc_array(table->elems, new_size, sizeof(void *));
  for (uint64_t i = table->size; i < new_size; i++) table->elems[i] = init;
  table->size = new_size;
  return true;
}

wasm_func *wasm_table_resolve(wasm_table *table, uint64_t index) {
  uint32_t func_index = (uint32_t)((uintptr_t)table->elems[index] >> 1);
  wasm_func *f = wasm_instance_func(table->lazy_owner, func_index);
  table->elems[index] = f;
  return f;
}

uint64_t wasm_table_size(const wasm_table *table) { return table->size; }

bool wasm_table_get(wasm_table *table, uint64_t index, void **out) {
  if (index >= table->size) return false;
  *out = wasm_table_entry(table, index);
  return true;
}

bool wasm_table_set(wasm_table *table, uint64_t index, void *ref) {
  if (index >= table->size) return false;
  table->elems[index] = ref;
  return true;
}

wasm_tabletype wasm_table_type(const wasm_table *table) {
  wasm_tabletype t = table->type;
  t.limits.min = table->size;
  return t;
}
