/* A resumable decoder of the chunked transfer coding (RFC 9112 §7.1), part of the strict HTTP/1.1
 * grammar of http1_grammar.h and shared by the server's front end and both clients:
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size   = 1*HEXDIG                        (at most 16 significant digits: no overflow)
 *   chunk-ext    = *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )
 *   trailer-section = *( field-name ":" OWS field-value OWS CRLF )   (no obs-fold)
 *
 * Lines end with CRLF only (a bare LF or CR is an error, as in http1_grammar.h); a chunk-size line
 * is bounded by HTTP1_CHUNK_LINE_MAX bytes, the trailer section by the caller's limits on its bytes
 * and its field lines. Extensions are checked and dropped. Each trailer line is judged, once its
 * CRLF has arrived, by http1_parse_field_line (the grammar of a head's field lines) and kept,
 * except the fields http1_is_forbidden_trailer names (RFC 9110 §6.5.1), which are dropped.
 *
 * The decoder keeps its whole state between calls, so input may be cut anywhere: feeding a byte
 * stream in any pieces gives the same body bytes, the same end and the same error as feeding it
 * at once. */
#ifndef WARREN_WASI_HTTP1_CHUNKED_H
#define WARREN_WASI_HTTP1_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http1_grammar.h"

#define HTTP1_CHUNK_LINE_MAX 4096

typedef enum {
  HTTP1_CHUNKED_MORE,  /* all input taken; the body goes on */
  HTTP1_CHUNKED_DONE,  /* the body ended (trailer section included) */
  HTTP1_CHUNKED_ERROR, /* malformed, or over a bound (over_limit: a trailer bound) */
} http1_chunked_status;

typedef struct http1_chunked_decoder {
  int state;
  uint64_t chunk_left; /* data bytes of the current chunk still to come */
  unsigned digits;     /* significant hex digits of the size being read */
  size_t line_bytes;   /* of the size line being read */
  size_t max_line_bytes; /* HTTP1_CHUNK_LINE_MAX after init; a test may lower it */
  size_t trailer_bytes;     /* of the trailer section so far, CRLFs included */
  size_t max_trailer_bytes;
  size_t trailer_lines;     /* field lines so far, dropped ones included */
  size_t max_trailer_lines;
  bool over_limit;          /* the error was a trailer bound, not a malformed byte */
  /* the trailer lines (without CRLF) of the section so far, and the fields kept, pointing into it;
   * allocated only when a trailer section is not empty */
  char *line_buf;
  size_t line_len, line_cap, line_start; /* line_start: where the line being read begins */
  http1_field *fields;
  size_t field_count, field_cap;
} http1_chunked_decoder;

/* A trailer section may hold max_trailer_bytes bytes (its CRLFs and final empty line included) in
 * at most max_trailer_lines field lines. Release the decoder when done with it. */
void http1_chunked_init(http1_chunked_decoder *d, size_t max_trailer_bytes, size_t max_trailer_lines);
void http1_chunked_release(http1_chunked_decoder *d);

/* Decodes buf[0, len) in place: afterwards buf[0, *data_len) holds the body bytes it carried, and
 * *consumed says how many input bytes were used: all of them on MORE; on DONE the bytes after
 * *consumed belong to whatever follows the body (left untouched); on ERROR the decoder stays in
 * error. */
http1_chunked_status http1_chunked_decode(http1_chunked_decoder *d, char *buf, size_t len, size_t *data_len,
                                          size_t *consumed);

/* After DONE: the trailer fields kept (names as received), valid until the decoder is released. */
const http1_field *http1_chunked_trailers(const http1_chunked_decoder *d, size_t *count);

#endif
