/* wasi:clocks 0.3: monotonic-clock (now and resolution as in 0.2; wait-until / wait-for as
 * reactor timers, cancellable) and system-clock (CLOCK_REALTIME as signed seconds +
 * nanoseconds). The timezone interface is @unstable and not provided. */
#include <time.h>

#include "../base/alloc.h"
#include "p3_internal.h"

#define MONOTONIC WASI_P3_IFACE("clocks/monotonic-clock")
#define SYSTEM WASI_P3_IFACE("clocks/system-clock")

/* One wait-until / wait-for in flight: a reactor deadline that returns the call. */
typedef struct clock_wait {
  wasi_p2_ctx *ctx;
  uint32_t rep; /* its entry in the ctx's table */
  wasi_reactor *reactor;
  wasi_wakeup *wakeup;
  cm_host_call *call;
} clock_wait;

static void clock_wait_free(void *object) {
  clock_wait *w = object;
  if (w->wakeup) w->reactor->cancel(w->reactor, w->wakeup);
  wr_free(w);
}

static const wasi_kind clock_wait_kind = {"clock wait", clock_wait_free};

static void clock_wait_end(clock_wait *w) { wasi_table_remove(w->ctx, w->rep, &clock_wait_kind); }

static void clock_wait_fired(void *arg, short revents) {
  WR_UNUSED(revents);
  clock_wait *w = arg;
  w->wakeup = NULL;
  cm_host_call *call = w->call;
  clock_wait_end(w);
  /* a trap lowering nothing cannot happen; if it did, it poisoned the caller's instance */
  cm_host_call_return(call, NULL);
}

static void clock_wait_cancelled(void *arg) {
  clock_wait *w = arg;
  cm_host_call *call = w->call;
  clock_wait_end(w);
  cm_host_call_cancelled(call);
}

static void clock_wait_dropped(void *arg) { clock_wait_end(arg); }

static wasm_trap *wait_until_ns(const cm_canon_cx *cx, uint64_t deadline, cm_host_call *call) {
  wasi_p2_ctx *ctx = wasi_p2_ctx_of(cx);
  if (!ctx) return wasm_trap_new(cx->store, WASM_TRAP_HOST, "wasi used without a WASI context");
  if (deadline <= wr_monotonic_ns()) return cm_host_call_return(call, NULL);
  if (deadline == UINT64_MAX) deadline--; /* the reactor's "no deadline"; this one just never comes */
  wasi_reactor *reactor;
  wasm_trap *trap = wasi_p3_reactor(ctx, MONOTONIC, &reactor);
  if (trap) return trap;
  clock_wait *w = WR_NEW(clock_wait);
  *w = (clock_wait){.ctx = ctx, .reactor = reactor, .call = call};
  trap = wasi_table_add(ctx, &clock_wait_kind, w, &w->rep);
  if (trap) return trap;
  w->wakeup = reactor->wait(reactor, -1, 0, deadline, clock_wait_fired, w);
  if (!w->wakeup) {
    clock_wait_end(w);
    return wasi_trap(ctx, "wasi:clocks/monotonic-clock: the event loop refused a timer");
  }
  cm_host_call_set_hooks(call, clock_wait_cancelled, clock_wait_dropped, w);
  return NULL;
}

static wasm_trap *wait_until(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call) {
  WR_UNUSED(env);
  return wait_until_ns(cx, args[0].u.u, call);
}

static wasm_trap *wait_for(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call) {
  WR_UNUSED(env);
  uint64_t now = wr_monotonic_ns(), how_long = args[0].u.u;
  return wait_until_ns(cx, how_long > UINT64_MAX - now ? UINT64_MAX - 1 : now + how_long, call);
}

static wasm_trap *system_now(const cm_bound_call *call, cm_val *result) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  *result = cm_val_seq(call->cx->arena, 2);
  result->u.seq.items[0] = cm_val_s((int64_t)ts.tv_sec);
  result->u.seq.items[1] = cm_val_u((uint64_t)ts.tv_nsec);
  return NULL;
}

static wasm_trap *system_resolution(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(call);
  *result = cm_val_u(wasi_clock_resolution_ns(CLOCK_REALTIME));
  return NULL;
}

bool wasi_p3_define_clocks(cm_host *host, wr_error *err) {
  static const cm_host_binding monotonic_funcs[] = {
      {"now", wasi_clock_monotonic_now, {NULL}},
      {"get-resolution", wasi_clock_monotonic_resolution, {NULL}},
  };
  static const cm_host_binding system_funcs[] = {
      {"now", system_now, {NULL}},
      {"get-resolution", system_resolution, {NULL}},
  };
  if (!wasi_bind_funcs(host, MONOTONIC, monotonic_funcs, WR_ARRAY_LEN(monotonic_funcs), err) ||
      !wasi_bind_funcs(host, SYSTEM, system_funcs, WR_ARRAY_LEN(system_funcs), err))
    return false;
  if (!cm_host_define_async_func(host, MONOTONIC, "wait-until", wait_until, NULL) ||
      !cm_host_define_async_func(host, MONOTONIC, "wait-for", wait_for, NULL)) {
    wr_error_set(err, "%s: no wait-until / wait-for in its WIT", MONOTONIC);
    return false;
  }
  return true;
}
