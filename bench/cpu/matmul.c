/* CPU kernel: dense double matrix multiply C = A * B (200x200, i-k-j order), repeated.
 * Usage: matmul [size]; prints a checksum of the result's bits, which match natively and
 * in wasm because both use IEEE doubles in the same order (build natively with
 * -ffp-contract=off so no fused multiply-add changes the rounding). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_SIZE = 200, REPEATS = 100 };

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : DEFAULT_SIZE;
  if (n < 1) return 1;
  size_t cells = (size_t)n * (size_t)n;
  /* One page-aligned block, each array starting on a page of its own, so that the three sit at
   * the same offsets natively and in wasm: left to each libc's malloc they do not (glibc maps each
   * 320 KB array apart; wasi-libc's dlmalloc puts them back to back, 8 bytes apart), and the
   * back-to-back layout alone makes the native build ~1.7x slower (stores to c and loads from b
   * then meet at the same 4 KiB offsets). */
  size_t stride = (cells * sizeof(double) + 4095) / 4096 * 4096;
  double *pool = aligned_alloc(4096, 3 * stride);
  if (!pool) return 1;
  double *a = pool, *b = pool + stride / sizeof(double), *c = pool + 2 * stride / sizeof(double);
  uint32_t state = 12345;
  for (size_t i = 0; i < cells; i++) {
    state = state * 1103515245u + 12345u;
    a[i] = (double)(state >> 8) / 16777216.0 - 0.5;
    state = state * 1103515245u + 12345u;
    b[i] = (double)(state >> 8) / 16777216.0 - 0.5;
  }
  uint64_t checksum = 0;
  for (int rep = 0; rep < REPEATS; rep++) {
    memset(c, 0, cells * sizeof *c);
    for (int i = 0; i < n; i++)
      for (int k = 0; k < n; k++) {
        double aik = a[(size_t)i * n + k];
        for (int j = 0; j < n; j++) c[(size_t)i * n + j] += aik * b[(size_t)k * n + j];
      }
    for (size_t i = 0; i < cells; i++) {
      uint64_t bits;
      memcpy(&bits, &c[i], sizeof bits);
      checksum = (checksum ^ bits) * 0x100000001b3ull;
    }
    a[rep % cells] += 1.0; /* each repeat computes something new */
  }
  printf("matmul checksum %016llx\n", (unsigned long long)checksum);
  free(pool);
  return 0;
}
