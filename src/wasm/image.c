/* Memory images (image.h). */
#include "image.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "../base/vec.h"
#include "compile.h"
#include "reader.h"
#include "written_pages.h"

/* A reservation reset to the image and kept, with what is known of its pages. */
typedef struct wasm_image_slot {
  uint8_t *base;
  wasm_page_runs written; /* its pages that are not the image's, as they were when */
  uint64_t faults;        /* the process had taken this many page faults (written_pages.h) */
  bool known;             /* whether `written` and `faults` hold anything */
} wasm_image_slot;

/* Reset reservations kept per image, shared by the threads instantiating the module. */
enum { IMAGE_SLOTS = 32 };
struct wasm_image_slots {
  pthread_mutex_t lock;
  wasm_image_slot *slot[IMAGE_SLOTS];
  unsigned count;
};

static _Atomic uint64_t page_walks;
uint64_t wasm_image_page_walks(void) { return page_walks; }

static void slot_free(wasm_image_slot *slot) {
  WR_VEC_FREE(&slot->written);
  wr_free(slot);
}

bool wasm_constant_offset(const wasm_module *m, wasm_constexpr expr, uint32_t *out) {
  wr_error ignored;
  wasm_reader r = wasm_reader_at(m->bytes, expr.offset, (size_t)expr.offset + expr.len, &ignored);
  uint8_t op, end;
  int32_t v;
  if (!wasm_read_u8(&r, &op) || op != WASM_OPCODE_i32_const || !wasm_read_s32(&r, &v)) return false;
  if (!wasm_read_u8(&r, &end) || end != WASM_OPCODE_end || r.pos != r.end) return false;
  *out = (uint32_t)v;
  return true;
}

static uint64_t host_page_round(uint64_t n) {
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  return (n + page - 1) / page * page;
}

/* The image of defined memory `index` (memory index space: imports first). */
static void build_one(const wasm_module *m, uint32_t defined, wasm_memory_image *image) {
  uint32_t mem_index = m->nmemory_imports + defined;
  const wasm_memtype *type = &m->memories[defined];
  if (type->limits.is64) return;
  uint64_t initial = type->limits.min * WASM_PAGE_SIZE, end = 0;
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const wasm_data_segment *seg = &m->datas[i];
    if (seg->mode != WASM_SEG_ACTIVE || seg->memory != mem_index) continue;
    uint32_t offset;
    if (!wasm_constant_offset(m, seg->offset, &offset) || (uint64_t)offset + seg->data_len > initial) return;
    if (seg->data_len && (uint64_t)offset + seg->data_len > end) end = (uint64_t)offset + seg->data_len;
  }
  image->present = true;
  image->fd = -1;
  image->size = host_page_round(end);
  image->initial = initial;
  if (image->size == 0) return;
  int fd = memfd_create("warren-memory-image", MFD_CLOEXEC);
  uint8_t *bytes = NULL;
  if (fd >= 0 && ftruncate(fd, (off_t)image->size) == 0) {
    void *p = mmap(NULL, image->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    bytes = p == MAP_FAILED ? NULL : p;
  }
  if (!bytes) {
    if (fd >= 0) close(fd);
    fd = -1;
    bytes = wr_calloc(1, image->size);
  }
  for (uint32_t i = 0; i < m->ndatas; i++) {
    const wasm_data_segment *seg = &m->datas[i];
    uint32_t offset;
    if (seg->mode != WASM_SEG_ACTIVE || seg->memory != mem_index || !seg->data_len) continue;
    wasm_constant_offset(m, seg->offset, &offset);
    memcpy(bytes + offset, m->bytes + seg->data_offset, seg->data_len);
  }
  if (fd >= 0) {
    mprotect(bytes, image->size, PROT_READ);
    image->slots = WR_NEW(wasm_image_slots);
    pthread_mutex_init(&image->slots->lock, NULL);
  }
  image->fd = fd;
  image->bytes = bytes;
}

void wasm_images_build(wasm_module *module) {
  struct wasm_code *code = module->code;
  code->images = WR_NEW_ARRAY(wasm_memory_image, module->nmemories ? module->nmemories : 1);
  code->nimages = module->nmemories;
  for (uint32_t i = 0; i < module->nmemories; i++) build_one(module, i, &code->images[i]);
}

bool wasm_image_from_file(wasm_memory_image *image, int fd, uint64_t offset, uint64_t size, uint64_t initial) {
  memset(image, 0, sizeof *image);
  image->present = true;
  image->fd = -1;
  image->size = size;
  image->initial = initial;
  if (size == 0) return true;
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return false;
  void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, own, (off_t)offset);
  if (p == MAP_FAILED) {
    close(own);
    return false;
  }
  image->fd = own;
  image->file_offset = offset;
  image->bytes = p;
  image->slots = WR_NEW(wasm_image_slots);
  pthread_mutex_init(&image->slots->lock, NULL);
  return true;
}

void wasm_images_free(struct wasm_code *code) {
  if (!code->images) return;
  for (uint32_t i = 0; i < code->nimages; i++) {
    wasm_memory_image *image = &code->images[i];
    if (!image->bytes) continue;
    if (image->fd >= 0) {
      munmap(image->bytes, image->size);
      close(image->fd);
      for (unsigned k = 0; image->slots && k < image->slots->count; k++) {
        munmap(image->slots->slot[k]->base, WASM_MEMORY_RESERVATION);
        slot_free(image->slots->slot[k]);
      }
      if (image->slots) pthread_mutex_destroy(&image->slots->lock);
      wr_free(image->slots);
    } else {
      wr_free(image->bytes);
    }
  }
  wr_free(code->images);
  code->images = NULL;

}

bool wasm_image_install(const wasm_memory_image *image, wasm_memory *memory) {
  if (image->size == 0) return true;
#if WASM_GUARDED_MEMORY
  if (image->fd >= 0) {
    void *p = mmap(memory->base, image->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, image->fd,
                   (off_t)image->file_offset);
    return p != MAP_FAILED;
  }
#endif
  memcpy(memory->base, image->bytes, image->size);
  return true;
}

bool wasm_image_take_slot(const wasm_memory_image *image, wasm_memory *memory) {
#if WASM_GUARDED_MEMORY
  wasm_image_slots *slots = image->slots;
  if (!slots) return false;
  pthread_mutex_lock(&slots->lock);
  wasm_image_slot *slot = slots->count ? slots->slot[--slots->count] : NULL;
  pthread_mutex_unlock(&slots->lock);
  if (!slot) return false;
  memory->image_slot = slot;
  memory->base = slot->base;
  memory->reserved = WASM_MEMORY_RESERVATION;
  memory->size = image->initial;
  return true;
#else
  (void)image, (void)memory;
  return false;
#endif
}

#if WASM_GUARDED_MEMORY
/* Resetting by copying back only what the guest wrote. A page of the private file mapping
 * that the guest wrote became anonymous; one it only read still maps the image. Zapping every
 * page (MADV_DONTNEED) would make the next instance fault all of them in again, the read ones
 * included, and copy-on-write the written ones again: for a StarlingMonkey request that is
 * ~100 faults and ~550 unmapped pages. Copying the image over the written pages instead keeps
 * every page mapped, so the next instance touches them without a fault. The kernel's page
 * tables tell the two kinds apart (written_pages.c), but walking them costs ~10 ns a page
 * (25 us for StarlingMonkey's 2,320), more than the copy; so when no page fault has happened
 * in the process since the slot's last walk, the pages it found are reused: a written page
 * stays written, and a new one needs a fault. */
/* Beyond this many written pages zapping the range is cheaper than copying the image back. */
enum { MAX_COPIED_PAGES = 4096 };
/* From this many pages on, a reset asks for the fault count before it walks the page tables. */
enum { MIN_PAGES_TO_COUNT_FAULTS = 256 };

/* Whether `slot` (its pages at `base`) was reset to the image. */
static bool restore_written_pages(const wasm_memory_image *image, wasm_image_slot *slot) {
  if (image->fd < 0 || !image->bytes) return false;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uint64_t faults = 0;
  /* reading the count is a system call (~1.5 us here): for a small memory the walk is cheaper */
  bool counted = image->initial / page >= MIN_PAGES_TO_COUNT_FAULTS && wasm_page_faults(&faults);
  if (!(counted && slot->known && slot->faults == faults)) {
    slot->known = false;
    slot->written.len = 0;
    page_walks++;
    if (!wasm_written_pages(slot->base, image->initial / page, MAX_COPIED_PAGES, &slot->written)) {
      /* every page back to the image or to nothing: none is written now */
      slot->written.len = 0;
      if (madvise(slot->base, image->initial, MADV_DONTNEED) != 0) return false;
      slot->known = counted;
      slot->faults = faults;
      return true;
    }
  }
  for (size_t i = 0; i < slot->written.len; i++) {
    uint64_t from = (uint64_t)slot->written.items[i].first * page, to = (uint64_t)slot->written.items[i].end * page;
    uint64_t image_end = to < image->size ? to : image->size; /* the image's part, then zeros */
    uint64_t zeros_from = from > image_end ? from : image_end;
    if (from < image_end) memcpy(slot->base + from, image->bytes + from, image_end - from);
    if (zeros_from < to) memset(slot->base + zeros_from, 0, to - zeros_from);
  }
  slot->known = counted;
  slot->faults = faults;
  return true;
}
#endif

bool wasm_image_give_slot(const wasm_memory_image *image, wasm_memory *memory) {
#if WASM_GUARDED_MEMORY
  wasm_image_slot *slot = memory->image_slot;
  memory->image_slot = NULL;
  if (!slot) {
    slot = WR_NEW(wasm_image_slot);
    slot->base = memory->base;
  }
  wasm_image_slots *slots = image->slots;
  bool kept = false;
  /* what the guest grew goes back to inaccessible, untouched pages */
  uint64_t grown = memory->size >= image->initial ? memory->size - image->initial : 0;
  if (slots && memory->size >= image->initial &&
      (!grown || mmap(memory->base + image->initial, grown, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) != MAP_FAILED) &&
      restore_written_pages(image, slot)) {
    pthread_mutex_lock(&slots->lock);
    kept = slots->count < IMAGE_SLOTS;
    if (kept) slots->slot[slots->count++] = slot;
    pthread_mutex_unlock(&slots->lock);
  }
  if (!kept) {
    slot_free(slot);
    return false;
  }
  memory->base = NULL;
  return true;
#else
  (void)image, (void)memory;
  return false;
#endif
}
