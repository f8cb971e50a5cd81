/* Strings across the Canonical ABI: host UTF-8 to the guest's encoding (utf8, utf16 or
 * latin1+utf16) and back, with the spec's allocation sequence and traps. */
#include "canon.h"

#include <string.h>

#define TRAP(cx, ...) wasm_trap_new((cx)->store, WASM_TRAP_HOST, __VA_ARGS__)

wasm_trap *cm_canon_realloc(const cm_canon_cx *cx, const char *what, uint32_t old_ptr, uint32_t old_size,
                            uint32_t align, uint32_t new_size, uint32_t *ptr) {
  if (!cx->realloc || !cx->memory) return TRAP(cx, "canonical ABI: no realloc to allocate guest memory with");
  wasm_slot slots[4] = {old_ptr, old_size, align, new_size};
  /* realloc runs with context slots of its own, fresh each time: it neither sees nor changes
   * those of the task it allocates for (wasmtime's context-in-compositions.wast) */
  cm_thread *thread = cm_current_thread();
  uint32_t saved[CM_CONTEXT_SLOTS] = {0};
  if (thread) {
    memcpy(saved, thread->storage, sizeof saved);
    memset(thread->storage, 0, sizeof thread->storage);
  }
  if (cx->may_leave) *cx->may_leave = false;
  wasm_trap *trap = wasm_func_call(cx->store, cx->realloc, slots);
  if (cx->may_leave) *cx->may_leave = true;
  if (thread) memcpy(thread->storage, saved, sizeof saved);
  if (trap) return trap;
  uint32_t p = (uint32_t)slots[0];
  if (p % align) return TRAP(cx, "realloc return: result not aligned (unaligned pointer %u, alignment %u)", p, align);
  if ((uint64_t)p + new_size > wasm_memory_size_bytes(cx->memory))
    return TRAP(cx, "realloc return: beyond end of memory (%s content out-of-bounds: %u + %u bytes)", what, p,
                new_size);
  *ptr = p;
  return NULL;
}

/* Decodes one scalar value of well-formed UTF-8 at s[*i] (bounded by len); false on an
 * invalid sequence (overlong, surrogate, > U+10FFFF, truncated). */
static bool utf8_next(const uint8_t *s, uint32_t len, uint32_t *i, uint32_t *cp) {
  uint8_t b = s[*i];
  uint32_t n, c, min;
  if (b < 0x80) {
    *cp = b;
    (*i)++;
    return true;
  } else if ((b & 0xE0) == 0xC0) {
    n = 1, c = b & 0x1F, min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    n = 2, c = b & 0x0F, min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    n = 3, c = b & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (len - *i <= n) return false;
  for (uint32_t k = 1; k <= n; k++) {
    uint8_t cont = s[*i + k];
    if ((cont & 0xC0) != 0x80) return false;
    c = (c << 6) | (cont & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
  *cp = c;
  *i += n + 1;
  return true;
}

static uint32_t utf8_put(uint8_t *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (uint8_t)(0xC0 | (cp >> 6));
    out[1] = (uint8_t)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (uint8_t)(0xE0 | (cp >> 12));
    out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (uint8_t)(0xF0 | (cp >> 18));
  out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (uint8_t)(0x80 | (cp & 0x3F));
  return 4;
}

/* Writes cp as UTF-16LE at out; returns the code units written (1 or 2). */
static uint32_t utf16_put(uint8_t *out, uint32_t cp) {
  if (cp < 0x10000) {
    out[0] = (uint8_t)cp;
    out[1] = (uint8_t)(cp >> 8);
    return 1;
  }
  cp -= 0x10000;
  uint32_t hi = 0xD800 | (cp >> 10), lo = 0xDC00 | (cp & 0x3FF);
  out[0] = (uint8_t)hi, out[1] = (uint8_t)(hi >> 8), out[2] = (uint8_t)lo, out[3] = (uint8_t)(lo >> 8);
  return 2;
}

static bool utf8_valid(const uint8_t *s, uint32_t len) {
  uint32_t cp;
  for (uint32_t i = 0; i < len;)
    if (!utf8_next(s, len, &i, &cp)) return false;
  return true;
}

/* Why guest UTF-8 is invalid: a sequence cut off by the end of the string, or anything else. */
static const char *utf8_problem(const uint8_t *s, uint32_t len) {
  uint32_t cp, i = 0;
  while (i < len && utf8_next(s, len, &i, &cp)) {}
  if (i >= len) return "invalid utf-8";
  uint32_t need = s[i] >= 0xF0 ? 4 : s[i] >= 0xE0 ? 3 : s[i] >= 0xC0 ? 2 : 1;
  bool prefix_ok = true;
  for (uint32_t k = 1; k < need && i + k < len; k++) prefix_ok &= (s[i + k] & 0xC0) == 0x80;
  return s[i] < 0xF8 && need > 1 && i + need > len && prefix_ok ? "incomplete utf-8 byte sequence" : "invalid utf-8";
}

static uint8_t *guest_bytes(const cm_canon_cx *cx, uint32_t ptr) { return wasm_memory_data(cx->memory) + ptr; }

/* store_utf8_to_utf16: worst case two bytes per UTF-8 byte, shrunk to fit afterwards. */
static wasm_trap *store_utf16(const cm_canon_cx *cx, const uint8_t *src, uint32_t len, uint32_t *ptr_out,
                              uint32_t *units_out) {
  uint64_t worst = 2 * (uint64_t)len; /* the caller bounded len: this fits 32 bits */
  uint32_t ptr;
  wasm_trap *trap = cm_canon_realloc(cx, "string", 0, 0, 2, (uint32_t)worst, &ptr);
  if (trap) return trap;
  uint8_t *dst = guest_bytes(cx, ptr);
  uint32_t units = 0, cp;
  for (uint32_t i = 0; i < len;) {
    utf8_next(src, len, &i, &cp); /* validated by the caller */
    units += utf16_put(dst + 2 * units, cp);
  }
  if (2 * (uint64_t)units < worst) {
    trap = cm_canon_realloc(cx, "string", ptr, (uint32_t)worst, 2, 2 * units, &ptr);
    if (trap) return trap;
  }
  *ptr_out = ptr;
  *units_out = units;
  return NULL;
}

/* store_string_to_latin1_or_utf16: Latin-1 while every scalar fits a byte; at the first that
 * does not, grow to the UTF-16 worst case, widen the bytes written so far in place and go on
 * in UTF-16 (the length then carries CM_UTF16_TAG). */
static wasm_trap *store_latin1_or_utf16(const cm_canon_cx *cx, const uint8_t *src, uint32_t len,
                                        uint32_t *ptr_out, uint32_t *tagged_out) {
  uint32_t ptr;
  wasm_trap *trap = cm_canon_realloc(cx, "string", 0, 0, 2, len, &ptr);
  if (trap) return trap;
  uint32_t written = 0, cp;
  for (uint32_t i = 0; i < len;) {
    uint32_t start = i;
    utf8_next(src, len, &i, &cp);
    if (cp < 0x100) {
      guest_bytes(cx, ptr)[written++] = (uint8_t)cp;
      continue;
    }
    uint64_t worst = 2 * (uint64_t)len;
    trap = cm_canon_realloc(cx, "string", ptr, len, 2, (uint32_t)worst, &ptr);
    if (trap) return trap;
    uint8_t *dst = guest_bytes(cx, ptr);
    for (uint32_t j = written; j-- > 0;) {
      dst[2 * j] = dst[j];
      dst[2 * j + 1] = 0;
    }
    uint32_t units = written;
    for (i = start; i < len;) {
      utf8_next(src, len, &i, &cp);
      units += utf16_put(dst + 2 * units, cp);
    }
    if (2 * (uint64_t)units < worst) {
      trap = cm_canon_realloc(cx, "string", ptr, (uint32_t)worst, 2, 2 * units, &ptr);
      if (trap) return trap;
    }
    *ptr_out = ptr;
    *tagged_out = units | CM_UTF16_TAG;
    return NULL;
  }
  if (written < len) {
    trap = cm_canon_realloc(cx, "string", ptr, len, 2, written, &ptr);
    if (trap) return trap;
  }
  *ptr_out = ptr;
  *tagged_out = written;
  return NULL;
}

wasm_trap *cm_store_string(const cm_canon_cx *cx, const cm_val *val, uint32_t *ptr, uint32_t *tagged_units) {
  const uint8_t *src = (const uint8_t *)val->u.str.data;
  uint32_t len = val->u.str.len;
  /* a string the guest could not lift back is refused before anything is allocated */
  if (len > CM_MAX_STRING_BYTE_LENGTH) return TRAP(cx, "string too long (%u bytes)", len);
  if (len && !utf8_valid(src, len)) return TRAP(cx, "invalid UTF-8 in a host string");
  switch (cx->encoding) {
  case CM_UTF8: {
    wasm_trap *trap = cm_canon_realloc(cx, "string", 0, 0, 1, len, ptr);
    if (trap) return trap;
    if (len) memcpy(guest_bytes(cx, *ptr), src, len);
    *tagged_units = len;
    return NULL;
  }
  case CM_UTF16: return store_utf16(cx, src, len, ptr, tagged_units);
  case CM_LATIN1_UTF16: return store_latin1_or_utf16(cx, src, len, ptr, tagged_units);
  }
  return TRAP(cx, "unknown string encoding");
}

/* UTF-16LE code units to UTF-8 in `out` (room for 3 bytes a unit, which the string length
 * bound keeps within 32 bits); false on an unpaired surrogate. */
static bool utf16_to_utf8(const uint8_t *src, uint32_t units, uint8_t *out, uint32_t *out_len) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < units; i++) {
    uint32_t c = src[2 * i] | (uint32_t)src[2 * i + 1] << 8;
    if (c >= 0xD800 && c <= 0xDBFF) {
      if (i + 1 == units) return false;
      uint32_t lo = src[2 * i + 2] | (uint32_t)src[2 * i + 3] << 8;
      if (lo < 0xDC00 || lo > 0xDFFF) return false;
      c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
      i++;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      return false;
    }
    n += utf8_put(out + n, c);
  }
  *out_len = n;
  return true;
}

/* load_string; `in_place`: UTF-8 is validated but not copied (the value points into guest memory). */
static wasm_trap *load_string(const cm_canon_cx *cx, uint32_t ptr, uint32_t tagged_units, bool in_place, cm_val *out) {
  enum { LATIN1, UTF8, UTF16 } enc;
  uint32_t align, units = tagged_units;
  switch (cx->encoding) {
  case CM_UTF8: enc = UTF8, align = 1; break;
  case CM_UTF16: enc = UTF16, align = 2; break;
  default:
    align = 2;
    enc = LATIN1;
    if (tagged_units & CM_UTF16_TAG) enc = UTF16, units = tagged_units ^ CM_UTF16_TAG;
    break;
  }
  uint64_t bytes = enc == UTF16 ? 2 * (uint64_t)units : units;
  if (bytes > CM_MAX_STRING_BYTE_LENGTH) return TRAP(cx, "string too long (%llu bytes)", (unsigned long long)bytes);
  if (ptr % align) return TRAP(cx, "unaligned pointer: string at %u (alignment %u)", ptr, align);
  if (!cx->memory || ptr + bytes > wasm_memory_size_bytes(cx->memory))
    return TRAP(cx, "string content out-of-bounds (%u + %llu bytes)", ptr, (unsigned long long)bytes);
  const uint8_t *src = wasm_memory_data(cx->memory) + ptr;
  uint8_t *dst;
  uint32_t len = 0;
  switch (enc) {
  case UTF8:
    if (!utf8_valid(src, units)) return TRAP(cx, "%s in a guest string", utf8_problem(src, units));
    if (in_place) {
      *out = cm_val_string((const char *)src, units);
      return NULL;
    }
    dst = cm_arena_alloc(cx->arena, units);
    if (units) memcpy(dst, src, units);
    len = units;
    break;
  case UTF16:
    dst = cm_arena_alloc(cx->arena, 3 * (size_t)units);
    if (!utf16_to_utf8(src, units, dst, &len)) return TRAP(cx, "invalid UTF-16 (unpaired surrogate) in a guest string");
    break;
  default:
    dst = cm_arena_alloc(cx->arena, 2 * (size_t)units);
    for (uint32_t i = 0; i < units; i++) len += utf8_put(dst + len, src[i]);
    break;
  }
  *out = cm_val_string((const char *)dst, len);
  return NULL;
}

wasm_trap *cm_load_string(const cm_canon_cx *cx, uint32_t ptr, uint32_t tagged_units, cm_val *out) {
  return load_string(cx, ptr, tagged_units, false, out);
}

wasm_trap *cm_lift_string_range(const cm_canon_cx *cx, uint32_t ptr, uint32_t tagged_units, cm_val *out) {
  return load_string(cx, ptr, tagged_units, true, out);
}
