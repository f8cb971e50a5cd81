/* The binary decoder: WebAssembly 2.0 + SIMD (+ tags, memory64 limits) bytes -> wasm_module.
 *
 * Function bodies are only framed here (size, locals, final `end`); the validator walks their
 * instructions. Every count and length is checked against the bytes that remain before
 * anything is allocated, so a module never costs more than a small multiple of its size.
 *
 * Error categories follow the reference interpreter, which reads sections on past their
 * declared end and checks the size afterwards: a length larger than what is left of the whole
 * binary is "length out of bounds"; one that only overruns its function body or custom
 * section (the contents framed by their size) is "unexpected end of section or function". */
#include <string.h>

#include "../base/alloc.h"
#include "../base/vec.h"
#include "module.h"
#include "opcodes.h"
#include "reader.h"
#include "validate.h"

/* Per-function local limit, as in V8 and Wasmtime. The spec only requires rejecting
 * 2^32 or more; a tighter bound keeps frames of hostile modules small. */
#define WASM_MAX_FUNCTION_LOCALS 50000u

enum {
  SECTION_CUSTOM = 0,
  SECTION_TYPE = 1,
  SECTION_IMPORT = 2,
  SECTION_FUNCTION = 3,
  SECTION_TABLE = 4,
  SECTION_MEMORY = 5,
  SECTION_GLOBAL = 6,
  SECTION_EXPORT = 7,
  SECTION_START = 8,
  SECTION_ELEMENT = 9,
  SECTION_CODE = 10,
  SECTION_DATA = 11,
  SECTION_DATA_COUNT = 12,
  SECTION_TAG = 13,
};

/* Known sections must appear in this order (which is not the order of their ids). */
static int section_rank(uint8_t id) {
  static const uint8_t order[] = {
      SECTION_TYPE,   SECTION_IMPORT, SECTION_FUNCTION, SECTION_TABLE,      SECTION_MEMORY,
      SECTION_TAG,    SECTION_GLOBAL, SECTION_EXPORT,   SECTION_START,      SECTION_ELEMENT,
      SECTION_DATA_COUNT, SECTION_CODE, SECTION_DATA,
  };
  for (size_t i = 0; i < WR_ARRAY_LEN(order); i++)
    if (order[i] == id) return (int)i + 1;
  return 0;
}

typedef struct decoder {
  wasm_module *m;
  wasm_reader r; /* bounded by the section being decoded */
  const wasm_features *features;
  bool has_code_section, has_data_section;
  WR_VEC(wasm_custom_section) customs;
} decoder;

static bool fail_at(decoder *d, size_t offset, const char *message) {
  wr_error_at(d->r.err, offset, "%s", message);
  return false;
}

/* A count or byte length. Every counted item takes at least one byte, so a count larger than
 * the rest of the section can never be satisfied and is rejected before any allocation. */
static bool read_length(decoder *d, uint32_t *out) {
  size_t start = d->r.pos;
  if (!wasm_read_u32(&d->r, out)) return false;
  /* Measured from the start of the field, as the reference interpreter does. */
  if (*out > d->m->size - start) return fail_at(d, start, "length out of bounds");
  if (*out > wasm_reader_remaining(&d->r)) return fail_at(d, d->r.end, "unexpected end of section or function");
  return true;
}

static bool read_name(decoder *d, wasm_name *out) {
  uint32_t len;
  if (!read_length(d, &len)) return false;
  size_t start = d->r.pos;
  const uint8_t *bytes;
  if (!wasm_read_bytes(&d->r, len, &bytes)) return false;
  if (!wasm_utf8_valid(bytes, len)) return fail_at(d, start, "malformed UTF-8 encoding");
  out->data = wr_malloc((size_t)len + 1);
  memcpy(out->data, bytes, len);
  out->data[len] = 0;
  out->len = len;
  return true;
}

static bool is_valtype(const decoder *d, uint8_t t) {
  switch (t) {
    case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64: case WASM_FUNCREF: case WASM_EXTERNREF:
      return true;
    case WASM_V128:
      return d->features->simd;
    case WASM_EXNREF:
      return d->features->exceptions;
    default:
      return false;
  }
}

static bool read_valtype(decoder *d, uint8_t *out) {
  size_t at = d->r.pos;
  if (!wasm_read_u8(&d->r, out)) return false;
  if (!is_valtype(d, *out)) return fail_at(d, at, "malformed value type");
  return true;
}

static bool read_reftype(decoder *d, uint8_t *out) {
  size_t at = d->r.pos;
  if (!wasm_read_u8(&d->r, out)) return false;
  if (!wasm_is_reftype(*out) || (*out == WASM_EXNREF && !d->features->exceptions))
    return fail_at(d, at, "malformed reference type");
  return true;
}

static bool read_limits(decoder *d, wasm_limits *out, bool is_memory) {
  size_t at = d->r.pos;
  uint64_t flags;
  if (d->features->memory64) {
    uint8_t byte;
    if (!wasm_read_u8(&d->r, &byte)) return false;
    if (byte > 7) return fail_at(d, at, "malformed limits flags");
    flags = byte;
  } else {
    /* Wasm 2.0 encodes the flags as a 1-bit LEB128, which gives its own error categories. */
    if (!wasm_read_uleb(&d->r, 1, &flags)) {
      char category[sizeof d->r.err->message];
      memcpy(category, d->r.err->message, sizeof category);
      wr_error_at(d->r.err, at, "%s (limits flags other than 0 and 1 need shared memories or memory64)", category);
      return false;
    }
  }
  if (flags & 2) {
    /* Only a memory can be shared, and only with the threads proposal, which Warren lacks. */
    return fail_at(d, at, is_memory ? "shared memories are not supported" : "malformed limits flags");
  }
  out->has_max = flags & 1;
  out->is64 = (flags & 4) != 0;
  out->shared = false;
  unsigned bits = out->is64 ? 64 : 32;
  if (!wasm_read_uleb(&d->r, bits, &out->min)) return false;
  out->max = 0;
  if (out->has_max && !wasm_read_uleb(&d->r, bits, &out->max)) return false;
  return true;
}

static bool read_tabletype(decoder *d, wasm_tabletype *out) {
  return read_reftype(d, &out->elem) && read_limits(d, &out->limits, false);
}

static bool read_globaltype(decoder *d, wasm_globaltype *out) {
  if (!read_valtype(d, &out->type)) return false;
  size_t at = d->r.pos;
  uint8_t mut;
  if (!wasm_read_u8(&d->r, &mut)) return false;
  if (mut > 1) return fail_at(d, at, "malformed mutability");
  out->mut = mut == 1;
  return true;
}

/* A tag's type: attribute 0 (exception) followed by a type index. */
static bool read_tagtype(decoder *d, uint32_t *type) {
  size_t at = d->r.pos;
  uint8_t attribute;
  if (!wasm_read_u8(&d->r, &attribute)) return false;
  if (attribute != 0) return fail_at(d, at, "malformed tag attribute");
  return wasm_read_u32(&d->r, type);
}

/* Frames a constant expression: every instruction is decoded up to the `end` that closes the
 * expression, so only malformed encodings fail here. Whether an instruction may appear in a
 * constant expression is the validator's call: the spec makes "constant expression required"
 * an invalid module, not a malformed one. */
static bool read_constexpr(decoder *d, wasm_constexpr *out) {
  wasm_reader *r = &d->r;
  size_t start = r->pos;
  uint32_t depth = 1;
  while (depth > 0) {
    size_t at = r->pos;
    uint8_t op;
    if (!wasm_read_u8(r, &op) || !wasm_scan_instruction(r, d->features, op, at, &depth)) return false;
    /* Only `end` may close the expression (a stray `delegate` also lowers the depth). */
    if (depth == 0 && op != WASM_OPCODE_end) return fail_at(d, at, "END opcode expected");
  }
  out->offset = (uint32_t)start;
  out->len = (uint32_t)(r->pos - start);
  return true;
}

static bool decode_type_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->types = WR_NEW_ARRAY(wasm_functype, count);
  for (uint32_t i = 0; i < count; i++) {
    size_t at = d->r.pos;
    uint8_t form;
    if (!wasm_read_u8(&d->r, &form)) return false;
    if (form != 0x60) {
      /* The form is a signed LEB128 in the original design: a continuation bit means the
       * encoding is longer than the single byte allowed. */
      return fail_at(d, at, form & 0x80 ? "integer representation too long" : "malformed function type");
    }
    /* Parameter and result types are one byte each: validate in place, then copy. */
    uint32_t counts[2];
    size_t starts[2];
    for (int part = 0; part < 2; part++) {
      if (!read_length(d, &counts[part])) return false;
      starts[part] = d->r.pos;
      for (uint32_t k = 0; k < counts[part]; k++) {
        uint8_t t;
        if (!read_valtype(d, &t)) return false;
      }
    }
    wasm_functype *ft = &m->types[m->ntypes++];
    ft->nparams = counts[0];
    ft->nresults = counts[1];
    ft->types = wr_malloc((size_t)counts[0] + counts[1] + 1);
    memcpy(ft->types, m->bytes + starts[0], counts[0]);
    memcpy(ft->types + counts[0], m->bytes + starts[1], counts[1]);
  }
  return true;
}

static bool decode_import_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->imports = WR_NEW_ARRAY(wasm_import, count);
  for (uint32_t i = 0; i < count; i++) {
    wasm_import *imp = &m->imports[m->nimports++];
    if (!read_name(d, &imp->module) || !read_name(d, &imp->name)) return false;
    size_t at = d->r.pos;
    uint8_t kind;
    if (!wasm_read_u8(&d->r, &kind)) return false;
    switch (kind) {
      case WASM_EXTERN_FUNC:
        if (!wasm_read_u32(&d->r, &imp->desc.func_type)) return false;
        m->nfunc_imports++;
        break;
      case WASM_EXTERN_TABLE:
        if (!read_tabletype(d, &imp->desc.table)) return false;
        m->ntable_imports++;
        break;
      case WASM_EXTERN_MEMORY:
        if (!read_limits(d, &imp->desc.memory.limits, true)) return false;
        m->nmemory_imports++;
        break;
      case WASM_EXTERN_GLOBAL:
        if (!read_globaltype(d, &imp->desc.global)) return false;
        m->nglobal_imports++;
        break;
      case WASM_EXTERN_TAG:
        if (!d->features->exceptions) return fail_at(d, at, "malformed import kind");
        if (!read_tagtype(d, &imp->desc.tag_type)) return false;
        m->ntag_imports++;
        break;
      default:
        return fail_at(d, at, "malformed import kind");
    }
    imp->kind = (wasm_externkind)kind;
  }
  return true;
}

static bool decode_function_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->funcs = WR_NEW_ARRAY(wasm_func_def, count);
  for (uint32_t i = 0; i < count; i++) {
    if (!wasm_read_u32(&d->r, &m->funcs[i].type)) return false;
    m->nfuncs++;
  }
  return true;
}

static bool decode_table_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->tables = WR_NEW_ARRAY(wasm_tabletype, count);
  for (uint32_t i = 0; i < count; i++) {
    if (!read_tabletype(d, &m->tables[i])) return false;
    m->ntables++;
  }
  return true;
}

static bool decode_memory_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->memories = WR_NEW_ARRAY(wasm_memtype, count);
  for (uint32_t i = 0; i < count; i++) {
    if (!read_limits(d, &m->memories[i].limits, true)) return false;
    m->nmemories++;
  }
  return true;
}

static bool decode_tag_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->tags = WR_NEW_ARRAY(uint32_t, count);
  for (uint32_t i = 0; i < count; i++) {
    if (!read_tagtype(d, &m->tags[i])) return false;
    m->ntags++;
  }
  return true;
}

static bool decode_global_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->globals = WR_NEW_ARRAY(wasm_global_def, count);
  for (uint32_t i = 0; i < count; i++) {
    wasm_global_def *g = &m->globals[i];
    if (!read_globaltype(d, &g->type) || !read_constexpr(d, &g->init)) return false;
    m->nglobals++;
  }
  return true;
}

static bool decode_export_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->exports = WR_NEW_ARRAY(wasm_export, count);
  for (uint32_t i = 0; i < count; i++) {
    wasm_export *exp = &m->exports[m->nexports++];
    if (!read_name(d, &exp->name)) return false;
    size_t at = d->r.pos;
    uint8_t kind;
    if (!wasm_read_u8(&d->r, &kind)) return false;
    if (kind > WASM_EXTERN_TAG || (kind == WASM_EXTERN_TAG && !d->features->exceptions))
      return fail_at(d, at, "malformed export kind");
    exp->kind = (wasm_externkind)kind;
    if (!wasm_read_u32(&d->r, &exp->index)) return false;
  }
  wasm_module_index_exports(m);
  return true;
}

static bool decode_start_section(decoder *d) {
  if (!wasm_read_u32(&d->r, &d->m->start)) return false;
  d->m->has_start = true;
  return true;
}

/* The element kind of the legacy function-index encodings: only 0x00 (funcref) exists. */
static bool read_elemkind(decoder *d) {
  size_t at = d->r.pos;
  uint8_t kind;
  if (!wasm_read_u8(&d->r, &kind)) return false;
  if (kind != 0) return fail_at(d, at, "malformed element kind");
  return true;
}

static bool decode_element_segment(decoder *d, wasm_elem_segment *seg) {
  size_t at = d->r.pos;
  uint32_t flags;
  if (!wasm_read_u32(&d->r, &flags)) return false;
  if (flags > 7) return fail_at(d, at, "malformed elements segment kind");
  /* bit 0: passive or declarative; bit 1: explicit table (active) or declarative;
   * bit 2: items are expressions rather than function indices */
  bool not_active = flags & 1, uses_exprs = flags & 4;
  seg->mode = !not_active ? WASM_SEG_ACTIVE : (flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE;
  seg->elem_type = WASM_FUNCREF;
  if (seg->mode == WASM_SEG_ACTIVE) {
    if ((flags & 2) && !wasm_read_u32(&d->r, &seg->table)) return false;
    if (!read_constexpr(d, &seg->offset)) return false;
  }
  /* flags 0 and 4 (active, table 0) have an implicit funcref kind */
  if (flags != 0 && flags != 4) {
    if (uses_exprs ? !read_reftype(d, &seg->elem_type) : !read_elemkind(d)) return false;
  }
  uint32_t count;
  if (!read_length(d, &count)) return false;
  if (uses_exprs) {
    seg->exprs = WR_NEW_ARRAY(wasm_constexpr, count);
    for (uint32_t i = 0; i < count; i++) {
      if (!read_constexpr(d, &seg->exprs[i])) return false;
      seg->count++;
    }
  } else {
    seg->func_indices = WR_NEW_ARRAY(uint32_t, count);
    for (uint32_t i = 0; i < count; i++) {
      if (!wasm_read_u32(&d->r, &seg->func_indices[i])) return false;
      seg->count++;
    }
  }
  return true;
}

static bool decode_element_section(decoder *d) {
  wasm_module *m = d->m;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  m->elems = WR_NEW_ARRAY(wasm_elem_segment, count);
  for (uint32_t i = 0; i < count; i++) {
    if (!decode_element_segment(d, &m->elems[m->nelems++])) return false;
  }
  return true;
}

static bool decode_data_count_section(decoder *d) {
  if (!wasm_read_u32(&d->r, &d->m->data_count)) return false;
  d->m->has_data_count = true;
  return true;
}

static bool decode_locals(decoder *d, wasm_func_def *f) {
  uint32_t ngroups;
  if (!read_length(d, &ngroups)) return false;
  f->local_groups = WR_NEW_ARRAY(wasm_local_group, ngroups);
  for (uint32_t g = 0; g < ngroups; g++) {
    size_t at = d->r.pos;
    wasm_local_group *group = &f->local_groups[g];
    if (!wasm_read_u32(&d->r, &group->count)) return false;
    f->nlocals += group->count;
    if (f->nlocals > WASM_MAX_FUNCTION_LOCALS) {
      wr_error_at(d->r.err, at, "too many locals (more than %u in one function)", WASM_MAX_FUNCTION_LOCALS);
      return false;
    }
    if (!read_valtype(d, &group->type)) return false;
    f->nlocal_groups++;
  }
  return true;
}

/* A body whose last byte is not `end`. The spec's decoder does not stop at a body's size: it
 * reads instructions on to the `end` closing the function, into the next body or section if
 * need be, and only then compares its position with the size. Its error categories follow
 * from that reading, which is replayed here. */
static bool fail_missing_end(decoder *d, size_t body_start, size_t body_end) {
  wasm_reader r = wasm_reader_at(d->m->bytes, body_start, d->m->size, d->r.err);
  uint32_t depth = 1;
  while (depth > 0) {
    size_t at = r.pos;
    uint8_t op;
    if (!wasm_read_u8(&r, &op)) return false;
    /* The function's instruction sequence stops at an `else`, which is not the `end` it needs. */
    if (depth == 1 && op == WASM_OPCODE_else) return fail_at(d, at, "END opcode expected");
    if (!wasm_scan_instruction(&r, d->features, op, at, &depth)) return false;
  }
  return fail_at(d, body_end, "section size mismatch");
}

static bool decode_code_section(decoder *d) {
  wasm_module *m = d->m;
  size_t at = d->r.pos;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  if (count != m->nfuncs) return fail_at(d, at, "function and code section have inconsistent lengths");
  d->has_code_section = true;
  size_t section_end = d->r.end;
  for (uint32_t i = 0; i < count; i++) {
    wasm_func_def *f = &m->funcs[i];
    uint32_t size;
    if (!read_length(d, &size)) return false;
    size_t body_end = d->r.pos + size;
    d->r.end = body_end; /* locals may not run past the body */
    bool ok = decode_locals(d, f);
    d->r.end = section_end;
    if (!ok) return false;
    if (d->r.pos >= body_end) return fail_at(d, body_end, "unexpected end of section or function");
    if (m->bytes[body_end - 1] != WASM_OPCODE_end) return fail_missing_end(d, d->r.pos, body_end);
    f->body_offset = (uint32_t)d->r.pos;
    f->body_end = (uint32_t)body_end;
    d->r.pos = body_end;
  }
  return true;
}

static bool decode_data_section(decoder *d) {
  wasm_module *m = d->m;
  size_t at = d->r.pos;
  uint32_t count;
  if (!read_length(d, &count)) return false;
  if (m->has_data_count && count != m->data_count)
    return fail_at(d, at, "data count and data section have inconsistent lengths");
  d->has_data_section = true;
  m->datas = WR_NEW_ARRAY(wasm_data_segment, count);
  for (uint32_t i = 0; i < count; i++) {
    wasm_data_segment *seg = &m->datas[m->ndatas++];
    size_t flags_at = d->r.pos;
    uint32_t flags;
    if (!wasm_read_u32(&d->r, &flags)) return false;
    if (flags > 2) return fail_at(d, flags_at, "malformed data segment kind");
    seg->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
    if (flags == 2 && !wasm_read_u32(&d->r, &seg->memory)) return false;
    if (flags != 1 && !read_constexpr(d, &seg->offset)) return false;
    uint32_t len;
    if (!read_length(d, &len)) return false;
    seg->data_offset = (uint32_t)d->r.pos;
    seg->data_len = len;
    d->r.pos += len;
  }
  return true;
}

static bool decode_custom_section(decoder *d) {
  wasm_custom_section custom = {0};
  if (!read_name(d, &custom.name)) return false;
  custom.offset = (uint32_t)d->r.pos;
  custom.len = (uint32_t)wasm_reader_remaining(&d->r);
  d->r.pos = d->r.end;
  WR_VEC_PUSH(&d->customs, custom);
  return true;
}

static bool decode_section_payload(decoder *d, uint8_t id) {
  switch (id) {
    case SECTION_CUSTOM: return decode_custom_section(d);
    case SECTION_TYPE: return decode_type_section(d);
    case SECTION_IMPORT: return decode_import_section(d);
    case SECTION_FUNCTION: return decode_function_section(d);
    case SECTION_TABLE: return decode_table_section(d);
    case SECTION_MEMORY: return decode_memory_section(d);
    case SECTION_GLOBAL: return decode_global_section(d);
    case SECTION_EXPORT: return decode_export_section(d);
    case SECTION_START: return decode_start_section(d);
    case SECTION_ELEMENT: return decode_element_section(d);
    case SECTION_CODE: return decode_code_section(d);
    case SECTION_DATA: return decode_data_section(d);
    case SECTION_DATA_COUNT: return decode_data_count_section(d);
    case SECTION_TAG: return decode_tag_section(d);
    default: return false; /* ids are checked before dispatch */
  }
}

/* The "name" section's function names (subsection 1). Tools emit broken ones (jco's command
 * adapter names 69 functions of 68), so any problem just drops the names. */
static void decode_function_names(wasm_module *m, const wasm_custom_section *section) {
  wr_error ignored = {0};
  wasm_reader r = wasm_reader_at(m->bytes, section->offset, (size_t)section->offset + section->len, &ignored);
  uint32_t nfunctions = m->nfunc_imports + m->nfuncs;
  if (nfunctions == 0) return;
  while (!wasm_reader_done(&r)) {
    uint8_t id;
    uint32_t size;
    if (!wasm_read_u8(&r, &id) || !wasm_read_u32(&r, &size) || size > wasm_reader_remaining(&r)) break;
    size_t next = r.pos + size;
    if (id != 1) {
      r.pos = next;
      continue;
    }
    wasm_reader sub = wasm_reader_at(m->bytes, r.pos, next, &ignored);
    uint32_t count;
    if (!wasm_read_u32(&sub, &count)) break;
    char **names = WR_NEW_ARRAY(char *, nfunctions);
    for (uint32_t i = 0; i < count; i++) {
      uint32_t index, len;
      const uint8_t *bytes;
      if (!wasm_read_u32(&sub, &index) || !wasm_read_name_bytes(&sub, &bytes, &len)) {
        for (uint32_t k = 0; k < nfunctions; k++) wr_free(names[k]);
        wr_free(names);
        return;
      }
      if (index >= nfunctions) continue;
      wr_free(names[index]);
      names[index] = wr_strndup((const char *)bytes, len);
    }
    m->func_names = names;
    return;
  }
}

static bool decode_sections(decoder *d) {
  wasm_module *m = d->m;
  int last_rank = 0;
  while (!wasm_reader_done(&d->r)) {
    size_t id_at = d->r.pos;
    uint8_t id;
    if (!wasm_read_u8(&d->r, &id)) return false;
    int rank = section_rank(id);
    if (id != SECTION_CUSTOM) {
      if (rank == 0 || (id == SECTION_TAG && !d->features->exceptions))
        return fail_at(d, id_at, "malformed section id");
      if (rank <= last_rank) return fail_at(d, id_at, "unexpected content after last section");
      last_rank = rank;
    }
    uint32_t size;
    if (!read_length(d, &size)) return false;
    size_t section_end = d->r.pos + size;
    /* The spec's decoder reads a section's contents without stopping at its declared end, then
     * compares positions: reading on gives its categories ("section size mismatch", "integer
     * representation too long", ...). Custom and code sections are framed by their end. */
    d->r.end = id == SECTION_CUSTOM || id == SECTION_CODE ? section_end : m->size;
    bool ok = decode_section_payload(d, id);
    d->r.end = m->size;
    if (!ok) {
      /* Running out of bytes inside a section is the section's fault, not the file's. */
      if (strcmp(d->r.err->message, "unexpected end") == 0)
        wr_error_at(d->r.err, d->r.err->offset, "unexpected end of section or function");
      return false;
    }
    if (d->r.pos != section_end) return fail_at(d, d->r.pos, "section size mismatch");
  }
  if (m->nfuncs > 0 && !d->has_code_section)
    return fail_at(d, m->size, "function and code section have inconsistent lengths");
  if (m->has_data_count && m->data_count != 0 && !d->has_data_section)
    return fail_at(d, m->size, "data count and data section have inconsistent lengths");
  return true;
}

wasm_module *wasm_decode(const uint8_t *bytes, size_t size, const wasm_features *features, wr_error *err) {
  static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
  static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
  wr_error local_err = {0};
  if (!err) err = &local_err;
  /* Offsets are 32-bit in the IR. */
  if (size > UINT32_MAX) {
    wr_error_set(err, "module too large (%zu bytes)", size);
    return NULL;
  }
  wasm_module *m = WR_NEW(wasm_module);
  m->bytes = wr_malloc(size ? size : 1);
  if (size) memcpy(m->bytes, bytes, size);
  m->size = size;
  m->features = features ? *features : wasm_features_default();

  decoder d = {0};
  d.m = m;
  d.features = &m->features;
  d.r = wasm_reader_at(m->bytes, 0, size, err);

  const uint8_t *header;
  bool ok = false;
  if (!wasm_read_bytes(&d.r, 4, &header)) goto done;
  if (memcmp(header, magic, 4) != 0) {
    fail_at(&d, 0, "magic header not detected");
    goto done;
  }
  if (!wasm_read_bytes(&d.r, 4, &header)) goto done;
  if (memcmp(header, version, 4) != 0) {
    fail_at(&d, 4, "unknown binary version");
    goto done;
  }
  ok = decode_sections(&d);

done:
  m->customs = d.customs.items;
  m->ncustoms = (uint32_t)d.customs.len;
  if (!ok) {
    wasm_module_free(m);
    return NULL;
  }
  for (uint32_t i = m->ncustoms; i-- > 0;) {
    if (m->customs[i].name.len == 4 && memcmp(m->customs[i].name.data, "name", 4) == 0) {
      decode_function_names(m, &m->customs[i]);
      break;
    }
  }
  return m;
}
