/* wasi:clocks 0.2: monotonic-clock (CLOCK_MONOTONIC, nanoseconds) and wall-clock
 * (CLOCK_REALTIME as seconds + nanoseconds since the Unix epoch). */
#include <time.h>

#include "p2_internal.h"

#define MONOTONIC WASI_IFACE("clocks/monotonic-clock")
#define WALL WASI_IFACE("clocks/wall-clock")

static uint64_t resolution_ns(clockid_t clock) {
  struct timespec ts;
  if (clock_getres(clock, &ts) != 0) return 1;
  uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  return ns ? ns : 1;
}

static wasm_trap *monotonic_now(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  WR_UNUSED(env);
  WR_UNUSED(cx);
  WR_UNUSED(args);
  *result = cm_val_u(wr_monotonic_ns());
  return NULL;
}

static wasm_trap *monotonic_resolution(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  WR_UNUSED(env);
  WR_UNUSED(cx);
  WR_UNUSED(args);
  *result = cm_val_u(resolution_ns(CLOCK_MONOTONIC));
  return NULL;
}

static wasm_trap *add_deadline(const cm_canon_cx *cx, uint64_t deadline, cm_val *result) {
  uint32_t rep;
  wasm_trap *trap = wasi_pollable_add(wasi_p2_ctx_of(cx), wasi_pollable_deadline(deadline), &rep);
  if (!trap) *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *subscribe_instant(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  WR_UNUSED(env);
  return add_deadline(cx, args[0].u.u, result);
}

static wasm_trap *subscribe_duration(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  WR_UNUSED(env);
  uint64_t now = wr_monotonic_ns();
  uint64_t deadline = args[0].u.u > UINT64_MAX - now ? UINT64_MAX : now + args[0].u.u;
  return add_deadline(cx, deadline, result);
}

static cm_val datetime(const cm_canon_cx *cx, uint64_t seconds, uint32_t nanoseconds) {
  cm_val record = cm_val_seq(cx->arena, 2);
  record.u.seq.items[0] = cm_val_u(seconds);
  record.u.seq.items[1] = cm_val_u(nanoseconds);
  return record;
}

static wasm_trap *wall_now(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  WR_UNUSED(env);
  WR_UNUSED(args);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  /* before 1970 cannot be expressed: clamp to the epoch */
  *result = ts.tv_sec < 0 ? datetime(cx, 0, 0) : datetime(cx, (uint64_t)ts.tv_sec, (uint32_t)ts.tv_nsec);
  return NULL;
}

static wasm_trap *wall_resolution(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  WR_UNUSED(env);
  WR_UNUSED(args);
  uint64_t ns = resolution_ns(CLOCK_REALTIME);
  *result = datetime(cx, ns / 1000000000u, (uint32_t)(ns % 1000000000u));
  return NULL;
}

bool wasi_p2_define_clocks(cm_host *host, wr_error *err) {
  static const wasi_func_def monotonic_funcs[] = {
      {"now", monotonic_now},
      {"resolution", monotonic_resolution},
      {"subscribe-instant", subscribe_instant},
      {"subscribe-duration", subscribe_duration},
  };
  static const wasi_func_def wall_funcs[] = {
      {"now", wall_now},
      {"resolution", wall_resolution},
  };
  return wasi_add_wit(host, "clocks", err) &&
         wasi_define_funcs(host, MONOTONIC, monotonic_funcs, WR_ARRAY_LEN(monotonic_funcs), err) &&
         wasi_define_funcs(host, WALL, wall_funcs, WR_ARRAY_LEN(wall_funcs), err);
}
