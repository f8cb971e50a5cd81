/* Instances for the pool: the factory that creates them (store, WASI ctx, instantiation, which
 * kind of request they serve), destroys them, and runs their lifecycle hooks (teardown, idle) in
 * tasks. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/decimal.h"
#include "base/clock.h"
#include "base/log.h"
#include "serve/http_client.h"
#include "serve/server_internal.h"
#include "wasi/http_p3.h"

/* A p3 instance may take requests again (backpressure off, its driver left, a task ended). */
static void instance_ready_again(void *arg) {
  serve_worker *w = arg;
  if (w->pool) wr_pool_readiness_changed(w->pool);
}

/* out = "<stream> [<id>] :: ", the prefix of a guest's output lines (as `wasmtime serve` marks
 * them), formatted by hand: snprintf twice per instance was ~1.5% of a WAT hello's request. */
static void format_stdio_prefix(char out[static 48], const char *stream, uint64_t id) {
  char digits[WR_DECIMAL_MAX];
  const char *first = wr_decimal(id, digits);
  size_t n = strlen(stream), ndigits = (size_t)(digits + WR_DECIMAL_MAX - first);
  memcpy(out, stream, n);
  out[n++] = ' ';
  out[n++] = '[';
  memcpy(out + n, first, ndigits);
  memcpy(out + n + ndigits, "] :: ", 6);
}

serve_instance *serve_instance_new(serve_app *app, serve_worker *worker, uint64_t id, wr_error *err,
                                   wasm_trap **trap) {
  serve_instance *si = WR_NEW(serve_instance);
  si->worker = worker;
  si->id = id;
  if (worker) worker->live_instances++;
  si->store = wasm_store_new();
  wasm_store_set_max_memory_size(si->store, app->options.max_memory_bytes);
  si->p2 = wasi_p2_ctx_new(&app->options.wasi);
  wasi_p2_ctx_attach(si->p2, si->store);
  si->http = wasi_http_ctx_new(si->p2, worker ? &serve_http_client : NULL, worker ? worker->sched : NULL);
  char prefix[48];
  format_stdio_prefix(prefix, "stdout", si->id);
  wasi_p2_set_stdio_prefix(si->p2, 1, prefix);
  format_stdio_prefix(prefix, "stderr", si->id);
  wasi_p2_set_stdio_prefix(si->p2, 2, prefix);
  wr_rate_limit_init(&si->output_limit.instance, GUEST_LINES_PER_INSTANCE, 2 * GUEST_LINES_PER_INSTANCE);
  si->output_limit.shared = &app->guest_output_log;
  wasi_p2_set_output_limit(si->p2, &si->output_limit);
  if (worker) {
    serve_waiter_init(&si->waiter, worker->sched);
    wasi_p2_set_waiter(si->p2, &si->waiter.base);
    wasm_store_set_yield_hook(si->store, serve_guest_yield, NULL);
  }
  si->instance = cm_instantiate(si->store, app->component, app->host, trap, err);
  if (si->instance) {
    /* the kind that chose the pool's defaults chooses the handler: a component exporting both
     * is served as p3 */
    si->p3 = app->p3;
    si->kind = app->p3 ? &serve_request_p3 : &serve_request_p2;
    si->handle = app->p3 ? wasi_http_p3_handler(si->instance)
                         : cm_instance_func(si->instance, WASI_HTTP_INCOMING_HANDLER, WASI_HTTP_HANDLE_FUNC);
    if (!si->handle)
      wr_error_set(err, "the component does not export %s#%s (nor %s#%s)", WASI_HTTP_INCOMING_HANDLER,
                   WASI_HTTP_HANDLE_FUNC, WASI_HTTP_P3_HANDLER, WASI_HTTP_P3_HANDLE_FUNC);
    si->teardown = cm_instance_func(si->instance, TEARDOWN_INTERFACE, TEARDOWN_FUNC);
    if (si->teardown && (cm_func_type(si->teardown)->nparams || cm_func_type(si->teardown)->result)) {
      wr_error_set(err, "%s#%s must be `func()`", TEARDOWN_INTERFACE, TEARDOWN_FUNC);
      si->handle = NULL;
    }
    si->idle = cm_instance_func(si->instance, IDLE_INTERFACE, IDLE_FUNC);
    if (si->idle && (cm_func_type(si->idle)->nparams || cm_func_type(si->idle)->result)) {
      wr_error_set(err, "%s#%s must be `func()`", IDLE_INTERFACE, IDLE_FUNC);
      si->handle = NULL;
    }
    if (si->handle && si->p3 && worker) {
      si->p3i = (serve_p3_instance){.instance = si->instance, .handle = si->handle, .p2 = si->p2, .http = si->http,
                                    .loop = httpd_worker_loop(worker->httpd)};
      serve_p3_instance_init(&si->p3i, instance_ready_again, worker);
      si->p3_ready = true;
    }
  }
  return si;
}

void serve_instance_free(serve_instance *si) {
  if (si->worker) si->worker->live_instances--;
  cm_component_instance_free(si->instance);
  wasi_p2_ctx_free(si->p2);
  wasi_http_ctx_free(si->http);
  if (si->p3_ready) serve_p3_instance_dispose(&si->p3i); /* after what cancels its wakeups */
  wasm_store_free(si->store);
  /* lines it dropped and could not report are reported by the next instance's line */
  uint64_t dropped = wr_rate_limit_take_dropped(&si->output_limit.instance);
  if (dropped) wr_rate_limit_add_dropped(si->output_limit.shared, dropped);
  wr_rate_limit_destroy(&si->output_limit.instance);
  wr_free(si);
}

static void create_now(serve_worker *w, wr_pool_instance *token) {
  uint64_t start = wr_monotonic_ns();
  wr_error err = {0};
  wasm_trap *trap = NULL;
  serve_instance *si = serve_instance_new(w->app, w, wr_pool_instance_id(token), &err, &trap);
  if (!si->handle) {
    const char *why = trap ? trap->message : err.message;
    serve_log_failure(w->app, "[instance %llu] cannot be instantiated: %s", (unsigned long long)si->id, why);
    char message[sizeof err.message];
    snprintf(message, sizeof message, "%.400s", why);
    serve_instance_free(si);
    wr_pool_created(token, NULL, wr_monotonic_ns() - start, message);
    return;
  }
  WR_DEBUG("serve: [instance %llu] started on worker %u", (unsigned long long)si->id, httpd_worker_index(w->httpd));
  wr_pool_created(token, si, wr_monotonic_ns() - start, NULL);
}

/* Instances are made at once while a worker holds few (CREATE_AHEAD); beyond that by the creator
 * task, one per turn of the scheduler, so that the requests granted to the new instances run,
 * and those that answer without waiting are gone, before more are made. A burst of requests on
 * fresh instances (p2) then holds a few of them, not one per request with the stacks, memory
 * slots and page tables of each. Guests that wait hold creation back by a turn at most. */
enum { CREATE_AHEAD = 8 };
static void run_creator(void *arg) {
  serve_worker *w = arg;
  while (w->to_create_head < w->to_create.len) {
    if (w->live_instances >= CREATE_AHEAD) wr_task_yield();
    wr_pool_instance *token = w->to_create.items[w->to_create_head++];
    if (w->to_create_head == w->to_create.len) w->to_create.len = w->to_create_head = 0;
    create_now(w, token);
  }
  w->creator_running = false;
}

static void creator_done(void *arg) {
  serve_worker *w = arg;
  httpd_worker_release(w->httpd);
}

static void factory_create(void *ctx, wr_pool_instance *token) {
  serve_worker *w = ctx;
  if (!w->creator_running && w->live_instances < CREATE_AHEAD) {
    create_now(w, token);
    return;
  }
  WR_VEC_PUSH(&w->to_create, token);
  if (w->creator_running) return;
  httpd_worker_hold(w->httpd);
  w->creator_running = wr_task_spawn(serve_scheduler_base(w->sched), run_creator, creator_done, w) != NULL;
  if (w->creator_running) return;
  httpd_worker_release(w->httpd);
  /* no fiber to be had: made here, as the pool asks */
  while (w->to_create_head < w->to_create.len) create_now(w, w->to_create.items[w->to_create_head++]);
  w->to_create.len = w->to_create_head = 0;
}

static void factory_destroy(void *ctx, void *instance) {
  (void)ctx;
  serve_instance *si = instance;
  WR_DEBUG("serve: [instance %llu] retired", (unsigned long long)si->id);
  if (si->hook_task) {
    /* out of time: stop the teardown or idle hook; its task frees the instance when it unwinds */
    si->destroy_pending = true;
    wasm_store_interrupt(si->store);
    wr_task_cancel(si->hook_task);
    return;
  }
  serve_instance_free(si);
}

/* In a task: the guest's teardown or idle export, bounded by --drain-timeout or
 * --idle-hook-timeout (the ticker interrupts it past that). */
static void run_hook(void *arg) {
  serve_instance *si = arg;
  serve_app *app = si->worker->app;
  bool teardown = si->hook == si->teardown; /* both NULL: a teardown that is only the wind-down */
  /* an instance drained for a request timeout still has its interrupt raised */
  if (teardown) wasm_store_clear_interrupt(si->store);
  si->run.store = si->store;
  si->run.deadline_ns = wr_monotonic_ns() + (teardown ? app->options.limits.drain_timeout_ns
                                                      : app->options.limits.idle_hook_timeout_ns);
  serve_running_add(app, &si->run);
  cm_arena *arena = cm_arena_new();
  cm_val none = {0};
  /* p3: driven like a request (it may wait on the reactor, and cancelled tasks may still wind
   * down); a drained instance first lets the tasks of given-up requests finish */
  wasm_trap *trap = NULL;
  if (teardown && si->p3_ready) trap = serve_p3_wind_down(&si->p3i);
  if (!trap && si->hook)
    trap = si->p3_ready ? serve_p3_call(&si->p3i, si->hook) : cm_func_call(si->instance, si->hook, NULL, &none, arena);
  cm_arena_free(arena);
  serve_running_remove(app, &si->run);
  si->hook_ok = trap == NULL;
  if (trap)
    serve_log_failure(app, "[instance %llu] %s failed: %s", (unsigned long long)si->id, teardown ? "teardown" : "idle hook",
                trap->message);
}

static void hook_done(void *arg) {
  serve_instance *si = arg;
  serve_worker *w = si->worker;
  bool teardown = si->hook == si->teardown;
  si->hook_task = NULL;
  si->hook = NULL;
  httpd_worker_release(w->httpd);
  if (si->destroy_pending) serve_instance_free(si);
  else if (teardown) wr_pool_teardown_done(si->hook_token, si->hook_ok);
  else wr_pool_idle_done(si->hook_token, si->hook_ok);
}

/* Runs `hook` (the instance's teardown or idle export; for a teardown, maybe none: only the
 * wind-down) in a task; false when no task could be had. */
static bool start_hook(serve_worker *w, serve_instance *si, const cm_func *hook, wr_pool_instance *token) {
  si->hook = hook;
  si->hook_token = token;
  httpd_worker_hold(w->httpd);
  si->hook_task = wr_task_spawn(serve_scheduler_base(w->sched), run_hook, hook_done, si);
  if (si->hook_task) {
    wr_task_set_local(si->hook_task, si->store);
    return true;
  }
  si->hook = NULL;
  httpd_worker_release(w->httpd);
  return false;
}

/* The pool drained the instance: run the guest's teardown export, if it has one. */
static void factory_teardown(void *ctx, void *instance, wr_pool_instance *token) {
  serve_instance *si = instance;
  /* the tasks of requests given up while they ran are this instance's last work: the seed's
   * drain waits for every task (bounded by --drain-timeout) */
  unsigned given_up = si->p3_ready && !si->p3i.trapped ? wasi_http_p3_orphans(si->http) : 0;
  if (given_up)
    WR_INFO("serve: [instance %llu] drained with %u given-up task%s still running: waiting for %s",
            (unsigned long long)si->id, given_up, given_up == 1 ? "" : "s", given_up == 1 ? "it" : "them");
  if (!si->teardown && !given_up) {
    wr_pool_teardown_done(token, true);
    return;
  }
  if (!start_hook(ctx, si, si->teardown, token)) wr_pool_teardown_done(token, false);
}

/* The instance went idle after serving: run the guest's idle export, if it has one. */
static void factory_idle(void *ctx, void *instance, wr_pool_instance *token) {
  serve_instance *si = instance;
  if (!si->idle) {
    wr_pool_idle_done(token, true);
    return;
  }
  if (!start_hook(ctx, si, si->idle, token)) wr_pool_idle_done(token, true); /* skipped, not failed */
}

/* p2 instances take a request whenever the pool has room; p3 ones ask their guest. */
static bool factory_is_ready(void *ctx, void *instance) {
  WR_UNUSED(ctx);
  serve_instance *si = instance;
  return !si->p3_ready || serve_p3_instance_ready(&si->p3i);
}

static uint64_t factory_now(void *ctx) {
  (void)ctx;
  return wr_monotonic_ns();
}

static void factory_arm(void *ctx, uint64_t at_ns) {
  serve_worker *w = ctx;
  w->pool_wakeup_ns = at_ns;
  serve_worker_tick_arm(w);
}

wr_pool_factory serve_instance_factory(serve_worker *w) {
  return (wr_pool_factory){
      .ctx = w,
      .create = factory_create,
      .destroy = factory_destroy,
      .teardown = factory_teardown,
      .idle = factory_idle,
      .is_ready = factory_is_ready,
      .now_ns = factory_now,
      .arm = factory_arm,
  };
}
