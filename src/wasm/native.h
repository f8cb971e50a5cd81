/* The native tier: the internal code of every function of a module (compile.h) translated
 * once, at load, into x86-64 machine code that all instances of the module share.
 *
 * Native code keeps the interpreter's frames exactly: each function works on its frame of
 * slots in the execution stack, so a call may cross from one tier to the other at any
 * function boundary, and any instruction without a native translation is run by
 * wasm_interp_step on the same frame. Registers: rbx = frame, r12 = linear memory 0's base,
 * r13 = the call's context, r14 = the store's interrupt flag. Wasm-to-wasm calls inside a
 * module are native calls (the frame moves up the execution stack); calls to imports and to
 * other instances go through C. Traps unwind to the entry of the native call.
 *
 * Available on x86-64 with guarded memories; everywhere else (and with WARREN_ENGINE=interp)
 * modules run on the interpreter. */
#ifndef WARREN_WASM_NATIVE_H
#define WARREN_WASM_NATIVE_H

#include "engine.h"

typedef struct wasm_native_builder wasm_native_builder;
struct wasm_native_code;

/* True when modules compiled from now on get native code. */
bool wasm_native_enabled(void);

/* Module translation: begin, add each defined function right after compile.c made its
 * internal code (op_starts: the word index of each instruction), finish. NULL / false when a
 * function cannot be translated: the module then runs on the interpreter. */
wasm_native_builder *wasm_native_begin(const wasm_module *module);
bool wasm_native_add(wasm_native_builder *nb, uint32_t def_index, const wasm_compiled_func *func,
                     const uint32_t *op_starts, size_t nops);
/* Maps the code executable and sets every code->funcs[i].native; frees the builder. */
bool wasm_native_finish(wasm_native_builder *nb, struct wasm_code *code);
void wasm_native_abandon(wasm_native_builder *nb);
void wasm_native_free(struct wasm_native_code *native);

/* Lazy translation (lazy.c): the stubs that translate each function on its first call, set up at
 * load (sets code->native and every code->funcs[i].native); false: the interpreter runs the module. */
bool wasm_native_prepare_lazy(const wasm_module *module, struct wasm_code *code);
/* Defined function def_index's translated code, or NULL when not translated yet. */
const void *wasm_native_translated(const struct wasm_native_code *native, uint32_t def_index);
/* Translates one function whose internal code is ready, and publishes it; NULL when it cannot
 * (out of executable memory). The caller holds the module's lazy-translation lock. */
const void *wasm_native_translate(const wasm_module *module, struct wasm_code *code, uint32_t def_index,
                                  const uint32_t *op_starts, size_t nops);
/* lazy.c: translates def_index (both tiers) unless done, and returns its native code; NULL + err. */
const void *wasm_lazy_native_entry(const wasm_module *module, uint32_t def_index, wr_error *err);

/* ---- translated functions kept in the cache file (cache.h; native_reloc.c) ----
 * A lazily translated function is one piece of code (its own trap stubs, then the function)
 * whose only absolute addresses are movabs immediates, each listed as a relocation, so the piece
 * can be stored and installed in another process without translating it again. */
enum wasm_native_reloc_kind {
  WASM_RELOC_HELPER,    /* index: one of the C functions native code calls (native_reloc.c) */
  WASM_RELOC_CODE_WORD, /* index: a word of the function's internal code (for wasm_interp_step) */
  WASM_RELOC_ENTRY,     /* index: a defined function, whose current code native calls load */
  WASM_RELOC_INIT,      /* the function's constant pool (index 0) */
  WASM_RELOC_KINDS
};
#define WASM_NATIVE_HELPERS 7u /* the helper table's size (native_internal.h) */
/* As stored: three host-order u32, 12 bytes. */
typedef struct wasm_native_reloc {
  uint32_t at; /* the imm64's offset in the piece */
  uint32_t kind, index;
} wasm_native_reloc;
typedef struct wasm_native_piece {
  const uint8_t *bytes;
  uint32_t size, entry_at; /* the function starts at entry_at */
  const uint8_t *relocs;   /* nrelocs wasm_native_reloc, unaligned */
  uint32_t nrelocs;
} wasm_native_piece;
/* What translation emits on this host, as a number a stored piece must match: 0 without the
 * native tier, else it changes with the CPU extensions the templates use. */
uint32_t wasm_native_target(void);
/* Whether a relocation fits a piece of `size` bytes of a function of code_len words and
 * init_len constants, in a module of nfuncs defined functions (the loader's check). */
bool wasm_native_reloc_valid(const wasm_native_reloc *r, uint32_t size, uint32_t code_len, uint32_t init_len,
                             uint32_t nfuncs);
/* A cache file is being written: keep a copy of every piece translated from now on (keep), or
 * no longer (the copies are freed). */
void wasm_native_keep_pieces(struct wasm_native_code *native, bool keep);
/* The kept piece of def_index; false when there is none. */
bool wasm_native_kept_piece(const struct wasm_native_code *native, uint32_t def_index, wasm_native_piece *out);
/* Installs a stored piece as def_index's code (its internal code, which the piece must have been
 * translated from, is ready): copied, relocated and published, as wasm_native_translate does;
 * NULL when a relocation is bad or memory runs out. The caller holds the lazy-translation lock. */
const void *wasm_native_install(const wasm_module *module, struct wasm_code *code, uint32_t def_index,
                                const wasm_native_piece *piece);
/* Functions translated to native code in this process so far (wasm_native_translate), and pieces
 * installed from cache files (wasm_native_install): for tests and statistics. */
uint64_t wasm_native_translations(void);
uint64_t wasm_native_installs(void);

/* Run a function that has native code: the wasm_interp_call of the native tier. */
wasm_trap *wasm_native_call(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots);

/* One internal instruction that neither branches nor calls, run by the interpreter on a
 * frame (interp.c): 0, or a trap kind + 1. */
uint32_t wasm_interp_step(wasm_instance *inst, wasm_slot *fp, const uint32_t *ip);

#endif
