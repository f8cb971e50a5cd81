#include "input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

static const char *file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO or pipe";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

bool wr_read_input_file(const char *path, uint8_t **bytes_out, size_t *size_out, wr_error *err) {
  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    wr_error_set(err, "cannot open %s: %s", path, strerror(errno));
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    wr_error_set(err, "cannot read %s: %s", path, strerror(errno));
    close(fd);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    wr_error_set(err, "cannot read %s: it is %s, and only regular files are read", path, file_kind(st.st_mode));
    close(fd);
    return false;
  }
  if ((uint64_t)st.st_size > WR_INPUT_FILE_MAX) {
    wr_error_set(err, "cannot read %s: it is %llu bytes, over the limit of %llu (1 GiB)", path,
                 (unsigned long long)st.st_size, (unsigned long long)WR_INPUT_FILE_MAX);
    close(fd);
    return false;
  }
  /* Read what fstat promised; a file growing meanwhile is cut there, one shrinking ends early. */
  size_t size = (size_t)st.st_size, got = 0;
  uint8_t *bytes = wr_malloc(size ? size : 1);
  while (got < size) {
    ssize_t n = read(fd, bytes + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      wr_error_set(err, "cannot read %s: %s", path, strerror(errno));
      wr_free(bytes);
      close(fd);
      return false;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  close(fd);
  *bytes_out = bytes;
  *size_out = got;
  return true;
}
