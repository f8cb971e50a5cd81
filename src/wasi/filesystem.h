/* The confined filesystem both wasi:filesystem versions share (p2_filesystem.c): descriptors,
 * path resolution beneath them, and every descriptor method whose 0.2 and 0.3 forms differ
 * only in their values (0.3's are `async func`s that finish at once). 0.3's streams and
 * listings (p3_filesystem.c) build on the same descriptors. Not for other layers. */
#ifndef WARREN_WASI_FILESYSTEM_H
#define WARREN_WASI_FILESYSTEM_H

#include <dirent.h>

#include "p2_internal.h"

#define WASI_FS_CHUNK (64u * 1024u) /* largest read / stream transfer per step */

/* descriptor-flags bits (the same in 0.2 and 0.3) */
enum { FLAG_READ = 1, FLAG_WRITE = 2, FLAG_FILE_SYNC = 4, FLAG_DATA_SYNC = 8, FLAG_READ_SYNC = 16, FLAG_MUTATE = 32 };

typedef struct wasi_descriptor {
  int fd;         /* owned */
  uint32_t flags; /* descriptor-flags it was opened with */
  bool read_only; /* beneath a read-only preopen */
} wasi_descriptor;

extern const wasi_kind wasi_descriptor_kind;

/* The env of 0.3's rows (0.2's have none): the functions answer in 0.3's values. */
extern const char wasi_fs_p3;

/* The descriptor methods both versions have (names as in both WITs), and get-directories. */
extern const cm_host_binding wasi_fs_shared_rows[];
extern const size_t wasi_fs_shared_nrows;
extern const cm_host_binding wasi_fs_get_directories_row;

/* An error-code value for an errno, a descriptor-type value for a 0.2 descriptor-type case. */
cm_val wasi_fs_error_value(const cm_canon_cx *cx, bool p3, int err);
cm_val wasi_fs_type_value(const cm_canon_cx *cx, bool p3, uint32_t type);
/* The 0.2 descriptor-type case of a directory entry. */
uint32_t wasi_fs_dirent_type(DIR *dir, const struct dirent *e);
bool wasi_fs_utf8_valid(const char *text, size_t len);

#endif
