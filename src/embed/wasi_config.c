/* warren_wasi_config: what a guest sees of the host, owning its strings and directories. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "embed_internal.h"

static void config_defaults(warren_wasi_config *config) {
  memset(config, 0, sizeof *config);
  config->stdio[0] = 0, config->stdio[1] = 1, config->stdio[2] = 2;
}

warren_wasi_config *warren_wasi_config_new(void) {
  warren_wasi_config *config = WR_NEW(warren_wasi_config);
  config_defaults(config);
  return config;
}

void embed_wasi_release(warren_wasi_config *config) {
  for (size_t i = 0; i < config->args.len; i++) wr_free(config->args.items[i]);
  for (size_t i = 0; i < config->env.len; i++) wr_free(config->env.items[i]);
  for (size_t i = 0; i < config->guest_paths.len; i++) wr_free(config->guest_paths.items[i]);
  for (size_t i = 0; i < config->preopens.len; i++) close(config->preopens.items[i].dirfd);
  WR_VEC_FREE(&config->args);
  WR_VEC_FREE(&config->env);
  WR_VEC_FREE(&config->guest_paths);
  WR_VEC_FREE(&config->preopens);
}

void warren_wasi_config_free(warren_wasi_config *config) {
  if (!config) return;
  embed_wasi_release(config);
  wr_free(config);
}

static char *copy_string(const char *s) { return wr_strndup(s, strlen(s)); }

void embed_wasi_copy(warren_wasi_config *to, const warren_wasi_config *from) {
  config_defaults(to);
  if (!from) return;
  for (size_t i = 0; i < from->args.len; i++) WR_VEC_PUSH(&to->args, copy_string(from->args.items[i]));
  for (size_t i = 0; i < from->env.len; i++) WR_VEC_PUSH(&to->env, copy_string(from->env.items[i]));
  for (size_t i = 0; i < from->preopens.len; i++) {
    int fd = fcntl(from->preopens.items[i].dirfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) continue; /* out of descriptors: the guest then lacks that directory */
    char *guest_path = copy_string(from->guest_paths.items[i]);
    WR_VEC_PUSH(&to->guest_paths, guest_path);
    wasi_p2_preopen p = {fd, guest_path, from->preopens.items[i].read_only};
    WR_VEC_PUSH(&to->preopens, p);
  }
  memcpy(to->stdio, from->stdio, sizeof to->stdio);
  to->allow_sockets = from->allow_sockets;
  to->max_memory_bytes = from->max_memory_bytes;
}

const wasi_p2_config *embed_wasi_view(warren_wasi_config *config) {
  wasi_p2_config *v = &config->view;
  wasi_p2_config_init(v);
  v->args = (const char *const *)config->args.items;
  v->nargs = config->args.len;
  v->env = (const char *const *)config->env.items;
  v->nenv = config->env.len;
  memcpy(v->stdio, config->stdio, sizeof v->stdio);
  v->preopens = config->preopens.items;
  v->npreopens = config->preopens.len;
  v->allow_sockets = config->allow_sockets;
  return v;
}

void warren_wasi_config_add_arg(warren_wasi_config *config, const char *arg) {
  WR_VEC_PUSH(&config->args, copy_string(arg));
}

void warren_wasi_config_add_env(warren_wasi_config *config, const char *name, const char *value) {
  size_t name_len = strlen(name), value_len = strlen(value);
  char *entry = wr_malloc(name_len + value_len + 2);
  memcpy(entry, name, name_len);
  entry[name_len] = '=';
  memcpy(entry + name_len + 1, value, value_len + 1);
  for (size_t i = 0; i < config->env.len; i++)
    if (!strncmp(config->env.items[i], entry, name_len + 1)) {
      wr_free(config->env.items[i]);
      config->env.items[i] = entry;
      return;
    }
  WR_VEC_PUSH(&config->env, entry);
}

bool warren_wasi_config_preopen_dir(warren_wasi_config *config, const char *host_path, const char *guest_path,
                                    bool read_only, warren_error **err) {
  if (!host_path || !guest_path || !guest_path[0]) {
    embed_failf(err, WARREN_ERROR_INVALID, "warren_wasi_config_preopen_dir: a host path and a guest path are needed");
    return false;
  }
  int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    embed_failf(err, WARREN_ERROR_INVALID, "cannot open the directory %s: %s", host_path, strerror(errno));
    return false;
  }
  char *copy = copy_string(guest_path);
  WR_VEC_PUSH(&config->guest_paths, copy);
  wasi_p2_preopen p = {fd, copy, read_only};
  WR_VEC_PUSH(&config->preopens, p);
  return true;
}

void warren_wasi_config_set_stdio(warren_wasi_config *config, int stdin_fd, int stdout_fd, int stderr_fd) {
  config->stdio[0] = stdin_fd < 0 ? -1 : stdin_fd;
  config->stdio[1] = stdout_fd < 0 ? -1 : stdout_fd;
  config->stdio[2] = stderr_fd < 0 ? -1 : stderr_fd;
}

void warren_wasi_config_allow_sockets(warren_wasi_config *config, bool allow) { config->allow_sockets = allow; }
void warren_wasi_config_set_max_memory_size(warren_wasi_config *config, uint64_t bytes) {
  config->max_memory_bytes = bytes;
}
