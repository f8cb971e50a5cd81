/* `warren run` for components: instantiate with the WASI 0.2 and 0.3 hosts and call
 * wasi:cli/run#run, as `wasmtime run` does. run returns result<_, _>: ok exits 0, err 1. A 0.3
 * command's run is async: it runs on a poll(2) reactor until its task is over (wasi_p3_call). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "component/instance.h"
#include "cache_cli.h"
#include "run.h"
#include "wasi/http.h"
#include "wasi/p2.h"
#include "wasi/p3.h"

extern char **environ;

#define CLI_RUN_INTERFACE "wasi:cli/run@0.2.0"
#define CLI_RUN_P3_INTERFACE "wasi:cli/run@" WASI_P3_VERSION /* or a release candidate's */

typedef struct component_job {
  const run_options *opts;
  wasi_poll_reactor *reactor;
  const cm_component *component;
  const cm_host *host;
  const wasi_p2_config *config;
  int status;
} component_job;

static void run_job(void *arg) {
  component_job *job = arg;
  const char *path = job->opts->path;
  job->status = EXIT_LOAD_FAILED;
  wasm_store *store = wasm_store_new();
  wasm_store_set_max_memory_size(store, job->opts->max_memory_bytes);
  wasi_p2_ctx *ctx = wasi_p2_ctx_new(job->config);
  wasi_p2_ctx_attach(ctx, store);
  wasi_http_ctx *http = wasi_http_ctx_new(ctx, NULL, NULL); /* wasi:http/types@0.3.0 (p3.h) */
  wasi_p2_set_reactor(ctx, wasi_poll_reactor_base(job->reactor));
  wr_error err = {0};
  wasm_trap *trap = NULL;
  cm_component_instance *inst = cm_instantiate(store, job->component, job->host, &trap, &err);
  if (!inst) {
    if (trap) job->status = run_trap_status(trap, path, "instantiation");
    else run_print_error(path, &err);
    goto done;
  }
  if (job->opts->invoke) {
    job->status = run_component_invoke(job->opts, job->component, inst, job->reactor);
    goto done;
  }
  const char *interface;
  const cm_func *run = wasi_cli_run_func(inst, &interface);
  if (!run) {
    fprintf(stderr, "warren: %s: the component does not export %s or %s (a command component does)\n", path,
            CLI_RUN_INTERFACE, CLI_RUN_P3_INTERFACE);
    goto done;
  }
  const cm_functype *ft = cm_func_type(run);
  if (ft->nparams != 0 || !ft->result || ft->result->kind != CM_RESULT) {
    fprintf(stderr, "warren: %s: %s#run is not `func() -> result`\n", path, interface);
    goto done;
  }
  cm_arena *arena = cm_arena_new();
  cm_val result = {0};
  /* 0.2's run is sync and blocks its fiber on wasi:io; 0.3's is async and waits on the reactor */
  trap = ft->async ? wasi_p3_call(inst, job->reactor, run, NULL, &result, arena)
                   : cm_func_call(inst, run, NULL, &result, arena);
  char what[96];
  snprintf(what, sizeof what, "%.80s#run", interface);
  if (trap) job->status = run_trap_status(trap, path, what);
  else job->status = result.u.cs.index == 0 ? 0 : 1;
  cm_arena_free(arena);
done:
  fflush(stdout);
  cm_component_instance_free(inst);
  wasm_store_free(store);
  wasi_p2_ctx_free(ctx);
  wasi_http_ctx_free(http);
}

int run_component(const run_options *opts, const uint8_t *bytes, size_t size) {
  wasm_features features = opts->features;
  wr_error err = {0};
  cm_component *component = cm_component_load(bytes, size, &features, &err);
  if (opts->cache) cli_cache_end(opts->cache, component != NULL);
  if (!component) {
    run_print_error(opts->path, &err);
    return EXIT_LOAD_FAILED;
  }
  int status = EXIT_LOAD_FAILED;
  cm_host *host = cm_host_new();
  if (!wasi_p2_define(host, &err) || !wasi_p3_define(host, &err)) {
    fprintf(stderr, "warren: the WASI host failed to set up: %s\n", err.message);
    goto done_host;
  }
  const char **args = WR_NEW_ARRAY(const char *, (size_t)opts->nguest_args + 1);
  args[0] = opts->path;
  for (int i = 0; i < opts->nguest_args; i++) args[i + 1] = opts->guest_args[i];
  /* -S inherit-env first, so that --env entries override the host's */
  WR_VEC(const char *) env = {0};
  if (opts->inherit_env)
    for (char **e = environ; *e; e++) {
      size_t name_len = strcspn(*e, "=");
      bool overridden = false;
      for (size_t i = 0; i < opts->env.len && !overridden; i++)
        overridden = !strncmp(opts->env.items[i], *e, name_len) && opts->env.items[i][name_len] == '=';
      if (!overridden) WR_VEC_PUSH(&env, *e);
    }
  for (size_t i = 0; i < opts->env.len; i++) WR_VEC_PUSH(&env, opts->env.items[i]);
  wasi_p2_preopen *preopens = WR_NEW_ARRAY(wasi_p2_preopen, opts->dirs.len ? opts->dirs.len : 1);
  if (!cli_open_preopens(opts->dirs.items, opts->dirs.len, preopens, "warren run")) goto done_args;
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.args = args;
  config.nargs = (size_t)opts->nguest_args + 1;
  config.env = env.items;
  config.nenv = env.len;
  config.preopens = preopens;
  config.npreopens = opts->dirs.len;
  config.allow_sockets = opts->allow_network;
  wasi_poll_reactor *reactor = wasi_poll_reactor_new();
  component_job job = {opts, reactor, component, host, &config, EXIT_LOAD_FAILED};
  if (run_on_fiber(run_job, &job)) status = job.status;
  wasi_poll_reactor_free(reactor); /* after the ctx, whose pending waits it cancels */
  cli_close_preopens(preopens, opts->dirs.len);
done_args:
  wr_free(preopens);
  WR_VEC_FREE(&env);
  wr_free(args);
done_host:
  cm_host_free(host);
  cm_component_free(component);
  return status;
}
