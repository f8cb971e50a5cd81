/* Internal: import/export names (Explainer.md "Import and Export Definitions"). */
#ifndef WARREN_COMPONENT_NAMES_H
#define WARREN_COMPONENT_NAMES_H

#include "arena.h"
#include "component.h"

/* A kebab-case label: "get-x", "HTTP-error", "v2". */
bool cm_label_valid(const char *s, size_t len);
/* Parses an externname (plain, annotated or interface name) into out (text copied into the
 * arena). False with a message in `why` (static text) when malformed. */
bool cm_name_parse(cm_arena *arena, const uint8_t *s, uint32_t len, cm_name *out, const char **why);
/* The name canonicalized for the "strongly-unique" rule: two names clash when their keys are
 * equal. Allocated in the arena. */
char *cm_name_unique_key(cm_arena *arena, const cm_name *name);

/* Whether two interface names are semver-compatible (the host-side rule of wasmtime's linker):
 * the same "ns:pkg/iface" and, when versioned, versions whose first non-zero component of
 * major.minor.patch is equal and in the same position ("0.2.0" ~ "0.2.12", "1.0.0" ~ "1.4.2",
 * "0.0.3" only ~ "0.0.3"); prerelease / build versions must be equal. Unversioned names only
 * match unversioned. Sets *cmp (when compatible) to the ordering of a's version against b's. */
bool cm_interface_versions_compatible(const char *a, size_t alen, const char *b, size_t blen, int *cmp);

#endif
