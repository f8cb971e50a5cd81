/* HTTP/1.1 framing of outgoing requests (http1.h). */
#include "http1.h"

#include <stdio.h>
#include <string.h>

#include "http_internal.h"

void wasi_http1_append(wasi_http1_buffer *b, const void *data, size_t len) {
  WR_VEC_RESERVE(b, len);
  memcpy(b->items + b->len, data, len);
  b->len += len;
}

void wasi_http1_append_str(wasi_http1_buffer *b, const char *s) { wasi_http1_append(b, s, strlen(s)); }

bool wasi_http1_chunked_request(const wasi_http_outgoing_head *head) {
  return head->has_body && wasi_http_fields_find(head->headers, "content-length") == NULL;
}

static void append_fields(wasi_http1_buffer *b, const wasi_http_fields *fields) {
  for (size_t i = 0; fields && i < wasi_http_fields_count(fields); i++) {
    wasi_http_header h = wasi_http_fields_at(fields, i);
    /* guests cannot set these, but a 0.3 guest may forward a request it received with them:
     * the connection's own are written here */
    if (wasi_http_is_forbidden(h.name, h.name_len)) continue;
    wasi_http1_append(b, h.name, h.name_len);
    wasi_http1_append_str(b, ": ");
    wasi_http1_append(b, h.value, h.value_len);
    wasi_http1_append_str(b, "\r\n");
  }
}

void wasi_http1_request_head(wasi_http1_buffer *b, const wasi_http_outgoing_head *head, bool chunked) {
  const char *at = strrchr(head->authority, '@'); /* userinfo is not part of Host */
  wasi_http1_append_str(b, head->method);
  wasi_http1_append_str(b, head->path_with_query[0] == '/' || head->path_with_query[0] == '*' ? " " : " /");
  wasi_http1_append_str(b, head->path_with_query);
  wasi_http1_append_str(b, " HTTP/1.1\r\nhost: ");
  wasi_http1_append_str(b, at ? at + 1 : head->authority);
  wasi_http1_append_str(b, "\r\nconnection: close\r\n");
  if (chunked) wasi_http1_append_str(b, "transfer-encoding: chunked\r\n");
  append_fields(b, head->headers);
  wasi_http1_append_str(b, "\r\n");
}

void wasi_http1_chunk_size(wasi_http1_buffer *b, size_t len) {
  char line[24];
  int n = snprintf(line, sizeof line, "%zx\r\n", len);
  wasi_http1_append(b, line, (size_t)n);
}

void wasi_http1_last_chunk(wasi_http1_buffer *b, const wasi_http_fields *trailers) {
  wasi_http1_append_str(b, "0\r\n");
  append_fields(b, trailers);
  wasi_http1_append_str(b, "\r\n");
}
