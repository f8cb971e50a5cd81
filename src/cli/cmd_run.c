/* `warren run`: run a core WebAssembly module as a WASI preview1 command, or a component
 * exporting wasi:cli/run (run_component.c).
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
#include "cache_cli.h"
#include "commands.h"
#include "options.h"
#include "run.h"
#include "wasi/preview1.h"
#include "wasm/runtime.h"


static void usage(FILE *out) {
  fprintf(out,
          "usage: warren run [options] FILE.wasm [args...]\n"
          "\n"
          "Runs a WASI command, passing it args: a component exporting wasi:cli/run (WASI 0.2,\n"
          "or 0.3 and its release candidates 0.3.0-rc-2026-03-15 / -02-09, whose async run goes\n"
          "on until its task is over), or a core module using WASI preview1 (for example a C\n"
          "program built with clang --target=wasm32-wasi). The guest sees only the environment\n"
          "given with --env, the three stdio streams and the directories given with --dir. FILE\n"
          "must be a regular file of at most 1 GiB. A 0.3 guest stuck with nothing to wait for\n"
          "stops with a deadlock trap; output it wrote before it ended is written out, waiting at\n"
          "most 2 s for a full stdout or stderr; it may hold at most 64 stdio streams at once.\n"
          "\n"
          "options:\n"
          "  --env NAME=VALUE  set a guest environment variable (repeatable)\n"
          "  --env NAME        pass the host's value of NAME, if set\n"
          "  --dir HOST[::GUEST]  give the guest the host directory HOST, named GUEST (default:\n"
          "                    the same name); paths cannot escape it (components only)\n"
          "  -S inherit-env    pass the whole host environment (components only)\n"
          "  -S inherit-network  allow sockets and name lookups (components only; at most 32\n"
          "                    lookups at once in the process, each on a helper thread)\n"
          "  -W max-memory-size=BYTES  cap on each linear memory: memory.grow past it returns -1\n"
          "                    (default: none beyond the module's maximum)\n"
          CLI_WASM_FEATURES_HELP
          "  --invoke CALL     call an export instead of _start and print its results: for a\n"
          "                    core module NAME (without parameters); for a component\n"
          "                    'name(args)' or 'ns:pkg/iface#name(args)', arguments and\n"
          "                    result written in WAVE, e.g. --invoke 'greet(\"Ada\")'\n"
          CLI_CACHE_HELP
          "  -h, --help        show this help\n"
          "\n"
          "exit status: the guest's exit code; 134 if it traps; 1 if it cannot be loaded.\n");
}




/* Returns -1 when parsing succeeded, else the exit status to return. */
static int parse_options(int argc, char **argv, run_options *opts) {
  int i = 1;
  const char *cache_max_size = NULL;
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
    if (!strcmp(arg, "--no-cache")) {
      opts->no_cache = true;
    } else if ((value = cli_option_value(argc, argv, &i, "--cache-max-size", &missing))) {
      cache_max_size = value;
    } else if ((value = cli_option_value(argc, argv, &i, "--env", &missing))) {
      if (!cli_add_env(&opts->env, value, "warren run")) return EXIT_USAGE;
    } else if ((value = cli_option_value(argc, argv, &i, "--invoke", &missing))) {
      opts->invoke = value;
    } else if ((value = cli_option_value(argc, argv, &i, "--dir", &missing))) {
      WR_VEC_PUSH(&opts->dirs, value);
    } else if ((value = cli_option_value(argc, argv, &i, "-S", &missing))) {
      if (!run_wasi_option(opts, value)) return EXIT_USAGE;
    } else if ((value = cli_option_value(argc, argv, &i, "-W", &missing))) {
      int feature = cli_wasm_feature_option(value, &opts->features, "warren run");
      if (feature < 0) return EXIT_USAGE;
      if (feature > 0) continue;
      if (strncmp(value, "max-memory-size=", 16)) {
        fprintf(stderr,
                "warren run: unknown -W option '%s' (known: max-memory-size=BYTES, multi-memory, memory64, "
                "exceptions)\n",
                value);
        return EXIT_USAGE;
      }
      if (!cli_parse_max_memory_size(value + 16, &opts->max_memory_bytes, "warren run")) return EXIT_USAGE;
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
  if (!cli_cache_max_size(cache_max_size, &opts->cache_max_size, "warren run")) return EXIT_USAGE;
  opts->path = argv[i];
  opts->guest_args = argv + i + 1;
  opts->nguest_args = argc - i - 1;
  return -1;
}


void run_print_error(const char *path, const wr_error *err) {
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
int run_trap_status(const wasm_trap *trap, const char *path, const char *what) {
  if (trap->kind == WASM_TRAP_EXIT) return trap->exit_code;
  fflush(stdout);
  fprintf(stderr, "warren: trap: %s\nwarren: while running %s of %s\n", trap->message, what, path);
  return EXIT_TRAPPED;
}

static bool find_func_export(wasm_instance *instance, const char *name, wasm_func **out) {
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
    *status = run_trap_status(trap, path, what);
  } else if (print_results) {
    const uint8_t *results = wasm_functype_results(type);
    for (uint32_t i = 0, at = 0; i < type->nresults; i++) at += print_value(results[i], slots + at);
  }
  wr_free(slots);
  return trap == NULL;
}

static int run_module(const run_options *opts, const wasm_module *module) {
  wasm_store *store = wasm_store_new();
  wasm_store_set_max_memory_size(store, opts->max_memory_bytes);
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
    run_print_error(opts->path, &err);
    goto done;
  }
  instance = wasm_instantiate(store, module, imports, module->nimports, &trap, &err);
  if (!instance) {
    if (trap)
      status = run_trap_status(trap, opts->path, "the start function");
    else
      run_print_error(opts->path, &err);
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

static int run_module_on_fiber(const run_options *opts, const wasm_module *module) {
  run_job job = {opts, module, EXIT_LOAD_FAILED};
  run_on_fiber(run_job_on_fiber, &job);
  return job.status;
}

bool run_on_fiber(void (*fn)(void *), void *arg) {
  wr_fiber *fiber = wr_fiber_new(GUEST_FIBER_STACK, fn, arg);
  if (!fiber) {
    fprintf(stderr, "warren: cannot map a %u KiB stack for the guest\n", GUEST_FIBER_STACK >> 10);
    return false;
  }
  /* A command has no event loop to return to, so a host call that suspends is resumed. */
  while (!wr_fiber_resume(fiber)) {
  }
  wr_fiber_free(fiber);
  return true;
}

bool run_wasi_option(run_options *opts, const char *option) {
  const char *eq = strchr(option, '=');
  size_t n = eq ? (size_t)(eq - option) : strlen(option);
  bool on = !eq || !strcmp(eq + 1, "y") || !strcmp(eq + 1, "yes") || !strcmp(eq + 1, "true");
  if (eq && !on && strcmp(eq + 1, "n") && strcmp(eq + 1, "no") && strcmp(eq + 1, "false")) {
    fprintf(stderr, "warren run: -S %s: expected y or n after '='\n", option);
    return false;
  }
  if (n == 11 && !strncmp(option, "inherit-env", n)) {
    opts->inherit_env = on;
  } else if (n == 15 && !strncmp(option, "inherit-network", n)) {
    opts->allow_network = on;
  } else if (n == 3 && !strncmp(option, "cli", n)) {
    if (!on) {
      fprintf(stderr, "warren run: -S cli=n: a command always has wasi:cli\n");
      return false;
    }
  } else {
    fprintf(stderr, "warren run: unknown -S option '%.*s' (known: cli, inherit-env, inherit-network)\n", (int)n,
            option);
    return false;
  }
  return true;
}

int cmd_run(int argc, char **argv) {
  run_options opts = {0};
  opts.features = wasm_features_default();
  int status = parse_options(argc, argv, &opts);
  uint8_t *bytes = NULL;
  size_t size = 0;
  if (status >= 0) goto done;
  status = EXIT_LOAD_FAILED;
  if (!cli_read_file(opts.path, &bytes, &size)) goto done;
  cli_cache cache;
  if (!cli_cache_begin(&cache, "warren run", opts.path, opts.no_cache, opts.cache_max_size, &bytes, &size, &opts.features)) goto done;
  opts.cache = &cache;
  /* A guest writing to a closed pipe gets EPIPE instead of killing us. */
  signal(SIGPIPE, SIG_IGN);
  if (cm_is_component(bytes, size)) {
    status = run_component(&opts, bytes, size);
    goto done;
  }
  if (opts.dirs.len || opts.inherit_env || opts.allow_network) {
    cli_cache_end(&cache, false);
    fprintf(stderr, "warren: %s: --dir and -S apply to components; this is a core module\n", opts.path);
    goto done;
  }
  wr_error err = {0};
  wasm_module *module = wasm_module_load(bytes, size, &opts.features, &err, NULL);
  cli_cache_end(&cache, module != NULL);
  if (!module) {
    run_print_error(opts.path, &err);
    goto done;
  }
  status = run_module_on_fiber(&opts, module);
  wasm_module_free(module);
done:
  cli_cache_report("warren run");
  wr_free(bytes);
  for (size_t i = 0; i < opts.env.len; i++) wr_free(opts.env.items[i]);
  WR_VEC_FREE(&opts.env);
  WR_VEC_FREE(&opts.dirs);
  return status;
}
