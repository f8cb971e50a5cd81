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
  double *a = malloc(cells * sizeof *a), *b = malloc(cells * sizeof *b),
         *c = malloc(cells * sizeof *c);
  if (!a || !b || !c) return 1;
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
  free(a);
  free(b);
  free(c);
  return 0;
}
