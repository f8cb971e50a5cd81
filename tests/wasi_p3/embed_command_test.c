/* warren_run_command (include/warren.h) runs WASI 0.3 commands as `warren run` does: the
 * guests of tests/wasi_p3 (command.wasm: stdio, arguments, environment, clocks; exit.wasm:
 * exit-with-code under a release-candidate name; deadlock.wasm: stuck).
 * Usage: embed_command_test command.wasm exit.wasm deadlock.wasm */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "warren.h"

static warren_component *load(const char *path) {
  FILE *f = fopen(path, "rb");
  static uint8_t bytes[1 << 16];
  size_t len = f ? fread(bytes, 1, sizeof bytes, f) : 0;
  if (f) fclose(f);
  warren_error *err = NULL;
  warren_component *c = warren_component_load(bytes, len, &err);
  if (!c) {
    fprintf(stderr, "%s: %s\n", path, warren_error_message(err));
    exit(2);
  }
  return c;
}

static char *read_all(FILE *f) {
  static char buf[4096];
  fflush(f);
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  return buf;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s command.wasm exit.wasm deadlock.wasm\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  warren_component *command = load(argv[1]), *exiting = load(argv[2]), *stuck = load(argv[3]);
  FILE *in = tmpfile(), *out = tmpfile(), *errf = tmpfile();
  fputs("from stdin\n", in);
  rewind(in);
  warren_wasi_config *config = warren_wasi_config_new();
  warren_wasi_config_add_arg(config, "prog");
  warren_wasi_config_add_arg(config, "x");
  warren_wasi_config_add_env(config, "A", "1");
  warren_wasi_config_set_stdio(config, fileno(in), fileno(out), fileno(errf));
  warren_error *err = NULL;
  int exit_code = -1;
  bool ran = warren_run_command(command, config, &exit_code, &err);
  if (!ran) fprintf(stderr, "command: %s\n", warren_error_message(err));
  CHECK(ran && exit_code == 0);
  CHECK(!strcmp(read_all(out), "hello from p3\nx\nA=1\nwaited\nfrom stdin\n"));
  CHECK(!strcmp(read_all(errf), "stderr from p3\n"));

  exit_code = -1;
  CHECK(warren_run_command(exiting, config, &exit_code, &err) && exit_code == 3);

  err = NULL;
  CHECK(!warren_run_command(stuck, config, &exit_code, &err) && err && strstr(warren_error_message(err), "deadlock"));
  warren_error_free(err);

  warren_wasi_config_free(config);
  fclose(in);
  fclose(out);
  fclose(errf);
  warren_component_free(command);
  warren_component_free(exiting);
  warren_component_free(stuck);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
