/* Internal to `warren run`: its options and the helpers shared by the core-module path
 * (cmd_run.c) and the component path (run_component.c). */
#ifndef WARREN_CLI_RUN_H
#define WARREN_CLI_RUN_H

#include "base/vec.h"
#include "options.h"
#include "component/component.h"
#include "wasm/runtime.h"

enum { EXIT_LOAD_FAILED = 1, EXIT_USAGE = 2, EXIT_TRAPPED = 134 };

/* The guest runs on a fiber, as it will under the server; wasm-to-wasm calls do not
 * use the C stack, so this only holds host functions and re-entries (ASan frames are large). */
#define GUEST_FIBER_STACK (2u << 20)

typedef struct run_options {
  const char *path;
  const char *invoke; /* NULL: run `_start` */
  cli_strings env;    /* owned "KEY=VALUE" strings */
  WR_VEC(const char *) dirs; /* --dir HOST[::GUEST], in argv */
  bool inherit_env, allow_network;
  uint64_t max_memory_bytes; /* -W max-memory-size (0: none) */
  bool no_cache;      /* --no-cache */
  uint64_t cache_max_size; /* --cache-max-size, else $WARREN_CACHE_MAX_SIZE, else 1 GiB (0: none) */
  struct cli_cache *cache; /* the load's cache session (cache_cli.h) */
  wasm_features features;    /* -W multi-memory / memory64 / exceptions */
  char **guest_args;  /* guest argv after the program name, in the caller's argv */
  int nguest_args;
} run_options;

/* -S NAME[=y|n]; false (message printed) when unknown or malformed. */
bool run_wasi_option(run_options *opts, const char *option);
void run_print_error(const char *path, const wr_error *err);
/* The exit status for a guest that ended with `trap`, printing it unless it is an exit. */
int run_trap_status(const wasm_trap *trap, const char *path, const char *what);
/* Runs fn(arg) on a guest fiber to completion; false when no fiber could be made. */
bool run_on_fiber(void (*fn)(void *), void *arg);
/* Runs a component's wasi:cli/run export; the exit status. */
int run_component(const run_options *opts, const uint8_t *bytes, size_t size);
/* --invoke on a component (run_invoke.c): calls the function opts->invoke names with its WAVE
 * arguments and prints the result; the exit status. */
struct cm_component_instance;
struct wasi_poll_reactor;
int run_component_invoke(const run_options *opts, const cm_component *component, struct cm_component_instance *inst,
                         struct wasi_poll_reactor *reactor);

#endif
