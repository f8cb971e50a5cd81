/* The real check of the WIT parser and the type matcher: the WASI 0.2 WIT files (a directory
 * of *.wit, found recursively and added in dependency order) declare a cm_host, and every
 * wasi:* import of every component under a corpus directory must bind to a host interface
 * (cm_host_find) and match it structurally (cm_externs_match), as real toolchains built them.
 *
 *   wit_wasi_test [--skip PREFIX] WIT_DIR CORPUS_DIR   (exit 77: skipped, an input is missing)
 *   wit_wasi_test --parse-only WIT_DIR                 (every file parses; no corpus)
 * --skip leaves out the imports whose names start with PREFIX (an interface a host does not
 * provide, such as the command export wasi:cli/run). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "component/decode_internal.h"
#include "component/host.h"

typedef WR_VEC(char *) paths;

static int compare_paths(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void find_files(const char *dir, const char *ext, paths *out) {
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *path = wr_malloc(n);
    snprintf(path, n, "%s/%s", dir, e->d_name);
    struct stat st;
    size_t len = strlen(e->d_name), ext_len = strlen(ext);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      find_files(path, ext, out);
      wr_free(path);
    } else if (len > ext_len && !strcmp(e->d_name + len - ext_len, ext)) {
      WR_VEC_PUSH(out, path);
    } else {
      wr_free(path);
    }
  }
  closedir(d);
  qsort(out->items, out->len, sizeof *out->items, compare_paths);
}

static void free_paths(paths *p) {
  for (size_t i = 0; i < p->len; i++) wr_free(p->items[i]);
  WR_VEC_FREE(p);
}

static char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = wr_malloc((size_t)n + 1);
  *size = fread(data, 1, (size_t)n, f);
  fclose(f);
  return data;
}

/* Adds every *.wit under dir to host, retrying those whose `use`s name interfaces of files
 * not added yet until no file makes progress. */
static bool add_wit_dir(cm_host *host, const char *dir) {
  paths pending = {0};
  find_files(dir, ".wit", &pending);
  if (pending.len == 0) {
    fprintf(stderr, "no .wit files under %s\n", dir);
    return false;
  }
  size_t total = pending.len;
  bool progress = true;
  wr_error err = {0};
  while (pending.len && progress) {
    progress = false;
    for (size_t i = 0; i < pending.len;) {
      size_t size;
      char *text = read_all(pending.items[i], &size);
      memset(&err, 0, sizeof err);
      bool ok = text && cm_host_add_wit(host, pending.items[i], text, size, &err);
      wr_free(text);
      if (!ok) {
        i++;
        continue;
      }
      wr_free(pending.items[i]);
      pending.items[i] = pending.items[--pending.len];
      progress = true;
    }
  }
  bool ok = pending.len == 0;
  if (!ok) fprintf(stderr, "%zu of %zu WIT files under %s do not resolve; last error: %s\n", pending.len, total, dir, err.message);
  else printf("%s: %zu WIT files parsed\n", dir, total);
  free_paths(&pending);
  return ok;
}

/* Every wasi:* import of the component binds and matches; returns the number checked. */
static int check_component(const cm_host *host, const char *path, const char *skip, int *failures) {
  size_t size;
  char *bytes = read_all(path, &size);
  wr_error err = {0};
  cm_component *c = bytes ? cm_component_load((const uint8_t *)bytes, size, NULL, &err) : NULL;
  wr_free(bytes);
  if (!c) {
    fprintf(stderr, "%s: does not load: %s\n", path, err.message);
    ++*failures;
    return 0;
  }
  cm_matcher m = {.budget = 1u << 24};
  int checked = 0;
  for (uint32_t i = 0; i < c->type->nimports; i++) {
    const cm_extern *want = &c->type->imports[i];
    if (want->name.kind != CM_NAME_INTERFACE || strncmp(want->name.text, "wasi:", 5)) continue;
    if (skip && !strncmp(want->name.text, skip, strlen(skip))) continue;
    /* WASI 0.3 imports (the p3 guests) have no host WIT yet (issue 11); their 0.2 imports are checked */
    if (strstr(want->name.text, "@0.3.")) continue;
    checked++;
    const cm_host_interface *iface = cm_host_find(host, &want->name);
    if (!iface) {
      fprintf(stderr, "%s: import %s binds to no host interface\n", path, want->name.text);
      ++*failures;
      continue;
    }
    cm_extern have = {.name = want->name, .sort = CM_SORT_INSTANCE, .type = cm_host_interface_type(iface)};
    const char *why;
    if (!cm_externs_match(&m, &have, want, &why)) {
      fprintf(stderr, "%s: import %s does not match host %s: %s (at `%s`)\n", path, want->name.text,
              cm_host_interface_name(iface), why, m.missing ? m.missing : "?");
      ++*failures;
    }
  }
  WR_VEC_FREE(&m.bindings);
  cm_component_free(c);
  return checked;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--parse-only")) {
    cm_host *host = cm_host_new();
    bool ok = add_wit_dir(host, argv[2]);
    cm_host_free(host);
    return ok ? 0 : 1;
  }
  const char *skip = NULL;
  if (argc == 5 && !strcmp(argv[1], "--skip")) {
    skip = argv[2];
    argv += 2;
    argc -= 2;
  }
  if (argc != 3) {
    fprintf(stderr, "usage: wit_wasi_test [--skip PREFIX] WIT_DIR CORPUS_DIR | --parse-only WIT_DIR\n");
    return 2;
  }
  struct stat st;
  if (stat(argv[1], &st) != 0 || stat(argv[2], &st) != 0) {
    printf("skipped: %s or %s is missing (the corpus build makes both)\n", argv[1], argv[2]);
    return 77;
  }
  cm_host *host = cm_host_new();
  bool parsed = add_wit_dir(host, argv[1]);
  int failures = parsed ? 0 : 1;
  paths components = {0};
  find_files(argv[2], ".wasm", &components);
  int imports = 0;
  for (size_t i = 0; parsed && i < components.len; i++) imports += check_component(host, components.items[i], skip, &failures);
  if (!failures && (components.len == 0 || imports == 0)) {
    fprintf(stderr, "no components with wasi imports under %s\n", argv[2]);
    failures++;
  }
  if (!failures) printf("%zu components: %d wasi imports bound and matched\n", components.len, imports);
  free_paths(&components);
  cm_host_free(host);
  return failures ? 1 : 0;
}
