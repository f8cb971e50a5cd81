/* The clocks: monotonic time advances across a sleep (poll_oneoff), realtime is after
 * 2020, and resolutions are sensible. */
#include <stdio.h>
#include <time.h>

static int failures;

static void check(int ok, const char *what) {
  if (!ok) {
    printf("FAIL %s\n", what);
    failures++;
  }
}

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
  const long long nap_ns = 20 * 1000 * 1000, year_2020 = 1577836800;
  struct timespec before, after, real, res, nap = {0, nap_ns};
  check(clock_gettime(CLOCK_MONOTONIC, &before) == 0, "clock_gettime(CLOCK_MONOTONIC)");
  check(nanosleep(&nap, NULL) == 0, "nanosleep");
  check(clock_gettime(CLOCK_MONOTONIC, &after) == 0, "clock_gettime(CLOCK_MONOTONIC) again");
  check(ns(after) - ns(before) >= nap_ns, "monotonic clock advanced by the sleep");
  check(clock_gettime(CLOCK_REALTIME, &real) == 0 && real.tv_sec > year_2020,
        "realtime after 2020");
  check(time(NULL) > year_2020, "time() after 2020");
  check(clock_getres(CLOCK_MONOTONIC, &res) == 0 && ns(res) > 0 && ns(res) <= 1000000000LL,
        "monotonic resolution");
  check(clock_getres(CLOCK_REALTIME, &res) == 0 && ns(res) > 0, "realtime resolution");
  printf(failures ? "clock FAILED\n" : "clock ok\n");
  return failures != 0;
}
