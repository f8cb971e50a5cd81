/* Host functions declared against their WIT signature, with their arguments already lifted.
 *
 * A plain cm_host_impl receives every argument as a cm_val and repeats the same preamble:
 * find the per-instance state, look each handle up in it, return on a trap. A binding is a
 * table row instead: the function's WIT name, a cm_host_fn, and for each handle parameter
 * that should arrive as a host object the kind of object (`objects`). The registry checks
 * each row against the WIT at start-up (cm_host_bind fails on a name the WIT lacks or a kind
 * on a parameter that is not a handle), and at every call this layer
 *   - lifts the arguments straight from the guest's core values,
 *   - passes `list<u8>` and `string` parameters as byte ranges into guest memory, checked
 *     exactly as a copy would be (same bounds, alignment, length and UTF-8 traps) but not
 *     copied and not one cm_val per byte,
 *   - asks the binder for the instance's state once, then resolves each object parameter
 *     through it (the binder's traps: unknown or mistyped handle),
 * and calls the function with the result lowered as usual.
 *
 * Why a table the registry interprets, not a generator over the .wit files of src/wasi/wit: the host
 * already parses its WIT at start-up (cm_host_add_wit), so the exact signature is there to
 * check each row against, with no build-time tool to build and run (for the sanitizer,
 * fuzzer and cross builds alike) and no generated C to review; the per-call work the table
 * drives (a switch on each parameter's kind) is small next to lifting. A generator would give
 * true C parameter types, but the union below already makes each argument's form explicit,
 * and a WASI 0.3 interface needs only new rows.
 *
 * Byte ranges (cm_host_arg.bytes, cm_host_arg.str) point into the guest's linear memory: they are valid
 * only during the host call that received them. Guest code may change or grow (so move) that
 * memory the next time it runs, so do not keep a range past the return, and copy what must
 * outlive the call. A string from a guest whose encoding is not UTF-8 is transcoded into
 * cx->arena, with the same lifetime rule. Parameters nested in records, variants, options
 * and lists of other element types are lifted as usual (cm_host_arg.val). */
#ifndef WARREN_COMPONENT_HOST_BIND_H
#define WARREN_COMPONENT_HOST_BIND_H

#include "host.h"

/* Bytes in guest memory (list<u8>), valid during the call only. */
typedef struct cm_bytes {
  const uint8_t *data;
  uint32_t len;
} cm_bytes;

/* Valid UTF-8 (string), valid during the call only; not NUL-terminated. */
typedef struct cm_text {
  const char *data;
  uint32_t len;
} cm_text;

/* One lifted argument; which member holds it follows from the parameter's WIT type. */
typedef union cm_host_arg {
  cm_bytes bytes; /* list<u8> */
  cm_text str;    /* string */
  void *object;   /* own / borrow with a kind in the binding's `objects`: the host object */
  cm_val val;     /* anything else, lifted as cm_lift_args would (own / borrow: val.u.rep) */
} cm_host_arg;

typedef struct cm_bound_call {
  const cm_canon_cx *cx; /* the caller's options; cx->arena for the result's children */
  void *state;           /* the binder's per-instance state (a wasi_p2_ctx, ...) */
  void *env;             /* as given to cm_host_bind */
  const cm_host_arg *args; /* one per parameter */
} cm_bound_call;

typedef wasm_trap *(*cm_host_fn)(const cm_bound_call *call, cm_val *result);

/* How a family of bindings reaches its per-instance state and its objects. */
typedef struct cm_host_binder {
  /* The state of the call's instance, or a trap when it has none. */
  wasm_trap *(*state)(const cm_canon_cx *cx, void **state);
  /* The object `rep` designates in `state` when it is of `kind`, else a trap. */
  wasm_trap *(*resolve)(void *state, uint32_t rep, const void *kind, void **object);
} cm_host_binder;

#define CM_HOST_BIND_MAX_OBJECTS 4 /* object parameters are among the first four */

typedef struct cm_host_binding {
  const char *func; /* "[method]output-stream.write" */
  cm_host_fn fn;
  /* objects[i] non-NULL: parameter i (own or borrow) arrives as the object of that kind.
   * An own parameter the function takes over (removes from the table) has none. */
  const void *objects[CM_HOST_BIND_MAX_OBJECTS];
} cm_host_binding;

/* Implements each row's function of `interface` (exact name) through `binder` (which must
 * outlive the host; the rows are copied). false + err naming the first row the WIT
 * contradicts. */
bool cm_host_bind(cm_host *host, const char *interface, const cm_host_binder *binder, const cm_host_binding *rows,
                  size_t n, void *env, wr_error *err);

/* ---- used by the lowered-call paths (call.c, cm_call_host) ---- */
/* The cm_host_impl every bound function is registered as (its env is the binding): called
 * with lifted cm_vals, it adapts them (a list<u8> is copied into cx->arena). */
wasm_trap *cm_host_bound_impl(void *env, const cm_canon_cx *cx, const cm_val *args, cm_val *result);
/* The fast path a lowered call takes for cm_host_bound_impl: lifts the arguments of `ft` (the
 * caller's view of the function) from the core `slots` itself, spilled past `max_flat`
 * (CM_MAX_FLAT_PARAMS, or CM_MAX_FLAT_ASYNC_PARAMS for an async lower), and calls the
 * function. The caller has started the subtask and lowers the result. */
wasm_trap *cm_host_bound_call(const void *binding, const cm_canon_cx *cx, const cm_functype *ft, uint32_t max_flat,
                              const wasm_slot *slots, cm_val *result);

#endif
