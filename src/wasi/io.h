/* WASI 0.2 host state shared by every p2 host (cli, clocks, filesystem, sockets, http):
 * the per-instance context, its resource table, pollables with the waiter that blocks on
 * them, and the input/output stream objects behind wasi:io/streams.
 *
 * One wasi_p2_ctx serves one component instance and is reached from host functions through
 * wasm_store_data(cx->store) (wasi_p2_ctx_attach sets it). Everything here runs on the thread
 * that runs the instance; nothing is locked.
 *
 * Resources: every host object a guest holds (stream, pollable, descriptor, HTTP fields, ...)
 * sits in the ctx's table under a `rep` (what own/borrow handles of host resources carry as
 * cm_val.u.rep), tagged by a wasi_kind so a rep of the wrong kind is caught. Register
 * wasi_resource_dtor with the kind as env for each resource type (cm_host_define_dtor) so a
 * guest's drop frees the object; wasi_p2_ctx_free frees whatever is left.
 *
 * Blocking: `pollable.block`, `poll` and the blocking-* stream functions call wasi_block,
 * which loops "any ready? else waiter->wait" until one is. `warren run` uses
 * wasi_default_waiter (poll(2) on the fds, the nearest deadline as timeout). A server
 * installs its own waiter whose wait() registers the fds/deadline with its event loop and
 * suspends the guest's fiber (wr_fiber_suspend), and whose wake() (called by wasi_signal)
 * schedules the fiber to resume; wait() may return early, wasi_block re-checks. */
#ifndef WARREN_WASI_IO_H
#define WARREN_WASI_IO_H

#include <poll.h>

#include "../base/clock.h"
#include "../base/rate_limit.h"
#include "../component/canon.h"
#include "../component/host.h"

/* The version of Warren's wasi:* 0.2 WIT (src/wasi/wit): a `use` of these interfaces from
 * another host's WIT names this version, e.g. "use wasi:io/streams@0.2.10.{input-stream};".
 * The registry binds any 0.2.x import to it. */
#define WASI_P2_VERSION "0.2.10"

typedef struct wasi_p2_ctx wasi_p2_ctx;
typedef struct wasi_waiter wasi_waiter;
typedef struct wasi_flag wasi_flag;
typedef struct wasi_pollable wasi_pollable;

/* ---- context ---- */

typedef struct wasi_p2_preopen {
  int dirfd;              /* an open directory; the ctx never closes it (share it between ctxs) */
  const char *guest_path; /* the name the guest sees, e.g. "/" or "data" */
  bool read_only;         /* no writes, creates, removes or renames beneath it */
} wasi_p2_preopen;

/* The embedder's configuration. Nothing is copied: keep strings, arrays and fds alive and
 * unchanged while the ctx lives (so building a ctx per request costs no allocation). */
typedef struct wasi_p2_config {
  const char *const *args; /* args[0] is the program name by convention */
  size_t nargs;
  const char *const *env; /* "KEY=VALUE"; nothing is inherited implicitly */
  size_t nenv;
  const char *initial_cwd; /* wasi:cli/environment.initial-cwd; NULL = none */
  int stdio[3];            /* host fds of stdin, stdout, stderr; -1 = empty / discarding.
                            * never closed by the ctx */
  const wasi_p2_preopen *preopens;
  size_t npreopens;
  bool allow_sockets; /* false: every socket / name-lookup call answers access-denied */
} wasi_p2_config;

/* No args, env, preopens or sockets; stdio = the host's 0, 1, 2. */
void wasi_p2_config_init(wasi_p2_config *config);

/* A context using wasi_default_waiter. */
wasi_p2_ctx *wasi_p2_ctx_new(const wasi_p2_config *config);
/* Frees every object left in the table (their kinds' free), then the ctx. Call it after the
 * component instance is freed (its handle destructors reach the ctx through the store); the
 * store itself is not used, so it may be freed before. Flags must not be signalled after
 * this. The embedder pointer is not touched. */
void wasi_p2_ctx_free(wasi_p2_ctx *ctx);
/* Binds the ctx to the store its instance runs in: wasm_store_set_data(store, ctx). */
void wasi_p2_ctx_attach(wasi_p2_ctx *ctx, wasm_store *store);
/* The ctx of a host call (wasm_store_data). */
wasi_p2_ctx *wasi_p2_ctx_of(const cm_canon_cx *cx);
wasm_store *wasi_p2_ctx_store(const wasi_p2_ctx *ctx);
const wasi_p2_config *wasi_p2_ctx_config(const wasi_p2_ctx *ctx);

/* The layer above's per-instance state (wasi:http: the request); NULL initially. */
void wasi_p2_set_embedder(wasi_p2_ctx *ctx, void *embedder);
void *wasi_p2_embedder(const wasi_p2_ctx *ctx);

/* The guest's stdout (which = 1) or stderr (2) gets `prefix` at the start of every line it
 * writes, e.g. "stdout [3] :: " as `wasmtime serve` labels each instance's output (copied;
 * NULL: none). Set before the guest asks for the stream. */
void wasi_p2_set_stdio_prefix(wasi_p2_ctx *ctx, int which, const char *prefix);
const char *wasi_p2_stdio_prefix(const wasi_p2_ctx *ctx, int which);

/* A cap on the lines a guest writes to a prefixed stdout/stderr (a server's log): a line is
 * written only if the instance's own bucket and the bucket shared by every instance both grant
 * it; a refused line is dropped whole. The next line written says how many were dropped. */
typedef struct wasi_output_limit {
  wr_rate_limit instance;
  wr_rate_limit *shared; /* may be NULL */
} wasi_output_limit;
/* `limit` must outlive the ctx (NULL: no cap). Set before the guest asks for its streams. */
void wasi_p2_set_output_limit(wasi_p2_ctx *ctx, wasi_output_limit *limit);
wasi_output_limit *wasi_p2_output_limit(const wasi_p2_ctx *ctx);

/* Replaces the waiter (NULL restores the default). The waiter must outlive the ctx. */
void wasi_p2_set_waiter(wasi_p2_ctx *ctx, wasi_waiter *waiter);

/* The event loop WASI 0.3 host calls wait on (reactor.h); it must outlive the ctx. NULL
 * (the default): a 0.3 call that would wait traps with "no event loop". The same ctx serves a
 * component's 0.2 and 0.3 imports. */
struct wasi_reactor;
void wasi_p2_set_reactor(wasi_p2_ctx *ctx, struct wasi_reactor *reactor);
struct wasi_reactor *wasi_p2_reactor(const wasi_p2_ctx *ctx);

/* What the ctx's 0.3 stdio streams share (p3_stdio.c): how many are alive (to cap them), and
 * how many bytes of output they accepted from the guest and have not written yet (wasi_p3_call
 * waits for those before it returns). */
typedef struct wasi_stdio_streams {
  uint32_t alive;
  size_t unwritten;
} wasi_stdio_streams;
wasi_stdio_streams *wasi_p2_stdio_streams(wasi_p2_ctx *ctx);

/* A WASM_TRAP_HOST trap in the ctx's store. */
wasm_trap *wasi_trap(const wasi_p2_ctx *ctx, const char *fmt, ...) WR_PRINTF(2, 3);

/* ---- resource table ---- */

#define WASI_TABLE_MAX (1u << 20) /* live entries per ctx; adding more traps */

/* What kind of object a rep designates. Define one static instance per kind; it is
 * compared by address. */
typedef struct wasi_kind {
  const char *name;          /* for trap messages: "input-stream" */
  void (*free)(void *object); /* releases the object (may be NULL) */
} wasi_kind;

/* Stores `object`; *rep gets its rep (never 0). Traps when the table is full (the object is
 * then freed with kind->free, so the caller has nothing to clean up). */
wasm_trap *wasi_table_add(wasi_p2_ctx *ctx, const wasi_kind *kind, void *object, uint32_t *rep);
/* The object at `rep` if it is of `kind`, else NULL. */
void *wasi_table_get(const wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind);
/* As wasi_table_get but a missing or mistyped rep is a trap ("unknown input-stream 7"). */
wasm_trap *wasi_table_lookup(const wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind, void **object);
/* Takes the object out of the table without freeing it (ownership passes to the caller);
 * NULL when `rep` is not of `kind`. */
void *wasi_table_take(wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind);
/* Removes and frees (kind->free). false when `rep` is not of `kind`. */
bool wasi_table_remove(wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind);
/* A cm_host_dtor for host resources: env is the resource's `const wasi_kind *`. Removes and
 * frees the object of the store's ctx; traps when the rep is unknown. */
wasm_trap *wasi_resource_dtor(void *env, wasm_store *store, uint32_t rep);

/* ---- flags: readiness that host code sets ---- */

/* A flag starts clear with one reference. A pollable on it holds another, so the owner may
 * release its reference while the guest still holds the pollable: signal before releasing
 * when the awaited event can no longer happen (end of body), so waiters never hang. */
wasi_flag *wasi_flag_new(wasi_p2_ctx *ctx);
void wasi_flag_retain(wasi_flag *flag);
void wasi_flag_release(wasi_flag *flag);
/* Sets the flag and calls the ctx's waiter wake() so a waiting guest re-checks. */
void wasi_signal(wasi_flag *flag);
/* listener(arg) runs inside every wasi_signal of the flag from now on (NULL: none; one at a
 * time): how a 0.3 host waiting on a 0.2 object's readiness through its reactor hears of it.
 * It runs inside the signaller's code: only schedule work there. Clear it before the arg goes. */
void wasi_flag_listen(wasi_flag *flag, void (*listener)(void *arg), void *arg);
/* Back to not ready (level-triggered use: "body buffer drained"). */
void wasi_flag_clear(wasi_flag *flag);
bool wasi_flag_is_set(const wasi_flag *flag);

/* ---- pollables ---- */

typedef enum {
  WASI_POLL_READY,    /* always ready */
  WASI_POLL_DEADLINE, /* ready once the monotonic clock reaches deadline_ns */
  WASI_POLL_FD,       /* ready when poll(2) reports `events` (or an error / hang-up) on fd */
  WASI_POLL_FLAG,     /* ready while the flag is set */
} wasi_poll_kind;

struct wasi_pollable {
  wasi_poll_kind kind;
  uint64_t deadline_ns;
  int fd;       /* not owned */
  short events; /* POLLIN / POLLOUT */
  wasi_flag *flag; /* a reference */
};

extern const wasi_kind wasi_pollable_kind;

wasi_pollable *wasi_pollable_ready(void);
wasi_pollable *wasi_pollable_deadline(uint64_t deadline_ns);
wasi_pollable *wasi_pollable_fd(int fd, short events);
wasi_pollable *wasi_pollable_flag(wasi_flag *flag); /* takes its own reference */
void wasi_pollable_free(wasi_pollable *pollable);
/* Stores a pollable in the table (what a `subscribe` returns as own<pollable>). */
wasm_trap *wasi_pollable_add(wasi_p2_ctx *ctx, wasi_pollable *pollable, uint32_t *rep);

/* Whether the pollable is ready now (an fd is checked with a zero-timeout poll(2)). */
bool wasi_pollable_is_ready(const wasi_pollable *pollable);
/* The earliest deadline among the pollables, UINT64_MAX when none has one. */
uint64_t wasi_pollables_deadline(wasi_pollable *const *pollables, uint32_t n);

/* ---- waiting ---- */

struct wasi_waiter {
  /* Waits until one of the pollables may be ready (none is when called); returning early is
   * fine. A trap (e.g. the request timed out, or nothing can ever wake it) aborts the guest. */
  wasm_trap *(*wait)(wasi_waiter *self, wasi_p2_ctx *ctx, wasi_pollable *const *pollables, uint32_t n);
  /* A flag of ctx was signalled (may be NULL). */
  void (*wake)(wasi_waiter *self, wasi_p2_ctx *ctx);
};

/* poll(2) on the FD pollables with the nearest deadline as timeout; traps when only clear
 * flags remain (nothing on this thread could set them). */
extern wasi_waiter wasi_default_waiter;

/* Returns (NULL) once at least one pollable is ready, or the waiter's trap. n > 0. */
wasm_trap *wasi_block(wasi_p2_ctx *ctx, wasi_pollable *const *pollables, uint32_t n);

/* ---- errors: wasi:io/error.error ---- */

typedef struct wasi_io_error {
  char *message;  /* to-debug-string */
  int os_errno;   /* 0 when not an OS error (wasi:filesystem maps it to an error-code) */
  void *detail;   /* the layer above's payload (wasi:http error-code), freed by detail_free */
  void (*detail_free)(void *detail);
} wasi_io_error;

extern const wasi_kind wasi_io_error_kind;

wasi_io_error *wasi_io_error_new(int os_errno, const char *fmt, ...) WR_PRINTF(2, 3);
void wasi_io_error_free(wasi_io_error *error);

/* ---- streams ---- */

typedef enum {
  WASI_STREAM_OK,
  WASI_STREAM_CLOSED, /* end of stream / the reader went away: no more data either way */
  WASI_STREAM_FAILED, /* *err set to a new wasi_io_error, handed to the guest */
} wasi_stream_status;

/* An input stream's implementation; `self` is the object given to wasi_input_stream_add. */
typedef struct wasi_input_ops {
  /* Up to `len` (> 0) bytes available now into buf; *nread = 0 means none yet (would block).
   * CLOSED only once no byte is left. */
  wasi_stream_status (*read)(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **err);
  /* A new pollable ready when read would not return 0 bytes (data, end or error). */
  wasi_pollable *(*subscribe)(void *self);
  void (*free)(void *self);
} wasi_input_ops;

typedef struct wasi_output_ops {
  /* How many bytes write accepts now (0 = would block, e.g. a flush is in progress). */
  wasi_stream_status (*check_write)(void *self, uint64_t *permitted, wasi_io_error **err);
  /* Accepts exactly `len` bytes, never more than the last check_write permitted (io.c
   * enforces that; len may be 0). */
  wasi_stream_status (*write)(void *self, const uint8_t *buf, size_t len, wasi_io_error **err);
  /* Starts flushing what was written; check_write permits more once it completes. */
  wasi_stream_status (*flush)(void *self, wasi_io_error **err);
  /* A new pollable ready when check_write would permit > 0 bytes, or fail / close. */
  wasi_pollable *(*subscribe)(void *self);
  void (*free)(void *self);
  /* Writes of up to `unchecked_write_max` bytes are taken without a check-write first (0:
   * none): wasmtime's stdio streams accept them, and real guests (StarlingMonkey's stderr)
   * rely on it. */
  uint32_t unchecked_write_max;
} wasi_output_ops;

typedef struct wasi_input_stream {
  const wasi_input_ops *ops;
  void *self;
} wasi_input_stream;

typedef struct wasi_output_stream {
  const wasi_output_ops *ops;
  void *self;
  uint64_t permitted; /* what the last check-write allowed, consumed by writes */
} wasi_output_stream;

extern const wasi_kind wasi_input_stream_kind;
extern const wasi_kind wasi_output_stream_kind;

/* Store a stream in the table (own<input-stream> / own<output-stream> for the guest). When
 * the guest drops it, ops->free(self) runs. On a trap (table full) ops->free(self) has run. */
wasm_trap *wasi_input_stream_add(wasi_p2_ctx *ctx, const wasi_input_ops *ops, void *self, uint32_t *rep);
wasm_trap *wasi_output_stream_add(wasi_p2_ctx *ctx, const wasi_output_ops *ops, void *self, uint32_t *rep);

/* Declares wasi:io (error, poll, streams) in `host` and implements it. */
bool wasi_p2_define_io(cm_host *host, wr_error *err);

#endif
