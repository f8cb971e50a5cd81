/* Bump allocation in chunks; large requests get a chunk of their own. */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#include "../base/alloc.h"

enum { CM_ARENA_CHUNK = 64 * 1024, CM_ARENA_ALIGN = 16 };

typedef struct cm_chunk {
  struct cm_chunk *next;
  size_t used, size;
  _Alignas(CM_ARENA_ALIGN) unsigned char data[];
} cm_chunk;

struct cm_arena {
  cm_chunk *chunks;
};

cm_arena *cm_arena_new(void) { return WR_NEW(cm_arena); }

void cm_arena_free(cm_arena *arena) {
  if (!arena) return;
  for (cm_chunk *c = arena->chunks, *next; c; c = next) {
    next = c->next;
    wr_free(c);
  }
  wr_free(arena);
}

static cm_chunk *chunk_new(size_t size) {
  cm_chunk *c = wr_malloc(sizeof(cm_chunk) + size);
  c->used = 0;
  c->size = size;
  c->next = NULL;
  return c;
}

void *cm_arena_alloc(cm_arena *arena, size_t size) {
  size = (size + CM_ARENA_ALIGN - 1) & ~(size_t)(CM_ARENA_ALIGN - 1);
  if (size == 0) size = CM_ARENA_ALIGN;
  cm_chunk *c = arena->chunks;
  if (!c || c->size - c->used < size) {
    if (size > CM_ARENA_CHUNK / 4) {
      /* big: its own chunk, kept behind the current one so the current keeps filling */
      cm_chunk *big = chunk_new(size);
      if (c) {
        big->next = c->next;
        c->next = big;
      } else {
        arena->chunks = big;
      }
      big->used = size;
      memset(big->data, 0, size);
      return big->data;
    }
    c = chunk_new(CM_ARENA_CHUNK);
    c->next = arena->chunks;
    arena->chunks = c;
  }
  void *p = c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

void *cm_arena_array(cm_arena *arena, size_t count, size_t size) {
  /* callers bound counts by input bytes, so overflow here is a programming error */
  if (size && count > (SIZE_MAX / 2) / size) abort();
  return cm_arena_alloc(arena, count * size);
}

char *cm_arena_strndup(cm_arena *arena, const void *s, size_t len) {
  char *p = cm_arena_alloc(arena, len + 1);
  if (len) memcpy(p, s, len);
  p[len] = 0;
  return p;
}
