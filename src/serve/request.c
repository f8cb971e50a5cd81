/* A request's life on a worker: it asks the pool for an instance (queued, granted, refused),
 * runs its guest call in a task (as its instance's serve_request_kind says: p2 or p3), is watched
 * per tick for its deadline and a client gone, and goes back to the pool with its outcome. */
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/log.h"
#include "serve/admin.h"
#include "serve/server_internal.h"

void serve_respond_plain(httpd_exchange *ex, int status, const char *body) {
  httpd_header type = {"content-type", 12, "text/plain; charset=utf-8", 25};
  size_t len = strlen(body);
  httpd_response_start(ex, status, &type, 1, (int64_t)len);
  httpd_response_write(ex, body, len);
  httpd_response_end(ex);
}

static void request_unlink(serve_request *req) {
  if (!req->next) return;
  req->prev->next = req->next;
  req->next->prev = req->prev;
  req->prev = req->next = NULL;
}

/* In the task: the guest handles the request, as its instance's kind says. */
static void run_request(void *arg) {
  serve_request *req = arg;
  req->instance->kind->run(req);
}

/* A request's client went away while its guest runs: nobody is left to answer, so the guest is
 * interrupted (it traps at its next check, or its next wait fails) and its instance retired. */
static void request_client_gone(serve_request *r) {
  r->client_gone = true;
  const httpd_request *head = httpd_exchange_request(r->x ? r->ex : r->p3_ex);
  /* rate-limited: a client can cause this at will */
  bool shared = r->instance->kind->shared; /* a p3 instance serves others: only this request's guest task is cancelled */
  serve_log_failure(r->instance->worker->app, "[instance %llu] client went away during %.*s %.*s: %s",
              (unsigned long long)r->instance->id, (int)head->method_len, head->method, (int)head->path_len,
              head->path, shared ? "cancelling its task" : "interrupting the guest");
  if (!shared) wasm_store_interrupt(r->instance->store);
  wr_task_cancel(r->task);
}

/* Every tick: requests past their deadline while their guest waits (a CPU-bound guest is
 * interrupted by the ticker thread instead), and requests whose client went away (seen between
 * two slices of a guest that does no I/O). */
void serve_requests_tick(serve_worker *w, uint64_t now) {
  for (serve_request *r = w->requests.next; r != &w->requests; r = r->next) {
    if (r->deadline_ns && now >= r->deadline_ns && r->task && !wr_task_cancelled(r->task)) {
      wr_task_cancel(r->task);
      if (r->instance->kind->shared) wr_pool_note_cancellation(w->pool);
    }
    if (r->instance->kind->shared && r->deadline_ns && r->task && !r->interrupted &&
        now >= r->deadline_ns + P3_CANCEL_GRACE_NS) {
      r->interrupted = true; /* its task is still inside: CPU-bound guest code */
      wasm_store_interrupt(r->instance->store);
    }
    if ((r->x || r->p3_ex) && r->task && !r->client_gone && now >= r->next_client_check_ns) {
      r->next_client_check_ns = now + CLIENT_CHECK_NS;
      bool gone = r->x ? serve_http_exchange_client_gone(r->x) : httpd_exchange_check_client(r->p3_ex);
      if (gone) request_client_gone(r);
    }
  }
}

/* How the request's task ended, for the pool (and the log). */
void serve_request_outcome(serve_request *req, wasm_trap *trap) {
  serve_instance *si = req->instance;
  serve_app *app = req->worker->app;
  req->outcome = WR_TASK_OK;
  if (trap && (req->neighbour_trap || req->revoked)) {
    req->outcome = WR_TASK_ABORTED; /* the instance died of another's fault: judged there */
  } else if (trap && req->client_gone && si->kind->shared) {
    /* its guest task was asked to cancel and left behind: the shared instance finishes its other
     * requests and takes no new one, as after a timeout */
    req->outcome = WR_TASK_TIMEOUT;
    serve_log_failure(app, "[instance %llu] guest task cancelled (client gone); instance drained", (unsigned long long)si->id);
  } else if (trap && req->client_gone) {
    req->outcome = WR_TASK_TRAP; /* stopped mid-way: the instance cannot serve again */
    serve_log_failure(app, "[instance %llu] guest interrupted (client gone): %s; instance retired",
                (unsigned long long)si->id, trap->message);
  } else if (trap && req->cut) {
    req->outcome = WR_TASK_ABORTED; /* the pool retired the instance already */
  } else if (trap) {
    bool timed_out = trap->kind == WASM_TRAP_INTERRUPTED || (req->task && wr_task_cancelled(req->task));
    req->outcome = timed_out ? WR_TASK_TIMEOUT : WR_TASK_TRAP;
    serve_log_failure(app, "[instance %llu] %s: %s", (unsigned long long)si->id,
                timed_out ? "request timed out" : "guest trapped", trap->message);
  }
}

/* A p3 request its instance handed back untouched (the instance trapped before the guest saw
 * it, or the guest raised backpressure after the grant) goes back to the front of the pool's
 * queue, for another instance or this one once it is ready again. Its deadline still counts from
 * its first grant. Not when it has nobody to answer or no time left: then it is answered here. */
static bool redispatch(serve_request *req) {
  serve_worker *w = req->worker;
  bool own_trap = req->outcome == WR_TASK_TRAP;
  bool late = req->deadline_ns && wr_monotonic_ns() >= req->deadline_ns;
  if (w->stopping || req->client_gone || late || own_trap) {
    serve_respond_plain(req->ex, w->stopping ? 503 : 500, w->stopping ? "Service Unavailable\n" : "Internal Server Error\n");
    return false;
  }
  req->redispatches++;
  req->instance = NULL;
  req->task = NULL;
  req->withdrawn = req->neighbour_trap = req->revoked = req->interrupted = req->cut = false;
  req->outcome = WR_TASK_OK;
  wr_pool_requeue(w->pool, &req->lease); /* lease_event(GRANTED or a refusal) comes back later */
  return true;
}

/* On the loop, once the task is over. */
static void request_done(void *arg) {
  serve_request *req = arg;
  serve_worker *w = req->worker;
  request_unlink(req);
  if (req->x) serve_http_exchange_release(req->x, req->outcome != WR_TASK_OK);
  httpd_worker_release(w->httpd);
  if (req->withdrawn && redispatch(req)) return;
  wr_pool_release(w->pool, &req->lease, req->outcome);
  wr_free(req);
}

static void lease_event(wr_pool_lease *lease, wr_lease_event event) {
  serve_request *req = lease->user;
  serve_worker *w = req->worker;
  switch (event) {
  case WR_LEASE_GRANTED:
    req->instance = wr_pool_lease_instance(lease);
    req->granted_ns = wr_monotonic_ns();
    req->next_client_check_ns = req->granted_ns + CLIENT_CHECK_NS;
    if (w->app->options.request_timeout_ns && !req->deadline_ns) /* kept when redispatched */
      req->deadline_ns = req->granted_ns + w->app->options.request_timeout_ns;
    req->next = w->requests.next;
    req->prev = &w->requests;
    req->next->prev = req;
    w->requests.next = req;
    httpd_worker_hold(w->httpd);
    req->task = wr_task_spawn(serve_scheduler_base(w->sched), run_request, request_done, req);
    if (req->task) wr_task_set_local(req->task, req->instance->store); /* timed per slice */
    if (!req->task) {
      request_unlink(req);
      httpd_worker_release(w->httpd);
      serve_respond_plain(req->ex, 503, "Service Unavailable\n");
      wr_pool_release(w->pool, &req->lease, WR_TASK_ABORTED);
      wr_free(req);
      return;
    }
    serve_worker_tick_arm(w);
    return;
  case WR_LEASE_REVOKED:
    /* the instance died under it (another task trapped, or the shutdown ran out of time): the
     * guest stops at its next check even if it never waits */
    if (w->stopping && !req->cut) {
      req->cut = true;
      w->cut_requests++;
      if (req->instance->kind->shared) /* its exchange may be over already (the guest's task runs on) */
        WR_WARN("serve: [instance %llu] shutdown: cutting a request after %llu ms (--shutdown-timeout)",
                (unsigned long long)req->instance->id,
                (unsigned long long)((wr_monotonic_ns() - req->granted_ns) / 1000000));
      const httpd_request *head = req->instance->kind->shared ? NULL : httpd_exchange_request(req->ex);
      if (head)
        WR_WARN("serve: [instance %llu] shutdown: cutting %.*s %.*s after %llu ms (--shutdown-timeout)",
              (unsigned long long)req->instance->id, (int)head->method_len, head->method, (int)head->path_len,
              head->path, (unsigned long long)((wr_monotonic_ns() - req->granted_ns) / 1000000));
    }
    req->revoked = true;
    wasm_store_interrupt(req->instance->store);
    if (req->task) wr_task_cancel(req->task);
    return;
  case WR_LEASE_CREATE_FAILED:
    serve_respond_plain(req->ex, 500, "Internal Server Error\n");
    break;
  default: /* queue full, queue timeout, shutting down */
    serve_respond_plain(req->ex, 503, "Service Unavailable\n");
    break;
  }
  wr_free(req);
}

void serve_on_request(void *worker_state, httpd_exchange *ex) {
  serve_worker *w = worker_state;
  serve_request *req = WR_NEW(serve_request);
  req->worker = w;
  req->ex = ex;
  wr_pool_acquire(w->pool, &req->lease, req, lease_event);
}

