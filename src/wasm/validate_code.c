/* Validation of function bodies: one pass over the instructions with an operand stack of
 * types and a control stack of blocks, as in the spec's validation algorithm (appendix
 * "Validation Algorithm"). Both stacks are growable vectors, so deep nesting costs heap,
 * never C stack. Because the decoder keeps bodies as byte ranges, malformed encodings inside
 * a body (bad LEB, unknown opcode, missing `end`) are reported here too. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/vec.h"
#include "opcodes.h"
#include "reader.h"
#include "simd_ops.h"
#include "validate.h"

/* A value of the polymorphic stack (after unreachable, br, return...): matches any type. */
#define TYPE_UNKNOWN 0

/* One byte per value type, so that a block type `t` can point at a one-element type list
 * that outlives the frame. */
static const uint8_t k_valtypes[] = {WASM_I32,     WASM_I64,       WASM_F32,   WASM_F64,
                                     WASM_V128,    WASM_FUNCREF,   WASM_EXTERNREF, WASM_EXNREF};

static const uint8_t *single_type(uint8_t t) {
  for (size_t i = 0; i < WR_ARRAY_LEN(k_valtypes); i++)
    if (k_valtypes[i] == t) return &k_valtypes[i];
  return NULL;
}

const char *wasm_valtype_name(uint8_t type) {
  switch (type) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    case WASM_EXNREF: return "exnref";
    default: return "unknown";
  }
}

/* Operand and result types of the instructions whose typing is a fixed signature. */
typedef struct fixed_sig {
  uint8_t nparams, params[2], result;
} fixed_sig;

static const fixed_sig k_fixed_sigs[] = {
  [SIG_f32_f32] = {1, {WASM_F32, 0}, WASM_F32},
  [SIG_f32_f64] = {1, {WASM_F32, 0}, WASM_F64},
  [SIG_f32_i32] = {1, {WASM_F32, 0}, WASM_I32},
  [SIG_f32_i64] = {1, {WASM_F32, 0}, WASM_I64},
  [SIG_f32f32_f32] = {2, {WASM_F32, WASM_F32}, WASM_F32},
  [SIG_f32f32_i32] = {2, {WASM_F32, WASM_F32}, WASM_I32},
  [SIG_f64_f32] = {1, {WASM_F64, 0}, WASM_F32},
  [SIG_f64_f64] = {1, {WASM_F64, 0}, WASM_F64},
  [SIG_f64_i32] = {1, {WASM_F64, 0}, WASM_I32},
  [SIG_f64_i64] = {1, {WASM_F64, 0}, WASM_I64},
  [SIG_f64f64_f64] = {2, {WASM_F64, WASM_F64}, WASM_F64},
  [SIG_f64f64_i32] = {2, {WASM_F64, WASM_F64}, WASM_I32},
  [SIG_i32_f32] = {1, {WASM_I32, 0}, WASM_F32},
  [SIG_i32_f64] = {1, {WASM_I32, 0}, WASM_F64},
  [SIG_i32_i32] = {1, {WASM_I32, 0}, WASM_I32},
  [SIG_i32_i64] = {1, {WASM_I32, 0}, WASM_I64},
  [SIG_i32i32_i32] = {2, {WASM_I32, WASM_I32}, WASM_I32},
  [SIG_i64_f32] = {1, {WASM_I64, 0}, WASM_F32},
  [SIG_i64_f64] = {1, {WASM_I64, 0}, WASM_F64},
  [SIG_i64_i32] = {1, {WASM_I64, 0}, WASM_I32},
  [SIG_i64_i64] = {1, {WASM_I64, 0}, WASM_I64},
  [SIG_i64i64_i32] = {2, {WASM_I64, WASM_I64}, WASM_I32},
  [SIG_i64i64_i64] = {2, {WASM_I64, WASM_I64}, WASM_I64},
};

/* Signature of each one-byte opcode (SIG_SPECIAL, i.e. 0, for the rest). */
static const uint8_t k_core_sigs[256] = {
#define WASM_OP(name, byte, sig) [byte] = sig,
#define WASM_OP_FC(name, sub, sig)
#define WASM_OP_LOAD(name, byte, type, align)
#define WASM_OP_STORE(name, byte, type, align)
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
#undef WASM_OP_LOAD
#undef WASM_OP_STORE
};

/* Signature of each 0xFC sub-opcode; the table's length bounds the known ones. */
static const uint8_t k_fc_sigs[] = {
#define WASM_OP(name, byte, sig)
#define WASM_OP_FC(name, sub, sig) [sub] = sig,
#define WASM_OP_LOAD(name, byte, type, align)
#define WASM_OP_STORE(name, byte, type, align)
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
#undef WASM_OP_LOAD
#undef WASM_OP_STORE
};

typedef struct memory_access {
  uint8_t type;  /* 0 when the opcode is not a load or store */
  uint8_t align; /* log2 of the natural alignment */
  bool store;
} memory_access;

static const memory_access k_memory_accesses[256] = {
#define WASM_OP(name, byte, sig)
#define WASM_OP_FC(name, sub, sig)
#define WASM_OP_LOAD(name, byte, type, align) [byte] = {type, align, false},
#define WASM_OP_STORE(name, byte, type, align) [byte] = {type, align, true},
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
#undef WASM_OP_LOAD
#undef WASM_OP_STORE
};

typedef struct simd_info {
  bool known;
  uint8_t shape, lanes, align;
} simd_info;

static const simd_info k_simd_ops[256] = {
#define WASM_SIMD_OP(name, opcode, shape, lanes, align) [opcode] = {true, shape, lanes, align},
#include "simd_ops.def"
#undef WASM_SIMD_OP
};

typedef enum {
  FRAME_BLOCK, /* also the function's outermost frame */
  FRAME_LOOP,
  FRAME_IF,
  FRAME_ELSE,
  FRAME_TRY,
  FRAME_CATCH,
  FRAME_CATCH_ALL,
} frame_kind;

typedef struct control_frame {
  frame_kind kind;
  bool unreachable; /* the rest of the block is dead: the stack below is polymorphic */
  uint32_t nparams, nresults;
  const uint8_t *params, *results; /* point into module types or k_valtypes */
  size_t height;                   /* operand stack height at entry, parameters excluded */
} control_frame;

typedef struct code_validator {
  const wasm_validate_context *ctx;
  const wasm_module *module;
  const wasm_features *features;
  const wasm_functype *type;
  uint32_t func_index;
  wasm_reader r;
  size_t op_offset; /* start of the instruction being checked, for messages */
  WR_VEC(uint8_t) locals;
  WR_VEC(uint8_t) stack;
  WR_VEC(control_frame) frames;
  WR_VEC(uint8_t) scratch; /* br_table's operands, checked once per label */
  wr_error *err;
} code_validator;

static bool fail(code_validator *v, const char *fmt, ...) WR_PRINTF(2, 3);
static bool fail(code_validator *v, const char *fmt, ...) {
  char message[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  const char *name = v->module->func_names ? v->module->func_names[v->func_index] : NULL;
  wr_error_at(v->err, v->op_offset, "%s in function %u%s%.64s%s at offset 0x%zx", message, v->func_index,
              name ? " (" : "", name ? name : "", name ? ")" : "", v->op_offset);
  return false;
}

static control_frame *top_frame(code_validator *v) { return &v->frames.items[v->frames.len - 1]; }

WR_INLINE void push(code_validator *v, uint8_t type) { WR_VEC_PUSH(&v->stack, type); }

#define push_types_to(vec, types, n)                             \
  do {                                                           \
    WR_VEC_RESERVE(vec, n);                                      \
    if ((n) > 0) memcpy((vec)->items + (vec)->len, types, n);    \
    (vec)->len += (n);                                           \
  } while (0)

static void push_types(code_validator *v, const uint8_t *types, uint32_t n) { push_types_to(&v->stack, types, n); }

/* "[i32 f64]" for messages: at most a dozen types, then "...". */
static void format_types(char *out, size_t cap, const uint8_t *types, size_t n) {
  size_t len = (size_t)snprintf(out, cap, "[");
  for (size_t i = 0; i < n && len < cap; i++) {
    if (i == 12) {
      len += (size_t)snprintf(out + len, cap - len, " ...");
      break;
    }
    len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "",
                            types[i] == TYPE_UNKNOWN ? "_" : wasm_valtype_name(types[i]));
  }
  if (len < cap) snprintf(out + len, cap - len, "]");
}

/* The reference interpreter's wording: "type mismatch: instruction requires [i32 i32] but
 * stack has [i64 i32]", showing as many top values as were required. */
static bool fail_stack(code_validator *v, const char *who, const uint8_t *want, size_t nwant, const uint8_t *have,
                       size_t nhave) {
  char wanted[128], had[128];
  format_types(wanted, sizeof wanted, want, nwant);
  format_types(had, sizeof had, have, nhave);
  return fail(v, "type mismatch: %s requires %s but stack has %s", who, wanted, had);
}

static bool types_match(uint8_t actual, uint8_t expect) {
  return actual == expect || actual == TYPE_UNKNOWN || expect == TYPE_UNKNOWN;
}

/* pop_types when the top values are not simply the expected ones: unknowns, the polymorphic
 * stack, or an error. */
static WR_NOINLINE bool pop_types_checked(code_validator *v, const uint8_t *types, uint32_t n) {
  control_frame *frame = top_frame(v);
  size_t available = v->stack.len - frame->height;
  size_t k = WR_MIN((size_t)n, available);
  const uint8_t *top = k ? v->stack.items + v->stack.len - k : NULL; /* the stack may be unallocated */
  bool ok = k == n || frame->unreachable;
  for (size_t i = 0; ok && i < k; i++) ok = types_match(top[i], types[n - k + i]);
  if (!ok) return fail_stack(v, "instruction", types, n, top, k);
  v->stack.len -= k;
  return true;
}

/* Pops operands of the given types (TYPE_UNKNOWN: any); below the frame's entry height the
 * polymorphic stack of dead code supplies values of every type. */
WR_INLINE bool pop_types(code_validator *v, const uint8_t *types, uint32_t n) {
  if (n == 0) return true;
  /* fast path, most instructions: the operands are there with exactly the expected types */
  if (v->stack.len - top_frame(v)->height >= n) {
    const uint8_t *top = v->stack.items + v->stack.len - n;
    uint32_t i = 0;
    while (i < n && top[i] == types[i]) i++;
    if (i == n) {
      v->stack.len -= n;
      return true;
    }
  }
  return pop_types_checked(v, types, n);
}

static bool pop(code_validator *v, uint8_t expect) { return pop_types(v, &expect, 1); }

#define POP_ARGS(v, ...) pop_types(v, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* Pops one operand of type `expect` (TYPE_UNKNOWN: any); `actual` receives what was popped,
 * TYPE_UNKNOWN when it came from the polymorphic stack. */
static bool pop_actual(code_validator *v, uint8_t expect, uint8_t *actual) {
  control_frame *frame = top_frame(v);
  *actual = v->stack.len > frame->height ? v->stack.items[v->stack.len - 1] : TYPE_UNKNOWN;
  return pop(v, expect);
}

static void set_unreachable(code_validator *v) {
  control_frame *frame = top_frame(v);
  v->stack.len = frame->height;
  frame->unreachable = true;
}

static void push_frame(code_validator *v, frame_kind kind, const uint8_t *params, uint32_t nparams,
                       const uint8_t *results, uint32_t nresults) {
  control_frame frame = {kind, false, nparams, nresults, params, results, v->stack.len};
  WR_VEC_PUSH(&v->frames, frame);
  push_types(v, params, nparams);
}

/* The values a frame must leave on exit: exactly its results, nothing more. */
static bool check_frame_exit(code_validator *v) {
  control_frame *frame = top_frame(v);
  if (!pop_types(v, frame->results, frame->nresults)) return false;
  if (v->stack.len != frame->height) {
    /* like the reference interpreter, show the block's whole stack: the values just popped
     * for the results are still in place above the new top */
    return fail_stack(v, "block", frame->results, frame->nresults, v->stack.items + frame->height,
                      v->stack.len - frame->height + frame->nresults);
  }
  return true;
}

/* A branch to a loop goes to its start and carries its parameters; to any other block, its end. */
static void label_types(const control_frame *frame, const uint8_t **types, uint32_t *n) {
  if (frame->kind == FRAME_LOOP) {
    *types = frame->params;
    *n = frame->nparams;
  } else {
    *types = frame->results;
    *n = frame->nresults;
  }
}

static bool read_label(code_validator *v, control_frame **frame) {
  uint32_t depth;
  if (!wasm_read_u32(&v->r, &depth)) return false;
  if (depth >= v->frames.len) return fail(v, "unknown label %u", depth);
  *frame = &v->frames.items[v->frames.len - 1 - depth];
  return true;
}

static bool read_index(code_validator *v, uint32_t limit, const char *what, uint32_t *index) {
  if (!wasm_read_u32(&v->r, index)) return false;
  if (*index >= limit) return fail(v, "unknown %s %u", what, *index);
  return true;
}

static bool valtype_enabled(code_validator *v, uint8_t t) { return wasm_valtype_enabled(v->features, t); }

/* blocktype: 0x40 (no values), a value type (one result) or an s33 type index. */
static bool read_blocktype(code_validator *v, const uint8_t **params, uint32_t *nparams, const uint8_t **results,
                           uint32_t *nresults) {
  if (wasm_reader_done(&v->r)) return wasm_read_fail(&v->r, "unexpected end");
  uint8_t first = v->r.data[v->r.pos];
  *params = *results = NULL;
  *nparams = *nresults = 0;
  if (first == 0x40) {
    v->r.pos++;
    return true;
  }
  if (valtype_enabled(v, first)) {
    v->r.pos++;
    *results = single_type(first);
    *nresults = 1;
    return true;
  }
  int64_t index;
  if (!wasm_read_s33(&v->r, &index)) return false;
  if (index < 0) return fail(v, "malformed block type");
  if ((uint64_t)index >= v->module->ntypes) return fail(v, "unknown type %lld", (long long)index);
  const wasm_functype *t = &v->module->types[index];
  *params = wasm_functype_params(t);
  *nparams = t->nparams;
  *results = wasm_functype_results(t);
  *nresults = t->nresults;
  return true;
}

static bool same_types(const uint8_t *a, uint32_t na, const uint8_t *b, uint32_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

static uint8_t address_type(const wasm_memtype *mem) { return mem->limits.is64 ? WASM_I64 : WASM_I32; }

/* A memory index immediate: a u32 with multi-memory, else the reserved zero byte. */
static bool read_memory_index(code_validator *v, uint32_t *index) {
  if (v->features->multi_memory) return read_index(v, v->ctx->nmemories, "memory", index);
  uint8_t zero;
  size_t at = v->r.pos;
  if (!wasm_read_u8(&v->r, &zero)) return false;
  if (zero != 0) {
    wr_error_at(v->err, at, "zero byte expected");
    return false;
  }
  *index = 0;
  if (v->ctx->nmemories == 0) return fail(v, "unknown memory 0");
  return true;
}

/* memarg: alignment (bit 6 flags an explicit memory index under multi-memory), then offset. */
static bool read_memarg(code_validator *v, unsigned natural_align, uint8_t *addr_type) {
  uint32_t align, memory = 0;
  uint64_t offset = 0; /* gcc -O1 cannot see that every use follows a successful read */
  if (!wasm_read_u32(&v->r, &align)) return false;
  if (v->features->multi_memory && (align & 0x40)) {
    align &= ~(uint32_t)0x40;
    if (!wasm_read_u32(&v->r, &memory)) return false;
  }
  if (v->features->memory64 ? !wasm_read_u64(&v->r, &offset) : !wasm_read_uleb(&v->r, 32, &offset)) return false;
  if (memory >= v->ctx->nmemories) return fail(v, "unknown memory %u", memory);
  const wasm_memtype *mem = &v->ctx->memories[memory];
  if (!mem->limits.is64 && offset > UINT32_MAX) return fail(v, "offset out of range for a 32-bit memory");
  if (align > natural_align) return fail(v, "alignment must not be larger than natural");
  *addr_type = address_type(mem);
  return true;
}

static bool read_lane(code_validator *v, unsigned lanes, uint8_t *lane) {
  if (!wasm_read_u8(&v->r, lane)) return false;
  if (*lane >= lanes) return fail(v, "invalid lane index %u (at most %u)", *lane, lanes - 1);
  return true;
}

static bool check_call(code_validator *v, const wasm_functype *callee, bool tail) {
  if (tail && !same_types(wasm_functype_results(callee), callee->nresults, wasm_functype_results(v->type),
                          v->type->nresults))
    return fail(v, "type mismatch: tail call's results differ from the caller's");
  if (!pop_types(v, wasm_functype_params(callee), callee->nparams)) return false;
  if (tail) {
    set_unreachable(v);
    return true;
  }
  push_types(v, wasm_functype_results(callee), callee->nresults);
  return true;
}

static bool validate_call_indirect(code_validator *v, bool tail) {
  uint32_t type, table;
  if (!read_index(v, v->module->ntypes, "type", &type)) return false;
  if (!read_index(v, v->ctx->ntables, "table", &table)) return false;
  if (v->ctx->tables[table].elem != WASM_FUNCREF)
    return fail(v, "type mismatch: call_indirect needs a funcref table, table %u holds %s", table,
                wasm_valtype_name(v->ctx->tables[table].elem));
  if (!pop(v, WASM_I32)) return false;
  return check_call(v, &v->module->types[type], tail);
}

static bool validate_br_table(code_validator *v) {
  uint32_t count;
  if (!wasm_read_u32(&v->r, &count)) return false;
  /* The default label comes last but fixes the arity; read it first, then walk the list. */
  size_t list_start = v->r.pos;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t depth;
    if (!wasm_read_u32(&v->r, &depth)) return false;
  }
  control_frame *default_frame;
  if (!read_label(v, &default_frame)) return false;
  size_t list_end = v->r.pos;
  const uint8_t *default_types;
  uint32_t arity;
  label_types(default_frame, &default_types, &arity);
  if (!pop(v, WASM_I32)) return false;

  v->r.pos = list_start;
  for (uint32_t i = 0; i < count; i++) {
    control_frame *frame;
    if (!read_label(v, &frame)) return false;
    const uint8_t *types;
    uint32_t n;
    label_types(frame, &types, &n);
    if (n != arity) return fail(v, "type mismatch: br_table labels have %u and %u values", n, arity);
    /* check the operands against this label without consuming them */
    WR_VEC_RESERVE(&v->scratch, n);
    for (uint32_t k = n; k-- > 0;)
      if (!pop_actual(v, types[k], &v->scratch.items[k])) return false;
    push_types(v, v->scratch.items, n);
  }
  v->r.pos = list_end;
  if (!pop_types(v, default_types, arity)) return false;
  set_unreachable(v);
  return true;
}

static bool validate_select(code_validator *v, bool typed) {
  if (typed) {
    uint32_t count;
    if (!wasm_read_u32(&v->r, &count)) return false;
    if (count != 1) return fail(v, "invalid result arity: typed select has %u types, needs 1", count);
    uint8_t t;
    size_t at = v->r.pos;
    if (!wasm_read_u8(&v->r, &t)) return false;
    if (!valtype_enabled(v, t)) {
      wr_error_at(v->err, at, "malformed value type");
      return false;
    }
    if (!POP_ARGS(v, t, t, WASM_I32)) return false;
    push(v, t);
    return true;
  }
  uint8_t a, b;
  if (!pop(v, WASM_I32) || !pop_actual(v, TYPE_UNKNOWN, &a) || !pop_actual(v, TYPE_UNKNOWN, &b)) return false;
  if (wasm_is_reftype(a) || wasm_is_reftype(b))
    return fail(v, "type mismatch: select without a type needs numeric or vector operands");
  if (a != b && a != TYPE_UNKNOWN && b != TYPE_UNKNOWN)
    return fail(v, "type mismatch: select operands are %s and %s", wasm_valtype_name(b), wasm_valtype_name(a));
  push(v, a == TYPE_UNKNOWN ? b : a);
  return true;
}

static bool validate_misc(code_validator *v) {
  const wasm_validate_context *ctx = v->ctx;
  uint32_t sub, index, other;
  uint8_t at, at2;
  if (!wasm_read_u32(&v->r, &sub)) return false;
  if (sub < WR_ARRAY_LEN(k_fc_sigs) && k_fc_sigs[sub] != SIG_SPECIAL) {
    const fixed_sig *sig = &k_fixed_sigs[k_fc_sigs[sub]];
    if (!pop(v, sig->params[0])) return false;
    push(v, sig->result);
    return true;
  }
  switch (sub) {
    case WASM_FC_memory_init:
    case WASM_FC_data_drop:
      if (!wasm_read_u32(&v->r, &index)) return false;
      if (sub == WASM_FC_memory_init && !read_memory_index(v, &other)) return false;
      if (index >= v->module->ndatas) return fail(v, "unknown data segment %u", index);
      /* single-pass compilers must know the segment count before the code section */
      if (!v->module->has_data_count) return fail(v, "data count section required");
      if (sub == WASM_FC_data_drop) return true;
      return POP_ARGS(v, address_type(&ctx->memories[other]), WASM_I32, WASM_I32);
    case WASM_FC_memory_copy:
      if (!read_memory_index(v, &index) || !read_memory_index(v, &other)) return false;
      at = address_type(&ctx->memories[index]);
      at2 = address_type(&ctx->memories[other]);
      /* the length is i64 only when both memories are 64-bit */
      return POP_ARGS(v, at, at2, at == WASM_I64 && at2 == WASM_I64 ? WASM_I64 : WASM_I32);
    case WASM_FC_memory_fill:
      if (!read_memory_index(v, &index)) return false;
      at = address_type(&ctx->memories[index]);
      return POP_ARGS(v, at, WASM_I32, at);
    case WASM_FC_table_init:
      if (!wasm_read_u32(&v->r, &index)) return false;
      if (!read_index(v, ctx->ntables, "table", &other)) return false;
      if (index >= v->module->nelems) return fail(v, "unknown elem segment %u", index);
      if (v->module->elems[index].elem_type != ctx->tables[other].elem)
        return fail(v, "type mismatch: elem segment %u holds %s, table %u holds %s", index,
                    wasm_valtype_name(v->module->elems[index].elem_type), other,
                    wasm_valtype_name(ctx->tables[other].elem));
      return POP_ARGS(v, WASM_I32, WASM_I32, WASM_I32);
    case WASM_FC_elem_drop:
      return read_index(v, v->module->nelems, "elem segment", &index);
    case WASM_FC_table_copy:
      if (!read_index(v, ctx->ntables, "table", &index) || !read_index(v, ctx->ntables, "table", &other)) return false;
      if (ctx->tables[index].elem != ctx->tables[other].elem)
        return fail(v, "type mismatch: table.copy from %s table to %s table",
                    wasm_valtype_name(ctx->tables[other].elem),
                    wasm_valtype_name(ctx->tables[index].elem));
      return POP_ARGS(v, WASM_I32, WASM_I32, WASM_I32);
    case WASM_FC_table_grow:
      if (!read_index(v, ctx->ntables, "table", &index)) return false;
      if (!POP_ARGS(v, ctx->tables[index].elem, WASM_I32)) return false;
      push(v, WASM_I32);
      return true;
    case WASM_FC_table_size:
      if (!read_index(v, ctx->ntables, "table", &index)) return false;
      push(v, WASM_I32);
      return true;
    case WASM_FC_table_fill:
      if (!read_index(v, ctx->ntables, "table", &index)) return false;
      return POP_ARGS(v, WASM_I32, ctx->tables[index].elem, WASM_I32);
    default:
      return fail(v, "illegal opcode 0xfc %u", sub);
  }
}

static bool validate_simd(code_validator *v) {
  uint32_t sub;
  uint8_t at, lane;
  const uint8_t *bytes;
  if (!wasm_read_u32(&v->r, &sub)) return false;
  if (!v->features->simd || sub >= WR_ARRAY_LEN(k_simd_ops) || !k_simd_ops[sub].known)
    return fail(v, "illegal opcode 0xfd %u", sub);
  const simd_info *op = &k_simd_ops[sub];
  switch ((wasm_simd_shape)op->shape) {
    case SIMD_LOAD:
      if (!read_memarg(v, op->align, &at) || !pop(v, at)) return false;
      break;
    case SIMD_STORE:
      return read_memarg(v, op->align, &at) && POP_ARGS(v, at, WASM_V128);
    case SIMD_LOAD_LANE:
      if (!read_memarg(v, op->align, &at) || !read_lane(v, op->lanes, &lane)) return false;
      if (!POP_ARGS(v, at, WASM_V128)) return false;
      break;
    case SIMD_STORE_LANE:
      return read_memarg(v, op->align, &at) && read_lane(v, op->lanes, &lane) && POP_ARGS(v, at, WASM_V128);
    case SIMD_CONST:
      if (!wasm_read_bytes(&v->r, 16, &bytes)) return false;
      break;
    case SIMD_SHUFFLE:
      if (!wasm_read_bytes(&v->r, 16, &bytes)) return false;
      for (int i = 0; i < 16; i++)
        if (bytes[i] >= 32) return fail(v, "invalid lane index %u (shuffle lanes are below 32)", bytes[i]);
      if (!POP_ARGS(v, WASM_V128, WASM_V128)) return false;
      break;
    case SIMD_EXTRACT_I32:
    case SIMD_EXTRACT_I64:
    case SIMD_EXTRACT_F32:
    case SIMD_EXTRACT_F64: {
      static const uint8_t result[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
      if (!read_lane(v, op->lanes, &lane) || !pop(v, WASM_V128)) return false;
      push(v, result[op->shape - SIMD_EXTRACT_I32]);
      return true;
    }
    case SIMD_REPLACE_I32:
    case SIMD_REPLACE_I64:
    case SIMD_REPLACE_F32:
    case SIMD_REPLACE_F64: {
      static const uint8_t operand[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
      if (!read_lane(v, op->lanes, &lane)) return false;
      if (!POP_ARGS(v, WASM_V128, operand[op->shape - SIMD_REPLACE_I32])) return false;
      break;
    }
    case SIMD_SPLAT_I32:
    case SIMD_SPLAT_I64:
    case SIMD_SPLAT_F32:
    case SIMD_SPLAT_F64: {
      static const uint8_t operand[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
      if (!pop(v, operand[op->shape - SIMD_SPLAT_I32])) return false;
      break;
    }
    case SIMD_UNARY:
      if (!pop(v, WASM_V128)) return false;
      break;
    case SIMD_BINARY:
      if (!POP_ARGS(v, WASM_V128, WASM_V128)) return false;
      break;
    case SIMD_TERNARY:
      if (!POP_ARGS(v, WASM_V128, WASM_V128, WASM_V128)) return false;
      break;
    case SIMD_TEST:
      if (!pop(v, WASM_V128)) return false;
      push(v, WASM_I32);
      return true;
    case SIMD_SHIFT:
      if (!POP_ARGS(v, WASM_V128, WASM_I32)) return false;
      break;
  }
  push(v, WASM_V128);
  return true;
}

/* `end` of the current frame; `else`, `catch`, `catch_all` and `delegate` end a frame too. */
static bool end_frame(code_validator *v) {
  control_frame *frame = top_frame(v);
  /* an `if` without `else` has an implicit empty else that passes its parameters through */
  if (frame->kind == FRAME_IF && !same_types(frame->params, frame->nparams, frame->results, frame->nresults))
    return fail(v, "type mismatch: if without else must have the same parameter and result types");
  if (!check_frame_exit(v)) return false;
  v->frames.len--;
  return true;
}

/* try_table bt catch* : each catch clause branches to a label (counted from outside the
 * try_table) with the tag's values, then the exception itself for the _ref forms. */
enum { CATCH_TAG = 0, CATCH_TAG_REF = 1, CATCH_ALL = 2, CATCH_ALL_REF = 3 };
static bool validate_try_table(code_validator *v) {
  const uint8_t *params, *results;
  uint32_t nparams, nresults, ncatches;
  if (!read_blocktype(v, &params, &nparams, &results, &nresults)) return false;
  if (!wasm_read_u32(&v->r, &ncatches)) return false;
  for (uint32_t i = 0; i < ncatches; i++) {
    uint8_t kind;
    uint32_t tag = 0;
    control_frame *frame;
    if (!wasm_read_u8(&v->r, &kind)) return false;
    if (kind > CATCH_ALL_REF) return fail(v, "malformed catch clause");
    if (kind <= CATCH_TAG_REF && !read_index(v, v->ctx->ntags, "tag", &tag)) return false;
    if (!read_label(v, &frame)) return false;
    const uint8_t *want;
    uint32_t nwant;
    label_types(frame, &want, &nwant);
    const wasm_functype *t = kind <= CATCH_TAG_REF ? &v->module->types[v->ctx->tag_types[tag]] : NULL;
    uint32_t nvalues = t ? t->nparams : 0;
    bool ref = kind == CATCH_TAG_REF || kind == CATCH_ALL_REF;
    bool ok = nwant == nvalues + ref;
    for (uint32_t k = 0; ok && k < nvalues; k++) ok = want[k] == wasm_functype_params(t)[k];
    if (ok && ref) ok = want[nvalues] == WASM_EXNREF;
    if (!ok) return fail(v, "type mismatch: catch clause %u does not match its label", i);
  }
  if (!pop_types(v, params, nparams)) return false;
  push_frame(v, FRAME_BLOCK, params, nparams, results, nresults);
  return true;
}

static bool validate_exception_op(code_validator *v, uint8_t op) {
  const wasm_validate_context *ctx = v->ctx;
  uint32_t tag;
  control_frame *frame;
  switch (op) {
    case WASM_OPCODE_catch:
    case WASM_OPCODE_catch_all: {
      frame = top_frame(v);
      if (frame->kind != FRAME_TRY && frame->kind != FRAME_CATCH)
        return fail(v, "%s without a matching try", op == WASM_OPCODE_catch ? "catch" : "catch_all");
      const wasm_functype *tag_type = NULL;
      if (op == WASM_OPCODE_catch) {
        if (!read_index(v, ctx->ntags, "tag", &tag)) return false;
        tag_type = &v->module->types[ctx->tag_types[tag]];
      }
      if (!check_frame_exit(v)) return false;
      frame->kind = op == WASM_OPCODE_catch ? FRAME_CATCH : FRAME_CATCH_ALL;
      frame->unreachable = false;
      if (tag_type) push_types(v, wasm_functype_params(tag_type), tag_type->nparams);
      return true;
    }
    case WASM_OPCODE_delegate: {
      frame = top_frame(v);
      if (frame->kind != FRAME_TRY) return fail(v, "delegate without a matching try");
      control_frame closed = *frame;
      if (!check_frame_exit(v)) return false;
      v->frames.len--;
      /* the label is counted from the frame enclosing the try */
      uint32_t depth;
      if (!wasm_read_u32(&v->r, &depth)) return false;
      if (depth >= v->frames.len) return fail(v, "unknown label %u", depth);
      push_types(v, closed.results, closed.nresults);
      return true;
    }
    case WASM_OPCODE_throw: {
      if (!read_index(v, ctx->ntags, "tag", &tag)) return false;
      const wasm_functype *t = &v->module->types[ctx->tag_types[tag]];
      if (!pop_types(v, wasm_functype_params(t), t->nparams)) return false;
      set_unreachable(v);
      return true;
    }
    case WASM_OPCODE_rethrow:
      if (!read_label(v, &frame)) return false;
      if (frame->kind != FRAME_CATCH && frame->kind != FRAME_CATCH_ALL) return fail(v, "invalid rethrow label");
      set_unreachable(v);
      return true;
    case WASM_OPCODE_throw_ref:
      if (!pop(v, WASM_EXNREF)) return false;
      set_unreachable(v);
      return true;
    case WASM_OPCODE_try_table:
      return validate_try_table(v);
    default:
      return fail(v, "illegal opcode 0x%02x", op);
  }
}

/* One instruction. */
static bool validate_instruction(code_validator *v, uint8_t op) {
  const wasm_validate_context *ctx = v->ctx;
  const uint8_t *params, *results;
  uint32_t nparams, nresults, index;
  control_frame *frame;
  uint8_t type, at;

  if (k_core_sigs[op] != SIG_SPECIAL) {
    const fixed_sig *sig = &k_fixed_sigs[k_core_sigs[op]];
    if (!pop_types(v, sig->params, sig->nparams)) return false;
    push(v, sig->result);
    return true;
  }
  if (k_memory_accesses[op].type) {
    const memory_access *access = &k_memory_accesses[op];
    if (!read_memarg(v, access->align, &at)) return false;
    if (access->store) return POP_ARGS(v, at, access->type);
    if (!pop(v, at)) return false;
    push(v, access->type);
    return true;
  }
  switch (op) {
    case WASM_OPCODE_unreachable:
      set_unreachable(v);
      return true;
    case WASM_OPCODE_nop:
      return true;
    case WASM_OPCODE_block:
    case WASM_OPCODE_loop:
    case WASM_OPCODE_if:
    case WASM_OPCODE_try:
      if (op == WASM_OPCODE_try && !v->features->exceptions) return fail(v, "illegal opcode 0x%02x", op);
      if (!read_blocktype(v, &params, &nparams, &results, &nresults)) return false;
      if (op == WASM_OPCODE_if && !pop(v, WASM_I32)) return false;
      if (!pop_types(v, params, nparams)) return false;
      push_frame(v,
                 op == WASM_OPCODE_block  ? FRAME_BLOCK
                 : op == WASM_OPCODE_loop ? FRAME_LOOP
                 : op == WASM_OPCODE_if   ? FRAME_IF
                                          : FRAME_TRY,
                 params, nparams, results, nresults);
      return true;
    case WASM_OPCODE_else:
      frame = top_frame(v);
      if (frame->kind != FRAME_IF) return fail(v, "else without a matching if");
      if (!check_frame_exit(v)) return false;
      frame->kind = FRAME_ELSE;
      frame->unreachable = false;
      push_types(v, frame->params, frame->nparams);
      return true;
    case WASM_OPCODE_end:
      frame = top_frame(v);
      results = frame->results;
      nresults = frame->nresults;
      if (!end_frame(v)) return false;
      push_types(v, results, nresults);
      return true;
    case WASM_OPCODE_br:
      if (!read_label(v, &frame)) return false;
      label_types(frame, &params, &nparams);
      if (!pop_types(v, params, nparams)) return false;
      set_unreachable(v);
      return true;
    case WASM_OPCODE_br_if:
      if (!read_label(v, &frame)) return false;
      label_types(frame, &params, &nparams);
      if (!pop(v, WASM_I32) || !pop_types(v, params, nparams)) return false;
      push_types(v, params, nparams);
      return true;
    case WASM_OPCODE_br_table:
      return validate_br_table(v);
    case WASM_OPCODE_return:
      if (!pop_types(v, wasm_functype_results(v->type), v->type->nresults)) return false;
      set_unreachable(v);
      return true;
    case WASM_OPCODE_call:
    case WASM_OPCODE_return_call:
      if (op == WASM_OPCODE_return_call && !v->features->tail_call) return fail(v, "illegal opcode 0x%02x", op);
      if (!read_index(v, ctx->nfuncs, "function", &index)) return false;
      return check_call(v, &v->module->types[ctx->func_types[index]], op == WASM_OPCODE_return_call);
    case WASM_OPCODE_call_indirect:
      return validate_call_indirect(v, false);
    case WASM_OPCODE_return_call_indirect:
      if (!v->features->tail_call) return fail(v, "illegal opcode 0x%02x", op);
      return validate_call_indirect(v, true);
    case WASM_OPCODE_drop:
      return pop(v, TYPE_UNKNOWN);
    case WASM_OPCODE_select:
    case WASM_OPCODE_select_t:
      return validate_select(v, op == WASM_OPCODE_select_t);
    case WASM_OPCODE_local_get:
    case WASM_OPCODE_local_set:
    case WASM_OPCODE_local_tee:
      if (!wasm_read_u32(&v->r, &index)) return false;
      if (index >= v->locals.len) return fail(v, "unknown local %u", index);
      type = v->locals.items[index];
      if (op != WASM_OPCODE_local_get && !pop(v, type)) return false;
      if (op != WASM_OPCODE_local_set) push(v, type);
      return true;
    case WASM_OPCODE_global_get:
      if (!read_index(v, ctx->nglobals, "global", &index)) return false;
      push(v, ctx->globals[index].type);
      return true;
    case WASM_OPCODE_global_set:
      if (!read_index(v, ctx->nglobals, "global", &index)) return false;
      if (!ctx->globals[index].mut) return fail(v, "global is immutable: global %u", index);
      return pop(v, ctx->globals[index].type);
    case WASM_OPCODE_table_get:
      if (!read_index(v, ctx->ntables, "table", &index)) return false;
      if (!pop(v, WASM_I32)) return false;
      push(v, ctx->tables[index].elem);
      return true;
    case WASM_OPCODE_table_set:
      if (!read_index(v, ctx->ntables, "table", &index)) return false;
      return POP_ARGS(v, WASM_I32, ctx->tables[index].elem);
    case WASM_OPCODE_memory_size:
    case WASM_OPCODE_memory_grow:
      if (!read_memory_index(v, &index)) return false;
      at = address_type(&ctx->memories[index]);
      if (op == WASM_OPCODE_memory_grow && !pop(v, at)) return false;
      push(v, at);
      return true;
    case WASM_OPCODE_i32_const: {
      int32_t value;
      if (!wasm_read_s32(&v->r, &value)) return false;
      push(v, WASM_I32);
      return true;
    }
    case WASM_OPCODE_i64_const: {
      int64_t value;
      if (!wasm_read_s64(&v->r, &value)) return false;
      push(v, WASM_I64);
      return true;
    }
    case WASM_OPCODE_f32_const:
    case WASM_OPCODE_f64_const: {
      const uint8_t *bits;
      if (!wasm_read_bytes(&v->r, op == WASM_OPCODE_f32_const ? 4 : 8, &bits)) return false;
      push(v, op == WASM_OPCODE_f32_const ? WASM_F32 : WASM_F64);
      return true;
    }
    case WASM_OPCODE_ref_null: {
      size_t pos = v->r.pos;
      if (!wasm_read_u8(&v->r, &type)) return false;
      if (!wasm_is_reftype(type) || !wasm_valtype_enabled(v->features, type)) {
        wr_error_at(v->err, pos, "malformed reference type");
        return false;
      }
      push(v, type);
      return true;
    }
    case WASM_OPCODE_ref_is_null:
      if (!pop_actual(v, TYPE_UNKNOWN, &type)) return false;
      if (type != TYPE_UNKNOWN && !wasm_is_reftype(type))
        return fail(v, "type mismatch: ref.is_null needs a reference, got %s", wasm_valtype_name(type));
      push(v, WASM_I32);
      return true;
    case WASM_OPCODE_ref_func:
      if (!read_index(v, ctx->nfuncs, "function", &index)) return false;
      if (!ctx->declared_funcs[index]) return fail(v, "undeclared function reference %u", index);
      push(v, WASM_FUNCREF);
      return true;
    case WASM_OPCODE_PREFIX_FC:
      return validate_misc(v);
    case WASM_OPCODE_PREFIX_FD:
      return validate_simd(v);
    case WASM_OPCODE_catch:
    case WASM_OPCODE_catch_all:
    case WASM_OPCODE_delegate:
    case WASM_OPCODE_throw:
    case WASM_OPCODE_rethrow:
    case WASM_OPCODE_throw_ref:
    case WASM_OPCODE_try_table:
      if (!v->features->exceptions) return fail(v, "illegal opcode 0x%02x", op);
      return validate_exception_op(v, op);
    default:
      return fail(v, "illegal opcode 0x%02x", op);
  }
}

static bool validate_body(code_validator *v, const wasm_func_def *def) {
  const wasm_functype *t = v->type;
  /* the decoder bounds the declared locals, so their types fit in one small array */
  WR_VEC_RESERVE(&v->locals, t->nparams + def->nlocals);
  push_types_to(&v->locals, wasm_functype_params(t), t->nparams);
  for (uint32_t g = 0; g < def->nlocal_groups; g++) {
    const wasm_local_group *group = &def->local_groups[g];
    if (!valtype_enabled(v, group->type)) return fail(v, "malformed value type in local declarations");
    if (group->count > v->locals.cap - v->locals.len) return fail(v, "too many locals");
    if (group->count == 0) continue; /* the array may still be unallocated */
    memset(v->locals.items + v->locals.len, group->type, group->count);
    v->locals.len += group->count;
  }

  push_frame(v, FRAME_BLOCK, NULL, 0, wasm_functype_results(t), t->nresults);
  while (v->frames.len > 0) {
    v->op_offset = v->r.pos;
    uint8_t op;
    if (!wasm_read_u8(&v->r, &op)) return false;
    if (!validate_instruction(v, op)) return false;
  }
  if (!wasm_reader_done(&v->r)) {
    v->op_offset = v->r.pos;
    return fail(v, "operators remaining after the end of the function");
  }
  return true;
}

/* ---- Encoding-only scan ----
 * The spec decodes every body before validating any, so a malformed encoding anywhere wins
 * over an invalid module. The validator stops at its first error; when that error is a
 * validation error, the bodies from the failing one on are scanned for encodings alone. */

static bool scan_fail(wasm_reader *r, size_t at, const char *message) {
  wr_error_at(r->err, at, "%s", message);
  return false;
}

static bool scan_memory_index(wasm_reader *r, const wasm_features *features) {
  uint32_t index;
  if (features->multi_memory) return wasm_read_u32(r, &index);
  size_t at = r->pos;
  uint8_t zero;
  if (!wasm_read_u8(r, &zero)) return false;
  if (zero != 0) {
    wr_error_at(r->err, at, "zero byte expected");
    return false;
  }
  return true;
}

static bool scan_memarg(wasm_reader *r, const wasm_features *features) {
  uint32_t align, memory;
  uint64_t offset;
  if (!wasm_read_u32(r, &align)) return false;
  if (features->multi_memory && (align & 0x40) && !wasm_read_u32(r, &memory)) return false;
  return features->memory64 ? wasm_read_u64(r, &offset) : wasm_read_uleb(r, 32, &offset);
}

static bool scan_blocktype(wasm_reader *r, const wasm_features *features) {
  if (wasm_reader_done(r)) return wasm_read_fail(r, "unexpected end");
  uint8_t first = r->data[r->pos];
  if (first == 0x40 || wasm_valtype_enabled(features, first)) {
    r->pos++;
    return true;
  }
  size_t at = r->pos;
  int64_t index;
  if (!wasm_read_s33(r, &index)) return false;
  return index >= 0 || scan_fail(r, at, "malformed block type");
}

static bool scan_u32s(wasm_reader *r, unsigned n) {
  uint32_t value;
  for (unsigned i = 0; i < n; i++)
    if (!wasm_read_u32(r, &value)) return false;
  return true;
}

static bool scan_misc(wasm_reader *r, const wasm_features *features, size_t at) {
  uint32_t sub;
  if (!wasm_read_u32(r, &sub)) return false;
  if (sub < WR_ARRAY_LEN(k_fc_sigs) && k_fc_sigs[sub] != SIG_SPECIAL) return true;
  switch (sub) {
    /* A missing data count section is left to the validator: wast2json omits the section in
     * modules whose memory.init names no segment, which the suite expects to be invalid. */
    case WASM_FC_memory_init: return scan_u32s(r, 1) && scan_memory_index(r, features);
    case WASM_FC_data_drop: return scan_u32s(r, 1);
    case WASM_FC_memory_copy: return scan_memory_index(r, features) && scan_memory_index(r, features);
    case WASM_FC_memory_fill: return scan_memory_index(r, features);
    case WASM_FC_table_init:
    case WASM_FC_table_copy: return scan_u32s(r, 2);
    case WASM_FC_elem_drop:
    case WASM_FC_table_grow:
    case WASM_FC_table_size:
    case WASM_FC_table_fill: return scan_u32s(r, 1);
    default: return scan_fail(r, at, "illegal opcode");
  }
}

static bool scan_simd(wasm_reader *r, const wasm_features *features, size_t at) {
  uint32_t sub;
  uint8_t lane;
  const uint8_t *bytes;
  if (!wasm_read_u32(r, &sub)) return false;
  if (!features->simd || sub >= WR_ARRAY_LEN(k_simd_ops) || !k_simd_ops[sub].known)
    return scan_fail(r, at, "illegal opcode");
  switch ((wasm_simd_shape)k_simd_ops[sub].shape) {
    case SIMD_LOAD:
    case SIMD_STORE: return scan_memarg(r, features);
    case SIMD_LOAD_LANE:
    case SIMD_STORE_LANE: return scan_memarg(r, features) && wasm_read_u8(r, &lane);
    case SIMD_CONST:
    case SIMD_SHUFFLE: return wasm_read_bytes(r, 16, &bytes);
    case SIMD_EXTRACT_I32: case SIMD_EXTRACT_I64: case SIMD_EXTRACT_F32: case SIMD_EXTRACT_F64:
    case SIMD_REPLACE_I32: case SIMD_REPLACE_I64: case SIMD_REPLACE_F32: case SIMD_REPLACE_F64:
      return wasm_read_u8(r, &lane);
    default: return true;
  }
}

bool wasm_scan_instruction(wasm_reader *r, const wasm_features *features, uint8_t op, size_t at, uint32_t *depth) {
  const uint8_t *bytes;
  uint8_t byte;
  uint32_t count;
  if (k_core_sigs[op] != SIG_SPECIAL) return true;
  if (k_memory_accesses[op].type) return scan_memarg(r, features);
  switch (op) {
    case WASM_OPCODE_try:
    case WASM_OPCODE_catch:
    case WASM_OPCODE_catch_all:
    case WASM_OPCODE_delegate:
    case WASM_OPCODE_throw:
    case WASM_OPCODE_rethrow:
    case WASM_OPCODE_throw_ref:
    case WASM_OPCODE_try_table:
      if (!features->exceptions) return scan_fail(r, at, "illegal opcode");
      if (op == WASM_OPCODE_throw_ref) return true;
      if (op == WASM_OPCODE_try_table) {
        ++*depth;
        if (!scan_blocktype(r, features) || !wasm_read_u32(r, &count)) return false;
        for (uint64_t i = 0; i < count; i++) { /* each clause takes two bytes at least */
          if (!wasm_read_u8(r, &byte)) return false;
          if (byte > 3) return scan_fail(r, at, "malformed catch clause");
          if (!scan_u32s(r, byte <= 1 ? 2 : 1)) return false;
        }
        return true;
      }
      if (op == WASM_OPCODE_try) {
        ++*depth;
        return scan_blocktype(r, features);
      }
      if (op == WASM_OPCODE_delegate) --*depth; /* it closes its try */
      return op == WASM_OPCODE_catch_all || scan_u32s(r, 1);
    case WASM_OPCODE_block:
    case WASM_OPCODE_loop:
    case WASM_OPCODE_if:
      ++*depth;
      return scan_blocktype(r, features);
    case WASM_OPCODE_end:
      --*depth;
      return true;
    case WASM_OPCODE_unreachable: case WASM_OPCODE_nop: case WASM_OPCODE_else: case WASM_OPCODE_return:
    case WASM_OPCODE_drop: case WASM_OPCODE_select: case WASM_OPCODE_ref_is_null:
      return true;
    case WASM_OPCODE_br: case WASM_OPCODE_br_if: case WASM_OPCODE_call: case WASM_OPCODE_local_get:
    case WASM_OPCODE_local_set: case WASM_OPCODE_local_tee: case WASM_OPCODE_global_get:
    case WASM_OPCODE_global_set: case WASM_OPCODE_table_get: case WASM_OPCODE_table_set:
    case WASM_OPCODE_ref_func:
      return scan_u32s(r, 1);
    case WASM_OPCODE_return_call:
    case WASM_OPCODE_return_call_indirect:
      if (!features->tail_call) return scan_fail(r, at, "illegal opcode");
      return scan_u32s(r, op == WASM_OPCODE_return_call ? 1 : 2);
    case WASM_OPCODE_call_indirect:
      return scan_u32s(r, 2);
    case WASM_OPCODE_br_table:
      if (!wasm_read_u32(r, &count)) return false;
      for (uint64_t i = 0; i <= count; i++) /* each label takes a byte at least: bounded by the body */
        if (!scan_u32s(r, 1)) return false;
      return true;
    case WASM_OPCODE_select_t:
      if (!wasm_read_u32(r, &count)) return false;
      for (uint32_t i = 0; i < count; i++) {
        size_t type_at = r->pos;
        if (!wasm_read_u8(r, &byte)) return false;
        if (!wasm_valtype_enabled(features, byte)) {
          wr_error_at(r->err, type_at, "malformed value type");
          return false;
        }
      }
      return true;
    case WASM_OPCODE_memory_size:
    case WASM_OPCODE_memory_grow:
      return scan_memory_index(r, features);
    case WASM_OPCODE_i32_const: {
      int32_t value;
      return wasm_read_s32(r, &value);
    }
    case WASM_OPCODE_i64_const: {
      int64_t value;
      return wasm_read_s64(r, &value);
    }
    case WASM_OPCODE_f32_const: return wasm_read_bytes(r, 4, &bytes);
    case WASM_OPCODE_f64_const: return wasm_read_bytes(r, 8, &bytes);
    case WASM_OPCODE_ref_null:
      if (!wasm_read_u8(r, &byte)) return false;
      if (!wasm_is_reftype(byte) || !wasm_valtype_enabled(features, byte)) {
        wr_error_at(r->err, r->pos - 1, "malformed reference type");
        return false;
      }
      return true;
    case WASM_OPCODE_PREFIX_FC: return scan_misc(r, features, at);
    case WASM_OPCODE_PREFIX_FD: return scan_simd(r, features, at);
    default: return scan_fail(r, at, "illegal opcode");
  }
}

/* Appends where a body's malformed encoding is; the category stays first in the message. */
static bool fail_in_function(wr_error *err, uint32_t func_index) {
  size_t len = strlen(err->message);
  snprintf(err->message + len, sizeof err->message - len, " in function %u at offset 0x%zx", func_index,
           err->offset);
  return false;
}

bool wasm_scan_function_encoding(const wasm_module *m, uint32_t def_index, wr_error *err) {
  const wasm_func_def *def = &m->funcs[def_index];
  uint32_t func_index = m->nfunc_imports + def_index;
  wasm_reader r = wasm_reader_at(m->bytes, def->body_offset, def->body_end, err);
  uint32_t depth = 1;
  while (depth > 0) {
    size_t at = r.pos;
    uint8_t op;
    if (!wasm_read_u8(&r, &op) || !wasm_scan_instruction(&r, &m->features, op, at, &depth))
      return fail_in_function(err, func_index);
  }
  if (!wasm_reader_done(&r)) {
    scan_fail(&r, r.pos, "operators remaining after the end of the function");
    return fail_in_function(err, func_index);
  }
  return true;
}

bool wasm_validate_error_is_malformed(const wr_error *err) {
  static const char *const categories[] = {
    "unexpected end", "integer representation too long", "integer too large", "zero byte expected",
    "illegal opcode", "malformed", "data count section required", "operators remaining", "too many locals",
    "else without", "catch without", "catch_all without", "delegate without",
  };
  if (!err || !err->failed) return false;
  for (size_t i = 0; i < WR_ARRAY_LEN(categories); i++)
    if (strncmp(err->message, categories[i], strlen(categories[i])) == 0) return true;
  return false;
}

bool wasm_validate_function(const wasm_validate_context *ctx, uint32_t def_index, wr_error *err) {
  const wasm_module *m = ctx->module;
  const wasm_func_def *def = &m->funcs[def_index];
  code_validator v = {0};
  v.ctx = ctx;
  v.module = m;
  v.features = ctx->features;
  v.func_index = m->nfunc_imports + def_index;
  v.type = &m->types[def->type];
  v.err = err;
  v.op_offset = def->body_offset;
  v.r = wasm_reader_at(m->bytes, def->body_offset, def->body_end, err);
  bool ok = validate_body(&v, def);
  WR_VEC_FREE(&v.locals);
  WR_VEC_FREE(&v.stack);
  WR_VEC_FREE(&v.frames);
  WR_VEC_FREE(&v.scratch);
  return ok;
}
