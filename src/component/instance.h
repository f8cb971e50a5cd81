/* Component instances: running a loaded component (component.h) in a store.
 *
 * cm_instantiate walks the component's definitions in binary order and gives every index
 * space entry its runtime value: core modules are instantiated with the core instances their
 * arguments name, `canon lower` turns a component function into a core host function,
 * `canon lift` a core function into a component function, `resource.new/rep/drop` become core
 * functions over the instance's handle table, nested components are instantiated recursively
 * with their arguments, and aliases resolve through instances. The root component's instance
 * imports bind to a cm_host (host.h) by WIT name, checked structurally.
 *
 * The component (its IR and compiled core code) is shared: instantiating it again costs no
 * parsing, validation or compilation. All runtime objects of one instance live in its store
 * and in the instance's own arena. */
#ifndef WARREN_COMPONENT_INSTANCE_H
#define WARREN_COMPONENT_INSTANCE_H

#include "host.h"

typedef struct cm_component_instance cm_component_instance;
typedef struct cm_func cm_func;

/* NULL + err for a link error (an import the host does not provide or provides with another
 * type, an unsupported feature), or NULL + *trap_out for a trap while instantiating (a core
 * start function, a segment out of bounds). `host` may be NULL when nothing is imported; it
 * must outlive the instance. */
cm_component_instance *cm_instantiate(wasm_store *store, const cm_component *component, const cm_host *host,
                                      wasm_trap **trap_out, wr_error *err);
/* Frees the instance's handle tables (running host destructors for the host resources it
 * still holds) and its memory; its store objects go with the store. */
void cm_component_instance_free(cm_component_instance *inst);

/* The exported function `name` of the root, or of the exported instance `interface` when that
 * is non-NULL ("wasi:cli/run@0.2.0": any semver-compatible version of it is found). NULL when
 * there is none. */
const cm_func *cm_instance_func(const cm_component_instance *inst, const char *interface, const char *name);
const cm_functype *cm_func_type(const cm_func *func);

/* Calls an exported (lifted) function as a new task of its instance (task.h): lowers `args`,
 * runs the guest, lifts the result into `arena` (strings, lists and other children), then runs
 * post-return. An async export is run to its task.return: the threads it started and every
 * thread waiting in the store run meanwhile; when none can run before the result exists, it
 * traps with "deadlock detected". Traps with "cannot enter component instance" when the
 * instance is already on the call stack (a host function it called calling back into it), or
 * after a trap went through it (a trap poisons the instance). */
wasm_trap *cm_func_call(cm_component_instance *inst, const cm_func *func, const cm_val *args, cm_val *result,
                        cm_arena *arena);

/* Starting an async export concurrently with others on the same instance (the server builds
 * on this). `on_resolve(arg, result)` is called once, when the task hands over its result
 * (task.return; `result` lives in `arena`), or with NULL when it was cancelled; `on_exit(arg)`
 * when the task has exited (its last thread finished). *task_out identifies it for
 * cm_task_request_cancellation until on_exit. A trap while starting poisons the instance and
 * is returned; traps later come out of cm_instance_run. */
typedef struct cm_async_call {
  void (*on_resolve)(void *arg, const cm_val *result);
  void (*on_exit)(void *arg);
  void *arg;
  cm_arena *arena;
  const cm_val *args;
} cm_async_call;
wasm_trap *cm_func_start(cm_component_instance *inst, const cm_func *func, cm_async_call *call, cm_task **task_out);
/* Runs threads of the instance's store that are ready (Store.tick) until none is; *progressed
 * tells whether any ran. */
wasm_trap *cm_instance_run(cm_component_instance *inst, bool *progressed);
/* Whether a new async task would be admitted now: no backpressure, exclusive lock free, nobody
 * waiting to enter, not poisoned. */
bool cm_instance_ready(const cm_component_instance *inst);
/* Told whenever threads may have become ready or readiness may have changed (may be NULL). */
void cm_instance_set_notify(cm_component_instance *inst, void (*notify)(void *arg), void *arg);

/* The innermost task running in `inst` (NULL when none). */
cm_task *cm_instance_current_task(const cm_component_instance *inst);

/* For tasks and threads (task.c, thread.c): the instance's admission state and thread table. */
typedef struct cm_thread cm_thread;
typedef struct cm_store_rt cm_store_rt;
uint32_t cm_instance_backpressure(const cm_component_instance *inst);
cm_thread *cm_instance_exclusive(const cm_component_instance *inst);
void cm_instance_set_exclusive(cm_component_instance *inst, cm_thread *thread);
uint32_t cm_instance_num_waiting_to_enter(const cm_component_instance *inst);
void cm_instance_waiting_to_enter(cm_component_instance *inst, int delta);
uint32_t cm_instance_add_thread(cm_component_instance *inst, cm_thread *thread);
void cm_instance_remove_thread(cm_component_instance *inst, uint32_t index);
cm_thread *cm_instance_thread(const cm_component_instance *inst, uint32_t index);
void cm_instance_track_task(cm_component_instance *inst, cm_task *task);
void cm_instance_forget_task(cm_component_instance *inst, cm_task *task);
cm_store_rt *cm_instance_cstore(const cm_component_instance *inst);
/* A waiting thread of `inst` that is ready to run, other than `except` and, unless
 * `exclusive_too`, the exclusive lock's holder (NULL: none). */
cm_thread *cm_instance_ready_thread(cm_component_instance *inst, const cm_thread *except, bool exclusive_too);
bool cm_instance_may_enter_from(const cm_component_instance *callee, const cm_component_instance *caller);
void cm_instance_enter_from(cm_component_instance *callee, const cm_component_instance *caller);
void cm_instance_leave_to(cm_component_instance *callee, const cm_component_instance *caller);

wasm_store *cm_instance_store(const cm_component_instance *inst);

#endif
