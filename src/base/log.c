#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int current_level = -1;

static int level_from_env(void) {
  const char *s = getenv("WARREN_LOG");
  if (!s) return WR_LOG_WARN;
  static const char *names[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, names[i]) == 0) return i;
  return WR_LOG_WARN;
}

bool wr_log_enabled(wr_log_level level) {
  if (current_level < 0) current_level = level_from_env();
  return (int)level <= current_level;
}

void wr_log(wr_log_level level, const char *fmt, ...) {
  if (!wr_log_enabled(level)) return;
  static const char *tags[] = {"error", "warn", "info", "debug"};
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fprintf(stderr, "warren %s: %s\n", tags[level], line);
}
