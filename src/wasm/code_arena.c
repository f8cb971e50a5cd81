/* The executable memory of lazily translated code (see code_arena.h). */
#include "code_arena.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/alloc.h"

#define CHUNK_BYTES ((size_t)1 << 20)
#define CODE_ALIGN 16

typedef struct chunk {
  struct chunk *next;
  uint8_t *rw, *rx; /* the two views (rw == rx: private pages, already made executable) */
  size_t size, used;
} chunk;

struct wasm_code_arena {
  chunk *chunks; /* the newest first */
  bool private_pages; /* dual mapping was refused once: private pages from then on */
};

wasm_code_arena *wasm_code_arena_new(void) {
  wasm_code_arena *arena = WR_NEW(wasm_code_arena);
  /* perf looks up /tmp/perf-PID.map (WARREN_PERF_MAP) only for anonymous executable memory: a
   * memfd's pages it takes for a file it cannot read */
  arena->private_pages = getenv("WARREN_PERF_MAP") != NULL;
  return arena;
}

static size_t page_round(size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (n + page - 1) / page * page;
}

/* A chunk of `size` bytes mapped twice over one memfd, or NULL. */
static chunk *dual_chunk(size_t size) {
  int fd = memfd_create("warren-code", MFD_CLOEXEC);
  if (fd < 0) return NULL;
  chunk *c = NULL;
  if (ftruncate(fd, (off_t)size) == 0) {
    void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *rx = rw == MAP_FAILED ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (rx != MAP_FAILED) {
      c = WR_NEW(chunk);
      c->rw = rw;
      c->rx = rx;
      c->size = size;
    } else if (rw != MAP_FAILED) {
      munmap(rw, size);
    }
  }
  close(fd);
  return c;
}

/* Private pages holding exactly `code`, made executable. */
static const void *private_piece(wasm_code_arena *arena, const uint8_t *code, size_t size) {
  size_t mapped = page_round(size);
  uint8_t *p = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  memcpy(p, code, size);
  if (mprotect(p, mapped, PROT_READ | PROT_EXEC) != 0) {
    munmap(p, mapped);
    return NULL;
  }
  chunk *c = WR_NEW(chunk);
  c->rw = c->rx = p;
  c->size = c->used = mapped;
  c->next = arena->chunks;
  arena->chunks = c;
  return p;
}

const void *wasm_code_arena_add(wasm_code_arena *arena, const uint8_t *code, size_t size) {
  if (arena->private_pages) return private_piece(arena, code, size);
  chunk *c = arena->chunks;
  size_t at = c ? (c->used + CODE_ALIGN - 1) / CODE_ALIGN * CODE_ALIGN : 0;
  if (!c || at > c->size || size > c->size - at) {
    c = dual_chunk(page_round(size > CHUNK_BYTES ? size : CHUNK_BYTES));
    if (!c) {
      arena->private_pages = true;
      return private_piece(arena, code, size);
    }
    c->next = arena->chunks;
    arena->chunks = c;
    at = 0;
  }
  memcpy(c->rw + at, code, size);
  c->used = at + size;
  return c->rx + at;
}

void wasm_code_arena_free(wasm_code_arena *arena) {
  if (!arena) return;
  for (chunk *c = arena->chunks, *next; c; c = next) {
    next = c->next;
    munmap(c->rx, c->size);
    if (c->rw != c->rx) munmap(c->rw, c->size);
    wr_free(c);
  }
  wr_free(arena);
}
