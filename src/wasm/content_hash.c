/* The content hash (content_hash.h): four independent multiply-rotate lanes over 32-byte
 * stripes (so the multiplies overlap), the tail eight bytes then one byte at a time, and two
 * differently mixed 64-bit finals. About as fast as memory can be read. */
#include "content_hash.h"

#include <string.h>

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static uint64_t word(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w; /* host order: the cache is only read back on the host that wrote it */
}
static uint64_t lane(uint64_t acc, uint64_t w) { return rotl(acc + w * P2, 31) * P1; }
static uint64_t avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

wasm_hash128 wasm_content_hash(const uint8_t *bytes, size_t size) {
  uint64_t v[4] = {P1 + P2, P2, 0, (uint64_t)0 - P1};
  const uint8_t *p = bytes, *end = bytes + size;
  while (end - p >= 32) {
    for (int k = 0; k < 4; k++) v[k] = lane(v[k], word(p + 8 * k));
    p += 32;
  }
  uint64_t tail = P4 ^ (uint64_t)size;
  while (end - p >= 8) {
    tail = rotl(tail ^ lane(0, word(p)), 27) * P1 + P4;
    p += 8;
  }
  while (p < end) tail = rotl(tail ^ (*p++ * P3), 11) * P1;
  wasm_hash128 h;
  h.lo = avalanche(rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18) + tail);
  h.hi = avalanche((v[0] * P3) ^ rotl(v[1], 23) ^ (v[2] * P4) ^ rotl(v[3], 41) ^ rotl(tail, 17) ^ h.lo);
  return h;
}
