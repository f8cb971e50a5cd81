/* may_enter through the host: a host function that calls back into the component instance
 * that called it traps with "cannot enter component instance"; the same call made from
 * outside the instance works. Usage: host_reentrance_test host-reentrance.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/host.h"
#include "component/instance.h"
#include "../check.h"
#include "../load_component.h"

typedef struct callback_env {
  cm_component_instance *inst;
  const cm_func *inner;
  const wasm_trap *inner_trap; /* what the nested call returned */
} callback_env;

static wasm_trap *call_back(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result) {
  (void)args;
  callback_env *cb = env;
  wasm_trap *trap = cm_func_call(cb->inst, cb->inner, NULL, result, cx->arena);
  cb->inner_trap = trap;
  return trap;
}

int main(int argc, char **argv) {
  int exit_code = 0;
  cm_component *component = load_component_arg(argc, argv, &exit_code);
  if (!component) return exit_code;
  wr_error err = {0};
  cm_host *host = cm_host_new();
  static const char wit[] = "package test:host;\ninterface cb {\n  call-back: func() -> u32;\n}\n";
  CHECK(cm_host_add_wit(host, "cb.wit", wit, strlen(wit), &err));
  callback_env cb = {0};
  CHECK(cm_host_define_func(host, "test:host/cb", "call-back", call_back, &cb));
  wasm_store *store = wasm_store_new();
  wasm_trap *trap = NULL;
  cb.inst = cm_instantiate(store, component, host, &trap, &err);
  CHECK(cb.inst != NULL);
  if (cb.inst) {
    const cm_func *outer = cm_instance_func(cb.inst, NULL, "outer");
    cb.inner = cm_instance_func(cb.inst, NULL, "inner");
    CHECK(outer && cb.inner);
    cm_arena *arena = cm_arena_new();
    cm_val result = {0};
    /* from outside, inner is an ordinary call */
    CHECK(cm_func_call(cb.inst, cb.inner, NULL, &result, arena) == NULL && result.u.u == 7);
    /* from inside (outer -> host -> inner), the instance is already entered */
    trap = cm_func_call(cb.inst, outer, NULL, &result, arena);
    CHECK(trap && strstr(trap->message, "cannot enter component instance"));
    CHECK(cb.inner_trap && cb.inner_trap == trap);
    /* a trap poisons the instance (Concurrency.md): it is never entered again */
    result.u.u = 0;
    trap = cm_func_call(cb.inst, cb.inner, NULL, &result, arena);
    CHECK(trap && strstr(trap->message, "cannot enter component instance") && result.u.u == 0);
    cm_arena_free(arena);
    cm_component_instance_free(cb.inst);
  }
  wasm_store_free(store);
  cm_host_free(host);
  cm_component_free(component);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
