/* `warren inspect FILE.wasm`: what a component or core module imports and exports, as WIT-like
 * text, so that a user can see why a component does not link. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../base/alloc.h"
#include "../component/component.h"
#include "../wasm/module.h"
#include "commands.h"

static void usage(FILE *out) {
  fprintf(out, "usage: warren inspect FILE.wasm\n\n"
               "Prints the imports and exports of a component (as WIT-like text) and the core modules\n"
               "inside it, or the imports and exports of a core module.\n");
}

static uint8_t *read_whole_file(const char *path, size_t *size_out) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "warren: cannot open %s: %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, size = 0;
  uint8_t *bytes = wr_malloc(cap);
  for (;;) {
    if (size == cap) bytes = wr_realloc(bytes, cap *= 2);
    size_t n = fread(bytes + size, 1, cap - size, f);
    if (n == 0) break;
    size += n;
  }
  bool failed = ferror(f);
  fclose(f);
  if (failed) {
    fprintf(stderr, "warren: cannot read %s\n", path);
    wr_free(bytes);
    return NULL;
  }
  *size_out = size;
  return bytes;
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
/* Names of value types and resources, taken from the type exports of every instance type the
 * component imports or exports (so `own<fields>` prints instead of a structure). */
typedef struct type_names {
  WR_VEC(const void *) types;
  WR_VEC(const char *) names;
} type_names;

static const char *name_of(void *ctx, const cm_valtype *value, const cm_type *resource) {
  type_names *tn = ctx;
  const void *key = value ? (const void *)value : (const void *)resource;
  for (size_t i = 0; i < tn->types.len; i++)
    if (tn->types.items[i] == key) return tn->names.items[i];
  return NULL;
}

static void add_name(type_names *tn, const void *key, const char *name) {
  for (size_t i = 0; i < tn->types.len; i++)
    if (tn->types.items[i] == key) return;
  WR_VEC_PUSH(&tn->types, key);
  WR_VEC_PUSH(&tn->names, name);
}

static void collect_names(type_names *tn, const cm_extern *list, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    const cm_extern *e = &list[i];
    if (e->sort == CM_SORT_TYPE) {
      if (e->type->kind == CM_TYPE_RESOURCE) add_name(tn, e->type, e->name.text);
      else if (e->type->kind == CM_TYPE_VALUE && !cm_valkind_is_primitive(e->type->val->kind))
        add_name(tn, e->type->val, e->name.text);
    } else if (e->sort == CM_SORT_INSTANCE) {
      collect_names(tn, e->type->exports, e->type->nexports);
    }
  }
}

static void print_valtype(type_names *tn, const cm_valtype *t, bool named) {
  char buf[1024];
  const char *name = named ? name_of(tn, t, NULL) : NULL;
  printf("%s", name ? name : cm_valtype_text(t, name_of, tn, buf, sizeof buf));
}

static void print_func(type_names *tn, const cm_functype *ft) {
  printf("%sfunc(", ft->async ? "async " : "");
  for (uint32_t i = 0; i < ft->nparams; i++) {
    printf("%s%s: ", i ? ", " : "", ft->params[i].name);
    print_valtype(tn, ft->params[i].type, true);
  }
  printf(")");
  if (ft->result) {
    printf(" -> ");
    print_valtype(tn, ft->result, true);
  }
}

static void print_extern(type_names *tn, const cm_extern *e, int indent) {
  printf("%*s", indent, "");
  switch (e->sort) {
  case CM_SORT_FUNC:
    printf("%s: ", e->name.text);
    print_func(tn, &e->type->func);
    printf("\n");
    break;
  case CM_SORT_TYPE:
    if (e->type->kind == CM_TYPE_RESOURCE) {
      printf("resource %s\n", e->name.text);
    } else if (e->type->kind == CM_TYPE_VALUE) {
      const cm_valtype *v = e->type->val;
      const char *existing = name_of(tn, v, NULL);
      if (existing && strcmp(existing, e->name.text)) printf("type %s = %s\n", e->name.text, existing);
      else if (v->kind == CM_RECORD || v->kind == CM_VARIANT || v->kind == CM_ENUM || v->kind == CM_FLAGS) {
        printf("%s %s {", v->kind == CM_RECORD ? "record" : v->kind == CM_VARIANT ? "variant" : v->kind == CM_ENUM ? "enum" : "flags",
               e->name.text);
        for (uint32_t i = 0; i < v->count; i++) {
          printf("%s %s", i ? "," : "", v->fields[i].name);
          if (v->fields[i].type) {
            printf(v->kind == CM_RECORD ? ": " : "(");
            print_valtype(tn, v->fields[i].type, true);
            if (v->kind != CM_RECORD) printf(")");
          }
        }
        printf(" }\n");
      } else {
        printf("type %s = ", e->name.text);
        print_valtype(tn, v, false);
        printf("\n");
      }
    } else {
      printf("type %s (%s)\n", e->name.text, e->type->kind == CM_TYPE_FUNC ? "func type" : "component type");
    }
    break;
  case CM_SORT_INSTANCE:
    printf("instance %s {\n", e->name.text);
    for (uint32_t i = 0; i < e->type->nexports; i++) print_extern(tn, &e->type->exports[i], indent + 2);
    printf("%*s}\n", indent, "");
    break;
  case CM_SORT_COMPONENT:
    printf("component %s (%u imports, %u exports)\n", e->name.text, e->type->nimports, e->type->nexports);
    break;
  case CM_SORT_CORE_MODULE:
    printf("core module %s (%u imports, %u exports)\n", e->name.text, e->core_type->nimports, e->core_type->nexports);
    break;
  case CM_SORT_VALUE:
    printf("value %s: ", e->name.text);
    print_valtype(tn, e->value, true);
    printf("\n");
    break;
  default:
    printf("%s %s\n", cm_sort_name(e->sort), e->name.text);
    break;
  }
}

static void print_component(const cm_component *c, int indent) {
  type_names tn = {0};
  collect_names(&tn, c->type->imports, c->type->nimports);
  collect_names(&tn, c->type->exports, c->type->nexports);
  printf("%*simports (%u):\n", indent, "", c->type->nimports);
  for (uint32_t i = 0; i < c->type->nimports; i++) print_extern(&tn, &c->type->imports[i], indent + 2);
  printf("%*sexports (%u):\n", indent, "", c->type->nexports);
  for (uint32_t i = 0; i < c->type->nexports; i++) print_extern(&tn, &c->type->exports[i], indent + 2);
  if (c->modules.len) printf("%*score modules (%zu):\n", indent, "", c->modules.len);
  for (size_t i = 0; i < c->modules.len; i++) {
    const cm_core_module *m = &c->modules.items[i];
    printf("%*s  module %zu: %u bytes, %u imports, %u exports, %u functions\n", indent, "", i, m->size,
           m->type->nimports, m->type->nexports, m->module->nfunc_imports + m->module->nfuncs);
  }
  for (size_t i = 0; i < c->components.len; i++) {
    printf("%*snested component %zu:\n", indent, "", i);
    print_component(c->components.items[i], indent + 2);
  }
  WR_VEC_FREE(&tn.types);
  WR_VEC_FREE(&tn.names);
}

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
  print_component(c, 0);
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
  uint8_t *bytes = read_whole_file(argv[1], &size);
  if (!bytes) return 1;
  int status = size >= 8 && bytes[6] == 1 && bytes[7] == 0 ? inspect_component(argv[1], bytes, size)
                                                            : inspect_module(argv[1], bytes, size);
  wr_free(bytes);
  return status;
}
