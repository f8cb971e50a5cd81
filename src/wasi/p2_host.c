/* Registering the WASI 0.2 hosts: the embedded WIT, the binder of their functions,
 * destructors, and the result values (result, option, list<u8>) every interface builds. */
#include <stdio.h>
#include <string.h>

#include "p2_internal.h"

bool wasi_add_wit(cm_host *host, const char *name, wr_error *err) {
  for (size_t i = 0; i < wasi_wit_file_count; i++) {
    const wasi_wit_file *f = &wasi_wit_files[i];
    if (strcmp(f->name, name) != 0) continue;
    char source[64];
    snprintf(source, sizeof source, "wit/%s.wit", name);
    return cm_host_add_wit(host, source, f->text, f->len, err);
  }
  wr_error_set(err, "no embedded WIT file named %s", name);
  return false;
}

static wasm_trap *p2_state(const cm_canon_cx *cx, void **state) {
  *state = wasi_p2_ctx_of(cx);
  return *state ? NULL : wasm_trap_new(cx->store, WASM_TRAP_HOST, "wasi used without a WASI context");
}

static wasm_trap *p2_resolve(void *state, uint32_t rep, const void *kind, void **object) {
  return wasi_table_lookup(state, rep, kind, object);
}

const cm_host_binder wasi_p2_binder = {p2_state, p2_resolve};

bool wasi_bind_funcs(cm_host *host, const char *interface, const cm_host_binding *rows, size_t n, wr_error *err) {
  return cm_host_bind(host, interface, &wasi_p2_binder, rows, n, NULL, err);
}

bool wasi_define_resource(cm_host *host, const char *interface, const char *resource, const wasi_kind *kind,
                          wr_error *err) {
  const cm_type *type = cm_host_resource(host, interface, resource);
  if (!type) {
    wr_error_set(err, "%s has no resource %s", interface, resource);
    return false;
  }
  cm_host_define_dtor(host, type, wasi_resource_dtor, (void *)kind);
  return true;
}

bool wasi_p2_define(cm_host *host, wr_error *err) {
  return wasi_p2_define_io(host, err) && wasi_p2_define_clocks(host, err) && wasi_p2_define_random(host, err) &&
         wasi_p2_define_filesystem(host, err) && wasi_p2_define_sockets(host, err) && wasi_p2_define_cli(host, err);
}

cm_val wasi_ok(const cm_canon_cx *cx, const cm_val *payload) { return cm_val_case(cx->arena, 0, payload); }
cm_val wasi_err(const cm_canon_cx *cx, const cm_val *payload) { return cm_val_case(cx->arena, 1, payload); }
cm_val wasi_some(const cm_canon_cx *cx, const cm_val *payload) { return cm_val_case(cx->arena, 1, payload); }
cm_val wasi_none(void) { return (cm_val){.u.cs = {0, NULL}}; }

cm_val wasi_bytes(const cm_canon_cx *cx, const uint8_t *bytes, size_t len) {
  cm_val list = cm_val_seq(cx->arena, (uint32_t)len);
  for (size_t i = 0; i < len; i++) list.u.seq.items[i].u.u = bytes[i];
  return list;
}

cm_val wasi_string(const cm_canon_cx *cx, const char *text) {
  size_t len = strlen(text);
  return cm_val_string(cm_arena_strndup(cx->arena, text, len), (uint32_t)len);
}
