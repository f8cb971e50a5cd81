/* Which pool defaults a component gets: a component exporting wasi:http/handler@0.3.x is p3
 * (reused concurrently), anything else (wasi:http/incoming-handler@0.2.x) p2. */
#include <string.h>

#include "serve/server.h"

#define P3_HANDLER_PREFIX "wasi:http/handler@0.3."

wr_pool_kind serve_component_kind(const cm_component *component) {
  const cm_type *type = component->type;
  for (uint32_t i = 0; i < type->nexports; i++) {
    const cm_name *name = &type->exports[i].name;
    if (name->len >= strlen(P3_HANDLER_PREFIX) && memcmp(name->text, P3_HANDLER_PREFIX, strlen(P3_HANDLER_PREFIX)) == 0)
      return WR_POOL_P3;
  }
  return WR_POOL_P2;
}
