/* Non-blocking writes to shared fds (src/base/shared_fd.c): a pipe is written through a private
 * non-blocking description, so the shared one's flags never change and a full pipe answers
 * EAGAIN instead of holding the thread (this test would hang); closing the writer lets the
 * reader see the end of the pipe; a regular file and a socket are written as they are. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../check.h"
#include "base/shared_fd.h"

static int is_nonblocking(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

/* Writes until the fd is full: how many bytes went in, or -1 when a write failed otherwise. */
static long fill(const wr_shared_fd_writer *w) {
  static char chunk[4096];
  memset(chunk, 'x', sizeof chunk);
  long total = 0;
  for (int i = 0; i < 4096; i++) { /* 16 MiB: far beyond any pipe or socket buffer */
    ssize_t n = wr_shared_fd_write(w, chunk, sizeof chunk);
    if (n < 0) return errno == EAGAIN ? total : -1;
    total += n;
  }
  return -1;
}

static void test_pipe(void) {
  int p[2];
  CHECK(pipe(p) == 0);
  wr_shared_fd_writer w;
  wr_shared_fd_open(&w, p[1]);
  CHECK(w.method == WR_SHARED_FD_PRIVATE && w.write_fd != p[1]);
  CHECK(is_nonblocking(w.write_fd) && !is_nonblocking(p[1]));
  CHECK(wr_shared_fd_write(&w, "hello", 5) == 5);
  char buf[8] = {0};
  CHECK(read(p[0], buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
  CHECK(fill(&w) > 0);
  CHECK(!is_nonblocking(p[1])); /* the shared description was never touched */
  /* drained, then the owner closes its end: once the writer is closed too, the reader sees the end */
  static char drain[65536];
  CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
  while (read(p[0], drain, sizeof drain) > 0) {
  }
  close(p[1]);
  wr_shared_fd_close(&w);
  ssize_t end;
  while ((end = read(p[0], drain, sizeof drain)) > 0) {
  }
  CHECK(end == 0); /* EOF, not EAGAIN: no write end is left open */
  close(p[0]);
}

static void test_regular_file(void) {
  FILE *f = tmpfile();
  CHECK(f != NULL);
  if (!f) return;
  int fd = fileno(f);
  wr_shared_fd_writer w;
  wr_shared_fd_open(&w, fd);
  CHECK(w.method == WR_SHARED_FD_DIRECT && w.write_fd == fd); /* its offset is shared: no second description */
  CHECK(wr_shared_fd_write(&w, "ab", 2) == 2);
  CHECK(write(fd, "c", 1) == 1);
  char buf[4] = {0};
  CHECK(pread(fd, buf, 3, 0) == 3 && memcmp(buf, "abc", 3) == 0);
  CHECK(!is_nonblocking(fd));
  wr_shared_fd_close(&w);
  fclose(f);
}

static void test_socket(void) {
  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  wr_shared_fd_writer w;
  wr_shared_fd_open(&w, sv[0]);
  CHECK(w.method == WR_SHARED_FD_SEND);
  CHECK(fill(&w) > 0);
  CHECK(!is_nonblocking(sv[0]));
  wr_shared_fd_close(&w);
  close(sv[0]), close(sv[1]);
}

int main(void) {
  test_pipe();
  test_regular_file();
  test_socket();
  wr_shared_fd_writer closed;
  wr_shared_fd_open(&closed, -1);
  CHECK(wr_shared_fd_write(&closed, "x", 1) < 0 && errno == EBADF);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
