/* A token bucket for log lines: `rate` lines per second on average, up to `burst` at once.
 * Lines refused are counted so that a later line can say how many went missing. Thread-safe
 * (one bucket may be shared by every worker thread of a server). */
#ifndef WARREN_BASE_RATE_LIMIT_H
#define WARREN_BASE_RATE_LIMIT_H

#include <pthread.h>

#include "common.h"

typedef struct wr_rate_limit {
  pthread_mutex_t lock;
  double rate;    /* tokens added per second */
  double burst;   /* the most tokens the bucket holds */
  double tokens;
  uint64_t last_ns; /* when tokens were last topped up */
  uint64_t dropped; /* refused (or handed in with wr_rate_limit_add_dropped) and not yet reported */
} wr_rate_limit;

/* A full bucket. */
void wr_rate_limit_init(wr_rate_limit *limit, double rate, double burst);
void wr_rate_limit_destroy(wr_rate_limit *limit);
/* Takes a token at `now_ns` (a monotonic clock). Refused: false, and the line counts as
 * dropped. Granted: true, and *dropped gets the lines dropped since they were last reported,
 * which the caller reports before its line (the count starts again from 0); with dropped NULL
 * the count is kept. */
bool wr_rate_limit_take(wr_rate_limit *limit, uint64_t now_ns, uint64_t *dropped);
/* Counts lines dropped elsewhere (a finished instance's) to be reported by the next grant. */
void wr_rate_limit_add_dropped(wr_rate_limit *limit, uint64_t count);
/* Dropped lines not reported yet, and the count starts again from 0 (for a last summary). */
uint64_t wr_rate_limit_take_dropped(wr_rate_limit *limit);

#endif
