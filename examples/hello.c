/* The first program to run under Warren:
 *
 *   warren run build/examples/hello.wasm Ada
 *   warren run --env NAME=Ada build/examples/hello.wasm and some args
 *
 * It greets its first argument (else $NAME, else "world") and lists its arguments and
 * environment, showing what reaches the guest: the arguments after the file, and only
 * the variables given with --env. Built with clang --target=wasm32-wasi. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : getenv("NAME");
  printf("Hello, %s! This is WebAssembly running on Warren.\n", name ? name : "world");
  printf("arguments:");
  for (int i = 0; i < argc; i++) printf(" %s", argv[i]);
  printf("\nenvironment:");
  if (!environ[0]) printf(" (empty; pass variables with --env NAME=VALUE)");
  for (char **e = environ; *e; e++) printf(" %s", *e);
  printf("\n");
  return 0;
}
