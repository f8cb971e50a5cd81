/* Translation of validated function bodies into the slot-addressed internal code of compile.h:
 * the driver. It lays out each function's frame, walks the body one instruction at a time,
 * handing each to the file of its family (compile_internal.h lists them), and hands the result
 * over (wasm_compile: every function at load, with the native tier; wasm_compile_function: one,
 * for lazy translation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "compile_internal.h"
#include "image.h"
#include "native.h"

/* One instruction, by the family that compiles it. */
static bool compile_op(compiler *c, uint8_t op) {
  switch (op) {
  case WASM_OPCODE_unreachable: return compile_unreachable(c);
  case WASM_OPCODE_nop: return true;
  case WASM_OPCODE_block: return compile_block(c, CTRL_BLOCK);
  case WASM_OPCODE_loop: return compile_block(c, CTRL_LOOP);
  case WASM_OPCODE_if: return compile_if(c);
  case WASM_OPCODE_else: return compile_else(c);
  case WASM_OPCODE_end: return compile_end(c);
  case WASM_OPCODE_br: return compile_br(c);
  case WASM_OPCODE_br_if: return compile_br_if(c);
  case WASM_OPCODE_br_table: return compile_br_table(c);
  case WASM_OPCODE_return: return compile_return(c);
  case WASM_OPCODE_try: return compile_try(c);
  case WASM_OPCODE_catch: case WASM_OPCODE_catch_all: return compile_catch(c, op);
  case WASM_OPCODE_delegate: return compile_delegate(c);
  case WASM_OPCODE_throw: return compile_throw(c);
  case WASM_OPCODE_rethrow: return compile_rethrow(c);
  case WASM_OPCODE_try_table: return compile_try_table(c);
  case WASM_OPCODE_throw_ref: return compile_throw_ref(c);
  case WASM_OPCODE_call: return compile_call(c);
  case WASM_OPCODE_call_indirect: return compile_call_indirect(c);
  case WASM_OPCODE_return_call: return compile_return_call(c);
  case WASM_OPCODE_return_call_indirect: return compile_return_call_indirect(c);
  case WASM_OPCODE_drop: return compile_drop(c);
  case WASM_OPCODE_select: case WASM_OPCODE_select_t: return compile_select(c, op == WASM_OPCODE_select_t);
  case WASM_OPCODE_local_get: return compile_local_get(c);
  case WASM_OPCODE_local_set: case WASM_OPCODE_local_tee: return compile_local_set(c, op == WASM_OPCODE_local_tee);
  case WASM_OPCODE_global_get: return compile_global_get(c);
  case WASM_OPCODE_global_set: return compile_global_set(c);
  case WASM_OPCODE_table_get: return compile_table_get(c);
  case WASM_OPCODE_table_set: return compile_table_set(c);
  case WASM_OPCODE_memory_size: return compile_memory_size(c);
  case WASM_OPCODE_memory_grow: return compile_memory_grow(c);
  case WASM_OPCODE_i32_const: case WASM_OPCODE_i64_const: case WASM_OPCODE_f32_const: case WASM_OPCODE_f64_const:
  case WASM_OPCODE_ref_null:
    return compile_const(c, op);
  case WASM_OPCODE_ref_is_null: return compile_ref_is_null(c);
  case WASM_OPCODE_ref_func: return compile_ref_func(c);
  case WASM_OPCODE_PREFIX_FC: return compile_fc(c);
  case WASM_OPCODE_PREFIX_FD: return compile_simd(c);
  default: break;
  }
  if (op >= WASM_OPCODE_i32_load && op <= WASM_OPCODE_i64_store32) return compile_memory_access(c, op);
  return compile_numeric(c, op);
}

/* WARREN_DUMP_CODE=1 prints every compiled body (opcode name, then its operand words), to
 * see what the compiler makes of a hot loop. */
static void dump_code(compiler *c, uint32_t func_index) {
  static const char *const names[] = {
#define X(name) #name,
#include "iops.inc"
#undef X
  };
  size_t n = c->op_starts.len;
  fprintf(stderr, "func %u: %zu words, %u locals slots, %u consts\n", func_index, c->code.len, c->nlocal_slots,
          (uint32_t)c->consts.len);
  for (size_t i = 0; i < n; i++) {
    uint32_t start = c->op_starts.items[i], end = i + 1 < n ? c->op_starts.items[i + 1] : (uint32_t)c->code.len;
    uint32_t op = c->code.items[start];
    fprintf(stderr, "  %5u %s", start, op < WASM_IOP_COUNT ? names[op] : "?");
    for (uint32_t w = start + 1; w < end; w++) fprintf(stderr, " %u", c->code.items[w]);
    fputc('\n', stderr);
  }
}

static void free_locals(compiler *c) {
  wr_free(c->local_slot);
  wr_free(c->local_type);
  c->local_slot = NULL;
  c->local_type = NULL;
}

/* Vector temporaries of a function with SIMD instructions (push_result): enough for the vectors
 * an expression keeps on the stack at once; deeper ones use their canonical slots. */
#define VECTOR_TEMPS 8

/* The frame: params and declared locals first (c->local_slot / local_type), then the hidden
 * locals for caught exceptions, the constant pool, the vector temporaries and the operand stack.
 * *nparam_slots: the
 * slots the params take. */
static bool lay_out_frame(compiler *c, const wasm_func_def *def, const wasm_functype *type, uint32_t *nparam_slots) {
  uint64_t nlocals = (uint64_t)type->nparams + def->nlocals;
  if (nlocals > MAX_FRAME_SLOTS / 2) return fail(c, "too many locals");
  c->nlocals = (uint32_t)nlocals;
  c->local_slot = wr_malloc((nlocals + 1) * sizeof(uint32_t));
  c->local_type = wr_malloc(nlocals + 1);
  uint32_t slot = 0, k = 0;
  for (uint32_t i = 0; i < type->nparams; i++, k++) {
    c->local_type[k] = type->types[i];
    c->local_slot[k] = slot;
    slot += wasm_type_slots(type->types[i]);
  }
  *nparam_slots = slot;
  for (uint32_t g = 0; g < def->nlocal_groups; g++) {
    for (uint32_t i = 0; i < def->local_groups[g].count && k < nlocals; i++, k++) {
      c->local_type[k] = def->local_groups[g].type;
      c->local_slot[k] = slot;
      slot += wasm_type_slots(def->local_groups[g].type);
    }
  }
  c->exn_base = slot;
  slot += compile_count_try_depth(c->module, def);
  if (slot > MAX_FRAME_SLOTS / 2) {
    free_locals(c);
    return fail(c, "too many locals");
  }
  c->nlocal_slots = slot;
  bool uses_simd;
  c->const_cap = compile_count_constants(c->module, def, &uses_simd);
  c->vector_temps = uses_simd ? VECTOR_TEMPS : 0;
  c->stack_base = slot + c->const_cap + 2 * c->vector_temps;
  c->max_slot = c->stack_base;
  c->nresult_slots = types_slots(wasm_functype_results(type), type->nresults);
  reserve_slots(c, c->nresult_slots);
  return true;
}

/* Resets the per-function state and opens the function's own block. */
static void begin_body(compiler *c, const wasm_func_def *def, const wasm_functype *type) {
  const wasm_module *m = c->module;
  c->handlers.len = c->catches.len = 0;
  c->consts.len = 0;
  c->r = wasm_reader_at(m->bytes, def->body_offset, def->body_end, c->err);
  c->code.len = c->stack.len = c->ctrls.len = c->op_starts.len = 0;
  c->label_pos = 0;
  c->unreachable = false;
  c->skip_depth = 0;
  c->last_dst = NO_POS;
  ctrl fn = {0};
  fn.handler = NO_POS;
  fn.exn_slot = NO_POS;
  fn.kind = CTRL_FUNC;
  fn.params = wasm_functype_params(type);
  fn.results = wasm_functype_results(type);
  fn.nresults = type->nresults;
  fn.else_fixup = NO_POS;
  WR_VEC_PUSH(&c->ctrls, fn);
}

/* Every instruction up to the function's final end (unreachable stretches skipped). */
static bool translate_body(compiler *c) {
  bool ok = true;
  while (ok && c->ctrls.len > 0) {
    uint8_t op;
    if (!wasm_read_u8(&c->r, &op)) {
      ok = false;
      break;
    }
    if (c->unreachable) {
      bool handled;
      ok = compile_skip_unreachable(c, op, &handled);
      if (!ok || handled) continue;
    }
    c->memidx = 0;
    c->mem64 = false;
    c->mem_offset = 0;
    ok = compile_op(c, op);
    if (ok && (c->memidx || c->mem64)) compile_prefix_memory(c);
  }
  for (size_t i = 0; i < c->ctrls.len; i++) {
    WR_VEC_FREE(&c->ctrls.items[i].fixups);
    WR_VEC_FREE(&c->ctrls.items[i].catches);
  }
  return ok;
}

/* Copies the translation into `out`: code, handlers, and the frame's initial values (zeroed
 * locals, then the constant pool). */
static void finish_function(compiler *c, uint32_t nparam_slots, wasm_compiled_func *out) {
  out->code = wr_malloc((c->code.len ? c->code.len : 1) * sizeof(uint32_t));
  memcpy(out->code, c->code.items, c->code.len * sizeof(uint32_t));
  out->code_len = (uint32_t)c->code.len;
  out->nhandlers = (uint32_t)c->handlers.len;
  out->handlers = NULL;
  out->catches = NULL;
  if (c->handlers.len) {
    out->handlers = WR_NEW_ARRAY(wasm_eh_handler, c->handlers.len);
    memcpy(out->handlers, c->handlers.items, c->handlers.len * sizeof(wasm_eh_handler));
    out->catches = WR_NEW_ARRAY(wasm_eh_catch, c->catches.len ? c->catches.len : 1);
    if (c->catches.len) memcpy(out->catches, c->catches.items, c->catches.len * sizeof(wasm_eh_catch));
  }
  out->nparam_slots = nparam_slots;
  out->nresult_slots = c->nresult_slots;
  out->nlocal_slots = c->nlocal_slots;
  out->init_len = c->nlocal_slots - nparam_slots + (uint32_t)c->consts.len;
  out->init = WR_NEW_ARRAY(uint64_t, out->init_len ? out->init_len : 1);
  if (c->consts.len)
    memcpy(out->init + (c->nlocal_slots - nparam_slots), c->consts.items, c->consts.len * sizeof(uint64_t));
  out->frame_slots = c->max_slot;
}

static bool compile_function(compiler *c, uint32_t def_index, wasm_compiled_func *out) {
  const wasm_module *m = c->module;
  const wasm_func_def *def = &m->funcs[def_index];
  const wasm_functype *type = &m->types[def->type];
  uint32_t nparam_slots = 0; /* zeroed: gcc -Os cannot see that lay_out_frame sets it when it succeeds */
  if (!lay_out_frame(c, def, type, &nparam_slots)) return false;
  begin_body(c, def, type);
  bool ok = translate_body(c);
  free_locals(c);
  if (!ok) return false;
  if (c->err->failed) return false;
  compile_use_immediates(c);
  if (c->dump) dump_code(c, m->nfunc_imports + def_index);
  finish_function(c, nparam_slots, out);
  return true;
}

/* A compiler for `module`'s functions: the widths of its memories are looked up once. */
static void compiler_init(compiler *c, const wasm_module *module, wr_error *err) {
  memset(c, 0, sizeof *c);
  c->module = module;
  c->err = err;
  c->dump = getenv("WARREN_DUMP_CODE") != NULL;
  uint32_t nmemories = module->nmemory_imports + module->nmemories;
  c->memory_is64 = WR_NEW_ARRAY(bool, nmemories ? nmemories : 1);
  for (uint32_t i = 0; i < nmemories; i++) c->memory_is64[i] = wasm_module_memory_type(module, i).limits.is64;
}

static void compiler_free(compiler *c) {
  WR_VEC_FREE(&c->code);
  WR_VEC_FREE(&c->stack);
  WR_VEC_FREE(&c->ctrls);
  WR_VEC_FREE(&c->consts);
  WR_VEC_FREE(&c->op_starts);
  WR_VEC_FREE(&c->handlers);
  WR_VEC_FREE(&c->catches);
  wr_free(c->memory_is64);
}

bool wasm_compile_function(const wasm_module *module, uint32_t def_index, wasm_compiled_func *out,
                           wasm_op_starts *op_starts, wr_error *err) {
  compiler c;
  compiler_init(&c, module, err);
  bool ok = compile_function(&c, def_index, out);
  if (!ok) wr_error_prefix(err, "in function %u: ", module->nfunc_imports + def_index);
  if (ok && op_starts) {
    op_starts->items = c.op_starts.items;
    op_starts->len = c.op_starts.len;
    c.op_starts.items = NULL; /* handed over */
  }
  compiler_free(&c);
  return ok;
}

bool wasm_compile(wasm_module *module, wr_error *err) {
  if (wasm_compile_lazy_enabled()) return wasm_compile_lazy(module, err);
  compiler c;
  compiler_init(&c, module, err);
  struct wasm_code *code = WR_NEW(struct wasm_code);
  code->funcs = WR_NEW_ARRAY(wasm_compiled_func, module->nfuncs ? module->nfuncs : 1);
  code->nfuncs = module->nfuncs;
  wasm_native_builder *native = wasm_native_begin(module);
  bool ok = true;
  for (uint32_t i = 0; i < module->nfuncs && ok; i++) {
    ok = compile_function(&c, i, &code->funcs[i]);
    if (!ok) wr_error_prefix(err, "in function %u: ", module->nfunc_imports + i);
    /* a function the native tier cannot take leaves the whole module to the interpreter; so
     * does exception handling, whose unwinding only the interpreter does (native frames pass
     * an exception on as a trap) */
    if (ok && native && (c.throws || !wasm_native_add(native, i, &code->funcs[i], c.op_starts.items, c.op_starts.len))) {
      wasm_native_abandon(native);
      native = NULL;
    }
  }
  if (ok && native) wasm_native_finish(native, code);
  else wasm_native_abandon(native);
  for (uint32_t i = 0; ok && i < module->nfuncs; i++) atomic_init(&code->funcs[i].ready, true);
  compiler_free(&c);
  if (!ok) {
    wasm_code_free(code);
    return false;
  }
  module->code = code;
  return true;
}

void wasm_code_free(struct wasm_code *code) {
  if (!code) return;
  wasm_lazy_free(code->lazy);
  for (uint32_t i = 0; i < code->nfuncs; i++) {
    wr_free(code->funcs[i].code);
    wr_free(code->funcs[i].init);
    wr_free(code->funcs[i].handlers);
    wr_free(code->funcs[i].catches);
  }
  wr_free(code->funcs);
  wr_free(code->types);
  wr_free(code->param_slots);
  wr_free(code->result_slots);
  wasm_images_free(code);
  wasm_code_free_segment_plan(code);
  wasm_native_free(code->native);
  wasm_cached_code_free(code->cached);
  wr_free(code);
}

void wasm_code_intern_types(wasm_module *module) {
  struct wasm_code *code = module->code;
  uint32_t n = module->ntypes ? module->ntypes : 1;
  code->types = WR_NEW_ARRAY(const wasm_functype *, n);
  code->param_slots = WR_NEW_ARRAY(uint32_t, n);
  code->result_slots = WR_NEW_ARRAY(uint32_t, n);
  for (uint32_t i = 0; i < module->ntypes; i++) {
    const wasm_functype *t = &module->types[i];
    code->types[i] = wasm_type_canonical(t);
    code->param_slots[i] = wasm_slot_count(wasm_functype_params(t), t->nparams);
    code->result_slots[i] = wasm_slot_count(wasm_functype_results(t), t->nresults);
  }
}
