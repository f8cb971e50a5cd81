#include "wast_values.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wast_valtype_name(uint8_t type) {
  switch (type) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "?";
  }
}

static bool parse_valtype(const json_value *name, uint8_t *out) {
  static const uint8_t types[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_V128, WASM_FUNCREF, WASM_EXTERNREF};
  for (size_t i = 0; i < WR_ARRAY_LEN(types); i++)
    if (json_string_equals(name, wast_valtype_name(types[i]))) {
      *out = types[i];
      return true;
    }
  return false;
}

static const struct {
  const char *name;
  unsigned count, bits;
} lanes[] = {
    [WAST_LANE_I8] = {"i8", 16, 8},   [WAST_LANE_I16] = {"i16", 8, 16}, [WAST_LANE_I32] = {"i32", 4, 32},
    [WAST_LANE_I64] = {"i64", 2, 64}, [WAST_LANE_F32] = {"f32", 4, 32}, [WAST_LANE_F64] = {"f64", 2, 64},
};

static bool lane_is_float(wast_lane lane) { return lane == WAST_LANE_F32 || lane == WAST_LANE_F64; }

/* wast2json writes every number as an unsigned decimal string of the value's bits. */
static bool parse_bits(const json_value *v, unsigned bits, uint64_t *out) {
  if (!v || v->kind != JSON_STRING || v->as.string.len == 0 || v->as.string.len > 20) return false;
  for (size_t i = 0; i < v->as.string.len; i++)
    if (v->as.string.data[i] < '0' || v->as.string.data[i] > '9') return false;
  errno = 0;
  unsigned long long n = strtoull(v->as.string.data, NULL, 10);
  if (errno == ERANGE) return false;
  if (bits < 64 && n >> bits) return false;
  *out = n;
  return true;
}

static bool parse_nan(const json_value *v, bool expected, wast_nan *out) {
  *out = WAST_NAN_NONE;
  if (!expected) return false;
  if (json_string_equals(v, "nan:canonical")) *out = WAST_NAN_CANONICAL;
  if (json_string_equals(v, "nan:arithmetic")) *out = WAST_NAN_ARITHMETIC;
  return *out != WAST_NAN_NONE;
}

static uint64_t get_lane(const wasm_slot bits[2], wast_lane lane, unsigned i) {
  unsigned width = lanes[lane].bits, bit = i * width;
  uint64_t half = bits[bit / 64];
  uint64_t mask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
  return half >> (bit % 64) & mask;
}

static void set_lane(wasm_slot bits[2], wast_lane lane, unsigned i, uint64_t value) {
  unsigned width = lanes[lane].bits, bit = i * width;
  uint64_t mask = width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;
  bits[bit / 64] &= ~(mask << (bit % 64));
  bits[bit / 64] |= (value & mask) << (bit % 64);
}

static bool parse_v128(const json_value *json, bool expected, wast_value *out, wr_error *err) {
  const json_value *lane_name = json_get(json, "lane_type");
  bool found = false;
  for (size_t i = 0; i < WR_ARRAY_LEN(lanes); i++)
    if (json_string_equals(lane_name, lanes[i].name)) {
      out->lane = (wast_lane)i;
      found = true;
    }
  if (!found) {
    wr_error_set(err, "v128 value without a valid lane_type");
    return false;
  }
  const json_value *items = json_get_kind(json, "value", JSON_ARRAY);
  unsigned count = lanes[out->lane].count;
  if (!items || items->as.array.len != count) {
    wr_error_set(err, "v128 value needs %u lanes", count);
    return false;
  }
  for (unsigned i = 0; i < count; i++) {
    const json_value *item = &items->as.array.items[i];
    uint64_t bits;
    if (lane_is_float(out->lane) && parse_nan(item, expected, &out->nan[i])) continue;
    if (!parse_bits(item, lanes[out->lane].bits, &bits)) {
      wr_error_set(err, "bad lane %u of a v128 value", i);
      return false;
    }
    set_lane(out->bits, out->lane, i, bits);
  }
  return true;
}

bool wast_value_parse(const json_value *json, bool expected, wast_value *out, wr_error *err) {
  memset(out, 0, sizeof *out);
  if (!json || json->kind != JSON_OBJECT || !parse_valtype(json_get(json, "type"), &out->type)) {
    wr_error_set(err, "value without a known \"type\"");
    return false;
  }
  if (out->type == WASM_V128) return parse_v128(json, expected, out, err);
  const json_value *v = json_get(json, "value");
  uint64_t bits = 0;
  switch (out->type) {
    case WASM_I32:
    case WASM_I64:
    case WASM_F32:
    case WASM_F64: {
      bool is32 = out->type == WASM_I32 || out->type == WASM_F32;
      bool is_float = out->type == WASM_F32 || out->type == WASM_F64;
      if (is_float && parse_nan(v, expected, &out->nan[0])) return true;
      if (!parse_bits(v, is32 ? 32 : 64, &bits)) {
        wr_error_set(err, "bad %s value", wast_valtype_name(out->type));
        return false;
      }
      out->bits[0] = bits;
      return true;
    }
    case WASM_FUNCREF:
      if (json_string_equals(v, "null")) return true;
      /* wast2json writes a `ref.func` expectation without the function: any function matches. */
      if (!expected) {
        wr_error_set(err, "a funcref argument must be null");
        return false;
      }
      out->any_func = true;
      return true;
    case WASM_EXTERNREF:
      if (json_string_equals(v, "null")) return true;
      if (!parse_bits(v, 32, &bits)) {
        wr_error_set(err, "bad externref value");
        return false;
      }
      /* `ref.extern N` becomes the opaque host pointer N + 1 so that it is never null.
       * The engine never dereferences an externref. */
      out->bits[0] = (wasm_slot)(uintptr_t)(bits + 1);
      return true;
    default:
      wr_error_set(err, "unsupported value type");
      return false;
  }
}

uint32_t wast_value_slots(uint8_t type) { return type == WASM_V128 ? 2 : 1; }

void wast_value_to_slots(const wast_value *value, wasm_slot *slots) {
  slots[0] = value->bits[0];
  if (value->type == WASM_V128) slots[1] = value->bits[1];
}

wast_value wast_value_from_slots(uint8_t type, const wasm_slot *slots) {
  wast_value v;
  memset(&v, 0, sizeof v);
  v.type = type;
  v.bits[0] = slots[0];
  if (type == WASM_I32 || type == WASM_F32) v.bits[0] &= UINT32_MAX;
  if (type == WASM_V128) v.bits[1] = slots[1];
  return v;
}

static bool float_matches(wast_nan nan, uint64_t expected, uint64_t actual, bool is64) {
  uint64_t quiet = is64 ? UINT64_C(0x7ff8000000000000) : UINT64_C(0x7fc00000);
  uint64_t sign = is64 ? UINT64_C(0x8000000000000000) : UINT64_C(0x80000000);
  switch (nan) {
    case WAST_NAN_CANONICAL: return (actual & ~sign) == quiet;
    case WAST_NAN_ARITHMETIC: return (actual & quiet) == quiet;
    case WAST_NAN_NONE: return expected == actual;
  }
  return false;
}

bool wast_value_matches(const wast_value *expected, const wast_value *actual) {
  if (expected->type != actual->type) return false;
  switch (expected->type) {
    case WASM_F32: return float_matches(expected->nan[0], expected->bits[0], actual->bits[0], false);
    case WASM_F64: return float_matches(expected->nan[0], expected->bits[0], actual->bits[0], true);
    case WASM_V128:
      for (unsigned i = 0; i < lanes[expected->lane].count; i++) {
        uint64_t e = get_lane(expected->bits, expected->lane, i);
        uint64_t a = get_lane(actual->bits, expected->lane, i);
        if (lane_is_float(expected->lane)) {
          if (!float_matches(expected->nan[i], e, a, expected->lane == WAST_LANE_F64)) return false;
        } else if (e != a) {
          return false;
        }
      }
      return true;
    case WASM_FUNCREF:
      return expected->any_func ? actual->bits[0] != 0 : actual->bits[0] == expected->bits[0];
    default: return expected->bits[0] == actual->bits[0];
  }
}

static const char *nan_name(wast_nan nan) {
  return nan == WAST_NAN_CANONICAL ? "nan:canonical" : "nan:arithmetic";
}

void wast_value_format(const wast_value *value, char *buf, size_t size) {
  uint64_t b = value->bits[0];
  switch (value->type) {
    case WASM_I32:
      snprintf(buf, size, "i32:%" PRIu64 " (%" PRId32 ")", b, (int32_t)(uint32_t)b);
      return;
    case WASM_I64:
      snprintf(buf, size, "i64:%" PRIu64 " (%" PRId64 ")", b, (int64_t)b);
      return;
    case WASM_F32:
    case WASM_F64:
      if (value->nan[0] != WAST_NAN_NONE) {
        snprintf(buf, size, "%s:%s", wast_valtype_name(value->type), nan_name(value->nan[0]));
      } else if (value->type == WASM_F32) {
        float f;
        uint32_t u = (uint32_t)b;
        memcpy(&f, &u, sizeof f);
        snprintf(buf, size, "f32:0x%08" PRIx32 " (%.9g)", u, (double)f);
      } else {
        double d;
        memcpy(&d, &b, sizeof d);
        snprintf(buf, size, "f64:0x%016" PRIx64 " (%.17g)", b, d);
      }
      return;
    case WASM_V128: {
      size_t used = (size_t)snprintf(buf, size, "v128 %sx%u:", lanes[value->lane].name, lanes[value->lane].count);
      for (unsigned i = 0; i < lanes[value->lane].count && used < size; i++) {
        if (lane_is_float(value->lane) && value->nan[i] != WAST_NAN_NONE)
          used += (size_t)snprintf(buf + used, size - used, " %s", nan_name(value->nan[i]));
        else
          used += (size_t)snprintf(buf + used, size - used, " 0x%" PRIx64, get_lane(value->bits, value->lane, i));
      }
      return;
    }
    case WASM_FUNCREF:
      if (value->any_func)
        snprintf(buf, size, "funcref:(any function)");
      else if (b == 0)
        snprintf(buf, size, "funcref:null");
      else
        snprintf(buf, size, "funcref:%p", (void *)(uintptr_t)b);
      return;
    case WASM_EXTERNREF:
      if (b == 0)
        snprintf(buf, size, "externref:null");
      else
        snprintf(buf, size, "externref:%" PRIu64, b - 1);
      return;
    default: snprintf(buf, size, "?"); return;
  }
}
