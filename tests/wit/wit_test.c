/* Unit tests of the WIT parser (cm_wit) and the host registry (cm_host): every construct with
 * its resolved types and Canonical ABI layouts, errors with their line:col, and semver-
 * compatible interface lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/host.h"
#include "component/names.h"
#include "component/wit.h"

static int failures;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
      failures++;                                                                \
    }                                                                            \
  } while (0)

static bool add(cm_wit *wit, const char *text, wr_error *err) {
  memset(err, 0, sizeof *err);
  bool ok = cm_wit_add(wit, "t.wit", text, strlen(text), err);
  if (!ok) fprintf(stderr, "(wit error: %s)\n", err->message);
  return ok;
}

static const cm_extern *export_of(const cm_type *iface, const char *name) {
  const cm_extern *e = iface ? cm_type_export(iface, name) : NULL;
  if (!e) fprintf(stderr, "no export `%s`\n", name);
  return e;
}

static const cm_valtype *value_export(const cm_type *iface, const char *name) {
  const cm_extern *e = export_of(iface, name);
  if (!e || e->sort != CM_SORT_TYPE || e->type->kind != CM_TYPE_VALUE) return NULL;
  return e->type->val;
}

static const cm_functype *func_export(const cm_type *iface, const char *name) {
  const cm_extern *e = export_of(iface, name);
  if (!e || e->sort != CM_SORT_FUNC || e->type->kind != CM_TYPE_FUNC) return NULL;
  return &e->type->func;
}

/* "i32 i64 f32" of a flattened value */
static const char *flat_text(const cm_valtype *t, char *buf) {
  buf[0] = 0;
  for (uint32_t i = 0; i < t->flat_count && i < CM_MAX_FLAT_PARAMS; i++) {
    if (i) strcat(buf, " ");
    strcat(buf, t->flat[i] == WASM_I32 ? "i32" : t->flat[i] == WASM_I64 ? "i64" : t->flat[i] == WASM_F32 ? "f32" : "f64");
  }
  return buf;
}

static void check_layout(const cm_valtype *t, uint32_t size, uint32_t align, const char *flat, const char *what) {
  char buf[256];
  if (t) flat_text(t, buf);
  if (!t) {
    fprintf(stderr, "%s: missing\n", what);
    failures++;
    return;
  }
  if (t->size != size || t->align != align || strcmp(buf, flat)) {
    fprintf(stderr, "%s: size %u align %u flat [%s], expected %u %u [%s]\n", what, t->size, t->align, buf, size, align,
            flat);
    failures++;
  }
}

static const char *all_constructs =
    "// a line comment\n"
    "/* a block /* nested */ comment */\n"
    "package test:all@1.2.3;\n"
    "@since(version = 1.0.0)\n"
    "interface types {\n"
    "  /// documentation\n"
    "  type alias = u32;\n"
    "  type alias2 = alias;\n"
    "  type later = defined-below;\n"
    "  record defined-below { v: alias2 }\n"
    "  record point { x: s32, y: s32, }\n"
    "  record mixed { a: u8, b: u64, c: string, d: option<u16> }\n"
    "  variant shape { circle(f32), square(point), none }\n"
    "  enum color { red, green, blue }\n"
    "  flags perms { read, write, exec }\n"
    "  @unstable(feature = blobs)\n"
    "  resource blob {\n"
    "    constructor(init: list<u8>);\n"
    "    write: func(bytes: list<u8>);\n"
    "    read: func(n: u32) -> list<u8>;\n"
    "    merge: static func(lhs: borrow<blob>, rhs: borrow<blob>) -> blob;\n"
    "    @deprecated(version = 1.2.0) wait: async func();\n"
    "  }\n"
    "  resource file;\n"
    "  type handle = file;\n"
    "  open: func(name: string) -> result<file, color>;\n"
    "  tup: func(t: tuple<u8, string, tuple<f64, char>>) -> tuple<u8, u64,>;\n"
    "  fixed: func() -> list<u8, 4>;\n"
    "  streams: async func(x: stream<u8>, f: future) -> future<string>;\n"
    "  results: func(a: result, b: result<_, string>, c: result<u64>) -> result<u8, u32>;\n"
    "  handles: func(a: own<file>, b: borrow<file>, c: file, d: handle, e: borrow<handle>);\n"
    "  %type: func(%record: u8) -> error-context;\n"
    "  many: func(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64,\n"
    "             i: u64, j: u64, k: u64, l: u64, m: u64, n: u64, o: u64, p: u64, q: u64);\n"
    "}\n"
    "world w { import user; export types; include other:pkg/w { a as b }; }\n"
    "interface user {\n"
    "  use types.{point, blob as b, alias, color};\n"
    "  make: func(p: point) -> b;\n"
    "}\n";

static void test_constructs(void) {
  cm_arena *arena = cm_arena_new();
  cm_wit *wit = cm_wit_new(arena);
  wr_error err;
  CHECK(add(wit, all_constructs, &err));
  const cm_type *types = cm_wit_interface(wit, "test:all/types@1.2.3");
  const cm_type *user = cm_wit_interface(wit, "test:all/user@1.2.3");
  CHECK(types && types->kind == CM_TYPE_INSTANCE);
  CHECK(user && user->kind == CM_TYPE_INSTANCE);
  CHECK(!cm_wit_interface(wit, "test:all/w@1.2.3"));
  const char *name;
  const cm_type *type;
  CHECK(cm_wit_interface_at(wit, 0, &name, &type) && !strcmp(name, "test:all/types@1.2.3") && type == types);
  CHECK(cm_wit_interface_at(wit, 1, &name, &type) && !strcmp(name, "test:all/user@1.2.3") && type == user);
  CHECK(!cm_wit_interface_at(wit, 2, &name, &type));
  if (!types || !user) goto done;

  /* aliases resolve to the node they name */
  CHECK(value_export(types, "alias") == cm_valtype_primitive(CM_U32));
  CHECK(value_export(types, "alias2") == cm_valtype_primitive(CM_U32));
  CHECK(value_export(types, "later") == value_export(types, "defined-below"));
  CHECK(value_export(types, "defined-below")->fields[0].type == cm_valtype_primitive(CM_U32));

  const cm_valtype *point = value_export(types, "point");
  check_layout(point, 8, 4, "i32 i32", "point");
  CHECK(point && point->kind == CM_RECORD && point->count == 2 && !strcmp(point->fields[1].name, "y") &&
        point->fields[1].offset == 4);
  const cm_valtype *mixed = value_export(types, "mixed");
  check_layout(mixed, 32, 8, "i32 i64 i32 i32 i32 i32", "mixed");
  CHECK(mixed && mixed->fields[1].offset == 8 && mixed->fields[2].offset == 16 && mixed->fields[3].offset == 24);
  const cm_valtype *shape = value_export(types, "shape");
  check_layout(shape, 12, 4, "i32 i32 i32", "shape");
  CHECK(shape && shape->kind == CM_VARIANT && shape->count == 3 && shape->fields[1].type == point &&
        !shape->fields[2].type && shape->payload_offset == 4 && shape->disc_size == 1);
  check_layout(value_export(types, "color"), 1, 1, "i32", "color");
  CHECK(value_export(types, "color")->kind == CM_ENUM);
  check_layout(value_export(types, "perms"), 1, 1, "i32", "perms");
  CHECK(value_export(types, "perms")->kind == CM_FLAGS && value_export(types, "perms")->count == 3);

  /* resources and their functions, with names as the decoder parses them */
  const cm_extern *blob = export_of(types, "blob");
  CHECK(blob && blob->sort == CM_SORT_TYPE && blob->type->kind == CM_TYPE_RESOURCE && !blob->type->resource.defined);
  const cm_extern *ctor = export_of(types, "[constructor]blob");
  CHECK(ctor && ctor->name.kind == CM_NAME_CONSTRUCTOR && ctor->name.resource_len == 4 &&
        !strncmp(ctor->name.text + ctor->name.resource_off, "blob", 4));
  const cm_functype *f = func_export(types, "[constructor]blob");
  CHECK(f && f->nparams == 1 && f->params[0].type->kind == CM_LIST && f->result->kind == CM_OWN &&
        f->result->resource == blob->type);
  const cm_extern *write = export_of(types, "[method]blob.write");
  CHECK(write && write->name.kind == CM_NAME_METHOD && write->name.resource_len == 4);
  f = func_export(types, "[method]blob.write");
  CHECK(f && f->nparams == 2 && !strcmp(f->params[0].name, "self") && f->params[0].type->kind == CM_BORROW &&
        f->params[0].type->resource == blob->type && !f->result);
  f = func_export(types, "[method]blob.read");
  CHECK(f && f->nparams == 2 && f->result->kind == CM_LIST && f->result->elem == cm_valtype_primitive(CM_U8));
  f = func_export(types, "[static]blob.merge");
  CHECK(f && f->nparams == 2 && !strcmp(f->params[0].name, "lhs") && f->params[0].type->kind == CM_BORROW &&
        f->result->kind == CM_OWN);
  CHECK(export_of(types, "[static]blob.merge")->name.kind == CM_NAME_STATIC);
  f = func_export(types, "[method]blob.wait");
  CHECK(f && f->async && f->nparams == 1);

  const cm_extern *file = export_of(types, "file");
  CHECK(file && file->type->kind == CM_TYPE_RESOURCE && file->type != blob->type);
  CHECK(export_of(types, "handle")->type == file->type); /* an alias of a resource is that resource */
  f = func_export(types, "open");
  CHECK(f && f->result->kind == CM_RESULT && f->result->elem->kind == CM_OWN &&
        f->result->elem->resource == file->type && f->result->err == value_export(types, "color"));
  check_layout(f->result, 8, 4, "i32 i32", "result<file, color>");
  f = func_export(types, "handles");
  CHECK(f && f->nparams == 5 && f->params[0].type == f->params[2].type && f->params[2].type == f->params[3].type &&
        f->params[1].type == f->params[4].type && f->params[1].type->kind == CM_BORROW &&
        f->params[1].type->resource == file->type && f->params[1].type->has_borrow);

  f = func_export(types, "tup");
  const cm_valtype *tup = f ? f->params[0].type : NULL;
  check_layout(tup, 32, 8, "i32 i32 i32 f64 i32", "tuple<u8, string, tuple<f64, char>>");
  CHECK(tup && tup->kind == CM_TUPLE && tup->count == 3 && tup->fields[1].offset == 4 && tup->fields[2].offset == 16);
  check_layout(f ? f->result : NULL, 16, 8, "i32 i64", "tuple<u8, u64>");
  f = func_export(types, "fixed");
  check_layout(f ? f->result : NULL, 4, 1, "i32 i32 i32 i32", "list<u8, 4>");
  CHECK(f && f->result->kind == CM_FIXED_LIST && f->result->count == 4);
  f = func_export(types, "streams");
  CHECK(f && f->async && f->params[0].type->kind == CM_STREAM && f->params[0].type->elem == cm_valtype_primitive(CM_U8) &&
        f->params[1].type->kind == CM_FUTURE && !f->params[1].type->elem && f->result->kind == CM_FUTURE);
  f = func_export(types, "results");
  CHECK(f && !f->params[0].type->elem && !f->params[0].type->err && !f->params[1].type->elem &&
        f->params[1].type->err == cm_valtype_primitive(CM_STRING) && f->params[2].type->elem == cm_valtype_primitive(CM_U64) &&
        !f->params[2].type->err);
  check_layout(f ? f->params[1].type : NULL, 12, 4, "i32 i32 i32", "result<_, string>");
  f = func_export(types, "type");
  CHECK(f && !strcmp(f->params[0].name, "record") && f->result == cm_valtype_primitive(CM_ERROR_CONTEXT));

  /* flattening: 17 u64 spill to memory, a list result goes through a return pointer */
  wasm_functype core;
  uint8_t storage[CM_MAX_FLAT_PARAMS + 2];
  f = func_export(types, "many");
  if (f) {
    cm_flatten_functype(f, false, false, false, &core, storage);
    CHECK(core.nparams == 1 && core.types[0] == WASM_I32 && core.nresults == 0);
  }
  f = func_export(types, "[method]blob.read");
  if (f) {
    cm_flatten_functype(f, false, false, false, &core, storage);
    CHECK(core.nparams == 3 && core.nresults == 0); /* self, n, return pointer */
    cm_flatten_functype(f, true, false, false, &core, storage);
    CHECK(core.nparams == 2 && core.nresults == 1);
  }

  /* `use` shares the very types of the home interface */
  CHECK(export_of(user, "point")->type == export_of(types, "point")->type);
  CHECK(export_of(user, "b")->type == blob->type);
  CHECK(export_of(user, "alias")->sort == CM_SORT_TYPE && value_export(user, "alias") == cm_valtype_primitive(CM_U32));
  f = func_export(user, "make");
  CHECK(f && f->params[0].type == point && f->result->kind == CM_OWN && f->result->resource == blob->type);
  CHECK(user->nexports == 5);

  /* a later document uses both by full name, an alias and the unversioned short form */
  CHECK(add(wit,
            "package test:more;\n"
            "use test:all/types@1.2.3 as t;\n"
            "use test:all/user;\n"
            "interface more { use t.{file}; use user.{b}; use test:all/types.{shape}; f: func(x: file, y: b, z: shape); }\n",
            &err));
  const cm_type *more = cm_wit_interface(wit, "test:more/more");
  CHECK(more && export_of(more, "file")->type == file->type && export_of(more, "b")->type == blob->type &&
        value_export(more, "shape") == shape);

  /* nested package blocks */
  CHECK(add(wit, "package a:one { interface x { type t = u8; } }\npackage a:two@2.0.0 { interface y { use a:one/x.{t}; } }", &err));
  CHECK(cm_wit_interface(wit, "a:one/x") && cm_wit_interface(wit, "a:two/y@2.0.0"));
done:
  cm_wit_free(wit);
  cm_arena_free(arena);
}

/* ---- errors ---- */
typedef struct bad_case {
  const char *text;
  const char *message; /* the start of the error message: "t.wit:line:col: ..." */
} bad_case;

static const bad_case bad_cases[] = {
    {"package a:b;\ninterface i {\n  f: func()\n}\n", "t.wit:4:1: expected `;`, found `}`"},
    {"package a:b;\ninterface i {\n  f: func(x: nope);\n}\n", "t.wit:3:14: unknown type `nope` in interface `i`"},
    {"package a:b;\ninterface i {\n  record r { type: u8 }\n}\n", "t.wit:3:14: `type` is a keyword: write `%type`"},
    {"package a:b;\ninterface i {\n  f: func() -> (a: u32, b: u32);\n}\n", "t.wit:3:16: named or multiple function results are no longer part of WIT"},
    {"package a:b;\ninterface i {\n  type a = b;\n  type b = a;\n}\n", "t.wit:3:3: type `a` refers to itself"},
    {"package a:b;\ninterface i {\n  record a { b: b }\n  record b { a: option<a> }\n}\n", "t.wit:3:3: type `a` refers to itself"},
    {"package a:b;\ninterface i {\n  type a = u8;\n  type a = u16;\n}\n", "t.wit:4:3: `a` is defined twice in interface `i`"},
    {"package a:b;\ninterface i {\n  type a = u8;\n  a: func();\n}\n", "t.wit:4:3: `a` is defined twice in interface `i`"},
    {"package a:b;\ninterface i {\n  record r { a: u8, A: u8 }\n}\n", "t.wit:3:21: field `A` is defined twice in record `r`"},
    {"package a:b;\ninterface i {\n  resource r { f: func(); f: static func(); }\n}\n", "t.wit:3:27: `[static]r.f` is defined twice"},
    {"package a:b;\ninterface i {\n  resource r { f: func(self: u8); }\n}\n", "t.wit:3:24: parameter `self` is defined twice (methods take `self` implicitly)"},
    {"package a:b;\n/* not closed\ninterface i {}\n", "t.wit:2:1: unterminated block comment"},
    {"package a:b;\ninterface i {\n  record r { a: u8 }\n  f: func(x: borrow<r>);\n}\n", "t.wit:4:14: `r` is not a resource, so it has no borrow handle"},
    {"package a:b;\ninterface i {\n  resource r;\n  f: func() -> option<borrow<r>>;\n}\n", "t.wit:4:16: function results may not contain a borrow"},
    {"package a:b;\ninterface i {\n  use wasi:io/streams@0.2.0.{x};\n}\n", "t.wit:3:7: unknown interface `wasi:io/streams@0.2.0`"},
    {"package a:b;\ninterface i {\n  use j.{x};\n}\ninterface j {\n  type y = u8;\n}\n", "t.wit:3:10: interface `j` has no type `x`"},
    {"package a:b;\ninterface i { use j.{y}; type x = u8; }\ninterface j { use i.{x}; type y = u8; }\n", "t.wit:2:11: interface `i` is part of a `use` cycle"},
    {"package a:b;\ninterface i {\n  record r {}\n}\n", "t.wit:3:3: record `r` needs at least one field"},
    {"package a:b;\ninterface i {\n  flags f { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9,"
     " c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, d0, d1, d2 }\n}\n", "t.wit:3:3: flags `f` has 33 flags (at most 32)"},
    {"package a:b;\ninterface i {\n  type m = map<string, u8>;\n}\n", "t.wit:3:12: map types are not supported"},
    {"interface i {}\n", "t.wit:1:1: interface outside a package"},
    {"package a:b;\ninterface i {\n  type \xc3\xa9 = u8;\n}\n", "t.wit:3:8: unexpected byte 0xc3"},
    {"package a:b;\ninterface i {\n  type Foo-bar = u8;\n}\n", "t.wit:3:8: invalid identifier `Foo-bar`"},
    {"package a:b;\ninterface i {\n  type s = stream<char>;\n}\n", "t.wit:3:12: stream<char> is not allowed"},
    {"package a:b;\ninterface i {\n  resource r { constructor() -> u32; }\n}\n", "t.wit:3:33: a constructor returns its resource"},
    {"package a:b;\ninterface i {}\ninterface i {}\n", "t.wit:3:11: interface `a:b/i` is defined twice"},
    {"package a:b;\ninterface i {\n  type l = list<u8, 0>;\n}\n", "t.wit:3:21: expected a list length"},
    {"package a:b;\ninterface i {\n  type l = list<list<u64, 65536>, 65536>;\n}\n", "t.wit:3:12: type is too large"},
    {"package a:b;\ninterface i {\n  f: static func();\n}\n", "t.wit:3:6: `static` functions belong inside a resource"},
    {"package a:b@1.0;\n", "t.wit:1:9: invalid package name"},
    {"package a;\n", "t.wit:1:9: a package name is `namespace:name`"},
    {"package a:b;\npackage c:d;\n", "t.wit:2:1: a document declares its package once"},
    {"package a:b;\ninterface i {\n  type t = result<_>;\n}\n", "t.wit:3:20: expected `,` and an error type"},
    {"package a:b;\nworld w {\n  import x;\n", "t.wit:2:7: world `w` is not closed"},
    {"package a:b;\ninterface i {\n  @since(version = 1.0.0\n  f: func();\n}\n", "t.wit:4:10: expected `)` closing the gate"},
    {"package a:b;\ninterface i {\n  f: func(a: u8 b: u8);\n}\n", "t.wit:3:17: expected `,` or `)` after a parameter"},
    {"package a:b;\ninterface i {\n  type t = u8\n}\n", "t.wit:4:1: expected `;`, found `}`"},
    {"package a:b;\ninterface i {\n  type t = u8;\n", "t.wit:4:1: expected an interface item or `}`, found end of input"},
    {"package a:b;\ninterface j { f: func(); }\ninterface i { use j.{f}; }\n", "t.wit:3:22: interface `j` has no type `f`"},
};

static void test_errors(void) {
  for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
    cm_arena *arena = cm_arena_new();
    cm_wit *wit = cm_wit_new(arena);
    wr_error err = {0};
    bool ok = cm_wit_add(wit, "t.wit", bad_cases[i].text, strlen(bad_cases[i].text), &err);
    if (ok || strncmp(err.message, bad_cases[i].message, strlen(bad_cases[i].message))) {
      fprintf(stderr, "bad case %zu: expected \"%s...\", got %s\"%s\"\n", i, bad_cases[i].message, ok ? "success " : "",
              err.message);
      failures++;
    }
    CHECK(!cm_wit_interface_at(wit, 0, &(const char *){NULL}, &(const cm_type *){NULL}));
    cm_wit_free(wit);
    cm_arena_free(arena);
  }
}

/* A document that fails after its first interface adds nothing; nesting is bounded. */
static void test_robustness(void) {
  cm_arena *arena = cm_arena_new();
  cm_wit *wit = cm_wit_new(arena);
  wr_error err = {0};
  const char *half = "package a:b;\ninterface good { type t = u8; }\ninterface bad { f: func(x: nope); }\n";
  CHECK(!cm_wit_add(wit, "t.wit", half, strlen(half), &err));
  CHECK(!cm_wit_interface(wit, "a:b/good"));
  /* the same names can be added once the document is right */
  const char *fixed = "package a:b;\ninterface good { type t = u8; }\ninterface bad { f: func(x: u8); }\n";
  CHECK(cm_wit_add(wit, "t.wit", fixed, strlen(fixed), &err));
  CHECK(cm_wit_interface(wit, "a:b/good") && cm_wit_interface(wit, "a:b/bad"));
  CHECK(!cm_wit_add(wit, "t.wit", fixed, strlen(fixed), &err) && strstr(err.message, "was already added"));

  /* an unversioned path names the only version there is */
  const char *v1 = "package x:y@1.0.0;\ninterface z { type t = u8; }\n";
  const char *v2 = "package x:y@2.0.0;\ninterface z { type t = u16; }\n";
  const char *user = "package x:user;\ninterface u {\n  use x:y/z.{t};\n}\n";
  CHECK(cm_wit_add(wit, "t.wit", v1, strlen(v1), &err) && cm_wit_add(wit, "t.wit", user, strlen(user), &err));
  CHECK(cm_type_export(cm_wit_interface(wit, "x:user/u"), "t")->type->val == cm_valtype_primitive(CM_U8));
  CHECK(cm_wit_add(wit, "t.wit", v2, strlen(v2), &err));
  const char *user2 = "package x:user2;\ninterface u {\n  use x:y/z.{t};\n}\n";
  CHECK(!cm_wit_add(wit, "t.wit", user2, strlen(user2), &err) &&
        !strcmp(err.message, "t.wit:3:7: `x:y/z` is ambiguous (several versions exist): give the version"));

  /* deep type nesting and long alias chains are errors, not stack overflows */
  char deep[4096] = "package a:c;\ninterface i { type t = ";
  for (int i = 0; i < 200; i++) strcat(deep, "list<");
  strcat(deep, "u8");
  for (int i = 0; i < 200; i++) strcat(deep, ">");
  strcat(deep, "; }");
  CHECK(!cm_wit_add(wit, "t.wit", deep, strlen(deep), &err) && strstr(err.message, "nested too deeply"));
  static char chain[64 * 1024];
  strcpy(chain, "package a:d;\ninterface i {\n");
  for (int i = 0; i < 1000; i++) snprintf(chain + strlen(chain), sizeof chain - strlen(chain), "type t%d = t%d;\n", i, i + 1);
  strcat(chain, "type t1000 = u8;\n}\n");
  CHECK(!cm_wit_add(wit, "t.wit", chain, strlen(chain), &err) && strstr(err.message, "too deeply"));
  /* input with NUL bytes and truncations of a real document never crash */
  CHECK(!cm_wit_add(wit, "t.wit", "package a:e;\0", 13, &err));
  size_t len = strlen(all_constructs);
  for (size_t cut = 0; cut < len; cut++) {
    cm_arena *scratch = cm_arena_new();
    cm_wit *w = cm_wit_new(scratch);
    cm_wit_add(w, "t.wit", all_constructs, cut, &err);
    cm_wit_free(w);
    cm_arena_free(scratch);
  }
  cm_wit_free(wit);
  cm_arena_free(arena);
}

/* ---- host registry ---- */
static wasm_trap *impl_a(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  (void)env, (void)cx, (void)args, (void)result;
  return NULL;
}

static wasm_trap *dtor_a(void *env, wasm_store *store, uint32_t rep) {
  (void)env, (void)store, (void)rep;
  return NULL;
}

static const char *find(cm_host *host, cm_arena *arena, const char *import) {
  cm_name name;
  const char *why;
  if (!cm_name_parse(arena, (const uint8_t *)import, (uint32_t)strlen(import), &name, &why)) return "(bad name)";
  const cm_host_interface *iface = cm_host_find(host, &name);
  return iface ? cm_host_interface_name(iface) : NULL;
}

static bool same(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static void test_host(void) {
  cm_host *host = cm_host_new();
  cm_arena *names = cm_arena_new();
  wr_error err = {0};
  static const char *const versions[] = {"0.2.0", "0.2.3", "0.3.0", "1.0.0", "1.2.0", "0.0.1", "1.0.0-rc.1"};
  for (size_t i = 0; i < sizeof versions / sizeof *versions; i++) {
    char text[256];
    snprintf(text, sizeof text,
             "package t:%s@%s;\ninterface i {\n  resource r { get: func() -> u32; }\n  f: func(x: r);\n}\n"
             "interface j { use i.{r}; g: func() -> r; }\n",
             i == 5 ? "w" : i == 6 ? "z" : "x", versions[i]);
    CHECK(cm_host_add_wit(host, "t.wit", text, strlen(text), &err));
  }
  const char *plain = "package t:y;\ninterface i { f: func(); }\n";
  CHECK(cm_host_add_wit(host, "t.wit", plain, strlen(plain), &err));

  /* semver: same major (or 0.x minor, 0.0.x patch), the highest compatible wins */
  CHECK(same(find(host, names, "t:x/i@0.2.0"), "t:x/i@0.2.3"));
  CHECK(same(find(host, names, "t:x/i@0.2.9"), "t:x/i@0.2.3"));
  CHECK(same(find(host, names, "t:x/i@0.2"), "t:x/i@0.2.3"));
  CHECK(same(find(host, names, "t:x/j@0.2.1"), "t:x/j@0.2.3"));
  CHECK(same(find(host, names, "t:x/i@0.3.7"), "t:x/i@0.3.0"));
  CHECK(same(find(host, names, "t:x/i@0.4.0"), NULL));
  CHECK(same(find(host, names, "t:x/i@0.1.0"), NULL));
  CHECK(same(find(host, names, "t:x/i@1.5.0"), "t:x/i@1.2.0"));
  CHECK(same(find(host, names, "t:x/i@1.0.0"), "t:x/i@1.2.0"));
  CHECK(same(find(host, names, "t:x/i@2.0.0"), NULL));
  CHECK(same(find(host, names, "t:x/i"), NULL));
  CHECK(same(find(host, names, "t:x/k@0.2.0"), NULL));
  CHECK(same(find(host, names, "t:w/i@0.0.1"), "t:w/i@0.0.1"));
  CHECK(same(find(host, names, "t:w/i@0.0.2"), NULL));
  CHECK(same(find(host, names, "t:z/i@1.0.0-rc.1"), "t:z/i@1.0.0-rc.1"));
  CHECK(same(find(host, names, "t:z/i@1.0.0"), NULL));
  CHECK(same(find(host, names, "t:y/i"), "t:y/i"));
  CHECK(same(find(host, names, "t:y/i@1.0.0"), NULL));
  CHECK(same(find(host, names, "t:y/j"), NULL));
  CHECK(same(find(host, names, "f"), NULL));

  /* functions: defined on the exact interface, found through the bound one */
  CHECK(cm_host_define_func(host, "t:x/i@0.2.3", "f", impl_a, (void *)1));
  CHECK(cm_host_define_func(host, "t:x/i@0.2.3", "[method]r.get", impl_a, (void *)2));
  CHECK(!cm_host_define_func(host, "t:x/i@0.2.3", "g", impl_a, NULL));
  CHECK(!cm_host_define_func(host, "t:x/i@0.2.3", "r", impl_a, NULL)); /* a type, not a func */
  CHECK(!cm_host_define_func(host, "t:x/i@0.2", "f", impl_a, NULL));   /* exact names only */
  cm_name name;
  const char *why;
  CHECK(cm_name_parse(names, (const uint8_t *)"t:x/i@0.2.1", 11, &name, &why));
  const cm_host_interface *iface = cm_host_find(host, &name);
  cm_host_impl impl = NULL;
  void *env = NULL;
  CHECK(iface && cm_host_interface_func(iface, "[method]r.get", &impl, &env) && impl == impl_a && env == (void *)2);
  CHECK(iface && cm_host_interface_func(iface, "f", &impl, &env) && env == (void *)1);
  CHECK(iface && !cm_host_interface_func(iface, "r", &impl, &env));
  CHECK(iface && cm_host_interface_type(iface)->kind == CM_TYPE_INSTANCE);
  CHECK(cm_name_parse(names, (const uint8_t *)"t:x/i@0.2.0", 11, &name, &why));
  iface = cm_host_find(host, &name);
  CHECK(iface && same(cm_host_interface_name(iface), "t:x/i@0.2.3"));

  /* resources: one object through every `use`; destructors by resource */
  const cm_type *r = cm_host_resource(host, "t:x/i@0.2.3", "r");
  CHECK(r && r->kind == CM_TYPE_RESOURCE);
  CHECK(r == cm_host_resource(host, "t:x/j@0.2.3", "r"));
  CHECK(r != cm_host_resource(host, "t:x/i@0.2.0", "r"));
  CHECK(!cm_host_resource(host, "t:x/i@0.2.3", "f"));
  CHECK(!cm_host_resource(host, "t:x/i@0.2.3", "nope"));
  cm_host_dtor dtor = NULL;
  CHECK(!cm_host_dtor_of(host, r, &dtor, &env));
  cm_host_define_dtor(host, r, dtor_a, (void *)3);
  CHECK(cm_host_dtor_of(host, r, &dtor, &env) && dtor == dtor_a && env == (void *)3);
  cm_host_define_dtor(host, r, dtor_a, (void *)4);
  CHECK(cm_host_dtor_of(host, r, &dtor, &env) && env == (void *)4);
  /* many resources: the table grows and keeps every entry */
  char text[64 * 1024] = "package t:many;\ninterface i {\n";
  for (int i = 0; i < 100; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "resource r%d;\n", i);
  strcat(text, "}\n");
  CHECK(cm_host_add_wit(host, "many.wit", text, strlen(text), &err));
  for (int i = 0; i < 100; i++) {
    char label[16];
    snprintf(label, sizeof label, "r%d", i);
    cm_host_define_dtor(host, cm_host_resource(host, "t:many/i", label), dtor_a, (void *)(intptr_t)i);
  }
  bool all = true;
  for (int i = 0; i < 100; i++) {
    char label[16];
    snprintf(label, sizeof label, "r%d", i);
    all &= cm_host_dtor_of(host, cm_host_resource(host, "t:many/i", label), &dtor, &env) && env == (void *)(intptr_t)i;
  }
  CHECK(all);
  CHECK(cm_host_dtor_of(host, r, &dtor, &env) && env == (void *)4);

  /* a WIT error adds nothing and says where */
  const char *bad = "package t:bad;\ninterface i { f: func(x: nope); }\n";
  CHECK(!cm_host_add_wit(host, "bad.wit", bad, strlen(bad), &err));
  CHECK(!strncmp(err.message, "bad.wit:2:26: unknown type `nope`", 33));
  if (strncmp(err.message, "bad.wit:2:26: unknown type `nope`", 33)) fprintf(stderr, "got: %s\n", err.message);
  CHECK(same(find(host, names, "t:bad/i"), NULL));
  cm_arena_free(names);
  cm_host_free(host);
}

/* The fuzzer's seed documents (tests/wit/seeds) are valid WIT. */
static void test_seeds(const char *dir) {
  static const char *const files[] = {"constructs.wit", "nested.wit"};
  cm_arena *arena = cm_arena_new();
  cm_wit *wit = cm_wit_new(arena);
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    FILE *f = fopen(path, "rb");
    static char text[64 * 1024];
    size_t len = f ? fread(text, 1, sizeof text, f) : 0;
    if (f) fclose(f);
    wr_error err = {0};
    if (!f || !cm_wit_add(wit, path, text, len, &err)) {
      fprintf(stderr, "seed %s: %s\n", path, f ? err.message : "cannot be read");
      failures++;
    }
  }
  cm_wit_free(wit);
  cm_arena_free(arena);
}

int main(int argc, char **argv) {
  if (argc > 1) test_seeds(argv[1]);
  test_constructs();
  test_errors();
  test_robustness();
  test_host();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("wit: all checks passed\n");
  return 0;
}
