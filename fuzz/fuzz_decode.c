/* libFuzzer target: wasm_decode (and wasm_validate when it is built) on arbitrary bytes. Every
 * input must either fail with a message or give a module whose byte ranges all lie inside the
 * binary; nothing may crash, leak or hang. See fuzz.cmake for how to run it. */
#include <stdio.h>
#include <stdlib.h>

#include "wasm/module.h"

#define require(condition)                                                            \
  do {                                                                                \
    if (!(condition)) {                                                               \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      abort();                                                                        \
    }                                                                                 \
  } while (0)

static bool range_inside(const wasm_module *m, uint64_t offset, uint64_t len) {
  return offset <= m->size && len <= m->size - offset;
}

static bool constexpr_inside(const wasm_module *m, wasm_constexpr e) {
  return e.len > 0 && range_inside(m, e.offset, e.len) && m->bytes[e.offset + e.len - 1] == 0x0B;
}

/* The invariants later passes rely on without re-checking. */
static void check_module(const wasm_module *m) {
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    const wasm_func_def *f = &m->funcs[i];
    require(f->body_offset < f->body_end && f->body_end <= m->size && m->bytes[f->body_end - 1] == 0x0B);
    uint64_t nlocals = 0;
    for (uint32_t g = 0; g < f->nlocal_groups; g++) nlocals += f->local_groups[g].count;
    require(nlocals == f->nlocals);
  }
  for (uint32_t i = 0; i < m->nglobals; i++) require(constexpr_inside(m, m->globals[i].init));
  for (uint32_t i = 0; i < m->nelems; i++) {
    const wasm_elem_segment *e = &m->elems[i];
    require((e->func_indices == NULL) != (e->exprs == NULL));
    if (e->mode == WASM_SEG_ACTIVE) require(constexpr_inside(m, e->offset));
    for (uint32_t k = 0; e->exprs && k < e->count; k++) require(constexpr_inside(m, e->exprs[k]));
  }
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const wasm_data_segment *d = &m->datas[i];
    require(range_inside(m, d->data_offset, d->data_len));
    if (d->mode == WASM_SEG_ACTIVE) require(constexpr_inside(m, d->offset));
  }
  for (uint32_t i = 0; i < m->ncustoms; i++) require(range_inside(m, m->customs[i].offset, m->customs[i].len));
  for (uint32_t i = 0; i < m->ntypes; i++) {
    const wasm_functype *t = &m->types[i];
    for (uint32_t k = 0; k < t->nparams + t->nresults; k++) require(t->types[k] != 0);
  }
}

static void run(const uint8_t *data, size_t size, const wasm_features *features) {
  wr_error err = {0};
  wasm_module *m = wasm_decode(data, size, features, &err);
  if (!m) {
    require(err.failed && err.message[0] != 0);
    return;
  }
  check_module(m);
#ifdef WARREN_FUZZ_VALIDATE
  wr_error verr = {0};
  if (!wasm_validate(m, &verr)) require(verr.failed && verr.message[0] != 0);
#endif
  wasm_module_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wasm_features standard = wasm_features_default();
  wasm_features everything = standard;
  everything.tail_call = everything.extended_const = everything.multi_memory = true;
  everything.exceptions = everything.memory64 = true;
  run(data, size, &standard);
  run(data, size, &everything);
  return 0;
}
