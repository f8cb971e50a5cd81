/* libFuzzer target: cm_component_load (component decoder + validator, core modules compiled)
 * on arbitrary bytes. Every input must either fail with a message and an offset or give a
 * component whose index spaces and definitions agree; nothing may crash, leak or hang. See
 * fuzz.cmake for how to run it. */
#include <stdio.h>
#include <stdlib.h>

#include "component/component.h"

#define require(condition)                                                            \
  do {                                                                                \
    if (!(condition)) {                                                               \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      abort();                                                                        \
    }                                                                                 \
  } while (0)

/* The invariants instantiation will rely on without re-checking. */
static void check_component(const cm_component *c) {
  for (size_t i = 0; i < c->defs.len; i++) {
    const cm_def *d = &c->defs.items[i];
    if (d->adds_item) {
      require(d->sort < CM_SORT_COUNT && d->sort_index < c->space[d->sort].len);
      require(c->space[d->sort].items[d->sort_index].def == i);
    }
  }
  require(c->type && c->type->nimports == c->imports.len && c->type->nexports == c->exports.len);
  for (size_t i = 0; i < c->canons.len; i++) {
    const cm_canon *cn = &c->canons.items[i];
    require(cn->kind < CM_CANON_KIND_COUNT);
    if (cn->kind == CM_CANON_LIFT) require(cn->func < c->space[CM_SORT_CORE_FUNC].len);
    else require(cn->core_type != NULL);
  }
  for (size_t i = 0; i < c->exports.len; i++) require(c->exports.items[i].index < c->space[c->exports.items[i].sort].len);
  for (size_t i = 0; i < c->components.len; i++) check_component(c->components.items[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wr_error err = {0};
  cm_component *c = cm_component_load(data, size, NULL, &err);
  if (!c) {
    require(err.failed && err.message[0] != 0 && err.has_offset);
    return 0;
  }
  check_component(c);
  cm_component_free(c);
  return 0;
}
