/* WIT text to component types, so that host interfaces are declared the way their users read
 * them (the WASI .wit files) and checked against what a component imports with the same
 * structural matching as component-to-component linking (typematch.c).
 *
 * A cm_wit collects packages. Each `interface` becomes a CM_TYPE_INSTANCE whose exports are
 * laid out as wit-component encodes an imported interface: every type the interface defines or
 * `use`s is a TYPE export (resources as CM_TYPE_RESOURCE, others as CM_TYPE_VALUE; a `use`d
 * type is the very same cm_type object as in its home interface, so resource identity holds
 * across interfaces), every function a FUNC export, resource methods named
 * "[constructor]R", "[method]R.f", "[static]R.f". Value types carry their Canonical ABI layout
 * (cm_valtype_layout), exactly as decoded ones do. Resources are abstract (resource.defined
 * false): the host implements them, no component defines them.
 *
 * Supported: `package ns:name@version;` and nested `package ns:name { ... }` blocks, `interface`,
 * `use ns:pkg/iface@ver.{a, b as c};` and the short `use iface.{a}` (another interface of the
 * same package, or a top-level `use path [as id];` alias), `type`, `record`, `variant`, `enum`,
 * `flags`, `resource` (with constructor, methods, `static` functions), funcs (`async` too),
 * every value type but `map`, `/` and `//` comments, `@since`/`@unstable`/`@deprecated`/
 * `@external-id` annotations (ignored: every item is kept). Worlds are skipped. Names and
 * interfaces of one document may be used before they are defined; other documents must have
 * been added earlier (an unversioned path then names the one version there is). Errors read
 * "source:line:col: message". */
#ifndef WARREN_COMPONENT_WIT_H
#define WARREN_COMPONENT_WIT_H

#include "arena.h"
#include "component.h"

typedef struct cm_wit cm_wit;

/* Types live in `arena` (which outlives the cm_wit). */
cm_wit *cm_wit_new(cm_arena *arena);
void cm_wit_free(cm_wit *wit);

/* Parses one WIT document (one package, possibly several interfaces) and adds its interfaces.
 * `source` names the text in error messages. false + err on any error: no interface is added
 * (types built before the error stay in the arena until it is freed). */
bool cm_wit_add(cm_wit *wit, const char *source, const char *text, size_t len, wr_error *err);

/* The instance type of interface "ns:pkg/iface@version" (exact name), or NULL. */
const cm_type *cm_wit_interface(const cm_wit *wit, const char *name);

/* Enumerates the interfaces added, in order: the i-th name and type; false past the end. */
bool cm_wit_interface_at(const cm_wit *wit, uint32_t i, const char **name, const cm_type **type);

#endif
