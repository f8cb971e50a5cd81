/* The instance pool's state machine: which instance takes a request, when instances are
 * created, drained, torn down and destroyed, and the queue in front of them.
 *
 * Re-entrancy: public entry points bracket their work with enter/leave. Only the outermost
 * leave() runs the pump (matching queued leases to instances, creating instances), re-arms the
 * timer and reports shutdown, so a callback that calls back into the pool only changes state and
 * never sees a half-done pump. An instance whose callbacks are running is pinned, so that a
 * nested release cannot free it under the loop that is notifying its leases. */
#include "pool.h"

#include <stdatomic.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"

/* Instance ids are unique across the pools of every worker, so log lines name one instance. */
static atomic_uint_fast64_t next_instance_id;

/* After a pre-warm creation fails, wait this long before trying again rather than spinning. */
#define PREWARM_RETRY_NS 1000000000ull
#define NO_DEADLINE UINT64_MAX

typedef enum { PHASE_STARTING, PHASE_ACTIVE, PHASE_DRAINING, PHASE_RETIRED, PHASE_COUNT } phase;

enum { LEASE_FREE, LEASE_QUEUED, LEASE_GRANTED };

struct wr_pool_instance {
  wr_pool *pool;
  wr_pool_instance *prev, *next;
  void *handle; /* the factory's, once created */
  uint64_t id;
  phase phase;
  wr_pool_drain_cause cause; /* why it left PHASE_ACTIVE */
  bool for_request;          /* created for a queued lease (its failure fails one) */
  bool shutdown_seen;        /* wr_pool_shutdown has set its drain deadline */
  bool teardown_started, teardown_running;
  bool idle_pending;          /* served since its idle hook last ran */
  bool idle_running;          /* its idle hook runs: it takes no request */
  uint64_t idle_hook_started_ns, idle_hook_deadline_ns;
  uint32_t reuse_limit, uses, concurrency_limit, in_flight;
  unsigned pins;
  uint64_t idle_timeout_ns, idle_since_ns;
  uint64_t last_release_seq;  /* most recently released instance wins ties: its cache is warm */
  uint64_t drain_deadline_ns; /* teardown, or the tasks' grace during shutdown */
  wr_pool_lease *leases;      /* granted */
};

struct wr_pool {
  wr_pool_limits limits;
  wr_pool_factory factory;
  wr_pool_rng rng;
  wr_pool_instance *instances;
  size_t instance_count, phase_count[PHASE_COUNT];
  size_t starting_capacity; /* requests the instances being created will be able to take */
  wr_pool_lease *queue_head, *queue_tail;
  size_t queue_len;
  uint64_t release_seq;
  uint64_t prewarm_retry_ns;
  uint64_t armed_ns;
  unsigned depth;
  bool shutting_down, shutdown_reported;
  void (*shutdown_done)(void *arg);
  void *shutdown_arg;
  wr_pool_metrics metrics; /* counters and histograms; gauges are computed on demand */
};

static uint64_t now_ns(wr_pool *p) { return p->factory.now_ns(p->factory.ctx); }
static uint64_t add_saturating(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
/* A clock that steps back must not turn into a huge wait in the histograms. */
static uint64_t elapsed(uint64_t now, uint64_t since) { return now > since ? now - since : 0; }

/* ---- instance bookkeeping ---- */

static void set_phase(wr_pool *p, wr_pool_instance *inst, phase next) {
  p->phase_count[inst->phase]--;
  p->phase_count[next]++;
  inst->phase = next;
}

/* Instances that count towards --min-instances: neither draining nor retired. */
static size_t live_count(const wr_pool *p) {
  return p->phase_count[PHASE_STARTING] + p->phase_count[PHASE_ACTIVE];
}

static uint32_t capacity_of(const wr_pool_instance *inst) {
  return WR_MIN(inst->concurrency_limit, inst->reuse_limit);
}

static bool takes_request(wr_pool *p, wr_pool_instance *inst) {
  if (inst->phase != PHASE_ACTIVE || inst->in_flight >= inst->concurrency_limit ||
      inst->uses >= inst->reuse_limit || inst->idle_running)
    return false;
  return !p->factory.is_ready || p->factory.is_ready(p->factory.ctx, inst->handle);
}

/* Has room and is not draining, but says it is not ready (the guest's backpressure). */
static bool refuses_request(wr_pool *p, wr_pool_instance *inst) {
  return inst->phase == PHASE_ACTIVE && inst->in_flight < inst->concurrency_limit &&
         inst->uses < inst->reuse_limit && !inst->idle_running && p->factory.is_ready &&
         !p->factory.is_ready(p->factory.ctx, inst->handle);
}

/* Packs requests onto the instance with the most tasks under its limit (ties: the most recently
 * used), as wasmtime does: fewer instances stay busy, the rest go idle and retire. */
static wr_pool_instance *pick_ready(wr_pool *p) {
  wr_pool_instance *best = NULL;
  for (wr_pool_instance *inst = p->instances; inst; inst = inst->next) {
    if (!takes_request(p, inst)) continue;
    if (!best || inst->in_flight > best->in_flight ||
        (inst->in_flight == best->in_flight && inst->last_release_seq > best->last_release_seq))
      best = inst;
  }
  return best;
}

static void lease_link(wr_pool_lease **head, wr_pool_lease *lease) {
  lease->prev = NULL;
  lease->next = *head;
  if (*head) (*head)->prev = lease;
  *head = lease;
}

static void lease_unlink(wr_pool_lease **head, wr_pool_lease *lease) {
  if (lease->prev)
    lease->prev->next = lease->next;
  else
    *head = lease->next;
  if (lease->next) lease->next->prev = lease->prev;
  lease->prev = lease->next = NULL;
}

static void queue_push(wr_pool *p, wr_pool_lease *lease) {
  lease->status = LEASE_QUEUED;
  lease->next = NULL;
  lease->prev = p->queue_tail;
  if (p->queue_tail)
    p->queue_tail->next = lease;
  else
    p->queue_head = lease;
  p->queue_tail = lease;
  p->queue_len++;
}

/* First in line: a lease that has waited already (wr_pool_requeue). */
static void queue_push_front(wr_pool *p, wr_pool_lease *lease) {
  lease->status = LEASE_QUEUED;
  lease->prev = NULL;
  lease->next = p->queue_head;
  if (p->queue_head)
    p->queue_head->prev = lease;
  else
    p->queue_tail = lease;
  p->queue_head = lease;
  p->queue_len++;
}

static void queue_remove(wr_pool *p, wr_pool_lease *lease) {
  if (lease == p->queue_tail) p->queue_tail = lease->prev;
  lease_unlink(&p->queue_head, lease);
  lease->status = LEASE_FREE;
  p->queue_len--;
}

/* Ends a lease that was never granted; the callback owns it afterwards. */
static void fail_lease(wr_pool_lease *lease, wr_lease_event event) {
  lease->status = LEASE_FREE;
  lease->callback(lease, event);
}

static void fail_queue_head(wr_pool *p, wr_lease_event event) {
  wr_pool_lease *lease = p->queue_head;
  queue_remove(p, lease);
  fail_lease(lease, event);
}

/* ---- creation ---- */

static void start_create(wr_pool *p, bool for_request) {
  wr_pool_instance *inst = WR_NEW(wr_pool_instance);
  inst->pool = p;
  inst->id = atomic_fetch_add(&next_instance_id, 1) + 1;
  inst->phase = PHASE_STARTING;
  inst->for_request = for_request;
  inst->drain_deadline_ns = NO_DEADLINE;
  const wr_pool_limits *l = &p->limits;
  inst->reuse_limit = (uint32_t)wr_pool_range_sample(&l->reuse, true, l->exact, &p->rng);
  inst->concurrency_limit =
      (uint32_t)wr_pool_range_sample(&l->concurrency, true, l->exact, &p->rng);
  inst->idle_timeout_ns = wr_pool_range_sample(&l->idle_timeout_ns, false, l->exact, &p->rng);
  inst->next = p->instances;
  if (p->instances) p->instances->prev = inst;
  p->instances = inst;
  p->instance_count++;
  p->phase_count[PHASE_STARTING]++;
  p->starting_capacity += capacity_of(inst);
  p->factory.create(p->factory.ctx, inst);
}

static void unlink_instance(wr_pool *p, wr_pool_instance *inst) {
  if (inst->prev)
    inst->prev->next = inst->next;
  else
    p->instances = inst->next;
  if (inst->next) inst->next->prev = inst->prev;
  p->instance_count--;
  p->phase_count[inst->phase]--;
}

static void destroy_instance(wr_pool *p, wr_pool_instance *inst) {
  wr_pool_histogram_observe(&p->metrics.histograms[WR_HIST_REQUESTS_PER_INSTANCE],
                            WR_HIST_REQUESTS_PER_INSTANCE, inst->uses);
  WR_INFO("pool: instance %llu destroyed (%s) after %u request%s", (unsigned long long)inst->id,
          wr_pool_drain_cause_name(inst->cause), inst->uses, inst->uses == 1 ? "" : "s");
  unlink_instance(p, inst);
  p->factory.destroy(p->factory.ctx, inst->handle);
  wr_free(inst);
}

/* ---- draining ---- */

/* Stops an active instance from taking requests. Makes no callbacks. */
static void drain(wr_pool *p, wr_pool_instance *inst, wr_pool_drain_cause cause) {
  if (inst->phase != PHASE_ACTIVE) return;
  set_phase(p, inst, PHASE_DRAINING);
  inst->cause = cause;
  p->metrics.drains[cause]++;
  WR_INFO("pool: instance %llu draining (%s) after %u request%s, %u in flight",
          (unsigned long long)inst->id, wr_pool_drain_cause_name(cause), inst->uses,
          inst->uses == 1 ? "" : "s", inst->in_flight);
}

/* Retires an instance at once and revokes its leases; the holders release them, possibly from
 * inside the callback. */
static void retire(wr_pool *p, wr_pool_instance *inst, wr_pool_drain_cause cause) {
  /* A p2 instance drains (reuse limit) as it takes its only request; a trap still counts. */
  if (inst->phase == PHASE_ACTIVE || inst->cause != cause) {
    inst->cause = cause;
    p->metrics.drains[cause]++;
  }
  if (inst->phase != PHASE_RETIRED) set_phase(p, inst, PHASE_RETIRED);
  inst->drain_deadline_ns = NO_DEADLINE;
  inst->pins++;
  for (;;) {
    wr_pool_lease *lease = inst->leases;
    while (lease && lease->revoked) lease = lease->next;
    if (!lease) break;
    lease->revoked = true;
    p->metrics.requests_revoked++;
    lease->callback(lease, WR_LEASE_REVOKED);
  }
  inst->pins--;
}

/* Moves a draining or retired instance on once nothing holds it: teardown once, then destroy.
 * May free `inst`. */
static void progress(wr_pool *p, wr_pool_instance *inst) {
  if (inst->pins || inst->in_flight || inst->teardown_running || inst->idle_running) return;
  if (inst->phase == PHASE_STARTING || inst->phase == PHASE_ACTIVE) return;
  if (inst->phase == PHASE_DRAINING && p->factory.teardown && !inst->teardown_started) {
    inst->teardown_started = inst->teardown_running = true;
    p->metrics.teardowns++;
    /* its tasks are over: whatever bounded them (the shutdown's grace) no longer applies */
    inst->drain_deadline_ns = add_saturating(now_ns(p), p->limits.drain_timeout_ns);
    inst->pins++;
    p->factory.teardown(p->factory.ctx, inst->handle, inst);
    inst->pins--;
    if (inst->teardown_running) return;
  }
  destroy_instance(p, inst);
}

/* ---- the pump ---- */

static bool should_create_for_queue(wr_pool *p) {
  return !p->shutting_down && p->instance_count < p->limits.max_instances &&
         p->queue_len > p->starting_capacity;
}

static bool should_prewarm(wr_pool *p) {
  return !p->shutting_down && live_count(p) < p->limits.min_instances &&
         p->instance_count < p->limits.max_instances &&
         (p->prewarm_retry_ns == 0 || now_ns(p) >= p->prewarm_retry_ns);
}

/* An instance whose idle hook should run now: it served since the hook last ran, has no task,
 * and no request waits (one that waits goes first, to any instance). */
static wr_pool_instance *idle_hook_due(wr_pool *p) {
  if (!p->factory.idle || p->queue_head || p->shutting_down) return NULL;
  for (wr_pool_instance *inst = p->instances; inst; inst = inst->next)
    if (inst->phase == PHASE_ACTIVE && inst->in_flight == 0 && inst->idle_pending && !inst->idle_running &&
        !inst->pins)
      return inst;
  return NULL;
}

static void start_idle_hook(wr_pool *p, wr_pool_instance *inst) {
  uint64_t now = now_ns(p);
  inst->idle_pending = false;
  inst->idle_running = true;
  inst->idle_hook_started_ns = now;
  inst->idle_hook_deadline_ns = add_saturating(now, p->limits.idle_hook_timeout_ns);
  p->metrics.idle_hooks++;
  inst->pins++;
  p->factory.idle(p->factory.ctx, inst->handle, inst);
  inst->pins--;
  progress(p, inst); /* a hook that failed at once retired it: it may go now */
}

/* Counts a queued request that an instance with room refused, once per request. */
static void note_refusal(wr_pool *p, wr_pool_lease *lease) {
  if (lease->refused) return;
  for (wr_pool_instance *inst = p->instances; inst; inst = inst->next)
    if (refuses_request(p, inst)) {
      lease->refused = true;
      p->metrics.backpressure_refusals++;
      return;
    }
}

/* One action per turn, re-judged after each because every action may run callbacks. */
static void pump(wr_pool *p) {
  for (;;) {
    if (p->queue_head) {
      note_refusal(p, p->queue_head);
      wr_pool_instance *inst = pick_ready(p);
      if (inst) {
        wr_pool_lease *lease = p->queue_head;
        queue_remove(p, lease);
        uint64_t now = now_ns(p);
        lease->status = LEASE_GRANTED;
        lease->instance = inst;
        lease->granted_ns = now;
        lease_link(&inst->leases, lease);
        inst->in_flight++;
        inst->uses++;
        inst->idle_pending = true;
        p->metrics.requests_granted++;
        wr_pool_histogram_observe(&p->metrics.histograms[WR_HIST_CONCURRENT_TASKS], WR_HIST_CONCURRENT_TASKS,
                                  inst->in_flight);
        wr_pool_histogram_observe(&p->metrics.histograms[WR_HIST_QUEUE_WAIT_NS],
                                  WR_HIST_QUEUE_WAIT_NS, elapsed(now, lease->queued_ns));
        if (inst->uses >= inst->reuse_limit) drain(p, inst, WR_DRAIN_REUSE_LIMIT);
        lease->callback(lease, WR_LEASE_GRANTED);
        continue;
      }
      if (should_create_for_queue(p)) {
        start_create(p, true);
        continue;
      }
    }
    if (should_prewarm(p)) {
      start_create(p, false);
      continue;
    }
    wr_pool_instance *idle = idle_hook_due(p);
    if (idle) {
      start_idle_hook(p, idle);
      continue;
    }
    break;
  }
}

static uint64_t next_deadline(wr_pool *p) {
  uint64_t next = NO_DEADLINE;
  if (p->queue_head) next = add_saturating(p->queue_head->queued_ns, p->limits.queue_timeout_ns);
  bool idle_may_retire = live_count(p) > p->limits.min_instances;
  for (wr_pool_instance *inst = p->instances; inst; inst = inst->next) {
    next = WR_MIN(next, inst->drain_deadline_ns);
    if (inst->idle_running) {
      next = WR_MIN(next, inst->idle_hook_deadline_ns);
      continue;
    }
    if (idle_may_retire && inst->phase == PHASE_ACTIVE && inst->in_flight == 0)
      next = WR_MIN(next, add_saturating(inst->idle_since_ns, inst->idle_timeout_ns));
  }
  if (p->prewarm_retry_ns && !p->shutting_down && live_count(p) < p->limits.min_instances)
    next = WR_MIN(next, p->prewarm_retry_ns);
  return next;
}

static void enter(wr_pool *p) { p->depth++; }

static void leave(wr_pool *p) {
  if (p->depth > 1) {
    p->depth--;
    return;
  }
  pump(p);
  uint64_t next = next_deadline(p);
  if (next != p->armed_ns) {
    p->armed_ns = next;
    p->factory.arm(p->factory.ctx, next);
  }
  p->depth = 0;
  if (p->shutting_down && !p->shutdown_reported && !p->instances && !p->queue_head) {
    p->shutdown_reported = true;
    if (p->shutdown_done) p->shutdown_done(p->shutdown_arg); /* last: it may free the pool */
  }
}

/* ---- public API ---- */

wr_pool *wr_pool_new(const wr_pool_limits *limits, const wr_pool_factory *factory) {
  wr_pool *p = WR_NEW(wr_pool);
  p->limits = *limits;
  p->factory = *factory;
  p->armed_ns = NO_DEADLINE;
  uint64_t seed = limits->seed;
  /* Unseeded: guests must not be able to predict their limits, so ask the OS. */
  if (!limits->seeded && getentropy(&seed, sizeof seed) != 0) seed = now_ns(p) ^ (uintptr_t)p;
  wr_pool_rng_seed(&p->rng, seed);
  enter(p);
  leave(p); /* pre-warms --min-instances */
  return p;
}

void wr_pool_free(wr_pool *pool) {
  if (!pool) return;
  while (pool->instances) {
    wr_pool_instance *inst = pool->instances;
    unlink_instance(pool, inst);
    if (inst->phase != PHASE_STARTING) pool->factory.destroy(pool->factory.ctx, inst->handle);
    wr_free(inst);
  }
  wr_free(pool);
}

void wr_pool_created(wr_pool_instance *token, void *instance, uint64_t duration_ns,
                     const char *error) {
  wr_pool_instance *inst = token;
  wr_pool *p = inst->pool;
  enter(p);
  p->starting_capacity -= capacity_of(inst);
  if (!instance) {
    p->metrics.instantiation_failures++;
    /* info, not warn: the factory logs the failure itself, under the server's log rate limit */
    WR_INFO("pool: instance %llu failed to start: %s", (unsigned long long)inst->id,
            error ? error : "unknown error");
    bool for_request = inst->for_request;
    unlink_instance(p, inst);
    wr_free(inst);
    if (!for_request) p->prewarm_retry_ns = add_saturating(now_ns(p), PREWARM_RETRY_NS);
    /* The lease it was made for would otherwise wait for an instance that never comes. */
    else if (p->queue_head) {
      p->metrics.requests_create_failed++;
      fail_queue_head(p, WR_LEASE_CREATE_FAILED);
    }
    leave(p);
    return;
  }
  p->metrics.instantiations++;
  wr_pool_histogram_observe(&p->metrics.histograms[WR_HIST_INSTANTIATION_NS],
                            WR_HIST_INSTANTIATION_NS, duration_ns);
  inst->handle = instance;
  inst->idle_since_ns = now_ns(p);
  set_phase(p, inst, PHASE_ACTIVE);
  WR_INFO("pool: instance %llu started in %llu us (reuse %u, concurrency %u)",
          (unsigned long long)inst->id, (unsigned long long)(duration_ns / 1000), inst->reuse_limit,
          inst->concurrency_limit);
  if (p->shutting_down) {
    inst->shutdown_seen = true;
    inst->drain_deadline_ns = add_saturating(now_ns(p), p->limits.shutdown_timeout_ns);
    drain(p, inst, WR_DRAIN_SHUTDOWN);
    progress(p, inst);
  }
  leave(p);
}

void wr_pool_teardown_done(wr_pool_instance *token, bool ok) {
  wr_pool *p = token->pool;
  if (!token->teardown_running) return;
  enter(p);
  token->teardown_running = false;
  if (!ok) {
    p->metrics.teardown_failures++;
    WR_INFO("pool: instance %llu: teardown failed", (unsigned long long)token->id); /* logged by the factory too */
  }
  progress(p, token);
  leave(p);
}

void wr_pool_idle_done(wr_pool_instance *token, bool ok) {
  wr_pool *p = token->pool;
  if (!token->idle_running) return;
  enter(p);
  uint64_t now = now_ns(p);
  token->idle_running = false;
  token->idle_since_ns = now; /* idle time counts from the end of the hook */
  wr_pool_histogram_observe(&p->metrics.histograms[WR_HIST_IDLE_HOOK_NS], WR_HIST_IDLE_HOOK_NS,
                            elapsed(now, token->idle_hook_started_ns));
  if (!ok) {
    p->metrics.idle_hook_failures++;
    WR_INFO("pool: instance %llu: idle hook failed; retiring it", (unsigned long long)token->id);
    retire(p, token, WR_DRAIN_IDLE_HOOK);
  }
  progress(p, token);
  leave(p);
}

void wr_pool_acquire(wr_pool *pool, wr_pool_lease *lease, void *user, wr_lease_callback callback) {
  wr_pool *p = pool;
  enter(p);
  *lease = (wr_pool_lease){.user = user, .callback = callback, .queued_ns = now_ns(p)};
  if (p->shutting_down) {
    p->metrics.requests_rejected_shutdown++;
    fail_lease(lease, WR_LEASE_SHUTTING_DOWN);
  } else if (p->instance_count >= p->limits.max_instances &&
             p->queue_len >= p->starting_capacity + p->limits.max_queued &&
             !(p->queue_len == 0 && pick_ready(p))) {
    p->metrics.requests_rejected_queue_full++;
    fail_lease(lease, WR_LEASE_QUEUE_FULL);
  } else {
    queue_push(p, lease); /* the pump grants it at once if an instance is ready */
  }
  leave(p);
}

bool wr_pool_cancel(wr_pool *pool, wr_pool_lease *lease) {
  if (lease->status != LEASE_QUEUED) return false;
  enter(pool);
  queue_remove(pool, lease);
  leave(pool);
  return true;
}

void wr_pool_release(wr_pool *pool, wr_pool_lease *lease, wr_task_outcome outcome) {
  if (lease->status != LEASE_GRANTED) {
    WR_ERROR("pool: release of a lease that is not granted (ignored)");
    return;
  }
  wr_pool *p = pool;
  enter(p);
  wr_pool_instance *inst = lease->instance;
  uint64_t now = now_ns(p);
  lease_unlink(&inst->leases, lease);
  lease->status = LEASE_FREE;
  lease->instance = NULL;
  inst->in_flight--;
  inst->last_release_seq = ++p->release_seq;
  if (inst->in_flight == 0) inst->idle_since_ns = now;
  wr_pool_histogram_observe(&p->metrics.histograms[WR_HIST_TASK_NS], WR_HIST_TASK_NS,
                            elapsed(now, lease->granted_ns));
  switch (outcome) {
    case WR_TASK_TRAP:
      p->metrics.traps++;
      /* info: the trap itself is logged by the task's owner, under the server's log rate limit */
      WR_INFO("pool: instance %llu trapped; retiring it", (unsigned long long)inst->id);
      retire(p, inst, WR_DRAIN_TRAP);
      break;
    case WR_TASK_TIMEOUT:
      p->metrics.request_timeouts++;
      drain(p, inst, WR_DRAIN_REQUEST_TIMEOUT);
      break;
    case WR_TASK_OK:
    case WR_TASK_ABORTED: break;
  }
  progress(p, inst);
  leave(p);
}

void wr_pool_responded(wr_pool *pool, wr_pool_lease *lease) {
  WR_UNUSED(pool);
  if (lease->status == LEASE_GRANTED) lease->responded = true;
}

void wr_pool_requeue(wr_pool *pool, wr_pool_lease *lease) {
  if (lease->status != LEASE_GRANTED) {
    WR_ERROR("pool: requeue of a lease that is not granted (ignored)");
    return;
  }
  wr_pool *p = pool;
  enter(p);
  wr_pool_instance *inst = lease->instance;
  lease_unlink(&inst->leases, lease);
  lease->instance = NULL;
  lease->revoked = lease->responded = false;
  inst->in_flight--;
  if (inst->in_flight == 0) inst->idle_since_ns = now_ns(p);
  p->metrics.requests_requeued++;
  queue_push_front(p, lease);
  progress(p, inst);
  leave(p);
}

void wr_pool_note_cancellation(wr_pool *pool) { pool->metrics.cancellations++; }

void *wr_pool_lease_instance(const wr_pool_lease *lease) {
  return lease->status == LEASE_GRANTED ? lease->instance->handle : NULL;
}

uint64_t wr_pool_instance_id(const wr_pool_instance *token) { return token->id; }

uint64_t wr_pool_lease_instance_id(const wr_pool_lease *lease) {
  return lease->status == LEASE_GRANTED ? lease->instance->id : 0;
}

/* The first instance with a deadline due at `now`, or NULL. */
static wr_pool_instance *find_due(wr_pool *p, uint64_t now) {
  bool idle_may_retire = live_count(p) > p->limits.min_instances;
  for (wr_pool_instance *inst = p->instances; inst; inst = inst->next) {
    if (inst->pins) continue;
    if (inst->drain_deadline_ns <= now) return inst;
    if (idle_may_retire && inst->phase == PHASE_ACTIVE && inst->in_flight == 0 && !inst->idle_running &&
        add_saturating(inst->idle_since_ns, inst->idle_timeout_ns) <= now)
      return inst;
  }
  return NULL;
}

void wr_pool_tick(wr_pool *pool) {
  wr_pool *p = pool;
  enter(p);
  uint64_t now = now_ns(p);
  while (p->queue_head &&
         add_saturating(p->queue_head->queued_ns, p->limits.queue_timeout_ns) <= now) {
    p->metrics.requests_queue_timeout++;
    fail_queue_head(p, WR_LEASE_QUEUE_TIMEOUT);
  }
  /* idle hooks out of time: the instance is retired, and destroy cancels the hook */
  for (wr_pool_instance *inst = p->instances; inst;) {
    wr_pool_instance *next = inst->next;
    if (inst->idle_running && !inst->pins && inst->idle_hook_deadline_ns <= now) {
      inst->idle_running = false;
      p->metrics.idle_hook_timeouts++;
      WR_WARN("pool: instance %llu: idle hook timed out; retiring it", (unsigned long long)inst->id);
      retire(p, inst, WR_DRAIN_IDLE_HOOK);
      progress(p, inst);
    }
    inst = next;
  }
  for (wr_pool_instance *inst; (inst = find_due(p, now));) {
    if (inst->phase == PHASE_ACTIVE) {
      drain(p, inst, WR_DRAIN_IDLE);
    } else if (inst->teardown_running) {
      /* The guest's teardown ran out of time: destroy() cancels it. */
      inst->teardown_running = false;
      inst->drain_deadline_ns = NO_DEADLINE;
      p->metrics.teardown_timeouts++;
      WR_WARN("pool: instance %llu: teardown timed out", (unsigned long long)inst->id);
    } else {
      /* Shutdown drain time is up with tasks still running. */
      retire(p, inst, WR_DRAIN_SHUTDOWN);
    }
    progress(p, inst);
  }
  leave(p);
}

void wr_pool_readiness_changed(wr_pool *pool) {
  enter(pool);
  leave(pool);
}

void wr_pool_shutdown(wr_pool *pool, void (*done)(void *arg), void *arg) {
  wr_pool *p = pool;
  enter(p);
  if (!p->shutting_down) {
    p->shutting_down = true;
    p->shutdown_done = done;
    p->shutdown_arg = arg;
    while (p->queue_head) {
      p->metrics.requests_rejected_shutdown++;
      fail_queue_head(p, WR_LEASE_SHUTTING_DOWN);
    }
    uint64_t deadline = add_saturating(now_ns(p), p->limits.shutdown_timeout_ns);
    for (;;) {
      wr_pool_instance *inst = p->instances;
      while (inst && (inst->shutdown_seen || inst->phase == PHASE_STARTING)) inst = inst->next;
      if (!inst) break;
      inst->shutdown_seen = true;
      if (inst->phase != PHASE_RETIRED)
        inst->drain_deadline_ns = WR_MIN(inst->drain_deadline_ns, deadline);
      drain(p, inst, WR_DRAIN_SHUTDOWN);
      progress(p, inst);
    }
  }
  leave(p);
}

void wr_pool_metrics_get(wr_pool *pool, wr_pool_metrics *out) {
  *out = pool->metrics;
  for (wr_pool_instance *inst = pool->instances; inst; inst = inst->next) {
    wr_pool_state state = WR_POOL_RETIRED;
    switch (inst->phase) {
      case PHASE_STARTING: state = WR_POOL_STARTING; break;
      case PHASE_ACTIVE: state = takes_request(pool, inst) ? WR_POOL_READY : WR_POOL_BUSY; break;
      case PHASE_DRAINING: state = WR_POOL_DRAINING; break;
      case PHASE_RETIRED:
      case PHASE_COUNT: break;
    }
    out->instances[state]++;
    out->tasks_in_flight += inst->in_flight;
    for (const wr_pool_lease *lease = inst->leases; lease; lease = lease->next)
      out->tasks_after_response += lease->responded;
  }
  out->queue_length = pool->queue_len;
}
