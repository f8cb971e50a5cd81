/* WAVE text of component values: printing, and parsing against a value type (see wave.h). */
#include "wave.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/alloc.h"

static const char *const keywords[] = {"true", "false", "nan", "inf", "some", "none", "ok", "err"};

static bool is_keyword(const char *s, size_t len) {
  for (size_t i = 0; i < WR_ARRAY_LEN(keywords); i++)
    if (strlen(keywords[i]) == len && !memcmp(keywords[i], s, len)) return true;
  return false;
}

static bool text_is(const char *s, size_t len, const char *word) { return strlen(word) == len && !memcmp(s, word, len); }

/* ---- UTF-8 ---- */
static size_t utf8_encode(uint32_t c, char *out) {
  if (c < 0x80) {
    out[0] = (char)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (char)(0xC0 | c >> 6);
    out[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (char)(0xE0 | c >> 12);
    out[1] = (char)(0x80 | (c >> 6 & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | c >> 18);
  out[1] = (char)(0x80 | (c >> 12 & 0x3F));
  out[2] = (char)(0x80 | (c >> 6 & 0x3F));
  out[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

/* One scalar value from s[0, n): its byte length, or 0 when the bytes are not UTF-8
 * (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_decode(const char *str, size_t n, uint32_t *out) {
  const unsigned char *s = (const unsigned char *)str;
  if (n == 0) return 0;
  if (s[0] < 0x80) {
    *out = s[0];
    return 1;
  }
  size_t len;
  uint32_t c, min;
  if ((s[0] & 0xE0) == 0xC0) len = 2, c = s[0] & 0x1Fu, min = 0x80;
  else if ((s[0] & 0xF0) == 0xE0) len = 3, c = s[0] & 0x0Fu, min = 0x800;
  else if ((s[0] & 0xF8) == 0xF0) len = 4, c = s[0] & 0x07u, min = 0x10000;
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    c = c << 6 | (s[i] & 0x3Fu);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *out = c;
  return len;
}

/* ---- printing ---- */
static void put(wave_text *out, const char *s, size_t n) {
  if (n == 0) return;
  WR_VEC_RESERVE(out, n);
  memcpy(out->items + out->len, s, n);
  out->len += n;
}

static void put_str(wave_text *out, const char *s) { put(out, s, strlen(s)); }

const char *wave_text_cstr(wave_text *text) {
  WR_VEC_RESERVE(text, 1);
  text->items[text->len] = 0;
  return text->items;
}

/* The escapes wasm-wave's writer uses: the mandatory ones and control characters. */
static void put_escaped_char(wave_text *out, uint32_t c) {
  char buf[16];
  switch (c) {
  case '\\': put_str(out, "\\\\"); return;
  case '"': put_str(out, "\\\""); return;
  case '\'': put_str(out, "\\'"); return;
  case '\t': put_str(out, "\\t"); return;
  case '\r': put_str(out, "\\r"); return;
  case '\n': put_str(out, "\\n"); return;
  default: break;
  }
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
    snprintf(buf, sizeof buf, "\\u{%" PRIx32 "}", c);
    put_str(out, buf);
    return;
  }
  put(out, buf, utf8_encode(c, buf));
}

/* The shortest decimal that reads back as the same float, written without an exponent
 * (as Rust's Display, which wasm-wave prints with, does). */
static void put_float(wave_text *out, double v, bool single) {
  if (isnan(v)) return put_str(out, "nan");
  if (isinf(v)) return put_str(out, v > 0 ? "inf" : "-inf");
  char sci[48];
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
    if (single ? strtof(sci, NULL) == (float)v : strtod(sci, NULL) == v) break;
  }
  /* sci is [-]d[.ddd]e(+|-)xx */
  char digits[24];
  size_t ndigits = 0;
  const char *s = sci;
  if (*s == '-') {
    put_str(out, "-");
    s++;
  }
  for (; *s && *s != 'e'; s++)
    if (*s != '.' && ndigits < sizeof digits) digits[ndigits++] = *s;
  int exp = *s == 'e' ? atoi(s + 1) : 0;
  while (ndigits > 1 && digits[ndigits - 1] == '0') ndigits--;
  if (exp < 0) {
    put_str(out, "0.");
    for (int i = 0; i < -exp - 1; i++) put_str(out, "0");
    put(out, digits, ndigits);
  } else if ((size_t)exp >= ndigits - 1) {
    put(out, digits, ndigits);
    for (size_t i = ndigits - 1; i < (size_t)exp; i++) put_str(out, "0");
  } else {
    put(out, digits, (size_t)exp + 1);
    put_str(out, ".");
    put(out, digits + exp + 1, ndigits - (size_t)exp - 1);
  }
}

/* A case label: keywords take a `%` so that they read back as the case. */
static void put_case_label(wave_text *out, const char *name) {
  if (is_keyword(name, strlen(name))) put_str(out, "%");
  put_str(out, name);
}

static void print_value(wave_text *out, const cm_valtype *t, const cm_val *v);

static void print_payload(wave_text *out, const cm_valtype *t, const cm_val *payload) {
  if (!t || !payload) return;
  put_str(out, "(");
  print_value(out, t, payload);
  put_str(out, ")");
}

static void print_value(wave_text *out, const cm_valtype *t, const cm_val *v) {
  char buf[64];
  switch (t->kind) {
  case CM_BOOL: put_str(out, v->u.b ? "true" : "false"); return;
  case CM_S8: case CM_S16: case CM_S32: case CM_S64:
    snprintf(buf, sizeof buf, "%" PRId64, v->u.s);
    put_str(out, buf);
    return;
  case CM_U8: case CM_U16: case CM_U32: case CM_U64:
    snprintf(buf, sizeof buf, "%" PRIu64, v->u.u);
    put_str(out, buf);
    return;
  case CM_F32: put_float(out, v->u.f32, true); return;
  case CM_F64: put_float(out, v->u.f64, false); return;
  case CM_CHAR:
    put_str(out, "'");
    put_escaped_char(out, v->u.ch);
    put_str(out, "'");
    return;
  case CM_STRING: {
    put_str(out, "\"");
    const char *s = v->u.str.data;
    for (uint32_t i = 0; i < v->u.str.len;) {
      uint32_t c;
      size_t n = utf8_decode(s + i, v->u.str.len - i, &c);
      if (n == 0) c = 0xFFFD, n = 1; /* host strings are UTF-8; never read past a bad byte */
      put_escaped_char(out, c);
      i += (uint32_t)n;
    }
    put_str(out, "\"");
    return;
  }
  case CM_LIST:
  case CM_FIXED_LIST:
  case CM_MAP: /* WAVE has no map syntax yet: a list of (key, value) tuples */
    put_str(out, "[");
    for (uint32_t i = 0; i < v->u.seq.count; i++) {
      if (i) put_str(out, ", ");
      print_value(out, t->elem, &v->u.seq.items[i]);
    }
    put_str(out, "]");
    return;
  case CM_TUPLE:
    put_str(out, "(");
    for (uint32_t i = 0; i < t->count; i++) {
      if (i) put_str(out, ", ");
      print_value(out, t->fields[i].type, &v->u.seq.items[i]);
    }
    put_str(out, ")");
    return;
  case CM_RECORD: {
    /* none-valued option fields are left out; a record left empty so is {:} */
    bool first = true;
    put_str(out, "{");
    for (uint32_t i = 0; i < t->count; i++) {
      const cm_val *field = &v->u.seq.items[i];
      if (t->fields[i].type->kind == CM_OPTION && field->u.cs.index == 0) continue;
      if (!first) put_str(out, ", ");
      first = false;
      put_str(out, t->fields[i].name); /* a field or flag label is never a case: no `%` */
      put_str(out, ": ");
      print_value(out, t->fields[i].type, field);
    }
    put_str(out, first ? ":}" : "}");
    return;
  }
  case CM_VARIANT:
    if (v->u.cs.index >= t->count) break;
    put_case_label(out, t->fields[v->u.cs.index].name);
    print_payload(out, t->fields[v->u.cs.index].type, v->u.cs.payload);
    return;
  case CM_ENUM:
    if (v->u.cs.index >= t->count) break;
    put_case_label(out, t->fields[v->u.cs.index].name);
    return;
  case CM_OPTION:
    if (v->u.cs.index == 0) return put_str(out, "none");
    put_str(out, "some");
    print_payload(out, t->elem, v->u.cs.payload);
    return;
  case CM_RESULT:
    put_str(out, v->u.cs.index == 0 ? "ok" : "err");
    print_payload(out, v->u.cs.index == 0 ? t->elem : t->err, v->u.cs.payload);
    return;
  case CM_FLAGS: {
    bool first = true;
    put_str(out, "{");
    for (uint32_t i = 0; i < t->count && i < 32; i++) {
      if (!(v->u.flags >> i & 1)) continue;
      if (!first) put_str(out, ", ");
      first = false;
      put_str(out, t->fields[i].name);
    }
    put_str(out, "}");
    return;
  }
  case CM_OWN:
  case CM_BORROW:
    snprintf(buf, sizeof buf, "<%s handle %" PRIu32 ">", t->kind == CM_OWN ? "own" : "borrow", v->u.rep);
    put_str(out, buf);
    return;
  default: break;
  }
  put_str(out, "<unprintable value>");
}

void wave_print(wave_text *out, const cm_valtype *type, const cm_val *val) { print_value(out, type, val); }

/* ---- parsing ---- */
typedef struct parser {
  const char *text;
  size_t len, pos;
  cm_arena *arena;
  wr_error *err;
  unsigned depth;
  WR_VEC(char) scratch; /* a string being decoded */
} parser;

static bool fail_at(parser *p, size_t at, const char *fmt, ...) WR_PRINTF(3, 4);
static bool fail_at(parser *p, size_t at, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  size_t column = 1; /* in characters: what a user counts */
  for (size_t i = 0; i < at && i < p->len; i++)
    if (((unsigned char)p->text[i] & 0xC0) != 0x80) column++;
  wr_error_at(p->err, at, "%s (at column %zu)", msg, column);
  return false;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_word_char(char c) { return is_lower(c) || is_upper(c) || is_digit(c) || c == '-'; }
static bool is_number_char(char c) { return is_word_char(c) || c == '.' || c == '+'; }

static void skip_space(parser *p) {
  while (p->pos < p->len) {
    if (is_space(p->text[p->pos])) {
      p->pos++;
    } else if (p->text[p->pos] == '/' && p->pos + 1 < p->len && p->text[p->pos + 1] == '/') {
      while (p->pos < p->len && p->text[p->pos] != '\n') p->pos++;
    } else {
      break;
    }
  }
}

/* The next significant character, or -1 at the end. */
static int peek(parser *p) {
  skip_space(p);
  return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

/* The token at the current position, for messages: "`abc`" or "the end of the input". */
static const char *found(parser *p, char *buf, size_t size) {
  skip_space(p);
  if (p->pos >= p->len) return "the end of the input";
  size_t end = p->pos;
  char quote = p->text[end];
  if (quote == '"' || quote == '\'') { /* a string or char: up to its closing quote */
    for (end++; end < p->len && end - p->pos < 24 && p->text[end] != quote; end++)
      if (p->text[end] == '\\' && end + 1 < p->len) end++;
    if (end < p->len && p->text[end] == quote) end++;
    while (end > p->pos + 1 && end < p->len && ((unsigned char)p->text[end] & 0xC0) == 0x80) end--;
  } else {
    while (end < p->len && end - p->pos < 24 && (is_number_char(p->text[end]) || p->text[end] == '%')) end++;
  }
  if (end == p->pos) { /* punctuation or a non-ASCII character: one character */
    uint32_t c;
    size_t n = utf8_decode(p->text + p->pos, p->len - p->pos, &c);
    end = p->pos + (n ? n : 1);
  }
  bool printable = true;
  for (size_t i = p->pos; i < end; i++)
    if ((unsigned char)p->text[i] < 0x20) printable = false;
  if (printable) snprintf(buf, size, "`%.*s`", (int)(end - p->pos), p->text + p->pos);
  else snprintf(buf, size, "a control character (0x%02x)", (unsigned char)p->text[p->pos]);
  return buf;
}

static const char *type_text(const cm_valtype *t, char *buf, size_t size) {
  return cm_valtype_text(t, NULL, NULL, buf, size);
}

static bool fail_expected(parser *p, const char *what) {
  char tok[64];
  size_t at = (skip_space(p), p->pos);
  return fail_at(p, at, "expected %s, found %s", what, found(p, tok, sizeof tok));
}

static bool fail_expected_type(parser *p, const cm_valtype *t) {
  char ty[160], what[180];
  snprintf(what, sizeof what, "a value of type %s", type_text(t, ty, sizeof ty));
  return fail_expected(p, what);
}

static bool expect(parser *p, char c) {
  if (peek(p) == (unsigned char)c) {
    p->pos++;
    return true;
  }
  char what[8];
  snprintf(what, sizeof what, "`%c`", c);
  return fail_expected(p, what);
}

/* A label token: an optional `%`, then [A-Za-z0-9-]. */
typedef struct label {
  const char *name; /* without the `%` */
  size_t len, at, end;
  bool escaped;
} label;

/* Reads the label at the current position, validating its words (a letter, then letters of
 * that case or digits). false without an error when no label starts here. */
static bool scan_label(parser *p, label *l, bool *bad) {
  *bad = false;
  skip_space(p);
  size_t i = p->pos;
  l->at = i;
  l->escaped = i < p->len && p->text[i] == '%';
  if (l->escaped) i++;
  size_t start = i;
  while (i < p->len && is_word_char(p->text[i])) i++;
  if (i == start || !(is_lower(p->text[start]) || is_upper(p->text[start]))) {
    if (l->escaped) *bad = !fail_at(p, l->at, "expected a label after `%%`");
    return false;
  }
  l->name = p->text + start;
  l->len = i - start;
  l->end = i;
  for (size_t w = start; w < i;) {
    bool upper = is_upper(p->text[w]);
    if (!is_lower(p->text[w]) && !upper) break;
    size_t e = w + 1;
    while (e < i && (is_digit(p->text[e]) || (upper ? is_upper(p->text[e]) : is_lower(p->text[e])))) e++;
    if (e == i) return true;
    if (p->text[e] == '-' && e + 1 < i) {
      w = e + 1;
      continue;
    }
    break;
  }
  *bad = !fail_at(p, l->at,
                  "invalid label `%.*s`: labels are words joined by `-`, each a letter then letters of the "
                  "same case or digits",
                  (int)(i - start), l->name);
  return false;
}

/* A label that must name one of `t`'s fields / cases / flags: its index. */
static bool find_label(parser *p, const cm_valtype *t, const label *l, const char *what, uint32_t *index) {
  for (uint32_t i = 0; i < t->count; i++)
    if (t->fields[i].name && text_is(l->name, l->len, t->fields[i].name)) {
      *index = i;
      return true;
    }
  char ty[160];
  return fail_at(p, l->at, "%s has no %s `%.*s`", type_text(t, ty, sizeof ty), what, (int)l->len, l->name);
}

/* An unescaped keyword where a case label is expected. */
static bool check_not_keyword(parser *p, const label *l) {
  if (l->escaped || !is_keyword(l->name, l->len)) return true;
  return fail_at(p, l->at, "`%.*s` is a keyword: write the case label as `%%%.*s`", (int)l->len, l->name,
                 (int)l->len, l->name);
}

static bool parse_value(parser *p, const cm_valtype *t, cm_val *out);

/* `(value)` after a case label. */
static bool parse_payload(parser *p, const cm_valtype *t, cm_val *out) {
  cm_val v = {0};
  if (!expect(p, '(') || !parse_value(p, t, &v) || !expect(p, ')')) return false;
  *out = cm_val_case(p->arena, out->u.cs.index, &v);
  return true;
}

static bool parse_bool(parser *p, const cm_valtype *t, cm_val *out) {
  label l;
  bool bad;
  if (!scan_label(p, &l, &bad)) return bad ? false : fail_expected_type(p, t);
  if (l.escaped || !(text_is(l.name, l.len, "true") || text_is(l.name, l.len, "false")))
    return fail_expected_type(p, t);
  *out = cm_val_bool(text_is(l.name, l.len, "true"));
  p->pos = l.end;
  return true;
}

static size_t number_end(parser *p) {
  size_t end = p->pos;
  while (end < p->len && is_number_char(p->text[end])) end++;
  return end;
}

static bool parse_int(parser *p, const cm_valtype *t, cm_val *out) {
  skip_space(p);
  size_t at = p->pos, end = number_end(p);
  const char *s = p->text + at;
  size_t n = end - at, i = 0;
  bool negative = n > 0 && s[0] == '-';
  i = negative;
  bool valid = i < n && !(s[i] == '0' && i + 1 < n);
  for (size_t j = i; j < n; j++) valid = valid && is_digit(s[j]);
  if (!valid) return fail_expected_type(p, t);
  uint64_t mag = 0;
  bool overflow = false;
  for (; i < n; i++) {
    unsigned d = (unsigned)(s[i] - '0');
    if (mag > (UINT64_MAX - d) / 10) overflow = true;
    else mag = mag * 10 + d;
  }
  static const struct {
    cm_valkind kind;
    const char *name, *range;
    uint64_t max_pos, max_neg; /* largest magnitude allowed either side */
  } ranges[] = {
      {CM_U8, "u8", "0 to 255", 0xFF, 0},
      {CM_U16, "u16", "0 to 65535", 0xFFFF, 0},
      {CM_U32, "u32", "0 to 4294967295", 0xFFFFFFFFu, 0},
      {CM_U64, "u64", "0 to 18446744073709551615", UINT64_MAX, 0},
      {CM_S8, "s8", "-128 to 127", 0x7F, 0x80},
      {CM_S16, "s16", "-32768 to 32767", 0x7FFF, 0x8000},
      {CM_S32, "s32", "-2147483648 to 2147483647", 0x7FFFFFFF, 0x80000000u},
      {CM_S64, "s64", "-9223372036854775808 to 9223372036854775807", INT64_MAX, (uint64_t)INT64_MAX + 1},
  };
  for (size_t r = 0; r < WR_ARRAY_LEN(ranges); r++) {
    if (ranges[r].kind != t->kind) continue;
    bool is_unsigned = t->kind == CM_U8 || t->kind == CM_U16 || t->kind == CM_U32 || t->kind == CM_U64;
    if (overflow || mag > (negative ? ranges[r].max_neg : ranges[r].max_pos) || (negative && is_unsigned))
      return fail_at(p, at, "%.*s is out of range for %s (%s)", (int)WR_MIN(n, 40), s, ranges[r].name,
                     ranges[r].range);
    if (is_unsigned) *out = cm_val_u(mag);
    else *out = cm_val_s(negative ? (int64_t)(0 - mag) : (int64_t)mag);
    p->pos = end;
    return true;
  }
  return fail_expected_type(p, t);
}

/* JSON number syntax: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i >= n || !is_digit(s[i])) return false;
  if (s[i] == '0') i++;
  else
    while (i < n && is_digit(s[i])) i++;
  if (i < n && s[i] == '.') {
    if (++i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= n || !is_digit(s[i])) return false;
    while (i < n && is_digit(s[i])) i++;
  }
  return i == n;
}

static bool parse_float(parser *p, const cm_valtype *t, cm_val *out) {
  skip_space(p);
  size_t at = p->pos, end = number_end(p);
  const char *s = p->text + at;
  size_t n = end - at;
  bool single = t->kind == CM_F32;
  double v;
  if (text_is(s, n, "nan")) v = NAN;
  else if (text_is(s, n, "inf")) v = INFINITY;
  else if (text_is(s, n, "-inf")) v = -INFINITY;
  else if (!is_json_number(s, n)) return fail_expected_type(p, t);
  else {
    char *copy = wr_strndup(s, n);
    v = single ? (double)strtof(copy, NULL) : strtod(copy, NULL);
    wr_free(copy);
    if (isinf(v))
      return fail_at(p, at, "%.*s is out of range for %s (write inf or -inf for an infinity)", (int)WR_MIN(n, 40), s,
                     single ? "f32" : "f64");
  }
  *out = single ? cm_val_f32((float)v) : cm_val_f64(v);
  p->pos = end;
  return true;
}

/* One character of a string or char at p->pos that is not a delimiter: an escape or a
 * UTF-8 encoded scalar value. */
static bool literal_char(parser *p, uint32_t *c) {
  if (p->text[p->pos] != '\\') {
    size_t n = utf8_decode(p->text + p->pos, p->len - p->pos, c);
    if (n == 0) return fail_at(p, p->pos, "invalid UTF-8 in the input");
    p->pos += n;
    return true;
  }
  size_t at = p->pos++;
  char e = p->pos < p->len ? p->text[p->pos++] : 0;
  switch (e) {
  case '\'': *c = '\''; return true;
  case '"': *c = '"'; return true;
  case '\\': *c = '\\'; return true;
  case 't': *c = '\t'; return true;
  case 'n': *c = '\n'; return true;
  case 'r': *c = '\r'; return true;
  case 'u': {
    uint32_t v = 0;
    size_t digits = 0;
    if (p->pos >= p->len || p->text[p->pos] != '{') break;
    p->pos++;
    for (; p->pos < p->len && p->text[p->pos] != '}'; p->pos++, digits++) {
      char h = p->text[p->pos];
      unsigned d = is_digit(h) ? (unsigned)(h - '0')
                   : (h >= 'a' && h <= 'f') ? (unsigned)(h - 'a' + 10)
                   : (h >= 'A' && h <= 'F') ? (unsigned)(h - 'A' + 10)
                                            : 16;
      if (d == 16) break;
      if (v > 0x10FFFF) continue; /* already too big: keep it so */
      v = v * 16 + d;
    }
    if (p->pos >= p->len || p->text[p->pos] != '}' || digits == 0)
      return fail_at(p, at, "invalid escape: \\u{...} needs hexadecimal digits and a closing `}`");
    p->pos++;
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
      return fail_at(p, at, "invalid escape: \\u{%.*s} is not a Unicode scalar value", (int)WR_MIN(digits, 16),
                     p->text + p->pos - 1 - digits);
    *c = v;
    return true;
  }
  default: break;
  }
  return fail_at(p, at, "invalid escape (known: \\' \\\" \\\\ \\t \\n \\r \\u{HEX})");
}

/* One character between quotes: 1 with *c set, 0 at the closing quote (consumed), -1 on error. */
static int quoted_char(parser *p, char quote, size_t open_at, uint32_t *c) {
  if (p->pos >= p->len)
    return fail_at(p, open_at, "unterminated %s", quote == '"' ? "string" : "char"), -1;
  char b = p->text[p->pos];
  if (b == quote) {
    p->pos++;
    return 0;
  }
  if (b == '\n')
    return fail_at(p, p->pos, "a line break inside a %s must be written \\n", quote == '"' ? "string" : "char"), -1;
  return literal_char(p, c) ? 1 : -1;
}

static bool parse_char(parser *p, const cm_valtype *t, cm_val *out) {
  if (peek(p) != '\'') return fail_expected_type(p, t);
  size_t open_at = p->pos++;
  uint32_t c, extra;
  int r = quoted_char(p, '\'', open_at, &c);
  if (r < 0) return false;
  if (r == 0) return fail_at(p, open_at, "empty char: a char holds exactly one character");
  r = quoted_char(p, '\'', open_at, &extra);
  if (r < 0) return false;
  if (r > 0) return fail_at(p, open_at, "a char holds exactly one character (use a string for more)");
  *out = cm_val_char(c);
  return true;
}

static void scratch_put(parser *p, uint32_t c) {
  char buf[4];
  size_t n = utf8_encode(c, buf);
  WR_VEC_RESERVE(&p->scratch, n);
  memcpy(p->scratch.items + p->scratch.len, buf, n);
  p->scratch.len += n;
}

static bool has_triple_quote(const char *s, size_t n) {
  for (size_t i = 0; i + 3 <= n; i++)
    if (s[i] == '"' && s[i + 1] == '"' && s[i + 2] == '"') return true;
  return false;
}

/* `"""`, a line break, lines, a line break, spaces, `"""`: the closing line's spaces are the
 * indentation every line drops; the line breaks between lines are \n. p->pos is just past
 * the opening quotes. */
static bool parse_multiline(parser *p, size_t open_at) {
  const char *text = p->text;
  size_t len = p->len, first = p->pos;
  if (first < len && text[first] == '\n') first++;
  else if (len - first >= 2 && text[first] == '\r' && text[first + 1] == '\n') first += 2;
  else return fail_at(p, open_at, "a multiline string starts with \"\"\" and a line break");
  size_t close = 0, indent = 0;
  bool closed = false;
  for (size_t line = first; line < len && !closed;) {
    size_t k = line;
    while (k < len && text[k] == ' ') k++;
    if (len - k >= 3 && has_triple_quote(text + k, 3)) {
      close = line, indent = k - line, closed = true;
      break;
    }
    const char *nl = memchr(text + line, '\n', len - line);
    if (!nl) break;
    line = (size_t)(nl - text) + 1;
  }
  if (!closed) return fail_at(p, open_at, "unterminated multiline string");
  p->scratch.len = 0;
  for (size_t line = first; line < close;) { /* every line before `close` ends with \n */
    size_t end = (size_t)((const char *)memchr(text + line, '\n', close - line) - text);
    size_t content_end = end > line && text[end - 1] == '\r' ? end - 1 : end;
    if (line != first) scratch_put(p, '\n');
    for (size_t i = line; i < line + indent; i++)
      if (i >= content_end || text[i] != ' ')
        return fail_at(p, i, "this line of a multiline string is indented less than its closing \"\"\"");
    if (has_triple_quote(text + line, content_end - line))
      return fail_at(p, line, "\"\"\" inside a multiline string: escape a quote that is not preceded by \\");
    for (p->pos = line + indent; p->pos < content_end;) {
      uint32_t c;
      if (!literal_char(p, &c)) return false;
      if (p->pos > content_end) return fail_at(p, content_end, "an escape cannot span lines");
      scratch_put(p, c);
    }
    line = end + 1;
  }
  p->pos = close + indent + 3;
  return true;
}

static bool parse_string(parser *p, const cm_valtype *t, cm_val *out) {
  if (peek(p) != '"') return fail_expected_type(p, t);
  size_t open_at = p->pos++;
  if (p->len - p->pos >= 2 && p->text[p->pos] == '"' && p->text[p->pos + 1] == '"') {
    p->pos += 2;
    if (!parse_multiline(p, open_at)) return false;
  } else {
    p->scratch.len = 0;
    for (;;) {
      uint32_t c;
      int r = quoted_char(p, '"', open_at, &c);
      if (r < 0) return false;
      if (r == 0) break;
      scratch_put(p, c);
    }
  }
  if (p->scratch.len > UINT32_MAX) return fail_at(p, open_at, "string too long");
  char *copy = cm_arena_strndup(p->arena, p->scratch.len ? p->scratch.items : "", p->scratch.len);
  *out = cm_val_string(copy, (uint32_t)p->scratch.len);
  return true;
}

/* After an element of a bracketed sequence: true with *done when the closing `close` came
 * (a trailing comma allowed). */
static bool seq_next(parser *p, char close, bool *done) {
  int c = peek(p);
  if (c == ',') {
    p->pos++;
    *done = peek(p) == (unsigned char)close;
    if (*done) p->pos++;
    return true;
  }
  if (c == (unsigned char)close) {
    p->pos++;
    *done = true;
    return true;
  }
  char what[16];
  snprintf(what, sizeof what, "`,` or `%c`", close);
  return fail_expected(p, what);
}

static bool parse_list(parser *p, const cm_valtype *t, cm_val *out) {
  if (peek(p) != '[') return fail_expected_type(p, t);
  size_t open_at = p->pos++;
  WR_VEC(cm_val) items = {0};
  bool ok = true, done = peek(p) == ']';
  if (done) p->pos++;
  while (!done) {
    cm_val v = {0};
    if (!(ok = parse_value(p, t->elem, &v))) break;
    WR_VEC_PUSH(&items, v);
    if (!(ok = seq_next(p, ']', &done))) break;
  }
  if (ok && t->kind == CM_FIXED_LIST && items.len != t->count) {
    char ty[160];
    ok = fail_at(p, open_at, "%s needs exactly %" PRIu32 " elements, got %zu", type_text(t, ty, sizeof ty), t->count,
                 items.len);
  }
  if (ok) {
    *out = cm_val_seq(p->arena, (uint32_t)items.len);
    if (items.len) memcpy(out->u.seq.items, items.items, items.len * sizeof(cm_val));
  }
  WR_VEC_FREE(&items);
  return ok;
}

static bool parse_tuple(parser *p, const cm_valtype *t, cm_val *out) {
  if (peek(p) != '(') return fail_expected_type(p, t);
  size_t open_at = p->pos++;
  cm_val seq = cm_val_seq(p->arena, t->count);
  uint32_t n = 0;
  bool done = peek(p) == ')';
  if (done) p->pos++;
  while (!done) {
    if (n == t->count) break;
    if (!parse_value(p, t->fields[n].type, &seq.u.seq.items[n])) return false;
    n++;
    if (!seq_next(p, ')', &done)) return false;
  }
  if (!done || n != t->count) {
    char ty[160];
    return fail_at(p, open_at, "%s has %" PRIu32 " elements, %s", type_text(t, ty, sizeof ty), t->count,
                   done ? "got fewer" : "got more");
  }
  *out = seq;
  return true;
}

static bool parse_record(parser *p, const cm_valtype *t, cm_val *out) {
  if (peek(p) != '{') return fail_expected_type(p, t);
  size_t open_at = p->pos++;
  cm_val seq = cm_val_seq(p->arena, t->count); /* zeroed: an omitted option field is none */
  uint8_t *seen = cm_arena_alloc(p->arena, t->count);
  bool done = false;
  if (peek(p) == ':') { /* {:} the record whose fields are all omitted */
    p->pos++;
    if (!expect(p, '}')) return false;
    done = true;
  } else if (peek(p) == '}') {
    return fail_at(p, open_at, "`{}` is empty flags; a record with every field omitted is written `{:}`");
  }
  while (!done) {
    label l;
    bool bad;
    if (!scan_label(p, &l, &bad)) return bad ? false : fail_expected(p, "a field label");
    uint32_t i;
    if (!find_label(p, t, &l, "field", &i)) return false;
    if (seen[i]) return fail_at(p, l.at, "field `%.*s` given twice", (int)l.len, l.name);
    seen[i] = 1;
    p->pos = l.end;
    if (!expect(p, ':') || !parse_value(p, t->fields[i].type, &seq.u.seq.items[i]) || !seq_next(p, '}', &done))
      return false;
  }
  for (uint32_t i = 0; i < t->count; i++) {
    if (seen[i] || t->fields[i].type->kind == CM_OPTION) continue;
    char ty[160];
    return fail_at(p, open_at, "field `%s` (%s) is missing", t->fields[i].name,
                   type_text(t->fields[i].type, ty, sizeof ty));
  }
  *out = seq;
  return true;
}

static bool parse_flags(parser *p, const cm_valtype *t, cm_val *out) {
  if (peek(p) != '{') return fail_expected_type(p, t);
  size_t open_at = p->pos++;
  if (t->count > 32) return fail_at(p, open_at, "flags with more than 32 labels are not supported");
  uint32_t bits = 0;
  bool done = peek(p) == '}';
  if (done) p->pos++;
  while (!done) {
    label l;
    bool bad;
    if (!scan_label(p, &l, &bad)) return bad ? false : fail_expected(p, "a flag label");
    uint32_t i;
    if (!find_label(p, t, &l, "flag", &i)) return false;
    if (bits >> i & 1) return fail_at(p, l.at, "flag `%.*s` given twice", (int)l.len, l.name);
    bits |= 1u << i;
    p->pos = l.end;
    if (!seq_next(p, '}', &done)) return false;
  }
  *out = cm_val_flags(bits);
  return true;
}

/* variant and enum: a case label, then the payload when the case has one. */
static bool parse_case(parser *p, const cm_valtype *t, cm_val *out) {
  label l;
  bool bad;
  if (!scan_label(p, &l, &bad)) return bad ? false : fail_expected_type(p, t);
  uint32_t i;
  if (!check_not_keyword(p, &l) || !find_label(p, t, &l, "case", &i)) return false;
  p->pos = l.end;
  const cm_valtype *payload = t->kind == CM_VARIANT ? t->fields[i].type : NULL;
  *out = cm_val_case(p->arena, i, NULL);
  if (payload) return parse_payload(p, payload, out);
  if (peek(p) == '(') return fail_at(p, p->pos, "case `%.*s` has no payload", (int)l.len, l.name);
  return true;
}

/* The value of an option or result written without its case ("flat"), allowed unless the
 * payload is itself an option or result. */
static bool flat_allowed(const cm_valtype *payload) {
  return payload && payload->kind != CM_OPTION && payload->kind != CM_RESULT;
}

static bool parse_option(parser *p, const cm_valtype *t, cm_val *out) {
  label l;
  bool bad;
  bool is_label = scan_label(p, &l, &bad);
  if (bad) return false;
  if (is_label && !l.escaped && text_is(l.name, l.len, "none")) {
    p->pos = l.end;
    *out = cm_val_case(p->arena, 0, NULL);
    return true;
  }
  if (is_label && !l.escaped && text_is(l.name, l.len, "some")) {
    p->pos = l.end;
    *out = cm_val_case(p->arena, 1, NULL);
    return parse_payload(p, t->elem, out);
  }
  if (!flat_allowed(t->elem)) return fail_expected(p, "`some(...)` or `none`");
  cm_val v = {0};
  if (!parse_value(p, t->elem, &v)) return false;
  *out = cm_val_case(p->arena, 1, &v);
  return true;
}

static bool parse_result(parser *p, const cm_valtype *t, cm_val *out) {
  label l;
  bool bad;
  bool is_label = scan_label(p, &l, &bad);
  if (bad) return false;
  if (is_label && !l.escaped && (text_is(l.name, l.len, "ok") || text_is(l.name, l.len, "err"))) {
    uint32_t index = l.name[0] == 'e';
    const cm_valtype *payload = index ? t->err : t->elem;
    p->pos = l.end;
    *out = cm_val_case(p->arena, index, NULL);
    bool has_paren = peek(p) == '(';
    char ty[160];
    if (payload && !has_paren)
      return fail_at(p, l.at, "`%s` of %s needs a payload: %s(...)", index ? "err" : "ok", type_text(t, ty, sizeof ty),
                     index ? "err" : "ok");
    if (!payload && has_paren)
      return fail_at(p, p->pos, "`%s` of %s has no payload", index ? "err" : "ok", type_text(t, ty, sizeof ty));
    return payload ? parse_payload(p, payload, out) : true;
  }
  if (!flat_allowed(t->elem)) return fail_expected(p, "`ok`, `ok(...)`, `err` or `err(...)`");
  cm_val v = {0};
  if (!parse_value(p, t->elem, &v)) return false;
  *out = cm_val_case(p->arena, 0, &v);
  return true;
}

static bool parse_value(parser *p, const cm_valtype *t, cm_val *out) {
  if (p->depth >= WAVE_MAX_DEPTH) return fail_at(p, p->pos, "values nest deeper than %d levels", WAVE_MAX_DEPTH);
  p->depth++;
  bool ok;
  switch (t->kind) {
  case CM_BOOL: ok = parse_bool(p, t, out); break;
  case CM_S8: case CM_U8: case CM_S16: case CM_U16: case CM_S32: case CM_U32: case CM_S64: case CM_U64:
    ok = parse_int(p, t, out);
    break;
  case CM_F32: case CM_F64: ok = parse_float(p, t, out); break;
  case CM_CHAR: ok = parse_char(p, t, out); break;
  case CM_STRING: ok = parse_string(p, t, out); break;
  case CM_LIST: case CM_FIXED_LIST: case CM_MAP: ok = parse_list(p, t, out); break;
  case CM_TUPLE: ok = parse_tuple(p, t, out); break;
  case CM_RECORD: ok = parse_record(p, t, out); break;
  case CM_FLAGS: ok = parse_flags(p, t, out); break;
  case CM_VARIANT: case CM_ENUM: ok = parse_case(p, t, out); break;
  case CM_OPTION: ok = parse_option(p, t, out); break;
  case CM_RESULT: ok = parse_result(p, t, out); break;
  default: {
    char ty[160];
    skip_space(p);
    ok = fail_at(p, p->pos, "values of type %s cannot be written as text%s", type_text(t, ty, sizeof ty),
                 t->kind == CM_OWN || t->kind == CM_BORROW ? " (a resource handle comes from a call)" : "");
    break;
  }
  }
  p->depth--;
  return ok;
}

static parser parser_init(const char *text, size_t len, size_t pos, cm_arena *arena, wr_error *err) {
  return (parser){.text = text, .len = len, .pos = pos, .arena = arena, .err = err};
}

static bool expect_end(parser *p) {
  if (peek(p) < 0) return true;
  char tok[64];
  size_t at = p->pos;
  return fail_at(p, at, "unexpected %s after the value", found(p, tok, sizeof tok));
}

bool wave_parse(const cm_valtype *type, const char *text, size_t len, cm_arena *arena, cm_val *out, wr_error *err) {
  parser p = parser_init(text, len, 0, arena, err);
  bool ok = parse_value(&p, type, out) && expect_end(&p);
  WR_VEC_FREE(&p.scratch);
  return ok;
}

bool wave_parse_call_name(const char *text, size_t len, const char **name, size_t *name_len, size_t *args_at,
                          wr_error *err) {
  parser p = parser_init(text, len, 0, NULL, err);
  skip_space(&p);
  size_t start = p.pos, end = start;
  while (end < len && text[end] != '(' && !is_space(text[end])) {
    unsigned char c = (unsigned char)text[end];
    if (c < 0x21 || c > 0x7E || c == ')' || c == ',' || c == '"' || c == '\'')
      return fail_at(&p, end, "unexpected character in the function name");
    end++;
  }
  p.pos = end;
  if (end == start) return fail_expected(&p, "a function name, as in `name(arg, ...)`");
  if (peek(&p) != '(') return fail_expected(&p, "`(` after the function name");
  *name = text + start;
  *name_len = end - start;
  *args_at = p.pos;
  return true;
}

bool wave_parse_args(const cm_functype *ft, const char *text, size_t len, size_t args_at, cm_arena *arena,
                     cm_val *args, wr_error *err) {
  parser p = parser_init(text, len, args_at, arena, err);
  bool ok = expect(&p, '(');
  uint32_t n = 0;
  bool done = ok && peek(&p) == ')';
  if (done) p.pos++;
  while (ok && !done) {
    if (n == ft->nparams) {
      ok = fail_at(&p, p.pos, "too many arguments: the function takes %" PRIu32, ft->nparams);
      break;
    }
    if (!(ok = parse_value(&p, ft->params[n].type, &args[n]))) {
      wr_error_prefix(err, "argument %" PRIu32 " (%s)", n + 1, ft->params[n].name);
      break;
    }
    n++;
    ok = seq_next(&p, ')', &done);
  }
  for (; ok && n < ft->nparams; n++) { /* trailing options may be left out */
    if (ft->params[n].type->kind == CM_OPTION) {
      args[n] = cm_val_case(arena, 0, NULL);
      continue;
    }
    char ty[160];
    ok = fail_at(&p, p.pos ? p.pos - 1 : 0, "missing argument %" PRIu32 " (%s: %s)", n + 1, ft->params[n].name,
                 type_text(ft->params[n].type, ty, sizeof ty));
  }
  if (ok) ok = expect_end(&p);
  WR_VEC_FREE(&p.scratch);
  return ok;
}
