/* Open addressing with linear probing; grown by doubling into fresh arena memory (the old
 * table is left to the arena, so the waste stays below the final size). */
#include "namemap.h"

#include <string.h>

#include "../base/hash.h"

static cm_name_entry *slot_for(const cm_name_map *map, const char *name, uint32_t len) {
  uint32_t mask = map->cap - 1;
  for (uint32_t i = wr_hash_name(name, len) & mask;; i = (i + 1) & mask) {
    cm_name_entry *e = &map->entries[i];
    if (!e->name || (e->len == len && !memcmp(e->name, name, len))) return e;
  }
}

bool cm_name_map_find(const cm_name_map *map, const char *name, uint32_t len, uint32_t *value) {
  if (map->count == 0) return false;
  const cm_name_entry *e = slot_for(map, name, len);
  if (!e->name) return false;
  *value = e->value;
  return true;
}

bool cm_name_map_insert(cm_name_map *map, cm_arena *arena, const char *name, uint32_t len, uint32_t value) {
  if ((map->count + 1) * 2 > map->cap) {
    cm_name_map grown = {cm_arena_array(arena, map->cap ? map->cap * 2 : 16, sizeof(cm_name_entry)),
                         map->cap ? map->cap * 2 : 16, map->count};
    for (uint32_t i = 0; i < map->cap; i++)
      if (map->entries[i].name) *slot_for(&grown, map->entries[i].name, map->entries[i].len) = map->entries[i];
    *map = grown;
  }
  cm_name_entry *e = slot_for(map, name, len);
  if (e->name) return false;
  e->name = name;
  e->len = len;
  e->value = value;
  map->count++;
  return true;
}

const cm_core_export *cm_core_type_export(const cm_core_type *type, const char *name, size_t len) {
  uint32_t i;
  if (len > UINT32_MAX || !cm_name_map_find(&type->export_map, name, (uint32_t)len, &i)) return NULL;
  return &type->exports[i];
}

const cm_extern *cm_type_import(const cm_type *type, const char *name) {
  uint32_t i;
  if (!cm_name_map_find(&type->import_map, name, (uint32_t)strlen(name), &i)) return NULL;
  return &type->imports[i];
}

const cm_extern *cm_type_export(const cm_type *type, const char *name) {
  uint32_t i;
  if (!cm_name_map_find(&type->export_map, name, (uint32_t)strlen(name), &i)) return NULL;
  return &type->exports[i];
}
