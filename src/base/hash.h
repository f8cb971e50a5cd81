/* A hash for names in lookup tables (FNV-1a): short keys, no adversary who profits from
 * collisions (the names come from a module the server already accepted). */
#ifndef WARREN_BASE_HASH_H
#define WARREN_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t wr_hash_name(const char *name, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)name[i]) * 16777619u;
  return h;
}

#endif
