/* Placeholder until `warren wast` lands. */
#include <stdio.h>

#include "commands.h"

int cmd_wast(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "warren wast: not implemented yet\n");
  return 2;
}
