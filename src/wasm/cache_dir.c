/* The cache directory's size bound (see cache_dir.h). */
#include "cache_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/vec.h"

bool wasm_cache_parse_size(const char *text, uint64_t *bytes, wr_error *err) {
  uint64_t value = 0;
  const char *p = text;
  for (; *p >= '0' && *p <= '9'; p++) {
    unsigned digit = (unsigned)(*p - '0');
    if (value > (UINT64_MAX - digit) / 10) break;
    value = value * 10 + digit;
  }
  unsigned shift = 0;
  if (p > text && *p && !p[1]) {
    switch (*p) {
    case 'K': case 'k': shift = 10, p++; break;
    case 'M': case 'm': shift = 20, p++; break;
    case 'G': case 'g': shift = 30, p++; break;
    default: break;
    }
  }
  if (p == text || *p || (shift && value > UINT64_MAX >> shift)) {
    wr_error_set(err, "expected a size in bytes with an optional K, M or G (e.g. 512M; 0 for no limit), got '%s'",
                 text);
    return false;
  }
  *bytes = value << shift;
  return true;
}

bool wasm_cache_max_size_from_env(uint64_t *bytes, wr_error *err) {
  const char *text = getenv(WASM_CACHE_MAX_SIZE_ENV);
  if (!text) {
    *bytes = WASM_CACHE_DEFAULT_MAX_SIZE;
    return true;
  }
  if (wasm_cache_parse_size(text, bytes, err)) return true;
  wr_error_prefix(err, "%s", WASM_CACHE_MAX_SIZE_ENV);
  return false;
}

bool wasm_cache_trusted(const struct stat *st) {
  return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Skips a run of lowercase hex digits at *p if it is min to max long. */
static bool hex_field(const char **p, size_t min, size_t max) {
  size_t n = 0;
  while (n <= max && (((*p)[n] >= '0' && (*p)[n] <= '9') || ((*p)[n] >= 'a' && (*p)[n] <= 'f'))) n++;
  if (n < min || n > max) return false;
  *p += n;
  return true;
}

static bool skip(const char **p, const char *literal) {
  size_t n = strlen(literal);
  if (strncmp(*p, literal, n)) return false;
  *p += n;
  return true;
}

/* The names wasm_cache_begin gives: hash (32), build (8), features, native target, then
 * "-eager" when eager; wasm_cache_end's temporaries add a dot and mkstemp's six characters. */
enum wasm_cache_dir_name wasm_cache_dir_classify(const char *name) {
  const char *p = name;
  if (!hex_field(&p, 32, 32) || !skip(&p, "-") || !hex_field(&p, 8, 8) || !skip(&p, "-") || !hex_field(&p, 2, 8) ||
      !skip(&p, "-") || !hex_field(&p, 1, 8))
    return WASM_CACHE_NAME_OTHER;
  skip(&p, "-eager");
  if (!skip(&p, ".cwasm")) return WASM_CACHE_NAME_OTHER;
  if (!*p) return WASM_CACHE_NAME_FILE;
  if (*p++ != '.') return WASM_CACHE_NAME_OTHER;
  size_t n = 0;
  while (n < 7 && ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z'))) n++;
  return n == 6 && !p[6] ? WASM_CACHE_NAME_TEMP : WASM_CACHE_NAME_OTHER;
}

typedef struct cache_dir_file {
  char name[80]; /* a classified name is at most 78 bytes */
  uint64_t size;
  struct timespec used; /* mtime: a hit refreshes it */
} cache_dir_file;

static int older_first(const void *a, const void *b) {
  const cache_dir_file *x = a, *y = b;
  if (x->used.tv_sec != y->used.tv_sec) return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
  if (x->used.tv_nsec != y->used.tv_nsec) return x->used.tv_nsec < y->used.tv_nsec ? -1 : 1;
  return strcmp(x->name, y->name);
}

void wasm_cache_dir_trim(const char *dir, const char *keep, uint64_t max_bytes) {
  /* deletions go through the descriptor of a directory checked as trusted: a rename of the
   * path meanwhile cannot point them elsewhere */
  int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return;
  struct stat st;
  DIR *entries = NULL;
  if (fstat(dir_fd, &st) != 0 || !wasm_cache_trusted(&st) || !(entries = fdopendir(dir_fd))) {
    close(dir_fd);
    return;
  }
  WR_VEC(cache_dir_file) files = {0};
  uint64_t total = 0;
  time_t stale = time(NULL) - WASM_CACHE_STALE_TEMP_SECONDS;
  struct dirent *entry;
  for (unsigned seen = 0; seen < WASM_CACHE_DIR_MAX_ENTRIES && (entry = readdir(entries)); seen++) {
    enum wasm_cache_dir_name kind = wasm_cache_dir_classify(entry->d_name);
    if (kind == WASM_CACHE_NAME_OTHER) continue;
    if (fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        !wasm_cache_trusted(&st))
      continue;
    if (kind == WASM_CACHE_NAME_TEMP) {
      if (st.st_mtim.tv_sec < stale) unlinkat(dir_fd, entry->d_name, 0);
      continue;
    }
    total += (uint64_t)st.st_size;
    if (!strcmp(entry->d_name, keep)) continue;
    cache_dir_file file = {.size = (uint64_t)st.st_size, .used = st.st_mtim};
    strcpy(file.name, entry->d_name);
    WR_VEC_PUSH(&files, file);
  }
  if (max_bytes && total > max_bytes) {
    uint64_t target = max_bytes - max_bytes / 10 * 3;
    if (files.len) qsort(files.items, files.len, sizeof files.items[0], older_first);
    for (size_t i = 0; i < files.len && total > target; i++)
      /* another process trimming at the same time may have deleted it first: gone all the same */
      if (unlinkat(dir_fd, files.items[i].name, 0) == 0 || errno == ENOENT) total -= files.items[i].size;
  }
  WR_VEC_FREE(&files);
  closedir(entries);
}
