/* The compiled-module cache (issue 14): what loading an input (a component or a core module)
 * costs beyond decoding, kept in a file so the next process skips it.
 *
 * With lazy translation (compile.h) loading a module is decode, validate and memory images; the
 * file keeps the outcome of validation and the images, so a load from it is decode alone, with
 * the images mapped copy-on-write straight from the file (the page cache shares them between
 * processes). No machine code is stored: functions are still translated on first call.
 *
 * Files are named by the content hash of the input, this build and the enabled features, in a
 * directory ($XDG_CACHE_HOME/warren by default). A file is never trusted blindly: its header must carry
 * the magic, this format version, this build's id, the same features and the same input (size
 * and hash), its payload must match its checksum, and every table entry must lie within the
 * file and agree with the module being loaded; anything else is rejected with a note saying
 * why, and the input is loaded from scratch and the file rewritten. `warren compile` writes the
 * same format with the input inside, a file that runs alone.
 *
 * Layout (host byte order; the build id pins the host): a 144-byte header (with its own
 * checksum and the payload's), the module table
 * (one 24-byte entry per core module, in load order), the image table (one 40-byte entry per
 * defined memory), then each image at a 4 KiB-aligned offset, then the input when embedded. */
#ifndef WARREN_WASM_CACHE_H
#define WARREN_WASM_CACHE_H

#include "content_hash.h"
#include "module.h"

#define WASM_CACHE_MAGIC "WRNCWASM"
#define WASM_CACHE_FORMAT_VERSION 1u
#define WASM_CACHE_HEADER_SIZE 144u
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
/* Remembers what the file needs of a module just loaded (when the session writes). */
void wasm_cache_record(wasm_cache_session *session, const wasm_module *module);

/* ---- the file format, for the loader and its fuzzer ---- */
typedef struct wasm_cache_view {
  uint32_t nmodules, nimages;
  const uint8_t *modules, *images; /* the two tables, bounds-checked */
  const uint8_t *input;            /* the embedded input, or NULL */
  uint64_t input_size;             /* the input's, embedded or not */
  wasm_hash128 input_hash;
  uint32_t features;
  bool same_build; /* the build id is this build's */
} wasm_cache_view;
enum { WASM_CACHE_SKIP_CHECKSUM = 1 }; /* fuzzing: reach the tables without a valid checksum */
/* Checks a whole file: header, checksum and tables (every offset and size within the file, images
 * aligned and page-sized). False + err with what is wrong. */
bool wasm_cache_parse(const uint8_t *file, size_t size, unsigned flags, wasm_cache_view *view, wr_error *err);
uint32_t wasm_cache_features_bits(const wasm_features *features);

#endif
