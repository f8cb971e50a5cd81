#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read once, by whichever thread logs first: pthread_once makes that safe from any thread. */
static int current_level;
static pthread_once_t level_once = PTHREAD_ONCE_INIT;

static void level_from_env(void) {
  current_level = WR_LOG_WARN;
  const char *s = getenv("WARREN_LOG");
  if (!s) return;
  static const char *names[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; i++)
    if (strcmp(s, names[i]) == 0) current_level = i;
}

bool wr_log_enabled(wr_log_level level) {
  pthread_once(&level_once, level_from_env);
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
