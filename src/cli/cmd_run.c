/* Placeholder until `warren run` lands. */
#include <stdio.h>

#include "commands.h"

int cmd_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "warren run: not implemented yet\n");
  return 2;
}
