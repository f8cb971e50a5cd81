/* The instance pool (src/serve/pool*.c) driven by a fake factory and a fake clock: reuse counts,
 * sampled limits, concurrency, the queue and its bounds, idle retirement, pre-warming, draining,
 * teardown, traps, shutdown, creation failures, backpressure, flag parsing and metrics text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/pool.h"

static int failures;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#define MS 1000000ull
#define SECOND 1000000000ull
#define MAX_FAKES 4096

/* ---- the fake factory ---- */

typedef struct fake_instance {
  int id;     /* 1-based creation order */
  int served; /* the guest's own request counter */
  int in_flight, max_in_flight;
  bool backpressure;
  bool dead; /* trapped or revoked: must never be granted again */
} fake_instance;

typedef struct {
  int served, teardown_calls, idle_calls;
  bool destroyed;
} fake_record; /* survives the instance, for checks after destroy */

typedef struct fake {
  uint64_t now, armed;
  int arm_calls;
  int created, destroyed;
  int fail_next;     /* creations to fail */
  bool async_create; /* hold creations in `pending` until the test completes them */
  wr_pool_instance *pending[16];
  int npending;
  bool with_teardown, async_teardown, teardown_fails;
  wr_pool_instance *teardown_tokens[16];
  fake_instance *teardown_instances[16]; /* whose teardown each token is */
  int nteardowns_pending;
  bool with_readiness;
  bool with_idle, async_idle, idle_fails;
  wr_pool_instance *idle_tokens[16];
  fake_instance *idle_instances[16];
  int nidle_pending;
  uint64_t create_ns; /* duration reported for each creation */
  fake_instance *live[64];
  int nlive;
  fake_record records[MAX_FAKES + 1];
} fake;

static fake_instance *fake_make(fake *f) {
  fake_instance *fi = calloc(1, sizeof *fi);
  fi->id = ++f->created;
  CHECK(f->nlive < (int)WR_ARRAY_LEN(f->live));
  if (f->nlive < (int)WR_ARRAY_LEN(f->live)) f->live[f->nlive++] = fi;
  return fi;
}

static void fake_create(void *ctx, wr_pool_instance *token) {
  fake *f = ctx;
  if (f->async_create) {
    CHECK(f->npending < (int)WR_ARRAY_LEN(f->pending));
    if (f->npending == (int)WR_ARRAY_LEN(f->pending)) abort(); /* the pool creates without bound */
    f->pending[f->npending++] = token;
    return;
  }
  if (f->fail_next > 0) {
    f->fail_next--;
    wr_pool_created(token, NULL, 0, "fake creation failure");
    return;
  }
  fake_instance *fi = fake_make(f);
  wr_pool_created(token, fi, f->create_ns, NULL);
}

/* Completes the oldest pending creation. */
static void fake_finish_create(fake *f, bool ok) {
  wr_pool_instance *token = f->pending[0];
  memmove(f->pending, f->pending + 1, (size_t)--f->npending * sizeof f->pending[0]);
  if (!ok) {
    wr_pool_created(token, NULL, 0, "fake asynchronous failure");
    return;
  }
  fake_instance *fi = fake_make(f);
  wr_pool_created(token, fi, f->create_ns, NULL);
}

static void fake_destroy(void *ctx, void *instance) {
  fake *f = ctx;
  fake_instance *fi = instance;
  if (fi->id <= MAX_FAKES) {
    CHECK(!f->records[fi->id].destroyed);
    f->records[fi->id].destroyed = true;
    f->records[fi->id].served = fi->served;
  }
  for (int i = 0; i < f->nlive; i++)
    if (f->live[i] == fi) f->live[i] = f->live[--f->nlive];
  /* Destroying cancels a running idle hook or teardown: its completion is never reported. */
  for (int i = 0; i < f->nidle_pending; i++)
    if (f->idle_instances[i] == fi) {
      f->idle_instances[i] = f->idle_instances[--f->nidle_pending];
      f->idle_tokens[i] = f->idle_tokens[f->nidle_pending];
    }
  for (int i = 0; i < f->nteardowns_pending; i++)
    if (f->teardown_instances[i] == fi) {
      f->teardown_instances[i] = f->teardown_instances[--f->nteardowns_pending];
      f->teardown_tokens[i] = f->teardown_tokens[f->nteardowns_pending];
    }
  f->destroyed++;
  free(fi);
}

static void fake_teardown(void *ctx, void *instance, wr_pool_instance *token) {
  fake *f = ctx;
  fake_instance *fi = instance;
  CHECK(fi->in_flight == 0);
  f->records[fi->id].teardown_calls++;
  if (f->async_teardown) {
    f->teardown_instances[f->nteardowns_pending] = fi;
    f->teardown_tokens[f->nteardowns_pending++] = token;
    return;
  }
  wr_pool_teardown_done(token, !f->teardown_fails);
}

static void fake_idle(void *ctx, void *instance, wr_pool_instance *token) {
  fake *f = ctx;
  fake_instance *fi = instance;
  CHECK(fi->in_flight == 0);
  f->records[fi->id].idle_calls++;
  if (f->async_idle) {
    f->idle_instances[f->nidle_pending] = fi;
    f->idle_tokens[f->nidle_pending++] = token;
    return;
  }
  wr_pool_idle_done(token, !f->idle_fails);
}

/* Completes the oldest idle hook still running. */
static void fake_finish_idle(fake *f, bool ok) {
  wr_pool_instance *token = f->idle_tokens[0];
  f->nidle_pending--;
  memmove(f->idle_tokens, f->idle_tokens + 1, (size_t)f->nidle_pending * sizeof f->idle_tokens[0]);
  memmove(f->idle_instances, f->idle_instances + 1, (size_t)f->nidle_pending * sizeof f->idle_instances[0]);
  wr_pool_idle_done(token, ok);
}

static bool fake_is_ready(void *ctx, void *instance) {
  WR_UNUSED(ctx);
  return !((fake_instance *)instance)->backpressure;
}

static uint64_t fake_now(void *ctx) { return ((fake *)ctx)->now; }

static void fake_arm(void *ctx, uint64_t at_ns) {
  fake *f = ctx;
  f->armed = at_ns;
  f->arm_calls++;
}

static fake *fake_new(void) {
  fake *f = calloc(1, sizeof *f);
  f->now = 1000 * SECOND;
  f->armed = UINT64_MAX;
  f->create_ns = 3000;
  return f;
}

static wr_pool *pool_for(fake *f, const wr_pool_limits *limits) {
  wr_pool_factory factory = {.ctx = f,
                             .create = fake_create,
                             .destroy = fake_destroy,
                             .teardown = f->with_teardown ? fake_teardown : NULL,
                             .idle = f->with_idle ? fake_idle : NULL,
                             .is_ready = f->with_readiness ? fake_is_ready : NULL,
                             .now_ns = fake_now,
                             .arm = fake_arm};
  wr_error err = {0};
  CHECK(wr_pool_limits_check(limits, &err));
  if (err.failed) fprintf(stderr, "limits: %s\n", err.message);
  return wr_pool_new(limits, &factory);
}

/* Moves the fake clock and fires the pool's timer if it is due. */
static void advance(wr_pool *pool, fake *f, uint64_t ns) {
  f->now += ns;
  if (f->armed <= f->now) wr_pool_tick(pool);
}

/* ---- requests ---- */

typedef struct request {
  wr_pool_lease lease;
  wr_pool *pool;
  int events;
  wr_lease_event last;
  bool granted, revoked;
  fake_instance *instance; /* valid while the instance lives */
  int instance_id;
  int seen_count;            /* what the guest's counter said for this request */
  bool release_at_once;      /* the task finishes inside the grant callback */
  bool release_when_revoked; /* the holder stops the task inside the revoke callback */
} request;

static void on_event(wr_pool_lease *lease, wr_lease_event event) {
  request *r = lease->user;
  r->events++;
  r->last = event;
  if (event == WR_LEASE_GRANTED) {
    r->granted = true;
    r->instance = wr_pool_lease_instance(lease);
    r->instance_id = r->instance->id;
    r->instance->served++;
    r->instance->in_flight++;
    if (r->instance->in_flight > r->instance->max_in_flight)
      r->instance->max_in_flight = r->instance->in_flight;
    r->seen_count = r->instance->served;
    if (r->release_at_once) {
      r->instance->in_flight--;
      wr_pool_release(r->pool, lease, WR_TASK_OK);
    }
  } else if (event == WR_LEASE_REVOKED) {
    r->revoked = true;
    if (r->release_when_revoked) {
      r->instance->in_flight--;
      wr_pool_release(r->pool, lease, WR_TASK_ABORTED);
    }
  }
}

static void ask(wr_pool *pool, request *r) {
  memset(r, 0, sizeof *r);
  r->pool = pool;
  wr_pool_acquire(pool, &r->lease, r, on_event);
}

static void ask_and_finish(wr_pool *pool, request *r) {
  memset(r, 0, sizeof *r);
  r->pool = pool;
  r->release_at_once = true;
  wr_pool_acquire(pool, &r->lease, r, on_event);
}

static void finish(request *r, wr_task_outcome outcome) {
  r->instance->in_flight--;
  wr_pool_release(r->pool, &r->lease, outcome);
}

static wr_pool_metrics metrics_of(wr_pool *pool) {
  wr_pool_metrics m;
  wr_pool_metrics_get(pool, &m);
  return m;
}

static void limits_for(wr_pool_limits *l, wr_pool_kind kind, const char *const *flags) {
  wr_pool_limits_default(l, kind);
  l->seeded = true;
  l->seed = 42;
  for (size_t i = 0; flags && flags[i]; i++) {
    wr_error err = {0};
    const char *name = flags[i];
    const char *value = wr_pool_flag_takes_value(name) ? flags[++i] : NULL;
    wr_pool_flag_result res = wr_pool_limits_set(l, name, value, &err);
    if (res != WR_POOL_FLAG_SET) fprintf(stderr, "flag %s: %s\n", name, err.message);
    CHECK(res == WR_POOL_FLAG_SET);
  }
}

/* ---- tests ---- */

static void test_p2_default_never_reuses(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, NULL);
  wr_pool *pool = pool_for(f, &l);
  CHECK(f->created == 0); /* no pre-warm by default */
  request r;
  for (int i = 0; i < 5; i++) {
    ask_and_finish(pool, &r);
    CHECK(r.granted && r.seen_count == 1);
  }
  CHECK(f->created == 5 && f->destroyed == 5);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.drains[WR_DRAIN_REUSE_LIMIT] == 5);
  CHECK(m.histograms[WR_HIST_REQUESTS_PER_INSTANCE].buckets[0] == 5);
  wr_pool_free(pool);
  free(f);
}

static void test_reuse_exact_counts(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2,
             (const char *const[]){"--max-instance-reuse-count", "3", "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  static const int expected[] = {1, 2, 3, 1, 2, 3, 1, 2, 3};
  for (size_t i = 0; i < 9; i++) {
    request r;
    ask_and_finish(pool, &r);
    CHECK(r.granted && r.seen_count == expected[i]);
  }
  CHECK(f->created == 3 && f->destroyed == 3);
  wr_pool_free(pool);
  free(f);
}

/* Serves `instances` instances one request at a time; returns each instance's count. */
static void served_counts(const char *const *flags, int instances, int *counts) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, flags);
  wr_pool *pool = pool_for(f, &l);
  while (f->destroyed < instances) {
    request r;
    ask_and_finish(pool, &r);
    CHECK(r.granted);
  }
  for (int i = 0; i < instances; i++) counts[i] = f->records[i + 1].served;
  wr_pool_free(pool);
  free(f);
}

static void test_reuse_range_sampled(void) {
  enum { N = 1000 };
  static int a[N], b[N], c[N];
  served_counts((const char *const[]){"--max-instance-reuse-count", "2..5", NULL}, N, a);
  int seen[6] = {0};
  for (int i = 0; i < N; i++) {
    CHECK(a[i] >= 2 && a[i] <= 5);
    if (a[i] >= 2 && a[i] <= 5) seen[a[i]]++;
  }
  for (int v = 2; v <= 5; v++) CHECK(seen[v] > 150); /* ~250 each if uniform */
  /* Same seed, same counts; another seed, other counts. */
  served_counts((const char *const[]){"--max-instance-reuse-count", "2..5", NULL}, N, b);
  CHECK(memcmp(a, b, sizeof a) == 0);
  served_counts((const char *const[]){"--max-instance-reuse-count", "2..5", "--seed", "7", NULL}, N,
                c);
  CHECK(memcmp(a, c, sizeof a) != 0);
  /* --exact-limits does not pin an explicit range. */
  served_counts((const char *const[]){"--max-instance-reuse-count", "2..5", "--exact-limits", NULL},
                N, b);
  int distinct = 0;
  for (int i = 1; i < N; i++) distinct += b[i] != b[0];
  CHECK(distinct > 0);
}

static void test_reuse_single_halved(void) {
  enum { N = 400 };
  static int counts[N];
  served_counts((const char *const[]){"--max-instance-reuse-count", "10", NULL}, N, counts);
  int low = 10, high = 0;
  for (int i = 0; i < N; i++) {
    low = counts[i] < low ? counts[i] : low;
    high = counts[i] > high ? counts[i] : high;
  }
  CHECK(low == 5 && high == 10);
  served_counts((const char *const[]){"--max-instance-reuse-count", "7", NULL}, N, counts);
  for (int i = 0; i < N; i++) CHECK(counts[i] >= 4 && counts[i] <= 7);
  served_counts((const char *const[]){"--max-instance-reuse-count", "10", "--exact-limits", NULL},
                50, counts);
  for (int i = 0; i < 50; i++) CHECK(counts[i] == 10);
}

static void test_sampling_helpers(void) {
  wr_pool_rng rng;
  wr_pool_rng_seed(&rng, 1);
  wr_pool_range one = {1, 1, true};
  for (int i = 0; i < 100; i++) CHECK(wr_pool_range_sample(&one, true, false, &rng) == 1);
  wr_pool_range full = {0, UINT64_MAX, false};
  CHECK(wr_pool_range_sample(&full, true, false, &rng) !=
        wr_pool_range_sample(&full, true, false, &rng));
  wr_pool_range dur = {SECOND, SECOND, true};
  CHECK(wr_pool_range_sample(&dur, false, false, &rng) == SECOND); /* durations are not halved */
  wr_pool_rng a, b;
  wr_pool_rng_seed(&a, 99);
  wr_pool_rng_seed(&b, 99);
  for (int i = 0; i < 10; i++) CHECK(wr_pool_rng_next(&a) == wr_pool_rng_next(&b));
}

static void test_concurrency_and_packing(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(
      &l, WR_POOL_P3,
      (const char *const[]){"--max-instance-concurrent-reuse-count", "4", "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  request r[10];
  for (int i = 0; i < 10; i++) {
    ask(pool, &r[i]);
    CHECK(r[i].granted);
  }
  CHECK(f->created == 3); /* 4 + 4 + 2 */
  CHECK(r[0].instance == r[3].instance && r[4].instance == r[7].instance);
  CHECK(r[8].instance == r[9].instance && r[8].instance != r[0].instance);
  for (int i = 0; i < 10; i++) CHECK(r[i].instance->max_in_flight <= 4);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.instances[WR_POOL_BUSY] == 2 && m.instances[WR_POOL_READY] == 1);
  /* Free a slot on the first instance: the next request prefers the fuller one (2 in flight on
   * the third instance vs 3 on the first). */
  finish(&r[0], WR_TASK_OK);
  request extra;
  ask(pool, &extra);
  CHECK(extra.granted && extra.instance == r[1].instance);
  finish(&extra, WR_TASK_OK);
  for (int i = 1; i < 10; i++) finish(&r[i], WR_TASK_OK);
  m = metrics_of(pool);
  CHECK(m.instances[WR_POOL_READY] == 3 && f->destroyed == 0);
  wr_pool_free(pool);
  CHECK(f->destroyed == 3);
  free(f);
}

static void test_queue_bound_and_fifo(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2,
             (const char *const[]){"--max-instances", "2", "--max-queued-requests", "3",
                                   "--max-instance-reuse-count", "100", "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  request r[6];
  for (int i = 0; i < 6; i++) ask(pool, &r[i]);
  CHECK(r[0].granted && r[1].granted);
  CHECK(r[2].events == 0 && r[3].events == 0 && r[4].events == 0);
  CHECK(r[5].events == 1 && r[5].last == WR_LEASE_QUEUE_FULL);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.queue_length == 3 && m.requests_rejected_queue_full == 1 && f->created == 2);
  /* Released capacity goes to the oldest waiter. */
  finish(&r[1], WR_TASK_OK);
  CHECK(r[2].granted && !r[3].granted && r[2].instance == r[1].instance);
  /* A withdrawn waiter gets no callback and leaves room. */
  CHECK(wr_pool_cancel(pool, &r[3].lease));
  CHECK(!wr_pool_cancel(pool, &r[3].lease));
  CHECK(r[3].events == 0);
  finish(&r[0], WR_TASK_OK);
  CHECK(r[4].granted && r[3].events == 0);
  finish(&r[2], WR_TASK_OK);
  finish(&r[4], WR_TASK_OK);
  m = metrics_of(pool);
  CHECK(m.queue_length == 0 && m.requests_granted == 4);
  CHECK(m.histograms[WR_HIST_QUEUE_WAIT_NS].count == 4);
  wr_pool_free(pool);
  free(f);
}

static void test_queue_timeout(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2,
             (const char *const[]){"--max-instances", "1", "--queue-timeout", "500ms", NULL});
  wr_pool *pool = pool_for(f, &l);
  request busy, waiting;
  ask(pool, &busy);
  f->now += 100 * MS;
  ask(pool, &waiting);
  CHECK(busy.granted && waiting.events == 0);
  CHECK(f->armed == f->now + 500 * MS);
  advance(pool, f, 499 * MS);
  CHECK(waiting.events == 0);
  advance(pool, f, 1 * MS);
  CHECK(waiting.events == 1 && waiting.last == WR_LEASE_QUEUE_TIMEOUT);
  CHECK(metrics_of(pool).requests_queue_timeout == 1);
  finish(&busy, WR_TASK_OK);
  CHECK(f->destroyed == 1 && f->created == 1); /* no instance made for the timed-out waiter */
  wr_pool_free(pool);
  free(f);
}

static void test_idle_retire(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3, (const char *const[]){"--idle-instance-timeout", "1s", NULL});
  wr_pool *pool = pool_for(f, &l);
  request r;
  ask(pool, &r);
  f->now += 300 * MS;
  finish(&r, WR_TASK_OK);
  CHECK(f->armed == f->now + SECOND);
  advance(pool, f, SECOND - 1);
  CHECK(f->destroyed == 0);
  advance(pool, f, 1);
  CHECK(f->destroyed == 1);
  CHECK(metrics_of(pool).drains[WR_DRAIN_IDLE] == 1);
  CHECK(f->armed == UINT64_MAX);
  wr_pool_free(pool);
  free(f);
}

static void test_idle_range(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3, (const char *const[]){"--idle-instance-timeout", "1s..3s", NULL});
  wr_pool *pool = pool_for(f, &l);
  enum { N = 40 };
  request r[N];
  int retired_at[N]; /* in 100 ms steps after its only request */
  for (int i = 0; i < N; i++) {
    ask(pool, &r[i]);
    finish(&r[i], WR_TASK_OK);
    uint64_t start = f->now;
    int before = f->destroyed;
    while (f->destroyed == before) advance(pool, f, 100 * MS);
    retired_at[i] = (int)((f->now - start) / (100 * MS));
  }
  bool varied = false;
  for (int i = 0; i < N; i++) {
    CHECK(retired_at[i] >= 10 && retired_at[i] <= 30);
    varied |= retired_at[i] != retired_at[0];
  }
  CHECK(varied);
  wr_pool_free(pool);
  free(f);
}

static void test_min_instances_prewarm_and_replenish(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, (const char *const[]){"--min-instances", "2", NULL});
  wr_pool *pool = pool_for(f, &l);
  CHECK(f->created == 2);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.instances[WR_POOL_READY] == 2 && m.instantiations == 2);
  request r;
  ask_and_finish(pool, &r);
  CHECK(r.granted && r.instance_id <= 2);      /* served by a warm instance */
  CHECK(f->destroyed == 1 && f->created == 3); /* replenished */
  /* Idle time never takes the pool below --min-instances. */
  advance(pool, f, 10 * SECOND);
  wr_pool_tick(pool);
  CHECK(f->destroyed == 1);
  CHECK(metrics_of(pool).instances[WR_POOL_READY] == 2);
  wr_pool_free(pool);
  free(f);
}

static void test_min_instances_idle_above_min(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3,
             (const char *const[]){"--min-instances", "1", "--max-instance-concurrent-reuse-count",
                                   "1", NULL});
  wr_pool *pool = pool_for(f, &l);
  request a, b;
  ask(pool, &a);
  ask(pool, &b);
  CHECK(f->created == 2);
  finish(&a, WR_TASK_OK);
  finish(&b, WR_TASK_OK);
  advance(pool, f, 2 * SECOND);
  CHECK(f->destroyed == 1); /* one retires, the minimum stays */
  advance(pool, f, 10 * SECOND);
  wr_pool_tick(pool);
  CHECK(f->destroyed == 1);
  wr_pool_free(pool);
  free(f);
}

static void test_teardown_once_and_drain_waits(void) {
  fake *f = fake_new();
  f->with_teardown = true;
  f->async_teardown = true;
  wr_pool_limits l;
  limits_for(
      &l, WR_POOL_P3,
      (const char *const[]){"--max-instance-reuse-count", "2",
                            "--max-instance-concurrent-reuse-count", "2", "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  request a, b;
  ask(pool, &a);
  ask(pool, &b);
  CHECK(a.instance == b.instance);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.instances[WR_POOL_DRAINING] == 1);
  /* A third request must not join the draining instance. */
  request c;
  ask(pool, &c);
  CHECK(c.granted && c.instance != a.instance);
  finish(&a, WR_TASK_OK);
  CHECK(f->records[1].teardown_calls == 0 && f->destroyed == 0); /* b still runs */
  f->now += 2 * SECOND; /* a slow task after its response: the lease is what counts */
  finish(&b, WR_TASK_OK);
  CHECK(f->records[1].teardown_calls == 1 && f->destroyed == 0);
  CHECK(f->nteardowns_pending == 1);
  wr_pool_teardown_done(f->teardown_tokens[--f->nteardowns_pending], true);
  CHECK(f->destroyed == 1 && f->records[1].teardown_calls == 1);
  CHECK(f->records[1].served == 2);
  m = metrics_of(pool);
  CHECK(m.teardowns == 1 && m.teardown_failures == 0);
  finish(&c, WR_TASK_OK);
  wr_pool_free(pool);
  free(f);
}

static void test_teardown_timeout_and_failure(void) {
  fake *f = fake_new();
  f->with_teardown = true;
  f->async_teardown = true;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, (const char *const[]){"--drain-timeout", "2s", NULL});
  wr_pool *pool = pool_for(f, &l);
  request r;
  ask_and_finish(pool, &r);
  CHECK(f->records[1].teardown_calls == 1 && f->destroyed == 0);
  CHECK(f->armed == f->now + 2 * SECOND);
  advance(pool, f, 2 * SECOND);
  CHECK(f->destroyed == 1 && f->records[1].teardown_calls == 1);
  CHECK(metrics_of(pool).teardown_timeouts == 1);
  /* Synchronous teardown that reports failure: still destroyed, counted. */
  f->async_teardown = false;
  f->teardown_fails = true;
  ask_and_finish(pool, &r);
  CHECK(f->destroyed == 2 && f->records[2].teardown_calls == 1);
  CHECK(metrics_of(pool).teardown_failures == 1);
  wr_pool_free(pool);
  free(f);
}

static void test_trap_retires_at_once(void) {
  fake *f = fake_new();
  f->with_teardown = true;
  wr_pool_limits l;
  limits_for(
      &l, WR_POOL_P3,
      (const char *const[]){"--max-instance-concurrent-reuse-count", "3", "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  request r[3];
  for (int i = 0; i < 3; i++) ask(pool, &r[i]);
  r[1].release_when_revoked = true; /* one holder stops at once, the other later */
  finish(&r[0], WR_TASK_TRAP);
  CHECK(r[1].revoked && r[2].revoked && !r[0].revoked);
  CHECK(f->destroyed == 0); /* r[2] still holds it */
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.instances[WR_POOL_RETIRED] == 1 && m.traps == 1 && m.requests_revoked == 2);
  request next;
  ask(pool, &next);
  CHECK(next.granted && next.instance != r[2].instance); /* never the trapped instance */
  finish(&r[2], WR_TASK_ABORTED);
  CHECK(f->destroyed == 1 && f->records[1].teardown_calls == 0); /* no teardown after a trap */
  CHECK(metrics_of(pool).drains[WR_DRAIN_TRAP] == 1);
  finish(&next, WR_TASK_OK);
  wr_pool_free(pool);
  free(f);
}

static void test_trap_on_p2(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, NULL);
  wr_pool *pool = pool_for(f, &l);
  request r;
  ask(pool, &r);
  finish(&r, WR_TASK_TRAP);
  CHECK(f->destroyed == 1);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.traps == 1 && m.drains[WR_DRAIN_TRAP] == 1);
  ask_and_finish(pool, &r);
  CHECK(r.granted && f->created == 2);
  wr_pool_free(pool);
  free(f);
}

static void test_request_timeout_drains(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3, NULL);
  wr_pool *pool = pool_for(f, &l);
  request a, b;
  ask(pool, &a);
  ask(pool, &b);
  CHECK(a.instance == b.instance);
  finish(&a, WR_TASK_TIMEOUT);
  CHECK(f->destroyed == 0 && !b.revoked); /* b finishes normally */
  request c;
  ask(pool, &c);
  CHECK(c.instance != b.instance);
  finish(&b, WR_TASK_OK);
  CHECK(f->destroyed == 1);
  CHECK(metrics_of(pool).drains[WR_DRAIN_REQUEST_TIMEOUT] == 1);
  finish(&c, WR_TASK_OK);
  wr_pool_free(pool);
  free(f);
}

typedef struct {
  int calls;
  wr_pool *free_me;
} shutdown_probe;

static void on_shutdown(void *arg) {
  shutdown_probe *probe = arg;
  probe->calls++;
  if (probe->free_me) wr_pool_free(probe->free_me); /* allowed: the pool's last act */
}

static void test_shutdown(void) {
  fake *f = fake_new();
  f->with_teardown = true;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3,
             (const char *const[]){"--max-instances", "2", "--max-instance-concurrent-reuse-count",
                                   "1", "--min-instances", "1", NULL});
  wr_pool *pool = pool_for(f, &l);
  request a, b, queued;
  ask(pool, &a);
  ask(pool, &b);
  ask(pool, &queued);
  CHECK(a.granted && b.granted && queued.events == 0);
  shutdown_probe probe = {0, pool};
  wr_pool_shutdown(pool, on_shutdown, &probe);
  CHECK(queued.last == WR_LEASE_SHUTTING_DOWN);
  CHECK(probe.calls == 0);
  request late;
  ask(pool, &late);
  CHECK(late.last == WR_LEASE_SHUTTING_DOWN);
  finish(&a, WR_TASK_OK);
  CHECK(f->destroyed == 1 && f->records[1].teardown_calls == 1);
  CHECK(f->created == 2); /* no replenishing during shutdown */
  CHECK(probe.calls == 0);
  finish(&b, WR_TASK_OK); /* the last instance goes: done runs and frees the pool */
  CHECK(probe.calls == 1 && f->destroyed == 2);
  CHECK(f->records[1].teardown_calls == 1 && f->records[2].teardown_calls == 1);
  free(f);
}

static void test_shutdown_deadline_revokes(void) {
  fake *f = fake_new();
  f->with_teardown = true;
  wr_pool_limits l;
  /* in-flight tasks get --shutdown-timeout; --drain-timeout only bounds a teardown */
  limits_for(&l, WR_POOL_P3, (const char *const[]){"--shutdown-timeout", "3s", "--drain-timeout", "1s", NULL});
  wr_pool *pool = pool_for(f, &l);
  request stuck;
  ask(pool, &stuck);
  stuck.release_when_revoked = true;
  shutdown_probe probe = {0, NULL};
  wr_pool_shutdown(pool, on_shutdown, &probe);
  wr_pool_shutdown(pool, on_shutdown, &probe); /* a second call changes nothing */
  CHECK(f->armed == f->now + 3 * SECOND);
  advance(pool, f, 3 * SECOND - 1);
  CHECK(!stuck.revoked && probe.calls == 0);
  advance(pool, f, 1);
  CHECK(stuck.revoked && probe.calls == 1 && f->destroyed == 1);
  CHECK(f->records[1].teardown_calls == 0); /* out of time: no teardown */
  wr_pool_free(pool);
  free(f);
}

/* A task that finishes within the shutdown grace lets its instance's teardown run with its own
 * --drain-timeout, even past the grace. */
static void test_shutdown_teardown_gets_drain_timeout(void) {
  fake *f = fake_new();
  f->with_teardown = true;
  wr_pool_limits l;
  f->async_teardown = true; /* it stays running until the pool gives up on it */
  limits_for(&l, WR_POOL_P3, (const char *const[]){"--shutdown-timeout", "3s", "--drain-timeout", "2s", NULL});
  wr_pool *pool = pool_for(f, &l);
  request slow;
  ask(pool, &slow);
  shutdown_probe probe = {0, NULL};
  wr_pool_shutdown(pool, on_shutdown, &probe);
  advance(pool, f, 2 * SECOND);
  finish(&slow, WR_TASK_OK); /* teardown starts 1 s before the grace ends */
  CHECK(f->records[1].teardown_calls == 1 && f->destroyed == 0);
  CHECK(f->armed == f->now + 2 * SECOND);
  advance(pool, f, 2 * SECOND - 1);
  CHECK(f->destroyed == 0);
  advance(pool, f, 1);
  CHECK(f->destroyed == 1 && probe.calls == 1);
  CHECK(metrics_of(pool).teardown_timeouts == 1);
  wr_pool_free(pool);
  free(f);
}

static void test_shutdown_empty_pool(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, NULL);
  wr_pool *pool = pool_for(f, &l);
  shutdown_probe probe = {0, NULL};
  wr_pool_shutdown(pool, on_shutdown, &probe);
  CHECK(probe.calls == 1);
  wr_pool_free(pool);
  free(f);
}

static void test_create_failure(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, NULL);
  wr_pool *pool = pool_for(f, &l);
  f->fail_next = 1;
  request r;
  ask(pool, &r);
  CHECK(r.events == 1 && r.last == WR_LEASE_CREATE_FAILED);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.instantiation_failures == 1 && m.requests_create_failed == 1 && m.queue_length == 0);
  for (int s = 0; s < WR_POOL_STATE_COUNT; s++) CHECK(m.instances[s] == 0);
  ask_and_finish(pool, &r);
  CHECK(r.granted);
  wr_pool_free(pool);
  free(f);
}

static void test_prewarm_failure_retries_later(void) {
  fake *f = fake_new();
  f->fail_next = 1;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, (const char *const[]){"--min-instances", "2", NULL});
  wr_pool *pool = pool_for(f, &l);
  CHECK(f->created == 0); /* the first failed: no tight retry loop, a timer instead */
  CHECK(metrics_of(pool).instantiation_failures == 1);
  CHECK(f->armed == f->now + SECOND);
  advance(pool, f, SECOND);
  CHECK(f->created == 2);
  f->fail_next = 1000; /* a creation that always fails: the pool keeps waiting, never spins */
  request r;
  ask(pool, &r);
  CHECK(r.granted && f->created == 2);
  finish(&r, WR_TASK_OK);
  CHECK(metrics_of(pool).instantiation_failures == 2);
  advance(pool, f, SECOND);
  CHECK(metrics_of(pool).instantiation_failures == 3);
  wr_pool_free(pool);
  free(f);
}

static void test_async_create(void) {
  fake *f = fake_new();
  f->async_create = true;
  wr_pool_limits l;
  limits_for(
      &l, WR_POOL_P3,
      (const char *const[]){"--max-instance-concurrent-reuse-count", "4", "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  request r[6];
  for (int i = 0; i < 3; i++) ask(pool, &r[i]);
  CHECK(f->npending == 1); /* one starting instance covers three waiters */
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.instances[WR_POOL_STARTING] == 1 && m.queue_length == 3);
  for (int i = 3; i < 6; i++) ask(pool, &r[i]);
  CHECK(f->npending == 2);
  f->now += 5 * MS;
  fake_finish_create(f, true);
  CHECK(r[0].granted && r[3].granted && !r[4].granted);
  fake_finish_create(f, false); /* the second fails: one waiter learns so */
  CHECK(r[4].last == WR_LEASE_CREATE_FAILED);
  CHECK(f->npending == 1 && !r[5].granted); /* and the next is tried for the other */
  fake_finish_create(f, true);
  CHECK(r[5].granted && r[5].instance != r[0].instance);
  m = metrics_of(pool);
  CHECK(m.histograms[WR_HIST_QUEUE_WAIT_NS].sum >= 5 * MS * 4);
  for (int i = 0; i < 6; i++)
    if (r[i].granted) finish(&r[i], WR_TASK_OK);
  wr_pool_free(pool);
  /* Shutdown while an instance is starting waits for it, then drains it. */
  shutdown_probe probe = {0, NULL};
  pool = pool_for(f, &l);
  request t;
  ask(pool, &t);
  CHECK(f->npending == 1);
  wr_pool_shutdown(pool, on_shutdown, &probe);
  CHECK(t.last == WR_LEASE_SHUTTING_DOWN && probe.calls == 0);
  fake_finish_create(f, true);
  CHECK(probe.calls == 1);
  wr_pool_free(pool);
  free(f);
}

static void test_backpressure(void) {
  fake *f = fake_new();
  f->with_readiness = true;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3, (const char *const[]){"--max-instances", "1", NULL});
  wr_pool *pool = pool_for(f, &l);
  request a, b;
  ask(pool, &a);
  a.instance->backpressure = true;
  ask(pool, &b);
  CHECK(!b.granted && metrics_of(pool).instances[WR_POOL_BUSY] == 1);
  a.instance->backpressure = false;
  wr_pool_readiness_changed(pool);
  CHECK(b.granted && b.instance == a.instance);
  finish(&a, WR_TASK_OK);
  finish(&b, WR_TASK_OK);
  wr_pool_free(pool);
  free(f);
}

static void test_backpressure_creates_another(void) {
  fake *f = fake_new();
  f->with_readiness = true;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3, NULL);
  wr_pool *pool = pool_for(f, &l);
  request a, b;
  ask(pool, &a);
  a.instance->backpressure = true;
  ask(pool, &b);
  CHECK(b.granted && b.instance != a.instance && f->created == 2);
  finish(&a, WR_TASK_OK);
  finish(&b, WR_TASK_OK);
  wr_pool_free(pool);
  free(f);
}

/* The idle hook: once per idle period, after the last task and only with nothing queued; the
 * instance takes no request while it runs; a failure or a timeout retires the instance. */
static void test_idle_hook(void) {
  fake *f = fake_new();
  f->with_idle = true;
  f->async_idle = true;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3,
             (const char *const[]){"--max-instances", "1", "--exact-limits", "--idle-hook-timeout", "200ms", NULL});
  wr_pool *pool = pool_for(f, &l);
  CHECK(f->created == 0 && f->nidle_pending == 0); /* a fresh instance served nothing yet */
  request a, b, c;
  ask(pool, &a);
  ask(pool, &b);
  CHECK(a.granted && b.granted && a.instance == b.instance);
  finish(&a, WR_TASK_OK);
  CHECK(f->nidle_pending == 0); /* b still runs */
  finish(&b, WR_TASK_OK);
  CHECK(f->nidle_pending == 1 && f->records[1].idle_calls == 1);
  /* while it runs, a request waits (max one instance) */
  ask(pool, &c);
  CHECK(!c.granted && metrics_of(pool).instances[WR_POOL_BUSY] == 1);
  fake_finish_idle(f, true);
  CHECK(c.granted && c.instance_id == 1);
  /* no second run without a request in between */
  advance(pool, f, 10 * MS);
  CHECK(f->records[1].idle_calls == 1);
  finish(&c, WR_TASK_OK);
  CHECK(f->records[1].idle_calls == 2 && f->nidle_pending == 1);
  /* a hook past its timeout retires the instance, and destroying it cancels the hook */
  advance(pool, f, 250 * MS);
  CHECK(f->destroyed == 1 && f->nidle_pending == 0);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.idle_hooks == 2 && m.idle_hook_timeouts == 1 && m.drains[WR_DRAIN_IDLE_HOOK] == 1);
  CHECK(m.histograms[WR_HIST_IDLE_HOOK_NS].count == 1);
  /* a failing hook retires its instance at once */
  f->async_idle = false;
  f->idle_fails = true;
  ask_and_finish(pool, &a);
  CHECK(a.instance_id == 2 && f->records[2].idle_calls == 1 && f->records[2].destroyed);
  CHECK(metrics_of(pool).idle_hook_failures == 1);
  wr_pool_free(pool);
  free(f);
}

/* A request waiting in the queue goes before the idle hook, and a draining instance waits for a
 * running hook before its teardown. */
static void test_idle_hook_yields_to_queue_and_drain(void) {
  fake *f = fake_new();
  f->with_idle = true;
  f->async_idle = true;
  f->with_teardown = true;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3,
             (const char *const[]){"--max-instances", "1", "--max-instance-concurrent-reuse-count", "1",
                                   "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  request a, b;
  ask(pool, &a);
  ask(pool, &b);
  CHECK(a.granted && !b.granted);
  finish(&a, WR_TASK_OK); /* b is queued: it is granted, no idle hook */
  CHECK(b.granted && f->records[1].idle_calls == 0);
  finish(&b, WR_TASK_OK);
  CHECK(f->records[1].idle_calls == 1);
  wr_pool_shutdown(pool, NULL, NULL);
  CHECK(f->records[1].teardown_calls == 0 && !f->records[1].destroyed); /* waits for the hook */
  fake_finish_idle(f, true);
  CHECK(f->records[1].teardown_calls == 1 && f->records[1].destroyed);
  wr_pool_free(pool);
  free(f);
}

/* Metrics of concurrent reuse: the concurrency histogram, tasks in flight and after their
 * response, refusals because of backpressure (once per request), cancellations. */
static void test_concurrency_metrics(void) {
  fake *f = fake_new();
  f->with_readiness = true;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3, (const char *const[]){"--max-instances", "1", "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  request r[3];
  for (int i = 0; i < 3; i++) ask(pool, &r[i]);
  wr_pool_responded(pool, &r[0].lease);
  wr_pool_metrics m = metrics_of(pool);
  CHECK(m.tasks_in_flight == 3 && m.tasks_after_response == 1);
  const wr_pool_histogram *h = &m.histograms[WR_HIST_CONCURRENT_TASKS];
  CHECK(h->count == 3 && h->sum == 1 + 2 + 3 && h->buckets[0] == 1 && h->buckets[1] == 1 && h->buckets[2] == 1);
  r[0].instance->backpressure = true;
  request q;
  ask(pool, &q);
  CHECK(!q.granted);
  wr_pool_readiness_changed(pool);
  wr_pool_readiness_changed(pool);
  CHECK(metrics_of(pool).backpressure_refusals == 1);
  r[0].instance->backpressure = false;
  wr_pool_readiness_changed(pool);
  CHECK(q.granted);
  wr_pool_note_cancellation(pool);
  CHECK(metrics_of(pool).cancellations == 1);
  for (int i = 0; i < 3; i++) finish(&r[i], WR_TASK_OK);
  finish(&q, WR_TASK_OK);
  m = metrics_of(pool);
  CHECK(m.tasks_in_flight == 0 && m.tasks_after_response == 0);
  wr_pool_free(pool);
  free(f);
}

/* A lease whose instance died before its task started goes to another instance. */
static void test_requeue_after_revoke(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3, (const char *const[]){"--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  request a, b;
  ask(pool, &a);
  ask(pool, &b);
  CHECK(a.instance == b.instance && a.instance_id == 1);
  /* a traps: b is revoked; its task never started, so the holder queues it again */
  b.instance->in_flight--;
  a.instance->in_flight--;
  wr_pool_release(pool, &a.lease, WR_TASK_TRAP);
  CHECK(b.revoked);
  b.granted = false;
  wr_pool_requeue(pool, &b.lease);
  CHECK(b.granted && b.instance_id == 2 && f->records[1].destroyed);
  CHECK(metrics_of(pool).requests_requeued == 1);
  finish(&b, WR_TASK_OK);
  wr_pool_free(pool);
  free(f);
}

/* Defaults by kind, learnt after the flags: a flag given stays, the rest become the kind's. */
static void test_defaults_by_kind(void) {
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, (const char *const[]){"--max-instance-concurrent-reuse-count", "8", NULL});
  wr_error err = {0};
  CHECK(!wr_pool_limits_check(&l, &err)); /* p2 takes no concurrency */
  wr_pool_limits_set_kind(&l, WR_POOL_P3);
  err = (wr_error){0};
  CHECK(wr_pool_limits_check(&l, &err));
  CHECK(l.kind == WR_POOL_P3 && l.concurrency.hi == 8 && l.reuse.hi == 128 && l.idle_timeout_ns.hi == SECOND);
  limits_for(&l, WR_POOL_P2, (const char *const[]){"--max-instance-reuse-count", "3", "--idle-instance-timeout", "5s", NULL});
  wr_pool_limits_set_kind(&l, WR_POOL_P3);
  CHECK(l.reuse.hi == 3 && l.concurrency.hi == 16 && l.idle_timeout_ns.hi == 5 * SECOND);
  limits_for(&l, WR_POOL_P2, NULL);
  wr_pool_limits_set_kind(&l, WR_POOL_P2);
  CHECK(l.reuse.hi == 1 && l.concurrency.hi == 1);
}

/* A callback that calls back into the pool: each granted request asks for the next one and
 * then finishes, all from inside callbacks. */
typedef struct chain {
  request links[8];
  int next;
} chain;

static chain *the_chain;

static void chain_event(wr_pool_lease *lease, wr_lease_event event) {
  request *r = lease->user;
  on_event(lease, event);
  if (event != WR_LEASE_GRANTED || the_chain->next == 8) return;
  request *following = &the_chain->links[the_chain->next++];
  memset(following, 0, sizeof *following);
  following->pool = r->pool;
  wr_pool_acquire(r->pool, &following->lease, following, chain_event);
  CHECK(!following->granted); /* granted only once this callback has returned */
  finish(r, WR_TASK_OK);
}

static void test_reentrant_callbacks(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2,
             (const char *const[]){"--max-instances", "1", "--max-instance-reuse-count", "3",
                                   "--exact-limits", NULL});
  wr_pool *pool = pool_for(f, &l);
  chain c = {.next = 1};
  the_chain = &c;
  c.links[0].pool = pool;
  wr_pool_acquire(pool, &c.links[0].lease, &c.links[0], chain_event);
  for (int i = 0; i < 8; i++) CHECK(c.links[i].granted && c.links[i].seen_count == i % 3 + 1);
  CHECK(f->created == 3);
  finish(&c.links[7], WR_TASK_OK);
  wr_pool_free(pool);
  free(f);
}

/* ---- flags ---- */

static void expect_flag_error(wr_pool_kind kind, const char *name, const char *value,
                              const char *fragment) {
  wr_pool_limits l;
  wr_pool_limits_default(&l, kind);
  wr_error err = {0};
  wr_pool_flag_result res = wr_pool_limits_set(&l, name, value, &err);
  CHECK(res == WR_POOL_FLAG_INVALID);
  if (!strstr(err.message, fragment)) {
    fprintf(stderr, "%s %s: message '%s' lacks '%s'\n", name, value ? value : "", err.message,
            fragment);
    failures++;
  }
}

static void test_flag_parsing(void) {
  wr_pool_limits l;
  wr_pool_limits_default(&l, WR_POOL_P3);
  CHECK(l.reuse.hi == 128 && l.concurrency.hi == 16 && l.idle_timeout_ns.hi == SECOND);
  wr_pool_limits_default(&l, WR_POOL_P2);
  CHECK(l.reuse.hi == 1 && l.concurrency.hi == 1 && l.drain_timeout_ns == 5 * SECOND);
  wr_error err = {0};
  CHECK(wr_pool_limits_set(&l, "--max-instance-reuse-count", "3..9", &err) == WR_POOL_FLAG_SET);
  CHECK(l.reuse.lo == 3 && l.reuse.hi == 9 && !l.reuse.single);
  CHECK(wr_pool_limits_set(&l, "idle-instance-timeout", "500ms..2m", &err) == WR_POOL_FLAG_SET);
  CHECK(l.idle_timeout_ns.lo == 500 * MS && l.idle_timeout_ns.hi == 120 * SECOND);
  CHECK(wr_pool_limits_set(&l, "--queue-timeout", "250us", &err) == WR_POOL_FLAG_SET);
  CHECK(l.queue_timeout_ns == 250000);
  CHECK(wr_pool_limits_set(&l, "--drain-timeout", "1h", &err) == WR_POOL_FLAG_SET);
  CHECK(l.drain_timeout_ns == 3600 * SECOND);
  CHECK(wr_pool_limits_set(&l, "--seed", "18446744073709551615", &err) == WR_POOL_FLAG_SET);
  CHECK(l.seeded && l.seed == UINT64_MAX);
  CHECK(wr_pool_limits_set(&l, "--max-queued-requests", "0", &err) == WR_POOL_FLAG_SET);
  CHECK(wr_pool_limits_set(&l, "--exact-limits", NULL, &err) == WR_POOL_FLAG_SET && l.exact);
  CHECK(wr_pool_limits_set(&l, "--addr", "x", &err) == WR_POOL_FLAG_UNKNOWN);
  CHECK(wr_pool_flag_takes_value("--min-instances") && !wr_pool_flag_takes_value("--exact-limits"));
  CHECK(!wr_pool_flag_takes_value("--dir"));

  expect_flag_error(WR_POOL_P3, "--max-instance-reuse-count", "5..2", "range '5..2' is empty");
  expect_flag_error(WR_POOL_P3, "--max-instance-reuse-count", "0", "at least 1");
  expect_flag_error(WR_POOL_P3, "--max-instance-reuse-count", "abc", "'abc' is not a decimal");
  expect_flag_error(WR_POOL_P3, "--max-instance-reuse-count", "-3", "not a decimal");
  expect_flag_error(WR_POOL_P3, "--max-instance-reuse-count", "", "got nothing");
  expect_flag_error(WR_POOL_P3, "--max-instance-reuse-count", "2..", "got nothing");
  expect_flag_error(WR_POOL_P3, "--max-instance-reuse-count", "1..2..3", "not a decimal");
  expect_flag_error(WR_POOL_P3, "--max-instance-reuse-count", "4294967296", "too large");
  expect_flag_error(WR_POOL_P3, "--max-instance-concurrent-reuse-count", "99999999999999999999",
                    "too large");
  expect_flag_error(WR_POOL_P3, "--idle-instance-timeout", "500", "needs a unit");
  expect_flag_error(WR_POOL_P3, "--idle-instance-timeout", "5x", "unknown unit 'x'");
  expect_flag_error(WR_POOL_P3, "--idle-instance-timeout", "0s", "greater than zero");
  expect_flag_error(WR_POOL_P3, "--idle-hook-timeout", "0ms", "greater than zero");
  expect_flag_error(WR_POOL_P3, "--drain-timeout", "0s", "greater than zero");
  expect_flag_error(WR_POOL_P3, "--idle-instance-timeout", "2s..1s", "is empty");
  expect_flag_error(WR_POOL_P3, "--idle-instance-timeout", "1.5s", "unknown unit");
  expect_flag_error(WR_POOL_P3, "--queue-timeout", "99999999999h", "too large");
  expect_flag_error(WR_POOL_P3, "--queue-timeout", "ms", "got nothing");
  expect_flag_error(WR_POOL_P3, "--max-instances", "0", "at least 1");
  expect_flag_error(WR_POOL_P3, "--seed", "18446744073709551616", "too large");
  expect_flag_error(WR_POOL_P3, "--exact-limits", "yes", "takes no value");
  expect_flag_error(WR_POOL_P3, "--min-instances", NULL, "needs a value");
}

static void test_limits_check(void) {
  wr_pool_limits l;
  wr_error err = {0};
  wr_pool_limits_default(&l, WR_POOL_P2);
  CHECK(wr_pool_limits_check(&l, &err));
  CHECK(wr_pool_limits_set(&l, "--max-instance-concurrent-reuse-count", "4", &err) ==
        WR_POOL_FLAG_SET);
  CHECK(!wr_pool_limits_check(&l, &err) && strstr(err.message, "must be 1 for a p2"));
  wr_pool_limits_default(&l, WR_POOL_P3);
  wr_pool_limits_set(&l, "--min-instances", "5", &err);
  wr_pool_limits_set(&l, "--max-instances", "4", &err);
  wr_error_clear(&err);
  CHECK(!wr_pool_limits_check(&l, &err) && strstr(err.message, "exceeds --max-instances"));
}

/* ---- metrics text ---- */

static void test_metrics_text(void) {
  fake *f = fake_new();
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P2, (const char *const[]){"--min-instances", "1", NULL});
  wr_pool *pool = pool_for(f, &l);
  request r;
  ask_and_finish(pool, &r);
  wr_pool_metrics one = metrics_of(pool), sum = {0};
  wr_pool_metrics_add(&sum, &one);
  wr_pool_metrics_add(&sum, &one);
  CHECK(sum.instantiations == 4 && sum.instances[WR_POOL_READY] == 2);
  CHECK(sum.histograms[WR_HIST_INSTANTIATION_NS].count == 4);
  size_t need = wr_pool_metrics_write(&sum, "hello \"app\"", NULL, 0);
  char *text = malloc(need + 1);
  CHECK(wr_pool_metrics_write(&sum, "hello \"app\"", text, need + 1) == need);
  CHECK(strlen(text) == need);
  CHECK(strstr(text, "# TYPE warren_pool_instances gauge\n"));
  CHECK(strstr(text, "warren_pool_instances{component=\"hello \\\"app\\\"\",state=\"ready\"} 2\n"));
  CHECK(strstr(text, "warren_pool_instantiations_total{component=\"hello \\\"app\\\"\"} 4\n"));
  CHECK(strstr(
      text, "warren_pool_drains_total{component=\"hello \\\"app\\\"\",cause=\"reuse_limit\"} 2\n"));
  /* 3 us creations land in the 5 us bucket, cumulative from there on. */
  CHECK(strstr(text,
               "warren_pool_instantiation_seconds_bucket{component=\"hello "
               "\\\"app\\\"\",le=\"2e-06\"} 0\n"));
  CHECK(strstr(text,
               "warren_pool_instantiation_seconds_bucket{component=\"hello "
               "\\\"app\\\"\",le=\"5e-06\"} 4\n"));
  CHECK(strstr(
      text,
      "warren_pool_instantiation_seconds_bucket{component=\"hello \\\"app\\\"\",le=\"+Inf\"} 4\n"));
  CHECK(strstr(
      text,
      "warren_pool_instantiation_seconds_sum{component=\"hello \\\"app\\\"\"} 0.000012000\n"));
  CHECK(
      strstr(text, "warren_pool_requests_per_instance_count{component=\"hello \\\"app\\\"\"} 2\n"));
  char small[64];
  CHECK(wr_pool_metrics_write(&sum, NULL, small, sizeof small) >= sizeof small);
  CHECK(strlen(small) == sizeof small - 1);
  size_t plain = wr_pool_metrics_write(&one, NULL, NULL, 0);
  char *text2 = malloc(plain + 1);
  wr_pool_metrics_write(&one, NULL, text2, plain + 1);
  CHECK(strstr(text2, "warren_pool_queue_length 0\n"));
  CHECK(strstr(text2, "warren_pool_requests_total{result=\"granted\"} 1\n"));
  free(text);
  free(text2);
  wr_pool_free(pool);
  free(f);
}

/* ---- randomized operation sequences ---- */

enum { SLOT_FREE, SLOT_WAITING, SLOT_GRANTED };

typedef struct stress_slot {
  wr_pool_lease lease;
  int state;
  bool revoked;
  fake_instance *instance;
} stress_slot;

static void stress_event(wr_pool_lease *lease, wr_lease_event event) {
  stress_slot *slot = lease->user;
  if (event == WR_LEASE_GRANTED) {
    CHECK(slot->state == SLOT_WAITING);
    slot->state = SLOT_GRANTED;
    slot->instance = wr_pool_lease_instance(lease);
    CHECK(!slot->instance->dead);
    slot->instance->in_flight++;
    CHECK(slot->instance->in_flight <= 4); /* the configured concurrency range's top */
  } else if (event == WR_LEASE_REVOKED) {
    CHECK(slot->state == SLOT_GRANTED && !slot->revoked);
    slot->revoked = true;
    slot->instance->dead = true;
  } else {
    CHECK(slot->state == SLOT_WAITING);
    slot->state = SLOT_FREE;
  }
}

static void stress_release(wr_pool *pool, stress_slot *slot, wr_task_outcome outcome) {
  slot->instance->in_flight--;
  if (outcome == WR_TASK_TRAP) slot->instance->dead = true;
  slot->state = SLOT_FREE;
  slot->revoked = false;
  wr_pool_release(pool, &slot->lease, outcome);
}

static void stress_run(uint64_t seed, bool async_create) {
  enum { SLOTS = 48, STEPS = 4000 };
  fake *f = fake_new();
  f->async_create = async_create;
  f->with_teardown = f->async_teardown = true;
  f->with_readiness = true;
  wr_pool_limits l;
  limits_for(&l, WR_POOL_P3,
             (const char *const[]){"--max-instance-concurrent-reuse-count", "1..4",
                                   "--max-instance-reuse-count", "1..6", "--max-instances", "5",
                                   "--max-queued-requests", "4", "--queue-timeout", "300ms",
                                   "--idle-instance-timeout", "100ms..500ms", "--min-instances",
                                   "1", "--drain-timeout", "1s", NULL});
  l.seed = seed;
  wr_pool *pool = pool_for(f, &l);
  wr_pool_rng rng;
  wr_pool_rng_seed(&rng, seed);
  static stress_slot slots[SLOTS];
  memset(slots, 0, sizeof slots);
  for (int step = 0; step < STEPS; step++) {
    stress_slot *slot = &slots[wr_pool_rng_between(&rng, 0, SLOTS - 1)];
    switch (wr_pool_rng_between(&rng, 0, 7)) {
      case 0:
        if (slot->state == SLOT_FREE) {
          slot->state = SLOT_WAITING;
          wr_pool_acquire(pool, &slot->lease, slot, stress_event);
        }
        break;
      case 1:
      case 2:
        if (slot->state == SLOT_GRANTED) {
          uint64_t roll = wr_pool_rng_between(&rng, 0, 99);
          wr_task_outcome outcome = slot->revoked ? WR_TASK_ABORTED
                                    : roll < 5    ? WR_TASK_TRAP
                                    : roll < 10   ? WR_TASK_TIMEOUT
                                    : roll < 20   ? WR_TASK_ABORTED
                                                  : WR_TASK_OK;
          stress_release(pool, slot, outcome);
        }
        break;
      case 3: advance(pool, f, wr_pool_rng_between(&rng, 0, 200) * MS); break;
      case 4:
        if (f->npending) fake_finish_create(f, wr_pool_rng_between(&rng, 0, 9) != 0);
        break;
      case 5:
        if (f->nteardowns_pending) {
          wr_pool_instance *token = f->teardown_tokens[--f->nteardowns_pending];
          wr_pool_teardown_done(token, wr_pool_rng_between(&rng, 0, 9) != 0);
        }
        break;
      case 6:
        if (f->nlive) {
          fake_instance *fi = f->live[wr_pool_rng_between(&rng, 0, (uint64_t)f->nlive - 1)];
          fi->backpressure = !fi->backpressure;
          wr_pool_readiness_changed(pool);
        }
        break;
      case 7:
        if (slot->state == SLOT_WAITING && wr_pool_cancel(pool, &slot->lease))
          slot->state = SLOT_FREE;
        if (wr_pool_rng_between(&rng, 0, 20) == 0) f->fail_next = 1;
        break;
    }
    wr_pool_metrics m = metrics_of(pool);
    CHECK(m.instances[WR_POOL_STARTING] + m.instances[WR_POOL_READY] + m.instances[WR_POOL_BUSY] +
              m.instances[WR_POOL_DRAINING] + m.instances[WR_POOL_RETIRED] <=
          5);
    CHECK(m.queue_length <= 4 + 4 * 5);
  }
  /* Shut down, let every task and callback finish; everything must end. */
  shutdown_probe probe = {0, NULL};
  wr_pool_shutdown(pool, on_shutdown, &probe);
  for (int round = 0; round < 100 && !probe.calls; round++) {
    for (int i = 0; i < SLOTS; i++)
      if (slots[i].state == SLOT_GRANTED) stress_release(pool, &slots[i], WR_TASK_OK);
    while (f->npending) fake_finish_create(f, true);
    while (f->nteardowns_pending)
      wr_pool_teardown_done(f->teardown_tokens[--f->nteardowns_pending], true);
    advance(pool, f, 100 * MS);
  }
  CHECK(probe.calls == 1);
  for (int i = 0; i < SLOTS; i++) CHECK(slots[i].state == SLOT_FREE);
  CHECK(f->destroyed == f->created && f->nlive == 0);
  for (int id = 1; id <= f->created && id <= MAX_FAKES; id++)
    CHECK(f->records[id].destroyed && f->records[id].teardown_calls <= 1);
  wr_pool_metrics m = metrics_of(pool);
  for (int st = 0; st < WR_POOL_STATE_COUNT; st++) CHECK(m.instances[st] == 0);
  CHECK(m.requests_granted > 100 && m.traps > 0 && m.drains[WR_DRAIN_IDLE] > 0);
  wr_pool_free(pool);
  free(f);
}

static void test_random_sequences(void) {
  for (uint64_t seed = 1; seed <= 20; seed++) stress_run(seed, seed % 2 == 0);
}

int main(void) {
  test_p2_default_never_reuses();
  test_reuse_exact_counts();
  test_reuse_range_sampled();
  test_reuse_single_halved();
  test_sampling_helpers();
  test_concurrency_and_packing();
  test_queue_bound_and_fifo();
  test_queue_timeout();
  test_idle_retire();
  test_idle_range();
  test_min_instances_prewarm_and_replenish();
  test_min_instances_idle_above_min();
  test_teardown_once_and_drain_waits();
  test_teardown_timeout_and_failure();
  test_trap_retires_at_once();
  test_trap_on_p2();
  test_request_timeout_drains();
  test_shutdown();
  test_shutdown_deadline_revokes();
  test_shutdown_teardown_gets_drain_timeout();
  test_shutdown_empty_pool();
  test_create_failure();
  test_prewarm_failure_retries_later();
  test_async_create();
  test_backpressure();
  test_backpressure_creates_another();
  test_reentrant_callbacks();
  test_idle_hook();
  test_defaults_by_kind();
  test_idle_hook_yields_to_queue_and_drain();
  test_concurrency_metrics();
  test_requeue_after_revoke();
  test_flag_parsing();
  test_limits_check();
  test_metrics_text();
  test_random_sequences();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("pool: all checks passed\n");
  return 0;
}
