/* The WASI 0.3 release candidates guests were built against (wasmtime 41-44, wit-bindgen and
 * componentize tools of early 2026 import these names) bind to Warren's 0.3.0 where their WIT is
 * 0.3.0's. Checked against WebAssembly/WASI's tags: v0.3.0-rc-2026-03-15 and
 * v0.3.0-rc-2026-02-09 (proposals/<package>/wit-0.3.0-draft) against v0.3.0
 * (proposals/<package>/wit), file by file, comments and @since gates aside:
 *   - cli, clocks: the same in both (exit-with-code is @unstable in both candidates: the same
 *     function, only gated);
 *   - random: the same in 2026-03-15; in 2026-02-09 get-random-bytes and
 *     get-insecure-random-bytes take `len`, an exact count, not `max-len` (a function type
 *     names its parameters, so those two interfaces would not match an alias): they are declared
 *     from their own WIT instead (wit/p3-random-rc-2026-02-09.wit, p3_random.c).
 *   - http, filesystem, sockets: the same in 2026-03-15; in 2026-02-09 http's error-code lacks
 *     size-exceeded and other, filesystem's descriptor-type and error-code and the sockets'
 *     error-codes are enums (with `unknown`) where 0.3.0 has variants with other(option<string>):
 *     a different ABI, so 2026-02-09 gets none of them (handler, client and preopens use those
 *     types). Their aliases share the implementations whenever those hosts define them. */
#include <stdio.h>

#include "p3_internal.h"

const char *const wasi_p3_rc_versions[] = {WASI_P3_RC_MARCH, WASI_P3_RC_FEBRUARY};
const size_t wasi_p3_rc_version_count = WR_ARRAY_LEN(wasi_p3_rc_versions);

/* interfaces whose WIT is 0.3.0's in every candidate above */
static const char *const same_everywhere[] = {
    "cli/environment",     "cli/exit",            "cli/types",
    "cli/stdin",           "cli/stdout",          "cli/stderr",        "cli/terminal-input",
    "cli/terminal-output", "cli/terminal-stdin",  "cli/terminal-stdout", "cli/terminal-stderr",
    "clocks/types",        "clocks/monotonic-clock", "clocks/system-clock", "random/insecure-seed",
};

/* interfaces whose WIT is 0.3.0's in 2026-03-15 only */
static const char *const same_in_march[] = {
    "random/random", "random/insecure", "http/types",   "http/handler",       "http/client",
    "filesystem/types", "filesystem/preopens", "sockets/types", "sockets/ip-name-lookup",
};

static bool alias(cm_host *host, const char *iface, const char *version, wr_error *err) {
  char name[128];
  snprintf(name, sizeof name, "wasi:%s@%s", iface, WASI_P3_VERSION);
  return cm_host_alias_version(host, name, version, err);
}

bool wasi_p3_define_rc_aliases(cm_host *host, wr_error *err) {
  for (size_t v = 0; v < wasi_p3_rc_version_count; v++)
    for (size_t i = 0; i < WR_ARRAY_LEN(same_everywhere); i++)
      if (!alias(host, same_everywhere[i], wasi_p3_rc_versions[v], err)) return false;
  for (size_t i = 0; i < WR_ARRAY_LEN(same_in_march); i++)
    if (!alias(host, same_in_march[i], wasi_p3_rc_versions[0], err)) return false;
  return true;
}
