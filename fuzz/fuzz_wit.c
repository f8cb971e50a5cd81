/* libFuzzer target for the WIT parser: an input is one WIT document, or two separated by a NUL
 * byte (the second may `use` the first), added to a cm_wit over a small fixed base package so
 * that cross-document `use`s resolve. Any input must end in success or an error message,
 * never a crash, leak or hang. */
#include <string.h>

#include "component/wit.h"

static const char base[] =
    "package fuzz:base@0.1.0;\n"
    "interface types { resource r { get: func() -> u32; } record p { a: u8 } type t = list<p>; }\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cm_arena *arena = cm_arena_new();
  cm_wit *wit = cm_wit_new(arena);
  wr_error err = {0};
  if (!cm_wit_add(wit, "base.wit", base, sizeof base - 1, &err)) __builtin_trap();
  const char *text = (const char *)data;
  const char *nul = memchr(text, 0, size);
  size_t first = nul ? (size_t)(nul - text) : size;
  memset(&err, 0, sizeof err);
  bool ok = cm_wit_add(wit, "fuzz.wit", text, first, &err);
  if (!ok && !err.message[0]) __builtin_trap(); /* every failure says why */
  if (nul) {
    memset(&err, 0, sizeof err);
    if (!cm_wit_add(wit, "fuzz2.wit", nul + 1, size - first - 1, &err) && !err.message[0]) __builtin_trap();
  }
  /* walk what was added: every export has a type */
  const char *name;
  const cm_type *type;
  for (uint32_t i = 0; cm_wit_interface_at(wit, i, &name, &type); i++)
    for (uint32_t k = 0; k < type->nexports; k++)
      if (!type->exports[k].type || !cm_type_export(type, type->exports[k].name.text)) __builtin_trap();
  cm_wit_free(wit);
  cm_arena_free(arena);
  return 0;
}
