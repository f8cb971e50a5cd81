/* The first program to run under Warren:
 *
 *   warren run --env NAME=you build/examples/hello.wasm some args
 *
 * It greets $NAME (or "world") and lists its arguments, showing that arguments and the
 * environment given with --env reach the guest. Built with clang --target=wasm32-wasi. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  const char *name = getenv("NAME");
  printf("Hello, %s! This is WebAssembly running on Warren.\n", name ? name : "world");
  printf("I got %d argument%s:\n", argc - 1, argc == 2 ? "" : "s");
  for (int i = 1; i < argc; i++) printf("  %d: %s\n", i, argv[i]);
  return 0;
}
