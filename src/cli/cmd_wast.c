/* `warren wast`: run a spec test script converted by wast2json and report
 * "N passed, N failed" (counted as wabt's spectest-interp counts). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "wast_component.h"
#include "wast_runner.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: warren wast [options] FILE.json\n"
          "       warren wast --component [options] FILE.json\n"
          "\n"
          "Runs a spec test script converted by `wast2json` (wabt). Prints each failure as\n"
          "FILE:LINE: ..., then `N passed, N failed`. Exit status 1 if any failed, 2 on\n"
          "usage or I/O errors.\n"
          "\n"
          "With --component, FILE.json is a component-model script converted by\n"
          "tests/component_suite/wast2json.mjs; it prints `N passed, N failed, N skipped`\n"
          "(skipped: commands the converter could not encode).\n"
          "\n"
          "options:\n"
          "  --enable-simd / --disable-simd   128-bit SIMD (default on)\n"
          "  --enable-tail-call               tail calls\n"
          "  --enable-extended-const          extended constant expressions (default on;\n"
          "                                   --disable-extended-const turns them off)\n"
          "  --enable-multi-memory            multiple memories (default on;\n"
          "                                   --disable-multi-memory turns them off)\n"
          "  --enable-exceptions              exception handling\n"
          "  --enable-memory64                64-bit memories\n"
          "  --strict                         also require the expected error category and text\n"
          "  -v, --verbose                    print every command's outcome\n");
}

typedef struct {
  const char *name;
  size_t offset;
  bool value;
} feature_flag;

#define FLAG(name, field, value) {name, offsetof(wasm_features, field), value}
static const feature_flag feature_flags[] = {
    FLAG("--enable-simd", simd, true),
    FLAG("--disable-simd", simd, false),
    FLAG("--enable-tail-call", tail_call, true),
    FLAG("--enable-extended-const", extended_const, true),
    FLAG("--disable-extended-const", extended_const, false),
    FLAG("--enable-multi-memory", multi_memory, true),
    FLAG("--disable-multi-memory", multi_memory, false),
    FLAG("--enable-exceptions", exceptions, true),
    FLAG("--enable-memory64", memory64, true),
};
#undef FLAG

static bool apply_feature_flag(const char *arg, wasm_features *features) {
  for (size_t i = 0; i < sizeof feature_flags / sizeof feature_flags[0]; i++)
    if (!strcmp(arg, feature_flags[i].name)) {
      *(bool *)((char *)features + feature_flags[i].offset) = feature_flags[i].value;
      return true;
    }
  return false;
}

int cmd_wast(int argc, char **argv) {
  wast_options options = {.features = wasm_features_default()};
  const char *path = NULL;
  bool component = false;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose")) {
      options.verbose = true;
    } else if (!strcmp(arg, "--component")) {
      component = true;
    } else if (!strcmp(arg, "--strict")) {
      options.strict = true;
    } else if (apply_feature_flag(arg, &options.features)) {
      continue;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      fprintf(stderr, "warren wast: unknown option '%s'\n\n", arg);
      usage(stderr);
      return 2;
    } else if (path) {
      fprintf(stderr, "warren wast: only one script at a time ('%s' and '%s')\n", path, arg);
      return 2;
    } else {
      path = arg;
    }
  }
  if (!path) {
    usage(stderr);
    return 2;
  }

  /* Line-buffered so that, if the engine crashes, the report shows the command before it. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  wr_error err = {0};
  if (component) {
    wast_component_counts counts;
    bool ran = wast_component_run_file(path, &options, &counts, &err);
    fflush(stdout);
    if (!ran) {
      fprintf(stderr, "warren wast: %s\n", err.message);
      return 2;
    }
    printf("%u passed, %u failed, %u skipped\n", counts.passed, counts.failed, counts.skipped);
    return counts.failed ? 1 : 0;
  }
  wast_counts counts;
  bool ran = wast_run_file(path, &options, &counts, &err);
  fflush(stdout);
  if (!ran) {
    fprintf(stderr, "warren wast: %s\n", err.message);
    return 2;
  }
  printf("%u passed, %u failed\n", counts.passed, counts.failed);
  return counts.failed ? 1 : 0;
}
