/* Executable memory that grows while other threads run what it already holds: lazily translated
 * native code (native.c) is appended one function at a time.
 *
 * W^X without ever flipping a page other threads execute: each chunk is a memfd mapped twice,
 * writable at one address and executable at another, so new code is written through the first
 * view and run through the second. Where memfd or an executable shared mapping is refused, every
 * piece gets its own private pages instead (written, then made executable). */
#ifndef WARREN_WASM_CODE_ARENA_H
#define WARREN_WASM_CODE_ARENA_H

#include "../base/common.h"

typedef struct wasm_code_arena wasm_code_arena;

wasm_code_arena *wasm_code_arena_new(void);
/* Copies `size` bytes of position-independent code in and returns where it runs, or NULL when
 * out of memory. Not thread-safe: the caller serializes additions (readers need no lock). */
const void *wasm_code_arena_add(wasm_code_arena *arena, const uint8_t *code, size_t size);
void wasm_code_arena_free(wasm_code_arena *arena);

#endif
