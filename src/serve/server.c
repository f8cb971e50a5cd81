/* The server (server.h): the app (host, options, front end, admin endpoint, ticker thread) and
 * its workers, each with its pool of instances (instance_factory.c) and its requests (request.c). */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/log.h"
#include "serve/admin.h"
#include "serve/server_internal.h"
#include "wasi/p3.h"

static void report_failures_dropped(const serve_app *app, uint64_t dropped) {
  if (dropped)
    WR_WARN("serve: %llu lines on failed instances dropped (over %g lines/s)", (unsigned long long)dropped,
            app->failure_log.rate);
}

void serve_log_failure(serve_app *app, const char *fmt, ...) {
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

void serve_worker_tick_arm(serve_worker *w) {
  if (worker_busy(w) && !h2o_timeout_is_linked(&w->tick_timer))
    h2o_timeout_link(httpd_worker_loop(w->httpd), &w->tick_timeout, &w->tick_timer);
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
  serve_requests_tick(w, now);
  publish_metrics(w);
  serve_worker_tick_arm(w);
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
  serve_scheduler_on_switch(w->sched, serve_on_task_switch, w);
  h2o_timeout_init(httpd_worker_loop(httpd), &w->tick_timeout, TICK_MS);
  w->tick_timer.cb = on_tick;
  wr_pool_factory factory = serve_instance_factory(w);
  /* each worker samples its own limits: the same --seed must not give every worker the same */
  wr_pool_limits limits = app->options.limits;
  limits.seed ^= 0x9e3779b97f4a7c15u * (httpd_worker_index(httpd) + 1);
  w->pool = wr_pool_new(&limits, &factory);
  publish_metrics(w);
  serve_worker_tick_arm(w);
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
  WR_VEC_FREE(&w->to_create);
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
  app->p3 = serve_component_kind(component) == WR_POOL_P3;
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
  serve_instance *probe = serve_instance_new(app, NULL, 0, err, &trap);
  bool ok = probe->handle != NULL;
  if (!ok && trap) wr_error_set(err, "instantiation trapped: %s", trap->message);
  serve_instance_free(probe);
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
  config.handler.on_request = serve_on_request;
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
  app->ticker_started = pthread_create(&app->ticker, NULL, serve_ticker_main, app) == 0;
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
  /* refuse first, so that what the line below says is already true when it is read */
  httpd_server_refuse_connections(app->server);
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
