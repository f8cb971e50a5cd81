/* warren_component: load, free, and the WIT-like description of imports and exports. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "component/describe.h"
#include "embed_internal.h"
#include "wasm/cache.h"
#include "wasm/cache_dir.h"

/* The text as a NUL-terminated string the caller owns ("" when nothing was written). */
static char *text_take(cm_text *text) {
  if (!text->items) {
    WR_VEC_RESERVE(text, 1);
    text->items[0] = 0;
  }
  return text->items;
}

static char *extern_text(const cm_type_names *names, const cm_extern *e) {
  cm_text text = {0};
  if (e->sort == CM_SORT_FUNC) {
    cm_describe_func(&text, names, &e->type->func);
  } else {
    cm_describe_extern(&text, names, e, 0);
    /* a lone value: no line break after its last line */
    if (text.len && text.items[text.len - 1] == '\n') text.items[--text.len] = 0;
  }
  return text_take(&text);
}

warren_component *warren_component_load(const uint8_t *bytes, size_t len, warren_error **err) {
  if (!bytes && len) {
    embed_failf(err, WARREN_ERROR_INVALID, "warren_component_load: NULL bytes");
    return NULL;
  }
  if (len >= 8 && !memcmp(bytes, "\0asm", 4) && bytes[4] == 1 && bytes[6] == 0 && bytes[7] == 0) {
    embed_failf(err, WARREN_ERROR_LOAD,
                "this is a core WebAssembly module, not a component (wrap it with `wasm-tools component new`)");
    return NULL;
  }
  wr_error e = {0};
  wasm_features features = wasm_features_default();
  /* the compiled-module cache (wasm/cache.h), as `warren serve` uses it */
  char *cache_dir = getenv("WARREN_NO_CACHE") ? NULL : wasm_cache_default_dir();
  uint64_t cache_max_size = 0;
  if (cache_dir && !wasm_cache_max_size_from_env(&cache_max_size, &e)) {
    wr_free(cache_dir);
    embed_failf(err, WARREN_ERROR_INVALID, "%s", e.message);
    return NULL;
  }
  char note[768];
  wasm_cache_session *cache = cache_dir ? wasm_cache_begin(cache_dir, bytes, len, &features, note, sizeof note) : NULL;
  wasm_cache_set_max_size(cache, cache_max_size);
  cm_component *c = cm_component_load(bytes, len, &features, &e);
  wr_error ignored = {0};
  wasm_cache_end(cache, c != NULL, &ignored);
  wr_free(cache_dir);
  if (!c) {
    embed_fail(err, WARREN_ERROR_LOAD, &e);
    return NULL;
  }
  warren_component *wc = WR_NEW(warren_component);
  wc->component = c;
  cm_type_names *names = cm_type_names_of(c);
  wc->nimports = c->type->nimports;
  wc->nexports = c->type->nexports;
  wc->import_types = WR_NEW_ARRAY(char *, wc->nimports ? wc->nimports : 1);
  wc->export_types = WR_NEW_ARRAY(char *, wc->nexports ? wc->nexports : 1);
  for (size_t i = 0; i < wc->nimports; i++) wc->import_types[i] = extern_text(names, &c->type->imports[i]);
  for (size_t i = 0; i < wc->nexports; i++) wc->export_types[i] = extern_text(names, &c->type->exports[i]);
  cm_type_names_free(names);
  return wc;
}

void warren_component_free(warren_component *component) {
  if (!component) return;
  for (size_t i = 0; i < component->nimports; i++) wr_free(component->import_types[i]);
  for (size_t i = 0; i < component->nexports; i++) wr_free(component->export_types[i]);
  wr_free(component->import_types);
  wr_free(component->export_types);
  cm_component_free(component->component);
  wr_free(component);
}

size_t warren_component_import_count(const warren_component *component) { return component->nimports; }

const char *warren_component_import_name(const warren_component *component, size_t index) {
  return index < component->nimports ? component->component->type->imports[index].name.text : NULL;
}

const char *warren_component_import_type(const warren_component *component, size_t index) {
  return index < component->nimports ? component->import_types[index] : NULL;
}

size_t warren_component_export_count(const warren_component *component) { return component->nexports; }

const char *warren_component_export_name(const warren_component *component, size_t index) {
  return index < component->nexports ? component->component->type->exports[index].name.text : NULL;
}

const char *warren_component_export_type(const warren_component *component, size_t index) {
  return index < component->nexports ? component->export_types[index] : NULL;
}

char *warren_component_describe(const warren_component *component) {
  cm_text text = {0};
  cm_describe_component(&text, component->component, 0);
  return text_take(&text);
}
