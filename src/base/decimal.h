/* Unsigned integers in decimal, without printf: for text written per request (status lines,
 * lengths, prefixes), where snprintf cost a measurable share of a small response. */
#ifndef WARREN_BASE_DECIMAL_H
#define WARREN_BASE_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* The digits of any uint64_t fit in this many bytes. */
#define WR_DECIMAL_MAX 20

/* Writes v's digits at the end of out[WR_DECIMAL_MAX] and returns where they start; their count is
 * out + WR_DECIMAL_MAX - the result. */
static inline char *wr_decimal(uint64_t v, char out[WR_DECIMAL_MAX]) {
  char *p = out + WR_DECIMAL_MAX;
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

#endif
