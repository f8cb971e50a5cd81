/* The `warren` subcommands; each lives in its own cmd_*.c file. */
#ifndef WARREN_CLI_COMMANDS_H
#define WARREN_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_wast(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_compile(int argc, char **argv);

#endif
