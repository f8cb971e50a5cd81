/* Runs a component-model test script (the WebAssembly/component-model suite's .wast dialect,
 * converted by tests/component_suite/wast2json.mjs into JSON + one .wasm per component).
 *
 * Commands: `component` (load and instantiate; it becomes the current instance, named if it
 * has a name), `component_definition` (load only), `component_instance` (instantiate a
 * definition), `action` / `assert_return` / `assert_trap` (invoke an export of the named or
 * current instance, arguments and expected results in WAVE text read against the function's
 * types), `assert_invalid` / `assert_malformed` (loading fails), `assert_unlinkable`
 * (instantiating fails without a trap), `assert_uninstantiable` (instantiating traps), and
 * `skip` (a command the converter could not express). Instances live until the script ends,
 * so assertions share them as the suite expects. */
#ifndef WARREN_CLI_WAST_COMPONENT_H
#define WARREN_CLI_WAST_COMPONENT_H

#include "wast_runner.h"

typedef struct wast_component_counts {
  unsigned passed, failed;
  unsigned skipped; /* commands the converter could not encode, and those that depend on them */
} wast_component_counts;

/* Runs the script at `json_path`, printing each failure as "FILE:LINE: ..." and each skipped
 * command as "FILE:LINE: skipped: ..." on stdout. A trap message matches when it contains the
 * expected text (a leading "wasm trap: ", wasmtime's prefix, is ignored). false with err set
 * when the script cannot be read. */
bool wast_component_run_file(const char *json_path, const wast_options *options, wast_component_counts *counts,
                             wr_error *err);

#endif
