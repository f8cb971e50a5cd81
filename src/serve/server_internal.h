/* What the server's parts share (server.c: the app and its workers; ticker.c: -W timeout and time
 * slices; instance_factory.c: instances for the pool; request.c: a request's life, with the p2 and
 * p3 handling behind serve_request_kind in request_p2.c and request_p3.c). Not for other layers. */
#ifndef WARREN_SERVE_SERVER_INTERNAL_H
#define WARREN_SERVE_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#define H2O_USE_LIBUV 0
#include <h2o.h>

#include "base/rate_limit.h"
#include "base/vec.h"
#include "component/instance.h"
#include "serve/http_streams.h"
#include "serve/request_p3.h"
#include "serve/server.h"
#include "serve/task.h"
#include "wasi/http.h"

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
/* How often a p3 request the guest never saw goes back to the pool (its instance trapped first,
 * or backpressure came after the grant); past it, a trap answers 500 and backpressure is waited on. */
#define SERVE_MAX_REDISPATCHES 4
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

typedef struct serve_request serve_request;

/* How a request's guest call runs, in the request's task (request.c calls it; the kinds are
 * request_p2.c's and request_p3.c's). It ends with serve_request_outcome. */
typedef struct serve_request_kind {
  const char *name;
  void (*run)(serve_request *req);
  /* Its instances serve many requests at once (p3): a request's trouble (timeout, client gone)
   * cancels its own guest task instead of interrupting the shared store. */
  bool shared;
} serve_request_kind;
extern const serve_request_kind serve_request_p2, serve_request_p3;

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
  bool p3; /* serve_component_kind: its instances are served through wasi:http/handler@0.3.x */
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
  const serve_request_kind *kind; /* how its requests are handled: p2 or p3 */
  serve_p3_instance p3i;   /* p3: what its concurrent requests share */
  const cm_func *idle;     /* warren:lifecycle/idle#idle, if exported */
  bool p3_ready;           /* p3i is set up (serve_p3_instance_init) */
  const cm_func *teardown; /* warren:lifecycle/teardown#teardown, if exported */
  serve_waiter waiter;
  wasi_output_limit output_limit; /* its stdout and stderr lines */
  /* a teardown or idle hook in progress */
  const cm_func *hook;     /* si->teardown or si->idle (a teardown may have none: only the wind-down) */
  wr_pool_instance *hook_token;
  wr_task *hook_task;
  bool hook_ok, destroy_pending;
  running run;
} serve_instance;

struct serve_request {
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
  bool withdrawn;        /* p3: handed back before the guest saw it (serve_p3_handle) */
  unsigned redispatches; /* times it went back to the pool that way */
  wr_task_outcome outcome;
  running run;
  uint64_t deadline_ns;
  uint64_t granted_ns;
  uint64_t next_client_check_ns;
  bool client_gone; /* the client went away while the guest ran: interrupted, instance retired */
  bool cut;         /* revoked at shutdown (out of --shutdown-timeout): interrupted */
  struct serve_request *prev, *next; /* the worker's granted requests */
};

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
  /* Instances the pool asked for, made one per turn of the scheduler by one task
   * (instance_factory.c), so that a burst of requests does not hold a burst of instances */
  WR_VEC(wr_pool_instance *) to_create;
  size_t to_create_head;
  bool creator_running;
  unsigned live_instances; /* made and not yet freed */
};

/* server.c */
/* An instance's failure (trap, timeout, cannot start), under the server's failure-log limit. */
void serve_log_failure(serve_app *app, const char *fmt, ...) WR_PRINTF(2, 3);
/* Keeps the worker's tick timer running while it has work. */
void serve_worker_tick_arm(serve_worker *w);

/* ticker.c */
void *serve_ticker_main(void *arg);
void serve_on_task_switch(void *arg, wr_task *task);
void serve_guest_yield(wasm_store *store, void *arg);
void serve_running_add(serve_app *app, running *r);
void serve_running_remove(serve_app *app, running *r);

/* instance_factory.c */
/* worker NULL: a probe instance (linking checked at start-up), not served. */
serve_instance *serve_instance_new(serve_app *app, serve_worker *worker, uint64_t id, wr_error *err, wasm_trap **trap);
void serve_instance_free(serve_instance *si);
/* The worker's pool factory (its timer requests go to the worker's tick). */
wr_pool_factory serve_instance_factory(serve_worker *w);

/* request.c */
void serve_on_request(void *worker_state, httpd_exchange *ex);
/* Per tick: deadlines and clients gone of the worker's requests. */
void serve_requests_tick(serve_worker *w, uint64_t now);
/* How the request's task ended, for the pool (and the log). */
void serve_request_outcome(serve_request *req, wasm_trap *trap);

#endif
