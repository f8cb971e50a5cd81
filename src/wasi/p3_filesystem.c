/* wasi:filesystem@0.3.0: the descriptor methods 0.2 also has are 0.2's own implementation
 * (p2_filesystem.c, confined the same way beneath the preopens), bound again answering in
 * 0.3's values; 0.3's `async func`s among them finish at once. What 0.3 does differently is
 * here: reading, writing and listing through streams with a future of the outcome.
 *
 * Regular files cannot be waited on with poll(2), so each step reads or writes one chunk
 * (WASI_FS_CHUNK) synchronously; a stream moves a file chunk by chunk as the guest reads or
 * writes, never the whole file at once, and the task goes back to the reactor between chunks. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "../component/instance.h"
#include "filesystem.h"
#include "p3_task.h"

#define TYPES WASI_P3_IFACE("filesystem/types")
#define ENTRIES_PER_STEP 64u /* directory entries offered to the guest at once */

/* Stream and future element types from the host's WIT. */
typedef struct fs_types {
  const cm_valtype *bytes;    /* stream<u8> element */
  const cm_valtype *outcome;  /* future<result<_, error-code>> element */
  const cm_valtype *entry;    /* stream<directory-entry> element */
} fs_types;

typedef enum { FILE_READ, FILE_WRITE, DIR_LIST } fs_task_type;

typedef struct fs_task {
  wasi_p3_task base; /* first */
  fs_task_type type;
  int fd;            /* a duplicate of the descriptor's (owned): its own position */
  DIR *dir;          /* DIR_LIST (owns fd) */
  uint64_t offset;
  bool append;
  bool reading;      /* FILE_WRITE: the copy in flight reads the guest's stream */
  uint8_t *buf;
  size_t len, off;   /* bytes (or entries) in buf and how many went */
  cm_arena *arena;   /* DIR_LIST's entries; the outcome's values */
  cm_val *entries;
  cm_val outcome;
} fs_task;

static void fs_task_release(wasi_p3_task *base) {
  fs_task *t = (fs_task *)base;
  if (t->dir) closedir(t->dir);
  else if (t->fd >= 0) close(t->fd);
  wr_free(t->buf);
  if (t->arena) cm_arena_free(t->arena);
}

/* The outcome: ok (err 0) or err(error-code). */
static void settle(fs_task *t, int err) {
  cm_canon_cx cx = {.arena = t->arena};
  if (err) {
    cm_val code = wasi_fs_error_value(&cx, true, err);
    t->outcome = cm_val_case(t->arena, 1, &code);
  } else {
    t->outcome = cm_val_case(t->arena, 0, NULL);
  }
  wasi_p3_task_settle(&t->base, &t->outcome);
}

static wasm_trap *write_chunk(fs_task *t) {
  t->base.copying = true;
  return cm_host_end_write(t->base.data, wasi_p2_ctx_store(t->base.ctx), t->buf + t->off, NULL,
                           (uint32_t)(t->len - t->off));
}

static void read_step(wasi_p3_task *base) {
  fs_task *t = (fs_task *)base;
  if (base->copying) return;
  if (t->len) {
    t->off += base->copied;
    if (base->copy_result == CM_COPY_DROPPED) {
      settle(t, 0); /* the guest stopped reading */
      return;
    }
    if (t->off < t->len) {
      if (write_chunk(t)) settle(t, EIO);
      return;
    }
  }
  if (t->offset > INT64_MAX) {
    settle(t, EINVAL);
    return;
  }
  ssize_t n;
  do n = pread(t->fd, t->buf, WASI_FS_CHUNK, (off_t)t->offset);
  while (n < 0 && errno == EINTR);
  if (n <= 0) {
    settle(t, n == 0 ? 0 : errno); /* end of file, or the error */
    return;
  }
  t->offset += (uint64_t)n;
  t->len = (size_t)n;
  t->off = 0;
  if (write_chunk(t)) settle(t, EIO);
}

static void write_step(wasi_p3_task *base) {
  fs_task *t = (fs_task *)base;
  if (base->copying) return;
  if (t->reading) {
    t->reading = false;
    size_t len = base->copied;
    const uint8_t *p = t->buf;
    if (t->append) {
      struct stat st;
      if (fstat(t->fd, &st) == 0) t->offset = (uint64_t)st.st_size;
    }
    while (len > 0) {
      if (t->offset > INT64_MAX) {
        settle(t, EFBIG);
        return;
      }
      ssize_t n = pwrite(t->fd, p, len, (off_t)t->offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        settle(t, errno);
        return;
      }
      t->offset += (uint64_t)n;
      p += n;
      len -= (size_t)n;
    }
    if (base->copy_result == CM_COPY_DROPPED) {
      settle(t, 0); /* the guest ended its stream: all of it is written */
      return;
    }
  }
  t->reading = true;
  base->copying = true;
  if (cm_host_end_read(base->data, wasi_p2_ctx_store(base->ctx), t->buf, NULL, NULL, WASI_FS_CHUNK)) {
    base->copying = t->reading = false;
    settle(t, EIO);
  }
}

/* Up to ENTRIES_PER_STEP entries into t->entries; 0 or an errno. */
static int fill_entries(fs_task *t) {
  cm_arena_free(t->arena);
  t->arena = cm_arena_new();
  t->entries = cm_arena_array(t->arena, ENTRIES_PER_STEP, sizeof(cm_val));
  cm_canon_cx cx = {.arena = t->arena};
  t->len = t->off = 0;
  while (t->len < ENTRIES_PER_STEP) {
    errno = 0;
    struct dirent *e = readdir(t->dir);
    if (!e) return errno;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t len = strlen(e->d_name);
    if (!wasi_fs_utf8_valid(e->d_name, len)) return EILSEQ;
    cm_val entry = cm_val_seq(t->arena, 2);
    entry.u.seq.items[0] = wasi_fs_type_value(&cx, true, wasi_fs_dirent_type(t->dir, e));
    entry.u.seq.items[1] = cm_val_string(cm_arena_strndup(t->arena, e->d_name, len), (uint32_t)len);
    t->entries[t->len++] = entry;
  }
  return 0;
}

static void list_step(wasi_p3_task *base) {
  fs_task *t = (fs_task *)base;
  if (base->copying) return;
  if (t->entries) {
    t->off += base->copied;
    if (base->copy_result == CM_COPY_DROPPED) {
      settle(t, 0);
      return;
    }
  }
  if (!t->entries || t->off == t->len) {
    int err = fill_entries(t);
    if (err || t->len == 0) {
      settle(t, err); /* the listing ended (or failed) */
      return;
    }
  }
  base->copying = true;
  if (cm_host_end_write(base->data, wasi_p2_ctx_store(base->ctx), NULL, t->entries + t->off,
                        (uint32_t)(t->len - t->off))) {
    base->copying = false;
    settle(t, EIO);
  }
}

/* A task over a duplicate of the descriptor's fd, with a future for its outcome (*future)
 * and, when `stream_t` is not NULL, a stream the host writes (*stream). A check that fails
 * (`err`) settles it at once. */
static wasm_trap *start(const cm_bound_call *call, fs_task_type type, const cm_valtype *stream_t, int err,
                        void **stream, void **future, fs_task **out) {
  const fs_types *types = call->env;
  const wasi_descriptor *d = call->args[0].object;
  wasi_reactor *reactor;
  wasm_trap *trap = wasi_p3_reactor(call->state, "wasi:filesystem stream", &reactor);
  if (trap) return trap;
  fs_task *t = WR_NEW(fs_task);
  t->base.step = type == FILE_READ ? read_step : type == FILE_WRITE ? write_step : list_step;
  t->base.release = fs_task_release;
  t->type = type;
  t->fd = -1;
  t->arena = cm_arena_new();
  if ((trap = wasi_p3_task_start(&t->base, call->state, reactor))) return trap;
  cm_store_rt *store = cm_instance_cstore(call->cx->inst);
  if (stream_t) t->base.data = cm_host_end_new_writable(store, false, stream_t, stream, &wasi_p3_task_end_ops, t);
  t->base.done = cm_host_end_new_writable(store, true, types->outcome, future, &wasi_p3_task_end_ops, t);
  *out = t;
  if (!err) {
    if (type == DIR_LIST) {
      /* a fresh open: the listing has its own position, and d->fd may be O_PATH */
      int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) err = errno;
      else if (!(t->dir = fdopendir(fd))) {
        err = errno;
        close(fd);
      }
    } else {
      t->fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
      if (t->fd < 0) err = errno;
      t->buf = wr_malloc(WASI_FS_CHUNK);
    }
  }
  if (err) settle(t, err);
  else wasi_p3_task_wait(&t->base, -1, 0);
  return NULL;
}

/* The data stream of a read-only or write-less descriptor is refused the way 0.2 does. */
static int may_stream(const wasi_descriptor *d, bool output) {
  if (output && d->read_only) return EROFS;
  return d->flags & (output ? FLAG_WRITE : FLAG_READ) ? 0 : EBADF;
}

static wasm_trap *read_via_stream(const cm_bound_call *call, cm_val *result) {
  const fs_types *types = call->env;
  uint64_t offset = call->args[1].val.u.u;
  int err = may_stream(call->args[0].object, false);
  if (!err && offset > INT64_MAX) err = EINVAL;
  void *stream, *future;
  fs_task *t;
  wasm_trap *trap = start(call, FILE_READ, types->bytes, err, &stream, &future, &t);
  if (trap) return trap;
  t->offset = offset;
  cm_val pair = cm_val_seq(call->cx->arena, 2);
  pair.u.seq.items[0] = (cm_val){.u.shared = stream};
  pair.u.seq.items[1] = (cm_val){.u.shared = future};
  *result = pair;
  return NULL;
}

/* write-via-stream (offset) and append-via-stream: the guest's stream is read into the file. */
static wasm_trap *write_from(const cm_bound_call *call, uint64_t offset, bool append, cm_val *result) {
  int err = may_stream(call->args[0].object, true);
  if (!err && offset > INT64_MAX) err = EINVAL;
  void *future;
  fs_task *t;
  /* take the guest's stream first: the task drops it when it settles */
  cm_host_end *data = NULL;
  wasm_trap *trap = start(call, FILE_WRITE, NULL, err, NULL, &future, &t);
  if (trap) return trap;
  data = cm_host_end_take_readable(call->args[1].val.u.shared, &wasi_p3_task_end_ops, t);
  if (t->base.settled) cm_host_end_drop(data); /* refused: the guest's writes see the end */
  else t->base.data = data;
  t->offset = offset;
  t->append = append;
  *result = (cm_val){.u.shared = future};
  return NULL;
}

static wasm_trap *write_via_stream(const cm_bound_call *call, cm_val *result) {
  return write_from(call, call->args[2].val.u.u, false, result);
}

static wasm_trap *append_via_stream(const cm_bound_call *call, cm_val *result) {
  return write_from(call, 0, true, result);
}

static wasm_trap *read_directory(const cm_bound_call *call, cm_val *result) {
  const fs_types *types = call->env;
  void *stream, *future;
  fs_task *t;
  wasm_trap *trap = start(call, DIR_LIST, types->entry, 0, &stream, &future, &t);
  if (trap) return trap;
  cm_val pair = cm_val_seq(call->cx->arena, 2);
  pair.u.seq.items[0] = (cm_val){.u.shared = stream};
  pair.u.seq.items[1] = (cm_val){.u.shared = future};
  *result = pair;
  return NULL;
}

bool wasi_p3_define_filesystem(cm_host *host, wr_error *err) {
  static const cm_host_binding stream_funcs[] = {
      {"[method]descriptor.read-via-stream", read_via_stream, {&wasi_descriptor_kind}},
      {"[method]descriptor.write-via-stream", write_via_stream, {&wasi_descriptor_kind}},
      {"[method]descriptor.append-via-stream", append_via_stream, {&wasi_descriptor_kind}},
      {"[method]descriptor.read-directory", read_directory, {&wasi_descriptor_kind}},
  };
  const cm_functype *read = cm_host_func_type(host, TYPES, "[method]descriptor.read-via-stream");
  const cm_functype *list = cm_host_func_type(host, TYPES, "[method]descriptor.read-directory");
  if (!read || !list || !read->result || read->result->count != 2 || !list->result || list->result->count != 2) {
    wr_error_set(err, "%s: read-via-stream or read-directory missing from the WIT", TYPES);
    return false;
  }
  fs_types *types = cm_host_alloc(host, sizeof *types);
  types->bytes = read->result->fields[0].type->elem;
  types->outcome = read->result->fields[1].type->elem;
  types->entry = list->result->fields[0].type->elem;
  return cm_host_bind(host, TYPES, &wasi_p2_binder, wasi_fs_shared_rows, wasi_fs_shared_nrows, (void *)&wasi_fs_p3,
                      err) &&
         cm_host_bind(host, TYPES, &wasi_p2_binder, stream_funcs, WR_ARRAY_LEN(stream_funcs), types, err) &&
         wasi_define_resource(host, TYPES, "descriptor", &wasi_descriptor_kind, err) &&
         cm_host_bind(host, WASI_P3_IFACE("filesystem/preopens"), &wasi_p2_binder, &wasi_fs_get_directories_row, 1,
                      NULL, err);
}
