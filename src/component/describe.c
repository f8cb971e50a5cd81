/* WIT-like text of a component's imports and exports (describe.h); moved here from
 * `warren inspect` so the embedding API prints the same text. */
#include "describe.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/alloc.h"

void cm_text_appendf(cm_text *out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  WR_VEC_RESERVE(out, out->len + (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(out->items + out->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  out->len += (size_t)n;
}

/* Names of value types and resources, taken from the type exports of every instance type the
 * component imports or exports (so `own<fields>` prints instead of a structure). */
struct cm_type_names {
  WR_VEC(const void *) types;
  WR_VEC(const char *) names;
};

static const char *name_of(void *ctx, const cm_valtype *value, const cm_type *resource) {
  const cm_type_names *tn = ctx;
  const void *key = value ? (const void *)value : (const void *)resource;
  for (size_t i = 0; i < tn->types.len; i++)
    if (tn->types.items[i] == key) return tn->names.items[i];
  return NULL;
}

static void add_name(cm_type_names *tn, const void *key, const char *name) {
  for (size_t i = 0; i < tn->types.len; i++)
    if (tn->types.items[i] == key) return;
  WR_VEC_PUSH(&tn->types, key);
  WR_VEC_PUSH(&tn->names, name);
}

static void collect_names(cm_type_names *tn, const cm_extern *list, uint32_t n) {
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

cm_type_names *cm_type_names_of(const cm_component *component) {
  cm_type_names *tn = WR_NEW(cm_type_names);
  collect_names(tn, component->type->imports, component->type->nimports);
  collect_names(tn, component->type->exports, component->type->nexports);
  return tn;
}

void cm_type_names_free(cm_type_names *tn) {
  if (!tn) return;
  WR_VEC_FREE(&tn->types);
  WR_VEC_FREE(&tn->names);
  wr_free(tn);
}

static void print_valtype(cm_text *out, const cm_type_names *tn, const cm_valtype *t, bool named) {
  char buf[1024];
  const char *name = named ? name_of((void *)tn, t, NULL) : NULL;
  cm_text_appendf(out, "%s", name ? name : cm_valtype_text(t, name_of, (void *)tn, buf, sizeof buf));
}

void cm_describe_func(cm_text *out, const cm_type_names *tn, const cm_functype *ft) {
  cm_text_appendf(out, "%sfunc(", ft->async ? "async " : "");
  for (uint32_t i = 0; i < ft->nparams; i++) {
    cm_text_appendf(out, "%s%s: ", i ? ", " : "", ft->params[i].name);
    print_valtype(out, tn, ft->params[i].type, true);
  }
  cm_text_appendf(out, ")");
  if (ft->result) {
    cm_text_appendf(out, " -> ");
    print_valtype(out, tn, ft->result, true);
  }
}

void cm_describe_extern(cm_text *out, const cm_type_names *tn, const cm_extern *e, int indent) {
  cm_text_appendf(out, "%*s", indent, "");
  switch (e->sort) {
  case CM_SORT_FUNC:
    cm_text_appendf(out, "%s: ", e->name.text);
    cm_describe_func(out, tn, &e->type->func);
    cm_text_appendf(out, "\n");
    break;
  case CM_SORT_TYPE:
    if (e->type->kind == CM_TYPE_RESOURCE) {
      cm_text_appendf(out, "resource %s\n", e->name.text);
    } else if (e->type->kind == CM_TYPE_VALUE) {
      const cm_valtype *v = e->type->val;
      const char *existing = name_of((void *)tn, v, NULL);
      if (existing && strcmp(existing, e->name.text)) cm_text_appendf(out, "type %s = %s\n", e->name.text, existing);
      else if (v->kind == CM_RECORD || v->kind == CM_VARIANT || v->kind == CM_ENUM || v->kind == CM_FLAGS) {
        cm_text_appendf(out, "%s %s {", v->kind == CM_RECORD ? "record" : v->kind == CM_VARIANT ? "variant" : v->kind == CM_ENUM ? "enum" : "flags",
               e->name.text);
        for (uint32_t i = 0; i < v->count; i++) {
          cm_text_appendf(out, "%s %s", i ? "," : "", v->fields[i].name);
          if (v->fields[i].type) {
            cm_text_appendf(out, "%s", v->kind == CM_RECORD ? ": " : "(");
            print_valtype(out, tn, v->fields[i].type, true);
            if (v->kind != CM_RECORD) cm_text_appendf(out, ")");
          }
        }
        cm_text_appendf(out, " }\n");
      } else {
        cm_text_appendf(out, "type %s = ", e->name.text);
        print_valtype(out, tn, v, false);
        cm_text_appendf(out, "\n");
      }
    } else {
      cm_text_appendf(out, "type %s (%s)\n", e->name.text, e->type->kind == CM_TYPE_FUNC ? "func type" : "component type");
    }
    break;
  case CM_SORT_INSTANCE:
    cm_text_appendf(out, "instance %s {\n", e->name.text);
    for (uint32_t i = 0; i < e->type->nexports; i++) cm_describe_extern(out, tn, &e->type->exports[i], indent + 2);
    cm_text_appendf(out, "%*s}\n", indent, "");
    break;
  case CM_SORT_COMPONENT:
    cm_text_appendf(out, "component %s (%u imports, %u exports)\n", e->name.text, e->type->nimports, e->type->nexports);
    break;
  case CM_SORT_CORE_MODULE:
    cm_text_appendf(out, "core module %s (%u imports, %u exports)\n", e->name.text, e->core_type->nimports, e->core_type->nexports);
    break;
  case CM_SORT_VALUE:
    cm_text_appendf(out, "value %s: ", e->name.text);
    print_valtype(out, tn, e->value, true);
    cm_text_appendf(out, "\n");
    break;
  default:
    cm_text_appendf(out, "%s %s\n", cm_sort_name(e->sort), e->name.text);
    break;
  }
}

void cm_describe_component(cm_text *out, const cm_component *c, int indent) {
  cm_type_names *tn = cm_type_names_of(c);
  cm_text_appendf(out, "%*simports (%u):\n", indent, "", c->type->nimports);
  for (uint32_t i = 0; i < c->type->nimports; i++) cm_describe_extern(out, tn, &c->type->imports[i], indent + 2);
  cm_text_appendf(out, "%*sexports (%u):\n", indent, "", c->type->nexports);
  for (uint32_t i = 0; i < c->type->nexports; i++) cm_describe_extern(out, tn, &c->type->exports[i], indent + 2);
  if (c->modules.len) cm_text_appendf(out, "%*score modules (%zu):\n", indent, "", c->modules.len);
  for (size_t i = 0; i < c->modules.len; i++) {
    const cm_core_module *m = &c->modules.items[i];
    cm_text_appendf(out, "%*s  module %zu: %u bytes, %u imports, %u exports, %u functions\n", indent, "", i, m->size,
           m->type->nimports, m->type->nexports, m->module->nfunc_imports + m->module->nfuncs);
  }
  for (size_t i = 0; i < c->components.len; i++) {
    cm_text_appendf(out, "%*snested component %zu:\n", indent, "", i);
    cm_describe_component(out, c->components.items[i], indent + 2);
  }
  cm_type_names_free(tn);
}

