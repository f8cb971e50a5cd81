/* Host-side component values: construction and comparison. */
#include "value.h"

#include <string.h>

cm_val cm_val_seq(cm_arena *arena, uint32_t count) {
  cm_val v = {.u.seq = {.items = cm_arena_array(arena, count, sizeof(cm_val)), .count = count}};
  return v;
}

cm_val cm_val_case(cm_arena *arena, uint32_t index, const cm_val *payload) {
  cm_val v = {.u.cs = {.index = index}};
  if (payload) {
    v.u.cs.payload = cm_arena_alloc(arena, sizeof(cm_val));
    *v.u.cs.payload = *payload;
  }
  return v;
}

uint32_t cm_case_count(const cm_valtype *type) {
  return type->kind == CM_OPTION || type->kind == CM_RESULT ? 2 : type->count;
}

const cm_valtype *cm_case_type(const cm_valtype *type, uint32_t index) {
  switch (type->kind) {
  case CM_VARIANT: return index < type->count ? type->fields[index].type : NULL;
  case CM_OPTION: return index == 1 ? type->elem : NULL;
  case CM_RESULT: return index == 0 ? type->elem : index == 1 ? type->err : NULL;
  default: return NULL;
  }
}

bool cm_val_equal(const cm_valtype *type, const cm_val *a, const cm_val *b) {
  switch (type->kind) {
  case CM_BOOL: return a->u.b == b->u.b;
  case CM_S8: case CM_S16: case CM_S32: case CM_S64: return a->u.s == b->u.s;
  case CM_U8: case CM_U16: case CM_U32: case CM_U64: return a->u.u == b->u.u;
  case CM_F32: return memcmp(&a->u.f32, &b->u.f32, sizeof(float)) == 0;
  case CM_F64: return memcmp(&a->u.f64, &b->u.f64, sizeof(double)) == 0;
  case CM_CHAR: return a->u.ch == b->u.ch;
  case CM_STRING:
    return a->u.str.len == b->u.str.len && (a->u.str.len == 0 || memcmp(a->u.str.data, b->u.str.data, a->u.str.len) == 0);
  case CM_LIST:
  case CM_FIXED_LIST:
  case CM_MAP:
    if (a->u.seq.count != b->u.seq.count) return false;
    for (uint32_t i = 0; i < a->u.seq.count; i++)
      if (!cm_val_equal(type->elem, &a->u.seq.items[i], &b->u.seq.items[i])) return false;
    return true;
  case CM_RECORD:
  case CM_TUPLE:
    for (uint32_t i = 0; i < type->count; i++)
      if (!cm_val_equal(type->fields[i].type, &a->u.seq.items[i], &b->u.seq.items[i])) return false;
    return true;
  case CM_ENUM: return a->u.cs.index == b->u.cs.index;
  case CM_VARIANT:
  case CM_OPTION:
  case CM_RESULT: {
    if (a->u.cs.index != b->u.cs.index) return false;
    const cm_valtype *payload = cm_case_type(type, a->u.cs.index);
    return !payload || cm_val_equal(payload, a->u.cs.payload, b->u.cs.payload);
  }
  case CM_FLAGS: return a->u.flags == b->u.flags;
  case CM_OWN:
  case CM_BORROW: return a->u.rep == b->u.rep;
  default: return false;
  }
}
