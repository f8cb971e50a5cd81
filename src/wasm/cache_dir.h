/* The cache directory's size bound (cache.h keeps one file per input, build and features, so
 * every new build of warren adds a file per input and a directory is never cleared by itself).
 *
 * As wasmtime's cache does: a soft limit on the total size of the cache files, checked each
 * time a file is written into the directory; past it, files are deleted least recently used
 * first (a hit refreshes its file's mtime, wasm_cache_begin) until the rest is at most 70% of
 * the limit. Only regular files named as the cache names them and trusted as it trusts them
 * (owned by the user, writable by it alone) are counted or deleted, never the file just
 * written; a writer's temporary left behind by a crash (the file's name, a dot and mkstemp's
 * six characters) is deleted once an hour old. */
#ifndef WARREN_WASM_CACHE_DIR_H
#define WARREN_WASM_CACHE_DIR_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/error.h"

#define WASM_CACHE_DEFAULT_MAX_SIZE ((uint64_t)1 << 30)
/* The environment variable setting the limit (a size as wasm_cache_parse_size reads it). */
#define WASM_CACHE_MAX_SIZE_ENV "WARREN_CACHE_MAX_SIZE"
/* Entries of the directory looked at per trim: a huge directory costs a bounded scan. */
#define WASM_CACHE_DIR_MAX_ENTRIES 10000u
/* Age past which a writer's temporary is taken for a crashed process's. */
#define WASM_CACHE_STALE_TEMP_SECONDS 3600

/* A size in bytes: decimal digits with an optional K, M or G (KiB, MiB, GiB), e.g. 512M; 0
 * means no limit. False + err (what was expected) on anything else or past 2^64. */
bool wasm_cache_parse_size(const char *text, uint64_t *bytes, wr_error *err);
/* The limit from WASM_CACHE_MAX_SIZE_ENV, else WASM_CACHE_DEFAULT_MAX_SIZE; false + err when
 * the variable is malformed. */
bool wasm_cache_max_size_from_env(uint64_t *bytes, wr_error *err);

struct stat;
/* The cache holds code the process will run: a file or directory someone else could have
 * written is neither used nor deleted. */
bool wasm_cache_trusted(const struct stat *st);

enum wasm_cache_dir_name { WASM_CACHE_NAME_OTHER, WASM_CACHE_NAME_FILE, WASM_CACHE_NAME_TEMP };
/* What a directory entry named `name` is: a cache file, a writer's temporary, or neither. */
enum wasm_cache_dir_name wasm_cache_dir_classify(const char *name);

/* After `keep` (a file name in `dir`) was written: deletes stale temporaries and, when the
 * cache files exceed max_bytes (0: no limit), the least recently used ones but `keep` until
 * they fit in 70% of it. Errors (a file gone already, a directory not trusted) are ignored. */
void wasm_cache_dir_trim(const char *dir, const char *keep, uint64_t max_bytes);

#endif
