/* The server (server.h): front end + pool + tasks + the wasi:http host, per worker thread. */
#include "serve/server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define H2O_USE_LIBUV 0
#include <h2o.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rate_limit.h"
#include "component/instance.h"
#include "serve/http_client.h"
#include "serve/admin.h"
#include "serve/http_streams.h"
#include "serve/request_p3.h"
#include "serve/task.h"
#include "wasi/http.h"
#include "wasi/http_p3.h"
#include "wasi/p3.h"

/* The timer that drives pool ticks, request deadlines and client checks while a worker has work. */
#define TICK_MS 10
/* The ticker thread's period: how late a slice or a -W timeout may be noticed. */
#define TICKER_PERIOD_NS (2 * 1000 * 1000)
/* How often a running request's connection is peeked for a client that went away (a quick
 * request is never checked; a thousand slow ones cost ten thousand peeks a second). */
#define CLIENT_CHECK_NS (100 * 1000 * 1000ull)
/* -W timeout on a shared p3 instance: the request is answered and its guest task cancelled at
 * the deadline; a guest still inside the instance this much later is taken for stuck in CPU-bound
 * code, and the store is interrupted (every request on it fails, the instance is retired). */
#define P3_CANCEL_GRACE_NS (200 * 1000 * 1000ull)
/* The guest's optional hook, called when its instance went idle (p3: `idle: async func()`). */
#define IDLE_INTERFACE "warren:lifecycle/idle@0.1.0"
#define IDLE_FUNC "idle"

/* Log lines a stream of failing requests or a chatty guest can cause are rate-limited, so that
 * neither fills the disk (README "Logs"). Guest output: per instance, and for all instances
 * together, because a p2 instance serves one request, so a flood of fresh instances would each
 * start with a full bucket. Trap, timeout and instantiation lines: for all instances only,
 * since a trap retires its instance (each would write at most one line anyway). */
#define GUEST_LINES_PER_INSTANCE 100.0 /* per second, with bursts of twice that */
#define GUEST_LINES_PER_SERVER 1000.0
#define FAILURE_LINES_PER_SERVER 10.0

/* The guest's optional clean-up export, called once before its instance is dropped. */
#define TEARDOWN_INTERFACE "warren:lifecycle/teardown@0.1.0"
#define TEARDOWN_FUNC "teardown"

typedef struct serve_worker serve_worker;

/* A request whose guest is running: the ticker thread interrupts it past its deadline. */
typedef struct running {
  struct running *prev, *next;
  wasm_store *store;
  uint64_t deadline_ns;
} running;

/* The admin endpoint's view of one worker: its pool's metrics as of its last tick. */
typedef struct worker_metrics {
  bool live;
  wr_pool_metrics metrics;
} worker_metrics;

/* Preemption: which store's guest code a worker runs now, since when. The worker sets it as it
 * switches tasks; the ticker thread asks that store to yield once its slice is over. The lock
 * keeps the store alive while the ticker touches it (it is freed on the worker, after the task
 * left the slot). */
typedef struct slice_slot {
  pthread_mutex_t lock;
  wasm_store *store;
  uint64_t since_ns;
} slice_slot;

#define MAX_WORKERS 256

struct serve_app {
  const cm_component *component;
  serve_options options;
  cm_host *host;
  /* -W timeout: one ticker thread for the whole server */
  pthread_mutex_t running_lock;
  running running_head;
  pthread_t ticker;
  atomic_bool ticker_stop;
  bool ticker_started;
  /* --admin-addr */
  pthread_mutex_t metrics_lock;
  worker_metrics workers[MAX_WORKERS];
  slice_slot slices[MAX_WORKERS];
  atomic_uint slice_count; /* slots in use: the highest worker index + 1 */
  /* serve_app_start .. serve_app_stop */
  httpd_server *server, *admin;
  wr_rate_limit guest_output_log, failure_log;
};

typedef struct serve_instance {
  serve_worker *worker;
  uint64_t id;
  wasm_store *store;
  wasi_p2_ctx *p2;
  wasi_http_ctx *http;
  cm_component_instance *instance;
  const cm_func *handle;
  bool p3;                 /* handle is wasi:http/handler@0.3.x's (request_p3.c) */
  serve_p3_instance p3i;   /* p3: what its concurrent requests share */
  const cm_func *idle;     /* warren:lifecycle/idle#idle, if exported */
  bool p3_ready;           /* p3i is set up (serve_p3_instance_init) */
  const cm_func *teardown; /* warren:lifecycle/teardown#teardown, if exported */
  serve_waiter waiter;
  wasi_output_limit output_limit; /* its stdout and stderr lines */
  /* a teardown or idle hook in progress */
  const cm_func *hook;     /* si->teardown or si->idle */
  wr_pool_instance *hook_token;
  wr_task *hook_task;
  bool hook_ok, destroy_pending;
  running run;
} serve_instance;

typedef struct serve_request {
  serve_worker *worker;
  httpd_exchange *ex;
  wr_pool_lease lease;
  serve_instance *instance;
  wr_task *task;
  serve_http_exchange *x;
  httpd_exchange *p3_ex; /* a p3 request's exchange, while request_p3.c holds it */
  bool neighbour_trap;   /* p3: it ended because the shared instance trapped in another's pass */
  bool revoked;          /* its instance died under it (the pool knows already) */
  bool interrupted;      /* p3: past its deadline and grace, the store was interrupted */
  wr_task_outcome outcome;
  running run;
  uint64_t deadline_ns;
  uint64_t granted_ns;
  uint64_t next_client_check_ns;
  bool client_gone; /* the client went away while the guest ran: interrupted, instance retired */
  bool cut;         /* revoked at shutdown (out of --shutdown-timeout): interrupted */
  struct serve_request *prev, *next; /* the worker's granted requests */
} serve_request;

struct serve_worker {
  serve_app *app;
  httpd_worker *httpd;
  serve_scheduler *sched;
  wr_pool *pool;
  h2o_timeout_t tick_timeout;
  h2o_timeout_entry_t tick_timer;
  uint64_t pool_wakeup_ns; /* what the pool asked for (UINT64_MAX: nothing) */
  serve_request requests;  /* anchor of the granted requests */
  slice_slot *slice;       /* this worker's (NULL past MAX_WORKERS: no preemption) */
  bool stopping;           /* the server is shutting down */
  unsigned cut_requests;   /* in-flight requests the shutdown cut */
};

static void report_failures_dropped(const serve_app *app, uint64_t dropped) {
  if (dropped)
    WR_WARN("serve: %llu lines on failed instances dropped (over %g lines/s)", (unsigned long long)dropped,
            app->failure_log.rate);
}

/* An instance's failure (trap, timeout, cannot start), under the server's failure-log limit. */
static void log_failure(serve_app *app, const char *fmt, ...) WR_PRINTF(2, 3);
static void log_failure(serve_app *app, const char *fmt, ...) {
  uint64_t dropped = 0;
  if (!wr_rate_limit_take(&app->failure_log, wr_monotonic_ns(), &dropped)) return;
  report_failures_dropped(app, dropped);
  char line[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  WR_ERROR("serve: %s", line);
}

/* ---- the ticker thread: -W timeout and time slices ---- */
static void *ticker_main(void *arg) {
  serve_app *app = arg;
  while (!atomic_load(&app->ticker_stop)) {
    struct timespec pause = {0, TICKER_PERIOD_NS};
    nanosleep(&pause, NULL);
    uint64_t now = wr_monotonic_ns();
    pthread_mutex_lock(&app->running_lock);
    for (running *r = app->running_head.next; r != &app->running_head; r = r->next)
      if (now >= r->deadline_ns) wasm_store_interrupt(r->store);
    pthread_mutex_unlock(&app->running_lock);
    unsigned workers = atomic_load(&app->slice_count);
    for (unsigned i = 0; i < workers; i++) {
      slice_slot *slot = &app->slices[i];
      pthread_mutex_lock(&slot->lock);
      if (slot->store && now - slot->since_ns >= SERVE_TIME_SLICE_MS * 1000000ull) {
        wasm_store_request_yield(slot->store);
        slot->since_ns = now; /* asked once per slice */
      }
      pthread_mutex_unlock(&slot->lock);
    }
  }
  return NULL;
}

/* The worker's scheduler switches to `task` (NULL: back to the loop): its slice starts now. */
static void on_task_switch(void *arg, wr_task *task) {
  serve_worker *w = arg;
  slice_slot *slot = w->slice;
  wasm_store *store = task ? wr_task_local(task) : NULL;
  if (!slot || (!store && !slot->store)) return; /* only this thread writes the slot */
  uint64_t now = store ? wr_monotonic_ns() : 0;
  pthread_mutex_lock(&slot->lock);
  slot->store = store;
  slot->since_ns = now;
  pthread_mutex_unlock(&slot->lock);
}

/* The store's yield hook: the slice is over, so the guest's task goes to the back of the run
 * queue and the worker's loop (other connections, other tasks) runs before it goes on. */
static void guest_yield(wasm_store *store, void *arg) {
  WR_UNUSED(store), WR_UNUSED(arg);
  wr_task_yield();
}

static void running_add(serve_app *app, running *r) {
  pthread_mutex_lock(&app->running_lock);
  r->next = app->running_head.next;
  r->prev = &app->running_head;
  r->next->prev = r;
  app->running_head.next = r;
  pthread_mutex_unlock(&app->running_lock);
}

static void running_remove(serve_app *app, running *r) {
  pthread_mutex_lock(&app->running_lock);
  r->prev->next = r->next;
  r->next->prev = r->prev;
  pthread_mutex_unlock(&app->running_lock);
}

/* ---- instances: the pool's factory ---- */
/* A p3 instance may take requests again (backpressure off, its driver left, a task ended). */
static void instance_ready_again(void *arg) {
  serve_worker *w = arg;
  if (w->pool) wr_pool_readiness_changed(w->pool);
}

static serve_instance *instance_new(serve_app *app, serve_worker *worker, uint64_t id, wr_error *err,
                                   wasm_trap **trap) {
  serve_instance *si = WR_NEW(serve_instance);
  si->worker = worker;
  si->id = id;
  si->store = wasm_store_new();
  wasm_store_set_max_memory_size(si->store, app->options.max_memory_bytes);
  si->p2 = wasi_p2_ctx_new(&app->options.wasi);
  wasi_p2_ctx_attach(si->p2, si->store);
  si->http = wasi_http_ctx_new(si->p2, worker ? &serve_http_client : NULL, worker ? worker->sched : NULL);
  char prefix[48];
  snprintf(prefix, sizeof prefix, "stdout [%llu] :: ", (unsigned long long)si->id);
  wasi_p2_set_stdio_prefix(si->p2, 1, prefix);
  snprintf(prefix, sizeof prefix, "stderr [%llu] :: ", (unsigned long long)si->id);
  wasi_p2_set_stdio_prefix(si->p2, 2, prefix);
  wr_rate_limit_init(&si->output_limit.instance, GUEST_LINES_PER_INSTANCE, 2 * GUEST_LINES_PER_INSTANCE);
  si->output_limit.shared = &app->guest_output_log;
  wasi_p2_set_output_limit(si->p2, &si->output_limit);
  if (worker) {
    serve_waiter_init(&si->waiter, worker->sched);
    wasi_p2_set_waiter(si->p2, &si->waiter.base);
    wasm_store_set_yield_hook(si->store, guest_yield, NULL);
  }
  si->instance = cm_instantiate(si->store, app->component, app->host, trap, err);
  if (si->instance) {
    si->handle = cm_instance_func(si->instance, WASI_HTTP_INCOMING_HANDLER, WASI_HTTP_HANDLE_FUNC);
    if (!si->handle && (si->handle = wasi_http_p3_handler(si->instance))) si->p3 = true;
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

static void instance_free(serve_instance *si) {
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

static void factory_create(void *ctx, wr_pool_instance *token) {
  serve_worker *w = ctx;
  uint64_t start = wr_monotonic_ns();
  wr_error err = {0};
  wasm_trap *trap = NULL;
  serve_instance *si = instance_new(w->app, w, wr_pool_instance_id(token), &err, &trap);
  if (!si->handle) {
    const char *why = trap ? trap->message : err.message;
    log_failure(w->app, "[instance %llu] cannot be instantiated: %s", (unsigned long long)si->id, why);
    char message[sizeof err.message];
    snprintf(message, sizeof message, "%.400s", why);
    instance_free(si);
    wr_pool_created(token, NULL, wr_monotonic_ns() - start, message);
    return;
  }
  WR_DEBUG("serve: [instance %llu] started on worker %u", (unsigned long long)si->id, httpd_worker_index(w->httpd));
  wr_pool_created(token, si, wr_monotonic_ns() - start, NULL);
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
  instance_free(si);
}

/* In a task: the guest's teardown or idle export, bounded by --drain-timeout or
 * --idle-hook-timeout (the ticker interrupts it past that). */
static void run_hook(void *arg) {
  serve_instance *si = arg;
  serve_app *app = si->worker->app;
  bool teardown = si->hook == si->teardown;
  /* an instance drained for a request timeout still has its interrupt raised */
  if (teardown) wasm_store_clear_interrupt(si->store);
  si->run.store = si->store;
  si->run.deadline_ns = wr_monotonic_ns() + (teardown ? app->options.limits.drain_timeout_ns
                                                      : app->options.limits.idle_hook_timeout_ns);
  running_add(app, &si->run);
  cm_arena *arena = cm_arena_new();
  cm_val none = {0};
  /* p3: driven like a request (it may wait on the reactor, and cancelled tasks may still wind down) */
  wasm_trap *trap = si->p3_ready ? serve_p3_call(&si->p3i, si->hook)
                                 : cm_func_call(si->instance, si->hook, NULL, &none, arena);
  cm_arena_free(arena);
  running_remove(app, &si->run);
  si->hook_ok = trap == NULL;
  if (trap)
    log_failure(app, "[instance %llu] %s failed: %s", (unsigned long long)si->id, teardown ? "teardown" : "idle hook",
                trap->message);
}

static void hook_done(void *arg) {
  serve_instance *si = arg;
  serve_worker *w = si->worker;
  bool teardown = si->hook == si->teardown;
  si->hook_task = NULL;
  si->hook = NULL;
  httpd_worker_release(w->httpd);
  if (si->destroy_pending) instance_free(si);
  else if (teardown) wr_pool_teardown_done(si->hook_token, si->hook_ok);
  else wr_pool_idle_done(si->hook_token, si->hook_ok);
}

/* Runs `hook` (the instance's teardown or idle export) in a task; false when no task could be
 * had. */
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
  if (!si->teardown) {
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

static bool keeps_metrics(const serve_app *app) {
  return app->options.admin_addr || app->options.keep_metrics;
}

static bool worker_busy(const serve_worker *w) {
  /* with metrics kept, the tick also publishes the pool's metrics, so it always runs */
  return keeps_metrics(w->app) || w->pool_wakeup_ns != UINT64_MAX || w->requests.next != &w->requests;
}

static void publish_metrics(serve_worker *w) {
  if (!keeps_metrics(w->app)) return;
  unsigned index = httpd_worker_index(w->httpd);
  if (index >= MAX_WORKERS) return;
  wr_pool_metrics m;
  wr_pool_metrics_get(w->pool, &m);
  pthread_mutex_lock(&w->app->metrics_lock);
  w->app->workers[index].live = true;
  w->app->workers[index].metrics = m;
  pthread_mutex_unlock(&w->app->metrics_lock);
}

static void tick_arm(serve_worker *w) {
  if (worker_busy(w) && !h2o_timeout_is_linked(&w->tick_timer))
    h2o_timeout_link(httpd_worker_loop(w->httpd), &w->tick_timeout, &w->tick_timer);
}

static void factory_arm(void *ctx, uint64_t at_ns) {
  serve_worker *w = ctx;
  w->pool_wakeup_ns = at_ns;
  tick_arm(w);
}

/* A request's client went away while its guest runs: nobody is left to answer, so the guest is
 * interrupted (it traps at its next check, or its next wait fails) and its instance retired. */
static void request_client_gone(serve_request *r) {
  r->client_gone = true;
  const httpd_request *head = httpd_exchange_request(r->x ? r->ex : r->p3_ex);
  /* rate-limited: a client can cause this at will */
  bool shared = r->instance->p3; /* a p3 instance serves others: only this request's guest task is cancelled */
  log_failure(r->instance->worker->app, "[instance %llu] client went away during %.*s %.*s: %s",
              (unsigned long long)r->instance->id, (int)head->method_len, head->method, (int)head->path_len,
              head->path, shared ? "cancelling its task" : "interrupting the guest");
  if (!shared) wasm_store_interrupt(r->instance->store);
  wr_task_cancel(r->task);
}

/* Every TICK_MS while there is work: the pool's timers, requests past their deadline while
 * their guest waits (a CPU-bound guest is interrupted by the ticker thread instead), and
 * requests whose client went away (seen between two slices of a guest that does no I/O). */
static void on_tick(h2o_timeout_entry_t *entry) {
  serve_worker *w = H2O_STRUCT_FROM_MEMBER(serve_worker, tick_timer, entry);
  uint64_t now = wr_monotonic_ns();
  if (w->pool_wakeup_ns != UINT64_MAX && now >= w->pool_wakeup_ns) {
    w->pool_wakeup_ns = UINT64_MAX;
    wr_pool_tick(w->pool);
  }
  for (serve_request *r = w->requests.next; r != &w->requests; r = r->next) {
    if (r->deadline_ns && now >= r->deadline_ns && r->task && !wr_task_cancelled(r->task)) {
      wr_task_cancel(r->task);
      if (r->instance->p3) wr_pool_note_cancellation(w->pool);
    }
    if (r->instance->p3 && r->deadline_ns && r->task && !r->interrupted &&
        now >= r->deadline_ns + P3_CANCEL_GRACE_NS) {
      r->interrupted = true; /* its task is still inside: CPU-bound guest code */
      wasm_store_interrupt(r->instance->store);
    }
    if ((r->x || r->p3_ex) && r->task && !r->client_gone && now >= r->next_client_check_ns) {
      r->next_client_check_ns = now + CLIENT_CHECK_NS;
      bool gone = r->x ? serve_http_exchange_client_gone(r->x) : httpd_exchange_check_client(r->p3_ex);
      if (gone) request_client_gone(r);
    }
  }
  publish_metrics(w);
  tick_arm(w);
}

/* ---- requests ---- */
void serve_respond_plain(httpd_exchange *ex, int status, const char *body) {
  httpd_header type = {"content-type", 12, "text/plain; charset=utf-8", 25};
  size_t len = strlen(body);
  httpd_response_start(ex, status, &type, 1, (int64_t)len);
  httpd_response_write(ex, body, len);
  httpd_response_end(ex);
}

static void request_unlink(serve_request *req) {
  if (!req->next) return;
  req->prev->next = req->next;
  req->next->prev = req->prev;
  req->prev = req->next = NULL;
}

static void run_request_p3(serve_request *req);
static void request_outcome(serve_request *req, wasm_trap *trap);

/* In the task: the guest handles the request. */
static void run_request(void *arg) {
  serve_request *req = arg;
  serve_instance *si = req->instance;
  serve_app *app = req->worker->app;
  if (si->p3) {
    run_request_p3(req);
    return;
  }
  req->x = serve_http_exchange_new(req->ex, si->p2);
  uint32_t request_rep = 0, outparam_rep = 0;
  wasm_trap *trap = serve_http_incoming_request(req->x, si->http, &request_rep);
  if (!trap) trap = serve_http_response_outparam(req->x, si->http, &outparam_rep);
  if (!trap) {
    cm_val args[2] = {cm_val_handle(request_rep), cm_val_handle(outparam_rep)};
    cm_val result = {0};
    cm_arena *arena = cm_arena_new();
    if (app->options.request_timeout_ns) {
      req->run.store = si->store;
      req->run.deadline_ns = req->deadline_ns;
      running_add(app, &req->run);
    }
    trap = cm_func_call(si->instance, si->handle, args, &result, arena);
    if (app->options.request_timeout_ns) running_remove(app, &req->run);
    cm_arena_free(arena);
  }
  request_outcome(req, trap);
}

static void request_responded(void *arg) {
  serve_request *req = arg;
  wr_pool_responded(req->worker->pool, &req->lease);
}

/* In the task: a p3 guest handles the request (request_p3.c); the exchange is its. */
static void run_request_p3(serve_request *req) {
  serve_instance *si = req->instance;
  serve_app *app = req->worker->app;
  WR_UNUSED(app);
  /* No per-request store interrupt as for p2: the store is shared. The deadline cancels this
   * request's task (on_tick), and only a guest stuck past the grace interrupts the store. */
  req->p3_ex = req->ex;
  req->ex = NULL; /* the p3 request's from here; req->p3_ex while it holds it */
  wasm_trap *trap = serve_p3_handle(&si->p3i, &req->p3_ex, request_responded, req, &req->neighbour_trap);
  request_outcome(req, trap);
}

/* How the request's task ended, for the pool (and the log). */
static void request_outcome(serve_request *req, wasm_trap *trap) {
  serve_instance *si = req->instance;
  serve_app *app = req->worker->app;
  req->outcome = WR_TASK_OK;
  if (trap && (req->neighbour_trap || req->revoked)) {
    req->outcome = WR_TASK_ABORTED; /* the instance died of another's fault: judged there */
  } else if (trap && req->client_gone && si->p3) {
    /* its guest task was asked to cancel and left behind: the shared instance finishes its other
     * requests and takes no new one, as after a timeout */
    req->outcome = WR_TASK_TIMEOUT;
    log_failure(app, "[instance %llu] guest task cancelled (client gone); instance drained", (unsigned long long)si->id);
  } else if (trap && req->client_gone) {
    req->outcome = WR_TASK_TRAP; /* stopped mid-way: the instance cannot serve again */
    log_failure(app, "[instance %llu] guest interrupted (client gone): %s; instance retired",
                (unsigned long long)si->id, trap->message);
  } else if (trap && req->cut) {
    req->outcome = WR_TASK_ABORTED; /* the pool retired the instance already */
  } else if (trap) {
    bool timed_out = trap->kind == WASM_TRAP_INTERRUPTED || (req->task && wr_task_cancelled(req->task));
    req->outcome = timed_out ? WR_TASK_TIMEOUT : WR_TASK_TRAP;
    log_failure(app, "[instance %llu] %s: %s", (unsigned long long)si->id,
                timed_out ? "request timed out" : "guest trapped", trap->message);
  }
}

/* On the loop, once the task is over. */
static void request_done(void *arg) {
  serve_request *req = arg;
  serve_worker *w = req->worker;
  request_unlink(req);
  if (req->x) serve_http_exchange_release(req->x, req->outcome != WR_TASK_OK);
  httpd_worker_release(w->httpd);
  wr_pool_release(w->pool, &req->lease, req->outcome);
  wr_free(req);
}

static void lease_event(wr_pool_lease *lease, wr_lease_event event) {
  serve_request *req = lease->user;
  serve_worker *w = req->worker;
  switch (event) {
  case WR_LEASE_GRANTED:
    req->instance = wr_pool_lease_instance(lease);
    req->granted_ns = wr_monotonic_ns();
    req->next_client_check_ns = req->granted_ns + CLIENT_CHECK_NS;
    if (w->app->options.request_timeout_ns) req->deadline_ns = req->granted_ns + w->app->options.request_timeout_ns;
    req->next = w->requests.next;
    req->prev = &w->requests;
    req->next->prev = req;
    w->requests.next = req;
    httpd_worker_hold(w->httpd);
    req->task = wr_task_spawn(serve_scheduler_base(w->sched), run_request, request_done, req);
    if (req->task) wr_task_set_local(req->task, req->instance->store); /* timed per slice */
    if (!req->task) {
      request_unlink(req);
      httpd_worker_release(w->httpd);
      serve_respond_plain(req->ex, 503, "Service Unavailable\n");
      wr_pool_release(w->pool, &req->lease, WR_TASK_ABORTED);
      wr_free(req);
      return;
    }
    tick_arm(w);
    return;
  case WR_LEASE_REVOKED:
    /* the instance died under it (another task trapped, or the shutdown ran out of time): the
     * guest stops at its next check even if it never waits */
    if (w->stopping && !req->cut) {
      req->cut = true;
      w->cut_requests++;
      if (req->instance->p3) /* its exchange may be over already (the guest's task runs on) */
        WR_WARN("serve: [instance %llu] shutdown: cutting a request after %llu ms (--shutdown-timeout)",
                (unsigned long long)req->instance->id,
                (unsigned long long)((wr_monotonic_ns() - req->granted_ns) / 1000000));
      const httpd_request *head = req->instance->p3 ? NULL : httpd_exchange_request(req->ex);
      if (head)
        WR_WARN("serve: [instance %llu] shutdown: cutting %.*s %.*s after %llu ms (--shutdown-timeout)",
              (unsigned long long)req->instance->id, (int)head->method_len, head->method, (int)head->path_len,
              head->path, (unsigned long long)((wr_monotonic_ns() - req->granted_ns) / 1000000));
    }
    req->revoked = true;
    wasm_store_interrupt(req->instance->store);
    if (req->task) wr_task_cancel(req->task);
    return;
  case WR_LEASE_CREATE_FAILED:
    serve_respond_plain(req->ex, 500, "Internal Server Error\n");
    break;
  default: /* queue full, queue timeout, shutting down */
    serve_respond_plain(req->ex, 503, "Service Unavailable\n");
    break;
  }
  wr_free(req);
}

static void on_request(void *worker_state, httpd_exchange *ex) {
  serve_worker *w = worker_state;
  serve_request *req = WR_NEW(serve_request);
  req->worker = w;
  req->ex = ex;
  wr_pool_acquire(w->pool, &req->lease, req, lease_event);
}

/* ---- workers ---- */
static void *worker_start(void *user, httpd_worker *httpd) {
  serve_app *app = user;
  serve_worker *w = WR_NEW(serve_worker);
  w->app = app;
  w->httpd = httpd;
  w->pool_wakeup_ns = UINT64_MAX;
  w->requests.next = w->requests.prev = &w->requests;
  w->sched = serve_scheduler_new(httpd, 0, 0);
  unsigned index = httpd_worker_index(httpd);
  if (index < MAX_WORKERS) {
    w->slice = &app->slices[index];
    unsigned count = atomic_load(&app->slice_count);
    while (count < index + 1 && !atomic_compare_exchange_weak(&app->slice_count, &count, index + 1)) {
    }
  }
  serve_scheduler_on_switch(w->sched, on_task_switch, w);
  h2o_timeout_init(httpd_worker_loop(httpd), &w->tick_timeout, TICK_MS);
  w->tick_timer.cb = on_tick;
  wr_pool_factory factory = {
      .ctx = w,
      .create = factory_create,
      .destroy = factory_destroy,
      .teardown = factory_teardown,
      .idle = factory_idle,
      .is_ready = factory_is_ready,
      .now_ns = factory_now,
      .arm = factory_arm,
  };
  /* each worker samples its own limits: the same --seed must not give every worker the same */
  wr_pool_limits limits = app->options.limits;
  limits.seed ^= 0x9e3779b97f4a7c15u * (httpd_worker_index(httpd) + 1);
  w->pool = wr_pool_new(&limits, &factory);
  publish_metrics(w);
  tick_arm(w);
  return w;
}

static void pool_shut_down(void *arg) {
  serve_worker *w = arg;
  if (w->cut_requests)
    WR_WARN("serve: worker %u: shutdown cut %u in-flight request%s", httpd_worker_index(w->httpd), w->cut_requests,
            w->cut_requests == 1 ? "" : "s");
  httpd_worker_release(w->httpd);
}

/* SIGTERM: every instance drains (in-flight requests finish within --shutdown-timeout, then
 * teardown runs within --drain-timeout) before the worker exits. */
static void worker_stopping(void *worker_state) {
  serve_worker *w = worker_state;
  w->stopping = true;
  httpd_worker_hold(w->httpd);
  wr_pool_shutdown(w->pool, pool_shut_down, w);
}

static void worker_stop(void *worker_state) {
  serve_worker *w = worker_state;
  publish_metrics(w);
  wr_pool_free(w->pool);
  if (h2o_timeout_is_linked(&w->tick_timer)) h2o_timeout_unlink(&w->tick_timer);
  h2o_timeout_dispose(httpd_worker_loop(w->httpd), &w->tick_timeout);
  serve_scheduler_free(w->sched);
  if (w->slice) {
    pthread_mutex_lock(&w->slice->lock);
    w->slice->store = NULL;
    pthread_mutex_unlock(&w->slice->lock);
  }
  wr_free(w);
}

char *serve_app_metrics_text(serve_app *app, size_t *len) {
  wr_pool_metrics total = {0};
  pthread_mutex_lock(&app->metrics_lock);
  for (unsigned i = 0; i < MAX_WORKERS; i++)
    if (app->workers[i].live) wr_pool_metrics_add(&total, &app->workers[i].metrics);
  pthread_mutex_unlock(&app->metrics_lock);
  size_t need = wr_pool_metrics_write(&total, app->options.name, NULL, 0);
  char *text = wr_malloc(need + 1);
  wr_pool_metrics_write(&total, app->options.name, text, need + 1);
  if (len) *len = need;
  return text;
}

/* ---- the app ---- */
serve_app *serve_app_new(const cm_component *component, const serve_options *options, wr_error *err) {
  serve_app *app = WR_NEW(serve_app);
  app->component = component;
  app->options = *options;
  app->running_head.next = app->running_head.prev = &app->running_head;
  pthread_mutex_init(&app->running_lock, NULL);
  pthread_mutex_init(&app->metrics_lock, NULL);
  wr_rate_limit_init(&app->guest_output_log, GUEST_LINES_PER_SERVER, 2 * GUEST_LINES_PER_SERVER);
  wr_rate_limit_init(&app->failure_log, FAILURE_LINES_PER_SERVER, 2 * FAILURE_LINES_PER_SERVER);
  for (unsigned i = 0; i < MAX_WORKERS; i++) pthread_mutex_init(&app->slices[i].lock, NULL);
  atomic_init(&app->slice_count, 0);
  app->host = cm_host_new();
  if (!wasi_p2_define(app->host, err) || !wasi_http_define(app->host, err) || !wasi_p3_define(app->host, err)) {
    wr_error_prefix(err, "setting up the host");
    serve_app_free(app);
    return NULL;
  }
  /* Link once now, so a component that cannot serve is rejected before listening. */
  wasm_trap *trap = NULL;
  serve_instance *probe = instance_new(app, NULL, 0, err, &trap);
  bool ok = probe->handle != NULL;
  if (!ok && trap) wr_error_set(err, "instantiation trapped: %s", trap->message);
  instance_free(probe);
  if (!ok) {
    serve_app_free(app);
    return NULL;
  }
  return app;
}

void serve_app_free(serve_app *app) {
  if (!app) return;
  serve_app_stop(app);
  cm_host_free(app->host);
  pthread_mutex_destroy(&app->running_lock);
  pthread_mutex_destroy(&app->metrics_lock);
  wr_rate_limit_destroy(&app->guest_output_log);
  wr_rate_limit_destroy(&app->failure_log);
  for (unsigned i = 0; i < MAX_WORKERS; i++) pthread_mutex_destroy(&app->slices[i].lock);
  wr_free(app);
}

int serve_app_start(serve_app *app, wr_error *err) {
  /* a client that goes away must not kill the process with SIGPIPE */
  signal(SIGPIPE, SIG_IGN);
  httpd_config config = app->options.http;
  config.handler.user = app;
  config.handler.worker_start = worker_start;
  config.handler.worker_stopping = worker_stopping;
  config.handler.worker_stop = worker_stop;
  config.handler.on_request = on_request;
  if (config.stop_timeout_ms == 0) {
    /* the front end's own backstop comes after the pool's bounds: requests, then teardown */
    uint64_t ms = (app->options.limits.shutdown_timeout_ns + app->options.limits.drain_timeout_ns) / 1000000 + 2000;
    config.stop_timeout_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
  }
  if (app->options.admin_addr && !(app->admin = serve_admin_start(app, app->options.admin_addr, err))) return -1;
  app->server = httpd_server_start(&config, err);
  if (!app->server) {
    httpd_server_free(app->admin);
    app->admin = NULL;
    return -1;
  }
  /* request timeouts and teardown deadlines */
  atomic_init(&app->ticker_stop, false);
  app->ticker_started = pthread_create(&app->ticker, NULL, ticker_main, app) == 0;
  return httpd_server_port(app->server);
}

void serve_app_stop(serve_app *app) {
  httpd_server_free(app->server);
  httpd_server_free(app->admin);
  app->server = app->admin = NULL;
  if (app->ticker_started) {
    atomic_store(&app->ticker_stop, true);
    pthread_join(app->ticker, NULL);
    app->ticker_started = false;
  }
  /* what the log limits dropped since their last report */
  uint64_t dropped = wr_rate_limit_take_dropped(&app->guest_output_log);
  if (dropped)
    WR_WARN("serve: %llu lines of guest output dropped by the log rate limits", (unsigned long long)dropped);
  report_failures_dropped(app, wr_rate_limit_take_dropped(&app->failure_log));
}

bool serve_app_run(serve_app *app, wr_error *err) {
  /* Signals are taken by sigwait below, so every thread started from here blocks them. */
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  int port = serve_app_start(app, err);
  if (port < 0) {
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return false;
  }
  const char *host = app->options.http.host ? app->options.http.host : "127.0.0.1";
  bool v6 = strchr(host, ':') != NULL;
  printf("Serving HTTP on http://%s%s%s:%d/\n", v6 ? "[" : "", host, v6 ? "]" : "", port);
  if (app->admin) printf("Admin endpoint on http://%s/metrics\n", app->options.admin_addr);
  fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  fprintf(stderr,
          "warren serve: %s: refusing new connections, finishing in-flight requests within %llu ms "
          "(again to exit now)\n",
          sig == SIGINT ? "interrupt" : "terminate",
          (unsigned long long)(app->options.limits.shutdown_timeout_ns / 1000000));
  /* A second signal exits at once: restore default handling so it kills the process. */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  sigaction(SIGINT, &dfl, NULL);
  sigaction(SIGTERM, &dfl, NULL);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  serve_app_stop(app);
  return true;
}
