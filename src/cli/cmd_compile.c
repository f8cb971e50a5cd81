/* `warren compile`: loads a component or core module once, translates every function, and writes
 * what loading and running it costs beyond decoding (validation's outcome, memory images, every
 * function's internal and machine code; wasm/cache.h) to a file that `warren run` and `warren
 * serve` take in its place. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "commands.h"
#include "component/component.h"
#include "options.h"
#include "wasm/cache.h"
#include "wasm/runtime.h"

enum { COMPILE_EXIT_FAILED = 1, COMPILE_EXIT_USAGE = 2 };

static void usage(FILE *out) {
  fprintf(out,
          "usage: warren compile [-o OUT.cwasm] FILE.wasm\n"
          "\n"
          "Loads FILE.wasm (a component or a core module) as `warren run` and `warren serve` would,\n"
          "translates every function, and writes OUT.cwasm (default: FILE with .wasm replaced by\n"
          ".cwasm): the input together with validation's outcome, the memory images and every\n"
          "function's translation (internal code, and x86-64 machine code for this CPU),\n"
          "versioned and checksummed for this warren build. `warren run OUT.cwasm` and `warren\n"
          "serve OUT.cwasm` then load it without validating it again and run its functions\n"
          "without translating them. OUT.cwasm holds code that will run: treat it as you would\n"
          "FILE. FILE must be a regular file of at most 1 GiB.\n"
          "\n"
          "options:\n"
          "  -o OUT            where to write (replaced whole, never half-written)\n"
          "  -h, --help        show this help\n"
          "\n"
          "exit status: 0 when written; 1 if FILE cannot be loaded or OUT written; 2 on usage errors.\n");
}

static char *default_output(const char *path) {
  size_t n = strlen(path);
  if (n > 5 && !strcmp(path + n - 5, ".wasm")) n -= 5;
  char *out = wr_malloc(n + 7);
  memcpy(out, path, n);
  memcpy(out + n, ".cwasm", 7);
  return out;
}

int cmd_compile(int argc, char **argv) {
  const char *path = NULL, *output = NULL;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *value;
    bool missing = false;
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
      usage(stdout);
      return 0;
    }
    if ((value = cli_option_value(argc, argv, &i, "-o", &missing))) {
      output = value;
    } else if (missing) {
      fprintf(stderr, "warren compile: %s needs a value\n", arg);
      return COMPILE_EXIT_USAGE;
    } else if (arg[0] == '-' && arg[1]) {
      fprintf(stderr, "warren compile: unknown option '%s'\n\n", arg);
      usage(stderr);
      return COMPILE_EXIT_USAGE;
    } else if (path) {
      fprintf(stderr, "warren compile: one input at a time ('%s' and '%s')\n", path, arg);
      return COMPILE_EXIT_USAGE;
    } else {
      path = arg;
    }
  }
  if (!path) {
    usage(stderr);
    return COMPILE_EXIT_USAGE;
  }
  uint8_t *bytes = NULL;
  size_t size = 0;
  if (!cli_read_file(path, &bytes, &size)) return COMPILE_EXIT_FAILED;
  if (wasm_cache_is_precompiled(bytes, size)) {
    fprintf(stderr, "warren compile: %s is already compiled\n", path);
    wr_free(bytes);
    return COMPILE_EXIT_FAILED;
  }
  char *out = output ? wr_strndup(output, strlen(output)) : default_output(path);
  wasm_features features = wasm_features_default();
  wr_error err = {0};
  wasm_cache_session *session = wasm_cache_begin_compile(out, bytes, size, &features);
  bool loaded;
  if (cm_is_component(bytes, size)) {
    cm_component *component = cm_component_load(bytes, size, &features, &err);
    loaded = component != NULL;
    if (component) cm_component_free(component);
  } else {
    wasm_module *module = wasm_module_load(bytes, size, &features, &err, NULL);
    loaded = module != NULL;
    if (module) wasm_module_free(module);
  }
  int status = 0;
  if (!loaded) {
    fprintf(stderr, "warren compile: %s: %s\n", path, err.message);
    status = COMPILE_EXIT_FAILED;
  }
  wr_error write_err = {0};
  if (!wasm_cache_end(session, loaded, &write_err)) {
    fprintf(stderr, "warren compile: %s\n", write_err.message);
    status = COMPILE_EXIT_FAILED;
  }
  wr_free(out);
  wr_free(bytes);
  return status;
}
