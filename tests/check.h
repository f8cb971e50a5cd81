/* The check counter of the C unit tests: CHECK(cond) counts a check and, when it fails, counts a
 * failure and prints the condition with its file and line; main prints the totals and returns
 * non-zero when `failures` is. One test program is one translation unit, so the counters are
 * plain statics. */
#ifndef WARREN_TESTS_CHECK_H
#define WARREN_TESTS_CHECK_H

#include <stdio.h>

static int checks, failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    checks++;                                                                  \
    if (!(cond)) {                                                             \
      failures++;                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#endif
