/* `warren run --invoke 'name(args)' app.wasm` on a component: call one exported function with
 * arguments written in WAVE and print its result in WAVE, as `wasmtime run --invoke` does; an
 * async function runs until its task is over (wasi_p3_call).
 * The name is a root export ("greet") or an exported interface's function
 * ("my:pkg/api@1.0.0#greet", any semver-compatible version). */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "component/instance.h"
#include "component/wave.h"
#include "run.h"
#include "wasi/p3.h"

/* The root exports, for a message about a name that is not one of them. */
static void print_exported_funcs(const cm_component *component) {
  fprintf(stderr, "warren: exported functions:");
  size_t shown = 0;
  for (size_t i = 0; i < component->exports.len; i++) {
    const cm_export *ex = &component->exports.items[i];
    if (ex->sort == CM_SORT_FUNC) fprintf(stderr, " %s", ex->ext.name.text), shown++;
    if (ex->sort != CM_SORT_INSTANCE) continue;
    const cm_type *it = ex->ext.type;
    for (uint32_t j = 0; j < it->nexports; j++)
      if (it->exports[j].sort == CM_SORT_FUNC) fprintf(stderr, " %s#%s", ex->ext.name.text, it->exports[j].name.text), shown++;
  }
  fprintf(stderr, shown ? "\n" : " none\n");
}

int run_component_invoke(const run_options *opts, const cm_component *component, cm_component_instance *inst,
                         wasi_poll_reactor *reactor) {
  const char *call = opts->invoke;
  size_t len = strlen(call), name_len, args_at;
  const char *name;
  wr_error err = {0};
  if (!wave_parse_call_name(call, len, &name, &name_len, &args_at, &err)) {
    fprintf(stderr, "warren run: --invoke '%s': %s\n", call, err.message);
    return EXIT_USAGE;
  }
  char *qualified = wr_strndup(name, name_len);
  char *hash = strrchr(qualified, '#');
  const char *func_name = qualified, *interface = NULL;
  if (hash) {
    *hash = 0;
    interface = qualified;
    func_name = hash + 1;
  }
  const cm_func *func = cm_instance_func(inst, interface, func_name);
  int status = EXIT_USAGE;
  if (!func) {
    fprintf(stderr, "warren: %s: the component exports no function `%.*s`\n", opts->path, (int)name_len, name);
    print_exported_funcs(component);
    wr_free(qualified);
    return EXIT_LOAD_FAILED;
  }
  const cm_functype *ft = cm_func_type(func);
  cm_arena *arena = cm_arena_new();
  cm_val *args = cm_arena_array(arena, ft->nparams ? ft->nparams : 1, sizeof(cm_val));
  if (!wave_parse_args(ft, call, len, args_at, arena, args, &err)) {
    fprintf(stderr, "warren run: --invoke '%s': %s\n", call, err.message);
    goto done;
  }
  cm_val result = {0};
  /* an async function (or a sync one calling async imports) finishes on the reactor */
  wasm_trap *trap = wasi_p3_call(inst, reactor, func, args, &result, arena);
  if (trap) {
    char what[300];
    snprintf(what, sizeof what, "`%.*s`", (int)WR_MIN(name_len, 200), name);
    status = run_trap_status(trap, opts->path, what);
    goto done;
  }
  if (ft->result) {
    wave_text text = {0};
    wave_print(&text, ft->result, &result);
    printf("%s\n", wave_text_cstr(&text));
    WR_VEC_FREE(&text);
  }
  status = 0;
done:
  cm_arena_free(arena);
  wr_free(qualified);
  return status;
}
