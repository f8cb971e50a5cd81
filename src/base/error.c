#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_message(wr_error *err, const char *fmt, va_list ap) {
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  err->failed = true;
}

void wr_error_set(wr_error *err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  set_message(err, fmt, ap);
  va_end(ap);
  err->has_offset = false;
}

void wr_error_at(wr_error *err, size_t offset, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  set_message(err, fmt, ap);
  va_end(ap);
  err->has_offset = true;
  err->offset = offset;
}

void wr_error_prefix(wr_error *err, const char *fmt, ...) {
  if (!err) return;
  char prefix[256], old[sizeof err->message];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->message, sizeof old);
  size_t n = strlen(prefix);
  if (n > sizeof err->message - 3) n = sizeof err->message - 3;
  memcpy(err->message, prefix, n);
  memcpy(err->message + n, ": ", 2);
  size_t rest = sizeof err->message - n - 3;
  size_t old_len = strnlen(old, rest);
  memcpy(err->message + n + 2, old, old_len);
  err->message[n + 2 + old_len] = 0;
  err->failed = true;
}

void wr_error_clear(wr_error *err) {
  if (!err) return;
  err->failed = false;
  err->has_offset = false;
  err->offset = 0;
  err->message[0] = 0;
}
