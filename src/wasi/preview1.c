/* wasi_snapshot_preview1 host functions over guest linear memory.
 *
 * Every pointer + length the guest passes is checked against the current memory size
 * before it is touched (EFAULT otherwise), and every structure is written byte by byte in
 * little-endian order, as the ABI defines it, whatever the host's byte order. */
#include "preview1.h"

#include "../base/alloc.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* ---- ABI constants (witx wasi_snapshot_preview1) ---- */
enum {
  WASI_ESUCCESS = 0,
  WASI_E2BIG = 1,
  WASI_EACCES = 2,
  WASI_EAGAIN = 6,
  WASI_EBADF = 8,
  WASI_EDQUOT = 19,
  WASI_EFAULT = 21,
  WASI_EFBIG = 22,
  WASI_EINTR = 27,
  WASI_EINVAL = 28,
  WASI_EIO = 29,
  WASI_EISDIR = 31,
  WASI_ENOMEM = 48,
  WASI_ENOSPC = 51,
  WASI_ENOSYS = 52,
  WASI_ENOTSUP = 58,
  WASI_ENXIO = 60,
  WASI_EOVERFLOW = 61,
  WASI_EPERM = 63,
  WASI_EPIPE = 64,
  WASI_ESPIPE = 70,
};

enum { WASI_CLOCK_REALTIME = 0, WASI_CLOCK_MONOTONIC = 1 };
enum { WASI_FILETYPE_CHARACTER_DEVICE = 2 };
enum { WASI_FDFLAG_APPEND = 1 };
enum { WASI_EVENT_CLOCK = 0, WASI_EVENT_FD_READ = 1, WASI_EVENT_FD_WRITE = 2 };
enum { WASI_SUBCLOCK_ABSTIME = 1 };
enum { WASI_EVENT_FD_HANGUP = 1 };

#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS (UINT64_C(1) << 3)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHT_POLL_FD_READWRITE (UINT64_C(1) << 27)

/* Sizes of the ABI records this file reads or writes. */
enum {
  IOVEC_SIZE = 8,
  FDSTAT_SIZE = 24,
  FILESTAT_SIZE = 64,
  SUBSCRIPTION_SIZE = 48,
  EVENT_SIZE = 32,
};

/* ---- guest memory ---- */
typedef struct guest_memory {
  uint8_t *base;
  uint64_t size;
} guest_memory;

static guest_memory caller_memory(wasm_caller *caller) {
  wasm_memory *memory = wasm_caller_memory(caller);
  guest_memory m = {NULL, 0};
  if (memory) {
    m.base = wasm_memory_data(memory);
    m.size = wasm_memory_size_bytes(memory);
  }
  return m;
}

/* The guest bytes [ptr, ptr + len), or NULL when any of them is outside the memory. */
static uint8_t *guest_span(const guest_memory *m, uint32_t ptr, uint64_t len) {
  if (!m->base || ptr > m->size || len > m->size - ptr) return NULL;
  return m->base + ptr;
}

static void put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p) {
  return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* ---- calling convention helpers ---- */
#define ARG_U32(i) ((uint32_t)slots[i])
#define ARG_U64(i) ((uint64_t)slots[i])

static wasm_trap *result(wasm_slot *slots, uint16_t wasi_errno) {
  slots[0] = wasi_errno;
  return NULL;
}

static uint16_t errno_to_wasi(int e) {
  switch (e) {
    case EAGAIN: return WASI_EAGAIN;
    case EACCES: return WASI_EACCES;
    case EBADF: return WASI_EBADF;
    case EDQUOT: return WASI_EDQUOT;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case EISDIR: return WASI_EISDIR;
    case ENOMEM: return WASI_ENOMEM;
    case ENOSPC: return WASI_ENOSPC;
    case ENXIO: return WASI_ENXIO;
    case EPERM: return WASI_EPERM;
    case EPIPE: return WASI_EPIPE;
    case ESPIPE: return WASI_ESPIPE;
    default: return WASI_EIO;
  }
}

/* The host fd behind an open guest stdio fd, or -1. */
static int host_fd(const wasi_ctx *ctx, uint32_t fd) { return fd < 3 ? ctx->stdio[fd] : -1; }

/* ---- args and environment ---- */

/* Sizes of a string list as args_sizes_get / environ_sizes_get report them. */
static uint16_t string_list_sizes(const char *const *list, size_t n, wasm_caller *caller,
                                  uint32_t count_ptr, uint32_t bytes_ptr) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += strlen(list[i]) + 1;
  if (n > UINT32_MAX || bytes > UINT32_MAX) return WASI_EOVERFLOW;
  guest_memory m = caller_memory(caller);
  uint8_t *count_out = guest_span(&m, count_ptr, 4), *bytes_out = guest_span(&m, bytes_ptr, 4);
  if (!count_out || !bytes_out) return WASI_EFAULT;
  put_u32(count_out, (uint32_t)n);
  put_u32(bytes_out, (uint32_t)bytes);
  return WASI_ESUCCESS;
}

/* Copy a string list into the guest: pointers at ptrs_ptr, NUL-terminated bytes at buf_ptr. */
static uint16_t string_list_get(const char *const *list, size_t n, wasm_caller *caller,
                                uint32_t ptrs_ptr, uint32_t buf_ptr) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += strlen(list[i]) + 1;
  guest_memory m = caller_memory(caller);
  uint8_t *ptrs = guest_span(&m, ptrs_ptr, (uint64_t)n * 4);
  uint8_t *buf = guest_span(&m, buf_ptr, bytes);
  if (!ptrs || !buf) return WASI_EFAULT;
  uint32_t at = buf_ptr;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(list[i]) + 1;
    put_u32(ptrs + 4 * i, at);
    memcpy(m.base + at, list[i], len);
    at += (uint32_t)len;
  }
  return WASI_ESUCCESS;
}

static wasm_trap *wasi_args_sizes_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  wasi_ctx *ctx = env;
  return result(slots, string_list_sizes(ctx->args, ctx->nargs, caller, ARG_U32(0), ARG_U32(1)));
}

static wasm_trap *wasi_args_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  wasi_ctx *ctx = env;
  return result(slots, string_list_get(ctx->args, ctx->nargs, caller, ARG_U32(0), ARG_U32(1)));
}

static wasm_trap *wasi_environ_sizes_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  wasi_ctx *ctx = env;
  return result(slots, string_list_sizes(ctx->env, ctx->nenv, caller, ARG_U32(0), ARG_U32(1)));
}

static wasm_trap *wasi_environ_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  wasi_ctx *ctx = env;
  return result(slots, string_list_get(ctx->env, ctx->nenv, caller, ARG_U32(0), ARG_U32(1)));
}

/* ---- stdio ---- */

/* Every buffer of an iovec array lies in guest memory and the total fits the u32 count the
 * call reports: 0, or the errno (EFAULT, EINVAL) to return. */
static uint16_t check_iovecs(const guest_memory *m, const uint8_t *iovs, uint32_t iovs_len) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < iovs_len; i++) {
    uint32_t len = get_u32(iovs + i * IOVEC_SIZE + 4);
    if (!guest_span(m, get_u32(iovs + i * IOVEC_SIZE), len)) return WASI_EFAULT;
    total += len;
  }
  return total > UINT32_MAX ? WASI_EINVAL : 0;
}

static wasm_trap *wasi_fd_write(wasm_caller *caller, void *env, wasm_slot *slots) {
  wasi_ctx *ctx = env;
  uint32_t fd = ARG_U32(0), iovs_ptr = ARG_U32(1), iovs_len = ARG_U32(2);
  int out = fd == 0 ? -1 : host_fd(ctx, fd);
  if (out < 0) return result(slots, WASI_EBADF);
  guest_memory m = caller_memory(caller);
  const uint8_t *iovs = guest_span(&m, iovs_ptr, (uint64_t)iovs_len * IOVEC_SIZE);
  uint8_t *nwritten_out = guest_span(&m, ARG_U32(3), 4);
  if (!iovs || !nwritten_out) return result(slots, WASI_EFAULT);
  /* Check every buffer first so that a bad one fails the call before anything is written. */
  uint16_t bad = check_iovecs(&m, iovs, iovs_len);
  if (bad) return result(slots, bad);
  uint32_t written = 0;
  for (uint32_t i = 0; i < iovs_len; i++) {
    const uint8_t *buf = m.base + get_u32(iovs + i * IOVEC_SIZE);
    uint32_t len = get_u32(iovs + i * IOVEC_SIZE + 4), done = 0;
    while (done < len) {
      ssize_t n = write(out, buf + done, len - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        /* A partial write is a success that reports how much went out. */
        if (written == 0 && done == 0) return result(slots, errno_to_wasi(n < 0 ? errno : EIO));
        put_u32(nwritten_out, written + done);
        return result(slots, WASI_ESUCCESS);
      }
      done += (uint32_t)n;
    }
    written += len;
  }
  put_u32(nwritten_out, written);
  return result(slots, WASI_ESUCCESS);
}

static wasm_trap *wasi_fd_read(wasm_caller *caller, void *env, wasm_slot *slots) {
  wasi_ctx *ctx = env;
  uint32_t fd = ARG_U32(0), iovs_ptr = ARG_U32(1), iovs_len = ARG_U32(2);
  int in = fd == 0 ? host_fd(ctx, fd) : -1;
  if (in < 0) return result(slots, WASI_EBADF);
  guest_memory m = caller_memory(caller);
  const uint8_t *iovs = guest_span(&m, iovs_ptr, (uint64_t)iovs_len * IOVEC_SIZE);
  uint8_t *nread_out = guest_span(&m, ARG_U32(3), 4);
  if (!iovs || !nread_out) return result(slots, WASI_EFAULT);
  uint16_t bad = check_iovecs(&m, iovs, iovs_len);
  if (bad) return result(slots, bad);
  uint32_t nread = 0;
  for (uint32_t i = 0; i < iovs_len; i++) {
    uint8_t *buf = m.base + get_u32(iovs + i * IOVEC_SIZE);
    uint32_t len = get_u32(iovs + i * IOVEC_SIZE + 4);
    if (len == 0) continue;
    ssize_t n;
    do n = read(in, buf, len);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (nread == 0) return result(slots, errno_to_wasi(errno));
      break;
    }
    nread += (uint32_t)n;
    /* A short read means no more data is ready; waiting to fill the next buffer could
     * block on an interactive stream. */
    if ((uint32_t)n < len) break;
  }
  put_u32(nread_out, nread);
  return result(slots, WASI_ESUCCESS);
}

static wasm_trap *wasi_fd_close(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(caller);
  wasi_ctx *ctx = env;
  uint32_t fd = ARG_U32(0);
  if (host_fd(ctx, fd) < 0) return result(slots, WASI_EBADF);
  ctx->stdio[fd] = -1;
  return result(slots, WASI_ESUCCESS);
}

/* fd_seek and fd_tell: stdio streams are not seekable. */
static wasm_trap *wasi_fd_seek(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(caller);
  return result(slots, host_fd(env, ARG_U32(0)) < 0 ? WASI_EBADF : WASI_ESPIPE);
}

static uint64_t stdio_rights(uint32_t fd) {
  return (fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE) | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |
         WASI_RIGHT_POLL_FD_READWRITE;
}

static wasm_trap *wasi_fd_fdstat_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  uint32_t fd = ARG_U32(0);
  if (host_fd(env, fd) < 0) return result(slots, WASI_EBADF);
  guest_memory m = caller_memory(caller);
  uint8_t *out = guest_span(&m, ARG_U32(1), FDSTAT_SIZE);
  if (!out) return result(slots, WASI_EFAULT);
  memset(out, 0, FDSTAT_SIZE); /* no fd flags, no inheriting rights */
  out[0] = WASI_FILETYPE_CHARACTER_DEVICE;
  put_u64(out + 8, stdio_rights(fd));
  return result(slots, WASI_ESUCCESS);
}

static wasm_trap *wasi_fd_fdstat_set_flags(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(caller);
  if (host_fd(env, ARG_U32(0)) < 0) return result(slots, WASI_EBADF);
  /* Appending is what a stream does anyway; non-blocking or sync modes would change the
   * host's own stdio, which the guest does not own. */
  return result(slots, (ARG_U32(1) & ~(uint32_t)WASI_FDFLAG_APPEND) ? WASI_ENOTSUP : WASI_ESUCCESS);
}

static wasm_trap *wasi_fd_filestat_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  if (host_fd(env, ARG_U32(0)) < 0) return result(slots, WASI_EBADF);
  guest_memory m = caller_memory(caller);
  uint8_t *out = guest_span(&m, ARG_U32(1), FILESTAT_SIZE);
  if (!out) return result(slots, WASI_EFAULT);
  memset(out, 0, FILESTAT_SIZE);
  out[16] = WASI_FILETYPE_CHARACTER_DEVICE;
  return result(slots, WASI_ESUCCESS);
}

/* No preopened directories: the scan wasi-libc does at start-up ends at the first EBADF. */
static wasm_trap *wasi_no_preopen(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(caller);
  WR_UNUSED(env);
  return result(slots, WASI_EBADF);
}

/* ---- clocks ---- */

static bool host_clock(uint32_t id, clockid_t *out) {
  switch (id) {
    case WASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return true;
    case WASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return true;
    default: return false;
  }
}

static uint64_t timespec_ns(struct timespec ts) {
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t clock_now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return timespec_ns(ts);
}

static wasm_trap *wasi_clock_res_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(env);
  clockid_t clock;
  if (!host_clock(ARG_U32(0), &clock)) return result(slots, WASI_EINVAL);
  guest_memory m = caller_memory(caller);
  uint8_t *out = guest_span(&m, ARG_U32(1), 8);
  if (!out) return result(slots, WASI_EFAULT);
  struct timespec ts;
  if (clock_getres(clock, &ts) != 0) return result(slots, errno_to_wasi(errno));
  put_u64(out, timespec_ns(ts));
  return result(slots, WASI_ESUCCESS);
}

static wasm_trap *wasi_clock_time_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(env);
  clockid_t clock;
  if (!host_clock(ARG_U32(0), &clock)) return result(slots, WASI_EINVAL);
  guest_memory m = caller_memory(caller); /* argument 1 is the precision, a hint */
  uint8_t *out = guest_span(&m, ARG_U32(2), 8);
  if (!out) return result(slots, WASI_EFAULT);
  put_u64(out, clock_now_ns(clock));
  return result(slots, WASI_ESUCCESS);
}

/* ---- poll_oneoff ---- */

/* One guest subscription as poll_oneoff sees it. */
typedef struct subscription {
  uint64_t userdata;
  uint8_t type;
  uint16_t error;    /* set when the subscription fails at once (bad fd, bad clock) */
  uint64_t deadline; /* clock: CLOCK_MONOTONIC nanoseconds */
  uint32_t fd;       /* fd_read / fd_write */
} subscription;

static uint64_t saturating_add(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

/* The instant poll_oneoff was called, so relative timeouts stay put while it waits. */
typedef struct poll_start {
  uint64_t mono, real;
} poll_start;

static subscription parse_subscription(const wasi_ctx *ctx, const poll_start *start,
                                       const uint8_t *p) {
  subscription s = {.userdata = get_u64(p), .type = p[8]};
  const uint8_t *u = p + 16;
  clockid_t clock;
  switch (s.type) {
    case WASI_EVENT_CLOCK: {
      if (!host_clock(get_u32(u), &clock)) {
        s.error = WASI_EINVAL;
        break;
      }
      uint64_t timeout = get_u64(u + 8);
      if (!(get_u16(u + 24) & WASI_SUBCLOCK_ABSTIME)) {
        s.deadline = saturating_add(start->mono, timeout);
      } else if (clock == CLOCK_MONOTONIC) {
        s.deadline = timeout;
      } else {
        /* A realtime deadline becomes a monotonic one at the current offset. */
        s.deadline = timeout <= start->real ? start->mono
                                            : saturating_add(start->mono, timeout - start->real);
      }
      break;
    }
    case WASI_EVENT_FD_READ:
    case WASI_EVENT_FD_WRITE:
      s.fd = get_u32(u);
      if (host_fd(ctx, s.fd) < 0 || (s.fd == 0) != (s.type == WASI_EVENT_FD_READ))
        s.error = WASI_EBADF;
      break;
    default: s.error = WASI_EINVAL; break;
  }
  return s;
}

static void put_event(uint8_t *out, const subscription *s, uint16_t error, uint64_t nbytes,
                      uint16_t flags) {
  memset(out, 0, EVENT_SIZE);
  put_u64(out, s->userdata);
  put_u16(out + 8, error);
  out[10] = s->type;
  put_u64(out + 16, nbytes);
  put_u16(out + 24, flags);
}

/* Waits until the earliest clock deadline passes or a polled stdio stream is ready, then
 * reports every subscription that is satisfied. Subscriptions are read once, before any
 * event is written (the guest may pass overlapping buffers); their copy is smaller than
 * the guest memory they came from. Streams are polled on the host's fds, one pollfd per
 * guest stdio fd. */
static wasm_trap *wasi_poll_oneoff(wasm_caller *caller, void *env, wasm_slot *slots) {
  wasi_ctx *ctx = env;
  uint32_t nsubs = ARG_U32(2);
  if (nsubs == 0) return result(slots, WASI_EINVAL);
  guest_memory m = caller_memory(caller);
  const uint8_t *in = guest_span(&m, ARG_U32(0), (uint64_t)nsubs * SUBSCRIPTION_SIZE);
  uint8_t *out = guest_span(&m, ARG_U32(1), (uint64_t)nsubs * EVENT_SIZE);
  uint8_t *nevents_out = guest_span(&m, ARG_U32(3), 4);
  if (!in || !out || !nevents_out) return result(slots, WASI_EFAULT);

  poll_start start = {clock_now_ns(CLOCK_MONOTONIC), clock_now_ns(CLOCK_REALTIME)};
  subscription *subs = WR_NEW_ARRAY(subscription, nsubs);
  struct pollfd fds[3];
  nfds_t nfds = 0;
  int poll_index[3] = {-1, -1, -1};
  uint64_t earliest = UINT64_MAX;
  bool immediate = false;
  for (uint32_t i = 0; i < nsubs; i++) {
    const subscription *s = &subs[i];
    subs[i] = parse_subscription(ctx, &start, in + (size_t)i * SUBSCRIPTION_SIZE);
    if (s->error) {
      immediate = true;
    } else if (s->type == WASI_EVENT_CLOCK) {
      earliest = WR_MIN(earliest, s->deadline);
    } else {
      if (poll_index[s->fd] < 0) {
        poll_index[s->fd] = (int)nfds;
        fds[nfds++] = (struct pollfd){.fd = host_fd(ctx, s->fd), .events = 0};
      }
      fds[poll_index[s->fd]].events |= s->type == WASI_EVENT_FD_READ ? POLLIN : POLLOUT;
    }
  }

  uint16_t failure = WASI_ESUCCESS;
  uint32_t nevents = 0;
  while (nevents == 0 && failure == WASI_ESUCCESS) {
    uint64_t now = clock_now_ns(CLOCK_MONOTONIC);
    uint64_t wait_ns = immediate || earliest <= now ? 0 : earliest - now;
    if (nfds > 0) {
      int timeout_ms = -1; /* no clock: wait for a stream */
      if (wait_ns == 0)
        timeout_ms = 0;
      else if (earliest != UINT64_MAX)
        timeout_ms = (int)WR_MIN(wait_ns / 1000000 + 1, (uint64_t)INT32_MAX);
      if (poll(fds, nfds, timeout_ms) < 0) {
        if (errno != EINTR) failure = errno_to_wasi(errno);
        continue;
      }
    } else if (wait_ns > 0) {
      struct timespec until = {.tv_sec = (time_t)(earliest / 1000000000u),
                               .tv_nsec = (long)(earliest % 1000000000u)};
      int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
      if (rc != 0 && rc != EINTR) failure = errno_to_wasi(rc);
    }

    now = clock_now_ns(CLOCK_MONOTONIC);
    for (uint32_t i = 0; i < nsubs; i++) {
      const subscription *s = &subs[i];
      uint8_t *event = out + (size_t)nevents * EVENT_SIZE;
      if (s->error) {
        put_event(event, s, s->error, 0, 0);
      } else if (s->type == WASI_EVENT_CLOCK) {
        if (s->deadline > now) continue;
        put_event(event, s, WASI_ESUCCESS, 0, 0);
      } else {
        const struct pollfd *pfd = &fds[poll_index[s->fd]];
        short wanted = s->type == WASI_EVENT_FD_READ ? POLLIN : POLLOUT;
        if (pfd->revents & POLLNVAL) {
          put_event(event, s, WASI_EBADF, 0, 0);
        } else if (pfd->revents & (wanted | POLLHUP | POLLERR)) {
          int available = 0;
          if (s->type == WASI_EVENT_FD_READ && ioctl(pfd->fd, FIONREAD, &available) != 0)
            available = 0;
          put_event(event, s, WASI_ESUCCESS, (uint64_t)(available > 0 ? available : 0),
                    (pfd->revents & POLLHUP) ? WASI_EVENT_FD_HANGUP : 0);
        } else {
          continue;
        }
      }
      nevents++;
    }
  }
  wr_free(subs);
  if (failure != WASI_ESUCCESS) return result(slots, failure);
  put_u32(nevents_out, nevents);
  return result(slots, WASI_ESUCCESS);
}

/* ---- random, process ---- */

static wasm_trap *wasi_random_get(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(env);
  guest_memory m = caller_memory(caller);
  uint32_t len = ARG_U32(1);
  uint8_t *buf = guest_span(&m, ARG_U32(0), len);
  if (!buf) return result(slots, WASI_EFAULT);
  for (uint32_t done = 0; done < len;) {
    ssize_t n = getrandom(buf + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return result(slots, errno_to_wasi(errno));
    }
    done += (uint32_t)n;
  }
  return result(slots, WASI_ESUCCESS);
}

static wasm_trap *wasi_proc_exit(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(env);
  int code = (int)ARG_U32(0);
  wasm_trap *trap =
      wasm_trap_new(wasm_caller_store(caller), WASM_TRAP_EXIT, "exit with code %d", code);
  trap->exit_code = code;
  return trap;
}

static wasm_trap *wasi_sched_yield(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(caller);
  WR_UNUSED(env);
  sched_yield();
  return result(slots, WASI_ESUCCESS);
}

/* Filesystem, sockets, signals and fd juggling: present so modules link, never usable. */
static wasm_trap *wasi_unsupported(wasm_caller *caller, void *env, wasm_slot *slots) {
  WR_UNUSED(caller);
  WR_UNUSED(env);
  return result(slots, WASI_ENOSYS);
}

/* ---- the function table ---- */

#define I WASM_I32
#define L WASM_I64
// clang-format off
#define TYPE(np, nr, ...) {np, nr, (uint8_t[]){__VA_ARGS__}}
// clang-format on

typedef struct preview1_func {
  const char *name;
  wasm_host_fn fn;
  wasm_functype type;
} preview1_func;

static const preview1_func preview1_funcs[] = {
    {"args_get", wasi_args_get, TYPE(2, 1, I, I, I)},
    {"args_sizes_get", wasi_args_sizes_get, TYPE(2, 1, I, I, I)},
    {"environ_get", wasi_environ_get, TYPE(2, 1, I, I, I)},
    {"environ_sizes_get", wasi_environ_sizes_get, TYPE(2, 1, I, I, I)},
    {"clock_res_get", wasi_clock_res_get, TYPE(2, 1, I, I, I)},
    {"clock_time_get", wasi_clock_time_get, TYPE(3, 1, I, L, I, I)},
    {"fd_advise", wasi_unsupported, TYPE(4, 1, I, L, L, I, I)},
    {"fd_allocate", wasi_unsupported, TYPE(3, 1, I, L, L, I)},
    {"fd_close", wasi_fd_close, TYPE(1, 1, I, I)},
    {"fd_datasync", wasi_unsupported, TYPE(1, 1, I, I)},
    {"fd_fdstat_get", wasi_fd_fdstat_get, TYPE(2, 1, I, I, I)},
    {"fd_fdstat_set_flags", wasi_fd_fdstat_set_flags, TYPE(2, 1, I, I, I)},
    {"fd_fdstat_set_rights", wasi_unsupported, TYPE(3, 1, I, L, L, I)},
    {"fd_filestat_get", wasi_fd_filestat_get, TYPE(2, 1, I, I, I)},
    {"fd_filestat_set_size", wasi_unsupported, TYPE(2, 1, I, L, I)},
    {"fd_filestat_set_times", wasi_unsupported, TYPE(4, 1, I, L, L, I, I)},
    {"fd_pread", wasi_unsupported, TYPE(5, 1, I, I, I, L, I, I)},
    {"fd_prestat_get", wasi_no_preopen, TYPE(2, 1, I, I, I)},
    {"fd_prestat_dir_name", wasi_no_preopen, TYPE(3, 1, I, I, I, I)},
    {"fd_pwrite", wasi_unsupported, TYPE(5, 1, I, I, I, L, I, I)},
    {"fd_read", wasi_fd_read, TYPE(4, 1, I, I, I, I, I)},
    {"fd_readdir", wasi_unsupported, TYPE(5, 1, I, I, I, L, I, I)},
    {"fd_renumber", wasi_unsupported, TYPE(2, 1, I, I, I)},
    {"fd_seek", wasi_fd_seek, TYPE(4, 1, I, L, I, I, I)},
    {"fd_sync", wasi_unsupported, TYPE(1, 1, I, I)},
    {"fd_tell", wasi_fd_seek, TYPE(2, 1, I, I, I)},
    {"fd_write", wasi_fd_write, TYPE(4, 1, I, I, I, I, I)},
    {"path_create_directory", wasi_unsupported, TYPE(3, 1, I, I, I, I)},
    {"path_filestat_get", wasi_unsupported, TYPE(5, 1, I, I, I, I, I, I)},
    {"path_filestat_set_times", wasi_unsupported, TYPE(7, 1, I, I, I, I, L, L, I, I)},
    {"path_link", wasi_unsupported, TYPE(7, 1, I, I, I, I, I, I, I, I)},
    {"path_open", wasi_unsupported, TYPE(9, 1, I, I, I, I, I, L, L, I, I, I)},
    {"path_readlink", wasi_unsupported, TYPE(6, 1, I, I, I, I, I, I, I)},
    {"path_remove_directory", wasi_unsupported, TYPE(3, 1, I, I, I, I)},
    {"path_rename", wasi_unsupported, TYPE(6, 1, I, I, I, I, I, I, I)},
    {"path_symlink", wasi_unsupported, TYPE(5, 1, I, I, I, I, I, I)},
    {"path_unlink_file", wasi_unsupported, TYPE(3, 1, I, I, I, I)},
    {"poll_oneoff", wasi_poll_oneoff, TYPE(4, 1, I, I, I, I, I)},
    {"proc_exit", wasi_proc_exit, TYPE(1, 0, I)},
    {"proc_raise", wasi_unsupported, TYPE(1, 1, I, I)},
    {"sched_yield", wasi_sched_yield, TYPE(0, 1, I)},
    {"random_get", wasi_random_get, TYPE(2, 1, I, I, I)},
    {"sock_accept", wasi_unsupported, TYPE(3, 1, I, I, I, I)},
    {"sock_recv", wasi_unsupported, TYPE(6, 1, I, I, I, I, I, I, I)},
    {"sock_send", wasi_unsupported, TYPE(5, 1, I, I, I, I, I, I)},
    {"sock_shutdown", wasi_unsupported, TYPE(2, 1, I, I, I)},
};

#undef I
#undef L
#undef TYPE

void wasi_ctx_init(wasi_ctx *ctx) { *ctx = (wasi_ctx){.stdio = {0, 1, 2}}; }

/* ---- linking ---- */

static const char *valtype_name(uint8_t t) {
  switch (t) {
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

/* A bounded text buffer that silently stops at its end. */
typedef struct text {
  char *buf;
  size_t cap, len;
} text;

static void text_add(text *t, const char *s) {
  while (*s && t->len + 1 < t->cap) t->buf[t->len++] = *s++;
  t->buf[t->len] = 0;
}

static void text_add_types(text *t, const uint8_t *types, uint32_t n) {
  text_add(t, "[");
  for (uint32_t i = 0; i < n; i++) {
    if (i) text_add(t, " ");
    text_add(t, valtype_name(types[i]));
  }
  text_add(t, "]");
}

static void text_add_functype(text *t, const wasm_functype *type) {
  text_add(t, "function ");
  text_add_types(t, wasm_functype_params(type), type->nparams);
  text_add(t, " -> ");
  text_add_types(t, wasm_functype_results(type), type->nresults);
}

/* A name from the module, shortened and with control characters escaped, since it may be
 * anything valid UTF-8 allows. */
static void text_add_name(text *t, const wasm_name *name) {
  enum { MAX_NAME = 80 };
  for (uint32_t i = 0; i < name->len && i < MAX_NAME; i++) {
    unsigned char c = (unsigned char)name->data[i];
    char piece[8];
    if (c < 0x20 || c == 0x7f) {
      snprintf(piece, sizeof piece, "\\x%02x", c);
    } else {
      piece[0] = (char)c;
      piece[1] = 0;
    }
    text_add(t, piece);
  }
  if (name->len > MAX_NAME) text_add(t, "...");
}

static void describe_import(text *t, const wasm_module *module, const wasm_import *import) {
  text_add_name(t, &import->module);
  text_add(t, ".");
  text_add_name(t, &import->name);
  text_add(t, " (");
  switch (import->kind) {
    case WASM_EXTERN_FUNC: text_add_functype(t, &module->types[import->desc.func_type]); break;
    case WASM_EXTERN_TABLE:
      text_add(t, "table ");
      text_add(t, valtype_name(import->desc.table.elem));
      break;
    case WASM_EXTERN_MEMORY: text_add(t, "memory"); break;
    case WASM_EXTERN_GLOBAL:
      text_add(t, import->desc.global.mut ? "global mut " : "global ");
      text_add(t, valtype_name(import->desc.global.type));
      break;
    case WASM_EXTERN_TAG: text_add(t, "tag"); break;
  }
  text_add(t, ")");
}

static bool functype_equal(const wasm_functype *a, const wasm_functype *b) {
  return a->nparams == b->nparams && a->nresults == b->nresults &&
         memcmp(a->types, b->types, a->nparams + a->nresults) == 0;
}

static const preview1_func *find_preview1_func(const wasm_name *name) {
  for (size_t i = 0; i < WR_ARRAY_LEN(preview1_funcs); i++)
    if (strlen(preview1_funcs[i].name) == name->len &&
        !memcmp(preview1_funcs[i].name, name->data, name->len))
      return &preview1_funcs[i];
  return NULL;
}

bool wasi_preview1_link(wasm_store *store, wasi_ctx *ctx, const wasm_module *module,
                        wasm_extern *imports_out, wr_error *err) {
  for (uint32_t i = 0; i < module->nimports; i++) {
    const wasm_import *import = &module->imports[i];
    const preview1_func *func = NULL;
    bool is_preview1 = import->module.len == strlen(WASI_PREVIEW1_MODULE) &&
                       !memcmp(import->module.data, WASI_PREVIEW1_MODULE, import->module.len);
    if (is_preview1 && import->kind == WASM_EXTERN_FUNC) func = find_preview1_func(&import->name);
    char described[300];
    text t = {described, sizeof described, 0};
    describe_import(&t, module, import);
    if (!func) {
      wr_error_set(err, "unknown import: %s", described);
      return false;
    }
    if (!functype_equal(&func->type, &module->types[import->desc.func_type])) {
      char expected[160];
      text e = {expected, sizeof expected, 0};
      text_add_functype(&e, &func->type);
      wr_error_set(err, "incompatible import type: %s; WASI defines it as (%s)", described,
                   expected);
      return false;
    }
    imports_out[i].kind = WASM_EXTERN_FUNC;
    imports_out[i].of.func = wasm_func_new_host(store, &func->type, func->fn, ctx);
  }
  return true;
}
