/* What instantiation does with a module's segments, worked out once per module so that an
 * instance of a module with thousands of them (componentize-js: ~10k data segments, a table
 * of ~10k functions) costs copies, not walks. */
#include <string.h>

#include "../base/alloc.h"
#include "compile.h"
#include "engine.h"
#include "image.h"

/* The entries an active segment of function indices writes into a table its module defines, as
 * lazy entries (wasm_table.lazy_owner), when it names only defined functions; else NULL. */
static void **lazy_entries(const wasm_module *module, const wasm_elem_segment *seg) {
  if (seg->mode != WASM_SEG_ACTIVE || !seg->func_indices || seg->table < module->ntable_imports) return NULL;
  for (uint32_t k = 0; k < seg->count; k++)
    if (seg->func_indices[k] < module->nfunc_imports || seg->func_indices[k] >= module->nfunc_imports + module->nfuncs)
      return NULL;
  void **entries = WR_NEW_ARRAY(void *, seg->count ? seg->count : 1);
  for (uint32_t k = 0; k < seg->count; k++) entries[k] = wasm_table_lazy_entry(seg->func_indices[k]);
  return entries;
}

/* Whether applying every active element segment is sure to succeed (a constant offset within
 * its table's minimum size): then no segment keeps a later one from being applied. */
static bool elem_segments_cannot_trap(const wasm_module *module) {
  for (uint32_t i = 0; i < module->nelems; i++) {
    const wasm_elem_segment *seg = &module->elems[i];
    if (seg->mode != WASM_SEG_ACTIVE) continue;
    uint32_t offset;
    if (!wasm_constant_offset(module, seg->offset, &offset)) return false;
    if ((uint64_t)offset + seg->count > wasm_module_table_type(module, seg->table).limits.min) return false;
  }
  return true;
}

/* Defined table `t`'s entries as every instance starts with them, when its active segments
 * all hold lazy entries and none can trap; else NULL. */
static void **table_image(const wasm_module *module, uint32_t t, void ***lazy) {
  const wasm_tabletype *type = &module->tables[t - module->ntable_imports];
  if (type->limits.min == 0 || type->limits.min > WASM_TABLE_MAX_ENTRIES) return NULL;
  bool any = false;
  for (uint32_t i = 0; i < module->nelems; i++) {
    if (module->elems[i].mode != WASM_SEG_ACTIVE || module->elems[i].table != t) continue;
    if (!lazy[i]) return NULL;
    any = true;
  }
  if (!any) return NULL;
  void **entries = WR_NEW_ARRAY(void *, type->limits.min); /* zeroed: null references */
  for (uint32_t i = 0; i < module->nelems; i++) {
    const wasm_elem_segment *seg = &module->elems[i];
    uint32_t offset;
    if (seg->mode != WASM_SEG_ACTIVE || seg->table != t) continue;
    wasm_constant_offset(module, seg->offset, &offset);
    memcpy(entries + offset, lazy[i], seg->count * sizeof *entries);
  }
  return entries;
}

void wasm_code_plan_segments(wasm_module *module) {
  struct wasm_code *code = module->code;
  uint32_t n = module->ndatas ? module->ndatas : 1;
  code->data_len_after_init = WR_NEW_ARRAY(uint32_t, n);
  code->data_to_copy = WR_NEW_ARRAY(uint32_t, n);
  for (uint32_t i = 0; i < module->ndatas; i++) {
    const wasm_data_segment *seg = &module->datas[i];
    bool active = seg->mode == WASM_SEG_ACTIVE;
    code->data_len_after_init[i] = active ? 0 : seg->data_len;
    bool in_image =
        seg->memory >= module->nmemory_imports && code->images[seg->memory - module->nmemory_imports].present;
    if (active && !in_image) code->data_to_copy[code->ndata_to_copy++] = i;
  }
  code->elem_lazy_entries = WR_NEW_ARRAY(void **, module->nelems ? module->nelems : 1);
  code->nelems_planned = module->nelems;
  for (uint32_t i = 0; i < module->nelems; i++) code->elem_lazy_entries[i] = lazy_entries(module, &module->elems[i]);
  code->table_images = WR_NEW_ARRAY(void **, module->ntables ? module->ntables : 1);
  code->ntables_planned = module->ntables;
  if (!elem_segments_cannot_trap(module)) return;
  for (uint32_t t = 0; t < module->ntables; t++)
    code->table_images[t] = table_image(module, module->ntable_imports + t, code->elem_lazy_entries);
}

void wasm_code_free_segment_plan(struct wasm_code *code) {
  for (uint32_t i = 0; code->elem_lazy_entries && i < code->nelems_planned; i++) wr_free(code->elem_lazy_entries[i]);
  wr_free(code->elem_lazy_entries);
  for (uint32_t t = 0; code->table_images && t < code->ntables_planned; t++) wr_free(code->table_images[t]);
  wr_free(code->table_images);
  wr_free(code->data_len_after_init);
  wr_free(code->data_to_copy);
}
