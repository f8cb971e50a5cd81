/* A component's imports and exports as WIT-like text: `warren inspect` prints it and the
 * embedding API (warren.h) hands it out, so both describe a component the same way.
 *
 *   greet: func(name: string) -> string
 *   instance wasi:cli/environment@0.2.0 {
 *     get-arguments: func() -> list<string>
 *   }
 *
 * Value and resource types print under the names the component's instance types give them. */
#ifndef WARREN_COMPONENT_DESCRIBE_H
#define WARREN_COMPONENT_DESCRIBE_H

#include "../base/vec.h"
#include "component.h"

typedef WR_VEC(char) cm_text;

/* Appends printf-style text to `out` (kept NUL-terminated). */
void cm_text_appendf(cm_text *out, const char *fmt, ...) WR_PRINTF(2, 3);

/* The names of value and resource types, collected once per component. */
typedef struct cm_type_names cm_type_names;
cm_type_names *cm_type_names_of(const cm_component *component);
void cm_type_names_free(cm_type_names *names);

/* One import or export, its nested lines indented by `indent` + 2, ending with a line break. */
void cm_describe_extern(cm_text *out, const cm_type_names *names, const cm_extern *e, int indent);
/* A function type alone: `func(a: u32) -> string`. */
void cm_describe_func(cm_text *out, const cm_type_names *names, const cm_functype *ft);
/* The whole component: imports, exports, core modules and nested components. */
void cm_describe_component(cm_text *out, const cm_component *component, int indent);

#endif
