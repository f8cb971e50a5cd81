/* Ownership and index spaces of a decoded module: freeing it, and looking up the type of an
 * entity by its index where imports come first. */
#include <string.h>

#include "../base/alloc.h"
#include "../base/hash.h"
#include "module.h"

/* Provided by the compiler (compile.c); declared here rather than in module.h so that the
 * module IR does not depend on the engine. Accepts NULL. */
void wasm_code_free(struct wasm_code *code);

void wasm_module_free(wasm_module *module) {
  if (!module) return;
  if (module->code) wasm_code_free(module->code);
  for (uint32_t i = 0; i < module->ntypes; i++) wr_free(module->types[i].types);
  wr_free(module->types);
  for (uint32_t i = 0; i < module->nimports; i++) {
    wr_free(module->imports[i].module.data);
    wr_free(module->imports[i].name.data);
  }
  wr_free(module->imports);
  for (uint32_t i = 0; i < module->nfuncs; i++) wr_free(module->funcs[i].local_groups);
  wr_free(module->funcs);
  wr_free(module->tables);
  wr_free(module->memories);
  wr_free(module->globals);
  wr_free(module->tags);
  for (uint32_t i = 0; i < module->nexports; i++) wr_free(module->exports[i].name.data);
  wr_free(module->exports);
  wr_free(module->export_slots);
  for (uint32_t i = 0; i < module->nelems; i++) {
    wr_free(module->elems[i].func_indices);
    wr_free(module->elems[i].exprs);
  }
  wr_free(module->elems);
  wr_free(module->datas);
  for (uint32_t i = 0; i < module->ncustoms; i++) wr_free(module->customs[i].name.data);
  wr_free(module->customs);
  if (module->func_names) {
    for (uint32_t i = 0; i < module->nfunc_imports + module->nfuncs; i++) wr_free(module->func_names[i]);
    wr_free(module->func_names);
  }
  wr_free(module->bytes);
  wr_free(module);
}

void wasm_module_index_exports(wasm_module *module) {
  uint32_t cap = 16;
  while (cap < 2 * module->nexports) cap *= 2;
  uint32_t *slots = WR_NEW_ARRAY(uint32_t, cap);
  for (uint32_t i = 0; i < module->nexports; i++) {
    const wasm_name *name = &module->exports[i].name;
    uint32_t k = wr_hash_name(name->data, name->len) & (cap - 1);
    while (slots[k]) k = (k + 1) & (cap - 1);
    slots[k] = i + 1;
  }
  module->export_slots_mask = cap - 1;
  module->export_slots = slots;
}

bool wasm_module_find_export(const wasm_module *module, const char *name, size_t len, uint32_t *index) {
  if (!module->export_slots) return false;
  const uint32_t mask = module->export_slots_mask;
  for (uint32_t k = wr_hash_name(name, len) & mask; module->export_slots[k]; k = (k + 1) & mask) {
    const wasm_export *e = &module->exports[module->export_slots[k] - 1];
    if (e->name.len == len && memcmp(e->name.data, name, len) == 0) {
      *index = module->export_slots[k] - 1;
      return true;
    }
  }
  return false;
}

/* The import of the given kind with the given index among imports of that kind. */
static const wasm_import *nth_import(const wasm_module *module, wasm_externkind kind, uint32_t n) {
  for (uint32_t i = 0; i < module->nimports; i++) {
    const wasm_import *imp = &module->imports[i];
    if (imp->kind == kind && n-- == 0) return imp;
  }
  return NULL;
}

/* The accessors expect indices the validator has checked; an out-of-range index is a bug in
 * the caller, answered with NULL or a zeroed type rather than a wild read. */
const wasm_functype *wasm_module_func_type(const wasm_module *module, uint32_t func_index) {
  uint32_t type;
  if (func_index < module->nfunc_imports) {
    type = nth_import(module, WASM_EXTERN_FUNC, func_index)->desc.func_type;
  } else if (func_index - module->nfunc_imports < module->nfuncs) {
    type = module->funcs[func_index - module->nfunc_imports].type;
  } else {
    return NULL;
  }
  return type < module->ntypes ? &module->types[type] : NULL;
}

wasm_globaltype wasm_module_global_type(const wasm_module *module, uint32_t global_index) {
  wasm_globaltype none = {0};
  if (global_index < module->nglobal_imports)
    return nth_import(module, WASM_EXTERN_GLOBAL, global_index)->desc.global;
  if (global_index - module->nglobal_imports < module->nglobals)
    return module->globals[global_index - module->nglobal_imports].type;
  return none;
}

wasm_tabletype wasm_module_table_type(const wasm_module *module, uint32_t table_index) {
  wasm_tabletype none = {0};
  if (table_index < module->ntable_imports)
    return nth_import(module, WASM_EXTERN_TABLE, table_index)->desc.table;
  if (table_index - module->ntable_imports < module->ntables)
    return module->tables[table_index - module->ntable_imports];
  return none;
}

wasm_memtype wasm_module_memory_type(const wasm_module *module, uint32_t memory_index) {
  wasm_memtype none = {0};
  if (memory_index < module->nmemory_imports)
    return nth_import(module, WASM_EXTERN_MEMORY, memory_index)->desc.memory;
  if (memory_index - module->nmemory_imports < module->nmemories)
    return module->memories[memory_index - module->nmemory_imports];
  return none;
}
