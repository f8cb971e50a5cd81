/* Requests to a wasi:http/handler@0.3.x guest (wasi/http_p3.h) on an instance they share: each
 * request runs in its own task on the worker; the request and its streamed body go in, handle
 * runs as a component-model task, the response head goes out at task.return, its body is read
 * from the guest only as fast as the connection takes it, then its trailers, and the
 * transmission result goes back into the guest's future. The instance is driven (reactor
 * wakeups, bodies, cm_instance_run) by whichever of its requests' tasks finds nobody inside; its
 * notify hook, the connections' callbacks and the reactor's wakeups only wake tasks.
 *
 * A trap or a guest error before the head: 500. A trap while the body streams: the connection
 * is cut (the client sees an incomplete response). A trap fails every request on the instance. */
#ifndef WARREN_SERVE_REQUEST_P3_H
#define WARREN_SERVE_REQUEST_P3_H

#include "component/instance.h"
#include "serve/http_server.h"
#include "serve/serve_reactor.h"
#include "wasi/http.h"

typedef struct p3_request p3_request;

/* A p3 instance as its requests share it: one reactor and one notify hook for the instance;
 * whichever request's task finds nobody inside drives it for all (runs the reactor's due
 * wakeups, feeds request bodies, reads response bodies, runs the guest's ready threads), so
 * the instance is entered from one task at a time and a guest preempted mid-way is never
 * touched. */
typedef struct serve_p3_instance {
  cm_component_instance *instance;
  const cm_func *handle;  /* wasi:http/handler@0.3.x#handle */
  wasi_p2_ctx *p2;
  wasi_http_ctx *http;
  void *loop;             /* the worker's h2o_evloop_t */
  /* serve_p3_instance_init sets up the rest */
  serve_reactor reactor;
  p3_request *requests;   /* live requests */
  unsigned waiting;       /* requests waiting to enter while another drives */
  bool driving;           /* a request's task is inside the instance */
  bool trapped;           /* the instance trapped: every request on it ends with `trap` */
  wasm_trap *trap;        /* the store's */
  void (*on_ready)(void *arg); /* serve_p3_instance_ready may have turned true */
  void *ready_arg;
} serve_p3_instance;

/* Fill in the first five fields first. Installs the instance's reactor and notify hook. */
void serve_p3_instance_init(serve_p3_instance *si, void (*on_ready)(void *arg), void *ready_arg);
/* Once no request is left, after the instance and its ctx are freed (their waits cancel their
 * wakeups on the reactor). */
void serve_p3_instance_dispose(serve_p3_instance *si);
/* Whether a new request may start on it now: not trapped, nobody inside (no guest code running
 * or preempted), no guest backpressure and nobody waiting to enter. */
bool serve_p3_instance_ready(const serve_p3_instance *si);

/* Answers *ex (taken over: ended or aborted by the time this returns) with the guest, on an
 * instance other requests may share. *ex is set to NULL as soon as the exchange is given up (the
 * guest's task may run on after its response), so that the caller's loop may check the client
 * (httpd_exchange_check_client) while it is not NULL. on_responded(arg) runs when the response
 * head goes out. *withdrawn (see serve_p3_handling): *ex is untouched and the caller's to answer
 * or send elsewhere; the trap, if any, is the instance's. Call from inside a task (wr_task) of the worker. Returns once the guest's task
 * is over and the response is finished, or a trap: the guest trapped (the instance must not
 * serve again; *neighbour_trapped when it was not this request's pass that trapped), or the
 * task was cancelled (wr_task_cancel: timeout, client gone, shutdown): the guest's task is
 * asked to cancel and abandoned. */
typedef struct serve_p3_handling {
  void (*on_responded)(void *arg); /* the response head went out */
  void *responded_arg;
  /* The request may be handed back untouched (*withdrawn) when the guest never saw it: the
   * instance trapped before its task started, or the task would wait to enter (guest
   * backpressure raised after the request was granted). */
  bool may_withdraw;
} serve_p3_handling;

wasm_trap *serve_p3_handle(serve_p3_instance *si, httpd_exchange **ex, const serve_p3_handling *how,
                           bool *neighbour_trapped, bool *withdrawn);

/* Runs `func` (an export of type `async func()`: warren:lifecycle teardown or idle) to its end
 * as a task of the instance, driven like a request from the calling task. A trap, a cancelled
 * calling task, or a deadlock (the guest waits for nothing that can happen) ends it. */
wasm_trap *serve_p3_call(serve_p3_instance *si, const cm_func *func);

/* A drained instance's wind-down, before its teardown hook: the tasks of requests given up while
 * they ran (timeout, client gone; asked to cancel, they may go on) are driven from the calling
 * task until they exit. Ends early as serve_p3_call does; the caller bounds it (--drain-timeout). */
wasm_trap *serve_p3_wind_down(serve_p3_instance *si);

#endif
