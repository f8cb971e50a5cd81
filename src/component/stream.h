/* Streams and futures (definitions.py "Buffer State", "Stream State", "Future State"): a
 * shared stream or future has a readable and a writable end, each a waitable in some
 * instance's handle table. A copy (stream.read/write, future.read/write) offers a buffer of
 * guest memory; when the other end offers one too, elements move from one memory to the other
 * (numbers by one memcpy, other types through lift and lower, handles included). */
#ifndef WARREN_COMPONENT_STREAM_H
#define WARREN_COMPONENT_STREAM_H

#include "canon.h"
#include "waitable.h"

#define CM_MAX_BUFFER_LENGTH ((1u << 28) - 1)
#define CM_BLOCKED 0xffffffffu

typedef enum cm_copy_state { CM_COPY_IDLE = 1, CM_COPY_COPYING, CM_COPY_CANCELLING, CM_COPY_DONE } cm_copy_state;
typedef enum cm_copy_result { CM_COPY_COMPLETED = 0, CM_COPY_DROPPED = 1, CM_COPY_CANCELLED = 2 } cm_copy_result;

typedef struct cm_shared cm_shared;

/* BufferGuestImpl: `length` elements of `t` (NULL: none) at `ptr` in cx's memory; or, for a
 * host end, at `host_bytes` (numbers, as the Canonical ABI lays them out) or `host_vals`
 * (any other element type, lifted into `host_arena`). */
typedef struct cm_buffer {
  const cm_valtype *t;
  cm_canon_cx cx;
  uint32_t ptr, progress, length;
  uint8_t *host_bytes;
  cm_val *host_vals;
  cm_arena *host_arena;
} cm_buffer;

/* What the host hears about the copies of its ends: `on_copy_done(arg, result, n)` once a
 * copy it started is over (n elements moved; it may start the next one from there).
 * `on_gone(arg, end)` (may be NULL) when the instance's store frees an end the host still
 * holds: the host must forget it (a WASI object freed with its ctx, after the instance). */
struct cm_copy_end;
typedef struct cm_host_end_ops {
  void (*on_copy_done)(void *arg, int result, uint32_t n);
  void (*on_gone)(void *arg, struct cm_copy_end *end);
} cm_host_end_ops;

/* A readable or writable end (CopyEnd). */
typedef struct cm_copy_end {
  cm_waitable w;            /* first */
  cm_copy_state state;
  cm_shared *shared;
  bool readable;
  cm_buffer buffer;         /* the copy in progress */
  uint32_t handle_index;    /* where the copy's event names it */
  cm_copy_result result;    /* the pending event's result */
  bool reclaim;             /* the pending event gives the buffer back (a partial copy) */
  const cm_host_end_ops *host; /* a host end (no handle table): told through these */
  void *host_arg;
} cm_copy_end;

struct cm_shared {
  bool future;
  const cm_valtype *t;      /* element type (NULL: none) */
  bool dropped;
  cm_component_instance *pending_inst;
  cm_copy_end *pending;     /* the end whose copy waits for the other side */
  uint32_t ends;            /* ends alive (the shared object goes with the last) */
  cm_store_rt *store;
};

/* {stream,future}.new: both ends, added to `table`. */
wasm_trap *cm_shared_new(const cm_canon_cx *cx, bool future, const cm_valtype *t, uint32_t *readable,
                         uint32_t *writable);
/* stream_copy / future_copy: the result to return to the guest (CM_BLOCKED or a payload). */
wasm_trap *cm_copy(const cm_canon_cx *cx, cm_thread *thread, bool future, bool readable, const cm_valtype *t,
                   bool async, uint32_t index, uint32_t ptr, uint32_t n, uint32_t *out);
/* cancel_copy */
wasm_trap *cm_cancel_copy(const cm_canon_cx *cx, cm_thread *thread, bool future, bool readable, const cm_valtype *t,
                          bool async, uint32_t index, uint32_t *out);
/* {stream,future}.drop-{readable,writable} */
wasm_trap *cm_drop_end(const cm_canon_cx *cx, bool future, bool readable, const cm_valtype *t, uint32_t index);
/* Lifting a readable end out of cx's table (lift_stream / lift_future) and lowering one into
 * it (lower_stream / lower_future). */
wasm_trap *cm_lift_end(const cm_canon_cx *cx, const cm_valtype *type, uint32_t index, void **shared);
wasm_trap *cm_lower_end(const cm_canon_cx *cx, const cm_valtype *type, void *shared, uint32_t *index);
/* Frees an end left in a table at its end. */
void cm_copy_end_free(cm_copy_end *e);

/* ---- host ends (the host side of wasi:http bodies, stdin/stdout, futures of results) ----
 * A host end belongs to the store as its stream does: one the host still holds when the
 * instance is freed goes with it, unnotified, so the host must forget its ends by then (a
 * WASI host forgets them when its ctx is freed, after the instance, without touching them). */
typedef cm_copy_end cm_host_end;
/* A new stream or future of `t` in `store`: the host keeps its writable end (returned) and
 * *readable gets the readable end as a value to hand to a guest (cm_val.u.shared). */
cm_host_end *cm_host_end_new_writable(cm_store_rt *store, bool future, const cm_valtype *t, void **readable,
                                      const cm_host_end_ops *ops, void *arg);
/* Takes a readable end a guest handed over (a lifted stream or future value). */
cm_host_end *cm_host_end_take_readable(void *shared, const cm_host_end_ops *ops, void *arg);
/* Starts a copy between the host's buffer and the guest on the other side: `n` elements of
 * bytes (number element types) or of values. on_copy_done may run before these return. Traps
 * like the guest built-ins (a copy already in progress, a future written twice). */
wasm_trap *cm_host_end_read(cm_host_end *e, wasm_store *store, void *bytes, cm_val *vals, cm_arena *arena, uint32_t n);
wasm_trap *cm_host_end_write(cm_host_end *e, wasm_store *store, const void *bytes, const cm_val *vals, uint32_t n);
/* Who hears about the end's copies (and its going) from now on. */
void cm_host_end_set_ops(cm_host_end *e, const cm_host_end_ops *ops, void *arg);
/* Gives an idle readable end back as a value to hand to a guest (cm_val.u.shared), as it was
 * before cm_host_end_take_readable: the end is gone. */
void *cm_host_end_give_readable(cm_host_end *e);
/* Cancels the copy in progress (on_copy_done reports it), and drops the end. */
void cm_host_end_cancel(cm_host_end *e);
void cm_host_end_drop(cm_host_end *e);
/* Whether the other end was dropped (a stream's reader or writer went away). */
bool cm_host_end_other_dropped(const cm_host_end *e);

#endif
