/* Shared by the files of the embedding API (include/warren.h): the handles' contents and
 * how internal errors become warren_errors. */
#ifndef WARREN_EMBED_INTERNAL_H
#define WARREN_EMBED_INTERNAL_H

#include "warren.h"

#include "base/error.h"
#include "base/vec.h"
#include "component/component.h"
#include "wasi/p2.h"
#include "wasm/runtime.h"

/* Stores a new error of `kind` in *out (when out is not NULL), taking message and offset
 * from `err`. */
void embed_fail(warren_error **out, warren_error_kind kind, const wr_error *err);
/* The same for a printf-style message. */
void embed_failf(warren_error **out, warren_error_kind kind, const char *fmt, ...) WR_PRINTF(3, 4);
/* The error for a guest trap: WARREN_ERROR_EXIT with its code, else WARREN_ERROR_TRAP. */
void embed_fail_trap(warren_error **out, const wasm_trap *trap, const char *while_doing);

/* A WASI configuration that owns its strings and directory fds, and the wasi_p2_config view
 * of it that the WASI host reads. */
struct warren_wasi_config {
  WR_VEC(char *) args;
  WR_VEC(char *) env; /* "NAME=VALUE" */
  WR_VEC(char *) guest_paths;
  WR_VEC(wasi_p2_preopen) preopens; /* guest_path points into guest_paths */
  int stdio[3];
  bool allow_sockets;
  uint64_t max_memory_bytes; /* cap on each linear memory of an instance (0: none) */
  wasi_p2_config view; /* refreshed by embed_wasi_view */
};

/* Deep copy (directory fds duplicated); `from` NULL gives the defaults. */
void embed_wasi_copy(warren_wasi_config *to, const warren_wasi_config *from);
/* Frees what a config owns, not the config itself. */
void embed_wasi_release(warren_wasi_config *config);
/* The config as the WASI host reads it (valid until the config changes). */
const wasi_p2_config *embed_wasi_view(warren_wasi_config *config);

struct warren_component {
  cm_component *component;
  size_t nimports, nexports;
  char **import_types, **export_types; /* WIT-like text per import / export */
};

/* Runs fn(arg) to completion on a guest stack (guests may suspend inside host calls, which
 * needs a fiber). false + err when no stack could be mapped. */
bool embed_on_guest_stack(void (*fn)(void *), void *arg, warren_error **err);

#endif
