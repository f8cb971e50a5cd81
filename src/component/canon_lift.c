/* Lifting: a guest's flat core values and linear memory into host values (cm_val)
 * (CanonicalABI.md lift_flat, load), and calling post-return. */
#include "canon.h"

#include <string.h>

#define TRAP(cx, ...) wasm_trap_new((cx)->store, WASM_TRAP_HOST, __VA_ARGS__)

/* NaNs come out canonical (canonicalize_nan32/64). */
static float f32_of(uint32_t bits) {
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu)) bits = 0x7fc00000u;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static double f64_of(uint64_t bits) {
  if ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (bits & 0x000fffffffffffffull))
    bits = 0x7ff8000000000000ull;
  double f;
  memcpy(&f, &bits, 8);
  return f;
}

static wasm_trap *to_char(const cm_canon_cx *cx, uint32_t c, cm_val *out) {
  if (c >= 0x110000 || (c >= 0xD800 && c <= 0xDFFF)) return TRAP(cx, "invalid `char` bit pattern 0x%x", c);
  *out = cm_val_char(c);
  return NULL;
}

static uint64_t get_le(const cm_canon_cx *cx, uint32_t ptr, uint32_t n) {
  const uint8_t *p = wasm_memory_data(cx->memory) + ptr;
  uint64_t v = 0;
  for (uint32_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* An integer of `type` from its low bits (lift_flat_signed / unsigned, load_int). */
static cm_val int_of(const cm_valtype *type, uint64_t bits) {
  switch (type->kind) {
  case CM_S8: return cm_val_s((int8_t)bits);
  case CM_U8: return cm_val_u((uint8_t)bits);
  case CM_S16: return cm_val_s((int16_t)bits);
  case CM_U16: return cm_val_u((uint16_t)bits);
  case CM_S32: return cm_val_s((int32_t)bits);
  case CM_U32: return cm_val_u((uint32_t)bits);
  case CM_S64: return cm_val_s((int64_t)bits);
  default: return cm_val_u(bits);
  }
}

static uint32_t flags_mask(const cm_valtype *type) {
  return type->count >= 32 ? UINT32_MAX : (1u << type->count) - 1;
}

/* A list's elements from guest memory at ptr (load_list_from_range). */
static wasm_trap *load_value(const cm_canon_cx *cx, const cm_valtype *type, uint32_t ptr, cm_val *out);
static wasm_trap *load_seq(const cm_canon_cx *cx, const cm_valtype *elem, uint32_t ptr, uint32_t count, cm_val *out) {
  *out = cm_val_seq(cx->arena, count);
  for (uint32_t i = 0; i < count; i++) {
    wasm_trap *trap = load_value(cx, elem, ptr + i * elem->size, &out->u.seq.items[i]);
    if (trap) return trap;
  }
  return NULL;
}

/* The checks of load_list_from_range: a list of `count` elements at ptr fits guest memory. */
static wasm_trap *check_list(const cm_canon_cx *cx, const cm_valtype *elem, uint32_t ptr, uint32_t count) {
  uint64_t bytes = (uint64_t)count * elem->size;
  if (bytes > CM_MAX_LIST_BYTE_LENGTH) return TRAP(cx, "list too long (%llu bytes)", (unsigned long long)bytes);
  if (ptr % elem->align) return TRAP(cx, "unaligned pointer: list at %u (alignment %u)", ptr, elem->align);
  if (!cx->memory || ptr + bytes > wasm_memory_size_bytes(cx->memory))
    return TRAP(cx, "list content out-of-bounds (%u + %llu bytes)", ptr, (unsigned long long)bytes);
  /* zero-sized elements take no memory: bound the host allocation some other way */
  if (elem->size == 0 && count > CM_MAX_ELEM_SIZE) return TRAP(cx, "list too long (%u elements)", count);
  return NULL;
}

static wasm_trap *load_list(const cm_canon_cx *cx, const cm_valtype *elem, uint32_t ptr, uint32_t count, cm_val *out) {
  wasm_trap *trap = check_list(cx, elem, ptr, count);
  if (trap) return trap;
  if (cx->arena && cm_arena_allocated(cx->arena) + (uint64_t)count * (sizeof(cm_val) + elem->size) > CM_MAX_LIFTED_BYTES)
    return TRAP(cx, "fuel allocated for hostcalls has been exhausted (lifting more than %zu MiB)",
                CM_MAX_LIFTED_BYTES >> 20);
  return load_seq(cx, elem, ptr, count, out);
}

wasm_trap *cm_lift_byte_range(const cm_canon_cx *cx, uint32_t ptr, uint32_t count, const uint8_t **data) {
  static const uint8_t none[1];
  wasm_trap *trap = check_list(cx, cm_valtype_primitive(CM_U8), ptr, count);
  if (trap) return trap;
  *data = count ? wasm_memory_data(cx->memory) + ptr : none; /* an empty memory may have no data */
  return NULL;
}

static wasm_trap *load_case(const cm_canon_cx *cx, const cm_valtype *type, uint32_t index, cm_val *out,
                            const cm_valtype **payload) {
  *payload = NULL; /* set on every path: callers read it only without a trap, but say so to the compiler too */
  if (index >= cm_case_count(type))
    return TRAP(cx, "invalid variant discriminant %u (%u cases)", index, cm_case_count(type));
  *payload = cm_case_type(type, index);
  *out = (cm_val){.u.cs = {.index = index, .payload = *payload ? cm_arena_alloc(cx->arena, sizeof(cm_val)) : NULL}};
  return NULL;
}

static wasm_trap *load_value(const cm_canon_cx *cx, const cm_valtype *type, uint32_t ptr, cm_val *out) {
  wasm_trap *trap;
  switch (type->kind) {
  case CM_BOOL: *out = cm_val_bool(get_le(cx, ptr, 1) != 0); return NULL;
  case CM_S8: case CM_U8: case CM_S16: case CM_U16: case CM_S32: case CM_U32: case CM_S64: case CM_U64:
    *out = int_of(type, get_le(cx, ptr, type->size));
    return NULL;
  case CM_F32: *out = cm_val_f32(f32_of((uint32_t)get_le(cx, ptr, 4))); return NULL;
  case CM_F64: *out = cm_val_f64(f64_of(get_le(cx, ptr, 8))); return NULL;
  case CM_CHAR: return to_char(cx, (uint32_t)get_le(cx, ptr, 4), out);
  case CM_STRING: return cm_load_string(cx, (uint32_t)get_le(cx, ptr, 4), (uint32_t)get_le(cx, ptr + 4, 4), out);
  case CM_LIST: case CM_MAP: return load_list(cx, type->elem, (uint32_t)get_le(cx, ptr, 4), (uint32_t)get_le(cx, ptr + 4, 4), out);
  case CM_FIXED_LIST: return load_seq(cx, type->elem, ptr, type->count, out);
  case CM_RECORD:
  case CM_TUPLE:
    *out = cm_val_seq(cx->arena, type->count);
    for (uint32_t i = 0; i < type->count; i++)
      if ((trap = load_value(cx, type->fields[i].type, ptr + type->fields[i].offset, &out->u.seq.items[i]))) return trap;
    return NULL;
  case CM_VARIANT: case CM_ENUM: case CM_OPTION: case CM_RESULT: {
    const cm_valtype *payload;
    if ((trap = load_case(cx, type, (uint32_t)get_le(cx, ptr, type->disc_size), out, &payload))) return trap;
    return payload ? load_value(cx, payload, ptr + type->payload_offset, out->u.cs.payload) : NULL;
  }
  case CM_FLAGS: *out = cm_val_flags((uint32_t)get_le(cx, ptr, type->size) & flags_mask(type)); return NULL;
  case CM_OWN:
  case CM_BORROW: {
    uint32_t rep;
    if ((trap = cm_lift_handle(cx, type, (uint32_t)get_le(cx, ptr, 4), &rep))) return trap;
    *out = cm_val_handle(rep);
    return NULL;
  }
  default: return cm_lift_async_value(cx, type, (uint32_t)get_le(cx, ptr, 4), out);
  }
}

wasm_trap *cm_load(const cm_canon_cx *cx, const cm_valtype *type, uint32_t ptr, cm_val *out) {
  if (ptr % type->align) return TRAP(cx, "unaligned pointer %u (alignment %u)", ptr, type->align);
  if (!cx->memory || (uint64_t)ptr + type->size > wasm_memory_size_bytes(cx->memory))
    return TRAP(cx, "pointer out of bounds (%u + %u bytes)", ptr, type->size);
  return load_value(cx, type, ptr, out);
}

/* Flat lifting from in[*n ...]. A variant's payload reads the joined slots with its own types:
 * a 32-bit type takes the low half (the spec's wrap), the raw bits are the reinterpretation. */
static wasm_trap *lift_flat(const cm_canon_cx *cx, const cm_valtype *type, const wasm_slot *in, uint32_t *n,
                            cm_val *out) {
  wasm_trap *trap;
  switch (type->kind) {
  case CM_BOOL: *out = cm_val_bool((uint32_t)in[(*n)++] != 0); return NULL;
  case CM_S8: case CM_U8: case CM_S16: case CM_U16: case CM_S32: case CM_U32:
    *out = int_of(type, (uint32_t)in[(*n)++]);
    return NULL;
  case CM_S64: case CM_U64: *out = int_of(type, in[(*n)++]); return NULL;
  case CM_F32: *out = cm_val_f32(f32_of((uint32_t)in[(*n)++])); return NULL;
  case CM_F64: *out = cm_val_f64(f64_of(in[(*n)++])); return NULL;
  case CM_CHAR: return to_char(cx, (uint32_t)in[(*n)++], out);
  case CM_STRING: {
    uint32_t ptr = (uint32_t)in[(*n)++], units = (uint32_t)in[(*n)++];
    return cm_load_string(cx, ptr, units, out);
  }
  case CM_LIST:
  case CM_MAP: {
    uint32_t ptr = (uint32_t)in[(*n)++], count = (uint32_t)in[(*n)++];
    return load_list(cx, type->elem, ptr, count, out);
  }
  case CM_FIXED_LIST:
    *out = cm_val_seq(cx->arena, type->count);
    for (uint32_t i = 0; i < type->count; i++)
      if ((trap = lift_flat(cx, type->elem, in, n, &out->u.seq.items[i]))) return trap;
    return NULL;
  case CM_RECORD:
  case CM_TUPLE:
    *out = cm_val_seq(cx->arena, type->count);
    for (uint32_t i = 0; i < type->count; i++)
      if ((trap = lift_flat(cx, type->fields[i].type, in, n, &out->u.seq.items[i]))) return trap;
    return NULL;
  case CM_VARIANT: case CM_ENUM: case CM_OPTION: case CM_RESULT: {
    uint32_t end = *n + type->flat_count;
    const cm_valtype *payload;
    if ((trap = load_case(cx, type, (uint32_t)in[(*n)++], out, &payload))) return trap;
    if (payload && (trap = lift_flat(cx, payload, in, n, out->u.cs.payload))) return trap;
    *n = end;
    return NULL;
  }
  case CM_FLAGS: *out = cm_val_flags((uint32_t)in[(*n)++] & flags_mask(type)); return NULL;
  case CM_OWN:
  case CM_BORROW: {
    uint32_t rep;
    if ((trap = cm_lift_handle(cx, type, (uint32_t)in[(*n)++], &rep))) return trap;
    *out = cm_val_handle(rep);
    return NULL;
  }
  default: return cm_lift_async_value(cx, type, (uint32_t)in[(*n)++], out);
  }
}

wasm_trap *cm_lift_flat(const cm_canon_cx *cx, const cm_valtype *type, const wasm_slot *in, cm_val *out) {
  if (type->flat_count > CM_MAX_FLAT_PARAMS) return TRAP(cx, "canonical ABI: value too large to flatten");
  uint32_t n = 0;
  return lift_flat(cx, type, in, &n, out);
}

wasm_trap *cm_lift_args(const cm_canon_cx *cx, const cm_functype *ft, const wasm_slot *slots, cm_val *args) {
  return cm_lift_args_max(cx, ft, CM_MAX_FLAT_PARAMS, slots, args);
}

wasm_trap *cm_lift_args_max(const cm_canon_cx *cx, const cm_functype *ft, uint32_t max_flat, const wasm_slot *slots,
                            cm_val *args) {
  wasm_trap *trap;
  if (cm_params_flat_count(ft) <= max_flat) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < ft->nparams; i++)
      if ((trap = lift_flat(cx, ft->params[i].type, slots, &n, &args[i]))) return trap;
    return NULL;
  }
  /* spilled: a pointer to the parameters laid out as a tuple */
  uint32_t ptr = (uint32_t)slots[0], size, align;
  if (!cm_params_layout(ft, &size, &align)) return TRAP(cx, "parameters too large to spill");
  if (ptr % align) return TRAP(cx, "unaligned pointer: parameters at %u (alignment %u)", ptr, align);
  if (!cx->memory || (uint64_t)ptr + size > wasm_memory_size_bytes(cx->memory))
    return TRAP(cx, "parameters out of bounds (%u + %u bytes)", ptr, size);
  uint32_t off = 0;
  for (uint32_t i = 0; i < ft->nparams; i++) {
    const cm_valtype *t = ft->params[i].type;
    off = (off + t->align - 1) / t->align * t->align;
    if ((trap = load_value(cx, t, ptr + off, &args[i]))) return trap;
    off += t->size;
  }
  return NULL;
}

wasm_trap *cm_lift_result(const cm_canon_cx *cx, const cm_functype *ft, const wasm_slot *slots, cm_val *result) {
  if (!ft->result) return NULL;
  if (ft->result->flat_count <= CM_MAX_FLAT_RESULTS) return cm_lift_flat(cx, ft->result, slots, result);
  return cm_load(cx, ft->result, (uint32_t)slots[0], result);
}

wasm_trap *cm_post_return(wasm_store *store, wasm_func *post_return, const wasm_slot *results) {
  if (!post_return) return NULL;
  const wasm_functype *type = wasm_func_type(post_return);
  wasm_slot slots[CM_MAX_FLAT_RESULTS + 1] = {0};
  if (type->nparams > CM_MAX_FLAT_RESULTS || type->nresults)
    return wasm_trap_new(store, WASM_TRAP_HOST, "post-return function of the wrong type");
  for (uint32_t i = 0; i < type->nparams; i++) slots[i] = results[i];
  return wasm_func_call(store, post_return, slots);
}
