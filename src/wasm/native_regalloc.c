/* Slots in registers: per function, the slots used most (scalar locals: i32, i64, f32, f64;
 * and operand-stack slots), each use weighted by the depth of the
 * loops around it, live in registers the templates do not use (r15, rbp, r8..r11, rsi, rdi)
 * for the whole function instead of in the frame. Templates reach every slot through slot(),
 * which names the register of a cached slot, so only what reads or writes the frame behind the
 * templates' backs needs care: interpreter steps, calls (native ones too: the callee uses the
 * same registers, and its arguments are operand-stack slots), returns and tail calls, and the
 * interrupt hook. Those store the cached slots to the frame before and reload them after (a
 * reload after a call also fills dead operand-stack slots with the callee's leftovers: no
 * value above the call's arguments is live across it).
 *
 * Vectors the same way, in xmm4..xmm15: v128 locals and the operand-stack slots vector
 * instructions name. Which words of a vector instruction are v128 slots is not written down
 * anywhere but in the templates, so the choice is checked while translating: a template that
 * reaches a chosen vector's slot other than as a whole vector in a register (a lane in the
 * frame, a scalar use of a slot a vector used elsewhere, a vector that overlaps it) marks a
 * conflict, and the function is translated again without that vector (native_module.c). So is
 * a vector template that reaches an operand-stack slot a general register holds (a slot that is
 * a scalar in one place and half of a vector in another): again without that register. */
#include "native_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if WASM_NATIVE

static const int cache_regs[NATIVE_CACHE_REGS] = {R15, RBP, R8, R9, R10, R11, RSI, RDI};

/* Loops nest at most this deep for the weights (8^depth): deeper ones count as this deep. */
#define MAX_WEIGHT_DEPTH 6
/* A local used fewer times than this (weighted) stays in the frame: loading it on entry and
 * saving it around calls would cost more than it saves. */
#define MIN_CACHE_WEIGHT 4

/* The word index of the target of the loop back-edge at `pc`, or NO_POS when it is none. */
static uint32_t back_edge_target(const wasm_native_builder *nb, uint32_t pc) {
  switch ((enum wasm_iop)nb->code[pc]) {
  case WASM_IOP_br_back: return target_of(nb, pc, 1);
  case WASM_IOP_br_if_back:
  case WASM_IOP_br_unless_back:
  case WASM_IOP_br_unless_back64: return target_of(nb, pc, 2);
#define BACK(name, cc) \
  case WASM_IOP_br_if_back_##name: \
  case WASM_IOP_br_if_back_i64_##name: return target_of(nb, pc, 3); \
  case WASM_IOP_i32_add_br_if_back_##name: return target_of(nb, pc, 6);
    CMP_CCS(BACK)
#undef BACK
  default: return NO_POS;
  }
}

static const char *op_name(uint32_t op) {
  switch ((enum wasm_iop)op) {
#define X(n) \
  case WASM_IOP_##n: return #n;
#include "iops.inc"
#undef X
  default: return NULL;
  }
}

/* What an instruction's name says of its words, looked up per instruction while choosing
 * (searching the names each time was a sixth of translating a large module). */
enum {
  OP_VECTOR = 1,        /* moves or computes v128 values */
  OP_STATIC_OFFSET = 2, /* a memory access: its last word is the static offset, not a slot */
};
static uint8_t op_kinds[WASM_IOP_COUNT];
/* Per instruction, the words (bit w: word w) that its template moves between an xmm register and
 * the slot: a general register there costs a movq each way, slower than the frame on the
 * memory operand (matmul's inner loop ran ~1.5x as long with its invariant f64 in r10). */
static uint8_t op_float_words[WASM_IOP_COUNT];
static pthread_once_t op_kinds_once = PTHREAD_ONCE_INIT;

/* The float words of a core instruction, from its signature (params_result; word 1 is the
 * result, words 2 and 3 the operands); integer-only signatures have none. */
#define FLOAT_i32 0
#define FLOAT_i64 0
#define FLOAT_f32 1
#define FLOAT_f64 1
#define FLOAT_WORDS_SIG_SPECIAL(name)
#define UNARY_WORDS(p, r) (FLOAT_##r << 1 | FLOAT_##p << 2)
#define BINARY_WORDS(p, r) (FLOAT_##r << 1 | FLOAT_##p << 2 | FLOAT_##p << 3)
#define FLOAT_WORDS_SIG_f32_f32(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(f32, f32);
#define FLOAT_WORDS_SIG_f32_f64(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(f32, f64);
#define FLOAT_WORDS_SIG_f32_i32(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(f32, i32);
#define FLOAT_WORDS_SIG_f32_i64(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(f32, i64);
#define FLOAT_WORDS_SIG_f32f32_f32(name) op_float_words[WASM_IOP_##name] = BINARY_WORDS(f32, f32);
#define FLOAT_WORDS_SIG_f32f32_i32(name) op_float_words[WASM_IOP_##name] = BINARY_WORDS(f32, i32);
#define FLOAT_WORDS_SIG_f64_f32(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(f64, f32);
#define FLOAT_WORDS_SIG_f64_f64(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(f64, f64);
#define FLOAT_WORDS_SIG_f64_i32(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(f64, i32);
#define FLOAT_WORDS_SIG_f64_i64(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(f64, i64);
#define FLOAT_WORDS_SIG_f64f64_f64(name) op_float_words[WASM_IOP_##name] = BINARY_WORDS(f64, f64);
#define FLOAT_WORDS_SIG_f64f64_i32(name) op_float_words[WASM_IOP_##name] = BINARY_WORDS(f64, i32);
#define FLOAT_WORDS_SIG_i32_f32(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(i32, f32);
#define FLOAT_WORDS_SIG_i32_f64(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(i32, f64);
#define FLOAT_WORDS_SIG_i32_i32(name)
#define FLOAT_WORDS_SIG_i32_i64(name)
#define FLOAT_WORDS_SIG_i32i32_i32(name)
#define FLOAT_WORDS_SIG_i64_f32(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(i64, f32);
#define FLOAT_WORDS_SIG_i64_f64(name) op_float_words[WASM_IOP_##name] = UNARY_WORDS(i64, f64);
#define FLOAT_WORDS_SIG_i64_i32(name)
#define FLOAT_WORDS_SIG_i64_i64(name)
#define FLOAT_WORDS_SIG_i64i64_i32(name)
#define FLOAT_WORDS_SIG_i64i64_i64(name)

static void classify_float_words(void) {
#define WASM_OP(name, byte, sig) FLOAT_WORDS_##sig(name)
#define WASM_OP_FC(name, sub, sig) FLOAT_WORDS_##sig(name)
#define WASM_OP_LOAD(name, byte, type, align)
#define WASM_OP_STORE(name, byte, type, align)
#include "opcodes.def"
#undef WASM_OP
#undef WASM_OP_FC
#undef WASM_OP_LOAD
#undef WASM_OP_STORE
  /* sign-bit operations and reinterpretations go through a general register */
  static const enum wasm_iop in_general_registers[] = {
      WASM_IOP_f32_neg, WASM_IOP_f32_abs, WASM_IOP_f32_copysign, WASM_IOP_f64_neg, WASM_IOP_f64_abs,
      WASM_IOP_f64_copysign, WASM_IOP_i32_reinterpret_f32, WASM_IOP_f32_reinterpret_i32,
      WASM_IOP_i64_reinterpret_f64, WASM_IOP_f64_reinterpret_i64};
  for (size_t i = 0; i < sizeof in_general_registers / sizeof in_general_registers[0]; i++)
    op_float_words[in_general_registers[i]] = 0;
  /* the fused f64 memory forms: dst a x (y) offset, and addr value offset */
  static const enum wasm_iop on_memory[] = {WASM_IOP_f64_add_mem,     WASM_IOP_f64_sub_mem,
                                            WASM_IOP_f64_mul_mem,     WASM_IOP_f64_add_mem_add,
                                            WASM_IOP_f64_sub_mem_add, WASM_IOP_f64_mul_mem_add};
  for (size_t i = 0; i < sizeof on_memory / sizeof on_memory[0]; i++) op_float_words[on_memory[i]] = 1 << 1 | 1 << 2;
  op_float_words[WASM_IOP_f64_add_to_mem] = op_float_words[WASM_IOP_f64_sub_to_mem] =
      op_float_words[WASM_IOP_f64_mul_to_mem] = 1 << 2;
}

static void classify_ops(void) {
  static const char *const vector_marks[] = {"v128", "128", "x16", "x8", "x4", "x2", "copy2", "select2", "global_get2", "global_set2"};
  for (uint32_t op = 0; op < WASM_IOP_COUNT; op++) {
    const char *name = op_name(op);
    uint8_t kinds = 0;
    if (!name) kinds |= OP_VECTOR; /* unknown: kept in the frame */
    for (size_t i = 0; name && i < sizeof vector_marks / sizeof vector_marks[0]; i++)
      if (strstr(name, vector_marks[i])) kinds |= OP_VECTOR;
    if (name && (strstr(name, "load") || strstr(name, "store") || strstr(name, "_mem")) && !strstr(name, "memory"))
      kinds |= OP_STATIC_OFFSET;
    op_kinds[op] = kinds;
  }
  classify_float_words();
}

static uint8_t op_kind(uint32_t op) {
  pthread_once(&op_kinds_once, classify_ops);
  return op < WASM_IOP_COUNT ? op_kinds[op] : OP_VECTOR;
}

/* Whether the instruction moves or computes v128 values: its slots (and the slot after each)
 * stay in the frame, where vector code addresses them as 16 bytes. */
static bool is_vector_op(uint32_t op) { return op_kind(op) & OP_VECTOR; }

/* Whether word w of an instruction `op` is a float its template moves through xmm. */
static bool is_float_word(uint32_t op, uint32_t w) {
  pthread_once(&op_kinds_once, classify_ops);
  return op < WASM_IOP_COUNT && w < 8 && (op_float_words[op] >> w & 1);
}

/* Which words [first, end) of the instruction at `pc` (len words) name slots, for counting
 * uses. Approximate for instructions without a template (they are stepped, and the count only
 * steers the choice). */
static void slot_words(const wasm_native_builder *nb, uint32_t pc, uint32_t len, uint32_t *first, uint32_t *end) {
  *first = 1;
  *end = len;
  switch ((enum wasm_iop)nb->code[pc]) {
  case WASM_IOP_const32:
  case WASM_IOP_const64:
  case WASM_IOP_const128:
  case WASM_IOP_br_if:
  case WASM_IOP_br_unless:
  case WASM_IOP_br_if_back:
  case WASM_IOP_br_unless_back:
  case WASM_IOP_br_if64:
  case WASM_IOP_br_unless64:
  case WASM_IOP_br_unless_back64:
  case WASM_IOP_br_table:
  case WASM_IOP_global_get: *end = 2; return;
  case WASM_IOP_br:
  case WASM_IOP_br_back:
  case WASM_IOP_call:
  case WASM_IOP_return_call:
  case WASM_IOP_on_memory:
  case WASM_IOP_on_memory64: *end = 1; return;
  case WASM_IOP_call_indirect:
  case WASM_IOP_return_call_indirect: *first = 3, *end = 4; return;
  case WASM_IOP_global_set: *first = 2, *end = 3; return;
#define FUSED(name, cc) \
  case WASM_IOP_br_if_##name: \
  case WASM_IOP_br_if_back_##name: \
  case WASM_IOP_br_unless_##name: \
  case WASM_IOP_br_if_i64_##name: \
  case WASM_IOP_br_if_back_i64_##name: \
  case WASM_IOP_br_unless_i64_##name: *end = 3; return; \
  case WASM_IOP_i32_add_br_if_back_##name: *end = 6; return;
    CMP_CCS(FUSED)
#undef FUSED
#define IMM(name) case WASM_IOP_##name##_imm:
    WASM_IOPS_IMM(IMM)
#undef IMM
    *end = 3;
    return;
  default: break;
  }
  if (op_kind(nb->code[pc]) & OP_STATIC_OFFSET) *end = len - 1;
}

static bool is_scalar(uint8_t type) {
  return type == WASM_I32 || type == WASM_I64 || type == WASM_F32 || type == WASM_F64;
}
static bool is_vector(uint8_t type) { return type == WASM_V128; }

/* marks[s] = wanted(its type) for the (first) slot s of each parameter and declared local. */
static void mark_locals(const wasm_native_builder *nb, uint32_t def_index, bool (*wanted)(uint8_t), bool *marks) {
  const wasm_module *m = nb->module;
  const wasm_func_def *def = &m->funcs[def_index];
  const wasm_functype *type = &m->types[def->type];
  uint32_t slot = 0, limit = nb->f->nlocal_slots;
  const uint8_t *params = wasm_functype_params(type);
  for (uint32_t i = 0; i < type->nparams && slot < limit; i++) {
    marks[slot] = wanted(params[i]);
    slot += wasm_type_slots(params[i]);
  }
  for (uint32_t g = 0; g < def->nlocal_groups && slot < limit; g++) {
    uint8_t t = def->local_groups[g].type;
    for (uint32_t i = 0; i < def->local_groups[g].count && slot < limit; i++) {
      marks[slot] = wanted(t);
      slot += wasm_type_slots(t);
    }
  }
}

/* The slots that may live in a register: scalar locals, and the operand stack's slots (above
 * the constants). A stack slot that is half of a vector somewhere is caught while translating
 * (no_register_conflict), and the function is translated again without it in a register. */
static void mark_candidates(const wasm_native_builder *nb, uint32_t def_index, bool *candidates) {
  const wasm_compiled_func *f = nb->f;
  const char *mode = getenv("WARREN_REGALLOC"); /* locals: no operand stack slots (comparisons) */
  bool stack_slots = !(mode && strcmp(mode, "locals") == 0);
  for (uint32_t s = f->nparam_slots + f->init_len; stack_slots && s < f->frame_slots; s++)
    candidates[s] = !nb->register_conflict[s];
  mark_locals(nb, def_index, is_scalar, candidates);
}

/* The slots that may hold a vector in an xmm register: v128 locals, and operand-stack slots that
 * some vector instruction names (a word that only looks like one, a lane index or an immediate,
 * costs a wasted register at worst; a scalar use of a chosen slot is caught during translation:
 * vector_conflict). Not the slots a general register holds. */
static void mark_vector_candidates(const wasm_native_builder *nb, uint32_t def_index, const uint32_t *op_starts,
                                   size_t nops, bool *vector) {
  const wasm_compiled_func *f = nb->f;
  mark_locals(nb, def_index, is_vector, vector);
  uint32_t stack_from = f->nparam_slots + f->init_len;
  for (size_t i = 0; i < nops; i++) {
    uint32_t pc = op_starts[i], end = i + 1 < nops ? op_starts[i + 1] : f->code_len;
    if (!is_vector_op(nb->code[pc])) continue;
    for (uint32_t k = pc + 1; k < end; k++) {
      uint32_t s = nb->code[k];
      if (s >= stack_from && s < f->frame_slots && s + 1 < f->frame_slots) vector[s] = true;
    }
  }
  for (uint32_t s = 0; s < f->frame_slots; s++)
    if (vector[s] && (s + 1 >= f->frame_slots || nb->local_reg[s] >= 0 || nb->local_reg[s + 1] >= 0 ||
                      nb->vector_conflict[s]))
      vector[s] = false;
}

/* Loop depth per word: each back-edge covers the words from its target to itself. */
static int32_t *loop_depth_deltas(const wasm_native_builder *nb, const uint32_t *op_starts, size_t nops) {
  int32_t *depth_delta = WR_NEW_ARRAY(int32_t, (size_t)nb->f->code_len + 1);
  for (size_t i = 0; i < nops; i++) {
    uint32_t pc = op_starts[i], target = back_edge_target(nb, pc);
    if (target == NO_POS || target > pc) continue;
    depth_delta[target]++;
    depth_delta[pc + 1]--;
  }
  return depth_delta;
}

/* weight[s] += each use of a candidate slot s in the instructions [first, end) of op_starts,
 * weighted by the depth of the loops around it; none inside the `nskip` regions `skip` (in
 * order). depth0: how many loops are around instruction `first` before its own. A use as a
 * float through xmm (is_float_word) counts against the slot instead, the weight never below 0. */
static void weigh_uses(const wasm_native_builder *nb, const uint32_t *op_starts, size_t nops, size_t first,
                       size_t end, int32_t depth0, const int32_t *depth_delta, const bool *candidates,
                       const native_region *skip, size_t nskip, uint64_t *weight) {
  const wasm_compiled_func *f = nb->f;
  int32_t depth = depth0;
  uint32_t word = first < nops ? op_starts[first] : f->code_len;
  size_t k = 0;
  uint64_t *against = WR_NEW_ARRAY(uint64_t, f->frame_slots);
  for (size_t i = first; i < end; i++) {
    uint32_t pc = op_starts[i];
    uint32_t len = (i + 1 < nops ? op_starts[i + 1] : f->code_len) - pc;
    while (word <= pc) depth += depth_delta[word++];
    while (k < nskip && skip[k].end < pc) k++;
    if (k < nskip && skip[k].start <= pc) continue;
    int d = depth < 0 ? 0 : depth > MAX_WEIGHT_DEPTH ? MAX_WEIGHT_DEPTH : depth;
    uint32_t from, to;
    slot_words(nb, pc, len, &from, &to);
    for (uint32_t w = from; w < to; w++) {
      uint32_t s = nb->code[pc + w];
      if (s >= f->frame_slots || !candidates[s]) continue;
      if (is_float_word(nb->code[pc], w)) against[s] += (uint64_t)1 << (3 * d);
      else weight[s] += (uint64_t)1 << (3 * d);
    }
  }
  for (uint32_t s = 0; s < f->frame_slots; s++) weight[s] = weight[s] > against[s] ? weight[s] - against[s] : 0;
  wr_free(against);
}

/* The heaviest slots, in order, up to `max`: their indices to chosen[], how many. A chosen vector
 * takes its second slot too (`width` 2). */
static uint32_t choose_heaviest(uint64_t *weight, uint32_t nslots, uint64_t min_weight, uint32_t width,
                                uint32_t *chosen, uint32_t max) {
  uint32_t n = 0;
  while (n < max) {
    uint32_t best = NO_POS;
    for (uint32_t s = 0; s < nslots; s++)
      if (weight[s] >= min_weight && (best == NO_POS || weight[s] > weight[best])) best = s;
    if (best == NO_POS) break;
    for (uint32_t k = best >= width - 1 ? best - (width - 1) : 0; k < best + width && k < nslots; k++) weight[k] = 0;
    chosen[n++] = best;
  }
  return n;
}

/* The vectors to keep in xmm registers (after the general registers are chosen). */
static void choose_vectors(wasm_native_builder *nb, uint32_t def_index, const uint32_t *op_starts, size_t nops,
                           const int32_t *depth_delta, uint64_t min_weight) {
  uint32_t nslots = nb->f->frame_slots;
  bool *vector = WR_NEW_ARRAY(bool, nslots);
  mark_vector_candidates(nb, def_index, op_starts, nops, vector);
  uint64_t *weight = WR_NEW_ARRAY(uint64_t, nslots);
  weigh_uses(nb, op_starts, nops, 0, nops, 0, depth_delta, vector, NULL, 0, weight);
  nb->nvector = choose_heaviest(weight, nslots, min_weight, 2, nb->vector_slot, NATIVE_VECTOR_REGS);
  for (uint32_t i = 0; i < nb->nvector; i++) {
    nb->vector_xmm[i] = XMM4 + (int)i;
    nb->vector_reg[nb->vector_slot[i]] = (int8_t)(XMM4 + (int)i);
  }
  wr_free(weight);
  wr_free(vector);
}

/* The heaviest candidates of `weight` (a scratch copy is consumed) into a set on cache_regs. */
static void choose_set(const uint64_t *weight, uint64_t *scratch, uint32_t nslots, uint64_t min_weight,
                       native_region *set) {
  memcpy(scratch, weight, nslots * sizeof *scratch);
  set->ncached = choose_heaviest(scratch, nslots, min_weight, 1, set->cached_slot, NATIVE_CACHE_REGS);
  for (uint32_t i = 0; i < set->ncached; i++) set->cached_reg[i] = cache_regs[i];
}

static bool in_set(const native_region *set, uint32_t s) {
  for (uint32_t i = 0; i < set->ncached; i++)
    if (set->cached_slot[i] == s) return true;
  return false;
}

/* A loop region pays for the moves in and out when the uses in it that its choice keeps in
 * registers and the function's does not outweigh the reverse by this much (a use at loop depth
 * 2), times 8 for each loop around it (whose every turn enters and leaves it). */
#define MIN_REGION_GAIN 64
/* Loops looked at per function at most: each costs a pass over its instructions and the slots. */
#define MAX_LOOPS_WEIGHED 64

/* How much more of the uses in r its own choice keeps in registers than `fn` (0: no more). */
static uint64_t region_gain(const native_region *r, const native_region *fn, const uint64_t *weight) {
  uint64_t gain = 0, loss = 0;
  for (uint32_t i = 0; i < r->ncached; i++)
    if (!in_set(fn, r->cached_slot[i])) gain += weight[r->cached_slot[i]];
  for (uint32_t i = 0; i < fn->ncached; i++)
    if (!in_set(r, fn->cached_slot[i])) loss += weight[fn->cached_slot[i]];
  return gain > loss ? gain - loss : 0;
}

/* Whether every br_table in instructions [i0, i1] stays in words [start, end]: a branch out of
 * a region needs moves on its edge, which a jump table has no room for. */
static bool tables_stay_inside(const wasm_native_builder *nb, const uint32_t *op_starts, size_t i0, size_t i1,
                               uint32_t start, uint32_t end) {
  for (size_t i = i0; i <= i1; i++) {
    uint32_t pc = op_starts[i];
    if (nb->code[pc] != WASM_IOP_br_table) continue;
    for (uint32_t k = 0; k < nb->code[pc + 2]; k++) {
      uint32_t t = target_of(nb, pc, 3 + k);
      if (t < start || t > end) return false;
    }
  }
  return true;
}

/* What choosing regions needs at hand: per instruction, the loops around it (`in`, its own
 * head's included) and around the next one before its head (`out`). */
typedef struct region_search {
  const uint32_t *op_starts;
  size_t nops;
  const int32_t *depth_delta, *in, *out;
  const bool *candidates;
  uint64_t min_weight;
  const native_region *fn;
  bool deepest; /* mode regions: the innermost loops, every one */
  uint64_t *weight, *scratch;
  unsigned weighed;
} region_search;

static uint64_t choose_in(wasm_native_builder *nb, region_search *rs, size_t lo, size_t hi, int32_t level);

/* The regions for the loop at `level` in instructions [a, b] (it or loops inside it, whichever
 * keeps more in registers) appended to nb->regions; how much they keep over the function's
 * choice. */
static uint64_t choose_loop(wasm_native_builder *nb, region_search *rs, size_t a, size_t b, int32_t level) {
  size_t mark = nb->regions.len;
  uint64_t inner = choose_in(nb, rs, a, b + 1, level + 1);
  if (rs->weighed >= MAX_LOOPS_WEIGHED || (rs->deepest && nb->regions.len > mark)) return inner;
  rs->weighed++;
  uint32_t nslots = nb->f->frame_slots;
  native_region r = {rs->op_starts[a], rs->op_starts[b], 0, 0, {0}, {0}};
  if (!tables_stay_inside(nb, rs->op_starts, a, b, r.start, r.end)) return inner;
  memset(rs->weight, 0, nslots * sizeof *rs->weight);
  weigh_uses(nb, rs->op_starts, rs->nops, a, b + 1, a ? rs->out[a - 1] : 0, rs->depth_delta, rs->candidates, NULL, 0,
             rs->weight);
  choose_set(rs->weight, rs->scratch, nslots, rs->min_weight, &r);
  uint64_t own = region_gain(&r, rs->fn, rs->weight);
  uint64_t cost = (uint64_t)MIN_REGION_GAIN << (3 * (level - 1 < MAX_WEIGHT_DEPTH ? level - 1 : MAX_WEIGHT_DEPTH));
  if (!rs->deepest && (own < cost || own <= inner)) return inner;
  nb->regions.len = mark; /* this loop instead of those inside it */
  WR_VEC_PUSH(&nb->regions, r);
  return own;
}

/* The loops at `level` in instructions [lo, hi): runs of instructions inside `level` loops. */
static uint64_t choose_in(wasm_native_builder *nb, region_search *rs, size_t lo, size_t hi, int32_t level) {
  uint64_t total = 0;
  size_t first = lo;
  for (size_t i = lo; i < hi; i++) {
    if (rs->in[i] < level) continue;
    if (i == lo || rs->out[i - 1] < level) first = i; /* a head entered from outside */
    if (rs->out[i] < level) total += choose_loop(nb, rs, first, i, level); /* the loop's last instruction */
  }
  return total;
}

/* The loops whose own choice of registers pays, in order, into nb->regions (in mode `deepest`,
 * every innermost loop); `fn` is the whole function's choice. */
static void choose_regions(wasm_native_builder *nb, const uint32_t *op_starts, size_t nops,
                           const int32_t *depth_delta, const bool *candidates, uint64_t min_weight,
                           const native_region *fn, bool deepest) {
  uint32_t nslots = nb->f->frame_slots;
  int32_t *in = WR_NEW_ARRAY(int32_t, nops ? nops : 1), *out = WR_NEW_ARRAY(int32_t, nops ? nops : 1);
  int32_t depth = 0;
  uint32_t word = 0;
  for (size_t i = 0; i < nops; i++) {
    uint32_t pc = op_starts[i];
    while (word <= pc) depth += depth_delta[word++];
    in[i] = depth;
    uint32_t next = i + 1 < nops ? op_starts[i + 1] : nb->f->code_len;
    int32_t after = depth;
    for (uint32_t w = word; w < next; w++) after += depth_delta[w];
    out[i] = after;
  }
  region_search rs = {op_starts, nops, depth_delta, in, out, candidates, min_weight, fn, deepest,
                      WR_NEW_ARRAY(uint64_t, nslots), WR_NEW_ARRAY(uint64_t, nslots), 0};
  choose_in(nb, &rs, 0, nops, 1);
  wr_free(rs.scratch);
  wr_free(rs.weight);
  wr_free(out);
  wr_free(in);
}

static void set_local_regs(wasm_native_builder *nb, const native_region *set, bool on) {
  for (uint32_t i = 0; i < set->ncached; i++) nb->local_reg[set->cached_slot[i]] = on ? (int8_t)set->cached_reg[i] : -1;
}

static void make_current(wasm_native_builder *nb, const native_region *set) {
  nb->ncached = set->ncached;
  memcpy(nb->cached_slot, set->cached_slot, sizeof nb->cached_slot);
  memcpy(nb->cached_reg, set->cached_reg, sizeof nb->cached_reg);
}

void native_choose_cached_locals(wasm_native_builder *nb, uint32_t def_index, const uint32_t *op_starts,
                                 size_t nops) {
  const wasm_compiled_func *f = nb->f;
  uint32_t nlocals = f->frame_slots; /* every slot but the constants may be chosen */
  if (nb->local_reg_cap < (size_t)nlocals + 1) {
    nb->local_reg_cap = (size_t)nlocals + 1;
    nb->local_reg = wr_realloc(nb->local_reg, nb->local_reg_cap);
  }
  memset(nb->local_reg, -1, nb->local_reg_cap);
  nb->ncached = 0;
  nb->regions.len = 0;
  nb->region = -1;
  memset(&nb->outside, 0, sizeof nb->outside);
  if (nb->vector_cap < (size_t)nlocals + 1) {
    nb->vector_cap = (size_t)nlocals + 1;
    nb->vector_reg = wr_realloc(nb->vector_reg, nb->vector_cap);
    nb->vector_conflict = wr_realloc(nb->vector_conflict, nb->vector_cap);
    nb->register_conflict = wr_realloc(nb->register_conflict, nb->vector_cap);
    memset(nb->vector_conflict, 0, nb->vector_cap);
    memset(nb->register_conflict, 0, nb->vector_cap);
  }
  memset(nb->vector_reg, -1, nb->vector_cap);
  nb->nvector = 0;
  nb->conflicted = false;
  /* On by default; off: the template translator alone (the reference for the cached mode);
   * locals: no operand-stack slots; all: every scalar slot used (tests); regions: as all, and
   * every innermost loop with a choice of its own (tests of the moves in and out). */
  const char *mode = getenv("WARREN_REGALLOC");
  if (!nlocals || nb->no_registers || (mode && strcmp(mode, "off") == 0)) return;
  bool every_region = mode && strcmp(mode, "regions") == 0;
  uint64_t min_weight = mode && (strcmp(mode, "all") == 0 || every_region) ? 1 : MIN_CACHE_WEIGHT;
  bool *candidates = WR_NEW_ARRAY(bool, nlocals);
  mark_candidates(nb, def_index, candidates);
  int32_t *depth_delta = loop_depth_deltas(nb, op_starts, nops);
  uint64_t *weight = WR_NEW_ARRAY(uint64_t, nlocals), *scratch = WR_NEW_ARRAY(uint64_t, nlocals);
  weigh_uses(nb, op_starts, nops, 0, nops, 0, depth_delta, candidates, NULL, 0, weight);
  native_region whole = {0};
  choose_set(weight, scratch, nlocals, min_weight, &whole);
  choose_regions(nb, op_starts, nops, depth_delta, candidates, min_weight, &whole, every_region);
  if (nb->regions.len) { /* outside the regions, the choice for what is left */
    memset(weight, 0, nlocals * sizeof *weight);
    weigh_uses(nb, op_starts, nops, 0, nops, 0, depth_delta, candidates, nb->regions.items, nb->regions.len, weight);
    choose_set(weight, scratch, nlocals, min_weight, &nb->outside);
  } else {
    nb->outside = whole;
  }
  /* no vector in a slot some general register holds anywhere */
  for (size_t r = 0; r < nb->regions.len; r++) set_local_regs(nb, &nb->regions.items[r], true);
  set_local_regs(nb, &nb->outside, true);
  choose_vectors(nb, def_index, op_starts, nops, depth_delta, min_weight);
  memset(nb->local_reg, -1, nb->local_reg_cap);
  set_local_regs(nb, &nb->outside, true);
  make_current(nb, &nb->outside);
  wr_free(scratch);
  wr_free(weight);
  wr_free(depth_delta);
  wr_free(candidates);
}

/* Stores `from`'s registers to the frame and loads `to`'s. */
static void emit_moves(wasm_native_builder *nb, const native_region *from, const native_region *to) {
  for (uint32_t i = 0; i < from->ncached; i++) x64_store64(&nb->b, frame_at(from->cached_slot[i]), from->cached_reg[i]);
  /* a local that only the region keeps in a register may hold its initial value in the frame */
  for (uint32_t i = 0; i < to->ncached; i++) x64_load64(&nb->b, to->cached_reg[i], frame_slot(nb, to->cached_slot[i]));
}

/* The registers of region r, or the function's outside every region (r < 0). */
static const native_region *set_of(const wasm_native_builder *nb, int32_t r) {
  return r >= 0 ? &nb->regions.items[r] : &nb->outside;
}

void native_use_region(wasm_native_builder *nb, int32_t r) {
  const native_region *from = set_of(nb, nb->region), *to = set_of(nb, r);
  set_local_regs(nb, from, false);
  set_local_regs(nb, to, true);
  make_current(nb, to);
  nb->region = r;
}

static void switch_region(wasm_native_builder *nb, int32_t r) {
  emit_moves(nb, set_of(nb, nb->region), set_of(nb, r));
  native_use_region(nb, r);
}

void native_region_leave(wasm_native_builder *nb, uint32_t pc) {
  if (nb->region >= 0 && pc > nb->regions.items[nb->region].end) switch_region(nb, -1);
}

void native_region_enter(wasm_native_builder *nb, uint32_t pc) {
  for (size_t r = 0; r < nb->regions.len; r++)
    if (nb->regions.items[r].start == pc) {
      switch_region(nb, (int32_t)r);
      nb->regions.items[r].head_at = nb->b.len;
    }
}

bool native_region_exit(const wasm_native_builder *nb, uint32_t target) {
  if (nb->region < 0) return false;
  const native_region *r = &nb->regions.items[nb->region];
  return target < r->start || target > r->end;
}

void native_emit_region_exit(wasm_native_builder *nb) { emit_moves(nb, set_of(nb, nb->region), set_of(nb, -1)); }

void native_spill_cached(wasm_native_builder *nb, uint32_t below) {
  for (uint32_t i = 0; i < nb->ncached; i++)
    if (nb->cached_slot[i] < below) x64_store64(&nb->b, frame_at(nb->cached_slot[i]), nb->cached_reg[i]);
  for (uint32_t i = 0; i < nb->nvector; i++)
    if (nb->vector_slot[i] < below) x64_movdqu_store(&nb->b, frame_at(nb->vector_slot[i]), nb->vector_xmm[i]);
}

void native_reload_cached(wasm_native_builder *nb) {
  nb->nknown = 0; /* what ran before the reload may have written any slot */
  for (uint32_t i = 0; i < nb->ncached; i++) x64_load64(&nb->b, nb->cached_reg[i], frame_at(nb->cached_slot[i]));
  for (uint32_t i = 0; i < nb->nvector; i++) x64_movdqu_load(&nb->b, nb->vector_xmm[i], frame_at(nb->vector_slot[i]));
}

void native_load_cached_on_entry(wasm_native_builder *nb) {
  const wasm_compiled_func *f = nb->f;
  for (uint32_t i = 0; i < nb->ncached; i++) {
    uint32_t s = nb->cached_slot[i];
    if (s < f->nparam_slots) x64_load64(&nb->b, nb->cached_reg[i], frame_at(s));
    else if (s >= f->nlocal_slots) continue; /* an operand stack slot: written before it is read */
    else if (f->init[s - f->nparam_slots] == 0) x64_alu_rr(&nb->b, false, ALU_XOR, nb->cached_reg[i], nb->cached_reg[i]);
    else x64_mov_imm64(&nb->b, nb->cached_reg[i], f->init[s - f->nparam_slots]);
  }
  /* vector parameters and locals from the frame, where the prologue put their values */
  for (uint32_t i = 0; i < nb->nvector; i++)
    if (nb->vector_slot[i] < f->nlocal_slots)
      x64_movdqu_load(&nb->b, nb->vector_xmm[i], frame_vector(nb, nb->vector_slot[i]));
}

#endif
