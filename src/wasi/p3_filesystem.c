/* wasi:filesystem@0.3.0: the descriptor methods 0.2 also has are 0.2's own implementation
 * (p2_filesystem.c, confined the same way beneath the preopens), bound again answering in
 * 0.3's values; 0.3's `async func`s among them finish at once. What 0.3 does differently is
 * here: reading, writing and listing through streams with a future of the outcome.
 *
 * A file's stream is a pump (p3_task.h). Regular files cannot be waited on with poll(2), so
 * each of its steps reads or writes one chunk synchronously; a stream moves a file chunk by
 * chunk as the guest reads or writes, never the whole file at once, and the pump goes back to
 * the reactor between chunks. */
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

/* A file's read-via-stream or write-via-stream / append-via-stream: a pump (p3_task.h) over a
 * duplicate of the descriptor's fd (owned: its own position). */
typedef struct file_stream {
  wasi_p3_pump pump; /* first */
  uint64_t offset;
  bool append;
  cm_arena *arena; /* the outcome's values */
  cm_val outcome;
} file_stream;

/* read-directory's stream of entries. */
typedef struct dir_listing {
  wasi_p3_task task; /* first */
  DIR *dir;
  cm_arena *arena;  /* the entries offered; the outcome's values */
  cm_val *entries;
  size_t len, off;  /* entries in `entries` and how many went */
  cm_val outcome;
} dir_listing;

/* Writes the task's future: ok (err 0) or err(error-code), in `arena`. */
static void settle(wasi_p3_task *task, cm_arena *arena, cm_val *outcome, int err) {
  cm_canon_cx cx = {.arena = arena};
  if (err) {
    cm_val code = wasi_fs_error_value(&cx, true, err);
    *outcome = cm_val_case(arena, 1, &code);
  } else {
    *outcome = cm_val_case(arena, 0, NULL);
  }
  wasi_p3_task_settle(task, outcome);
}

/* ---- files ---- */

static void file_stream_release(wasi_p3_task *task) {
  file_stream *f = (file_stream *)task;
  if (f->pump.fd >= 0) close(f->pump.fd);
  cm_arena_free(f->arena);
}

static void file_stream_settle(wasi_p3_pump *pump, int err) {
  file_stream *f = (file_stream *)pump;
  settle(&pump->task, f->arena, &f->outcome, err);
}

/* Regular files cannot be waited on: a chunk is read or written at once, at the stream's
 * offset, which moves on by what went. Past INT64_MAX: -1 and `err`. */
static ssize_t moved(file_stream *f, ssize_t n) {
  if (n > 0) f->offset += (uint64_t)n;
  return n;
}

static bool offset_fits(const file_stream *f, int err) {
  if (f->offset <= INT64_MAX) return true;
  errno = err;
  return false;
}

static ssize_t file_read(wasi_p3_pump *pump, uint8_t *buf, size_t len) {
  file_stream *f = (file_stream *)pump;
  return offset_fits(f, EINVAL) ? moved(f, pread(pump->fd, buf, len, (off_t)f->offset)) : -1;
}

static ssize_t file_write(wasi_p3_pump *pump, const uint8_t *buf, size_t len) {
  file_stream *f = (file_stream *)pump;
  struct stat st;
  if (f->append && fstat(pump->fd, &st) == 0) f->offset = (uint64_t)st.st_size;
  return offset_fits(f, EFBIG) ? moved(f, pwrite(pump->fd, buf, len, (off_t)f->offset)) : -1;
}

static const wasi_p3_pump_ops read_ops = {file_read, NULL, NULL, file_stream_settle};
static const wasi_p3_pump_ops write_ops = {NULL, file_write, NULL, file_stream_settle};

/* ---- directories ---- */

static void dir_listing_release(wasi_p3_task *task) {
  dir_listing *l = (dir_listing *)task;
  if (l->dir) closedir(l->dir);
  cm_arena_free(l->arena);
}

/* Up to ENTRIES_PER_STEP entries into l->entries; 0 or an errno. */
static int fill_entries(dir_listing *l) {
  cm_arena_free(l->arena);
  l->arena = cm_arena_new();
  l->entries = cm_arena_array(l->arena, ENTRIES_PER_STEP, sizeof(cm_val));
  cm_canon_cx cx = {.arena = l->arena};
  l->len = l->off = 0;
  while (l->len < ENTRIES_PER_STEP) {
    errno = 0;
    struct dirent *e = readdir(l->dir);
    if (!e) return errno;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t len = strlen(e->d_name);
    if (!wasi_fs_utf8_valid(e->d_name, len)) return EILSEQ;
    cm_val entry = cm_val_seq(l->arena, 2);
    entry.u.seq.items[0] = wasi_fs_type_value(&cx, true, wasi_fs_dirent_type(l->dir, e));
    entry.u.seq.items[1] = cm_val_string(cm_arena_strndup(l->arena, e->d_name, len), (uint32_t)len);
    l->entries[l->len++] = entry;
  }
  return 0;
}

static void list_step(wasi_p3_task *task) {
  dir_listing *l = (dir_listing *)task;
  if (task->copying) return;
  if (l->entries) {
    l->off += task->copied;
    if (task->copy_result == CM_COPY_DROPPED) {
      settle(task, l->arena, &l->outcome, 0);
      return;
    }
  }
  if (!l->entries || l->off == l->len) {
    int err = fill_entries(l);
    if (err || l->len == 0) {
      settle(task, l->arena, &l->outcome, err); /* the listing ended (or failed) */
      return;
    }
  }
  task->copying = true;
  if (cm_host_end_write(task->data, wasi_p2_ctx_store(task->ctx), NULL, l->entries + l->off,
                        (uint32_t)(l->len - l->off))) {
    task->copying = false;
    settle(task, l->arena, &l->outcome, EIO);
  }
}

/* ---- the functions ---- */

/* Puts `task` (step and release set; freed on a trap) in the ctx's table with a future for its
 * outcome (*future) and, when `stream_t` is not NULL, a stream the host writes (*stream, its
 * end reporting to `stream_ops`). */
static wasm_trap *start(const cm_bound_call *call, wasi_p3_task *task, const cm_valtype *stream_t,
                        const cm_host_end_ops *stream_ops, void **stream, void **future) {
  const fs_types *types = call->env;
  wasi_reactor *reactor;
  wasm_trap *trap = wasi_p3_reactor(call->state, "wasi:filesystem stream", &reactor);
  if (trap) {
    task->release(task);
    wr_free(task);
    return trap;
  }
  if ((trap = wasi_p3_task_start(task, call->state, reactor))) return trap;
  cm_store_rt *store = cm_instance_cstore(call->cx->inst);
  if (stream_t) task->data = cm_host_end_new_writable(store, false, stream_t, stream, stream_ops, task);
  task->done = cm_host_end_new_writable(store, true, types->outcome, future, &wasi_p3_task_end_ops, task);
  return NULL;
}

/* A file stream over a duplicate of the descriptor's fd; a check that failed (`err`) settles
 * it at once. */
static wasm_trap *start_file_stream(const cm_bound_call *call, bool output, int err, uint64_t offset, void **stream,
                                    void **future, file_stream **out) {
  const fs_types *types = call->env;
  const wasi_descriptor *d = call->args[0].object;
  file_stream *f = WR_NEW(file_stream);
  wasi_p3_pump_init(&f->pump, output ? &write_ops : &read_ops, -1, output);
  f->pump.task.release = file_stream_release;
  f->arena = cm_arena_new();
  f->offset = offset;
  wasm_trap *trap = start(call, &f->pump.task, output ? NULL : types->bytes, &wasi_p3_pump_end_ops, stream, future);
  if (trap) return trap;
  if (!err) {
    f->pump.fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
    if (f->pump.fd < 0) err = errno;
  }
  *out = f;
  if (err) file_stream_settle(&f->pump, err);
  else wasi_p3_task_wait(&f->pump.task, -1, 0);
  return NULL;
}

/* The data stream of a read-only or write-less descriptor is refused the way 0.2 does. */
static int may_stream(const wasi_descriptor *d, bool output) {
  if (output && d->read_only) return EROFS;
  return d->flags & (output ? FLAG_WRITE : FLAG_READ) ? 0 : EBADF;
}

static wasm_trap *read_via_stream(const cm_bound_call *call, cm_val *result) {
  uint64_t offset = call->args[1].val.u.u;
  int err = may_stream(call->args[0].object, false);
  if (!err && offset > INT64_MAX) err = EINVAL;
  void *stream, *future;
  file_stream *f = NULL;
  wasm_trap *trap = start_file_stream(call, false, err, offset, &stream, &future, &f);
  if (trap) return trap;
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
  file_stream *f = NULL;
  wasm_trap *trap = start_file_stream(call, true, err, offset, NULL, &future, &f);
  if (trap) return trap;
  f->append = append;
  cm_host_end *data = cm_host_end_take_readable(call->args[1].val.u.shared, &wasi_p3_pump_end_ops, f);
  if (f->pump.task.settled) cm_host_end_drop(data); /* refused: the guest's writes see the end */
  else f->pump.task.data = data;
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
  const wasi_descriptor *d = call->args[0].object;
  dir_listing *l = WR_NEW(dir_listing);
  l->task.step = list_step;
  l->task.release = dir_listing_release;
  l->arena = cm_arena_new();
  void *stream, *future;
  wasm_trap *trap = start(call, &l->task, types->entry, &wasi_p3_task_end_ops, &stream, &future);
  if (trap) return trap;
  /* a fresh open: the listing has its own position, and d->fd may be O_PATH */
  int err = 0, fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) err = errno;
  else if (!(l->dir = fdopendir(fd))) {
    err = errno;
    close(fd);
  }
  if (err) settle(&l->task, l->arena, &l->outcome, err);
  else wasi_p3_task_wait(&l->task, -1, 0);
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
