/* Registering the WASI 0.3 hosts: their WIT in dependency order (http and filesystem `use`
 * clocks), then each interface's implementation. */
#include "p3.h"

#include "http_p3.h"
#include "p3_internal.h"
#include "p3_task.h"

static bool add_p3_wit(cm_host *host, wr_error *err) {
  static const char *const files[] = {"p3-clocks", "p3-random", "p3-filesystem", "p3-sockets", "p3-cli", "p3-http"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    if (!wasi_add_wit(host, files[i], err)) return false;
  return true;
}

bool wasi_p3_define(cm_host *host, wr_error *err) {
  return add_p3_wit(host, err) && wasi_p3_define_sockets(host, err) && wasi_p3_define_filesystem(host, err) &&
         wasi_http_p3_define(host, err) && wasi_p3_define_clocks(host, err) && wasi_p3_define_random(host, err) &&
         wasi_p3_define_cli(host, err) && wasi_p3_define_rc_aliases(host, err);
}
