/* What a guest's stdout/stderr bytes become on the host fd, for 0.2's output-stream and 0.3's
 * write-via-stream alike: with a prefix ("stdout [3] :: "), the prefix before every line and
 * the output rate limit (io.h, wasi_output_limit) applied line by line, a refused line dropped
 * whole and the next granted one preceded by a note of how many were dropped; without one,
 * the bytes as they are. */
#ifndef WARREN_WASI_STDIO_LINES_H
#define WARREN_WASI_STDIO_LINES_H

#include "../base/vec.h"
#include "io.h"

typedef WR_VEC(uint8_t) wasi_byte_vec;

typedef struct wasi_stdio_lines {
  const char *prefix;       /* NULL: bytes pass unchanged (must outlive this) */
  wasi_output_limit *limit; /* with a prefix: lines over it are dropped (NULL: no cap) */
  bool midline;             /* the last byte seen was not a newline */
  bool dropping;            /* the current line was refused: its bytes up to the newline go too */
} wasi_stdio_lines;

void wasi_stdio_lines_init(wasi_stdio_lines *lines, const char *prefix, wasi_output_limit *limit);
/* Appends to `out` what `len` bytes of guest output become. */
void wasi_stdio_lines_format(wasi_stdio_lines *lines, const uint8_t *buf, size_t len, wasi_byte_vec *out);

#endif
