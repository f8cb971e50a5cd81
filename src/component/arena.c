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
  cm_chunk *chunks; /* newest first; the head is the one being filled */
  cm_chunk *bigs;   /* big requests, newest first */
  size_t allocated; /* bytes handed out and not released */
  cm_chunk *inline_chunk; /* cm_arena_new_reserved: allocated with the arena, not freed alone */
};

cm_arena *cm_arena_new(void) { return WR_NEW(cm_arena); }

static void free_chunks(const cm_arena *arena, cm_chunk *c, const cm_chunk *stop) {
  for (cm_chunk *next; c && c != stop; c = next) {
    next = c->next;
    if (c != arena->inline_chunk) wr_free(c);
  }
}

void cm_arena_free(cm_arena *arena) {
  if (!arena) return;
  free_chunks(arena, arena->chunks, NULL);
  free_chunks(arena, arena->bigs, NULL);
  wr_free(arena);
}

static cm_chunk *chunk_new(size_t size) {
  cm_chunk *c = wr_malloc(sizeof(cm_chunk) + size);
  c->used = 0;
  c->size = size;
  c->next = NULL;
  return c;
}

cm_arena *cm_arena_new_reserved(size_t bytes) {
  if (!bytes) return cm_arena_new();
  /* the arena and its first chunk in one block */
  size_t size = (bytes + CM_ARENA_ALIGN - 1) & ~(size_t)(CM_ARENA_ALIGN - 1);
  size_t chunk_at = (sizeof(cm_arena) + CM_ARENA_ALIGN - 1) & ~(size_t)(CM_ARENA_ALIGN - 1);
  unsigned char *block = wr_malloc(chunk_at + sizeof(cm_chunk) + size);
  cm_arena *arena = (cm_arena *)block;
  cm_chunk *c = (cm_chunk *)(block + chunk_at);
  *c = (cm_chunk){.size = size};
  *arena = (cm_arena){.chunks = c, .inline_chunk = c};
  return arena;
}

void *cm_arena_alloc(cm_arena *arena, size_t size) {
  size = (size + CM_ARENA_ALIGN - 1) & ~(size_t)(CM_ARENA_ALIGN - 1);
  if (size == 0) size = CM_ARENA_ALIGN;
  arena->allocated += size;
  cm_chunk *c = arena->chunks;
  if (!c || c->size - c->used < size) {
    if (size > CM_ARENA_CHUNK / 4) {
      /* big: its own chunk on a separate list, so the current one keeps filling */
      cm_chunk *big = chunk_new(size);
      big->next = arena->bigs;
      arena->bigs = big;
      big->used = size;
      memset(big->data, 0, size);
      return big->data;
    }
    c = chunk_new(CM_ARENA_CHUNK);
    c->next = arena->chunks;
    arena->chunks = c;
  }
  unsigned char *p = c->data + c->used;
  c->used += size;
  if (size <= 256) {
    /* most requests are a few small structures: zeroed in place, without a call */
    for (size_t i = 0; i < size; i += CM_ARENA_ALIGN) memset(p + i, 0, CM_ARENA_ALIGN);
  } else {
    memset(p, 0, size);
  }
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

/* A mark is the head chunk and its fill, and the newest big chunk at that moment. */
cm_arena_mark cm_arena_mark_now(cm_arena *arena) {
  return (cm_arena_mark){arena->chunks, arena->chunks ? arena->chunks->used : 0, arena->bigs, arena->allocated};
}

size_t cm_arena_allocated(const cm_arena *arena) { return arena->allocated; }

void cm_arena_release(cm_arena *arena, cm_arena_mark mark) {
  cm_chunk *keep = mark.chunk;
  cm_chunk *c = arena->chunks;
  /* chunks newer than the mark's head go, except the newest one which is kept for reuse */
  if (c && c != keep) {
    cm_chunk *rest = c->next;
    free_chunks(arena, rest, keep);
    c->next = keep;
    c->used = 0;
    if (keep) keep->used = mark.used;
  } else if (c) {
    c->used = mark.used;
  }
  free_chunks(arena, arena->bigs, mark.big);
  arena->bigs = mark.big;
  arena->allocated = mark.allocated;
}
