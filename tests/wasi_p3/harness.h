/* The harness of the WASI 0.3 host tests: a ctx on an instance of an empty component (for its
 * store's streams), a poll reactor the test drives, implementations called directly as a
 * guest's lowered import would call them, a stand-in for the runtime's async call that records
 * each result, and host ends the test reads and writes. One test program is one translation
 * unit, so these are statics in a header. */
#ifndef WARREN_TESTS_WASI_P3_HARNESS_H
#define WARREN_TESTS_WASI_P3_HARNESS_H

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/instance.h"
#include "component/names.h"
#include "component/stream.h"
#include "wasi/p2.h"
#include "wasi/p3_task.h"

#include "../check.h"

static cm_host *host;
static cm_arena *arena;
static wasm_store *store;
static wasi_p2_ctx *ctx;
static cm_component *empty;
static cm_component_instance *inst;
static wasi_poll_reactor *reactor;
static cm_canon_cx cx;
static wasm_trap *last_trap;

/* ---- the stand-in for an async call ---- */

typedef struct fake_call {
  bool finished, cancelled;
  uint32_t index;     /* result: 0 ok, 1 err */
  int code;           /* the error-code case, -1 when ok */
  char data[64];      /* udp receive: the datagram */
  size_t ndata;
  uint16_t port;      /* udp receive: the sender's port */
  size_t naddresses;  /* lookup: addresses */
  bool loopback;      /* lookup: 127.0.0.1 or ::1 among them */
  bool is_lookup, is_receive;
  void (*on_cancel)(void *arg);
  void (*on_drop)(void *arg);
  void *arg;
} fake_call;

static inline wasm_trap *fake_finish(cm_host_call *call, const cm_val *result) {
  fake_call *f = (fake_call *)call;
  f->finished = true;
  f->index = result->u.cs.index;
  f->code = f->index ? (int)result->u.cs.payload->u.cs.index : -1;
  if (f->index == 0 && f->is_receive) {
    const cm_val *pair = result->u.cs.payload;
    const cm_val *bytes = &pair->u.seq.items[0];
    f->ndata = bytes->u.seq.count < sizeof f->data ? bytes->u.seq.count : sizeof f->data;
    for (size_t i = 0; i < f->ndata; i++) f->data[i] = (char)bytes->u.seq.items[i].u.u;
    f->port = (uint16_t)pair->u.seq.items[1].u.cs.payload->u.seq.items[0].u.u;
  }
  if (f->index == 0 && f->is_lookup) {
    const cm_val *list = result->u.cs.payload;
    f->naddresses = list->u.seq.count;
    for (uint32_t i = 0; i < list->u.seq.count; i++) {
      const cm_val *ip = &list->u.seq.items[i];
      const cm_val *t = ip->u.cs.payload;
      if (ip->u.cs.index == 0 && t->u.seq.items[0].u.u == 127) f->loopback = true;
      if (ip->u.cs.index == 1 && t->u.seq.items[0].u.u == 0 && t->u.seq.items[7].u.u == 1) f->loopback = true;
    }
  }
  return NULL;
}

static inline void fake_set_hooks(cm_host_call *call, void (*on_cancel)(void *), void (*on_drop)(void *), void *arg) {
  fake_call *f = (fake_call *)call;
  f->on_cancel = on_cancel;
  f->on_drop = on_drop;
  f->arg = arg;
}

static inline void fake_cancelled(cm_host_call *call) { ((fake_call *)call)->cancelled = true; }

static const wasi_p3_calls fake_calls = {fake_finish, fake_set_hooks, fake_cancelled};

/* ---- calling implementations ---- */

static inline void setup_with(const wasi_p2_config *config, bool with_reactor) {
  store = wasm_store_new();
  ctx = wasi_p2_ctx_new(config);
  wasi_p2_ctx_attach(ctx, store);
  reactor = wasi_poll_reactor_new();
  if (with_reactor) wasi_p2_set_reactor(ctx, wasi_poll_reactor_base(reactor));
  wasm_trap *trap = NULL;
  wr_error err = {0};
  inst = cm_instantiate(store, empty, host, &trap, &err);
  CHECK(inst != NULL);
  cx = (cm_canon_cx){.store = store, .arena = arena, .inst = inst};
}

static inline void teardown(void) {
  cm_component_instance_free(inst); /* first, as embedders do: the ctx goes after its instance */
  wasi_p2_ctx_free(ctx);
  wasi_poll_reactor_free(reactor);
  wasm_store_free(store);
}

static inline const cm_host_interface *find_iface(const char *iface) {
  char full[128];
  snprintf(full, sizeof full, "wasi:%s@%s", iface, WASI_P3_VERSION);
  cm_name name;
  const char *why;
  if (!cm_name_parse(arena, (const uint8_t *)full, (uint32_t)strlen(full), &name, &why)) {
    fprintf(stderr, "bad name %s: %s\n", full, why);
    exit(2);
  }
  const cm_host_interface *hi = cm_host_find(host, &name);
  if (!hi) {
    fprintf(stderr, "no interface %s\n", full);
    exit(2);
  }
  return hi;
}

static inline cm_val call(const char *iface, const char *func, const cm_val *args) {
  cm_host_impl impl;
  void *env;
  if (!cm_host_interface_func(find_iface(iface), func, &impl, &env)) {
    fprintf(stderr, "no implementation of %s %s\n", iface, func);
    exit(2);
  }
  cm_val result = {0};
  last_trap = impl(env, &cx, args, &result);
  return result;
}

static inline void call_async(const char *iface, const char *func, const cm_val *args, fake_call *f) {
  cm_host_async_impl impl;
  void *env;
  if (!cm_host_interface_async_func(find_iface(iface), func, &impl, &env)) {
    fprintf(stderr, "no async implementation of %s %s\n", iface, func);
    exit(2);
  }
  last_trap = impl(env, &cx, args, (cm_host_call *)f);
}


static inline cm_val enum_case(uint32_t i) { return (cm_val){.u.cs = {i, NULL}}; }
static inline bool is_ok(cm_val r) { return !last_trap && r.u.cs.index == 0; }
static inline int err_code(cm_val r) { return !last_trap && r.u.cs.index == 1 ? (int)r.u.cs.payload->u.cs.index : -1; }
static inline bool trapped(const char *needle) { return last_trap && strstr(last_trap->message, needle); }

/* ---- host ends of the test ---- */

typedef struct end_probe {
  bool done;
  int result;
  uint32_t n;
} end_probe;

static inline void probe_done(void *arg, int result, uint32_t n) {
  end_probe *p = arg;
  p->done = true;
  p->result = result;
  p->n = n;
}

static const cm_host_end_ops probe_ops = {probe_done};

/* Runs the reactor until *flag (bounded: each run waits at most 2 s for an event). */
static inline void run_until(const bool *flag) {
  for (int i = 0; i < 200 && !*flag; i++) wasi_poll_reactor_run(reactor, 2000000000ull);
}

/* Reads `len` bytes (or up to the end) from a stream<u8> the host gave. */
static inline size_t read_bytes(cm_host_end *end, end_probe *p, char *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    *p = (end_probe){0};
    CHECK(cm_host_end_read(end, store, buf + got, NULL, NULL, (uint32_t)(len - got)) == NULL);
    run_until(&p->done);
    CHECK(p->done);
    if (!p->done) break;
    got += p->n;
    if (p->result == CM_COPY_DROPPED) break;
  }
  return got;
}

/* The value of a future<result<_, error-code>> the host gave: 0 ok, else 1 + the code. */
static inline int read_future(void *shared) {
  end_probe p = {0};
  cm_host_end *end = cm_host_end_take_readable(shared, &probe_ops, &p);
  cm_val v = {0};
  CHECK(cm_host_end_read(end, store, NULL, &v, arena, 1) == NULL);
  run_until(&p.done);
  CHECK(p.done && p.n == 1);
  int out = p.n == 1 ? (v.u.cs.index == 0 ? 0 : 1 + (int)v.u.cs.payload->u.cs.index) : -1;
  cm_host_end_drop(end);
  return out;
}

/* A stream<u8> the test writes: the readable end goes to send(). */
static inline cm_host_end *new_byte_stream(end_probe *p, void **readable) {
  return cm_host_end_new_writable(cm_instance_cstore(inst), false, cm_valtype_primitive(CM_U8), readable, &probe_ops,
                                  p);
}

static inline void write_bytes(cm_host_end *end, end_probe *p, const char *text) {
  *p = (end_probe){0};
  CHECK(cm_host_end_write(end, store, text, NULL, (uint32_t)strlen(text)) == NULL);
  run_until(&p->done);
  CHECK(p->done && p->n == strlen(text));
}

/* Loads the empty component every test instance is made of, and installs the stand-in calls. */
static inline bool harness_init(void) {
  arena = cm_arena_new();
  host = cm_host_new();
  wr_error err = {0};
  if (!wasi_p2_define(host, &err) || !wasi_p3_define(host, &err)) {
    fprintf(stderr, "define: %s\n", err.message);
    return false;
  }
  static const uint8_t empty_component[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  empty = cm_component_load(empty_component, sizeof empty_component, NULL, &err);
  if (!empty) {
    fprintf(stderr, "empty component: %s\n", err.message);
    return false;
  }
  wasi_p3_calls_in_use = &fake_calls;
  return true;
}

static inline void harness_free(void) {
  cm_component_free(empty);
  cm_host_free(host);
  cm_arena_free(arena);
}

#endif
