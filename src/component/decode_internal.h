/* Internal: the component decoder's shared state. Decoding and validation happen in one pass:
 * index spaces are built definition by definition, so every index is checked against the
 * space as it stands at that point of the binary (as Binary.md requires). */
#ifndef WARREN_COMPONENT_DECODE_INTERNAL_H
#define WARREN_COMPONENT_DECODE_INTERNAL_H

#include "../wasm/reader.h"
#include "arena.h"
#include "component.h"
#include "namemap.h"

/* Nesting bound for components, type declarators and value types inside each other. */
#define CM_MAX_DEPTH 100

typedef struct cm_decoder {
  cm_arena *arena;
  wr_error *err;
  wasm_features features;
  unsigned depth;
} cm_decoder;

/* A scope of index spaces: a component, or a component/instance type being declared (whose
 * index spaces start empty and are dropped once the type is built). */
typedef struct cm_scope {
  struct cm_scope *parent;
  cm_component *component;          /* NULL in a type scope */
  cm_index_space local_space[CM_SORT_COUNT]; /* a type scope's spaces */
  cm_index_space *space;            /* component->space or local_space */
  cm_name_map import_keys, export_keys;          /* strongly-unique keys (arena) */
  WR_VEC(cm_extern) resources;                   /* imported/exported resources */
  cm_name_map resource_map;                      /* their labels -> index in resources */
  WR_VEC(cm_extern) imports, exports;            /* a type scope's declarations */
} cm_scope;

void cm_scope_init(cm_scope *scope, cm_scope *parent, cm_component *component);
void cm_scope_free(cm_scope *scope);
uint32_t cm_scope_push(cm_scope *scope, cm_sort sort, cm_item item);

bool cm_fail(wasm_reader *r, size_t offset, const char *fmt, ...) WR_PRINTF(3, 4);
/* A vector length, bounded by the bytes left (each element takes at least `min_bytes`). */
bool cm_read_count(wasm_reader *r, uint32_t min_bytes, uint32_t *out);
/* An index into scope's `sort` space; "unknown <sort> N" otherwise. */
bool cm_read_index(wasm_reader *r, cm_scope *scope, cm_sort sort, uint32_t *out);
const cm_item *cm_item_at(cm_scope *scope, cm_sort sort, uint32_t index);
bool cm_read_name(cm_decoder *d, wasm_reader *r, const char **out, uint32_t *len);
bool cm_read_sort(wasm_reader *r, cm_sort *out);
bool cm_read_core_sort(wasm_reader *r, cm_sort *out);
/* nameattributes: an externname with optional attributes; parsed and checked. */
bool cm_read_extern_name(cm_decoder *d, wasm_reader *r, cm_name *out);

/* ---- types (decode_types.c) ---- */
bool cm_read_core_type(cm_decoder *d, wasm_reader *r, cm_scope *scope, bool in_module_type);
bool cm_read_type(cm_decoder *d, wasm_reader *r, cm_scope *scope);
bool cm_read_valtype(cm_decoder *d, wasm_reader *r, cm_scope *scope, const cm_valtype **out);
/* externtype, resolved in scope; fills sort/type/core_type/value of ext (not its name). For
 * `(sub resource)` a fresh abstract resource is made. */
bool cm_read_externtype(cm_decoder *d, wasm_reader *r, cm_scope *scope, cm_extern *ext);
/* Adds an import or export declaration to scope (name rules, uniqueness, index space). */
bool cm_declare_extern(cm_decoder *d, wasm_reader *r, size_t offset, cm_scope *scope, const cm_extern *ext,
                       bool is_import, uint32_t def);
bool cm_read_alias(cm_decoder *d, wasm_reader *r, cm_scope *scope, bool in_type, cm_alias *out, uint32_t def);
/* The item an extern of this type adds to its sort's space. */
cm_item cm_extern_item(const cm_extern *ext, uint32_t def);
bool cm_core_extern_matches(const cm_core_extern *have, const cm_core_extern *want);
/* Parses a core importdesc / externtype (func type indices from `core_types`). */
bool cm_read_core_externtype(cm_decoder *d, wasm_reader *r, const cm_index_space *core_types, cm_core_extern *out);

/* ---- instantiation argument matching (typematch.c) ---- */
typedef struct cm_type_binding {
  const cm_type *want, *have; /* an imported abstract resource and the argument's resource */
} cm_type_binding;

typedef struct cm_matcher {
  WR_VEC(cm_type_binding) bindings;
  uint32_t budget;     /* structural comparison steps left */
  const char *missing; /* the instance export that did not match, if any */
} cm_matcher;

/* Whether `have` may be passed for an import of type `want`; false with a reason in `why`.
 * Abstract resources of `want` get bound (in m) to those of `have`. */
bool cm_externs_match(cm_matcher *m, const cm_extern *have, const cm_extern *want, const char **why);
/* Structural equality of two value types (a stream or future element type seen by two components). */
bool cm_valtypes_equal(const cm_valtype *a, const cm_valtype *b);

/* ---- canonical definitions (decode_canon.c) ---- */
bool cm_read_canon(cm_decoder *d, wasm_reader *r, cm_scope *scope, uint32_t def);

#endif
