/* The absolute addresses in lazily translated code, recorded as relocations so that a
 * translated function can be kept in the cache file and installed in another process (native.h):
 * the C helpers native code calls (by index into one fixed table), words of the function's
 * internal code, entries slots of the module, and the function's constant pool. */
#include "native_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static _Atomic uint64_t translations, installs;
uint64_t wasm_native_translations(void) { return atomic_load_explicit(&translations, memory_order_relaxed); }
uint64_t wasm_native_installs(void) { return atomic_load_explicit(&installs, memory_order_relaxed); }

bool wasm_native_reloc_valid(const wasm_native_reloc *r, uint32_t size, uint32_t code_len, uint32_t init_len,
                             uint32_t nfuncs) {
  if (size < 8 || r->at > size - 8) return false;
  switch (r->kind) {
  case WASM_RELOC_HELPER: return r->index < WASM_NATIVE_HELPERS;
  case WASM_RELOC_CODE_WORD: return r->index < code_len;
  case WASM_RELOC_ENTRY: return r->index < nfuncs;
  case WASM_RELOC_INIT: return r->index == 0 && init_len > 0;
  default: return false;
  }
}

_Static_assert(sizeof(wasm_native_reloc) == 12, "relocations are stored as three u32");

#if WASM_NATIVE

/* The one table of helpers: a stored piece names them by index, never by address. */
static const void *const helpers[NATIVE_HELPERS] = {
    [HELPER_INTERP_STEP] = (const void *)wasm_interp_step,
    [HELPER_POLL_INTERRUPT] = (const void *)native_poll_interrupt,
    [HELPER_CALL_OUT] = (const void *)native_call_out,
    [HELPER_TABLE_RESOLVE] = (const void *)wasm_table_resolve,
    [HELPER_MEMORY_COPY] = (const void *)native_memory_copy,
    [HELPER_MEMORY_FILL] = (const void *)native_memory_fill,
    [HELPER_MEMORY_GROW] = (const void *)native_memory_grow,
};

uint32_t wasm_native_target(void) { return wasm_native_enabled() ? 1u | native_simd_target() << 1 : 0; }

static void add_reloc(wasm_native_builder *nb, size_t at, uint32_t kind, uint32_t index) {
  wasm_native_reloc r = {(uint32_t)at, kind, index};
  WR_VEC_PUSH(&nb->relocs, r);
}

void native_call_helper(wasm_native_builder *nb, enum native_helper h) {
  add_reloc(nb, x64_mov_abs64(&nb->b, RAX, (uint64_t)(uintptr_t)helpers[h]), WASM_RELOC_HELPER, h);
  x64_call_reg(&nb->b, RAX);
}

/* The address a relocation names, for a function whose internal code is f. */
static const void *reloc_target(const struct wasm_native_code *native, const wasm_compiled_func *f, uint32_t kind,
                                uint32_t index) {
  switch (kind) {
  case WASM_RELOC_HELPER: return helpers[index];
  case WASM_RELOC_CODE_WORD: return f->code + index;
  case WASM_RELOC_ENTRY: return (const void *)&native->entries[index];
  default: return f->init;
  }
}

void native_load_address(wasm_native_builder *nb, int reg, enum wasm_native_reloc_kind kind, uint32_t index) {
  /* eager translation (no lazy entries) never names an entry: calls there are rel32 */
  const void *target = reloc_target(nb->lazy, nb->f, kind, index);
  add_reloc(nb, x64_mov_abs64(&nb->b, reg, (uint64_t)(uintptr_t)target), kind, index);
}

/* ---- keeping pieces for a cache file ---- */

struct kept_piece {
  uint8_t *bytes; /* NULL: not translated */
  uint32_t size, entry_at, nrelocs;
  wasm_native_reloc *relocs;
};

void wasm_native_keep_pieces(struct wasm_native_code *native, bool keep) {
  if (!native) return;
  if (!keep) native_free_kept_pieces(native);
  else if (!native->kept) native->kept = WR_NEW_ARRAY(struct kept_piece, native->nfuncs ? native->nfuncs : 1);
}

void native_note_translation(struct wasm_native_code *native, uint32_t def_index, const wasm_native_builder *nb) {
  atomic_fetch_add_explicit(&translations, 1, memory_order_relaxed);
  if (!native->kept || nb->b.len > UINT32_MAX) return;
  struct kept_piece *k = &native->kept[def_index];
  wr_free(k->bytes);
  wr_free(k->relocs);
  k->size = (uint32_t)nb->b.len;
  k->entry_at = (uint32_t)nb->last_func_at;
  k->bytes = wr_malloc(nb->b.len);
  memcpy(k->bytes, nb->b.p, nb->b.len);
  k->nrelocs = (uint32_t)nb->relocs.len;
  k->relocs = WR_NEW_ARRAY(wasm_native_reloc, nb->relocs.len ? nb->relocs.len : 1);
  memcpy(k->relocs, nb->relocs.items, nb->relocs.len * sizeof *k->relocs);
}

bool wasm_native_kept_piece(const struct wasm_native_code *native, uint32_t def_index, wasm_native_piece *out) {
  if (!native || !native->kept || def_index >= native->nfuncs || !native->kept[def_index].bytes) return false;
  const struct kept_piece *k = &native->kept[def_index];
  *out = (wasm_native_piece){k->bytes, k->size, k->entry_at, (const uint8_t *)k->relocs, k->nrelocs};
  return true;
}

void native_free_kept_pieces(struct wasm_native_code *native) {
  if (!native->kept) return;
  for (uint32_t i = 0; i < native->nfuncs; i++) {
    wr_free(native->kept[i].bytes);
    wr_free(native->kept[i].relocs);
  }
  wr_free(native->kept);
  native->kept = NULL;
}

/* ---- installing a stored piece ---- */

const void *wasm_native_install(const wasm_module *module, struct wasm_code *code, uint32_t def_index,
                                const wasm_native_piece *piece) {
  struct wasm_native_code *native = code->native;
  const wasm_compiled_func *f = &code->funcs[def_index];
  if (!native || def_index >= native->nfuncs || piece->entry_at >= piece->size) return NULL;
  uint8_t *copy = wr_malloc(piece->size);
  memcpy(copy, piece->bytes, piece->size);
  bool ok = true;
  for (uint32_t i = 0; i < piece->nrelocs && ok; i++) {
    wasm_native_reloc r;
    memcpy(&r, piece->relocs + (size_t)i * sizeof r, sizeof r);
    ok = wasm_native_reloc_valid(&r, piece->size, f->code_len, f->init_len, native->nfuncs);
    uint64_t address = ok ? (uint64_t)(uintptr_t)reloc_target(native, f, r.kind, r.index) : 0;
    if (ok) memcpy(copy + r.at, &address, 8);
  }
  const uint8_t *at = ok ? wasm_code_arena_add(native->arena, copy, piece->size) : NULL;
  wr_free(copy);
  if (!at) return NULL;
  const void *entry = at + piece->entry_at;
  native_perf_map_one(module, def_index, entry, piece->size - piece->entry_at);
  atomic_store_explicit(&native->entries[def_index], entry, memory_order_release);
  atomic_fetch_add_explicit(&installs, 1, memory_order_relaxed);
  return entry;
}

#else /* !WASM_NATIVE */

uint32_t wasm_native_target(void) { return 0; }
void wasm_native_keep_pieces(struct wasm_native_code *native, bool keep) { WR_UNUSED(native), WR_UNUSED(keep); }
bool wasm_native_kept_piece(const struct wasm_native_code *native, uint32_t def_index, wasm_native_piece *out) {
  WR_UNUSED(native), WR_UNUSED(def_index), WR_UNUSED(out);
  return false;
}
const void *wasm_native_install(const wasm_module *module, struct wasm_code *code, uint32_t def_index,
                                const wasm_native_piece *piece) {
  WR_UNUSED(module), WR_UNUSED(code), WR_UNUSED(def_index), WR_UNUSED(piece);
  return NULL;
}

#endif
