/* Command-line pieces shared by `warren run` and `warren serve`. */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/input_file.h"

/* Adds NAME=VALUE, replacing an earlier value of NAME. */
static void set_env(cli_strings *env, const char *name, size_t name_len, const char *value) {
  size_t value_len = strlen(value);
  char *entry = wr_malloc(name_len + 1 + value_len + 1);
  memcpy(entry, name, name_len);
  entry[name_len] = '=';
  memcpy(entry + name_len + 1, value, value_len + 1);
  for (size_t i = 0; i < env->len; i++) {
    if (!strncmp(env->items[i], name, name_len) && env->items[i][name_len] == '=') {
      wr_free(env->items[i]);
      env->items[i] = entry;
      return;
    }
  }
  WR_VEC_PUSH(env, entry);
}

bool cli_parse_max_memory_size(const char *text, uint64_t *bytes, const char *command) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (!*text || *end || errno || text[0] == '-' || text[0] == '+' || v == 0) {
    fprintf(stderr, "%s: -W max-memory-size: expected a whole number of bytes (at least 1), got '%s'\n", command,
            text);
    return false;
  }
  *bytes = v;
  return true;
}

int cli_wasm_feature_option(const char *option, wasm_features *features, const char *command) {
  static const struct {
    const char *name;
    size_t offset;
  } known[] = {
      {"multi-memory", offsetof(wasm_features, multi_memory)},
      {"memory64", offsetof(wasm_features, memory64)},
      {"exceptions", offsetof(wasm_features, exceptions)},
  };
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
    size_t n = strlen(known[k].name);
    if (strncmp(option, known[k].name, n) || (option[n] && option[n] != '=')) continue;
    const char *value = option[n] ? option + n + 1 : "y";
    bool on;
    if (!strcmp(value, "y") || !strcmp(value, "yes") || !strcmp(value, "true")) on = true;
    else if (!strcmp(value, "n") || !strcmp(value, "no") || !strcmp(value, "false")) on = false;
    else {
      fprintf(stderr, "%s: -W %s: expected y or n, got '%s'\n", command, known[k].name, value);
      return -1;
    }
    *(bool *)((char *)features + known[k].offset) = on;
    return 1;
  }
  return 0;
}

bool cli_add_env(cli_strings *env, const char *arg, const char *command) {
  const char *eq = strchr(arg, '=');
  size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
  if (name_len == 0) {
    fprintf(stderr, "%s: --env needs NAME=VALUE or NAME, got '%s'\n", command, arg);
    return false;
  }
  if (eq) {
    set_env(env, arg, name_len, eq + 1);
  } else {
    const char *host_value = getenv(arg);
    if (host_value) set_env(env, arg, name_len, host_value);
  }
  return true;
}

/* The value of an option given as "--name VALUE" or "--name=VALUE", or NULL if argv[*i]
 * is not that option. Advances *i past a separate value. */
const char *cli_option_value(int argc, char **argv, int *i, const char *name, bool *missing) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n)) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n] != 0) return NULL;
  if (*i + 1 >= argc) {
    *missing = true;
    return NULL;
  }
  return argv[++*i];
}

/* Reads a whole input file (wr_read_input_file's checks); prints why not. */
bool cli_read_file(const char *path, uint8_t **bytes_out, size_t *size_out) {
  wr_error err = {0};
  if (wr_read_input_file(path, bytes_out, size_out, &err)) return true;
  fprintf(stderr, "warren: %s\n", err.message);
  return false;
}

bool cli_open_preopens(const char *const *dirs, size_t ndirs, wasi_p2_preopen *out, const char *command) {
  for (size_t i = 0; i < ndirs; i++) {
    const char *spec = dirs[i];
    const char *sep = strstr(spec, "::");
    size_t host_len = sep ? (size_t)(sep - spec) : strlen(spec);
    char *host_path = wr_strndup(spec, host_len);
    int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      fprintf(stderr, "%s: --dir %s: cannot open the directory %s: %s\n", command, spec, host_path, strerror(errno));
      wr_free(host_path);
      cli_close_preopens(out, i);
      return false;
    }
    wr_free(host_path);
    out[i].dirfd = fd;
    out[i].guest_path = sep ? sep + 2 : spec;
    out[i].read_only = false;
  }
  return true;
}

void cli_close_preopens(wasi_p2_preopen *preopens, size_t n) {
  for (size_t i = 0; i < n; i++) close(preopens[i].dirfd);
}
