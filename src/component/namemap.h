/* A hash map from names (byte strings) to indices, kept in the component arena: used for
 * name uniqueness checks and for looking exports up by name in linear time overall. */
#ifndef WARREN_COMPONENT_NAMEMAP_H
#define WARREN_COMPONENT_NAMEMAP_H

#include "arena.h"
#include "component.h"

/* Adds name -> value; false (and no change) when the name is already present. The name's
 * bytes must outlive the map (arena strings do). */
bool cm_name_map_insert(cm_name_map *map, cm_arena *arena, const char *name, uint32_t len, uint32_t value);

#endif
