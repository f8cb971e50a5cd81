/* Component values as host code sees them (cm_val), always read next to their cm_valtype.
 *
 * Scalars are inline. Everything with children (strings, lists, records, tuples, variants,
 * options, results) points into a cm_arena the caller owns for the duration of one call and
 * frees in one go, so lifting a value never mallocs per node. Host strings are UTF-8 whatever
 * the guest's string encoding. (The name cm_value is taken by component.h for value
 * definitions in a binary.) */
#ifndef WARREN_COMPONENT_VALUE_H
#define WARREN_COMPONENT_VALUE_H

#include "arena.h"
#include "component.h"

typedef struct cm_val cm_val;

struct cm_val {
  union {
    bool b;         /* bool */
    int64_t s;      /* s8, s16, s32, s64 (sign-extended) */
    uint64_t u;     /* u8, u16, u32, u64 */
    float f32;
    double f64;
    uint32_t ch;    /* char: a Unicode scalar value */
    struct {
      const char *data; /* UTF-8, not NUL-terminated */
      uint32_t len;     /* bytes */
    } str;
    /* list / fixed list: the elements; record / tuple: the fields, in type order */
    struct {
      cm_val *items;
      uint32_t count;
    } seq;
    /* variant / enum / option (0 none, 1 some) / result (0 ok, 1 error): the case and, when
     * the case has a payload type, the payload (NULL otherwise) */
    struct {
      uint32_t index;
      cm_val *payload;
    } cs;
    uint32_t flags; /* flags: bit i is label i (at most 32 labels) */
    /* own / borrow: the resource's representation (what the handle designates); lifting
     * takes it out of the source instance's handle table, lowering makes a new handle in the
     * destination's (a handle index means nothing outside its table) */
    uint32_t rep;
    /* stream / future: the shared stream or future (stream.h) whose readable end moves; the
     * receiver gets a new readable end of it. error-context: the error context (refcounted). */
    void *shared;
  } u;
};

/* Constructors for host code; children come from `arena`. */
static inline cm_val cm_val_bool(bool b) { return (cm_val){.u.b = b}; }
static inline cm_val cm_val_s(int64_t s) { return (cm_val){.u.s = s}; }
static inline cm_val cm_val_u(uint64_t u) { return (cm_val){.u.u = u}; }
static inline cm_val cm_val_f32(float f) { return (cm_val){.u.f32 = f}; }
static inline cm_val cm_val_f64(double f) { return (cm_val){.u.f64 = f}; }
static inline cm_val cm_val_char(uint32_t c) { return (cm_val){.u.ch = c}; }
static inline cm_val cm_val_flags(uint32_t bits) { return (cm_val){.u.flags = bits}; }
static inline cm_val cm_val_handle(uint32_t rep) { return (cm_val){.u.rep = rep}; }
/* The bytes are used as they are (not copied): keep them alive for the call. */
static inline cm_val cm_val_string(const char *utf8, uint32_t len) { return (cm_val){.u.str = {utf8, len}}; }
/* A list / record / tuple of `count` zeroed children to fill in. */
cm_val cm_val_seq(cm_arena *arena, uint32_t count);
/* A variant-like case; `payload` is copied into the arena when non-NULL. */
cm_val cm_val_case(cm_arena *arena, uint32_t index, const cm_val *payload);

/* Variant-like types (variant, enum, option, result): the number of cases, and the payload
 * type of case `index` (NULL: none). */
uint32_t cm_case_count(const cm_valtype *type);
const cm_valtype *cm_case_type(const cm_valtype *type, uint32_t index);

/* Deep equality of two values of type `type` (floats bit-wise, so NaNs compare equal to
 * themselves). */
bool cm_val_equal(const cm_valtype *type, const cm_val *a, const cm_val *b);

#endif
