/* Linear memories. On 64-bit hosts a 32-bit memory reserves its whole reachable address
 * range (WASM_MEMORY_RESERVATION) as PROT_NONE and makes the accessible prefix read-write,
 * so growing never moves it and accesses need no bounds check. Elsewhere the bytes are
 * plainly allocated and the interpreter checks every access. */
#include <string.h>
#include <sys/mman.h>

#include "../base/alloc.h"
#include "engine.h"
#include "image.h"

#if WASM_GUARDED_MEMORY
/* Reservations are kept for reuse per thread: mapping and unmapping 8 GiB of address space
 * costs more than the rest of instantiating a small module. A returned reservation has its
 * used prefix replaced by fresh PROT_NONE pages (dropping its contents and any image
 * mapping), so it is indistinguishable from a new one. */
enum { RESERVATION_CACHE = 16 };
static _Thread_local struct {
  uint8_t *base[RESERVATION_CACHE];
  unsigned count;
} reservations;

static uint8_t *reservation_take(void) {
  if (reservations.count) return reservations.base[--reservations.count];
  void *p = mmap(NULL, WASM_MEMORY_RESERVATION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void reservation_give(uint8_t *base, uint64_t used) {
  if (reservations.count < RESERVATION_CACHE &&
      (used == 0 || mmap(base, used, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) !=
                        MAP_FAILED)) {
    reservations.base[reservations.count++] = base;
    return;
  }
  munmap(base, WASM_MEMORY_RESERVATION);
}
#endif

static uint64_t max_pages_of(const wasm_memtype *type) {
  uint64_t max = WASM_MAX_PAGES;
  if (type->limits.has_max && type->limits.max < max) max = type->limits.max;
  return max;
}

static wasm_memory *memory_alloc(const wasm_store *store, const wasm_memtype *type, wr_error *err) {
  /* A 64-bit memory lives in the same reservation as a 32-bit one, so it too is capped at
   * 4 GiB (memory.grow past it answers -1); its accesses are bounds-checked instead. */
  if (type->limits.min > WASM_MAX_PAGES) {
    wr_error_set(err, "memory size must be at most 65536 pages (4GiB)%s",
                 type->limits.is64 ? ", the limit Warren sets on 64-bit memories too" : "");
    return NULL;
  }
  uint64_t cap = store->max_memory_bytes;
  if (cap && type->limits.min * WASM_PAGE_SIZE > cap) {
    wr_error_set(err, "memory minimum of %llu pages (%llu bytes) exceeds the limit of %llu bytes (max-memory-size)",
                 (unsigned long long)type->limits.min, (unsigned long long)(type->limits.min * WASM_PAGE_SIZE),
                 (unsigned long long)cap);
    return NULL;
  }
  wasm_memory *m = WR_NEW(wasm_memory);
  m->type = *type;
  m->max_pages = max_pages_of(type);
  /* the store's cap bounds growth, so memory.grow past it answers -1 as past a declared maximum */
  if (cap && cap / WASM_PAGE_SIZE < m->max_pages) m->max_pages = cap / WASM_PAGE_SIZE;
  return m;
}

/* Reserves the address space and makes the initial pages accessible. */
static bool memory_map(wasm_memory *m, wr_error *err) {
#if WASM_GUARDED_MEMORY
  uint8_t *p = reservation_take();
  if (!p) {
    wr_error_set(err, "cannot reserve address space for a linear memory");
    return false;
  }
  m->base = p;
  m->reserved = WASM_MEMORY_RESERVATION;
#endif
  if (!wasm_memory_grow_to(m, m->type.limits.min)) {
    wasm_memory_release(m);
    wr_error_set(err, "cannot allocate %llu pages of linear memory", (unsigned long long)m->type.limits.min);
    return false;
  }
  return true;
}

wasm_memory *wasm_memory_new(wasm_store *store, const wasm_memtype *type, wr_error *err) {
  wasm_memory *m = memory_alloc(store, type, err);
  if (!m) return NULL;
  if (!memory_map(m, err)) {
    wr_free(m);
    return NULL;
  }
  WR_VEC_PUSH(&store->memories, m);
  return m;
}

wasm_memory *wasm_memory_new_from_image(wasm_store *store, const wasm_memtype *type,
                                        const struct wasm_memory_image *image, wr_error *err) {
  wasm_memory *m = memory_alloc(store, type, err);
  if (!m) return NULL;
  m->image = image;
  if (!wasm_image_take_slot(image, m)) {
    if (!memory_map(m, err)) {
      wr_free(m);
      return NULL;
    }
    if (!wasm_image_install(image, m)) {
      wasm_memory_release(m);
      wr_free(m);
      wr_error_set(err, "cannot map the initial contents of a linear memory");
      return NULL;
    }
  }
  WR_VEC_PUSH(&store->memories, m);
  return m;
}

bool wasm_memory_grow_to(wasm_memory *m, uint64_t new_pages) {
  if (new_pages > m->max_pages) return false;
  uint64_t new_size = new_pages * WASM_PAGE_SIZE;
  if (new_size == m->size) return true;
#if WASM_GUARDED_MEMORY
  if (mprotect(m->base + m->size, new_size - m->size, PROT_READ | PROT_WRITE) != 0) return false;
#else
  if (new_size > SIZE_MAX) return false;
  uint8_t *p = realloc(m->base, new_size);
  if (!p) return false;
  memset(p + m->size, 0, new_size - m->size);
  m->base = p;
  m->reserved = new_size;
#endif
  m->size = new_size;
  return true;
}

void wasm_memory_release(wasm_memory *m) {
#if WASM_GUARDED_MEMORY
  if (m->base && !(m->image && wasm_image_give_slot(m->image, m))) reservation_give(m->base, m->size);
#else
  free(m->base);
#endif
  m->base = NULL;
}

uint8_t *wasm_memory_data(wasm_memory *memory) { return memory->base; }
uint64_t wasm_memory_size_bytes(const wasm_memory *memory) { return memory->size; }

int64_t wasm_memory_grow(wasm_memory *memory, uint64_t delta_pages) {
  uint64_t old = memory->size / WASM_PAGE_SIZE;
  if (delta_pages > memory->max_pages - old) return -1;
  if (!wasm_memory_grow_to(memory, old + delta_pages)) return -1;
  return (int64_t)old;
}

wasm_memtype wasm_memory_type(const wasm_memory *memory) {
  wasm_memtype t = memory->type;
  t.limits.min = memory->size / WASM_PAGE_SIZE;
  return t;
}
