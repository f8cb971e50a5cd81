/* HTTP/1.1 framing of outgoing requests, shared by Warren's two clients: the blocking one
 * (http_client.c, for `warren run` and tests) and the server's event-loop one
 * (src/serve/http_client.c). Both write the same bytes; only how they reach the socket differs. */
#ifndef WARREN_WASI_HTTP1_H
#define WARREN_WASI_HTTP1_H

#include "base/vec.h"
#include "http.h"

typedef WR_VEC(char) wasi_http1_buffer;

void wasi_http1_append(wasi_http1_buffer *b, const void *data, size_t len);
void wasi_http1_append_str(wasi_http1_buffer *b, const char *s);

/* Whether the request body goes chunked: it has one and the guest set no content-length. */
bool wasi_http1_chunked_request(const wasi_http_outgoing_head *head);
/* The request line and headers — host from the authority without userinfo, `connection: close`,
 * `transfer-encoding: chunked` when `chunked`, the guest's fields — and the blank line. */
void wasi_http1_request_head(wasi_http1_buffer *b, const wasi_http_outgoing_head *head, bool chunked);
/* The size line of a chunk of `len` bytes (> 0). */
void wasi_http1_chunk_size(wasi_http1_buffer *b, size_t len);
/* The end of a chunked body: the last chunk, the trailers (may be NULL), the blank line. */
void wasi_http1_last_chunk(wasi_http1_buffer *b, const wasi_http_fields *trailers);

#endif
