/* The server: a wasi:http component behind the HTTP front end, every request a task on an
 * instance taken from the pool.
 *
 * One component and one host (WASI 0.2 + wasi:http) are shared read-only by every worker
 * thread; each worker has its own scheduler (tasks on fibers), its own pool, and the instances
 * that pool creates, which never leave the thread. A request: acquire a lease from the pool
 * (an instance, maybe fresh), run `wasi:http/incoming-handler#handle` in a task, stream the
 * response as the guest writes it, release the lease with the task's outcome (a trap retires
 * the instance; the pool's limits decide reuse). */
#ifndef WARREN_SERVE_SERVER_H
#define WARREN_SERVE_SERVER_H

#include "component/component.h"
#include "serve/http_server.h"
#include "serve/pool.h"
#include "wasi/p2.h"

/* Preemption: a guest that has run this long without waiting yields to its worker's event loop at
 * its next function entry or loop back-edge, then goes on after the loop and the worker's other
 * ready tasks had their turn. So a spinning guest gets its share of the worker, not all of it. */
#define SERVE_TIME_SLICE_MS 10

typedef struct serve_options {
  httpd_config http;      /* address, workers, front-end limits (handler is set by the server) */
  wr_pool_limits limits;  /* defaults for the component's kind when not given */
  wasi_p2_config wasi;    /* env, preopens, sockets; stdio are the server's */
  uint64_t request_timeout_ns; /* -W timeout: a guest running longer is interrupted (0: none) */
  uint64_t max_memory_bytes;   /* -W max-memory-size: cap on each linear memory of an instance (0: none) */
  const char *admin_addr; /* --admin-addr HOST:PORT for /metrics and /healthz (NULL: none) */
  const char *name;       /* the component's name: the `component` label of the metrics */
  bool keep_metrics;      /* publish pool metrics for serve_app_metrics_text (implied by admin_addr) */
} serve_options;

typedef struct serve_app serve_app;

/* Checks the component can serve (it exports wasi:http/incoming-handler@0.2.x and its imports
 * link) by instantiating it once. NULL + err otherwise. `component` must outlive the app. */
/* WR_POOL_P3 for a component exporting wasi:http/handler@0.3.x, else WR_POOL_P2: the kind
 * whose pool defaults it gets (wr_pool_limits_set_kind). */
wr_pool_kind serve_component_kind(const cm_component *component);

serve_app *serve_app_new(const cm_component *component, const serve_options *options, wr_error *err);
void serve_app_free(serve_app *app);

/* Starts listening and serving in background threads; returns the bound port (useful with
 * port 0), or -1 + err when the server cannot start. Ignores SIGPIPE process-wide. */
int serve_app_start(serve_app *app, wr_error *err);
/* Graceful stop of a started app: close the listeners (new connections are refused), let
 * in-flight requests finish within --shutdown-timeout (then their guests are interrupted and the
 * cut requests logged), let instances tear down within --drain-timeout, join every thread. A
 * no-op when not started. */
void serve_app_stop(serve_app *app);
/* The pool metrics of every worker summed, in Prometheus text (wr_pool_metrics_write); as of
 * each worker's last tick, so only kept with admin_addr or keep_metrics. Caller frees (wr_free);
 * *len (if not NULL) is its length. Thread-safe. */
char *serve_app_metrics_text(serve_app *app, size_t *len);

/* serve_app_start, then waits for SIGINT or SIGTERM and serve_app_stop (return true); a second
 * signal exits the process at once. Prints "Serving HTTP on http://ADDR/" when ready. false +
 * err when the server cannot start. */
bool serve_app_run(serve_app *app, wr_error *err);

#endif
