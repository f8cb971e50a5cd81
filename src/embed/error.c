/* warren_error: a kind, a message, an optional offset or exit code. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "embed_internal.h"

struct warren_error {
  warren_error_kind kind;
  bool has_offset;
  size_t offset;
  int exit_code;
  char message[512];
};

static warren_error *error_new(warren_error **out, warren_error_kind kind) {
  if (!out) return NULL;
  warren_error *e = WR_NEW(warren_error);
  e->kind = kind;
  *out = e;
  return e;
}

void embed_fail(warren_error **out, warren_error_kind kind, const wr_error *err) {
  warren_error *e = error_new(out, kind);
  if (!e) return;
  snprintf(e->message, sizeof e->message, "%s", err->message[0] ? err->message : "unknown error");
  e->has_offset = err->has_offset;
  e->offset = err->offset;
}

void embed_failf(warren_error **out, warren_error_kind kind, const char *fmt, ...) {
  warren_error *e = error_new(out, kind);
  if (!e) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
}

void embed_fail_trap(warren_error **out, const wasm_trap *trap, const char *while_doing) {
  if (trap->kind == WASM_TRAP_EXIT) {
    embed_failf(out, WARREN_ERROR_EXIT, "the guest exited with code %d during %s", trap->exit_code, while_doing);
    if (out) (*out)->exit_code = trap->exit_code;
    return;
  }
  embed_failf(out, WARREN_ERROR_TRAP, "trap during %s: %s", while_doing, trap->message);
}

warren_error_kind warren_error_get_kind(const warren_error *err) { return err->kind; }

const char *warren_error_message(const warren_error *err) { return err->message; }

bool warren_error_offset(const warren_error *err, size_t *offset) {
  if (err->has_offset && offset) *offset = err->offset;
  return err->has_offset;
}

int warren_error_exit_code(const warren_error *err) { return err->exit_code; }

void warren_error_free(warren_error *err) { wr_free(err); }

void warren_string_free(char *text) { wr_free(text); }

const char *warren_version(void) { return "0.1.0"; }
