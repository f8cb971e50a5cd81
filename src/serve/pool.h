/* The instance pool: one per (component, worker thread), single-threaded, driven by its event
 * loop. A request becomes a task on an instance the pool picks or creates; the pool owns each
 * instance's state (starting, ready, busy, draining, retired), its sampled limits, draining,
 * teardown and metrics. It knows nothing of HTTP or WebAssembly: instances are opaque handles
 * made and destroyed by a factory, and time comes from the factory's clock, so tests drive it
 * with fake instances and a fake clock. p2 and p3 share this code; p2 is concurrency 1, reuse 1.
 *
 * Re-entrancy: lease callbacks and the factory's create and teardown may call back into
 * the pool (acquire, release, cancel, tick, shutdown, created, teardown_done); the queries
 * now_ns, is_ready and arm must not, and nothing may call wr_pool_free from inside the pool.
 * The shutdown-done callback is always the last thing the pool does before returning to the
 * event loop, so it may free the pool. Work is O(instances) per call: fine for the hundreds
 * of instances a worker holds. */
#ifndef WARREN_SERVE_POOL_H
#define WARREN_SERVE_POOL_H

#include "base/error.h"

typedef struct wr_pool wr_pool;
/* The pool's record of one instance; also the token of its creation and of its teardown. */
typedef struct wr_pool_instance wr_pool_instance;

/* ---- limits (pool_limits.c) ---- */

typedef enum { WR_POOL_P2, WR_POOL_P3 } wr_pool_kind;

/* A count or duration limit: `N` (lo == hi, single) or `A..B`. Sampled once per new instance:
 * a range uniformly; a single count N > 1 from [ceil(N/2), N] unless exact limits are asked for,
 * so guests cannot learn or rely on it. A single duration is used as given. */
typedef struct wr_pool_range {
  uint64_t lo, hi;
  bool single;
} wr_pool_range;

typedef struct wr_pool_limits {
  wr_pool_kind kind;
  wr_pool_range reuse;           /* --max-instance-reuse-count: requests per instance */
  wr_pool_range concurrency;     /* --max-instance-concurrent-reuse-count (always 1 for p2) */
  wr_pool_range idle_timeout_ns; /* --idle-instance-timeout */
  uint32_t min_instances;        /* --min-instances: created ahead of requests, replenished */
  uint32_t max_instances;        /* --max-instances: hard cap, draining instances included */
  uint32_t max_queued;           /* --max-queued-requests: waiting beyond the cap; then 503 */
  uint64_t queue_timeout_ns;     /* --queue-timeout: a queued request then gets 503 */
  uint64_t drain_timeout_ns;     /* --drain-timeout: bounds one instance's teardown */
  uint64_t shutdown_timeout_ns;  /* --shutdown-timeout: on shutdown, in-flight tasks get this long */
  uint64_t idle_hook_timeout_ns; /* --idle-hook-timeout: bounds one run of the guest's idle hook */
  bool exact;                    /* --exact-limits */
  bool seeded;                   /* --seed given; otherwise the PRNG is seeded from the OS */
  uint64_t seed;                 /* --seed */
} wr_pool_limits;

/* Defaults per kind: p2 reuse 1, concurrency 1; p3 reuse 128, concurrency 16; both idle 1s,
 * min 0, max 1000 instances, 1000 queued, queue timeout 10s, drain timeout 5s, shutdown
 * timeout 30s, idle hook timeout 1s. */
void wr_pool_limits_default(wr_pool_limits *limits, wr_pool_kind kind);

typedef enum {
  WR_POOL_FLAG_SET,     /* the flag is a pool flag and its value was applied */
  WR_POOL_FLAG_UNKNOWN, /* not a pool flag: the caller parses it */
  WR_POOL_FLAG_INVALID, /* a pool flag with a bad value: err says why */
} wr_pool_flag_result;

/* Applies one command-line flag by its name ("max-instances" or "--max-instances").
 * `value` is NULL for the value-less --exact-limits (which takes no value). */
wr_pool_flag_result wr_pool_limits_set(wr_pool_limits *limits, const char *name, const char *value,
                                       wr_error *err);
/* True if `name` is a pool flag that takes a value (all but exact-limits). */
bool wr_pool_flag_takes_value(const char *name);
/* Checks the limits as a whole (min <= max instances, p2 concurrency 1, ranges well formed). */
bool wr_pool_limits_check(const wr_pool_limits *limits, wr_error *err);

/* Parsers for the value syntaxes, exposed for the CLI and tests. Counts are decimal, 1..2^32-1
 * (`N` or `A..B`, A <= B); durations are a decimal number with a unit: ns, us, ms, s, m, h. */
bool wr_pool_parse_count_range(const char *text, wr_pool_range *out, wr_error *err);
bool wr_pool_parse_duration(const char *text, uint64_t *out_ns, wr_error *err);
bool wr_pool_parse_duration_range(const char *text, wr_pool_range *out, wr_error *err);

/* A small seeded PRNG (xoshiro256** seeded through splitmix64) for sampling limits. */
typedef struct wr_pool_rng {
  uint64_t s[4];
} wr_pool_rng;
void wr_pool_rng_seed(wr_pool_rng *rng, uint64_t seed);
uint64_t wr_pool_rng_next(wr_pool_rng *rng);
/* Uniform in [lo, hi], without modulo bias. */
uint64_t wr_pool_rng_between(wr_pool_rng *rng, uint64_t lo, uint64_t hi);
/* Samples a limit for one new instance; `halve_single` applies the [ceil(N/2), N] rule
 * (counts) unless `exact`. */
uint64_t wr_pool_range_sample(const wr_pool_range *range, bool halve_single, bool exact,
                              wr_pool_rng *rng);

/* ---- metrics (pool_metrics.c) ---- */

typedef enum {
  WR_POOL_STARTING, /* the factory is creating it */
  WR_POOL_READY,    /* would take a request now (idle, or with spare concurrency) */
  WR_POOL_BUSY,     /* at its concurrency limit, the guest applies backpressure, or its idle hook runs */
  WR_POOL_DRAINING, /* takes no new request; finishing tasks, then teardown */
  WR_POOL_RETIRED,  /* trapped or out of drain time: waiting for revoked leases, then destroyed */
  WR_POOL_STATE_COUNT
} wr_pool_state;

typedef enum {
  WR_DRAIN_REUSE_LIMIT,     /* served its sampled count */
  WR_DRAIN_IDLE,            /* idle past its idle timeout (and above --min-instances) */
  WR_DRAIN_REQUEST_TIMEOUT, /* one of its requests timed out */
  WR_DRAIN_TRAP,            /* a task trapped: retired at once, no teardown */
  WR_DRAIN_SHUTDOWN,        /* wr_pool_shutdown */
  WR_DRAIN_IDLE_HOOK,       /* its idle hook failed or ran out of time: retired at once */
  WR_DRAIN_CAUSE_COUNT
} wr_pool_drain_cause;

const char *wr_pool_state_name(wr_pool_state state);
const char *wr_pool_drain_cause_name(wr_pool_drain_cause cause);

/* Fixed-bucket histogram (Prometheus style: bucket i counts observations <= bounds[i]; the
 * last bucket is +Inf). */
#define WR_POOL_HISTOGRAM_BUCKETS 16
typedef struct wr_pool_histogram {
  uint64_t buckets[WR_POOL_HISTOGRAM_BUCKETS];
  uint64_t count, sum;
} wr_pool_histogram;

typedef enum {
  WR_HIST_INSTANTIATION_NS, /* factory-reported creation time */
  WR_HIST_QUEUE_WAIT_NS,    /* acquire -> grant */
  WR_HIST_TASK_NS,          /* grant -> release (the task, including work after the response) */
  WR_HIST_REQUESTS_PER_INSTANCE,
  WR_HIST_CONCURRENT_TASKS, /* tasks on the instance as each request is granted (itself included) */
  WR_HIST_IDLE_HOOK_NS,     /* one run of the guest's idle hook */
  WR_POOL_HISTOGRAM_COUNT
} wr_pool_histogram_kind;

/* The upper bounds of each histogram's buckets (last is UINT64_MAX = +Inf). */
const uint64_t *wr_pool_histogram_bounds(wr_pool_histogram_kind kind);
void wr_pool_histogram_observe(wr_pool_histogram *h, wr_pool_histogram_kind kind, uint64_t value);

/* Counters and gauges of one pool; the server sums them across workers (wr_pool_metrics_add)
 * and prints them on the admin endpoint (wr_pool_metrics_write). */
typedef struct wr_pool_metrics {
  uint64_t instances[WR_POOL_STATE_COUNT]; /* gauges */
  uint64_t queue_length;                   /* gauge */
  uint64_t tasks_in_flight;                /* gauge: granted leases */
  uint64_t tasks_after_response;           /* gauge: granted leases whose response went out */
  uint64_t instantiations, instantiation_failures;
  uint64_t requests_granted, requests_rejected_queue_full, requests_queue_timeout,
      requests_rejected_shutdown, requests_create_failed, requests_revoked;
  uint64_t traps, request_timeouts;
  uint64_t backpressure_refusals; /* requests an instance with room refused (not ready), once each */
  uint64_t cancellations;         /* tasks the host asked to cancel (wr_pool_note_cancellation) */
  uint64_t requests_requeued;     /* granted, the instance died before the task started: queued again */
  uint64_t idle_hooks, idle_hook_failures, idle_hook_timeouts;
  uint64_t drains[WR_DRAIN_CAUSE_COUNT];
  uint64_t teardowns, teardown_failures, teardown_timeouts;
  wr_pool_histogram histograms[WR_POOL_HISTOGRAM_COUNT];
} wr_pool_metrics;

void wr_pool_metrics_add(wr_pool_metrics *into, const wr_pool_metrics *from);
/* Prometheus text exposition (metrics named warren_pool_*), with a `component` label when
 * `component` is not NULL. Like snprintf: writes at most `cap` bytes (NUL included) and returns
 * the length of the whole text (NUL excluded), so a result >= cap means it was cut short. */
size_t wr_pool_metrics_write(const wr_pool_metrics *metrics, const char *component, char *buf,
                             size_t cap);

/* ---- the factory ---- */

typedef struct wr_pool_factory {
  void *ctx; /* passed to every hook */
  /* Start creating an instance. Report the result exactly once with wr_pool_created, before
   * returning or later (an asynchronous start). */
  void (*create)(void *ctx, wr_pool_instance *token);
  /* Free an instance. If its teardown is still running (drain timeout), this cancels it: the
   * factory must not call wr_pool_teardown_done for it afterwards. */
  void (*destroy)(void *ctx, void *instance);
  /* Optional: the guest's warren:lifecycle/teardown. Called at most once per instance, after
   * its last task finished (never after a trap); report with wr_pool_teardown_done. */
  void (*teardown)(void *ctx, void *instance, wr_pool_instance *token);
  /* Optional: the guest's warren:lifecycle/idle hook. Called when an instance that served a
   * request since the hook last ran has no task left and no request is waiting, so at most once
   * per idle period; the instance takes no request until it is reported with
   * wr_pool_idle_done. Bounded by --idle-hook-timeout: then the instance is retired, and destroy
   * cancels the hook (the factory must not report it afterwards). */
  void (*idle)(void *ctx, void *instance, wr_pool_instance *token);
  /* Optional: false while the guest applies backpressure or runs CPU-bound code. When it turns
   * true again, call wr_pool_readiness_changed. */
  bool (*is_ready)(void *ctx, void *instance);
  uint64_t (*now_ns)(void *ctx);
  /* Call wr_pool_tick at or after `at_ns`; replaces the previous request. UINT64_MAX: no timer
   * is needed. Calling tick early or late is harmless. */
  void (*arm)(void *ctx, uint64_t at_ns);
} wr_pool_factory;

/* Copies the limits (check them first with wr_pool_limits_check) and pre-warms
 * --min-instances. */
wr_pool *wr_pool_new(const wr_pool_limits *limits, const wr_pool_factory *factory);
/* Destroys every instance now, without teardown (after shutdown completed, or a second signal).
 * Queued leases are dropped without a callback. The factory must not report a creation or
 * teardown to a freed pool (destroy cancels teardowns; pending creations are its to cancel). */
void wr_pool_free(wr_pool *pool);

/* The factory's report of a creation: `instance` on success (`duration_ns` is how long it took),
 * or NULL and a message. */
void wr_pool_created(wr_pool_instance *token, void *instance, uint64_t duration_ns,
                     const char *error);
void wr_pool_teardown_done(wr_pool_instance *token, bool ok);
/* The idle hook finished: ok, or it failed (trapped), which retires the instance. */
void wr_pool_idle_done(wr_pool_instance *token, bool ok);
/* The instance's id (unique in the process; for logs and the guest's output prefix). */
uint64_t wr_pool_instance_id(const wr_pool_instance *token);

/* ---- requests ---- */

typedef enum {
  /* The lease holds a slot on an instance (wr_pool_lease_instance): run the task, then
   * wr_pool_release. */
  WR_LEASE_GRANTED,
  /* Final, the lease is no longer the pool's (reuse or free it in the callback): */
  WR_LEASE_QUEUE_FULL,    /* at --max-instances with the queue full: 503 */
  WR_LEASE_QUEUE_TIMEOUT, /* waited --queue-timeout: 503 */
  WR_LEASE_SHUTTING_DOWN, /* the pool is shutting down: 503 */
  WR_LEASE_CREATE_FAILED, /* the instance for it failed to instantiate: 500 */
  /* The instance died under a granted lease (another task trapped, or the shutdown drain time
   * ran out): stop the task (500 if nothing was sent) and wr_pool_release it; the instance is
   * destroyed once all its leases are released. */
  WR_LEASE_REVOKED,
} wr_lease_event;

typedef enum {
  WR_TASK_OK,      /* finished; the instance may serve again */
  WR_TASK_TRAP,    /* trapped: the instance is retired at once, its other leases revoked */
  WR_TASK_TIMEOUT, /* hit the request timeout: the instance drains */
  WR_TASK_ABORTED, /* cancelled by the host (client gone, lease revoked): no judgement */
} wr_task_outcome;

typedef struct wr_pool_lease wr_pool_lease;
typedef void (*wr_lease_callback)(wr_pool_lease *lease, wr_lease_event event);

/* One request's claim on the pool, owned by the caller (embed it in the request's state; the
 * pool allocates nothing per request). Only `user` is the caller's; the rest is the pool's. */
struct wr_pool_lease {
  void *user;
  wr_lease_callback callback;
  wr_pool_instance *instance;
  wr_pool_lease *prev, *next; /* the queue, or the instance's granted leases */
  uint64_t queued_ns, granted_ns;
  uint8_t status;
  bool revoked;
  bool responded, refused; /* wr_pool_responded; counted in backpressure_refusals */
};

/* Asks for an instance for one request. The callback runs exactly once with GRANTED or a final
 * failure, possibly before this returns; a granted lease may later also get REVOKED. `lease`
 * must not be queued or granted already (a finished one may be reused). */
void wr_pool_acquire(wr_pool *pool, wr_pool_lease *lease, void *user, wr_lease_callback callback);
/* Withdraws a lease still waiting in the queue (client gone): no callback follows. False if it
 * is not queued. */
bool wr_pool_cancel(wr_pool *pool, wr_pool_lease *lease);
/* Ends a granted lease when its task completed (possibly long after the response was sent). */
void wr_pool_release(wr_pool *pool, wr_pool_lease *lease, wr_task_outcome outcome);
/* The response of a granted lease went out; its task may go on (streaming, post-response work)
 * until wr_pool_release. Only counted (tasks_after_response). */
void wr_pool_responded(wr_pool *pool, wr_pool_lease *lease);
/* A granted lease whose task never started (its instance died first, e.g. another task trapped
 * while this one waited to enter): back to the head of the queue, for another instance, rather
 * than failed. Releases the slot without judging the instance. */
void wr_pool_requeue(wr_pool *pool, wr_pool_lease *lease);
/* The host asked a task to cancel (request timeout): counted. */
void wr_pool_note_cancellation(wr_pool *pool);
/* The factory's handle of a granted lease's instance, and the instance's id (for logs). */
void *wr_pool_lease_instance(const wr_pool_lease *lease);
uint64_t wr_pool_lease_instance_id(const wr_pool_lease *lease);

/* Timers: queue timeouts, idle retirement, drain deadlines, pre-warm retries. */
void wr_pool_tick(wr_pool *pool);
/* Some instance's is_ready may have turned true (backpressure released). */
void wr_pool_readiness_changed(wr_pool *pool);

/* Stops taking work: queued requests get SHUTTING_DOWN, every instance drains (tasks finish,
 * teardown once), then is destroyed. Tasks still running --shutdown-timeout from now have their
 * leases revoked (the instance is retired, no teardown); a teardown gets --drain-timeout from
 * its start, so the whole shutdown takes at most the sum of the two. `done` runs
 * once, when no instance is left; it may free the pool. */
void wr_pool_shutdown(wr_pool *pool, void (*done)(void *arg), void *arg);

/* The pool's counters, with its gauges computed now. */
void wr_pool_metrics_get(wr_pool *pool, wr_pool_metrics *out);

#endif
