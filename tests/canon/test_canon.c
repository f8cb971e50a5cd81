/* Canonical ABI unit tests: every value type round-trips host -> guest memory / flat values ->
 * host, a few byte layouts computed by hand, and every trap the guest can cause. The guest is
 * a wasm_memory plus a host `realloc` (a bump allocator) unless WARREN_CANON_WASM names a real
 * core module exporting memory + realloc. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "component/canon.h"
#include "component/valtype.h"

#include "../check.h"


/* A trap whose message contains `needle`. */
#define CHECK_TRAP(expr, needle)                                                              \
  do {                                                                                        \
    wasm_trap *trap_ = (expr);                                                                \
    checks++;                                                                                 \
    if (!trap_ || !strstr(trap_->message, needle)) {                                          \
      failures++;                                                                             \
      fprintf(stderr, "%s:%d: expected trap \"%s\", got %s\n", __FILE__, __LINE__, needle,    \
              trap_ ? trap_->message : "none");                                               \
    }                                                                                         \
  } while (0)

#define CHECK_OK(expr)                                                                          \
  do {                                                                                          \
    wasm_trap *trap_ = (expr);                                                                  \
    checks++;                                                                                   \
    if (trap_) {                                                                                \
      failures++;                                                                               \
      fprintf(stderr, "%s:%d: unexpected trap: %s\n", __FILE__, __LINE__, trap_->message);      \
    }                                                                                           \
  } while (0)

/* ---- the guest: memory + bump allocator ---- */
typedef enum { REALLOC_GOOD, REALLOC_MISALIGNED, REALLOC_OUT_OF_BOUNDS } realloc_mode;

typedef struct guest {
  wasm_store *store;
  wasm_memory *memory;
  wasm_func *realloc;
  uint32_t next; /* bump pointer */
  realloc_mode mode;
  uint32_t calls;
} guest;

static wasm_trap *bump_realloc(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(caller);
  guest *g = env;
  uint32_t old_ptr = (uint32_t)slots[0], old_size = (uint32_t)slots[1], align = (uint32_t)slots[2],
           new_size = (uint32_t)slots[3];
  g->calls++;
  if (g->mode == REALLOC_MISALIGNED) {
    slots[0] = 1;
    return NULL;
  }
  if (g->mode == REALLOC_OUT_OF_BOUNDS) {
    slots[0] = (uint32_t)wasm_memory_size_bytes(g->memory) - 2;
    return NULL;
  }
  if (old_ptr && new_size <= old_size) { /* shrinking keeps the block */
    slots[0] = old_ptr;
    return NULL;
  }
  uint32_t ptr = (g->next + align - 1) / align * align;
  while ((uint64_t)ptr + new_size > wasm_memory_size_bytes(g->memory))
    if (wasm_memory_grow(g->memory, 1) < 0) return wasm_trap_new(g->store, WASM_TRAP_HOST, "guest out of memory");
  uint8_t *mem = wasm_memory_data(g->memory);
  if (old_ptr) memmove(mem + ptr, mem + old_ptr, old_size);
  g->next = ptr + new_size;
  slots[0] = ptr;
  return NULL;
}

static uint8_t realloc_types[] = {WASM_I32, WASM_I32, WASM_I32, WASM_I32, WASM_I32};
static const wasm_functype realloc_type = {4, 1, realloc_types};

static void guest_init(guest *g) {
  *g = (guest){.store = wasm_store_new(), .next = 8};
  wr_error err = {0};
  wasm_memtype mt = {.limits = {.min = 1, .max = 64, .has_max = true}};
  g->memory = wasm_memory_new(g->store, &mt, &err);
  if (!g->memory) {
    fprintf(stderr, "memory: %s\n", err.message);
    exit(1);
  }
  g->realloc = wasm_func_new_host(g->store, &realloc_type, bump_realloc, g);
}

static cm_canon_cx guest_cx(guest *g, cm_arena *arena, cm_string_encoding enc) {
  return (cm_canon_cx){.store = g->store, .memory = g->memory, .realloc = g->realloc, .encoding = enc,
                       .arena = arena};
}

static uint32_t guest_alloc(guest *g, uint32_t size, uint32_t align) {
  wasm_slot s[4] = {0, 0, align, size};
  wasm_func_call(g->store, g->realloc, s);
  return (uint32_t)s[0];
}

static uint8_t *mem(guest *g) { return wasm_memory_data(g->memory); }

/* ---- types built by hand ---- */
static cm_arena *types;

static const cm_valtype *prim(cm_valkind k) { return cm_valtype_primitive(k); }

static const cm_valtype *mk(cm_valkind kind, uint32_t count, const cm_valtype *const *children, const char *const *names,
                            const cm_valtype *elem, const cm_valtype *err) {
  cm_valtype *t = cm_arena_alloc(types, sizeof *t);
  cm_field *fields = count ? cm_arena_array(types, count, sizeof *fields) : NULL;
  for (uint32_t i = 0; i < count; i++) {
    fields[i].type = children ? children[i] : NULL;
    fields[i].name = names ? names[i] : NULL;
  }
  *t = (cm_valtype){.kind = kind, .count = count, .fields = fields, .elem = elem, .err = err};
  if (!cm_valtype_layout(t, fields)) abort();
  return t;
}

static const cm_valtype *record(uint32_t n, const cm_valtype *const *f) { return mk(CM_RECORD, n, f, NULL, NULL, NULL); }
static const cm_valtype *tuple(uint32_t n, const cm_valtype *const *f) { return mk(CM_TUPLE, n, f, NULL, NULL, NULL); }
static const cm_valtype *variant(uint32_t n, const cm_valtype *const *f) { return mk(CM_VARIANT, n, f, NULL, NULL, NULL); }
static const cm_valtype *list(const cm_valtype *e) { return mk(CM_LIST, 0, NULL, NULL, e, NULL); }
static const cm_valtype *option(const cm_valtype *e) { return mk(CM_OPTION, 0, NULL, NULL, e, NULL); }
static const cm_valtype *result(const cm_valtype *ok, const cm_valtype *err) { return mk(CM_RESULT, 0, NULL, NULL, ok, err); }

/* ---- round trips ---- */
/* Through memory (cm_store at a fresh aligned pointer, cm_load) and, when the type is small
 * enough, through flat values; both must give back `v` (or `expect`, when not NULL). */
static void round_trip_expect(guest *g, cm_string_encoding enc, const cm_valtype *t, const cm_val *v,
                              const cm_val *expect) {
  cm_arena *arena = cm_arena_new();
  cm_canon_cx cx = guest_cx(g, arena, enc);
  if (!expect) expect = v;
  uint32_t ptr = guest_alloc(g, t->size, t->align);
  cm_val back = {0};
  CHECK_OK(cm_store(&cx, t, v, ptr));
  CHECK_OK(cm_load(&cx, t, ptr, &back));
  CHECK(cm_val_equal(t, expect, &back));
  if (t->flat_count <= CM_MAX_FLAT_PARAMS) {
    wasm_slot flat[CM_MAX_FLAT_PARAMS];
    cm_val back2 = {0};
    CHECK_OK(cm_lower_flat(&cx, t, v, flat));
    CHECK_OK(cm_lift_flat(&cx, t, flat, &back2));
    CHECK(cm_val_equal(t, expect, &back2));
  }
  cm_arena_free(arena);
}

static void round_trip(guest *g, cm_string_encoding enc, const cm_valtype *t, cm_val v) {
  round_trip_expect(g, enc, t, &v, NULL);
}

static void test_scalars(guest *g) {
  round_trip(g, CM_UTF8, prim(CM_BOOL), cm_val_bool(true));
  round_trip(g, CM_UTF8, prim(CM_BOOL), cm_val_bool(false));
  round_trip(g, CM_UTF8, prim(CM_S8), cm_val_s(-128));
  round_trip(g, CM_UTF8, prim(CM_U8), cm_val_u(255));
  round_trip(g, CM_UTF8, prim(CM_S16), cm_val_s(-32768));
  round_trip(g, CM_UTF8, prim(CM_U16), cm_val_u(65535));
  round_trip(g, CM_UTF8, prim(CM_S32), cm_val_s(INT32_MIN));
  round_trip(g, CM_UTF8, prim(CM_U32), cm_val_u(UINT32_MAX));
  round_trip(g, CM_UTF8, prim(CM_S64), cm_val_s(INT64_MIN));
  round_trip(g, CM_UTF8, prim(CM_U64), cm_val_u(UINT64_MAX));
  round_trip(g, CM_UTF8, prim(CM_F32), cm_val_f32(-1.5f));
  round_trip(g, CM_UTF8, prim(CM_F64), cm_val_f64(3.25e300));
  round_trip(g, CM_UTF8, prim(CM_CHAR), cm_val_char(0x1F600));
  round_trip(g, CM_UTF8, prim(CM_CHAR), cm_val_char(0));

  /* signed values lower sign-extended to 32 bits, unsigned ones zero-extended */
  cm_arena *arena = cm_arena_new();
  cm_canon_cx cx = guest_cx(g, arena, CM_UTF8);
  wasm_slot flat[1];
  cm_val v = cm_val_s(-1), back;
  CHECK_OK(cm_lower_flat(&cx, prim(CM_S8), &v, flat));
  CHECK(flat[0] == 0xFFFFFFFFu);
  /* lifting an i32 into a narrower type keeps its low bits (lift_flat_signed / unsigned) */
  flat[0] = 0x1FF;
  CHECK_OK(cm_lift_flat(&cx, prim(CM_S8), flat, &back));
  CHECK(back.u.s == -1);
  CHECK_OK(cm_lift_flat(&cx, prim(CM_U8), flat, &back));
  CHECK(back.u.u == 0xFF);
  flat[0] = 7;
  CHECK_OK(cm_lift_flat(&cx, prim(CM_BOOL), flat, &back));
  CHECK(back.u.b == true);

  /* NaNs are canonical both ways */
  uint32_t nan32 = 0x7fa12345u, bits32;
  uint64_t nan64 = 0xfff0000000000123ull, bits64;
  float f;
  double d;
  memcpy(&f, &nan32, 4);
  memcpy(&d, &nan64, 8);
  v = cm_val_f32(f);
  CHECK_OK(cm_lower_flat(&cx, prim(CM_F32), &v, flat));
  CHECK(flat[0] == 0x7fc00000u);
  v = cm_val_f64(d);
  CHECK_OK(cm_lower_flat(&cx, prim(CM_F64), &v, flat));
  CHECK(flat[0] == 0x7ff8000000000000ull);
  flat[0] = nan32;
  CHECK_OK(cm_lift_flat(&cx, prim(CM_F32), flat, &back));
  memcpy(&bits32, &back.u.f32, 4);
  CHECK(bits32 == 0x7fc00000u);
  uint32_t ptr = guest_alloc(g, 8, 8);
  memcpy(mem(g) + ptr, &nan64, 8);
  CHECK_OK(cm_load(&cx, prim(CM_F64), ptr, &back));
  memcpy(&bits64, &back.u.f64, 8);
  CHECK(bits64 == 0x7ff8000000000000ull);
  cm_arena_free(arena);
}

static const char *const sample_strings[] = {"", "hello", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
                                             "\xc3\xa9\xf0\x9f\x98\x80", "a\xc3\xbf" "b\xc4\x80" "c"};

static void test_strings(guest *g) {
  const cm_string_encoding encs[] = {CM_UTF8, CM_UTF16, CM_LATIN1_UTF16};
  for (size_t e = 0; e < WR_ARRAY_LEN(encs); e++)
    for (size_t i = 0; i < WR_ARRAY_LEN(sample_strings); i++)
      round_trip(g, encs[e], prim(CM_STRING), cm_val_string(sample_strings[i], (uint32_t)strlen(sample_strings[i])));

  /* byte layouts: "é😀" in UTF-16 is E9 00 3D D8 00 DE; in latin1+utf16 the same, tagged */
  cm_arena *arena = cm_arena_new();
  const uint8_t utf16[] = {0xE9, 0x00, 0x3D, 0xD8, 0x00, 0xDE};
  cm_val s = cm_val_string("\xc3\xa9\xf0\x9f\x98\x80", 6);
  wasm_slot flat[2];
  cm_canon_cx cx = guest_cx(g, arena, CM_UTF16);
  CHECK_OK(cm_lower_flat(&cx, prim(CM_STRING), &s, flat));
  CHECK(flat[1] == 3 && flat[0] % 2 == 0 && memcmp(mem(g) + flat[0], utf16, 6) == 0);
  cx.encoding = CM_LATIN1_UTF16;
  CHECK_OK(cm_lower_flat(&cx, prim(CM_STRING), &s, flat));
  CHECK(flat[1] == (3u | CM_UTF16_TAG) && memcmp(mem(g) + flat[0], utf16, 6) == 0);
  /* "café" fits Latin-1: one byte a character, untagged */
  s = cm_val_string("caf\xc3\xa9", 5);
  CHECK_OK(cm_lower_flat(&cx, prim(CM_STRING), &s, flat));
  CHECK(flat[1] == 4 && memcmp(mem(g) + flat[0], "caf\xe9", 4) == 0);
  /* Latin-1 first, then widened in place when "Ā" arrives */
  s = cm_val_string("\xc3\xbf\xc4\x80", 4);
  CHECK_OK(cm_lower_flat(&cx, prim(CM_STRING), &s, flat));
  CHECK(flat[1] == (2u | CM_UTF16_TAG) && memcmp(mem(g) + flat[0], "\xff\x00\x00\x01", 4) == 0);
  cx.encoding = CM_UTF8;
  s = cm_val_string("abc", 3);
  CHECK_OK(cm_lower_flat(&cx, prim(CM_STRING), &s, flat));
  CHECK(flat[1] == 3 && memcmp(mem(g) + flat[0], "abc", 3) == 0);
  cm_arena_free(arena);
}

static void test_compounds(guest *g) {
  cm_arena *arena = cm_arena_new();

  /* list<u16>, list<string>, list<list<u8>> */
  cm_val l = cm_val_seq(arena, 3);
  for (uint32_t i = 0; i < 3; i++) l.u.seq.items[i] = cm_val_u(1000 * i + 7);
  round_trip(g, CM_UTF8, list(prim(CM_U16)), l);
  round_trip(g, CM_UTF8, list(prim(CM_U16)), cm_val_seq(arena, 0));
  cm_val ls = cm_val_seq(arena, 2);
  ls.u.seq.items[0] = cm_val_string("one", 3);
  ls.u.seq.items[1] = cm_val_string("\xe2\x82\xac", 3);
  round_trip(g, CM_UTF16, list(prim(CM_STRING)), ls);
  cm_val ll = cm_val_seq(arena, 2);
  ll.u.seq.items[0] = cm_val_seq(arena, 1);
  ll.u.seq.items[0].u.seq.items[0] = cm_val_u(9);
  ll.u.seq.items[1] = cm_val_seq(arena, 0);
  round_trip(g, CM_UTF8, list(list(prim(CM_U8))), ll);

  /* record { a: u8, b: u32, c: u16 }: a at 0, b at 4, c at 8, size 12 */
  const cm_valtype *rf[] = {prim(CM_U8), prim(CM_U32), prim(CM_U16)};
  const cm_valtype *rec = record(3, rf);
  CHECK(rec->size == 12 && rec->align == 4 && rec->fields[1].offset == 4 && rec->fields[2].offset == 8);
  cm_val r = cm_val_seq(arena, 3);
  r.u.seq.items[0] = cm_val_u(0x11);
  r.u.seq.items[1] = cm_val_u(0x22334455);
  r.u.seq.items[2] = cm_val_u(0x6677);
  round_trip(g, CM_UTF8, rec, r);
  cm_canon_cx cx = guest_cx(g, arena, CM_UTF8);
  uint32_t ptr = guest_alloc(g, 12, 4);
  CHECK_OK(cm_store(&cx, rec, &r, ptr));
  const uint8_t rec_bytes[] = {0x11, 0, 0, 0, 0x55, 0x44, 0x33, 0x22, 0x77, 0x66, 0, 0};
  CHECK(memcmp(mem(g) + ptr, rec_bytes, 12) == 0);

  /* tuple<u8, f64, string> */
  const cm_valtype *tf[] = {prim(CM_U8), prim(CM_F64), prim(CM_STRING)};
  cm_val tv = cm_val_seq(arena, 3);
  tv.u.seq.items[0] = cm_val_u(1);
  tv.u.seq.items[1] = cm_val_f64(-0.5);
  tv.u.seq.items[2] = cm_val_string("t", 1);
  round_trip(g, CM_LATIN1_UTF16, tuple(3, tf), tv);

  /* variant { a, b(u8), c(u64) }: 1-byte discriminant, payload at 8, size 16 */
  const cm_valtype *vf[] = {NULL, prim(CM_U8), prim(CM_U64)};
  const cm_valtype *var = variant(3, vf);
  CHECK(var->size == 16 && var->payload_offset == 8 && var->disc_size == 1);
  cm_val payload = cm_val_u(0x0102030405060708ull);
  cm_val vc = cm_val_case(arena, 2, &payload);
  round_trip(g, CM_UTF8, var, vc);
  round_trip(g, CM_UTF8, var, cm_val_case(arena, 0, NULL));
  payload = cm_val_u(200);
  round_trip(g, CM_UTF8, var, cm_val_case(arena, 1, &payload));
  ptr = guest_alloc(g, 16, 8);
  CHECK_OK(cm_store(&cx, var, &vc, ptr));
  const uint8_t var_bytes[] = {2, 0, 0, 0, 0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
  CHECK(memcmp(mem(g) + ptr, var_bytes, 16) == 0);

  /* variant { a(f32), b(u64) } flattens to [i32, i64]: the f32 travels in the joined i64 */
  const cm_valtype *jf[] = {prim(CM_F32), prim(CM_U64)};
  const cm_valtype *joined = variant(2, jf);
  CHECK(joined->flat_count == 2 && joined->flat[1] == WASM_I64);
  payload = cm_val_f32(1.5f);
  cm_val ja = cm_val_case(arena, 0, &payload);
  round_trip(g, CM_UTF8, joined, ja);
  wasm_slot flat[4];
  CHECK_OK(cm_lower_flat(&cx, joined, &ja, flat));
  uint32_t bits;
  float f = 1.5f;
  memcpy(&bits, &f, 4);
  CHECK(flat[0] == 0 && flat[1] == bits);

  /* enum, option, result */
  const cm_valtype *en = mk(CM_ENUM, 300, NULL, NULL, NULL, NULL);
  CHECK(en->disc_size == 2);
  round_trip(g, CM_UTF8, en, cm_val_case(arena, 299, NULL));
  const cm_valtype *opt = option(prim(CM_U32));
  payload = cm_val_u(42);
  round_trip(g, CM_UTF8, opt, cm_val_case(arena, 1, &payload));
  round_trip(g, CM_UTF8, opt, cm_val_case(arena, 0, NULL));
  const cm_valtype *res = result(prim(CM_STRING), prim(CM_U8));
  payload = cm_val_string("ok!", 3);
  round_trip(g, CM_UTF16, res, cm_val_case(arena, 0, &payload));
  payload = cm_val_u(5);
  round_trip(g, CM_UTF16, res, cm_val_case(arena, 1, &payload));
  round_trip(g, CM_UTF8, result(NULL, NULL), cm_val_case(arena, 1, NULL));

  /* flags: 3 labels in a byte, 20 in 4 bytes; bits beyond the labels are dropped */
  const cm_valtype *fl3 = mk(CM_FLAGS, 3, NULL, NULL, NULL, NULL);
  const cm_valtype *fl20 = mk(CM_FLAGS, 20, NULL, NULL, NULL, NULL);
  CHECK(fl3->size == 1 && fl20->size == 4);
  round_trip(g, CM_UTF8, fl3, cm_val_flags(5));
  round_trip(g, CM_UTF8, fl20, cm_val_flags(0x80001));
  cm_val extra = cm_val_flags(0xFF), masked = cm_val_flags(7);
  round_trip_expect(g, CM_UTF8, fl3, &extra, &masked);
  flat[0] = 0xF2;
  cm_val back;
  CHECK_OK(cm_lift_flat(&cx, fl3, flat, &back));
  CHECK(back.u.flags == 2);

  /* fixed list<u16, 3> */
  const cm_valtype *fixed = mk(CM_FIXED_LIST, 3, NULL, NULL, prim(CM_U16), NULL);
  round_trip(g, CM_UTF8, fixed, l);
  cm_arena_free(arena);
}

static void test_traps(guest *g) {
  cm_arena *arena = cm_arena_new();
  cm_canon_cx cx = guest_cx(g, arena, CM_UTF8);
  cm_val v;
  uint32_t size = (uint32_t)wasm_memory_size_bytes(g->memory);

  CHECK_TRAP(cm_load(&cx, prim(CM_U32), 2, &v), "unaligned pointer");
  CHECK_TRAP(cm_load(&cx, prim(CM_U64), size, &v), "out of bounds");
  wasm_slot bad_list[2] = {2, 1};
  CHECK_TRAP(cm_lift_flat(&cx, list(prim(CM_U32)), bad_list, &v), "unaligned pointer: list");
  wasm_slot oob_list[2] = {size - 4, 2};
  CHECK_TRAP(cm_lift_flat(&cx, list(prim(CM_U32)), oob_list, &v), "list content out-of-bounds");
  wasm_slot huge_list[2] = {8, UINT32_MAX};
  CHECK_TRAP(cm_lift_flat(&cx, list(prim(CM_U64)), huge_list, &v), "list too long");
  wasm_slot long_list[2] = {8, CM_MAX_LIST_BYTE_LENGTH / 8 + 1};
  CHECK_TRAP(cm_lift_flat(&cx, list(prim(CM_U64)), long_list, &v), "list too long");

  /* discriminants */
  const cm_valtype *vf[] = {NULL, prim(CM_U8)};
  wasm_slot bad_case[2] = {2, 0};
  CHECK_TRAP(cm_lift_flat(&cx, variant(2, vf), bad_case, &v), "invalid variant discriminant 2");
  uint32_t ptr = guest_alloc(g, 4, 4);
  mem(g)[ptr] = 3;
  CHECK_TRAP(cm_load(&cx, mk(CM_ENUM, 3, NULL, NULL, NULL, NULL), ptr, &v), "invalid variant discriminant 3");
  mem(g)[ptr] = 2;
  CHECK_TRAP(cm_load(&cx, option(prim(CM_U8)), ptr, &v), "invalid variant discriminant");
  cm_val bad = cm_val_case(arena, 5, NULL);
  wasm_slot flat[4];
  CHECK_TRAP(cm_lower_flat(&cx, variant(2, vf), &bad, flat), "out of range");

  /* chars */
  wasm_slot surrogate[1] = {0xD800}, too_big[1] = {0x110000};
  CHECK_TRAP(cm_lift_flat(&cx, prim(CM_CHAR), surrogate, &v), "invalid `char` bit pattern");
  CHECK_TRAP(cm_lift_flat(&cx, prim(CM_CHAR), too_big, &v), "invalid `char` bit pattern");
  cm_val host_surrogate = cm_val_char(0xDFFF);
  CHECK_TRAP(cm_lower_flat(&cx, prim(CM_CHAR), &host_surrogate, flat), "invalid `char` bit pattern");

  /* invalid UTF-8 from the guest: overlong, surrogate, truncated, stray continuation */
  const char *const bad_utf8[] = {"\xc0\x80", "\xed\xa0\x80", "\xe2\x82", "\x80", "\xf4\x90\x80\x80"};
  const char *const bad_utf8_trap[] = {"invalid utf-8", "invalid utf-8", "incomplete utf-8 byte sequence",
                                       "invalid utf-8", "invalid utf-8"};
  for (size_t i = 0; i < WR_ARRAY_LEN(bad_utf8); i++) {
    uint32_t len = (uint32_t)strlen(bad_utf8[i]);
    uint32_t p = guest_alloc(g, len, 1);
    memcpy(mem(g) + p, bad_utf8[i], len);
    wasm_slot s[2] = {p, len};
    CHECK_TRAP(cm_lift_flat(&cx, prim(CM_STRING), s, &v), bad_utf8_trap[i]);
  }
  cm_val host_long = cm_val_string("x", CM_MAX_STRING_BYTE_LENGTH + 1); /* refused before reading */
  CHECK_TRAP(cm_lower_flat(&cx, prim(CM_STRING), &host_long, flat), "string too long");
  cm_val host_list = {.u.seq = {.items = NULL, .count = CM_MAX_LIST_BYTE_LENGTH / 4 + 1}};
  CHECK_TRAP(cm_lower_flat(&cx, list(prim(CM_U32)), &host_list, flat), "list too long");
  cm_val host_bad = cm_val_string("\xff", 1);
  CHECK_TRAP(cm_lower_flat(&cx, prim(CM_STRING), &host_bad, flat), "invalid UTF-8 in a host string");
  wasm_slot oob_string[2] = {size - 1, 2};
  CHECK_TRAP(cm_lift_flat(&cx, prim(CM_STRING), oob_string, &v), "string content out-of-bounds");

  /* invalid UTF-16: a high surrogate before a letter, a lone low surrogate, one at the end */
  cx.encoding = CM_UTF16;
  const uint8_t bad_utf16[][4] = {{0x00, 0xD8, 0x41, 0x00}, {0x00, 0xDC, 0x41, 0x00}, {0x41, 0x00, 0x00, 0xD8}};
  for (size_t i = 0; i < WR_ARRAY_LEN(bad_utf16); i++) {
    uint32_t p = guest_alloc(g, 4, 2);
    memcpy(mem(g) + p, bad_utf16[i], 4);
    wasm_slot s[2] = {p, 2};
    CHECK_TRAP(cm_lift_flat(&cx, prim(CM_STRING), s, &v), "invalid UTF-16");
  }
  wasm_slot odd[2] = {ptr + 1, 1};
  CHECK_TRAP(cm_lift_flat(&cx, prim(CM_STRING), odd, &v), "unaligned pointer: string");
  wasm_slot too_long[2] = {8, CM_UTF16_TAG | (CM_MAX_STRING_BYTE_LENGTH / 2 + 1)};
  cx.encoding = CM_LATIN1_UTF16;
  CHECK_TRAP(cm_lift_flat(&cx, prim(CM_STRING), too_long, &v), "string too long");
  wasm_slot tagged_oob[2] = {8, CM_UTF16_TAG | (size / 2)};
  cx.encoding = CM_LATIN1_UTF16;
  CHECK_TRAP(cm_lift_flat(&cx, prim(CM_STRING), tagged_oob, &v), "string content out-of-bounds");

  /* streams, futures and error contexts live in an instance's handle table: without one, a clear trap */
  const cm_valtype *stream = mk(CM_STREAM, 0, NULL, NULL, prim(CM_U8), NULL);
  cm_val handle = cm_val_handle(1);
  CHECK_TRAP(cm_lower_flat(&cx, stream, &handle, flat), "no handle table for a stream");
  CHECK_TRAP(cm_lift_flat(&cx, prim(CM_ERROR_CONTEXT), flat, &v), "no handle table for an error-context");

  /* a misbehaving realloc */
  cm_val s = cm_val_string("hi", 2);
  g->mode = REALLOC_MISALIGNED;
  cx.encoding = CM_UTF16;
  CHECK_TRAP(cm_lower_flat(&cx, prim(CM_STRING), &s, flat), "result not aligned");
  g->mode = REALLOC_OUT_OF_BOUNDS;
  CHECK_TRAP(cm_lower_flat(&cx, prim(CM_STRING), &s, flat), "beyond end of memory");
  g->mode = REALLOC_GOOD;
  cx.realloc = NULL;
  CHECK_TRAP(cm_lower_flat(&cx, prim(CM_STRING), &s, flat), "no realloc");
  cm_arena_free(arena);
}

/* ---- handles ---- */
typedef struct dtor_log {
  uint32_t calls, last_rep;
} dtor_log;

static wasm_trap *record_dtor(void *env, const cm_type *resource, uint32_t rep) {
  WR_UNUSED(resource);
  dtor_log *log = env;
  log->calls++;
  log->last_rep = rep;
  return NULL;
}

static void test_handles(guest *g) {
  cm_type res = {.kind = CM_TYPE_RESOURCE, .resource = {.defined = true, .has_dtor = true}};
  cm_type other = {.kind = CM_TYPE_RESOURCE};
  cm_valtype own = {.kind = CM_OWN, .resource = &res}, borrow = {.kind = CM_BORROW, .resource = &res};
  cm_valtype own_other = {.kind = CM_OWN, .resource = &other};
  cm_valtype_layout(&own, NULL);
  cm_valtype_layout(&borrow, NULL);
  cm_valtype_layout(&own_other, NULL);
  dtor_log log = {0};
  cm_handle_table table;
  cm_handle_table_init(&table);
  table.dtor = record_dtor;
  table.dtor_env = &log;
  /* one task (borrows lowered into the guest) and one subtask (borrows the guest lends) */
  cm_task task;
  cm_task_init(&task, NULL, NULL, NULL);
  cm_subtask subtask;
  cm_subtask_init(&subtask, NULL, NULL);
  cm_arena *arena = cm_arena_new();
  cm_canon_cx cx = guest_cx(g, arena, CM_UTF8);
  cx.handles = &table;
  cx.task = &task;
  cx.subtask = &subtask;
  wasm_slot flat[1];
  cm_val v = cm_val_handle(100), back;

  /* own: lowering makes handle 1, lifting moves it out (the index is then unknown) */
  CHECK_OK(cm_lower_flat(&cx, &own, &v, flat));
  CHECK(flat[0] == 1);
  CHECK_OK(cm_lift_flat(&cx, &own, flat, &back));
  CHECK(back.u.rep == 100);
  CHECK_TRAP(cm_lift_flat(&cx, &own, flat, &back), "unknown handle index 1");
  wasm_slot zero[1] = {0};
  CHECK_TRAP(cm_lift_flat(&cx, &own, zero, &back), "unknown handle index 0");
  uint32_t hptr = guest_alloc(g, 4, 4);
  CHECK_OK(cm_store(&cx, &own, &v, hptr));
  CHECK_OK(cm_load(&cx, &own, hptr, &back));
  CHECK(back.u.rep == 100);

  /* borrow of an own handle: lent for the call, so it cannot move or drop until the end */
  uint32_t index;
  CHECK_OK(cm_resource_new(g->store, &table, &res, 200, &index));
  flat[0] = index;
  CHECK_TRAP(cm_lift_flat(&cx, &own_other, flat, &back), "used with the wrong type");
  CHECK_OK(cm_lift_flat(&cx, &borrow, flat, &back));
  CHECK(back.u.rep == 200);
  CHECK_TRAP(cm_lift_flat(&cx, &own, flat, &back), "cannot remove owned resource while borrowed");
  CHECK_TRAP(cm_resource_drop(g->store, &table, index, &res), "cannot remove owned resource while borrowed");
  CHECK(subtask.lenders.len == 1 && table.slots.items[index].num_lends == 1);
  cm_subtask_deliver_resolve(&subtask);
  CHECK(subtask.lenders.len == 0 && table.slots.items[index].num_lends == 0);
  uint32_t rep = 0;
  CHECK_OK(cm_resource_rep(g->store, &table, index, &res, &rep));
  CHECK(rep == 200);
  CHECK_OK(cm_resource_drop(g->store, &table, index, &res));
  CHECK(log.calls == 1 && log.last_rep == 200);
  CHECK_TRAP(cm_resource_drop(g->store, &table, index, &res), "unknown handle index");

  /* a borrow lowered into the callee must be dropped before its task returns */
  cm_task_init(&task, NULL, NULL, NULL);
  cm_task_start(&task);
  v = cm_val_handle(300);
  CHECK_OK(cm_lower_flat(&cx, &borrow, &v, flat));
  CHECK(task.num_borrows == 1 && table.slots.items[flat[0]].borrow_scope == &task);
  CHECK_TRAP(cm_task_return(g->store, &task), "borrow handles still remain");
  CHECK(task.state == CM_TASK_STARTED);
  /* the task goes (its call trapped): the borrow no longer counts in it, so dropping it later
   * does not touch the task */
  cm_handle_table_end_borrow_scope(&table, &task);
  CHECK(table.slots.items[flat[0]].borrow_scope == NULL);
  CHECK_OK(cm_resource_drop(g->store, &table, (uint32_t)flat[0], &res));
  CHECK(task.num_borrows == 1);
  cm_task_init(&task, NULL, NULL, NULL);
  cm_task_start(&task);
  CHECK_OK(cm_lower_flat(&cx, &borrow, &v, flat));
  CHECK_TRAP(cm_lift_flat(&cx, &own, flat, &back), "a borrow, not an own handle");
  CHECK_OK(cm_resource_drop(g->store, &table, (uint32_t)flat[0], &res));
  CHECK(log.calls == 1); /* borrows run no destructor */
  CHECK(task.num_borrows == 0);
  CHECK_OK(cm_task_return(g->store, &task));
  CHECK(task.state == CM_TASK_RESOLVED);
  CHECK_TRAP(cm_task_return(g->store, &task), "task already returned");

  /* into the instance that implements the resource, a borrow is the rep itself */
  const cm_type *impl[] = {&res};
  table.implements = impl;
  table.nimplements = 1;
  cm_task_init(&task, NULL, NULL, NULL);
  CHECK_OK(cm_lower_flat(&cx, &borrow, &v, flat));
  CHECK(flat[0] == 300);
  CHECK(task.num_borrows == 0);

  /* freed indices are reused */
  uint32_t a, b;
  CHECK_OK(cm_resource_new(g->store, &table, &res, 1, &a));
  CHECK_OK(cm_resource_drop(g->store, &table, a, &res));
  CHECK_OK(cm_resource_new(g->store, &table, &res, 2, &b));
  CHECK(a == b);
  cm_handle_table_free(&table);
  cm_arena_free(arena);
}

/* ---- whole function signatures ---- */
static int post_return_calls;
static wasm_slot post_return_arg;

static wasm_trap *count_post_return(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(caller), WR_UNUSED(env);
  post_return_calls++;
  post_return_arg = slots[0];
  return NULL;
}

static void test_functions(guest *g) {
  cm_arena *arena = cm_arena_new();
  cm_canon_cx cx = guest_cx(g, arena, CM_UTF8);

  /* 17 u32 parameters spill to memory (one i32 pointer) */
  cm_field params[17];
  cm_val args[17], back[17];
  for (uint32_t i = 0; i < 17; i++) {
    params[i] = (cm_field){.name = "p", .type = i == 3 ? prim(CM_U8) : prim(CM_U32)};
    args[i] = cm_val_u(i == 3 ? 0xAB : 1000 + i);
  }
  cm_functype spilled = {.nparams = 17, .params = params};
  wasm_slot slots[CM_MAX_FLAT_PARAMS + 1];
  uint32_t nslots = 0, calls = g->calls;
  CHECK_OK(cm_lower_args(&cx, &spilled, args, slots, &nslots));
  CHECK(nslots == 1 && g->calls == calls + 1);
  CHECK(mem(g)[slots[0] + 12] == 0xAB && mem(g)[slots[0] + 16] == (1004 & 0xFF));
  CHECK_OK(cm_lift_args(&cx, &spilled, slots, back));
  for (uint32_t i = 0; i < 17; i++) CHECK(cm_val_equal(params[i].type, &args[i], &back[i]));
  wasm_slot odd[1] = {slots[0] + 1};
  CHECK_TRAP(cm_lift_args(&cx, &spilled, odd, back), "unaligned pointer: parameters");

  /* 16 flat params stay flat; a string is two of them */
  cm_field sp[2] = {{.name = "s", .type = prim(CM_STRING)}, {.name = "n", .type = prim(CM_S64)}};
  cm_val sargs[2] = {cm_val_string("xyz", 3), cm_val_s(-9)}, sback[2];
  cm_functype flat_ft = {.nparams = 2, .params = sp, .result = prim(CM_STRING)};
  CHECK_OK(cm_lower_args(&cx, &flat_ft, sargs, slots, &nslots));
  CHECK(nslots == 3 && slots[1] == 3 && slots[2] == (uint64_t)-9);
  CHECK_OK(cm_lift_args(&cx, &flat_ft, slots, sback));
  CHECK(cm_val_equal(sp[0].type, &sargs[0], &sback[0]) && cm_val_equal(sp[1].type, &sargs[1], &sback[1]));

  /* a string result (2 flat values > MAX_FLAT_RESULTS) goes through the return area: the
   * lowered side writes it where the guest's last parameter points, the lifted side reads
   * the pointer the core function returned */
  uint32_t retarea = guest_alloc(g, 8, 4);
  slots[3] = retarea; /* after the 3 flat params */
  cm_val r = cm_val_string("result", 6), rback;
  CHECK_OK(cm_lower_result(&cx, &flat_ft, &r, slots));
  wasm_slot ret[1] = {retarea};
  CHECK_OK(cm_lift_result(&cx, &flat_ft, ret, &rback));
  CHECK(cm_val_equal(prim(CM_STRING), &r, &rback));
  ret[0] = retarea + 2;
  CHECK_TRAP(cm_lift_result(&cx, &flat_ft, ret, &rback), "unaligned pointer");

  /* a u32 result is flat */
  cm_functype u32_ft = {.result = prim(CM_U32)};
  cm_val u = cm_val_u(77);
  CHECK_OK(cm_lower_result(&cx, &u32_ft, &u, slots));
  CHECK(slots[0] == 77);
  CHECK_OK(cm_lift_result(&cx, &u32_ft, slots, &rback));
  CHECK(rback.u.u == 77);

  /* post-return gets the core results */
  static uint8_t pr_types[] = {WASM_I32};
  static const wasm_functype pr_type = {1, 0, pr_types};
  wasm_func *post_return = wasm_func_new_host(g->store, &pr_type, count_post_return, NULL);
  CHECK_OK(cm_post_return(g->store, post_return, ret));
  CHECK(post_return_calls == 1 && post_return_arg == ret[0]);
  CHECK_OK(cm_post_return(g->store, NULL, ret));
  cm_arena_free(arena);
}

/* ---- garbage from the guest: lifting random memory and random flat values either succeeds
 * or traps, never reads out of bounds (the sanitizers watch) ---- */
static uint32_t next_random(uint64_t *state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(*state >> 33);
}

/* Mostly small counts and aligned in-bounds pointers, so that lifting gets deep before it
 * meets the occasional wild value. */
static uint32_t garbage_word(uint64_t *state, uint32_t memory_size) {
  uint32_t r = next_random(state);
  switch (r % 8) {
  case 0: return next_random(state);
  case 1: return next_random(state) % memory_size;
  case 2: case 3: case 4: return next_random(state) % (memory_size / 8) * 8;
  default: return next_random(state) % 4;
  }
}

static void test_garbage(guest *g) {
  const cm_valtype *inner[] = {prim(CM_STRING), list(prim(CM_U16)), option(list(prim(CM_CHAR))), prim(CM_F64)};
  const cm_valtype *fields[] = {variant(4, inner), result(prim(CM_STRING), list(prim(CM_STRING))),
                                mk(CM_FLAGS, 9, NULL, NULL, NULL, NULL), mk(CM_ENUM, 3, NULL, NULL, NULL, NULL)};
  const cm_valtype *targets[] = {list(record(4, fields)), tuple(4, fields), list(list(prim(CM_STRING)))};
  const cm_string_encoding encs[] = {CM_UTF8, CM_UTF16, CM_LATIN1_UTF16};
  uint64_t state = 42;
  uint32_t size = (uint32_t)wasm_memory_size_bytes(g->memory);
  int traps = 0, lifted = 0;
  for (int round = 0; round < 3000; round++) {
    uint8_t *m = mem(g);
    for (uint32_t i = 0; i < size; i += 4) {
      uint32_t word = garbage_word(&state, size);
      memcpy(m + i, &word, 4);
    }
    cm_arena *arena = cm_arena_new();
    cm_canon_cx cx = guest_cx(g, arena, encs[round % 3]);
    const cm_valtype *t = targets[round % WR_ARRAY_LEN(targets)];
    cm_val v;
    wasm_slot flat[CM_MAX_FLAT_PARAMS];
    for (uint32_t i = 0; i < CM_MAX_FLAT_PARAMS; i++) flat[i] = garbage_word(&state, size);
    wasm_trap *trap = t->flat_count <= CM_MAX_FLAT_PARAMS ? cm_lift_flat(&cx, t, flat, &v)
                                                         : cm_load(&cx, t, next_random(&state) % size, &v);
    if (trap) traps++;
    else lifted++;
    cm_arena_free(arena);
  }
  printf("garbage: %d lifted, %d trapped\n", lifted, traps);
  CHECK(traps > 0 && lifted > 0);
}

/* ---- a real core module as the guest (tests/canon/guest.wat) ---- */
typedef struct real_guest {
  wasm_store *store;
  wasm_func *realloc;
  const cm_functype *greet_type;
  int greet_calls;
  int greet_resolved; /* calls whose subtask returned and delivered its result */
} real_guest;

/* greet: func(name: string) -> string, "Hello, <name>!" */
static wasm_trap *greet_impl(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  WR_UNUSED(env);
  char *text = cm_arena_alloc(cx->arena, args[0].u.str.len + 8);
  memcpy(text, "Hello, ", 7);
  memcpy(text + 7, args[0].u.str.data, args[0].u.str.len);
  text[7 + args[0].u.str.len] = '!';
  *result = cm_val_string(text, args[0].u.str.len + 8);
  return NULL;
}

/* The guest's `greet` import: the core-level host function around greet_impl. */
static wasm_trap *host_greet(wasm_caller *caller, void *env, wasm_slot *slots) {
  real_guest *rg = env;
  rg->greet_calls++;
  cm_arena *arena = cm_arena_new();
  cm_canon_cx cx = {.store = rg->store, .memory = wasm_caller_memory(caller), .realloc = rg->realloc,
                    .encoding = CM_UTF8, .arena = arena};
  cm_subtask subtask;
  cm_subtask_init(&subtask, NULL, arena);
  wasm_trap *trap = cm_call_host(&cx, &subtask, rg->greet_type, greet_impl, NULL, slots);
  if (!trap) rg->greet_resolved += subtask.state == CM_SUBTASK_RETURNED && subtask.resolve_delivered;
  cm_subtask_finish(&subtask);
  cm_arena_free(arena);
  return trap;
}

static bool read_file(const char *path, uint8_t **data, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  *data = wr_malloc(n > 0 ? (size_t)n : 1);
  *size = fread(*data, 1, n > 0 ? (size_t)n : 0, f);
  fclose(f);
  return *size == (size_t)n;
}

static wasm_func *export_func(wasm_instance *inst, const char *name) {
  wasm_extern ext;
  if (!wasm_instance_export(inst, name, strlen(name), &ext) || ext.kind != WASM_EXTERN_FUNC) {
    fprintf(stderr, "guest: no func export %s\n", name);
    exit(1);
  }
  return ext.of.func;
}

static void test_real_module(const char *dir) {
  char path[1024];
  snprintf(path, sizeof path, "%s/guest.wasm", dir);
  uint8_t *bytes;
  size_t size;
  if (!read_file(path, &bytes, &size)) {
    fprintf(stderr, "cannot read %s\n", path);
    failures++;
    return;
  }
  wr_error err = {0};
  wasm_module *module = wasm_module_load(bytes, size, NULL, &err, NULL);
  wr_free(bytes);
  if (!module) {
    fprintf(stderr, "guest.wasm: %s\n", err.message);
    failures++;
    return;
  }
  cm_field greet_params[] = {{.name = "name", .type = prim(CM_STRING)}};
  cm_functype greet_ft = {.nparams = 1, .params = greet_params, .result = prim(CM_STRING)};
  real_guest rg = {.store = wasm_store_new(), .greet_type = &greet_ft};
  static uint8_t greet_types[] = {WASM_I32, WASM_I32, WASM_I32};
  static const wasm_functype greet_core = {3, 0, greet_types};
  wasm_extern import = {WASM_EXTERN_FUNC, {.func = wasm_func_new_host(rg.store, &greet_core, host_greet, &rg)}};
  wasm_trap *trap = NULL;
  wasm_instance *inst = wasm_instantiate(rg.store, module, &import, 1, &trap, &err);
  CHECK(inst != NULL);
  if (!inst) {
    fprintf(stderr, "instantiate: %s\n", trap ? trap->message : err.message);
    wasm_store_free(rg.store);
    wasm_module_free(module);
    return;
  }
  wasm_extern mem_ext;
  CHECK(wasm_instance_export(inst, "memory", 6, &mem_ext) && mem_ext.kind == WASM_EXTERN_MEMORY);
  rg.realloc = export_func(inst, "realloc");
  cm_arena *arena = cm_arena_new();
  cm_canon_cx cx = {.store = rg.store, .memory = mem_ext.of.memory, .realloc = rg.realloc, .encoding = CM_UTF8,
                    .arena = arena};

  /* the host calls the lifted export: arguments lowered through the guest's realloc, the
   * result lifted from the return area, then post-return */
  const cm_valtype *list_u32 = list(prim(CM_U32));
  cm_field rev_params[] = {{.name = "xs", .type = list_u32}};
  cm_functype rev_ft = {.nparams = 1, .params = rev_params, .result = list_u32};
  cm_val xs = cm_val_seq(arena, 5), ys;
  for (uint32_t i = 0; i < 5; i++) xs.u.seq.items[i] = cm_val_u(10 * i + 1);
  wasm_slot slots[CM_MAX_FLAT_PARAMS];
  uint32_t nslots;
  CHECK_OK(cm_lower_args(&cx, &rev_ft, &xs, slots, &nslots));
  CHECK(nslots == 2 && slots[1] == 5);
  CHECK_OK(wasm_func_call(rg.store, export_func(inst, "reverse"), slots));
  CHECK_OK(cm_lift_result(&cx, &rev_ft, slots, &ys));
  CHECK(ys.u.seq.count == 5);
  for (uint32_t i = 0; i < 5 && i < ys.u.seq.count; i++) CHECK(ys.u.seq.items[i].u.u == 10 * (4 - i) + 1);
  CHECK_OK(cm_post_return(rg.store, export_func(inst, "cabi_post_reverse"), slots));
  wasm_extern counter;
  wasm_slot count = 0;
  CHECK(wasm_instance_export(inst, "post_returns", 12, &counter) && counter.kind == WASM_EXTERN_GLOBAL);
  wasm_global_get(counter.of.global, &count);
  CHECK(count == 1);

  /* the same through cm_call_lifted, which also checks the core type and runs post-return */
  cm_task task;
  cm_task_init(&task, &rev_ft, NULL, NULL);
  CHECK_OK(cm_call_lifted(&cx, &task, export_func(inst, "reverse"), export_func(inst, "cabi_post_reverse"), &xs,
                          &ys));
  CHECK(ys.u.seq.count == 5 && ys.u.seq.items[0].u.u == 41 && ys.u.seq.items[4].u.u == 1);
  wasm_global_get(counter.of.global, &count);
  CHECK(count == 2);
  cm_field u64_param[] = {{.name = "n", .type = prim(CM_U64)}};
  cm_functype wrong_ft = {.nparams = 1, .params = u64_param, .result = list_u32};
  CHECK(task.state == CM_TASK_RESOLVED);
  cm_task_init(&task, &wrong_ft, NULL, NULL);
  CHECK_TRAP(cm_call_lifted(&cx, &task, export_func(inst, "reverse"), NULL, &xs, &ys),
             "does not have the flattened type");

  /* a guest that keeps a borrow it was given past the call traps (the post-return export
   * serves as a func(r: borrow<R>) that never drops r) */
  cm_type res = {.kind = CM_TYPE_RESOURCE};
  cm_valtype borrow = {.kind = CM_BORROW, .resource = &res};
  cm_valtype_layout(&borrow, NULL);
  cm_field borrow_param[] = {{.name = "r", .type = &borrow}};
  cm_functype keep_ft = {.nparams = 1, .params = borrow_param};
  cm_handle_table table;
  cm_handle_table_init(&table);
  cx.handles = &table;
  cm_val r = cm_val_handle(5);
  cm_task_init(&task, &keep_ft, NULL, NULL);
  CHECK_TRAP(cm_call_lifted(&cx, &task, export_func(inst, "cabi_post_reverse"), NULL, &r, NULL),
             "borrow handles still remain");
  cm_handle_table_free(&table);
  cx.handles = NULL;

  /* the guest calls the lowered import: its string argument lifted, the host's result
   * lowered into its memory through its realloc and written to its return area */
  wasm_slot run[1] = {0};
  CHECK_OK(wasm_func_call(rg.store, export_func(inst, "run"), run));
  CHECK(rg.greet_calls == 1 && rg.greet_resolved == 1);
  cm_val greeting;
  CHECK_OK(cm_load(&cx, prim(CM_STRING), (uint32_t)run[0], &greeting));
  const char *expect = "Hello, W\xc3\xa4rren!";
  CHECK(greeting.u.str.len == strlen(expect) && memcmp(greeting.u.str.data, expect, strlen(expect)) == 0);
  cm_arena_free(arena);
  wasm_store_free(rg.store);
  wasm_module_free(module);
}

int main(int argc, char **argv) {
  types = cm_arena_new();
  guest g;
  guest_init(&g);
  test_scalars(&g);
  test_strings(&g);
  test_compounds(&g);
  test_traps(&g);
  test_handles(&g);
  test_functions(&g);
  test_garbage(&g);
  if (argc > 1) test_real_module(argv[1]);
  wasm_store_free(g.store);
  cm_arena_free(types);
  printf("canon_unit: %d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
