/* Traps in the way named by argv[1], after printing (and flushing) a line. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Recursion that never ends and keeps its state in wasm locals (nothing address-taken), so
 * it exhausts the engine's call stack rather than the C stack in linear memory. */
static int depth(int n) { return n <= 0 ? 0 : 1 + depth(n + 1) + depth(n - 2); }

int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "unreachable";
  printf("about to trap: %s\n", how);
  fflush(stdout);
  volatile int zero = 0;
  if (!strcmp(how, "unreachable")) __builtin_trap();
  if (!strcmp(how, "divide")) return argc / zero; /* not 1 / x: clang turns that into a select */
  if (!strcmp(how, "memory")) return *(volatile int *)(uintptr_t)0xfffffff0u;
  if (!strcmp(how, "stack")) return depth(1);
  return 0;
}
