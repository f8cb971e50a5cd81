/* Component values as text: WAVE, the WebAssembly Value Encoding that wasmtime's `--invoke`
 * and wasm-tools read and print (wasm-tools crates/wasm-wave README).
 *
 *   bool      true, false             integers  123, -9 (range checked against the type)
 *   floats    3.5, 6.02e23, nan, inf, -inf   char  'x', '\n', '\u{1F44B}'
 *   string    "a\tb"                  list      [1, 2]          tuple  (1, "a")
 *   record    {a: 1, b: none}         (option fields may be omitted; all omitted: {:})
 *   variant   case, case(payload)     enum      case            flags  {read, write}, {}
 *   option    some(x), none, or x itself unless x is an option or result
 *   result    ok, ok(x), err, err(e), or x itself for ok(x) unless x is an option or result
 *
 * Case labels that are keywords (true false nan inf some none ok err) are written with a `%`
 * prefix. Whitespace and `//` comments may go between tokens. Resource handles have no text
 * form: they print as an opaque `<own handle N>` and cannot be parsed. Multiline strings
 * (""", a line break, lines, a line break, indentation, """) are read, never printed.
 *
 * Parsing is typed: the text is read against a cm_valtype. Every error gives the byte offset
 * of the offending token in err->offset and its column in the message; nesting is bounded. */
#ifndef WARREN_COMPONENT_WAVE_H
#define WARREN_COMPONENT_WAVE_H

#include "../base/error.h"
#include "../base/vec.h"
#include "value.h"

#define WAVE_MAX_DEPTH 100

/* Text being built (not NUL-terminated until wave_text_cstr). */
typedef WR_VEC(char) wave_text;

/* Appends the WAVE form of `val` (of type `type`) to `out`. */
void wave_print(wave_text *out, const cm_valtype *type, const cm_val *val);
/* The text so far, NUL-terminated (valid until the next append). */
const char *wave_text_cstr(wave_text *text);

/* Parses one value of type `type` from text[0, len): children come from `arena`. */
bool wave_parse(const cm_valtype *type, const char *text, size_t len, cm_arena *arena, cm_val *out, wr_error *err);

/* A function call `name(arg, ...)`: the name (everything before the first `(`, trimmed: a
 * plain export name, "[method]r.get", "ns:pkg/iface#func", ...) and where its argument list
 * starts. */
bool wave_parse_call_name(const char *text, size_t len, const char **name, size_t *name_len, size_t *args_at,
                          wr_error *err);
/* The argument list `(a, b)` at text[args_at, len) for a function of type `ft`, nothing after
 * it. Trailing option arguments may be left out (they are none). `args` needs ft->nparams
 * entries. */
bool wave_parse_args(const cm_functype *ft, const char *text, size_t len, size_t args_at, cm_arena *arena,
                     cm_val *args, wr_error *err);

#endif
