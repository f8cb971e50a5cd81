/* Declarations of the picohttpparser functions that libh2o-evloop 2.2.5 exports: Debian ships the
 * library but not picohttpparser.h, so the front end declares the interface it links against.
 * These must match that library's ABI exactly. */
#ifndef WARREN_SERVE_PICOHTTPPARSER_ABI_H
#define WARREN_SERVE_PICOHTTPPARSER_ABI_H

#include <stddef.h>
#include <sys/types.h>

struct phr_header {
  const char *name; /* NULL for an obs-fold continuation line */
  size_t name_len;
  const char *value;
  size_t value_len;
};

/* Returns the head's length, -1 when malformed (or more than *num_headers headers), -2 when
 * incomplete. last_len: how much of buf an earlier call already saw (speeds up re-parsing). */
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len);

/* The same for a response head: status line and headers. */
int phr_parse_response(const char *buf, size_t len, int *minor_version, int *status, const char **msg,
                       size_t *msg_len, struct phr_header *headers, size_t *num_headers, size_t last_len);

struct phr_chunked_decoder {
  size_t bytes_left_in_chunk;
  char consume_trailer; /* set: trailer fields are skipped too */
  char _hex_count;
  char _state;
};

/* Decodes chunked data in place: *bufsz becomes the number of decoded bytes now at buf. Returns
 * -2 when more input is needed, -1 on a malformed stream, or, once the last chunk (and trailer)
 * ended, the count of undecoded bytes that follow the decoded ones (the next message). */
ssize_t phr_decode_chunked(struct phr_chunked_decoder *decoder, char *buf, size_t *bufsz);

#endif
