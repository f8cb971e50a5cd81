/* CPU kernel: loops a compiler vectorises, written as plain C. The wasm build is compiled with
 * -msimd128 (bench/cpu.sh, bench/cpu.cmake), so clang -O2 turns them into 128-bit SIMD: an i32
 * dot product (load, mul, add), saxpy on floats (f32x4 mul/add; no reductions, so the float
 * results do not depend on the order), counting a byte (i8x16 eq and widening adds), clamping
 * bytes (min/max) and a 16-bit blend. Natively gcc -O2 builds the same C (vectorised or not, as
 * gcc decides). Usage: simd [rounds]; prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 1 << 16, DEFAULT_ROUNDS = 5000 };

/* wrapping i32 arithmetic (as wasm's), written unsigned so that overflow is defined in C */
static uint32_t dot_i32(const uint32_t *a, const uint32_t *b, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += a[i] * b[i];
  return sum;
}

static void saxpy(float *y, const float *x, float a, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}

static uint32_t count_byte(const uint8_t *p, size_t n, uint8_t c) {
  uint32_t count = 0;
  for (size_t i = 0; i < n; i++) count += p[i] == c;
  return count;
}

static void clamp_bytes(uint8_t *dst, const uint8_t *src, uint8_t lo, uint8_t hi, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t v = src[i];
    dst[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

static void blend_u16(uint16_t *dst, const uint16_t *a, const uint16_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (uint16_t)((a[i] * 3 + b[i]) >> 2);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : DEFAULT_ROUNDS;
  uint32_t *ia = malloc(N * sizeof *ia), *ib = malloc(N * sizeof *ib);
  float *fx = malloc(N * sizeof *fx), *fy = malloc(N * sizeof *fy);
  uint8_t *bytes = malloc(N), *clamped = malloc(N);
  uint16_t *wa = malloc(N * sizeof *wa), *wb = malloc(N * sizeof *wb);
  if (!ia || !ib || !fx || !fy || !bytes || !clamped || !wa || !wb) return 1;
  uint32_t state = 2463534242u;
  for (size_t i = 0; i < N; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    ia[i] = (state & 0xFFFF) - 0x8000;
    ib[i] = (state >> 16) - 0x8000;
    fx[i] = (float)(state & 0xFFF) / 4096.0f;
    fy[i] = 0.0f;
    bytes[i] = (uint8_t)(state >> 8);
    wa[i] = (uint16_t)state;
    wb[i] = (uint16_t)(state >> 13);
  }
  uint64_t checksum = 0;
  for (int r = 0; r < rounds; r++) {
    checksum = checksum * 31 + dot_i32(ia, ib, N);
    saxpy(fy, fx, r & 1 ? 0.5f : -0.25f, N);
    checksum = checksum * 31 + count_byte(bytes, N, (uint8_t)r);
    clamp_bytes(clamped, bytes, (uint8_t)(r & 63), (uint8_t)(192 + (r & 63)), N);
    checksum = checksum * 31 + clamped[(size_t)r * 7919 % N];
    blend_u16(wa, wa, wb, N);
    checksum = checksum * 31 + wa[(size_t)r * 104729 % N];
    ia[(size_t)r % N] ^= (uint32_t)checksum; /* each round computes on new data */
  }
  uint32_t fbits = 0;
  for (size_t i = 0; i < N; i += 97) {
    uint32_t u;
    memcpy(&u, &fy[i], 4);
    fbits = fbits * 33 + u;
  }
  printf("simd checksum %016llx %08x\n", (unsigned long long)checksum, fbits);
  free(ia), free(ib), free(fx), free(fy), free(bytes), free(clamped), free(wa), free(wb);
  return 0;
}
