/* The JSON reader: values, escapes, UTF-8, wast2json shapes, and rejection of every
 * non-strict or truncated input with an error instead of a crash. */
#include <stdio.h>
#include <string.h>

#include "base/json.h"

static int failures;
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
      failures++;                                                                \
    }                                                                            \
  } while (0)

static json_value *parse(const char *text) {
  wr_error err = {0};
  json_value *v = json_parse(text, strlen(text), &err);
  if (!v) fprintf(stderr, "unexpected parse failure of %s: %s\n", text, err.message);
  return v;
}

static void test_scalars(void) {
  json_value *v = parse(" null ");
  CHECK(v && v->kind == JSON_NULL);
  json_free(v);
  v = parse("true");
  CHECK(v && v->kind == JSON_BOOL && v->as.boolean);
  json_free(v);
  v = parse("false");
  CHECK(v && v->kind == JSON_BOOL && !v->as.boolean);
  json_free(v);
  v = parse("-12.5e2");
  CHECK(v && v->kind == JSON_NUMBER && v->as.number.value == -1250.0);
  CHECK(v && !strcmp(v->as.number.text, "-12.5e2"));
  json_free(v);
  v = parse("0");
  CHECK(v && v->kind == JSON_NUMBER && v->as.number.value == 0.0);
  json_free(v);
}

static void test_strings(void) {
  json_value *v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
  CHECK(v && v->kind == JSON_STRING && v->as.string.len == 12);
  CHECK(v && !memcmp(v->as.string.data, "a\"b\\c/d\b\f\n\r\t", 12));
  json_free(v);
  /* \u0000 gives an inner NUL; the length counts it. */
  v = parse("\"x\\u0000y\"");
  CHECK(v && v->as.string.len == 3 && v->as.string.data[1] == '\0' && v->as.string.data[2] == 'y');
  json_free(v);
  /* Escapes decode to UTF-8, surrogate pairs to one 4-byte sequence; raw UTF-8 passes through. */
  v = parse("\"\\u00e9\\u20ac\\ud83d\\ude00\xc3\xa9\"");
  CHECK(v && v->as.string.len == 2 + 3 + 4 + 2);
  CHECK(v && !memcmp(v->as.string.data, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9", 11));
  json_free(v);
}

static void test_containers(void) {
  json_value *v = parse("{\"a\": [1, 2, {\"b\": []}], \"c\": {}, \"a\": null}");
  CHECK(v && v->kind == JSON_OBJECT && v->as.object.len == 3);
  const json_value *a = json_get(v, "a");
  CHECK(a && a->kind == JSON_ARRAY && a->as.array.len == 3); /* the first "a" wins */
  CHECK(a && a->as.array.items[1].as.number.value == 2.0);
  CHECK(a && json_get_kind(&a->as.array.items[2], "b", JSON_ARRAY) != NULL);
  CHECK(json_get_kind(v, "c", JSON_OBJECT) && json_get_kind(v, "c", JSON_OBJECT)->as.object.len == 0);
  CHECK(json_get(v, "missing") == NULL);
  CHECK(json_get_kind(v, "c", JSON_ARRAY) == NULL);
  CHECK(json_get(a, "a") == NULL); /* not an object */
  json_free(v);
}

/* The shape wast2json writes. */
static void test_wast2json_command(void) {
  json_value *v = parse(
      "{\"source_filename\": \"i32.wast\",\n \"commands\": [\n"
      "  {\"type\": \"module\", \"line\": 3, \"filename\": \"i32.0.wasm\"}, \n"
      "  {\"type\": \"assert_return\", \"line\": 4, \"action\": {\"type\": \"invoke\", \"field\": \"\\u0000\\u000a\","
      " \"args\": [{\"type\": \"i32\", \"value\": \"4294967295\"}]}, \"expected\": [{\"type\": \"f32\", \"value\":"
      " \"nan:canonical\"}]}]}\n");
  CHECK(v != NULL);
  const json_value *commands = json_get_kind(v, "commands", JSON_ARRAY);
  CHECK(commands && commands->as.array.len == 2);
  if (!commands || commands->as.array.len != 2) {
    json_free(v);
    return;
  }
  const json_value *c = &commands->as.array.items[1];
  CHECK(json_string_equals(json_get(c, "type"), "assert_return"));
  CHECK(json_get_kind(c, "line", JSON_NUMBER)->as.number.value == 4.0);
  size_t len = 0;
  const char *field = json_get_string(json_get(c, "action"), "field", &len);
  CHECK(field && len == 2 && field[0] == '\0' && field[1] == '\n');
  CHECK(!json_string_equals(json_get(c, "type"), "assert_return2"));
  json_free(v);
}

static void expect_rejected(const char *text, size_t len) {
  wr_error err = {0};
  json_value *v = json_parse(text, len, &err);
  if (v) fprintf(stderr, "accepted bad JSON: %.*s\n", (int)len, text);
  CHECK(v == NULL);
  CHECK(err.failed && err.message[0] != '\0');
  json_free(v);
}

static void test_rejects(void) {
  static const char *bad[] = {
      "", " ", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{1: 2}", "01", "1.", ".5", "-", "1e", "+1",
      "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
      "\"tab\there\"", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf5\x80\x80\x80\"", "[1] 2", "[",
      "{", "{\"a\":", "// c\n1", "[1]/*c*/", "NaN", "'a'",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_rejected(bad[i], strlen(bad[i]));
  /* Every prefix of a valid document is an error, never a crash. */
  const char *doc = "{\"a\": [true, false, null, -1.5e-3, \"s\\u00e9\\n\"], \"b\": {\"c\": {}}}";
  for (size_t n = 0; n < strlen(doc); n++) expect_rejected(doc, n);
  /* An inner NUL byte in the input is not whitespace. */
  expect_rejected("[1]\0", 4);
}

static void test_depth_limit(void) {
  char deep[2 * (JSON_MAX_DEPTH + 10) + 1];
  size_t n = JSON_MAX_DEPTH + 10;
  memset(deep, '[', n);
  memset(deep + n, ']', n);
  deep[2 * n] = '\0';
  expect_rejected(deep, 2 * n);
  /* Just inside the limit is fine. */
  n = JSON_MAX_DEPTH;
  memset(deep, '[', n);
  memset(deep + n, ']', n);
  json_value *v = json_parse(deep, 2 * n, NULL);
  CHECK(v != NULL);
  json_free(v);
}

int main(void) {
  test_scalars();
  test_strings();
  test_containers();
  test_wast2json_command();
  test_rejects();
  test_depth_limit();
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("json: all checks passed\n");
  return 0;
}
