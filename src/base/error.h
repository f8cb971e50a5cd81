/* Error values with a message: every failure that input can cause is reported through one of
 * these, never by crashing. `offset` locates the problem in the input (a byte offset in a
 * binary) when `has_offset` is set. */
#ifndef WARREN_BASE_ERROR_H
#define WARREN_BASE_ERROR_H

#include "common.h"

typedef struct wr_error {
  bool failed;
  bool has_offset;
  size_t offset;
  char message[512];
} wr_error;

void wr_error_set(wr_error *err, const char *fmt, ...) WR_PRINTF(2, 3);
void wr_error_at(wr_error *err, size_t offset, const char *fmt, ...) WR_PRINTF(3, 4);
/* Prefix an existing message with context ("in function 3: ..."). */
void wr_error_prefix(wr_error *err, const char *fmt, ...) WR_PRINTF(2, 3);
void wr_error_clear(wr_error *err);

#endif
