/* Lazy translation in native code: per function a stub that translates it on its first call,
 * and the translation of one function into the module's code arena. */
#include "native_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if WASM_NATIVE

/* Called by the shared translate stub on a function's first call: its code, or NULL with the
 * trap in cx. */
static const void *native_lazy_translate(native_ctx *cx, uint32_t def_index) {
  wr_error err = {0};
  const void *entry = wasm_lazy_native_entry(cx->inst->module, def_index, &err);
  if (!entry) cx->trap = wasm_trap_new(cx->store, WASM_TRAP_HOST, "%s", err.message);
  return entry;
}

/* The module's base code for lazy translation: the entry and trap stubs, then one shared stub
 * that translates the function whose index is in esi and jumps to it (entered as the function
 * itself, so the frame and pinned registers are already the callee's), then per function a
 * translate stub (esi = index, to the shared one) and an entry stub (jumps through the function's
 * entry: what code->funcs[i].native names, for calls from C and call_indirect). */
bool wasm_native_prepare_lazy(const wasm_module *module, struct wasm_code *code) {
  if (!wasm_native_enabled()) return false;
  uint32_t n = module->nfuncs;
  wasm_native_builder *nb = WR_NEW(wasm_native_builder);
  nb->module = module;
  native_emit_entry_and_traps(nb);
  x64_buf *b = &nb->b;
  while (b->len % 16) x64_byte(b, 0x90);
  size_t common_at = b->len;
  x64_alu_imm(b, true, ALU_SUB, RSP, 8);
  x64_mov_rr(b, true, RDI, R13);
  x64_call_abs(b, (const void *)native_lazy_translate);
  x64_alu_imm(b, true, ALU_ADD, RSP, 8);
  x64_test_rr(b, true, RAX, RAX);
  size_t failed = x64_jcc8(b, CC_E);
  x64_jmp_reg(b, RAX);
  x64_land8(b, failed);
  x64_mov_imm32(b, RAX, (uint32_t)WASM_TRAP_HOST + 1);
  x64_jmp_to(b, nb->propagate_at);
  struct wasm_native_code *native = WR_NEW(struct wasm_native_code);
  native->nfuncs = n;
  native->entries = wr_malloc((n ? n : 1) * sizeof *native->entries);
  native->translate_stubs = WR_NEW_ARRAY(const uint8_t *, n ? n : 1);
  size_t *translate_at = WR_NEW_ARRAY(size_t, n ? n : 1), *entry_at = WR_NEW_ARRAY(size_t, n ? n : 1);
  for (uint32_t i = 0; i < n; i++) {
    translate_at[i] = b->len;
    x64_mov_imm32(b, RSI, i);
    x64_jmp_to(b, common_at);
    while (b->len % 8) x64_byte(b, 0x90);
    entry_at[i] = b->len;
    x64_mov_imm64(b, RAX, (uint64_t)(uintptr_t)&native->entries[i]);
    x64_load64(b, RAX, x64_at(RAX, 0));
    x64_jmp_reg(b, RAX);
    while (b->len % 8) x64_byte(b, 0x90);
  }
  size_t page = 4096, size = (b->len + page - 1) / page * page;
  uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  bool ok = mem != MAP_FAILED;
  if (ok) {
    memcpy(mem, b->p, b->len);
    ok = mprotect(mem, size, PROT_READ | PROT_EXEC) == 0;
    if (!ok) munmap(mem, size);
  }
  if (ok) {
    native->base = mem;
    native->size = size;
    native->enter = (native_enter_fn)(void *)mem;
    native->arena = wasm_code_arena_new();
    for (uint32_t i = 0; i < n; i++) {
      native->translate_stubs[i] = mem + translate_at[i];
      atomic_init(&native->entries[i], (const void *)(mem + translate_at[i]));
      code->funcs[i].native = mem + entry_at[i];
    }
    code->native = native;
  } else {
    wr_free((void *)native->entries);
    wr_free(native->translate_stubs);
    wr_free(native);
  }
  wr_free(translate_at);
  wr_free(entry_at);
  wasm_native_abandon(nb);
  return ok;
}

const void *wasm_native_translated(const struct wasm_native_code *native, uint32_t def_index) {
  const void *entry = atomic_load_explicit(&native->entries[def_index], memory_order_acquire);
  return entry == native->translate_stubs[def_index] ? NULL : entry;
}

/* WARREN_PERF_MAP=1, for one lazily translated function. */
void native_perf_map_one(const wasm_module *m, uint32_t def_index, const void *at, size_t size) {
  if (!getenv("WARREN_PERF_MAP")) return;
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  FILE *f = fopen(path, "a");
  if (!f) return;
  uint32_t index = m->nfunc_imports + def_index;
  const char *name = m->func_names ? m->func_names[index] : NULL;
  fprintf(f, "%lx %zx wasm[%u]%s%s\n", (unsigned long)(uintptr_t)at, size, index, name ? " " : "", name ? name : "");
  fclose(f);
}

const void *wasm_native_translate(const wasm_module *module, struct wasm_code *code, uint32_t def_index,
                                  const uint32_t *op_starts, size_t nops) {
  struct wasm_native_code *native = code->native;
  wasm_native_builder *nb = WR_NEW(wasm_native_builder);
  nb->module = module;
  nb->lazy = native;
  /* each piece carries its own trap stubs: branches to them stay short and relative */
  native_emit_entry_and_traps(nb);
  const void *entry = NULL;
  if (wasm_native_add(nb, def_index, &code->funcs[def_index], op_starts, nops)) {
    const uint8_t *at = wasm_code_arena_add(native->arena, nb->b.p, nb->b.len);
    if (at) {
      entry = at + nb->last_func_at;
      native_perf_map_one(module, def_index, entry, nb->b.len - nb->last_func_at);
      native_note_translation(native, def_index, nb);
      atomic_store_explicit(&native->entries[def_index], entry, memory_order_release);
    }
  }
  wasm_native_abandon(nb);
  return entry;
}
#endif
