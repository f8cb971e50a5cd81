/* WIT text to a syntax tree (component-model design/mvp/WIT.md): a lexer that turns the whole
 * document into tokens first (so the parser can look ahead freely), then recursive descent.
 * Worlds are skipped (balanced braces), gates (`@since(...)`, `@unstable(...)`,
 * `@deprecated(...)`, `@external-id(...)`) are skipped wherever an item may start. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/vec.h"
#include "names.h"
#include "wit_internal.h"

/* Type expressions nest (list<option<...>>) and so does the parser's recursion: bounded. */
#define WIT_MAX_TYPE_DEPTH 64

bool wit_fail(const wit_document *doc, wr_error *err, size_t at, const char *fmt, ...) {
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < at && i < doc->len; i++) {
    unsigned char c = (unsigned char)doc->text[i];
    if (c == '\n') {
      line++;
      col = 1;
    } else if ((c & 0xc0) != 0x80) { /* count characters, not UTF-8 continuation bytes */
      col++;
    }
  }
  char message[sizeof err->message];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  wr_error_at(err, at, "%s:%u:%u: %s", doc->source, line, col, message);
  return false;
}

/* ---- tokens ---- */
typedef enum {
  TOK_END,
  TOK_ID,     /* [A-Za-z][A-Za-z0-9-]*, or %-prefixed (then never a keyword) */
  TOK_NUMBER, /* [0-9][0-9A-Za-z.+-]* without a trailing '.': a length or a version */
  TOK_STRING, /* "..." (only in @external-id, skipped) */
  TOK_ARROW,  /* -> */
  TOK_PUNCT,  /* one of = , : ; ( ) { } < > * / . @ _ */
} tok_kind;

typedef struct token {
  tok_kind kind;
  char punct;
  bool escaped; /* %id */
  size_t at;    /* where the token's text starts (after a '%') */
  size_t len;
} token;

typedef struct parser {
  wit_document *doc;
  cm_arena *arena;
  wr_error *err;
  WR_VEC(token) toks;
  size_t next; /* index of the current token */
  unsigned depth;
} parser;

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool lex(parser *p) {
  const char *s = p->doc->text;
  size_t len = p->doc->len, i = 0;
  for (;;) {
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    token t = {.at = i};
    if (i == len) {
      t.kind = TOK_END;
      WR_VEC_PUSH(&p->toks, t);
      return true;
    }
    char c = s[i];
    if (c == '/' && i + 1 < len && s[i + 1] == '/') {
      while (i < len && s[i] != '\n') i++;
      continue;
    }
    if (c == '/' && i + 1 < len && s[i + 1] == '*') {
      /* block comments nest */
      size_t open = 0;
      do {
        if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
          open++;
          i += 2;
        } else if (i + 1 < len && s[i] == '*' && s[i + 1] == '/') {
          open--;
          i += 2;
        } else if (i < len) {
          i++;
        }
        if (i >= len && open) return wit_fail(p->doc, p->err, t.at, "unterminated block comment");
      } while (open);
      continue;
    }
    if (c == '%' || is_alpha(c)) {
      if (c == '%') {
        t.escaped = true;
        t.at = ++i;
        if (i == len || !is_alpha(s[i])) return wit_fail(p->doc, p->err, i - 1, "expected an identifier after `%%`");
      }
      while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '-')) i++;
      t.kind = TOK_ID;
    } else if (is_digit(c)) {
      while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '.' || s[i] == '+' || s[i] == '-')) i++;
      while (s[i - 1] == '.') i--; /* `@0.2.3.{x}`: the dot belongs to the use */
      t.kind = TOK_NUMBER;
    } else if (c == '"') {
      for (i++; i < len && s[i] != '"'; i++)
        if (s[i] == '\\' && i + 1 < len) i++;
      if (i >= len) return wit_fail(p->doc, p->err, t.at, "unterminated string literal");
      i++;
      t.kind = TOK_STRING;
    } else if (c == '-' && i + 1 < len && s[i + 1] == '>') {
      i += 2;
      t.kind = TOK_ARROW;
    } else if (c && strchr("=,:;(){}<>*/.@_", c)) {
      i++;
      t.kind = TOK_PUNCT;
      t.punct = c;
    } else if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f) {
      return wit_fail(p->doc, p->err, i, "unexpected character `%c`", c);
    } else {
      return wit_fail(p->doc, p->err, i, "unexpected byte 0x%02x (WIT allows non-ASCII text only in comments)",
                      (unsigned char)c);
    }
    t.len = i - t.at;
    WR_VEC_PUSH(&p->toks, t);
  }
}

/* ---- token helpers ---- */
static const token *peek(const parser *p) { return &p->toks.items[p->next]; }
static void advance(parser *p) {
  if (p->toks.items[p->next].kind != TOK_END) p->next++;
}
static const char *text_of(const parser *p, const token *t) { return p->doc->text + t->at; }

static bool is_punct(const token *t, char c) { return t->kind == TOK_PUNCT && t->punct == c; }
static bool is_word(const parser *p, const token *t, const char *word) {
  size_t n = strlen(word);
  return t->kind == TOK_ID && !t->escaped && t->len == n && !memcmp(text_of(p, t), word, n);
}

/* "`x`" or "end of input", for messages. */
static const char *describe(const parser *p, const token *t, char *buf, size_t size) {
  if (t->kind == TOK_END) return "end of input";
  int n = t->len > 40 ? 40 : (int)t->len;
  snprintf(buf, size, "`%.*s%s`", n, text_of(p, t), t->len > 40 ? "..." : "");
  return buf;
}

static bool fail_expected(parser *p, const char *what) {
  char buf[64];
  const token *t = peek(p);
  return wit_fail(p->doc, p->err, t->at, "expected %s, found %s", what, describe(p, t, buf, sizeof buf));
}

static bool accept(parser *p, char c) {
  if (!is_punct(peek(p), c)) return false;
  advance(p);
  return true;
}

static bool expect(parser *p, char c) {
  if (accept(p, c)) return true;
  char what[8];
  snprintf(what, sizeof what, "`%c`", c);
  return fail_expected(p, what);
}

static bool accept_word(parser *p, const char *word) {
  if (!is_word(p, peek(p), word)) return false;
  advance(p);
  return true;
}

static const char *const keywords[] = {
    "as", "async", "bool", "borrow", "char", "constructor", "enum", "error-context", "export", "f32", "f64",
    "flags", "from", "func", "future", "import", "include", "interface", "list", "map", "option", "own",
    "package", "record", "resource", "result", "s16", "s32", "s64", "s8", "static", "stream", "string",
    "tuple", "type", "u16", "u32", "u64", "u8", "use", "variant", "with", "world",
};

static bool is_keyword(const char *s, size_t len) {
  for (size_t i = 0; i < WR_ARRAY_LEN(keywords); i++)
    if (strlen(keywords[i]) == len && !memcmp(keywords[i], s, len)) return true;
  return false;
}

/* An identifier (kebab-case), copied into the arena. */
static bool read_id(parser *p, const char **out, size_t *at) {
  const token *t = peek(p);
  if (t->kind != TOK_ID) return fail_expected(p, "an identifier");
  const char *s = text_of(p, t);
  if (!t->escaped && is_keyword(s, t->len))
    return wit_fail(p->doc, p->err, t->at, "`%.*s` is a keyword: write `%%%.*s` to use it as a name", (int)t->len, s,
                    (int)t->len, s);
  if (!cm_label_valid(s, t->len))
    return wit_fail(p->doc, p->err, t->at,
                    "invalid identifier `%.*s` (kebab-case words, each all lowercase or all uppercase)", (int)t->len, s);
  *out = cm_arena_strndup(p->arena, s, t->len);
  if (at) *at = t->at;
  advance(p);
  return true;
}

/* Skips `@name(...)` annotations: version and feature gates, external ids. */
static bool skip_gates(parser *p) {
  while (is_punct(peek(p), '@')) {
    advance(p);
    if (peek(p)->kind != TOK_ID) return fail_expected(p, "a gate name after `@`");
    advance(p);
    if (!expect(p, '(')) return false;
    while (!is_punct(peek(p), ')')) {
      if (peek(p)->kind == TOK_END || is_punct(peek(p), '(')) return fail_expected(p, "`)` closing the gate");
      advance(p);
    }
    advance(p);
  }
  return true;
}

/* ---- types ---- */
static wit_ty *new_ty(parser *p, size_t at) {
  wit_ty *t = cm_arena_alloc(p->arena, sizeof *t);
  t->at = at;
  return t;
}

static bool read_ty(parser *p, wit_ty **out);

static bool read_ty_arg(parser *p, wit_ty **out) { return expect(p, '<') && read_ty(p, out); }

static bool read_handle(parser *p, wit_ty *t, wit_ref ref) {
  t->ref = ref;
  return expect(p, '<') && read_id(p, &t->name, NULL) && expect(p, '>');
}

static bool read_fixed_length(parser *p, uint32_t *out) {
  const token *t = peek(p);
  const char *s = text_of(p, t);
  uint64_t n = 0;
  bool ok = t->kind == TOK_NUMBER && s[0] != '0' && t->len <= 10;
  for (size_t i = 0; ok && i < t->len; i++) {
    ok = is_digit(s[i]);
    n = n * 10 + (uint64_t)(s[i] - '0');
  }
  if (!ok || n > UINT32_MAX) return fail_expected(p, "a list length (1 to 4294967295)");
  *out = (uint32_t)n;
  advance(p);
  return true;
}

static const struct {
  const char *name;
  cm_valkind kind;
} primitive_names[] = {
    {"bool", CM_BOOL}, {"s8", CM_S8},   {"u8", CM_U8},   {"s16", CM_S16},   {"u16", CM_U16},
    {"s32", CM_S32},   {"u32", CM_U32}, {"s64", CM_S64}, {"u64", CM_U64},   {"f32", CM_F32},
    {"f64", CM_F64},   {"char", CM_CHAR}, {"string", CM_STRING}, {"error-context", CM_ERROR_CONTEXT},
};

static bool read_ty_inner(parser *p, wit_ty **out) {
  const token *tok = peek(p);
  wit_ty *t = new_ty(p, tok->at);
  *out = t;
  if (tok->kind != TOK_ID) return fail_expected(p, "a type");
  for (size_t i = 0; i < WR_ARRAY_LEN(primitive_names); i++)
    if (accept_word(p, primitive_names[i].name)) {
      t->kind = primitive_names[i].kind;
      return true;
    }
  if (accept_word(p, "list")) {
    t->kind = CM_LIST;
    if (!read_ty_arg(p, &t->elem)) return false;
    if (accept(p, ',')) {
      t->kind = CM_FIXED_LIST;
      if (!read_fixed_length(p, &t->count)) return false;
    }
    return expect(p, '>');
  }
  if (accept_word(p, "option")) {
    t->kind = CM_OPTION;
    return read_ty_arg(p, &t->elem) && expect(p, '>');
  }
  if (accept_word(p, "result")) {
    t->kind = CM_RESULT;
    if (!accept(p, '<')) return true;
    if (accept(p, '_')) {
      if (!is_punct(peek(p), ',')) return fail_expected(p, "`,` and an error type after `result<_`");
    } else if (!read_ty(p, &t->elem)) {
      return false;
    }
    if (accept(p, ',') && !read_ty(p, &t->err)) return false;
    return expect(p, '>');
  }
  if (accept_word(p, "tuple")) {
    t->kind = CM_TUPLE;
    if (!expect(p, '<')) return false;
    wit_ty **tail = &t->first;
    do {
      if (t->count > 0 && is_punct(peek(p), '>')) break; /* trailing comma */
      if (!read_ty(p, tail)) return false;
      tail = &(*tail)->next;
      t->count++;
    } while (accept(p, ','));
    return expect(p, '>');
  }
  if (accept_word(p, "stream") || accept_word(p, "future")) {
    t->kind = is_word(p, tok, "stream") ? CM_STREAM : CM_FUTURE;
    if (!accept(p, '<')) return true;
    return read_ty(p, &t->elem) && expect(p, '>');
  }
  if (accept_word(p, "own")) return read_handle(p, t, WIT_REF_OWN);
  if (accept_word(p, "borrow")) return read_handle(p, t, WIT_REF_BORROW);
  if (is_word(p, tok, "map")) return wit_fail(p->doc, p->err, tok->at, "map types are not supported");
  t->ref = WIT_REF_BARE;
  return read_id(p, &t->name, NULL);
}

static bool read_ty(parser *p, wit_ty **out) {
  if (p->depth >= WIT_MAX_TYPE_DEPTH)
    return wit_fail(p->doc, p->err, peek(p)->at, "type nested too deeply (at most %d levels)", WIT_MAX_TYPE_DEPTH);
  p->depth++;
  bool ok = read_ty_inner(p, out);
  p->depth--;
  return ok;
}

/* ---- functions ---- */
static bool read_params(parser *p, wit_func *f) {
  if (!expect(p, '(')) return false;
  wit_field **tail = &f->params;
  while (!accept(p, ')')) {
    wit_field *param = cm_arena_alloc(p->arena, sizeof *param);
    if (!read_id(p, &param->name, &param->at) || !expect(p, ':') || !read_ty(p, &param->type)) return false;
    *tail = param;
    tail = &param->next;
    f->nparams++;
    if (!accept(p, ',') && !is_punct(peek(p), ')')) return fail_expected(p, "`,` or `)` after a parameter");
  }
  return true;
}

static bool read_result(parser *p, wit_func *f) {
  if (peek(p)->kind != TOK_ARROW) return true;
  advance(p);
  if (is_punct(peek(p), '('))
    return wit_fail(p->doc, p->err, peek(p)->at,
                    "named or multiple function results are no longer part of WIT: return one type "
                    "(a tuple or record for several values)");
  return read_ty(p, &f->result);
}

/* `[async] func(params) [-> ty]` */
static bool read_functype(parser *p, wit_func *f) {
  f->async = accept_word(p, "async");
  if (!accept_word(p, "func")) return fail_expected(p, "`func`");
  return read_params(p, f) && read_result(p, f);
}

static bool read_resource_body(parser *p, wit_item *item) {
  wit_method **tail = &item->methods;
  while (!accept(p, '}')) {
    if (!skip_gates(p)) return false;
    wit_method *m = cm_arena_alloc(p->arena, sizeof *m);
    m->at = peek(p)->at;
    if (accept_word(p, "constructor")) {
      m->kind = WIT_CONSTRUCTOR;
      if (!read_params(p, &m->func) || !read_result(p, &m->func)) return false;
    } else {
      if (peek(p)->kind != TOK_ID) return fail_expected(p, "a method, `constructor` or `}`");
      if (!read_id(p, &m->name, NULL) || !expect(p, ':')) return false;
      m->kind = accept_word(p, "static") ? WIT_STATIC : WIT_METHOD;
      if (!read_functype(p, &m->func)) return false;
    }
    if (!expect(p, ';')) return false;
    *tail = m;
    tail = &m->next;
  }
  return true;
}

/* ---- items ---- */
/* `{ a, b: ty, c(ty), }`: record fields (typed), variant cases (optionally typed), labels. */
static bool read_fields(parser *p, wit_item *item) {
  if (!expect(p, '{')) return false;
  wit_field **tail = &item->fields;
  while (!accept(p, '}')) {
    wit_field *f = cm_arena_alloc(p->arena, sizeof *f);
    if (!read_id(p, &f->name, &f->at)) return false;
    if (item->kind == WIT_ITEM_RECORD) {
      if (!expect(p, ':') || !read_ty(p, &f->type)) return false;
    } else if (item->kind == WIT_ITEM_VARIANT && accept(p, '(')) {
      if (!read_ty(p, &f->type) || !expect(p, ')')) return false;
    }
    *tail = f;
    tail = &f->next;
    item->nfields++;
    if (!accept(p, ',') && !is_punct(peek(p), '}')) return fail_expected(p, "`,` or `}`");
  }
  return true;
}

/* id | (id ':')+ id ('/' id)+ ['@' version] */
static bool read_path(parser *p, wit_path *out) {
  const token *first = peek(p);
  out->at = first->at;
  const char *id;
  if (!read_id(p, &id, NULL)) return false;
  if (!is_punct(peek(p), ':')) {
    out->name = id;
    return true;
  }
  /* a qualified name: its tokens are joined (without `%`) and checked as an interface name */
  out->qualified = true;
  WR_VEC(char) text = {0};
  bool ok = true;
  for (;;) {
    for (const char *c = id; *c; c++) WR_VEC_PUSH(&text, *c);
    const token *sep = peek(p);
    if (!is_punct(sep, ':') && !is_punct(sep, '/')) break;
    WR_VEC_PUSH(&text, sep->punct);
    advance(p);
    if (!(ok = read_id(p, &id, NULL))) break;
  }
  if (ok && accept(p, '@')) {
    const token *v = peek(p);
    if (v->kind != TOK_NUMBER) {
      ok = fail_expected(p, "a version after `@`");
    } else {
      WR_VEC_PUSH(&text, '@');
      for (size_t i = 0; i < v->len; i++) WR_VEC_PUSH(&text, text_of(p, v)[i]);
      advance(p);
    }
  }
  if (ok) {
    cm_name name;
    const char *why = NULL;
    if (!cm_name_parse(p->arena, (const uint8_t *)text.items, (uint32_t)text.len, &name, &why) ||
        name.kind != CM_NAME_INTERFACE)
      ok = wit_fail(p->doc, p->err, out->at, "invalid interface path `%.*s`: %s", (int)WR_MIN(text.len, 200),
                    text.items, why ? why : "expected namespace:package/interface[@version]");
    else
      out->name = name.text;
  }
  WR_VEC_FREE(&text);
  return ok;
}

static bool read_use(parser *p, wit_item *item) {
  if (!read_path(p, &item->path) || !expect(p, '.') || !expect(p, '{')) return false;
  wit_use_name **tail = &item->names;
  do {
    if (item->names && is_punct(peek(p), '}')) break; /* trailing comma */
    wit_use_name *n = cm_arena_alloc(p->arena, sizeof *n);
    if (!read_id(p, &n->name, &n->at)) return false;
    n->as = n->name;
    if (accept_word(p, "as") && !read_id(p, &n->as, &n->at)) return false;
    *tail = n;
    tail = &n->next;
  } while (accept(p, ','));
  return expect(p, '}') && expect(p, ';');
}

static bool read_interface_item(parser *p, wit_item *item) {
  const token *t = peek(p);
  item->at = t->at;
  if (accept_word(p, "use")) {
    item->kind = WIT_ITEM_USE;
    return read_use(p, item);
  }
  if (accept_word(p, "type")) {
    item->kind = WIT_ITEM_TYPE;
    return read_id(p, &item->name, NULL) && expect(p, '=') && read_ty(p, &item->alias) && expect(p, ';');
  }
  static const struct {
    const char *word;
    wit_item_kind kind;
  } compound[] = {{"record", WIT_ITEM_RECORD}, {"variant", WIT_ITEM_VARIANT}, {"enum", WIT_ITEM_ENUM}, {"flags", WIT_ITEM_FLAGS}};
  for (size_t i = 0; i < WR_ARRAY_LEN(compound); i++)
    if (accept_word(p, compound[i].word)) {
      item->kind = compound[i].kind;
      return read_id(p, &item->name, NULL) && read_fields(p, item);
    }
  if (accept_word(p, "resource")) {
    item->kind = WIT_ITEM_RESOURCE;
    if (!read_id(p, &item->name, NULL)) return false;
    if (accept(p, ';')) return true;
    if (!accept(p, '{')) return fail_expected(p, "`;` or `{` after the resource name");
    return read_resource_body(p, item);
  }
  if (t->kind != TOK_ID) return fail_expected(p, "an interface item or `}`");
  item->kind = WIT_ITEM_FUNC;
  if (!read_id(p, &item->name, NULL) || !expect(p, ':')) return false;
  if (is_word(p, peek(p), "static"))
    return wit_fail(p->doc, p->err, peek(p)->at, "`static` functions belong inside a resource");
  return read_functype(p, &item->func) && expect(p, ';');
}

static bool read_interface(parser *p, const char *package, const char *version, wit_interface ***tail) {
  wit_interface *iface = cm_arena_alloc(p->arena, sizeof *iface);
  iface->package = package;
  iface->version = version;
  if (!read_id(p, &iface->name, &iface->at) || !expect(p, '{')) return false;
  wit_item **items = &iface->items;
  while (!accept(p, '}')) {
    if (!skip_gates(p)) return false;
    wit_item *item = cm_arena_alloc(p->arena, sizeof *item);
    if (!read_interface_item(p, item)) return false;
    *items = item;
    items = &item->next;
  }
  **tail = iface;
  *tail = &iface->next;
  return true;
}

/* Worlds describe components, not host interfaces: skipped, braces balanced. */
static bool skip_world(parser *p) {
  size_t at = peek(p)->at;
  const char *name;
  if (!read_id(p, &name, NULL) || !expect(p, '{')) return false;
  for (size_t open = 1; open;) {
    const token *t = peek(p);
    if (t->kind == TOK_END) return wit_fail(p->doc, p->err, at, "world `%s` is not closed by `}`", name);
    if (is_punct(t, '{')) open++;
    if (is_punct(t, '}')) open--;
    advance(p);
  }
  return true;
}

/* `ns:pkg[@version]` after `package` (the nested-namespace form `a:b:c` is kept whole), checked
 * as the prefix of an interface name. */
static bool read_package_name(parser *p, const char **package, const char **version) {
  size_t at = peek(p)->at;
  const char *id;
  WR_VEC(char) text = {0};
  bool ok = read_id(p, &id, NULL);
  unsigned parts = 0;
  while (ok) {
    parts++;
    for (const char *c = id; *c; c++) WR_VEC_PUSH(&text, *c);
    if (!accept(p, ':')) break;
    WR_VEC_PUSH(&text, ':');
    ok = read_id(p, &id, NULL);
  }
  if (ok && parts < 2) ok = wit_fail(p->doc, p->err, at, "a package name is `namespace:name`, found `%s`", id);
  size_t package_len = text.len;
  *version = NULL;
  if (ok && accept(p, '@')) {
    const token *v = peek(p);
    if (v->kind != TOK_NUMBER) {
      ok = fail_expected(p, "a version after `@`");
    } else {
      *version = cm_arena_strndup(p->arena, text_of(p, v), v->len);
      advance(p);
    }
  }
  if (ok) {
    /* valid when "pkg/x@version" is a valid interface name */
    const char *suffix = "/x@";
    for (const char *c = suffix; *c && (*version || *c != '@'); c++) WR_VEC_PUSH(&text, *c);
    for (const char *c = *version ? *version : ""; *c; c++) WR_VEC_PUSH(&text, *c);
    cm_name name;
    const char *why = "";
    if (!cm_name_parse(p->arena, (const uint8_t *)text.items, (uint32_t)text.len, &name, &why))
      ok = wit_fail(p->doc, p->err, at, "invalid package name `%.*s%s%s`: %s", (int)WR_MIN(package_len, 200),
                    text.items, *version ? "@" : "", *version ? *version : "", why);
    *package = cm_arena_strndup(p->arena, text.items, package_len);
  }
  WR_VEC_FREE(&text);
  return ok;
}

/* `use path [as id];` at the top level: names an interface for this document's `use`s. */
static bool read_toplevel_use(parser *p, wit_toplevel_use ***uses) {
  wit_toplevel_use *u = cm_arena_alloc(p->arena, sizeof *u);
  if (!read_path(p, &u->path)) return false;
  if (accept_word(p, "as")) {
    if (!read_id(p, &u->alias, NULL)) return false;
  } else if (!u->path.qualified) {
    return fail_expected(p, "`as` (a top-level `use` of a local interface must rename it)");
  } else {
    /* the alias defaults to the interface's own name: "ns:pkg/iface@v" -> "iface" */
    const char *end = strchr(u->path.name, '@');
    size_t stop = end ? (size_t)(end - u->path.name) : strlen(u->path.name);
    size_t start = stop;
    while (start > 0 && u->path.name[start - 1] != '/') start--;
    u->alias = cm_arena_strndup(p->arena, u->path.name + start, stop - start);
  }
  if (!expect(p, ';')) return false;
  **uses = u;
  *uses = &u->next;
  return true;
}

/* The items of the document, or (nested) of a `package x { ... }` block. The document's own
 * `package x;` may only come first. */
static bool read_items(parser *p, const char *package, const char *version, bool nested, wit_interface ***ifaces,
                       wit_toplevel_use ***uses) {
  for (bool first = !nested;; first = false) {
    if (!skip_gates(p)) return false;
    const token *t = peek(p);
    if (nested ? accept(p, '}') : t->kind == TOK_END) return true;
    if (accept_word(p, "interface")) {
      if (!package)
        return wit_fail(p->doc, p->err, t->at, "interface outside a package: start the document with `package ns:name;`");
      if (!read_interface(p, package, version, ifaces)) return false;
    } else if (accept_word(p, "world")) {
      if (!skip_world(p)) return false;
    } else if (accept_word(p, "use")) {
      if (!read_toplevel_use(p, uses)) return false;
    } else if (!nested && accept_word(p, "package")) {
      const char *name, *ver;
      if (!read_package_name(p, &name, &ver)) return false;
      if (accept(p, '{')) {
        if (!read_items(p, name, ver, true, ifaces, uses)) return false;
      } else if (!is_punct(peek(p), ';')) {
        return fail_expected(p, "`;` or `{` after the package name");
      } else if (!first) {
        return wit_fail(p->doc, p->err, t->at, "a document declares its package once, at the start");
      } else {
        advance(p);
        package = name;
        version = ver;
      }
    } else {
      return fail_expected(p, nested ? "`interface`, `world`, `use` or `}`" : "`package`, `interface`, `world` or `use`");
    }
  }
}

bool wit_parse(cm_arena *scratch, const char *source, const char *text, size_t len, wit_document *doc,
               wr_error *err) {
  memset(doc, 0, sizeof *doc);
  doc->source = source;
  doc->text = text;
  doc->len = len;
  parser p = {.doc = doc, .arena = scratch, .err = err};
  wit_interface **ifaces = &doc->interfaces;
  wit_toplevel_use **uses = &doc->uses;
  bool ok = lex(&p) && read_items(&p, NULL, NULL, false, &ifaces, &uses);
  WR_VEC_FREE(&p.toks);
  return ok;
}
