/* wasi:cli 0.3 stdio: stdin.read-via-stream, stdout/stderr.write-via-stream. Each call starts
 * a pump (p3_task.h) between the configured host fd and a stream<u8> whose other end the guest
 * holds, and resolves the future it returned with ok or the error-code once the stream is over.
 * What is stdio's own is here: the fds are shared with other processes (so output goes through
 * base/shared_fd.h, and stdin is polled before it is read), output keeps 0.2's
 * line prefix and rate limit (stdio_lines.h), an fd of -1 is an empty stdin (what `warren
 * serve` gives) and a discarding stdout, and what happens to output left over at teardown. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "../base/log.h"
#include "../base/shared_fd.h"
#include "../component/instance.h"
#include "p3_internal.h"
#include "p3_task.h"
#include "stdio_lines.h"

/* Each stream holds a WASI_P3_CHUNK buffer; a guest needs a handful, so a runaway one is
 * stopped long before the host's memory is. */
#define STDIO_STREAMS_MAX 64

static const char *const stdio_names[] = {"stdin", "stdout", "stderr"};

/* wasi:cli/types error-code cases */
enum { ERROR_IO = 0, ERROR_ILLEGAL_BYTE_SEQUENCE = 1, ERROR_PIPE = 2 };

static uint32_t error_code_of(int os_errno) {
  if (os_errno == EPIPE) return ERROR_PIPE;
  if (os_errno == EILSEQ) return ERROR_ILLEGAL_BYTE_SEQUENCE;
  return ERROR_IO;
}

/* The element types of the streams and futures the functions return, from the host's WIT. */
typedef struct stdio_types {
  const cm_valtype *byte;   /* u8 */
  const cm_valtype *result; /* result<_, error-code> */
} stdio_types;

/* One read-via-stream / write-via-stream. */
typedef struct stdio_stream {
  wasi_p3_pump pump; /* first */
  int which;         /* 0 stdin, 1 stdout, 2 stderr */
  wasi_stdio_streams *shared; /* the ctx's count of streams and of output not written yet */
  wr_shared_fd_writer writer; /* output: how the fd is written without blocking */
  wasi_stdio_lines lines;
  wasi_byte_vec out; /* output: what the guest's last chunk became */
  cm_val outcome, error; /* result<_, error-code> being written (read by the copy) */
} stdio_stream;

/* ---- the fd ---- */

/* Input: stdin may be a blocking fd shared with other processes; it is read only once poll
 * says a read will not wait. */
static ssize_t stdio_read(wasi_p3_pump *pump, uint8_t *buf, size_t len) {
  if (pump->fd < 0) return 0; /* empty */
  struct pollfd pfd = {.fd = pump->fd, .events = POLLIN};
  if (poll(&pfd, 1, 0) == 0) {
    errno = EAGAIN;
    return -1;
  }
  return read(pump->fd, buf, len);
}

static ssize_t stdio_write(wasi_p3_pump *pump, const uint8_t *buf, size_t len) {
  stdio_stream *s = (stdio_stream *)pump;
  ssize_t w = pump->fd < 0 ? (ssize_t)len /* discarded */ : wr_shared_fd_write(&s->writer, buf, len);
  if (w > 0) s->shared->unwritten -= (size_t)w;
  return w;
}

/* What the guest's bytes become: its lines prefixed and rate limited. */
static void stdio_take(wasi_p3_pump *pump, const uint8_t *buf, size_t len) {
  stdio_stream *s = (stdio_stream *)pump;
  s->out.len = 0;
  wasi_stdio_lines_format(&s->lines, buf, len, &s->out);
  pump->bytes = s->out.items;
  pump->len = s->out.len;
  s->shared->unwritten += s->out.len;
}

static void stdio_settle(wasi_p3_pump *pump, int err) {
  stdio_stream *s = (stdio_stream *)pump;
  if (pump->output) { /* after an error, what is left cannot be written */
    s->shared->unwritten -= wasi_p3_pump_unwritten(pump);
    pump->off = pump->len;
  }
  if (err) {
    s->error = (cm_val){.u.cs = {error_code_of(err), NULL}};
    s->outcome = (cm_val){.u.cs = {1, &s->error}};
  } else {
    s->outcome = (cm_val){.u.cs = {0, NULL}};
  }
  wasi_p3_task_settle(&pump->task, &s->outcome);
}

static const wasi_p3_pump_ops input_ops = {stdio_read, NULL, NULL, stdio_settle};
static const wasi_p3_pump_ops output_ops = {NULL, stdio_write, stdio_take, stdio_settle};

/* Output the guest wrote (its stream writes completed) and the fd had no room for yet when the
 * instance goes: written as far as the fd takes it now, the rest dropped. Waiting for room
 * would hold the thread, a server's worker among them, for as long as a reader does not read;
 * keeping it past the instance would take memory nobody bounds. `warren run` loses nothing:
 * wasi_p3_call waits on its reactor for this output before the instance goes. */
static void write_what_fits(stdio_stream *s) {
  wasi_p3_pump *pump = &s->pump;
  s->shared->unwritten -= wasi_p3_pump_unwritten(pump);
  while (pump->fd >= 0 && wasi_p3_pump_unwritten(pump)) {
    ssize_t w = wr_shared_fd_write(&s->writer, pump->bytes + pump->off, wasi_p3_pump_unwritten(pump));
    if (w <= 0) break;
    pump->off += (size_t)w;
  }
  size_t dropped = wasi_p3_pump_unwritten(pump);
  if (dropped)
    WR_DEBUG("wasi:cli: %zu bytes of %s output dropped at teardown (the fd had no room for them)", dropped,
             stdio_names[s->which]);
}

/* Stdin read ahead is dropped with it: nobody wants it now. */
static void stdio_release(wasi_p3_task *task) {
  stdio_stream *s = (stdio_stream *)task;
  s->shared->alive--;
  if (s->pump.output) {
    write_what_fits(s);
    wr_shared_fd_close(&s->writer);
  }
  WR_VEC_FREE(&s->out);
}

/* ---- the functions ---- */

/* A stream for `which`'s fd in the ctx's table, its result future made (*future for the
 * guest); the caller sets its data end and starts it. */
static wasm_trap *stream_new(const cm_bound_call *call, int which, void **future, stdio_stream **out) {
  wasi_p2_ctx *ctx = call->state;
  const stdio_types *types = call->env;
  wasi_reactor *reactor;
  const char *const ifaces[] = {WASI_P3_IFACE("cli/stdin"), WASI_P3_IFACE("cli/stdout"), WASI_P3_IFACE("cli/stderr")};
  wasm_trap *trap = wasi_p3_reactor(ctx, ifaces[which], &reactor);
  if (trap) return trap;
  wasi_stdio_streams *shared = wasi_p2_stdio_streams(ctx);
  if (shared->alive >= STDIO_STREAMS_MAX)
    return wasi_trap(ctx, "wasi:cli: too many stdio streams open at once (limit %u)", STDIO_STREAMS_MAX);
  shared->alive++;
  stdio_stream *s = WR_NEW(stdio_stream);
  int fd = wasi_p2_ctx_config(ctx)->stdio[which];
  wasi_p3_pump_init(&s->pump, which == 0 ? &input_ops : &output_ops, fd, which != 0);
  s->pump.task.release = stdio_release;
  s->which = which;
  s->shared = shared;
  if (which != 0) wr_shared_fd_open(&s->writer, fd);
  wasi_stdio_lines_init(&s->lines, wasi_p2_stdio_prefix(ctx, which), wasi_p2_output_limit(ctx));
  if ((trap = wasi_p3_task_start(&s->pump.task, ctx, reactor))) return trap;
  s->pump.task.done = cm_host_end_new_writable(cm_instance_cstore(call->cx->inst), true, types->result, future,
                                               &wasi_p3_task_end_ops, s);
  *out = s;
  return NULL;
}

static wasm_trap *write_via_stream(const cm_bound_call *call, int which, cm_val *result) {
  stdio_stream *s = NULL;
  void *future;
  wasm_trap *trap = stream_new(call, which, &future, &s);
  if (trap) return trap;
  s->pump.task.data = cm_host_end_take_readable(call->args[0].val.u.shared, &wasi_p3_pump_end_ops, s);
  *result = (cm_val){.u.shared = future};
  wasi_p3_task_wait(&s->pump.task, -1, 0);
  return NULL;
}

static wasm_trap *stdout_write(const cm_bound_call *call, cm_val *result) { return write_via_stream(call, 1, result); }
static wasm_trap *stderr_write(const cm_bound_call *call, cm_val *result) { return write_via_stream(call, 2, result); }

static wasm_trap *stdin_read(const cm_bound_call *call, cm_val *result) {
  const stdio_types *types = call->env;
  stdio_stream *s = NULL;
  void *future, *stream;
  wasm_trap *trap = stream_new(call, 0, &future, &s);
  if (trap) return trap;
  s->pump.task.data = cm_host_end_new_writable(cm_instance_cstore(call->cx->inst), false, types->byte, &stream,
                                               &wasi_p3_pump_end_ops, s);
  *result = cm_val_seq(call->cx->arena, 2);
  result->u.seq.items[0] = (cm_val){.u.shared = stream};
  result->u.seq.items[1] = (cm_val){.u.shared = future};
  wasi_p3_task_wait(&s->pump.task, -1, 0);
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
