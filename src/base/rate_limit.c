#include "rate_limit.h"

#include "clock.h"

void wr_rate_limit_init(wr_rate_limit *limit, double rate, double burst) {
  pthread_mutex_init(&limit->lock, NULL);
  limit->rate = rate;
  limit->burst = burst;
  limit->tokens = burst;
  limit->last_ns = wr_monotonic_ns();
  limit->dropped = 0;
}

void wr_rate_limit_destroy(wr_rate_limit *limit) { pthread_mutex_destroy(&limit->lock); }

bool wr_rate_limit_take(wr_rate_limit *limit, uint64_t now_ns, uint64_t *dropped) {
  pthread_mutex_lock(&limit->lock);
  if (now_ns > limit->last_ns) {
    limit->tokens += (double)(now_ns - limit->last_ns) * limit->rate / 1e9;
    if (limit->tokens > limit->burst) limit->tokens = limit->burst;
    limit->last_ns = now_ns;
  }
  bool granted = limit->tokens >= 1.0;
  if (granted) {
    limit->tokens -= 1.0;
    if (dropped) {
      *dropped = limit->dropped;
      limit->dropped = 0;
    }
  } else {
    limit->dropped++;
  }
  pthread_mutex_unlock(&limit->lock);
  return granted;
}

void wr_rate_limit_add_dropped(wr_rate_limit *limit, uint64_t count) {
  pthread_mutex_lock(&limit->lock);
  limit->dropped += count;
  pthread_mutex_unlock(&limit->lock);
}

uint64_t wr_rate_limit_take_dropped(wr_rate_limit *limit) {
  pthread_mutex_lock(&limit->lock);
  uint64_t n = limit->dropped;
  limit->dropped = 0;
  pthread_mutex_unlock(&limit->lock);
  return n;
}
