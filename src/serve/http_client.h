/* wasi:http outgoing requests (outgoing-handler) on a worker's event loop: the serve-side
 * wasi_http_client (wasi/http.h). Nothing here blocks the loop; a guest that waits for a response
 * or a body suspends its task through the serve_waiter until a flag of its ctx is signalled (a
 * 0.3 guest's client.send hears the flags through wasi_flag_listen, on the instance's reactor).
 *
 * What it does: HTTP/1.1 over plain TCP, one connection per request ("connection: close"; no
 * keep-alive reuse). Host names are looked up on resolver.h's thread pool, numeric hosts at once;
 * each address is tried in turn with a non-blocking connect. The request head and body
 * (Content-Length when the guest set one, else chunked, trailers included) are queued and written
 * as the socket takes them; check-write says 0 while WASI_HTTP_BODY_BUFFER bytes wait. The response
 * head is parsed with the strict grammar of wasi/http1_grammar.h (1xx skipped, bounded to 64 KiB
 * and 100 fields); its body (Content-Length, chunked through wasi/http1_chunked.h with trailers
 * kept for the guest's future-trailers (64 KiB, 100 lines), or close-delimited) is read while fewer than
 * SERVE_HTTP_CLIENT_BODY_BUFFER decoded bytes wait for the guest, so a guest that does not read
 * stops the upstream (backpressure). https answers TLS-protocol-error.
 *
 * Timeouts (wasi:http request-options, default 600 s each): connect covers the lookup and the
 * connect (DNS-timeout / connection-timeout); first-byte runs from the connect to the first
 * response byte (HTTP-response-timeout); between-bytes bounds every later silence while the client
 * wants bytes (connection-read-timeout) and every stalled write (connection-write-timeout).
 *
 * Use: wasi_http_ctx_new(p2, &serve_http_client, sched) with the worker's serve_scheduler as env,
 * for guests that run in that scheduler's tasks (the ctx's waiter a serve_waiter of it). Every
 * call happens on the worker's thread. */
#ifndef WARREN_SERVE_HTTP_CLIENT_H
#define WARREN_SERVE_HTTP_CLIENT_H

#include "wasi/http.h"

#define SERVE_HTTP_CLIENT_BODY_BUFFER (64u * 1024)

extern const wasi_http_client serve_http_client;

#endif
