/* WIT documents to component types: resolves the syntax tree (wit_syntax.c) into one
 * CM_TYPE_INSTANCE per interface, shaped as wit-component encodes an imported interface, and
 * keeps the interfaces by name for later documents' `use`s.
 *
 * Names inside an interface may be used before they are defined, and interfaces of one
 * document may `use` each other in any order, so both are resolved on demand, depth first,
 * with cycles reported. Nothing reaches the cm_wit until the whole document has resolved. */
#include "wit.h"

#include <string.h>

#include "../base/vec.h"
#include "namemap.h"
#include "names.h"
#include "valtype.h"
#include "wit_internal.h"

/* Alias chains and interface `use` chains are followed recursively: bounded. */
#define WIT_MAX_RESOLVE_DEPTH 200

typedef struct wit_interface_entry {
  const char *name;
  const cm_type *type;
} wit_interface_entry;

struct cm_wit {
  cm_arena *arena;
  WR_VEC(wit_interface_entry) interfaces;
  cm_name_map by_name; /* name -> index in interfaces */
};

/* A resource type and its two handle types, made together so that every `own<r>` / `borrow<r>`
 * is one shared node. `type` comes first: a WIT resource's `const cm_type *` points here. */
typedef struct wit_resource {
  cm_type type;
  cm_valtype own, borrow;
} wit_resource;

cm_wit *cm_wit_new(cm_arena *arena) {
  cm_wit *wit = WR_NEW(cm_wit);
  wit->arena = arena;
  return wit;
}

void cm_wit_free(cm_wit *wit) {
  if (!wit) return;
  WR_VEC_FREE(&wit->interfaces);
  wr_free(wit);
}

const cm_type *cm_wit_interface(const cm_wit *wit, const char *name) {
  uint32_t i;
  if (!cm_name_map_find(&wit->by_name, name, (uint32_t)strlen(name), &i)) return NULL;
  return wit->interfaces.items[i].type;
}

bool cm_wit_interface_at(const cm_wit *wit, uint32_t i, const char **name, const cm_type **type) {
  if (i >= wit->interfaces.len) return false;
  *name = wit->interfaces.items[i].name;
  *type = wit->interfaces.items[i].type;
  return true;
}

/* ---- resolution state ---- */
typedef enum { TODO, BUSY, DONE } progress;

/* A name an interface's types may refer to: a definition, or a type brought in by `use`. */
typedef struct named {
  const char *name;
  size_t at;
  const wit_item *item; /* NULL for a `use`d type */
  const cm_type *type;  /* once DONE */
  progress state;
} named;

typedef struct doc_interface {
  const wit_interface *ast;
  const char *name; /* "ns:pkg/iface@version" */
  const cm_type *type;
  progress state;
} doc_interface;

typedef struct resolver {
  cm_wit *wit;
  const wit_document *doc;
  wr_error *err;
  cm_arena *arena;   /* the types' (the cm_wit's) */
  cm_arena *scratch; /* dropped after the document */
  doc_interface *ifaces;
  size_t nifaces;
  cm_name_map doc_names;       /* full name -> index in ifaces */
  cm_name_map bases;           /* "ns:pkg/iface" -> index in ifaces, then in wit->interfaces */
  cm_name_map ambiguous_bases; /* those with several versions */
  cm_name_map aliases;         /* top-level `use` alias -> index in alias_uses */
  const wit_toplevel_use **alias_uses;
  unsigned depth;
} resolver;

/* The interface being resolved: its names. */
typedef struct scope {
  const doc_interface *self;
  named *names;
  size_t nnames;
  cm_name_map by_name; /* exact name -> index in names */
  cm_name_map keys;    /* strongly-unique keys of every export, for duplicate checks */
} scope;

#define FAIL(r, at, ...) wit_fail((r)->doc, (r)->err, (at), __VA_ARGS__)

static bool enter(resolver *r, size_t at) {
  if (r->depth >= WIT_MAX_RESOLVE_DEPTH)
    return FAIL(r, at, "types or interfaces refer to each other too deeply (at most %d levels)", WIT_MAX_RESOLVE_DEPTH);
  r->depth++;
  return true;
}

/* Claims the strongly-unique key of an export name (case-insensitive; "[method]r.f" keyed as
 * "r.f"), reporting a clash. */
static bool claim_name(resolver *r, scope *s, const cm_name *name, size_t at) {
  char *key = cm_name_unique_key(r->scratch, name);
  if (cm_name_map_insert(&s->keys, r->scratch, key, (uint32_t)strlen(key), 0)) return true;
  return FAIL(r, at, "`%s` is defined twice in interface `%s`", name->text, s->self->ast->name);
}

/* An export name as the decoder parses it (kind, resource label), its text in `arena`. */
static bool make_name(resolver *r, cm_arena *arena, const char *text, size_t at, cm_name *out) {
  const char *why = "";
  if (!cm_name_parse(arena, (const uint8_t *)text, (uint32_t)strlen(text), out, &why))
    return FAIL(r, at, "invalid name `%s`: %s", text, why);
  return true;
}

/* Claims a label among a type's fields or a function's parameters (compared ignoring case,
 * as the component model does); false when it is taken. */
static bool claim_label(resolver *r, cm_name_map *seen, const char *label) {
  char *key = cm_arena_strndup(r->scratch, label, strlen(label));
  for (char *c = key; *c; c++)
    if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  return cm_name_map_insert(seen, r->scratch, key, (uint32_t)strlen(key), 0);
}

/* ---- value types ---- */
static bool resolve_named(resolver *r, scope *s, named *n);
static const cm_valtype *resolve_ty(resolver *r, scope *s, const wit_ty *ty);

static named *find_named(scope *s, const char *name) {
  uint32_t i;
  return cm_name_map_find(&s->by_name, name, (uint32_t)strlen(name), &i) ? &s->names[i] : NULL;
}

static const wit_resource *as_resource(const cm_type *t) { return (const wit_resource *)t; }

static bool lay_out(resolver *r, cm_valtype *v, cm_field *fields, size_t at) {
  if (!cm_valtype_layout(v, fields)) return FAIL(r, at, "type is too large (its size reaches 2^28 bytes)");
  return true;
}

/* The type `name` (referred to at `at`) names, resolved; NULL after an error. */
static const named *resolve_name(resolver *r, scope *s, const char *name, size_t at) {
  named *n = find_named(s, name);
  if (!n) {
    FAIL(r, at, "unknown type `%s` in interface `%s`", name, s->self->ast->name);
    return NULL;
  }
  return resolve_named(r, s, n) ? n : NULL;
}

static const cm_valtype *resolve_reference(resolver *r, scope *s, const wit_ty *ty) {
  const named *n = resolve_name(r, s, ty->name, ty->at);
  if (!n) return NULL;
  if (n->type->kind == CM_TYPE_RESOURCE) return ty->ref == WIT_REF_BORROW ? &as_resource(n->type)->borrow : &as_resource(n->type)->own;
  if (ty->ref != WIT_REF_BARE) {
    FAIL(r, ty->at, "`%s` is not a resource, so it has no %s handle", ty->name, ty->ref == WIT_REF_OWN ? "own" : "borrow");
    return NULL;
  }
  return n->type->val;
}

static bool resolve_optional(resolver *r, scope *s, const wit_ty *ty, const cm_valtype **out) {
  *out = NULL;
  return !ty || (*out = resolve_ty(r, s, ty)) != NULL;
}

static const cm_valtype *resolve_constructed(resolver *r, scope *s, const wit_ty *ty) {
  cm_valtype *v = cm_arena_alloc(r->arena, sizeof *v);
  cm_field *fields = NULL;
  v->kind = ty->kind;
  switch (ty->kind) {
  case CM_LIST:
  case CM_FIXED_LIST:
  case CM_OPTION:
    v->count = ty->kind == CM_FIXED_LIST ? ty->count : 0;
    if (!(v->elem = resolve_ty(r, s, ty->elem))) return NULL;
    break;
  case CM_RESULT:
    if (!resolve_optional(r, s, ty->elem, &v->elem) || !resolve_optional(r, s, ty->err, &v->err)) return NULL;
    break;
  case CM_STREAM:
  case CM_FUTURE:
    if (!resolve_optional(r, s, ty->elem, &v->elem)) return NULL;
    if (v->elem && v->elem->has_borrow) {
      FAIL(r, ty->at, "stream and future payloads may not contain a borrow");
      return NULL;
    }
    if (ty->kind == CM_STREAM && v->elem && v->elem->kind == CM_CHAR) {
      FAIL(r, ty->at, "stream<char> is not allowed");
      return NULL;
    }
    break;
  case CM_TUPLE: {
    fields = cm_arena_array(r->arena, ty->count, sizeof *fields);
    uint32_t i = 0;
    for (const wit_ty *e = ty->first; e; e = e->next, i++)
      if (!(fields[i].type = resolve_ty(r, s, e))) return NULL;
    v->count = ty->count;
    v->fields = fields;
    break;
  }
  default:
    break;
  }
  return lay_out(r, v, fields, ty->at) ? v : NULL;
}

static const cm_valtype *resolve_ty(resolver *r, scope *s, const wit_ty *ty) {
  if (ty->ref == WIT_REF_NONE && cm_valkind_is_primitive(ty->kind)) return cm_valtype_primitive(ty->kind);
  if (!enter(r, ty->at)) return NULL;
  const cm_valtype *v = ty->ref != WIT_REF_NONE ? resolve_reference(r, s, ty) : resolve_constructed(r, s, ty);
  r->depth--;
  return v;
}

/* record / variant / enum / flags */
static const cm_type *resolve_compound(resolver *r, scope *s, const wit_item *item) {
  static const struct {
    cm_valkind kind;
    const char *what, *label;
  } shapes[] = {
      [WIT_ITEM_RECORD] = {CM_RECORD, "record", "field"},
      [WIT_ITEM_VARIANT] = {CM_VARIANT, "variant", "case"},
      [WIT_ITEM_ENUM] = {CM_ENUM, "enum", "case"},
      [WIT_ITEM_FLAGS] = {CM_FLAGS, "flags", "flag"},
  };
  const char *what = shapes[item->kind].what, *label = shapes[item->kind].label;
  if (item->nfields == 0) {
    FAIL(r, item->at, "%s `%s` needs at least one %s", what, item->name, label);
    return NULL;
  }
  if (item->kind == WIT_ITEM_FLAGS && item->nfields > 32) {
    FAIL(r, item->at, "flags `%s` has %u flags (at most 32)", item->name, item->nfields);
    return NULL;
  }
  cm_valtype *v = cm_arena_alloc(r->arena, sizeof *v);
  cm_field *fields = cm_arena_array(r->arena, item->nfields, sizeof *fields);
  cm_name_map seen = {0};
  uint32_t i = 0;
  for (const wit_field *f = item->fields; f; f = f->next, i++) {
    if (!claim_label(r, &seen, f->name)) {
      FAIL(r, f->at, "%s `%s` is defined twice in %s `%s`", label, f->name, what, item->name);
      return NULL;
    }
    fields[i].name = cm_arena_strndup(r->arena, f->name, strlen(f->name));
    if (f->type && !(fields[i].type = resolve_ty(r, s, f->type))) return NULL;
  }
  v->kind = shapes[item->kind].kind;
  v->count = item->nfields;
  v->fields = fields;
  if (!lay_out(r, v, item->kind == WIT_ITEM_RECORD ? fields : NULL, item->at)) return NULL;
  cm_type *t = cm_arena_alloc(r->arena, sizeof *t);
  t->kind = CM_TYPE_VALUE;
  t->val = v;
  return t;
}

static const cm_type *make_resource(resolver *r) {
  wit_resource *res = cm_arena_alloc(r->arena, sizeof *res);
  res->type.kind = CM_TYPE_RESOURCE;
  res->own.kind = CM_OWN;
  res->own.resource = &res->type;
  res->borrow.kind = CM_BORROW;
  res->borrow.resource = &res->type;
  cm_valtype_layout(&res->own, NULL);
  cm_valtype_layout(&res->borrow, NULL);
  return &res->type;
}

static bool resolve_named(resolver *r, scope *s, named *n) {
  if (n->state == DONE) return true;
  if (n->state == BUSY) return FAIL(r, n->at, "type `%s` refers to itself", n->name);
  if (!enter(r, n->at)) return false;
  n->state = BUSY;
  const wit_item *item = n->item;
  const cm_type *t = NULL;
  switch (item->kind) {
  case WIT_ITEM_TYPE:
    if (item->alias->ref == WIT_REF_BARE) {
      /* `type a = b`: the very type b is (a resource stays that resource) */
      const named *target = resolve_name(r, s, item->alias->name, item->alias->at);
      t = target ? target->type : NULL;
    } else {
      const cm_valtype *v = resolve_ty(r, s, item->alias);
      if (v) {
        cm_type *value = cm_arena_alloc(r->arena, sizeof *value);
        value->kind = CM_TYPE_VALUE;
        value->val = v;
        t = value;
      }
    }
    break;
  case WIT_ITEM_RESOURCE:
    t = make_resource(r);
    break;
  default:
    t = resolve_compound(r, s, item);
    break;
  }
  r->depth--;
  if (!t) return false;
  n->type = t;
  n->state = DONE;
  return true;
}

/* ---- functions ---- */
static bool is_own_of(const cm_valtype *t, const cm_type *resource) {
  if (t && t->kind == CM_RESULT) t = t->elem;
  return t && t->kind == CM_OWN && t->resource == resource;
}

/* A function of the interface, or (resource != NULL) a method, static function or constructor
 * of `resource`, as its desugared func type. */
static const cm_type *resolve_func(resolver *r, scope *s, const wit_func *f, const cm_type *resource,
                                   wit_method_kind kind) {
  bool method = resource && kind == WIT_METHOD;
  uint32_t n = f->nparams + (method ? 1 : 0);
  cm_field *params = cm_arena_array(r->arena, n, sizeof *params);
  cm_name_map seen = {0};
  uint32_t i = 0;
  if (method) {
    params[0].name = "self";
    params[0].type = &as_resource(resource)->borrow;
    claim_label(r, &seen, "self");
    i++;
  }
  for (const wit_field *p = f->params; p; p = p->next, i++) {
    if (!claim_label(r, &seen, p->name)) {
      FAIL(r, p->at, "parameter `%s` is defined twice%s", p->name,
           method && !strcmp(p->name, "self") ? " (methods take `self` implicitly)" : "");
      return NULL;
    }
    params[i].name = cm_arena_strndup(r->arena, p->name, strlen(p->name));
    if (!(params[i].type = resolve_ty(r, s, p->type))) return NULL;
  }
  const cm_valtype *result = NULL;
  if (f->result && !(result = resolve_ty(r, s, f->result))) return NULL;
  if (resource && kind == WIT_CONSTRUCTOR) {
    if (!result) {
      result = &as_resource(resource)->own;
    } else if (!is_own_of(result, resource)) {
      FAIL(r, f->result->at, "a constructor returns its resource, or result<resource, error> when it can fail");
      return NULL;
    }
  }
  if (result && result->has_borrow) {
    FAIL(r, f->result->at, "function results may not contain a borrow");
    return NULL;
  }
  cm_type *t = cm_arena_alloc(r->arena, sizeof *t);
  t->kind = CM_TYPE_FUNC;
  t->func.nparams = n;
  t->func.params = params;
  t->func.result = result;
  t->func.async = f->async;
  return t;
}

/* ---- interfaces ---- */
static bool resolve_interface(resolver *r, doc_interface *di);

/* "package/name[@version]" in `arena`. */
static char *join_name(cm_arena *arena, const char *package, const char *name, const char *version) {
  size_t len = strlen(package) + 1 + strlen(name) + (version ? 1 + strlen(version) : 0);
  char *full = cm_arena_alloc(arena, len + 1);
  strcpy(full, package);
  strcat(full, "/");
  strcat(full, name);
  if (version) {
    strcat(full, "@");
    strcat(full, version);
  }
  return full;
}

static bool map_find(const cm_name_map *map, const char *name, uint32_t *value) {
  return cm_name_map_find(map, name, (uint32_t)strlen(name), value);
}

/* The interface of full name `name`, this document's first (resolved); *out NULL when there is
 * none. false only on an error resolving it. */
static bool interface_by_name(resolver *r, const char *name, const cm_type **out) {
  uint32_t i;
  if (map_find(&r->doc_names, name, &i)) {
    if (!resolve_interface(r, &r->ifaces[i])) return false;
    *out = r->ifaces[i].type;
    return true;
  }
  *out = cm_wit_interface(r->wit, name);
  return true;
}

/* An interface by its full name. An unversioned path names the one version of that
 * interface there is. */
static bool find_qualified(resolver *r, const wit_path *path, const cm_type **out) {
  if (!interface_by_name(r, path->name, out)) return false;
  if (*out) return true;
  uint32_t i;
  if (!strchr(path->name, '@') && map_find(&r->bases, path->name, &i)) {
    if (map_find(&r->ambiguous_bases, path->name, &i))
      return FAIL(r, path->at, "`%s` is ambiguous (several versions exist): give the version", path->name);
    const char *name = i < r->nifaces ? r->ifaces[i].name : r->wit->interfaces.items[i - r->nifaces].name;
    return interface_by_name(r, name, out);
  }
  return FAIL(r, path->at, "unknown interface `%s` (a WIT document defining it must be added first)", path->name);
}

/* `id` is a top-level `use` alias (when `aliases`) or an interface of the same package. */
static bool find_interface(resolver *r, const doc_interface *from, const wit_path *path, bool aliases,
                           const cm_type **out) {
  if (path->qualified) return find_qualified(r, path, out);
  uint32_t i;
  if (aliases && map_find(&r->aliases, path->name, &i)) return find_interface(r, from, &r->alias_uses[i]->path, false, out);
  const char *name = join_name(r->scratch, from->ast->package, path->name, from->ast->version);
  if (map_find(&r->doc_names, name, &i)) return interface_by_name(r, name, out);
  return FAIL(r, path->at, "unknown interface `%s` in package %s", path->name, from->ast->package);
}

static bool add_named(resolver *r, scope *s, const char *name, size_t at, const wit_item *item, const cm_type *type) {
  cm_name n;
  if (!make_name(r, r->scratch, name, at, &n) || !claim_name(r, s, &n, at)) return false;
  named *e = &s->names[s->nnames];
  e->name = name;
  e->at = at;
  e->item = item;
  e->type = type;
  e->state = type ? DONE : TODO;
  cm_name_map_insert(&s->by_name, r->scratch, name, (uint32_t)strlen(name), (uint32_t)s->nnames++);
  return true;
}

/* The names an interface's types can refer to (`use`d and defined types) into s, and the
 * number of exports the interface will have. */
static bool collect_names(resolver *r, scope *s, size_t *nexports) {
  const wit_interface *ast = s->self->ast;
  size_t count = 0;
  for (const wit_item *item = ast->items; item; item = item->next) {
    if (item->kind == WIT_ITEM_USE) {
      for (const wit_use_name *u = item->names; u; u = u->next) count++;
    } else if (item->kind != WIT_ITEM_FUNC) {
      count++;
    }
  }
  s->names = cm_arena_array(r->scratch, count, sizeof *s->names);
  *nexports = 0;
  for (const wit_item *item = ast->items; item; item = item->next) {
    if (item->kind == WIT_ITEM_USE) {
      const cm_type *target;
      if (!find_interface(r, s->self, &item->path, true, &target)) return false;
      for (const wit_use_name *u = item->names; u; u = u->next) {
        const cm_extern *ext = cm_type_export(target, u->name);
        if (!ext || ext->sort != CM_SORT_TYPE)
          return FAIL(r, u->at, "interface `%s` has no type `%s`", item->path.name, u->name);
        if (!add_named(r, s, u->as, u->at, NULL, ext->type)) return false;
        ++*nexports;
      }
    } else if (item->kind == WIT_ITEM_FUNC) {
      ++*nexports;
    } else {
      if (!add_named(r, s, item->name, item->at, item, NULL)) return false;
      ++*nexports;
      for (const wit_method *m = item->methods; m; m = m->next) ++*nexports;
    }
  }
  return true;
}

static bool add_export(resolver *r, scope *s, cm_extern *exports, uint32_t *n, const char *name, size_t at,
                       cm_sort sort, const cm_type *type, bool claim) {
  cm_extern *e = &exports[*n];
  if (!make_name(r, r->arena, name, at, &e->name) || (claim && !claim_name(r, s, &e->name, at))) return false;
  e->sort = sort;
  e->type = type;
  ++*n;
  return true;
}

static bool add_methods(resolver *r, scope *s, const wit_item *item, const cm_type *resource, cm_extern *exports,
                        uint32_t *n) {
  static const char *const prefixes[] = {[WIT_METHOD] = "[method]", [WIT_STATIC] = "[static]", [WIT_CONSTRUCTOR] = "[constructor]"};
  for (const wit_method *m = item->methods; m; m = m->next) {
    char *name = cm_arena_alloc(r->scratch, strlen(prefixes[m->kind]) + strlen(item->name) + 1 + (m->name ? strlen(m->name) : 0) + 1);
    strcpy(name, prefixes[m->kind]);
    strcat(name, item->name);
    if (m->name) {
      strcat(name, ".");
      strcat(name, m->name);
    }
    if (m->kind == WIT_CONSTRUCTOR && m->func.async) return FAIL(r, m->at, "constructors cannot be async");
    const cm_type *ft = resolve_func(r, s, &m->func, resource, m->kind);
    if (!ft || !add_export(r, s, exports, n, name, m->at, CM_SORT_FUNC, ft, true)) return false;
  }
  return true;
}

static bool build_interface(resolver *r, doc_interface *di) {
  scope s = {.self = di};
  size_t nexports;
  if (!collect_names(r, &s, &nexports)) return false;
  for (size_t i = 0; i < s.nnames; i++)
    if (!resolve_named(r, &s, &s.names[i])) return false;
  /* exports in the order of the text: types (used or defined), resource methods after their
   * resource, functions */
  cm_extern *exports = cm_arena_array(r->arena, nexports, sizeof *exports);
  uint32_t n = 0;
  for (const wit_item *item = di->ast->items; item; item = item->next) {
    if (item->kind == WIT_ITEM_USE) {
      for (const wit_use_name *u = item->names; u; u = u->next)
        if (!add_export(r, &s, exports, &n, u->as, u->at, CM_SORT_TYPE, find_named(&s, u->as)->type, false)) return false;
    } else if (item->kind == WIT_ITEM_FUNC) {
      const cm_type *ft = resolve_func(r, &s, &item->func, NULL, WIT_METHOD);
      if (!ft || !add_export(r, &s, exports, &n, item->name, item->at, CM_SORT_FUNC, ft, true)) return false;
    } else {
      const cm_type *t = find_named(&s, item->name)->type;
      if (!add_export(r, &s, exports, &n, item->name, item->at, CM_SORT_TYPE, t, false)) return false;
      if (item->kind == WIT_ITEM_RESOURCE && !add_methods(r, &s, item, t, exports, &n)) return false;
    }
  }
  cm_type *type = cm_arena_alloc(r->arena, sizeof *type);
  type->kind = CM_TYPE_INSTANCE;
  type->nexports = n;
  type->exports = exports;
  for (uint32_t i = 0; i < n; i++) cm_name_map_insert(&type->export_map, r->arena, exports[i].name.text, exports[i].name.len, i);
  di->type = type;
  return true;
}

static bool resolve_interface(resolver *r, doc_interface *di) {
  if (di->state == DONE) return true;
  if (di->state == BUSY) return FAIL(r, di->ast->at, "interface `%s` is part of a `use` cycle", di->ast->name);
  if (!enter(r, di->ast->at)) return false;
  di->state = BUSY;
  bool ok = build_interface(r, di);
  r->depth--;
  di->state = ok ? DONE : BUSY;
  return ok;
}

/* "ns:pkg/iface" of a full name (without the version), in `arena`. */
static char *base_of(cm_arena *arena, const char *name) {
  const char *at = strchr(name, '@');
  return cm_arena_strndup(arena, name, at ? (size_t)(at - name) : strlen(name));
}

/* Full names of the document's interfaces (each new), its top-level `use` aliases (each once),
 * and the unversioned names of every interface known, for lookups. */
static bool index_document(resolver *r) {
  size_t i = 0;
  for (const wit_interface *ast = r->doc->interfaces; ast; ast = ast->next, i++) {
    doc_interface *di = &r->ifaces[i];
    di->ast = ast;
    di->name = join_name(r->arena, ast->package, ast->name, ast->version);
    if (!cm_name_map_insert(&r->doc_names, r->scratch, di->name, (uint32_t)strlen(di->name), (uint32_t)i))
      return FAIL(r, ast->at, "interface `%s` is defined twice", di->name);
    if (cm_wit_interface(r->wit, di->name)) return FAIL(r, ast->at, "interface `%s` was already added", di->name);
  }
  for (i = 0; i < r->nifaces + r->wit->interfaces.len; i++) {
    const char *base = base_of(r->scratch, i < r->nifaces ? r->ifaces[i].name : r->wit->interfaces.items[i - r->nifaces].name);
    if (!cm_name_map_insert(&r->bases, r->scratch, base, (uint32_t)strlen(base), (uint32_t)i))
      cm_name_map_insert(&r->ambiguous_bases, r->scratch, base, (uint32_t)strlen(base), 0);
  }
  size_t nuses = 0;
  for (const wit_toplevel_use *u = r->doc->uses; u; u = u->next) nuses++;
  r->alias_uses = cm_arena_array(r->scratch, nuses, sizeof *r->alias_uses);
  i = 0;
  for (const wit_toplevel_use *u = r->doc->uses; u; u = u->next, i++) {
    r->alias_uses[i] = u;
    if (!cm_name_map_insert(&r->aliases, r->scratch, u->alias, (uint32_t)strlen(u->alias), (uint32_t)i))
      return FAIL(r, u->path.at, "`%s` already names an interface in this document", u->alias);
  }
  return true;
}

bool cm_wit_add(cm_wit *wit, const char *source, const char *text, size_t len, wr_error *err) {
  cm_arena *scratch = cm_arena_new();
  wit_document doc;
  bool ok = wit_parse(scratch, source, text, len, &doc, err);
  resolver r = {.wit = wit, .doc = &doc, .err = err, .arena = wit->arena, .scratch = scratch};
  if (ok) {
    for (const wit_interface *i = doc.interfaces; i; i = i->next) r.nifaces++;
    r.ifaces = cm_arena_array(scratch, r.nifaces, sizeof *r.ifaces);
    ok = index_document(&r);
  }
  for (size_t i = 0; ok && i < r.nifaces; i++) ok = resolve_interface(&r, &r.ifaces[i]);
  for (size_t i = 0; ok && i < r.nifaces; i++) {
    wit_interface_entry e = {r.ifaces[i].name, r.ifaces[i].type};
    cm_name_map_insert(&wit->by_name, wit->arena, e.name, (uint32_t)strlen(e.name), (uint32_t)wit->interfaces.len);
    WR_VEC_PUSH(&wit->interfaces, e);
  }
  cm_arena_free(scratch);
  return ok;
}
