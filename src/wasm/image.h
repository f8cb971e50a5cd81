/* Memory images: the initial contents of a module's defined memories, built once when the
 * module is loaded, so that instantiating maps them copy-on-write instead of copying every
 * active data segment again (a StarlingMonkey component has 10,000 of them).
 *
 * A defined memory gets an image when every active data segment aimed at it has a plain
 * `i32.const` offset and fits in the memory's initial size: then applying the segments can
 * neither trap nor depend on imports, and the result is the same for every instance. */
#ifndef WARREN_WASM_IMAGE_H
#define WARREN_WASM_IMAGE_H

#include "engine.h"

typedef struct wasm_image_slots wasm_image_slots;

typedef struct wasm_memory_image {
  bool present;     /* false: this memory's segments are applied one by one */
  int fd;           /* memfd (or cache file, cache.h) holding the bytes, or -1 (then `bytes` only) */
  uint64_t file_offset; /* where in fd the bytes start (0 for a memfd) */
  uint8_t *bytes;   /* the image, mapped read-only (or allocated when memfd is unavailable) */
  uint64_t size;    /* bytes in the image: the last non-zero byte, rounded up to host pages */
  uint64_t initial; /* the memory's initial size in bytes */
  /* Reservations that held this memory and were reset to the image (memfd images only):
   * reusing one skips mapping, since a private file mapping reset with MADV_DONTNEED reads the
   * file again. */
  wasm_image_slots *slots;
} wasm_memory_image;

/* The offset of an `i32.const N end` expression (a segment's); false for anything else. */
bool wasm_constant_offset(const wasm_module *m, wasm_constexpr expr, uint32_t *out);
/* Builds the images of every defined memory (module->code must exist); never fails: a memory
 * that cannot have one simply has none. */
void wasm_images_build(wasm_module *module);
void wasm_images_free(struct wasm_code *code);
/* An image whose bytes are `size` bytes of file `fd` at `offset` (page-aligned), as a cache file
 * holds them (cache.h): the file is mapped, not copied. False when it cannot be mapped. */
bool wasm_image_from_file(wasm_memory_image *image, int fd, uint64_t offset, uint64_t size, uint64_t initial);
/* Puts the image's bytes at the start of a fresh memory (its size is the memory's initial
 * size): a private file mapping over the guarded reservation, or a copy. */
bool wasm_image_install(const wasm_memory_image *image, wasm_memory *memory);
/* A fresh memory for `image` from its reset slots (base, size and protections ready), or false
 * when none is kept. */
bool wasm_image_take_slot(const wasm_memory_image *image, wasm_memory *memory);
/* Resets a memory made from `image` to the image and keeps its reservation for the next
 * instance; false when it cannot be kept (the caller releases it). */
bool wasm_image_give_slot(const wasm_memory_image *image, wasm_memory *memory);
/* How many resets so far asked the kernel which pages were written (the rest reused what an
 * earlier reset of the same reservation found): for tests and benchmarks. */
uint64_t wasm_image_page_walks(void);

#endif
