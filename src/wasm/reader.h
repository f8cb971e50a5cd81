/* A bounds-checked cursor over WebAssembly binary bytes. Every read either succeeds or
 * records the spec's error category with the absolute byte offset in `err` and returns
 * false; once failed, callers stop. Used by the decoder, validator and compiler alike. */
#ifndef WARREN_WASM_READER_H
#define WARREN_WASM_READER_H

#include <string.h>

#include "../base/error.h"

typedef struct wasm_reader {
  const uint8_t *data; /* start of the whole binary: offsets in errors are absolute */
  size_t pos, end;
  wr_error *err;
} wasm_reader;

static inline wasm_reader wasm_reader_at(const uint8_t *data, size_t pos, size_t end, wr_error *err) {
  wasm_reader r = {data, pos, end, err};
  return r;
}

static inline bool wasm_reader_done(const wasm_reader *r) { return r->pos >= r->end; }
static inline size_t wasm_reader_remaining(const wasm_reader *r) { return r->end - r->pos; }

static inline bool wasm_read_fail(wasm_reader *r, const char *message) {
  wr_error_at(r->err, r->pos, "%s", message);
  return false;
}

static inline bool wasm_read_u8(wasm_reader *r, uint8_t *out) {
  if (r->pos >= r->end) return wasm_read_fail(r, "unexpected end");
  *out = r->data[r->pos++];
  return true;
}

/* Unsigned LEB128 of at most `bits` bits: "integer representation too long" when it has too
 * many bytes, "integer too large" when the final byte has bits beyond `bits`. */
static inline bool wasm_read_uleb(wasm_reader *r, unsigned bits, uint64_t *out) {
  uint64_t result = 0;
  unsigned shift = 0;
  const unsigned max_bytes = (bits + 6) / 7;
  for (unsigned i = 0;; i++) {
    uint8_t byte;
    if (r->pos >= r->end) return wasm_read_fail(r, "unexpected end");
    byte = r->data[r->pos++];
    if (i == max_bytes - 1) {
      unsigned used = bits - shift; /* payload bits allowed in this last byte */
      if (byte & 0x80) {
        r->pos--;
        return wasm_read_fail(r, "integer representation too long");
      }
      if (used < 7 && (byte >> used) != 0) {
        r->pos--;
        return wasm_read_fail(r, "integer too large");
      }
    }
    result |= (uint64_t)(byte & 0x7F) << shift;
    shift += 7;
    if (!(byte & 0x80)) break;
  }
  *out = result;
  return true;
}

/* Signed LEB128 of at most `bits` bits; unused bits of the last byte must be the sign's
 * extension ("integer too large" otherwise). */
static inline bool wasm_read_sleb(wasm_reader *r, unsigned bits, int64_t *out) {
  uint64_t result = 0;
  unsigned shift = 0;
  const unsigned max_bytes = (bits + 6) / 7;
  uint8_t byte = 0;
  for (unsigned i = 0;; i++) {
    if (r->pos >= r->end) return wasm_read_fail(r, "unexpected end");
    byte = r->data[r->pos++];
    if (i == max_bytes - 1) {
      if (byte & 0x80) {
        r->pos--;
        return wasm_read_fail(r, "integer representation too long");
      }
      unsigned used = bits - shift; /* bits of the value in this byte, sign included */
      if (used < 7) {
        /* the bits above `used - 1` must all equal the sign bit */
        int8_t rest = (int8_t)(byte << 1) >> used; /* sign-propagating view of bits [used-1..6] */
        if (rest != 0 && rest != -1) {
          r->pos--;
          return wasm_read_fail(r, "integer too large");
        }
      }
    }
    result |= (uint64_t)(byte & 0x7F) << shift;
    shift += 7;
    if (!(byte & 0x80)) break;
  }
  if (shift < 64 && (byte & 0x40)) result |= ~(uint64_t)0 << shift;
  *out = (int64_t)result;
  return true;
}

static inline bool wasm_read_u32(wasm_reader *r, uint32_t *out) {
  uint64_t v = 0; /* set on success; initialized so that gcc -O1 sees it */
  if (!wasm_read_uleb(r, 32, &v)) return false;
  *out = (uint32_t)v;
  return true;
}

static inline bool wasm_read_u64(wasm_reader *r, uint64_t *out) { return wasm_read_uleb(r, 64, out); }

static inline bool wasm_read_s32(wasm_reader *r, int32_t *out) {
  int64_t v = 0;
  if (!wasm_read_sleb(r, 32, &v)) return false;
  *out = (int32_t)v;
  return true;
}

static inline bool wasm_read_s33(wasm_reader *r, int64_t *out) { return wasm_read_sleb(r, 33, out); }
static inline bool wasm_read_s64(wasm_reader *r, int64_t *out) { return wasm_read_sleb(r, 64, out); }

static inline bool wasm_read_bytes(wasm_reader *r, size_t n, const uint8_t **out) {
  if (wasm_reader_remaining(r) < n) return wasm_read_fail(r, "unexpected end");
  *out = r->data + r->pos;
  r->pos += n;
  return true;
}

static inline bool wasm_read_fixed32(wasm_reader *r, uint32_t *out) {
  const uint8_t *p = NULL;
  if (!wasm_read_bytes(r, 4, &p)) return false;
  *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  return true;
}

static inline bool wasm_read_fixed64(wasm_reader *r, uint64_t *out) {
  uint32_t lo, hi;
  if (!wasm_read_fixed32(r, &lo) || !wasm_read_fixed32(r, &hi)) return false;
  *out = (uint64_t)hi << 32 | lo;
  return true;
}

/* True when [s, s+n) is well-formed UTF-8 (no overlongs, surrogates or code points > 0x10FFFF). */
static inline bool wasm_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) { i++; continue; }
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

/* A name: u32 length + UTF-8 bytes ("malformed UTF-8 encoding" when invalid). */
static inline bool wasm_read_name_bytes(wasm_reader *r, const uint8_t **out, uint32_t *len) {
  if (!wasm_read_u32(r, len)) return false;
  size_t start = r->pos;
  if (!wasm_read_bytes(r, *len, out)) return false;
  if (!wasm_utf8_valid(*out, *len)) {
    wr_error_at(r->err, start, "malformed UTF-8 encoding");
    return false;
  }
  return true;
}

#endif
