/* Lazy translation (see compile.h): a module's functions are translated on their first call.
 *
 * Serve workers share one module, so a function may be called for the first time on several
 * threads at once. The fast path is one acquire load (the function's `ready` flag, or for native
 * code its entry in the module's table, which native code reads with a plain load); translating
 * happens under the module's lock, and what it fills is published last, with a release store. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../base/alloc.h"
#include "cache.h"
#include "compile.h"
#include "native.h"

static _Atomic uint64_t compiles, cache_installs;
uint64_t wasm_lazy_compiles(void) { return atomic_load_explicit(&compiles, memory_order_relaxed); }
uint64_t wasm_lazy_cache_installs(void) { return atomic_load_explicit(&cache_installs, memory_order_relaxed); }

/* wasm_compile_function, counted */
static bool compile_counted(const wasm_module *module, uint32_t def_index, wasm_compiled_func *out,
                            wasm_op_starts *op_starts, wr_error *err) {
  atomic_fetch_add_explicit(&compiles, 1, memory_order_relaxed);
  return wasm_compile_function(module, def_index, out, op_starts, err);
}

struct wasm_lazy {
  pthread_mutex_t lock;
};

bool wasm_compile_lazy_enabled(void) {
  static int enabled = -1; /* read once: how a module was set up must not change under it */
  if (enabled < 0) {
    const char *mode = getenv("WARREN_COMPILE");
    enabled = !(mode && strcmp(mode, "eager") == 0);
  }
  return enabled;
}

bool wasm_compile_lazy(wasm_module *module, wr_error *err) {
  WR_UNUSED(err);
  struct wasm_code *code = WR_NEW(struct wasm_code);
  code->funcs = WR_NEW_ARRAY(wasm_compiled_func, module->nfuncs ? module->nfuncs : 1);
  code->nfuncs = module->nfuncs;
  for (uint32_t i = 0; i < module->nfuncs; i++) atomic_init(&code->funcs[i].ready, false);
  code->lazy = WR_NEW(struct wasm_lazy);
  pthread_mutex_init(&code->lazy->lock, NULL);
  /* the native tier's entry stubs; without them the interpreter runs the module. A module
   * with exception tags stays on the interpreter, which alone unwinds to handlers (wasm_compile
   * decides the same per module when translating at load). */
  if (module->ntags + module->ntag_imports == 0) wasm_native_prepare_lazy(module, code);
  module->code = code;
  return true;
}

void wasm_lazy_free(struct wasm_lazy *lazy) {
  if (!lazy) return;
  pthread_mutex_destroy(&lazy->lock);
  wr_free(lazy);
}

/* The internal code of def_index, translated now unless it is already (the lock is held);
 * op_starts (when given) receives its instruction starts either way. */
static bool translate_locked(const wasm_module *module, uint32_t def_index, wasm_op_starts *op_starts,
                             wr_error *err) {
  wasm_compiled_func *f = &module->code->funcs[def_index];
  if (atomic_load_explicit(&f->ready, memory_order_relaxed)) {
    if (!op_starts) return true;
    /* translated for the interpreter first: translate again only for the instruction starts
     * (the result is the same code, which stays the one published) */
    wasm_compiled_func scratch;
    memset(&scratch, 0, sizeof scratch);
    if (!compile_counted(module, def_index, &scratch, op_starts, err)) return false;
    wr_free(scratch.code);
    wr_free(scratch.init);
    wr_free(scratch.handlers);
    wr_free(scratch.catches);
    return true;
  }
  /* `native` was set at load (the entry stub) and stays: other threads read it without the
   * lock, so it is not written again, even with the same value */
  wasm_compiled_func fresh;
  memset(&fresh, 0, sizeof fresh);
  /* from a cache file when it holds the function, unless the instruction starts are needed */
  if (!op_starts && wasm_cached_internal(module, def_index, &fresh)) {
    atomic_fetch_add_explicit(&cache_installs, 1, memory_order_relaxed);
  } else if (!compile_counted(module, def_index, &fresh, op_starts, err)) {
    return false;
  }
  f->code = fresh.code;
  f->code_len = fresh.code_len;
  f->nparam_slots = fresh.nparam_slots;
  f->nresult_slots = fresh.nresult_slots;
  f->nlocal_slots = fresh.nlocal_slots;
  f->init = fresh.init;
  f->init_len = fresh.init_len;
  f->frame_slots = fresh.frame_slots;
  f->handlers = fresh.handlers;
  f->nhandlers = fresh.nhandlers;
  f->catches = fresh.catches;
  atomic_store_explicit(&f->ready, true, memory_order_release);
  return true;
}

bool wasm_code_ensure_slow(const wasm_module *module, const wasm_compiled_func *func, wr_error *err) {
  struct wasm_code *code = module->code;
  if (!code->lazy) return true;
  uint32_t def_index = (uint32_t)(func - code->funcs);
  pthread_mutex_lock(&code->lazy->lock);
  bool ok = translate_locked(module, def_index, NULL, err);
  pthread_mutex_unlock(&code->lazy->lock);
  return ok;
}

const void *wasm_lazy_native_entry(const wasm_module *module, uint32_t def_index, wr_error *err) {
  struct wasm_code *code = module->code;
  pthread_mutex_lock(&code->lazy->lock);
  const void *entry = wasm_native_translated(code->native, def_index);
  /* a cache file's machine code for it, with the internal code it was translated from */
  wasm_native_piece piece;
  if (!entry && wasm_cached_piece(module, def_index, &piece) && translate_locked(module, def_index, NULL, err))
    entry = wasm_native_install(module, code, def_index, &piece);
  if (!entry) {
    wasm_op_starts ops = {0};
    if (translate_locked(module, def_index, &ops, err)) {
      entry = wasm_native_translate(module, code, def_index, ops.items, ops.len);
      if (!entry)
        wr_error_set(err, "function %u cannot be translated to native code", module->nfunc_imports + def_index);
    }
    wr_free(ops.items);
  }
  pthread_mutex_unlock(&code->lazy->lock);
  return entry;
}

uint32_t wasm_module_translated_functions(const wasm_module *module) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < module->code->nfuncs; i++)
    n += atomic_load_explicit(&module->code->funcs[i].ready, memory_order_relaxed);
  return n;
}
