#include "serve/http_options.h"

#include <string.h>

#include "serve/pool.h"

const char *const httpd_flag_names[] = {"keep-alive-timeout", "header-timeout", "body-idle-timeout", "body-timeout",
                                        NULL};

static uint32_t *flag_field(httpd_config *c, size_t index) {
  switch (index) {
  case 0: return &c->idle_timeout_ms;
  case 1: return &c->head_timeout_ms;
  case 2: return &c->body_timeout_ms;
  default: return &c->body_total_timeout_ms;
  }
}

httpd_flag_result httpd_config_set_flag(httpd_config *config, const char *name, const char *value, wr_error *err) {
  if (strncmp(name, "--", 2) == 0) name += 2;
  for (size_t i = 0; httpd_flag_names[i]; i++) {
    if (strcmp(name, httpd_flag_names[i]) != 0) continue;
    uint64_t ns;
    if (value == NULL) {
      wr_error_set(err, "--%s: a duration is needed", name);
      return HTTPD_FLAG_INVALID;
    }
    if (!wr_pool_parse_duration(value, &ns, err)) {
      wr_error_prefix(err, "--%s", name);
      return HTTPD_FLAG_INVALID;
    }
    /* whole milliseconds, from 1 ms to a day: 0 would mean "the default" to the front end */
    if (ns < 1000000u || ns > 86400ull * 1000000000u) {
      wr_error_set(err, "--%s: expected a duration from 1ms to 24h, got '%s'", name, value);
      return HTTPD_FLAG_INVALID;
    }
    *flag_field(config, i) = (uint32_t)(ns / 1000000u);
    return HTTPD_FLAG_SET;
  }
  return HTTPD_FLAG_UNKNOWN;
}
