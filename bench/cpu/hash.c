/* CPU kernel: integer hashing. FNV-1a (byte at a time, multiply-bound) and a
 * 32-bit-lane multiply-rotate hash in the style of xxHash (word at a time) over a
 * pseudo-random buffer, several rounds. Usage: hash [rounds]; prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { BUFFER_SIZE = 1 << 20, DEFAULT_ROUNDS = 160 };

static uint64_t fnv1a(const uint8_t *p, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static uint32_t read32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Four independent lanes, so the work has the instruction-level parallelism real hashes use. */
static uint32_t lane_hash(const uint8_t *p, size_t n, uint32_t seed) {
  const uint32_t prime1 = 2654435761u, prime2 = 2246822519u, prime3 = 3266489917u;
  uint32_t v[4] = {seed + prime1 + prime2, seed + prime2, seed, seed - prime1};
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int lane = 0; lane < 4; lane++)
      v[lane] = rotl32(v[lane] + read32(p + i + 4 * lane) * prime2, 13) * prime1;
  uint32_t h =
      rotl32(v[0], 1) + rotl32(v[1], 7) + rotl32(v[2], 12) + rotl32(v[3], 18) + (uint32_t)n;
  for (; i < n; i++) h = rotl32(h + p[i] * prime3, 11) * prime1;
  h ^= h >> 15;
  h *= prime2;
  h ^= h >> 13;
  return h;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : DEFAULT_ROUNDS;
  uint8_t *buf = malloc(BUFFER_SIZE);
  if (!buf) return 1;
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < BUFFER_SIZE; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    buf[i] = (uint8_t)state;
  }
  uint64_t fnv = 0xcbf29ce484222325ull, lanes = 0;
  for (int r = 0; r < rounds; r++) {
    fnv = fnv1a(buf, BUFFER_SIZE, fnv);
    lanes = lanes * 31 + lane_hash(buf, BUFFER_SIZE - (size_t)r, (uint32_t)r);
    buf[(size_t)r * 7919 % BUFFER_SIZE] ^= (uint8_t)fnv; /* each round hashes new data */
  }
  printf("hash checksum %016llx\n", (unsigned long long)(fnv ^ lanes));
  free(buf);
  return 0;
}
