/* Process-wide interning of function types: equal types are one pointer, for the life of the
 * process, so that call_indirect's signature check is a pointer compare across every module
 * and store, and instantiating needs no per-store interning. Modules intern their types once
 * when loaded; host functions when created. The set only grows, by distinct signatures. */
#include <pthread.h>
#include <string.h>

#include "../base/alloc.h"
#include "engine.h"

typedef struct intern_set {
  pthread_mutex_t lock;
  const wasm_functype **slots; /* open addressing; NULL = empty */
  size_t cap, count;
} intern_set;

static intern_set interned = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t hash_of(const wasm_functype *t) {
  uint64_t h = 1469598103934665603u ^ ((uint64_t)t->nparams << 32 | t->nresults);
  size_t n = (size_t)t->nparams + t->nresults;
  for (size_t i = 0; i < n; i++) h = (h ^ t->types[i]) * 1099511628211u;
  return h;
}

static bool same(const wasm_functype *a, const wasm_functype *b) {
  size_t n = (size_t)a->nparams + a->nresults;
  /* a type without params and results may have no types array at all */
  return a->nparams == b->nparams && a->nresults == b->nresults && (n == 0 || memcmp(a->types, b->types, n) == 0);
}

static void insert(const wasm_functype **slots, size_t cap, const wasm_functype *t) {
  size_t i = hash_of(t) & (cap - 1);
  while (slots[i]) i = (i + 1) & (cap - 1);
  slots[i] = t;
}

const wasm_functype *wasm_type_canonical(const wasm_functype *type) {
  pthread_mutex_lock(&interned.lock);
  if ((interned.count + 1) * 2 > interned.cap) {
    size_t cap = interned.cap ? interned.cap * 2 : 256;
    const wasm_functype **slots = WR_NEW_ARRAY(const wasm_functype *, cap);
    for (size_t i = 0; i < interned.cap; i++)
      if (interned.slots[i]) insert(slots, cap, interned.slots[i]);
    wr_free(interned.slots);
    interned.slots = slots;
    interned.cap = cap;
  }
  size_t i = hash_of(type) & (interned.cap - 1);
  for (; interned.slots[i]; i = (i + 1) & (interned.cap - 1))
    if (same(interned.slots[i], type)) {
      const wasm_functype *found = interned.slots[i];
      pthread_mutex_unlock(&interned.lock);
      return found;
    }
  wasm_functype *copy = WR_NEW(wasm_functype);
  size_t n = (size_t)type->nparams + type->nresults;
  copy->nparams = type->nparams;
  copy->nresults = type->nresults;
  copy->types = wr_malloc(n ? n : 1);
  if (n) memcpy(copy->types, type->types, n);
  interned.slots[i] = copy;
  interned.count++;
  pthread_mutex_unlock(&interned.lock);
  return copy;
}
