/* Embedding Warren in a C program (include/warren.h, link with -lwarren):
 *
 *   embed_example COMPONENT.wasm 'greet("Ada")'   call an export, print the result (WAVE text)
 *   embed_example HANDLER.wasm                     serve a wasi:http component with our own
 *                                                  pool policy until Enter, then print metrics
 *
 * Either way it first lists what the component imports and exports. */
#include <stdio.h>
#include <stdlib.h>

#include <warren.h>

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16;
  uint8_t *bytes = malloc(cap);
  *len = 0;
  size_t n;
  while (bytes && (n = fread(bytes + *len, 1, cap - *len, f)) > 0)
    if ((*len += n) == cap) bytes = realloc(bytes, cap *= 2);
  fclose(f);
  return bytes;
}

static int fail(const char *what, warren_error *err) {
  fprintf(stderr, "embed_example: %s: %s\n", what, warren_error_message(err));
  warren_error_free(err);
  return 1;
}

static int call(const warren_component *component, const char *text) {
  warren_error *err = NULL;
  warren_wasi_config *wasi = warren_wasi_config_new();
  warren_wasi_config_add_arg(wasi, "embed_example");
  warren_wasi_config_add_env(wasi, "GREETING", "hello");
  warren_host *host = warren_host_new(wasi, &err);
  warren_wasi_config_free(wasi); /* the host took a copy */
  if (!host) return fail("host", err);
  warren_instance *instance = warren_instantiate(component, host, &err);
  int status = 0;
  if (!instance) {
    status = fail("instantiate", err);
  } else {
    char *result = warren_call(instance, text, &err);
    if (!result) status = fail(text, err);
    else printf("%s = %s\n", text, result);
    warren_string_free(result);
  }
  warren_instance_free(instance);
  warren_host_free(host);
  return status;
}

static int serve(const warren_component *component) {
  /* Our policy: each instance serves 1 to 8 requests (sampled per instance), at most 4
   * instances, one kept warm, idle ones retired after 5 s, requests cut off after 2 s. */
  static const char *const policy[][2] = {
      {"addr", "127.0.0.1:0"},       {"workers", "1"},       {"max-instance-reuse-count", "1..8"},
      {"max-instances", "4"},        {"min-instances", "1"}, {"idle-instance-timeout", "5s"},
      {"timeout", "2s"},             {"name", "example"},
  };
  warren_error *err = NULL;
  warren_server_config *config = warren_server_config_new();
  for (size_t i = 0; i < sizeof policy / sizeof policy[0]; i++)
    if (!warren_server_config_set(config, policy[i][0], policy[i][1], &err)) {
      warren_server_config_free(config);
      return fail(policy[i][0], err);
    }
  warren_server *server = warren_server_new(component, config, &err);
  warren_server_config_free(config);
  if (!server) return fail("server", err);
  int port = warren_server_start(server, &err);
  if (port < 0) {
    warren_server_free(server);
    return fail("start", err);
  }
  printf("serving on http://127.0.0.1:%d/ - press Enter to stop\n", port);
  fflush(stdout);
  getchar();
  char *metrics = warren_server_metrics_text(server);
  warren_server_stop(server); /* finishes in-flight requests, drains the instances */
  printf("%s", metrics);
  warren_string_free(metrics);
  warren_server_free(server);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: embed_example COMPONENT.wasm ['export(args)']\n");
    return 2;
  }
  size_t len;
  uint8_t *bytes = read_file(argv[1], &len);
  if (!bytes) {
    fprintf(stderr, "embed_example: cannot read %s\n", argv[1]);
    return 1;
  }
  warren_error *err = NULL;
  warren_component *component = warren_component_load(bytes, len, &err);
  free(bytes);
  if (!component) return fail(argv[1], err);
  for (size_t i = 0; i < warren_component_import_count(component); i++)
    printf("import %s: %s\n", warren_component_import_name(component, i), warren_component_import_type(component, i));
  for (size_t i = 0; i < warren_component_export_count(component); i++)
    printf("export %s: %s\n", warren_component_export_name(component, i), warren_component_export_type(component, i));
  int status = argc == 3 ? call(component, argv[2]) : serve(component);
  warren_component_free(component);
  return status;
}
