/* The decoded form of a core WebAssembly module (the module IR).
 *
 * The decoder (decode.c) fills it from a binary; the validator checks it; the compiler
 * translates its function bodies. The module owns a copy of the binary: code bodies,
 * constant expressions and data segments are referenced as byte ranges into it, so
 * decoding a 13 MB module allocates little beyond its index tables. */
#ifndef WARREN_WASM_MODULE_H
#define WARREN_WASM_MODULE_H

#include "../base/common.h"
#include "../base/error.h"

/* Value types, numbered by their binary encoding. */
typedef enum {
  WASM_I32 = 0x7F,
  WASM_I64 = 0x7E,
  WASM_F32 = 0x7D,
  WASM_F64 = 0x7C,
  WASM_V128 = 0x7B,
  WASM_FUNCREF = 0x70,
  WASM_EXTERNREF = 0x6F,
  WASM_EXNREF = 0x69, /* exception handling: a caught exception (try_table's catch_ref) */
} wasm_valtype;

static inline bool wasm_is_reftype(uint8_t t) { return t == WASM_FUNCREF || t == WASM_EXTERNREF || t == WASM_EXNREF; }

/* Proposals beyond Wasm 2.0 core (which is always on) that a module may use. */
typedef struct wasm_features {
  bool simd;           /* on by default */
  bool tail_call;
  bool extended_const; /* on by default */
  bool multi_memory;   /* on by default */
  bool exceptions;
  bool memory64;
} wasm_features;

wasm_features wasm_features_default(void); /* Wasm 2.0 + SIMD + extended-const + multi-memory */

typedef struct wasm_name {
  char *data; /* NUL-terminated copy; may contain inner NULs (valid UTF-8 allows U+0000) */
  uint32_t len;
} wasm_name;

typedef struct wasm_functype {
  uint32_t nparams, nresults;
  uint8_t *types; /* nparams param types followed by nresults result types */
} wasm_functype;

static inline const uint8_t *wasm_functype_params(const wasm_functype *t) { return t->types; }
static inline const uint8_t *wasm_functype_results(const wasm_functype *t) { return t->types + t->nparams; }

typedef struct wasm_limits {
  uint64_t min, max;
  bool has_max;
  bool is64;   /* memory64: i64 addresses */
  bool shared; /* threads proposal flag; rejected unless supported */
} wasm_limits;

typedef struct wasm_tabletype {
  uint8_t elem; /* WASM_FUNCREF or WASM_EXTERNREF */
  wasm_limits limits;
} wasm_tabletype;

typedef struct wasm_memtype {
  wasm_limits limits; /* in 64 KiB pages */
} wasm_memtype;

typedef struct wasm_globaltype {
  uint8_t type;
  bool mut;
} wasm_globaltype;

typedef enum {
  WASM_EXTERN_FUNC = 0,
  WASM_EXTERN_TABLE = 1,
  WASM_EXTERN_MEMORY = 2,
  WASM_EXTERN_GLOBAL = 3,
  WASM_EXTERN_TAG = 4,
} wasm_externkind;

/* A constant expression (global initializer, segment offset, element item), kept as the
 * byte range of its instructions including the final `end`. */
typedef struct wasm_constexpr {
  uint32_t offset, len;
} wasm_constexpr;

typedef struct wasm_import {
  wasm_name module, name;
  wasm_externkind kind;
  union {
    uint32_t func_type; /* index into module->types */
    wasm_tabletype table;
    wasm_memtype memory;
    wasm_globaltype global;
    uint32_t tag_type;
  } desc;
} wasm_import;

typedef struct wasm_export {
  wasm_name name;
  wasm_externkind kind;
  uint32_t index;
} wasm_export;

typedef struct wasm_local_group {
  uint32_t count;
  uint8_t type;
} wasm_local_group;

/* A function defined by the module (imports are not in this array). */
typedef struct wasm_func_def {
  uint32_t type;           /* index into module->types */
  uint32_t nlocal_groups;
  wasm_local_group *local_groups;
  uint64_t nlocals;        /* declared locals, parameters excluded */
  uint32_t body_offset;    /* first instruction, after the local declarations */
  uint32_t body_end;       /* one past the final `end` */
} wasm_func_def;

typedef struct wasm_global_def {
  wasm_globaltype type;
  wasm_constexpr init;
} wasm_global_def;

typedef enum { WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_DECLARATIVE } wasm_segment_mode;

typedef struct wasm_elem_segment {
  wasm_segment_mode mode;
  uint8_t elem_type;    /* WASM_FUNCREF or WASM_EXTERNREF */
  uint32_t table;       /* active only */
  wasm_constexpr offset;/* active only */
  uint32_t count;
  /* exactly one of these is set: function indices (legacy / elemkind form) or expressions */
  uint32_t *func_indices;
  wasm_constexpr *exprs;
} wasm_elem_segment;

typedef struct wasm_data_segment {
  wasm_segment_mode mode; /* ACTIVE or PASSIVE */
  uint32_t memory;
  wasm_constexpr offset;
  uint32_t data_offset, data_len; /* byte range in the binary */
} wasm_data_segment;

typedef struct wasm_custom_section {
  wasm_name name;
  uint32_t offset, len; /* the payload after the name */
} wasm_custom_section;

typedef struct wasm_module {
  uint8_t *bytes; /* owned copy of the binary */
  size_t size;
  wasm_features features;

  uint32_t ntypes;
  wasm_functype *types;

  uint32_t nimports;
  wasm_import *imports;
  /* counts of imported entities of each kind; index spaces put imports first */
  uint32_t nfunc_imports, ntable_imports, nmemory_imports, nglobal_imports, ntag_imports;

  uint32_t nfuncs; /* defined functions */
  wasm_func_def *funcs;
  uint32_t ntables;
  wasm_tabletype *tables;
  uint32_t nmemories;
  wasm_memtype *memories;
  uint32_t nglobals;
  wasm_global_def *globals;
  uint32_t ntags;
  uint32_t *tags; /* type index of each defined tag */

  uint32_t nexports;
  wasm_export *exports;
  /* Exports by name (wasm_module_find_export): open addressing, entries are export index + 1. */
  uint32_t *export_slots;
  uint32_t export_slots_mask;

  bool has_start;
  uint32_t start;

  uint32_t nelems;
  wasm_elem_segment *elems;
  uint32_t ndatas;
  wasm_data_segment *datas;
  bool has_data_count;
  uint32_t data_count;

  uint32_t ncustoms;
  wasm_custom_section *customs;
  /* From the "name" section when present and well-formed; func_names[i] may be NULL.
   * A malformed name section is ignored, never an error. Indexed by function index
   * (imports included); length is nfunc_imports + nfuncs. */
  char **func_names;

  /* Filled by the compiler (compile.c): opaque translated code, shared by all instances. */
  struct wasm_code *code;
} wasm_module;

/* Indexes the exports by name once decoded: a component's core modules are asked for thousands
 * of exports at every instantiation. */
void wasm_module_index_exports(wasm_module *module);
/* The index in `exports` of the export named `name`; false when there is none. */
bool wasm_module_find_export(const wasm_module *module, const char *name, size_t len, uint32_t *index);

/* Decode a binary into a module. On failure returns NULL and sets err with the spec's
 * message category ("unexpected end", "magic header not detected", "integer too large",
 * "malformed section id", ...) and the byte offset. Never aborts on bad input, never
 * allocates more than a small multiple of `size`. */
wasm_module *wasm_decode(const uint8_t *bytes, size_t size, const wasm_features *features, wr_error *err);

/* Full validation (types, indices, limits, function bodies). Returns false and sets err
 * with a spec-style message ("type mismatch", "unknown function 7", ...). */
bool wasm_validate(const wasm_module *module, wr_error *err);

void wasm_module_free(wasm_module *module);

/* Type of any function in the function index space (imports first). */
const wasm_functype *wasm_module_func_type(const wasm_module *module, uint32_t func_index);
/* Type of any global in the global index space. */
wasm_globaltype wasm_module_global_type(const wasm_module *module, uint32_t global_index);
/* Limits of tables/memories in their index spaces (imports first). */
wasm_tabletype wasm_module_table_type(const wasm_module *module, uint32_t table_index);
wasm_memtype wasm_module_memory_type(const wasm_module *module, uint32_t memory_index);

#endif
