/* `warren run`: run a core WebAssembly module as a WASI preview1 command.
 *
 * Exit status follows wasmtime: the guest's proc_exit code, 0 when `_start` returns,
 * 134 (128 + SIGABRT, as if the guest had called abort()) when it traps, and 1 when the
 * module cannot be loaded, linked or instantiated. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fiber.h"
#include "base/vec.h"
#include "commands.h"
#include "wasi/preview1.h"
#include "wasm/runtime.h"

enum { EXIT_LOAD_FAILED = 1, EXIT_USAGE = 2, EXIT_TRAPPED = 134 };

/* The guest runs on a fiber, as it will under the server; wasm-to-wasm calls do not
 * use the C stack, so this only holds host functions and re-entries (ASan frames are large). */
#define GUEST_FIBER_STACK (2u << 20)

typedef WR_VEC(char *) string_list;

typedef struct run_options {
  const char *path;
  const char *invoke; /* NULL: run `_start` */
  string_list env;    /* owned "KEY=VALUE" strings */
  char **guest_args;  /* guest argv after the program name, in the caller's argv */
  int nguest_args;
} run_options;

static void usage(FILE *out) {
  fprintf(out,
          "usage: warren run [options] FILE.wasm [args...]\n"
          "\n"
          "Runs a core WebAssembly module that uses WASI preview1 (for example a C program\n"
          "built with clang --target=wasm32-wasi), passing it args. The guest sees only the\n"
          "environment given with --env and the three stdio streams.\n"
          "\n"
          "options:\n"
          "  --env NAME=VALUE  set a guest environment variable (repeatable)\n"
          "  --env NAME        pass the host's value of NAME, if set\n"
          "  --invoke NAME     call the export NAME (it must take no parameters) instead of\n"
          "                    _start, and print its results\n"
          "  -h, --help        show this help\n"
          "\n"
          "exit status: the guest's exit code; 134 if it traps; 1 if it cannot be loaded.\n");
}

/* Adds NAME=VALUE, replacing an earlier value of NAME. */
static void set_env(string_list *env, const char *name, size_t name_len, const char *value) {
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

static bool add_env_option(string_list *env, const char *arg) {
  const char *eq = strchr(arg, '=');
  size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
  if (name_len == 0) {
    fprintf(stderr, "warren run: --env needs NAME=VALUE or NAME, got '%s'\n", arg);
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
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *missing) {
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

/* Returns -1 when parsing succeeded, else the exit status to return. */
static int parse_options(int argc, char **argv, run_options *opts) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *arg = argv[i], *value;
    bool missing = false;
    if (!strcmp(arg, "--")) {
      i++;
      break;
    }
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
      usage(stdout);
      return 0;
    }
    if ((value = option_value(argc, argv, &i, "--env", &missing))) {
      if (!add_env_option(&opts->env, value)) return EXIT_USAGE;
    } else if ((value = option_value(argc, argv, &i, "--invoke", &missing))) {
      opts->invoke = value;
    } else if (missing) {
      fprintf(stderr, "warren run: %s needs a value\n", arg);
      return EXIT_USAGE;
    } else {
      fprintf(stderr, "warren run: unknown option '%s'\n\n", arg);
      usage(stderr);
      return EXIT_USAGE;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return EXIT_USAGE;
  }
  opts->path = argv[i];
  opts->guest_args = argv + i + 1;
  opts->nguest_args = argc - i - 1;
  return -1;
}

/* Reads a whole file; its size is whatever the file holds, read in growing chunks so that
 * pipes and special files work too. */
static bool read_file(const char *path, uint8_t **bytes_out, size_t *size_out) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "warren: cannot open %s: %s\n", path, strerror(errno));
    return false;
  }
  size_t size = 0, cap = 64 * 1024;
  uint8_t *bytes = wr_malloc(cap);
  for (;;) {
    size += fread(bytes + size, 1, cap - size, f);
    if (size < cap) break;
    cap *= 2;
    bytes = wr_realloc(bytes, cap);
  }
  bool failed = ferror(f);
  if (failed) fprintf(stderr, "warren: cannot read %s: %s\n", path, strerror(errno));
  fclose(f);
  if (failed) {
    wr_free(bytes);
    return false;
  }
  *bytes_out = bytes;
  *size_out = size;
  return true;
}

static bool is_component(const uint8_t *bytes, size_t size) {
  static const uint8_t component_header[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  return size >= sizeof component_header &&
         !memcmp(bytes, component_header, sizeof component_header);
}

static void print_error(const char *path, const wr_error *err) {
  /* Validation messages already say where they are ("... at offset 0x18"). */
  if (err->has_offset && !strstr(err->message, "offset"))
    fprintf(stderr, "warren: %s: %s (at byte offset %zu, 0x%zx)\n", path, err->message, err->offset,
            err->offset);
  else
    fprintf(stderr, "warren: %s: %s\n", path, err->message);
}

/* Prints one value of an --invoke result; returns the number of slots it used. */
static uint32_t print_value(uint8_t type, const wasm_slot *slot) {
  switch (type) {
    case WASM_I32: printf("%" PRId32 "\n", (int32_t)(uint32_t)slot[0]); return 1;
    case WASM_I64: printf("%" PRId64 "\n", (int64_t)slot[0]); return 1;
    case WASM_F32: {
      uint32_t bits = (uint32_t)slot[0];
      float f;
      memcpy(&f, &bits, sizeof f);
      printf("%.9g\n", (double)f);
      return 1;
    }
    case WASM_F64: {
      double d;
      memcpy(&d, &slot[0], sizeof d);
      printf("%.17g\n", d);
      return 1;
    }
    case WASM_V128: printf("0x%016" PRIx64 "%016" PRIx64 "\n", slot[1], slot[0]); return 2;
    default: printf(slot[0] ? "ref\n" : "null\n"); return 1;
  }
}

/* Outcome of running the guest, as an exit status. */
static int trap_status(const wasm_trap *trap, const char *path, const char *what) {
  if (trap->kind == WASM_TRAP_EXIT) return trap->exit_code;
  fflush(stdout);
  fprintf(stderr, "warren: trap: %s\nwarren: while running %s of %s\n", trap->message, what, path);
  return EXIT_TRAPPED;
}

static bool find_func_export(const wasm_instance *instance, const char *name, wasm_func **out) {
  wasm_extern ext;
  if (!wasm_instance_export(instance, name, strlen(name), &ext) || ext.kind != WASM_EXTERN_FUNC)
    return false;
  *out = ext.of.func;
  return true;
}

/* Calls a function that takes no parameters, printing its results if asked. Returns true
 * when it returned normally; otherwise the guest is finished and *status says how (its
 * exit code, a trap, or an unusable export). */
static bool call_export(wasm_store *store, wasm_func *func, const char *name, const char *path,
                        bool print_results, int *status) {
  const wasm_functype *type = wasm_func_type(func);
  if (type->nparams != 0) {
    fprintf(stderr,
            "warren: %s: export '%s' takes %" PRIu32
            " parameters; only functions without "
            "parameters can be run\n",
            path, name, type->nparams);
    *status = EXIT_LOAD_FAILED;
    return false;
  }
  uint32_t nslots = wasm_slot_count(wasm_functype_results(type), type->nresults);
  wasm_slot *slots = WR_NEW_ARRAY(wasm_slot, nslots ? nslots : 1);
  wasm_trap *trap = wasm_func_call(store, func, slots);
  if (trap) {
    char what[300];
    snprintf(what, sizeof what, "export '%s'", name);
    *status = trap_status(trap, path, what);
  } else if (print_results) {
    const uint8_t *results = wasm_functype_results(type);
    for (uint32_t i = 0, at = 0; i < type->nresults; i++) at += print_value(results[i], slots + at);
  }
  wr_free(slots);
  return trap == NULL;
}

static int run_module(const run_options *opts, const wasm_module *module) {
  wasm_store *store = wasm_store_new();
  const char **args = WR_NEW_ARRAY(const char *, (size_t)opts->nguest_args + 1);
  args[0] = opts->path;
  for (int i = 0; i < opts->nguest_args; i++) args[i + 1] = opts->guest_args[i];
  wasi_ctx ctx;
  wasi_ctx_init(&ctx);
  ctx.args = args;
  ctx.nargs = (size_t)opts->nguest_args + 1;
  ctx.env = (const char *const *)opts->env.items;
  ctx.nenv = opts->env.len;
  wasm_store_set_data(store, &ctx);

  int status = EXIT_LOAD_FAILED;
  wasm_extern *imports = WR_NEW_ARRAY(wasm_extern, module->nimports ? module->nimports : 1);
  wr_error err = {0};
  wasm_trap *trap = NULL;
  wasm_instance *instance = NULL;
  wasm_func *entry = NULL, *initialize = NULL;
  if (!wasi_preview1_link(store, &ctx, module, imports, &err)) {
    print_error(opts->path, &err);
    goto done;
  }
  instance = wasm_instantiate(store, module, imports, module->nimports, &trap, &err);
  if (!instance) {
    if (trap)
      status = trap_status(trap, opts->path, "the start function");
    else
      print_error(opts->path, &err);
    goto done;
  }
  const char *entry_name = opts->invoke ? opts->invoke : "_start";
  if (!find_func_export(instance, entry_name, &entry)) {
    fprintf(
        stderr, "warren: %s: no exported function '%s'%s\n", opts->path, entry_name,
        opts->invoke ? "" : " (a WASI command exports _start; use --invoke NAME for a library)");
    goto done;
  }
  /* A WASI reactor (library) sets itself up in _initialize before any other export. */
  if (find_func_export(instance, "_initialize", &initialize) &&
      !call_export(store, initialize, "_initialize", opts->path, false, &status))
    goto done;
  if (call_export(store, entry, entry_name, opts->path, opts->invoke != NULL, &status)) status = 0;
done:
  fflush(stdout);
  wr_free(imports);
  wr_free(args);
  wasm_store_free(store);
  return status;
}

typedef struct run_job {
  const run_options *opts;
  const wasm_module *module;
  int status;
} run_job;

static void run_job_on_fiber(void *arg) {
  run_job *job = arg;
  job->status = run_module(job->opts, job->module);
}

/* Runs the module on a guest fiber. A command has no event loop to return to, so a host
 * call that suspends the fiber is simply resumed. */
static int run_module_on_fiber(const run_options *opts, const wasm_module *module) {
  run_job job = {opts, module, EXIT_LOAD_FAILED};
  wr_fiber *fiber = wr_fiber_new(GUEST_FIBER_STACK, run_job_on_fiber, &job);
  if (!fiber) {
    fprintf(stderr, "warren: cannot map a %u KiB stack for the guest\n", GUEST_FIBER_STACK >> 10);
    return EXIT_LOAD_FAILED;
  }
  while (!wr_fiber_resume(fiber)) {
  }
  wr_fiber_free(fiber);
  return job.status;
}

int cmd_run(int argc, char **argv) {
  run_options opts = {0};
  int status = parse_options(argc, argv, &opts);
  uint8_t *bytes = NULL;
  size_t size = 0;
  if (status >= 0) goto done;
  status = EXIT_LOAD_FAILED;
  if (!read_file(opts.path, &bytes, &size)) goto done;
  if (is_component(bytes, size)) {
    fprintf(stderr,
            "warren: %s is a component; `warren run` runs only core modules until the component model lands\n",
            opts.path);
    goto done;
  }
  wasm_features features = wasm_features_default();
  wr_error err = {0};
  wasm_module *module = wasm_module_load(bytes, size, &features, &err, NULL);
  if (!module) {
    print_error(opts.path, &err);
    goto done;
  }
  /* A guest writing to a closed pipe gets EPIPE from fd_write instead of killing us. */
  signal(SIGPIPE, SIG_IGN);
  status = run_module_on_fiber(&opts, module);
  wasm_module_free(module);
done:
  wr_free(bytes);
  for (size_t i = 0; i < opts.env.len; i++) wr_free(opts.env.items[i]);
  WR_VEC_FREE(&opts.env);
  return status;
}
