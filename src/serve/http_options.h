/* The front end's timeout flags, parsed once for `warren serve` and the embedding API. */
#ifndef WARREN_SERVE_HTTP_OPTIONS_H
#define WARREN_SERVE_HTTP_OPTIONS_H

#include "serve/http_server.h"

typedef enum {
  HTTPD_FLAG_SET,     /* applied */
  HTTPD_FLAG_UNKNOWN, /* not one of these flags */
  HTTPD_FLAG_INVALID, /* one of them with a bad value: err says why */
} httpd_flag_result;

/* The flag names, without "--", NULL-terminated: keep-alive-timeout, header-timeout,
 * body-idle-timeout, body-timeout. Each takes a duration. */
extern const char *const httpd_flag_names[];

/* Applies `name` ("header-timeout" or "--header-timeout") with a duration value. */
httpd_flag_result httpd_config_set_flag(httpd_config *config, const char *name, const char *value, wr_error *err);

#endif
