/* wasi:filesystem 0.2 (types, preopens), confined to the preopened directories.
 *
 * Every path a guest names is resolved beneath the descriptor it is relative to with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): `..` above it, absolute paths and symlinks
 * pointing outside fail (not-permitted). An operation on the path's last component (unlink,
 * mkdir, rename, stat without following, ...) opens the parent directory that way and applies
 * the *at system call to a single name, so it cannot escape either. Kernels without openat2
 * (< 5.6) get a component-wise walk that opens every directory with O_NOFOLLOW, expands
 * symlinks itself and refuses to climb above the start.
 *
 * Permissions follow the descriptor flags: a directory may be changed only through a
 * descriptor opened with mutate-directory (preopens have it unless read-only), and nothing
 * beneath a read-only preopen can be opened for writing or changed (read-only). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "filesystem.h"

#define TYPES WASI_IFACE("filesystem/types")
#define FS_CHUNK WASI_FS_CHUNK /* a read is one cm_val per byte */

atomic_bool wasi_fs_use_openat2 = true;

/* open-flags bits */
enum { OPEN_CREATE = 1, OPEN_DIRECTORY = 2, OPEN_EXCLUSIVE = 4, OPEN_TRUNCATE = 8 };
enum { PATH_SYMLINK_FOLLOW = 1 };

/* descriptor-type cases */
enum { TYPE_UNKNOWN, TYPE_BLOCK, TYPE_CHAR, TYPE_DIRECTORY, TYPE_FIFO, TYPE_SYMLINK, TYPE_REGULAR, TYPE_SOCKET };

/* error-code cases, in WIT order */
enum {
  E_ACCESS, E_WOULD_BLOCK, E_ALREADY, E_BAD_DESCRIPTOR, E_BUSY, E_DEADLOCK, E_QUOTA, E_EXIST, E_FILE_TOO_LARGE,
  E_ILLEGAL_BYTE_SEQUENCE, E_IN_PROGRESS, E_INTERRUPTED, E_INVALID, E_IO, E_IS_DIRECTORY, E_LOOP, E_TOO_MANY_LINKS,
  E_MESSAGE_SIZE, E_NAME_TOO_LONG, E_NO_DEVICE, E_NO_ENTRY, E_NO_LOCK, E_INSUFFICIENT_MEMORY, E_INSUFFICIENT_SPACE,
  E_NOT_DIRECTORY, E_NOT_EMPTY, E_NOT_RECOVERABLE, E_UNSUPPORTED, E_NO_TTY, E_NO_SUCH_DEVICE, E_OVERFLOW,
  E_NOT_PERMITTED, E_PIPE, E_READ_ONLY, E_INVALID_SEEK, E_TEXT_FILE_BUSY, E_CROSS_DEVICE,
};

static uint32_t error_code_of(int err) {
  switch (err) {
  case EACCES: return E_ACCESS;
  case EAGAIN: return E_WOULD_BLOCK;
  case EALREADY: return E_ALREADY;
  case EBADF: return E_BAD_DESCRIPTOR;
  case EBUSY: return E_BUSY;
  case EDEADLK: return E_DEADLOCK;
  case EDQUOT: return E_QUOTA;
  case EEXIST: return E_EXIST;
  case EFBIG: return E_FILE_TOO_LARGE;
  case EILSEQ: return E_ILLEGAL_BYTE_SEQUENCE;
  case EINPROGRESS: return E_IN_PROGRESS;
  case EINTR: return E_INTERRUPTED;
  case EINVAL: return E_INVALID;
  case EISDIR: return E_IS_DIRECTORY;
  case ELOOP: return E_LOOP;
  case EMLINK: return E_TOO_MANY_LINKS;
  case EMSGSIZE: return E_MESSAGE_SIZE;
  case ENAMETOOLONG: return E_NAME_TOO_LONG;
  case ENODEV: return E_NO_DEVICE;
  case ENOENT: return E_NO_ENTRY;
  case ENOLCK: return E_NO_LOCK;
  case ENOMEM: return E_INSUFFICIENT_MEMORY;
  case ENOSPC: return E_INSUFFICIENT_SPACE;
  case ENOTDIR: return E_NOT_DIRECTORY;
  case ENOTEMPTY: return E_NOT_EMPTY;
  case ENOTRECOVERABLE: return E_NOT_RECOVERABLE;
  case EOPNOTSUPP: return E_UNSUPPORTED;
  case ENOTTY: return E_NO_TTY;
  case ENXIO: return E_NO_SUCH_DEVICE;
  case EOVERFLOW: return E_OVERFLOW;
  case EPERM: return E_NOT_PERMITTED;
  case EPIPE: return E_PIPE;
  case EROFS: return E_READ_ONLY;
  case ESPIPE: return E_INVALID_SEEK;
  case ETXTBSY: return E_TEXT_FILE_BUSY;
  case EXDEV: return E_CROSS_DEVICE;
  default: return E_IO;
  }
}

/* ---- objects ---- */

typedef wasi_descriptor descriptor;

static void descriptor_free(void *object) {
  descriptor *d = object;
  close(d->fd);
  wr_free(d);
}

static void dir_stream_free(void *object) { closedir(object); }

const wasi_kind wasi_descriptor_kind = {"descriptor", descriptor_free};
static const wasi_kind dir_stream_kind = {"directory-entry-stream", dir_stream_free};

/* ---- results ---- */

/* Both versions bind the same functions; 0.3's rows carry &wasi_fs_p3 as their env. 0.3's
 * error-code drops would-block and ends in other(option<string>); its descriptor-type drops
 * unknown and ends in other(option<string>). */
const char wasi_fs_p3 = 3;
static bool p3(const cm_bound_call *call) { return call->env == &wasi_fs_p3; }

enum { P3_E_OTHER = 36, P3_TYPE_OTHER = 7 };

cm_val wasi_fs_error_value(const cm_canon_cx *cx, bool p3, int err) {
  uint32_t code = error_code_of(err);
  if (!p3) return (cm_val){.u.cs = {code, NULL}};
  if (code == E_WOULD_BLOCK) {
    cm_val none = wasi_none();
    return cm_val_case(cx->arena, P3_E_OTHER, &none);
  }
  return (cm_val){.u.cs = {code > E_WOULD_BLOCK ? code - 1 : code, NULL}};
}

cm_val wasi_fs_type_value(const cm_canon_cx *cx, bool p3, uint32_t type) {
  if (!p3) return (cm_val){.u.cs = {type, NULL}};
  if (type == TYPE_UNKNOWN) {
    cm_val none = wasi_none();
    return cm_val_case(cx->arena, P3_TYPE_OTHER, &none);
  }
  return (cm_val){.u.cs = {type - 1, NULL}};
}

static wasm_trap *fail(const cm_bound_call *call, int err, cm_val *result) {
  cm_val code = wasi_fs_error_value(call->cx, p3(call), err);
  *result = wasi_err(call->cx, &code);
  return NULL;
}

/* ok(payload) when `err` is 0, else the error. */
static wasm_trap *finish(const cm_bound_call *call, int err, const cm_val *payload, cm_val *result) {
  if (err) return fail(call, err, result);
  *result = wasi_ok(call->cx, payload);
  return NULL;
}

/* Adds a new descriptor over `fd` (owned) to the table. */
static wasm_trap *add_descriptor(const cm_canon_cx *cx, int fd, uint32_t flags, bool read_only, cm_val *handle) {
  descriptor *d = WR_NEW(descriptor);
  *d = (descriptor){.fd = fd, .flags = flags, .read_only = read_only};
  uint32_t rep;
  wasm_trap *trap = wasi_table_add(wasi_p2_ctx_of(cx), &wasi_descriptor_kind, d, &rep);
  if (!trap) *handle = cm_val_handle(rep);
  return trap;
}

bool wasi_fs_utf8_valid(const char *text, size_t len) {
  const uint8_t *s = (const uint8_t *)text;
  for (size_t i = 0; i < len;) {
    uint8_t c = s[i];
    size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || i + n > len) return false;
    uint32_t cp = n == 1 ? c : (uint32_t)(c & (0x7f >> n));
    for (size_t k = 1; k < n; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    static const uint32_t min_of_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_of_len[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

/* ---- confined path resolution ---- */

/* A guest path as a C string, or an errno: absolute paths are not permitted, an empty one
 * names nothing, a NUL byte cannot be passed to the kernel. */
static int guest_path(const cm_canon_cx *cx, cm_text arg, char **out) {
  const char *s = arg.data;
  uint32_t len = arg.len;
  if (len == 0) return ENOENT;
  if (s[0] == '/') return EPERM;
  if (memchr(s, 0, len)) return EINVAL;
  *out = cm_arena_strndup(cx->arena, s, len);
  return 0;
}

#define MAX_SYMLINKS 40 /* as the kernel's bound on symlinks in one resolution (ELOOP) */

/* openat beneath `dirfd` without openat2: one component at a time, each opened with
 * O_NOFOLLOW; a symlink met on the way (or last, when following) is read and its target walked
 * in its place, so `..` is tracked by hand and may never climb above the start. Returns an fd
 * or -errno. */
static int open_walk(int dirfd, const char *path, int flags, mode_t mode, bool follow) {
  WR_VEC(int) stack = {0}; /* directories walked into, innermost last */
  WR_VEC(char) todo = {0}; /* the path still to walk */
  size_t len = strlen(path);
  WR_VEC_RESERVE(&todo, len + 1);
  memcpy(todo.items, path, len + 1);
  todo.len = len;
  int result = -ENOENT, links = 0;
  size_t pos = 0;
  for (;;) {
    while (todo.items[pos] == '/') pos++;
    size_t n = strcspn(todo.items + pos, "/");
    size_t rest = pos + n;
    while (todo.items[rest] == '/') rest++;
    bool last = todo.items[rest] == '\0';
    if (n > NAME_MAX) {
      result = -ENAMETOOLONG;
      break;
    }
    char name[NAME_MAX + 1];
    memcpy(name, todo.items + pos, n);
    name[n] = '\0';
    int cur = stack.len ? stack.items[stack.len - 1] : dirfd;
    if (n == 2 && name[0] == '.' && name[1] == '.') {
      if (stack.len == 0) {
        result = -EPERM;
        break;
      }
      close(stack.items[--stack.len]);
      cur = stack.len ? stack.items[stack.len - 1] : dirfd;
      n = 0; /* now at the parent: as if the component were "." */
    }
    if (n == 0 || (n == 1 && name[0] == '.')) {
      if (last) {
        int fd = openat(cur, ".", flags | O_CLOEXEC, mode);
        result = fd < 0 ? -errno : fd;
        break;
      }
      pos = rest;
      continue;
    }
    struct stat st;
    bool is_link = fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
    if (is_link && (!last || follow)) {
      char target[PATH_MAX];
      ssize_t tlen = readlinkat(cur, name, target, sizeof target);
      if (tlen < 0 || tlen == (ssize_t)sizeof target) {
        result = tlen < 0 ? -errno : -ENAMETOOLONG;
        break;
      }
      if (++links > MAX_SYMLINKS) {
        result = -ELOOP;
        break;
      }
      if (tlen > 0 && target[0] == '/') {
        result = -EPERM; /* an absolute target leaves the tree */
        break;
      }
      /* the walk continues with target + "/" + rest */
      size_t rest_len = todo.len - rest;
      WR_VEC(char) next = {0};
      WR_VEC_RESERVE(&next, (size_t)tlen + 1 + rest_len + 1);
      memcpy(next.items, target, (size_t)tlen);
      next.items[tlen] = '/';
      memcpy(next.items + tlen + 1, todo.items + rest, rest_len + 1);
      next.len = (size_t)tlen + 1 + rest_len;
      WR_VEC_FREE(&todo);
      todo.items = next.items;
      todo.len = next.len;
      todo.cap = next.cap;
      pos = 0;
      continue;
    }
    if (last) {
      int fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
      result = fd < 0 ? -errno : fd;
      break;
    }
    int fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      result = -errno;
      break;
    }
    WR_VEC_PUSH(&stack, fd);
    pos = rest;
  }
  for (size_t i = 0; i < stack.len; i++) close(stack.items[i]);
  WR_VEC_FREE(&stack);
  WR_VEC_FREE(&todo);
  return result;
}

/* Opens `path` beneath `dirfd`; an escape is EPERM. Returns an fd or -errno. */
static int open_beneath(int dirfd, const char *path, int flags, mode_t mode, bool follow) {
  if (wasi_fs_use_openat2) {
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)),
        .mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long fd;
    do fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    if (fd >= 0) return (int)fd;
    if (errno != ENOSYS) return errno == EXDEV ? -EPERM : -errno;
    wasi_fs_use_openat2 = false; /* an old kernel: walk from now on */
  }
  return open_walk(dirfd, path, flags, mode, follow);
}

/* The directory holding the last component of `path` (opened beneath dirfd) and that
 * component. A path ending in "." or ".." names the directory itself: the name is then "."
 * and the parent is the whole path, so nothing is resolved outside. Returns 0 or an errno. */
static int open_parent(const cm_canon_cx *cx, int dirfd, cm_text arg, int *parent, const char **name) {
  char *path;
  int err = guest_path(cx, arg, &path);
  if (err) return err;
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/') path[--len] = '\0';
  char *slash = strrchr(path, '/');
  const char *last = slash ? slash + 1 : path;
  const char *dir = ".";
  if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
    dir = path;
    last = ".";
  } else if (slash) {
    *slash = '\0';
    dir = path;
  }
  int fd = open_beneath(dirfd, dir, O_PATH | O_DIRECTORY, 0, true);
  if (fd < 0) return -fd;
  *parent = fd;
  *name = last;
  return 0;
}

/* Checks that `d` may change the directory tree beneath it. */
static int may_mutate(const descriptor *d) {
  if (d->read_only) return EROFS;
  return d->flags & FLAG_MUTATE ? 0 : EPERM;
}

/* ---- stat ---- */

static uint32_t type_of_mode(mode_t mode) {
  switch (mode & S_IFMT) {
  case S_IFBLK: return TYPE_BLOCK;
  case S_IFCHR: return TYPE_CHAR;
  case S_IFDIR: return TYPE_DIRECTORY;
  case S_IFIFO: return TYPE_FIFO;
  case S_IFLNK: return TYPE_SYMLINK;
  case S_IFREG: return TYPE_REGULAR;
  case S_IFSOCK: return TYPE_SOCKET;
  default: return TYPE_UNKNOWN;
  }
}

/* 0.2's datetime cannot be before 1970 (none then); 0.3's instant can. */
static cm_val timestamp(const cm_canon_cx *cx, bool p3, struct timespec ts) {
  if (ts.tv_sec < 0 && !p3) return wasi_none();
  cm_val datetime = cm_val_seq(cx->arena, 2);
  datetime.u.seq.items[0] = cm_val_s((int64_t)ts.tv_sec);
  datetime.u.seq.items[1] = cm_val_u((uint64_t)ts.tv_nsec);
  return wasi_some(cx, &datetime);
}

static cm_val stat_record(const cm_bound_call *call, const struct stat *st) {
  const cm_canon_cx *cx = call->cx;
  cm_val record = cm_val_seq(cx->arena, 6);
  cm_val *f = record.u.seq.items;
  f[0] = wasi_fs_type_value(cx, p3(call), type_of_mode(st->st_mode));
  f[1] = cm_val_u((uint64_t)st->st_nlink);
  f[2] = cm_val_u((uint64_t)st->st_size);
  f[3] = timestamp(cx, p3(call), st->st_atim);
  f[4] = timestamp(cx, p3(call), st->st_mtim);
  f[5] = timestamp(cx, p3(call), st->st_ctim);
  return record;
}

/* A 128-bit value that identifies the file (device and inode) and changes with its content
 * (modification time, size), without revealing the raw numbers. */
static cm_val metadata_hash(const cm_bound_call *call, const struct stat *st) {
  const cm_canon_cx *cx = call->cx;
  uint64_t parts[5] = {(uint64_t)st->st_dev, (uint64_t)st->st_ino, (uint64_t)st->st_mtim.tv_sec,
                       (uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_size};
  uint64_t lower = 0x9e3779b97f4a7c15u, upper = 0xc2b2ae3d27d4eb4fu;
  for (size_t i = 0; i < 5; i++) {
    lower = (lower ^ parts[i]) * 0x100000001b3u;
    lower ^= lower >> 29;
    upper = (upper + parts[i]) * 0xff51afd7ed558ccdu;
    upper ^= upper >> 33;
  }
  cm_val record = cm_val_seq(cx->arena, 2);
  record.u.seq.items[0] = cm_val_u(lower);
  record.u.seq.items[1] = cm_val_u(upper);
  return record;
}

/* stat of `path` beneath d, following a final symlink when asked. Returns 0 or an errno. */
static int stat_at(const cm_canon_cx *cx, const descriptor *d, uint32_t path_flags, cm_text path,
                   struct stat *st) {
  if (path_flags & PATH_SYMLINK_FOLLOW) {
    char *p;
    int err = guest_path(cx, path, &p);
    if (err) return err;
    int fd = open_beneath(d->fd, p, O_PATH, 0, true);
    if (fd < 0) return -fd;
    err = fstat(fd, st) ? errno : 0;
    close(fd);
    return err;
  }
  int parent;
  const char *name;
  int err = open_parent(cx, d->fd, path, &parent, &name);
  if (err) return err;
  err = fstatat(parent, name, st, AT_SYMLINK_NOFOLLOW) ? errno : 0;
  close(parent);
  return err;
}

/* ---- descriptor methods ---- */

typedef cm_val (*stat_view)(const cm_bound_call *call, const struct stat *st);

/* The stat of the descriptor or, `at`, of the path its parameters 1 and 2 name (path-flags,
 * path), answered as `view` makes it: stat, metadata-hash, get-type and their -at forms. */
static wasm_trap *stat_answer(const cm_bound_call *call, bool at, stat_view view, cm_val *result) {
  const descriptor *d = call->args[0].object;
  struct stat st;
  int err = at ? stat_at(call->cx, d, call->args[1].val.u.flags, call->args[2].str, &st)
               : fstat(d->fd, &st) ? errno : 0;
  if (err) return fail(call, err, result);
  cm_val answer = view(call, &st);
  return finish(call, 0, &answer, result);
}

static cm_val type_value(const cm_bound_call *call, const struct stat *st) {
  return wasi_fs_type_value(call->cx, p3(call), type_of_mode(st->st_mode));
}

static wasm_trap *desc_stat(const cm_bound_call *call, cm_val *result) {
  return stat_answer(call, false, stat_record, result);
}

static wasm_trap *desc_stat_at(const cm_bound_call *call, cm_val *result) {
  return stat_answer(call, true, stat_record, result);
}

static wasm_trap *desc_metadata_hash(const cm_bound_call *call, cm_val *result) {
  return stat_answer(call, false, metadata_hash, result);
}

static wasm_trap *desc_metadata_hash_at(const cm_bound_call *call, cm_val *result) {
  return stat_answer(call, true, metadata_hash, result);
}

static wasm_trap *desc_get_type(const cm_bound_call *call, cm_val *result) {
  return stat_answer(call, false, type_value, result);
}

static wasm_trap *desc_get_flags(const cm_bound_call *call, cm_val *result) {
  descriptor *d = call->args[0].object;
  cm_val flags = cm_val_flags(d->flags);
  return finish(call, 0, &flags, result);
}

static wasm_trap *desc_is_same_object(const cm_bound_call *call, cm_val *result) {
  descriptor *a = call->args[0].object, *b = call->args[1].object;
  struct stat sa, sb;
  *result = cm_val_bool(fstat(a->fd, &sa) == 0 && fstat(b->fd, &sb) == 0 && sa.st_dev == sb.st_dev &&
                        sa.st_ino == sb.st_ino);
  return NULL;
}

static wasm_trap *desc_sync(const cm_bound_call *call, cm_val *result) {
  descriptor *d = call->args[0].object;
  return finish(call, fsync(d->fd) ? errno : 0, NULL, result);
}

static wasm_trap *desc_sync_data(const cm_bound_call *call, cm_val *result) {
  descriptor *d = call->args[0].object;
  return finish(call, fdatasync(d->fd) ? errno : 0, NULL, result);
}

static wasm_trap *desc_advise(const cm_bound_call *call, cm_val *result) {
  descriptor *d = call->args[0].object;
  static const int advice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  uint64_t offset = call->args[1].val.u.u, length = call->args[2].val.u.u;
  if (offset > INT64_MAX || length > INT64_MAX) return fail(call, EINVAL, result);
  int err = posix_fadvise(d->fd, (off_t)offset, (off_t)length, advice[call->args[3].val.u.cs.index % 6]);
  return finish(call, err, NULL, result);
}

static wasm_trap *desc_set_size(const cm_bound_call *call, cm_val *result) {
  descriptor *d = call->args[0].object;
  if (call->args[1].val.u.u > INT64_MAX) return fail(call, EFBIG, result);
  if (d->read_only) return fail(call, EROFS, result);
  return finish(call, ftruncate(d->fd, (off_t)call->args[1].val.u.u) ? errno : 0, NULL, result);
}

/* new-timestamp → a utimensat time; an errno when the seconds do not fit. 0.2's datetime has
 * u64 seconds, 0.3's instant s64 (before 1970 when negative). */
static int new_timestamp(const cm_bound_call *call, const cm_val *v, struct timespec *ts) {
  switch (v->u.cs.index) {
  case 0: *ts = (struct timespec){.tv_nsec = UTIME_OMIT}; return 0;
  case 1: *ts = (struct timespec){.tv_nsec = UTIME_NOW}; return 0;
  default: {
    const cm_val *seconds = &v->u.cs.payload->u.seq.items[0];
    uint64_t nanos = v->u.cs.payload->u.seq.items[1].u.u;
    if (!p3(call) && seconds->u.u > INT64_MAX) return EOVERFLOW;
    if (nanos >= 1000000000u) return EINVAL;
    *ts = (struct timespec){.tv_sec = (time_t)seconds->u.s, .tv_nsec = (long)nanos};
    return 0;
  }
  }
}

static wasm_trap *desc_set_times(const cm_bound_call *call, cm_val *result) {
  descriptor *d = call->args[0].object;
  struct timespec times[2];
  int err = new_timestamp(call, &call->args[1].val, &times[0]);
  if (!err) err = new_timestamp(call, &call->args[2].val, &times[1]);
  if (!err && d->read_only) err = EROFS;
  if (!err && futimens(d->fd, times)) err = errno;
  return finish(call, err, NULL, result);
}

static wasm_trap *desc_set_times_at(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *d = call->args[0].object;
  struct timespec times[2];
  int err = new_timestamp(call, &call->args[3].val, &times[0]);
  if (!err) err = new_timestamp(call, &call->args[4].val, &times[1]);
  if (!err && d->read_only) err = EROFS;
  if (err) return fail(call, err, result);
  int parent;
  const char *name;
  if ((err = open_parent(cx, d->fd, call->args[2].str, &parent, &name))) return fail(call, err, result);
  if (call->args[1].val.u.flags & PATH_SYMLINK_FOLLOW) {
    /* follow beneath: open the target itself, then set its times */
    int fd = open_beneath(parent, name, O_PATH, 0, true);
    err = fd < 0 ? -fd : 0;
    if (fd >= 0) {
      char proc[64];
      snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
      err = utimensat(AT_FDCWD, proc, times, 0) ? errno : 0;
      close(fd);
    }
  } else {
    err = utimensat(parent, name, times, AT_SYMLINK_NOFOLLOW) ? errno : 0;
  }
  close(parent);
  return finish(call, err, NULL, result);
}

static wasm_trap *desc_read(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *d = call->args[0].object;
  uint64_t offset = call->args[2].val.u.u;
  if (offset > INT64_MAX) return fail(call, EINVAL, result);
  size_t want = (size_t)WR_MIN(call->args[1].val.u.u, (uint64_t)FS_CHUNK);
  uint8_t *buf = cm_arena_alloc(cx->arena, want ? want : 1);
  ssize_t n = want ? pread(d->fd, buf, want, (off_t)offset) : 0;
  if (n < 0) return fail(call, errno, result);
  cm_val pair = cm_val_seq(cx->arena, 2);
  pair.u.seq.items[0] = wasi_bytes(cx, buf, (size_t)n);
  pair.u.seq.items[1] = cm_val_bool(want > 0 && n == 0);
  return finish(call, 0, &pair, result);
}

static wasm_trap *desc_write(const cm_bound_call *call, cm_val *result) {
  descriptor *d = call->args[0].object;
  uint64_t offset = call->args[2].val.u.u;
  if (offset > INT64_MAX) return fail(call, EINVAL, result);
  if (d->read_only) return fail(call, EROFS, result);
  cm_bytes bytes = call->args[1].bytes;
  ssize_t n = pwrite(d->fd, bytes.data, bytes.len, (off_t)offset);
  if (n < 0) return fail(call, errno, result);
  cm_val written = cm_val_u((uint64_t)n);
  return finish(call, 0, &written, result);
}

static wasm_trap *desc_open_at(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *d = call->args[0].object;
  wasm_trap *trap;
  uint32_t path_flags = call->args[1].val.u.flags, open_flags = call->args[3].val.u.flags;
  uint32_t flags = call->args[4].val.u.flags;
  char *path;
  int err = guest_path(cx, call->args[2].str, &path);
  if (err) return fail(call, err, result);
  bool writes = (flags & (FLAG_WRITE | FLAG_MUTATE)) || (open_flags & (OPEN_CREATE | OPEN_TRUNCATE));
  if (writes && d->read_only) return fail(call, EROFS, result);
  if ((open_flags & OPEN_CREATE) && !(d->flags & FLAG_MUTATE)) return fail(call, EPERM, result);
  if ((flags & FLAG_MUTATE) && !(d->flags & FLAG_MUTATE)) return fail(call, EPERM, result);
  int oflags = (flags & FLAG_WRITE) ? ((flags & FLAG_READ) ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (open_flags & OPEN_CREATE) oflags |= O_CREAT;
  if (open_flags & OPEN_DIRECTORY) oflags |= O_DIRECTORY;
  if (open_flags & OPEN_EXCLUSIVE) oflags |= O_EXCL;
  if (open_flags & OPEN_TRUNCATE) oflags |= O_TRUNC;
  if (flags & FLAG_FILE_SYNC) oflags |= O_SYNC;
  if (flags & FLAG_DATA_SYNC) oflags |= O_DSYNC;
  if (flags & FLAG_READ_SYNC) oflags |= O_RSYNC;
  int fd = open_beneath(d->fd, path, oflags, 0666, path_flags & PATH_SYMLINK_FOLLOW);
  if (fd < 0) return fail(call, -fd, result);
  cm_val handle;
  if ((trap = add_descriptor(cx, fd, flags, d->read_only, &handle))) return trap;
  return finish(call, 0, &handle, result);
}

static wasm_trap *desc_create_directory_at(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *d = call->args[0].object;
  int parent;
  const char *name;
  int err = may_mutate(d);
  if (!err) err = open_parent(cx, d->fd, call->args[1].str, &parent, &name);
  if (err) return fail(call, err, result);
  err = mkdirat(parent, name, 0777) ? errno : 0;
  close(parent);
  return finish(call, err, NULL, result);
}

static wasm_trap *unlink_at(const cm_bound_call *call, int flags, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *d = call->args[0].object;
  int parent;
  const char *name;
  int err = may_mutate(d);
  if (!err) err = open_parent(cx, d->fd, call->args[1].str, &parent, &name);
  if (err) return fail(call, err, result);
  err = unlinkat(parent, name, flags) ? errno : 0; /* Linux: EISDIR for a directory, as WASI wants */
  close(parent);
  return finish(call, err, NULL, result);
}

static wasm_trap *desc_remove_directory_at(const cm_bound_call *call, cm_val *result) {
  return unlink_at(call, AT_REMOVEDIR, result);
}

static wasm_trap *desc_unlink_file_at(const cm_bound_call *call, cm_val *result) {
  return unlink_at(call, 0, result);
}

static wasm_trap *desc_rename_at(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *from = call->args[0].object, *to = call->args[2].object;
  int old_parent, new_parent;
  const char *old_name, *new_name;
  int err = may_mutate(from);
  if (!err) err = may_mutate(to);
  if (!err) err = open_parent(cx, from->fd, call->args[1].str, &old_parent, &old_name);
  if (err) return fail(call, err, result);
  if ((err = open_parent(cx, to->fd, call->args[3].str, &new_parent, &new_name))) {
    close(old_parent);
    return fail(call, err, result);
  }
  err = renameat(old_parent, old_name, new_parent, new_name) ? errno : 0;
  close(old_parent);
  close(new_parent);
  return finish(call, err, NULL, result);
}

static wasm_trap *desc_link_at(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *from = call->args[0].object, *to = call->args[3].object;
  int old_parent, new_parent;
  const char *old_name, *new_name;
  int err = may_mutate(to);
  if (!err) err = open_parent(cx, from->fd, call->args[2].str, &old_parent, &old_name);
  if (err) return fail(call, err, result);
  if ((err = open_parent(cx, to->fd, call->args[4].str, &new_parent, &new_name))) {
    close(old_parent);
    return fail(call, err, result);
  }
  if (call->args[1].val.u.flags & PATH_SYMLINK_FOLLOW) {
    /* link the symlink's target, resolved beneath like any path */
    int target = open_beneath(old_parent, old_name, O_PATH, 0, true);
    err = target < 0 ? -target : 0;
    if (target >= 0) {
      err = linkat(target, "", new_parent, new_name, AT_EMPTY_PATH) ? errno : 0;
      close(target);
    }
  } else {
    err = linkat(old_parent, old_name, new_parent, new_name, 0) ? errno : 0;
  }
  close(old_parent);
  close(new_parent);
  return finish(call, err, NULL, result);
}

static wasm_trap *desc_symlink_at(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *d = call->args[0].object;
  char *target;
  int err = guest_path(cx, call->args[1].str, &target); /* absolute targets are refused outright */
  if (!err) err = may_mutate(d);
  if (err) return fail(call, err, result);
  int parent;
  const char *name;
  if ((err = open_parent(cx, d->fd, call->args[2].str, &parent, &name))) return fail(call, err, result);
  err = symlinkat(target, parent, name) ? errno : 0;
  close(parent);
  return finish(call, err, NULL, result);
}

static wasm_trap *desc_readlink_at(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *d = call->args[0].object;
  int parent;
  const char *name;
  int err = open_parent(cx, d->fd, call->args[1].str, &parent, &name);
  if (err) return fail(call, err, result);
  char *buf = cm_arena_alloc(cx->arena, PATH_MAX);
  ssize_t n = readlinkat(parent, name, buf, PATH_MAX);
  err = n < 0 ? errno : 0;
  close(parent);
  if (err) return fail(call, err, result);
  if (n == PATH_MAX) return fail(call, ENAMETOOLONG, result);
  if (!wasi_fs_utf8_valid(buf, (size_t)n)) return fail(call, EILSEQ, result);
  cm_val text = cm_val_string(buf, (uint32_t)n);
  return finish(call, 0, &text, result);
}

/* ---- directory listing ---- */

static wasm_trap *desc_read_directory(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  descriptor *d = call->args[0].object;
  wasm_trap *trap;
  /* a fresh open: the listing has its own position, and d->fd may be O_PATH */
  int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(call, errno, result);
  DIR *dir = fdopendir(fd);
  if (!dir) {
    int err = errno;
    close(fd);
    return fail(call, err, result);
  }
  uint32_t rep;
  if ((trap = wasi_table_add(wasi_p2_ctx_of(cx), &dir_stream_kind, dir, &rep))) return trap;
  cm_val handle = cm_val_handle(rep);
  return finish(call, 0, &handle, result);
}

uint32_t wasi_fs_dirent_type(DIR *dir, const struct dirent *e) {
  switch (e->d_type) {
  case DT_BLK: return TYPE_BLOCK;
  case DT_CHR: return TYPE_CHAR;
  case DT_DIR: return TYPE_DIRECTORY;
  case DT_FIFO: return TYPE_FIFO;
  case DT_LNK: return TYPE_SYMLINK;
  case DT_REG: return TYPE_REGULAR;
  case DT_SOCK: return TYPE_SOCKET;
  default: {
    struct stat st;
    return fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ? TYPE_UNKNOWN : type_of_mode(st.st_mode);
  }
  }
}

static wasm_trap *dir_read_entry(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  DIR *dir = call->args[0].object;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(dir);
    if (!e) {
      if (errno) return fail(call, errno, result);
      cm_val none = wasi_none();
      return finish(call, 0, &none, result);
    }
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t len = strlen(e->d_name);
    if (!wasi_fs_utf8_valid(e->d_name, len)) return fail(call, EILSEQ, result);
    cm_val entry = cm_val_seq(cx->arena, 2);
    entry.u.seq.items[0] = (cm_val){.u.cs = {wasi_fs_dirent_type(dir, e), NULL}};
    entry.u.seq.items[1] = cm_val_string(cm_arena_strndup(cx->arena, e->d_name, len), (uint32_t)len);
    cm_val some = wasi_some(cx, &entry);
    return finish(call, 0, &some, result);
  }
}

/* ---- streams over files ---- */

/* A file stream owns a duplicate of the descriptor's fd, so it outlives the descriptor, and
 * keeps its own position. Regular files never block: reads and writes are always ready. */
typedef struct file_stream {
  int fd;
  uint64_t offset;
  bool append;
} file_stream;

static wasi_stream_status file_read(void *self, uint8_t *buf, size_t len, size_t *nread, wasi_io_error **error) {
  file_stream *s = self;
  ssize_t n;
  do n = pread(s->fd, buf, len, (off_t)s->offset);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    *error = wasi_io_error_new(errno, "read: %s", strerror(errno));
    return WASI_STREAM_FAILED;
  }
  if (n == 0) return WASI_STREAM_CLOSED;
  s->offset += (uint64_t)n;
  *nread = (size_t)n;
  return WASI_STREAM_OK;
}

static wasi_pollable *file_subscribe(void *self) {
  WR_UNUSED(self);
  return wasi_pollable_ready();
}

static wasi_stream_status file_check_write(void *self, uint64_t *permitted, wasi_io_error **error) {
  WR_UNUSED(self);
  WR_UNUSED(error);
  *permitted = FS_CHUNK;
  return WASI_STREAM_OK;
}

static wasi_stream_status file_write(void *self, const uint8_t *buf, size_t len, wasi_io_error **error) {
  file_stream *s = self;
  if (s->append) {
    struct stat st;
    if (fstat(s->fd, &st) == 0) s->offset = (uint64_t)st.st_size;
  }
  while (len > 0) {
    if (s->offset > INT64_MAX) {
      *error = wasi_io_error_new(EFBIG, "write: offset too large");
      return WASI_STREAM_FAILED;
    }
    ssize_t n = pwrite(s->fd, buf, len, (off_t)s->offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = wasi_io_error_new(errno, "write: %s", strerror(errno));
      return WASI_STREAM_FAILED;
    }
    s->offset += (uint64_t)n;
    buf += n;
    len -= (size_t)n;
  }
  return WASI_STREAM_OK;
}

static wasi_stream_status file_flush(void *self, wasi_io_error **error) {
  WR_UNUSED(self);
  WR_UNUSED(error);
  return WASI_STREAM_OK;
}

static void file_stream_free(void *self) {
  file_stream *s = self;
  close(s->fd);
  wr_free(s);
}

static const wasi_input_ops file_input_ops = {file_read, file_subscribe, file_stream_free};
static const wasi_output_ops file_output_ops = {file_check_write, file_write, file_flush, file_subscribe,
                                                file_stream_free, 0};

/* A stream over d at `offset`: 0 or an errno. */
static int file_stream_new(const descriptor *d, uint64_t offset, bool append, file_stream **out) {
  if (offset > INT64_MAX) return EINVAL;
  int fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return errno;
  file_stream *s = WR_NEW(file_stream);
  *s = (file_stream){.fd = fd, .offset = offset, .append = append};
  *out = s;
  return 0;
}

static wasm_trap *via_stream(const cm_bound_call *call, bool output, uint64_t offset, bool append, cm_val *result) {
  const descriptor *d = call->args[0].object;
  if (output && d->read_only) return fail(call, EROFS, result);
  if (!(d->flags & (output ? FLAG_WRITE : FLAG_READ))) return fail(call, EBADF, result);
  file_stream *s = NULL;
  int err = file_stream_new(d, offset, append, &s);
  if (err) return fail(call, err, result);
  uint32_t rep;
  wasm_trap *trap = output ? wasi_output_stream_add(call->state, &file_output_ops, s, &rep)
                           : wasi_input_stream_add(call->state, &file_input_ops, s, &rep);
  if (trap) return trap;
  cm_val handle = cm_val_handle(rep);
  return finish(call, 0, &handle, result);
}

static wasm_trap *desc_read_via_stream(const cm_bound_call *call, cm_val *result) {
  return via_stream(call, false, call->args[1].val.u.u, false, result);
}

static wasm_trap *desc_write_via_stream(const cm_bound_call *call, cm_val *result) {
  return via_stream(call, true, call->args[1].val.u.u, false, result);
}

static wasm_trap *desc_append_via_stream(const cm_bound_call *call, cm_val *result) {
  return via_stream(call, true, 0, true, result);
}

/* ---- free functions ---- */

static wasm_trap *filesystem_error_code(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  const wasi_io_error *error = call->args[0].object;
  if (!error->os_errno) {
    *result = wasi_none();
    return NULL;
  }
  cm_val code = {.u.cs = {error_code_of(error->os_errno), NULL}};
  *result = wasi_some(cx, &code);
  return NULL;
}

static wasm_trap *get_directories(const cm_bound_call *call, cm_val *result) {
  const cm_canon_cx *cx = call->cx;
  const wasi_p2_config *config = wasi_p2_ctx_config(wasi_p2_ctx_of(cx));
  *result = cm_val_seq(cx->arena, (uint32_t)config->npreopens);
  for (size_t i = 0; i < config->npreopens; i++) {
    const wasi_p2_preopen *pre = &config->preopens[i];
    int fd = fcntl(pre->dirfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return wasi_trap(wasi_p2_ctx_of(cx), "preopen %s: %s", pre->guest_path, strerror(errno));
    uint32_t flags = pre->read_only ? FLAG_READ : FLAG_READ | FLAG_MUTATE;
    cm_val pair = cm_val_seq(cx->arena, 2);
    wasm_trap *trap = add_descriptor(cx, fd, flags, pre->read_only, &pair.u.seq.items[0]);
    if (trap) return trap;
    pair.u.seq.items[1] = cm_val_string(pre->guest_path, (uint32_t)strlen(pre->guest_path));
    result->u.seq.items[i] = pair;
  }
  return NULL;
}

const cm_host_binding wasi_fs_shared_rows[] = {
    {"[method]descriptor.advise", desc_advise, {&wasi_descriptor_kind}},
    {"[method]descriptor.sync-data", desc_sync_data, {&wasi_descriptor_kind}},
    {"[method]descriptor.get-flags", desc_get_flags, {&wasi_descriptor_kind}},
    {"[method]descriptor.get-type", desc_get_type, {&wasi_descriptor_kind}},
    {"[method]descriptor.set-size", desc_set_size, {&wasi_descriptor_kind}},
    {"[method]descriptor.set-times", desc_set_times, {&wasi_descriptor_kind}},
    {"[method]descriptor.sync", desc_sync, {&wasi_descriptor_kind}},
    {"[method]descriptor.create-directory-at", desc_create_directory_at, {&wasi_descriptor_kind}},
    {"[method]descriptor.stat", desc_stat, {&wasi_descriptor_kind}},
    {"[method]descriptor.stat-at", desc_stat_at, {&wasi_descriptor_kind}},
    {"[method]descriptor.set-times-at", desc_set_times_at, {&wasi_descriptor_kind}},
    {"[method]descriptor.link-at", desc_link_at, {&wasi_descriptor_kind, NULL, NULL, &wasi_descriptor_kind}},
    {"[method]descriptor.open-at", desc_open_at, {&wasi_descriptor_kind}},
    {"[method]descriptor.readlink-at", desc_readlink_at, {&wasi_descriptor_kind}},
    {"[method]descriptor.remove-directory-at", desc_remove_directory_at, {&wasi_descriptor_kind}},
    {"[method]descriptor.rename-at", desc_rename_at, {&wasi_descriptor_kind, NULL, &wasi_descriptor_kind}},
    {"[method]descriptor.symlink-at", desc_symlink_at, {&wasi_descriptor_kind}},
    {"[method]descriptor.unlink-file-at", desc_unlink_file_at, {&wasi_descriptor_kind}},
    {"[method]descriptor.is-same-object", desc_is_same_object, {&wasi_descriptor_kind, &wasi_descriptor_kind}},
    {"[method]descriptor.metadata-hash", desc_metadata_hash, {&wasi_descriptor_kind}},
    {"[method]descriptor.metadata-hash-at", desc_metadata_hash_at, {&wasi_descriptor_kind}},
};
const size_t wasi_fs_shared_nrows = WR_ARRAY_LEN(wasi_fs_shared_rows);
const cm_host_binding wasi_fs_get_directories_row = {"get-directories", get_directories, {NULL}};

bool wasi_p2_define_filesystem(cm_host *host, wr_error *err) {
  static const cm_host_binding type_funcs[] = {
      {"[method]descriptor.read-via-stream", desc_read_via_stream, {&wasi_descriptor_kind}},
      {"[method]descriptor.write-via-stream", desc_write_via_stream, {&wasi_descriptor_kind}},
      {"[method]descriptor.append-via-stream", desc_append_via_stream, {&wasi_descriptor_kind}},
      {"[method]descriptor.read", desc_read, {&wasi_descriptor_kind}},
      {"[method]descriptor.write", desc_write, {&wasi_descriptor_kind}},
      {"[method]descriptor.read-directory", desc_read_directory, {&wasi_descriptor_kind}},
      {"[method]directory-entry-stream.read-directory-entry", dir_read_entry, {&dir_stream_kind}},
      {"filesystem-error-code", filesystem_error_code, {&wasi_io_error_kind}},
  };
  return wasi_add_wit(host, "filesystem", err) &&
         wasi_bind_funcs(host, TYPES, wasi_fs_shared_rows, wasi_fs_shared_nrows, err) &&
         wasi_bind_funcs(host, TYPES, type_funcs, WR_ARRAY_LEN(type_funcs), err) &&
         wasi_define_resource(host, TYPES, "descriptor", &wasi_descriptor_kind, err) &&
         wasi_define_resource(host, TYPES, "directory-entry-stream", &dir_stream_kind, err) &&
         wasi_bind_funcs(host, WASI_IFACE("filesystem/preopens"), &wasi_fs_get_directories_row, 1, err);
}
