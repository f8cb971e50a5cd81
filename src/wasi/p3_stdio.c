/* wasi:cli 0.3 stdio: stdin.read-via-stream, stdout/stderr.write-via-stream. Each call starts
 * a pump between the configured host fd and a stream<u8> whose other end the guest holds,
 * driven by the ctx's reactor so that no thread ever blocks on the fd, and resolves the
 * future it returned with ok or the error-code once the stream is over.
 *
 * Output keeps 0.2's line prefix and rate limit (stdio_lines.h). Input reads one chunk ahead
 * of the guest: a chunk is read from the fd only after the guest took the previous one. An fd
 * of -1 is an empty stdin (what `warren serve` gives) and a discarding stdout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "../component/instance.h"
#include "../component/stream.h"
#include "p3_internal.h"
#include "stdio_lines.h"

#define STDIO_CHUNK (64u * 1024)
#define STDIO_FLUSH_MS 2000 /* the most a teardown waits to write output already accepted */
/* Each stream holds a STDIO_CHUNK buffer; a guest needs a handful, so a runaway one is stopped
 * long before the host's memory is. */
#define STDIO_STREAMS_MAX 64

/* wasi:cli/types error-code cases */
enum { ERROR_IO = 0, ERROR_ILLEGAL_BYTE_SEQUENCE = 1, ERROR_PIPE = 2, NO_ERROR = -1 };

static int error_code_of(int os_errno) {
  if (os_errno == EPIPE) return ERROR_PIPE;
  if (os_errno == EILSEQ) return ERROR_ILLEGAL_BYTE_SEQUENCE;
  return ERROR_IO;
}

/* The element types of the streams and futures the functions return, from the host's WIT. */
typedef struct stdio_types {
  const cm_valtype *byte;   /* u8 */
  const cm_valtype *result; /* result<_, error-code> */
} stdio_types;

/* One read-via-stream / write-via-stream: the fd, its reactor wakeup, the stream's host end
 * and the result future's. */
typedef struct pump {
  wasi_p2_ctx *ctx;
  uint32_t rep; /* its entry in the ctx's table */
  wasm_store *store;
  wasi_reactor *reactor;
  wasi_wakeup *wakeup;
  int fd;
  bool socket;       /* the fd is a socket: send(MSG_DONTWAIT) writes it without blocking */
  cm_host_end *data; /* the stream's host end (NULL once dropped) */
  cm_host_end *done; /* the result future's writable end (NULL once resolved) */
  cm_val outcome, error; /* result<_, error-code> being written (read by the copy) */
  int error_code;        /* NO_ERROR or the error-code case */
  bool running;          /* inside run(): a copy finishing during it is handled by its loop */
  bool ended;            /* no more bytes either way */
  bool resolving, resolved; /* the future's write is under way / over */
  uint8_t *buf;
  wasi_byte_vec out; /* output: formatted bytes not yet written */
  size_t out_at;
  uint32_t in_len, in_at; /* input: bytes read from the fd not yet taken by the guest */
  wasi_stdio_lines lines;
  bool reading, writing; /* a copy with the guest is in progress */
  void (*step)(struct pump *p); /* moves bytes until it must wait for the fd or the guest */
} pump;

static ssize_t write_nonblocking(const struct pump *p, const uint8_t *buf, size_t len);

/* Output the guest wrote (its stream writes completed) but the fd had no room for when the
 * instance went (an exit, a trap): written now, waiting for room as 0.2's blocking writes do,
 * but at most STDIO_FLUSH_MS in all, so a reader that never reads cannot hold the teardown. */
static void flush_on_teardown(pump *p) {
  uint64_t deadline = wr_monotonic_ns() + (uint64_t)STDIO_FLUSH_MS * 1000000u;
  while (p->fd >= 0 && p->out_at < p->out.len) {
    ssize_t w = write_nonblocking(p, p->out.items + p->out_at, p->out.len - p->out_at);
    if (w > 0) {
      p->out_at += (size_t)w;
      continue;
    }
    uint64_t now = wr_monotonic_ns();
    if (w == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) || now >= deadline) return;
    struct pollfd pfd = {.fd = p->fd, .events = POLLOUT};
    poll(&pfd, 1, (int)((deadline - now + 999999u) / 1000000u));
  }
}

static void pump_free(void *object) {
  pump *p = object;
  (*wasi_p2_stdio_streams(p->ctx))--;
  if (p->wakeup) p->reactor->cancel(p->reactor, p->wakeup);
  flush_on_teardown(p);
  WR_VEC_FREE(&p->out);
  wr_free(p->buf);
  wr_free(p);
}

static const wasi_kind pump_kind = {"stdio pump", pump_free};

/* The pump's last act: its future is resolved (read or dropped by the guest). */
static void pump_end(pump *p) {
  cm_host_end_drop(p->done);
  p->done = NULL;
  wasi_table_remove(p->ctx, p->rep, &pump_kind);
}

static void future_done(void *arg, int result, uint32_t n) {
  WR_UNUSED(result);
  WR_UNUSED(n);
  pump *p = arg;
  p->resolved = true;
  if (!p->resolving) pump_end(p);
}

static const cm_host_end_ops future_ops = {future_done, NULL};

/* The stream is over: drop its end and resolve the future with the outcome. */
static void finish(pump *p) {
  if (p->data) {
    cm_host_end_drop(p->data);
    p->data = NULL;
  }
  if (p->error_code != NO_ERROR) {
    p->error = (cm_val){.u.cs = {(uint32_t)p->error_code, NULL}};
    p->outcome = (cm_val){.u.cs = {1, &p->error}};
  } else {
    p->outcome = (cm_val){.u.cs = {0, NULL}};
  }
  p->resolving = true;
  wasm_trap *trap = cm_host_end_write(p->done, p->store, NULL, &p->outcome, 1);
  p->resolving = false;
  if (trap || p->resolved) pump_end(p);
}

static void run(pump *p);

static void fd_ready(void *arg, short revents) {
  WR_UNUSED(revents);
  pump *p = arg;
  p->wakeup = NULL;
  run(p);
}

/* Waits for the fd; false (and the pump fails with io) when the reactor refuses. */
static bool wait_fd(pump *p, short events) {
  p->wakeup = p->reactor->wait(p->reactor, p->fd, events, UINT64_MAX, fd_ready, p);
  if (p->wakeup) return true;
  p->error_code = ERROR_IO;
  return false;
}

/* Runs steps until one waits for a callback; the pump may be gone when it returns. */
static void run(pump *p) {
  if (p->running) return;
  p->running = true;
  p->step(p);
}

/* ---- output: the guest's stream to the fd ---- */

/* A write that never blocks the thread: send(MSG_DONTWAIT) on a socket, else the fd made
 * non-blocking for the call (stdio fds are shared with other processes, so it is restored). */
static ssize_t write_nonblocking(const pump *p, const uint8_t *buf, size_t len) {
  int fd = p->fd;
  ssize_t w;
  if (p->socket) return send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -1;
  if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -1;
  do w = write(fd, buf, len);
  while (w < 0 && errno == EINTR);
  int saved = errno;
  if (!(flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags);
  errno = saved;
  return w;
}

static void output_step(pump *p) {
  for (;;) {
    if (p->out_at < p->out.len) {
      if (p->fd < 0) {
        p->out_at = p->out.len; /* discarded */
        continue;
      }
      ssize_t w = write_nonblocking(p, p->out.items + p->out_at, p->out.len - p->out_at);
      if (w > 0) {
        p->out_at += (size_t)w;
        continue;
      }
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (wait_fd(p, POLLOUT)) break;
      } else {
        p->error_code = error_code_of(w < 0 ? errno : EIO);
      }
    }
    p->out.len = p->out_at = 0;
    if (p->error_code != NO_ERROR || p->ended) {
      finish(p);
      return;
    }
    if (!p->reading) {
      p->reading = true;
      if (cm_host_end_read(p->data, p->store, p->buf, NULL, NULL, STDIO_CHUNK)) {
        p->reading = false;
        p->error_code = ERROR_IO;
        continue;
      }
    }
    if (p->reading) break; /* output_copied goes on */
  }
  p->running = false;
}

static void output_copied(void *arg, int result, uint32_t n) {
  pump *p = arg;
  p->reading = false;
  if (n) wasi_stdio_lines_format(&p->lines, p->buf, n, &p->out);
  if (result != CM_COPY_COMPLETED) p->ended = true; /* the guest dropped its end: the rest is written, then ok */
  run(p);
}

static const cm_host_end_ops output_ops = {output_copied, NULL};

/* ---- input: the fd to the guest's stream ---- */

static void input_step(pump *p) {
  for (;;) {
    if (p->writing) break; /* input_copied goes on */
    if (p->in_at < p->in_len) {
      p->writing = true;
      if (cm_host_end_write(p->data, p->store, p->buf + p->in_at, NULL, p->in_len - p->in_at)) {
        p->writing = false;
        p->error_code = ERROR_IO;
        p->in_at = p->in_len;
      }
      continue;
    }
    if (p->ended || p->error_code != NO_ERROR || p->fd < 0) {
      finish(p);
      return;
    }
    struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) == 0) {
      if (wait_fd(p, POLLIN)) break;
      continue;
    }
    ssize_t r;
    do r = read(p->fd, p->buf, STDIO_CHUNK);
    while (r < 0 && errno == EINTR);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_fd(p, POLLIN)) break;
      continue;
    }
    if (r < 0) p->error_code = error_code_of(errno);
    else if (r == 0) p->ended = true;
    p->in_len = r > 0 ? (uint32_t)r : 0;
    p->in_at = 0;
  }
  p->running = false;
}

static void input_copied(void *arg, int result, uint32_t n) {
  pump *p = arg;
  p->writing = false;
  p->in_at += n;
  if (result != CM_COPY_COMPLETED) { /* the guest dropped its end: nobody wants the rest */
    p->ended = true;
    p->in_at = p->in_len;
  }
  run(p);
}

static const cm_host_end_ops input_ops = {input_copied, NULL};

/* ---- the functions ---- */

static wasm_trap *pump_new(const cm_bound_call *call, int which, pump **out) {
  wasi_p2_ctx *ctx = call->state;
  wasi_reactor *reactor;
  wasm_trap *trap = wasi_p3_reactor(ctx, which == 0 ? WASI_P3_IFACE("cli/stdin") : which == 1 ? WASI_P3_IFACE("cli/stdout")
                                                                                             : WASI_P3_IFACE("cli/stderr"),
                                    &reactor);
  if (trap) return trap;
  uint32_t *streams = wasi_p2_stdio_streams(ctx);
  if (*streams >= STDIO_STREAMS_MAX)
    return wasi_trap(ctx, "wasi:cli: too many stdio streams open at once (limit %u)", STDIO_STREAMS_MAX);
  (*streams)++;
  pump *p = WR_NEW(pump);
  *p = (pump){.ctx = ctx, .store = call->cx->store, .reactor = reactor, .fd = wasi_p2_ctx_config(ctx)->stdio[which],
              .error_code = NO_ERROR, .buf = wr_malloc(STDIO_CHUNK), .step = which == 0 ? input_step : output_step};
  struct stat st;
  p->socket = p->fd >= 0 && fstat(p->fd, &st) == 0 && S_ISSOCK(st.st_mode);
  wasi_stdio_lines_init(&p->lines, wasi_p2_stdio_prefix(ctx, which), wasi_p2_output_limit(ctx));
  trap = wasi_table_add(ctx, &pump_kind, p, &p->rep);
  if (!trap) *out = p;
  return trap;
}

/* The result future: its readable end for the guest. */
static void *pump_future(pump *p, const cm_canon_cx *cx, const stdio_types *types) {
  void *readable;
  p->done = cm_host_end_new_writable(cm_instance_cstore(cx->inst), true, types->result, &readable, &future_ops, p);
  return readable;
}

static wasm_trap *write_via_stream(const cm_bound_call *call, int which, cm_val *result) {
  pump *p = NULL;
  wasm_trap *trap = pump_new(call, which, &p);
  if (trap) return trap;
  p->data = cm_host_end_take_readable(call->args[0].val.u.shared, &output_ops, p);
  *result = (cm_val){.u.shared = pump_future(p, call->cx, call->env)};
  run(p);
  return NULL;
}

static wasm_trap *stdout_write(const cm_bound_call *call, cm_val *result) { return write_via_stream(call, 1, result); }
static wasm_trap *stderr_write(const cm_bound_call *call, cm_val *result) { return write_via_stream(call, 2, result); }

static wasm_trap *stdin_read(const cm_bound_call *call, cm_val *result) {
  const stdio_types *types = call->env;
  pump *p = NULL;
  wasm_trap *trap = pump_new(call, 0, &p);
  if (trap) return trap;
  void *stream;
  p->data = cm_host_end_new_writable(cm_instance_cstore(call->cx->inst), false, types->byte, &stream, &input_ops, p);
  *result = cm_val_seq(call->cx->arena, 2);
  result->u.seq.items[0] = (cm_val){.u.shared = stream};
  result->u.seq.items[1] = (cm_val){.u.shared = pump_future(p, call->cx, types)};
  run(p);
  return NULL;
}

bool wasi_p3_define_stdio(cm_host *host, wr_error *err) {
  const cm_functype *in = cm_host_func_type(host, WASI_P3_IFACE("cli/stdin"), "read-via-stream");
  if (!in || !in->result || in->result->kind != CM_TUPLE || in->result->count != 2) {
    wr_error_set(err, "wasi:cli/stdin: read-via-stream is not () -> tuple<stream, future>");
    return false;
  }
  stdio_types *types = cm_host_alloc(host, sizeof *types);
  types->byte = in->result->fields[0].type->elem;
  types->result = in->result->fields[1].type->elem;
  static const cm_host_binding stdin_funcs[] = {{"read-via-stream", stdin_read, {NULL}}};
  static const cm_host_binding stdout_funcs[] = {{"write-via-stream", stdout_write, {NULL}}};
  static const cm_host_binding stderr_funcs[] = {{"write-via-stream", stderr_write, {NULL}}};
  return cm_host_bind(host, WASI_P3_IFACE("cli/stdin"), &wasi_p2_binder, stdin_funcs, 1, types, err) &&
         cm_host_bind(host, WASI_P3_IFACE("cli/stdout"), &wasi_p2_binder, stdout_funcs, 1, types, err) &&
         cm_host_bind(host, WASI_P3_IFACE("cli/stderr"), &wasi_p2_binder, stderr_funcs, 1, types, err);
}
