/* Type matching of instantiation arguments against a component's imports: structural equality
 * of value and function types, with the imported (abstract) resource types bound to the
 * argument's resources as they are met, and subtyping of instances (extra exports allowed). */
#include <string.h>

#include "decode_internal.h"

/* Comparing types is structural over a DAG that may share nodes, so the work is bounded by
 * m->budget; a comparison that runs out is accepted (too big to check, not known wrong). */
static bool valtypes_match(cm_matcher *m, const cm_valtype *have, const cm_valtype *want);

/* What an abstract resource was bound to when its component was instantiated (followed to the
 * end: a resource imported through several instances). */
static const cm_type *bound_resource(const cm_matcher *m, const cm_type *t) {
  for (unsigned hops = 0; hops < 64; hops++) {
    const cm_type *next = NULL;
    for (size_t i = 0; i < m->bindings.len && !next; i++)
      if (m->bindings.items[i].want == t) next = m->bindings.items[i].have;
    if (!next || next == t) return t;
    t = next;
  }
  return t;
}

static bool resources_match(cm_matcher *m, const cm_type *have, const cm_type *want) {
  if (have == want) return true;
  have = bound_resource(m, have);
  for (size_t i = 0; i < m->bindings.len; i++)
    if (m->bindings.items[i].want == want) return bound_resource(m, m->bindings.items[i].have) == have;
  if (want->resource.defined || have->kind != CM_TYPE_RESOURCE) return false;
  cm_type_binding b = {want, have};
  WR_VEC_PUSH(&m->bindings, b);
  return true;
}

static bool optional_match(cm_matcher *m, const cm_valtype *have, const cm_valtype *want) {
  if (!have || !want) return have == want;
  return valtypes_match(m, have, want);
}

static bool valtypes_match(cm_matcher *m, const cm_valtype *have, const cm_valtype *want) {
  if (have == want) return true;
  if (m->budget == 0) return true;
  m->budget--;
  if (have->kind != want->kind) return false;
  switch (want->kind) {
  case CM_RECORD:
  case CM_VARIANT:
  case CM_TUPLE:
  case CM_FLAGS:
  case CM_ENUM:
    if (have->count != want->count) return false;
    for (uint32_t i = 0; i < want->count; i++) {
      const cm_field *h = &have->fields[i], *w = &want->fields[i];
      if ((h->name || w->name) && (!h->name || !w->name || strcmp(h->name, w->name))) return false;
      if (!optional_match(m, h->type, w->type)) return false;
    }
    return true;
  case CM_FIXED_LIST:
    return have->count == want->count && valtypes_match(m, have->elem, want->elem);
  case CM_LIST:
  case CM_MAP:
  case CM_OPTION:
  case CM_STREAM:
  case CM_FUTURE:
    return optional_match(m, have->elem, want->elem);
  case CM_RESULT:
    return optional_match(m, have->elem, want->elem) && optional_match(m, have->err, want->err);
  case CM_OWN:
  case CM_BORROW:
    return resources_match(m, have->resource, want->resource);
  default:
    return true; /* primitives of the same kind */
  }
}

static bool functypes_match(cm_matcher *m, const cm_functype *have, const cm_functype *want) {
  if (have->nparams != want->nparams || have->async != want->async) return false;
  for (uint32_t i = 0; i < want->nparams; i++)
    if (strcmp(have->params[i].name, want->params[i].name) ||
        !valtypes_match(m, have->params[i].type, want->params[i].type))
      return false;
  return optional_match(m, have->result, want->result);
}

static bool types_match(cm_matcher *m, const cm_type *have, const cm_type *want, const char **why) {
  if (want->kind == CM_TYPE_RESOURCE) {
    if (!resources_match(m, have, want)) {
      *why = "a different resource type";
      return false;
    }
    return true;
  }
  if (have->kind != want->kind) {
    *why = "a different kind of type";
    return false;
  }
  switch (want->kind) {
  case CM_TYPE_VALUE:
    if (!valtypes_match(m, have->val, want->val)) *why = "a different value type";
    return !*why;
  case CM_TYPE_FUNC:
    if (!functypes_match(m, &have->func, &want->func)) *why = "a different function type";
    return !*why;
  case CM_TYPE_INSTANCE:
    /* an instance made by instantiation: its exports name the resources its component
     * imported, bound to what that instantiation passed */
    for (uint32_t i = 0; i < have->nbound; i++) {
      bool known = false;
      for (size_t j = 0; j < m->bindings.len && !known; j++) known = m->bindings.items[j].want == have->bound[2 * i];
      if (!known) WR_VEC_PUSH(&m->bindings, ((cm_type_binding){have->bound[2 * i], have->bound[2 * i + 1]}));
    }
    for (uint32_t i = 0; i < want->nexports; i++) {
      const cm_extern *w = &want->exports[i];
      const cm_extern *h = cm_type_export(have, w->name.text);
      if (!h) {
        m->missing = w->name.text;
        *why = "an instance without a required export";
        return false;
      }
      if (!cm_externs_match(m, h, w, why)) {
        m->missing = w->name.text;
        return false;
      }
    }
    return true;
  default:
    return true; /* component types: their imports and exports are matched at instantiation */
  }
}

bool cm_externs_match(cm_matcher *m, const cm_extern *have, const cm_extern *want, const char **why) {
  *why = NULL;
  if (have->sort != want->sort) {
    *why = "a different sort";
    return false;
  }
  switch (want->sort) {
  case CM_SORT_VALUE:
    if (!valtypes_match(m, have->value, want->value)) *why = "a value of a different type";
    return !*why;
  case CM_SORT_CORE_MODULE:
    return true;
  default:
    return types_match(m, have->type, want->type, why);
  }
}

bool cm_valtypes_equal(const cm_valtype *a, const cm_valtype *b) {
  if (a == b) return true;
  if (!a || !b) return false;
  cm_matcher m = {.budget = 1u << 16};
  bool same = valtypes_match(&m, a, b);
  WR_VEC_FREE(&m.bindings);
  return same;
}
