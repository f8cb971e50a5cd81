/* How stdio looks to the guest: character devices that cannot seek, no filesystem
 * (no preopens), stderr separate from stdout, and a closed fd that stays closed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  struct stat st;
  printf("isatty(1)=%d\n", isatty(1));
  printf("fstat(1) ok=%d chr=%d\n", fstat(1, &st) == 0, S_ISCHR(st.st_mode));
  errno = 0;
  off_t at = lseek(1, 0, SEEK_CUR);
  printf("lseek(1)=%lld espipe=%d\n", (long long)at, errno == ESPIPE);
  FILE *f = fopen("some-file.txt", "r");
  printf("fopen=%s\n", f ? "opened" : "failed");
  fflush(stdout);
  fprintf(stderr, "to stderr\n");
  printf("close(0)=%d\n", close(0));
  char c;
  errno = 0;
  ssize_t n = read(0, &c, 1);
  printf("read(0) after close=%zd ebadf=%d\n", n, errno == EBADF);
  errno = 0;
  n = write(7, "x", 1);
  printf("write(7)=%zd ebadf=%d\n", n, errno == EBADF);
  return 0;
}
