/* The decoded and validated form of a WebAssembly component (the component IR).
 *
 * cm_component_load turns a component binary (Binary.md, version 0x0d layer 1) into this IR:
 * its definitions in binary order, every index space (core and component sorts), resolved
 * types, imports and exports. Embedded core modules are decoded, validated and compiled once
 * (wasm_module_load), nested components recursively, so a component can be instantiated many
 * times without re-parsing.
 *
 * Types are resolved: a value type is a tree of cm_valtype nodes linked by pointer (type
 * indices are replaced by the node they name), and each node carries its Canonical ABI layout
 * (elem_size, alignment, flattened core types) computed once when it was defined. Every type,
 * name and table the IR holds lives until cm_component_free of the outermost component. */
#ifndef WARREN_COMPONENT_COMPONENT_H
#define WARREN_COMPONENT_COMPONENT_H

#include <stdatomic.h>

#include "../base/common.h"
#include "../base/error.h"
#include "../base/vec.h"
#include "../wasm/module.h"

/* ---- sorts: one index space each ---- */
typedef enum {
  CM_SORT_CORE_FUNC,
  CM_SORT_CORE_TABLE,
  CM_SORT_CORE_MEMORY,
  CM_SORT_CORE_GLOBAL,
  CM_SORT_CORE_TAG,
  CM_SORT_CORE_TYPE,
  CM_SORT_CORE_MODULE,
  CM_SORT_CORE_INSTANCE,
  CM_SORT_FUNC,
  CM_SORT_VALUE,
  CM_SORT_TYPE,
  CM_SORT_COMPONENT,
  CM_SORT_INSTANCE,
  CM_SORT_COUNT
} cm_sort;

const char *cm_sort_name(cm_sort sort); /* "core func", "instance", ... */

/* ---- value types ---- */
typedef enum {
  CM_BOOL, CM_S8, CM_U8, CM_S16, CM_U16, CM_S32, CM_U32, CM_S64, CM_U64, CM_F32, CM_F64,
  CM_CHAR, CM_STRING, CM_ERROR_CONTEXT,
  CM_RECORD, CM_VARIANT, CM_LIST, CM_FIXED_LIST, CM_TUPLE, CM_FLAGS, CM_ENUM, CM_OPTION,
  CM_RESULT, CM_OWN, CM_BORROW, CM_STREAM, CM_FUTURE, CM_MAP,
} cm_valkind;

#define CM_MAX_FLAT_PARAMS 16
#define CM_MAX_FLAT_ASYNC_PARAMS 4
#define CM_MAX_FLAT_RESULTS 1
/* Canonical ABI bound on any value type's elem_size (Binary.md). */
#define CM_MAX_ELEM_SIZE (1u << 28)

typedef struct cm_valtype cm_valtype;
typedef struct cm_type cm_type;

/* A record field, variant case (type may be NULL), flags/enum label (type NULL) or tuple
 * element (name NULL), or a function parameter. */
typedef struct cm_field {
  const char *name;
  const cm_valtype *type;
  uint32_t offset; /* record / tuple: the field's byte offset in the Canonical ABI layout */
} cm_field;

struct cm_valtype {
  cm_valkind kind;
  uint32_t count;       /* fields, cases, labels, elements; a fixed list's length */
  const cm_field *fields;
  const cm_valtype *elem; /* list / fixed list / option element; stream, future payload and
                           * result ok type (NULL when absent); map: its entry, a
                           * tuple<K, V> (a map is a list of them in the Canonical ABI) */
  const cm_valtype *err;  /* result error type (NULL when absent) */
  const cm_type *resource; /* own / borrow: a CM_TYPE_RESOURCE */
  /* Canonical ABI, computed once (CanonicalABI.md elem_size / alignment / flatten_type). */
  uint32_t size, align;
  uint8_t disc_size;       /* variant, enum, option, result: discriminant bytes (1, 2 or 4) */
  uint32_t payload_offset; /* variant, option, result: byte offset of the case payload */
  uint32_t flat_count;  /* number of flattened core values, saturated at CM_MAX_FLAT_PARAMS + 1 */
  uint8_t flat[CM_MAX_FLAT_PARAMS]; /* wasm_valtype codes; valid when flat_count <= 16 */
  bool has_borrow;      /* transitively contains a borrow */
  bool needs_memory;    /* transitively contains a string or (variable) list */
};

/* The shared node of a primitive type (bool .. string, error-context). */
const cm_valtype *cm_valtype_primitive(cm_valkind kind);
static inline bool cm_valkind_is_primitive(cm_valkind k) { return k <= CM_ERROR_CONTEXT; }

/* ---- names of imports and exports ---- */
typedef enum {
  CM_NAME_LABEL,       /* "run" */
  CM_NAME_CONSTRUCTOR, /* "[constructor]fields" */
  CM_NAME_METHOD,      /* "[method]fields.get" */
  CM_NAME_STATIC,      /* "[static]fields.from-list" */
  CM_NAME_INTERFACE,   /* "wasi:http/types@0.2.0" */
} cm_namekind;

typedef struct cm_name {
  const char *text; /* the whole name, NUL-terminated */
  uint32_t len;
  cm_namekind kind;
  bool async;         /* an [async] / [async method] / [async static] annotation */
  /* CONSTRUCTOR/METHOD/STATIC: the resource label is text[resource_off, +resource_len) */
  uint32_t resource_off, resource_len;
  /* INTERFACE: text[0, version_off) is "ns:pkg/iface", text[version_off + 1 ..] the version
   * after '@'; version_off == len when unversioned. */
  uint32_t version_off;
} cm_name;

/* ---- name lookup ---- */
typedef struct cm_name_entry {
  const char *name;
  uint32_t len, value;
} cm_name_entry;

/* Names to indices (into an exports or imports array); see cm_name_map_find. */
typedef struct cm_name_map {
  cm_name_entry *entries;
  uint32_t cap, count;
} cm_name_map;

bool cm_name_map_find(const cm_name_map *map, const char *name, uint32_t len, uint32_t *value);

/* ---- core types ---- */
typedef struct cm_core_extern {
  wasm_externkind kind;
  union {
    const wasm_functype *func;
    wasm_tabletype table;
    wasm_memtype memory;
    wasm_globaltype global;
  } type;
} cm_core_extern;

typedef struct cm_core_import {
  wasm_name module, name;
  cm_core_extern type;
} cm_core_import;

typedef struct cm_core_export {
  wasm_name name;
  cm_core_extern type;
} cm_core_export;

typedef enum { CM_CORE_FUNCTYPE, CM_CORE_MODULETYPE, CM_CORE_INSTANCETYPE } cm_core_typekind;

/* A core func type, a core module type (imports + exports) or the type of a core instance
 * (exports only). */
typedef struct cm_core_type {
  cm_core_typekind kind;
  wasm_functype func;
  uint32_t nimports, nexports;
  const cm_core_import *imports;
  const cm_core_export *exports;
  cm_name_map export_map; /* export name -> index in exports */
} cm_core_type;

/* The export of a core module or instance type named `name`, or NULL. */
const cm_core_export *cm_core_type_export(const cm_core_type *type, const char *name, size_t len);

/* ---- component-level types ---- */
typedef enum { CM_TYPE_VALUE, CM_TYPE_FUNC, CM_TYPE_COMPONENT, CM_TYPE_INSTANCE, CM_TYPE_RESOURCE } cm_typekind;

typedef struct cm_functype {
  uint32_t nparams;
  const cm_field *params;
  const cm_valtype *result; /* NULL: no result */
  bool async;
} cm_functype;

/* The type of an import or export: its sort and the type for that sort. */
typedef struct cm_extern {
  cm_name name;
  cm_sort sort;        /* CORE_MODULE, FUNC, VALUE, TYPE, COMPONENT or INSTANCE */
  const cm_type *type; /* FUNC: a CM_TYPE_FUNC; TYPE: the type (a resource for `sub resource`);
                        * COMPONENT / INSTANCE: a CM_TYPE_COMPONENT / CM_TYPE_INSTANCE */
  const cm_core_type *core_type; /* CORE_MODULE: a module type */
  const cm_valtype *value;       /* VALUE */
} cm_extern;

typedef struct cm_resource {
  bool defined;        /* defined by a resource type definition; false: abstract (imported,
                        * exported or declared in a type) */
  bool has_dtor;
  uint32_t dtor;       /* core func index in the defining component */
  const struct cm_component *owner; /* defining component (defined resources only) */
} cm_resource;

struct cm_type {
  cm_typekind kind;
  const cm_valtype *val;  /* VALUE */
  cm_functype func;       /* FUNC */
  /* COMPONENT: imports + exports; INSTANCE: exports only */
  uint32_t nimports, nexports;
  const cm_extern *imports, *exports;
  cm_name_map import_map, export_map; /* COMPONENT / INSTANCE: exact name -> index */
  cm_resource resource;   /* RESOURCE */
  /* INSTANCE made by instantiating a component: what that instantiation bound the
   * component's imported resources to (pairs: the import's abstract type, the argument's), so
   * that its exports' types, which name the former, match where the latter is expected */
  uint32_t nbound;
  const cm_type *const *bound; /* 2 * nbound entries */
};

/* The import / export of a component or instance type named `name` (exactly), or NULL. */
const cm_extern *cm_type_import(const cm_type *type, const char *name);
const cm_extern *cm_type_export(const cm_type *type, const char *name);

/* ---- index spaces ---- */
/* One entry of an index space: the definition that introduced it and its type. */
typedef struct cm_item {
  uint32_t def; /* index into component->defs */
  union {
    cm_core_extern core;               /* core func / table / memory / global / tag */
    const cm_core_type *core_type;     /* core type, core module (module type), core instance */
    const cm_type *type;               /* func, type, component, instance */
    const cm_valtype *value;           /* value */
  } u;
} cm_item;

typedef WR_VEC(cm_item) cm_index_space;

/* ---- definitions ---- */
typedef enum {
  CM_DEF_CORE_MODULE,
  CM_DEF_CORE_INSTANCE,
  CM_DEF_CORE_TYPE,
  CM_DEF_COMPONENT,
  CM_DEF_INSTANCE,
  CM_DEF_ALIAS,
  CM_DEF_TYPE,
  CM_DEF_CANON,
  CM_DEF_START,
  CM_DEF_IMPORT,
  CM_DEF_EXPORT,
  CM_DEF_VALUE,
} cm_defkind;

/* A definition in binary order: `index` is into the array of its kind (modules, core_instances,
 * ...; for CORE_TYPE / TYPE it is unused), and the item it added to an index space (if any) is
 * space[sort].items[sort_index]. */
typedef struct cm_def {
  cm_defkind kind;
  uint32_t index;
  bool adds_item;
  cm_sort sort;
  uint32_t sort_index;
  uint32_t offset; /* in the binary */
} cm_def;

typedef struct cm_core_module {
  wasm_module *module; /* loaded (decoded + validated + compiled) */
  const cm_core_type *type;
  uint32_t offset, size; /* the module's bytes in the component binary */
} cm_core_module;

typedef struct cm_core_arg {
  wasm_name name;
  uint32_t instance; /* core instance index */
} cm_core_arg;

typedef struct cm_inline_export {
  cm_name name; /* core inline exports: only text/len are set */
  cm_sort sort;
  uint32_t index;
} cm_inline_export;

typedef struct cm_core_instance {
  bool instantiate;          /* (instantiate module args) vs inline exports */
  uint32_t module;
  uint32_t nargs;
  cm_core_arg *args;
  uint32_t nexports;
  cm_inline_export *exports;
  const cm_core_type *type;  /* CM_CORE_INSTANCETYPE */
} cm_core_instance;

typedef struct cm_arg {
  const char *name;
  cm_sort sort;
  uint32_t index;
} cm_arg;

typedef struct cm_instance {
  bool instantiate;
  uint32_t component;
  uint32_t nargs;
  cm_arg *args;
  uint32_t nexports;
  cm_inline_export *exports;
  const cm_type *type; /* CM_TYPE_INSTANCE */
} cm_instance;

typedef enum { CM_ALIAS_EXPORT, CM_ALIAS_CORE_EXPORT, CM_ALIAS_OUTER } cm_aliaskind;

typedef struct cm_alias {
  cm_aliaskind kind;
  cm_sort sort;
  uint32_t instance; /* EXPORT / CORE_EXPORT */
  const char *name;  /* EXPORT / CORE_EXPORT */
  uint32_t outer_count, outer_index; /* OUTER */
} cm_alias;

typedef enum { CM_UTF8, CM_UTF16, CM_LATIN1_UTF16 } cm_string_encoding;

typedef struct cm_canon_opts {
  cm_string_encoding string_encoding;
  bool has_memory, has_realloc, has_post_return, async, has_callback;
  uint32_t memory, realloc, post_return, callback; /* core memory / core func indices */
} cm_canon_opts;

typedef enum {
  CM_CANON_LIFT, CM_CANON_LOWER,
  CM_CANON_RESOURCE_NEW, CM_CANON_RESOURCE_DROP, CM_CANON_RESOURCE_DROP_ASYNC, CM_CANON_RESOURCE_REP,
  CM_CANON_BACKPRESSURE_SET, CM_CANON_BACKPRESSURE_INC, CM_CANON_BACKPRESSURE_DEC,
  CM_CANON_TASK_RETURN, CM_CANON_TASK_CANCEL, CM_CANON_CONTEXT_GET, CM_CANON_CONTEXT_SET,
  CM_CANON_THREAD_YIELD, CM_CANON_SUBTASK_CANCEL, CM_CANON_SUBTASK_DROP,
  CM_CANON_STREAM_NEW, CM_CANON_STREAM_READ, CM_CANON_STREAM_WRITE, CM_CANON_STREAM_CANCEL_READ,
  CM_CANON_STREAM_CANCEL_WRITE, CM_CANON_STREAM_DROP_READABLE, CM_CANON_STREAM_DROP_WRITABLE,
  CM_CANON_FUTURE_NEW, CM_CANON_FUTURE_READ, CM_CANON_FUTURE_WRITE, CM_CANON_FUTURE_CANCEL_READ,
  CM_CANON_FUTURE_CANCEL_WRITE, CM_CANON_FUTURE_DROP_READABLE, CM_CANON_FUTURE_DROP_WRITABLE,
  CM_CANON_ERROR_CONTEXT_NEW, CM_CANON_ERROR_CONTEXT_DEBUG_MESSAGE, CM_CANON_ERROR_CONTEXT_DROP,
  CM_CANON_WAITABLE_SET_NEW, CM_CANON_WAITABLE_SET_WAIT, CM_CANON_WAITABLE_SET_POLL,
  CM_CANON_WAITABLE_SET_DROP, CM_CANON_WAITABLE_JOIN, CM_CANON_THREAD_INDEX, CM_CANON_THREAD_NEW_INDIRECT,
  CM_CANON_THREAD_RESUME_LATER, CM_CANON_THREAD_SUSPEND, CM_CANON_THREAD_SUSPEND_THEN_RESUME,
  CM_CANON_THREAD_YIELD_THEN_RESUME, CM_CANON_THREAD_SUSPEND_THEN_PROMOTE, CM_CANON_THREAD_YIELD_THEN_PROMOTE,
  CM_CANON_KIND_COUNT
} cm_canon_kind;

const char *cm_canon_kind_name(cm_canon_kind kind); /* "lift", "stream.read", ... */

typedef struct cm_canon {
  cm_canon_kind kind;
  /* LIFT: the core func lifted; LOWER: the component func lowered */
  uint32_t func;
  /* LIFT: the func type index; RESOURCE_*: the resource type index; STREAM_* / FUTURE_*: the
   * stream or future type index; THREAD_NEW_INDIRECT: the core func type index */
  uint32_t type;
  uint32_t table;            /* THREAD_NEW_INDIRECT: the core table of funcrefs */
  const cm_type *resolved;   /* the type `type` names (func type, resource, stream/future) */
  cm_canon_opts opts;        /* LIFT, LOWER, TASK_RETURN, STREAM/FUTURE_READ/WRITE,
                              * ERROR_CONTEXT_NEW/DEBUG_MESSAGE; WAITABLE_SET_WAIT/POLL memory */
  bool async;                /* the async? / cancel? immediate (SUBTASK_CANCEL, *_CANCEL_*, THREAD_YIELD,
                              * WAITABLE_SET_WAIT/POLL and the THREAD_* switches: cancellable) */
  uint32_t context_index;    /* CONTEXT_GET / CONTEXT_SET */
  const cm_valtype *result;  /* TASK_RETURN: the result type (NULL: none) */
  const wasm_functype *core_type; /* the type of the core func (or, for LIFT, the lifted func's
                                   * expected flattened type) */
} cm_canon;

typedef struct cm_start {
  uint32_t func;
  uint32_t nargs;
  uint32_t *args;
  uint32_t nresults;
} cm_start;

typedef struct cm_import {
  cm_extern ext;
} cm_import;

typedef struct cm_export {
  cm_extern ext;     /* the exported item's type (the ascribed one when given) */
  cm_sort sort;      /* sortidx */
  uint32_t index;
  bool has_ascribed_type;
} cm_export;

typedef struct cm_value {
  const cm_valtype *type;
  uint32_t offset, len; /* the encoded value's bytes in the binary */
} cm_value;

typedef struct cm_component cm_component;

typedef struct cm_component {
  const uint8_t *bytes; /* the root binary (owned by the root component) */
  size_t size;
  struct cm_component *parent;
  struct cm_arena *arena; /* shared by the root and every nested component */

  WR_VEC(cm_def) defs;
  cm_index_space space[CM_SORT_COUNT];

  WR_VEC(cm_core_module) modules;
  WR_VEC(cm_core_instance) core_instances;
  WR_VEC(cm_component *) components;
  WR_VEC(cm_instance) instances;
  WR_VEC(cm_alias) aliases;
  WR_VEC(cm_canon) canons;
  WR_VEC(cm_start) starts;
  WR_VEC(cm_import) imports;
  WR_VEC(cm_export) exports;
  WR_VEC(cm_value) values;

  const cm_type *type; /* CM_TYPE_COMPONENT: imports and exports */
  /* Its instantiation plans (plan.h), one per host it was instantiated against: later
   * instantiations against the same unchanged host replay what the first one looked up. */
  _Atomic(struct cm_plan *) plans;
} cm_component;

/* True when the binary starts with the component preamble (magic + version 0x0d + layer 1). */
bool cm_is_component(const uint8_t *bytes, size_t size);

/* Decode, validate and load (core modules compiled) a component. NULL + err (with the byte
 * offset) on any malformed, invalid or unsupported input. The component keeps a copy of the
 * bytes. `features` is passed to the core modules (NULL: defaults). */
cm_component *cm_component_load(const uint8_t *bytes, size_t size, const wasm_features *features, wr_error *err);
void cm_component_free(cm_component *component);

/* Canonical ABI flattening of a function type (CanonicalABI.md flatten_functype). `lift` picks
 * the context; `async` the option. Writes into out->types, which needs room for
 * CM_MAX_FLAT_PARAMS + 2 entries. */
void cm_flatten_functype(const cm_functype *ft, bool lift, bool async, bool has_callback, wasm_functype *out,
                         uint8_t *types_storage);

/* Names a value type node (or, when `value` is NULL, a resource type) for printing; NULL when
 * it has no name, so that it is printed structurally. */
typedef const char *(*cm_type_namer)(void *ctx, const cm_valtype *value, const cm_type *resource);

/* WIT-like text of a value type ("list<string>", "result<u32, error-code>") into buf (truncated
 * with "..." when it does not fit). `namer` (may be NULL) names inner nodes. Returns buf. */
const char *cm_valtype_text(const cm_valtype *type, cm_type_namer namer, void *namer_ctx, char *buf, size_t size);

#endif
