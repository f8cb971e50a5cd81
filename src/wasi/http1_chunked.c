/* The chunked transfer coding decoder (http1_chunked.h): one state per position in the grammar,
 * so a call may stop after any byte. */
#include "http1_chunked.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http1_grammar.h"

enum {
  ST_SIZE_FIRST,    /* the first hex digit of a size */
  ST_SIZE,          /* more hex digits, or what follows them */
  ST_EXT_BWS,       /* BWS after a size or an extension: only ";" (or more BWS) may follow */
  ST_EXT_NAME_BWS,  /* BWS after ";" */
  ST_EXT_NAME,      /* in an extension name */
  ST_EXT_NAME_END,  /* BWS after a name: "=", ";" or more BWS */
  ST_EXT_VALUE_BWS, /* BWS after "=" */
  ST_EXT_TOKEN,     /* in a token value */
  ST_EXT_QUOTED,    /* in a quoted-string value */
  ST_EXT_ESCAPE,    /* after a backslash in a quoted-string */
  ST_EXT_AFTER_QUOTE,
  ST_SIZE_LF,       /* the size line's CR was read */
  ST_DATA,
  ST_DATA_CR,       /* the CRLF after a chunk's data */
  ST_DATA_LF,
  ST_TRAILER_START, /* the start of a trailer line, or the final CRLF */
  ST_TRAILER_LINE,  /* in a trailer line: kept until its CRLF, then judged */
  ST_TRAILER_LF,
  ST_END_LF,        /* the final CR was read */
  ST_DONE,
  ST_ERROR,
};

void http1_chunked_init(http1_chunked_decoder *d, size_t max_trailer_bytes, size_t max_trailer_lines) {
  memset(d, 0, sizeof *d);
  d->state = ST_SIZE_FIRST;
  d->max_trailer_bytes = max_trailer_bytes;
  d->max_trailer_lines = max_trailer_lines;
  d->max_line_bytes = HTTP1_CHUNK_LINE_MAX;
}

void http1_chunked_release(http1_chunked_decoder *d) {
  free(d->line_buf);
  free(d->fields);
  d->line_buf = NULL;
  d->fields = NULL;
  d->line_len = d->line_cap = d->field_count = d->field_cap = 0;
}

const http1_field *http1_chunked_trailers(const http1_chunked_decoder *d, size_t *count) {
  *count = d->state == ST_DONE ? d->field_count : 0;
  return d->fields;
}

/* One byte of a trailer line. The kept fields point into line_buf, so a bigger buffer takes them
 * along. False when memory ran out. */
static bool trailer_append(http1_chunked_decoder *d, unsigned char c) {
  if (d->line_len == d->line_cap) {
    size_t cap = d->line_cap ? d->line_cap * 2 : 256;
    char *grown = malloc(cap);
    if (!grown) return false;
    if (d->line_len) memcpy(grown, d->line_buf, d->line_len);
    for (size_t i = 0; i < d->field_count; i++) {
      http1_field *f = &d->fields[i];
      f->name = grown + (f->name - d->line_buf);
      f->value = grown + (f->value - d->line_buf);
    }
    free(d->line_buf);
    d->line_buf = grown;
    d->line_cap = cap;
  }
  d->line_buf[d->line_len++] = (char)c;
  return true;
}

/* A trailer line's CRLF arrived: the line must be a field line (the grammar of heads); a field
 * that may not be a trailer is dropped. */
static bool trailer_line_end(http1_chunked_decoder *d) {
  if (++d->trailer_lines > d->max_trailer_lines) {
    d->over_limit = true;
    return false;
  }
  http1_field f;
  if (!http1_parse_field_line(d->line_buf + d->line_start, d->line_len - d->line_start, &f)) return false;
  if (http1_is_forbidden_trailer(f.name, f.name_len)) {
    d->line_len = d->line_start;
    return true;
  }
  if (d->field_count == d->field_cap) {
    size_t cap = d->field_cap ? d->field_cap * 2 : 8;
    http1_field *grown = realloc(d->fields, cap * sizeof *grown);
    if (!grown) return false;
    d->fields = grown;
    d->field_cap = cap;
  }
  d->fields[d->field_count++] = f;
  return true;
}

static int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static bool is_ows(unsigned char c) { return c == ' ' || c == '\t'; }

/* qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text */
static bool is_qdtext(unsigned char c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c != 0x7f);
}

/* field-vchar / SP / HTAB */
static bool is_field_char(unsigned char c) { return (c >= 0x21 && c != 0x7f) || c == ' ' || c == '\t'; }

/* BWS after an extension name: "=", ";" or more BWS (a CR only right after the name). */
static int after_name(unsigned char c) {
  if (is_ows(c)) return ST_EXT_NAME_END;
  if (c == '=') return ST_EXT_VALUE_BWS;
  return c == ';' ? ST_EXT_NAME_BWS : ST_ERROR;
}

/* What may follow an extension value: BWS before the next ";", a ";", or the line's CR. */
static int after_value(unsigned char c) {
  if (is_ows(c)) return ST_EXT_BWS;
  if (c == ';') return ST_EXT_NAME_BWS;
  return c == '\r' ? ST_SIZE_LF : ST_ERROR;
}

/* One byte of a size line or of the framing around data and trailers: the next state. */
static int step(http1_chunked_decoder *d, unsigned char c) {
  switch (d->state) {
  case ST_SIZE_FIRST:
  case ST_SIZE: {
    int v = hex_value(c);
    if (v >= 0) {
      if (d->digits > 0 || v > 0) d->digits++;
      if (d->digits > 16) return ST_ERROR; /* 16 digits fill 64 bits: more would overflow */
      d->chunk_left = d->chunk_left * 16 + (uint64_t)v;
      return ST_SIZE;
    }
    if (d->state == ST_SIZE_FIRST) return ST_ERROR;
    if (is_ows(c)) return ST_EXT_BWS;
    if (c == ';') return ST_EXT_NAME_BWS;
    return c == '\r' ? ST_SIZE_LF : ST_ERROR;
  }
  case ST_EXT_BWS:
    if (is_ows(c)) return ST_EXT_BWS;
    return c == ';' ? ST_EXT_NAME_BWS : ST_ERROR;
  case ST_EXT_NAME_BWS:
    if (is_ows(c)) return ST_EXT_NAME_BWS;
    return http1_is_tchar(c) ? ST_EXT_NAME : ST_ERROR;
  case ST_EXT_NAME:
    if (http1_is_tchar(c)) return ST_EXT_NAME;
    return c == '\r' ? ST_SIZE_LF : after_name(c);
  case ST_EXT_NAME_END: return after_name(c);
  case ST_EXT_VALUE_BWS:
    if (is_ows(c)) return ST_EXT_VALUE_BWS;
    if (c == '"') return ST_EXT_QUOTED;
    return http1_is_tchar(c) ? ST_EXT_TOKEN : ST_ERROR;
  case ST_EXT_TOKEN:
    if (http1_is_tchar(c)) return ST_EXT_TOKEN;
    return after_value(c);
  case ST_EXT_AFTER_QUOTE: return after_value(c);
  case ST_EXT_QUOTED:
    if (c == '"') return ST_EXT_AFTER_QUOTE;
    if (c == '\\') return ST_EXT_ESCAPE;
    return is_qdtext(c) ? ST_EXT_QUOTED : ST_ERROR;
  case ST_EXT_ESCAPE: /* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
    return is_field_char(c) ? ST_EXT_QUOTED : ST_ERROR;
  case ST_SIZE_LF:
    if (c != '\n') return ST_ERROR;
    return d->chunk_left > 0 ? ST_DATA : ST_TRAILER_START;
  case ST_DATA_CR: return c == '\r' ? ST_DATA_LF : ST_ERROR;
  case ST_DATA_LF:
    if (c != '\n') return ST_ERROR;
    d->digits = 0;
    d->line_bytes = 0;
    return ST_SIZE_FIRST;
  case ST_TRAILER_START:
  case ST_TRAILER_LINE:
    if (c == '\r') return d->state == ST_TRAILER_START ? ST_END_LF : ST_TRAILER_LF;
    if (c == '\n') return ST_ERROR; /* a bare LF is no line end, and no field line holds one */
    if (d->state == ST_TRAILER_START) d->line_start = d->line_len;
    return trailer_append(d, c) ? ST_TRAILER_LINE : ST_ERROR;
  case ST_TRAILER_LF:
    if (c != '\n') return ST_ERROR;
    return trailer_line_end(d) ? ST_TRAILER_START : ST_ERROR;
  case ST_END_LF: return c == '\n' ? ST_DONE : ST_ERROR;
  default: return ST_ERROR;
  }
}

static bool in_size_line(int state) { return state <= ST_SIZE_LF; }
static bool in_trailers(int state) { return state >= ST_TRAILER_START && state <= ST_END_LF; }

http1_chunked_status http1_chunked_decode(http1_chunked_decoder *d, char *buf, size_t len, size_t *data_len,
                                          size_t *consumed) {
  size_t in = 0, out = 0;
  while (in < len && d->state != ST_DONE && d->state != ST_ERROR) {
    if (d->state == ST_DATA) {
      size_t n = len - in;
      if (n > d->chunk_left) n = (size_t)d->chunk_left;
      memmove(buf + out, buf + in, n);
      in += n;
      out += n;
      d->chunk_left -= n;
      if (d->chunk_left == 0) d->state = ST_DATA_CR;
      continue;
    }
    int before = d->state;
    d->state = step(d, (unsigned char)buf[in++]);
    if (in_size_line(before) && ++d->line_bytes > d->max_line_bytes) d->state = ST_ERROR;
    if (in_trailers(before) && ++d->trailer_bytes > d->max_trailer_bytes) {
      d->state = ST_ERROR;
      d->over_limit = true;
    }
  }
  *data_len = out;
  *consumed = in;
  if (d->state == ST_ERROR) return HTTP1_CHUNKED_ERROR;
  return d->state == ST_DONE ? HTTP1_CHUNKED_DONE : HTTP1_CHUNKED_MORE;
}
