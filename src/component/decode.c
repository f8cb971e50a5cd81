/* The component binary decoder + validator: preamble, sections, and the definitions that are
 * not types or canonical functions (decode_types.c, decode_canon.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../wasm/runtime.h"
#include "decode_internal.h"
#include "names.h"
#include "plan.h"

static const char *const sort_names[CM_SORT_COUNT] = {
    "core func", "core table", "core memory", "core global", "core tag", "core type", "core module",
    "core instance", "func", "value", "type", "component", "instance",
};

const char *cm_sort_name(cm_sort sort) { return sort < CM_SORT_COUNT ? sort_names[sort] : "?"; }

bool cm_fail(wasm_reader *r, size_t offset, const char *fmt, ...) {
  char message[sizeof r->err->message];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  wr_error_at(r->err, offset, "%s", message);
  return false;
}

bool cm_read_count(wasm_reader *r, uint32_t min_bytes, uint32_t *out) {
  size_t at = r->pos;
  if (!wasm_read_u32(r, out)) return false;
  if ((uint64_t)*out * min_bytes > wasm_reader_remaining(r))
    return cm_fail(r, at, "length %u out of bounds (%zu bytes left)", *out, wasm_reader_remaining(r));
  return true;
}

void cm_scope_init(cm_scope *scope, cm_scope *parent, cm_component *component) {
  memset(scope, 0, sizeof *scope);
  scope->parent = parent;
  scope->component = component;
  scope->space = component ? component->space : scope->local_space;
}

void cm_scope_free(cm_scope *scope) {
  for (int s = 0; s < CM_SORT_COUNT; s++) WR_VEC_FREE(&scope->local_space[s]);
  WR_VEC_FREE(&scope->resources);
  WR_VEC_FREE(&scope->imports);
  WR_VEC_FREE(&scope->exports);
}

uint32_t cm_scope_push(cm_scope *scope, cm_sort sort, cm_item item) {
  cm_index_space *space = &scope->space[sort];
  WR_VEC_PUSH(space, item);
  if (scope->component && item.def != UINT32_MAX) {
    cm_def *def = &scope->component->defs.items[item.def];
    def->adds_item = true;
    def->sort = sort;
    def->sort_index = (uint32_t)(space->len - 1);
  }
  return (uint32_t)(space->len - 1);
}

const cm_item *cm_item_at(cm_scope *scope, cm_sort sort, uint32_t index) {
  return index < scope->space[sort].len ? &scope->space[sort].items[index] : NULL;
}

bool cm_read_index(wasm_reader *r, cm_scope *scope, cm_sort sort, uint32_t *out) {
  size_t at = r->pos;
  if (!wasm_read_u32(r, out)) return false;
  if (*out >= scope->space[sort].len)
    return cm_fail(r, at, "unknown %s %u (%zu defined)", cm_sort_name(sort), *out, scope->space[sort].len);
  return true;
}

bool cm_read_name(cm_decoder *d, wasm_reader *r, const char **out, uint32_t *len) {
  const uint8_t *bytes;
  if (!wasm_read_name_bytes(r, &bytes, len)) return false;
  *out = cm_arena_strndup(d->arena, bytes, *len);
  return true;
}

bool cm_read_core_sort(wasm_reader *r, cm_sort *out) {
  size_t at = r->pos;
  uint8_t b;
  if (!wasm_read_u8(r, &b)) return false;
  switch (b) {
  case 0x00: *out = CM_SORT_CORE_FUNC; return true;
  case 0x01: *out = CM_SORT_CORE_TABLE; return true;
  case 0x02: *out = CM_SORT_CORE_MEMORY; return true;
  case 0x03: *out = CM_SORT_CORE_GLOBAL; return true;
  case 0x04: *out = CM_SORT_CORE_TAG; return true;
  case 0x10: *out = CM_SORT_CORE_TYPE; return true;
  case 0x11: *out = CM_SORT_CORE_MODULE; return true;
  case 0x12: *out = CM_SORT_CORE_INSTANCE; return true;
  default: return cm_fail(r, at, "malformed core sort 0x%02x", b);
  }
}

bool cm_read_sort(wasm_reader *r, cm_sort *out) {
  size_t at = r->pos;
  uint8_t b;
  if (!wasm_read_u8(r, &b)) return false;
  switch (b) {
  case 0x00: return cm_read_core_sort(r, out);
  case 0x01: *out = CM_SORT_FUNC; return true;
  case 0x02: *out = CM_SORT_VALUE; return true;
  case 0x03: *out = CM_SORT_TYPE; return true;
  case 0x04: *out = CM_SORT_COMPONENT; return true;
  case 0x05: *out = CM_SORT_INSTANCE; return true;
  default: return cm_fail(r, at, "malformed sort 0x%02x", b);
  }
}

bool cm_read_extern_name(cm_decoder *d, wasm_reader *r, cm_name *out) {
  size_t at = r->pos;
  uint8_t form;
  if (!wasm_read_u8(r, &form)) return false;
  if (form > 0x02) return cm_fail(r, at, "malformed name form 0x%02x", form);
  size_t name_at = r->pos;
  const uint8_t *bytes;
  uint32_t len;
  if (!wasm_read_name_bytes(r, &bytes, &len)) return false;
  const char *why = NULL;
  if (!cm_name_parse(d->arena, bytes, len, out, &why))
    return cm_fail(r, name_at, "%s: `%.*s`", why, (int)WR_MIN(len, 200u), (const char *)bytes);
  if (form == 0x02) {
    uint32_t n;
    bool seen[3] = {false, false, false};
    if (!cm_read_count(r, 2, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
      size_t attr_at = r->pos;
      uint8_t kind;
      const uint8_t *value;
      uint32_t value_len;
      if (!wasm_read_u8(r, &kind)) return false;
      if (kind > 0x02) return cm_fail(r, attr_at, "malformed name attribute 0x%02x", kind);
      if (seen[kind]) return cm_fail(r, attr_at, "duplicate name attribute");
      seen[kind] = true;
      if (!wasm_read_name_bytes(r, &value, &value_len)) return false;
    }
  }
  return true;
}

cm_item cm_extern_item(const cm_extern *ext, uint32_t def) {
  cm_item item = {.def = def};
  switch (ext->sort) {
  case CM_SORT_CORE_MODULE: item.u.core_type = ext->core_type; break;
  case CM_SORT_VALUE: item.u.value = ext->value; break;
  default: item.u.type = ext->type; break;
  }
  return item;
}

/* The extern type of an item of `sort` (for inline exports and exports). */
static cm_extern extern_of_item(cm_sort sort, const cm_item *item) {
  cm_extern ext = {.sort = sort};
  switch (sort) {
  case CM_SORT_CORE_MODULE: ext.core_type = item->u.core_type; break;
  case CM_SORT_VALUE: ext.value = item->u.value; break;
  default: ext.type = item->u.type; break;
  }
  return ext;
}

static bool is_core_sort(cm_sort sort) { return sort <= CM_SORT_CORE_INSTANCE; }

static uint32_t new_def(cm_component *c, cm_defkind kind, uint32_t index, size_t offset) {
  cm_def def = {.kind = kind, .index = index, .offset = (uint32_t)offset};
  WR_VEC_PUSH(&c->defs, def);
  return (uint32_t)(c->defs.len - 1);
}


static cm_core_extern core_extern_of_module_item(const wasm_module *m, wasm_externkind kind, uint32_t index) {
  cm_core_extern e = {.kind = kind};
  switch (kind) {
  case WASM_EXTERN_FUNC: e.type.func = wasm_module_func_type(m, index); break;
  case WASM_EXTERN_TABLE: e.type.table = wasm_module_table_type(m, index); break;
  case WASM_EXTERN_MEMORY: e.type.memory = wasm_module_memory_type(m, index); break;
  case WASM_EXTERN_GLOBAL: e.type.global = wasm_module_global_type(m, index); break;
  case WASM_EXTERN_TAG: {
    uint32_t t = index < m->ntag_imports ? UINT32_MAX : m->tags[index - m->ntag_imports];
    if (t == UINT32_MAX) {
      for (uint32_t i = 0, n = 0; i < m->nimports; i++)
        if (m->imports[i].kind == WASM_EXTERN_TAG && n++ == index) t = m->imports[i].desc.tag_type;
    }
    e.type.func = &m->types[t];
    break;
  }
  }
  return e;
}

/* The module type of a loaded core module: its imports and exports. */
static const cm_core_type *module_type_of(cm_decoder *d, const wasm_module *m) {
  cm_core_type *t = cm_arena_alloc(d->arena, sizeof *t);
  t->kind = CM_CORE_MODULETYPE;
  cm_core_import *imports = cm_arena_array(d->arena, m->nimports, sizeof *imports);
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wasm_import *im = &m->imports[i];
    imports[i].module = im->module;
    imports[i].name = im->name;
    imports[i].type.kind = im->kind;
    switch (im->kind) {
    case WASM_EXTERN_FUNC: imports[i].type.type.func = &m->types[im->desc.func_type]; break;
    case WASM_EXTERN_TABLE: imports[i].type.type.table = im->desc.table; break;
    case WASM_EXTERN_MEMORY: imports[i].type.type.memory = im->desc.memory; break;
    case WASM_EXTERN_GLOBAL: imports[i].type.type.global = im->desc.global; break;
    case WASM_EXTERN_TAG: imports[i].type.type.func = &m->types[im->desc.tag_type]; break;
    }
  }
  cm_core_export *exports = cm_arena_array(d->arena, m->nexports, sizeof *exports);
  for (uint32_t i = 0; i < m->nexports; i++) {
    exports[i].name = m->exports[i].name;
    exports[i].type = core_extern_of_module_item(m, m->exports[i].kind, m->exports[i].index);
    cm_name_map_insert(&t->export_map, d->arena, exports[i].name.data, exports[i].name.len, i); /* unique: validated */
  }
  t->nimports = m->nimports;
  t->imports = imports;
  t->nexports = m->nexports;
  t->exports = exports;
  return t;
}

static const char *const core_kind_names[] = {"func", "table", "memory", "global", "tag"};

/* ---- core modules ---- */
static bool read_core_module(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  size_t offset = r->pos, size = r->end - r->pos;
  uint32_t index = (uint32_t)c->modules.len;
  wasm_module *m = wasm_module_load(r->data + offset, size, &d->features, d->err, NULL);
  if (!m) {
    /* the engine's offsets are relative to the module; some validation errors have none,
     * so those point at the module's start */
    d->err->offset = d->err->has_offset ? d->err->offset + offset : offset;
    d->err->has_offset = true;
    wr_error_prefix(d->err, "in core module %zu", scope->space[CM_SORT_CORE_MODULE].len);
    return false;
  }
  r->pos = r->end;
  cm_core_module mod = {m, module_type_of(d, m), (uint32_t)offset, (uint32_t)size};
  WR_VEC_PUSH(&c->modules, mod);
  uint32_t def = new_def(c, CM_DEF_CORE_MODULE, index, offset);
  cm_item item = {.def = def, .u.core_type = mod.type};
  cm_scope_push(scope, CM_SORT_CORE_MODULE, item);
  return true;
}

/* ---- core instances ---- */
static bool read_core_instance(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  size_t at = r->pos;
  uint8_t form;
  cm_core_instance inst = {0};
  cm_core_type *type = cm_arena_alloc(d->arena, sizeof *type);
  type->kind = CM_CORE_INSTANCETYPE;
  uint32_t self = (uint32_t)scope->space[CM_SORT_CORE_INSTANCE].len;
  if (!wasm_read_u8(r, &form)) return false;
  if (form == 0x00) {
    inst.instantiate = true;
    if (!cm_read_index(r, scope, CM_SORT_CORE_MODULE, &inst.module)) return false;
    if (!cm_read_count(r, 3, &inst.nargs)) return false;
    inst.args = cm_arena_array(d->arena, inst.nargs, sizeof *inst.args);
    cm_name_map arg_map = {0};
    for (uint32_t i = 0; i < inst.nargs; i++) {
      size_t arg_at = r->pos;
      const char *name;
      uint32_t len;
      uint8_t sort;
      if (!cm_read_name(d, r, &name, &len)) return false;
      inst.args[i].name.data = (char *)name;
      inst.args[i].name.len = len;
      if (!cm_name_map_insert(&arg_map, d->arena, name, len, i))
        return cm_fail(r, arg_at, "core instance %u: duplicate argument `%s`", self, name);
      size_t sort_at = r->pos;
      if (!wasm_read_u8(r, &sort)) return false;
      if (sort != 0x12) return cm_fail(r, sort_at, "core instantiate argument must be an instance (sort 0x%02x)", sort);
      if (!cm_read_index(r, scope, CM_SORT_CORE_INSTANCE, &inst.args[i].instance)) return false;
    }
    /* every import of the module must be supplied with a matching type */
    const cm_core_type *mt = cm_item_at(scope, CM_SORT_CORE_MODULE, inst.module)->u.core_type;
    for (uint32_t i = 0; i < mt->nimports; i++) {
      const cm_core_import *im = &mt->imports[i];
      uint32_t arg_index;
      const cm_core_arg *arg =
          cm_name_map_find(&arg_map, im->module.data, im->module.len, &arg_index) ? &inst.args[arg_index] : NULL;
      if (!arg)
        return cm_fail(r, at, "core instance %u: module %u import `%s`.`%s` is not supplied: no argument named `%s`",
                       self, inst.module, im->module.data, im->name.data, im->module.data);
      const cm_core_type *it = cm_item_at(scope, CM_SORT_CORE_INSTANCE, arg->instance)->u.core_type;
      const cm_core_export *ex = cm_core_type_export(it, im->name.data, im->name.len);
      if (!ex)
        return cm_fail(r, at, "core instance %u: module %u import `%s`.`%s`: core instance %u exports no `%s`", self,
                       inst.module, im->module.data, im->name.data, arg->instance, im->name.data);
      if (!cm_core_extern_matches(&ex->type, &im->type))
        return cm_fail(r, at, "core instance %u: module %u import `%s`.`%s` (%s): core instance %u supplies an incompatible %s",
                       self, inst.module, im->module.data, im->name.data, core_kind_names[im->type.kind], arg->instance,
                       core_kind_names[ex->type.kind]);
    }
    type->nexports = mt->nexports;
    type->exports = mt->exports;
    type->export_map = mt->export_map;
  } else if (form == 0x01) {
    if (!cm_read_count(r, 3, &inst.nexports)) return false;
    inst.exports = cm_arena_array(d->arena, inst.nexports, sizeof *inst.exports);
    cm_core_export *exports = cm_arena_array(d->arena, inst.nexports, sizeof *exports);
    for (uint32_t i = 0; i < inst.nexports; i++) {
      size_t ex_at = r->pos;
      cm_inline_export *e = &inst.exports[i];
      const char *name;
      uint32_t len;
      if (!cm_read_name(d, r, &name, &len)) return false;
      e->name.text = name;
      e->name.len = len;
      if (!cm_name_map_insert(&type->export_map, d->arena, name, len, i))
        return cm_fail(r, ex_at, "core instance %u: duplicate export `%s`", self, name);
      size_t sort_at = r->pos;
      if (!cm_read_core_sort(r, &e->sort)) return false;
      if (e->sort > CM_SORT_CORE_TAG)
        return cm_fail(r, sort_at, "core instance export `%s` must be a func, table, memory, global or tag", name);
      if (!cm_read_index(r, scope, e->sort, &e->index)) return false;
      exports[i].name.data = (char *)name;
      exports[i].name.len = len;
      exports[i].type = cm_item_at(scope, e->sort, e->index)->u.core;
    }
    type->nexports = inst.nexports;
    type->exports = exports;
  } else {
    return cm_fail(r, at, "malformed core instance form 0x%02x", form);
  }
  inst.type = type;
  uint32_t index = (uint32_t)c->core_instances.len;
  WR_VEC_PUSH(&c->core_instances, inst);
  uint32_t def = new_def(c, CM_DEF_CORE_INSTANCE, index, at);
  cm_item item = {.def = def, .u.core_type = type};
  cm_scope_push(scope, CM_SORT_CORE_INSTANCE, item);
  return true;
}

/* ---- component instances ---- */
static bool read_instance(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  size_t at = r->pos;
  uint8_t form;
  cm_instance inst = {0};
  cm_type *type = cm_arena_alloc(d->arena, sizeof *type);
  type->kind = CM_TYPE_INSTANCE;
  uint32_t self = (uint32_t)scope->space[CM_SORT_INSTANCE].len;
  if (!wasm_read_u8(r, &form)) return false;
  if (form == 0x00) {
    inst.instantiate = true;
    if (!cm_read_index(r, scope, CM_SORT_COMPONENT, &inst.component)) return false;
    if (!cm_read_count(r, 3, &inst.nargs)) return false;
    inst.args = cm_arena_array(d->arena, inst.nargs, sizeof *inst.args);
    cm_name_map arg_map = {0};
    for (uint32_t i = 0; i < inst.nargs; i++) {
      size_t arg_at = r->pos;
      uint32_t len;
      cm_arg *arg = &inst.args[i];
      if (!cm_read_name(d, r, &arg->name, &len)) return false;
      if (!cm_name_map_insert(&arg_map, d->arena, arg->name, len, i))
        return cm_fail(r, arg_at, "instance %u: duplicate argument `%s`", self, arg->name);
      if (!cm_read_sort(r, &arg->sort) || !cm_read_index(r, scope, arg->sort, &arg->index)) return false;
    }
    const cm_type *ct = cm_item_at(scope, CM_SORT_COMPONENT, inst.component)->u.type;
    cm_matcher matcher = {.budget = 1u << 20};
    for (uint32_t i = 0; i < ct->nimports; i++) {
      const cm_extern *im = &ct->imports[i];
      uint32_t arg_index;
      const cm_arg *arg = cm_name_map_find(&arg_map, im->name.text, im->name.len, &arg_index) ? &inst.args[arg_index] : NULL;
      if (!arg || arg->sort != im->sort) WR_VEC_FREE(&matcher.bindings);
      if (!arg)
        return cm_fail(r, at, "instance %u: component %u import `%s` (%s) is not supplied", self, inst.component,
                       im->name.text, cm_sort_name(im->sort));
      if (arg->sort != im->sort)
        return cm_fail(r, at, "instance %u: component %u import `%s` is a %s but the argument is a %s", self,
                       inst.component, im->name.text, cm_sort_name(im->sort), cm_sort_name(arg->sort));
      cm_extern have = extern_of_item(arg->sort, cm_item_at(scope, arg->sort, arg->index));
      const char *why;
      matcher.missing = NULL;
      if (!cm_externs_match(&matcher, &have, im, &why)) {
        WR_VEC_FREE(&matcher.bindings);
        return cm_fail(r, at, "instance %u: the argument for component %u import `%s` is %s%s%s%s", self,
                       inst.component, im->name.text, why, matcher.missing ? " (export `" : "",
                       matcher.missing ? matcher.missing : "", matcher.missing ? "`)" : "");
      }
    }
    if (matcher.bindings.len) {
      const cm_type **bound = cm_arena_array(d->arena, matcher.bindings.len * 2, sizeof *bound);
      for (size_t i = 0; i < matcher.bindings.len; i++) {
        bound[2 * i] = matcher.bindings.items[i].want;
        bound[2 * i + 1] = matcher.bindings.items[i].have;
      }
      type->bound = bound;
      type->nbound = (uint32_t)matcher.bindings.len;
    }
    WR_VEC_FREE(&matcher.bindings);
    type->nexports = ct->nexports;
    type->exports = ct->exports;
    type->export_map = ct->export_map;
  } else if (form == 0x01) {
    cm_scope names;
    cm_scope_init(&names, NULL, NULL);
    bool ok = cm_read_count(r, 4, &inst.nexports);
    inst.exports = ok ? cm_arena_array(d->arena, inst.nexports, sizeof *inst.exports) : NULL;
    cm_extern *exports = ok ? cm_arena_array(d->arena, inst.nexports, sizeof *exports) : NULL;
    for (uint32_t i = 0; ok && i < inst.nexports; i++) {
      size_t ex_at = r->pos;
      cm_inline_export *e = &inst.exports[i];
      ok = cm_read_extern_name(d, r, &e->name) && cm_read_sort(r, &e->sort);
      if (ok && is_core_sort(e->sort) && e->sort != CM_SORT_CORE_MODULE)
        ok = cm_fail(r, ex_at, "instance export `%s` cannot be a %s", e->name.text, cm_sort_name(e->sort));
      ok = ok && cm_read_index(r, scope, e->sort, &e->index);
      if (ok) {
        exports[i] = extern_of_item(e->sort, cm_item_at(scope, e->sort, e->index));
        exports[i].name = e->name;
        ok = cm_declare_extern(d, r, ex_at, &names, &exports[i], false, UINT32_MAX);
        /* strongly-unique names are unique */
        if (ok) cm_name_map_insert(&type->export_map, d->arena, e->name.text, e->name.len, i);
      }
    }
    cm_scope_free(&names);
    if (!ok) return false;
    type->nexports = inst.nexports;
    type->exports = exports;
  } else {
    return cm_fail(r, at, "malformed instance form 0x%02x", form);
  }
  inst.type = type;
  uint32_t index = (uint32_t)c->instances.len;
  WR_VEC_PUSH(&c->instances, inst);
  uint32_t def = new_def(c, CM_DEF_INSTANCE, index, at);
  cm_item item = {.def = def, .u.type = type};
  cm_scope_push(scope, CM_SORT_INSTANCE, item);
  return true;
}

/* ---- aliases (definitions and declarators) ---- */
bool cm_read_alias(cm_decoder *d, wasm_reader *r, cm_scope *scope, bool in_type, cm_alias *out, uint32_t def) {
  size_t at = r->pos;
  uint8_t target;
  memset(out, 0, sizeof *out);
  if (!cm_read_sort(r, &out->sort) || !wasm_read_u8(r, &target)) return false;
  cm_item item = {.def = def};
  uint32_t len;
  switch (target) {
  case 0x00: {
    out->kind = CM_ALIAS_EXPORT;
    if (in_type && out->sort != CM_SORT_INSTANCE && out->sort != CM_SORT_TYPE)
      return cm_fail(r, at, "export alias in a type may only alias an instance or a type, not a %s",
                     cm_sort_name(out->sort));
    if (!cm_read_index(r, scope, CM_SORT_INSTANCE, &out->instance) || !cm_read_name(d, r, &out->name, &len))
      return false;
    const cm_type *it = cm_item_at(scope, CM_SORT_INSTANCE, out->instance)->u.type;
    const cm_extern *ex = cm_type_export(it, out->name);
    if (!ex) return cm_fail(r, at, "alias: instance %u has no export `%s`", out->instance, out->name);
    if (ex->sort != out->sort)
      return cm_fail(r, at, "alias: export `%s` of instance %u is a %s, not a %s", out->name, out->instance,
                     cm_sort_name(ex->sort), cm_sort_name(out->sort));
    item = cm_extern_item(ex, def);
    break;
  }
  case 0x01: {
    out->kind = CM_ALIAS_CORE_EXPORT;
    if (in_type) return cm_fail(r, at, "core export aliases are not allowed in a type");
    if (out->sort > CM_SORT_CORE_TAG)
      return cm_fail(r, at, "core export alias of a %s is not supported", cm_sort_name(out->sort));
    if (!cm_read_index(r, scope, CM_SORT_CORE_INSTANCE, &out->instance) || !cm_read_name(d, r, &out->name, &len))
      return false;
    const cm_core_type *it = cm_item_at(scope, CM_SORT_CORE_INSTANCE, out->instance)->u.core_type;
    const cm_core_export *ex = cm_core_type_export(it, out->name, len);
    if (!ex) return cm_fail(r, at, "alias: core instance %u has no export `%s`", out->instance, out->name);
    if ((cm_sort)ex->type.kind != out->sort - CM_SORT_CORE_FUNC)
      return cm_fail(r, at, "alias: export `%s` of core instance %u is a %s, not a %s", out->name, out->instance,
                     core_kind_names[ex->type.kind], cm_sort_name(out->sort));
    item.u.core = ex->type;
    break;
  }
  case 0x02: {
    out->kind = CM_ALIAS_OUTER;
    bool allowed = out->sort == CM_SORT_CORE_TYPE || out->sort == CM_SORT_TYPE ||
                   (!in_type && (out->sort == CM_SORT_CORE_MODULE || out->sort == CM_SORT_COMPONENT));
    if (!allowed) return cm_fail(r, at, "outer alias of a %s is not allowed here", cm_sort_name(out->sort));
    if (!wasm_read_u32(r, &out->outer_count)) return false;
    cm_scope *target_scope = scope;
    bool crosses_component = false;
    for (uint32_t i = 0; i < out->outer_count; i++) {
      if (target_scope->component) crosses_component = true;
      target_scope = target_scope->parent;
      if (!target_scope) return cm_fail(r, at, "outer alias count %u exceeds the enclosing scopes", out->outer_count);
    }
    if (!cm_read_index(r, target_scope, out->sort, &out->outer_index)) return false;
    item = *cm_item_at(target_scope, out->sort, out->outer_index);
    item.def = def;
    if (crosses_component && out->sort == CM_SORT_TYPE && item.u.type->kind == CM_TYPE_RESOURCE)
      return cm_fail(r, at, "outer alias of a resource type across a component boundary");
    break;
  }
  default:
    return cm_fail(r, at, "malformed alias target 0x%02x", target);
  }
  cm_scope_push(scope, out->sort, item);
  return true;
}

static bool read_alias_def(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  cm_alias alias;
  uint32_t def = new_def(c, CM_DEF_ALIAS, (uint32_t)c->aliases.len, r->pos);
  if (!cm_read_alias(d, r, scope, false, &alias, def)) return false;
  WR_VEC_PUSH(&c->aliases, alias);
  return true;
}

/* ---- start, imports, exports, values ---- */
static bool read_start(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  size_t at = r->pos;
  cm_start start = {0};
  if (!cm_read_index(r, scope, CM_SORT_FUNC, &start.func) || !cm_read_count(r, 1, &start.nargs)) return false;
  start.args = cm_arena_array(d->arena, start.nargs, sizeof *start.args);
  for (uint32_t i = 0; i < start.nargs; i++)
    if (!cm_read_index(r, scope, CM_SORT_VALUE, &start.args[i])) return false;
  if (!wasm_read_u32(r, &start.nresults)) return false;
  const cm_functype *ft = &cm_item_at(scope, CM_SORT_FUNC, start.func)->u.type->func;
  if (ft->nparams != start.nargs || start.nresults != (ft->result ? 1u : 0u))
    return cm_fail(r, at, "start function %u takes %u arguments and %u results, given %u and %u", start.func,
                   ft->nparams, ft->result ? 1 : 0, start.nargs, start.nresults);
  for (uint32_t i = 0; i < start.nargs; i++)
    if (cm_item_at(scope, CM_SORT_VALUE, start.args[i])->u.value != ft->params[i].type)
      return cm_fail(r, at, "start function %u argument %u has the wrong type", start.func, i);
  uint32_t def = new_def(c, CM_DEF_START, (uint32_t)c->starts.len, at);
  WR_VEC_PUSH(&c->starts, start);
  if (ft->result) {
    cm_item item = {.def = def, .u.value = ft->result};
    cm_scope_push(scope, CM_SORT_VALUE, item);
  }
  return true;
}

static bool read_import(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  size_t at = r->pos;
  cm_import im = {0};
  if (!cm_read_extern_name(d, r, &im.ext.name) || !cm_read_externtype(d, r, scope, &im.ext)) return false;
  uint32_t def = new_def(c, CM_DEF_IMPORT, (uint32_t)c->imports.len, at);
  if (!cm_declare_extern(d, r, at, scope, &im.ext, true, def)) return false;
  WR_VEC_PUSH(&c->imports, im);
  return true;
}

static bool read_export(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  size_t at = r->pos;
  cm_export ex = {0};
  cm_name name;
  uint8_t has_type;
  if (!cm_read_extern_name(d, r, &name) || !cm_read_sort(r, &ex.sort)) return false;
  if (is_core_sort(ex.sort) && ex.sort != CM_SORT_CORE_MODULE)
    return cm_fail(r, at, "export `%s` cannot be a %s", name.text, cm_sort_name(ex.sort));
  if (!cm_read_index(r, scope, ex.sort, &ex.index)) return false;
  ex.ext = extern_of_item(ex.sort, cm_item_at(scope, ex.sort, ex.index));
  size_t type_at = r->pos;
  if (!wasm_read_u8(r, &has_type)) return false;
  if (has_type == 0x01) {
    cm_extern ascribed = {0};
    if (!cm_read_externtype(d, r, scope, &ascribed)) return false;
    if (ascribed.sort != ex.sort)
      return cm_fail(r, type_at, "export `%s`: a %s ascribed the type of a %s", name.text, cm_sort_name(ex.sort),
                     cm_sort_name(ascribed.sort));
    cm_matcher matcher = {.budget = 1u << 20};
    const char *why;
    bool matches = cm_externs_match(&matcher, &ex.ext, &ascribed, &why);
    WR_VEC_FREE(&matcher.bindings);
    if (!matches)
      return cm_fail(r, type_at, "export `%s`: the ascribed type does not match: the export is %s%s%s%s", name.text,
                     why, matcher.missing ? " (export `" : "", matcher.missing ? matcher.missing : "",
                     matcher.missing ? "`)" : "");
    /* an ascribed `(sub resource)` makes the exported resource abstract to users; the
     * definition keeps the concrete one */
    if (!(ascribed.sort == CM_SORT_TYPE && ascribed.type->kind == CM_TYPE_RESOURCE &&
          ex.ext.type->kind == CM_TYPE_RESOURCE))
      ex.ext = ascribed;
    ex.has_ascribed_type = true;
  } else if (has_type != 0x00) {
    return cm_fail(r, type_at, "malformed export type flag 0x%02x", has_type);
  }
  ex.ext.name = name;
  if ((ex.sort == CM_SORT_VALUE && ex.ext.value->has_borrow) ||
      (ex.sort == CM_SORT_TYPE && ex.ext.type->kind == CM_TYPE_VALUE && ex.ext.type->val->has_borrow))
    return cm_fail(r, at, "export `%s`: exported value types may not contain a borrow", name.text);
  uint32_t def = new_def(c, CM_DEF_EXPORT, (uint32_t)c->exports.len, at);
  if (!cm_declare_extern(d, r, at, scope, &ex.ext, false, def)) return false;
  WR_VEC_PUSH(&c->exports, ex);
  return true;
}

static bool read_value(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  size_t at = r->pos;
  cm_value v = {0};
  const uint8_t *bytes;
  if (!cm_read_valtype(d, r, scope, &v.type) || !cm_read_count(r, 1, &v.len)) return false;
  v.offset = (uint32_t)r->pos;
  if (!wasm_read_bytes(r, v.len, &bytes)) return false;
  uint32_t def = new_def(c, CM_DEF_VALUE, (uint32_t)c->values.len, at);
  WR_VEC_PUSH(&c->values, v);
  cm_item item = {.def = def, .u.value = v.type};
  cm_scope_push(scope, CM_SORT_VALUE, item);
  return true;
}

/* ---- components ---- */
static const char *const section_names[] = {"custom", "core module", "core instance", "core type", "component",
                                            "instance", "alias", "type", "canon", "start", "import",
                                            "export", "value"};

static bool read_preamble(wasm_reader *r) {
  const uint8_t *p;
  static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
  size_t at = r->pos;
  if (wasm_reader_remaining(r) < 8 || memcmp(r->data + r->pos, magic, 4) != 0)
    return cm_fail(r, at, "magic header not detected");
  wasm_read_bytes(r, 8, &p);
  uint16_t version = (uint16_t)(p[4] | p[5] << 8), layer = (uint16_t)(p[6] | p[7] << 8);
  if (layer == 0) return cm_fail(r, at + 4, "this is a core module, not a component");
  if (layer != 1) return cm_fail(r, at + 6, "unknown binary layer %u", layer);
  if (version != 0x0d)
    return cm_fail(r, at + 4, "unsupported component binary version 0x%x (Warren reads 0x0d)", version);
  return true;
}

static cm_component *component_new(cm_decoder *d, const uint8_t *bytes, size_t size, cm_component *parent) {
  cm_component *c = WR_NEW(cm_component);
  c->bytes = bytes;
  c->size = size;
  c->parent = parent;
  c->arena = d->arena;
  return c;
}

static bool read_section(cm_decoder *d, wasm_reader *s, cm_scope *scope, uint8_t id);

static bool decode_into(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  if (!read_preamble(r)) return false;
  while (!wasm_reader_done(r)) {
    size_t section_at = r->pos;
    uint8_t id;
    uint32_t size;
    if (!wasm_read_u8(r, &id) || !wasm_read_u32(r, &size)) return false;
    if (id > 12) return cm_fail(r, section_at, "malformed section id %u", id);
    if (size > wasm_reader_remaining(r))
      return cm_fail(r, section_at, "%s section size %u exceeds the %zu bytes left", section_names[id], size,
                     wasm_reader_remaining(r));
    wasm_reader s = wasm_reader_at(r->data, r->pos, r->pos + size, r->err);
    r->pos += size;
    if (!read_section(d, &s, scope, id)) return false;
    if (!wasm_reader_done(&s))
      return cm_fail(&s, s.pos, "%s section size mismatch: %zu bytes left over", section_names[id],
                     wasm_reader_remaining(&s));
  }
  cm_component *c = scope->component;
  cm_type *type = cm_arena_alloc(d->arena, sizeof *type);
  type->kind = CM_TYPE_COMPONENT;
  cm_extern *imports = cm_arena_array(d->arena, c->imports.len, sizeof *imports);
  cm_extern *exports = cm_arena_array(d->arena, c->exports.len, sizeof *exports);
  for (uint32_t i = 0; i < c->imports.len; i++) {
    imports[i] = c->imports.items[i].ext;
    cm_name_map_insert(&type->import_map, d->arena, imports[i].name.text, imports[i].name.len, i);
  }
  for (uint32_t i = 0; i < c->exports.len; i++) {
    exports[i] = c->exports.items[i].ext;
    cm_name_map_insert(&type->export_map, d->arena, exports[i].name.text, exports[i].name.len, i);
  }
  type->nimports = (uint32_t)c->imports.len;
  type->imports = imports;
  type->nexports = (uint32_t)c->exports.len;
  type->exports = exports;
  c->type = type;
  return true;
}

static bool read_nested_component(cm_decoder *d, wasm_reader *r, cm_scope *scope) {
  cm_component *c = scope->component;
  size_t at = r->pos;
  if (d->depth >= CM_MAX_DEPTH) return cm_fail(r, at, "components nested too deeply");
  cm_component *inner = component_new(d, c->bytes, c->size, c);
  WR_VEC_PUSH(&c->components, inner);
  cm_scope inner_scope;
  cm_scope_init(&inner_scope, scope, inner);
  d->depth++;
  bool ok = decode_into(d, r, &inner_scope);
  d->depth--;
  cm_scope_free(&inner_scope);
  if (!ok) return false;
  uint32_t def = new_def(c, CM_DEF_COMPONENT, (uint32_t)c->components.len - 1, at);
  cm_item item = {.def = def, .u.type = inner->type};
  cm_scope_push(scope, CM_SORT_COMPONENT, item);
  return true;
}

static bool read_section(cm_decoder *d, wasm_reader *s, cm_scope *scope, uint8_t id) {
  uint32_t count;
  switch (id) {
  case 0: { /* custom: a name, then anything; never validated further */
    const uint8_t *name, *rest;
    uint32_t len;
    return wasm_read_name_bytes(s, &name, &len) && wasm_read_bytes(s, wasm_reader_remaining(s), &rest);
  }
  case 1: return read_core_module(d, s, scope);
  case 4: return read_nested_component(d, s, scope);
  case 9: return read_start(d, s, scope);
  default: break;
  }
  if (!cm_read_count(s, 1, &count)) return false;
  for (uint32_t i = 0; i < count; i++) {
    bool ok = false;
    switch (id) {
    case 2: ok = read_core_instance(d, s, scope); break;
    case 3: {
      uint32_t def = new_def(scope->component, CM_DEF_CORE_TYPE, 0, s->pos);
      size_t before = scope->space[CM_SORT_CORE_TYPE].len;
      ok = cm_read_core_type(d, s, scope, false);
      if (ok && scope->space[CM_SORT_CORE_TYPE].len > before) {
        cm_item *item = &scope->space[CM_SORT_CORE_TYPE].items[before];
        item->def = def;
        cm_def *df = &scope->component->defs.items[def];
        df->adds_item = true;
        df->sort = CM_SORT_CORE_TYPE;
        df->sort_index = (uint32_t)before;
      }
      break;
    }
    case 5: ok = read_instance(d, s, scope); break;
    case 6: ok = read_alias_def(d, s, scope); break;
    case 7: {
      uint32_t def = new_def(scope->component, CM_DEF_TYPE, 0, s->pos);
      size_t before = scope->space[CM_SORT_TYPE].len;
      ok = cm_read_type(d, s, scope);
      if (ok) {
        cm_item *item = &scope->space[CM_SORT_TYPE].items[before];
        item->def = def;
        cm_def *df = &scope->component->defs.items[def];
        df->adds_item = true;
        df->sort = CM_SORT_TYPE;
        df->sort_index = (uint32_t)before;
      }
      break;
    }
    case 8: ok = cm_read_canon(d, s, scope, new_def(scope->component, CM_DEF_CANON, (uint32_t)scope->component->canons.len, s->pos)); break;
    case 10: ok = read_import(d, s, scope); break;
    case 11: ok = read_export(d, s, scope); break;
    case 12: ok = read_value(d, s, scope); break;
    }
    if (!ok) return false;
  }
  return true;
}

bool cm_is_component(const uint8_t *bytes, size_t size) {
  static const uint8_t preamble[8] = {0x00, 0x61, 0x73, 0x6D, 0x0d, 0x00, 0x01, 0x00};
  return size >= 8 && !memcmp(bytes, preamble, 8);
}

static void component_free(cm_component *c) {
  cm_plans_free(atomic_load_explicit(&c->plans, memory_order_acquire));
  for (size_t i = 0; i < c->modules.len; i++) wasm_module_free(c->modules.items[i].module);
  for (size_t i = 0; i < c->components.len; i++) component_free(c->components.items[i]);
  for (int s = 0; s < CM_SORT_COUNT; s++) WR_VEC_FREE(&c->space[s]);
  WR_VEC_FREE(&c->defs);
  WR_VEC_FREE(&c->modules);
  WR_VEC_FREE(&c->core_instances);
  WR_VEC_FREE(&c->components);
  WR_VEC_FREE(&c->instances);
  WR_VEC_FREE(&c->aliases);
  WR_VEC_FREE(&c->canons);
  WR_VEC_FREE(&c->starts);
  WR_VEC_FREE(&c->imports);
  WR_VEC_FREE(&c->exports);
  WR_VEC_FREE(&c->values);
  wr_free(c);
}

void cm_component_free(cm_component *component) {
  if (!component) return;
  cm_arena *arena = component->arena;
  uint8_t *bytes = component->parent ? NULL : (uint8_t *)component->bytes;
  component_free(component);
  wr_free(bytes);
  cm_arena_free(arena);
}

cm_component *cm_component_load(const uint8_t *bytes, size_t size, const wasm_features *features, wr_error *err) {
  cm_decoder d = {.arena = cm_arena_new(), .err = err,
                  .features = features ? *features : wasm_features_default()};
  uint8_t *copy = wr_malloc(size ? size : 1);
  if (size) memcpy(copy, bytes, size);
  cm_component *c = component_new(&d, copy, size, NULL);
  cm_scope scope;
  cm_scope_init(&scope, NULL, c);
  wasm_reader r = wasm_reader_at(copy, 0, size, err);
  bool ok = decode_into(&d, &r, &scope);
  cm_scope_free(&scope);
  if (!ok) {
    cm_component_free(c);
    return NULL;
  }
  return c;
}
