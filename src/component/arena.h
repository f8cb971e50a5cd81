/* A bump allocator for the component IR: types, names and tables are allocated while decoding
 * and all freed together with the outermost component, since types are shared by pointer. */
#ifndef WARREN_COMPONENT_ARENA_H
#define WARREN_COMPONENT_ARENA_H

#include "../base/common.h"

typedef struct cm_arena cm_arena;

cm_arena *cm_arena_new(void);
/* An arena whose first chunk holds `bytes` of allocations (those of any size): what an earlier
 * use of the same shape took, so that it needs one malloc (0: as cm_arena_new). */
cm_arena *cm_arena_new_reserved(size_t bytes);
void cm_arena_free(cm_arena *arena);
/* Zeroed, aligned for any type; never NULL (allocation failure aborts). */
void *cm_arena_alloc(cm_arena *arena, size_t size);
void *cm_arena_array(cm_arena *arena, size_t count, size_t size);
/* A NUL-terminated copy. */
char *cm_arena_strndup(cm_arena *arena, const void *s, size_t len);

/* A point to roll the arena back to: everything allocated after cm_arena_mark is released by
 * cm_arena_release (scratch values of one call, in an arena reused across calls). */
typedef struct cm_arena_mark {
  void *chunk;
  size_t used;
  void *big;
  size_t allocated;
} cm_arena_mark;
cm_arena_mark cm_arena_mark_now(cm_arena *arena);
void cm_arena_release(cm_arena *arena, cm_arena_mark mark);
/* Bytes allocated and not released (what lifting values into it has cost so far). */
size_t cm_arena_allocated(const cm_arena *arena);

#endif
