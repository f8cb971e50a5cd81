/* CPU kernel: quicksort (median of three, insertion sort for small ranges) of 1M
 * pseudo-random ints, several times. Usage: sort [count]; prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { DEFAULT_COUNT = 1000000, REPEATS = 5, SMALL_RANGE = 16 };

static void insertion_sort(int32_t *a, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) {
    int32_t v = a[i];
    long j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static void swap(int32_t *a, long i, long j) {
  int32_t t = a[i];
  a[i] = a[j];
  a[j] = t;
}

static void quicksort(int32_t *a, long lo, long hi) {
  while (hi - lo > SMALL_RANGE) {
    long mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    int32_t pivot = a[mid];
    long i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    /* Recurse into the smaller side so the stack stays O(log n). */
    if (j - lo < hi - i) {
      quicksort(a, lo, j);
      lo = i;
    } else {
      quicksort(a, i, hi);
      hi = j;
    }
  }
  insertion_sort(a, lo, hi);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : DEFAULT_COUNT;
  if (n < 1) return 1;
  int32_t *a = malloc((size_t)n * sizeof *a);
  if (!a) return 1;
  uint64_t state = 88172645463325252ull, checksum = 0;
  for (int rep = 0; rep < REPEATS; rep++) {
    for (long i = 0; i < n; i++) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      a[i] = (int32_t)(state >> 33) - (1 << 30);
    }
    quicksort(a, 0, n - 1);
    for (long i = 1; i < n; i++)
      if (a[i - 1] > a[i]) {
        printf("not sorted at %ld\n", i);
        return 1;
      }
    for (long i = 0; i < n; i += 1 + n / 1000) checksum = checksum * 1000003 + (uint32_t)a[i];
  }
  printf("sort checksum %016llx\n", (unsigned long long)checksum);
  free(a);
  return 0;
}
