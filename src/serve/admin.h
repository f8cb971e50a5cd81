/* The admin endpoint of a server (admin.c). */
#ifndef WARREN_SERVE_ADMIN_H
#define WARREN_SERVE_ADMIN_H

#include "serve/server.h"

/* Starts serving /metrics and /healthz on `admin_addr` (HOST:PORT); NULL + err when the address
 * is malformed or cannot be bound. Stop it with httpd_server_free. */
httpd_server *serve_admin_start(serve_app *app, const char *admin_addr, wr_error *err);
/* A small text/plain response (also used by the server for 500 / 503). */
void serve_respond_plain(httpd_exchange *ex, int status, const char *body);

#endif
