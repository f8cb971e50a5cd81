/* One request to a wasi:http/handler@0.3.x guest (wasi/http_p3.h), run inside the request's
 * task on the worker: the request and its streamed body go in, handle runs as a component-model
 * task, the response head goes out at task.return, its body is read from the guest only as
 * fast as the connection takes it, then its trailers, and the transmission result goes back
 * into the guest's future. The instance is driven (cm_instance_run) from this task only: its
 * notify hook, the connection's callbacks and the reactor's wakeups just wake the task.
 *
 * A trap or a guest error before the head: 500. A trap while the body streams: the connection
 * is cut (the client sees an incomplete response). */
#ifndef WARREN_SERVE_REQUEST_P3_H
#define WARREN_SERVE_REQUEST_P3_H

#include "component/instance.h"
#include "serve/http_server.h"
#include "wasi/http.h"

typedef struct serve_p3_instance {
  cm_component_instance *instance;
  const cm_func *handle;  /* wasi:http/handler@0.3.x#handle */
  wasi_p2_ctx *p2;
  wasi_http_ctx *http;
  void *loop;             /* the worker's h2o_evloop_t */
} serve_p3_instance;

/* Answers *ex (taken over: ended or aborted by the time this returns) with the guest. *ex is
 * set to NULL as soon as the exchange is given up (the guest's task may run on after its
 * response), so that the caller's loop may check the client (httpd_exchange_check_client)
 * while it is not NULL. Call from inside a task (wr_task) of the worker. Returns once the
 * guest's task is over and the response is finished, or a trap: the guest trapped, or the task
 * was cancelled (wr_task_cancel: timeout, client gone, shutdown) — then the instance must not
 * serve again. */
wasm_trap *serve_p3_handle(const serve_p3_instance *si, httpd_exchange **ex);

#endif
