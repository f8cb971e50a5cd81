#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "vec.h"

typedef struct {
  const char *text;
  size_t len, pos;
  wr_error *err;
} parser;

static bool fail(parser *p, const char *what) {
  if (!p->err->failed) wr_error_at(p->err, p->pos, "JSON: %s at offset %zu", what, p->pos);
  return false;
}

static void skip_whitespace(parser *p) {
  while (p->pos < p->len) {
    char c = p->text[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static bool at_end(const parser *p) { return p->pos >= p->len; }
static char peek(const parser *p) { return at_end(p) ? '\0' : p->text[p->pos]; }

static bool expect_literal(parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) return fail(p, "unexpected token");
  p->pos += n;
  return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool parse_number(parser *p, json_value *out) {
  size_t start = p->pos;
  if (peek(p) == '-') p->pos++;
  if (peek(p) == '0') {
    p->pos++;
    if (is_digit(peek(p))) return fail(p, "leading zero in number");
  } else if (is_digit(peek(p))) {
    while (is_digit(peek(p))) p->pos++;
  } else {
    return fail(p, "invalid number");
  }
  if (peek(p) == '.') {
    p->pos++;
    if (!is_digit(peek(p))) return fail(p, "digit expected after decimal point");
    while (is_digit(peek(p))) p->pos++;
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    p->pos++;
    if (peek(p) == '+' || peek(p) == '-') p->pos++;
    if (!is_digit(peek(p))) return fail(p, "digit expected in exponent");
    while (is_digit(peek(p))) p->pos++;
  }
  out->kind = JSON_NUMBER;
  out->as.number.text = wr_strndup(p->text + start, p->pos - start);
  out->as.number.value = strtod(out->as.number.text, NULL);
  return true;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool read_hex4(parser *p, uint32_t *out) {
  if (p->len - p->pos < 4) return fail(p, "truncated \\u escape");
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hex_value(p->text[p->pos + (size_t)i]);
    if (h < 0) return fail(p, "invalid \\u escape");
    v = v << 4 | (uint32_t)h;
  }
  p->pos += 4;
  *out = v;
  return true;
}

typedef WR_VEC(char) char_vec;

static void put_utf8(char_vec *s, uint32_t cp) {
  WR_VEC_RESERVE(s, 4);
  if (cp < 0x80) {
    s->items[s->len++] = (char)cp;
  } else if (cp < 0x800) {
    s->items[s->len++] = (char)(0xC0 | cp >> 6);
    s->items[s->len++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s->items[s->len++] = (char)(0xE0 | cp >> 12);
    s->items[s->len++] = (char)(0x80 | (cp >> 6 & 0x3F));
    s->items[s->len++] = (char)(0x80 | (cp & 0x3F));
  } else {
    s->items[s->len++] = (char)(0xF0 | cp >> 18);
    s->items[s->len++] = (char)(0x80 | (cp >> 12 & 0x3F));
    s->items[s->len++] = (char)(0x80 | (cp >> 6 & 0x3F));
    s->items[s->len++] = (char)(0x80 | (cp & 0x3F));
  }
}

/* Length of the valid UTF-8 sequence starting at p->pos (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_sequence_length(const parser *p) {
  const unsigned char *s = (const unsigned char *)p->text + p->pos;
  size_t avail = p->len - p->pos;
  unsigned char c = s[0];
  size_t n;
  uint32_t cp, min;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (avail < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

static bool parse_escape(parser *p, char_vec *s) {
  char c = peek(p);
  p->pos++;
  const char *simple = strchr("\"\\/bfnrt", c);
  if (c != '\0' && simple) {
    static const char decoded[] = "\"\\/\b\f\n\r\t";
    WR_VEC_PUSH(s, decoded[simple - "\"\\/bfnrt"]);
    return true;
  }
  if (c != 'u') {
    p->pos--;
    return fail(p, "invalid escape");
  }
  uint32_t cp;
  if (!read_hex4(p, &cp)) return false;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(p, "unpaired low surrogate");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    uint32_t low;
    if (p->len - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u')
      return fail(p, "unpaired high surrogate");
    p->pos += 2;
    if (!read_hex4(p, &low)) return false;
    if (low < 0xDC00 || low > 0xDFFF) return fail(p, "unpaired high surrogate");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  put_utf8(s, cp);
  return true;
}

static bool parse_string(parser *p, char **data_out, size_t *len_out) {
  p->pos++; /* opening quote */
  char_vec s = {0};
  for (;;) {
    if (at_end(p)) {
      WR_VEC_FREE(&s);
      return fail(p, "unterminated string");
    }
    unsigned char c = (unsigned char)p->text[p->pos];
    if (c == '"') {
      p->pos++;
      break;
    }
    if (c < 0x20) {
      WR_VEC_FREE(&s);
      return fail(p, "control character in string");
    }
    if (c == '\\') {
      p->pos++;
      if (!parse_escape(p, &s)) {
        WR_VEC_FREE(&s);
        return false;
      }
      continue;
    }
    size_t n = 1;
    if (c >= 0x80) {
      n = utf8_sequence_length(p);
      if (n == 0) {
        WR_VEC_FREE(&s);
        return fail(p, "invalid UTF-8 in string");
      }
    }
    WR_VEC_RESERVE(&s, n);
    memcpy(s.items + s.len, p->text + p->pos, n);
    s.len += n;
    p->pos += n;
  }
  *len_out = s.len;
  WR_VEC_PUSH(&s, '\0');
  *data_out = s.items;
  return true;
}

static void free_value(json_value *v);

static bool parse_value(parser *p, json_value *out, int depth);

static bool parse_array(parser *p, json_value *out, int depth) {
  WR_VEC(json_value) items = {0};
  p->pos++;
  skip_whitespace(p);
  bool ok = true;
  if (peek(p) == ']') {
    p->pos++;
  } else {
    for (;;) {
      json_value item;
      skip_whitespace(p);
      if (!parse_value(p, &item, depth + 1)) {
        ok = false;
        break;
      }
      WR_VEC_PUSH(&items, item);
      skip_whitespace(p);
      char c = peek(p);
      if (c == ',') {
        p->pos++;
      } else if (c == ']') {
        p->pos++;
        break;
      } else {
        ok = fail(p, "expected ',' or ']' in array");
        break;
      }
    }
  }
  out->kind = JSON_ARRAY;
  out->as.array.items = items.items;
  out->as.array.len = items.len;
  if (!ok) free_value(out);
  return ok;
}

static bool parse_object(parser *p, json_value *out, int depth) {
  WR_VEC(json_member) members = {0};
  p->pos++;
  skip_whitespace(p);
  bool ok = true;
  if (peek(p) == '}') {
    p->pos++;
  } else {
    for (;;) {
      json_member m;
      skip_whitespace(p);
      if (peek(p) != '"') {
        ok = fail(p, "expected a string key");
        break;
      }
      if (!parse_string(p, &m.key, &m.key_len)) {
        ok = false;
        break;
      }
      skip_whitespace(p);
      if (peek(p) != ':') {
        wr_free(m.key);
        ok = fail(p, "expected ':' after key");
        break;
      }
      p->pos++;
      skip_whitespace(p);
      if (!parse_value(p, &m.value, depth + 1)) {
        wr_free(m.key);
        ok = false;
        break;
      }
      WR_VEC_PUSH(&members, m);
      skip_whitespace(p);
      char c = peek(p);
      if (c == ',') {
        p->pos++;
      } else if (c == '}') {
        p->pos++;
        break;
      } else {
        ok = fail(p, "expected ',' or '}' in object");
        break;
      }
    }
  }
  out->kind = JSON_OBJECT;
  out->as.object.items = members.items;
  out->as.object.len = members.len;
  if (!ok) free_value(out);
  return ok;
}

static bool parse_value(parser *p, json_value *out, int depth) {
  memset(out, 0, sizeof *out);
  if (depth > JSON_MAX_DEPTH) return fail(p, "nesting too deep");
  switch (peek(p)) {
    case '{': return parse_object(p, out, depth);
    case '[': return parse_array(p, out, depth);
    case '"':
      out->kind = JSON_STRING;
      return parse_string(p, &out->as.string.data, &out->as.string.len);
    case 't':
      out->kind = JSON_BOOL;
      out->as.boolean = true;
      return expect_literal(p, "true");
    case 'f':
      out->kind = JSON_BOOL;
      return expect_literal(p, "false");
    case 'n':
      out->kind = JSON_NULL;
      return expect_literal(p, "null");
    default:
      if (at_end(p)) return fail(p, "unexpected end of input");
      if (peek(p) == '-' || is_digit(peek(p))) return parse_number(p, out);
      return fail(p, "unexpected character");
  }
}

static void free_value(json_value *v) {
  switch (v->kind) {
    case JSON_NUMBER: wr_free(v->as.number.text); break;
    case JSON_STRING: wr_free(v->as.string.data); break;
    case JSON_ARRAY:
      for (size_t i = 0; i < v->as.array.len; i++) free_value(&v->as.array.items[i]);
      wr_free(v->as.array.items);
      break;
    case JSON_OBJECT:
      for (size_t i = 0; i < v->as.object.len; i++) {
        wr_free(v->as.object.items[i].key);
        free_value(&v->as.object.items[i].value);
      }
      wr_free(v->as.object.items);
      break;
    case JSON_NULL:
    case JSON_BOOL: break;
  }
  v->kind = JSON_NULL;
}

json_value *json_parse(const char *text, size_t len, wr_error *err) {
  wr_error local;
  if (!err) err = &local;
  wr_error_clear(err);
  parser p = {text, len, 0, err};
  json_value *root = WR_NEW(json_value);
  skip_whitespace(&p);
  if (!parse_value(&p, root, 0)) {
    wr_free(root);
    return NULL;
  }
  skip_whitespace(&p);
  if (!at_end(&p)) {
    fail(&p, "trailing characters after the value");
    json_free(root);
    return NULL;
  }
  return root;
}

void json_free(json_value *root) {
  if (!root) return;
  free_value(root);
  wr_free(root);
}

const json_value *json_get(const json_value *object, const char *key) {
  if (!object || object->kind != JSON_OBJECT) return NULL;
  size_t n = strlen(key);
  for (size_t i = 0; i < object->as.object.len; i++) {
    const json_member *m = &object->as.object.items[i];
    if (m->key_len == n && memcmp(m->key, key, n) == 0) return &m->value;
  }
  return NULL;
}

const json_value *json_get_kind(const json_value *object, const char *key, json_kind kind) {
  const json_value *v = json_get(object, key);
  return v && v->kind == kind ? v : NULL;
}

const char *json_get_string(const json_value *object, const char *key, size_t *len_out) {
  const json_value *v = json_get_kind(object, key, JSON_STRING);
  if (!v) return NULL;
  if (len_out) *len_out = v->as.string.len;
  return v->as.string.data;
}

bool json_string_equals(const json_value *value, const char *s) {
  if (!value || value->kind != JSON_STRING) return false;
  size_t n = strlen(s);
  return value->as.string.len == n && memcmp(value->as.string.data, s, n) == 0;
}

const char *json_kind_name(json_kind kind) {
  switch (kind) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
  }
  return "?";
}
