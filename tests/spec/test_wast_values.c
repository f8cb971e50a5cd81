/* The runner's value handling: wast2json literals, NaN patterns, v128 lanes, references. */
#include <stdio.h>
#include <string.h>

#include "cli/wast_values.h"

static int failures;
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
      failures++;                                                                \
    }                                                                            \
  } while (0)

static bool parse(const char *text, bool expected, wast_value *out) {
  wr_error err = {0};
  json_value *json = json_parse(text, strlen(text), &err);
  bool ok = json && wast_value_parse(json, expected, out, &err);
  json_free(json);
  return ok;
}

static bool matches(const char *expected_json, uint8_t type, wasm_slot lo, wasm_slot hi) {
  wast_value want;
  if (!parse(expected_json, true, &want)) return false;
  wasm_slot slots[2] = {lo, hi};
  wast_value got = wast_value_from_slots(type, slots);
  return wast_value_matches(&want, &got);
}

static void test_scalars(void) {
  wast_value v;
  CHECK(parse("{\"type\": \"i32\", \"value\": \"4294967295\"}", false, &v) && v.bits[0] == 0xffffffffu);
  CHECK(!parse("{\"type\": \"i32\", \"value\": \"4294967296\"}", false, &v));
  CHECK(!parse("{\"type\": \"i32\", \"value\": \"-1\"}", false, &v));
  CHECK(!parse("{\"type\": \"i32\", \"value\": 1}", false, &v));
  CHECK(!parse("{\"type\": \"i31\", \"value\": \"1\"}", false, &v));
  CHECK(parse("{\"type\": \"i64\", \"value\": \"18446744073709551615\"}", false, &v) && v.bits[0] == UINT64_MAX);
  CHECK(!parse("{\"type\": \"i64\", \"value\": \"18446744073709551616\"}", false, &v));
  /* i32 results compare on the low 32 bits only. */
  CHECK(matches("{\"type\": \"i32\", \"value\": \"7\"}", WASM_I32, 0xdead00000007ull, 0));
  CHECK(!matches("{\"type\": \"i32\", \"value\": \"7\"}", WASM_I64, 7, 0)); /* types must agree */
}

static void test_nans(void) {
  wast_value v;
  /* Patterns only in expectations. */
  CHECK(!parse("{\"type\": \"f32\", \"value\": \"nan:canonical\"}", false, &v));
  const char *canonical32 = "{\"type\": \"f32\", \"value\": \"nan:canonical\"}";
  const char *arithmetic32 = "{\"type\": \"f32\", \"value\": \"nan:arithmetic\"}";
  CHECK(matches(canonical32, WASM_F32, 0x7fc00000, 0));
  CHECK(matches(canonical32, WASM_F32, 0xffc00000, 0));
  CHECK(!matches(canonical32, WASM_F32, 0x7fc00001, 0));
  CHECK(!matches(canonical32, WASM_F32, 0x7f800000, 0)); /* infinity */
  CHECK(matches(arithmetic32, WASM_F32, 0x7fc00001, 0));
  CHECK(matches(arithmetic32, WASM_F32, 0xffffffff, 0));
  CHECK(!matches(arithmetic32, WASM_F32, 0x7f800001, 0)); /* signalling NaN */
  const char *canonical64 = "{\"type\": \"f64\", \"value\": \"nan:canonical\"}";
  CHECK(matches(canonical64, WASM_F64, 0xfff8000000000000ull, 0));
  CHECK(!matches(canonical64, WASM_F64, 0x7ff8000000000001ull, 0));
  CHECK(matches("{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}", WASM_F64, 0x7ff8000000000001ull, 0));
  /* Exact floats compare bits: -0 is not +0. */
  CHECK(!matches("{\"type\": \"f32\", \"value\": \"0\"}", WASM_F32, 0x80000000, 0));
}

static void test_v128(void) {
  const char *i16 = "{\"type\": \"v128\", \"lane_type\": \"i16\", \"value\": [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", "
                    "\"7\", \"65535\"]}";
  CHECK(matches(i16, WASM_V128, 0x0004000300020001ull, 0xffff000700060005ull));
  CHECK(!matches(i16, WASM_V128, 0x0004000300020001ull, 0x0fff000700060005ull));
  /* Per-lane NaN patterns next to exact lanes. */
  const char *f32 = "{\"type\": \"v128\", \"lane_type\": \"f32\", \"value\": [\"nan:canonical\", \"1065353216\", "
                    "\"nan:arithmetic\", \"0\"]}";
  CHECK(matches(f32, WASM_V128, 0x3f8000007fc00000ull, 0x000000007fc00001ull));
  CHECK(!matches(f32, WASM_V128, 0x3f8000007fc00001ull, 0x000000007fc00001ull));
  wast_value v;
  CHECK(!parse("{\"type\": \"v128\", \"lane_type\": \"i32\", \"value\": [\"1\", \"2\", \"3\"]}", false, &v));
  CHECK(!parse("{\"type\": \"v128\", \"lane_type\": \"i8\", \"value\": [\"256\", \"0\", \"0\", \"0\", \"0\", \"0\", "
               "\"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\", \"0\"]}",
               false, &v));
  /* Arguments fill both slots, low half first. */
  CHECK(parse("{\"type\": \"v128\", \"lane_type\": \"i64\", \"value\": [\"1\", \"2\"]}", false, &v));
  wasm_slot slots[2];
  wast_value_to_slots(&v, slots);
  CHECK(slots[0] == 1 && slots[1] == 2);
}

static void test_references(void) {
  wast_value v;
  CHECK(parse("{\"type\": \"externref\", \"value\": \"0\"}", false, &v) && v.bits[0] != 0);
  CHECK(matches("{\"type\": \"externref\", \"value\": \"null\"}", WASM_EXTERNREF, 0, 0));
  CHECK(matches("{\"type\": \"externref\", \"value\": \"5\"}", WASM_EXTERNREF, v.bits[0] + 5, 0));
  CHECK(!matches("{\"type\": \"externref\", \"value\": \"5\"}", WASM_EXTERNREF, 0, 0));
  CHECK(matches("{\"type\": \"funcref\", \"value\": \"null\"}", WASM_FUNCREF, 0, 0));
  CHECK(!matches("{\"type\": \"funcref\", \"value\": \"null\"}", WASM_FUNCREF, 0x1000, 0));
  /* A non-null funcref expectation accepts any function, but not null. */
  CHECK(matches("{\"type\": \"funcref\", \"value\": \"0\"}", WASM_FUNCREF, 0x1000, 0));
  CHECK(!matches("{\"type\": \"funcref\", \"value\": \"0\"}", WASM_FUNCREF, 0, 0));
  CHECK(!parse("{\"type\": \"funcref\", \"value\": \"0\"}", false, &v));
}

static void test_format(void) {
  char buf[256];
  wast_value v;
  CHECK(parse("{\"type\": \"i32\", \"value\": \"4294967295\"}", false, &v));
  wast_value_format(&v, buf, sizeof buf);
  CHECK(!strcmp(buf, "i32:4294967295 (-1)"));
  CHECK(parse("{\"type\": \"f32\", \"value\": \"nan:arithmetic\"}", true, &v));
  wast_value_format(&v, buf, sizeof buf);
  CHECK(!strcmp(buf, "f32:nan:arithmetic"));
  CHECK(parse("{\"type\": \"f64\", \"value\": \"4607182418800017408\"}", false, &v));
  wast_value_format(&v, buf, sizeof buf);
  CHECK(!strcmp(buf, "f64:0x3ff0000000000000 (1)"));
  CHECK(parse("{\"type\": \"v128\", \"lane_type\": \"i64\", \"value\": [\"1\", \"2\"]}", false, &v));
  wast_value_format(&v, buf, sizeof buf);
  CHECK(!strcmp(buf, "v128 i64x2: 0x1 0x2"));
  char tiny[8];
  wast_value_format(&v, tiny, sizeof tiny); /* truncates, never overflows */
  CHECK(strlen(tiny) == 7);
}

int main(void) {
  test_scalars();
  test_nans();
  test_v128();
  test_references();
  test_format();
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("wast values: all checks passed\n");
  return 0;
}
