/* Unit tests of the validator on hand-written modules: one function of a given type and body,
 * plus whatever sections a test needs. Each invalid body must fail with the spec's message
 * category, and body errors must name the function and the instruction's offset. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "wasm/module.h"
#include "wasm/validate.h"

static int failures;

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
      failures++;                                                                   \
    }                                                                               \
  } while (0)

typedef struct byte_buffer {
  uint8_t *data;
  size_t len, cap;
} byte_buffer;

static void put(byte_buffer *b, const uint8_t *p, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->data = wr_realloc(b->data, b->cap);
  }
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void put_leb(byte_buffer *b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7F;
    v >>= 7;
    if (v) byte |= 0x80;
    put(b, &byte, 1);
  } while (v);
}

static void put_section(byte_buffer *b, uint8_t id, const uint8_t *payload, size_t n) {
  put(b, &id, 1);
  put_leb(b, n);
  put(b, payload, n);
}

typedef struct fixture {
  const uint8_t *type; /* one function type: 0x60 params results */
  size_t type_len;
  const uint8_t *extra; /* whole sections that go between the function and code sections */
  size_t extra_len;
  const uint8_t *body; /* instructions including the final end; no locals are declared */
  size_t body_len;
  wasm_features features;
} fixture;

/* Offset of the body's first instruction in the module that build() makes. */
static size_t body_start;

static byte_buffer build(const fixture *f) {
  static const uint8_t header[] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  byte_buffer m = {0}, payload = {0};
  put(&m, header, sizeof header);
  put_leb(&payload, 1);
  put(&payload, f->type, f->type_len);
  put_section(&m, 1, payload.data, payload.len);
  put_section(&m, 3, (const uint8_t[]){1, 0}, 2);
  put(&m, f->extra, f->extra_len);
  byte_buffer code = {0};
  put_leb(&code, 1);
  put_leb(&code, f->body_len + 1);
  put(&code, (const uint8_t[]){0}, 1); /* no local declarations */
  byte_buffer section = {0};
  put(&section, (const uint8_t[]){10}, 1);
  put_leb(&section, code.len + f->body_len);
  body_start = m.len + section.len + code.len;
  put(&m, section.data, section.len);
  put(&m, code.data, code.len);
  put(&m, f->body, f->body_len);
  wr_free(payload.data);
  wr_free(code.data);
  wr_free(section.data);
  return m;
}

/* Decodes and validates; returns whether it validated and fills err. The module must decode. */
static bool run(int line, const fixture *f, wr_error *err) {
  byte_buffer bytes = build(f);
  wr_error_clear(err);
  wasm_module *m = wasm_decode(bytes.data, bytes.len, &f->features, err);
  wr_free(bytes.data);
  if (!m) {
    fprintf(stderr, "line %d: the test module does not decode: %s\n", line, err->message);
    failures++;
    return false;
  }
  bool ok = wasm_validate(m, err);
  wasm_module_free(m);
  return ok;
}

static void expect_valid(int line, const fixture *f) {
  wr_error err;
  if (!run(line, f, &err) && err.failed) {
    fprintf(stderr, "line %d: expected valid, got \"%s\"\n", line, err.message);
    failures++;
  }
}

/* The message must start with `category`; `at` >= 0 is the expected offset relative to the body. */
static void expect_invalid(int line, const fixture *f, const char *category, long at) {
  wr_error err;
  if (run(line, f, &err)) {
    fprintf(stderr, "line %d: expected \"%s\", but the module validated\n", line, category);
    failures++;
    return;
  }
  if (strncmp(err.message, category, strlen(category)) != 0) {
    fprintf(stderr, "line %d: expected \"%s\", got \"%s\"\n", line, category, err.message);
    failures++;
  }
  if (at >= 0 && (!err.has_offset || err.offset != body_start + (size_t)at)) {
    fprintf(stderr, "line %d: expected offset %zu, got %zu (%s)\n", line, body_start + (size_t)at, err.offset,
            err.message);
    failures++;
  }
}

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})
#define TYPE(...) .type = BYTES(__VA_ARGS__)
#define EXTRA(...) .extra = BYTES(__VA_ARGS__)
#define BODY(...) .body = BYTES(__VA_ARGS__)
#define FIXTURE(...) (&(fixture){.features = wasm_features_default(), __VA_ARGS__})
#define VALID(...) expect_valid(__LINE__, FIXTURE(__VA_ARGS__))
#define INVALID(category, at, ...) expect_invalid(__LINE__, FIXTURE(__VA_ARGS__), category, at)
/* The same with multi-memory off (it is on by default): Wasm 2.0's rules for memory immediates. */
static wasm_features one_memory_features(void) {
  wasm_features f = wasm_features_default();
  f.multi_memory = false;
  return f;
}
#define FIXTURE_1MEM(...) (&(fixture){.features = one_memory_features(), __VA_ARGS__})
#define INVALID_1MEM(category, at, ...) expect_invalid(__LINE__, FIXTURE_1MEM(__VA_ARGS__), category, at)

/* [] -> [], [] -> [i32], [i32] -> [i32] */
#define VOID_TYPE TYPE(0x60, 0, 0)
#define I32_RESULT TYPE(0x60, 0, 1, 0x7F)
#define I32_TO_I32 TYPE(0x60, 1, 0x7F, 1, 0x7F)
#define ONE_MEMORY EXTRA(5, 3, 1, 0, 1)

static void test_operand_stack(void) {
  VALID(I32_RESULT, BODY(0x41, 1, 0x0B));
  VALID(I32_TO_I32, BODY(0x20, 0, 0x41, 2, 0x6A, 0x0B));
  /* i64.const where i32 is needed: message names both types, the function and the offset */
  INVALID("type mismatch", 4, I32_TO_I32, BODY(0x20, 0, 0x42, 2, 0x6A, 0x0B));
  {
    wr_error err;
    run(__LINE__, FIXTURE(I32_TO_I32, BODY(0x20, 0, 0x42, 2, 0x6A, 0x0B)), &err);
    CHECK(strstr(err.message, "instruction requires [i32 i32] but stack has [i32 i64]") != NULL);
    CHECK(strstr(err.message, "in function 0") != NULL);
  }
  INVALID("type mismatch", 0, I32_RESULT, BODY(0x0B));                   /* missing result */
  INVALID("type mismatch", 2, VOID_TYPE, BODY(0x41, 1, 0x0B));           /* extra value */
  INVALID("type mismatch", 0, VOID_TYPE, BODY(0x1A, 0x0B));              /* drop on empty */
  INVALID("unknown local 1", 0, I32_TO_I32, BODY(0x20, 1, 0x0B));
}

static void test_polymorphic_stack(void) {
  VALID(I32_RESULT, BODY(0x00, 0x0B));                            /* unreachable yields anything */
  VALID(VOID_TYPE, BODY(0x00, 0x6A, 0x1A, 0x0B));                 /* i32.add on the polymorphic stack */
  VALID(I32_RESULT, BODY(0x00, 0x1B, 0x0B));                      /* select of unknowns */
  VALID(I32_RESULT, BODY(0x41, 1, 0x0F, 0x1A, 0x0B));             /* after return, even drop finds a value */
  /* known types below the polymorphic part still count */
  INVALID("type mismatch", 3, I32_RESULT, BODY(0x00, 0x42, 0, 0x6A, 0x0B));
  /* the polymorphic stack ends with its block */
  INVALID("type mismatch", 4, I32_RESULT, BODY(0x02, 0x40, 0x00, 0x0B, 0x0B));
}

static void test_blocks(void) {
  /* block type given as a type index with a parameter: [i32] -> [i32] */
  VALID(I32_TO_I32, BODY(0x20, 0, 0x02, 0, 0x41, 1, 0x6A, 0x0B, 0x0B));
  /* if without else must pass its parameters through unchanged */
  VALID(I32_TO_I32, BODY(0x20, 0, 0x20, 0, 0x04, 0, 0x41, 1, 0x6A, 0x0B, 0x0B));
  INVALID("type mismatch", -1, I32_RESULT, BODY(0x41, 1, 0x04, 0x7F, 0x41, 1, 0x0B, 0x0B));
  VALID(I32_RESULT, BODY(0x41, 1, 0x04, 0x7F, 0x41, 1, 0x05, 0x41, 2, 0x0B, 0x0B));
  INVALID("type mismatch", -1, I32_RESULT, BODY(0x41, 1, 0x04, 0x7F, 0x41, 1, 0x05, 0x0B, 0x0B));
  /* a branch to a loop carries the loop's parameters, not its results */
  VALID(I32_RESULT, BODY(0x03, 0x7F, 0x0C, 0, 0x0B, 0x0B));
  INVALID("unknown label", 0, VOID_TYPE, BODY(0x0C, 1, 0x0B));
  INVALID("unknown type", -1, VOID_TYPE, BODY(0x02, 5, 0x0B, 0x0B));
  INVALID("else without a matching if", 2, VOID_TYPE, BODY(0x02, 0x40, 0x05, 0x0B, 0x0B));
}

static void test_br_table(void) {
  /* both labels carry one i32 */
  VALID(I32_RESULT, BODY(0x02, 0x7F, 0x41, 7, 0x41, 0, 0x0E, 1, 0, 1, 0x0B, 0x0B));
  /* labels of different arities: block [] -> [] vs function [i32] */
  INVALID("type mismatch", -1, I32_RESULT, BODY(0x02, 0x40, 0x41, 7, 0x41, 0, 0x0E, 1, 0, 1, 0x0B, 0x41, 0, 0x0B));
  /* after unreachable the operands are unknown, but arities must still agree */
  INVALID("type mismatch", -1, I32_RESULT, BODY(0x02, 0x40, 0x00, 0x0E, 1, 0, 1, 0x0B, 0x41, 0, 0x0B));
  INVALID("unknown label", -1, VOID_TYPE, BODY(0x41, 0, 0x0E, 1, 0, 5, 0x0B));
}

static void test_select(void) {
  VALID(I32_RESULT, BODY(0x41, 1, 0x41, 2, 0x41, 0, 0x1B, 0x0B));
  /* untyped select of references is invalid; typed select takes exactly one type */
  INVALID("type mismatch", 6, VOID_TYPE, BODY(0xD0, 0x70, 0xD0, 0x70, 0x41, 0, 0x1B, 0x1A, 0x0B));
  VALID(VOID_TYPE, BODY(0xD0, 0x70, 0xD0, 0x70, 0x41, 0, 0x1C, 1, 0x70, 0x1A, 0x0B));
  INVALID("invalid result arity", 6, VOID_TYPE, BODY(0x41, 1, 0x41, 1, 0x41, 0, 0x1C, 2, 0x7F, 0x7F, 0x1A, 0x0B));
}

static void test_memory(void) {
  VALID(I32_RESULT, ONE_MEMORY, BODY(0x41, 0, 0x28, 2, 0, 0x0B));
  INVALID("alignment must not be larger than natural", 2, I32_RESULT, ONE_MEMORY, BODY(0x41, 0, 0x28, 3, 0, 0x0B));
  INVALID("unknown memory 0", 2, I32_RESULT, BODY(0x41, 0, 0x28, 2, 0, 0x0B));
  VALID(I32_RESULT, ONE_MEMORY, BODY(0x3F, 0, 0x0B));
  /* in Wasm 2.0 memory.size's immediate is a reserved zero byte: anything else is malformed */
  INVALID_1MEM("zero byte expected", 1, I32_RESULT, ONE_MEMORY, BODY(0x3F, 1, 0x0B));
  /* with multi-memory (the default) it is a memory index */
  INVALID("unknown memory 1", 0, I32_RESULT, ONE_MEMORY, BODY(0x3F, 1, 0x0B));
  /* memory.init needs the data count section (here: a memory and no data at all) */
  INVALID("unknown data segment", 6, VOID_TYPE, ONE_MEMORY,
          BODY(0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 8, 0, 0, 0x0B));
}

static void test_globals_and_refs(void) {
  /* immutable i32 global 0 = 1 */
  INVALID("global is immutable", 2, VOID_TYPE, EXTRA(6, 6, 1, 0x7F, 0, 0x41, 1, 0x0B), BODY(0x41, 1, 0x24, 0, 0x0B));
  VALID(VOID_TYPE, EXTRA(6, 6, 1, 0x7F, 1, 0x41, 1, 0x0B), BODY(0x41, 1, 0x24, 0, 0x0B));
  INVALID("unknown global 1", 0, I32_RESULT, EXTRA(6, 6, 1, 0x7F, 0, 0x41, 1, 0x0B), BODY(0x23, 1, 0x0B));
  /* a global initializer may only read imported globals */
  INVALID("unknown global 0", -1, VOID_TYPE, EXTRA(6, 11, 2, 0x7F, 0, 0x41, 1, 0x0B, 0x7F, 0, 0x23, 0, 0x0B),
          BODY(0x0B));
  /* ref.func needs the function declared outside bodies, e.g. by an export */
  INVALID("undeclared function reference", 0, VOID_TYPE, BODY(0xD2, 0, 0x1A, 0x0B));
  VALID(VOID_TYPE, EXTRA(7, 5, 1, 1, 'f', 0, 0), BODY(0xD2, 0, 0x1A, 0x0B));
  INVALID("duplicate export name", -1, VOID_TYPE, EXTRA(7, 9, 2, 1, 'f', 0, 0, 1, 'f', 0, 0), BODY(0x0B));
}

/* i32.const 1; i32.const 1; i32.add in a global initializer: valid by default (extended-const
 * is on, as in wasmtime), "constant expression required" with it turned off. */
static void test_extended_const(void) {
  fixture f = {.features = wasm_features_default(), TYPE(0x60, 0, 0), BODY(0x0B),
               EXTRA(6, 9, 1, 0x7F, 0, 0x41, 1, 0x41, 1, 0x6A, 0x0B)};
  expect_valid(__LINE__, &f);
  f.features.extended_const = false;
  expect_invalid(__LINE__, &f, "constant expression required", -1);
}

static void test_simd(void) {
  /* i8x16.extract_lane_s 16 is out of range; 15 is the last lane */
  INVALID("invalid lane index", 18, I32_RESULT, BODY(0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                      0xFD, 0x15, 16, 0x0B));
  VALID(I32_RESULT, BODY(0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFD, 0x15, 15, 0x0B));
  fixture f = {.features = wasm_features_default(), I32_RESULT, BODY(0xFD, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                                    0, 0, 0, 0, 0xFD, 0x15, 15, 0x0B)};
  f.features.simd = false;
  wr_error err;
  CHECK(!run(__LINE__, &f, &err));
}

static void test_tail_calls(void) {
  fixture f = {.features = wasm_features_default(), VOID_TYPE, BODY(0x12, 0, 0x0B)};
  wr_error err;
  CHECK(!run(__LINE__, &f, &err) && strncmp(err.message, "illegal opcode", 14) == 0);
  f.features.tail_call = true;
  expect_valid(__LINE__, &f);
}

static void test_malformed_bodies(void) {
  INVALID("illegal opcode", 0, VOID_TYPE, BODY(0xFF, 0x0B));
  INVALID("integer representation too long", 5, I32_RESULT, BODY(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0B));
  /* the body's last byte is an end, but it closes the block: the function's end is missing */
  INVALID("unexpected end", 3, VOID_TYPE, BODY(0x02, 0x40, 0x0B));
  INVALID("operators remaining", 1, VOID_TYPE, BODY(0x0B, 0x01, 0x0B));
  /* the spec decodes before it validates: a later malformed encoding beats an earlier type error */
  INVALID("illegal opcode", 1, VOID_TYPE, BODY(0x1A, 0xFF, 0x0B));
  INVALID_1MEM("zero byte expected", 7, I32_RESULT, ONE_MEMORY, BODY(0x42, 0, 0x1A, 0x1A, 0x3F, 0, 0x3F, 1, 0x0B));
  /* callers can tell these malformed encodings from invalid modules */
  wr_error err;
  CHECK(!run(__LINE__, FIXTURE(VOID_TYPE, BODY(0xFF, 0x0B)), &err) && wasm_validate_error_is_malformed(&err));
  CHECK(!run(__LINE__, FIXTURE_1MEM(I32_RESULT, ONE_MEMORY, BODY(0x3F, 1, 0x0B)), &err) &&
        wasm_validate_error_is_malformed(&err));
  CHECK(!run(__LINE__, FIXTURE(VOID_TYPE, BODY(0x1A, 0x0B)), &err) && !wasm_validate_error_is_malformed(&err));
}

/* Nesting is bounded only by the body size and costs heap, not C stack. */
static void test_deep_nesting(void) {
  const size_t depth = 200000;
  uint8_t *body = wr_malloc(depth * 3 + 1);
  for (size_t i = 0; i < depth; i++) {
    body[2 * i] = 0x02;
    body[2 * i + 1] = 0x40;
    body[2 * depth + i] = 0x0B;
  }
  body[3 * depth] = 0x0B;
  fixture f = {.features = wasm_features_default(), VOID_TYPE, .body = body, .body_len = 3 * depth + 1};
  expect_valid(__LINE__, &f);
  wr_free(body);
}

int main(void) {
  test_operand_stack();
  test_polymorphic_stack();
  test_blocks();
  test_br_table();
  test_select();
  test_memory();
  test_globals_and_refs();
  test_extended_const();
  test_simd();
  test_tail_calls();
  test_malformed_bodies();
  test_deep_nesting();
  if (failures) {
    fprintf(stderr, "%d validator check(s) failed\n", failures);
    return 1;
  }
  printf("validator unit tests passed\n");
  return 0;
}
