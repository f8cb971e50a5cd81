/* End to end: a real command component (clang + wasi-libc + the preview1 command adapter)
 * instantiated against the WASI 0.2 host, its wasi:cli/run called, and what it writes compared
 * with an expected file: its stdout, then its stderr (two pipes: libc buffers them differently).
 *
 * usage: wasi_p2_run_command COMPONENT EXPECTED STDIN|- HOST::GUEST|- [GUEST-ARG...]
 * The guest sees argv[0] "cmd", then the GUEST-ARGs, and CORPUS_ENV=from-wasi-p2-test. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "component/instance.h"
#include "wasi/p2.h"

#define MAX_OUTPUT (1 << 20)

static uint8_t *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(2);
  }
  uint8_t *bytes = wr_malloc(64 << 20);
  *size = fread(bytes, 1, 64 << 20, f);
  fclose(f);
  return bytes;
}

/* Drains the output pipe while the guest runs, so a large output cannot block it. */
typedef struct drain {
  int fd;
  char *text;
  size_t len;
} drain;

static void *drain_pipe(void *arg) {
  drain *d = arg;
  ssize_t n;
  while (d->len < MAX_OUTPUT && (n = read(d->fd, d->text + d->len, MAX_OUTPUT - d->len)) > 0) d->len += (size_t)n;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s COMPONENT EXPECTED STDIN|- HOST::GUEST|- [GUEST-ARG...]\n", argv[0]);
    return 2;
  }
  size_t size, expected_len;
  uint8_t *bytes = read_file(argv[1], &size);
  char *expected = (char *)read_file(argv[2], &expected_len);
  wasm_features features = wasm_features_default();
  wr_error err = {0};
  cm_component *component = cm_component_load(bytes, size, &features, &err);
  cm_host *host = cm_host_new();
  if (!component || !wasi_p2_define(host, &err)) {
    fprintf(stderr, "load: %s\n", err.message);
    return 1;
  }

  const char **args = WR_NEW_ARRAY(const char *, (size_t)argc);
  args[0] = "cmd";
  for (int i = 5; i < argc; i++) args[i - 4] = argv[i];
  static const char *const env[] = {"CORPUS_ENV=from-wasi-p2-test"};
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.args = args;
  config.nargs = (size_t)argc - 4;
  config.env = env;
  config.nenv = 1;
  config.stdio[0] = strcmp(argv[3], "-") ? open(argv[3], O_RDONLY | O_CLOEXEC) : -1;
  wasi_p2_preopen preopen;
  if (strcmp(argv[4], "-")) {
    char *sep = strstr(argv[4], "::");
    *sep = '\0';
    preopen = (wasi_p2_preopen){open(argv[4], O_PATH | O_DIRECTORY | O_CLOEXEC), sep + 2, false};
    config.preopens = &preopen;
    config.npreopens = 1;
  }
  int out[2], errs[2];
  if (pipe(out) || pipe(errs)) return 2;
  config.stdio[1] = out[1];
  config.stdio[2] = errs[1];
  drain d = {out[0], wr_malloc(MAX_OUTPUT + 1), 0}, e = {errs[0], wr_malloc(MAX_OUTPUT + 1), 0};
  pthread_t reader, err_reader;
  pthread_create(&reader, NULL, drain_pipe, &d);
  pthread_create(&err_reader, NULL, drain_pipe, &e);

  wasm_store *store = wasm_store_new();
  wasi_p2_ctx *ctx = wasi_p2_ctx_new(&config);
  wasi_p2_ctx_attach(ctx, store);
  wasm_trap *trap = NULL;
  cm_component_instance *inst = cm_instantiate(store, component, host, &trap, &err);
  int status = 1;
  if (!inst) {
    fprintf(stderr, "instantiate: %s\n", trap ? trap->message : err.message);
  } else {
    const cm_func *run = cm_instance_func(inst, "wasi:cli/run@0.2.0", "run");
    cm_arena *arena = cm_arena_new();
    cm_val result = {0};
    trap = run ? cm_func_call(inst, run, NULL, &result, arena) : NULL;
    if (!run) fprintf(stderr, "no wasi:cli/run export\n");
    else if (trap && trap->kind == WASM_TRAP_EXIT) status = trap->exit_code;
    else if (trap) fprintf(stderr, "run trapped: %s\n", trap->message);
    else status = (int)result.u.cs.index;
    cm_arena_free(arena);
    cm_component_instance_free(inst);
  }
  wasm_store_free(store);
  wasi_p2_ctx_free(ctx);
  close(out[1]);
  close(errs[1]);
  pthread_join(reader, NULL);
  pthread_join(err_reader, NULL);
  /* stdout then stderr, as one text */
  memcpy(d.text + d.len, e.text, WR_MIN(e.len, MAX_OUTPUT - d.len));
  d.len += WR_MIN(e.len, MAX_OUTPUT - d.len);
  d.text[d.len] = '\0';
  if (d.len != expected_len || memcmp(d.text, expected, expected_len) != 0) {
    fprintf(stderr, "output differs from %s:\n%s---\n", argv[2], d.text);
    status = 1;
  }
  printf("%s: status %d, %zu bytes of output\n", argv[1], status, d.len);
  if (config.stdio[0] >= 0) close(config.stdio[0]);
  if (config.npreopens) close(preopen.dirfd);
  wr_free(d.text);
  wr_free(e.text);
  wr_free(args);
  wr_free(expected);
  wr_free(bytes);
  cm_host_free(host);
  cm_component_free(component);
  return status;
}
