/* The compiled-module cache (issue 14): what loading an input (a component or a core module)
 * costs beyond decoding, kept in a file so the next process skips it.
 *
 * With lazy translation (compile.h) loading a module is decode, validate and memory images, and
 * each function is translated (internal code, then machine code) on its first call. The file
 * keeps the outcome of validation, the images and every function's translation, so a load from
 * it is decode alone, with the images mapped copy-on-write straight from the file (the page
 * cache shares them between processes), and a function's first call copies its code from the
 * file (internal code, and machine code with its relocations applied, native.h) instead of
 * translating it: microseconds, not the milliseconds translation takes. Writing a file therefore
 * translates every function, as an ahead-of-time compiler would: `warren compile`, and a process
 * that misses the cache directory (once per input and build; about a second for a 13 MB
 * componentize-js component). A function that cannot be stored (one with exception handlers) or
 * fails its checks is translated as without a file.
 *
 * Files are named by the content hash of the input, this build and the enabled features, in a
 * directory ($XDG_CACHE_HOME/warren by default). A file is never trusted blindly: its header must carry
 * the magic, this format version, this build's id, the same features and the same input (size
 * and hash), its payload must match its checksum, and every table entry must lie within the
 * file and agree with the module being loaded; anything else is rejected with a note saying
 * why, and the input is loaded from scratch and the file rewritten. The code area is checked a
 * function at a time, on first use (checksum, relocations in bounds: a failing function is
 * translated instead), so that loading does not read all of it. As the file holds code that
 * will run, a cache directory or file not owned by the effective user, or writable by group or
 * others, is not used. The directory is kept under a size limit, least recently used files
 * deleted first (cache_dir.h). `warren compile` writes the same format with the input inside, a file
 * that runs alone; named on the command line, it is trusted as the wasm it replaces would be,
 * and checked whole (every function) when opened.
 *
 * Layout (host byte order; the build id pins the host, the native target the CPU extensions): a
 * 160-byte header (with its own checksum and the payload's), the module table (one 32-byte entry
 * per core module, in load order), the image table (one 40-byte entry per defined memory), the
 * function table (one 64-byte entry per defined function of the modules that store code), then
 * each image at a 4 KiB-aligned offset, then the input when embedded (the payload's checksum
 * covers all this), then the code area: per function its internal code words, constant pool,
 * relocations and machine code, with a checksum in its entry. */
#ifndef WARREN_WASM_CACHE_H
#define WARREN_WASM_CACHE_H

#include <string.h>

#include "content_hash.h"
#include "module.h"

/* The file's fields, in host byte order at any alignment (the loader, its fuzzer and tests). */
static inline uint32_t wasm_cache_get32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline uint64_t wasm_cache_get64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

#define WASM_CACHE_MAGIC "WRNCWASM"
#define WASM_CACHE_FORMAT_VERSION 3u
#define WASM_CACHE_HEADER_SIZE 160u
#define WASM_CACHE_MODULE_ENTRY 32u
#define WASM_CACHE_IMAGE_ENTRY 40u
#define WASM_CACHE_FUNC_ENTRY 64u
#define WASM_CACHE_ALIGN 4096u
/* Largest file the loader reads. */
#define WASM_CACHE_MAX_FILE ((uint64_t)4 << 30)

typedef struct wasm_cache_session wasm_cache_session;

/* $XDG_CACHE_HOME/warren, else $HOME/.cache/warren (wr_free it), or NULL when neither is set. */
char *wasm_cache_default_dir(void);

/* Starts loading `input` through the cache directory `dir` on this thread: until wasm_cache_end,
 * the wasm_module_load calls on this thread use the file named after the input when it is valid
 * (they skip validation and map their images from it), or else record what the file needs.
 * When a file was there but rejected, `note` says why (else it is ""). The input must stay
 * valid until wasm_cache_end. Never fails: without a usable directory it just records. */
wasm_cache_session *wasm_cache_begin(const char *dir, const uint8_t *input, size_t size, const wasm_features *features,
                                     char *note, size_t note_size);
/* `warren compile`: records the load and writes it to `path`, with the input inside. */
wasm_cache_session *wasm_cache_begin_compile(const char *path, const uint8_t *input, size_t size,
                                             const wasm_features *features);
/* A precompiled file (wasm_cache_is_precompiled): validates all of it and copies its input to
 * *input (wr_free it), to be loaded within the session. A file compiled by another build or
 * with other features still runs: its input is loaded from scratch, and `note` says so. NULL +
 * err when it is corrupt or not a precompiled file. */
wasm_cache_session *wasm_cache_begin_precompiled(const char *path, const wasm_features *features, uint8_t **input,
                                                 size_t *input_size, char *note, size_t note_size, wr_error *err);
/* Ends the session. If the loads succeeded (`loaded`) and the file is to be (re)written, writes
 * it through a temporary file and a rename, so readers never see half of one: false + err when
 * that fails (the loaded modules are fine either way). */
bool wasm_cache_end(wasm_cache_session *session, bool loaded, wr_error *err);
/* The cache directory's bound (cache_dir.h) for the trim after this session writes a file into
 * it: WASM_CACHE_DEFAULT_MAX_SIZE unless set; 0 for none. */
void wasm_cache_set_max_size(wasm_cache_session *session, uint64_t max_bytes);
/* Whether the session found and used a valid file (for tests and `-v` output). */
bool wasm_cache_hit(const wasm_cache_session *session);
bool wasm_cache_is_precompiled(const uint8_t *bytes, size_t size);

/* ---- for wasm_module_load ---- */
typedef struct wasm_cache_entry wasm_cache_entry;
wasm_cache_session *wasm_cache_current(void);
/* The file's entry for this module (the next one loaded), or NULL when there is none or it does
 * not match: then the module is validated and its images built as usual. */
const wasm_cache_entry *wasm_cache_next(wasm_cache_session *session, const wasm_module *module);
/* Sets module->code->images from the entry's; false when they cannot be mapped (build them). */
bool wasm_cache_install_images(wasm_cache_session *session, const wasm_cache_entry *entry, wasm_module *module);
/* Gives a module set up for lazy translation the entry's stored functions (module->code->cached). */
void wasm_cache_install_code(wasm_cache_session *session, const wasm_cache_entry *entry, wasm_module *module);
/* Remembers what the file needs of a module just loaded (when the session writes): translates
 * every function of it. */
void wasm_cache_record(wasm_cache_session *session, const wasm_module *module);

/* ---- for lazy translation (lazy.c) ---- */
struct wasm_native_piece;
struct wasm_compiled_func;
struct wasm_cached_code;
/* Defined function def_index's internal code from the file, copied into `out` (its code, init
 * and frame layout; ready untouched); false when the file does not hold it or it fails a check. */
bool wasm_cached_internal(const wasm_module *module, uint32_t def_index, struct wasm_compiled_func *out);
/* Its machine code as stored (to relocate, wasm_native_install), when the file holds it for this
 * host; false else. */
bool wasm_cached_piece(const wasm_module *module, uint32_t def_index, struct wasm_native_piece *out);
void wasm_cached_code_free(struct wasm_cached_code *cached);

/* ---- the file format, for the loader and its fuzzer ---- */
/* Offsets in the header, in a module entry and in a function entry, and a function entry's flags. */
enum {
  WASM_CACHE_H_MAGIC = 0, WASM_CACHE_H_VERSION = 8, WASM_CACHE_H_HEADER_SIZE = 12, WASM_CACHE_H_BUILD_ID_LEN = 16,
  WASM_CACHE_H_FEATURES = 20, WASM_CACHE_H_BUILD_ID = 24, WASM_CACHE_H_INPUT_SIZE = 56, WASM_CACHE_H_INPUT_HASH = 64,
  WASM_CACHE_H_PAYLOAD_SIZE = 80, WASM_CACHE_H_INPUT_OFFSET = 88, WASM_CACHE_H_NMODULES = 96,
  WASM_CACHE_H_NIMAGES = 100, WASM_CACHE_H_FLAGS = 104, WASM_CACHE_H_NATIVE_TARGET = 108,
  WASM_CACHE_H_CODE_OFFSET = 112, WASM_CACHE_H_NFUNCS = 120, WASM_CACHE_H_RESERVED = 124,
  WASM_CACHE_H_PAYLOAD_HASH = 128, WASM_CACHE_H_HEADER_HASH = 144
};
/* module entry: size u64, nfuncs, nmemories, first_image, ncode (0 or nfuncs: the functions
 * stored), first_func (into the function table), reserved */
enum {
  WASM_CACHE_M_SIZE = 0, WASM_CACHE_M_NFUNCS = 8, WASM_CACHE_M_NMEMORIES = 12, WASM_CACHE_M_FIRST_IMAGE = 16,
  WASM_CACHE_M_NCODE = 20, WASM_CACHE_M_FIRST_FUNC = 24
};
/* function entry: where its blob is in the code area (internal code words, constant pool,
 * relocations, machine code, in that order) and the blob's checksum, then the sizes and frame
 * layout, then flags */
enum {
  WASM_CACHE_F_BLOB = 0, WASM_CACHE_F_HASH = 8, WASM_CACHE_F_CODE_LEN = 24, WASM_CACHE_F_INIT_LEN = 28,
  WASM_CACHE_F_NRELOCS = 32, WASM_CACHE_F_PIECE_SIZE = 36, WASM_CACHE_F_ENTRY_AT = 40, WASM_CACHE_F_NPARAM = 44,
  WASM_CACHE_F_NRESULT = 48, WASM_CACHE_F_NLOCAL = 52, WASM_CACHE_F_FRAME = 56, WASM_CACHE_F_FLAGS = 60
};
/* flags: its internal code is stored, and its machine code */
enum { WASM_CACHE_FUNC_INTERNAL = 1, WASM_CACHE_FUNC_NATIVE = 2 };
typedef struct wasm_cache_view {
  uint32_t nmodules, nimages, nfuncs;
  const uint8_t *modules, *images, *funcs; /* the three tables, bounds-checked */
  uint64_t code_offset;                     /* where the code area starts (the file's size: none) */
  uint32_t native_target;                   /* what its machine code is for (wasm_native_target) */
  const uint8_t *input;            /* the embedded input, or NULL */
  uint64_t input_size;             /* the input's, embedded or not */
  wasm_hash128 input_hash;
  uint32_t features;
  bool same_build; /* the build id is this build's */
} wasm_cache_view;
enum { WASM_CACHE_SKIP_CHECKSUM = 1 }; /* fuzzing: reach the tables without a valid checksum */
/* Checks a whole file but its code area: header, checksum and tables (every offset and size
 * within the file, images aligned and page-sized, each function's blob inside the code area and
 * its frame layout possible). False + err with what is wrong. */
bool wasm_cache_parse(const uint8_t *file, size_t size, unsigned flags, wasm_cache_view *view, wr_error *err);
/* Checks function `index` of module `module` of a parsed file: its blob's checksum and every
 * relocation (in its machine code, of a known kind, naming an index that exists). */
bool wasm_cache_check_function(const uint8_t *file, const wasm_cache_view *view, uint32_t module, uint32_t index,
                               unsigned flags, wr_error *err);
uint32_t wasm_cache_features_bits(const wasm_features *features);

#endif
