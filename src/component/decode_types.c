/* Type definitions and declarators: core func and module types, defined value types, func,
 * component, instance and resource types, extern types, and import/export declarations. */
#include <inttypes.h>
#include <string.h>

#include "decode_internal.h"
#include "names.h"
#include "valtype.h"

/* ---- core types ---- */
static bool read_core_valtype(wasm_reader *r, uint8_t *out) {
  size_t at = r->pos;
  if (!wasm_read_u8(r, out)) return false;
  switch (*out) {
  case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64: case WASM_V128: case WASM_FUNCREF: case WASM_EXTERNREF:
    return true;
  default:
    return cm_fail(r, at, "malformed core value type 0x%02x", *out);
  }
}

static bool read_core_functype(cm_decoder *d, wasm_reader *r, wasm_functype *out) {
  uint32_t np, nr;
  if (!cm_read_count(r, 1, &np)) return false;
  uint8_t *params = cm_arena_array(d->arena, np, 1);
  for (uint32_t i = 0; i < np; i++)
    if (!read_core_valtype(r, &params[i])) return false;
  if (!cm_read_count(r, 1, &nr)) return false;
  uint8_t *types = cm_arena_array(d->arena, (size_t)np + nr, 1);
  memcpy(types, params, np);
  for (uint32_t i = 0; i < nr; i++)
    if (!read_core_valtype(r, &types[np + i])) return false;
  out->nparams = np;
  out->nresults = nr;
  out->types = types;
  return true;
}

static bool read_limits(cm_decoder *d, wasm_reader *r, bool memory, wasm_limits *out) {
  size_t at = r->pos;
  uint8_t flags;
  if (!wasm_read_u8(r, &flags)) return false;
  memset(out, 0, sizeof *out);
  out->is64 = memory && (flags & 0x04);
  if ((flags & ~0x05) != 0 || (out->is64 && !d->features.memory64))
    return cm_fail(r, at, "malformed or unsupported limits flags 0x%02x", flags);
  out->has_max = flags & 0x01;
  unsigned bits = out->is64 ? 64 : 32;
  if (!wasm_read_uleb(r, bits, &out->min)) return false;
  if (out->has_max && !wasm_read_uleb(r, bits, &out->max)) return false;
  if (out->has_max && out->max < out->min) return cm_fail(r, at, "size minimum must not be greater than maximum");
  return true;
}

bool cm_read_core_externtype(cm_decoder *d, wasm_reader *r, const cm_index_space *core_types, cm_core_extern *out) {
  size_t at = r->pos;
  uint8_t kind;
  memset(out, 0, sizeof *out);
  if (!wasm_read_u8(r, &kind)) return false;
  switch (kind) {
  case 0x00:
  case 0x04: {
    uint32_t index;
    size_t index_at;
    if (kind == 0x04) {
      uint8_t attr;
      if (!wasm_read_u8(r, &attr)) return false;
      if (attr != 0) return cm_fail(r, at, "malformed tag attribute");
    }
    index_at = r->pos;
    if (!wasm_read_u32(r, &index)) return false;
    if (index >= core_types->len || core_types->items[index].u.core_type->kind != CM_CORE_FUNCTYPE)
      return cm_fail(r, index_at, "unknown core func type %u", index);
    out->kind = kind == 0 ? WASM_EXTERN_FUNC : WASM_EXTERN_TAG;
    out->type.func = &core_types->items[index].u.core_type->func;
    return true;
  }
  case 0x01: {
    size_t elem_at = r->pos;
    out->kind = WASM_EXTERN_TABLE;
    if (!wasm_read_u8(r, &out->type.table.elem)) return false;
    if (!wasm_is_reftype(out->type.table.elem)) return cm_fail(r, elem_at, "malformed reference type");
    return read_limits(d, r, false, &out->type.table.limits);
  }
  case 0x02:
    out->kind = WASM_EXTERN_MEMORY;
    return read_limits(d, r, true, &out->type.memory.limits);
  case 0x03: {
    uint8_t mut;
    out->kind = WASM_EXTERN_GLOBAL;
    if (!read_core_valtype(r, &out->type.global.type) || !wasm_read_u8(r, &mut)) return false;
    if (mut > 1) return cm_fail(r, r->pos - 1, "malformed mutability");
    out->type.global.mut = mut;
    return true;
  }
  default:
    return cm_fail(r, at, "malformed core extern kind 0x%02x", kind);
  }
}

static bool functypes_equal(const wasm_functype *a, const wasm_functype *b) {
  return a->nparams == b->nparams && a->nresults == b->nresults &&
         !memcmp(a->types, b->types, (size_t)a->nparams + a->nresults);
}

static bool limits_match(const wasm_limits *have, const wasm_limits *want) {
  if (have->is64 != want->is64 || have->shared != want->shared || have->min < want->min) return false;
  return !want->has_max || (have->has_max && have->max <= want->max);
}

bool cm_core_extern_matches(const cm_core_extern *have, const cm_core_extern *want) {
  if (have->kind != want->kind) return false;
  switch (want->kind) {
  case WASM_EXTERN_FUNC:
  case WASM_EXTERN_TAG: return functypes_equal(have->type.func, want->type.func);
  case WASM_EXTERN_TABLE:
    return have->type.table.elem == want->type.table.elem && limits_match(&have->type.table.limits, &want->type.table.limits);
  case WASM_EXTERN_MEMORY: return limits_match(&have->type.memory.limits, &want->type.memory.limits);
  case WASM_EXTERN_GLOBAL:
    return have->type.global.type == want->type.global.type && have->type.global.mut == want->type.global.mut;
  }
  return false;
}

/* core:moduletype: its own core type space; `outer` aliases reach the enclosing scopes. */
static bool read_module_type(cm_decoder *d, wasm_reader *r, cm_scope *scope, cm_core_type *out) {
  cm_index_space types = {0};
  WR_VEC(cm_core_import) imports = {0};
  WR_VEC(cm_core_export) exports = {0};
  uint32_t n;
  bool ok = cm_read_count(r, 2, &n);
  for (uint32_t i = 0; ok && i < n; i++) {
    size_t at = r->pos;
    uint8_t kind;
    ok = wasm_read_u8(r, &kind);
    if (!ok) break;
    switch (kind) {
    case 0x00: {
      cm_core_import im = {0};
      const char *module = NULL, *name = NULL;
      ok = cm_read_name(d, r, &module, &im.module.len) && cm_read_name(d, r, &name, &im.name.len) &&
           cm_read_core_externtype(d, r, &types, &im.type);
      im.module.data = (char *)module;
      im.name.data = (char *)name;
      if (ok) WR_VEC_PUSH(&imports, im);
      break;
    }
    case 0x01: {
      uint8_t form;
      ok = wasm_read_u8(r, &form);
      if (ok && form != 0x60) ok = cm_fail(r, at + 1, "module type declarations may only define func types");
      if (ok) {
        cm_core_type *t = cm_arena_alloc(d->arena, sizeof *t);
        t->kind = CM_CORE_FUNCTYPE;
        ok = read_core_functype(d, r, &t->func);
        cm_item item = {.def = UINT32_MAX, .u.core_type = t};
        if (ok) WR_VEC_PUSH(&types, item);
      }
      break;
    }
    case 0x02: {
      uint8_t sort, outer;
      uint32_t count, index;
      ok = wasm_read_u8(r, &sort) && wasm_read_u8(r, &outer);
      if (ok && (sort != 0x10 || outer != 0x01)) ok = cm_fail(r, at, "malformed module type alias");
      ok = ok && wasm_read_u32(r, &count);
      if (!ok) break;
      if (count == 0) {
        size_t index_at = r->pos;
        ok = wasm_read_u32(r, &index);
        if (ok && index >= types.len) ok = cm_fail(r, index_at, "unknown core type %u", index);
        if (ok) WR_VEC_PUSH(&types, types.items[index]);
        break;
      }
      cm_scope *target = scope;
      for (uint32_t k = 1; k < count && target; k++) target = target->parent;
      if (!target) {
        ok = cm_fail(r, at, "outer alias count %u exceeds the enclosing scopes", count);
        break;
      }
      ok = cm_read_index(r, target, CM_SORT_CORE_TYPE, &index);
      if (ok && cm_item_at(target, CM_SORT_CORE_TYPE, index)->u.core_type->kind != CM_CORE_FUNCTYPE)
        ok = cm_fail(r, at, "module types may only alias func types");
      if (ok) WR_VEC_PUSH(&types, *cm_item_at(target, CM_SORT_CORE_TYPE, index));
      break;
    }
    case 0x03: {
      cm_core_export ex = {0};
      const char *name = NULL;
      ok = cm_read_name(d, r, &name, &ex.name.len) && cm_read_core_externtype(d, r, &types, &ex.type);
      ex.name.data = (char *)name;
      if (ok && !cm_name_map_insert(&out->export_map, d->arena, name, ex.name.len, (uint32_t)exports.len))
        ok = cm_fail(r, at, "duplicate export `%s` in module type", name);
      if (ok) WR_VEC_PUSH(&exports, ex);
      break;
    }
    default:
      ok = cm_fail(r, at, "malformed module type declaration 0x%02x", kind);
    }
  }
  if (ok) {
    cm_core_import *im = cm_arena_array(d->arena, imports.len, sizeof *im);
    cm_core_export *ex = cm_arena_array(d->arena, exports.len, sizeof *ex);
    if (imports.len) memcpy(im, imports.items, imports.len * sizeof *im);
    if (exports.len) memcpy(ex, exports.items, exports.len * sizeof *ex);
    out->kind = CM_CORE_MODULETYPE;
    out->nimports = (uint32_t)imports.len;
    out->imports = im;
    out->nexports = (uint32_t)exports.len;
    out->exports = ex;
  }
  WR_VEC_FREE(&types);
  WR_VEC_FREE(&imports);
  WR_VEC_FREE(&exports);
  return ok;
}

bool cm_read_core_type(cm_decoder *d, wasm_reader *r, cm_scope *scope, bool in_module_type) {
  size_t at = r->pos;
  uint8_t form;
  if (!wasm_read_u8(r, &form)) return false;
  cm_core_type *t = cm_arena_alloc(d->arena, sizeof *t);
  if (form == 0x60) {
    t->kind = CM_CORE_FUNCTYPE;
    if (!read_core_functype(d, r, &t->func)) return false;
  } else if (form == 0x50) {
    if (in_module_type) return cm_fail(r, at, "module types cannot be nested");
    if (!read_module_type(d, r, scope, t)) return false;
  } else if (form == 0x4e || form == 0x4f || form == 0x5e || form == 0x5f || form == 0x00) {
    return cm_fail(r, at, "unsupported core type 0x%02x (GC types)", form);
  } else {
    return cm_fail(r, at, "malformed core type 0x%02x", form);
  }
  cm_item item = {.def = UINT32_MAX, .u.core_type = t};
  cm_scope_push(scope, CM_SORT_CORE_TYPE, item);
  return true;
}

/* ---- value types ---- */
static bool primitive_of(uint8_t b, cm_valkind *out) {
  if (b >= 0x73 && b <= 0x7f) {
    *out = (cm_valkind)(0x7f - b);
    return true;
  }
  if (b == 0x64) {
    *out = CM_ERROR_CONTEXT;
    return true;
  }
  return false;
}

static bool type_index(wasm_reader *r, cm_scope *scope, const cm_type **out) {
  size_t at = r->pos;
  uint32_t index;
  if (!wasm_read_u32(r, &index)) return false;
  if (index >= scope->space[CM_SORT_TYPE].len)
    return cm_fail(r, at, "unknown type %u (%zu defined)", index, scope->space[CM_SORT_TYPE].len);
  *out = scope->space[CM_SORT_TYPE].items[index].u.type;
  return true;
}

bool cm_read_valtype(cm_decoder *d, wasm_reader *r, cm_scope *scope, const cm_valtype **out) {
  WR_UNUSED(d);
  size_t at = r->pos;
  cm_valkind kind;
  if (wasm_reader_done(r)) return wasm_read_fail(r, "unexpected end");
  if (primitive_of(r->data[r->pos], &kind)) {
    r->pos++;
    *out = cm_valtype_primitive(kind);
    return true;
  }
  int64_t index = 0;
  if (!wasm_read_s33(r, &index)) return false;
  if (index < 0) return cm_fail(r, at, "malformed value type 0x%02x", r->data[at]);
  if ((uint64_t)index >= scope->space[CM_SORT_TYPE].len)
    return cm_fail(r, at, "unknown type %" PRId64 " (%zu defined)", index, scope->space[CM_SORT_TYPE].len);
  const cm_type *t = scope->space[CM_SORT_TYPE].items[index].u.type;
  if (t->kind != CM_TYPE_VALUE) return cm_fail(r, at, "type %" PRId64 " is not a value type", index);
  *out = t->val;
  return true;
}

static bool read_optional_valtype(cm_decoder *d, wasm_reader *r, cm_scope *scope, const cm_valtype **out) {
  size_t at = r->pos;
  uint8_t present;
  *out = NULL;
  if (!wasm_read_u8(r, &present)) return false;
  if (present == 0) return true;
  if (present != 1) return cm_fail(r, at, "malformed optional type flag 0x%02x", present);
  return cm_read_valtype(d, r, scope, out);
}

/* A label, unique (strongly, i.e. ignoring case) among those already in `seen`. */
static bool read_label(cm_decoder *d, wasm_reader *r, cm_field *fields, uint32_t n, cm_name_map *seen, const char *what) {
  size_t at = r->pos;
  uint32_t len;
  const char *label;
  if (!cm_read_name(d, r, &label, &len)) return false;
  if (!cm_label_valid(label, len)) return cm_fail(r, at, "malformed %s label `%s`", what, label);
  char *key = cm_arena_strndup(d->arena, label, len);
  for (char *p = key; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  if (!cm_name_map_insert(seen, d->arena, key, len, n)) return cm_fail(r, at, "duplicate %s label `%s`", what, label);
  fields[n].name = label;
  return true;
}

/* Explainer.md keytype: bool, the integers, char and string. */
static bool is_map_key(cm_valkind kind) { return kind <= CM_U64 || kind == CM_CHAR || kind == CM_STRING; }

static bool read_defvaltype(cm_decoder *d, wasm_reader *r, cm_scope *scope, uint8_t form, cm_valtype **out) {
  size_t at = r->pos - 1;
  cm_valtype *t = cm_arena_alloc(d->arena, sizeof *t);
  const cm_type *res;
  uint32_t n;
  cm_field *fields = NULL;
  switch (form) {
  case 0x72: /* record */
  case 0x6e: /* flags */
  case 0x6d: /* enum */
  case 0x71: /* variant */
  case 0x6f: /* tuple */
    t->kind = form == 0x72 ? CM_RECORD : form == 0x6e ? CM_FLAGS : form == 0x6d ? CM_ENUM : form == 0x71 ? CM_VARIANT : CM_TUPLE;
    if (!cm_read_count(r, 1, &n)) return false;
    if (n == 0) return cm_fail(r, at, "%s type must have at least one %s", form == 0x6f ? "tuple" : "record/variant/flags/enum",
                              form == 0x6f ? "element" : "field");
    if (form == 0x6e && n > 32) return cm_fail(r, at, "flags type has %u labels (at most 32)", n);
    fields = cm_arena_array(d->arena, n, sizeof *fields);
    cm_name_map seen = {0};
    for (uint32_t i = 0; i < n; i++) {
      if (form == 0x6f) {
        if (!cm_read_valtype(d, r, scope, &fields[i].type)) return false;
        continue;
      }
      if (!read_label(d, r, fields, i, &seen, form == 0x72 ? "field" : form == 0x71 ? "case" : form == 0x6e ? "flag" : "enum"))
        return false;
      if (form == 0x72 && !cm_read_valtype(d, r, scope, &fields[i].type)) return false;
      if (form == 0x71) {
        uint8_t refines;
        if (!read_optional_valtype(d, r, scope, &fields[i].type) || !wasm_read_u8(r, &refines)) return false;
        if (refines != 0) return cm_fail(r, r->pos - 1, "variant case refinements are not supported");
      }
    }
    t->count = n;
    t->fields = fields;
    break;
  case 0x70:
    t->kind = CM_LIST;
    if (!cm_read_valtype(d, r, scope, &t->elem)) return false;
    break;
  case 0x67:
    t->kind = CM_FIXED_LIST;
    if (!cm_read_valtype(d, r, scope, &t->elem) || !wasm_read_u32(r, &t->count)) return false;
    if (t->count == 0) return cm_fail(r, at, "fixed-size list must have a length above 0");
    break;
  case 0x6b:
    t->kind = CM_OPTION;
    if (!cm_read_valtype(d, r, scope, &t->elem)) return false;
    break;
  case 0x6a:
    t->kind = CM_RESULT;
    if (!read_optional_valtype(d, r, scope, &t->elem) || !read_optional_valtype(d, r, scope, &t->err)) return false;
    break;
  case 0x69:
  case 0x68:
    t->kind = form == 0x69 ? CM_OWN : CM_BORROW;
    if (!type_index(r, scope, &res)) return false;
    if (res->kind != CM_TYPE_RESOURCE) return cm_fail(r, at, "%s of a type that is not a resource", form == 0x69 ? "own" : "borrow");
    t->resource = res;
    break;
  case 0x66:
  case 0x65:
    t->kind = form == 0x66 ? CM_STREAM : CM_FUTURE;
    if (!read_optional_valtype(d, r, scope, &t->elem)) return false;
    if (t->elem && t->elem->has_borrow) return cm_fail(r, at, "stream/future payloads may not contain a borrow");
    if (form == 0x66 && t->elem && t->elem->kind == CM_CHAR) return cm_fail(r, at, "stream<char> is not allowed");
    break;
  case 0x63: { /* map<K, V>: a list of tuple<K, V> in the Canonical ABI (despecialize) */
    cm_field *kv = cm_arena_array(d->arena, 2, sizeof *kv);
    if (!cm_read_valtype(d, r, scope, &kv[0].type) || !cm_read_valtype(d, r, scope, &kv[1].type)) return false;
    if (!is_map_key(kv[0].type->kind))
      return cm_fail(r, at, "map key type must be a boolean, integer, char or string type");
    cm_valtype *entry = cm_arena_alloc(d->arena, sizeof *entry);
    entry->kind = CM_TUPLE;
    entry->count = 2;
    entry->fields = kv;
    if (!cm_valtype_layout(entry, kv)) return cm_fail(r, at, "type is too large (its size reaches 2^28 bytes)");
    t->kind = CM_MAP;
    t->elem = entry;
    break;
  }
  default:
    return cm_fail(r, at, "malformed type 0x%02x", form);
  }
  if (!cm_valtype_layout(t, form == 0x72 || form == 0x6f ? fields : NULL)) return cm_fail(r, at, "type is too large (its size reaches 2^28 bytes)");
  *out = t;
  return true;
}

static bool read_functype(cm_decoder *d, wasm_reader *r, cm_scope *scope, bool async, cm_functype *out) {
  size_t at = r->pos;
  uint32_t n;
  uint8_t form;
  if (!cm_read_count(r, 2, &n)) return false;
  cm_field *params = cm_arena_array(d->arena, n, sizeof *params);
  cm_name_map seen = {0};
  for (uint32_t i = 0; i < n; i++)
    if (!read_label(d, r, params, i, &seen, "parameter") || !cm_read_valtype(d, r, scope, &params[i].type)) return false;
  out->nparams = n;
  out->params = params;
  out->async = async;
  size_t result_at = r->pos;
  if (!wasm_read_u8(r, &form)) return false;
  if (form == 0x00) {
    if (!cm_read_valtype(d, r, scope, &out->result)) return false;
    if (out->result->has_borrow) return cm_fail(r, at, "function results may not contain a borrow");
  } else if (form == 0x01) {
    uint8_t zero;
    if (!wasm_read_u8(r, &zero)) return false;
    if (zero != 0) return cm_fail(r, result_at, "named function results are not supported");
  } else {
    return cm_fail(r, result_at, "malformed result list 0x%02x", form);
  }
  return true;
}

static bool read_declarators(cm_decoder *d, wasm_reader *r, cm_scope *scope, bool component_type);

static bool read_resource(wasm_reader *r, cm_scope *scope, cm_type *t) {
  size_t at = r->pos - 1;
  uint8_t rep, has_dtor;
  if (!scope->component) return cm_fail(r, at, "resource types cannot be defined inside a component or instance type");
  if (!wasm_read_u8(r, &rep)) return false;
  if (rep != WASM_I32) return cm_fail(r, at + 1, "resource representation must be i32");
  if (!wasm_read_u8(r, &has_dtor)) return false;
  t->kind = CM_TYPE_RESOURCE;
  t->resource.defined = true;
  t->resource.owner = scope->component;
  if (has_dtor == 1) {
    if (!cm_read_index(r, scope, CM_SORT_CORE_FUNC, &t->resource.dtor)) return false;
    const wasm_functype *ft = cm_item_at(scope, CM_SORT_CORE_FUNC, t->resource.dtor)->u.core.type.func;
    if (ft->nparams != 1 || ft->types[0] != WASM_I32 || ft->nresults != 0)
      return cm_fail(r, at, "resource destructor %u must have type [i32] -> []", t->resource.dtor);
    t->resource.has_dtor = true;
  } else if (has_dtor != 0) {
    return cm_fail(r, r->pos - 1, "malformed destructor flag 0x%02x", has_dtor);
  }
  return true;
}

bool cm_read_type(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  size_t at = r->pos;
  uint8_t form;
  cm_valkind kind;
  if (!wasm_read_u8(r, &form)) return false;
  cm_type *t = cm_arena_alloc(d->arena, sizeof *t);
  if (primitive_of(form, &kind)) {
    t->kind = CM_TYPE_VALUE;
    t->val = cm_valtype_primitive(kind);
  } else if (form == 0x40 || form == 0x43) {
    t->kind = CM_TYPE_FUNC;
    if (!read_functype(d, r, scope, form == 0x43, &t->func)) return false;
  } else if (form == 0x41 || form == 0x42) {
    if (d->depth >= CM_MAX_DEPTH) return cm_fail(r, at, "types nested too deeply");
    cm_scope inner;
    cm_scope_init(&inner, scope, NULL);
    d->depth++;
    bool ok = read_declarators(d, r, &inner, form == 0x41);
    d->depth--;
    if (ok) {
      t->kind = form == 0x41 ? CM_TYPE_COMPONENT : CM_TYPE_INSTANCE;
      cm_extern *im = cm_arena_array(d->arena, inner.imports.len, sizeof *im);
      cm_extern *ex = cm_arena_array(d->arena, inner.exports.len, sizeof *ex);
      if (inner.imports.len) memcpy(im, inner.imports.items, inner.imports.len * sizeof *im);
      if (inner.exports.len) memcpy(ex, inner.exports.items, inner.exports.len * sizeof *ex);
      for (uint32_t i = 0; i < inner.imports.len; i++)
        cm_name_map_insert(&t->import_map, d->arena, im[i].name.text, im[i].name.len, i);
      for (uint32_t i = 0; i < inner.exports.len; i++)
        cm_name_map_insert(&t->export_map, d->arena, ex[i].name.text, ex[i].name.len, i);
      t->nimports = (uint32_t)inner.imports.len;
      t->imports = im;
      t->nexports = (uint32_t)inner.exports.len;
      t->exports = ex;
    }
    cm_scope_free(&inner);
    if (!ok) return false;
  } else if (form == 0x3f) {
    if (!read_resource(r, scope, t)) return false;
  } else {
    cm_valtype *v = NULL;
    if (!read_defvaltype(d, r, scope, form, &v)) return false;
    t->kind = CM_TYPE_VALUE;
    t->val = v;
  }
  cm_item item = {.def = UINT32_MAX, .u.type = t};
  cm_scope_push(scope, CM_SORT_TYPE, item);
  return true;
}

static bool read_declarators(cm_decoder *d, wasm_reader *r, cm_scope *scope, bool component_type) {
  uint32_t n;
  if (!cm_read_count(r, 2, &n)) return false;
  for (uint32_t i = 0; i < n; i++) {
    size_t at = r->pos;
    uint8_t kind;
    if (!wasm_read_u8(r, &kind)) return false;
    bool ok;
    switch (kind) {
    case 0x00: ok = cm_read_core_type(d, r, scope, false); break;
    case 0x01: ok = cm_read_type(d, r, scope); break;
    case 0x02: {
      cm_alias alias;
      ok = cm_read_alias(d, r, scope, true, &alias, UINT32_MAX);
      break;
    }
    case 0x03:
    case 0x04: {
      if (kind == 0x03 && !component_type) return cm_fail(r, at, "instance types cannot declare imports");
      cm_extern ext = {0};
      size_t decl_at = r->pos;
      ok = cm_read_extern_name(d, r, &ext.name) && cm_read_externtype(d, r, scope, &ext) &&
           cm_declare_extern(d, r, decl_at, scope, &ext, kind == 0x03, UINT32_MAX);
      break;
    }
    default:
      return cm_fail(r, at, "malformed %s type declarator 0x%02x", component_type ? "component" : "instance", kind);
    }
    if (!ok) return false;
  }
  return true;
}

/* ---- extern types and declarations ---- */
static bool expect_type_kind(wasm_reader *r, size_t at, const cm_type *t, cm_typekind kind, const char *what) {
  if (t->kind != kind) return cm_fail(r, at, "type is not a %s type", what);
  return true;
}

bool cm_read_externtype(cm_decoder *d, wasm_reader *r, cm_scope *scope, cm_extern *ext) {
  size_t at = r->pos;
  uint8_t kind, b;
  uint32_t index;
  if (!wasm_read_u8(r, &kind)) return false;
  switch (kind) {
  case 0x00:
    ext->sort = CM_SORT_CORE_MODULE;
    if (!wasm_read_u8(r, &b)) return false;
    if (b != 0x11) return cm_fail(r, at + 1, "malformed core module extern type");
    if (!cm_read_index(r, scope, CM_SORT_CORE_TYPE, &index)) return false;
    ext->core_type = cm_item_at(scope, CM_SORT_CORE_TYPE, index)->u.core_type;
    if (ext->core_type->kind != CM_CORE_MODULETYPE) return cm_fail(r, at, "core type %u is not a module type", index);
    return true;
  case 0x01:
  case 0x04:
  case 0x05:
    ext->sort = kind == 0x01 ? CM_SORT_FUNC : kind == 0x04 ? CM_SORT_COMPONENT : CM_SORT_INSTANCE;
    if (!type_index(r, scope, &ext->type)) return false;
    return expect_type_kind(r, at, ext->type, kind == 0x01 ? CM_TYPE_FUNC : kind == 0x04 ? CM_TYPE_COMPONENT : CM_TYPE_INSTANCE,
                            kind == 0x01 ? "func" : kind == 0x04 ? "component" : "instance");
  case 0x02:
    ext->sort = CM_SORT_VALUE;
    if (!wasm_read_u8(r, &b)) return false;
    if (b == 0x00) {
      if (!cm_read_index(r, scope, CM_SORT_VALUE, &index)) return false;
      ext->value = cm_item_at(scope, CM_SORT_VALUE, index)->u.value;
      return true;
    }
    if (b != 0x01) return cm_fail(r, at + 1, "malformed value bound 0x%02x", b);
    return cm_read_valtype(d, r, scope, &ext->value);
  case 0x03:
    ext->sort = CM_SORT_TYPE;
    if (!wasm_read_u8(r, &b)) return false;
    if (b == 0x00) return type_index(r, scope, &ext->type);
    if (b != 0x01) return cm_fail(r, at + 1, "malformed type bound 0x%02x", b);
    {
      cm_type *fresh = cm_arena_alloc(d->arena, sizeof *fresh);
      fresh->kind = CM_TYPE_RESOURCE;
      ext->type = fresh;
    }
    return true;
  default:
    return cm_fail(r, at, "malformed extern type 0x%02x", kind);
  }
}

static const cm_extern *find_resource(cm_scope *scope, const char *label, uint32_t len) {
  uint32_t i;
  return cm_name_map_find(&scope->resource_map, label, len, &i) ? &scope->resources.items[i] : NULL;
}

static bool is_own_of(const cm_valtype *t, const cm_type *resource) {
  if (!t) return false;
  if (t->kind == CM_RESULT) t = t->elem;
  return t && t->kind == CM_OWN && t->resource == resource;
}

bool cm_declare_extern(cm_decoder *d, wasm_reader *r, size_t offset, cm_scope *scope, const cm_extern *ext,
                       bool is_import, uint32_t def) {
  const cm_name *name = &ext->name;
  char *key = cm_name_unique_key(d->arena, name);
  cm_name_map *keys = is_import ? &scope->import_keys : &scope->export_keys;
  if (!cm_name_map_insert(keys, d->arena, key, (uint32_t)strlen(key), keys->count))
    return cm_fail(r, offset, "duplicate %s name `%s`", is_import ? "import" : "export", name->text);
  if (name->kind == CM_NAME_CONSTRUCTOR || name->kind == CM_NAME_METHOD || name->kind == CM_NAME_STATIC) {
    if (ext->sort != CM_SORT_FUNC) return cm_fail(r, offset, "`%s` must be a func", name->text);
    const cm_extern *res = find_resource(scope, name->text + name->resource_off, name->resource_len);
    if (!res)
      return cm_fail(r, offset, "`%s` names no preceding resource `%.*s` in this scope", name->text,
                     (int)name->resource_len, name->text + name->resource_off);
    const cm_functype *ft = &ext->type->func;
    if (name->kind == CM_NAME_METHOD &&
        (ft->nparams == 0 || strcmp(ft->params[0].name, "self") || ft->params[0].type->kind != CM_BORROW ||
         ft->params[0].type->resource != res->type))
      return cm_fail(r, offset, "method `%s` must take `self: borrow<%.*s>` first", name->text,
                     (int)name->resource_len, name->text + name->resource_off);
    if (name->kind == CM_NAME_CONSTRUCTOR && !is_own_of(ft->result, res->type))
      return cm_fail(r, offset, "constructor `%s` must return own<%.*s>", name->text, (int)name->resource_len,
                     name->text + name->resource_off);
  }
  if (ext->sort == CM_SORT_TYPE && ext->type->kind == CM_TYPE_RESOURCE && name->kind == CM_NAME_LABEL &&
      cm_name_map_insert(&scope->resource_map, d->arena, name->text, name->len, (uint32_t)scope->resources.len))
    WR_VEC_PUSH(&scope->resources, *ext);
  cm_scope_push(scope, ext->sort, cm_extern_item(ext, def));
  if (!scope->component) {
    if (is_import) WR_VEC_PUSH(&scope->imports, *ext);
    else WR_VEC_PUSH(&scope->exports, *ext);
  }
  return true;
}
