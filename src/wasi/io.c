/* The WASI 0.2 context: resource table, flags, pollables, waiting, errors (see io.h). */
#include "io.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../base/alloc.h"
#include "../base/vec.h"

typedef struct wasi_entry {
  const wasi_kind *kind; /* NULL: free slot */
  void *object;
  uint32_t next_free; /* free slots: index + 1 of the next free one, 0 = none */
} wasi_entry;

struct wasi_p2_ctx {
  wasi_p2_config config;
  wasm_store *store;
  void *embedder;
  wasi_waiter *waiter;
  struct wasi_reactor *reactor;
  wasi_stdio_streams stdio_streams;
  char *stdio_prefix[3];      /* wasi_p2_set_stdio_prefix */
  wasi_output_limit *output_limit;
  WR_VEC(wasi_entry) entries; /* rep = index + 1 */
  uint32_t free_head;         /* index + 1 of a free slot, 0 = none */
  uint32_t live;
};

struct wasi_flag {
  wasi_p2_ctx *ctx;
  uint32_t refs;
  bool set;
  void (*listener)(void *arg); /* a 0.3 host waiting on the flag through its reactor */
  void *listener_arg;
};

/* ---- context ---- */

void wasi_p2_config_init(wasi_p2_config *config) {
  memset(config, 0, sizeof *config);
  for (int i = 0; i < 3; i++) config->stdio[i] = i;
}

wasi_p2_ctx *wasi_p2_ctx_new(const wasi_p2_config *config) {
  wasi_p2_ctx *ctx = WR_NEW(wasi_p2_ctx);
  ctx->config = *config;
  ctx->waiter = &wasi_default_waiter;
  return ctx;
}

void wasi_p2_ctx_free(wasi_p2_ctx *ctx) {
  if (!ctx) return;
  for (size_t i = 0; i < ctx->entries.len; i++) {
    wasi_entry *e = &ctx->entries.items[i];
    if (e->kind && e->kind->free) e->kind->free(e->object);
  }
  WR_VEC_FREE(&ctx->entries);
  for (int i = 0; i < 3; i++) wr_free(ctx->stdio_prefix[i]);
  wr_free(ctx); /* the store is not touched: it may be gone already */
}

void wasi_p2_set_stdio_prefix(wasi_p2_ctx *ctx, int which, const char *prefix) {
  if (which < 1 || which > 2) return;
  wr_free(ctx->stdio_prefix[which]);
  ctx->stdio_prefix[which] = prefix ? wr_strndup(prefix, strlen(prefix)) : NULL;
}

const char *wasi_p2_stdio_prefix(const wasi_p2_ctx *ctx, int which) {
  return which >= 1 && which <= 2 ? ctx->stdio_prefix[which] : NULL;
}

void wasi_p2_set_output_limit(wasi_p2_ctx *ctx, wasi_output_limit *limit) { ctx->output_limit = limit; }
wasi_output_limit *wasi_p2_output_limit(const wasi_p2_ctx *ctx) { return ctx->output_limit; }

void wasi_p2_ctx_attach(wasi_p2_ctx *ctx, wasm_store *store) {
  ctx->store = store;
  wasm_store_set_data(store, ctx);
}

wasi_p2_ctx *wasi_p2_ctx_of(const cm_canon_cx *cx) { return wasm_store_data(cx->store); }
wasm_store *wasi_p2_ctx_store(const wasi_p2_ctx *ctx) { return ctx->store; }
const wasi_p2_config *wasi_p2_ctx_config(const wasi_p2_ctx *ctx) { return &ctx->config; }
void wasi_p2_set_embedder(wasi_p2_ctx *ctx, void *embedder) { ctx->embedder = embedder; }
void *wasi_p2_embedder(const wasi_p2_ctx *ctx) { return ctx->embedder; }
void wasi_p2_set_waiter(wasi_p2_ctx *ctx, wasi_waiter *waiter) {
  ctx->waiter = waiter ? waiter : &wasi_default_waiter;
}

void wasi_p2_set_reactor(wasi_p2_ctx *ctx, struct wasi_reactor *reactor) { ctx->reactor = reactor; }
struct wasi_reactor *wasi_p2_reactor(const wasi_p2_ctx *ctx) { return ctx->reactor; }
wasi_stdio_streams *wasi_p2_stdio_streams(wasi_p2_ctx *ctx) { return &ctx->stdio_streams; }

wasm_trap *wasi_trap(const wasi_p2_ctx *ctx, const char *fmt, ...) {
  char message[sizeof(((wasm_trap *)0)->message)];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  return wasm_trap_new(ctx->store, WASM_TRAP_HOST, "%s", message);
}

/* ---- resource table ---- */

wasm_trap *wasi_table_add(wasi_p2_ctx *ctx, const wasi_kind *kind, void *object, uint32_t *rep) {
  if (ctx->live >= WASI_TABLE_MAX) {
    if (kind->free) kind->free(object);
    return wasi_trap(ctx, "too many WASI resources (limit %u): the guest leaks handles", WASI_TABLE_MAX);
  }
  uint32_t index;
  if (ctx->free_head) {
    index = ctx->free_head - 1;
    ctx->free_head = ctx->entries.items[index].next_free;
  } else {
    index = (uint32_t)ctx->entries.len;
    WR_VEC_PUSH(&ctx->entries, ((wasi_entry){0}));
  }
  ctx->entries.items[index] = (wasi_entry){.kind = kind, .object = object};
  ctx->live++;
  *rep = index + 1;
  return NULL;
}

static wasi_entry *entry_of(const wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind) {
  if (rep == 0 || rep > ctx->entries.len) return NULL;
  wasi_entry *e = &ctx->entries.items[rep - 1];
  return e->kind == kind ? e : NULL;
}

void *wasi_table_get(const wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind) {
  wasi_entry *e = entry_of(ctx, rep, kind);
  return e ? e->object : NULL;
}

wasm_trap *wasi_table_lookup(const wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind, void **object) {
  *object = wasi_table_get(ctx, rep, kind);
  return *object ? NULL : wasi_trap(ctx, "unknown %s resource %u", kind->name, rep);
}

void *wasi_table_take(wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind) {
  wasi_entry *e = entry_of(ctx, rep, kind);
  if (!e) return NULL;
  void *object = e->object;
  *e = (wasi_entry){.next_free = ctx->free_head};
  ctx->free_head = rep;
  ctx->live--;
  return object;
}

bool wasi_table_remove(wasi_p2_ctx *ctx, uint32_t rep, const wasi_kind *kind) {
  if (!entry_of(ctx, rep, kind)) return false;
  void *object = wasi_table_take(ctx, rep, kind);
  if (kind->free) kind->free(object);
  return true;
}

wasm_trap *wasi_resource_dtor(void *env, wasm_store *store, uint32_t rep) {
  const wasi_kind *kind = env;
  wasi_p2_ctx *ctx = wasm_store_data(store);
  if (!ctx) return wasm_trap_new(store, WASM_TRAP_HOST, "%s dropped without a WASI context", kind->name);
  if (!wasi_table_remove(ctx, rep, kind)) return wasi_trap(ctx, "unknown %s resource %u", kind->name, rep);
  return NULL;
}

/* ---- flags ---- */

wasi_flag *wasi_flag_new(wasi_p2_ctx *ctx) {
  wasi_flag *flag = WR_NEW(wasi_flag);
  flag->ctx = ctx;
  flag->refs = 1;
  return flag;
}

void wasi_flag_retain(wasi_flag *flag) { flag->refs++; }

void wasi_flag_release(wasi_flag *flag) {
  if (flag && --flag->refs == 0) wr_free(flag);
}

void wasi_signal(wasi_flag *flag) {
  flag->set = true;
  wasi_waiter *waiter = flag->ctx->waiter;
  if (waiter->wake) waiter->wake(waiter, flag->ctx);
  if (flag->listener) flag->listener(flag->listener_arg);
}

void wasi_flag_listen(wasi_flag *flag, void (*listener)(void *arg), void *arg) {
  flag->listener = listener;
  flag->listener_arg = arg;
}

void wasi_flag_clear(wasi_flag *flag) { flag->set = false; }
bool wasi_flag_is_set(const wasi_flag *flag) { return flag->set; }

/* ---- pollables ---- */

static void pollable_free_object(void *object) { wasi_pollable_free(object); }
const wasi_kind wasi_pollable_kind = {"pollable", pollable_free_object};

static wasi_pollable *pollable_new(wasi_poll_kind kind) {
  wasi_pollable *p = WR_NEW(wasi_pollable);
  p->kind = kind;
  p->fd = -1;
  return p;
}

wasi_pollable *wasi_pollable_ready(void) { return pollable_new(WASI_POLL_READY); }

wasi_pollable *wasi_pollable_deadline(uint64_t deadline_ns) {
  wasi_pollable *p = pollable_new(WASI_POLL_DEADLINE);
  p->deadline_ns = deadline_ns;
  return p;
}

wasi_pollable *wasi_pollable_fd(int fd, short events) {
  wasi_pollable *p = pollable_new(WASI_POLL_FD);
  p->fd = fd;
  p->events = events;
  return p;
}

wasi_pollable *wasi_pollable_flag(wasi_flag *flag) {
  wasi_pollable *p = pollable_new(WASI_POLL_FLAG);
  wasi_flag_retain(flag);
  p->flag = flag;
  return p;
}

void wasi_pollable_free(wasi_pollable *pollable) {
  if (!pollable) return;
  if (pollable->kind == WASI_POLL_FLAG) wasi_flag_release(pollable->flag);
  wr_free(pollable);
}

wasm_trap *wasi_pollable_add(wasi_p2_ctx *ctx, wasi_pollable *pollable, uint32_t *rep) {
  return wasi_table_add(ctx, &wasi_pollable_kind, pollable, rep);
}

bool wasi_pollable_is_ready(const wasi_pollable *pollable) {
  switch (pollable->kind) {
  case WASI_POLL_READY: return true;
  case WASI_POLL_DEADLINE: return wr_monotonic_ns() >= pollable->deadline_ns;
  case WASI_POLL_FLAG: return pollable->flag->set;
  case WASI_POLL_FD: {
    if (pollable->fd < 0) return true; /* nothing to wait for: the stream is at its end */
    struct pollfd pfd = {.fd = pollable->fd, .events = pollable->events};
    return poll(&pfd, 1, 0) > 0;
  }
  }
  return true;
}

uint64_t wasi_pollables_deadline(wasi_pollable *const *pollables, uint32_t n) {
  uint64_t deadline = UINT64_MAX;
  for (uint32_t i = 0; i < n; i++)
    if (pollables[i]->kind == WASI_POLL_DEADLINE) deadline = WR_MIN(deadline, pollables[i]->deadline_ns);
  return deadline;
}

/* ---- waiting ---- */

static wasm_trap *default_wait(wasi_waiter *self, wasi_p2_ctx *ctx, wasi_pollable *const *pollables, uint32_t n) {
  WR_UNUSED(self);
  struct pollfd *fds = WR_NEW_ARRAY(struct pollfd, n);
  nfds_t nfds = 0;
  for (uint32_t i = 0; i < n; i++)
    if (pollables[i]->kind == WASI_POLL_FD && pollables[i]->fd >= 0)
      fds[nfds++] = (struct pollfd){.fd = pollables[i]->fd, .events = pollables[i]->events};
  uint64_t deadline = wasi_pollables_deadline(pollables, n);
  if (nfds == 0 && deadline == UINT64_MAX) {
    wr_free(fds);
    return wasi_trap(ctx, "the guest waits for events nothing can deliver (deadlock)");
  }
  struct timespec timeout, *timeout_ptr = NULL;
  if (deadline != UINT64_MAX) {
    uint64_t now = wr_monotonic_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    timeout = (struct timespec){.tv_sec = (time_t)(left / 1000000000u), .tv_nsec = (long)(left % 1000000000u)};
    timeout_ptr = &timeout;
  }
  int r = ppoll(fds, nfds, timeout_ptr, NULL);
  int saved = errno;
  wr_free(fds);
  if (r < 0 && saved != EINTR) return wasi_trap(ctx, "poll failed: %s", strerror(saved));
  return NULL;
}

wasi_waiter wasi_default_waiter = {default_wait, NULL};

wasm_trap *wasi_block(wasi_p2_ctx *ctx, wasi_pollable *const *pollables, uint32_t n) {
  for (;;) {
    for (uint32_t i = 0; i < n; i++)
      if (wasi_pollable_is_ready(pollables[i])) return NULL;
    wasm_trap *trap = ctx->waiter->wait(ctx->waiter, ctx, pollables, n);
    if (trap) return trap;
  }
}

/* ---- errors ---- */

static void io_error_free_object(void *object) { wasi_io_error_free(object); }
const wasi_kind wasi_io_error_kind = {"error", io_error_free_object};

wasi_io_error *wasi_io_error_new(int os_errno, const char *fmt, ...) {
  char message[512];
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  wasi_io_error *error = WR_NEW(wasi_io_error);
  error->message = wr_strndup(message, len < 0 ? 0 : WR_MIN((size_t)len, sizeof message - 1));
  error->os_errno = os_errno;
  return error;
}

void wasi_io_error_free(wasi_io_error *error) {
  if (!error) return;
  if (error->detail_free) error->detail_free(error->detail);
  wr_free(error->message);
  wr_free(error);
}

/* ---- streams ---- */

static void input_stream_free(void *object) {
  wasi_input_stream *s = object;
  if (s->ops->free) s->ops->free(s->self);
  wr_free(s);
}

static void output_stream_free(void *object) {
  wasi_output_stream *s = object;
  if (s->ops->free) s->ops->free(s->self);
  wr_free(s);
}

const wasi_kind wasi_input_stream_kind = {"input-stream", input_stream_free};
const wasi_kind wasi_output_stream_kind = {"output-stream", output_stream_free};

wasm_trap *wasi_input_stream_add(wasi_p2_ctx *ctx, const wasi_input_ops *ops, void *self, uint32_t *rep) {
  wasi_input_stream *s = WR_NEW(wasi_input_stream);
  s->ops = ops;
  s->self = self;
  return wasi_table_add(ctx, &wasi_input_stream_kind, s, rep);
}

wasm_trap *wasi_output_stream_add(wasi_p2_ctx *ctx, const wasi_output_ops *ops, void *self, uint32_t *rep) {
  wasi_output_stream *s = WR_NEW(wasi_output_stream);
  s->ops = ops;
  s->self = self;
  return wasi_table_add(ctx, &wasi_output_stream_kind, s, rep);
}
