/* Instantiation: linking imports, creating the module's own objects, evaluating constant
 * expressions, applying segments in the spec's order, running the start function; and
 * looking up exports. */
#include <string.h>

#include "../base/alloc.h"
#include "engine.h"
#include "image.h"
#include "reader.h"

/* ---- import matching ---- */

static bool limits_match(const wasm_limits *actual, const wasm_limits *expected) {
  if (actual->is64 != expected->is64) return false;
  if (actual->min < expected->min) return false;
  if (expected->has_max && (!actual->has_max || actual->max > expected->max)) return false;
  return true;
}

bool wasm_extern_matches(const wasm_module *module, const wasm_import *import, const wasm_extern *ext,
                         wr_error *err) {
  bool ok = false;
  if (ext->kind == import->kind) {
    switch (import->kind) {
    case WASM_EXTERN_FUNC: {
      const wasm_functype *want = &module->types[import->desc.func_type], *have = ext->of.func->type;
      /* both canonical (a compiled module's types are interned): equal types are one pointer */
      ok = (module->code && module->code->types[import->desc.func_type] == have) ||
           (want->nparams == have->nparams && want->nresults == have->nresults &&
            memcmp(want->types, have->types, (size_t)want->nparams + want->nresults) == 0);
      break;
    }
    case WASM_EXTERN_TABLE: {
      wasm_tabletype have = wasm_table_type(ext->of.table);
      if (!ext->of.table->type.limits.has_max) have.limits.has_max = false;
      ok = have.elem == import->desc.table.elem && limits_match(&have.limits, &import->desc.table.limits);
      break;
    }
    case WASM_EXTERN_MEMORY: {
      wasm_memtype have = wasm_memory_type(ext->of.memory);
      ok = limits_match(&have.limits, &import->desc.memory.limits);
      break;
    }
    case WASM_EXTERN_GLOBAL: {
      wasm_globaltype have = ext->of.global->type;
      ok = have.type == import->desc.global.type && have.mut == import->desc.global.mut;
      break;
    }
    case WASM_EXTERN_TAG: {
      const wasm_functype *want = &module->types[import->desc.tag_type], *have = ext->of.tag->type;
      ok = want->nparams == have->nparams && want->nresults == have->nresults &&
           memcmp(want->types, have->types, (size_t)want->nparams + want->nresults) == 0;
      break;
    }
    default:
      break;
    }
  }
  if (!ok) wr_error_set(err, "incompatible import type for \"%s\" \"%s\"", import->module.data, import->name.data);
  return ok;
}

/* ---- constant expressions ---- */

#define CONST_STACK 16

static bool eval_const(wasm_instance *inst, wasm_constexpr expr, wasm_slot out[2], wr_error *err) {
  const wasm_module *m = inst->module;
  wasm_reader r = wasm_reader_at(m->bytes, expr.offset, (size_t)expr.offset + expr.len, err);
  wasm_slot stack[CONST_STACK + 1][2]; /* +1: `top` may point one past a full stack */
  int sp = 0;
  for (;;) {
    uint8_t op = 0;
    if (!wasm_read_u8(&r, &op)) return false;
    if (op == WASM_OPCODE_end) break;
    if (sp == CONST_STACK && op != WASM_OPCODE_i32_add && op != WASM_OPCODE_i32_sub && op != WASM_OPCODE_i32_mul &&
        op != WASM_OPCODE_i64_add && op != WASM_OPCODE_i64_sub && op != WASM_OPCODE_i64_mul) {
      wr_error_set(err, "constant expression too deep");
      return false;
    }
    wasm_slot *top = stack[sp];
    top[1] = 0;
    switch (op) {
    case WASM_OPCODE_i32_const: {
      int32_t v;
      if (!wasm_read_s32(&r, &v)) return false;
      top[0] = (uint32_t)v;
      sp++;
      break;
    }
    case WASM_OPCODE_i64_const: {
      int64_t v;
      if (!wasm_read_s64(&r, &v)) return false;
      top[0] = (uint64_t)v;
      sp++;
      break;
    }
    case WASM_OPCODE_f32_const: {
      uint32_t v;
      if (!wasm_read_fixed32(&r, &v)) return false;
      top[0] = v;
      sp++;
      break;
    }
    case WASM_OPCODE_f64_const:
      if (!wasm_read_fixed64(&r, &top[0])) return false;
      sp++;
      break;
    case WASM_OPCODE_PREFIX_FD: {
      uint32_t sub;
      if (!wasm_read_u32(&r, &sub) || sub != 12 || !wasm_read_fixed64(&r, &top[0]) || !wasm_read_fixed64(&r, &top[1])) {
        if (!err->failed) wr_error_set(err, "constant expression required");
        return false;
      }
      sp++;
      break;
    }
    case WASM_OPCODE_ref_null: {
      uint8_t t;
      if (!wasm_read_u8(&r, &t)) return false;
      top[0] = 0;
      sp++;
      break;
    }
    case WASM_OPCODE_ref_func: {
      uint32_t idx;
      if (!wasm_read_u32(&r, &idx)) return false;
      if (idx >= m->nfunc_imports + m->nfuncs) {
        wr_error_set(err, "unknown function %u", idx);
        return false;
      }
      top[0] = (uintptr_t)wasm_instance_func(inst, idx);
      sp++;
      break;
    }
    case WASM_OPCODE_global_get: {
      uint32_t idx;
      if (!wasm_read_u32(&r, &idx)) return false;
      if (idx >= m->nglobal_imports + m->nglobals || !inst->globals[idx]) {
        wr_error_set(err, "unknown global %u", idx);
        return false;
      }
      top[0] = inst->globals[idx]->value[0];
      top[1] = inst->globals[idx]->value[1];
      sp++;
      break;
    }
    case WASM_OPCODE_i32_add: case WASM_OPCODE_i32_sub: case WASM_OPCODE_i32_mul:
    case WASM_OPCODE_i64_add: case WASM_OPCODE_i64_sub: case WASM_OPCODE_i64_mul: {
      if (sp < 2) {
        wr_error_set(err, "type mismatch in constant expression");
        return false;
      }
      uint64_t a = stack[sp - 2][0], b = stack[sp - 1][0], v;
      if (op == WASM_OPCODE_i32_add || op == WASM_OPCODE_i64_add) v = a + b;
      else if (op == WASM_OPCODE_i32_sub || op == WASM_OPCODE_i64_sub) v = a - b;
      else v = a * b;
      if (op <= WASM_OPCODE_i32_mul) v = (uint32_t)v;
      sp--;
      stack[sp - 1][0] = v;
      break;
    }
    default:
      wr_error_set(err, "constant expression required");
      return false;
    }
  }
  if (sp != 1) {
    wr_error_set(err, "type mismatch in constant expression");
    return false;
  }
  out[0] = stack[0][0];
  out[1] = stack[0][1];
  return true;
}

/* ---- instantiation ---- */

static wasm_trap *trap_of(wasm_store *store, wasm_trap_kind kind) {
  return wasm_trap_new(store, kind, "%s", wasm_trap_kind_message(kind));
}

/* The references of an element segment, evaluated into out[0 .. seg->count). */
static bool elem_refs(wasm_instance *inst, const wasm_elem_segment *seg, void **out, wr_error *err) {
  const wasm_module *m = inst->module;
  for (uint32_t k = 0; k < seg->count; k++) {
    if (seg->func_indices) {
      if (seg->func_indices[k] >= m->nfunc_imports + m->nfuncs) {
        wr_error_set(err, "unknown function %u", seg->func_indices[k]);
        return false;
      }
      out[k] = wasm_instance_func(inst, seg->func_indices[k]);
    } else {
      wasm_slot v[2];
      if (!eval_const(inst, seg->exprs[k], v, err)) return false;
      out[k] = (void *)(uintptr_t)v[0];
    }
  }
  return true;
}

/* Active and declarative segments, in module order; the first failure stops (earlier
 * writes stay, as the spec requires). */
static wasm_trap *apply_segments(wasm_instance *inst, wr_error *err, bool *failed) {
  const wasm_module *m = inst->module;
  wasm_store *store = inst->store;
  wasm_slot v[2];
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wasm_elem_segment *seg = &m->elems[i];
    /* a defined table made from its image (segments.c) holds its active segments already */
    if (seg->mode == WASM_SEG_ACTIVE && !(seg->table >= m->ntable_imports && m->code->table_images[seg->table - m->ntable_imports])) {
      if (!eval_const(inst, seg->offset, v, err)) {
        *failed = true;
        return NULL;
      }
      wasm_table *t = inst->tables[seg->table];
      uint64_t offset = (uint32_t)v[0];
      if (offset + inst->elem_len[i] > t->size) return trap_of(store, WASM_TRAP_TABLE_OUT_OF_BOUNDS);
      void **lazy = m->code->elem_lazy_entries[i];
      if (lazy) {
        memcpy(t->elems + offset, lazy, seg->count * sizeof *lazy);
        t->lazy_owner = inst;
      } else if (!elem_refs(inst, seg, t->elems + offset, err)) {
        *failed = true;
        return NULL;
      }
    }
    if (seg->mode != WASM_SEG_PASSIVE) inst->elem_len[i] = 0;
  }
  /* the active segments no memory image holds (wasm_images_plan_segments) */
  for (uint32_t k = 0; k < m->code->ndata_to_copy; k++) {
    uint32_t i = m->code->data_to_copy[k];
    const wasm_data_segment *seg = &m->datas[i];
    if (!eval_const(inst, seg->offset, v, err)) {
      *failed = true;
      return NULL;
    }
    wasm_memory *mem = inst->memories[seg->memory];
    uint64_t offset = mem->type.limits.is64 ? v[0] : (uint32_t)v[0];
    if (offset > mem->size || seg->data_len > mem->size - offset)
      return trap_of(store, WASM_TRAP_MEMORY_OUT_OF_BOUNDS);
    if (seg->data_len) memcpy(mem->base + offset, m->bytes + seg->data_offset, seg->data_len);
  }
  return NULL;
}

static bool create_objects(wasm_instance *inst, const wasm_extern *imports, wr_error *err) {
  const wasm_module *m = inst->module;
  wasm_store *store = inst->store;
  uint32_t fi = 0, ti = 0, mi = 0, gi = 0, tagi = 0;
  for (uint32_t i = 0; i < m->nimports; i++) {
    switch (imports[i].kind) {
    case WASM_EXTERN_FUNC: wasm_instance_set_func(inst, fi++, imports[i].of.func); break;
    case WASM_EXTERN_TABLE: inst->tables[ti++] = imports[i].of.table; break;
    case WASM_EXTERN_MEMORY: inst->memories[mi++] = imports[i].of.memory; break;
    case WASM_EXTERN_GLOBAL: inst->globals[gi++] = imports[i].of.global; break;
    case WASM_EXTERN_TAG: inst->tags[tagi++] = imports[i].of.tag; break;
    default:
      wr_error_set(err, "unsupported import kind");
      return false;
    }
  }
  for (uint32_t i = 0; i < m->ntables; i++) {
    void **image = m->code->table_images[i];
    inst->tables[ti] = image ? wasm_table_new_from_image(store, &m->tables[i], image, inst)
                             : wasm_table_new(store, &m->tables[i], NULL, err);
    if (!inst->tables[ti++]) return false;
  }
  for (uint32_t i = 0; i < m->nmemories; i++) {
    const wasm_memory_image *image = &m->code->images[i];
    wasm_memory *mem = image->present ? wasm_memory_new_from_image(store, &m->memories[i], image, err)
                                      : wasm_memory_new(store, &m->memories[i], err);
    if (!mem) return false;
    inst->memories[mi++] = mem;
  }
  for (uint32_t i = 0; i < m->ntags; i++) inst->tags[tagi++] = wasm_tag_new(store, inst->types[m->tags[i]]);
  for (uint32_t i = 0; i < m->nglobals; i++) {
    wasm_slot v[2];
    if (!eval_const(inst, m->globals[i].init, v, err)) return false;
    inst->globals[gi++] = wasm_global_new(store, m->globals[i].type, v);
  }
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wasm_elem_segment *seg = &m->elems[i];
    inst->elem_len[i] = seg->count;
    /* an active segment's references go straight into its table (apply_segments); a
     * declarative one is dropped at once */
    if (seg->mode != WASM_SEG_PASSIVE) continue;
    inst->elem_refs[i] = WR_NEW_ARRAY(void *, seg->count ? seg->count : 1);
    if (!elem_refs(inst, seg, inst->elem_refs[i], err)) return false;
  }
  /* as they are once instantiated: every active segment is dropped (apply_segments copies them) */
  if (m->ndatas) memcpy(inst->data_len, m->code->data_len_after_init, m->ndatas * sizeof *inst->data_len);
  return true;
}

/* The end of a part of `bytes` placed at `at` in the instance's block, aligned for the next. */
static size_t instance_block_size(size_t at, size_t bytes) { return (at + bytes + 15) & ~(size_t)15; }

wasm_instance *wasm_instantiate(wasm_store *store, const wasm_module *module, const wasm_extern *imports,
                                uint32_t nimports, wasm_trap **trap_out, wr_error *err) {
  if (trap_out) *trap_out = NULL;
  if (!module->code) {
    wr_error_set(err, "module was not compiled (use wasm_module_load)");
    return NULL;
  }
  if (nimports < module->nimports) {
    const wasm_import *missing = &module->imports[nimports];
    wr_error_set(err, "unknown import \"%s\" \"%s\"", missing->module.data, missing->name.data);
    return NULL;
  }
  for (uint32_t i = 0; i < module->nimports; i++)
    if (!wasm_extern_matches(module, &module->imports[i], &imports[i], err)) return NULL;

  const wasm_module *m = module;
  /* The instance and its index spaces in one block: a store per request makes many instances.
   * All but the function index space is zeroed; that one (12,700 pointers for StarlingMonkey)
   * comes last and is read only where its bit in funcs_made says it was written. */
  size_t nfuncs = m->nfunc_imports + (size_t)m->nfuncs;
  size_t at = instance_block_size(0, sizeof(wasm_instance));
  size_t made_at = at, funcs_at, tables_at, memories_at, globals_at, tags_at, elem_refs_at, elem_len_at, data_len_at;
  at = instance_block_size(made_at, (nfuncs / 64 + 1) * sizeof(uint64_t));
  at = instance_block_size(tables_at = at, (m->ntable_imports + (size_t)m->ntables + 1) * sizeof(wasm_table *));
  at = instance_block_size(memories_at = at, (m->nmemory_imports + (size_t)m->nmemories + 1) * sizeof(wasm_memory *));
  at = instance_block_size(globals_at = at, (m->nglobal_imports + (size_t)m->nglobals + 1) * sizeof(wasm_global *));
  at = instance_block_size(tags_at = at, (m->ntag_imports + (size_t)m->ntags + 1) * sizeof(wasm_tag *));
  at = instance_block_size(elem_refs_at = at, ((size_t)m->nelems + 1) * sizeof(void **));
  at = instance_block_size(elem_len_at = at, ((size_t)m->nelems + 1) * sizeof(uint32_t));
  at = instance_block_size(data_len_at = at, ((size_t)m->ndatas + 1) * sizeof(uint32_t));
  funcs_at = at;
  at = instance_block_size(funcs_at, (nfuncs + 1) * sizeof(wasm_func *));
  uint8_t *block = wr_malloc(at);
  memset(block, 0, funcs_at);
  wasm_instance *inst = (wasm_instance *)block;
  WR_VEC_PUSH(&store->instances, inst);
  inst->store = store;
  inst->module = module;
  inst->types = m->code->types;
  inst->funcs = (wasm_func **)(block + funcs_at);
  inst->funcs_made = (uint64_t *)(block + made_at);
  inst->tables = (wasm_table **)(block + tables_at);
  inst->memories = (wasm_memory **)(block + memories_at);
  inst->globals = (wasm_global **)(block + globals_at);
  inst->tags = (wasm_tag **)(block + tags_at);
  inst->elem_refs = (void ***)(block + elem_refs_at);
  inst->elem_len = (uint32_t *)(block + elem_len_at);
  inst->data_len = (uint32_t *)(block + data_len_at); /* create_objects fills it */
  if (!create_objects(inst, imports, err)) return NULL;

  bool failed = false;
  wasm_trap *trap = apply_segments(inst, err, &failed);
  if (failed) return NULL;
  if (!trap && m->has_start) {
    wasm_slot none[1] = {0};
    trap = wasm_func_call(store, wasm_instance_func(inst, m->start), none);
  }
  if (trap) {
    if (trap_out) *trap_out = trap;
    wr_error_set(err, "%s", trap->message);
    return NULL;
  }
  return inst;
}

bool wasm_instance_export(wasm_instance *instance, const char *name, size_t name_len, wasm_extern *out) {
  uint32_t i;
  return wasm_module_find_export(instance->module, name, name_len, &i) && wasm_instance_export_at(instance, i, out);
}

bool wasm_instance_export_at(wasm_instance *instance, uint32_t export_index, wasm_extern *out) {
  const wasm_module *m = instance->module;
  if (export_index >= m->nexports) return false;
  const wasm_export *e = &m->exports[export_index];
  out->kind = e->kind;
  switch (e->kind) {
  case WASM_EXTERN_FUNC: out->of.func = wasm_instance_func(instance, e->index); break;
  case WASM_EXTERN_TABLE: out->of.table = instance->tables[e->index]; break;
  case WASM_EXTERN_MEMORY: out->of.memory = instance->memories[e->index]; break;
  case WASM_EXTERN_GLOBAL: out->of.global = instance->globals[e->index]; break;
  case WASM_EXTERN_TAG: out->of.tag = instance->tags[e->index]; break;
  default: return false;
  }
  return true;
}

const wasm_module *wasm_instance_module(const wasm_instance *instance) { return instance->module; }
