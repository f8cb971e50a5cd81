/* A growable array of any element type: WR_VEC(int) v = {0}; WR_VEC_PUSH(&v, 3); */
#ifndef WARREN_BASE_VEC_H
#define WARREN_BASE_VEC_H

#include "alloc.h"

#define WR_VEC(type) struct { type *items; size_t len, cap; }

#define WR_VEC_RESERVE(v, n)                                                        \
  do {                                                                              \
    if ((v)->len + (n) > (v)->cap) {                                                \
      size_t wr_new_cap_ = (v)->cap ? (v)->cap * 2 : 8;                             \
      while (wr_new_cap_ < (v)->len + (n)) wr_new_cap_ *= 2;                        \
      (v)->items = wr_realloc_array((v)->items, wr_new_cap_, sizeof(*(v)->items)); \
      (v)->cap = wr_new_cap_;                                                       \
    }                                                                               \
  } while (0)

#define WR_VEC_PUSH(v, value)           \
  do {                                  \
    WR_VEC_RESERVE(v, 1);               \
    (v)->items[(v)->len++] = (value);   \
  } while (0)

#define WR_VEC_FREE(v)        \
  do {                        \
    wr_free((v)->items);      \
    (v)->items = NULL;        \
    (v)->len = (v)->cap = 0;  \
  } while (0)

#endif
