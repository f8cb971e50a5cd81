/* The strict HTTP/1.1 grammar (src/wasi/http1_grammar.h) and chunked decoder
 * (src/wasi/http1_chunked.h): heads, framing fields, Host, hop-by-hop fields, and chunked bodies
 * fed whole and one byte at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "wasi/http1_chunked.h"
#include "wasi/http1_grammar.h"

#define STR(s) s, sizeof s - 1

/* ---- chunked ---- */

typedef struct decoded {
  http1_chunked_status status;
  char data[256];
  size_t data_len;
  size_t consumed;
  bool over_limit;
  char trailers[256]; /* "name=value;" for each trailer field kept */
} decoded;

#define TRAILER_BYTES 64
#define TRAILER_LINES 4

/* Feeds `in` in pieces of `piece` bytes (0: whole), as a server would with reads. */
static decoded decode(const char *in, size_t len, size_t piece) {
  decoded r = {0};
  http1_chunked_decoder d;
  http1_chunked_init(&d, TRAILER_BYTES, TRAILER_LINES);
  char *copy = malloc(len + 1);
  memcpy(copy, in, len);
  size_t off = 0;
  r.status = HTTP1_CHUNKED_MORE;
  while (off < len && r.status == HTTP1_CHUNKED_MORE) {
    size_t n = piece && len - off > piece ? piece : len - off;
    size_t data_len, consumed;
    r.status = http1_chunked_decode(&d, copy + off, n, &data_len, &consumed);
    if (r.data_len + data_len <= sizeof r.data) memcpy(r.data + r.data_len, copy + off, data_len);
    r.data_len += data_len;
    off += consumed;
    r.consumed = off;
  }
  r.over_limit = d.over_limit;
  size_t count;
  const http1_field *f = http1_chunked_trailers(&d, &count);
  for (size_t i = 0; i < count; i++) {
    size_t at = strlen(r.trailers);
    snprintf(r.trailers + at, sizeof r.trailers - at, "%.*s=%.*s;", (int)f[i].name_len, f[i].name,
             (int)f[i].value_len, f[i].value);
  }
  http1_chunked_release(&d);
  free(copy);
  return r;
}

static void check_body(const char *in, size_t len, http1_chunked_status status, const char *body, size_t consumed) {
  for (size_t piece = 0; piece <= 3; piece++) {
    decoded r = decode(in, len, piece);
    CHECK(r.status == status);
    if (status != HTTP1_CHUNKED_ERROR) {
      CHECK(r.data_len == strlen(body) && memcmp(r.data, body, r.data_len) == 0);
      CHECK(r.consumed == consumed);
    }
    if (r.status != status) fprintf(stderr, "  input %.*s (piece %zu): status %d\n", (int)len, in, piece, r.status);
  }
}

/* A body that ends with a trailer section: the fields kept, whatever the pieces. */
static void check_trailers(const char *in, size_t len, const char *trailers) {
  for (size_t piece = 0; piece <= 3; piece++) {
    decoded r = decode(in, len, piece);
    CHECK(r.status == HTTP1_CHUNKED_DONE && r.consumed == len);
    CHECK(strcmp(r.trailers, trailers) == 0);
    if (strcmp(r.trailers, trailers) != 0) fprintf(stderr, "  trailers %s (piece %zu), want %s\n", r.trailers, piece, trailers);
  }
}

/* Over a trailer bound: an error that says so (a client reports a trailer-section size). */
static void check_over_limit(const char *in, size_t len) {
  for (size_t piece = 0; piece <= 3; piece++) {
    decoded r = decode(in, len, piece);
    CHECK(r.status == HTTP1_CHUNKED_ERROR && r.over_limit);
  }
}

#define OK(in, body) check_body(STR(in), HTTP1_CHUNKED_DONE, body, sizeof in - 1)
#define TRAILERS(in, fields) check_trailers(STR(in), fields)
#define OVER(in) check_over_limit(STR(in))
#define BAD(in) check_body(STR(in), HTTP1_CHUNKED_ERROR, "", 0)

static void test_chunked(void) {
  OK("5\r\nhello\r\n0\r\n\r\n", "hello");
  OK("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n", "hello, world");
  OK("A\r\n0123456789\r\n0\r\n\r\n", "0123456789");
  OK("000005\r\nhello\r\n0000\r\n\r\n", "hello");
  OK("5;ext=1\r\nhello\r\n0\r\n\r\n", "hello");
  OK("5 ; a ; b = c ;d=\"q \\\" ;x\"\r\nhello\r\n0;last\r\n\r\n", "hello");
  OK("5;a\t=\t\"\"\r\nhello\r\n0\r\n\r\n", "hello");
  OK("0\r\nTrailer-Field: x\r\nX-Empty:\r\n\r\n", "");
  OK("0\r\nX: a b \r\n\r\n", "");
  /* what follows the body is not taken */
  decoded r = decode(STR("1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n"), 0);
  CHECK(r.status == HTTP1_CHUNKED_DONE && r.consumed == 11 && r.data_len == 1);
  /* an unfinished body asks for more */
  CHECK(decode(STR("5\r\nhel"), 1).status == HTTP1_CHUNKED_MORE);
  CHECK(decode(STR("5;a=\"x"), 0).status == HTTP1_CHUNKED_MORE);
  CHECK(decode(STR("0\r\nX: y\r\n"), 2).status == HTTP1_CHUNKED_MORE);

  /* issue 13: sizes that are not 1*HEXDIG followed by extensions */
  BAD("0x26\r\nGET /SMUGGLED HTTP/1.1\r\n\r\n");
  BAD("5g\r\nhello\r\n0\r\n\r\n");
  BAD("5 junk\r\nhello\r\n0\r\n\r\n");
  BAD("5 \r\nhello\r\n0\r\n\r\n");
  BAD(" 5\r\nhello\r\n0\r\n\r\n");
  BAD("-5\r\nhello\r\n");
  BAD("+5\r\nhello\r\n");
  BAD("\r\nhello\r\n");
  BAD("5;\r\nhello\r\n0\r\n\r\n");
  BAD("5;=x\r\nhello\r\n0\r\n\r\n");
  BAD("5;a=\r\nhello\r\n0\r\n\r\n");
  BAD("5;a b\r\nhello\r\n0\r\n\r\n");
  BAD("5;a=b c\r\nhello\r\n0\r\n\r\n");
  BAD("5;a=\"x\"y\r\nhello\r\n0\r\n\r\n");
  BAD("5;a=\"x\ty\x01\"\r\nhello\r\n0\r\n\r\n");
  BAD("5;a(b)\r\nhello\r\n0\r\n\r\n");
  BAD("5;a=b \r\nhello\r\n0\r\n\r\n");
  BAD("5;a\x7f\r\nhello\r\n0\r\n\r\n");
  /* 17 significant digits would overflow; leading zeros are fine but the line is bounded */
  BAD("10000000000000000\r\n");
  BAD("fffffffffffffffffff\r\nx\r\n");
  OK("0000000000000000000000000001\r\nx\r\n0\r\n\r\n", "x");
  /* line ends: CRLF only */
  BAD("5\nhello\r\n0\r\n\r\n");
  BAD("5\rhello\r\n0\r\n\r\n");
  BAD("5\r\nhello\n0\r\n\r\n");
  BAD("5\r\nhelloXX0\r\n\r\n");
  BAD("5\r\nhello\r\n0\r\n\n");
  BAD("5\r\nhello\r\n0\n\r\n");
  /* trailers: field-name ":" value, no obs-fold, bounded */
  BAD("0\r\nno colon here\r\n\r\n");
  BAD("0\r\nX : y\r\n\r\n");
  BAD("0\r\n: y\r\n\r\n");
  BAD("0\r\nX: y\r\n folded\r\n\r\n");
  BAD("0\r\nX: a\x01b\r\n\r\n");
  BAD("0\r\nX: a\rb\r\n\r\n");
  /* a size line is bounded even when it is all zeros */
  char *zeros = malloc(HTTP1_CHUNK_LINE_MAX + 8);
  memset(zeros, '0', HTTP1_CHUNK_LINE_MAX + 8);
  http1_chunked_decoder d;
  http1_chunked_init(&d, TRAILER_BYTES, TRAILER_LINES);
  size_t data_len, consumed;
  CHECK(http1_chunked_decode(&d, zeros, HTTP1_CHUNK_LINE_MAX + 8, &data_len, &consumed) == HTTP1_CHUNKED_ERROR);
  CHECK(!d.over_limit); /* a size line is not a trailer bound */
  http1_chunked_release(&d);
  free(zeros);
}

static void test_trailers(void) {
  /* kept, in order, values OWS-trimmed, names as received; what follows the body is left alone */
  TRAILERS("0\r\n\r\n", "");
  TRAILERS("3\r\nabc\r\n0\r\nX-Checksum: abc\r\nX-Empty:\r\n\r\n", "X-Checksum=abc;X-Empty=;");
  TRAILERS("0\r\nA:\t 1 2 \t\r\nb: \x80obs\r\n\r\n", "A=1 2;b=\x80obs;");
  check_body(STR("0\r\nA: 1\r\n\r\nGET"), HTTP1_CHUNKED_DONE, "", sizeof "0\r\nA: 1\r\n\r\n" - 1);
  /* fields that may not be trailers (RFC 9110 §6.5.1) are dropped, the others kept */
  TRAILERS("0\r\nContent-Length: 5\r\nX-A: 1\r\nHOST: evil\r\n\r\n", "X-A=1;");
  TRAILERS("0\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n", "X-A=1;");
  TRAILERS("0\r\nauthorization: x\r\ncontent-type: a/b\r\nX-B: 2\r\n\r\n", "X-B=2;");
  CHECK(http1_is_forbidden_trailer(STR("Set-Cookie")) && http1_is_forbidden_trailer(STR("if-none-match")));
  CHECK(!http1_is_forbidden_trailer(STR("server-timing")) && !http1_is_forbidden_trailer(STR("x-content-length")));
  /* malformed: the grammar of a head's field lines */
  BAD("0\r\nBad Name: 1\r\n\r\n");
  BAD("0\r\nBad\"Name: 1\r\n\r\n");
  BAD("0\r\nX: 1\r\n\tfolded\r\n\r\n");
  BAD("0\r\nX: 1\r\n folded\r\n\r\n");
  BAD("0\r\nX: a\0b\r\n\r\n");
  BAD("0\r\nX: a\rb\r\n\r\n");
  BAD("0\r\nX: a\nb\r\n\r\n");
  BAD("0\r\nX: a\x7f\r\n\r\n");
  BAD("0\r\nX: 1\n\r\n");
  BAD("0\r\nX: 1\r\n\n");
  /* a forbidden field is still judged before it is dropped */
  BAD("0\r\nHost : x\r\n\r\n");
  /* bounds: TRAILER_BYTES bytes (CRLFs and the final empty line included), TRAILER_LINES lines */
  OK("0\r\nX: 012345678901234567890123456789012345678901234567890123456\r\n\r\n", "");
  OVER("0\r\nX: 0123456789012345678901234567890123456789012345678901234567\r\n\r\n");
  TRAILERS("0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", "A=1;B=2;C=3;D=4;");
  OVER("0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n");
  OVER("0\r\nHost: 1\r\nHost: 2\r\nHost: 3\r\nHost: 4\r\nHost: 5\r\n\r\n"); /* dropped ones count */
  /* many fields through a growing buffer stay intact */
  http1_chunked_decoder d;
  http1_chunked_init(&d, 4096, 100);
  char in[4096];
  size_t len = (size_t)snprintf(in, sizeof in, "0\r\n");
  for (int i = 0; i < 60; i++) len += (size_t)snprintf(in + len, sizeof in - len, "X-Field-%02d: value %02d\r\n", i, i);
  len += (size_t)snprintf(in + len, sizeof in - len, "\r\n");
  size_t data_len, consumed;
  for (size_t off = 0; off < len; off += consumed) /* a byte at a time */
    if (http1_chunked_decode(&d, in + off, 1, &data_len, &consumed) != HTTP1_CHUNKED_MORE) break;
  size_t count;
  const http1_field *f = http1_chunked_trailers(&d, &count);
  CHECK(count == 60);
  for (size_t i = 0; i < count && i < 60; i++) {
    char name[32], value[32];
    snprintf(name, sizeof name, "X-Field-%02zu", i);
    snprintf(value, sizeof value, "value %02zu", i);
    CHECK(f[i].name_len == strlen(name) && memcmp(f[i].name, name, f[i].name_len) == 0);
    CHECK(f[i].value_len == strlen(value) && memcmp(f[i].value, value, f[i].value_len) == 0);
  }
  http1_chunked_release(&d);
  /* a field line on its own */
  http1_field one;
  CHECK(http1_parse_field_line(STR("a: b "), &one) && one.value_len == 1);
  CHECK(!http1_parse_field_line(STR("a: b\r"), &one) && !http1_parse_field_line(STR(": b"), &one) &&
        !http1_parse_field_line(STR("a"), &one));
}

/* ---- heads ---- */

static http1_field fields[8];

static http1_head_status request(const char *text, http1_head *head) {
  return http1_parse_request_head(text, strlen(text), 256, fields, 8, head);
}

static void test_heads(void) {
  http1_head h;
  CHECK(request("GET /x HTTP/1.1\r\nHost: a\r\nX-Y:  v w \t\r\nE:\r\n\r\nrest", &h) == HTTP1_HEAD_COMPLETE);
  CHECK(h.method_len == 3 && memcmp(h.method, "GET", 3) == 0 && h.target_len == 2 && h.minor_version == 1);
  CHECK(h.field_count == 3 && h.length == strlen("GET /x HTTP/1.1\r\nHost: a\r\nX-Y:  v w \t\r\nE:\r\n\r\n"));
  CHECK(fields[1].value_len == 3 && memcmp(fields[1].value, "v w", 3) == 0);
  CHECK(fields[2].value_len == 0);
  CHECK(request("\r\n\r\nGET / HTTP/1.0\r\n\r\n", &h) == HTTP1_HEAD_COMPLETE && h.minor_version == 0);
  CHECK(request("GET / HTTP/1.1\r\nHost: a\r\n", &h) == HTTP1_HEAD_PARTIAL);
  CHECK(request("GE", &h) == HTTP1_HEAD_PARTIAL);
  /* malformed: judged as soon as the byte is seen */
  CHECK(request("\x16\x03\x01", &h) == HTTP1_HEAD_MALFORMED);
  CHECK(request("GET / HTTP/1.1\nHost: a\n\n", &h) == HTTP1_HEAD_MALFORMED);              /* bare LF */
  CHECK(request("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", &h) == HTTP1_HEAD_MALFORMED);     /* bare CR */
  CHECK(request("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", &h) == HTTP1_HEAD_MALFORMED); /* obs-fold */
  CHECK(request("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &h) == HTTP1_HEAD_MALFORMED);
  CHECK(request("GET / HTTP/1.1\r\nX: a\x01\r\n\r\n", &h) == HTTP1_HEAD_MALFORMED);
  CHECK(request("GET  / HTTP/1.1\r\n\r\n", &h) == HTTP1_HEAD_MALFORMED);
  CHECK(request("GET / HTTP/2.0\r\n\r\n", &h) == HTTP1_HEAD_MALFORMED);
  CHECK(request("GET / HTTP/1.1 \r\n\r\n", &h) == HTTP1_HEAD_MALFORMED);
  CHECK(request("GET /\x80 HTTP/1.1\r\n\r\n", &h) == HTTP1_HEAD_MALFORMED);
  /* bounds */
  CHECK(http1_parse_request_head(STR("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 20, fields, 8, &h) == HTTP1_HEAD_TOO_LARGE);
  CHECK(http1_parse_request_head(STR("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n"), 256, fields, 1, &h) ==
        HTTP1_HEAD_TOO_MANY_FIELDS);
  /* every prefix of a complete head is partial */
  const char *full = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (size_t i = 0; i < strlen(full); i++)
    CHECK(http1_parse_request_head(full, i, 256, fields, 8, &h) == HTTP1_HEAD_PARTIAL);
  /* responses */
  CHECK(http1_parse_response_head(STR("HTTP/1.1 204 No Content\r\nA: b\r\n\r\n"), 256, fields, 8, &h) ==
            HTTP1_HEAD_COMPLETE &&
        h.status == 204 && h.field_count == 1);
  CHECK(http1_parse_response_head(STR("HTTP/1.1 200\r\n\r\n"), 256, fields, 8, &h) == HTTP1_HEAD_COMPLETE);
  CHECK(http1_parse_response_head(STR("HTTP/1.1 20x OK\r\n\r\n"), 256, fields, 8, &h) == HTTP1_HEAD_MALFORMED);
  CHECK(http1_parse_response_head(STR("HTTP/1.1 099 OK\r\n\r\n"), 256, fields, 8, &h) == HTTP1_HEAD_MALFORMED);
}

/* ---- framing fields ---- */

static http1_framing_status framing(bool response, int minor, const char *a, const char *av, const char *b,
                                    const char *bv, http1_framing *out) {
  http1_field f[2] = {{a, strlen(a), av, strlen(av)}, {b, strlen(b), bv, strlen(bv)}};
  size_t n = b[0] ? 2 : 1;
  return response ? http1_response_framing(f, n, 200, false, out) : http1_request_framing(f, n, minor, out);
}

static void test_framing(void) {
  http1_framing fr;
  CHECK(framing(false, 1, "Content-Length", "5", "", "", &fr) == HTTP1_FRAMING_OK && fr.body == HTTP1_BODY_LENGTH &&
        fr.length == 5);
  CHECK(framing(false, 1, "content-length", "5, 5", "", "", &fr) == HTTP1_FRAMING_OK && fr.length == 5);
  CHECK(framing(false, 1, "content-length", "5", "Content-Length", "5", &fr) == HTTP1_FRAMING_OK && fr.length == 5);
  CHECK(framing(false, 1, "content-length", "0", "", "", &fr) == HTTP1_FRAMING_OK && fr.body == HTTP1_BODY_NONE);
  CHECK(framing(false, 1, "content-length", "5", "content-length", "6", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "content-length", "5, 6", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "content-length", "", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "content-length", "+5", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "content-length", "0x5", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "content-length", "18446744073709551615", "", "", &fr) == HTTP1_FRAMING_OK);
  CHECK(framing(false, 1, "content-length", "18446744073709551616", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "transfer-encoding", "chunked", "", "", &fr) == HTTP1_FRAMING_OK &&
        fr.body == HTTP1_BODY_CHUNKED);
  CHECK(framing(false, 1, "transfer-encoding", "Chunked", "", "", &fr) == HTTP1_FRAMING_OK);
  CHECK(framing(false, 1, "transfer-encoding", "gzip, chunked", "", "", &fr) == HTTP1_FRAMING_UNSUPPORTED);
  CHECK(framing(false, 1, "transfer-encoding", "gzip", "", "", &fr) == HTTP1_FRAMING_UNSUPPORTED);
  CHECK(framing(false, 1, "transfer-encoding", "chunked, gzip", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "transfer-encoding", "chunked", "transfer-encoding", "gzip", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "transfer-encoding", "chunked, chunked", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "transfer-encoding", "chunked", "transfer-encoding", "chunked", &fr) ==
        HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "transfer-encoding", "", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 1, "transfer-encoding", "chunked", "content-length", "5", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(false, 0, "transfer-encoding", "chunked", "", "", &fr) == HTTP1_FRAMING_INVALID);
  /* responses */
  CHECK(framing(true, 1, "x", "y", "", "", &fr) == HTTP1_FRAMING_OK && fr.body == HTTP1_BODY_UNTIL_CLOSE);
  CHECK(framing(true, 1, "transfer-encoding", "gzip", "", "", &fr) == HTTP1_FRAMING_OK &&
        fr.body == HTTP1_BODY_UNTIL_CLOSE);
  CHECK(framing(true, 1, "transfer-encoding", "gzip, chunked", "content-length", "7", &fr) == HTTP1_FRAMING_OK &&
        fr.body == HTTP1_BODY_CHUNKED);
  CHECK(framing(true, 1, "transfer-encoding", "chunked, chunked", "", "", &fr) == HTTP1_FRAMING_INVALID);
  CHECK(framing(true, 1, "content-length", "0", "", "", &fr) == HTTP1_FRAMING_OK && fr.body == HTTP1_BODY_NONE);
  CHECK(framing(true, 1, "content-length", "1", "content-length", "2", &fr) == HTTP1_FRAMING_INVALID);
  /* no body for a response to HEAD, a 204 or a 304, whatever its fields say; bad fields stay bad */
  http1_field length7[1] = {{"content-length", 14, "7", 1}}, lengths[2] = {{"content-length", 14, "1", 1},
                                                                           {"content-length", 14, "2", 1}};
  CHECK(http1_response_framing(length7, 1, 200, true, &fr) == HTTP1_FRAMING_OK && fr.body == HTTP1_BODY_NONE);
  CHECK(http1_response_framing(length7, 1, 204, false, &fr) == HTTP1_FRAMING_OK && fr.body == HTTP1_BODY_NONE);
  CHECK(http1_response_framing(length7, 1, 304, false, &fr) == HTTP1_FRAMING_OK && fr.body == HTTP1_BODY_NONE);
  CHECK(http1_response_framing(length7, 1, 200, false, &fr) == HTTP1_FRAMING_OK && fr.body == HTTP1_BODY_LENGTH);
  CHECK(http1_response_framing(lengths, 2, 204, false, &fr) == HTTP1_FRAMING_INVALID);
}

static void test_host_and_hop_by_hop(void) {
  const char *good[] = {"example.test", "example.test:8080", "a", "", "x:", "127.0.0.1:80", "[::1]", "[::1]:8080",
                        "[v1.x:y]", "%41b", "a-b_c~d!$&'()*+,;="};
  const char *bad[] = {"exa mple", "x ", " x", "a@b", "a:b", "[::1", "[zz]", "[::1]x", "a/b", "%4", "%zz", "a\tb",
                       "h:1:2", "a\"b"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    CHECK(http1_is_valid_host(good[i], strlen(good[i])));
    if (!http1_is_valid_host(good[i], strlen(good[i]))) fprintf(stderr, "  host %s\n", good[i]);
  }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK(!http1_is_valid_host(bad[i], strlen(bad[i])));
    if (http1_is_valid_host(bad[i], strlen(bad[i]))) fprintf(stderr, "  host %s\n", bad[i]);
  }
  http1_field f[] = {{STR("Connection"), STR("close, X-Secret")}, {STR("x-secret"), STR("1")}};
  CHECK(http1_is_hop_by_hop(STR("keep-alive"), f, 2));
  CHECK(http1_is_hop_by_hop(STR("TE"), f, 2));
  CHECK(http1_is_hop_by_hop(STR("Proxy-Connection"), f, 2));
  CHECK(http1_is_hop_by_hop(STR("x-secret"), f, 2));
  CHECK(http1_is_hop_by_hop(STR("close"), f, 2));
  CHECK(!http1_is_hop_by_hop(STR("x-secret"), f + 1, 1));
  CHECK(!http1_is_hop_by_hop(STR("content-length"), f, 2));
  CHECK(!http1_is_hop_by_hop(STR("host"), f, 2));

  uint64_t v;
  CHECK(http1_parse_decimal(STR("0"), &v) && v == 0);
  CHECK(!http1_parse_decimal(STR(""), &v) && !http1_parse_decimal(STR("1 "), &v) && !http1_parse_decimal(STR("-1"), &v));
  CHECK(http1_list_has(STR("a, Keep-Alive ,"), "keep-alive") && !http1_list_has(STR("keep-alive-x"), "keep-alive"));
}

int main(void) {
  test_chunked();
  test_trailers();
  test_heads();
  test_framing();
  test_host_and_hop_by_hop();
  printf("%d checks, %d failures\n", checks, failures);
  return failures != 0;
}
