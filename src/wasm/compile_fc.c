/* 0xFC prefix instructions: bulk memory (memory.init / copy / fill, data.drop) and tables
 * (table.init / copy / grow / size / fill, elem.drop); the saturating truncations are
 * fixed-signature (compile_numeric.c), table.get / table.set one-byte (compile_values.c). */
#include "compile_internal.h"

/* The three operands (destination, source or value, length) the bulk instructions end with. */
static void emit_bulk_operands(compiler *c, const operand v[3]) {
  for (int k = 0; k < 3; k++) emit(c, v[k].where);
}

static bool compile_bulk_memory(compiler *c, uint32_t sub) {
  const wasm_module *m = c->module;
  uint32_t data;
  operand v[3];
  switch (sub) {
  case WASM_FC_memory_init:
    if (!read_index(c, &data, m->ndatas, "unknown data segment") || !compile_read_memory_index(c)) return false;
    if (!pop_n(c, v, 3)) return false;
    emit_op(c, WASM_IOP_memory_init);
    emit(c, data);
    break;
  case WASM_FC_data_drop:
    if (!read_index(c, &data, m->ndatas, "unknown data segment")) return false;
    emit_op(c, WASM_IOP_data_drop);
    emit(c, data);
    return true;
  case WASM_FC_memory_copy: {
    uint32_t to, from;
    if (!wasm_read_u32(&c->r, &to) || !wasm_read_u32(&c->r, &from) || !pop_n(c, v, 3)) return false;
    if (to == from) {
      if (!compile_note_memory(c, to)) return false;
      emit_op(c, WASM_IOP_memory_copy);
      break;
    }
    uint32_t nmemories = m->nmemory_imports + m->nmemories;
    if (to >= nmemories || from >= nmemories) return fail(c, "unknown memory");
    emit_op(c, WASM_IOP_memory_copy_between);
    emit(c, to);
    emit(c, from);
    break;
  }
  default: /* WASM_FC_memory_fill */
    if (!compile_read_memory_index(c) || !pop_n(c, v, 3)) return false;
    emit_op(c, WASM_IOP_memory_fill);
    break;
  }
  emit_bulk_operands(c, v);
  return true;
}

static bool compile_bulk_table(compiler *c, uint32_t sub) {
  const wasm_module *m = c->module;
  uint32_t i1, i2, dst;
  operand v[3];
  switch (sub) {
  case WASM_FC_table_init:
    if (!read_index(c, &i1, m->nelems, "unknown elem segment") ||
        !read_index(c, &i2, ntables_total(c), "unknown table") || !pop_n(c, v, 3))
      return false;
    emit_op(c, WASM_IOP_table_init);
    emit(c, i2);
    emit(c, i1);
    break;
  case WASM_FC_elem_drop:
    if (!read_index(c, &i1, m->nelems, "unknown elem segment")) return false;
    emit_op(c, WASM_IOP_elem_drop);
    emit(c, i1);
    return true;
  case WASM_FC_table_copy:
    if (!read_index(c, &i1, ntables_total(c), "unknown table") ||
        !read_index(c, &i2, ntables_total(c), "unknown table") || !pop_n(c, v, 3))
      return false;
    emit_op(c, WASM_IOP_table_copy);
    emit(c, i1);
    emit(c, i2);
    break;
  case WASM_FC_table_grow:
    if (!read_index(c, &i1, ntables_total(c), "unknown table") || !pop_n(c, v, 2)) return false;
    dst = push(c, WASM_I32);
    emit_op(c, WASM_IOP_table_grow);
    emit(c, dst);
    emit(c, i1);
    emit(c, v[0].where);
    emit(c, v[1].where);
    return true;
  case WASM_FC_table_size:
    if (!read_index(c, &i1, ntables_total(c), "unknown table")) return false;
    dst = push(c, WASM_I32);
    emit_op(c, WASM_IOP_table_size);
    emit(c, dst);
    emit(c, i1);
    return true;
  default: /* WASM_FC_table_fill */
    if (!read_index(c, &i1, ntables_total(c), "unknown table") || !pop_n(c, v, 3)) return false;
    emit_op(c, WASM_IOP_table_fill);
    emit(c, i1);
    break;
  }
  emit_bulk_operands(c, v);
  return true;
}

bool compile_fc(compiler *c) {
  uint32_t sub;
  if (!wasm_read_u32(&c->r, &sub)) return false;
  if (compile_is_fc_numeric(sub)) return compile_fc_numeric(c, sub);
  switch (sub) {
  case WASM_FC_memory_init: case WASM_FC_data_drop: case WASM_FC_memory_copy: case WASM_FC_memory_fill:
    return compile_bulk_memory(c, sub);
  case WASM_FC_table_init: case WASM_FC_elem_drop: case WASM_FC_table_copy: case WASM_FC_table_grow:
  case WASM_FC_table_size: case WASM_FC_table_fill:
    return compile_bulk_table(c, sub);
  default:
    return fail(c, "unknown 0xFC opcode");
  }
}
