/* The compiled-module cache (wasm/cache.h) as `warren run` and `warren serve` use it. */
#ifndef WARREN_CLI_CACHE_CLI_H
#define WARREN_CLI_CACHE_CLI_H

#include "wasm/cache.h"

#define CLI_CACHE_HELP                                                                          \
  "  --no-cache        load without the compiled-module cache: by default what loading costs\n"  \
  "                    beyond decoding (validation, memory images) is kept in a file per input\n" \
  "                    in $XDG_CACHE_HOME/warren (else ~/.cache/warren), one file per input,\n"   \
  "                    never evicted (delete the folder to clear it); a corrupt or foreign file\n" \
  "                    is reported and rewritten. The file holds every function translated\n"    \
  "                    (writing it translates them all once), so a run from it translates none.\n" \
  "                    A file from `warren compile` runs as is. WARREN_STATS=1 prints at exit\n"  \
  "                    how many functions were translated and how many came from a file.\n"

typedef struct cli_cache {
  wasm_cache_session *session;
  const char *command, *path;
} cli_cache;

/* After reading the input: a precompiled file (`warren compile`) is checked whole and its input
 * replaces *bytes (false, message printed, when it is corrupt); otherwise, unless no_cache, the
 * loads that follow on this thread go through the cache. Notes (a rejected file) are printed. */
bool cli_cache_begin(cli_cache *cache, const char *command, const char *path, bool no_cache, uint8_t **bytes,
                     size_t *size, const wasm_features *features);
/* Right after loading: writes the cache file if it was missing or rejected (silently skipped
 * when it cannot be written). */
void cli_cache_end(cli_cache *cache, bool loaded);
/* At exit, with WARREN_STATS set: the functions translated in this process and those taken
 * translated from a cache file, on stderr. */
void cli_cache_report(const char *command);

#endif
