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
 * runs the guest, lifts the result into `arena` (strings, lists and other children; it may be
 * the instance's scratch arena only when the caller is done with the result before the next
 * call), then runs post-return. Traps with "cannot enter component instance" when the
 * instance is already on the call stack (a host function it called calling back into it). */
wasm_trap *cm_func_call(cm_component_instance *inst, const cm_func *func, const cm_val *args, cm_val *result,
                        cm_arena *arena);

/* The innermost task running in `inst` (NULL when none: no call into it is on the stack). A
 * host function reached through a lowered import sees its caller's task as
 * cx->subtask->task. */
cm_task *cm_instance_current_task(const cm_component_instance *inst);

wasm_store *cm_instance_store(const cm_component_instance *inst);

#endif
