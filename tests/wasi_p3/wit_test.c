/* wasi_p3_define: Warren's copy of the WASI 0.3.0 WIT (src/wasi/wit/p3-*.wit) parses, in dependency order,
 * and declares what the 0.3 hosts implement: spot checks of async functions and stream types. */
#include "../check.h"
#include "component/host.h"
#include "wasi/p3.h"

int main(void) {
  cm_host *host = cm_host_new();
  wr_error err = {0};
  bool ok = wasi_p3_define(host, &err);
  if (!ok) fprintf(stderr, "%s\n", err.message);
  CHECK(ok);
  const cm_functype *wait_for = cm_host_func_type(host, "wasi:clocks/monotonic-clock@0.3.0", "wait-for");
  CHECK(wait_for && wait_for->async);
  const cm_functype *handle = cm_host_func_type(host, "wasi:http/handler@0.3.0", "handle");
  CHECK(handle && handle->async);
  const cm_functype *run = cm_host_func_type(host, "wasi:cli/run@0.3.0", "run");
  CHECK(run && run->async);
  CHECK(cm_host_func_type(host, "wasi:cli/stdout@0.3.0", "write-via-stream") != NULL);
  CHECK(cm_host_resource(host, "wasi:http/types@0.3.0", "fields") != NULL);
  CHECK(cm_host_resource(host, "wasi:sockets/types@0.3.0", "tcp-socket") != NULL);
  cm_host_free(host);
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
