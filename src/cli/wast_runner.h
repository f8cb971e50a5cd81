/* Runs a spec test script converted by `wast2json`: every command, counted as wabt's
 * spectest-interp counts them (every command but `register`, modules included), so totals
 * compare with the spec suite's expected pass counts. */
#ifndef WARREN_CLI_WAST_RUNNER_H
#define WARREN_CLI_WAST_RUNNER_H

#include <stdarg.h>

#include "base/json.h"
#include "wasm/runtime.h"

typedef struct wast_options {
  wasm_features features;
  bool verbose; /* print every command's outcome, and notes on loosely-passed assertions */
  /* Also require the right failure category and message: malformed vs invalid, link error
   * vs trap, the expected trap / error text. wabt does not check these, so by default
   * neither do we (the counts would not compare). */
  bool strict;
} wast_options;

typedef struct wast_counts {
  unsigned passed, failed;
} wast_counts;

/* Run the script at `json_path`, printing each failure as "FILE:LINE: ..." on stdout.
 * Returns false with err set if the script itself cannot be read or is not a wast2json
 * script (then `counts` holds what ran before). */
bool wast_run_file(const char *json_path, const wast_options *options, wast_counts *counts, wr_error *err);

/* One line of a runner's report: "SOURCE:LINE: LABELmessage". */
void wast_vreport(const char *source, unsigned line, const char *label, const char *fmt, va_list ap);
/* A trap's message, or its kind's spec text when it has none. */
const char *wast_trap_text(const wasm_trap *trap);

/* A script converted from .wast (wast2json's, or the component runner's): the parsed JSON, its
 * "commands", the .wast it came from (for messages) and the folder holding its module files. */
typedef struct wast_script {
  json_value *json;
  const json_value *commands;
  const char *source;
  char *dir;
} wast_script;

/* Reads and parses `json_path`; false + err naming the file when it cannot be read or parsed or
 * has no "commands" array (`what` names the kind of script expected). */
bool wast_script_open(const char *json_path, const char *what, wast_script *out, wr_error *err);
void wast_script_close(wast_script *script);

#endif
