/* Prints the guest's arguments and its whole environment, one per line. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; i++) printf("arg[%d]=%s\n", i, argv[i]);
  for (char **e = environ; *e; e++) printf("env %s\n", *e);
  const char *greeting = getenv("GREETING");
  printf("getenv(GREETING)=%s\n", greeting ? greeting : "(unset)");
  return 0;
}
