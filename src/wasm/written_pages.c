/* Written pages through the kernel's page tables: the PAGEMAP_SCAN ioctl (Linux 6.7+), which
 * returns matching ranges and skips the rest in the kernel, else one read of /proc/self/pagemap
 * entries (8 bytes a page) at a time. */
#include "written_pages.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

/* From the kernel's uapi linux/fs.h; Debian 12's headers predate it. */
struct pm_scan_region {
  uint64_t start, end, categories;
};
struct pm_scan_request {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted, category_mask,
      category_anyof_mask, return_mask;
};
#define PM_SCAN_IOCTL _IOWR('f', 16, struct pm_scan_request)
enum { PM_PAGE_IS_FILE = 1 << 2, PM_PAGE_IS_PRESENT = 1 << 3, PM_PAGE_IS_SWAPPED = 1 << 4 };

enum { PAGEMAP_CHUNK = 512, SCAN_REGIONS = 64 };
static int pagemap_fd = -1;
static _Atomic int scan_unsupported;
static pthread_once_t pagemap_once = PTHREAD_ONCE_INIT;
/* WARREN_PAGEMAP_SCAN=off takes the older path, as on a kernel without the ioctl (for tests). */
static void open_pagemap(void) {
  pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  const char *scan_env = getenv("WARREN_PAGEMAP_SCAN");
  if (scan_env && strcmp(scan_env, "off") == 0) scan_unsupported = 1;
}

static bool add_run(wasm_page_runs *runs, size_t first, size_t end, size_t *count, size_t max_pages) {
  *count += end - first;
  if (*count > max_pages) return false;
  if (runs->len && runs->items[runs->len - 1].end == first) {
    runs->items[runs->len - 1].end = (uint32_t)end;
  } else {
    wasm_page_run r = {(uint32_t)first, (uint32_t)end};
    WR_VEC_PUSH(runs, r);
  }
  return true;
}

/* -1: the ioctl is not there (an older kernel); else whether it answered within max_pages. */
static int scan(const uint8_t *base, size_t npages, size_t page, size_t max_pages, wasm_page_runs *runs) {
  struct pm_scan_region regions[SCAN_REGIONS];
  uintptr_t start = (uintptr_t)base, end = start + npages * page;
  size_t count = 0;
  while (start < end) {
    /* anonymous (not file-backed) pages that are present or swapped out */
    struct pm_scan_request req = {.size = sizeof req,
                                  .start = start,
                                  .end = end,
                                  .vec = (uintptr_t)regions,
                                  .vec_len = SCAN_REGIONS,
                                  .category_inverted = PM_PAGE_IS_FILE,
                                  .category_mask = PM_PAGE_IS_FILE,
                                  .category_anyof_mask = PM_PAGE_IS_PRESENT | PM_PAGE_IS_SWAPPED,
                                  .return_mask = PM_PAGE_IS_PRESENT | PM_PAGE_IS_SWAPPED};
    int n = ioctl(pagemap_fd, PM_SCAN_IOCTL, &req);
    if (n < 0) return count == 0 && runs->len == 0 ? -1 : 0;
    for (int i = 0; i < n; i++) {
      size_t first = (regions[i].start - (uintptr_t)base) / page, last = (regions[i].end - (uintptr_t)base) / page;
      if (!add_run(runs, first, last, &count, max_pages)) return 0;
    }
    if (req.walk_end <= start) return 0; /* no progress: do not loop */
    start = req.walk_end;
  }
  return 1;
}

static bool entry_written(uint64_t entry) {
  bool present = (entry >> 63) & 1, swapped = (entry >> 62) & 1, file = (entry >> 61) & 1;
  return swapped || (present && !file);
}

static bool read_entries(const uint8_t *base, size_t npages, size_t page, size_t max_pages, wasm_page_runs *runs) {
  uint64_t entries[PAGEMAP_CHUNK];
  size_t count = 0;
  for (size_t at = 0; at < npages; at += PAGEMAP_CHUNK) {
    size_t n = npages - at < PAGEMAP_CHUNK ? npages - at : PAGEMAP_CHUNK;
    off_t offset = (off_t)(((uintptr_t)base / page + at) * sizeof(uint64_t));
    if (pread(pagemap_fd, entries, n * sizeof(uint64_t), offset) != (ssize_t)(n * sizeof(uint64_t))) return false;
    for (size_t k = 0; k < n; k++)
      if (entry_written(entries[k]) && !add_run(runs, at + k, at + k + 1, &count, max_pages)) return false;
  }
  return true;
}

bool wasm_written_pages(const uint8_t *base, size_t npages, size_t max_pages, wasm_page_runs *runs) {
  pthread_once(&pagemap_once, open_pagemap);
  if (pagemap_fd < 0) return false;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (!scan_unsupported) {
    int scanned = scan(base, npages, page, max_pages, runs);
    if (scanned >= 0) return scanned == 1;
    scan_unsupported = 1;
  }
  return read_entries(base, npages, page, max_pages, runs);
}

bool wasm_page_faults(uint64_t *count) {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return false;
  *count = (uint64_t)usage.ru_minflt + (uint64_t)usage.ru_majflt;
  return true;
}
