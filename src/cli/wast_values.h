/* Values in a wast2json script: arguments ({"type": "i32", "value": "7"}) and expected
 * results, which may also be NaN patterns (nan:canonical / nan:arithmetic, per lane in a
 * v128) or "some non-null funcref". Parsing, comparing with what the engine returned,
 * and printing for failure messages. */
#ifndef WARREN_CLI_WAST_VALUES_H
#define WARREN_CLI_WAST_VALUES_H

#include "base/json.h"
#include "wasm/runtime.h"

typedef enum { WAST_NAN_NONE, WAST_NAN_CANONICAL, WAST_NAN_ARITHMETIC } wast_nan;

/* How a v128 expectation's lanes are written and compared. */
typedef enum { WAST_LANE_I8, WAST_LANE_I16, WAST_LANE_I32, WAST_LANE_I64, WAST_LANE_F32, WAST_LANE_F64 } wast_lane;

typedef struct wast_value {
  uint8_t type;      /* wasm_valtype */
  wast_lane lane;    /* v128 only */
  wasm_slot bits[2]; /* one slot per wasm_slot layout; v128 uses both (low half first) */
  wast_nan nan[4];   /* f32/f64: nan[0]; v128 float lanes: one per lane */
  bool any_func;     /* funcref expectation that accepts any non-null function */
} wast_value;

/* Parse one {"type": ..., "value": ...} object. Patterns (NaNs, non-null funcref) are
 * accepted only when `expected` is set. False with a message in err on bad input. */
bool wast_value_parse(const json_value *json, bool expected, wast_value *out, wr_error *err);

/* The number of slots a value of this type occupies (v128 = 2). */
uint32_t wast_value_slots(uint8_t type);

/* Write `value` into slots (per the runtime's layout). */
void wast_value_to_slots(const wast_value *value, wasm_slot *slots);
/* Read a value of `type` from slots. */
wast_value wast_value_from_slots(uint8_t type, const wasm_slot *slots);

/* Does the engine's `actual` satisfy the expectation? Types must agree. */
bool wast_value_matches(const wast_value *expected, const wast_value *actual);

/* Print a value ("i32:4294967295", "f32:nan:canonical", "v128 i32x4:1 2 3 4") into buf. */
void wast_value_format(const wast_value *value, char *buf, size_t size);

const char *wast_valtype_name(uint8_t type);

#endif
