/* Running guests: warren_host (WASI 0.2 + wasi:http), warren_instance, warren_call with WAVE
 * text, and warren_run_command for wasi:cli/run. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fiber.h"
#include "component/instance.h"
#include "component/wave.h"
#include "embed_internal.h"
#include "wasi/http.h"
#include "wasi/p3.h"

/* wasm-to-wasm calls do not use this stack: it holds host functions and re-entries (ASan
 * frames are large), as `warren run`'s guest fiber does. */
#define GUEST_STACK_BYTES (2u << 20)

#define CLI_RUN_INTERFACE "wasi:cli/run@0.2.0"

struct warren_host {
  cm_host *host;
  warren_wasi_config wasi;
};

struct warren_instance {
  const warren_component *component;
  wasm_store *store;
  wasi_p2_ctx *p2;
  wasi_http_ctx *http;
  cm_component_instance *instance;
  /* where the guests' WASI 0.3 waits (timers, fds) are registered; warren_instance_wait polls it */
  wasi_poll_reactor *reactor;
  bool poisoned; /* trapped or exited: the component model forbids entering it again */
  WR_VEC(warren_task *) tasks; /* started with warren_call_start, freed at exit or with it */
};

/* An async export call in flight (warren_call_start). It lives until its guest task exited
 * and the embedder freed it, or until its instance goes. */
struct warren_task {
  warren_instance *instance;
  const cm_functype *ft;
  cm_async_call call;
  cm_arena *arena;    /* its arguments and result */
  char *result;       /* WAVE text once resolved */
  bool resolved, cancelled, exited, released;
};

bool embed_on_guest_stack(void (*fn)(void *), void *arg, warren_error **err) {
  wr_fiber *fiber = wr_fiber_new(GUEST_STACK_BYTES, fn, arg);
  if (!fiber) {
    embed_failf(err, WARREN_ERROR_SYSTEM, "cannot map a %u KiB stack for the guest", GUEST_STACK_BYTES >> 10);
    return false;
  }
  /* no event loop to return to: a host call that suspends the guest is resumed at once */
  while (!wr_fiber_resume(fiber)) {
  }
  wr_fiber_free(fiber);
  return true;
}

/* ---- hosts ---- */
warren_host *warren_host_new(const warren_wasi_config *config, warren_error **err) {
  warren_host *h = WR_NEW(warren_host);
  embed_wasi_copy(&h->wasi, config);
  embed_wasi_view(&h->wasi);
  h->host = cm_host_new();
  wr_error e = {0};
  if (!wasi_p2_define(h->host, &e) || !wasi_http_define(h->host, &e) || !wasi_p3_define(h->host, &e)) {
    wr_error_prefix(&e, "setting up the WASI host");
    embed_fail(err, WARREN_ERROR_SYSTEM, &e);
    warren_host_free(h);
    return NULL;
  }
  return h;
}

void warren_host_free(warren_host *host) {
  if (!host) return;
  cm_host_free(host->host);
  embed_wasi_release(&host->wasi);
  wr_free(host);
}

/* ---- instances ---- */
typedef struct instantiate_job {
  warren_instance *inst;
  const cm_host *host;
  wasm_trap *trap;
  wr_error err;
} instantiate_job;

static void instantiate_on_stack(void *arg) {
  instantiate_job *job = arg;
  job->inst->instance = cm_instantiate(job->inst->store, job->inst->component->component, job->host, &job->trap,
                                       &job->err);
}

static void task_free(warren_task *task) {
  cm_arena_free(task->arena);
  wr_free(task->result);
  wr_free(task);
}

static void instance_release(warren_instance *inst) {
  for (size_t i = 0; i < inst->tasks.len; i++) task_free(inst->tasks.items[i]);
  WR_VEC_FREE(&inst->tasks);
  cm_component_instance_free(inst->instance);
  wasi_p2_ctx_free(inst->p2); /* before the http ctx: the guest's fields left in its table update the http budget */
  wasi_http_ctx_free(inst->http);
  wasi_poll_reactor_free(inst->reactor); /* after the ctx, whose pending waits it cancels */
  wasm_store_free(inst->store);
  wr_free(inst);
}

/* A store with WASI 0.2 and wasi:http state and the memory cap configured by `wasi`, then the
 * component in it. */
static warren_instance *instance_new(const warren_component *component, const cm_host *host,
                                     const warren_wasi_config *wasi, warren_error **err) {
  warren_instance *inst = WR_NEW(warren_instance);
  inst->component = component;
  inst->store = wasm_store_new();
  wasm_store_set_max_memory_size(inst->store, wasi->max_memory_bytes);
  inst->p2 = wasi_p2_ctx_new(&wasi->view);
  wasi_p2_ctx_attach(inst->p2, inst->store);
  inst->reactor = wasi_poll_reactor_new();
  wasi_p2_set_reactor(inst->p2, wasi_poll_reactor_base(inst->reactor));
  inst->http = wasi_http_ctx_new(inst->p2, NULL, NULL);
  instantiate_job job = {.inst = inst, .host = host};
  if (!embed_on_guest_stack(instantiate_on_stack, &job, err)) {
    instance_release(inst);
    return NULL;
  }
  if (!inst->instance) {
    if (job.trap) embed_fail_trap(err, job.trap, "instantiation");
    else embed_fail(err, WARREN_ERROR_LINK, &job.err);
    instance_release(inst);
    return NULL;
  }
  return inst;
}

warren_instance *warren_instantiate(const warren_component *component, const warren_host *host,
                                    warren_error **err) {
  if (!component || !host) {
    embed_failf(err, WARREN_ERROR_INVALID, "warren_instantiate: a component and a host are needed");
    return NULL;
  }
  return instance_new(component, host->host, &host->wasi, err);
}

void warren_instance_free(warren_instance *instance) {
  if (instance) instance_release(instance);
}

/* ---- calls ---- */
typedef struct call_job {
  cm_component_instance *instance;
  wasi_poll_reactor *reactor; /* non-NULL: an async function, run to its end on it (wasi_p3_call) */
  const cm_func *func;
  const cm_val *args;
  cm_val result;
  cm_arena *arena;
  wasm_trap *trap;
} call_job;

static void call_on_stack(void *arg) {
  call_job *job = arg;
  job->trap = job->reactor ? wasi_p3_call(job->instance, job->reactor, job->func, job->args, &job->result, job->arena)
                           : cm_func_call(job->instance, job->func, job->args, &job->result, job->arena);
}

/* "iface#name" or "name" -> the export, or NULL. */
static const cm_func *find_func(const warren_instance *inst, const char *name, size_t name_len) {
  char *qualified = wr_strndup(name, name_len);
  char *hash = strrchr(qualified, '#');
  const char *func_name = qualified, *interface = NULL;
  if (hash) {
    *hash = 0;
    interface = qualified;
    func_name = hash + 1;
  }
  const cm_func *func = cm_instance_func(inst->instance, interface, func_name);
  wr_free(qualified);
  return func;
}

/* The common start of warren_call and warren_call_start: the instance can be called, the
 * call text names an export, and its arguments parse into `arena`. false + err otherwise. */
typedef struct parsed_call {
  const cm_func *func;
  cm_val *args;
  const char *name;
  size_t name_len;
} parsed_call;

static bool parse_call(warren_instance *instance, const char *call, cm_arena *arena, parsed_call *out,
                       warren_error **err) {
  if (instance->poisoned) {
    embed_failf(err, WARREN_ERROR_TRAP, "the instance trapped or exited before: it cannot be called again");
    return false;
  }
  size_t len = strlen(call), args_at;
  wr_error e = {0};
  if (!wave_parse_call_name(call, len, &out->name, &out->name_len, &args_at, &e)) {
    embed_fail(err, WARREN_ERROR_INVALID, &e);
    return false;
  }
  out->func = find_func(instance, out->name, out->name_len);
  if (!out->func) {
    embed_failf(err, WARREN_ERROR_NOT_FOUND, "the component exports no function `%.*s`",
                (int)WR_MIN(out->name_len, 200), out->name);
    return false;
  }
  const cm_functype *ft = cm_func_type(out->func);
  out->args = cm_arena_array(arena, ft->nparams ? ft->nparams : 1, sizeof(cm_val));
  if (!wave_parse_args(ft, call, len, args_at, arena, out->args, &e)) {
    embed_fail(err, WARREN_ERROR_INVALID, &e);
    return false;
  }
  return true;
}

/* A trap out of a call of `pc` poisons the instance. */
static void fail_call_trap(warren_instance *instance, const parsed_call *pc, wasm_trap *trap, warren_error **err) {
  char what[256];
  snprintf(what, sizeof what, "`%.*s`", (int)WR_MIN(pc->name_len, 200), pc->name);
  embed_fail_trap(err, trap, what);
  instance->poisoned = true;
}

char *warren_call(warren_instance *instance, const char *call, warren_error **err) {
  if (!instance || !call) {
    embed_failf(err, WARREN_ERROR_INVALID, "warren_call: an instance and a call text are needed");
    return NULL;
  }
  call_job job = {.instance = instance->instance, .arena = cm_arena_new()};
  parsed_call pc;
  char *out = NULL;
  if (parse_call(instance, call, job.arena, &pc, err)) {
    job.func = pc.func;
    job.args = pc.args;
    if (embed_on_guest_stack(call_on_stack, &job, err)) {
      const cm_functype *ft = cm_func_type(pc.func);
      if (job.trap) {
        fail_call_trap(instance, &pc, job.trap, err);
      } else {
        wave_text text = {0};
        if (ft->result) wave_print(&text, ft->result, &job.result);
        const char *cstr = wave_text_cstr(&text);
        out = wr_strndup(cstr, strlen(cstr));
        WR_VEC_FREE(&text);
      }
    }
  }
  cm_arena_free(job.arena);
  return out;
}

/* ---- async calls ---- */
static void forget_task(warren_task *task) {
  warren_instance *inst = task->instance;
  for (size_t i = 0; i < inst->tasks.len; i++)
    if (inst->tasks.items[i] == task) {
      inst->tasks.items[i] = inst->tasks.items[--inst->tasks.len];
      break;
    }
  task_free(task);
}

static void task_resolved(void *arg, const cm_val *result) {
  warren_task *task = arg;
  task->resolved = true;
  task->cancelled = result == NULL;
  wave_text text = {0};
  if (result && task->ft->result) wave_print(&text, task->ft->result, result);
  const char *cstr = wave_text_cstr(&text);
  task->result = wr_strndup(cstr, strlen(cstr));
  WR_VEC_FREE(&text);
}

static void task_exited(void *arg) {
  warren_task *task = arg;
  task->exited = true;
  if (task->released) forget_task(task);
}

warren_task *warren_call_start(warren_instance *instance, const char *call, warren_error **err) {
  if (!instance || !call) {
    embed_failf(err, WARREN_ERROR_INVALID, "warren_call_start: an instance and a call text are needed");
    return NULL;
  }
  warren_task *task = WR_NEW(warren_task);
  task->instance = instance;
  task->arena = cm_arena_new();
  parsed_call pc;
  if (!parse_call(instance, call, task->arena, &pc, err)) {
    task_free(task);
    return NULL;
  }
  task->ft = cm_func_type(pc.func);
  task->call = (cm_async_call){.on_resolve = task_resolved, .on_exit = task_exited, .arg = task,
                               .arena = task->arena, .args = pc.args};
  WR_VEC_PUSH(&instance->tasks, task);
  cm_task *ct;
  wasm_trap *trap = cm_func_start(instance->instance, pc.func, &task->call, &ct);
  if (trap) {
    fail_call_trap(instance, &pc, trap, err);
    forget_task(task);
    return NULL;
  }
  return task;
}

bool warren_instance_run(warren_instance *instance, warren_error **err) {
  if (!instance) return false;
  if (instance->poisoned) {
    embed_failf(err, WARREN_ERROR_TRAP, "the instance trapped or exited before: it cannot run again");
    return false;
  }
  bool progressed = false;
  wasm_trap *trap = cm_instance_run(instance->instance, &progressed);
  if (trap) {
    embed_fail_trap(err, trap, "a task of the instance");
    instance->poisoned = true;
    return false;
  }
  return progressed;
}

bool warren_instance_ready(const warren_instance *instance) {
  return instance && !instance->poisoned && cm_instance_ready(instance->instance);
}

void warren_instance_set_notify(warren_instance *instance, void (*notify)(void *arg), void *arg) {
  if (instance) cm_instance_set_notify(instance->instance, notify, notify ? arg : NULL);
}

int warren_instance_wait(warren_instance *instance, int timeout_ms) {
  if (!instance || instance->poisoned || wasi_poll_reactor_pending(instance->reactor) == 0) return -1;
  uint64_t timeout_ns = timeout_ms < 0 ? UINT64_MAX : (uint64_t)timeout_ms * 1000000u;
  size_t ran = wasi_poll_reactor_run(instance->reactor, timeout_ns);
  return ran > INT_MAX ? INT_MAX : (int)ran;
}

const char *warren_task_result(const warren_task *task) { return task && task->resolved ? task->result : NULL; }
bool warren_task_cancelled(const warren_task *task) { return task && task->cancelled; }
bool warren_task_exited(const warren_task *task) { return task && task->exited; }

void warren_task_free(warren_task *task) {
  if (!task) return;
  task->released = true;
  if (task->exited) forget_task(task);
}

/* ---- commands ---- */
bool warren_run_command(const warren_component *component, const warren_wasi_config *config, int *exit_code,
                        warren_error **err) {
  if (!component) {
    embed_failf(err, WARREN_ERROR_INVALID, "warren_run_command: a component is needed");
    return false;
  }
  warren_host *host = warren_host_new(config, err);
  if (!host) return false;
  bool ok = false;
  warren_instance *inst = instance_new(component, host->host, &host->wasi, err);
  if (!inst) {
    /* exit() during start-up is still a finished command */
    if (err && *err && warren_error_get_kind(*err) == WARREN_ERROR_EXIT) {
      if (exit_code) *exit_code = warren_error_exit_code(*err);
      warren_error_free(*err);
      *err = NULL;
      ok = true;
    }
    goto done;
  }
  const char *interface;
  const cm_func *run = wasi_cli_run_func(inst->instance, &interface);
  if (!run) {
    embed_failf(err, WARREN_ERROR_NOT_FOUND, "the component does not export %s or %s (a command component does)",
                CLI_RUN_INTERFACE, "wasi:cli/run@" WASI_P3_VERSION);
    goto done;
  }
  const cm_functype *ft = cm_func_type(run);
  if (ft->nparams != 0 || !ft->result || ft->result->kind != CM_RESULT) {
    embed_failf(err, WARREN_ERROR_NOT_FOUND, "%s#run is not `func() -> result`", interface);
    goto done;
  }
  /* a 0.3 run is async: it runs on the instance's poll(2) event loop until its task is over */
  call_job job = {.instance = inst->instance, .reactor = ft->async ? inst->reactor : NULL, .func = run,
                  .arena = cm_arena_new()};
  if (embed_on_guest_stack(call_on_stack, &job, err)) {
    if (!job.trap) {
      if (exit_code) *exit_code = job.result.u.cs.index == 0 ? 0 : 1;
      ok = true;
    } else if (job.trap->kind == WASM_TRAP_EXIT) {
      if (exit_code) *exit_code = job.trap->exit_code;
      ok = true;
    } else {
      char what[96];
      snprintf(what, sizeof what, "%.80s#run", interface);
      embed_fail_trap(err, job.trap, what);
    }
  }
  cm_arena_free(job.arena);
done:
  warren_instance_free(inst);
  warren_host_free(host);
  return ok;
}
