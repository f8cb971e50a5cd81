/* Waits for stdin with poll(), then copies it to stdout upper-cased and reports the counts. */
#include <ctype.h>
#include <poll.h>
#include <stdio.h>

int main(void) {
  struct pollfd pfd = {.fd = 0, .events = POLLIN};
  int ready = poll(&pfd, 1, 5000);
  printf("poll=%d readable=%d\n", ready, (pfd.revents & POLLIN) != 0);
  long bytes = 0, lines = 0;
  int c;
  while ((c = getchar()) != EOF) {
    bytes++;
    if (c == '\n') lines++;
    putchar(toupper(c));
  }
  printf("bytes=%ld lines=%ld\n", bytes, lines);
  return 0;
}
