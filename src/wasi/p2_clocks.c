/* wasi:clocks 0.2: monotonic-clock (CLOCK_MONOTONIC, nanoseconds) and wall-clock
 * (CLOCK_REALTIME as seconds + nanoseconds since the Unix epoch). */
#include <time.h>

#include "p2_internal.h"

#define MONOTONIC WASI_IFACE("clocks/monotonic-clock")
#define WALL WASI_IFACE("clocks/wall-clock")

uint64_t wasi_clock_resolution_ns(int clock) {
  struct timespec ts;
  if (clock_getres(clock, &ts) != 0) return 1;
  uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  return ns ? ns : 1;
}

wasm_trap *wasi_clock_monotonic_now(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(call);
  *result = cm_val_u(wr_monotonic_ns());
  return NULL;
}

wasm_trap *wasi_clock_monotonic_resolution(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(call);
  *result = cm_val_u(wasi_clock_resolution_ns(CLOCK_MONOTONIC));
  return NULL;
}

static wasm_trap *add_deadline(const cm_bound_call *call, uint64_t deadline, cm_val *result) {
  uint32_t rep;
  wasm_trap *trap = wasi_pollable_add(call->state, wasi_pollable_deadline(deadline), &rep);
  if (!trap) *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *subscribe_instant(const cm_bound_call *call, cm_val *result) {
  return add_deadline(call, call->args[0].val.u.u, result);
}

static wasm_trap *subscribe_duration(const cm_bound_call *call, cm_val *result) {
  uint64_t now = wr_monotonic_ns();
  uint64_t deadline = call->args[0].val.u.u > UINT64_MAX - now ? UINT64_MAX : now + call->args[0].val.u.u;
  return add_deadline(call, deadline, result);
}

static cm_val datetime(const cm_canon_cx *cx, uint64_t seconds, uint32_t nanoseconds) {
  cm_val record = cm_val_seq(cx->arena, 2);
  record.u.seq.items[0] = cm_val_u(seconds);
  record.u.seq.items[1] = cm_val_u(nanoseconds);
  return record;
}

static wasm_trap *wall_now(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  /* before 1970 cannot be expressed: clamp to the epoch */
  *result = ts.tv_sec < 0 ? datetime(cx, 0, 0) : datetime(cx, (uint64_t)ts.tv_sec, (uint32_t)ts.tv_nsec);
  return NULL;
}

static wasm_trap *wall_resolution(const cm_bound_call *call, cm_val *result) {
  uint64_t ns = wasi_clock_resolution_ns(CLOCK_REALTIME);
  *result = datetime(call->cx, ns / 1000000000u, (uint32_t)(ns % 1000000000u));
  return NULL;
}

bool wasi_p2_define_clocks(cm_host *host, wr_error *err) {
  static const cm_host_binding monotonic_funcs[] = {
      {"now", wasi_clock_monotonic_now, {NULL}},
      {"resolution", wasi_clock_monotonic_resolution, {NULL}},
      {"subscribe-instant", subscribe_instant, {NULL}},
      {"subscribe-duration", subscribe_duration, {NULL}},
  };
  static const cm_host_binding wall_funcs[] = {
      {"now", wall_now, {NULL}},
      {"resolution", wall_resolution, {NULL}},
  };
  return wasi_add_wit(host, "clocks", err) &&
         wasi_bind_funcs(host, MONOTONIC, monotonic_funcs, WR_ARRAY_LEN(monotonic_funcs), err) &&
         wasi_bind_funcs(host, WALL, wall_funcs, WR_ARRAY_LEN(wall_funcs), err);
}
