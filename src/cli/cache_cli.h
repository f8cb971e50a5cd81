/* The compiled-module cache (wasm/cache.h) as `warren run` and `warren serve` use it. */
#ifndef WARREN_CLI_CACHE_CLI_H
#define WARREN_CLI_CACHE_CLI_H

#include "wasm/cache.h"

#define CLI_CACHE_HELP                                                                          \
  "  --no-cache        load without the compiled-module cache: by default what loading costs\n"  \
  "                    beyond decoding (validation, memory images) is kept in a file per input\n" \
  "                    in $XDG_CACHE_HOME/warren (else ~/.cache/warren), one file per input\n"    \
  "                    and build; a corrupt or foreign file is reported and rewritten. The file\n" \
  "                    holds every function translated (writing it translates them all once),\n" \
  "                    so a run from it translates none. A file from `warren compile` runs as\n"  \
  "                    is. WARREN_STATS=1 prints at exit how many functions were translated and\n" \
  "                    how many came from a file.\n"                                              \
  CLI_CACHE_MAX_SIZE_HELP("  --cache-max-size SIZE  ", "                    ")
/* The flag's help, in a command's columns: `flag` padded to the first, `indent` for the rest. */
#define CLI_CACHE_MAX_SIZE_HELP(flag, indent)                                                      \
  flag "bound on the cache directory: when a write takes it past SIZE, the\n"                   \
  indent "least recently used files are deleted down to 70%% (bytes, or with K,\n"               \
  indent "M or G; 0: none; default $WARREN_CACHE_MAX_SIZE, else 1G)\n"

typedef struct cli_cache {
  wasm_cache_session *session;
  const char *command, *path;
} cli_cache;

/* The cache directory's bound: --cache-max-size's value when given (flag_value), else
 * $WARREN_CACHE_MAX_SIZE, else 1 GiB (cache_dir.h); false with a message printed when malformed. */
bool cli_cache_max_size(const char *flag_value, uint64_t *bytes, const char *command);
/* After reading the input: a precompiled file (`warren compile`) is checked whole and its input
 * replaces *bytes (false, message printed, when it is corrupt); otherwise, unless no_cache, the
 * loads that follow on this thread go through the cache, kept within max_size. Notes (a rejected file) are printed. */
bool cli_cache_begin(cli_cache *cache, const char *command, const char *path, bool no_cache, uint64_t max_size,
                     uint8_t **bytes, size_t *size, const wasm_features *features);
/* Right after loading: writes the cache file if it was missing or rejected (silently skipped
 * when it cannot be written). */
void cli_cache_end(cli_cache *cache, bool loaded);
/* At exit, with WARREN_STATS set: the functions translated in this process and those taken
 * translated from a cache file, on stderr. */
void cli_cache_report(const char *command);

#endif
