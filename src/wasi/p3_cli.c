/* wasi:cli 0.3: environment, exit and terminals as in 0.2 (p2_cli.c; exit ends the run with a
 * WASM_TRAP_EXIT trap there too), stdio as streams (p3_stdio.c). */
#include "p3_internal.h"

/* Never stored in a table (no terminal is handed out); a drop of one is a forged rep. */
static const wasi_kind terminal_kind = {"terminal", NULL};

bool wasi_p3_define_cli(cm_host *host, wr_error *err) {
  static const cm_host_binding environment_funcs[] = {
      {"get-environment", wasi_cli_get_environment, {NULL}},
      {"get-arguments", wasi_cli_get_arguments, {NULL}},
      {"get-initial-cwd", wasi_cli_initial_cwd, {NULL}},
  };
  static const cm_host_binding exit_funcs[] = {
      {"exit", wasi_cli_exit, {NULL}},
      {"exit-with-code", wasi_cli_exit_with_code, {NULL}},
  };
  static const struct {
    const char *interface, *func;
  } terminals[] = {
      {WASI_P3_IFACE("cli/terminal-stdin"), "get-terminal-stdin"},
      {WASI_P3_IFACE("cli/terminal-stdout"), "get-terminal-stdout"},
      {WASI_P3_IFACE("cli/terminal-stderr"), "get-terminal-stderr"},
  };
  if (!wasi_bind_funcs(host, WASI_P3_IFACE("cli/environment"), environment_funcs, WR_ARRAY_LEN(environment_funcs),
                       err) ||
      !wasi_bind_funcs(host, WASI_P3_IFACE("cli/exit"), exit_funcs, WR_ARRAY_LEN(exit_funcs), err))
    return false;
  for (size_t i = 0; i < WR_ARRAY_LEN(terminals); i++) {
    cm_host_binding none = {terminals[i].func, wasi_cli_no_terminal, {NULL}};
    if (!wasi_bind_funcs(host, terminals[i].interface, &none, 1, err)) return false;
  }
  return wasi_define_resource(host, WASI_P3_IFACE("cli/terminal-input"), "terminal-input", &terminal_kind, err) &&
         wasi_define_resource(host, WASI_P3_IFACE("cli/terminal-output"), "terminal-output", &terminal_kind, err) &&
         wasi_p3_define_stdio(host, err);
}
