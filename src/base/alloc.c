#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

WR_NORETURN static void out_of_memory(size_t size) {
  fprintf(stderr, "warren: out of memory allocating %zu bytes\n", size);
  abort();
}

void *wr_malloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (!p) out_of_memory(size);
  return p;
}

void *wr_calloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) out_of_memory(count * size);
  return p;
}

void *wr_realloc(void *ptr, size_t size) {
  void *p = realloc(ptr, size ? size : 1);
  if (!p) out_of_memory(size);
  return p;
}

void *wr_realloc_array(void *ptr, size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) out_of_memory(SIZE_MAX);
  return wr_realloc(ptr, count * size);
}

char *wr_strndup(const char *s, size_t len) {
  char *p = wr_malloc(len + 1);
  memcpy(p, s, len);
  p[len] = 0;
  return p;
}

void wr_free(void *ptr) { free(ptr); }
