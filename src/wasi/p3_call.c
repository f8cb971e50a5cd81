/* wasi_p3_call: one export run to its end on a poll reactor, and finding a command's run (p3.h). */
#include "../component/instance.h"
#include "p3.h"

const cm_func *wasi_cli_run_func(const cm_component_instance *inst, const char **interface) {
  static const char *const names[] = {"wasi:cli/run@0.2.0", "wasi:cli/run@" WASI_P3_VERSION,
                                      "wasi:cli/run@" WASI_P3_RC_MARCH, "wasi:cli/run@" WASI_P3_RC_FEBRUARY};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const cm_func *run = cm_instance_func(inst, names[i], "run");
    if (run) {
      *interface = names[i];
      return run;
    }
  }
  return NULL;
}

typedef struct driven_call {
  bool resolved, exited;
  cm_val *result;
} driven_call;

static void call_resolved(void *arg, const cm_val *result) {
  driven_call *dc = arg;
  dc->resolved = true;
  if (result && dc->result) *dc->result = *result;
}

static void call_exited(void *arg) { ((driven_call *)arg)->exited = true; }

wasm_trap *wasi_p3_call(cm_component_instance *inst, wasi_poll_reactor *reactor, const cm_func *func,
                        const cm_val *args, cm_val *result, cm_arena *arena) {
  driven_call dc = {.result = result};
  cm_async_call call = {.on_resolve = call_resolved, .on_exit = call_exited, .arg = &dc, .arena = arena, .args = args};
  cm_task *task;
  wasm_trap *trap = cm_func_start(inst, func, &call, &task);
  while (!trap) {
    bool progressed;
    trap = cm_instance_run(inst, &progressed);
    /* over: what is still registered (stdin read ahead, a timer nobody waits for) stays
     * unanswered, but output already accepted is written below */
    if (trap || (dc.resolved && dc.exited)) break;
    /* every thread waits: on the reactor (a timer, an fd), or on nothing that can happen */
    if (wasi_poll_reactor_pending(reactor) == 0) {
      if (!dc.resolved)
        trap = wasm_trap_new(cm_instance_store(inst), WASM_TRAP_HOST,
                             "deadlock: the guest waits, and nothing it waits for can happen");
      break;
    }
    wasi_poll_reactor_run(reactor, UINT64_MAX);
  }
  /* a command's output is not cut short at its end, however slowly its reader reads (a
   * teardown would drop what the fd has no room for, p3_stdio.c): this thread is its own */
  wasi_p2_ctx *ctx = wasm_store_data(cm_instance_store(inst));
  while (ctx && wasi_p2_stdio_streams(ctx)->unwritten && wasi_poll_reactor_pending(reactor))
    wasi_poll_reactor_run(reactor, UINT64_MAX);
  return trap;
}
