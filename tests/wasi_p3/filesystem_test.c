/* wasi:filesystem@0.3.0 called directly (tests/wasi_p3/harness.h): preopens, the methods 0.3
 * shares with 0.2 answering in 0.3's values, confinement (`..`, absolute paths and symlinks
 * out are refused), read-only preopens, and reading, writing, appending and listing through
 * streams — a file larger than one chunk moves chunk by chunk. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* 0.3 error-code and descriptor-type cases */
enum { E_BAD_DESCRIPTOR = 2, E_NO_ENTRY = 19, E_NOT_PERMITTED = 30, E_READ_ONLY = 32 };
enum { T_DIRECTORY = 2, T_SYMLINK = 4, T_REGULAR = 5 };
enum { F_READ = 1, F_WRITE = 2, F_MUTATE = 32 };
enum { O_CREATE_ = 1, O_TRUNC_ = 8 };

#define BIG_SIZE (200u * 1024u + 7u) /* more than three chunks */

static char root[256];

static void write_file(const char *name, const void *data, size_t len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
  close(fd);
}

static void make_tree(void) {
  snprintf(root, sizeof root, "/tmp/warren-p3fs-%d", (int)getpid());
  char path[512];
  mkdir(root, 0755);
  snprintf(path, sizeof path, "%s/data", root);
  mkdir(path, 0755);
  write_file("secret", "outside", 7);
  write_file("data/hello.txt", "hello, p3", 9);
  uint8_t *big = wr_malloc(BIG_SIZE);
  for (size_t i = 0; i < BIG_SIZE; i++) big[i] = (uint8_t)(i * 7 + i / 251);
  write_file("data/big.bin", big, BIG_SIZE);
  wr_free(big);
  snprintf(path, sizeof path, "%s/data/up", root);
  CHECK(symlink("../secret", path) == 0);
  snprintf(path, sizeof path, "%s/data/abs", root);
  CHECK(symlink("/etc/passwd", path) == 0);
}

static void remove_tree(void) {
  static const char *const names[] = {"data/hello.txt", "data/big.bin", "data/up", "data/abs", "data/new.txt",
                                      "secret", "data"};
  char path[512];
  for (size_t i = 0; i < WR_ARRAY_LEN(names); i++) {
    snprintf(path, sizeof path, "%s/%s", root, names[i]);
    if (unlink(path) != 0) rmdir(path);
  }
  rmdir(root);
}

#define CALL(func, ...) call("filesystem/types", func, (const cm_val[]){__VA_ARGS__})

static cm_val str(const char *s) { return cm_val_string(s, (uint32_t)strlen(s)); }

static cm_val open_at(cm_val dir, uint32_t path_flags, const char *path, uint32_t open_flags, uint32_t flags) {
  return CALL("[method]descriptor.open-at", dir, cm_val_flags(path_flags), str(path), cm_val_flags(open_flags),
              cm_val_flags(flags));
}

static int dirfd_of_data;

static cm_val preopen(bool read_only) {
  static wasi_p2_preopen pre;
  char path[512];
  snprintf(path, sizeof path, "%s/data", root);
  dirfd_of_data = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  pre = (wasi_p2_preopen){.dirfd = dirfd_of_data, .guest_path = "data", .read_only = read_only};
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.preopens = &pre;
  config.npreopens = 1;
  setup_with(&config, true);
  cm_val dirs = call("filesystem/preopens", "get-directories", NULL);
  CHECK(!last_trap && dirs.u.seq.count == 1);
  cm_val name = dirs.u.seq.items[0].u.seq.items[1];
  CHECK(name.u.str.len == 4 && !memcmp(name.u.str.data, "data", 4));
  return dirs.u.seq.items[0].u.seq.items[0];
}

static void done_preopen(void) {
  teardown();
  close(dirfd_of_data);
}

/* The whole file through read-via-stream, compared with `expect`. */
static void check_read(cm_val file, uint64_t offset, const uint8_t *expect, size_t len) {
  cm_val r = CALL("[method]descriptor.read-via-stream", file, cm_val_u(offset));
  CHECK(!last_trap);
  end_probe p = {0};
  cm_host_end *in = cm_host_end_take_readable(r.u.seq.items[0].u.shared, &probe_ops, &p);
  uint8_t *buf = wr_malloc(len + 16);
  size_t got = read_bytes(in, &p, (char *)buf, len + 16);
  CHECK(got == len && !memcmp(buf, expect, len));
  CHECK(p.result == CM_COPY_DROPPED); /* the end of the file ends the stream */
  cm_host_end_drop(in);
  CHECK(read_future(r.u.seq.items[1].u.shared) == 0);
  wr_free(buf);
}

static void test_confined(void) {
  cm_val dir = preopen(false);
  /* shared with 0.2, answering in 0.3's values */
  cm_val t = CALL("[method]descriptor.get-type", dir);
  CHECK(is_ok(t) && t.u.cs.payload->u.cs.index == T_DIRECTORY);
  cm_val st = CALL("[method]descriptor.stat-at", dir, cm_val_flags(0), str("up"));
  CHECK(is_ok(st) && st.u.cs.payload->u.seq.items[0].u.cs.index == T_SYMLINK);
  CHECK(err_code(open_at(dir, 1, "missing", 0, F_READ)) == E_NO_ENTRY);
  /* escapes */
  CHECK(err_code(open_at(dir, 1, "../secret", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(open_at(dir, 1, "/etc/passwd", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(open_at(dir, 1, "up", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(open_at(dir, 1, "abs", 0, F_READ)) == E_NOT_PERMITTED);
  CHECK(err_code(CALL("[method]descriptor.stat-at", dir, cm_val_flags(1), str("up"))) == E_NOT_PERMITTED);
  CHECK(err_code(CALL("[method]descriptor.create-directory-at", dir, str("../made"))) == E_NOT_PERMITTED);

  /* reading: a small file, one from an offset, and one of several chunks */
  cm_val hello = open_at(dir, 1, "hello.txt", 0, F_READ);
  CHECK(is_ok(hello));
  cm_val h = *hello.u.cs.payload;
  cm_val hs = CALL("[method]descriptor.stat", h);
  CHECK(is_ok(hs) && hs.u.cs.payload->u.seq.items[0].u.cs.index == T_REGULAR &&
        hs.u.cs.payload->u.seq.items[2].u.u == 9);
  check_read(h, 0, (const uint8_t *)"hello, p3", 9);
  check_read(h, 7, (const uint8_t *)"p3", 2);
  cm_val bigr = open_at(dir, 1, "big.bin", 0, F_READ);
  CHECK(is_ok(bigr));
  uint8_t *big = wr_malloc(BIG_SIZE);
  for (size_t i = 0; i < BIG_SIZE; i++) big[i] = (uint8_t)(i * 7 + i / 251);
  check_read(*bigr.u.cs.payload, 0, big, BIG_SIZE);
  wr_free(big);
  /* a descriptor without write: write-via-stream's future says bad-descriptor */
  end_probe wp = {0};
  void *readable;
  cm_host_end *out = new_byte_stream(&wp, &readable);
  cm_val f = CALL("[method]descriptor.write-via-stream", h, (cm_val){.u.shared = readable}, cm_val_u(0));
  CHECK(!last_trap && read_future(f.u.shared) == 1 + E_BAD_DESCRIPTOR);
  cm_host_end_drop(out);

  /* writing, then appending, through streams */
  cm_val created = open_at(dir, 0, "new.txt", O_CREATE_ | O_TRUNC_, F_READ | F_WRITE);
  CHECK(is_ok(created));
  cm_val nf = *created.u.cs.payload;
  out = new_byte_stream(&wp, &readable);
  f = CALL("[method]descriptor.write-via-stream", nf, (cm_val){.u.shared = readable}, cm_val_u(0));
  write_bytes(out, &wp, "written ");
  cm_host_end_drop(out);
  CHECK(read_future(f.u.shared) == 0);
  out = new_byte_stream(&wp, &readable);
  f = CALL("[method]descriptor.append-via-stream", nf, (cm_val){.u.shared = readable});
  write_bytes(out, &wp, "then appended");
  cm_host_end_drop(out);
  CHECK(read_future(f.u.shared) == 0);
  check_read(nf, 0, (const uint8_t *)"written then appended", 21);
  /* 0.3's instants may be before 1970 (0.2's datetimes cannot) */
  cm_val instant = cm_val_seq(arena, 2);
  instant.u.seq.items[0] = cm_val_s(-86400);
  instant.u.seq.items[1] = cm_val_u(5);
  cm_val at = cm_val_case(arena, 2, &instant), keep = {.u.cs = {0, NULL}};
  CHECK(is_ok(CALL("[method]descriptor.set-times", nf, keep, at)));
  cm_val nst = CALL("[method]descriptor.stat", nf);
  CHECK(is_ok(nst));
  cm_val mtime = nst.u.cs.payload->u.seq.items[4];
  CHECK(mtime.u.cs.index == 1 && mtime.u.cs.payload->u.seq.items[0].u.s == -86400 &&
        mtime.u.cs.payload->u.seq.items[1].u.u == 5);

  /* listing: every entry once, with its type */
  cm_val list = CALL("[method]descriptor.read-directory", dir);
  CHECK(!last_trap);
  end_probe lp = {0};
  cm_host_end *entries = cm_host_end_take_readable(list.u.seq.items[0].u.shared, &probe_ops, &lp);
  unsigned seen = 0, count = 0;
  for (int round = 0; round < 20; round++) {
    cm_val got[4];
    lp = (end_probe){0};
    CHECK(cm_host_end_read(entries, store, NULL, got, arena, 4) == NULL);
    run_until(&lp.done);
    for (uint32_t i = 0; i < lp.n; i++) {
      cm_val name = got[i].u.seq.items[1];
      uint32_t type = got[i].u.seq.items[0].u.cs.index;
      count++;
      if (name.u.str.len == 9 && !memcmp(name.u.str.data, "hello.txt", 9) && type == T_REGULAR) seen |= 1;
      if (name.u.str.len == 2 && !memcmp(name.u.str.data, "up", 2) && type == T_SYMLINK) seen |= 2;
      if (name.u.str.len == 7 && !memcmp(name.u.str.data, "new.txt", 7)) seen |= 4;
    }
    if (lp.result == CM_COPY_DROPPED) break;
  }
  CHECK(seen == 7 && count == 5); /* hello.txt big.bin up abs new.txt */
  cm_host_end_drop(entries);
  CHECK(read_future(list.u.seq.items[1].u.shared) == 0);

  /* a read left running when the instance goes: the ctx reclaims it */
  cm_val left = CALL("[method]descriptor.read-via-stream", h, cm_val_u(0));
  CHECK(!last_trap && left.u.seq.count == 2);
  done_preopen();
}

static void test_read_only(void) {
  cm_val dir = preopen(true);
  CHECK(err_code(open_at(dir, 0, "x", O_CREATE_, F_READ | F_WRITE)) == E_READ_ONLY);
  CHECK(err_code(CALL("[method]descriptor.create-directory-at", dir, str("d"))) == E_READ_ONLY);
  cm_val hello = open_at(dir, 1, "hello.txt", 0, F_READ);
  CHECK(is_ok(hello));
  end_probe wp = {0};
  void *readable;
  cm_host_end *out = new_byte_stream(&wp, &readable);
  cm_val f = CALL("[method]descriptor.append-via-stream", *hello.u.cs.payload, (cm_val){.u.shared = readable});
  CHECK(!last_trap && read_future(f.u.shared) == 1 + E_READ_ONLY);
  cm_host_end_drop(out);
  /* the stream 0.3 offers for a read still works */
  check_read(*hello.u.cs.payload, 0, (const uint8_t *)"hello, p3", 9);
  done_preopen();
}

int main(void) {
  if (!harness_init()) return 1;
  make_tree();
  test_confined();
  atomic_store(&wasi_fs_use_openat2, false); /* again with the walk older kernels get */
  test_confined();
  atomic_store(&wasi_fs_use_openat2, true);
  test_read_only();
  remove_tree();
  harness_free();
  printf("wasi_p3 filesystem: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
