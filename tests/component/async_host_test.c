/* The async ABI seen from the host (tests/component/task/async_host.wat): async exports started
 * concurrently with cm_func_start and driven with cm_instance_run, an async host function that
 * finishes later (cm_host_call_return), and host ends of streams reading what a guest writes
 * and writing what a guest reads (src/component/stream.h).
 * Usage: async_host_test async_host.wasm */
#include <stdio.h>
#include <string.h>

#include "component/host.h"
#include "component/instance.h"
#include "component/stream.h"
#include "../check.h"
#include "../load_component.h"

typedef struct host_state {
  cm_host_call *pending; /* the guest's wait(ms), until the test finishes it */
  uint32_t wait_ms;
  unsigned notified;     /* cm_instance_set_notify calls */
} host_state;

static wasm_trap *host_wait(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call) {
  (void)cx;
  host_state *hs = env;
  hs->wait_ms = (uint32_t)args[0].u.u;
  hs->pending = call; /* finished later, as a timer would */
  return NULL;
}

static void on_notify(void *arg) { ((host_state *)arg)->notified++; }

typedef struct started {
  bool resolved, exited;
  cm_val result;
} started;

static void on_resolve(void *arg, const cm_val *result) {
  started *s = arg;
  s->resolved = true;
  if (result) s->result = *result;
}

static void task_exited(void *arg) { ((started *)arg)->exited = true; }

typedef struct host_reader {
  uint8_t buf[16];
  uint32_t got;
  int last_result;
  unsigned calls;
} host_reader;

static void reader_done(void *arg, int result, uint32_t n) {
  host_reader *r = arg;
  r->got += n;
  r->last_result = result;
  r->calls++;
}

static const cm_host_end_ops reader_ops = {reader_done, NULL};

static void run_all(cm_component_instance *inst) {
  bool progressed;
  CHECK(cm_instance_run(inst, &progressed) == NULL);
}

static void test_produce(cm_component_instance *inst, cm_arena *arena) {
  const cm_func *produce = cm_instance_func(inst, NULL, "produce");
  CHECK(produce != NULL);
  if (!produce) return;
  started s = {0};
  cm_async_call call = {.on_resolve = on_resolve, .on_exit = task_exited, .arg = &s, .arena = arena};
  cm_task *task;
  CHECK(cm_func_start(inst, produce, &call, &task) == NULL);
  /* the stream is returned before anything is written; the task goes on (it waits to write) */
  CHECK(s.resolved && !s.exited && task != NULL);
  host_reader r = {0};
  cm_host_end *end = cm_host_end_take_readable(s.result.u.shared, &reader_ops, &r);
  CHECK(cm_host_end_read(end, cm_instance_store(inst), r.buf, NULL, NULL, 3) == NULL);
  /* the guest's pending write meets the host's read at once: 3 of its 5 bytes */
  CHECK(r.calls == 1 && r.got == 3 && r.last_result == CM_COPY_COMPLETED && !memcmp(r.buf, "hel", 3));
  CHECK(cm_host_end_read(end, cm_instance_store(inst), r.buf + 3, NULL, NULL, 8) == NULL);
  CHECK(r.calls == 2 && r.got == 5 && !memcmp(r.buf, "hello", 5));
  /* the guest learns its write completed, drops the writable end and exits */
  run_all(inst);
  CHECK(s.exited);
  CHECK(cm_host_end_read(end, cm_instance_store(inst), r.buf, NULL, NULL, 8) == NULL);
  CHECK(r.calls == 3 && r.last_result == CM_COPY_DROPPED && r.got == 5);
  cm_host_end_drop(end);
}

static void test_waiter(cm_component_instance *inst, host_state *hs, cm_arena *arena) {
  const cm_func *waiter = cm_instance_func(inst, NULL, "waiter");
  CHECK(waiter != NULL);
  if (!waiter) return;
  started s = {0};
  cm_async_call call = {.on_resolve = on_resolve, .on_exit = task_exited, .arg = &s, .arena = arena};
  cm_task *task;
  CHECK(cm_func_start(inst, waiter, &call, &task) == NULL);
  CHECK(!s.resolved && hs->pending && hs->wait_ms == 7);
  /* nothing can run until the host call finishes */
  bool progressed;
  CHECK(cm_instance_run(inst, &progressed) == NULL && !progressed);
  unsigned before = hs->notified;
  cm_val forty_one = cm_val_u(41);
  CHECK(cm_host_call_return(hs->pending, &forty_one) == NULL);
  hs->pending = NULL;
  CHECK(hs->notified > before); /* the embedder is told that a thread may run */
  run_all(inst);
  CHECK(s.resolved && s.exited && s.result.u.u == 42);
}

typedef struct host_writer {
  int last_result;
  uint32_t n;
  unsigned calls;
} host_writer;

static void writer_done(void *arg, int result, uint32_t n) {
  host_writer *w = arg;
  w->last_result = result;
  w->n = n;
  w->calls++;
}

static const cm_host_end_ops writer_ops = {writer_done, NULL};

static void test_consume(cm_component_instance *inst, cm_arena *arena) {
  const cm_func *consume = cm_instance_func(inst, NULL, "consume");
  CHECK(consume != NULL);
  if (!consume) return;
  host_writer w = {0};
  void *readable = NULL;
  cm_store_rt *store = cm_instance_cstore(inst);
  cm_host_end *end = cm_host_end_new_writable(store, false, consume ? cm_func_type(consume)->params[0].type->elem : NULL,
                                              &readable, &writer_ops, &w);
  cm_val arg = {.u.shared = readable};
  started s = {0};
  cm_async_call call = {.on_resolve = on_resolve, .on_exit = task_exited, .arg = &s, .arena = arena, .args = &arg};
  cm_task *task;
  CHECK(cm_func_start(inst, consume, &call, &task) == NULL);
  CHECK(!s.resolved); /* it waits for bytes */
  static const uint8_t bytes[] = {1, 2, 3, 4, 5, 6};
  /* the guest's read of 4 is pending: the host's write of 6 moves 4 at once */
  CHECK(cm_host_end_write(end, cm_instance_store(inst), bytes, NULL, 6) == NULL);
  CHECK(w.calls == 1 && w.n == 4 && w.last_result == CM_COPY_COMPLETED);
  run_all(inst); /* the guest reads again */
  CHECK(cm_host_end_write(end, cm_instance_store(inst), bytes + 4, NULL, 2) == NULL);
  CHECK(w.calls == 2 && w.n == 2);
  run_all(inst);
  CHECK(!s.resolved);
  cm_host_end_drop(end); /* end of stream */
  run_all(inst);
  CHECK(s.resolved && s.exited && s.result.u.u == 6 + 21 * 1000);
}

/* A WASI host's object may hold a host end when its instance (and the instance's store) is
 * freed: the store frees the end and tells a holder that asked (on_gone), which then forgets it. */
typedef struct holder {
  cm_host_end *end;
  unsigned copies, gone;
} holder;

static void holder_copy(void *arg, int result, uint32_t n) {
  WR_UNUSED(result), WR_UNUSED(n);
  ((holder *)arg)->copies++;
}

static void holder_gone(void *arg, cm_host_end *end) {
  holder *h = arg;
  if (h->end == end) h->end = NULL;
  h->gone++;
}

static const cm_host_end_ops holder_ops = {holder_copy, holder_gone};

static void test_host_end_outlives_instance(const cm_component *component, const cm_host *host) {
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  wr_error err = {0};
  cm_component_instance *inst = cm_instantiate(store, component, host, &trap, &err);
  CHECK(inst != NULL);
  if (!inst) return;
  const cm_func *consume = cm_instance_func(inst, NULL, "consume");
  holder writer = {0}, reader = {0};
  void *readable = NULL;
  writer.end = cm_host_end_new_writable(cm_instance_cstore(inst), false,
                                        consume ? cm_func_type(consume)->params[0].type->elem : NULL, &readable,
                                        &holder_ops, &writer);
  reader.end = cm_host_end_take_readable(readable, &holder_ops, &reader);
  static const uint8_t bytes[] = {1, 2};
  CHECK(cm_host_end_write(writer.end, store, bytes, NULL, 2) == NULL); /* pending: nobody reads */
  cm_component_instance_free(inst);
  /* both ends were freed with the store and their holders told; no copy was reported */
  CHECK(writer.gone == 1 && writer.end == NULL && reader.gone == 1 && reader.end == NULL);
  CHECK(writer.copies == 0 && reader.copies == 0);
  wasm_store_free(store);
}

/* Instantiating against the first host kept what matching it settled on the component (the link
 * memo); another host whose `wait` has another type must still be matched, and refused. */
static void test_other_host_is_matched_again(const cm_component *component) {
  wr_error err = {0};
  cm_host *other = cm_host_new();
  static const char wit[] = "package test:asynchost;\n"
                            "interface host {\n"
                            "  wait: async func(ms: u64) -> u32;\n"
                            "}\n";
  CHECK(cm_host_add_wit(other, "host.wit", wit, strlen(wit), &err));
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  cm_component_instance *inst = cm_instantiate(store, component, other, &trap, &err);
  CHECK(inst == NULL && strstr(err.message, "does not match the host's") != NULL);
  if (inst) cm_component_instance_free(inst);
  wasm_store_free(store);
  cm_host_free(other);
}

int main(int argc, char **argv) {
  int exit_code = 0;
  cm_component *component = load_component_arg(argc, argv, &exit_code);
  if (!component) return exit_code;
  wr_error err = {0};
  cm_host *host = cm_host_new();
  static const char wit[] = "package test:asynchost;\n"
                            "interface host {\n"
                            "  wait: async func(ms: u32) -> u32;\n"
                            "}\n";
  CHECK(cm_host_add_wit(host, "host.wit", wit, strlen(wit), &err));
  if (err.message[0]) fprintf(stderr, "wit: %s\n", err.message);
  host_state hs = {0};
  CHECK(cm_host_define_async_func(host, "test:asynchost/host", "wait", host_wait, &hs));
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  cm_component_instance *inst = cm_instantiate(store, component, host, &trap, &err);
  CHECK(inst != NULL);
  if (!inst) fprintf(stderr, "instantiate: %s\n", trap ? trap->message : err.message);
  if (inst) {
    cm_instance_set_notify(inst, on_notify, &hs);
    cm_arena *arena = cm_arena_new();
    CHECK(cm_instance_ready(inst));
    test_produce(inst, arena);
    test_waiter(inst, &hs, arena);
    test_consume(inst, arena);
    CHECK(cm_instance_ready(inst));
    cm_arena_free(arena);
    cm_component_instance_free(inst);
    test_host_end_outlives_instance(component, host);
    test_other_host_is_matched_again(component);
  }
  wasm_store_free(store);
  cm_host_free(host);
  cm_component_free(component);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
