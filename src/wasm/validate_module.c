/* Module-level validation (wasm_validate): types, imports, limits, constant expressions,
 * segments, exports and the start function, then every function body (validate_code.c).
 * The module IR keeps no offsets for most entries, so those messages name the entry instead
 * ("unknown type 7 in function 3"); constant expressions and bodies carry byte offsets. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/alloc.h"
#include "../base/vec.h"
#include "opcodes.h"
#include "reader.h"
#include "validate.h"

#define WASM_MAX_PAGES32 65536u                 /* 4 GiB of 64 KiB pages */
#define WASM_MAX_PAGES64 ((uint64_t)1 << 48)    /* 2^64 bytes of 64 KiB pages */

/* Says where a constant expression's error is, after the spec's message category:
 * "unknown global 2 ... in global 3". */
static void add_context(wr_error *err, const char *fmt, ...) WR_PRINTF(2, 3);
static void add_context(wr_error *err, const char *fmt, ...) {
  if (!err) return;
  size_t len = strlen(err->message);
  if (len + 4 >= sizeof err->message) return;
  memcpy(err->message + len, " in ", 4);
  len += 4;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message + len, sizeof err->message - len, fmt, ap);
  va_end(ap);
}

static bool validate_functypes(const wasm_validate_context *ctx, wr_error *err) {
  const wasm_module *m = ctx->module;
  for (uint32_t i = 0; i < m->ntypes; i++) {
    const wasm_functype *t = &m->types[i];
    for (uint32_t k = 0; k < t->nparams + t->nresults; k++)
      if (!wasm_valtype_enabled(ctx->features, t->types[k])) {
        wr_error_set(err, "malformed value type 0x%02x in type %u", t->types[k], i);
        return false;
      }
  }
  return true;
}

static bool check_type_index(const wasm_module *m, uint32_t type, const char *what, uint32_t index, wr_error *err) {
  if (type < m->ntypes) return true;
  wr_error_set(err, "unknown type %u in %s %u", type, what, index);
  return false;
}

static bool validate_limits(const wasm_limits *l, uint64_t bound, const char *too_big, const char *what,
                            uint32_t index, wr_error *err) {
  if (l->min > bound || (l->has_max && l->max > bound)) {
    wr_error_set(err, "%s (%s %u)", too_big, what, index);
    return false;
  }
  if (l->has_max && l->min > l->max) {
    wr_error_set(err, "size minimum must not be greater than maximum (%s %u)", what, index);
    return false;
  }
  return true;
}

static bool validate_memtype(const wasm_memtype *mem, uint32_t index, wr_error *err) {
  if (mem->limits.shared) {
    wr_error_set(err, "shared memories are not supported (memory %u)", index);
    return false;
  }
  if (mem->limits.is64)
    return validate_limits(&mem->limits, WASM_MAX_PAGES64, "memory size must be at most 2^48 pages", "memory",
                           index, err);
  return validate_limits(&mem->limits, WASM_MAX_PAGES32, "memory size must be at most 65536 pages (4GiB)", "memory",
                         index, err);
}

static bool validate_tabletype(const wasm_tabletype *table, uint32_t index, wr_error *err) {
  if (!wasm_is_reftype(table->elem)) {
    wr_error_set(err, "malformed reference type in table %u", index);
    return false;
  }
  return validate_limits(&table->limits, UINT32_MAX, "table size must be at most 2^32-1", "table", index, err);
}

static bool validate_tag_type(const wasm_module *m, uint32_t type, uint32_t index, wr_error *err) {
  if (!check_type_index(m, type, "tag", index, err)) return false;
  if (m->types[type].nresults != 0) {
    wr_error_set(err, "non-empty tag result type (tag %u)", index);
    return false;
  }
  return true;
}

/* Flattens the index spaces (imports first) and checks each entity's type on the way. */
static bool build_index_spaces(wasm_validate_context *ctx, wr_error *err) {
  const wasm_module *m = ctx->module;
  ctx->nfuncs = m->nfunc_imports + m->nfuncs;
  ctx->ntables = m->ntable_imports + m->ntables;
  ctx->nmemories = m->nmemory_imports + m->nmemories;
  ctx->nglobals = m->nglobal_imports + m->nglobals;
  ctx->ntags = m->ntag_imports + m->ntags;
  ctx->func_types = WR_NEW_ARRAY(uint32_t, ctx->nfuncs + 1);
  ctx->tables = WR_NEW_ARRAY(wasm_tabletype, ctx->ntables + 1);
  ctx->memories = WR_NEW_ARRAY(wasm_memtype, ctx->nmemories + 1);
  ctx->globals = WR_NEW_ARRAY(wasm_globaltype, ctx->nglobals + 1);
  ctx->tag_types = WR_NEW_ARRAY(uint32_t, ctx->ntags + 1);
  ctx->declared_funcs = WR_NEW_ARRAY(uint8_t, ctx->nfuncs + 1);

  uint32_t nfunc = 0, ntable = 0, nmemory = 0, nglobal = 0, ntag = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wasm_import *imp = &m->imports[i];
    bool ok = true;
    switch (imp->kind) {
      case WASM_EXTERN_FUNC:
        ok = nfunc < m->nfunc_imports && check_type_index(m, imp->desc.func_type, "import", i, err);
        if (ok) ctx->func_types[nfunc++] = imp->desc.func_type;
        break;
      case WASM_EXTERN_TABLE:
        ok = ntable < m->ntable_imports && validate_tabletype(&imp->desc.table, ntable, err);
        if (ok) ctx->tables[ntable++] = imp->desc.table;
        break;
      case WASM_EXTERN_MEMORY:
        ok = nmemory < m->nmemory_imports && validate_memtype(&imp->desc.memory, nmemory, err);
        if (ok) ctx->memories[nmemory++] = imp->desc.memory;
        break;
      case WASM_EXTERN_GLOBAL:
        ok = nglobal < m->nglobal_imports;
        if (ok && !wasm_valtype_enabled(ctx->features, imp->desc.global.type)) {
          wr_error_set(err, "malformed value type in import %u", i);
          return false;
        }
        if (ok) ctx->globals[nglobal++] = imp->desc.global;
        break;
      case WASM_EXTERN_TAG:
        ok = ntag < m->ntag_imports && validate_tag_type(m, imp->desc.tag_type, ntag, err);
        if (ok) ctx->tag_types[ntag++] = imp->desc.tag_type;
        break;
      default:
        ok = false;
    }
    if (!ok) {
      if (!err || !err->failed) wr_error_set(err, "malformed import kind %d (import %u)", (int)imp->kind, i);
      return false;
    }
  }
  if (nfunc != m->nfunc_imports || ntable != m->ntable_imports || nmemory != m->nmemory_imports ||
      nglobal != m->nglobal_imports || ntag != m->ntag_imports) {
    wr_error_set(err, "import counts do not match the import section");
    return false;
  }
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    if (!check_type_index(m, m->funcs[i].type, "function", nfunc + i, err)) return false;
    ctx->func_types[nfunc + i] = m->funcs[i].type;
  }
  for (uint32_t i = 0; i < m->ntables; i++) {
    if (!validate_tabletype(&m->tables[i], ntable + i, err)) return false;
    ctx->tables[ntable + i] = m->tables[i];
  }
  for (uint32_t i = 0; i < m->nmemories; i++) {
    if (!validate_memtype(&m->memories[i], nmemory + i, err)) return false;
    ctx->memories[nmemory + i] = m->memories[i];
  }
  for (uint32_t i = 0; i < m->nglobals; i++) {
    if (!wasm_valtype_enabled(ctx->features, m->globals[i].type.type)) {
      wr_error_set(err, "malformed value type in global %u", nglobal + i);
      return false;
    }
    ctx->globals[nglobal + i] = m->globals[i].type;
  }
  for (uint32_t i = 0; i < m->ntags; i++) {
    if (!validate_tag_type(m, m->tags[i], ntag + i, err)) return false;
    ctx->tag_types[ntag + i] = m->tags[i];
  }
  if (ctx->nmemories > 1 && !ctx->features->multi_memory) {
    wr_error_set(err, "multiple memories are not enabled (%u memories)", ctx->nmemories);
    return false;
  }
  return true;
}

/* A constant expression producing one value of type `expected`. Only imported globals are
 * visible to it (Wasm 2.0), and they must be immutable. `ref.func` here is what declares a
 * function for `ref.func` in bodies. */
static bool validate_const_expr(wasm_validate_context *ctx, const wasm_constexpr *expr, uint8_t expected,
                                wr_error *err) {
  const wasm_module *m = ctx->module;
  if ((uint64_t)expr->offset + expr->len > m->size) {
    wr_error_set(err, "constant expression outside the module");
    return false;
  }
  wasm_reader r = wasm_reader_at(m->bytes, expr->offset, (size_t)expr->offset + expr->len, err);
  WR_VEC(uint8_t) stack = {0};
  bool ok = false;
  for (;;) {
    size_t at = r.pos;
    uint8_t op = 0, type = 0;
    uint32_t index;
    int64_t ivalue;
    const uint8_t *bytes;
    if (!wasm_read_u8(&r, &op)) goto out;
    switch (op) {
      case WASM_OPCODE_end:
        if (stack.len != 1 || stack.items[0] != expected) {
          wr_error_at(err, at, "type mismatch: constant expression must produce one %s, produces %zu value(s)%s%s",
                      wasm_valtype_name(expected), stack.len, stack.len == 1 ? " of type " : "",
                      stack.len == 1 ? wasm_valtype_name(stack.items[0]) : "");
          goto out;
        }
        if (!wasm_reader_done(&r)) {
          wr_error_at(err, r.pos, "constant expression required");
          goto out;
        }
        ok = true;
        goto out;
      case WASM_OPCODE_i32_const:
        if (!wasm_read_sleb(&r, 32, &ivalue)) goto out;
        type = WASM_I32;
        break;
      case WASM_OPCODE_i64_const:
        if (!wasm_read_s64(&r, &ivalue)) goto out;
        type = WASM_I64;
        break;
      case WASM_OPCODE_f32_const:
        if (!wasm_read_bytes(&r, 4, &bytes)) goto out;
        type = WASM_F32;
        break;
      case WASM_OPCODE_f64_const:
        if (!wasm_read_bytes(&r, 8, &bytes)) goto out;
        type = WASM_F64;
        break;
      case WASM_OPCODE_ref_null:
        if (!wasm_read_u8(&r, &type)) goto out;
        if (!wasm_is_reftype(type)) {
          wr_error_at(err, at + 1, "malformed reference type");
          goto out;
        }
        break;
      case WASM_OPCODE_ref_func:
        if (!wasm_read_u32(&r, &index)) goto out;
        if (index >= ctx->nfuncs) {
          wr_error_at(err, at, "unknown function %u", index);
          goto out;
        }
        ctx->declared_funcs[index] = 1;
        type = WASM_FUNCREF;
        break;
      case WASM_OPCODE_global_get:
        if (!wasm_read_u32(&r, &index)) goto out;
        if (index >= m->nglobal_imports) {
          wr_error_at(err, at, "unknown global %u (constant expressions see imported globals only)", index);
          goto out;
        }
        if (ctx->globals[index].mut) {
          wr_error_at(err, at, "constant expression required: global %u is mutable", index);
          goto out;
        }
        type = ctx->globals[index].type;
        break;
      case WASM_OPCODE_i32_add: case WASM_OPCODE_i32_sub: case WASM_OPCODE_i32_mul:
      case WASM_OPCODE_i64_add: case WASM_OPCODE_i64_sub: case WASM_OPCODE_i64_mul: {
        if (!ctx->features->extended_const) {
          wr_error_at(err, at, "constant expression required");
          goto out;
        }
        type = op <= WASM_OPCODE_i32_mul ? WASM_I32 : WASM_I64;
        if (stack.len < 2 || stack.items[stack.len - 1] != type || stack.items[stack.len - 2] != type) {
          wr_error_at(err, at, "type mismatch: %s arithmetic needs two %s operands", wasm_valtype_name(type),
                      wasm_valtype_name(type));
          goto out;
        }
        stack.len -= 2;
        break;
      }
      case WASM_OPCODE_PREFIX_FD:
        if (!wasm_read_u32(&r, &index)) goto out;
        if (!ctx->features->simd || index != 0x0C /* v128.const */) {
          wr_error_at(err, at, "constant expression required");
          goto out;
        }
        if (!wasm_read_bytes(&r, 16, &bytes)) goto out;
        type = WASM_V128;
        break;
      default:
        wr_error_at(err, at, "constant expression required");
        goto out;
    }
    WR_VEC_PUSH(&stack, type);
  }
out:
  WR_VEC_FREE(&stack);
  return ok;
}

static bool validate_globals(wasm_validate_context *ctx, wr_error *err) {
  const wasm_module *m = ctx->module;
  for (uint32_t i = 0; i < m->nglobals; i++)
    if (!validate_const_expr(ctx, &m->globals[i].init, m->globals[i].type.type, err)) {
      add_context(err, "global %u", m->nglobal_imports + i);
      return false;
    }
  return true;
}

static bool validate_elems(wasm_validate_context *ctx, wr_error *err) {
  const wasm_module *m = ctx->module;
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wasm_elem_segment *seg = &m->elems[i];
    if (!wasm_is_reftype(seg->elem_type)) {
      wr_error_set(err, "malformed reference type in elem segment %u", i);
      return false;
    }
    if (seg->mode == WASM_SEG_ACTIVE) {
      if (seg->table >= ctx->ntables) {
        wr_error_set(err, "unknown table %u in elem segment %u", seg->table, i);
        return false;
      }
      if (ctx->tables[seg->table].elem != seg->elem_type) {
        wr_error_set(err, "type mismatch: elem segment %u holds %s, table %u holds %s", i,
                     wasm_valtype_name(seg->elem_type), seg->table, wasm_valtype_name(ctx->tables[seg->table].elem));
        return false;
      }
      if (!validate_const_expr(ctx, &seg->offset, WASM_I32, err)) {
        add_context(err, "offset of elem segment %u", i);
        return false;
      }
    }
    for (uint32_t k = 0; k < seg->count; k++) {
      if (seg->func_indices) {
        uint32_t f = seg->func_indices[k];
        if (f >= ctx->nfuncs) {
          wr_error_set(err, "unknown function %u in elem segment %u", f, i);
          return false;
        }
        ctx->declared_funcs[f] = 1;
      } else if (seg->exprs && !validate_const_expr(ctx, &seg->exprs[k], seg->elem_type, err)) {
        add_context(err, "item %u of elem segment %u", k, i);
        return false;
      }
    }
  }
  return true;
}

static bool validate_datas(wasm_validate_context *ctx, wr_error *err) {
  const wasm_module *m = ctx->module;
  if (m->has_data_count && m->data_count != m->ndatas) {
    wr_error_set(err, "data count and data section have inconsistent lengths");
    return false;
  }
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const wasm_data_segment *seg = &m->datas[i];
    if (seg->mode != WASM_SEG_ACTIVE) continue;
    if (seg->memory >= ctx->nmemories) {
      wr_error_set(err, "unknown memory %u in data segment %u", seg->memory, i);
      return false;
    }
    uint8_t addr = ctx->memories[seg->memory].limits.is64 ? WASM_I64 : WASM_I32;
    if (!validate_const_expr(ctx, &seg->offset, addr, err)) {
      add_context(err, "offset of data segment %u", i);
      return false;
    }
  }
  return true;
}

typedef struct export_name {
  const char *data;
  uint32_t len, index;
} export_name;

static int compare_names(const export_name *x, const export_name *y) {
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  return x->len ? memcmp(x->data, y->data, x->len) : 0;
}

/* By name, then by position, so that a duplicate is reported against its first occurrence. */
static int compare_export_names(const void *a, const void *b) {
  const export_name *x = a, *y = b;
  int c = compare_names(x, y);
  if (c != 0) return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

static bool validate_exports(wasm_validate_context *ctx, wr_error *err) {
  const wasm_module *m = ctx->module;
  for (uint32_t i = 0; i < m->nexports; i++) {
    const wasm_export *e = &m->exports[i];
    uint32_t limit;
    const char *kind;
    switch (e->kind) {
      case WASM_EXTERN_FUNC: limit = ctx->nfuncs; kind = "function"; break;
      case WASM_EXTERN_TABLE: limit = ctx->ntables; kind = "table"; break;
      case WASM_EXTERN_MEMORY: limit = ctx->nmemories; kind = "memory"; break;
      case WASM_EXTERN_GLOBAL: limit = ctx->nglobals; kind = "global"; break;
      case WASM_EXTERN_TAG: limit = ctx->ntags; kind = "tag"; break;
      default:
        wr_error_set(err, "malformed export kind %d (export %u)", (int)e->kind, i);
        return false;
    }
    if (e->index >= limit) {
      wr_error_set(err, "unknown %s %u in export %u", kind, e->index, i);
      return false;
    }
    if (e->kind == WASM_EXTERN_FUNC) ctx->declared_funcs[e->index] = 1;
  }
  if (m->nexports < 2) return true;
  /* duplicates are neighbours once sorted: O(n log n) for modules with many exports */
  export_name *names = WR_NEW_ARRAY(export_name, m->nexports);
  for (uint32_t i = 0; i < m->nexports; i++)
    names[i] = (export_name){m->exports[i].name.data, m->exports[i].name.len, i};
  qsort(names, m->nexports, sizeof *names, compare_export_names);
  bool ok = true;
  for (uint32_t i = 1; i < m->nexports && ok; i++)
    if (compare_names(&names[i], &names[i - 1]) == 0) {
      wr_error_set(err, "duplicate export name \"%.*s\" (exports %u and %u)", (int)WR_MIN(names[i].len, 100u),
                    names[i].data, names[i - 1].index, names[i].index);
      ok = false;
    }
  wr_free(names);
  return ok;
}

static bool validate_start(const wasm_validate_context *ctx, wr_error *err) {
  const wasm_module *m = ctx->module;
  if (!m->has_start) return true;
  if (m->start >= ctx->nfuncs) {
    wr_error_set(err, "unknown function %u as start function", m->start);
    return false;
  }
  const wasm_functype *t = &m->types[ctx->func_types[m->start]];
  if (t->nparams != 0 || t->nresults != 0) {
    wr_error_set(err, "start function %u must have type [] -> []", m->start);
    return false;
  }
  return true;
}

/* The spec decodes all bodies before validating anything: a malformed body from `first_def`
 * on is reported instead of the validation error already in `err`. */
static void prefer_malformed(const wasm_module *module, uint32_t first_def, wr_error *err) {
  for (uint32_t i = first_def; i < module->nfuncs; i++) {
    wr_error malformed = {0};
    if (!wasm_scan_function_encoding(module, i, &malformed)) {
      *err = malformed;
      return;
    }
  }
}

bool wasm_validate(const wasm_module *module, wr_error *err) {
  wasm_validate_context ctx = {0};
  ctx.module = module;
  ctx.features = &module->features;
  bool ok = validate_functypes(&ctx, err) && build_index_spaces(&ctx, err) && validate_globals(&ctx, err) &&
            validate_elems(&ctx, err) && validate_datas(&ctx, err) && validate_exports(&ctx, err) &&
            validate_start(&ctx, err);
  uint32_t scan_from = 0; /* bodies before it validated, so they are well-formed */
  for (uint32_t i = 0; ok && i < module->nfuncs; i++) {
    scan_from = i;
    ok = wasm_validate_function(&ctx, i, err);
  }
  if (!ok && err && !wasm_validate_error_is_malformed(err)) prefer_malformed(module, scan_from, err);
  wr_free(ctx.func_types);
  wr_free(ctx.tables);
  wr_free(ctx.memories);
  wr_free(ctx.globals);
  wr_free(ctx.tag_types);
  wr_free(ctx.declared_funcs);
  return ok;
}
