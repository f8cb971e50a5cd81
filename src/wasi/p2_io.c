/* wasi:io 0.2 (error, poll, streams) on top of io.h's objects, and stdio fd streams.
 *
 * The stream functions are written once against the wasi_input_ops / wasi_output_ops vtables;
 * the blocking variants wait through wasi_block (so through the embedder's waiter). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "p2_internal.h"
#include "stdio_lines.h"

/* Bytes one read / skip / splice moves at most: a list<u8> result is built as one cm_val per
 * byte, so this bounds the arena a single call may use. */
#define WASI_IO_CHUNK (64u * 1024u)
/* The spec's bound for blocking-write-and-flush and blocking-write-zeroes-and-flush. */
#define WASI_BLOCKING_WRITE_MAX 4096u

#define STREAMS WASI_IFACE("io/streams")

/* ---- results ---- */

/* result<T, stream-error> from a stream status; a failure's error object goes into the table. */
static wasm_trap *stream_result(const cm_canon_cx *cx, wasi_stream_status status, wasi_io_error *error,
                                const cm_val *ok, cm_val *result) {
  if (status == WASI_STREAM_OK) {
    *result = wasi_ok(cx, ok);
    return NULL;
  }
  cm_val stream_error;
  if (status == WASI_STREAM_CLOSED) {
    wasi_io_error_free(error);
    stream_error = cm_val_case(cx->arena, 1, NULL);
  } else {
    if (!error) error = wasi_io_error_new(0, "stream operation failed");
    uint32_t rep;
    wasm_trap *trap = wasi_table_add(wasi_p2_ctx_of(cx), &wasi_io_error_kind, error, &rep);
    if (trap) return trap;
    cm_val handle = cm_val_handle(rep);
    stream_error = cm_val_case(cx->arena, 0, &handle);
  }
  *result = wasi_err(cx, &stream_error);
  return NULL;
}

/* Waits on a fresh pollable from a stream's subscribe. */
static wasm_trap *block_on(wasi_p2_ctx *ctx, wasi_pollable *pollable) {
  wasm_trap *trap = wasi_block(ctx, &pollable, 1);
  wasi_pollable_free(pollable);
  return trap;
}

/* The call's ctx; its objects (input-stream, output-stream, ...) arrive resolved. */
#define CTX(call) ((wasi_p2_ctx *)(call)->state)

/* ---- wasi:io/error ---- */

static wasm_trap *error_to_debug_string(const cm_bound_call *call, cm_val *result) {
  const wasi_io_error *error = call->args[0].object;
  *result = wasi_string(call->cx, error->message);
  return NULL;
}

/* ---- wasi:io/poll ---- */

static wasm_trap *pollable_ready(const cm_bound_call *call, cm_val *result) {
  *result = cm_val_bool(wasi_pollable_is_ready(call->args[0].object));
  return NULL;
}

static wasm_trap *pollable_block(const cm_bound_call *call, cm_val *result) {
  WR_UNUSED(result);
  wasi_pollable *p = call->args[0].object;
  return wasi_block(CTX(call), &p, 1);
}

static wasm_trap *poll_poll(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_p2_ctx *ctx = CTX(call);
  const cm_val *list = &call->args[0].val;
  uint32_t n = list->u.seq.count;
  if (n == 0) return wasi_trap(ctx, "poll: the list of pollables is empty");
  wasi_pollable **ps = cm_arena_array(cx->arena, n, sizeof *ps);
  for (uint32_t i = 0; i < n; i++) {
    wasm_trap *trap = wasi_table_lookup(ctx, list->u.seq.items[i].u.rep, &wasi_pollable_kind, (void **)&ps[i]);
    if (trap) return trap;
  }
  wasm_trap *trap = wasi_block(ctx, ps, n);
  if (trap) return trap;
  uint32_t ready = 0;
  uint32_t *indices = cm_arena_array(cx->arena, n, sizeof *indices);
  for (uint32_t i = 0; i < n; i++)
    if (wasi_pollable_is_ready(ps[i])) indices[ready++] = i;
  *result = cm_val_seq(cx->arena, ready);
  for (uint32_t i = 0; i < ready; i++) result->u.seq.items[i].u.u = indices[i];
  return NULL;
}

/* ---- input-stream ---- */

static wasi_stream_status input_read(wasi_input_stream *s, uint8_t *buf, size_t len, size_t *n,
                                     wasi_io_error **error) {
  *n = 0;
  *error = NULL;
  wasi_stream_status status = s->ops->read(s->self, buf, len, n, error);
  if (status == WASI_STREAM_OK && *n > len) *n = len; /* a misbehaving implementation */
  return status;
}

static wasm_trap *read_common(const cm_bound_call *call, cm_val *result, bool blocking) {
  const cm_canon_cx *cx = call->cx;
  wasi_input_stream *s = call->args[0].object;
  size_t len = (size_t)WR_MIN(call->args[1].val.u.u, (uint64_t)WASI_IO_CHUNK);
  uint8_t *buf = cm_arena_alloc(cx->arena, len ? len : 1);
  size_t n = 0;
  wasi_io_error *error = NULL;
  wasi_stream_status status = WASI_STREAM_OK;
  while (len > 0) {
    status = input_read(s, buf, len, &n, &error);
    if (status != WASI_STREAM_OK || n > 0 || !blocking) break;
    wasm_trap *trap = block_on(CTX(call), s->ops->subscribe(s->self));
    if (trap) return trap;
  }
  cm_val bytes = wasi_bytes(cx, buf, n);
  return stream_result(cx, status, error, &bytes, result);
}

static wasm_trap *input_stream_read(const cm_bound_call *call, cm_val *result) {
  return read_common(call, result, false);
}

static wasm_trap *input_stream_blocking_read(const cm_bound_call *call, cm_val *result) {
  return read_common(call, result, true);
}

static wasm_trap *skip_common(const cm_bound_call *call, cm_val *result, bool blocking) {
  wasi_input_stream *s = call->args[0].object;
  size_t len = (size_t)WR_MIN(call->args[1].val.u.u, (uint64_t)WASI_IO_CHUNK);
  uint8_t *buf = wr_malloc(len ? len : 1);
  size_t n = 0;
  wasi_io_error *error = NULL;
  wasi_stream_status status = WASI_STREAM_OK;
  wasm_trap *trap = NULL;
  while (len > 0) {
    status = input_read(s, buf, len, &n, &error);
    if (status != WASI_STREAM_OK || n > 0 || !blocking) break;
    if ((trap = block_on(CTX(call), s->ops->subscribe(s->self)))) break;
  }
  wr_free(buf);
  if (trap) return trap;
  cm_val count = cm_val_u(n);
  return stream_result(call->cx, status, error, &count, result);
}

static wasm_trap *input_stream_skip(const cm_bound_call *call, cm_val *result) {
  return skip_common(call, result, false);
}

static wasm_trap *input_stream_blocking_skip(const cm_bound_call *call, cm_val *result) {
  return skip_common(call, result, true);
}

static wasm_trap *input_stream_subscribe(const cm_bound_call *call, cm_val *result) {
  wasi_input_stream *s = call->args[0].object;
  uint32_t rep;
  wasm_trap *trap = wasi_pollable_add(CTX(call), s->ops->subscribe(s->self), &rep);
  *result = cm_val_handle(rep);
  return trap;
}

/* ---- output-stream ---- */

static wasi_stream_status output_check(wasi_output_stream *s, wasi_io_error **error) {
  uint64_t permitted = 0;
  *error = NULL;
  wasi_stream_status status = s->ops->check_write(s->self, &permitted, error);
  s->permitted = status == WASI_STREAM_OK ? permitted : 0;
  return status;
}

/* Writes `len` bytes the caller has checked against s->permitted. */
static wasi_stream_status output_write(wasi_output_stream *s, const uint8_t *bytes, size_t len,
                                       wasi_io_error **error) {
  *error = NULL;
  s->permitted -= len;
  return s->ops->write(s->self, bytes, len, error);
}

static wasm_trap *check_permitted(wasi_p2_ctx *ctx, wasi_output_stream *s, uint64_t len) {
  if (len <= s->permitted) return NULL;
  if (len <= s->ops->unchecked_write_max) {
    s->permitted = len; /* consumed by the write that follows */
    return NULL;
  }
  return wasi_trap(ctx, "output-stream: writing %llu bytes when check-write permitted %llu",
                   (unsigned long long)len, (unsigned long long)s->permitted);
}

static wasm_trap *output_stream_check_write(const cm_bound_call *call, cm_val *result) {
  wasi_output_stream *s = call->args[0].object;
  wasi_io_error *error;
  wasi_stream_status status = output_check(s, &error);
  cm_val permitted = cm_val_u(s->permitted);
  return stream_result(call->cx, status, error, &permitted, result);
}

/* The bytes go from guest memory straight to the stream (which copies what it keeps). */
static wasm_trap *output_stream_write(const cm_bound_call *call, cm_val *result) {
  wasi_output_stream *s = call->args[0].object;
  cm_bytes bytes = call->args[1].bytes;
  wasm_trap *trap = check_permitted(CTX(call), s, bytes.len);
  if (trap) return trap;
  wasi_io_error *error;
  wasi_stream_status status = output_write(s, bytes.data, bytes.len, &error);
  return stream_result(call->cx, status, error, NULL, result);
}

static wasm_trap *output_stream_flush(const cm_bound_call *call, cm_val *result) {
  wasi_output_stream *s = call->args[0].object;
  wasi_io_error *error = NULL;
  wasi_stream_status status = s->ops->flush(s->self, &error);
  return stream_result(call->cx, status, error, NULL, result);
}

/* Waits until the stream permits a write (or fails / closes): the status of that check. */
static wasm_trap *wait_writable(wasi_p2_ctx *ctx, wasi_output_stream *s, wasi_stream_status *status,
                                wasi_io_error **error) {
  for (;;) {
    *status = output_check(s, error);
    if (*status != WASI_STREAM_OK || s->permitted > 0) return NULL;
    wasm_trap *trap = block_on(ctx, s->ops->subscribe(s->self));
    if (trap) return trap;
  }
}

/* blocking-write-and-flush / blocking-write-zeroes-and-flush: `bytes` NULL writes zeroes. */
static wasm_trap *blocking_write_flush(const cm_bound_call *call, const uint8_t *bytes, uint64_t len,
                                       cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  wasi_p2_ctx *ctx = CTX(call);
  wasi_output_stream *s = call->args[0].object;
  if (len > WASI_BLOCKING_WRITE_MAX)
    return wasi_trap(ctx, "output-stream: a blocking write of %llu bytes exceeds the limit of %u",
                     (unsigned long long)len, WASI_BLOCKING_WRITE_MAX);
  static const uint8_t zeroes[WASI_BLOCKING_WRITE_MAX];
  wasi_stream_status status = WASI_STREAM_OK;
  wasi_io_error *error = NULL;
  uint64_t done = 0;
  while (done < len) {
    wasm_trap *trap = wait_writable(ctx, s, &status, &error);
    if (trap) return trap;
    if (status != WASI_STREAM_OK) return stream_result(cx, status, error, NULL, result);
    size_t chunk = (size_t)WR_MIN(len - done, s->permitted);
    status = output_write(s, bytes ? bytes + done : zeroes, chunk, &error);
    if (status != WASI_STREAM_OK) return stream_result(cx, status, error, NULL, result);
    done += chunk;
  }
  status = s->ops->flush(s->self, &error);
  if (status == WASI_STREAM_OK) {
    /* flushed once the stream permits writes again */
    wasm_trap *trap = wait_writable(ctx, s, &status, &error);
    if (trap) return trap;
  }
  return stream_result(cx, status, error, NULL, result);
}

/* The bytes (at most WASI_BLOCKING_WRITE_MAX) are copied before the call may wait, so that
 * the range into guest memory is not held across a suspension. */
static wasm_trap *output_stream_blocking_write_and_flush(const cm_bound_call *call, cm_val *result) {
  cm_bytes bytes = call->args[1].bytes;
  uint8_t *copy = NULL;
  if (bytes.len <= WASI_BLOCKING_WRITE_MAX) {
    copy = cm_arena_alloc(call->cx->arena, bytes.len ? bytes.len : 1);
    if (bytes.len) memcpy(copy, bytes.data, bytes.len);
  }
  return blocking_write_flush(call, copy, bytes.len, result);
}

static wasm_trap *output_stream_blocking_write_zeroes_and_flush(const cm_bound_call *call, cm_val *result) {
  return blocking_write_flush(call, NULL, call->args[1].val.u.u, result);
}

static wasm_trap *output_stream_blocking_flush(const cm_bound_call *call, cm_val *result) {
  return blocking_write_flush(call, NULL, 0, result);
}

static wasm_trap *output_stream_write_zeroes(const cm_bound_call *call, cm_val *result) {
  wasi_output_stream *s = call->args[0].object;
  uint64_t len = call->args[1].val.u.u;
  wasm_trap *trap = check_permitted(CTX(call), s, len);
  if (trap) return trap;
  static const uint8_t zeroes[WASI_IO_CHUNK];
  wasi_stream_status status = WASI_STREAM_OK;
  wasi_io_error *error = NULL;
  for (uint64_t done = 0; done < len && status == WASI_STREAM_OK;) {
    size_t chunk = (size_t)WR_MIN(len - done, (uint64_t)WASI_IO_CHUNK);
    status = output_write(s, zeroes, chunk, &error);
    done += chunk;
  }
  return stream_result(call->cx, status, error, NULL, result);
}

static wasm_trap *output_stream_subscribe(const cm_bound_call *call, cm_val *result) {
  wasi_output_stream *s = call->args[0].object;
  uint32_t rep;
  wasm_trap *trap = wasi_pollable_add(CTX(call), s->ops->subscribe(s->self), &rep);
  *result = cm_val_handle(rep);
  return trap;
}

/* splice / blocking-splice: moves what both sides allow now, at most one chunk. */
static wasm_trap *splice_common(const cm_bound_call *call, cm_val *result, bool blocking) {
  const cm_canon_cx *cx = call->cx;
  wasi_p2_ctx *ctx = CTX(call);
  wasi_output_stream *dst = call->args[0].object;
  wasi_input_stream *src = call->args[1].object;
  uint64_t len = call->args[2].val.u.u;
  wasm_trap *trap = NULL;
  wasi_io_error *error = NULL;
  wasi_stream_status status = WASI_STREAM_OK;
  cm_val zero = cm_val_u(0);
  if (len == 0) return stream_result(cx, status, NULL, &zero, result);
  if (blocking) {
    if ((trap = wait_writable(ctx, dst, &status, &error))) return trap;
  } else {
    status = output_check(dst, &error);
  }
  if (status != WASI_STREAM_OK || dst->permitted == 0) return stream_result(cx, status, error, &zero, result);
  size_t want = (size_t)WR_MIN(WR_MIN(len, dst->permitted), (uint64_t)WASI_IO_CHUNK);
  uint8_t *buf = wr_malloc(want);
  size_t n = 0;
  for (;;) {
    status = input_read(src, buf, want, &n, &error);
    if (status != WASI_STREAM_OK || n > 0 || !blocking) break;
    if ((trap = block_on(ctx, src->ops->subscribe(src->self)))) break;
  }
  if (!trap && status == WASI_STREAM_OK && n > 0) status = output_write(dst, buf, n, &error);
  wr_free(buf);
  if (trap) return trap;
  cm_val moved = cm_val_u(n);
  return stream_result(cx, status, error, &moved, result);
}

static wasm_trap *output_stream_splice(const cm_bound_call *call, cm_val *result) {
  return splice_common(call, result, false);
}

static wasm_trap *output_stream_blocking_splice(const cm_bound_call *call, cm_val *result) {
  return splice_common(call, result, true);
}

/* ---- stdio fd streams ---- */

/* A non-owned fd. Reads never block the thread: poll(2) says whether data is there. */
typedef struct fd_stream {
  int fd;
  bool closed;
  wasi_stdio_lines lines; /* prefix (owned by the ctx, which outlives the stream) and rate limit */
} fd_stream;

static wasi_stream_status fd_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **error) {
  fd_stream *s = self;
  if (s->fd < 0 || s->closed) return WASI_STREAM_CLOSED;
  struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
  if (poll(&pfd, 1, 0) == 0) return WASI_STREAM_OK; /* nothing yet */
  ssize_t r;
  do r = read(s->fd, buf, len);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return WASI_STREAM_OK;
    *error = wasi_io_error_new(errno, "read: %s", strerror(errno));
    return WASI_STREAM_FAILED;
  }
  if (r == 0) {
    s->closed = true;
    return WASI_STREAM_CLOSED;
  }
  *nread = (size_t)r;
  return WASI_STREAM_OK;
}

static wasi_pollable *fd_subscribe_in(void *self) {
  fd_stream *s = self;
  return s->fd < 0 || s->closed ? wasi_pollable_ready() : wasi_pollable_fd(s->fd, POLLIN);
}

/* Writes complete before returning, so the stream is always writable. */
static wasi_stream_status fd_check_write(void *self, uint64_t *permitted, wasi_io_error **error) {
  WR_UNUSED(error);
  fd_stream *s = self;
  if (s->closed) return WASI_STREAM_CLOSED;
  *permitted = WASI_IO_CHUNK;
  return WASI_STREAM_OK;
}

static wasi_stream_status fd_write_all(fd_stream *s, const uint8_t *buf, size_t len, wasi_io_error **error);

/* The bytes with the prefix before each line start, written in one go so that lines of
 * instances sharing the fd interleave only whole writes. */
static wasi_stream_status fd_write_prefixed(fd_stream *s, const uint8_t *buf, size_t len, wasi_io_error **error) {
  wasi_byte_vec out = {0};
  wasi_stdio_lines_format(&s->lines, buf, len, &out);
  wasi_stream_status status = fd_write_all(s, out.items, out.len, error);
  WR_VEC_FREE(&out);
  return status;
}

static wasi_stream_status fd_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **error) {
  fd_stream *s = self;
  if (s->closed) return WASI_STREAM_CLOSED;
  if (s->fd < 0) return WASI_STREAM_OK;
  if (s->lines.prefix && len) return fd_write_prefixed(s, buf, len, error);
  return fd_write_all(s, buf, len, error);
}

static wasi_stream_status fd_write_all(fd_stream *s, const uint8_t *buf, size_t len, wasi_io_error **error) {
  while (len > 0) {
    ssize_t w = write(s->fd, buf, len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
      poll(&pfd, 1, -1); /* a non-blocking stdio fd: wait for room (stdio writes are blocking) */
      continue;
    }
    if (w < 0) {
      if (errno == EPIPE) {
        s->closed = true;
        return WASI_STREAM_CLOSED;
      }
      *error = wasi_io_error_new(errno, "write: %s", strerror(errno));
      return WASI_STREAM_FAILED;
    }
    buf += w;
    len -= (size_t)w;
  }
  return WASI_STREAM_OK;
}

static wasi_stream_status fd_flush(void *self, wasi_io_error **error) {
  WR_UNUSED(error);
  fd_stream *s = self;
  return s->closed ? WASI_STREAM_CLOSED : WASI_STREAM_OK;
}

static wasi_pollable *fd_subscribe_out(void *self) {
  WR_UNUSED(self);
  return wasi_pollable_ready();
}

static void fd_stream_free(void *self) { wr_free(self); }

static const wasi_input_ops fd_input_ops = {fd_read, fd_subscribe_in, fd_stream_free};
static const wasi_output_ops fd_output_ops = {fd_check_write, fd_write, fd_flush, fd_subscribe_out, fd_stream_free,
                                             WASI_IO_CHUNK};

static fd_stream *fd_stream_new(int fd) {
  fd_stream *s = WR_NEW(fd_stream);
  s->fd = fd;
  return s;
}

wasm_trap *wasi_fd_input_add(wasi_p2_ctx *ctx, int fd, uint32_t *rep) {
  return wasi_input_stream_add(ctx, &fd_input_ops, fd_stream_new(fd), rep);
}

wasm_trap *wasi_fd_output_add(wasi_p2_ctx *ctx, int fd, const char *prefix, uint32_t *rep) {
  fd_stream *s = fd_stream_new(fd);
  wasi_stdio_lines_init(&s->lines, prefix, wasi_p2_output_limit(ctx));
  return wasi_output_stream_add(ctx, &fd_output_ops, s, rep);
}

/* ---- registration ---- */

bool wasi_p2_define_io(cm_host *host, wr_error *err) {
  static const cm_host_binding error_funcs[] = {
      {"[method]error.to-debug-string", error_to_debug_string, {&wasi_io_error_kind}},
  };
  static const cm_host_binding poll_funcs[] = {
      {"[method]pollable.ready", pollable_ready, {&wasi_pollable_kind}},
      {"[method]pollable.block", pollable_block, {&wasi_pollable_kind}},
      {"poll", poll_poll, {NULL}},
  };
#define INPUT {&wasi_input_stream_kind}
#define OUTPUT {&wasi_output_stream_kind}
#define SPLICE {&wasi_output_stream_kind, &wasi_input_stream_kind}
  static const cm_host_binding stream_funcs[] = {
      {"[method]input-stream.read", input_stream_read, INPUT},
      {"[method]input-stream.blocking-read", input_stream_blocking_read, INPUT},
      {"[method]input-stream.skip", input_stream_skip, INPUT},
      {"[method]input-stream.blocking-skip", input_stream_blocking_skip, INPUT},
      {"[method]input-stream.subscribe", input_stream_subscribe, INPUT},
      {"[method]output-stream.check-write", output_stream_check_write, OUTPUT},
      {"[method]output-stream.write", output_stream_write, OUTPUT},
      {"[method]output-stream.blocking-write-and-flush", output_stream_blocking_write_and_flush, OUTPUT},
      {"[method]output-stream.flush", output_stream_flush, OUTPUT},
      {"[method]output-stream.blocking-flush", output_stream_blocking_flush, OUTPUT},
      {"[method]output-stream.subscribe", output_stream_subscribe, OUTPUT},
      {"[method]output-stream.write-zeroes", output_stream_write_zeroes, OUTPUT},
      {"[method]output-stream.blocking-write-zeroes-and-flush", output_stream_blocking_write_zeroes_and_flush, OUTPUT},
      {"[method]output-stream.splice", output_stream_splice, SPLICE},
      {"[method]output-stream.blocking-splice", output_stream_blocking_splice, SPLICE},
  };
  return wasi_add_wit(host, "io", err) &&
         wasi_bind_funcs(host, WASI_IFACE("io/error"), error_funcs, WR_ARRAY_LEN(error_funcs), err) &&
         wasi_define_resource(host, WASI_IFACE("io/error"), "error", &wasi_io_error_kind, err) &&
         wasi_bind_funcs(host, WASI_IFACE("io/poll"), poll_funcs, WR_ARRAY_LEN(poll_funcs), err) &&
         wasi_define_resource(host, WASI_IFACE("io/poll"), "pollable", &wasi_pollable_kind, err) &&
         wasi_bind_funcs(host, STREAMS, stream_funcs, WR_ARRAY_LEN(stream_funcs), err) &&
         wasi_define_resource(host, STREAMS, "input-stream", &wasi_input_stream_kind, err) &&
         wasi_define_resource(host, STREAMS, "output-stream", &wasi_output_stream_kind, err);
}
