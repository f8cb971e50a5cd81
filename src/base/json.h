/* A small, strict JSON reader (RFC 8259): the whole document is parsed into a tree.
 *
 * Strict means: no comments, no trailing commas, no leading zeros, no control characters
 * or invalid UTF-8 in strings, unpaired surrogates rejected, nothing but whitespace after
 * the value. Nesting is bounded (JSON_MAX_DEPTH) so hostile input cannot exhaust the C
 * stack, and every allocation is bounded by the input size.
 *
 * Strings are decoded to UTF-8 with an explicit length: "\u0000" yields an inner NUL. */
#ifndef WARREN_BASE_JSON_H
#define WARREN_BASE_JSON_H

#include "common.h"
#include "error.h"

#define JSON_MAX_DEPTH 256

typedef enum {
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
} json_kind;

typedef struct json_value json_value;
typedef struct json_member json_member;

struct json_value {
  json_kind kind;
  union {
    bool boolean;
    struct {
      double value;
      char *text; /* the literal as written, NUL-terminated (exact integers, big values) */
    } number;
    struct {
      char *data; /* NUL-terminated; may also contain inner NULs */
      size_t len;
    } string;
    struct {
      json_value *items;
      size_t len;
    } array;
    struct {
      json_member *items; /* in document order */
      size_t len;
    } object;
  } as;
};

struct json_member {
  char *key; /* NUL-terminated */
  size_t key_len;
  json_value value;
};

/* Parse `len` bytes. Returns the root (free with json_free) or NULL with err set,
 * err->offset locating the problem. */
json_value *json_parse(const char *text, size_t len, wr_error *err);
void json_free(json_value *root);

/* The first member named `key` of an object, or NULL (also when `object` is not an object). */
const json_value *json_get(const json_value *object, const char *key);
/* Typed member access: NULL when absent or of another kind. */
const json_value *json_get_kind(const json_value *object, const char *key, json_kind kind);
/* A member's string data, or NULL when absent or not a string. */
const char *json_get_string(const json_value *object, const char *key, size_t *len_out);
/* True if the string value equals the NUL-terminated `s` exactly (length included). */
bool json_string_equals(const json_value *value, const char *s);

const char *json_kind_name(json_kind kind);

#endif
