/* Pool limits: defaults per component kind, flag parsing with clear errors, and the seeded
 * sampling of per-instance limits. */
#include "pool.h"

#include <string.h>

#define NS_PER_SECOND 1000000000ull
#define DEFAULT_MAX_INSTANCES 1000
#define DEFAULT_MAX_QUEUED 1000

static wr_pool_range single(uint64_t n) { return (wr_pool_range){n, n, true}; }

void wr_pool_limits_default(wr_pool_limits *limits, wr_pool_kind kind) {
  bool p3 = kind == WR_POOL_P3;
  *limits = (wr_pool_limits){
      .kind = kind,
      .reuse = single(p3 ? 128 : 1),
      .concurrency = single(p3 ? 16 : 1),
      .idle_timeout_ns = single(NS_PER_SECOND),
      .min_instances = 0,
      .max_instances = DEFAULT_MAX_INSTANCES,
      .max_queued = DEFAULT_MAX_QUEUED,
      .queue_timeout_ns = 10 * NS_PER_SECOND,
      .drain_timeout_ns = 5 * NS_PER_SECOND,
      .shutdown_timeout_ns = 30 * NS_PER_SECOND,
      .idle_hook_timeout_ns = NS_PER_SECOND,
  };
}

/* ---- parsing ---- */

/* Parses the decimal digits of text[0..len) into *out, rejecting anything else and anything
 * above `max`. */
static bool parse_decimal(const char *text, size_t len, uint64_t max, uint64_t *out,
                          wr_error *err) {
  if (len == 0) {
    wr_error_set(err, "expected a number, got nothing");
    return false;
  }
  uint64_t value = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] < '0' || text[i] > '9') {
      wr_error_set(err, "'%.*s' is not a decimal number", (int)len, text);
      return false;
    }
    unsigned digit = (unsigned)(text[i] - '0');
    if (value > (max - digit) / 10) {
      wr_error_set(err, "'%.*s' is too large (at most %llu)", (int)len, text,
                   (unsigned long long)max);
      return false;
    }
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

typedef bool (*scalar_parser)(const char *text, size_t len, uint64_t *out, wr_error *err);

static bool parse_count(const char *text, size_t len, uint64_t *out, wr_error *err) {
  if (!parse_decimal(text, len, UINT32_MAX, out, err)) return false;
  if (*out == 0) {
    wr_error_set(err, "must be at least 1");
    return false;
  }
  return true;
}

static bool parse_duration_span(const char *text, size_t len, uint64_t *out, wr_error *err) {
  static const struct {
    const char *suffix;
    uint64_t ns;
  } units[] = {{"ns", 1},
               {"us", 1000},
               {"ms", 1000000},
               {"s", NS_PER_SECOND},
               {"m", 60 * NS_PER_SECOND},
               {"h", 3600 * NS_PER_SECOND}};
  size_t digits = 0;
  while (digits < len && text[digits] >= '0' && text[digits] <= '9') digits++;
  if (digits == len) {
    wr_error_set(err, "duration '%.*s' needs a unit (ns, us, ms, s, m or h, e.g. 500ms)", (int)len,
                 text);
    return false;
  }
  const char *unit = text + digits;
  size_t unit_len = len - digits;
  for (size_t i = 0; i < WR_ARRAY_LEN(units); i++) {
    if (strlen(units[i].suffix) != unit_len || memcmp(units[i].suffix, unit, unit_len) != 0)
      continue;
    uint64_t count;
    if (!parse_decimal(text, digits, UINT64_MAX / units[i].ns, &count, err)) {
      wr_error_prefix(err, "duration '%.*s'", (int)len, text);
      return false;
    }
    if (count == 0) {
      wr_error_set(err, "duration '%.*s' must be greater than zero", (int)len, text);
      return false;
    }
    *out = count * units[i].ns;
    return true;
  }
  wr_error_set(err, "duration '%.*s': unknown unit '%.*s' (use ns, us, ms, s, m or h)", (int)len,
               text, (int)unit_len, unit);
  return false;
}

/* `N` or `A..B` with each bound parsed by `parse`. */
static bool parse_range(const char *text, scalar_parser parse, wr_pool_range *out, wr_error *err) {
  size_t len = strlen(text);
  const char *dots = strstr(text, "..");
  if (!dots) {
    uint64_t n;
    if (!parse(text, len, &n, err)) return false;
    *out = single(n);
    return true;
  }
  uint64_t lo, hi;
  size_t lo_len = (size_t)(dots - text);
  if (!parse(text, lo_len, &lo, err) || !parse(dots + 2, len - lo_len - 2, &hi, err)) return false;
  if (lo > hi) {
    wr_error_set(err, "range '%s' is empty: the lower bound must not exceed the upper", text);
    return false;
  }
  *out = (wr_pool_range){lo, hi, false};
  return true;
}

bool wr_pool_parse_count_range(const char *text, wr_pool_range *out, wr_error *err) {
  return parse_range(text, parse_count, out, err);
}

bool wr_pool_parse_duration(const char *text, uint64_t *out_ns, wr_error *err) {
  return parse_duration_span(text, strlen(text), out_ns, err);
}

bool wr_pool_parse_duration_range(const char *text, wr_pool_range *out, wr_error *err) {
  return parse_range(text, parse_duration_span, out, err);
}

/* ---- flags ---- */

typedef enum {
  FLAG_REUSE,
  FLAG_CONCURRENCY,
  FLAG_IDLE_TIMEOUT,
  FLAG_MIN_INSTANCES,
  FLAG_MAX_INSTANCES,
  FLAG_MAX_QUEUED,
  FLAG_QUEUE_TIMEOUT,
  FLAG_DRAIN_TIMEOUT,
  FLAG_SHUTDOWN_TIMEOUT,
  FLAG_IDLE_HOOK_TIMEOUT,
  FLAG_EXACT_LIMITS,
  FLAG_SEED,
  FLAG_NONE
} flag_id;

static const char *const flag_names[] = {
    [FLAG_REUSE] = "max-instance-reuse-count",
    [FLAG_CONCURRENCY] = "max-instance-concurrent-reuse-count",
    [FLAG_IDLE_TIMEOUT] = "idle-instance-timeout",
    [FLAG_MIN_INSTANCES] = "min-instances",
    [FLAG_MAX_INSTANCES] = "max-instances",
    [FLAG_MAX_QUEUED] = "max-queued-requests",
    [FLAG_QUEUE_TIMEOUT] = "queue-timeout",
    [FLAG_DRAIN_TIMEOUT] = "drain-timeout",
    [FLAG_SHUTDOWN_TIMEOUT] = "shutdown-timeout",
    [FLAG_IDLE_HOOK_TIMEOUT] = "idle-hook-timeout",
    [FLAG_EXACT_LIMITS] = "exact-limits",
    [FLAG_SEED] = "seed",
};

static flag_id find_flag(const char *name) {
  if (strncmp(name, "--", 2) == 0) name += 2;
  for (int i = 0; i < FLAG_NONE; i++)
    if (strcmp(name, flag_names[i]) == 0) return (flag_id)i;
  return FLAG_NONE;
}

bool wr_pool_flag_takes_value(const char *name) {
  flag_id id = find_flag(name);
  return id != FLAG_NONE && id != FLAG_EXACT_LIMITS;
}

static bool parse_plain_count(const char *text, uint64_t min, uint64_t max, uint64_t *out,
                              wr_error *err) {
  if (!parse_decimal(text, strlen(text), max, out, err)) return false;
  if (*out < min) {
    wr_error_set(err, "must be at least %llu", (unsigned long long)min);
    return false;
  }
  return true;
}

static bool apply_flag(wr_pool_limits *limits, flag_id id, const char *value, wr_error *err) {
  uint64_t n;
  switch (id) {
    case FLAG_REUSE: return wr_pool_parse_count_range(value, &limits->reuse, err);
    case FLAG_CONCURRENCY: return wr_pool_parse_count_range(value, &limits->concurrency, err);
    case FLAG_IDLE_TIMEOUT:
      return wr_pool_parse_duration_range(value, &limits->idle_timeout_ns, err);
    case FLAG_QUEUE_TIMEOUT: return wr_pool_parse_duration(value, &limits->queue_timeout_ns, err);
    case FLAG_DRAIN_TIMEOUT: return wr_pool_parse_duration(value, &limits->drain_timeout_ns, err);
    case FLAG_SHUTDOWN_TIMEOUT: return wr_pool_parse_duration(value, &limits->shutdown_timeout_ns, err);
    case FLAG_IDLE_HOOK_TIMEOUT: return wr_pool_parse_duration(value, &limits->idle_hook_timeout_ns, err);
    case FLAG_MIN_INSTANCES:
      if (!parse_plain_count(value, 0, UINT32_MAX, &n, err)) return false;
      limits->min_instances = (uint32_t)n;
      return true;
    case FLAG_MAX_INSTANCES:
      if (!parse_plain_count(value, 1, UINT32_MAX, &n, err)) return false;
      limits->max_instances = (uint32_t)n;
      return true;
    case FLAG_MAX_QUEUED:
      if (!parse_plain_count(value, 0, UINT32_MAX, &n, err)) return false;
      limits->max_queued = (uint32_t)n;
      return true;
    case FLAG_SEED:
      if (!parse_plain_count(value, 0, UINT64_MAX, &limits->seed, err)) return false;
      limits->seeded = true;
      return true;
    case FLAG_EXACT_LIMITS: limits->exact = true; return true;
    case FLAG_NONE: break;
  }
  return false;
}

wr_pool_flag_result wr_pool_limits_set(wr_pool_limits *limits, const char *name, const char *value,
                                       wr_error *err) {
  flag_id id = find_flag(name);
  if (id == FLAG_NONE) return WR_POOL_FLAG_UNKNOWN;
  if (id == FLAG_EXACT_LIMITS && value) {
    wr_error_set(err, "--exact-limits takes no value");
    return WR_POOL_FLAG_INVALID;
  }
  if (id != FLAG_EXACT_LIMITS && !value) {
    wr_error_set(err, "--%s needs a value", flag_names[id]);
    return WR_POOL_FLAG_INVALID;
  }
  if (!apply_flag(limits, id, value, err)) {
    wr_error_prefix(err, "--%s", flag_names[id]);
    return WR_POOL_FLAG_INVALID;
  }
  return WR_POOL_FLAG_SET;
}

static bool range_ok(const wr_pool_range *r) { return r->lo >= 1 && r->lo <= r->hi; }

bool wr_pool_limits_check(const wr_pool_limits *limits, wr_error *err) {
  if (!range_ok(&limits->reuse) || limits->reuse.hi > UINT32_MAX) {
    wr_error_set(err, "--max-instance-reuse-count must be 1..4294967295");
    return false;
  }
  if (!range_ok(&limits->concurrency) || limits->concurrency.hi > UINT32_MAX) {
    wr_error_set(err, "--max-instance-concurrent-reuse-count must be 1..4294967295");
    return false;
  }
  if (limits->kind == WR_POOL_P2 && limits->concurrency.hi != 1) {
    wr_error_set(err,
                 "--max-instance-concurrent-reuse-count must be 1 for a p2 component "
                 "(a p2 instance handles one request at a time)");
    return false;
  }
  if (!range_ok(&limits->idle_timeout_ns) || limits->queue_timeout_ns == 0 ||
      limits->drain_timeout_ns == 0 || limits->shutdown_timeout_ns == 0 || limits->idle_hook_timeout_ns == 0) {
    wr_error_set(err, "pool timeouts must be greater than zero");
    return false;
  }
  if (limits->max_instances == 0) {
    wr_error_set(err, "--max-instances must be at least 1");
    return false;
  }
  if (limits->min_instances > limits->max_instances) {
    wr_error_set(err, "--min-instances (%u) exceeds --max-instances (%u)", limits->min_instances,
                 limits->max_instances);
    return false;
  }
  return true;
}

/* ---- sampling ---- */

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void wr_pool_rng_seed(wr_pool_rng *rng, uint64_t seed) {
  for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t wr_pool_rng_next(wr_pool_rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t wr_pool_rng_between(wr_pool_rng *rng, uint64_t lo, uint64_t hi) {
  uint64_t span = hi - lo + 1;
  if (span == 0) return wr_pool_rng_next(rng); /* the full 64-bit range */
  /* Reject the low values that would make some results more likely than others. */
  uint64_t threshold = (0 - span) % span;
  uint64_t x;
  do x = wr_pool_rng_next(rng);
  while (x < threshold);
  return lo + x % span;
}

uint64_t wr_pool_range_sample(const wr_pool_range *range, bool halve_single, bool exact,
                              wr_pool_rng *rng) {
  if (range->single) {
    if (!halve_single || exact) return range->hi;
    return wr_pool_rng_between(rng, range->hi - range->hi / 2, range->hi);
  }
  return wr_pool_rng_between(rng, range->lo, range->hi); /* an explicit range: even when exact */
}
