/* Unit tests of the binary decoder on hand-written modules: well-formed ones decode into the
 * right IR, each malformed one fails with the spec's message category at the right offset. */
#include <stdio.h>
#include <string.h>

#include "wasm/module.h"

static int failures;

#define HEADER 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                      \
    }                                                                  \
  } while (0)

static wasm_module *decode_with(const uint8_t *bytes, size_t size, const wasm_features *features, wr_error *err) {
  wr_error_clear(err);
  return wasm_decode(bytes, size, features, err);
}

static wasm_module *expect_ok_line(int line, const uint8_t *bytes, size_t size, const wasm_features *features) {
  wr_error err;
  wasm_module *m = decode_with(bytes, size, features, &err);
  if (!m) {
    fprintf(stderr, "line %d: expected success, got \"%s\" at %zu\n", line, err.message, err.offset);
    failures++;
  }
  return m;
}

/* The message must start with the category; the offset must match exactly. */
static void expect_fail_line(int line, const uint8_t *bytes, size_t size, const wasm_features *features,
                             const char *category, size_t offset) {
  wr_error err;
  wasm_module *m = decode_with(bytes, size, features, &err);
  if (m) {
    fprintf(stderr, "line %d: expected \"%s\", but the module decoded\n", line, category);
    failures++;
    wasm_module_free(m);
    return;
  }
  if (strncmp(err.message, category, strlen(category)) != 0 || !err.has_offset || err.offset != offset) {
    fprintf(stderr, "line %d: expected \"%s\" at %zu, got \"%s\" at %zu\n", line, category, offset, err.message,
            err.offset);
    failures++;
  }
}

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})
#define OK(...) expect_ok_line(__LINE__, BYTES(__VA_ARGS__), NULL)
#define FAIL(category, offset, ...) expect_fail_line(__LINE__, BYTES(__VA_ARGS__), NULL, category, offset)

static void test_header(void) {
  wasm_module *m = OK(HEADER);
  CHECK(m && m->ntypes == 0 && m->nfuncs == 0 && m->size == 8);
  wasm_module_free(m);
  expect_fail_line(__LINE__, (const uint8_t *)"", 0, NULL, "unexpected end", 0);
  FAIL("unexpected end", 0, 0x00, 0x61, 0x73);
  FAIL("magic header not detected", 0, 0x00, 0x41, 0x53, 0x4D, 0x01, 0x00, 0x00, 0x00);
  FAIL("unexpected end", 4, 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00);
  FAIL("unknown binary version", 4, 0x00, 0x61, 0x73, 0x6D, 0x0D, 0x00, 0x01, 0x00);
}

static void test_sections(void) {
  FAIL("malformed section id", 8, HEADER, 0x0E, 0x00);
  FAIL("malformed section id", 8, HEADER, 0x0D, 0x00); /* tags need the exceptions feature */
  FAIL("malformed section id", 8, HEADER, 0x80, 0x00, 0x01, 0x00);
  /* type section twice; memory before table */
  FAIL("unexpected content after last section", 11, HEADER, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00);
  FAIL("unexpected content after last section", 11, HEADER, 0x05, 0x01, 0x00, 0x04, 0x01, 0x00);
  /* data count goes before code */
  FAIL("unexpected content after last section", 11, HEADER, 0x0A, 0x01, 0x00, 0x0C, 0x01, 0x00);
  wasm_module *m = OK(HEADER, 0x0C, 0x01, 0x00, 0x0A, 0x01, 0x00, 0x0B, 0x01, 0x00);
  CHECK(m && m->has_data_count && m->data_count == 0 && m->ndatas == 0);
  wasm_module_free(m);
  /* section size larger than the file */
  FAIL("length out of bounds", 9, HEADER, 0x01, 0x05, 0x00);
  /* section larger than its content, and content larger than its section */
  FAIL("section size mismatch", 11, HEADER, 0x01, 0x02, 0x00, 0x00);
  FAIL("section size mismatch", 14, HEADER, 0x01, 0x07, 0x01, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00);
  /* 2 types declared, the section holds one: like the spec's decoder, reading goes on past the
   * section's end and only then finds the size wrong; at the end of the file it runs out */
  FAIL("section size mismatch", 17, HEADER, 0x01, 0x04, 0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00);
  FAIL("unexpected end of section or function", 14, HEADER, 0x01, 0x04, 0x02, 0x60, 0x00, 0x00);
  /* 1 memory declared, none given */
  FAIL("unexpected end of section or function", 11, HEADER, 0x05, 0x01, 0x01);
  /* a count beyond the rest of the file */
  FAIL("length out of bounds", 10, HEADER, 0x01, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F);
  FAIL("integer too large", 14, HEADER, 0x01, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F);
  FAIL("integer representation too long", 14, HEADER, 0x01, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
  FAIL("unexpected end", 9, HEADER, 0x01);
  FAIL("unexpected end", 10, HEADER, 0x01, 0x80);
}

static void test_custom_and_names(void) {
  /* custom sections anywhere, even between known ones */
  wasm_module *m = OK(HEADER, 0x00, 0x03, 0x01, 'x', 0xAA, 0x01, 0x01, 0x00, 0x00, 0x02, 0x01, 'y');
  CHECK(m && m->ncustoms == 2 && m->customs[0].name.len == 1 && m->customs[0].name.data[0] == 'x' &&
        m->customs[0].len == 1 && m->bytes[m->customs[0].offset] == 0xAA && m->customs[1].len == 0);
  wasm_module_free(m);
  FAIL("malformed UTF-8 encoding", 11, HEADER, 0x00, 0x02, 0x01, 0xFF);
  FAIL("unexpected end of section or function", 10, HEADER, 0x00, 0x00);
  FAIL("length out of bounds", 10, HEADER, 0x00, 0x02, 0x05, 'a');
  /* 2 functions; names: function 1 = "f", plus a bogus entry for function 7 (ignored) */
#define TWO_FUNCS 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, \
                  0x0A, 0x07, 0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B
  m = OK(HEADER, TWO_FUNCS, 0x00, 0x0F, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x08, 0x02, 0x01, 0x01, 'f', 0x07, 0x02,
         'z', 'z');
  CHECK(m && m->func_names && m->func_names[0] == NULL && m->func_names[1] && strcmp(m->func_names[1], "f") == 0);
  wasm_module_free(m);
  /* a broken name subsection is ignored, not an error */
  m = OK(HEADER, TWO_FUNCS, 0x00, 0x0A, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x03, 0x05, 0x01, 0x09);
  CHECK(m && m->func_names == NULL);
  wasm_module_free(m);
}

static void test_types_and_imports(void) {
  wasm_module *m = OK(HEADER, 0x01, 0x0A, 0x02, 0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D, 0x60, 0x00, 0x00);
  CHECK(m && m->ntypes == 2 && m->types[0].nparams == 2 && m->types[0].nresults == 1 &&
        m->types[0].types[0] == WASM_I32 && m->types[0].types[1] == WASM_I64 &&
        wasm_functype_results(&m->types[0])[0] == WASM_F32 && m->types[1].nparams == 0);
  wasm_module_free(m);
  FAIL("malformed function type", 11, HEADER, 0x01, 0x04, 0x01, 0x61, 0x00, 0x00);
  FAIL("integer representation too long", 11, HEADER, 0x01, 0x05, 0x01, 0xE0, 0x7F, 0x00, 0x00);
  FAIL("malformed value type", 13, HEADER, 0x01, 0x05, 0x01, 0x60, 0x01, 0x40, 0x00);
  wasm_features no_simd = wasm_features_default();
  no_simd.simd = false;
  expect_fail_line(__LINE__, BYTES(HEADER, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7B, 0x00), &no_simd,
                   "malformed value type", 13);

  /* imports of every kind: func type 0, table funcref 1..2, memory 1, global mut i32 */
  m = OK(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
         0x02, 0x1E, 0x04,
         0x01, 'm', 0x01, 'f', 0x00, 0x00,
         0x01, 'm', 0x01, 't', 0x01, 0x70, 0x01, 0x01, 0x02,
         0x01, 'm', 0x01, 'M', 0x02, 0x00, 0x01,
         0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x01);
  CHECK(m && m->nimports == 4 && m->nfunc_imports == 1 && m->ntable_imports == 1 && m->nmemory_imports == 1 &&
        m->nglobal_imports == 1);
  if (m) {
    CHECK(strcmp(m->imports[0].module.data, "m") == 0 && strcmp(m->imports[0].name.data, "f") == 0);
    wasm_tabletype t = wasm_module_table_type(m, 0);
    CHECK(t.elem == WASM_FUNCREF && t.limits.min == 1 && t.limits.has_max && t.limits.max == 2);
    CHECK(wasm_module_memory_type(m, 0).limits.min == 1 && !wasm_module_memory_type(m, 0).limits.has_max);
    CHECK(wasm_module_global_type(m, 0).type == WASM_I32 && wasm_module_global_type(m, 0).mut);
    CHECK(wasm_module_func_type(m, 0) == &m->types[0]);
  }
  wasm_module_free(m);
  FAIL("malformed import kind", 13, HEADER, 0x02, 0x04, 0x01, 0x00, 0x00, 0x04);
  FAIL("malformed import kind", 13, HEADER, 0x02, 0x05, 0x01, 0x00, 0x00, 0x80, 0x00);
  FAIL("malformed mutability", 15, HEADER, 0x02, 0x06, 0x01, 0x00, 0x00, 0x03, 0x7F, 0x02);
  FAIL("malformed reference type", 14, HEADER, 0x02, 0x07, 0x01, 0x00, 0x00, 0x01, 0x7F, 0x00, 0x00);
  /* a name longer than the rest of the file */
  FAIL("length out of bounds", 11, HEADER, 0x02, 0x02, 0x01, 0x09);
}

static void test_tables_memories_globals(void) {
  wasm_module *m = OK(HEADER, 0x04, 0x04, 0x01, 0x6F, 0x00, 0x03, 0x05, 0x06, 0x02, 0x00, 0x01, 0x01, 0x02, 0x03,
                      0x06, 0x0B, 0x02, 0x7F, 0x00, 0x41, 0x2A, 0x0B, 0x7C, 0x01, 0x23, 0x00, 0x0B);
  CHECK(m && m->ntables == 1 && m->tables[0].elem == WASM_EXTERNREF && m->tables[0].limits.min == 3);
  CHECK(m && m->nmemories == 2 && m->memories[1].limits.has_max && m->memories[1].limits.max == 3);
  CHECK(m && m->nglobals == 2 && !m->globals[0].type.mut && m->globals[1].type.mut &&
        m->globals[1].type.type == WASM_F64);
  if (m) {
    CHECK(m->globals[0].init.len == 3 && m->bytes[m->globals[0].init.offset] == 0x41);
    CHECK(m->bytes[m->globals[0].init.offset + m->globals[0].init.len - 1] == 0x0B);
  }
  wasm_module_free(m);
  /* Wasm 2.0 flags are a 1-bit LEB128 */
  FAIL("integer too large", 11, HEADER, 0x05, 0x02, 0x01, 0x08);
  FAIL("integer too large", 11, HEADER, 0x05, 0x03, 0x01, 0x04, 0x00);
  FAIL("integer too large", 12, HEADER, 0x04, 0x03, 0x01, 0x70, 0x02, 0x00);
  FAIL("integer representation too long", 11, HEADER, 0x05, 0x04, 0x01, 0x81, 0x00, 0x00);
  /* memory64 flags are a byte: 0..7 */
  wasm_features m64 = wasm_features_default();
  m64.memory64 = true;
  expect_fail_line(__LINE__, BYTES(HEADER, 0x05, 0x02, 0x01, 0x08), &m64, "malformed limits flags", 11);
  expect_fail_line(__LINE__, BYTES(HEADER, 0x05, 0x04, 0x01, 0x81, 0x00, 0x00), &m64, "malformed limits flags", 11);
  expect_fail_line(__LINE__, BYTES(HEADER, 0x05, 0x04, 0x01, 0x03, 0x01, 0x01), &m64,
                   "shared memories are not supported", 11);
  expect_fail_line(__LINE__, BYTES(HEADER, 0x04, 0x03, 0x01, 0x70, 0x02, 0x00), &m64, "malformed limits flags", 12);
  m = expect_ok_line(__LINE__, BYTES(HEADER, 0x05, 0x0C, 0x01, 0x05, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x80, 0x80, 0x01), &m64);
  CHECK(m && m->memories[0].limits.is64 && m->memories[0].limits.max == (uint64_t)1 << 56);
  wasm_module_free(m);
  FAIL("integer too large", 16, HEADER, 0x05, 0x07, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x70);
  /* constant expressions: missing end, unknown opcode, over-long i32 */
  FAIL("unexpected end of section or function", 14, HEADER, 0x06, 0x04, 0x01, 0x7F, 0x00, 0x41);
  FAIL("illegal opcode", 13, HEADER, 0x06, 0x05, 0x01, 0x7F, 0x00, 0xFF, 0x0B);
  /* a non-constant instruction is the validator's to reject (invalid, not malformed): the
   * decoder frames the expression, nested blocks included, up to its own end */
  m = OK(HEADER, 0x06, 0x0A, 0x01, 0x7F, 0x00, 0x01, 0x02, 0x40, 0x0B, 0x41, 0x00, 0x0B);
  CHECK(m && m->nglobals == 1 && m->globals[0].init.offset == 13 && m->globals[0].init.len == 7);
  wasm_module_free(m);
  FAIL("integer too large", 18, HEADER, 0x06, 0x0A, 0x01, 0x7F, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0B);
  /* v128.const, extended-const arithmetic and ref.null/ref.func decode */
  m = OK(HEADER, 0x06, 0x23, 0x03,
         0x7B, 0x00, 0xFD, 0x0C, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x0B,
         0x7F, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B,
         0x70, 0x00, 0xD0, 0x70, 0x0B);
  CHECK(m && m->nglobals == 3 && m->globals[0].init.len == 19 && m->globals[2].init.len == 3);
  wasm_module_free(m);
  FAIL("malformed reference type", 14, HEADER, 0x06, 0x05, 0x01, 0x70, 0x00, 0xD0, 0x7F, 0x0B);
  FAIL("illegal opcode", 13, HEADER, 0x06, 0x04, 0x01, 0x7F, 0x00, 0xF3);
}

/* type () -> (), function section: 2 functions */
#define TYPE_AND_TWO_FUNCS 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00
#define TWO_BODIES 0x0A, 0x07, 0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B

static void test_exports_start(void) {
  wasm_module *m = OK(HEADER, TYPE_AND_TWO_FUNCS, 0x07, 0x05, 0x01, 0x01, 'e', 0x00, 0x01, 0x08, 0x01, 0x01,
                      TWO_BODIES);
  CHECK(m && m->nexports == 1 && strcmp(m->exports[0].name.data, "e") == 0 && m->exports[0].kind == WASM_EXTERN_FUNC &&
        m->exports[0].index == 1 && m->has_start && m->start == 1);
  wasm_module_free(m);
  FAIL("malformed export kind", 24, HEADER, TYPE_AND_TWO_FUNCS, 0x07, 0x05, 0x01, 0x01, 'e', 0x04, 0x00);
  /* two start sections */
  FAIL("unexpected content after last section", 22, HEADER, TYPE_AND_TWO_FUNCS, 0x08, 0x01, 0x00, 0x08, 0x01,
       0x00);
}

static void test_code(void) {
  /* locals: 2 x i32, 1 x f64 */
  wasm_module *m = OK(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                      0x0A, 0x09, 0x01, 0x07, 0x02, 0x02, 0x7F, 0x01, 0x7C, 0x01, 0x0B);
  CHECK(m && m->nfuncs == 1 && m->funcs[0].nlocals == 3 && m->funcs[0].nlocal_groups == 2 &&
        m->funcs[0].local_groups[1].type == WASM_F64);
  if (m) CHECK(m->funcs[0].body_offset == 27 && m->funcs[0].body_end == 29 && m->bytes[27] == 0x01);
  wasm_module_free(m);
  FAIL("function and code section have inconsistent lengths", 21, HEADER, TYPE_AND_TWO_FUNCS, 0x0A, 0x04, 0x01,
       0x02, 0x00, 0x0B);
  FAIL("function and code section have inconsistent lengths", 19, HEADER, TYPE_AND_TWO_FUNCS);
  /* no code section, but a later (data) section */
  FAIL("function and code section have inconsistent lengths", 22, HEADER, TYPE_AND_TWO_FUNCS, 0x0B, 0x01, 0x00);
  FAIL("function and code section have inconsistent lengths", 16, HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
       0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B);
  /* body without its final end: like the spec's decoder, reading goes on into what follows, here
   * an `else` byte (the size of the next body), the end of the file, or an end past the body */
  FAIL("END opcode expected", 27, HEADER, TYPE_AND_TWO_FUNCS, 0x0A, 0x0C, 0x02, 0x04, 0x00, 0x41, 0x01, 0x1A,
       0x05, 0x00, 0x41, 0x01, 0x1A, 0x0B);
  FAIL("unexpected end of section or function", 32, HEADER, TYPE_AND_TWO_FUNCS, 0x0A, 0x0B, 0x02, 0x04, 0x00,
       0x41, 0x01, 0x1A, 0x04, 0x00, 0x41, 0x01, 0x0B);
  FAIL("section size mismatch", 27, HEADER, TYPE_AND_TWO_FUNCS, 0x0A, 0x09, 0x02, 0x04, 0x00, 0x41, 0x01, 0x1A,
       0x02, 0x00, 0x0B, 0x0B, 0x01, 0x00);
  /* a body that is only its locals */
  FAIL("unexpected end of section or function", 24, HEADER, TYPE_AND_TWO_FUNCS, 0x0A, 0x05, 0x02, 0x01, 0x00,
       0x01, 0x00);
  /* body size beyond the section */
  FAIL("unexpected end of section or function", 25, HEADER, TYPE_AND_TWO_FUNCS, 0x0A, 0x04, 0x02, 0x09, 0x00,
       0x0B, 0x02, 0x00, 0x0B, 0x00, 0x00, 0x00, 0x00);
  /* 0xFFFFFFFF + 2 locals, and 50,001 locals */
  FAIL("too many locals", 23, HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
       0x0A, 0x0C, 0x01, 0x0A, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B);
  FAIL("too many locals", 23, HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
       0x0A, 0x08, 0x01, 0x06, 0x01, 0xD1, 0x86, 0x03, 0x7F, 0x0B);
  m = OK(HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
         0x0A, 0x08, 0x01, 0x06, 0x01, 0xD0, 0x86, 0x03, 0x7F, 0x0B);
  CHECK(m && m->funcs[0].nlocals == 50000);
  wasm_module_free(m);
  FAIL("malformed value type", 24, HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
       0x0A, 0x06, 0x01, 0x04, 0x01, 0x01, 0x40, 0x0B);
}

static void test_elements(void) {
  /* all eight encodings, one segment each */
  wasm_module *m = OK(HEADER, TYPE_AND_TWO_FUNCS, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02,
                      0x09, 0x33, 0x08,
                      0x00, 0x41, 0x00, 0x0B, 0x02, 0x00, 0x01,             /* active table 0, indices */
                      0x01, 0x00, 0x01, 0x01,                               /* passive, elemkind, indices */
                      0x02, 0x00, 0x41, 0x01, 0x0B, 0x00, 0x01, 0x00,       /* active explicit table */
                      0x03, 0x00, 0x01, 0x00,                               /* declarative */
                      0x04, 0x41, 0x00, 0x0B, 0x01, 0xD2, 0x00, 0x0B,       /* active, exprs */
                      0x05, 0x70, 0x01, 0xD0, 0x70, 0x0B,                   /* passive, reftype, exprs */
                      0x06, 0x00, 0x41, 0x00, 0x0B, 0x70, 0x00,             /* active explicit, exprs */
                      0x07, 0x6F, 0x01, 0xD0, 0x6F, 0x0B,                   /* declarative externref */
                      TWO_BODIES);
  CHECK(m && m->nelems == 8);
  if (m && m->nelems == 8) {
    const wasm_elem_segment *e = m->elems;
    CHECK(e[0].mode == WASM_SEG_ACTIVE && e[0].table == 0 && e[0].count == 2 && e[0].func_indices[1] == 1 &&
          e[0].offset.len == 3 && !e[0].exprs);
    CHECK(e[1].mode == WASM_SEG_PASSIVE && e[1].count == 1 && e[1].func_indices[0] == 1);
    CHECK(e[2].mode == WASM_SEG_ACTIVE && e[2].count == 1 && e[2].elem_type == WASM_FUNCREF);
    CHECK(e[3].mode == WASM_SEG_DECLARATIVE && e[3].count == 1);
    CHECK(e[4].mode == WASM_SEG_ACTIVE && e[4].count == 1 && e[4].exprs && e[4].exprs[0].len == 3 && !e[4].func_indices);
    CHECK(e[5].mode == WASM_SEG_PASSIVE && e[5].elem_type == WASM_FUNCREF && e[5].count == 1);
    CHECK(e[6].mode == WASM_SEG_ACTIVE && e[6].count == 0 && e[6].exprs);
    CHECK(e[7].mode == WASM_SEG_DECLARATIVE && e[7].elem_type == WASM_EXTERNREF && e[7].count == 1);
  }
  wasm_module_free(m);
  /* 2-byte flags, 2-byte table index (binary.wast) */
  m = OK(HEADER, 0x04, 0x04, 0x01, 0x70, 0x00, 0x00, 0x09, 0x0A, 0x01, 0x82, 0x00, 0x80, 0x00, 0x41, 0x00, 0x0B,
         0x00, 0x00);
  CHECK(m && m->nelems == 1 && m->elems[0].mode == WASM_SEG_ACTIVE);
  wasm_module_free(m);
  FAIL("malformed elements segment kind", 11, HEADER, 0x09, 0x02, 0x01, 0x08);
  FAIL("malformed element kind", 12, HEADER, 0x09, 0x04, 0x01, 0x01, 0x01, 0x00);
  FAIL("malformed reference type", 12, HEADER, 0x09, 0x04, 0x01, 0x05, 0x7F, 0x00);
}

static void test_data(void) {
  wasm_module *m = OK(HEADER, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0C, 0x01, 0x03,
                      0x0B, 0x11, 0x03,
                      0x00, 0x41, 0x08, 0x0B, 0x02, 'h', 'i',
                      0x01, 0x01, 'x',
                      0x02, 0x00, 0x41, 0x00, 0x0B, 0x00);
  CHECK(m && m->ndatas == 3 && m->has_data_count && m->data_count == 3);
  if (m && m->ndatas == 3) {
    CHECK(m->datas[0].mode == WASM_SEG_ACTIVE && m->datas[0].data_len == 2 &&
          memcmp(m->bytes + m->datas[0].data_offset, "hi", 2) == 0 && m->datas[0].offset.len == 3);
    CHECK(m->datas[1].mode == WASM_SEG_PASSIVE && m->datas[1].data_len == 1 && m->bytes[m->datas[1].data_offset] == 'x');
    CHECK(m->datas[2].mode == WASM_SEG_ACTIVE && m->datas[2].memory == 0 && m->datas[2].data_len == 0);
  }
  wasm_module_free(m);
  FAIL("data count and data section have inconsistent lengths", 13, HEADER, 0x0C, 0x01, 0x02, 0x0B, 0x03, 0x01,
       0x01, 0x00);
  FAIL("data count and data section have inconsistent lengths", 11, HEADER, 0x0C, 0x01, 0x01);
  FAIL("data count and data section have inconsistent lengths", 14, HEADER, 0x0C, 0x01, 0x01, 0x0A, 0x01, 0x00);
  FAIL("malformed data segment kind", 11, HEADER, 0x0B, 0x02, 0x01, 0x03);
  /* 7 bytes declared, 6 given */
  FAIL("unexpected end of section or function", 27, HEADER, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0B, 0x0C, 0x01, 0x00,
       0x41, 0x03, 0x0B, 0x07, 'a', 'b', 'c', 'd', 'e', 'f');
  FAIL("section size mismatch", 26, HEADER, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0B, 0x0C, 0x01, 0x00,
       0x41, 0x00, 0x0B, 0x05, 'a', 'b', 'c', 'd', 'e', 'f');
}

static void test_tags(void) {
  wasm_features eh = wasm_features_default();
  eh.exceptions = true;
  wasm_module *m = expect_ok_line(__LINE__, BYTES(HEADER, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7F, 0x00,
                                                  0x02, 0x06, 0x01, 0x00, 0x00, 0x04, 0x00, 0x00,
                                                  0x0D, 0x03, 0x01, 0x00, 0x00,
                                                  0x07, 0x05, 0x01, 0x01, 't', 0x04, 0x01), &eh);
  CHECK(m && m->ntag_imports == 1 && m->ntags == 1 && m->tags[0] == 0 && m->imports[0].desc.tag_type == 0 &&
        m->exports[0].kind == WASM_EXTERN_TAG);
  wasm_module_free(m);
  expect_fail_line(__LINE__, BYTES(HEADER, 0x0D, 0x03, 0x01, 0x01, 0x00), &eh, "malformed tag attribute", 11);
  /* a `delegate` may not close a constant expression: global (ref.func 0; delegate 0) */
  expect_fail_line(__LINE__, BYTES(HEADER, 0x06, 0x07, 0x01, 0x70, 0x00, 0xD2, 0x00, 0x18, 0x00), &eh,
                   "END opcode expected", 15);
  /* the tag section sits between memory and global */
  expect_fail_line(__LINE__, BYTES(HEADER, 0x06, 0x01, 0x00, 0x0D, 0x01, 0x00), &eh,
                   "unexpected content after last section", 11);
}

int main(void) {
  test_header();
  test_sections();
  test_custom_and_names();
  test_types_and_imports();
  test_tables_memories_globals();
  test_exports_start();
  test_code();
  test_elements();
  test_data();
  test_tags();
  if (failures) {
    fprintf(stderr, "%d decoder check(s) failed\n", failures);
    return 1;
  }
  printf("decoder unit tests passed\n");
  return 0;
}
