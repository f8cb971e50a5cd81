/* Guest output lines: prefix and rate limit (stdio_lines.h). */
#include "stdio_lines.h"

#include <stdio.h>
#include <string.h>

void wasi_stdio_lines_init(wasi_stdio_lines *lines, const char *prefix, wasi_output_limit *limit) {
  *lines = (wasi_stdio_lines){.prefix = prefix, .limit = prefix ? limit : NULL};
}

static void append_bytes(wasi_byte_vec *out, const void *bytes, size_t len) {
  WR_VEC_RESERVE(out, len);
  memcpy(out->items + out->len, bytes, len);
  out->len += len;
}

/* Whether the line starting now may be written; appends to `out` the notes on lines dropped
 * before it. */
static bool line_granted(wasi_stdio_lines *lines, wasi_byte_vec *out, size_t prefix_len) {
  wasi_output_limit *limit = lines->limit;
  if (!limit) return true;
  uint64_t now = wr_monotonic_ns(), own = 0, shared = 0;
  if (!wr_rate_limit_take(&limit->instance, now, &own)) return false;
  if (limit->shared && !wr_rate_limit_take(limit->shared, now, &shared)) {
    wr_rate_limit_add_dropped(&limit->instance, own); /* still to be reported */
    return false;
  }
  char note[160];
  int n = 0;
  if (shared)
    n = snprintf(note, sizeof note, "warren: %llu lines of guest output dropped (log rate limit)\n",
                 (unsigned long long)shared);
  append_bytes(out, note, (size_t)n);
  if (own) {
    append_bytes(out, lines->prefix, prefix_len);
    n = snprintf(note, sizeof note, "[warren: %llu lines of this instance dropped (over %g lines/s)]\n",
                 (unsigned long long)own, limit->instance.rate);
    append_bytes(out, note, (size_t)n);
  }
  return true;
}

void wasi_stdio_lines_format(wasi_stdio_lines *lines, const uint8_t *buf, size_t len, wasi_byte_vec *out) {
  if (!lines->prefix) {
    append_bytes(out, buf, len);
    return;
  }
  size_t prefix_len = strlen(lines->prefix), count = 1;
  for (size_t i = 0; i < len; i++) count += buf[i] == '\n';
  WR_VEC_RESERVE(out, len + count * prefix_len + 1);
  for (size_t i = 0; i < len; i++) {
    if (!lines->midline) {
      lines->midline = true;
      lines->dropping = !line_granted(lines, out, prefix_len);
      if (!lines->dropping) append_bytes(out, lines->prefix, prefix_len);
    }
    if (!lines->dropping) WR_VEC_PUSH(out, buf[i]);
    if (buf[i] == '\n') lines->midline = false;
  }
}
