/* Allocation that never returns NULL: running out of memory aborts with a message,
 * so callers need no error path for it. Length fields from untrusted input must be
 * bounded by the caller (against the bytes remaining) before they reach these. */
#ifndef WARREN_BASE_ALLOC_H
#define WARREN_BASE_ALLOC_H

#include "common.h"

void *wr_malloc(size_t size);
void *wr_calloc(size_t count, size_t size);
void *wr_realloc(void *ptr, size_t size);
/* realloc to count * size, aborting on multiplication overflow */
void *wr_realloc_array(void *ptr, size_t count, size_t size);
char *wr_strndup(const char *s, size_t len);
void wr_free(void *ptr);

#define WR_NEW(type) ((type *)wr_calloc(1, sizeof(type)))
#define WR_NEW_ARRAY(type, n) ((type *)wr_calloc((n), sizeof(type)))

#endif
