/* wasi:cli 0.2: the configured arguments, environment and initial directory, exit, stdio as
 * streams over the configured fds, and no terminals. */
#include <string.h>

#include "p2_internal.h"

static cm_val str(const char *s, size_t len) { return cm_val_string(s, (uint32_t)len); }

wasm_trap *wasi_cli_get_environment(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  const wasi_p2_config *config = wasi_p2_ctx_config(call->state);
  *result = cm_val_seq(cx->arena, (uint32_t)config->nenv);
  for (size_t i = 0; i < config->nenv; i++) {
    const char *var = config->env[i];
    const char *eq = strchr(var, '=');
    size_t key_len = eq ? (size_t)(eq - var) : strlen(var);
    cm_val pair = cm_val_seq(cx->arena, 2);
    pair.u.seq.items[0] = str(var, key_len);
    pair.u.seq.items[1] = eq ? str(eq + 1, strlen(eq + 1)) : str("", 0);
    result->u.seq.items[i] = pair;
  }
  return NULL;
}

wasm_trap *wasi_cli_get_arguments(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  const wasi_p2_config *config = wasi_p2_ctx_config(call->state);
  *result = cm_val_seq(cx->arena, (uint32_t)config->nargs);
  for (size_t i = 0; i < config->nargs; i++) result->u.seq.items[i] = str(config->args[i], strlen(config->args[i]));
  return NULL;
}

wasm_trap *wasi_cli_initial_cwd(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  const char *cwd = wasi_p2_ctx_config(call->state)->initial_cwd;
  if (!cwd) {
    *result = wasi_none();
    return NULL;
  }
  cm_val path = str(cwd, strlen(cwd));
  *result = wasi_some(cx, &path);
  return NULL;
}

static wasm_trap *exit_trap(const cm_canon_cx *cx, int code) {
  wasm_trap *trap = wasm_trap_new(cx->store, WASM_TRAP_EXIT, "exit with code %d", code);
  trap->exit_code = code;
  return trap;
}

wasm_trap *wasi_cli_exit(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(result);
  return exit_trap(call->cx, call->args[0].val.u.cs.index == 0 ? 0 : 1);
}

wasm_trap *wasi_cli_exit_with_code(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(result);
  return exit_trap(call->cx, (int)(uint8_t)call->args[0].val.u.u);
}

static wasm_trap *stdio_stream(const cm_bound_call *call, int which, cm_val *result) {
  wasi_p2_ctx *ctx = call->state;
  int fd = wasi_p2_ctx_config(ctx)->stdio[which];
  uint32_t rep;
  wasm_trap *trap = which == 0 ? wasi_fd_input_add(ctx, fd, &rep)
                                : wasi_fd_output_add(ctx, fd, wasi_p2_stdio_prefix(ctx, which), &rep);
  if (!trap) *result = cm_val_handle(rep);
  return trap;
}

static wasm_trap *get_stdin(const cm_bound_call *call, cm_val *result) {
  return stdio_stream(call, 0, result);
}

static wasm_trap *get_stdout(const cm_bound_call *call, cm_val *result) {
  return stdio_stream(call, 1, result);
}

static wasm_trap *get_stderr(const cm_bound_call *call, cm_val *result) {
  return stdio_stream(call, 2, result);
}

/* Warren never offers a terminal, so no terminal-input / terminal-output object exists. */
wasm_trap *wasi_cli_no_terminal(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(call);
  *result = wasi_none();
  return NULL;
}

/* Never stored in a table (no terminal is handed out); a drop of one is a forged rep. */
static const wasi_kind terminal_kind = {"terminal", NULL};

bool wasi_p2_define_cli(cm_host *host, wr_error *err) {
  static const cm_host_binding environment_funcs[] = {
      {"get-environment", wasi_cli_get_environment, {NULL}},
      {"get-arguments", wasi_cli_get_arguments, {NULL}},
      {"initial-cwd", wasi_cli_initial_cwd, {NULL}},
  };
  static const cm_host_binding exit_funcs[] = {
      {"exit", wasi_cli_exit, {NULL}},
      {"exit-with-code", wasi_cli_exit_with_code, {NULL}},
  };
  static const struct {
    const char *interface, *func;
    cm_host_fn fn;
  } single[] = {
      {WASI_IFACE("cli/stdin"), "get-stdin", get_stdin},
      {WASI_IFACE("cli/stdout"), "get-stdout", get_stdout},
      {WASI_IFACE("cli/stderr"), "get-stderr", get_stderr},
      {WASI_IFACE("cli/terminal-stdin"), "get-terminal-stdin", wasi_cli_no_terminal},
      {WASI_IFACE("cli/terminal-stdout"), "get-terminal-stdout", wasi_cli_no_terminal},
      {WASI_IFACE("cli/terminal-stderr"), "get-terminal-stderr", wasi_cli_no_terminal},
  };
  if (!wasi_add_wit(host, "cli", err) ||
      !wasi_bind_funcs(host, WASI_IFACE("cli/environment"), environment_funcs, WR_ARRAY_LEN(environment_funcs),
                         err) ||
      !wasi_bind_funcs(host, WASI_IFACE("cli/exit"), exit_funcs, WR_ARRAY_LEN(exit_funcs), err))
    return false;
  for (size_t i = 0; i < WR_ARRAY_LEN(single); i++) {
    cm_host_binding def = {single[i].func, single[i].fn, {NULL}};
    if (!wasi_bind_funcs(host, single[i].interface, &def, 1, err)) return false;
  }
  return wasi_define_resource(host, WASI_IFACE("cli/terminal-input"), "terminal-input", &terminal_kind, err) &&
         wasi_define_resource(host, WASI_IFACE("cli/terminal-output"), "terminal-output", &terminal_kind, err);
}
