/* The monotonic clock every layer times with: deadlines, time slices, wasi:clocks'
 * monotonic-clock, rate limits. */
#ifndef WARREN_BASE_CLOCK_H
#define WARREN_BASE_CLOCK_H

#include "common.h"

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t wr_monotonic_ns(void);

#endif
