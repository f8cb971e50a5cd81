/* `exit N` calls exit(N); `return N` returns N from main; stdout is flushed either way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) return 100;
  int code = atoi(argv[2]);
  printf("leaving with %d\n", code);
  if (!strcmp(argv[1], "exit")) exit(code);
  return code;
}
