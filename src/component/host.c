/* The host registry: WIT-declared interfaces with their implementations, found by import
 * name with semver-compatible versions. Everything is built by the set-up calls; the lookups
 * used at instantiation only read, so a finished cm_host is safe to share between threads. */
#include "host.h"

#include <stdatomic.h>
#include <string.h>

#include "../base/vec.h"
#include "namemap.h"
#include "names.h"
#include "wit.h"

/* A semver's numeric core; `exact_only` when it has a prerelease or build part (such versions
 * bind only to themselves). */
typedef struct semver {
  bool present, exact_only;
  uint64_t major, minor, patch;
} semver;

struct cm_host_func {
  cm_host_impl impl;
  cm_host_async_impl async_impl;
  void *env;
};

struct cm_host_interface {
  cm_name name;        /* CM_NAME_INTERFACE */
  semver version;
  const cm_type *type; /* CM_TYPE_INSTANCE */
  cm_host_func *funcs; /* by export index (type exports have none) */
};

typedef struct host_dtor {
  const cm_type *resource; /* NULL: a free slot */
  cm_host_dtor dtor;
  void *env;
} host_dtor;

struct cm_host {
  cm_arena *arena;
  cm_wit *wit;
  WR_VEC(cm_host_interface *) interfaces; /* in cm_wit's order */
  cm_name_map by_name; /* exact name -> index in interfaces */
  WR_VEC(cm_host_interface *) aliases;    /* cm_host_alias_version */
  host_dtor *dtors;    /* open addressing by resource pointer */
  size_t dtor_cap, dtor_count;
  uint64_t types_serial; /* cm_host_types_serial */
};

/* Unique over the process, so that a host freed and another made at its address never look alike. */
static uint64_t next_types_serial(void) {
  static _Atomic uint64_t serial;
  return atomic_fetch_add_explicit(&serial, 1, memory_order_relaxed) + 1;
}

uint64_t cm_host_types_serial(const cm_host *host) { return host->types_serial; }

cm_host *cm_host_new(void) {
  cm_host *host = WR_NEW(cm_host);
  host->arena = cm_arena_new();
  host->wit = cm_wit_new(host->arena);
  host->types_serial = next_types_serial();
  return host;
}

void cm_host_free(cm_host *host) {
  if (!host) return;
  cm_wit_free(host->wit);
  WR_VEC_FREE(&host->interfaces);
  WR_VEC_FREE(&host->aliases);
  wr_free(host->dtors);
  cm_arena_free(host->arena);
  wr_free(host);
}

/* "1.2.3", "0.2" (a canonversion: missing parts are 0), "1.0.0-rc.1+b" (exact only). */
static semver parse_semver(const char *s, size_t len) {
  semver v = {.present = true};
  uint64_t parts[3] = {0, 0, 0};
  size_t i = 0;
  for (unsigned k = 0; k < 3; k++) {
    size_t start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 18) parts[k] = parts[k] * 10 + (uint64_t)(s[i++] - '0');
    if (i == start) v.exact_only = true;
    if (i == len || s[i] != '.') break;
    i++;
  }
  if (i != len) v.exact_only = true;
  v.major = parts[0];
  v.minor = parts[1];
  v.patch = parts[2];
  return v;
}

static semver version_of(const cm_name *name) {
  if (name->version_off >= name->len) return (semver){0};
  return parse_semver(name->text + name->version_off + 1, name->len - name->version_off - 1);
}

/* Semver compatibility as Cargo and wasmtime see it: same major; for 0.x the same minor; for
 * 0.0.x the same patch. */
static bool compatible(const semver *a, const semver *b) {
  if (a->major != b->major) return false;
  if (a->major > 0) return true;
  if (a->minor != b->minor) return false;
  return a->minor > 0 || a->patch == b->patch;
}

static bool newer(const semver *a, const semver *b) {
  if (a->major != b->major) return a->major > b->major;
  if (a->minor != b->minor) return a->minor > b->minor;
  return a->patch > b->patch;
}

bool cm_host_add_wit(cm_host *host, const char *source, const char *text, size_t len, wr_error *err) {
  host->types_serial = next_types_serial();
  uint32_t first = (uint32_t)host->interfaces.len;
  if (!cm_wit_add(host->wit, source, text, len, err)) return false;
  const char *name;
  const cm_type *type;
  for (uint32_t i = first; cm_wit_interface_at(host->wit, i, &name, &type); i++) {
    cm_host_interface *iface = cm_arena_alloc(host->arena, sizeof *iface);
    const char *why;
    /* the WIT parser only makes valid interface names */
    if (!cm_name_parse(host->arena, (const uint8_t *)name, (uint32_t)strlen(name), &iface->name, &why)) {
      wr_error_set(err, "%s: interface name `%s`: %s", source, name, why);
      return false;
    }
    iface->version = version_of(&iface->name);
    iface->type = type;
    iface->funcs = cm_arena_array(host->arena, type->nexports, sizeof *iface->funcs);
    cm_name_map_insert(&host->by_name, host->arena, iface->name.text, iface->name.len, (uint32_t)host->interfaces.len);
    WR_VEC_PUSH(&host->interfaces, iface);
  }
  return true;
}

static cm_host_interface *find_exact(const cm_host *host, const char *name) {
  uint32_t i;
  if (!cm_name_map_find(&host->by_name, name, (uint32_t)strlen(name), &i)) return NULL;
  return host->interfaces.items[i];
}

bool cm_host_alias_version(cm_host *host, const char *interface, const char *version, wr_error *err) {
  host->types_serial = next_types_serial();
  cm_host_interface *target = find_exact(host, interface);
  if (!target || !target->version.present) {
    wr_error_set(err, "cannot alias %s: no such versioned host interface", interface);
    return false;
  }
  size_t base = target->name.version_off, vlen = strlen(version);
  char *name = cm_arena_alloc(host->arena, base + 1 + vlen + 1);
  memcpy(name, target->name.text, base);
  name[base] = '@';
  memcpy(name + base + 1, version, vlen + 1);
  cm_host_interface *alias = cm_arena_alloc(host->arena, sizeof *alias);
  const char *why;
  if (!cm_name_parse(host->arena, (const uint8_t *)name, (uint32_t)(base + 1 + vlen), &alias->name, &why)) {
    wr_error_set(err, "cannot alias %s as `%s`: %s", interface, name, why);
    return false;
  }
  alias->version = version_of(&alias->name);
  if (!alias->version.exact_only) {
    wr_error_set(err, "cannot alias %s as `%s`: only a prerelease or build version needs an alias", interface, name);
    return false;
  }
  if (find_exact(host, name)) return true; /* declared under that name: the declaration binds */
  bool taken = false;
  for (size_t i = 0; i < host->aliases.len && !taken; i++) taken = !strcmp(host->aliases.items[i]->name.text, name);
  if (taken) {
    wr_error_set(err, "cannot alias %s as `%s`: that name is an alias already", interface, name);
    return false;
  }
  alias->type = target->type;
  alias->funcs = target->funcs; /* shared: implementations defined later serve both names */
  WR_VEC_PUSH(&host->aliases, alias);
  return true;
}

/* The export index of func `func`, or -1. */
static int64_t func_index(const cm_host_interface *iface, const char *func) {
  const cm_extern *ext = cm_type_export(iface->type, func);
  if (!ext || ext->sort != CM_SORT_FUNC) return -1;
  return ext - iface->type->exports;
}

bool cm_host_define_func(cm_host *host, const char *interface, const char *func, cm_host_impl impl, void *env) {
  cm_host_interface *iface = find_exact(host, interface);
  int64_t i = iface ? func_index(iface, func) : -1;
  if (i < 0) return false;
  iface->funcs[i].impl = impl;
  iface->funcs[i].env = env;
  return true;
}

void *cm_host_alloc(cm_host *host, size_t size) { return cm_arena_alloc(host->arena, size); }

const cm_functype *cm_host_func_type(const cm_host *host, const char *interface, const char *func) {
  const cm_host_interface *iface = find_exact(host, interface);
  int64_t i = iface ? func_index(iface, func) : -1;
  return i < 0 ? NULL : &iface->type->exports[i].type->func;
}

bool cm_host_define_async_func(cm_host *host, const char *interface, const char *func, cm_host_async_impl impl,
                               void *env) {
  cm_host_interface *iface = find_exact(host, interface);
  int64_t i = iface ? func_index(iface, func) : -1;
  if (i < 0) return false;
  iface->funcs[i].async_impl = impl;
  iface->funcs[i].env = env;
  return true;
}

const cm_type *cm_host_resource(const cm_host *host, const char *interface, const char *resource) {
  const cm_host_interface *iface = find_exact(host, interface);
  const cm_extern *ext = iface ? cm_type_export(iface->type, resource) : NULL;
  if (!ext || ext->sort != CM_SORT_TYPE || ext->type->kind != CM_TYPE_RESOURCE) return NULL;
  return ext->type;
}

/* ---- destructors, by resource pointer ---- */
static size_t dtor_slot(const host_dtor *table, size_t cap, const cm_type *resource) {
  size_t mask = cap - 1;
  size_t i = (size_t)(((uintptr_t)resource >> 4) * 0x9e3779b97f4a7c15ull) & mask;
  while (table[i].resource && table[i].resource != resource) i = (i + 1) & mask;
  return i;
}

void cm_host_define_dtor(cm_host *host, const cm_type *resource, cm_host_dtor dtor, void *env) {
  if ((host->dtor_count + 1) * 2 > host->dtor_cap) {
    size_t cap = host->dtor_cap ? host->dtor_cap * 2 : 16;
    host_dtor *grown = WR_NEW_ARRAY(host_dtor, cap);
    for (size_t i = 0; i < host->dtor_cap; i++)
      if (host->dtors[i].resource) grown[dtor_slot(grown, cap, host->dtors[i].resource)] = host->dtors[i];
    wr_free(host->dtors);
    host->dtors = grown;
    host->dtor_cap = cap;
  }
  host_dtor *d = &host->dtors[dtor_slot(host->dtors, host->dtor_cap, resource)];
  if (!d->resource) host->dtor_count++;
  *d = (host_dtor){resource, dtor, env};
}

bool cm_host_dtor_of(const cm_host *host, const cm_type *resource, cm_host_dtor *dtor, void **env) {
  if (!host->dtor_cap) return false;
  const host_dtor *d = &host->dtors[dtor_slot(host->dtors, host->dtor_cap, resource)];
  if (!d->resource) return false;
  *dtor = d->dtor;
  *env = d->env;
  return true;
}

/* ---- lookups at instantiation ---- */
const cm_host_interface *cm_host_find(const cm_host *host, const cm_name *name) {
  if (name->kind != CM_NAME_INTERFACE) return NULL;
  semver want = version_of(name);
  const cm_host_interface *best = NULL;
  /* a linear scan: hosts declare tens of interfaces, and instantiation resolves each import
   * once per component, not per instance */
  for (size_t i = 0; i < host->interfaces.len; i++) {
    const cm_host_interface *have = host->interfaces.items[i];
    if (have->name.version_off != name->version_off || memcmp(have->name.text, name->text, name->version_off)) continue;
    if (!want.present || !have->version.present || want.exact_only || have->version.exact_only) {
      /* unversioned matches unversioned; a prerelease or build matches itself */
      if (have->name.len == name->len && !memcmp(have->name.text, name->text, name->len)) return have;
      continue;
    }
    if (compatible(&have->version, &want) && (!best || newer(&have->version, &best->version))) best = have;
  }
  if (!best && want.exact_only)
    for (size_t i = 0; i < host->aliases.len; i++) {
      const cm_host_interface *alias = host->aliases.items[i];
      if (alias->name.len == name->len && !memcmp(alias->name.text, name->text, name->len)) return alias;
    }
  return best;
}

const char *cm_host_interface_name(const cm_host_interface *iface) { return iface->name.text; }

const cm_type *cm_host_interface_type(const cm_host_interface *iface) { return iface->type; }

const cm_host_func *cm_host_interface_slot(const cm_host_interface *iface, const char *func) {
  int64_t i = func_index(iface, func);
  return i < 0 ? NULL : &iface->funcs[i];
}

bool cm_host_func_impl(const cm_host_func *slot, cm_host_impl *impl, cm_host_async_impl *async_impl, void **env) {
  if (!slot || !(slot->async_impl || slot->impl)) return false;
  *async_impl = slot->async_impl;
  *impl = *async_impl ? NULL : slot->impl;
  *env = slot->env;
  return true;
}

bool cm_host_interface_impl(const cm_host_interface *iface, const char *func, cm_host_impl *impl,
                            cm_host_async_impl *async_impl, void **env) {
  return cm_host_func_impl(cm_host_interface_slot(iface, func), impl, async_impl, env);
}

bool cm_host_interface_func(const cm_host_interface *iface, const char *func, cm_host_impl *impl, void **env) {
  int64_t i = func_index(iface, func);
  if (i < 0 || !iface->funcs[i].impl) return false;
  *impl = iface->funcs[i].impl;
  *env = iface->funcs[i].env;
  return true;
}

bool cm_host_interface_async_func(const cm_host_interface *iface, const char *func, cm_host_async_impl *impl,
                                  void **env) {
  int64_t i = func_index(iface, func);
  if (i < 0 || !iface->funcs[i].async_impl) return false;
  *impl = iface->funcs[i].async_impl;
  *env = iface->funcs[i].env;
  return true;
}
