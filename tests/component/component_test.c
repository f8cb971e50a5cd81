/* Unit tests of the component decoder + validator: malformed binaries built byte by byte,
 * Canonical ABI layouts of value types, function flattening, and truncation / corruption
 * sweeps over small real components (from $WARREN_COMPONENT_CORPUS when set). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "component/component.h"

static int failures;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                     \
    }                                                                 \
  } while (0)

/* ---- a byte builder ---- */
typedef struct bytes {
  uint8_t *data;
  size_t len, cap;
} bytes;

static void put(bytes *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 64;
    b->data = wr_realloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static void put_u8(bytes *b, uint8_t v) { put(b, &v, 1); }
static void put_leb(bytes *b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    put_u8(b, byte | (v ? 0x80 : 0));
  } while (v);
}
static void put_name(bytes *b, const char *s) {
  put_leb(b, strlen(s));
  put(b, s, strlen(s));
}
static void put_preamble(bytes *b) { put(b, "\0asm\x0d\0\x01\0", 8); }
static void put_section(bytes *b, uint8_t id, const bytes *payload) {
  put_u8(b, id);
  put_leb(b, payload->len);
  put(b, payload->data, payload->len);
}

/* Loads; on failure returns NULL with err set. */
static cm_component *load(const bytes *b, wr_error *err) {
  memset(err, 0, sizeof *err);
  return cm_component_load(b->data, b->len, NULL, err);
}

static void expect_error(const bytes *b, const char *fragment, const char *what) {
  wr_error err;
  cm_component *c = load(b, &err);
  if (c) {
    fprintf(stderr, "%s: loaded, expected an error containing '%s'\n", what, fragment);
    failures++;
    cm_component_free(c);
    return;
  }
  if (!strstr(err.message, fragment) || !err.has_offset) {
    fprintf(stderr, "%s: error '%s' (offset %s) does not contain '%s'\n", what, err.message,
            err.has_offset ? "set" : "missing", fragment);
    failures++;
  }
}

static void test_malformed(void) {
  bytes b = {0};
  expect_error(&b, "magic header not detected", "empty");
  put(&b, "\0asm\x01\0\0\0", 8);
  expect_error(&b, "core module, not a component", "core preamble");
  b.len = 0;
  put(&b, "\0asm\x0c\0\x01\0", 8);
  expect_error(&b, "unsupported component binary version 0xc", "old version");

  b.len = 0;
  put_preamble(&b);
  put_u8(&b, 13);
  put_leb(&b, 0);
  expect_error(&b, "malformed section id 13", "section id");

  b.len = 0;
  put_preamble(&b);
  put_u8(&b, 7);
  put_leb(&b, 100);
  put_u8(&b, 0);
  expect_error(&b, "type section size 100 exceeds the 1 bytes left", "section size");

  b.len = 0;
  put_preamble(&b);
  put_u8(&b, 7);
  put_leb(&b, 5);
  put_leb(&b, 0xFFFFFFF); /* a vector length far beyond the bytes left */
  put_u8(&b, 0);
  expect_error(&b, "length 268435455 out of bounds", "vector length");

  b.len = 0;
  put_preamble(&b);
  put_u8(&b, 7);
  put_leb(&b, 3);
  put_leb(&b, 1);
  put_u8(&b, 0x79); /* u32 */
  put_u8(&b, 0x00); /* left over */
  expect_error(&b, "type section size mismatch: 1 bytes left over", "left over");

  /* an invalid core module inside: its error keeps the module's offset, made absolute */
  b.len = 0;
  put_preamble(&b);
  bytes mod = {0};
  put(&mod, "\0asm\x01\0\0\0", 8);
  put_u8(&mod, 0x63); /* bad section id */
  put_section(&b, 1, &mod);
  {
    wr_error err;
    cm_component *c = load(&b, &err);
    CHECK(!c);
    CHECK(strstr(err.message, "in core module 0") != NULL);
    CHECK(err.has_offset && err.offset == 10 + 8);
  }

  /* components nested beyond the depth bound */
  bytes inner = {0};
  put_preamble(&inner);
  for (int i = 0; i < 150; i++) {
    bytes outer = {0};
    put_preamble(&outer);
    put_section(&outer, 4, &inner);
    wr_free(inner.data);
    inner = outer;
  }
  expect_error(&inner, "components nested too deeply", "nested components");
  wr_free(inner.data);

  /* instance types nested beyond the depth bound: (type (instance (type (instance ...)))) */
  bytes ty = {0};
  put_u8(&ty, 0x42);
  put_leb(&ty, 0);
  for (int i = 0; i < 150; i++) {
    bytes wrap = {0};
    put_u8(&wrap, 0x42);
    put_leb(&wrap, 1);
    put_u8(&wrap, 0x01);
    put(&wrap, ty.data, ty.len);
    wr_free(ty.data);
    ty = wrap;
  }
  bytes sec = {0};
  put_leb(&sec, 1);
  put(&sec, ty.data, ty.len);
  b.len = 0;
  put_preamble(&b);
  put_section(&b, 7, &sec);
  expect_error(&b, "types nested too deeply", "nested types");
  wr_free(ty.data);

  /* flags with 33 labels */
  sec.len = 0;
  put_leb(&sec, 1);
  put_u8(&sec, 0x6e);
  put_leb(&sec, 33);
  for (int i = 0; i < 33; i++) {
    char label[16]; /* a letter and any int */
    snprintf(label, sizeof label, "f%d", i);
    put_name(&sec, label);
  }
  b.len = 0;
  put_preamble(&b);
  put_section(&b, 7, &sec);
  expect_error(&b, "flags type has 33 labels", "flags");

  /* own of a value type */
  sec.len = 0;
  put_leb(&sec, 2);
  put_u8(&sec, 0x79);
  put_u8(&sec, 0x69);
  put_leb(&sec, 0);
  b.len = 0;
  put_preamble(&b);
  put_section(&b, 7, &sec);
  expect_error(&b, "own of a type that is not a resource", "own");

  /* a type index past the end */
  sec.len = 0;
  put_leb(&sec, 1);
  put_u8(&sec, 0x70);
  put_leb(&sec, 3);
  b.len = 0;
  put_preamble(&b);
  put_section(&b, 7, &sec);
  expect_error(&b, "unknown type 3 (0 defined)", "type index");

  /* duplicate record fields (strongly unique: case-insensitive) */
  sec.len = 0;
  put_leb(&sec, 1);
  put_u8(&sec, 0x72);
  put_leb(&sec, 2);
  put_name(&sec, "x");
  put_u8(&sec, 0x79);
  put_name(&sec, "X");
  put_u8(&sec, 0x79);
  b.len = 0;
  put_preamble(&b);
  put_section(&b, 7, &sec);
  expect_error(&b, "duplicate field label `X`", "record labels");

  wr_free(sec.data);
  wr_free(mod.data);
  wr_free(b.data);
}

/* ---- layouts ---- */
static void put_record(bytes *b, int n, const uint8_t *types) {
  put_u8(b, 0x72);
  put_leb(b, (uint64_t)n);
  for (int i = 0; i < n; i++) {
    char label[16]; /* a letter and any int */
    snprintf(label, sizeof label, "f%d", i);
    put_name(b, label);
    put_u8(b, types[i]);
  }
}

static void put_variant2(bytes *b, uint8_t t0, uint8_t t1) {
  put_u8(b, 0x71);
  put_leb(b, 2);
  put_name(b, "a");
  put_u8(b, 1);
  put_u8(b, t0);
  put_u8(b, 0);
  put_name(b, "b");
  put_u8(b, 1);
  put_u8(b, t1);
  put_u8(b, 0);
}

static void check_layout(const cm_component *c, uint32_t index, uint32_t size, uint32_t align, const char *flat) {
  const cm_valtype *t = c->space[CM_SORT_TYPE].items[index].u.type->val;
  char have[64] = "";
  if (t->flat_count > CM_MAX_FLAT_PARAMS) snprintf(have, sizeof have, "many");
  else
    for (uint32_t i = 0; i < t->flat_count; i++)
      strcat(have, t->flat[i] == WASM_I32 ? "i" : t->flat[i] == WASM_I64 ? "I" : t->flat[i] == WASM_F32 ? "f" : "F");
  if (t->size != size || t->align != align || strcmp(have, flat)) {
    fprintf(stderr, "type %u: size %u align %u flat %s, expected %u %u %s\n", index, t->size, t->align, have, size, align,
            flat);
    failures++;
  }
}

static void test_layouts(void) {
  bytes sec = {0}, b = {0};
  put_leb(&sec, 10);
  put_record(&sec, 2, (const uint8_t[]){0x7d, 0x79});   /* 0: record { u8, u32 } */
  put_variant2(&sec, 0x76, 0x77);                       /* 1: variant { a(f32), b(u64) } */
  put_u8(&sec, 0x6b);                                   /* 2: option<type 0> */
  put_leb(&sec, 0);
  put_u8(&sec, 0x6a);                                   /* 3: result<string, u8> */
  put_u8(&sec, 1);
  put_u8(&sec, 0x73);
  put_u8(&sec, 1);
  put_u8(&sec, 0x7d);
  put_u8(&sec, 0x6e);                                   /* 4: flags (17 labels) */
  put_leb(&sec, 17);
  for (int i = 0; i < 17; i++) {
    char label[16]; /* a letter and any int */
    snprintf(label, sizeof label, "g%d", i);
    put_name(&sec, label);
  }
  put_u8(&sec, 0x6f);                                   /* 5: tuple<f32, u64> */
  put_leb(&sec, 2);
  put_u8(&sec, 0x76);
  put_u8(&sec, 0x77);
  put_variant2(&sec, 0x76, 0x7a);                       /* 6: variant { a(f32), b(s32) } */
  uint8_t many[20];
  memset(many, 0x79, sizeof many);
  put_record(&sec, 20, many);                           /* 7: 20 u32 fields */
  put_u8(&sec, 0x67);                                   /* 8: list<u16, 3> */
  put_u8(&sec, 0x7b);
  put_leb(&sec, 3);
  put_u8(&sec, 0x6d);                                   /* 9: enum with 300 cases */
  put_leb(&sec, 300);
  for (int i = 0; i < 300; i++) {
    char label[16]; /* a letter and any int */
    snprintf(label, sizeof label, "e%d", i);
    put_name(&sec, label);
  }
  put_preamble(&b);
  put_section(&b, 7, &sec);
  wr_error err;
  cm_component *c = load(&b, &err);
  CHECK(c != NULL);
  if (!c) {
    fprintf(stderr, "layout component: %s\n", err.message);
  } else {
    check_layout(c, 0, 8, 4, "ii");
    check_layout(c, 1, 16, 8, "iI");
    check_layout(c, 2, 12, 4, "iii");
    check_layout(c, 3, 12, 4, "iii");
    check_layout(c, 4, 4, 4, "i");
    check_layout(c, 5, 16, 8, "fI");
    check_layout(c, 6, 8, 4, "ii");
    check_layout(c, 7, 80, 4, "many");
    check_layout(c, 8, 6, 2, "iii");
    check_layout(c, 9, 2, 2, "i");
    const cm_valtype *tuple = c->space[CM_SORT_TYPE].items[5].u.type->val;
    CHECK(tuple->fields[0].offset == 0 && tuple->fields[1].offset == 8);
    const cm_valtype *variant = c->space[CM_SORT_TYPE].items[1].u.type->val;
    CHECK(variant->disc_size == 1 && variant->payload_offset == 8);
    CHECK(c->space[CM_SORT_TYPE].items[9].u.type->val->disc_size == 2);

    /* func(a: record{u8,u32}, s: string) -> string, lifted and lowered */
    cm_field params[2] = {{"a", c->space[CM_SORT_TYPE].items[0].u.type->val, 0}, {"s", cm_valtype_primitive(CM_STRING), 0}};
    cm_functype ft = {2, params, cm_valtype_primitive(CM_STRING), false};
    uint8_t storage[CM_MAX_FLAT_PARAMS + 2];
    wasm_functype flat;
    cm_flatten_functype(&ft, true, false, false, &flat, storage);
    CHECK(flat.nparams == 4 && flat.nresults == 1 && flat.types[4] == WASM_I32);
    cm_flatten_functype(&ft, false, false, false, &flat, storage);
    CHECK(flat.nparams == 5 && flat.nresults == 0);
    /* 20 flattened params spill to one pointer */
    cm_field big = {"r", c->space[CM_SORT_TYPE].items[7].u.type->val, 0};
    cm_functype ft2 = {1, &big, NULL, false};
    cm_flatten_functype(&ft2, true, false, false, &flat, storage);
    CHECK(flat.nparams == 1 && flat.nresults == 0);
    /* async lower: 4 flat params stay, a result adds an out-pointer, the status is returned */
    cm_flatten_functype(&ft, false, true, false, &flat, storage);
    CHECK(flat.nparams == 5 && flat.nresults == 1);
    /* ... and more than 4 spill to a pointer */
    cm_flatten_functype(&ft2, false, true, false, &flat, storage);
    CHECK(flat.nparams == 1 && flat.nresults == 1);
    char text[128];
    cm_valtype_text(c->space[CM_SORT_TYPE].items[3].u.type->val, NULL, NULL, text, sizeof text);
    CHECK(!strcmp(text, "result<string, u8>"));
    cm_component_free(c);
  }
  wr_free(sec.data);
  wr_free(b.data);
}

/* ---- sweeps over real components ---- */
static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = wr_malloc(n > 0 ? (size_t)n : 1);
  *size = fread(data, 1, (size_t)n, f);
  fclose(f);
  return data;
}

static void sweep(const char *dir, const char *name) {
  char path[4096];
  size_t size;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  uint8_t *data = read_file(path, &size);
  if (!data) {
    fprintf(stderr, "cannot read %s\n", path);
    failures++;
    return;
  }
  wr_error err = {0};
  cm_component *c = cm_component_load(data, size, NULL, &err);
  CHECK(c != NULL);
  cm_component_free(c);
  /* a prefix that ends between top-level sections is a smaller valid component; every other
   * prefix is rejected cleanly */
  bool *boundary = wr_calloc(size + 1, 1);
  for (size_t pos = 8; pos < size;) {
    boundary[pos] = true;
    uint64_t len = 0;
    unsigned shift = 0;
    pos++;
    while (pos < size && shift < 35) {
      uint8_t byte = data[pos++];
      len |= (uint64_t)(byte & 0x7f) << shift;
      shift += 7;
      if (!(byte & 0x80)) break;
    }
    pos += len;
  }
  boundary[8] = true;
  for (size_t n = 0; n < size; n++) {
    memset(&err, 0, sizeof err);
    c = cm_component_load(data, n, NULL, &err);
    if (c && boundary[n]) {
      cm_component_free(c);
    } else if (c) {
      fprintf(stderr, "%s: prefix of %zu bytes loaded\n", name, n);
      failures++;
      cm_component_free(c);
    } else if (!err.failed || !err.has_offset) {
      fprintf(stderr, "%s: prefix of %zu bytes: no error offset\n", name, n);
      failures++;
    }
  }
  wr_free(boundary);
  /* every byte changed either still loads or is rejected with a message (never a crash) */
  static const uint8_t flips[] = {0x01, 0x80, 0xff};
  for (size_t i = 8; i < size; i++) {
    for (size_t k = 0; k < sizeof flips; k++) {
      data[i] ^= flips[k];
      memset(&err, 0, sizeof err);
      c = cm_component_load(data, size, NULL, &err);
      if (!c && !err.failed) {
        fprintf(stderr, "%s: byte %zu ^ 0x%02x: failed without a message\n", name, i, flips[k]);
        failures++;
      }
      cm_component_free(c);
      data[i] ^= flips[k];
    }
  }
  wr_free(data);
}

/* map<K, V> (0x63): a list of tuple<K, V> in the Canonical ABI; keys are bool, integers, char
 * or string. */
static void test_maps(void) {
  bytes sec = {0}, b = {0};
  put_leb(&sec, 2);
  put(&sec, "\x63\x73\x79", 3); /* 0: map<string, u32> */
  put(&sec, "\x63\x77\x75", 3); /* 1: map<u64, f64> */
  put_preamble(&b);
  put_section(&b, 7, &sec);
  wr_error err;
  cm_component *c = load(&b, &err);
  CHECK(c != NULL);
  if (!c) {
    fprintf(stderr, "map component: %s\n", err.message);
  } else {
    check_layout(c, 0, 8, 4, "ii");
    check_layout(c, 1, 8, 4, "ii");
    const cm_valtype *m = c->space[CM_SORT_TYPE].items[0].u.type->val;
    CHECK(m->kind == CM_MAP && m->needs_memory && m->elem->kind == CM_TUPLE && m->elem->count == 2);
    CHECK(m->elem->size == 12 && m->elem->align == 4 && m->elem->fields[1].offset == 8);
    const cm_valtype *wide = c->space[CM_SORT_TYPE].items[1].u.type->val;
    CHECK(wide->elem->size == 16 && wide->elem->align == 8 && wide->elem->fields[1].offset == 8);
    char text[64];
    CHECK(!strcmp(cm_valtype_text(m, NULL, NULL, text, sizeof text), "map<string, u32>"));
    CHECK(!strcmp(cm_valtype_text(wide, NULL, NULL, text, sizeof text), "map<u64, f64>"));
    cm_component_free(c);
  }
  wr_free(b.data);
  wr_free(sec.data);

  static const char *const bad_keys[] = {"\x63\x76\x79", "\x63\x64\x79"}; /* f32, error-context */
  for (size_t i = 0; i < 2; i++) {
    bytes bad = {0}, badsec = {0};
    put_leb(&badsec, 1);
    put(&badsec, bad_keys[i], 3);
    put_preamble(&bad);
    put_section(&bad, 7, &badsec);
    expect_error(&bad, "map key type must be a boolean, integer, char or string type", "map<f32|error-context, u32>");
    wr_free(bad.data);
    wr_free(badsec.data);
  }
}

int main(void) {
  test_malformed();
  test_layouts();
  test_maps();
  const char *corpus = getenv("WARREN_COMPONENT_CORPUS");
  if (corpus) {
    sweep(corpus, "wat/add.wasm");
    sweep(corpus, "wat/strings.wasm");
    sweep(corpus, "wat/http-hello.wasm");
  }
  if (failures) {
    fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  printf("component tests passed\n");
  return 0;
}
