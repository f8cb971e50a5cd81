/* Import/export names: kebab-case labels, [constructor]/[method]/[static] annotations and
 * interface names (ns:pkg/iface@semver), plus the strongly-unique canonicalization. */
#include "names.h"

#include <string.h>

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* word ::= [0-9a-z]+, acronym ::= [0-9A-Z]+ (a fragment is one or the other, never mixed). */
static bool fragment_valid(const char *s, size_t len, bool first) {
  if (len == 0) return false;
  if (first && !is_lower(s[0]) && !is_upper(s[0])) return false;
  bool has_lower = false, has_upper = false;
  for (size_t i = 0; i < len; i++) {
    if (is_lower(s[i])) has_lower = true;
    else if (is_upper(s[i])) has_upper = true;
    else if (!is_digit(s[i])) return false;
  }
  return !(has_lower && has_upper);
}

bool cm_label_valid(const char *s, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && s[i] != '-') continue;
    if (!fragment_valid(s + start, i - start, start == 0)) return false;
    start = i + 1;
  }
  return true;
}

/* words ::= first-word ('-' word)*: lowercase only. */
static bool words_valid(const char *s, size_t len) {
  if (!cm_label_valid(s, len)) return false;
  for (size_t i = 0; i < len; i++)
    if (is_upper(s[i])) return false;
  return true;
}

/* A numeric semver part: digits, no leading zero. */
static bool number_valid(const char *s, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; i++)
    if (!is_digit(s[i])) return false;
  return len == 1 || s[0] != '0';
}

/* Dot-separated identifiers of [0-9A-Za-z-]. */
static bool semver_idents_valid(const char *s, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || s[i] == '.') {
      if (i == start) return false;
      start = i + 1;
    } else if (!(is_digit(s[i]) || is_lower(s[i]) || is_upper(s[i]) || s[i] == '-')) {
      return false;
    }
  }
  return true;
}

/* A semver "1.2.3-pre+build", or a canonversion ("1", "0.2", "0.0.3"). */
static bool version_valid(const char *s, size_t len) {
  size_t core_end = len;
  for (size_t i = 0; i < len; i++)
    if (s[i] == '-' || s[i] == '+') {
      core_end = i;
      break;
    }
  size_t parts = 0, start = 0;
  for (size_t i = 0; i <= core_end; i++) {
    if (i == core_end || s[i] == '.') {
      if (!number_valid(s + start, i - start) || ++parts > 3) return false;
      start = i + 1;
    }
  }
  /* fewer than 3 parts: a canonversion ("1", "0.2"), which has no prerelease or build */
  if (parts < 3 && (core_end != len || (parts == 2 && (s[0] != '0' || s[2] == '0')))) return false;
  if (core_end == len) return true;
  const char *rest = s + core_end;
  size_t rest_len = len - core_end;
  const char *plus = memchr(rest + 1, '+', rest_len - 1);
  if (rest[0] == '-') {
    size_t pre_len = plus ? (size_t)(plus - rest - 1) : rest_len - 1;
    if (!semver_idents_valid(rest + 1, pre_len)) return false;
    if (!plus) return true;
    return semver_idents_valid(plus + 1, (size_t)(s + len - plus - 1));
  }
  return semver_idents_valid(rest + 1, rest_len - 1);
}

/* (words ':')+ words ('/' label)+ ['@' version] */
static bool interface_valid(const char *s, size_t len, uint32_t *version_off, const char **why) {
  const char *at = memchr(s, '@', len);
  size_t base = at ? (size_t)(at - s) : len;
  *version_off = (uint32_t)base;
  if (at && !version_valid(at + 1, len - base - 1)) {
    *why = "invalid version in interface name";
    return false;
  }
  *why = "malformed interface name (expected namespace:package/interface[@version])";
  const char *slash = memchr(s, '/', base);
  if (!slash) return false;
  size_t pkg_end = (size_t)(slash - s), start = 0;
  unsigned parts = 0;
  for (size_t i = 0; i <= pkg_end; i++) {
    if (i < pkg_end && s[i] != ':') continue;
    if (!words_valid(s + start, i - start)) return false;
    parts++;
    start = i + 1;
  }
  if (parts < 2) return false;
  for (size_t i = start; i <= base; i++) {
    if (i < base && s[i] != '/') continue;
    if (!cm_label_valid(s + start, i - start)) return false;
    start = i + 1;
  }
  return true;
}

static bool starts_with(const char *s, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  return len >= n && !memcmp(s, prefix, n);
}

bool cm_name_parse(cm_arena *arena, const uint8_t *bytes, uint32_t len, cm_name *out, const char **why) {
  const char *s = (const char *)bytes;
  memset(out, 0, sizeof *out);
  out->len = len;
  out->version_off = len;
  static const struct {
    const char *prefix;
    cm_namekind kind;
    bool async;
  } annotations[] = {
      {"[constructor]", CM_NAME_CONSTRUCTOR, false}, {"[method]", CM_NAME_METHOD, false},
      {"[static]", CM_NAME_STATIC, false},           {"[async]", CM_NAME_LABEL, true},
      {"[async method]", CM_NAME_METHOD, true},      {"[async static]", CM_NAME_STATIC, true},
  };
  if (len > 0 && s[0] == '[') {
    size_t i;
    for (i = 0; i < WR_ARRAY_LEN(annotations); i++)
      if (starts_with(s, len, annotations[i].prefix)) break;
    if (i == WR_ARRAY_LEN(annotations)) {
      *why = "unknown name annotation";
      return false;
    }
    out->kind = annotations[i].kind;
    out->async = annotations[i].async;
    size_t off = strlen(annotations[i].prefix);
    const char *rest = s + off;
    size_t rest_len = len - off;
    if (out->kind == CM_NAME_METHOD || out->kind == CM_NAME_STATIC) {
      const char *dot = memchr(rest, '.', rest_len);
      if (!dot || !cm_label_valid(rest, (size_t)(dot - rest)) ||
          !cm_label_valid(dot + 1, rest_len - (size_t)(dot - rest) - 1)) {
        *why = "malformed [method]/[static] name (expected resource.function labels)";
        return false;
      }
      out->resource_len = (uint32_t)(dot - rest);
    } else {
      if (!cm_label_valid(rest, rest_len)) {
        *why = "malformed annotated name (expected a kebab-case label)";
        return false;
      }
      out->resource_len = (uint32_t)rest_len;
    }
    out->resource_off = (uint32_t)off;
  } else if (memchr(s, ':', len)) {
    out->kind = CM_NAME_INTERFACE;
    if (!interface_valid(s, len, &out->version_off, why)) return false;
  } else {
    out->kind = CM_NAME_LABEL;
    if (!cm_label_valid(s, len)) {
      *why = "malformed name (expected a kebab-case label or an interface name)";
      return false;
    }
  }
  out->text = cm_arena_strndup(arena, s, len);
  return true;
}

char *cm_name_unique_key(cm_arena *arena, const cm_name *name) {
  const char *s = name->text;
  size_t len = name->len;
  if (name->kind == CM_NAME_METHOD || name->kind == CM_NAME_STATIC || name->async) {
    s += name->resource_off;
    len -= name->resource_off;
    /* [method]l.l and [static]l.l are the same as plain l */
    if (name->kind != CM_NAME_LABEL && len == 2 * (size_t)name->resource_len + 1 &&
        !memcmp(s, s + name->resource_len + 1, name->resource_len))
      len = name->resource_len;
  }
  char *key = cm_arena_strndup(arena, s, len);
  for (char *p = key; *p; p++)
    if (is_upper(*p)) *p = (char)(*p - 'A' + 'a');
  return key;
}

/* major.minor.patch of a version without prerelease or build; false otherwise. */
static bool plain_version(const char *s, size_t len, uint64_t out[3]) {
  unsigned part = 0;
  out[0] = out[1] = out[2] = 0;
  bool digit = false;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '.') {
      if (!digit || ++part > 2) return false;
      digit = false;
    } else if (s[i] >= '0' && s[i] <= '9') {
      if (out[part] > UINT64_MAX / 10 - 9) return false;
      out[part] = out[part] * 10 + (uint64_t)(s[i] - '0');
      digit = true;
    } else {
      return false;
    }
  }
  return digit;
}

bool cm_interface_versions_compatible(const char *a, size_t alen, const char *b, size_t blen, int *cmp) {
  const char *at_a = memchr(a, '@', alen), *at_b = memchr(b, '@', blen);
  size_t base_a = at_a ? (size_t)(at_a - a) : alen, base_b = at_b ? (size_t)(at_b - b) : blen;
  if (base_a != base_b || memcmp(a, b, base_a) != 0) return false;
  *cmp = 0;
  if (!at_a || !at_b) return !at_a && !at_b;
  const char *va = at_a + 1, *vb = at_b + 1;
  size_t la = alen - base_a - 1, lb = blen - base_b - 1;
  uint64_t x[3], y[3];
  if (!plain_version(va, la, x) || !plain_version(vb, lb, y)) return la == lb && !memcmp(va, vb, la);
  unsigned key = x[0] ? 0 : x[1] ? 1 : 2; /* the first non-zero component decides compatibility */
  for (unsigned i = 0; i <= key; i++)
    if (x[i] != y[i]) return false;
  for (unsigned i = 0; i < 3; i++)
    if (x[i] != y[i]) {
      *cmp = x[i] < y[i] ? -1 : 1;
      break;
    }
  return true;
}
