/* Value types: the shared primitive nodes, the Canonical ABI layout of every node
 * (CanonicalABI.md elem_size, alignment, flatten_type) and function type flattening. */
#include "valtype.h"

#include <stdio.h>
#include <string.h>

#define PRIM(k, sz, fl) {.kind = k, .size = sz, .align = sz, .flat_count = 1, .flat = {fl}}
static const cm_valtype primitives[] = {
    PRIM(CM_BOOL, 1, WASM_I32), PRIM(CM_S8, 1, WASM_I32),  PRIM(CM_U8, 1, WASM_I32),
    PRIM(CM_S16, 2, WASM_I32),  PRIM(CM_U16, 2, WASM_I32), PRIM(CM_S32, 4, WASM_I32),
    PRIM(CM_U32, 4, WASM_I32),  PRIM(CM_S64, 8, WASM_I64), PRIM(CM_U64, 8, WASM_I64),
    PRIM(CM_F32, 4, WASM_F32),  PRIM(CM_F64, 8, WASM_F64), PRIM(CM_CHAR, 4, WASM_I32),
    {.kind = CM_STRING, .size = 8, .align = 4, .flat_count = 2, .flat = {WASM_I32, WASM_I32}, .needs_memory = true},
    PRIM(CM_ERROR_CONTEXT, 4, WASM_I32),
};
#undef PRIM

const cm_valtype *cm_valtype_primitive(cm_valkind kind) { return &primitives[kind]; }

static uint64_t align_to(uint64_t n, uint64_t align) { return (n + align - 1) / align * align; }

/* Appends `src` flattened values to t's flat list, saturating at MAX_FLAT_PARAMS + 1. */
static void flat_append(cm_valtype *t, const cm_valtype *src) {
  for (uint32_t i = 0; i < src->flat_count && t->flat_count <= CM_MAX_FLAT_PARAMS; i++) {
    if (i >= CM_MAX_FLAT_PARAMS) {
      t->flat_count = CM_MAX_FLAT_PARAMS + 1;
      return;
    }
    if (t->flat_count < CM_MAX_FLAT_PARAMS) t->flat[t->flat_count] = src->flat[i];
    t->flat_count++;
  }
}

static uint8_t join(uint8_t a, uint8_t b) {
  if (a == b) return a;
  if ((a == WASM_I32 && b == WASM_F32) || (a == WASM_F32 && b == WASM_I32)) return WASM_I32;
  return WASM_I64;
}

static void inherit_flags(cm_valtype *t, const cm_valtype *child) {
  if (!child) return;
  t->has_borrow |= child->has_borrow;
  t->needs_memory |= child->needs_memory;
}

/* Layout of a variant-like type (variant, enum, option, result) from its payloads. */
static uint64_t layout_variant(cm_valtype *t, uint32_t ncases, const cm_valtype *const *payloads) {
  uint32_t disc = ncases <= 256 ? 1 : ncases <= 65536 ? 2 : 4;
  uint64_t max_align = 1, max_size = 0;
  uint32_t payload_flat = 0;
  uint8_t flat[CM_MAX_FLAT_PARAMS];
  for (uint32_t i = 0; payloads && i < ncases; i++) {
    const cm_valtype *p = payloads ? payloads[i] : NULL;
    if (!p) continue;
    inherit_flags(t, p);
    max_align = WR_MAX(max_align, p->align);
    max_size = WR_MAX(max_size, p->size);
    for (uint32_t k = 0; k < p->flat_count && k < CM_MAX_FLAT_PARAMS; k++)
      flat[k] = k < payload_flat ? join(flat[k], p->flat[k]) : p->flat[k];
    payload_flat = WR_MAX(payload_flat, p->flat_count);
  }
  t->align = (uint32_t)WR_MAX(disc, max_align);
  t->disc_size = (uint8_t)disc;
  t->payload_offset = (uint32_t)align_to(disc, max_align);
  t->flat[0] = WASM_I32;
  t->flat_count = 1 + WR_MIN(payload_flat, CM_MAX_FLAT_PARAMS);
  if (t->flat_count > CM_MAX_FLAT_PARAMS) t->flat_count = CM_MAX_FLAT_PARAMS + 1;
  for (uint32_t k = 0; k + 1 < t->flat_count && k + 1 < CM_MAX_FLAT_PARAMS; k++) t->flat[k + 1] = flat[k];
  return align_to(align_to(disc, max_align) + max_size, t->align);
}

bool cm_valtype_layout(cm_valtype *t, cm_field *fields) {
  uint64_t size = 0;
  t->flat_count = 0;
  t->align = 1;
  switch (t->kind) {
  case CM_RECORD:
  case CM_TUPLE:
    for (uint32_t i = 0; i < t->count; i++) {
      const cm_valtype *f = t->fields[i].type;
      inherit_flags(t, f);
      size = align_to(size, f->align);
      /* offsets past the size bound are never used: the type is rejected below */
      fields[i].offset = (uint32_t)WR_MIN(size, (uint64_t)UINT32_MAX);
      size += f->size;
      t->align = WR_MAX(t->align, f->align);
      flat_append(t, f);
    }
    size = align_to(size, t->align);
    break;
  case CM_FIXED_LIST:
    inherit_flags(t, t->elem);
    size = (uint64_t)t->count * t->elem->size;
    t->align = t->elem->align;
    for (uint32_t i = 0; i < t->count && t->flat_count <= CM_MAX_FLAT_PARAMS; i++) flat_append(t, t->elem);
    break;
  case CM_LIST:
  case CM_MAP:
    inherit_flags(t, t->elem);
    t->needs_memory = true;
    size = 8;
    t->align = 4;
    t->flat_count = 2;
    t->flat[0] = t->flat[1] = WASM_I32;
    break;
  case CM_FLAGS:
    size = t->count <= 8 ? 1 : t->count <= 16 ? 2 : 4;
    t->align = (uint32_t)size;
    t->flat_count = 1;
    t->flat[0] = WASM_I32;
    break;
  case CM_VARIANT: {
    /* the payloads are the cases' types: gather them without allocating (cases are few or
     * the layout is computed once anyway) */
    const cm_valtype *small[64];
    const cm_valtype **payloads = t->count <= 64 ? small : wr_malloc(sizeof(*payloads) * t->count);
    for (uint32_t i = 0; i < t->count; i++) payloads[i] = t->fields[i].type;
    size = layout_variant(t, t->count, payloads);
    if (payloads != small) wr_free(payloads);
    break;
  }
  case CM_ENUM:
    size = layout_variant(t, t->count, NULL);
    break;
  case CM_OPTION: {
    const cm_valtype *payloads[2] = {NULL, t->elem};
    size = layout_variant(t, 2, payloads);
    break;
  }
  case CM_RESULT: {
    const cm_valtype *payloads[2] = {t->elem, t->err};
    size = layout_variant(t, 2, payloads);
    break;
  }
  case CM_OWN:
  case CM_BORROW:
  case CM_STREAM:
  case CM_FUTURE:
    if (t->kind == CM_BORROW) t->has_borrow = true;
    size = 4;
    t->align = 4;
    t->flat_count = 1;
    t->flat[0] = WASM_I32;
    break;
  default: /* primitives are shared nodes, laid out statically */
    return true;
  }
  if (size >= CM_MAX_ELEM_SIZE) return false;
  t->size = (uint32_t)size;
  return true;
}

/* Flattened core types of a list of values into out (at most MAX_FLAT_PARAMS kept); returns the
 * count, saturated at MAX_FLAT_PARAMS + 1. */
static uint32_t flatten_list(const cm_field *params, uint32_t n, const cm_valtype *single, uint8_t *out) {
  uint32_t count = 0;
  for (uint32_t i = 0; i < n || (single && i == 0); i++) {
    const cm_valtype *t = single ? single : params[i].type;
    for (uint32_t k = 0; k < t->flat_count; k++) {
      if (count < CM_MAX_FLAT_PARAMS && k < CM_MAX_FLAT_PARAMS) out[count] = t->flat[k];
      count++;
      if (count > CM_MAX_FLAT_PARAMS) return CM_MAX_FLAT_PARAMS + 1;
    }
    if (single) break;
  }
  return count;
}

void cm_flatten_functype(const cm_functype *ft, bool lift, bool async, bool has_callback, wasm_functype *out,
                         uint8_t *types) {
  uint8_t params[CM_MAX_FLAT_PARAMS], results[CM_MAX_FLAT_PARAMS];
  uint32_t np = flatten_list(ft->params, ft->nparams, NULL, params);
  uint32_t nr = ft->result ? flatten_list(NULL, 0, ft->result, results) : 0;
  bool param_ptr = false, result_ptr_param = false;
  if (!async) {
    if (np > CM_MAX_FLAT_PARAMS) param_ptr = true;
    if (nr > CM_MAX_FLAT_RESULTS) {
      if (lift) {
        nr = 1;
        results[0] = WASM_I32;
      } else {
        result_ptr_param = true;
        nr = 0;
      }
    }
  } else if (lift) {
    if (np > CM_MAX_FLAT_PARAMS) param_ptr = true;
    nr = has_callback ? 1 : 0;
    results[0] = WASM_I32;
  } else {
    if (np > CM_MAX_FLAT_ASYNC_PARAMS) param_ptr = true;
    result_ptr_param = nr > 0;
    nr = 1;
    results[0] = WASM_I32;
  }
  if (param_ptr) {
    np = 1;
    params[0] = WASM_I32;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < np; i++) types[n++] = params[i];
  if (result_ptr_param) types[n++] = WASM_I32;
  out->nparams = n;
  for (uint32_t i = 0; i < nr; i++) types[n++] = results[i];
  out->nresults = nr;
  out->types = types;
}

static const char *const valkind_names[] = {
    "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char", "string",
    "error-context", "record", "variant", "list", "list", "tuple", "flags", "enum", "option",
    "result", "own", "borrow", "stream", "future", "map",
};

/* Appends text to buf at *pos, keeping room for the terminator and a "..." marker. */
static void put(char *buf, size_t size, size_t *pos, const char *text) {
  size_t n = strlen(text);
  if (*pos >= size) return;
  if (*pos + n + 4 > size) {
    if (size >= 4 && *pos + 4 <= size) {
      memcpy(buf + *pos, "...", 4);
      *pos = size;
    }
    return;
  }
  memcpy(buf + *pos, text, n + 1);
  *pos += n;
}

typedef struct text_ctx {
  cm_type_namer namer;
  void *namer_ctx;
} text_ctx;

static void text_of(const text_ctx *cx, const cm_valtype *t, char *buf, size_t size, size_t *pos, unsigned depth) {
  if (depth > 8) {
    put(buf, size, pos, "...");
    return;
  }
  if (depth > 0 && cx->namer && !cm_valkind_is_primitive(t->kind)) {
    const char *name = cx->namer(cx->namer_ctx, t, NULL);
    if (name) {
      put(buf, size, pos, name);
      return;
    }
  }
  put(buf, size, pos, valkind_names[t->kind]);
  char num[32];
  switch (t->kind) {
  case CM_LIST:
  case CM_OPTION:
    put(buf, size, pos, "<");
    text_of(cx, t->elem, buf, size, pos, depth + 1);
    put(buf, size, pos, ">");
    break;
  case CM_MAP:
    put(buf, size, pos, "<");
    text_of(cx, t->elem->fields[0].type, buf, size, pos, depth + 1);
    put(buf, size, pos, ", ");
    text_of(cx, t->elem->fields[1].type, buf, size, pos, depth + 1);
    put(buf, size, pos, ">");
    break;
  case CM_FIXED_LIST:
    put(buf, size, pos, "<");
    text_of(cx, t->elem, buf, size, pos, depth + 1);
    snprintf(num, sizeof num, ", %u>", t->count);
    put(buf, size, pos, num);
    break;
  case CM_STREAM:
  case CM_FUTURE:
    if (t->elem) {
      put(buf, size, pos, "<");
      text_of(cx, t->elem, buf, size, pos, depth + 1);
      put(buf, size, pos, ">");
    }
    break;
  case CM_RESULT:
    if (t->elem || t->err) {
      put(buf, size, pos, "<");
      if (t->elem) text_of(cx, t->elem, buf, size, pos, depth + 1);
      else put(buf, size, pos, "_");
      if (t->err) {
        put(buf, size, pos, ", ");
        text_of(cx, t->err, buf, size, pos, depth + 1);
      }
      put(buf, size, pos, ">");
    }
    break;
  case CM_TUPLE:
    put(buf, size, pos, "<");
    for (uint32_t i = 0; i < t->count; i++) {
      if (i) put(buf, size, pos, ", ");
      text_of(cx, t->fields[i].type, buf, size, pos, depth + 1);
    }
    put(buf, size, pos, ">");
    break;
  case CM_RECORD:
  case CM_VARIANT:
  case CM_FLAGS:
  case CM_ENUM:
    put(buf, size, pos, " { ");
    for (uint32_t i = 0; i < t->count; i++) {
      if (i) put(buf, size, pos, ", ");
      put(buf, size, pos, t->fields[i].name);
      if (t->fields[i].type) {
        put(buf, size, pos, t->kind == CM_RECORD ? ": " : "(");
        text_of(cx, t->fields[i].type, buf, size, pos, depth + 1);
        if (t->kind != CM_RECORD) put(buf, size, pos, ")");
      }
    }
    put(buf, size, pos, " }");
    break;
  case CM_OWN:
  case CM_BORROW:
  {
    const char *name = cx->namer ? cx->namer(cx->namer_ctx, NULL, t->resource) : NULL;
    put(buf, size, pos, "<");
    put(buf, size, pos, name ? name : "resource");
    put(buf, size, pos, ">");
    break;
  }
  default:
    break;
  }
}

const char *cm_valtype_text(const cm_valtype *type, cm_type_namer namer, void *namer_ctx, char *buf, size_t size) {
  size_t pos = 0;
  text_ctx cx = {namer, namer_ctx};
  if (size) buf[0] = 0;
  text_of(&cx, type, buf, size, &pos, 0);
  return buf;
}
