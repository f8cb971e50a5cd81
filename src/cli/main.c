/* `warren`: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"serve", cmd_serve, "serve a wasi:http component over HTTP"},
    {"run", cmd_run, "run a WASI command (a component or a core module)"},
    {"wast", cmd_wast, "run a spec test script converted by wast2json"},
    {"inspect", cmd_inspect, "show the imports and exports of a component or core module"},
    {"compile", cmd_compile, "precompile a component or core module into a .cwasm file"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: warren <command> [options] [args...]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n`warren <command> --help` describes a command's options.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("warren 0.1.0\n");
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "warren: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
