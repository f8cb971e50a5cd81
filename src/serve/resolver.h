/* Host name lookups for the outgoing HTTP client without blocking the event loop: getaddrinfo runs
 * on a small process-wide pool of threads (started on first use, at most SERVE_RESOLVER_THREADS),
 * and the answer comes back to the loop that asked through an eventfd watched on that loop.
 * Numeric hosts never reach the pool (the client parses them itself). */
#ifndef WARREN_SERVE_RESOLVER_H
#define WARREN_SERVE_RESOLVER_H

#include <netdb.h>

#include "base/common.h"

#define SERVE_RESOLVER_THREADS 4

typedef struct serve_lookup serve_lookup;

/* `done` runs on `loop`'s thread from its event loop, once, unless the lookup is cancelled first:
 * with the addresses (the callee owns `list`: freeaddrinfo) or NULL and getaddrinfo's error. */
typedef void (*serve_lookup_done)(void *arg, struct addrinfo *list, int gai_error);

/* Looks up host:port for a TCP connection. `loop` is an h2o_evloop_t. NULL (errno set) when no
 * eventfd could be made. */
serve_lookup *serve_lookup_start(void *loop, const char *host, const char *port, serve_lookup_done done, void *arg);
/* `done` will not run; the thread, if it already started, finishes and frees its part alone. */
void serve_lookup_cancel(serve_lookup *lookup);

#endif
