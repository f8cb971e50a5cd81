/* libFuzzer target: WAVE parsing (src/component/wave.c) of a call `name(args)` against the
 * signatures of tests/component_values/values.wat (so its .cases lines are the seeds). Any
 * input must parse or fail with a message and an offset inside the input; whatever parses
 * must print as text that parses back to an equal value. See wave.cmake. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/wave.h"

#define require(condition)                                                            \
  do {                                                                                \
    if (!(condition)) {                                                               \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      abort();                                                                        \
    }                                                                                 \
  } while (0)

/* ---- the value types of values.wat, built once ---- */
static cm_valtype nodes[64];
static cm_field fields[160];
static size_t nnodes, nfields;

static cm_valtype *node(cm_valkind kind) {
  require(nnodes < WR_ARRAY_LEN(nodes));
  cm_valtype *t = &nodes[nnodes++];
  t->kind = kind;
  return t;
}

static const cm_valtype *prim(cm_valkind kind) { return node(kind); }

static const cm_valtype *wrap(cm_valkind kind, const cm_valtype *elem, const cm_valtype *err) {
  cm_valtype *t = node(kind);
  t->elem = elem;
  t->err = err;
  return t;
}

/* record / variant / tuple / enum / flags from NULL-terminated names (NULL names: a tuple) and
 * the types (NULL: none) */
static const cm_valtype *with_fields(cm_valkind kind, uint32_t count, const char *const *names,
                                     const cm_valtype *const *types) {
  require(nfields + count <= WR_ARRAY_LEN(fields));
  cm_valtype *t = node(kind);
  t->count = count;
  t->fields = &fields[nfields];
  for (uint32_t i = 0; i < count; i++)
    fields[nfields++] = (cm_field){.name = names ? names[i] : NULL, .type = types ? types[i] : NULL};
  return t;
}

typedef struct signature {
  const char *name;
  const cm_valtype *type;
} signature;

static signature sigs[48];
static size_t nsigs;
static const signature *string_sig; /* for names no signature has */

static void sig(const char *name, const cm_valtype *type) {
  require(nsigs < WR_ARRAY_LEN(sigs));
  sigs[nsigs++] = (signature){name, type};
}

static const char *const flag_names[32] = {"b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10",
                                           "b11", "b12", "b13", "b14", "b15", "b16", "b17", "b18", "b19", "b20", "b21",
                                           "b22", "b23", "b24", "b25", "b26", "b27", "b28", "b29", "b30", "b31"};
static const char *const f12_names[12] = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11"};

static void build_signatures(void) {
  const cm_valtype *u8 = prim(CM_U8), *u32 = prim(CM_U32), *u64 = prim(CM_U64), *f32 = prim(CM_F32);
  const cm_valtype *f64 = prim(CM_F64), *str = prim(CM_STRING), *ch = prim(CM_CHAR);
  static const cm_valkind scalars[] = {CM_BOOL, CM_U8, CM_S8, CM_U16, CM_S16, CM_U32, CM_S32,
                                       CM_U64, CM_S64, CM_F32, CM_F64, CM_CHAR};
  static const char *const scalar_names[] = {"echo-bool", "echo-u8", "echo-s8", "echo-u16", "echo-s16", "echo-u32",
                                             "echo-s32", "echo-u64", "echo-s64", "echo-f32", "echo-f64", "echo-char"};
  for (size_t i = 0; i < WR_ARRAY_LEN(scalars); i++) sig(scalar_names[i], prim(scalars[i]));
  const cm_valtype *color = with_fields(CM_ENUM, 4, (const char *const[]){"red", "green", "blue", "ok"}, NULL);
  sig("echo-enum", color);
  sig("echo-flags3", with_fields(CM_FLAGS, 3, (const char *const[]){"read", "write", "exec"}, NULL));
  const cm_valtype *flags12 = with_fields(CM_FLAGS, 12, f12_names, NULL);
  sig("echo-flags12", flags12);
  sig("echo-flags32", with_fields(CM_FLAGS, 32, flag_names, NULL));
  sig("echo-result-empty", wrap(CM_RESULT, NULL, NULL));
  sig("echo-string", str);
  string_sig = &sigs[nsigs - 1];
  sig("echo-list-u8", wrap(CM_LIST, u8, NULL));
  sig("echo-list-string", wrap(CM_LIST, str, NULL));
  sig("echo-nested-list", wrap(CM_LIST, wrap(CM_LIST, u32, NULL), NULL));
  sig("echo-list-char", wrap(CM_LIST, ch, NULL));
  sig("echo-list-f64", wrap(CM_LIST, f64, NULL));
  const cm_valtype *person = with_fields(
      CM_RECORD, 5, (const char *const[]){"name", "age", "score", "tags", "nick"},
      (const cm_valtype *const[]){str, u8, f64, wrap(CM_LIST, str, NULL), wrap(CM_OPTION, str, NULL)});
  sig("echo-record", person);
  sig("echo-all-optional",
      with_fields(CM_RECORD, 2, (const char *const[]){"a", "b"},
                  (const cm_valtype *const[]){wrap(CM_OPTION, u8, NULL), wrap(CM_OPTION, str, NULL)}));
  sig("echo-tuple", with_fields(CM_TUPLE, 4, NULL, (const cm_valtype *const[]){u8, str, f32, ch}));
  const cm_valtype *pair = with_fields(CM_TUPLE, 2, NULL, (const cm_valtype *const[]){u32, u32});
  sig("echo-variant", with_fields(CM_VARIANT, 5, (const char *const[]){"empty", "circle", "rect", "label", "none"},
                                  (const cm_valtype *const[]){NULL, f64, pair, str, u8}));
  sig("echo-wide-variant", with_fields(CM_VARIANT, 5, (const char *const[]){"a", "b", "c", "d", "e"},
                                       (const cm_valtype *const[]){f32, u64, prim(CM_S8), str, NULL}));
  sig("echo-option", wrap(CM_OPTION, str, NULL));
  sig("echo-option-u32", wrap(CM_OPTION, u32, NULL));
  sig("echo-option-option", wrap(CM_OPTION, wrap(CM_OPTION, u8, NULL), NULL));
  sig("echo-result", wrap(CM_RESULT, str, u32));
  sig("echo-result-ok", wrap(CM_RESULT, u8, NULL));
  sig("echo-result-err", wrap(CM_RESULT, NULL, str));
  sig("echo-result-option", wrap(CM_RESULT, wrap(CM_OPTION, u8, NULL), wrap(CM_OPTION, u8, NULL)));
  sig("echo-list-record", wrap(CM_LIST, person, NULL));
  sig("echo-list-enum", wrap(CM_LIST, color, NULL));
  sig("echo-list-flags", wrap(CM_LIST, flags12, NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!nsigs) build_signatures();
  const char *text = (const char *)data;
  const char *name;
  size_t name_len, args_at;
  wr_error err = {0};
  if (!wave_parse_call_name(text, size, &name, &name_len, &args_at, &err)) {
    require(err.has_offset && err.offset <= size && err.message[0]);
    return 0;
  }
  /* an unknown name parses its arguments as a string, so that every input reaches the parser */
  const signature *s = string_sig;
  for (size_t i = 0; i < nsigs; i++)
    if (strlen(sigs[i].name) == name_len && !memcmp(sigs[i].name, name, name_len)) s = &sigs[i];
  cm_field param = {.name = "x", .type = s->type};
  cm_functype ft = {.nparams = 1, .params = &param};
  cm_arena *arena = cm_arena_new();
  cm_val arg;
  if (!wave_parse_args(&ft, text, size, args_at, arena, &arg, &err)) {
    require(err.has_offset && err.offset <= size && err.message[0]);
  } else {
    wave_text printed = {0};
    wave_print(&printed, s->type, &arg);
    cm_val again;
    bool reparsed = wave_parse(s->type, printed.items, printed.len, arena, &again, &err);
    if (!reparsed) fprintf(stderr, "printed %.*s does not parse: %s\n", (int)printed.len, printed.items, err.message);
    require(reparsed);
    require(cm_val_equal(s->type, &arg, &again));
    WR_VEC_FREE(&printed);
  }
  cm_arena_free(arena);
  return 0;
}
