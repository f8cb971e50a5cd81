/* libFuzzer target for the strict HTTP/1.1 framing shared by the front end and the clients
 * (src/wasi/http1_grammar.h, src/wasi/http1_chunked.h). An input is a connection's byte stream
 * (after a 4-byte seed); it is cut into requests three ways, and all three must agree:
 *
 *  - whole:       the framing module, the stream given at once;
 *  - split:       the framing module, the stream given in random pieces (the seed picks the cuts),
 *                 as a server gets it from reads; the chunked decoder must resume at any byte;
 *  - reference:   a small non-incremental parser of the same grammar written here, independently,
 *                 from RFC 9112 (request-line, field lines, Content-Length, Transfer-Encoding,
 *                 chunked with extensions and trailers).
 *
 * Compared: where each request starts, its head length, method/target/field count, its framing,
 * its body bytes, the trailer fields kept (count and a hash of names and values), where it ends, and how the stream ends (cleanly, cut short, or refused, and
 * why). Every request must start exactly where the previous one ended, so no byte is read as
 * both body and head. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasi/http1_chunked.h"
#include "wasi/http1_grammar.h"

#define MAX_HEAD 1024
#define MAX_FIELDS 8
#define MAX_TRAILER 256
#define MAX_TRAILER_LINES 8
#define MAX_CHUNK_LINE 64 /* lowered from HTTP1_CHUNK_LINE_MAX so that inputs reach it */
#define MAX_REQUESTS 64

typedef enum {
  END_CLEAN,      /* the stream ended between requests */
  END_INCOMPLETE, /* the stream ended inside a request */
  END_MALFORMED,  /* the head is malformed */
  END_TOO_LARGE,
  END_TOO_MANY,
  END_FRAMING_400,
  END_FRAMING_501,
  END_BAD_CHUNK,
  END_TOO_MANY_REQUESTS,
} end_kind;

typedef struct request {
  size_t start, head_len, end;
  size_t method_len, target_len, field_count;
  int body; /* http1_body_kind */
  size_t body_off, body_len; /* in the transcript's body bytes */
  size_t trailer_count;      /* trailer fields kept */
  uint32_t trailer_hash;     /* of their names and (trimmed) values, in order */
} request;

/* FNV-1a over a field, so that the kept trailers can be compared. */
static uint32_t hash_field(uint32_t h, const void *name, size_t name_len, const void *value, size_t value_len) {
  const uint8_t *parts[2] = {name, value};
  size_t lens[2] = {name_len, value_len};
  for (int k = 0; k < 2; k++) {
    for (size_t i = 0; i < lens[k]; i++) h = (h ^ parts[k][i]) * 16777619u;
    h = (h ^ 0xffu) * 16777619u; /* a separator no field byte can fake */
  }
  return h;
}
#define HASH_START 2166136261u

typedef struct transcript {
  request req[MAX_REQUESTS];
  size_t count;
  end_kind end;
  uint8_t *body; /* every body's bytes, in order */
  size_t body_len;
} transcript;

static void body_append(transcript *t, const void *p, size_t n) {
  memcpy(t->body + t->body_len, p, n);
  t->body_len += n;
}

/* ---------------- the framing module, fed in pieces ---------------- */

static uint32_t next_random(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static end_kind head_end_kind(http1_head_status st) {
  switch (st) {
  case HTTP1_HEAD_MALFORMED: return END_MALFORMED;
  case HTTP1_HEAD_TOO_LARGE: return END_TOO_LARGE;
  case HTTP1_HEAD_TOO_MANY_FIELDS: return END_TOO_MANY;
  default: return END_INCOMPLETE;
  }
}

/* piece_seed 0: the whole stream at once; bytewise: one byte at a time */
static void run_module(const uint8_t *data, size_t size, uint32_t piece_seed, bool bytewise, transcript *t) {
  char *work = malloc(size + 1);
  size_t wlen = 0, base = 0, given = 0; /* base: stream offset of work[0] */
  enum { HEAD, LENGTH, CHUNKED, STOPPED } state = HEAD;
  uint64_t left = 0;
  http1_chunked_decoder dec;
  http1_field fields[MAX_FIELDS];
  request *cur = NULL;
  t->end = END_CLEAN;
  while (state != STOPPED && given < size) {
    size_t piece = bytewise ? 1 : size - given;
    if (piece_seed && !bytewise) {
      uint32_t r = next_random(&piece_seed);
      size_t cut = (r & 3) == 0 ? 1 : 1 + (r >> 8) % 64;
      if (cut < piece) piece = cut;
    }
    memcpy(work + wlen, data + given, piece);
    wlen += piece;
    given += piece;
    bool progress = true;
    while (progress && state != STOPPED) {
      progress = false;
      if (state == HEAD) {
        if (wlen == 0) break;
        http1_head h;
        http1_head_status st = http1_parse_request_head(work, wlen, MAX_HEAD, fields, MAX_FIELDS, &h);
        if (st == HTTP1_HEAD_PARTIAL) break;
        if (st != HTTP1_HEAD_COMPLETE) {
          t->end = head_end_kind(st);
          state = STOPPED;
          break;
        }
        if (t->count == MAX_REQUESTS) {
          t->end = END_TOO_MANY_REQUESTS;
          state = STOPPED;
          break;
        }
        http1_framing fr;
        http1_framing_status fs = http1_request_framing(fields, h.field_count, h.minor_version, &fr);
        if (fs != HTTP1_FRAMING_OK) {
          t->end = fs == HTTP1_FRAMING_UNSUPPORTED ? END_FRAMING_501 : END_FRAMING_400;
          state = STOPPED;
          break;
        }
        cur = &t->req[t->count++];
        *cur = (request){base, h.length, 0, h.method_len, h.target_len, h.field_count, fr.body, t->body_len, 0, 0, 0};
        memmove(work, work + h.length, wlen - h.length);
        wlen -= h.length;
        base += h.length;
        if (fr.body == HTTP1_BODY_LENGTH) {
          state = LENGTH;
          left = fr.length;
        } else if (fr.body == HTTP1_BODY_CHUNKED) {
          state = CHUNKED;
          http1_chunked_init(&dec, MAX_TRAILER, MAX_TRAILER_LINES);
          dec.max_line_bytes = MAX_CHUNK_LINE;
        } else {
          cur->end = base;
        }
        progress = true;
      } else if (state == LENGTH) {
        size_t n = wlen < left ? wlen : (size_t)left;
        body_append(t, work, n);
        cur->body_len += n;
        memmove(work, work + n, wlen - n);
        wlen -= n;
        base += n;
        left -= n;
        if (left == 0) {
          cur->end = base;
          state = HEAD;
          progress = true;
        }
      } else if (state == CHUNKED) {
        if (wlen == 0) break;
        size_t got, consumed;
        http1_chunked_status st = http1_chunked_decode(&dec, work, wlen, &got, &consumed);
        if (st == HTTP1_CHUNKED_ERROR) {
          t->end = END_BAD_CHUNK;
          state = STOPPED;
          http1_chunked_release(&dec);
          break;
        }
        if (st == HTTP1_CHUNKED_MORE && consumed != wlen) abort(); /* MORE takes everything */
        if (got > consumed) abort();
        body_append(t, work, got);
        cur->body_len += got;
        memmove(work, work + consumed, wlen - consumed);
        wlen -= consumed;
        base += consumed;
        if (st == HTTP1_CHUNKED_DONE) {
          const http1_field *f = http1_chunked_trailers(&dec, &cur->trailer_count);
          cur->trailer_hash = HASH_START;
          for (size_t i = 0; i < cur->trailer_count; i++)
            cur->trailer_hash = hash_field(cur->trailer_hash, f[i].name, f[i].name_len, f[i].value, f[i].value_len);
          http1_chunked_release(&dec);
          cur->end = base;
          state = HEAD;
          progress = true;
        }
      }
    }
  }
  if (state == CHUNKED) http1_chunked_release(&dec);
  if (state != STOPPED && (state != HEAD || wlen > 0)) t->end = END_INCOMPLETE;
  if (t->end != END_CLEAN && t->count > 0 && t->req[t->count - 1].end == 0 &&
      t->req[t->count - 1].body != HTTP1_BODY_NONE)
    t->count--; /* the request cut short or refused in its body: only whole requests compare */
  free(work);
}

/* ---------------- the reference: the whole stream, by recursive descent ---------------- */

typedef enum { R_OK, R_SHORT, R_BAD, R_TOO_MANY } ref_result; /* parsed / ran out of input / wrong byte */

typedef struct ref {
  const uint8_t *s;
  size_t len;
} ref;

static bool ref_tchar(uint8_t c) {
  static const char extra[] = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != 0 && memchr(extra, c, sizeof extra - 1) != NULL);
}
static bool ref_vchar_or_obs(uint8_t c) { return c > 0x20 && c != 0x7f; }
static bool ref_ws(uint8_t c) { return c == ' ' || c == '\t'; }

/* CRLF at *p; *p moves past what matched, so it ends on the wrong byte or the end of input */
static ref_result ref_crlf(const ref *r, size_t *p) {
  if (*p >= r->len) return R_SHORT;
  if (r->s[*p] != '\r') return R_BAD;
  ++*p;
  if (*p >= r->len) return R_SHORT;
  if (r->s[*p] != '\n') return R_BAD;
  ++*p;
  return R_OK;
}

typedef struct ref_field {
  size_t name, name_len, value, value_len;
} ref_field;

typedef struct ref_head {
  size_t method_len, target_len, count, length;
  int minor;
  ref_field f[MAX_FIELDS + 1];
} ref_head;

/* request head from p; *bad_at says where a wrong byte was (for the size cap) */
static ref_result ref_head_parse(const ref *r, size_t p0, ref_head *h, size_t *stop) {
  size_t p = p0;
  ref_result res;
  memset(h, 0, sizeof *h);
  while (p < r->len && r->s[p] == '\r') {
    if ((res = ref_crlf(r, &p)) != R_OK) return *stop = p, res;
  }
  size_t m = p;
  while (p < r->len && ref_tchar(r->s[p])) p++;
  if (p >= r->len) return *stop = p, R_SHORT;
  if (p == m || r->s[p] != ' ') return *stop = p, R_BAD;
  h->method_len = p - m;
  size_t tg = ++p;
  while (p < r->len && r->s[p] > 0x20 && r->s[p] < 0x7f) p++;
  if (p >= r->len) return *stop = p, R_SHORT;
  if (p == tg || r->s[p] != ' ') return *stop = p, R_BAD;
  h->target_len = p - tg;
  p++;
  static const char version[] = "HTTP/1.";
  for (size_t i = 0; i < 7; i++, p++) {
    if (p >= r->len) return *stop = p, R_SHORT;
    if (r->s[p] != (uint8_t)version[i]) return *stop = p, R_BAD;
  }
  if (p >= r->len) return *stop = p, R_SHORT;
  if (r->s[p] < '0' || r->s[p] > '9') return *stop = p, R_BAD;
  h->minor = r->s[p++] - '0';
  if ((res = ref_crlf(r, &p)) != R_OK) return *stop = p, res;
  for (;;) {
    if (p >= r->len) return *stop = p, R_SHORT;
    if (r->s[p] == '\r') {
      if ((res = ref_crlf(r, &p)) != R_OK) return *stop = p, res;
      h->length = p - p0;
      *stop = p;
      return R_OK;
    }
    size_t n = p;
    while (p < r->len && ref_tchar(r->s[p])) p++;
    if (p >= r->len) return *stop = p, R_SHORT;
    if (p == n || r->s[p] != ':') return *stop = p, R_BAD;
    size_t nl = p - n;
    size_t v = ++p;
    while (p < r->len && (ref_vchar_or_obs(r->s[p]) || ref_ws(r->s[p]))) p++;
    size_t ve = p;
    if ((res = ref_crlf(r, &p)) != R_OK) return *stop = p, res;
    while (v < ve && ref_ws(r->s[v])) v++;
    while (ve > v && ref_ws(r->s[ve - 1])) ve--;
    if (h->count == MAX_FIELDS) { /* one more than the module has room for */
      *stop = p;
      return R_TOO_MANY;
    }
    h->f[h->count++] = (ref_field){n, nl, v, ve - v};
  }
}

static bool ref_name_is(const ref *r, const ref_field *f, const char *lower) {
  if (f->name_len != strlen(lower)) return false;
  for (size_t i = 0; i < f->name_len; i++) {
    uint8_t c = r->s[f->name + i];
    if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (uint8_t)lower[i]) return false;
  }
  return true;
}

static bool ref_elem_is(const uint8_t *e, size_t n, const char *lower) {
  if (n != strlen(lower)) return false;
  for (size_t i = 0; i < n; i++)
    if ((e[i] >= 'A' && e[i] <= 'Z' ? e[i] + 32 : e[i]) != (uint8_t)lower[i]) return false;
  return true;
}

/* RFC 9112 §6 for a server: 0 ok, else the status. */
static int ref_framing(const ref *r, const ref_head *h, int *body, uint64_t *length) {
  bool te = false, cl = false, last_chunked = false, chunked_twice = false, chunked_any = false, other = false;
  uint64_t value = 0;
  for (size_t i = 0; i < h->count; i++) {
    const ref_field *f = &h->f[i];
    bool is_te = ref_name_is(r, f, "transfer-encoding"), is_cl = ref_name_is(r, f, "content-length");
    if (!is_te && !is_cl) continue;
    te |= is_te;
    const uint8_t *v = r->s + f->value;
    size_t elements = 0, i0 = 0;
    for (size_t k = 0; k <= f->value_len; k++) {
      if (k < f->value_len && v[k] != ',') continue;
      size_t a = i0, b = k;
      i0 = k + 1;
      while (a < b && ref_ws(v[a])) a++;
      while (b > a && ref_ws(v[b - 1])) b--;
      if (a == b) continue;
      elements++;
      if (is_te) {
        bool ch = ref_elem_is(v + a, b - a, "chunked");
        if (ch && chunked_any) chunked_twice = true;
        chunked_any |= ch;
        other |= !ch;
        last_chunked = ch;
      } else {
        uint64_t n = 0;
        for (size_t d = a; d < b; d++) {
          if (v[d] < '0' || v[d] > '9') return 400;
          if (n > UINT64_MAX / 10 || n * 10 > UINT64_MAX - (uint64_t)(v[d] - '0')) return 400;
          n = n * 10 + (uint64_t)(v[d] - '0');
        }
        if (cl && n != value) return 400;
        cl = true;
        value = n;
      }
    }
    if (is_cl && elements == 0) return 400;
  }
  *body = HTTP1_BODY_NONE;
  if (te) {
    if (h->minor == 0 || cl || chunked_twice || (chunked_any && !last_chunked)) return 400;
    if (other) return 501;
    if (!last_chunked) return 400;
    *body = HTTP1_BODY_CHUNKED;
    return 0;
  }
  if (cl && value > 0) {
    *body = HTTP1_BODY_LENGTH;
    *length = value;
  }
  return 0;
}

static int ref_hex(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* chunk-ext up to and including the line's CRLF, from p (just after the size digits) */
static ref_result ref_chunk_ext(const ref *r, size_t *p) {
  for (;;) {
    size_t q = *p;
    while (q < r->len && ref_ws(r->s[q])) q++;
    if (q >= r->len) return R_SHORT;
    if (r->s[q] == '\r' && q == *p) return ref_crlf(r, p); /* no BWS before the CRLF */
    if (r->s[q] != ';') return R_BAD;
    q++;
    while (q < r->len && ref_ws(r->s[q])) q++;
    size_t name = q;
    while (q < r->len && ref_tchar(r->s[q])) q++;
    if (q >= r->len) return R_SHORT;
    if (q == name) return R_BAD;
    size_t after_name = q;
    while (q < r->len && ref_ws(r->s[q])) q++;
    if (q >= r->len) return R_SHORT;
    if (r->s[q] != '=') {
      *p = after_name; /* no value: what follows the name is judged by the loop */
      continue;
    }
    q++;
    while (q < r->len && ref_ws(r->s[q])) q++;
    if (q >= r->len) return R_SHORT;
    if (r->s[q] == '"') {
      q++;
      for (;;) {
        if (q >= r->len) return R_SHORT;
        uint8_t c = r->s[q];
        if (c == '"') break;
        if (c == '\\') {
          if (q + 1 >= r->len) return R_SHORT;
          uint8_t e = r->s[q + 1];
          if (!(ref_vchar_or_obs(e) || ref_ws(e))) return R_BAD;
          q += 2;
          continue;
        }
        if (!(ref_ws(c) || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c != 0x7f))) return R_BAD;
        q++;
      }
      q++;
    } else {
      size_t v = q;
      while (q < r->len && ref_tchar(r->s[q])) q++;
      if (q == v) return R_BAD;
    }
    *p = q;
  }
}

/* a chunked body from p: *end after it; decoded bytes appended to t */
static ref_result ref_chunked(const ref *r, size_t p, size_t *end, transcript *t) {
  for (;;) {
    size_t line = p;
    uint64_t size = 0;
    unsigned significant = 0;
    while (p < r->len && ref_hex(r->s[p]) >= 0) {
      if (significant || ref_hex(r->s[p]) > 0) significant++;
      if (significant > 16) return R_BAD;
      size = size * 16 + (uint64_t)ref_hex(r->s[p]);
      p++;
    }
    if (p >= r->len) return p - line > MAX_CHUNK_LINE ? R_BAD : R_SHORT;
    if (p == line) return R_BAD;
    ref_result res = ref_chunk_ext(r, &p);
    if (p - line > MAX_CHUNK_LINE) return R_BAD; /* counts the line's CRLF too */
    if (res == R_SHORT && r->len - line > MAX_CHUNK_LINE) return R_BAD;
    if (res != R_OK) return res;
    if (size == 0) break;
    if (r->len - p < size) return R_SHORT;
    body_append(t, r->s + p, (size_t)size);
    t->req[t->count - 1].body_len += (size_t)size;
    p += (size_t)size;
    if ((res = ref_crlf(r, &p)) != R_OK) return res;
  }
  /* The trailer section: a line is judged once its CRLF is in (a bare LF at once), like a
   * field line of a head; the section is bounded in bytes and lines. Which fields are dropped
   * is the module's policy (http1_is_forbidden_trailer), not grammar, so it is asked here. */
  size_t trailers = p, lines = 0;
  request *q = &t->req[t->count - 1];
  q->trailer_hash = HASH_START;
  for (;;) {
    if (p >= r->len) return R_SHORT;
    if (r->s[p] == '\r') {
      ref_result res = ref_crlf(r, &p);
      if (p - trailers > MAX_TRAILER) return R_BAD;
      if (res == R_SHORT && r->len - trailers > MAX_TRAILER) return R_BAD;
      if (res != R_OK) return res;
      *end = p;
      return R_OK;
    }
    size_t n = p;
    while (p < r->len && r->s[p] != '\r' && r->s[p] != '\n') p++;
    if (p < r->len && p - trailers >= MAX_TRAILER) return R_BAD; /* the byte over the bound */
    if (p >= r->len) return r->len - trailers > MAX_TRAILER ? R_BAD : R_SHORT;
    if (r->s[p] == '\n') return R_BAD;
    size_t line_end = p;
    ref_result res = ref_crlf(r, &p);
    if (p - trailers > MAX_TRAILER || (res == R_SHORT && r->len - trailers > MAX_TRAILER)) return R_BAD;
    if (res != R_OK) return res;
    if (++lines > MAX_TRAILER_LINES) return R_BAD;
    size_t c = n;
    while (c < line_end && ref_tchar(r->s[c])) c++;
    if (c == n || c == line_end || r->s[c] != ':') return R_BAD;
    size_t name_len = c - n, v = c + 1;
    for (size_t i = v; i < line_end; i++)
      if (!ref_vchar_or_obs(r->s[i]) && !ref_ws(r->s[i])) return R_BAD;
    size_t ve = line_end;
    while (v < ve && ref_ws(r->s[v])) v++;
    while (ve > v && ref_ws(r->s[ve - 1])) ve--;
    if (http1_is_forbidden_trailer((const char *)r->s + n, name_len)) continue;
    q->trailer_count++;
    q->trailer_hash = hash_field(q->trailer_hash, r->s + n, name_len, r->s + v, ve - v);
  }
}

static void run_reference(const uint8_t *data, size_t size, transcript *t) {
  ref r = {data, size};
  size_t p = 0;
  t->end = END_CLEAN;
  while (p < size) {
    ref_head h;
    size_t stop;
    ref_result res = ref_head_parse(&r, p, &h, &stop);
    /* the module sees at most MAX_HEAD bytes of a head: what lies past them it never reaches */
    if (res == R_OK && h.length > MAX_HEAD) res = R_SHORT, stop = p + MAX_HEAD;
    if ((res == R_BAD && stop - p >= MAX_HEAD) || (res == R_TOO_MANY && stop - p > MAX_HEAD)) {
      t->end = END_TOO_LARGE;
      return;
    }
    if (res == R_SHORT) {
      t->end = size - p >= MAX_HEAD ? END_TOO_LARGE : END_INCOMPLETE;
      return;
    }
    if (res == R_BAD) {
      t->end = END_MALFORMED;
      return;
    }
    if (res == R_TOO_MANY) {
      t->end = END_TOO_MANY;
      return;
    }
    if (t->count == MAX_REQUESTS) {
      t->end = END_TOO_MANY_REQUESTS;
      return;
    }
    int body;
    uint64_t length = 0;
    int status = ref_framing(&r, &h, &body, &length);
    if (status) {
      t->end = status == 501 ? END_FRAMING_501 : END_FRAMING_400;
      return;
    }
    request *q = &t->req[t->count++];
    *q = (request){p, h.length, 0, h.method_len, h.target_len, h.count, body, t->body_len, 0, 0, 0};
    p += h.length;
    if (body == HTTP1_BODY_LENGTH) {
      if (size - p < length) {
        t->count--;
        t->end = END_INCOMPLETE;
        return;
      }
      body_append(t, data + p, (size_t)length);
      q->body_len = (size_t)length;
      p += (size_t)length;
    } else if (body == HTTP1_BODY_CHUNKED) {
      size_t end;
      res = ref_chunked(&r, p, &end, t);
      if (res != R_OK) {
        t->count--;
        t->end = res == R_SHORT ? END_INCOMPLETE : END_BAD_CHUNK;
        return;
      }
      p = end;
    }
    q->end = p;
  }
}

/* ---------------- comparing ---------------- */

static void report(const char *what, const transcript *a, const transcript *b) {
  fprintf(stderr, "fuzz_http1: %s differ: end %d vs %d, requests %zu vs %zu\n", what, a->end, b->end, a->count,
          b->count);
  for (size_t i = 0; i < a->count || i < b->count; i++) {
    const request *x = i < a->count ? &a->req[i] : NULL, *y = i < b->count ? &b->req[i] : NULL;
    fprintf(stderr, "  #%zu: start %zu/%zu head %zu/%zu end %zu/%zu body %d/%d len %zu/%zu\n", i, x ? x->start : 0,
            y ? y->start : 0, x ? x->head_len : 0, y ? y->head_len : 0, x ? x->end : 0, y ? y->end : 0,
            x ? x->body : -1, y ? y->body : -1, x ? x->body_len : 0, y ? y->body_len : 0);
  }
  abort();
}

static void compare(const char *what, const transcript *a, const transcript *b) {
  if (a->end != b->end || a->count != b->count) report(what, a, b);
  for (size_t i = 0; i < a->count; i++) {
    const request *x = &a->req[i], *y = &b->req[i];
    if (x->start != y->start || x->head_len != y->head_len || x->end != y->end || x->body != y->body ||
        x->method_len != y->method_len || x->target_len != y->target_len || x->field_count != y->field_count ||
        x->body_len != y->body_len || x->trailer_count != y->trailer_count || x->trailer_hash != y->trailer_hash ||
        memcmp(a->body + x->body_off, b->body + y->body_off, x->body_len) != 0)
      report(what, a, b);
    /* contiguous: each request begins where the last one ended, its body after its head */
    if (x->start != (i ? a->req[i - 1].end : 0) || x->start + x->head_len > x->end) report(what, a, b);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  uint32_t seed;
  memcpy(&seed, data, 4);
  seed |= 1; /* 0 means "whole" */
  data += 4;
  size -= 4;
  transcript whole = {0}, split = {0}, bytewise = {0}, reference = {0};
  bool small = size <= 1024; /* byte at a time re-parses a head per byte: keep it for short inputs */
  whole.body = malloc(size + 1);
  split.body = malloc(size + 1);
  bytewise.body = malloc(size + 1);
  reference.body = malloc(size + 1);
  run_module(data, size, 0, false, &whole);
  run_module(data, size, seed, false, &split);
  if (small) run_module(data, size, 0, true, &bytewise);
  run_reference(data, size, &reference);
  compare("whole and split", &whole, &split);
  if (small) compare("whole and bytewise", &whole, &bytewise);
  compare("module and reference", &whole, &reference);
  free(whole.body);
  free(split.body);
  free(bytewise.body);
  free(reference.body);
  return 0;
}
