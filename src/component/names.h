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

#endif
