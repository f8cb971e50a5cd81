/* WAVE parse and print (src/component/wave.c) on hand-built types: what the end-to-end
 * --invoke tests cannot reach (handles, nesting bounds, bad UTF-8, printing edge cases). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "component/wave.h"

static int failures;

#define CHECK(cond, ...)                               \
  do {                                                 \
    if (!(cond)) {                                     \
      fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                    \
      fprintf(stderr, "\n");                           \
      failures++;                                      \
    }                                                  \
  } while (0)

static cm_valtype prim(cm_valkind kind) { return (cm_valtype){.kind = kind}; }

/* Parses `text` as `type`, prints it back and compares with `want`. */
static void round_trip(const cm_valtype *type, const char *text, const char *want) {
  cm_arena *arena = cm_arena_new();
  cm_val v = {0};
  wr_error err = {0};
  if (!wave_parse(type, text, strlen(text), arena, &v, &err)) {
    CHECK(false, "parse %s: %s", text, err.message);
  } else {
    wave_text out = {0};
    wave_print(&out, type, &v);
    CHECK(!strcmp(wave_text_cstr(&out), want), "%s printed as %s, want %s", text, wave_text_cstr(&out), want);
    WR_VEC_FREE(&out);
  }
  cm_arena_free(arena);
}

/* Parsing `text` (len bytes) fails with a message containing `want` and offset `offset`. */
static void rejects(const cm_valtype *type, const char *text, size_t len, const char *want, size_t offset) {
  cm_arena *arena = cm_arena_new();
  cm_val v = {0};
  wr_error err = {0};
  bool ok = wave_parse(type, text, len, arena, &v, &err);
  CHECK(!ok, "%s was accepted", text);
  CHECK(!ok && strstr(err.message, want), "%s: message '%s' lacks '%s'", text, err.message, want);
  CHECK(!ok && err.has_offset && err.offset == offset, "%s: offset %zu, want %zu", text, err.offset, offset);
  cm_arena_free(arena);
}

static void printed(const cm_valtype *type, cm_val v, const char *want) {
  wave_text out = {0};
  wave_print(&out, type, &v);
  CHECK(!strcmp(wave_text_cstr(&out), want), "printed %s, want %s", wave_text_cstr(&out), want);
  WR_VEC_FREE(&out);
}

int main(void) {
  cm_valtype u8 = prim(CM_U8), s16 = prim(CM_S16), f32 = prim(CM_F32), f64 = prim(CM_F64), str = prim(CM_STRING);
  cm_valtype ch = prim(CM_CHAR), boolean = prim(CM_BOOL);

  /* shortest round-trip floats, written without an exponent */
  round_trip(&f32, "0.1", "0.1");
  round_trip(&f32, "1e-45", "0.000000000000000000000000000000000000000000001");
  round_trip(&f32, "3.4028235e38", "340282350000000000000000000000000000000");
  char tiny[400] = "0.";
  memset(tiny + 2, '0', 323);
  strcpy(tiny + 325, "5"); /* 5e-324: 323 zeros after the point */
  round_trip(&f64, "5e-324", tiny);
  round_trip(&f64, "123456.789", "123456.789");
  round_trip(&f64, "-1E+2", "-100");
  round_trip(&f64, " // leading comment\n 2 // trailing", "2");
  rejects(&f64, "1.", 2, "expected a value of type f64", 0);
  rejects(&f64, "+1", 2, "expected a value of type f64", 0);
  rejects(&f64, "1e999", 5, "out of range for f64", 0);
  rejects(&f64, "NaN", 3, "expected a value of type f64", 0);

  /* integers */
  round_trip(&s16, "-0", "0");
  rejects(&u8, "-0", 2, "out of range for u8", 0);
  rejects(&s16, "99999999999999999999999", 23, "out of range for s16", 0);
  rejects(&boolean, "%true", 5, "expected a value of type bool", 0);

  /* chars and strings */
  round_trip(&ch, "'\\u{000041}'", "'A'");
  round_trip(&str, "\"\\u{1f44b}\\u{9F}\"", "\"\xF0\x9F\x91\x8B\\u{9f}\"");
  rejects(&str, "\"a\nb\"", 5, "line break inside a string", 2);
  rejects(&str, "\"\xC3\x28\"", 4, "invalid UTF-8", 1);
  rejects(&str, "\"\xED\xA0\x80\"", 5, "invalid UTF-8", 1);   /* an encoded surrogate */
  rejects(&str, "\"\xC0\xAF\"", 4, "invalid UTF-8", 1);       /* overlong */
  rejects(&str, "\"\\u{}\"", 6, "needs hexadecimal digits", 1);
  rejects(&str, "\"\\u{FFFFFFFFFFFF}\"", 18, "not a Unicode scalar value", 1);
  /* multiline strings: the closing line's indentation is removed from every line */
  round_trip(&str, "\"\"\"\nA single line\n\"\"\"", "\"A single line\"");
  round_trip(&str, "\"\"\"\r\n    Indentation determined\r\n      by ending delimiter\n  \"\"\"",
             "\"  Indentation determined\\n    by ending delimiter\"");
  round_trip(&str,
             "\"\"\"\n  Must escape carriage return at end of line: \\r\n  Must break up double quote triplets: "
             "\"\"\\\"\"\n  \"\"\"",
             "\"Must escape carriage return at end of line: \\r\\nMust break up double quote triplets: \\\"\\\"\\\"\\\"\"");
  round_trip(&str, "\"\"\"\n\"\"\"", "\"\"");
  rejects(&str, "\"\"\"\n  a\n b\n  \"\"\"", 16, "indented less than its closing", 9);
  rejects(&str, "\"\"\"\n a\"\"\"b\n \"\"\"", 15, "inside a multiline string", 4);
  rejects(&str, "\"\"\"\n a\n", 7, "unterminated multiline string", 0);
  rejects(&str, "\"\"\"a\n\"\"\"", 8, "starts with", 0);
  /* a NUL byte in the text is just a character of the string */
  {
    cm_arena *arena = cm_arena_new();
    cm_val v = {0};
    wr_error err = {0};
    CHECK(wave_parse(&str, "\"a\0b\"", 5, arena, &v, &err) && v.u.str.len == 3, "NUL inside a string");
    cm_arena_free(arena);
  }
  /* a host string that is not UTF-8 prints with replacement characters, never past its end */
  printed(&str, cm_val_string("a\xFF", 2), "\"a\xEF\xBF\xBD\"");
  printed(&str, cm_val_string("\xF0\x9F", 2), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");

  /* handles print opaquely and cannot be parsed */
  cm_valtype own = prim(CM_OWN), borrow = prim(CM_BORROW);
  printed(&own, cm_val_handle(3), "<own handle 3>");
  printed(&borrow, cm_val_handle(9), "<borrow handle 9>");
  rejects(&own, "3", 1, "cannot be written as text", 0);

  /* nesting is bounded: list<list<...<u8>>> 150 deep */
  enum { DEEP = 150 };
  cm_valtype lists[DEEP];
  for (int i = 0; i < DEEP; i++) lists[i] = (cm_valtype){.kind = CM_LIST, .elem = i ? &lists[i - 1] : &u8};
  char deep[2 * DEEP + 1];
  memset(deep, '[', DEEP);
  memset(deep + DEEP, ']', DEEP);
  deep[2 * DEEP] = 0;
  rejects(&lists[DEEP - 1], deep, 2 * DEEP, "nest deeper than 100", WAVE_MAX_DEPTH);
  round_trip(&lists[49], "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");

  /* flags past 32 labels have no value form */
  cm_field labels[33];
  char names[33][4];
  for (int i = 0; i < 33; i++) {
    snprintf(names[i], sizeof names[i], "f%d", i);
    labels[i] = (cm_field){.name = names[i]};
  }
  cm_valtype flags33 = {.kind = CM_FLAGS, .count = 33, .fields = labels};
  rejects(&flags33, "{f0}", 4, "more than 32 labels", 0);
  cm_valtype flags2 = {.kind = CM_FLAGS, .count = 2, .fields = labels};
  round_trip(&flags2, "{ %f1 , f0 , }", "{f0, f1}");
  rejects(&flags2, "{f0,,}", 6, "expected a flag label", 4);

  /* keyword labels: cases print with `%`, fields and flags without (they are never keywords there) */
  cm_field kw_fields[2] = {{.name = "ok", .type = &u8}, {.name = "none", .type = &boolean}};
  cm_valtype kw_record = {.kind = CM_RECORD, .count = 2, .fields = kw_fields};
  round_trip(&kw_record, "{%none: true, ok: 1}", "{ok: 1, none: true}");
  cm_valtype kw_flags = {.kind = CM_FLAGS, .count = 2, .fields = kw_fields};
  round_trip(&kw_flags, "{none, %ok}", "{ok, none}");
  cm_valtype kw_variant = {.kind = CM_VARIANT, .count = 2, .fields = kw_fields};
  round_trip(&kw_variant, "%none(false)", "%none(false)");
  rejects(&kw_variant, "ok(1)", 5, "`ok` is a keyword", 0);

  /* fixed lists check their length */
  cm_valtype fixed = {.kind = CM_FIXED_LIST, .count = 2, .elem = &u8};
  round_trip(&fixed, "[1, 2]", "[1, 2]");
  rejects(&fixed, "[1]", 3, "exactly 2 elements", 0);

  /* call syntax */
  const char *name;
  size_t name_len, args_at;
  wr_error err = {0};
  const char *call = "  my:pkg/api@1.0.0#[method]thing.get (1)";
  CHECK(wave_parse_call_name(call, strlen(call), &name, &name_len, &args_at, &err) && name_len == 34 &&
            !strncmp(name, "my:pkg/api@1.0.0#[method]thing.get", name_len) && call[args_at] == '(',
        "call name: %s", err.message);
  CHECK(!wave_parse_call_name("f x(1)", 6, &name, &name_len, &args_at, &err) && err.offset == 2,
        "a space inside the name");
  cm_field params[2] = {{.name = "a", .type = &u8}, {.name = "b", .type = &str}};
  cm_functype ft = {.nparams = 2, .params = params};
  cm_val args[2];
  cm_arena *arena = cm_arena_new();
  CHECK(wave_parse_args(&ft, "f(1, \"x\",)", 10, 1, arena, args, &err) && args[0].u.u == 1 && args[1].u.str.len == 1,
        "trailing comma in arguments: %s", err.message);
  CHECK(!wave_parse_args(&ft, "f(1, 2)", 7, 1, arena, args, &err) && strstr(err.message, "argument 2 (b)"),
        "argument named in the error: %s", err.message);
  cm_arena_free(arena);

  if (failures) fprintf(stderr, "%d failures\n", failures);
  else printf("wave: all checks passed\n");
  return failures != 0;
}
