/* `warren inspect FILE.wasm`: what a component or core module imports and exports, as WIT-like
 * text, so that a user can see why a component does not link. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../base/alloc.h"
#include "../base/input_file.h"
#include "../component/component.h"
#include "../component/describe.h"
#include "../wasm/module.h"
#include "commands.h"

static void usage(FILE *out) {
  fprintf(out, "usage: warren inspect FILE.wasm\n\n"
               "Prints the imports and exports of a component (as WIT-like text) and the core modules\n"
               "inside it, or the imports and exports of a core module.\n"
               "\n"
               "FILE must be a regular file of at most 1 GiB.\n");
}

/* ---- core modules ---- */
static const char *core_type_name(uint8_t t) {
  switch (t) {
  case WASM_I32: return "i32";
  case WASM_I64: return "i64";
  case WASM_F32: return "f32";
  case WASM_F64: return "f64";
  case WASM_V128: return "v128";
  case WASM_FUNCREF: return "funcref";
  default: return "externref";
  }
}

static void print_core_functype(const wasm_functype *t) {
  printf("func [");
  for (uint32_t i = 0; i < t->nparams; i++) printf("%s%s", i ? " " : "", core_type_name(t->types[i]));
  printf("] -> [");
  for (uint32_t i = 0; i < t->nresults; i++) printf("%s%s", i ? " " : "", core_type_name(t->types[t->nparams + i]));
  printf("]");
}

static void print_limits(const wasm_limits *l) {
  printf("%s%llu", l->is64 ? "i64 " : "", (unsigned long long)l->min);
  if (l->has_max) printf(" %llu", (unsigned long long)l->max);
}

static void print_core_extern(const cm_core_extern *e) {
  switch (e->kind) {
  case WASM_EXTERN_FUNC: print_core_functype(e->type.func); break;
  case WASM_EXTERN_TABLE:
    printf("table ");
    print_limits(&e->type.table.limits);
    printf(" %s", core_type_name(e->type.table.elem));
    break;
  case WASM_EXTERN_MEMORY:
    printf("memory ");
    print_limits(&e->type.memory.limits);
    break;
  case WASM_EXTERN_GLOBAL:
    printf("global %s%s", e->type.global.mut ? "mut " : "", core_type_name(e->type.global.type));
    break;
  case WASM_EXTERN_TAG:
    printf("tag ");
    print_core_functype(e->type.func);
    break;
  }
}

static cm_core_extern module_item(const wasm_module *m, wasm_externkind kind, uint32_t index) {
  cm_core_extern e = {.kind = kind};
  switch (kind) {
  case WASM_EXTERN_FUNC: e.type.func = wasm_module_func_type(m, index); break;
  case WASM_EXTERN_TABLE: e.type.table = wasm_module_table_type(m, index); break;
  case WASM_EXTERN_MEMORY: e.type.memory = wasm_module_memory_type(m, index); break;
  case WASM_EXTERN_GLOBAL: e.type.global = wasm_module_global_type(m, index); break;
  case WASM_EXTERN_TAG: e.kind = WASM_EXTERN_TAG; e.type.func = NULL; break;
  }
  return e;
}

static int inspect_module(const char *path, const uint8_t *bytes, size_t size) {
  wr_error err = {0};
  wasm_features features = wasm_features_default();
  wasm_module *m = wasm_decode(bytes, size, &features, &err);
  if (!m || !wasm_validate(m, &err)) {
    fprintf(stderr, "warren: %s: %s (at offset %zu)\n", path, err.message, err.offset);
    wasm_module_free(m);
    return 1;
  }
  printf("core module %s (%zu bytes, %u functions)\n", path, size, m->nfunc_imports + m->nfuncs);
  printf("imports (%u):\n", m->nimports);
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wasm_import *im = &m->imports[i];
    cm_core_extern e = {.kind = im->kind};
    switch (im->kind) {
    case WASM_EXTERN_FUNC: e.type.func = &m->types[im->desc.func_type]; break;
    case WASM_EXTERN_TABLE: e.type.table = im->desc.table; break;
    case WASM_EXTERN_MEMORY: e.type.memory = im->desc.memory; break;
    case WASM_EXTERN_GLOBAL: e.type.global = im->desc.global; break;
    case WASM_EXTERN_TAG: e.type.func = &m->types[im->desc.tag_type]; break;
    }
    printf("  %s.%s: ", im->module.data, im->name.data);
    print_core_extern(&e);
    printf("\n");
  }
  printf("exports (%u):\n", m->nexports);
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wasm_export *ex = &m->exports[i];
    printf("  %s: ", ex->name.data);
    if (ex->kind == WASM_EXTERN_TAG) printf("tag");
    else {
      cm_core_extern e = module_item(m, ex->kind, ex->index);
      print_core_extern(&e);
    }
    printf("\n");
  }
  wasm_module_free(m);
  return 0;
}

/* ---- components ---- */
static int inspect_component(const char *path, const uint8_t *bytes, size_t size) {
  wr_error err = {0};
  cm_component *c = cm_component_load(bytes, size, NULL, &err);
  if (!c) {
    fprintf(stderr, "warren: %s: %s (at offset %zu)\n", path, err.message, err.offset);
    return 1;
  }
  size_t counts[CM_SORT_COUNT];
  for (int s = 0; s < CM_SORT_COUNT; s++) counts[s] = c->space[s].len;
  printf("component %s (%zu bytes; %zu core instances, %zu instances, %zu aliases, %zu canonical functions)\n", path,
         size, counts[CM_SORT_CORE_INSTANCE], counts[CM_SORT_INSTANCE], c->aliases.len, c->canons.len);
  cm_text text = {0};
  cm_describe_component(&text, c, 0);
  if (text.len) fwrite(text.items, 1, text.len, stdout);
  WR_VEC_FREE(&text);
  cm_component_free(c);
  return 0;
}

int cmd_inspect(int argc, char **argv) {
  if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
    usage(stdout);
    return 0;
  }
  if (argc != 2 || argv[1][0] == '-') {
    usage(stderr);
    return 2;
  }
  size_t size = 0;
  uint8_t *bytes = NULL;
  wr_error err = {0};
  if (!wr_read_input_file(argv[1], &bytes, &size, &err)) {
    fprintf(stderr, "warren: %s\n", err.message);
    return 1;
  }
  int status = size >= 8 && bytes[6] == 1 && bytes[7] == 0 ? inspect_component(argv[1], bytes, size)
                                                            : inspect_module(argv[1], bytes, size);
  wr_free(bytes);
  return status;
}
