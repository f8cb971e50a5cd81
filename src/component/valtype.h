/* Internal: Canonical ABI layout of value type nodes, computed when a type is defined. */
#ifndef WARREN_COMPONENT_VALTYPE_H
#define WARREN_COMPONENT_VALTYPE_H

#include "../base/alloc.h"
#include "component.h"

/* Fills size, align, flat, has_borrow, needs_memory (and field offsets, for which `fields`
 * is t->fields, writable; NULL for kinds without fields) from the node's children, already
 * laid out. False when the size reaches CM_MAX_ELEM_SIZE. */
bool cm_valtype_layout(cm_valtype *t, cm_field *fields);

#endif
