/* Pool metrics: histogram buckets, aggregation across workers, Prometheus text exposition. */
#include "pool.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define US 1000ull
#define MS 1000000ull
#define S 1000000000ull

static const uint64_t bounds[WR_POOL_HISTOGRAM_COUNT][WR_POOL_HISTOGRAM_BUCKETS] = {
    [WR_HIST_INSTANTIATION_NS] = {1 * US, 2 * US, 5 * US, 10 * US, 20 * US, 50 * US, 100 * US,
                                  200 * US, 500 * US, 1 * MS, 2 * MS, 5 * MS, 10 * MS, 100 * MS,
                                  1 * S, UINT64_MAX},
    [WR_HIST_QUEUE_WAIT_NS] = {1 * US, 10 * US, 100 * US, 1 * MS, 5 * MS, 10 * MS, 25 * MS, 50 * MS,
                               100 * MS, 250 * MS, 500 * MS, 1 * S, 2500 * MS, 5 * S, 10 * S,
                               UINT64_MAX},
    [WR_HIST_TASK_NS] = {100 * US, 500 * US, 1 * MS, 2500 * US, 5 * MS, 10 * MS, 25 * MS, 50 * MS,
                         100 * MS, 250 * MS, 500 * MS, 1 * S, 2500 * MS, 5 * S, 10 * S, UINT64_MAX},
    [WR_HIST_REQUESTS_PER_INSTANCE] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096,
                                       8192, 16384, UINT64_MAX},
    [WR_HIST_CONCURRENT_TASKS] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128, 256, 1024, UINT64_MAX},
    [WR_HIST_IDLE_HOOK_NS] = {10 * US, 50 * US, 100 * US, 250 * US, 500 * US, 1 * MS, 2500 * US, 5 * MS,
                              10 * MS, 25 * MS, 50 * MS, 100 * MS, 250 * MS, 500 * MS, 1 * S, UINT64_MAX},
};

const char *wr_pool_state_name(wr_pool_state state) {
  static const char *const names[] = {"starting", "ready", "busy", "draining", "retired"};
  return state < WR_POOL_STATE_COUNT ? names[state] : "?";
}

const char *wr_pool_drain_cause_name(wr_pool_drain_cause cause) {
  static const char *const names[] = {"reuse_limit", "idle", "request_timeout", "trap", "shutdown", "idle_hook"};
  return cause < WR_DRAIN_CAUSE_COUNT ? names[cause] : "?";
}

const uint64_t *wr_pool_histogram_bounds(wr_pool_histogram_kind kind) { return bounds[kind]; }

void wr_pool_histogram_observe(wr_pool_histogram *h, wr_pool_histogram_kind kind, uint64_t value) {
  size_t i = 0;
  while (value > bounds[kind][i]) i++; /* the last bound is UINT64_MAX */
  h->buckets[i]++;
  h->count++;
  h->sum += value;
}

void wr_pool_metrics_add(wr_pool_metrics *into, const wr_pool_metrics *from) {
  /* Every field is a uint64_t counter or gauge, and they all add. */
  uint64_t *dst = (uint64_t *)into;
  const uint64_t *src = (const uint64_t *)from;
  for (size_t i = 0; i < sizeof *into / sizeof(uint64_t); i++) dst[i] += src[i];
}
_Static_assert(sizeof(wr_pool_metrics) % sizeof(uint64_t) == 0,
               "wr_pool_metrics must hold only uint64_t fields");

/* ---- Prometheus text ---- */

typedef struct {
  char *buf;
  size_t cap, len;
  char labels[256]; /* `component="..."` or empty */
} writer;

WR_PRINTF(2, 3) static void put(writer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = w->len < w->cap ? w->cap - w->len : 0;
  int n = vsnprintf(room ? w->buf + w->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0) w->len += (size_t)n;
}

static void header(writer *w, const char *name, const char *type, const char *help) {
  put(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample, with the component label and at most one extra label. */
static void sample(writer *w, const char *name, const char *label, const char *value_of_label,
                   uint64_t value) {
  bool any = w->labels[0] || label;
  put(w, "%s%s%s%s", name, any ? "{" : "", w->labels, w->labels[0] && label ? "," : "");
  if (label) put(w, "%s=\"%s\"", label, value_of_label);
  put(w, "%s %llu\n", any ? "}" : "", (unsigned long long)value);
}

/* A metric of one unlabelled sample: its HELP and TYPE lines, then the sample. */
static void single(writer *w, const char *name, const char *type, const char *help, uint64_t value) {
  header(w, name, type, help);
  sample(w, name, NULL, NULL, value);
}

static void histogram(writer *w, const char *name, const char *help, const wr_pool_histogram *h,
                      wr_pool_histogram_kind kind, bool in_seconds) {
  char full[96];
  header(w, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < WR_POOL_HISTOGRAM_BUCKETS; i++) {
    cumulative += h->buckets[i];
    char le[32];
    if (bounds[kind][i] == UINT64_MAX)
      snprintf(le, sizeof le, "+Inf");
    else if (in_seconds)
      snprintf(le, sizeof le, "%g", (double)bounds[kind][i] / 1e9);
    else
      snprintf(le, sizeof le, "%llu", (unsigned long long)bounds[kind][i]);
    snprintf(full, sizeof full, "%s_bucket", name);
    sample(w, full, "le", le, cumulative);
  }
  const char *brace = w->labels[0] ? "{" : "", *close = w->labels[0] ? "}" : "";
  if (in_seconds)
    put(w, "%s_sum%s%s%s %.9f\n", name, brace, w->labels, close, (double)h->sum / 1e9);
  else
    put(w, "%s_sum%s%s%s %llu\n", name, brace, w->labels, close, (unsigned long long)h->sum);
  put(w, "%s_count%s%s%s %llu\n", name, brace, w->labels, close, (unsigned long long)h->count);
}

/* Label values escape backslash, double quote and newline. */
static void set_component_label(writer *w, const char *component) {
  w->labels[0] = 0;
  if (!component) return;
  size_t n = (size_t)snprintf(w->labels, sizeof w->labels, "component=\"");
  for (const char *c = component; *c && n + 4 < sizeof w->labels; c++) {
    if (*c == '\\' || *c == '"') w->labels[n++] = '\\';
    if (*c == '\n') {
      w->labels[n++] = '\\';
      w->labels[n++] = 'n';
      continue;
    }
    w->labels[n++] = *c;
  }
  w->labels[n++] = '"';
  w->labels[n] = 0;
}

size_t wr_pool_metrics_write(const wr_pool_metrics *m, const char *component, char *buf,
                             size_t cap) {
  writer w = {.buf = buf, .cap = cap};
  if (cap) buf[0] = 0;
  set_component_label(&w, component);

  header(&w, "warren_pool_instances", "gauge", "Instances by state.");
  for (int s = 0; s < WR_POOL_STATE_COUNT; s++)
    sample(&w, "warren_pool_instances", "state", wr_pool_state_name((wr_pool_state)s),
           m->instances[s]);
  single(&w, "warren_pool_queue_length", "gauge", "Requests waiting for an instance.", m->queue_length);
  single(&w, "warren_pool_tasks_in_flight", "gauge", "Tasks running on instances.", m->tasks_in_flight);
  single(&w, "warren_pool_tasks_after_response", "gauge",
         "Tasks still running after their response went out (streaming, post-response work).", m->tasks_after_response);

  single(&w, "warren_pool_instantiations_total", "counter", "Instances created.", m->instantiations);
  single(&w, "warren_pool_instantiation_failures_total", "counter",
         "Instance creations that failed.", m->instantiation_failures);

  header(&w, "warren_pool_requests_total", "counter", "Requests by what the pool did with them.");
  const struct {
    const char *result;
    uint64_t value;
  } results[] = {{"granted", m->requests_granted},
                 {"queue_full", m->requests_rejected_queue_full},
                 {"queue_timeout", m->requests_queue_timeout},
                 {"shutting_down", m->requests_rejected_shutdown},
                 {"create_failed", m->requests_create_failed}};
  for (size_t i = 0; i < WR_ARRAY_LEN(results); i++)
    sample(&w, "warren_pool_requests_total", "result", results[i].result, results[i].value);
  single(&w, "warren_pool_leases_revoked_total", "counter",
         "Running tasks stopped because their instance died.", m->requests_revoked);

  single(&w, "warren_pool_traps_total", "counter", "Tasks that trapped.", m->traps);
  single(&w, "warren_pool_request_timeouts_total", "counter",
         "Tasks that hit the request timeout.", m->request_timeouts);

  single(&w, "warren_pool_backpressure_refusals_total", "counter",
         "Requests an instance with room refused because it was not ready (guest backpressure, "
         "CPU-bound tasks), counted once per request.", m->backpressure_refusals);
  single(&w, "warren_pool_cancellations_total", "counter", "Tasks the host asked to cancel.", m->cancellations);
  single(&w, "warren_pool_requests_requeued_total", "counter",
         "Requests granted to an instance that died before their task started, queued again.", m->requests_requeued);
  single(&w, "warren_pool_idle_hooks_total", "counter", "Guest idle-hook calls.", m->idle_hooks);
  single(&w, "warren_pool_idle_hook_failures_total", "counter", "Guest idle hooks that failed.", m->idle_hook_failures);
  single(&w, "warren_pool_idle_hook_timeouts_total", "counter",
         "Guest idle hooks cut off by --idle-hook-timeout.", m->idle_hook_timeouts);

  header(&w, "warren_pool_drains_total", "counter", "Instances drained or retired, by cause.");
  for (int c = 0; c < WR_DRAIN_CAUSE_COUNT; c++)
    sample(&w, "warren_pool_drains_total", "cause",
           wr_pool_drain_cause_name((wr_pool_drain_cause)c), m->drains[c]);
  single(&w, "warren_pool_teardowns_total", "counter", "Guest teardown calls.", m->teardowns);
  single(&w, "warren_pool_teardown_failures_total", "counter", "Guest teardowns that failed.", m->teardown_failures);
  single(&w, "warren_pool_teardown_timeouts_total", "counter",
         "Guest teardowns cut off by the drain timeout.", m->teardown_timeouts);

  histogram(&w, "warren_pool_instantiation_seconds", "Time to create an instance.",
            &m->histograms[WR_HIST_INSTANTIATION_NS], WR_HIST_INSTANTIATION_NS, true);
  histogram(&w, "warren_pool_queue_wait_seconds", "Time from request to instance.",
            &m->histograms[WR_HIST_QUEUE_WAIT_NS], WR_HIST_QUEUE_WAIT_NS, true);
  histogram(&w, "warren_pool_task_seconds",
            "Time an instance worked on a request, including work after the response.",
            &m->histograms[WR_HIST_TASK_NS], WR_HIST_TASK_NS, true);
  histogram(&w, "warren_pool_requests_per_instance", "Requests an instance served in its life.",
            &m->histograms[WR_HIST_REQUESTS_PER_INSTANCE], WR_HIST_REQUESTS_PER_INSTANCE, false);
  histogram(&w, "warren_pool_concurrent_tasks",
            "Tasks on an instance as a request is granted to it (the request included).",
            &m->histograms[WR_HIST_CONCURRENT_TASKS], WR_HIST_CONCURRENT_TASKS, false);
  histogram(&w, "warren_pool_idle_hook_seconds", "Time one run of the guest's idle hook took.",
            &m->histograms[WR_HIST_IDLE_HOOK_NS], WR_HIST_IDLE_HOOK_NS, true);
  return w.len;
}
