/* Requests to a p3 guest sharing one instance, each driven from its own task. See request_p3.h. */
#include "serve/request_p3.h"

#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "base/sched.h"
#include "component/task.h"
#include "serve/http_streams.h"
#include "serve/serve_reactor.h"
#include "serve/server_internal.h"
#include "wasi/http_p3.h"

/* The most of the response body read from the guest at once. */
#define RESPONSE_CHUNK (64u * 1024)

typedef struct p3_body_source p3_body_source;

struct p3_request {
  serve_p3_instance *si;
  p3_request *prev, *next;     /* the instance's live requests */
  wr_task *task;
  httpd_exchange *ex;          /* NULL once the response was ended or aborted */
  httpd_exchange **live;       /* the caller's copy of ex */
  void (*on_responded)(void *arg);
  void *responded_arg;
  bool kicked;                 /* something happened since the task last looked */
  wasi_http_p3_call *call;
  p3_body_source *body;        /* the request body's source, while Warren holds it */
  wasi_http_p3_response *resp; /* the guest's response, until finished */
  bool answered;               /* a response (or a 500) was started */
  bool reading;                /* a read of the response body is in progress */
  bool exited;                 /* the guest's task is over */
};

/* The request body's source: it lives until Warren releases it (maybe with the ctx, after the
 * request), so it points at the request only while the request lives. */
struct p3_body_source {
  p3_request *req; /* NULL once the request is over */
  wasi_http_p3_feed *feed;
  bool started, ready;
};

static void kick(void *arg) {
  p3_request *req = arg;
  req->kicked = true;
  wr_task_wake(req->task);
}

/* The instance's live requests, which its changes wake. */
static void link_request(p3_request *req) {
  serve_p3_instance *si = req->si;
  req->prev = NULL;
  req->next = si->requests;
  if (si->requests) si->requests->prev = req;
  si->requests = req;
}

static void unlink_request(p3_request *req) {
  if (req->prev) req->prev->next = req->next;
  else req->si->requests = req->next;
  if (req->next) req->next->prev = req->prev;
}

/* Something of the instance changed (its threads may run, a wakeup fired, the driver let go):
 * every request on it looks again. */
static void kick_all(void *arg) {
  serve_p3_instance *si = arg;
  for (p3_request *r = si->requests; r; r = r->next) kick(r);
}

/* ---- the request body ---- */

static void on_body_ready(void *arg) {
  p3_body_source *b = arg;
  b->ready = true;
  if (b->req) kick(b->req);
}

static void body_start(void *env, wasi_http_p3_feed *feed) {
  p3_body_source *b = env;
  b->feed = feed;
  b->started = true;
  if (b->req && b->req->ex) {
    httpd_body_want(b->req->ex); /* a client waiting for 100-continue gets it now */
    httpd_body_on_ready(b->req->ex, on_body_ready, b);
  }
}

static wasi_http_p3_body_status body_read(void *env, uint8_t *buf, size_t cap, size_t *n, wasi_http_error_code *err) {
  p3_body_source *b = env;
  *n = 0;
  if (!b->req || !b->req->ex) {
    *err = wasi_http_internal_error("the request body cannot be read after the response was sent");
    return WASI_HTTP_P3_BODY_ERROR;
  }
  switch (httpd_body_read(b->req->ex, buf, cap, n)) {
  case HTTPD_BODY_DATA: return WASI_HTTP_P3_BODY_DATA;
  case HTTPD_BODY_WAIT: return WASI_HTTP_P3_BODY_WAIT;
  case HTTPD_BODY_END: return WASI_HTTP_P3_BODY_END;
  case HTTPD_BODY_ERROR: break;
  }
  *err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
  return WASI_HTTP_P3_BODY_ERROR;
}

static void body_release(void *env) {
  p3_body_source *b = env;
  if (b->req) {
    if (b->req->ex) httpd_body_on_ready(b->req->ex, NULL, NULL);
    b->req->body = NULL;
  }
  wr_free(b);
}

/* The request's trailers (a chunked body's, once read to its end). */
static bool body_trailer(void *env, size_t i, wasi_http_header *out) {
  p3_body_source *b = env;
  httpd_header h;
  if (!b->req || !b->req->ex || !httpd_body_trailer(b->req->ex, i, &h)) return false;
  *out = (wasi_http_header){h.name, h.name_len, (const uint8_t *)h.value, h.value_len};
  return true;
}

static const wasi_http_p3_body_source body_source = {body_start, body_read, body_release, body_trailer};

/* ---- the response ---- */

/* The exchange was ended or aborted: it must not be touched again, here or by the caller. */
static void gave_up(p3_request *req) {
  req->ex = NULL;
  *req->live = NULL;
}

/* Gives up the exchange: a response not started becomes a 500, a started one is cut. */
static void abort_exchange(p3_request *req) {
  if (!req->ex) return;
  httpd_response_on_writable(req->ex, NULL, NULL);
  httpd_response_abort(req->ex);
  gave_up(req);
}

static void finish_response(p3_request *req, const wasi_http_error_code *err) {
  if (!req->resp) return;
  wasi_http_p3_response *resp = req->resp;
  req->resp = NULL;
  req->reading = false;
  wasi_http_p3_response_finish(resp, err);
}

static void on_data(void *env, const uint8_t *bytes, size_t n) {
  p3_request *req = env;
  req->reading = false;
  if (req->ex && !httpd_response_write(req->ex, bytes, n)) {
    /* more than its content-length, or the client went away */
    wasi_http_error_code err = wasi_http_error(WASI_HTTP_ERR_HTTP_RESPONSE_BODY_SIZE);
    bool gone = httpd_exchange_failed(req->ex);
    if (gone) err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
    abort_exchange(req);
    finish_response(req, &err);
  }
  kick(req);
}

static void on_end(void *env, const wasi_http_fields *trailers, const wasi_http_error_code *err) {
  p3_request *req = env;
  req->reading = false;
  if (err) {
    WR_WARN("serve: the guest's response body failed: %s", wasi_http_error_name(err->code));
    abort_exchange(req);
    wasi_http_error_code ours = wasi_http_error(WASI_HTTP_ERR_HTTP_RESPONSE_INCOMPLETE);
    finish_response(req, &ours);
    return;
  }
  if (req->ex) {
    size_t n = 0;
    httpd_header *fields = serve_http_headers_of(trailers, &n, NULL);
    httpd_response_on_writable(req->ex, NULL, NULL);
    httpd_response_end_with_trailers(req->ex, fields, n);
    wr_free(fields);
    gave_up(req);
  }
  finish_response(req, NULL);
}

static const wasi_http_p3_body_reader body_reader = {on_data, on_end};

static void on_writable(void *arg) { kick(arg); }

static void on_response(void *env, wasi_http_p3_response *resp) {
  p3_request *req = env;
  req->answered = true;
  req->resp = resp;
  if (!req->ex) return; /* the client went away: reading will report it */
  size_t n = 0;
  int64_t length = -1;
  httpd_header *headers = serve_http_headers_of(wasi_http_p3_response_headers(resp), &n, &length);
  if (!wasi_http_p3_response_has_body(resp)) length = 0;
  httpd_response_start(req->ex, wasi_http_p3_response_status(resp), headers, n, length);
  httpd_response_on_writable(req->ex, on_writable, req);
  wr_free(headers);
  if (req->on_responded) req->on_responded(req->responded_arg);
  kick(req); /* its task starts reading the body */
}

static void on_error(void *env, const wasi_http_error_code *code) {
  p3_request *req = env;
  if (code) WR_WARN("serve: the guest answered with error-code %s", wasi_http_error_name(code->code));
  if (req->answered) return;
  req->answered = true;
  abort_exchange(req); /* not started: 500 */
}

static void on_guest_exit(void *env) {
  p3_request *req = env;
  req->exited = true;
  kick(req);
}

static const wasi_http_p3_responder responder = {on_response, on_error, on_guest_exit};

/* Reads the response body while the connection takes more. */
static wasm_trap *pump_response(p3_request *req) {
  while (req->resp && !req->reading) {
    if (!req->ex || httpd_exchange_failed(req->ex)) {
      wasi_http_error_code err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
      abort_exchange(req);
      finish_response(req, &err);
      return NULL;
    }
    size_t room = httpd_response_capacity(req->ex);
    if (room == 0) return NULL; /* on_writable kicks */
    req->reading = true;
    wasm_trap *trap = wasi_http_p3_response_read(req->resp, WR_MIN(room, (size_t)RESPONSE_CHUNK), &body_reader, req);
    if (trap) return trap;
  }
  return NULL;
}

/* ---- the request ---- */

static wasm_trap *make_request(p3_request *req, uint32_t *rep) {
  const httpd_request *r = httpd_exchange_request(req->ex);
  serve_http_request_head h;
  serve_http_request_head_of(r, &h);
  p3_body_source *b = NULL;
  if (r->has_body) {
    b = req->body = WR_NEW(p3_body_source);
    b->req = req;
  }
  wasm_trap *trap = wasi_http_p3_request_new(req->si->http, &h.head, b ? &body_source : NULL, b, rep);
  serve_http_request_head_free(&h);
  return trap;
}

static void leave_instance(serve_p3_instance *si, p3_request *self, wasm_trap *trap, bool progressed);
static wasm_trap *drive(serve_p3_instance *si, bool *progressed);

/* The request is given up while its guest task runs: task.cancel reaches the guest (it may run
 * it at once: a callback gets TASK_CANCELLED), from inside the instance like any other entry.
 * The request does not wait for the task to exit. */
static void cancel_guest_task(p3_request *req) {
  serve_p3_instance *si = req->si;
  if (!wasi_http_p3_call_task(req->call) || si->trapped) return;
  while (si->driving) { /* a preempted driver comes back: wait for it even when cancelled */
    si->waiting++;
    wr_task_suspend();
    si->waiting--;
  }
  /* the driver may have run the task to its exit meanwhile, which frees it: look again */
  cm_task *task = wasi_http_p3_call_task(req->call);
  if (!task || si->trapped) return;
  si->driving = true;
  wasm_trap *trap = cm_task_request_cancellation(task, NULL);
  bool progressed = false;
  if (!trap) trap = drive(si, &progressed); /* it may wind down at once: no request may drive it later */
  leave_instance(si, req, trap, true);
}

/* A response the guest handed over and Warren did not finish sending is cut. */
static void drop_response(p3_request *req) {
  if (!req->resp) return;
  wasi_http_error_code err = wasi_http_error(WASI_HTTP_ERR_CONNECTION_TERMINATED);
  abort_exchange(req);
  finish_response(req, &err);
}

/* Whatever the guest did not finish is cut; what the request lent out forgets it. A guest task
 * still running (the request was cancelled: timeout, client gone) is asked to cancel. */
static void request_cleanup(p3_request *req) {
  drop_response(req);
  abort_exchange(req); /* a response not started is a 500: the guest's task cannot answer from here */
  if (req->call) {
    if (!req->exited) {
      cancel_guest_task(req);
      drop_response(req); /* an answer it gives as it winds down has nobody to go to */
    }
    wasi_http_p3_call_free(req->call);
    req->call = NULL;
  }
  if (req->body) {
    req->body->req = NULL; /* released later, with the ctx */
    req->body = NULL;
  }
  unlink_request(req);
}

/* ---- the instance ---- */

void serve_p3_instance_init(serve_p3_instance *si, void (*on_ready)(void *arg), void *ready_arg) {
  si->requests = NULL;
  si->waiting = 0;
  si->driving = si->trapped = false;
  si->trap = NULL;
  si->on_ready = on_ready;
  si->ready_arg = ready_arg;
  serve_reactor_init(&si->reactor, si->loop, kick_all, si);
  wasi_p2_set_reactor(si->p2, &si->reactor.base);
  cm_instance_set_notify(si->instance, kick_all, si);
}

void serve_p3_instance_dispose(serve_p3_instance *si) { serve_reactor_dispose(&si->reactor); }

bool serve_p3_instance_ready(const serve_p3_instance *si) {
  /* a driver inside the instance runs guest code (maybe preempted mid-way): not a moment to add
   * a task; nor while the guest applies backpressure or someone waits to enter */
  return !si->trapped && !si->driving && cm_instance_ready(si->instance);
}

/* The work of one pass over the instance, done by whichever request's task gets there first
 * while no other is inside: run the reactor's due wakeups, feed every request body that has
 * more, read every response body the connection has room for, then the guest's ready threads.
 * A trap poisons the instance for every request on it. */
static wasm_trap *drive(serve_p3_instance *si, bool *progressed) {
  *progressed = serve_reactor_run_due(&si->reactor) > 0;
  wasm_trap *trap = NULL;
  for (p3_request *r = si->requests; r && !trap; r = r->next) {
    if (r->body && r->body->feed && r->body->ready) {
      r->body->ready = false;
      wasi_http_p3_body_ready(r->body->feed);
      *progressed = true;
    }
    trap = pump_response(r);
  }
  bool ran = false;
  if (!trap) trap = cm_instance_run(si->instance, &ran);
  *progressed |= ran;
  return trap;
}

/* Enters the instance as its driver: waits while another request's task is inside. false when
 * this request's task was cancelled or the instance trapped meanwhile. */
static bool enter_instance(p3_request *req) {
  serve_p3_instance *si = req->si;
  /* si->trapped: another task's pass trapped since this request was granted, maybe while it waited */
  while (si->driving || si->trapped) {
    if (si->trapped || wr_task_cancelled(req->task)) return false;
    req->kicked = false;
    si->waiting++;
    wr_task_suspend();
    si->waiting--;
  }
  si->driving = true;
  return true;
}

/* The driver `self` is done with a pass. The others look again when it may concern them: a
 * trap, a pass that ran something, or one of them waiting to get in (callbacks of their own
 * kick them directly). Not after an idle pass, or two idle requests would wake each other
 * forever. */
static void leave_instance(serve_p3_instance *si, p3_request *self, wasm_trap *trap, bool progressed) {
  si->driving = false;
  if (trap && !si->trapped) {
    si->trapped = true;
    si->trap = trap;
  }
  if (trap || progressed || si->waiting)
    for (p3_request *r = si->requests; r; r = r->next)
      if (r != self) kick(r);
  if (si->on_ready && serve_p3_instance_ready(si)) si->on_ready(si->ready_arg);
}

/* One turn of a request's (or hook call's) loop: a trap when the instance trapped (in another's
 * pass: *neighbour) or this task was cancelled; otherwise, if nobody is inside, a pass over the
 * instance (*progressed when it ran anything). */
static wasm_trap *take_turn(p3_request *req, bool *progressed, bool *neighbour) {
  serve_p3_instance *si = req->si;
  if (si->trapped) {
    *neighbour = true;
    return si->trap;
  }
  if (wr_task_cancelled(req->task))
    return wasm_trap_new(cm_instance_store(si->instance), WASM_TRAP_INTERRUPTED, "the request was cancelled");
  req->kicked = false;
  if (si->driving) return NULL;
  si->driving = true;
  wasm_trap *trap = drive(si, progressed);
  leave_instance(si, req, trap, *progressed);
  return trap;
}

/* The guest never saw the request: its exchange goes back to the caller untouched (*req->live
 * keeps it). `inside`: the caller is the instance's driver and it is not poisoned, so a task
 * waiting to enter can be cancelled. */
static wasm_trap *withdraw(p3_request *req, bool inside) {
  wasm_trap *trap = NULL;
  req->ex = NULL; /* from here nothing of this request touches the exchange */
  if (req->call) {
    trap = wasi_http_p3_call_withdraw(req->call, inside); /* releases the body source */
    wasi_http_p3_call_free(req->call);
    req->call = NULL;
  }
  if (req->body) { /* not reached by the guest's request: released with the ctx */
    req->body->req = NULL;
    req->body = NULL;
  }
  unlink_request(req);
  return trap;
}

wasm_trap *serve_p3_handle(serve_p3_instance *si, httpd_exchange **ex, const serve_p3_handling *how,
                           bool *neighbour_trapped, bool *withdrawn) {
  p3_request req = {.si = si, .task = wr_task_current(), .ex = *ex, .live = ex, .on_responded = how->on_responded,
                    .responded_arg = how->responded_arg};
  *neighbour_trapped = *withdrawn = false;
  link_request(&req);
  wasm_store *store = cm_instance_store(si->instance);
  wasm_trap *trap = NULL;
  if (!enter_instance(&req)) {
    trap = si->trapped ? si->trap : wasm_trap_new(store, WASM_TRAP_INTERRUPTED, "the request was cancelled");
    *neighbour_trapped = si->trapped;
    if (si->trapped && how->may_withdraw) {
      *withdrawn = true;
      withdraw(&req, false);
      return trap;
    }
    request_cleanup(&req);
    return trap;
  }
  uint32_t rep = 0;
  trap = make_request(&req, &rep);
  if (!trap) trap = wasi_http_p3_handle_start(si->http, si->instance, si->handle, rep, &responder, &req, &req.call);
  if (!trap && how->may_withdraw && wasi_http_p3_call_unstarted(req.call)) {
    /* granted just before the guest turned backpressure on (or behind others waiting to enter):
     * rather than wait here, the request goes back to the pool, which sends it to a ready
     * instance or queues it until one is */
    trap = withdraw(&req, true);
    leave_instance(si, &req, trap, true);
    *withdrawn = true;
    return trap;
  }
  leave_instance(si, &req, trap, true);
  while (!trap) {
    bool progressed = false;
    if ((trap = take_turn(&req, &progressed, neighbour_trapped))) {
      if (*neighbour_trapped && how->may_withdraw && wasi_http_p3_call_unstarted(req.call)) {
        *withdrawn = true;
        withdraw(&req, false);
        return trap;
      }
      break;
    }
    if (req.exited && !req.resp) break; /* answered, body done, task over */
    if (progressed || req.kicked) continue;
    if (req.exited && !si->driving && !serve_reactor_pending(&si->reactor)) {
      /* the task is over and nothing of the guest can run: its body will never end */
      trap = wasm_trap_new(store, WASM_TRAP_HOST, "the guest's task ended with its response body unfinished");
      break;
    }
    wr_task_suspend();
  }
  request_cleanup(&req);
  return trap;
}

/* ---- the instance's own calls (teardown, idle) ---- */

static void hook_resolved(void *arg, const cm_val *result) {
  WR_UNUSED(result);
  kick(arg);
}

static void hook_exited(void *arg) {
  p3_request *req = arg;
  req->exited = true;
  kick(req);
}

static bool call_over(const p3_request *req) { return req->exited; }
static bool no_orphans(const p3_request *req) { return wasi_http_p3_orphans(req->si->http) == 0; }

/* Drives the instance from the calling task (req is linked to it) until done(req): a trap, a
 * cancelled calling task, or a deadlock (nothing the guest waits for can happen) ends it first. */
static wasm_trap *drive_until(p3_request *req, bool (*done)(const p3_request *req), const char *deadlock) {
  serve_p3_instance *si = req->si;
  wasm_trap *trap = NULL;
  while (!done(req)) {
    bool progressed = false, trapped_elsewhere = false;
    if ((trap = take_turn(req, &progressed, &trapped_elsewhere)) || done(req)) break;
    if (progressed || req->kicked) continue;
    if (!si->driving && si->requests == req && !req->next && !serve_reactor_pending(&si->reactor)) {
      trap = wasm_trap_new(cm_instance_store(si->instance), WASM_TRAP_HOST, "%s", deadlock);
      break;
    }
    wr_task_suspend();
  }
  return trap;
}

wasm_trap *serve_p3_call(serve_p3_instance *si, const cm_func *func) {
  p3_request req = {.si = si, .task = wr_task_current()};
  link_request(&req);
  wasm_store *store = cm_instance_store(si->instance);
  wasm_trap *trap = NULL;
  cm_arena *arena = cm_arena_new();
  if (!enter_instance(&req)) {
    trap = si->trapped ? si->trap : wasm_trap_new(store, WASM_TRAP_INTERRUPTED, "the call was cancelled");
  } else {
    cm_async_call call = {.on_resolve = hook_resolved, .on_exit = hook_exited, .arg = &req, .arena = arena};
    cm_task *task = NULL;
    trap = cm_func_start(si->instance, func, &call, &task);
    leave_instance(si, &req, trap, true);
  }
  if (!trap) trap = drive_until(&req, call_over, "deadlock: the guest waits for nothing that can happen");
  unlink_request(&req);
  cm_arena_free(arena);
  return trap;
}

wasm_trap *serve_p3_wind_down(serve_p3_instance *si) {
  if (si->trapped) return NULL; /* nothing of the guest runs again */
  p3_request req = {.si = si, .task = wr_task_current()};
  link_request(&req);
  wasm_trap *trap = drive_until(&req, no_orphans, "the given-up tasks wait for nothing that can happen");
  unlink_request(&req);
  return trap;
}

/* ---- the p3 kind of request (server_internal.h) ---- */

static void request_responded(void *arg) {
  serve_request *req = arg;
  wr_pool_responded(req->worker->pool, &req->lease);
}

/* In the task: a p3 guest handles the request (request_p3.c); the exchange is its. */
static void run_p3(serve_request *req) {
  serve_instance *si = req->instance;
  /* No per-request store interrupt as for p2: the store is shared. The deadline cancels this
   * request's task (on_tick), and only a guest stuck past the grace interrupts the store. */
  req->p3_ex = req->ex;
  req->ex = NULL; /* the p3 request's from here; req->p3_ex while it holds it */
  serve_p3_handling how = {request_responded, req, req->redispatches < SERVE_MAX_REDISPATCHES};
  bool withdrawn = false;
  wasm_trap *trap = serve_p3_handle(&si->p3i, &req->p3_ex, &how, &req->neighbour_trap, &withdrawn);
  if (withdrawn) { /* untouched: request_done sends it elsewhere or answers it */
    req->withdrawn = true;
    req->ex = req->p3_ex;
    req->p3_ex = NULL;
  }
  serve_request_outcome(req, trap);
}


const serve_request_kind serve_request_p3 = {"p3", run_p3, true};
