/* Shared macros for every layer: branch hints, sizes, inline control. */
#ifndef WARREN_BASE_COMMON_H
#define WARREN_BASE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define WR_LIKELY(x) __builtin_expect(!!(x), 1)
#define WR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WR_NOINLINE __attribute__((noinline))
#define WR_INLINE static inline __attribute__((always_inline))
#define WR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define WR_NORETURN __attribute__((noreturn))
#else
#define WR_LIKELY(x) (x)
#define WR_UNLIKELY(x) (x)
#define WR_NOINLINE
#define WR_INLINE static inline
#define WR_PRINTF(fmt, args)
#define WR_NORETURN
#endif

#define WR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define WR_MIN(a, b) ((a) < (b) ? (a) : (b))
#define WR_MAX(a, b) ((a) > (b) ? (a) : (b))
#define WR_UNUSED(x) ((void)(x))

#endif
