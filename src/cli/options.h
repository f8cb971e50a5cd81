/* Command-line pieces shared by `warren run` and `warren serve`. */
#ifndef WARREN_CLI_OPTIONS_H
#define WARREN_CLI_OPTIONS_H

#include "base/vec.h"
#include "wasi/p2.h"
#include "wasm/module.h"

typedef WR_VEC(char *) cli_strings;

/* --env NAME=VALUE (set) or --env NAME (the host's value, if set), into owned "KEY=VALUE"
 * strings, a later value of a name replacing an earlier one. false (message printed) on an
 * empty name. */
bool cli_add_env(cli_strings *env, const char *arg, const char *command);
/* The value of an option given as "NAME VALUE" or "NAME=VALUE", or NULL if argv[*i] is not
 * that option (*missing set when it is but has no value). Advances *i past a separate value. */
const char *cli_option_value(int argc, char **argv, int *i, const char *name, bool *missing);
/* The BYTES of -W max-memory-size=BYTES: a whole number, at least 1; false with a message
 * printed. */
bool cli_parse_max_memory_size(const char *text, uint64_t *bytes, const char *command);
/* -W NAME[=y|n] for the wasm proposals wasmtime names so: multi-memory (on by default), memory64
 * and exceptions (off by default). 1 when `option` is one of them (applied to *features), 0 when
 * it is not, -1 on a bad value (message printed). */
int cli_wasm_feature_option(const char *option, wasm_features *features, const char *command);
#define CLI_WASM_FEATURES_HELP                                                                \
  "  -W multi-memory[=y|n]       multiple memories (default y)\n"                           \
  "  -W memory64[=y|n]           64-bit memories (default n)\n"                             \
  "  -W exceptions[=y|n]         exception handling (default n)\n"

/* A whole file (also pipes and special files); false with a message printed. */
bool cli_read_file(const char *path, uint8_t **bytes_out, size_t *size_out);
/* --dir HOST[::GUEST]: opens each host directory (message printed on failure). */
bool cli_open_preopens(const char *const *dirs, size_t ndirs, wasi_p2_preopen *out, const char *command);
void cli_close_preopens(wasi_p2_preopen *preopens, size_t n);

#endif
