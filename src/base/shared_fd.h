/* Writing to an fd that other processes share (stdout, stderr) without ever blocking the
 * thread. O_NONBLOCK belongs to the open file description, which a shell's pipe or terminal
 * shares with every process holding it: setting it there, even for one write, makes their
 * writes fail with EAGAIN meanwhile, and clearing it again races with our own other threads. So
 * a pipe or character device is written through a private description of the same file, opened
 * non-blocking (/proc/self/fd/N); a socket with send(MSG_DONTWAIT); a regular file directly (it
 * never waits for room). Only where no private description can be had is the flag set around
 * each write, as the last resort. The private description is a second write end: it is closed
 * with the writer, so that a reader still sees the end of a pipe its owner closed. */
#ifndef WARREN_BASE_SHARED_FD_H
#define WARREN_BASE_SHARED_FD_H

#include <stddef.h>
#include <sys/types.h>

typedef enum { WR_SHARED_FD_DIRECT, WR_SHARED_FD_SEND, WR_SHARED_FD_PRIVATE, WR_SHARED_FD_TOGGLE } wr_shared_fd_method;

typedef struct wr_shared_fd_writer {
  int fd;                     /* the shared fd */
  int write_fd;               /* what is written: fd, or the private description */
  wr_shared_fd_method method;
} wr_shared_fd_writer;

/* A writer of `fd` (which must stay open while the writer is used). Never fails: an fd that is
 * not open gets writes that fail with EBADF. */
void wr_shared_fd_open(wr_shared_fd_writer *w, int fd);
/* As write(2), but never blocking: -1 with EAGAIN when it would. */
ssize_t wr_shared_fd_write(const wr_shared_fd_writer *w, const void *buf, size_t len);
void wr_shared_fd_close(wr_shared_fd_writer *w);

#endif
