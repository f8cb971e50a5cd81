/* wasi:random 0.3: the 0.2 implementations (p2_random.c) under the 0.3 names (insecure-seed's
 * function is get-insecure-seed now); byte counts are a maximum now, so a large one is capped. */
#include "p3_internal.h"

/* max-len allows fewer bytes: at most WASI_RANDOM_MAX, where 0.2 traps. */
static wasm_trap *random_bytes_at_most(const cm_bound_call *call, cm_val *result) {
  cm_host_arg max_len = call->args[0];
  if (max_len.val.u.u > WASI_RANDOM_MAX) max_len.val.u.u = WASI_RANDOM_MAX;
  cm_bound_call clamped = *call;
  clamped.args = &max_len;
  return wasi_random_bytes(&clamped, result);
}

bool wasi_p3_define_random(cm_host *host, wr_error *err) {
  static const cm_host_binding random_funcs[] = {
      {"get-random-bytes", random_bytes_at_most, {NULL}},
      {"get-random-u64", wasi_random_u64, {NULL}},
  };
  static const cm_host_binding insecure_funcs[] = {
      {"get-insecure-random-bytes", random_bytes_at_most, {NULL}},
      {"get-insecure-random-u64", wasi_random_u64, {NULL}},
  };
  static const cm_host_binding seed_funcs[] = {
      {"get-insecure-seed", wasi_random_seed, {NULL}},
  };
  /* 0.3.0-rc-2026-02-09's byte counts are exact, as in 0.2 (p3_versions.c) */
  static const cm_host_binding rc_random_funcs[] = {
      {"get-random-bytes", wasi_random_bytes, {NULL}},
      {"get-random-u64", wasi_random_u64, {NULL}},
  };
  static const cm_host_binding rc_insecure_funcs[] = {
      {"get-insecure-random-bytes", wasi_random_bytes, {NULL}},
      {"get-insecure-random-u64", wasi_random_u64, {NULL}},
  };
  return wasi_bind_funcs(host, WASI_P3_IFACE("random/random"), random_funcs, WR_ARRAY_LEN(random_funcs), err) &&
         wasi_bind_funcs(host, WASI_P3_IFACE("random/insecure"), insecure_funcs, WR_ARRAY_LEN(insecure_funcs), err) &&
         wasi_bind_funcs(host, WASI_P3_IFACE("random/insecure-seed"), seed_funcs, WR_ARRAY_LEN(seed_funcs), err) &&
         wasi_add_wit(host, "p3-random-rc-2026-02-09", err) &&
         wasi_bind_funcs(host, "wasi:random/random@" WASI_P3_RC_FEBRUARY, rc_random_funcs,
                         WR_ARRAY_LEN(rc_random_funcs), err) &&
         wasi_bind_funcs(host, "wasi:random/insecure@" WASI_P3_RC_FEBRUARY, rc_insecure_funcs,
                         WR_ARRAY_LEN(rc_insecure_funcs), err);
}
