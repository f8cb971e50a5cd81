/* wasi:random 0.2: random, insecure and insecure-seed, all from getrandom(2) (the kernel's
 * CSPRNG is cheap enough that "insecure" needs no generator of its own). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "p2_internal.h"


static wasm_trap *fill_random(const cm_canon_cx *cx, void *buf, size_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t r = getrandom(p, len, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return wasi_trap(wasi_p2_ctx_of(cx), "getrandom failed: %s", strerror(errno));
    p += r;
    len -= (size_t)r;
  }
  return NULL;
}

wasm_trap *wasi_random_bytes(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  uint64_t len = call->args[0].val.u.u;
  if (len > WASI_RANDOM_MAX)
    return wasi_trap(wasi_p2_ctx_of(cx), "random bytes: %llu requested, the limit is %u", (unsigned long long)len,
                     WASI_RANDOM_MAX);
  uint8_t *buf = cm_arena_alloc(cx->arena, len ? (size_t)len : 1);
  wasm_trap *trap = fill_random(cx, buf, (size_t)len);
  if (!trap) *result = wasi_bytes(cx, buf, (size_t)len);
  return trap;
}

wasm_trap *wasi_random_u64(const cm_bound_call *call, cm_val *result) {
  uint64_t value;
  wasm_trap *trap = fill_random(call->cx, &value, sizeof value);
  if (!trap) *result = cm_val_u(value);
  return trap;
}

wasm_trap *wasi_random_seed(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  uint64_t seed[2];
  wasm_trap *trap = fill_random(cx, seed, sizeof seed);
  if (trap) return trap;
  *result = cm_val_seq(cx->arena, 2);
  result->u.seq.items[0] = cm_val_u(seed[0]);
  result->u.seq.items[1] = cm_val_u(seed[1]);
  return NULL;
}

bool wasi_p2_define_random(cm_host *host, wr_error *err) {
  static const cm_host_binding random_funcs[] = {
      {"get-random-bytes", wasi_random_bytes, {NULL}},
      {"get-random-u64", wasi_random_u64, {NULL}},
  };
  static const cm_host_binding insecure_funcs[] = {
      {"get-insecure-random-bytes", wasi_random_bytes, {NULL}},
      {"get-insecure-random-u64", wasi_random_u64, {NULL}},
  };
  static const cm_host_binding seed_funcs[] = {
      {"insecure-seed", wasi_random_seed, {NULL}},
  };
  return wasi_add_wit(host, "random", err) &&
         wasi_bind_funcs(host, WASI_IFACE("random/random"), random_funcs, WR_ARRAY_LEN(random_funcs), err) &&
         wasi_bind_funcs(host, WASI_IFACE("random/insecure"), insecure_funcs, WR_ARRAY_LEN(insecure_funcs), err) &&
         wasi_bind_funcs(host, WASI_IFACE("random/insecure-seed"), seed_funcs, WR_ARRAY_LEN(seed_funcs), err);
}
