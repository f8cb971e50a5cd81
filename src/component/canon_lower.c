/* Lowering: host values (cm_val) into a guest's flat core values and linear memory
 * (CanonicalABI.md lower_flat, store). */
#include "canon.h"

#include <math.h>
#include <string.h>

#define TRAP(cx, ...) wasm_trap_new((cx)->store, WASM_TRAP_HOST, __VA_ARGS__)

/* NaNs cross the boundary canonical (the deterministic profile of maybe_scramble_nan). */
static uint32_t f32_bits(float f) {
  uint32_t bits;
  if (isnan(f)) return 0x7fc00000u;
  memcpy(&bits, &f, 4);
  return bits;
}

static uint64_t f64_bits(double f) {
  uint64_t bits;
  if (isnan(f)) return 0x7ff8000000000000ull;
  memcpy(&bits, &f, 8);
  return bits;
}

static bool valid_char(uint32_t c) { return c < 0x110000 && (c < 0xD800 || c > 0xDFFF); }

static void put_le(const cm_canon_cx *cx, uint32_t ptr, uint64_t v, uint32_t n) {
  uint8_t *p = wasm_memory_data(cx->memory) + ptr;
  for (uint32_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static wasm_trap *store_seq(const cm_canon_cx *cx, const cm_valtype *elem, const cm_val *items, uint32_t count,
                            uint32_t ptr);

/* A list's elements into fresh guest memory (store_list_into_range). */
static wasm_trap *lower_list(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, uint32_t *ptr) {
  uint64_t bytes = (uint64_t)val->u.seq.count * type->elem->size;
  if (bytes > CM_MAX_LIST_BYTE_LENGTH) return TRAP(cx, "list too long (%u elements)", val->u.seq.count);
  wasm_trap *trap = cm_canon_realloc(cx, "list", 0, 0, type->elem->align, (uint32_t)bytes, ptr);
  if (trap) return trap;
  return store_seq(cx, type->elem, val->u.seq.items, val->u.seq.count, *ptr);
}

static wasm_trap *check_case(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val) {
  if (val->u.cs.index >= cm_case_count(type)) return TRAP(cx, "case index %u out of range", val->u.cs.index);
  if (cm_case_type(type, val->u.cs.index) && !val->u.cs.payload) return TRAP(cx, "case %u needs a payload", val->u.cs.index);
  return NULL;
}

static uint32_t flags_mask(const cm_valtype *type) {
  return type->count >= 32 ? UINT32_MAX : (1u << type->count) - 1;
}

static wasm_trap *store_value(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, uint32_t ptr) {
  wasm_trap *trap;
  switch (type->kind) {
  case CM_BOOL: put_le(cx, ptr, val->u.b ? 1 : 0, 1); return NULL;
  case CM_S8: case CM_U8: case CM_S16: case CM_U16: case CM_S32: case CM_U32: case CM_S64: case CM_U64:
    put_le(cx, ptr, val->u.u, type->size); /* two's complement truncation is the spec's wrap */
    return NULL;
  case CM_F32: put_le(cx, ptr, f32_bits(val->u.f32), 4); return NULL;
  case CM_F64: put_le(cx, ptr, f64_bits(val->u.f64), 8); return NULL;
  case CM_CHAR:
    if (!valid_char(val->u.ch)) return TRAP(cx, "invalid `char` bit pattern 0x%x", val->u.ch);
    put_le(cx, ptr, val->u.ch, 4);
    return NULL;
  case CM_STRING: {
    uint32_t sptr, units;
    if ((trap = cm_store_string(cx, val, &sptr, &units))) return trap;
    put_le(cx, ptr, sptr, 4);
    put_le(cx, ptr + 4, units, 4);
    return NULL;
  }
  case CM_LIST:
  case CM_MAP: {
    uint32_t lptr;
    if ((trap = lower_list(cx, type, val, &lptr))) return trap;
    put_le(cx, ptr, lptr, 4);
    put_le(cx, ptr + 4, val->u.seq.count, 4);
    return NULL;
  }
  case CM_FIXED_LIST:
    if (val->u.seq.count != type->count) return TRAP(cx, "fixed list of %u elements, not %u", type->count, val->u.seq.count);
    return store_seq(cx, type->elem, val->u.seq.items, type->count, ptr);
  case CM_RECORD:
  case CM_TUPLE:
    for (uint32_t i = 0; i < type->count; i++)
      if ((trap = store_value(cx, type->fields[i].type, &val->u.seq.items[i], ptr + type->fields[i].offset))) return trap;
    return NULL;
  case CM_VARIANT: case CM_ENUM: case CM_OPTION: case CM_RESULT: {
    if ((trap = check_case(cx, type, val))) return trap;
    put_le(cx, ptr, val->u.cs.index, type->disc_size);
    const cm_valtype *payload = cm_case_type(type, val->u.cs.index);
    return payload ? store_value(cx, payload, val->u.cs.payload, ptr + type->payload_offset) : NULL;
  }
  case CM_FLAGS: put_le(cx, ptr, val->u.flags & flags_mask(type), type->size); return NULL;
  case CM_OWN:
  case CM_BORROW: {
    uint32_t index;
    if ((trap = cm_lower_handle(cx, type, val->u.rep, &index))) return trap;
    put_le(cx, ptr, index, 4);
    return NULL;
  }
  default: {
    uint32_t index;
    if ((trap = cm_lower_async_value(cx, type, val, &index))) return trap;
    put_le(cx, ptr, index, 4);
    return NULL;
  }
  }
}

static wasm_trap *store_seq(const cm_canon_cx *cx, const cm_valtype *elem, const cm_val *items, uint32_t count,
                            uint32_t ptr) {
  for (uint32_t i = 0; i < count; i++) {
    wasm_trap *trap = store_value(cx, elem, &items[i], ptr + i * elem->size);
    if (trap) return trap;
  }
  return NULL;
}

wasm_trap *cm_store(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, uint32_t ptr) {
  if (ptr % type->align) return TRAP(cx, "unaligned pointer %u (alignment %u)", ptr, type->align);
  if (!cx->memory || (uint64_t)ptr + type->size > wasm_memory_size_bytes(cx->memory))
    return TRAP(cx, "pointer out of bounds (%u + %u bytes)", ptr, type->size);
  return store_value(cx, type, val, ptr);
}

/* Flat lowering into out[*n ...]; variant payloads are written with their own types, which
 * as 64-bit slots holding raw bits are already the joined types (i32 and f32 zero-extended). */
static wasm_trap *lower_flat(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, wasm_slot *out,
                             uint32_t *n) {
  wasm_trap *trap;
  switch (type->kind) {
  case CM_BOOL: out[(*n)++] = val->u.b ? 1 : 0; return NULL;
  case CM_S8: case CM_U8: case CM_S16: case CM_U16: case CM_S32: case CM_U32:
    out[(*n)++] = (uint32_t)val->u.u;
    return NULL;
  case CM_S64: case CM_U64: out[(*n)++] = val->u.u; return NULL;
  case CM_F32: out[(*n)++] = f32_bits(val->u.f32); return NULL;
  case CM_F64: out[(*n)++] = f64_bits(val->u.f64); return NULL;
  case CM_CHAR:
    if (!valid_char(val->u.ch)) return TRAP(cx, "invalid `char` bit pattern 0x%x", val->u.ch);
    out[(*n)++] = val->u.ch;
    return NULL;
  case CM_STRING: {
    uint32_t ptr, units;
    if ((trap = cm_store_string(cx, val, &ptr, &units))) return trap;
    out[(*n)++] = ptr;
    out[(*n)++] = units;
    return NULL;
  }
  case CM_LIST:
  case CM_MAP: {
    uint32_t ptr;
    if ((trap = lower_list(cx, type, val, &ptr))) return trap;
    out[(*n)++] = ptr;
    out[(*n)++] = val->u.seq.count;
    return NULL;
  }
  case CM_FIXED_LIST:
    if (val->u.seq.count != type->count) return TRAP(cx, "fixed list of %u elements, not %u", type->count, val->u.seq.count);
    for (uint32_t i = 0; i < type->count; i++)
      if ((trap = lower_flat(cx, type->elem, &val->u.seq.items[i], out, n))) return trap;
    return NULL;
  case CM_RECORD:
  case CM_TUPLE:
    for (uint32_t i = 0; i < type->count; i++)
      if ((trap = lower_flat(cx, type->fields[i].type, &val->u.seq.items[i], out, n))) return trap;
    return NULL;
  case CM_VARIANT: case CM_ENUM: case CM_OPTION: case CM_RESULT: {
    if ((trap = check_case(cx, type, val))) return trap;
    uint32_t end = *n + type->flat_count;
    out[(*n)++] = val->u.cs.index;
    const cm_valtype *payload = cm_case_type(type, val->u.cs.index);
    if (payload && (trap = lower_flat(cx, payload, val->u.cs.payload, out, n))) return trap;
    while (*n < end) out[(*n)++] = 0;
    return NULL;
  }
  case CM_FLAGS: out[(*n)++] = val->u.flags & flags_mask(type); return NULL;
  case CM_OWN:
  case CM_BORROW: {
    uint32_t index;
    if ((trap = cm_lower_handle(cx, type, val->u.rep, &index))) return trap;
    out[(*n)++] = index;
    return NULL;
  }
  default: {
    uint32_t index;
    if ((trap = cm_lower_async_value(cx, type, val, &index))) return trap;
    out[(*n)++] = index;
    return NULL;
  }
  }
}

wasm_trap *cm_lower_flat(const cm_canon_cx *cx, const cm_valtype *type, const cm_val *val, wasm_slot *out) {
  if (type->flat_count > CM_MAX_FLAT_PARAMS) return TRAP(cx, "canonical ABI: value too large to flatten");
  uint32_t n = 0;
  return lower_flat(cx, type, val, out, &n);
}

bool cm_params_layout(const cm_functype *ft, uint32_t *size, uint32_t *align) {
  uint64_t off = 0;
  uint32_t a = 1;
  for (uint32_t i = 0; i < ft->nparams; i++) {
    const cm_valtype *t = ft->params[i].type;
    off = (off + t->align - 1) / t->align * t->align + t->size;
    a = WR_MAX(a, t->align);
  }
  off = (off + a - 1) / a * a;
  *size = (uint32_t)off;
  *align = a;
  return off <= UINT32_MAX;
}

uint32_t cm_params_flat_count(const cm_functype *ft) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < ft->nparams && n <= CM_MAX_FLAT_PARAMS; i++) n += ft->params[i].type->flat_count;
  return n;
}

wasm_trap *cm_lower_args(const cm_canon_cx *cx, const cm_functype *ft, const cm_val *args, wasm_slot *slots,
                         uint32_t *nslots) {
  wasm_trap *trap;
  uint32_t n = 0;
  if (cm_params_flat_count(ft) <= CM_MAX_FLAT_PARAMS) {
    for (uint32_t i = 0; i < ft->nparams; i++)
      if ((trap = lower_flat(cx, ft->params[i].type, &args[i], slots, &n))) return trap;
    *nslots = n;
    return NULL;
  }
  uint32_t size, align, ptr;
  if (!cm_params_layout(ft, &size, &align)) return TRAP(cx, "parameters too large to spill");
  if ((trap = cm_canon_realloc(cx, "parameter", 0, 0, align, size, &ptr))) return trap;
  uint32_t off = 0;
  for (uint32_t i = 0; i < ft->nparams; i++) {
    const cm_valtype *t = ft->params[i].type;
    off = (off + t->align - 1) / t->align * t->align;
    if ((trap = store_value(cx, t, &args[i], ptr + off))) return trap;
    off += t->size;
  }
  slots[0] = ptr;
  *nslots = 1;
  return NULL;
}

wasm_trap *cm_lower_result(const cm_canon_cx *cx, const cm_functype *ft, const cm_val *result, wasm_slot *slots) {
  if (!ft->result) return NULL;
  if (ft->result->flat_count <= CM_MAX_FLAT_RESULTS) return cm_lower_flat(cx, ft->result, result, slots);
  /* the guest passed its return area as the last core parameter */
  uint32_t nparams = cm_params_flat_count(ft);
  uint32_t retptr = (uint32_t)slots[nparams <= CM_MAX_FLAT_PARAMS ? nparams : 1];
  return cm_store(cx, ft->result, result, retptr);
}
