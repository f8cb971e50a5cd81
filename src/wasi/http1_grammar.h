/* The strict grammar of received HTTP/1.1 messages (RFC 9112, RFC 9110), shared by the server's
 * front end (src/serve/http_server.c) and both clients (http_client.c, src/serve/http_client.c):
 * heads (start line and field lines), the fields that decide framing (Content-Length,
 * Transfer-Encoding), Host, and which fields belong to the connection. The chunked body is
 * http1_chunked.h.
 *
 * One rule for line ends everywhere, so that no two parsers can disagree on where a message
 * ends: a line ends with CRLF only. A bare LF or a bare CR is malformed (RFC 9112 §2.2 lets a
 * recipient accept a bare LF; refusing it is the safe choice for a server behind proxies that
 * may not). Nothing here allocates; parsed fields point into the caller's buffer. */
#ifndef WARREN_WASI_HTTP1_GRAMMAR_H
#define WARREN_WASI_HTTP1_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 9110 §5.6.2 tchar, and 1*tchar. */
bool http1_is_tchar(unsigned char c);
bool http1_is_token(const char *s, size_t len);
/* A field value after trimming: field-vchar (VCHAR, obs-text), SP and HTAB; no other control. */
bool http1_is_field_value(const char *s, size_t len);
/* Drops leading and trailing OWS (SP, HTAB). */
void http1_trim_ows(const char **s, size_t *len);
/* Case-insensitive comparison with a lower-case literal. */
bool http1_equals_lower(const char *s, size_t len, const char *lower);
/* 1*DIGIT into a uint64_t; false on anything else or on overflow. */
bool http1_parse_decimal(const char *s, size_t len, uint64_t *out);
/* Whether a comma-separated list (RFC 9110 §5.6.1) has `token` among its elements (any case). */
bool http1_list_has(const char *s, size_t len, const char *token);

/* Host (RFC 9110 §7.2): uri-host [ ":" port ] of RFC 3986, host = IP-literal / IPv4address /
 * reg-name (reg-name may be empty), port = *DIGIT. No userinfo. */
bool http1_is_valid_host(const char *s, size_t len);

typedef struct http1_field {
  const char *name;
  size_t name_len;
  const char *value; /* OWS trimmed */
  size_t value_len;
} http1_field;

/* Whether a field describes the connection rather than the message (RFC 9110 §7.6.1): Connection,
 * Keep-Alive, TE, Transfer-Encoding, Upgrade, Proxy-Connection, and any field that a Connection
 * field among `fields` names. */
bool http1_is_hop_by_hop(const char *name, size_t name_len, const http1_field *fields, size_t count);

/* One field line given without its CRLF, all of s[0, len): field-name ":" OWS field-value OWS, the
 * grammar of a head's field lines (a chunked body's trailer lines use it). */
bool http1_parse_field_line(const char *s, size_t len, http1_field *out);

/* Whether a field must not be taken from a trailer section (RFC 9110 §6.5.1: it is needed before
 * the content, so a recipient cannot act on it late): framing and connection fields
 * (Content-Length, Transfer-Encoding, Trailer, TE, Connection, Keep-Alive, Upgrade,
 * Proxy-Connection), routing (Host, Max-Forwards), authentication and state (Authorization,
 * Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate, Cookie, Set-Cookie), request
 * modifiers (Expect, Range, the If-* conditionals, Cache-Control, Pragma), response controls
 * (Age, Expires, Date, Location, Retry-After, Vary) and the content's format (Content-Type,
 * Content-Encoding, Content-Range). Such fields are dropped, not passed on. */
bool http1_is_forbidden_trailer(const char *name, size_t name_len);

typedef enum {
  HTTP1_HEAD_COMPLETE,
  HTTP1_HEAD_PARTIAL,         /* valid so far: more bytes are needed */
  HTTP1_HEAD_MALFORMED,       /* a byte that no valid head has there */
  HTTP1_HEAD_TOO_LARGE,       /* no end within max_bytes */
  HTTP1_HEAD_TOO_MANY_FIELDS, /* more field lines than the caller has room for */
} http1_head_status;

typedef struct http1_head {
  const char *method; /* requests */
  size_t method_len;
  const char *target;
  size_t target_len;
  int status; /* responses: 100..999 */
  int minor_version; /* HTTP/1.<minor_version> */
  size_t field_count; /* in the caller's array */
  size_t length; /* bytes of the head, its final empty line included */
} http1_head;

/* A request head at the start of buf[0, len): [*CRLF] method SP request-target SP HTTP-version
 * CRLF *( field-line CRLF ) CRLF, with field-line = field-name ":" OWS field-value OWS and no
 * obs-fold. The request-target is 1*( VCHAR ) here; its form is the caller's to check. Every
 * byte is judged as soon as it is seen, so a prefix of a head is PARTIAL or already MALFORMED,
 * and a buffer that starts with a complete head gives the same result however much follows. */
http1_head_status http1_parse_request_head(const char *buf, size_t len, size_t max_bytes, http1_field *fields,
                                           size_t field_cap, http1_head *head);
/* A response head: HTTP-version SP 3DIGIT [ SP reason-phrase ] CRLF, then fields as above. */
http1_head_status http1_parse_response_head(const char *buf, size_t len, size_t max_bytes, http1_field *fields,
                                            size_t field_cap, http1_head *head);

typedef enum {
  HTTP1_FRAMING_OK,
  HTTP1_FRAMING_INVALID,     /* a server answers 400 */
  HTTP1_FRAMING_UNSUPPORTED, /* a transfer coding other than chunked: a server answers 501 */
} http1_framing_status;

typedef enum { HTTP1_BODY_NONE, HTTP1_BODY_LENGTH, HTTP1_BODY_CHUNKED, HTTP1_BODY_UNTIL_CLOSE } http1_body_kind;

typedef struct http1_framing {
  http1_body_kind body;
  uint64_t length; /* HTTP1_BODY_LENGTH */
} http1_framing;

/* A request's body framing (RFC 9112 §6): Content-Length is a list of identical 1*DIGIT values
 * (over one or several lines); Transfer-Encoding must end in chunked, exactly once, and is
 * refused in HTTP/1.0 and together with Content-Length (both INVALID); another coding is
 * UNSUPPORTED. Neither field, or a length of 0: no body. */
http1_framing_status http1_request_framing(const http1_field *fields, size_t count, int minor_version,
                                           http1_framing *out);
/* A response's (RFC 9112 §6.3): no body for a response to HEAD or with status 204 or 304 (1xx
 * responses are interim; the caller skips them); otherwise chunked when chunked is the final
 * coding (a Content-Length beside it is ignored), until the connection closes for other codings
 * or without any framing field. A malformed or disagreeing Content-Length, or chunked applied
 * twice, is INVALID whatever the status. */
http1_framing_status http1_response_framing(const http1_field *fields, size_t count, int status, bool to_head,
                                            http1_framing *out);

#endif
