/* A p2 request: one call of wasi:http/incoming-handler@0.2.x#handle on its instance (which serves
 * it alone), in the request's task; -W timeout interrupts the store through the ticker. */
#include "serve/server_internal.h"

static void run_p2(serve_request *req) {
  serve_instance *si = req->instance;
  serve_app *app = req->worker->app;
  req->x = serve_http_exchange_new(req->ex, si->p2);
  uint32_t request_rep = 0, outparam_rep = 0;
  wasm_trap *trap = serve_http_incoming_request(req->x, si->http, &request_rep);
  if (!trap) trap = serve_http_response_outparam(req->x, si->http, &outparam_rep);
  if (!trap) {
    cm_val args[2] = {cm_val_handle(request_rep), cm_val_handle(outparam_rep)};
    cm_val result = {0};
    cm_arena *arena = cm_arena_new();
    if (app->options.request_timeout_ns) {
      req->run.store = si->store;
      req->run.deadline_ns = req->deadline_ns;
      serve_running_add(app, &req->run);
    }
    trap = cm_func_call(si->instance, si->handle, args, &result, arena);
    if (app->options.request_timeout_ns) serve_running_remove(app, &req->run);
    cm_arena_free(arena);
  }
  serve_request_outcome(req, trap);
}

const serve_request_kind serve_request_p2 = {"p2", run_p2, false};
