/* The compiled-module cache in `warren run` and `warren serve` (cache_cli.h). */
#include "cache_cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "wasm/cache_dir.h"
#include "wasm/compile.h"
#include "wasm/native.h"

bool cli_cache_max_size(const char *flag_value, uint64_t *bytes, const char *command) {
  wr_error err = {0};
  if (!flag_value) {
    if (wasm_cache_max_size_from_env(bytes, &err)) return true;
    fprintf(stderr, "%s: %s\n", command, err.message);
    return false;
  }
  if (wasm_cache_parse_size(flag_value, bytes, &err)) return true;
  fprintf(stderr, "%s: --cache-max-size: %s\n", command, err.message);
  return false;
}

bool cli_cache_begin(cli_cache *cache, const char *command, const char *path, bool no_cache, uint64_t max_size,
                     uint8_t **bytes, size_t *size, const wasm_features *features) {
  cache->command = command;
  cache->path = path;
  cache->session = NULL;
  char note[768];
  if (wasm_cache_is_precompiled(*bytes, *size)) {
    wr_error err = {0};
    uint8_t *input;
    size_t input_size;
    cache->session = wasm_cache_begin_precompiled(path, features, &input, &input_size, note, sizeof note, &err);
    if (!cache->session) {
      fprintf(stderr, "%s: %s\n", command, err.message);
      return false;
    }
    wr_free(*bytes);
    *bytes = input;
    *size = input_size;
  } else if (!no_cache) {
    char *dir = wasm_cache_default_dir();
    cache->session = wasm_cache_begin(dir, *bytes, *size, features, note, sizeof note);
    wasm_cache_set_max_size(cache->session, max_size);
    wr_free(dir);
  } else {
    return true;
  }
  if (note[0]) fprintf(stderr, "%s: %s\n", command, note);
  return true;
}

void cli_cache_end(cli_cache *cache, bool loaded) {
  if (!cache->session) return;
  /* a cache directory that cannot be written (read-only home, full disk) only costs speed: say
   * nothing, as a guest's own output must not be mixed with notes about it */
  wr_error err = {0};
  wasm_cache_end(cache->session, loaded, &err);
  cache->session = NULL;
}

void cli_cache_report(const char *command) {
  if (!getenv("WARREN_STATS")) return;
  fprintf(stderr,
          "%s: functions translated: %llu to internal code, %llu to machine code; taken from a cache file: %llu "
          "internal, %llu machine code\n",
          command, (unsigned long long)wasm_lazy_compiles(), (unsigned long long)wasm_native_translations(),
          (unsigned long long)wasm_lazy_cache_installs(), (unsigned long long)wasm_native_installs());
}
