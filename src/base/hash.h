/* A hash for names in lookup tables: short keys (WIT names of a few dozen bytes), no adversary
 * who profits from collisions (the names come from a module the server already accepted). Eight
 * bytes a step, each mixed in by a multiply, then the high bits folded down. */
#ifndef WARREN_BASE_HASH_H
#define WARREN_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t wr_hash_name(const char *name, size_t len) {
  const uint64_t k = 0x9e3779b97f4a7c15u;
  uint64_t h = (uint64_t)len * k;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, name + i, 8);
    h = (h ^ w) * k;
    h ^= h >> 29;
  }
  if (i < len) {
    uint64_t w = 0;
    memcpy(&w, name + i, len - i);
    h = (h ^ w) * k;
    h ^= h >> 29;
  }
  h *= k;
  return (uint32_t)(h >> 32);
}

#endif
