// A wasm32-wasi command exercising WASI 0.2 through the preview1 adapter: stdin, files and
// directories in the preopen "data", escape attempts, clocks, random. Prints what it sees.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    printf("opendir %s: %s\n", path, strerror(errno));
    return;
  }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  printf("%s:", path);
  for (int i = 0; i < n; i++) printf(" %s", names[i]), free(names[i]);
  printf("\n");
}

static void try_open(const char *path) {
  FILE *f = fopen(path, "r");
  printf("open %s: %s\n", path, f ? "opened" : strerror(errno));
  if (f) fclose(f);
}

int main(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin)) printf("stdin: %s", line);

  FILE *f = fopen("data/in.txt", "r");
  if (!f || !fgets(line, sizeof line, f)) return 10;
  fclose(f);
  printf("in.txt: %s", line);
  list("data");

  try_open("data/../outside.txt");
  try_open("/etc/passwd");
  try_open("data/escape");
  try_open("data/link");
  try_open("data/missing");

  if (mkdir("data/made", 0755)) return 11;
  f = fopen("data/made/new.txt", "w");
  if (!f) return 12;
  fputs("written by the guest\n", f);
  fclose(f);
  f = fopen("data/made/new.txt", "a");
  fputs("appended\n", f);
  fclose(f);
  if (rename("data/made/new.txt", "data/made/renamed.txt")) return 13;
  list("data/made");
  struct stat st;
  if (stat("data/made/renamed.txt", &st)) return 14;
  printf("size %lld\n", (long long)st.st_size);
  f = fopen("data/made/renamed.txt", "r");
  while (fgets(line, sizeof line, f)) printf("read back: %s", line);
  fclose(f);
  if (unlink("data/made/renamed.txt") || rmdir("data/made")) return 15;
  printf("rmdir data: %s\n", rmdir("data") ? strerror(errno) : "removed?");

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct timespec pause = {0, 20 * 1000 * 1000};
  nanosleep(&pause, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long long ms = (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("slept at least 20 ms: %s\n", ms >= 20 ? "yes" : "no");
  printf("wall clock after 2020: %s\n", time(NULL) > 1577836800 ? "yes" : "no");
  unsigned char buf[16] = {0}, zero[16] = {0};
  if (getentropy(buf, sizeof buf)) return 16;
  printf("random: %s\n", memcmp(buf, zero, 16) ? "nonzero" : "zero");
  fprintf(stderr, "done\n");
  return 0;
}
