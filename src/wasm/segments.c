/* What instantiation does with a module's segments, worked out once per module so that an
 * instance of a module with thousands of them (componentize-js: ~10k data segments, a table
 * of ~10k functions) costs copies, not walks. */
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
}

void wasm_code_free_segment_plan(struct wasm_code *code) {
  for (uint32_t i = 0; code->elem_lazy_entries && i < code->nelems_planned; i++) wr_free(code->elem_lazy_entries[i]);
  wr_free(code->elem_lazy_entries);
  wr_free(code->data_len_after_init);
  wr_free(code->data_to_copy);
}
