/* The log-line token bucket (src/base/rate_limit.c) driven with explicit times: grants up to the
 * burst, refills at the rate, never above the burst, and counts what it refused so that the next
 * grant reports it once. */
#include "base/rate_limit.h"
#include "../check.h"

#define SECOND 1000000000ull

int main(void) {
  wr_rate_limit limit;
  wr_rate_limit_init(&limit, 10.0, 20.0);
  uint64_t t = limit.last_ns, dropped = 99;
  int granted = 0;
  for (int i = 0; i < 25; i++) granted += wr_rate_limit_take(&limit, t, &dropped);
  CHECK(granted == 20); /* the burst */
  CHECK(dropped == 0);  /* nothing was refused before the last grant */
  /* half a second later: 5 more tokens; the first grant reports the 5 refused */
  t += SECOND / 2;
  CHECK(wr_rate_limit_take(&limit, t, &dropped));
  CHECK(dropped == 5);
  granted = 1;
  while (wr_rate_limit_take(&limit, t, &dropped)) granted++;
  CHECK(granted == 5);
  CHECK(dropped == 0);
  /* a long pause refills only up to the burst */
  t += 3600 * SECOND;
  granted = 0;
  for (int i = 0; i < 100; i++) granted += wr_rate_limit_take(&limit, t, NULL);
  CHECK(granted == 20);
  /* counts handed in from elsewhere are reported by the next grant, or taken for a summary */
  wr_rate_limit_add_dropped(&limit, 7);
  CHECK(wr_rate_limit_take_dropped(&limit) == 80 + 1 + 7);
  CHECK(wr_rate_limit_take_dropped(&limit) == 0);
  /* a clock that goes backwards adds nothing */
  CHECK(!wr_rate_limit_take(&limit, t - SECOND, NULL));
  wr_rate_limit_destroy(&limit);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
