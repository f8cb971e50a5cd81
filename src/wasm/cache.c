/* The compiled-module cache (see cache.h). */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "../base/vec.h"
#include "cache_dir.h"
#include "compile.h"
#include "image.h"
#include "native.h"

enum { BUILD_ID_MAX = 32, FLAG_INPUT_EMBEDDED = 1 };
enum { RELOC_SIZE = 12, FRAME_SLOTS_MAX = 1u << 24 };

static bool same_hash(const uint8_t *stored, wasm_hash128 h) {
  wasm_hash128 want;
  memcpy(&want, stored, sizeof want);
  return want.lo == h.lo && want.hi == h.hi;
}

struct wasm_cache_entry {
  uint64_t size;
  uint32_t nfuncs, nmemories, first_image, ncode, first_func;
};
/* A mapped file, shared by the session and the modules whose code it holds (they outlive it). */
typedef struct cache_map {
  atomic_uint refs;
  uint8_t *bytes;
  size_t size;
} cache_map;
/* What a module's code (compile.h) keeps of the file: its functions' entries. */
struct wasm_cached_code {
  cache_map *map;
  const uint8_t *funcs; /* nfuncs entries */
  uint32_t nfuncs;
  bool pieces;  /* the machine code is this host's (wasm_native_target) */
  bool checked; /* every function was checked when the file was opened (a precompiled file) */
};
typedef WR_VEC(uint8_t) byte_vec;
typedef struct cache_image {
  bool present;
  uint64_t initial, size, offset;
  const uint8_t *bytes; /* writing: a copy of the image */
} cache_image;

struct wasm_cache_session {
  char *path;        /* the file to read or write */
  bool write;        /* (re)write the file at the end */
  bool embed_input;  /* `warren compile` */
  bool in_cache_dir; /* the file is the cache directory's (wasm_cache_begin), not the user's */
  uint64_t max_dir_size; /* the directory's bound after a write (cache_dir.h; 0: none) */
  const uint8_t *input;
  size_t input_size;
  wasm_hash128 input_hash;
  uint32_t features;
  /* reading: the file, mapped, and its tables */
  bool hit;
  int fd;
  cache_map *map;
  uint32_t native_target; /* of the machine code in it */
  uint64_t code_offset;
  const uint8_t *funcs; /* the function table */
  bool checked;
  WR_VEC(struct wasm_cache_entry) modules;
  WR_VEC(cache_image) images;
  uint32_t next; /* modules loaded so far */
  bool failed;   /* writing: a module could not be recorded */
  /* writing: the function table (blob offsets relative to the code area) and the code area */
  byte_vec func_table, blob;
};

static _Thread_local wasm_cache_session *current;

wasm_cache_session *wasm_cache_current(void) { return current; }
bool wasm_cache_hit(const wasm_cache_session *session) { return session && session->hit; }
void wasm_cache_set_max_size(wasm_cache_session *session, uint64_t max_bytes) {
  if (session) session->max_dir_size = max_bytes;
}

bool wasm_cache_is_precompiled(const uint8_t *bytes, size_t size) {
  return size >= 8 && memcmp(bytes, WASM_CACHE_MAGIC, 8) == 0;
}

uint32_t wasm_cache_features_bits(const wasm_features *f) {
  return (uint32_t)f->simd | (uint32_t)f->tail_call << 1 | (uint32_t)f->extended_const << 2 |
         (uint32_t)f->multi_memory << 3 | (uint32_t)f->exceptions << 4 | (uint32_t)f->memory64 << 5;
}

/* ---- this build's id: the GNU build-id note of the object holding this code ---- */

static uint8_t build_id[BUILD_ID_MAX];
static uint32_t build_id_len;
static pthread_once_t build_id_once = PTHREAD_ONCE_INIT;

static bool note_build_id(const uint8_t *p, size_t size) {
  size_t at = 0;
  while (size - at >= 12) {
    uint32_t namesz, descsz, type;
    memcpy(&namesz, p + at, 4);
    memcpy(&descsz, p + at + 4, 4);
    memcpy(&type, p + at + 8, 4);
    size_t name_at = at + 12, desc_at = name_at + ((namesz + 3u) & ~3u);
    if (desc_at > size || descsz > size - desc_at) return false;
    if (type == 3 /* NT_GNU_BUILD_ID */ && namesz == 4 && memcmp(p + name_at, "GNU", 4) == 0) {
      build_id_len = descsz < BUILD_ID_MAX ? descsz : BUILD_ID_MAX;
      memcpy(build_id, p + desc_at, build_id_len);
      return true;
    }
    at = desc_at + ((descsz + 3u) & ~3u);
  }
  return false;
}

static int find_build_id(struct dl_phdr_info *info, size_t info_size, void *self) {
  WR_UNUSED(info_size);
  uintptr_t addr = (uintptr_t)self;
  bool mine = false;
  for (int i = 0; i < info->dlpi_phnum && !mine; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    mine = ph->p_type == PT_LOAD && addr >= start && addr - start < ph->p_memsz;
  }
  if (!mine) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_NOTE &&
        note_build_id((const uint8_t *)(info->dlpi_addr + ph->p_vaddr), (size_t)ph->p_memsz))
      return 1;
  }
  return 1;
}

static void compute_build_id(void) {
  dl_iterate_phdr(find_build_id, (void *)(uintptr_t)compute_build_id);
  if (build_id_len) return;
  /* linked without a build-id note: the compile time of this file, which changes with every build of it */
  static const char fallback[] = __DATE__ " " __TIME__;
  wasm_hash128 h = wasm_content_hash((const uint8_t *)fallback, sizeof fallback - 1);
  memcpy(build_id, &h, sizeof h);
  build_id_len = sizeof h;
}

/* ---- parsing ---- */

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A function's blob: its size from the entry's counts. */
static uint64_t blob_size(const uint8_t *e) {
  return (uint64_t)wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN) * 4 + (uint64_t)wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN) * 8 +
         (uint64_t)wasm_cache_get32(e + WASM_CACHE_F_NRELOCS) * RELOC_SIZE + wasm_cache_get32(e + WASM_CACHE_F_PIECE_SIZE);
}

/* One function entry: a layout the interpreter and native code can work on, a blob inside the
 * code area, machine code only for a host that has a native target. */
static bool check_func_entry(const uint8_t *e, size_t size, uint64_t code_offset, uint32_t native_target) {
  uint32_t flags = wasm_cache_get32(e + WASM_CACHE_F_FLAGS);
  if (flags == 0) {
    for (size_t k = 0; k < WASM_CACHE_FUNC_ENTRY; k++)
      if (e[k]) return false;
    return true;
  }
  if (flags != WASM_CACHE_FUNC_INTERNAL && flags != (WASM_CACHE_FUNC_INTERNAL | WASM_CACHE_FUNC_NATIVE)) return false;
  uint64_t nparam = wasm_cache_get32(e + WASM_CACHE_F_NPARAM), nresult = wasm_cache_get32(e + WASM_CACHE_F_NRESULT), nlocal = wasm_cache_get32(e + WASM_CACHE_F_NLOCAL),
           frame = wasm_cache_get32(e + WASM_CACHE_F_FRAME), init_len = wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN);
  if (wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN) == 0 || frame > FRAME_SLOTS_MAX || nparam > nlocal || nlocal > frame ||
      nresult > frame || nparam + init_len > frame)
    return false;
  bool native = flags & WASM_CACHE_FUNC_NATIVE;
  uint32_t piece = wasm_cache_get32(e + WASM_CACHE_F_PIECE_SIZE), entry_at = wasm_cache_get32(e + WASM_CACHE_F_ENTRY_AT);
  if (native ? native_target == 0 || entry_at >= piece : piece || entry_at || wasm_cache_get32(e + WASM_CACHE_F_NRELOCS)) return false;
  uint64_t at = wasm_cache_get64(e + WASM_CACHE_F_BLOB);
  return at >= code_offset && at <= size && blob_size(e) <= size - at;
}

bool wasm_cache_check_function(const uint8_t *file, const wasm_cache_view *view, uint32_t module, uint32_t index,
                               unsigned flags, wr_error *err) {
  const uint8_t *m = module < view->nmodules ? view->modules + (size_t)module * WASM_CACHE_MODULE_ENTRY : NULL;
  if (!m || index >= wasm_cache_get32(m + WASM_CACHE_M_NCODE)) {
    wr_error_set(err, "no function %u of module %u in the file", index, module);
    return false;
  }
  const uint8_t *e = view->funcs + ((size_t)wasm_cache_get32(m + WASM_CACHE_M_FIRST_FUNC) + index) * WASM_CACHE_FUNC_ENTRY;
  if (!wasm_cache_get32(e + WASM_CACHE_F_FLAGS)) return true;
  const uint8_t *blob = file + wasm_cache_get64(e + WASM_CACHE_F_BLOB);
  if (!(flags & WASM_CACHE_SKIP_CHECKSUM) && !same_hash(e + WASM_CACHE_F_HASH, wasm_content_hash(blob, (size_t)blob_size(e)))) {
    wr_error_set(err, "corrupt (the checksum of function %u of module %u does not match)", index, module);
    return false;
  }
  uint32_t code_len = wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN), init_len = wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN), nrelocs = wasm_cache_get32(e + WASM_CACHE_F_NRELOCS);
  const uint8_t *relocs = blob + (size_t)code_len * 4 + (size_t)init_len * 8;
  for (uint32_t i = 0; i < nrelocs; i++) {
    wasm_native_reloc r;
    memcpy(&r, relocs + (size_t)i * RELOC_SIZE, RELOC_SIZE);
    if (!wasm_native_reloc_valid(&r, wasm_cache_get32(e + WASM_CACHE_F_PIECE_SIZE), code_len, init_len, wasm_cache_get32(m + WASM_CACHE_M_NFUNCS))) {
      wr_error_set(err, "corrupt (relocation %u of function %u of module %u: kind %u, index %u at %u)", i, index,
                   module, r.kind, r.index, r.at);
      return false;
    }
  }
  return true;
}

bool wasm_cache_parse(const uint8_t *file, size_t size, unsigned flags, wasm_cache_view *view, wr_error *err) {
  memset(view, 0, sizeof *view);
  if (size < WASM_CACHE_HEADER_SIZE || memcmp(file + WASM_CACHE_H_MAGIC, WASM_CACHE_MAGIC, 8) != 0) {
    wr_error_set(err, "not a warren cache file (no magic header)");
    return false;
  }
  uint32_t version = wasm_cache_get32(file + WASM_CACHE_H_VERSION);
  if (version != WASM_CACHE_FORMAT_VERSION) {
    wr_error_set(err, "cache format version %u, this warren reads version %u", version, WASM_CACHE_FORMAT_VERSION);
    return false;
  }
  if (wasm_cache_get32(file + WASM_CACHE_H_HEADER_SIZE) != WASM_CACHE_HEADER_SIZE ||
      (!(flags & WASM_CACHE_SKIP_CHECKSUM) && !same_hash(file + WASM_CACHE_H_HEADER_HASH, wasm_content_hash(file, WASM_CACHE_H_HEADER_HASH)))) {
    wr_error_set(err, "corrupt (its header's checksum does not match)");
    return false;
  }
  if ((uint64_t)size > WASM_CACHE_MAX_FILE ||
      wasm_cache_get64(file + WASM_CACHE_H_PAYLOAD_SIZE) != size - WASM_CACHE_HEADER_SIZE) {
    wr_error_set(err, "truncated or resized (its header says another size)");
    return false;
  }
  /* the code area, at the end, is checked function by function when each is first used */
  uint64_t code_offset = wasm_cache_get64(file + WASM_CACHE_H_CODE_OFFSET);
  if (code_offset < WASM_CACHE_HEADER_SIZE || code_offset > size) {
    wr_error_set(err, "corrupt (its code area lies outside the file)");
    return false;
  }
  if (!(flags & WASM_CACHE_SKIP_CHECKSUM) &&
      !same_hash(file + WASM_CACHE_H_PAYLOAD_HASH,
                 wasm_content_hash(file + WASM_CACHE_HEADER_SIZE, (size_t)code_offset - WASM_CACHE_HEADER_SIZE))) {
    wr_error_set(err, "corrupt (its checksum does not match)");
    return false;
  }
  pthread_once(&build_id_once, compute_build_id);
  uint32_t id_len = wasm_cache_get32(file + WASM_CACHE_H_BUILD_ID_LEN);
  view->same_build = id_len == build_id_len && memcmp(file + WASM_CACHE_H_BUILD_ID, build_id, build_id_len) == 0;
  view->features = wasm_cache_get32(file + WASM_CACHE_H_FEATURES);
  view->input_size = wasm_cache_get64(file + WASM_CACHE_H_INPUT_SIZE);
  memcpy(&view->input_hash, file + WASM_CACHE_H_INPUT_HASH, sizeof view->input_hash);
  uint64_t nmodules = wasm_cache_get32(file + WASM_CACHE_H_NMODULES), nimages = wasm_cache_get32(file + WASM_CACHE_H_NIMAGES), nfuncs = wasm_cache_get32(file + WASM_CACHE_H_NFUNCS);
  uint64_t tables_end = WASM_CACHE_HEADER_SIZE + nmodules * WASM_CACHE_MODULE_ENTRY + nimages * WASM_CACHE_IMAGE_ENTRY +
                        nfuncs * WASM_CACHE_FUNC_ENTRY;
  if (tables_end > code_offset) {
    wr_error_set(err, "corrupt (its tables run past its end)");
    return false;
  }
  view->nmodules = (uint32_t)nmodules;
  view->nimages = (uint32_t)nimages;
  view->nfuncs = (uint32_t)nfuncs;
  view->modules = file + WASM_CACHE_HEADER_SIZE;
  view->images = view->modules + nmodules * WASM_CACHE_MODULE_ENTRY;
  view->funcs = view->images + nimages * WASM_CACHE_IMAGE_ENTRY;
  view->code_offset = code_offset;
  view->native_target = wasm_cache_get32(file + WASM_CACHE_H_NATIVE_TARGET);
  /* the modules' images partition the image table, in order, and their functions the function table */
  uint64_t next_image = 0, next_func = 0;
  for (uint32_t k = 0; k < nmodules; k++) {
    const uint8_t *m = view->modules + (size_t)k * WASM_CACHE_MODULE_ENTRY;
    uint64_t nmem = wasm_cache_get32(m + WASM_CACHE_M_NMEMORIES), first = wasm_cache_get32(m + WASM_CACHE_M_FIRST_IMAGE);
    if (first != next_image || nmem > nimages - first) {
      wr_error_set(err, "corrupt (module %u names images outside the image table)", k);
      return false;
    }
    next_image += nmem;
    uint64_t ncode = wasm_cache_get32(m + WASM_CACHE_M_NCODE), first_func = wasm_cache_get32(m + WASM_CACHE_M_FIRST_FUNC);
    if ((ncode && ncode != wasm_cache_get32(m + WASM_CACHE_M_NFUNCS)) || first_func != next_func || ncode > nfuncs - first_func ||
        wasm_cache_get32(m + 28)) {
      wr_error_set(err, "corrupt (module %u names functions outside the function table)", k);
      return false;
    }
    next_func += ncode;
  }
  if (next_image != nimages || next_func != nfuncs) {
    wr_error_set(err, "corrupt (images or functions that belong to no module)");
    return false;
  }
  for (uint32_t i = 0; i < nfuncs; i++) {
    if (!check_func_entry(view->funcs + (size_t)i * WASM_CACHE_FUNC_ENTRY, size, code_offset, view->native_target)) {
      wr_error_set(err, "corrupt (function entry %u: its code lies outside the code area or its layout is impossible)", i);
      return false;
    }
  }
  for (uint32_t i = 0; i < nimages; i++) {
    const uint8_t *e = view->images + (size_t)i * WASM_CACHE_IMAGE_ENTRY;
    uint32_t present = wasm_cache_get32(e + 8);
    uint64_t initial = wasm_cache_get64(e + 16), isize = wasm_cache_get64(e + 24), offset = wasm_cache_get64(e + 32);
    bool ok = present <= 1;
    if (ok && present)
      ok = initial <= (uint64_t)WASM_MAX_PAGES * WASM_PAGE_SIZE && isize <= initial && isize % WASM_CACHE_ALIGN == 0 &&
           offset % WASM_CACHE_ALIGN == 0 && offset <= size &&
           (isize == 0 || (offset >= tables_end && offset <= code_offset && isize <= code_offset - offset));
    if (ok && !present) ok = initial == 0 && isize == 0 && offset == 0;
    if (!ok) {
      wr_error_set(err, "corrupt (image %u lies outside the file or is misaligned)", i);
      return false;
    }
  }
  if (wasm_cache_get32(file + WASM_CACHE_H_FLAGS) & ~(uint32_t)FLAG_INPUT_EMBEDDED || wasm_cache_get32(file + WASM_CACHE_H_RESERVED) || id_len > BUILD_ID_MAX) {
    wr_error_set(err, "corrupt (unknown flags or build id length)");
    return false;
  }
  if (wasm_cache_get32(file + WASM_CACHE_H_FLAGS) & FLAG_INPUT_EMBEDDED) {
    uint64_t at = wasm_cache_get64(file + WASM_CACHE_H_INPUT_OFFSET);
    if (at < tables_end || at > code_offset || view->input_size > code_offset - at) {
      wr_error_set(err, "corrupt (its input lies outside the file)");
      return false;
    }
    view->input = file + at;
  }
  return true;
}

/* ---- sessions ---- */

static wasm_cache_session *session_new(const uint8_t *input, size_t size, const wasm_features *features) {
  wasm_cache_session *s = WR_NEW(wasm_cache_session);
  s->fd = -1;
  s->input = input;
  s->input_size = size;
  s->features = wasm_cache_features_bits(features);
  return s;
}

char *wasm_cache_default_dir(void) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  const char *base = xdg && xdg[0] == '/' ? xdg : NULL, *suffix = "/warren";
  if (!base && home && home[0]) base = home, suffix = "/.cache/warren";
  if (!base) return NULL;
  size_t n = strlen(base) + strlen(suffix) + 1;
  char *dir = wr_malloc(n);
  snprintf(dir, n, "%s%s", base, suffix);
  return dir;
}

static void map_release(cache_map *map) {
  if (!map || atomic_fetch_sub_explicit(&map->refs, 1, memory_order_acq_rel) != 1) return;
  munmap(map->bytes, map->size);
  wr_free(map);
}

/* Maps `path` and checks it (whole, with `check_code`: every function too); fills the session's
 * tables. `owned`: the file must be trusted (a cache directory's). False + err. */
static bool open_file(wasm_cache_session *s, const char *path, bool owned, bool check_code, wasm_cache_view *view,
                      wr_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    wr_error_set(err, "%s", strerror(errno));
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > WASM_CACHE_MAX_FILE ||
      st.st_size < (off_t)WASM_CACHE_HEADER_SIZE) {
    wr_error_set(err, "not a regular file of %u bytes to 4 GiB", WASM_CACHE_HEADER_SIZE);
    close(fd);
    return false;
  }
  if (owned && !wasm_cache_trusted(&st)) {
    wr_error_set(err, "not owned by this user, or writable by others");
    close(fd);
    return false;
  }
  size_t size = (size_t)st.st_size;
  uint8_t *bytes = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (bytes == MAP_FAILED) {
    wr_error_set(err, "cannot map it: %s", strerror(errno));
    close(fd);
    return false;
  }
  bool ok = wasm_cache_parse(bytes, size, 0, view, err);
  for (uint32_t k = 0; ok && check_code && k < view->nmodules; k++) {
    uint32_t ncode = wasm_cache_get32(view->modules + (size_t)k * WASM_CACHE_MODULE_ENTRY + WASM_CACHE_M_NCODE);
    for (uint32_t i = 0; ok && i < ncode; i++) ok = wasm_cache_check_function(bytes, view, k, i, 0, err);
  }
  if (!ok) {
    munmap(bytes, size);
    close(fd);
    return false;
  }
  s->fd = fd;
  s->map = WR_NEW(cache_map);
  atomic_init(&s->map->refs, 1);
  s->map->bytes = bytes;
  s->map->size = size;
  s->native_target = view->native_target;
  s->code_offset = view->code_offset;
  s->funcs = view->funcs;
  s->checked = check_code;
  for (uint32_t k = 0; k < view->nmodules; k++) {
    const uint8_t *m = view->modules + (size_t)k * WASM_CACHE_MODULE_ENTRY;
    struct wasm_cache_entry e = {wasm_cache_get64(m + WASM_CACHE_M_SIZE),        wasm_cache_get32(m + WASM_CACHE_M_NFUNCS), wasm_cache_get32(m + WASM_CACHE_M_NMEMORIES),
                                 wasm_cache_get32(m + WASM_CACHE_M_FIRST_IMAGE), wasm_cache_get32(m + WASM_CACHE_M_NCODE),  wasm_cache_get32(m + WASM_CACHE_M_FIRST_FUNC)};
    WR_VEC_PUSH(&s->modules, e);
  }
  for (uint32_t i = 0; i < view->nimages; i++) {
    const uint8_t *e = view->images + (size_t)i * WASM_CACHE_IMAGE_ENTRY;
    cache_image image = {wasm_cache_get32(e + 8) != 0, wasm_cache_get64(e + 16), wasm_cache_get64(e + 24), wasm_cache_get64(e + 32), NULL};
    WR_VEC_PUSH(&s->images, image);
  }
  return true;
}

static void close_file(wasm_cache_session *s) {
  map_release(s->map);
  if (s->fd >= 0) close(s->fd);
  s->map = NULL;
  s->fd = -1;
  s->modules.len = s->images.len = 0;
  s->hit = false;
}

wasm_cache_session *wasm_cache_begin(const char *dir, const uint8_t *input, size_t size, const wasm_features *features,
                                     char *note, size_t note_size) {
  if (note_size) note[0] = 0;
  wasm_cache_session *s = session_new(input, size, features);
  current = s;
  if (!dir) return s;
  struct stat st;
  if (stat(dir, &st) == 0 && (!S_ISDIR(st.st_mode) || !wasm_cache_trusted(&st))) {
    if (note_size)
      snprintf(note, note_size, "cache directory %s not used: not a directory owned by this user and writable by it alone",
               dir);
    return s;
  }
  s->input_hash = wasm_content_hash(input, size);
  /* named by input, build, features and the machine code's target (and eager translation, whose
   * files hold no code): builds sharing a directory (a release and a debug build, say) keep a file
   * each instead of rejecting each other's */
  pthread_once(&build_id_once, compute_build_id);
  uint32_t build = 0;
  memcpy(&build, build_id, sizeof build);
  size_t n = strlen(dir) + 96;
  s->path = wr_malloc(n);
  snprintf(s->path, n, "%s/%016llx%016llx-%08x-%02x-%x%s.cwasm", dir, (unsigned long long)s->input_hash.hi,
           (unsigned long long)s->input_hash.lo, build, s->features, wasm_native_target(),
           wasm_compile_lazy_enabled() ? "" : "-eager");
  s->write = true;
  s->in_cache_dir = true;
  s->max_dir_size = WASM_CACHE_DEFAULT_MAX_SIZE;
  if (access(s->path, F_OK) != 0) return s; /* a miss */
  wasm_cache_view view;
  wr_error err = {0};
  bool ok = open_file(s, s->path, true, false, &view, &err);
  if (ok && !view.same_build) wr_error_set(&err, "written by another warren build"), ok = false;
  if (ok && view.features != s->features) wr_error_set(&err, "written for other features"), ok = false;
  if (ok && view.native_target != wasm_native_target() && view.nfuncs)
    wr_error_set(&err, "its machine code is for another CPU or engine"), ok = false;
  if (ok && (view.input_size != size || view.input_hash.lo != s->input_hash.lo || view.input_hash.hi != s->input_hash.hi))
    wr_error_set(&err, "written for another input"), ok = false;
  if (!ok) {
    close_file(s);
    if (note_size) snprintf(note, note_size, "cache file %s rejected: %s; compiling again", s->path, err.message);
    return s;
  }
  s->hit = true;
  s->write = false;
  /* mtime says when the file was last used: trimming the directory deletes the least recently
   * used first (cache_dir.h); failing to touch it only makes it look older */
  futimens(s->fd, NULL);
  return s;
}

wasm_cache_session *wasm_cache_begin_compile(const char *path, const uint8_t *input, size_t size,
                                             const wasm_features *features) {
  wasm_cache_session *s = session_new(input, size, features);
  current = s;
  s->input_hash = wasm_content_hash(input, size);
  s->path = wr_strndup(path, strlen(path));
  s->write = true;
  s->embed_input = true;
  return s;
}

wasm_cache_session *wasm_cache_begin_precompiled(const char *path, const wasm_features *features, uint8_t **input,
                                                 size_t *input_size, char *note, size_t note_size, wr_error *err) {
  if (note_size) note[0] = 0;
  wasm_cache_session *s = session_new(NULL, 0, features);
  wasm_cache_view view;
  wr_error why = {0};
  /* named on the command line, like the wasm it replaces: trusted as that is, but checked whole */
  if (!open_file(s, path, false, true, &view, &why) || !view.input) {
    if (!why.failed) wr_error_set(&why, "it holds no input (a cache directory's file, not `warren compile` output)");
    wr_error_set(err, "%s: precompiled file rejected: %s", path, why.message);
    close_file(s);
    wasm_cache_end(s, false, NULL);
    return NULL;
  }
  *input_size = (size_t)view.input_size;
  *input = wr_malloc(*input_size ? *input_size : 1);
  memcpy(*input, view.input, *input_size);
  s->input = *input;
  s->input_size = *input_size;
  if (!view.same_build || view.features != s->features) {
    if (note_size)
      snprintf(note, note_size, "%s was compiled %s; compiling its input again", path,
               view.same_build ? "with other features" : "by another warren build");
    close_file(s);
  } else {
    s->hit = true;
  }
  current = s;
  return s;
}

const wasm_cache_entry *wasm_cache_next(wasm_cache_session *s, const wasm_module *module) {
  uint32_t k = s->next++;
  if (!s->hit || k >= s->modules.len) return NULL;
  const struct wasm_cache_entry *e = &s->modules.items[k];
  if (e->size != module->size || e->nfuncs != module->nfuncs || e->nmemories != module->nmemories) return NULL;
  for (uint32_t i = 0; i < e->nmemories; i++) {
    const cache_image *image = &s->images.items[e->first_image + i];
    const wasm_memtype *type = &module->memories[i];
    if (image->present && (type->limits.is64 || image->initial != type->limits.min * WASM_PAGE_SIZE)) return NULL;
  }
  return e;
}

bool wasm_cache_install_images(wasm_cache_session *s, const wasm_cache_entry *e, wasm_module *module) {
  struct wasm_code *code = module->code;
  if ((uint64_t)sysconf(_SC_PAGESIZE) > WASM_CACHE_ALIGN) return false; /* the file's offsets cannot be mapped */
  code->images = WR_NEW_ARRAY(wasm_memory_image, e->nmemories ? e->nmemories : 1);
  code->nimages = e->nmemories;
  for (uint32_t i = 0; i < e->nmemories; i++) {
    const cache_image *image = &s->images.items[e->first_image + i];
    if (!image->present) continue;
    if (!wasm_image_from_file(&code->images[i], s->fd, image->offset, image->size, image->initial)) {
      wasm_images_free(code);
      return false;
    }
  }
  return true;
}

void wasm_cache_install_code(wasm_cache_session *s, const wasm_cache_entry *e, wasm_module *module) {
  struct wasm_code *code = module->code;
  if (!e->ncode || !code->lazy || code->cached) return; /* translated at load (eager): nothing to take */
  struct wasm_cached_code *c = WR_NEW(struct wasm_cached_code);
  atomic_fetch_add_explicit(&s->map->refs, 1, memory_order_relaxed);
  c->map = s->map;
  c->funcs = s->funcs + (size_t)e->first_func * WASM_CACHE_FUNC_ENTRY;
  c->nfuncs = e->ncode;
  c->pieces = s->native_target != 0 && s->native_target == wasm_native_target() && code->native;
  c->checked = s->checked;
  code->cached = c;
}

void wasm_cached_code_free(struct wasm_cached_code *c) {
  if (!c) return;
  map_release(c->map);
  wr_free(c);
}

/* Function def_index's entry and blob, its checksum and relocations checked (unless they were
 * when the file was opened); NULL when it is not stored or fails a check (then it is translated
 * as if it were not: the file says why no more). */
static const uint8_t *cached_func(const struct wasm_cached_code *c, uint32_t def_index, const uint8_t **blob) {
  if (!c || def_index >= c->nfuncs) return NULL;
  const uint8_t *e = c->funcs + (size_t)def_index * WASM_CACHE_FUNC_ENTRY;
  if (!wasm_cache_get32(e + WASM_CACHE_F_FLAGS)) return NULL;
  *blob = c->map->bytes + wasm_cache_get64(e + WASM_CACHE_F_BLOB);
  if (c->checked) return e;
  if (!same_hash(e + WASM_CACHE_F_HASH, wasm_content_hash(*blob, (size_t)blob_size(e)))) return NULL;
  uint32_t code_len = wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN), init_len = wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN), nrelocs = wasm_cache_get32(e + WASM_CACHE_F_NRELOCS);
  const uint8_t *relocs = *blob + (size_t)code_len * 4 + (size_t)init_len * 8;
  for (uint32_t i = 0; i < nrelocs; i++) {
    wasm_native_reloc r;
    memcpy(&r, relocs + (size_t)i * RELOC_SIZE, RELOC_SIZE);
    if (!wasm_native_reloc_valid(&r, wasm_cache_get32(e + WASM_CACHE_F_PIECE_SIZE), code_len, init_len, c->nfuncs)) return NULL;
  }
  return e;
}

bool wasm_cached_internal(const wasm_module *module, uint32_t def_index, wasm_compiled_func *out) {
  const struct wasm_code *code = module->code;
  const uint8_t *blob, *e = cached_func(code->cached, def_index, &blob);
  if (!e) return false;
  /* the frame it was translated for is the one its type says */
  uint32_t type = module->funcs[def_index].type;
  if (wasm_cache_get32(e + WASM_CACHE_F_NPARAM) != code->param_slots[type] || wasm_cache_get32(e + WASM_CACHE_F_NRESULT) != code->result_slots[type]) return false;
  out->code_len = wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN);
  out->init_len = wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN);
  out->code = wr_malloc((size_t)out->code_len * 4);
  memcpy(out->code, blob, (size_t)out->code_len * 4);
  out->init = WR_NEW_ARRAY(uint64_t, out->init_len ? out->init_len : 1);
  memcpy(out->init, blob + (size_t)out->code_len * 4, (size_t)out->init_len * 8);
  out->nparam_slots = wasm_cache_get32(e + WASM_CACHE_F_NPARAM);
  out->nresult_slots = wasm_cache_get32(e + WASM_CACHE_F_NRESULT);
  out->nlocal_slots = wasm_cache_get32(e + WASM_CACHE_F_NLOCAL);
  out->frame_slots = wasm_cache_get32(e + WASM_CACHE_F_FRAME);
  return true;
}

bool wasm_cached_piece(const wasm_module *module, uint32_t def_index, wasm_native_piece *out) {
  const struct wasm_cached_code *c = module->code->cached;
  const uint8_t *blob, *e = c && c->pieces ? cached_func(c, def_index, &blob) : NULL;
  if (!e || !(wasm_cache_get32(e + WASM_CACHE_F_FLAGS) & WASM_CACHE_FUNC_NATIVE)) return false;
  const uint8_t *relocs = blob + (size_t)wasm_cache_get32(e + WASM_CACHE_F_CODE_LEN) * 4 + (size_t)wasm_cache_get32(e + WASM_CACHE_F_INIT_LEN) * 8;
  out->relocs = relocs;
  out->nrelocs = wasm_cache_get32(e + WASM_CACHE_F_NRELOCS);
  out->bytes = relocs + (size_t)out->nrelocs * RELOC_SIZE;
  out->size = wasm_cache_get32(e + WASM_CACHE_F_PIECE_SIZE);
  out->entry_at = wasm_cache_get32(e + WASM_CACHE_F_ENTRY_AT);
  return true;
}

static void append(byte_vec *v, const void *bytes, size_t n) {
  WR_VEC_RESERVE(v, n);
  if (n) memcpy(v->items + v->len, bytes, n);
  v->len += n;
}

/* Every function of the module translated (both tiers) and stored: a process loading the file
 * translates none. A function that cannot be translated, or has exception handlers (not stored),
 * gets an empty entry and is translated on first call there as here. */
static void record_code(wasm_cache_session *s, const wasm_module *module, struct wasm_cache_entry *entry) {
  struct wasm_code *code = module->code;
  entry->first_func = (uint32_t)(s->func_table.len / WASM_CACHE_FUNC_ENTRY);
  if (!code->lazy) return; /* eager: all translated at load, nothing to store */
  entry->ncode = module->nfuncs;
  wasm_native_keep_pieces(code->native, true);
  for (uint32_t i = 0; i < module->nfuncs; i++) {
    const wasm_compiled_func *f = &code->funcs[i];
    wr_error err = {0};
    bool ok = code->native ? wasm_lazy_native_entry(module, i, &err) != NULL : wasm_code_ensure(module, f, &err);
    uint8_t e[WASM_CACHE_FUNC_ENTRY] = {0};
    wasm_native_piece piece = {0};
    if (ok && atomic_load_explicit(&f->ready, memory_order_acquire) && !f->nhandlers) {
      bool native = wasm_native_kept_piece(code->native, i, &piece);
      size_t at = s->blob.len;
      put64(e + WASM_CACHE_F_BLOB, at);
      put32(e + WASM_CACHE_F_CODE_LEN, f->code_len);
      put32(e + WASM_CACHE_F_INIT_LEN, f->init_len);
      put32(e + WASM_CACHE_F_NPARAM, f->nparam_slots);
      put32(e + WASM_CACHE_F_NRESULT, f->nresult_slots);
      put32(e + WASM_CACHE_F_NLOCAL, f->nlocal_slots);
      put32(e + WASM_CACHE_F_FRAME, f->frame_slots);
      put32(e + WASM_CACHE_F_FLAGS, WASM_CACHE_FUNC_INTERNAL | (native ? WASM_CACHE_FUNC_NATIVE : 0));
      append(&s->blob, f->code, (size_t)f->code_len * 4);
      append(&s->blob, f->init, (size_t)f->init_len * 8);
      if (native) {
        put32(e + WASM_CACHE_F_NRELOCS, piece.nrelocs);
        put32(e + WASM_CACHE_F_PIECE_SIZE, piece.size);
        put32(e + WASM_CACHE_F_ENTRY_AT, piece.entry_at);
        append(&s->blob, piece.relocs, (size_t)piece.nrelocs * RELOC_SIZE);
        size_t piece_at = s->blob.len;
        append(&s->blob, piece.bytes, piece.size);
        /* the addresses are this process's: zero, so that the file does not depend on them */
        for (uint32_t k = 0; k < piece.nrelocs; k++) {
          wasm_native_reloc r;
          memcpy(&r, piece.relocs + (size_t)k * RELOC_SIZE, RELOC_SIZE);
          memset(s->blob.items + piece_at + r.at, 0, 8);
        }
      }
      wasm_hash128 h = wasm_content_hash(s->blob.items + at, s->blob.len - at);
      memcpy(e + WASM_CACHE_F_HASH, &h, sizeof h);
    }
    append(&s->func_table, e, sizeof e);
  }
  wasm_native_keep_pieces(code->native, false); /* copied into the blob */
}

void wasm_cache_record(wasm_cache_session *s, const wasm_module *module) {
  if (!s->write) return;
  const struct wasm_code *code = module->code;
  struct wasm_cache_entry e = {module->size, module->nfuncs, module->nmemories, (uint32_t)s->images.len, 0, 0};
  if (code->nimages != module->nmemories) s->failed = true;
  for (uint32_t i = 0; i < module->nmemories; i++) {
    cache_image image = {0};
    const wasm_memory_image *mi = i < code->nimages ? &code->images[i] : NULL;
    if (mi && mi->present && (mi->size % WASM_CACHE_ALIGN == 0) && (mi->size == 0 || mi->bytes)) {
      image.present = true;
      image.initial = mi->initial;
      image.size = mi->size;
      if (mi->size) {
        uint8_t *copy = wr_malloc((size_t)mi->size);
        memcpy(copy, mi->bytes, (size_t)mi->size);
        image.bytes = copy;
      }
    }
    WR_VEC_PUSH(&s->images, image);
  }
  record_code(s, module, &e);
  WR_VEC_PUSH(&s->modules, e);
}

static uint64_t align_up(uint64_t n) { return (n + WASM_CACHE_ALIGN - 1) / WASM_CACHE_ALIGN * WASM_CACHE_ALIGN; }

/* Makes `dir` and its missing parents (mode 0700: the cache holds what the user runs). */
static bool make_dirs(const char *dir) {
  char *path = wr_strndup(dir, strlen(dir));
  bool ok = true;
  for (char *p = path + 1; ok; p++) {
    if (*p != '/' && *p != 0) continue;
    char c = *p;
    *p = 0;
    ok = mkdir(path, 0700) == 0 || errno == EEXIST;
    *p = c;
    if (!c) break;
  }
  wr_free(path);
  return ok;
}

static bool write_all(int fd, const uint8_t *bytes, uint64_t size) {
  for (uint64_t done = 0; done < size;) {
    ssize_t w = write(fd, bytes + done, (size_t)(size - done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += (uint64_t)w;
  }
  return true;
}

static bool write_file(wasm_cache_session *s, wr_error *err) {
  uint64_t nfuncs = s->func_table.len / WASM_CACHE_FUNC_ENTRY;
  uint64_t tables_end = WASM_CACHE_HEADER_SIZE + (uint64_t)s->modules.len * WASM_CACHE_MODULE_ENTRY +
                        (uint64_t)s->images.len * WASM_CACHE_IMAGE_ENTRY + s->func_table.len;
  uint64_t at = align_up(tables_end);
  for (size_t i = 0; i < s->images.len; i++) {
    cache_image *image = &s->images.items[i];
    if (!image->present || !image->size) continue;
    image->offset = at;
    at += image->size;
  }
  /* the code area last: it is checked one function at a time, outside the payload's checksum */
  uint64_t input_at = at, code_at = at + (s->embed_input ? s->input_size : 0), size = code_at + s->blob.len;
  if (size > WASM_CACHE_MAX_FILE || nfuncs > UINT32_MAX) {
    wr_error_set(err, "the cache file would exceed 4 GiB");
    return false;
  }
  uint8_t *file = wr_calloc(1, (size_t)code_at);
  memcpy(file + WASM_CACHE_H_MAGIC, WASM_CACHE_MAGIC, 8);
  put32(file + WASM_CACHE_H_VERSION, WASM_CACHE_FORMAT_VERSION);
  put32(file + WASM_CACHE_H_HEADER_SIZE, WASM_CACHE_HEADER_SIZE);
  pthread_once(&build_id_once, compute_build_id);
  put32(file + WASM_CACHE_H_BUILD_ID_LEN, build_id_len);
  memcpy(file + WASM_CACHE_H_BUILD_ID, build_id, build_id_len);
  put32(file + WASM_CACHE_H_FEATURES, s->features);
  put64(file + WASM_CACHE_H_INPUT_SIZE, s->input_size);
  memcpy(file + WASM_CACHE_H_INPUT_HASH, &s->input_hash, sizeof s->input_hash);
  put64(file + WASM_CACHE_H_PAYLOAD_SIZE, size - WASM_CACHE_HEADER_SIZE);
  put32(file + WASM_CACHE_H_NMODULES, (uint32_t)s->modules.len);
  put32(file + WASM_CACHE_H_NIMAGES, (uint32_t)s->images.len);
  put32(file + WASM_CACHE_H_NFUNCS, (uint32_t)nfuncs);
  put32(file + WASM_CACHE_H_FLAGS, s->embed_input ? FLAG_INPUT_EMBEDDED : 0);
  put64(file + WASM_CACHE_H_INPUT_OFFSET, s->embed_input ? input_at : 0);
  put32(file + WASM_CACHE_H_NATIVE_TARGET, wasm_native_target());
  put64(file + WASM_CACHE_H_CODE_OFFSET, code_at);
  uint8_t *p = file + WASM_CACHE_HEADER_SIZE;
  for (size_t k = 0; k < s->modules.len; k++, p += WASM_CACHE_MODULE_ENTRY) {
    const struct wasm_cache_entry *e = &s->modules.items[k];
    put64(p + WASM_CACHE_M_SIZE, e->size);
    put32(p + WASM_CACHE_M_NFUNCS, e->nfuncs);
    put32(p + WASM_CACHE_M_NMEMORIES, e->nmemories);
    put32(p + WASM_CACHE_M_FIRST_IMAGE, e->first_image);
    put32(p + WASM_CACHE_M_NCODE, e->ncode);
    put32(p + WASM_CACHE_M_FIRST_FUNC, e->first_func);
  }
  for (size_t i = 0; i < s->images.len; i++, p += WASM_CACHE_IMAGE_ENTRY) {
    const cache_image *image = &s->images.items[i];
    uint32_t module = 0, memory = 0;
    for (size_t k = 0; k < s->modules.len; k++)
      if (i >= s->modules.items[k].first_image && i - s->modules.items[k].first_image < s->modules.items[k].nmemories)
        module = (uint32_t)k, memory = (uint32_t)(i - s->modules.items[k].first_image);
    put32(p, module);
    put32(p + 4, memory);
    put32(p + 8, image->present);
    put64(p + 16, image->present ? image->initial : 0);
    put64(p + 24, image->present ? image->size : 0);
    put64(p + 32, image->present && image->size ? image->offset : 0);
    if (image->present && image->size) memcpy(file + image->offset, image->bytes, (size_t)image->size);
  }
  if (s->func_table.len) memcpy(p, s->func_table.items, s->func_table.len);
  for (uint64_t i = 0; i < nfuncs; i++, p += WASM_CACHE_FUNC_ENTRY)
    if (wasm_cache_get32(p + WASM_CACHE_F_FLAGS)) put64(p + WASM_CACHE_F_BLOB, wasm_cache_get64(p + WASM_CACHE_F_BLOB) + code_at);
  if (s->embed_input) memcpy(file + input_at, s->input, s->input_size);
  wasm_hash128 payload = wasm_content_hash(file + WASM_CACHE_HEADER_SIZE, (size_t)code_at - WASM_CACHE_HEADER_SIZE);
  memcpy(file + WASM_CACHE_H_PAYLOAD_HASH, &payload, sizeof payload);
  wasm_hash128 header = wasm_content_hash(file, WASM_CACHE_H_HEADER_HASH);
  memcpy(file + WASM_CACHE_H_HEADER_HASH, &header, sizeof header);

  /* a temporary beside the file, then a rename: readers see the old file or the whole new one */
  size_t n = strlen(s->path) + 16;
  char *tmp = wr_malloc(n);
  snprintf(tmp, n, "%s.XXXXXX", s->path);
  int fd = mkstemp(tmp);
  bool ok = fd >= 0 && write_all(fd, file, code_at) && write_all(fd, s->blob.items, s->blob.len);
  int saved = errno;
  if (fd >= 0 && close(fd) != 0 && ok) ok = false, saved = errno;
  if (ok && rename(tmp, s->path) != 0) ok = false, saved = errno;
  if (!ok) {
    if (fd >= 0) unlink(tmp);
    wr_error_set(err, "cannot write %s: %s", s->path, strerror(saved));
  }
  wr_free(tmp);
  wr_free(file);
  return ok;
}

bool wasm_cache_end(wasm_cache_session *s, bool loaded, wr_error *err) {
  if (!s) return true;
  if (current == s) current = NULL;
  bool ok = true;
  if (loaded && s->write && s->path && !s->failed) {
    char *slash = strrchr(s->path, '/');
    if (slash && slash != s->path && !s->embed_input) {
      *slash = 0;
      if (!make_dirs(s->path)) {
        wr_error_set(err, "cannot make the cache directory %s: %s", s->path, strerror(errno));
        ok = false;
      }
      *slash = '/';
    }
    if (ok) ok = write_file(s, err);
    if (ok && s->in_cache_dir && slash) {
      *slash = 0;
      wasm_cache_dir_trim(s->path, slash + 1, s->max_dir_size);
      *slash = '/';
    }
  }
  for (size_t i = 0; i < s->images.len; i++) wr_free((void *)s->images.items[i].bytes);
  close_file(s);
  WR_VEC_FREE(&s->images);
  WR_VEC_FREE(&s->modules);
  WR_VEC_FREE(&s->func_table);
  WR_VEC_FREE(&s->blob);
  wr_free(s->path);
  wr_free(s);
  return ok;
}
