/* random_get: two 64-byte draws are not all zero and differ from each other. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  unsigned char a[64], b[64], zero[64] = {0};
  if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) {
    printf("getentropy failed\n");
    return 1;
  }
  if (!memcmp(a, zero, sizeof a) || !memcmp(a, b, sizeof a)) {
    printf("random bytes look wrong\n");
    return 1;
  }
  printf("random ok\n");
  return 0;
}
