/* Which pages of a private mapping a process wrote since it was mapped: those no longer backed
 * by the file (copied on write) or by nothing (zero-fill), as runs of page indices. */
#ifndef WARREN_WASM_WRITTEN_PAGES_H
#define WARREN_WASM_WRITTEN_PAGES_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/vec.h"

typedef struct wasm_page_run {
  uint32_t first, end; /* page indices from the start of the range, end exclusive */
} wasm_page_run;
typedef WR_VEC(wasm_page_run) wasm_page_runs;

/* Appends the written pages of [base, base + npages pages) to runs; false when the kernel cannot
 * tell or more than max_pages were written (the caller then resets the whole range). */
bool wasm_written_pages(const uint8_t *base, size_t npages, size_t max_pages, wasm_page_runs *runs);

/* The page faults of this process so far, every thread's, minor and major. A page of a private
 * mapping stops being the file's (or nothing) only through a fault, counted whoever causes it:
 * the guest's own store, the kernel writing for a system call, or get_user_pages. So while
 * this count has not moved, the written pages found earlier are still all the written pages,
 * and asking the kernel again (wasm_written_pages walks every page table entry) can be skipped. */
bool wasm_page_faults(uint64_t *count); /* false when the count cannot be read */

#endif
