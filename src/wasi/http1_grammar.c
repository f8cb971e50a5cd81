/* The strict grammar of received HTTP/1.1 messages (http1_grammar.h). */
#include "http1_grammar.h"

#include <arpa/inet.h>
#include <string.h>

/* tchar as a 128-bit set: ALPHA, DIGIT and !#$%&'*+-.^_`|~ (a table: heads are mostly tchar) */
static const uint64_t tchar_set[2] = {0x03ff6cfa00000000ull, 0x57ffffffc7fffffeull};

bool http1_is_tchar(unsigned char c) { return c < 128 && (tchar_set[c >> 6] >> (c & 63) & 1); }

bool http1_is_token(const char *s, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; i++)
    if (!http1_is_tchar((unsigned char)s[i])) return false;
  return true;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* field-vchar (VCHAR / obs-text), SP or HTAB */
static bool is_field_char(unsigned char c) { return (c >= 0x21 && c != 0x7f) || c == ' ' || c == '\t'; }

bool http1_is_field_value(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!is_field_char((unsigned char)s[i])) return false;
  return true;
}

void http1_trim_ows(const char **s, size_t *len) {
  const char *p = *s;
  size_t n = *len;
  while (n > 0 && is_ows(p[0])) p++, n--;
  while (n > 0 && is_ows(p[n - 1])) n--;
  *s = p;
  *len = n;
}

bool http1_equals_lower(const char *s, size_t len, const char *lower) {
  size_t n = strlen(lower);
  if (len != n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool http1_parse_decimal(const char *s, size_t len, uint64_t *out) {
  if (len == 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

/* Calls `each` on every non-empty element of a comma-separated list, OWS trimmed; stops at the
 * first false. */
static bool list_each(const char *s, size_t len, bool (*each)(const char *e, size_t n, void *arg), void *arg) {
  size_t i = 0;
  while (i <= len) {
    size_t start = i;
    while (i < len && s[i] != ',') i++;
    const char *e = s + start;
    size_t n = i - start;
    http1_trim_ows(&e, &n);
    if (n > 0 && !each(e, n, arg)) return false;
    i++;
  }
  return true;
}

typedef struct list_find {
  const char *token;
  bool found;
} list_find;

static bool find_element(const char *e, size_t n, void *arg) {
  list_find *f = arg;
  if (http1_equals_lower(e, n, f->token)) f->found = true;
  return !f->found;
}

bool http1_list_has(const char *s, size_t len, const char *token) {
  list_find f = {token, false};
  list_each(s, len, find_element, &f);
  return f.found;
}

/* ---- Host ---- */

static bool is_hex(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}
static bool is_sub_delim(unsigned char c) { return c != 0 && strchr("!$&'()*+,;=", c) != NULL; }

/* reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4address is a subset of it. */
static bool is_reg_name(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%') {
      if (i + 2 >= len || !is_hex((unsigned char)s[i + 1]) || !is_hex((unsigned char)s[i + 2])) return false;
      i += 2;
    } else if (!is_unreserved(c) && !is_sub_delim(c)) {
      return false;
    }
  }
  return true;
}

/* IP-literal = "[" ( IPv6address / IPvFuture ) "]", the brackets already removed. */
static bool is_ip_literal(const char *s, size_t len) {
  if (len >= 1 && (s[0] == 'v' || s[0] == 'V')) { /* IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
    size_t i = 1;
    while (i < len && is_hex((unsigned char)s[i])) i++;
    if (i == 1 || i >= len || s[i] != '.' || i + 1 == len) return false;
    for (i++; i < len; i++) {
      unsigned char c = (unsigned char)s[i];
      if (!is_unreserved(c) && !is_sub_delim(c) && c != ':') return false;
    }
    return true;
  }
  char text[INET6_ADDRSTRLEN];
  if (len == 0 || len >= sizeof text) return false;
  memcpy(text, s, len);
  text[len] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET6, text, addr) == 1;
}

bool http1_is_valid_host(const char *s, size_t len) {
  size_t host_end;
  if (len > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', len);
    if (close == NULL || !is_ip_literal(s + 1, (size_t)(close - s - 1))) return false;
    host_end = (size_t)(close - s) + 1;
  } else {
    host_end = 0;
    while (host_end < len && s[host_end] != ':') host_end++;
    if (!is_reg_name(s, host_end)) return false;
  }
  if (host_end == len) return true;
  if (s[host_end] != ':') return false;
  for (size_t i = host_end + 1; i < len; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

/* ---- hop-by-hop fields ---- */

typedef struct named_in {
  const char *name;
  size_t len;
  bool found;
} named_in;

static bool names_field(const char *e, size_t n, void *arg) {
  named_in *f = arg;
  if (n == f->len) {
    f->found = true;
    for (size_t i = 0; i < n && f->found; i++) {
      char a = e[i], b = f->name[i];
      if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
      f->found = a == b;
    }
  }
  return !f->found;
}

bool http1_is_hop_by_hop(const char *name, size_t name_len, const http1_field *fields, size_t count) {
  static const char *const fixed[] = {"connection", "keep-alive", "te", "transfer-encoding", "upgrade",
                                      "proxy-connection"};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    if (http1_equals_lower(name, name_len, fixed[i])) return true;
  named_in f = {name, name_len, false};
  for (size_t i = 0; i < count && !f.found; i++)
    if (http1_equals_lower(fields[i].name, fields[i].name_len, "connection"))
      list_each(fields[i].value, fields[i].value_len, names_field, &f);
  return f.found;
}

bool http1_is_forbidden_trailer(const char *name, size_t name_len) {
  static const char *const names[] = {
      /* framing and the connection */
      "content-length", "transfer-encoding", "trailer", "te", "connection", "keep-alive", "upgrade",
      "proxy-connection",
      /* routing */
      "host", "max-forwards",
      /* authentication and state */
      "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate", "cookie", "set-cookie",
      /* request modifiers */
      "expect", "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range",
      "cache-control", "pragma",
      /* response controls */
      "age", "expires", "date", "location", "retry-after", "vary",
      /* the content's format */
      "content-type", "content-encoding", "content-range",
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (http1_equals_lower(name, name_len, names[i])) return true;
  return false;
}

/* ---- heads ---- */

typedef struct cursor {
  const char *buf;
  size_t len; /* what may be looked at: min(available, max_bytes) */
  size_t pos;
  bool capped; /* len was cut to max_bytes */
} cursor;

/* Running out of bytes: PARTIAL, or TOO_LARGE when the cap is what stopped us. */
static http1_head_status out_of_bytes(const cursor *c) { return c->capped ? HTTP1_HEAD_TOO_LARGE : HTTP1_HEAD_PARTIAL; }

/* Expects the literal `s` (no case folding): COMPLETE when matched, else PARTIAL/MALFORMED. */
static http1_head_status expect(cursor *c, const char *s) {
  for (; *s; s++) {
    if (c->pos == c->len) return out_of_bytes(c);
    if (c->buf[c->pos] != *s) return HTTP1_HEAD_MALFORMED;
    c->pos++;
  }
  return HTTP1_HEAD_COMPLETE;
}

/* "HTTP/1." DIGIT */
static http1_head_status parse_version(cursor *c, int *minor) {
  http1_head_status st = expect(c, "HTTP/1.");
  if (st != HTTP1_HEAD_COMPLETE) return st;
  if (c->pos == c->len) return out_of_bytes(c);
  char d = c->buf[c->pos];
  if (d < '0' || d > '9') return HTTP1_HEAD_MALFORMED;
  *minor = d - '0';
  c->pos++;
  return HTTP1_HEAD_COMPLETE;
}

/* field-line = field-name ":" OWS field-value OWS, up to the first byte a value cannot hold (the
 * line's CR when it is valid): COMPLETE with *f filled (value trimmed), else PARTIAL or MALFORMED
 * as far as the name goes. Heads and chunked trailers (http1_parse_field_line) share it. */
static http1_head_status scan_field_line(cursor *c, http1_field *f) {
  size_t name = c->pos;
  while (c->pos < c->len && http1_is_tchar((unsigned char)c->buf[c->pos])) c->pos++;
  if (c->pos == c->len) return out_of_bytes(c);
  /* no name (obs-fold, stray bytes), or anything but ':' right after it (RFC 9112 §5.1) */
  if (c->pos == name || c->buf[c->pos] != ':') return HTTP1_HEAD_MALFORMED;
  f->name = c->buf + name;
  f->name_len = c->pos - name;
  c->pos++;
  size_t value = c->pos;
  while (c->pos < c->len && is_field_char((unsigned char)c->buf[c->pos])) c->pos++;
  f->value = c->buf + value;
  f->value_len = c->pos - value;
  http1_trim_ows(&f->value, &f->value_len);
  return HTTP1_HEAD_COMPLETE;
}

/* field lines up to and including the empty line */
static http1_head_status parse_fields(cursor *c, http1_field *fields, size_t cap, http1_head *head) {
  head->field_count = 0;
  for (;;) {
    if (c->pos == c->len) return out_of_bytes(c);
    if (c->buf[c->pos] == '\r') {
      c->pos++;
      http1_head_status st = expect(c, "\n");
      if (st != HTTP1_HEAD_COMPLETE) return st;
      head->length = c->pos;
      return HTTP1_HEAD_COMPLETE;
    }
    http1_field f;
    http1_head_status st = scan_field_line(c, &f);
    if (st == HTTP1_HEAD_COMPLETE) st = expect(c, "\r\n");
    if (st != HTTP1_HEAD_COMPLETE) return st;
    if (head->field_count == cap) return HTTP1_HEAD_TOO_MANY_FIELDS;
    fields[head->field_count++] = f;
  }
}

bool http1_parse_field_line(const char *s, size_t len, http1_field *out) {
  cursor c = {s, len, 0, false};
  return scan_field_line(&c, out) == HTTP1_HEAD_COMPLETE && c.pos == len;
}

static cursor make_cursor(const char *buf, size_t len, size_t max_bytes) {
  cursor c = {buf, len, 0, false};
  if (len > max_bytes) {
    c.len = max_bytes;
    c.capped = true;
  } else if (len == max_bytes) {
    c.capped = true;
  }
  return c;
}

http1_head_status http1_parse_request_head(const char *buf, size_t len, size_t max_bytes, http1_field *fields,
                                           size_t field_cap, http1_head *head) {
  memset(head, 0, sizeof *head);
  cursor c = make_cursor(buf, len, max_bytes);
  /* RFC 9112 §2.2: empty lines before a request line are ignored */
  for (;;) {
    if (c.pos == c.len) return out_of_bytes(&c);
    if (c.buf[c.pos] != '\r') break;
    c.pos++;
    http1_head_status st = expect(&c, "\n");
    if (st != HTTP1_HEAD_COMPLETE) return st;
  }
  size_t start = c.pos;
  while (c.pos < c.len && http1_is_tchar((unsigned char)c.buf[c.pos])) c.pos++;
  if (c.pos == c.len) return out_of_bytes(&c);
  if (c.pos == start || c.buf[c.pos] != ' ') return HTTP1_HEAD_MALFORMED;
  head->method = buf + start;
  head->method_len = c.pos - start;
  c.pos++;
  start = c.pos;
  while (c.pos < c.len && (unsigned char)c.buf[c.pos] > 0x20 && (unsigned char)c.buf[c.pos] < 0x7f) c.pos++;
  if (c.pos == c.len) return out_of_bytes(&c);
  if (c.pos == start || c.buf[c.pos] != ' ') return HTTP1_HEAD_MALFORMED;
  head->target = buf + start;
  head->target_len = c.pos - start;
  c.pos++;
  http1_head_status st = parse_version(&c, &head->minor_version);
  if (st == HTTP1_HEAD_COMPLETE) st = expect(&c, "\r\n");
  if (st != HTTP1_HEAD_COMPLETE) return st;
  return parse_fields(&c, fields, field_cap, head);
}

http1_head_status http1_parse_response_head(const char *buf, size_t len, size_t max_bytes, http1_field *fields,
                                            size_t field_cap, http1_head *head) {
  memset(head, 0, sizeof *head);
  cursor c = make_cursor(buf, len, max_bytes);
  http1_head_status st = parse_version(&c, &head->minor_version);
  if (st == HTTP1_HEAD_COMPLETE) st = expect(&c, " ");
  if (st != HTTP1_HEAD_COMPLETE) return st;
  for (int i = 0; i < 3; i++, c.pos++) {
    if (c.pos == c.len) return out_of_bytes(&c);
    char d = c.buf[c.pos];
    if (d < '0' || d > '9' || (i == 0 && d == '0')) return HTTP1_HEAD_MALFORMED;
    head->status = head->status * 10 + (d - '0');
  }
  if (c.pos == c.len) return out_of_bytes(&c);
  if (c.buf[c.pos] == ' ') { /* reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ); its SP may be missing */
    c.pos++;
    while (c.pos < c.len && is_field_char((unsigned char)c.buf[c.pos])) c.pos++;
  }
  st = expect(&c, "\r\n");
  if (st != HTTP1_HEAD_COMPLETE) return st;
  return parse_fields(&c, fields, field_cap, head);
}

/* ---- framing ---- */

typedef struct coding_walk {
  bool chunked;      /* the last coding so far is chunked */
  bool chunked_seen; /* chunked appeared at all */
  bool twice;        /* chunked appeared more than once */
  bool other;        /* a coding other than chunked appeared */
} coding_walk;

static bool walk_coding(const char *e, size_t n, void *arg) {
  coding_walk *w = arg;
  if (http1_equals_lower(e, n, "chunked")) {
    if (w->chunked_seen) w->twice = true;
    w->chunked_seen = w->chunked = true;
  } else {
    w->chunked = false;
    w->other = true;
  }
  return true;
}

typedef struct length_walk {
  bool seen;
  size_t elements;
  bool bad;
  uint64_t value;
} length_walk;

static bool walk_length(const char *e, size_t n, void *arg) {
  length_walk *w = arg;
  uint64_t v;
  if (!http1_parse_decimal(e, n, &v) || (w->seen && v != w->value)) {
    w->bad = true;
    return false;
  }
  w->seen = true;
  w->elements++;
  w->value = v;
  return true;
}

/* Walks every Content-Length and Transfer-Encoding line. False when a Content-Length line is
 * malformed or the values disagree. */
static bool collect_framing(const http1_field *fields, size_t count, coding_walk *codings, bool *has_te,
                            length_walk *length) {
  *has_te = false;
  for (size_t i = 0; i < count; i++) {
    const http1_field *f = &fields[i];
    if (http1_equals_lower(f->name, f->name_len, "transfer-encoding")) {
      *has_te = true;
      list_each(f->value, f->value_len, walk_coding, codings);
    } else if (http1_equals_lower(f->name, f->name_len, "content-length")) {
      size_t before = length->elements;
      list_each(f->value, f->value_len, walk_length, length);
      if (length->bad || length->elements == before) return false; /* an empty value is no length */
    }
  }
  return true;
}

http1_framing_status http1_request_framing(const http1_field *fields, size_t count, int minor_version,
                                           http1_framing *out) {
  coding_walk codings = {0};
  length_walk length = {0};
  bool has_te;
  *out = (http1_framing){HTTP1_BODY_NONE, 0};
  if (!collect_framing(fields, count, &codings, &has_te, &length)) return HTTP1_FRAMING_INVALID;
  if (has_te) {
    /* RFC 9112 §6.1 and §6.3: a server that cannot be sure where the body ends must refuse */
    if (minor_version == 0 || length.seen || codings.twice) return HTTP1_FRAMING_INVALID;
    if (codings.chunked_seen && !codings.chunked) return HTTP1_FRAMING_INVALID;
    if (codings.other) return HTTP1_FRAMING_UNSUPPORTED;
    if (!codings.chunked) return HTTP1_FRAMING_INVALID; /* an empty list */
    out->body = HTTP1_BODY_CHUNKED;
    return HTTP1_FRAMING_OK;
  }
  if (length.seen && length.value > 0) {
    out->body = HTTP1_BODY_LENGTH;
    out->length = length.value;
  }
  return HTTP1_FRAMING_OK;
}

static http1_framing_status response_framing_fields(const http1_field *fields, size_t count, http1_framing *out) {
  coding_walk codings = {0};
  length_walk length = {0};
  bool has_te;
  *out = (http1_framing){HTTP1_BODY_UNTIL_CLOSE, 0};
  bool lengths_ok = collect_framing(fields, count, &codings, &has_te, &length);
  if (has_te) {
    if (codings.twice) return HTTP1_FRAMING_INVALID;
    out->body = codings.chunked ? HTTP1_BODY_CHUNKED : HTTP1_BODY_UNTIL_CLOSE;
    return HTTP1_FRAMING_OK; /* Transfer-Encoding overrides Content-Length */
  }
  if (!lengths_ok) return HTTP1_FRAMING_INVALID;
  if (length.seen) {
    out->body = length.value ? HTTP1_BODY_LENGTH : HTTP1_BODY_NONE;
    out->length = length.value;
  }
  return HTTP1_FRAMING_OK;
}

http1_framing_status http1_response_framing(const http1_field *fields, size_t count, int status, bool to_head,
                                            http1_framing *out) {
  http1_framing_status st = response_framing_fields(fields, count, out);
  if (st == HTTP1_FRAMING_OK && (to_head || status == 204 || status == 304)) *out = (http1_framing){HTTP1_BODY_NONE, 0};
  return st;
}
