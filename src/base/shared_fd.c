/* Non-blocking writes to shared fds (shared_fd.h). */
#include "shared_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void wr_shared_fd_open(wr_shared_fd_writer *w, int fd) {
  *w = (wr_shared_fd_writer){fd, fd, WR_SHARED_FD_DIRECT};
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) return;
  if (S_ISSOCK(st.st_mode)) {
    w->method = WR_SHARED_FD_SEND;
    return;
  }
  if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) return;
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK)) return; /* whoever shares it chose so */
  char path[40];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int own = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  struct stat own_st;
  if (own >= 0 && fstat(own, &own_st) == 0 && own_st.st_dev == st.st_dev && own_st.st_ino == st.st_ino) {
    w->method = WR_SHARED_FD_PRIVATE;
    w->write_fd = own;
    return;
  }
  if (own >= 0) close(own); /* not the same file: not ours to write */
  w->method = WR_SHARED_FD_TOGGLE;
}

static ssize_t write_retrying(int fd, const void *buf, size_t len) {
  ssize_t w;
  do w = write(fd, buf, len);
  while (w < 0 && errno == EINTR);
  return w;
}

ssize_t wr_shared_fd_write(const wr_shared_fd_writer *w, const void *buf, size_t len) {
  switch (w->method) {
  case WR_SHARED_FD_SEND: return send(w->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  case WR_SHARED_FD_DIRECT:
  case WR_SHARED_FD_PRIVATE: return write_retrying(w->write_fd, buf, len);
  case WR_SHARED_FD_TOGGLE: break;
  }
  int flags = fcntl(w->fd, F_GETFL);
  if (flags < 0) return -1;
  if (!(flags & O_NONBLOCK) && fcntl(w->fd, F_SETFL, flags | O_NONBLOCK) < 0) return -1;
  ssize_t n = write_retrying(w->fd, buf, len);
  int saved = errno;
  if (!(flags & O_NONBLOCK)) fcntl(w->fd, F_SETFL, flags);
  errno = saved;
  return n;
}

void wr_shared_fd_close(wr_shared_fd_writer *w) {
  if (w->method == WR_SHARED_FD_PRIVATE) close(w->write_fd);
  w->write_fd = w->fd;
  w->method = WR_SHARED_FD_DIRECT;
}
