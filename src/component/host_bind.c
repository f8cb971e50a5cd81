/* Bound host functions (host_bind.h): the table rows checked against the WIT, and the call
 * path that lifts a row's arguments from core values into cm_host_args. */
#include "host_bind.h"

typedef struct bound {
  cm_host_fn fn;
  void *env;
  const cm_host_binder *binder;
  const cm_functype *ft; /* the host's WIT type (a caller's view has the same shape) */
  const void *objects[CM_HOST_BIND_MAX_OBJECTS];
} bound;

typedef enum { ARG_VAL, ARG_BYTES, ARG_TEXT, ARG_OBJECT } arg_form;

static bool is_handle(const cm_valtype *t) { return t->kind == CM_OWN || t->kind == CM_BORROW; }

static arg_form form_of(const bound *b, uint32_t i, const cm_valtype *t) {
  if (i < CM_HOST_BIND_MAX_OBJECTS && b->objects[i] && is_handle(t)) return ARG_OBJECT;
  if (t->kind == CM_STRING) return ARG_TEXT;
  if (t->kind == CM_LIST && t->elem->kind == CM_U8) return ARG_BYTES;
  return ARG_VAL;
}

bool cm_host_bind(cm_host *host, const char *interface, const cm_host_binder *binder, const cm_host_binding *rows,
                  size_t n, void *env, wr_error *err) {
  for (size_t r = 0; r < n; r++) {
    const cm_host_binding *row = &rows[r];
    const cm_functype *ft = cm_host_func_type(host, interface, row->func);
    if (!ft) {
      wr_error_set(err, "%s has no function %s", interface, row->func);
      return false;
    }
    for (uint32_t i = 0; i < CM_HOST_BIND_MAX_OBJECTS; i++) {
      if (row->objects[i] && (i >= ft->nparams || !is_handle(ft->params[i].type))) {
        wr_error_set(err, "%s#%s: parameter %u is not a handle, so it cannot arrive as an object", interface,
                     row->func, i);
        return false;
      }
    }
    bound *b = cm_host_alloc(host, sizeof *b);
    *b = (bound){row->fn, env, binder, ft, {0}};
    for (uint32_t i = 0; i < CM_HOST_BIND_MAX_OBJECTS; i++) b->objects[i] = row->objects[i];
    cm_host_define_func(host, interface, row->func, cm_host_bound_impl, b);
  }
  return true;
}

/* The state, the object parameters (args[i].val.u.rep on entry), then the function. */
static wasm_trap *invoke(const bound *b, const cm_canon_cx *cx, const cm_functype *ft, cm_host_arg *args,
                         cm_val *result) {
  void *state = NULL;
  wasm_trap *trap = b->binder->state(cx, &state);
  if (trap) return trap;
  for (uint32_t i = 0; i < ft->nparams && i < CM_HOST_BIND_MAX_OBJECTS; i++) {
    if (form_of(b, i, ft->params[i].type) != ARG_OBJECT) continue;
    if ((trap = b->binder->resolve(state, args[i].val.u.rep, b->objects[i], &args[i].object))) return trap;
  }
  cm_bound_call call = {cx, state, b->env, args};
  return b->fn(&call, result);
}

static cm_host_arg *args_for(const cm_canon_cx *cx, const cm_functype *ft, cm_host_arg *small, uint32_t nsmall) {
  return ft->nparams <= nsmall ? small : cm_arena_array(cx->arena, ft->nparams, sizeof(cm_host_arg));
}

wasm_trap *cm_host_bound_impl(void *env, const cm_canon_cx *cx, const cm_val *vals, cm_val *result) {
  const bound *b = env;
  cm_host_arg small[8];
  cm_host_arg *args = args_for(cx, b->ft, small, 8);
  for (uint32_t i = 0; i < b->ft->nparams; i++) {
    const cm_val *v = &vals[i];
    switch (form_of(b, i, b->ft->params[i].type)) {
    case ARG_TEXT: args[i].str = (cm_text){v->u.str.data, v->u.str.len}; break;
    case ARG_BYTES: {
      uint32_t len = v->u.seq.count;
      uint8_t *bytes = cm_arena_alloc(cx->arena, len ? len : 1);
      for (uint32_t k = 0; k < len; k++) bytes[k] = (uint8_t)v->u.seq.items[k].u.u;
      args[i].bytes = (cm_bytes){bytes, len};
      break;
    }
    case ARG_OBJECT: case ARG_VAL: args[i].val = *v; break;
    }
  }
  return invoke(b, cx, b->ft, args, result);
}

wasm_trap *cm_host_bound_call(const void *binding, const cm_canon_cx *cx, const cm_functype *ft, uint32_t max_flat,
                              const wasm_slot *slots, cm_val *result) {
  const bound *b = binding;
  wasm_trap *trap;
  if (cm_params_flat_count(ft) > max_flat) {
    /* spilled parameters (few functions have them): lift as usual and adapt */
    cm_val *vals = cm_arena_array(cx->arena, ft->nparams ? ft->nparams : 1, sizeof *vals);
    trap = cm_lift_args_max(cx, ft, max_flat, slots, vals);
    return trap ? trap : cm_host_bound_impl((void *)b, cx, vals, result);
  }
  cm_host_arg small[8];
  cm_host_arg *args = args_for(cx, ft, small, 8);
  uint32_t n = 0;
  for (uint32_t i = 0; i < ft->nparams; i++) {
    const cm_valtype *t = ft->params[i].type;
    uint32_t ptr = (uint32_t)slots[n], len = t->flat_count > 1 ? (uint32_t)slots[n + 1] : 0;
    trap = NULL;
    switch (form_of(b, i, t)) {
    case ARG_TEXT: {
      cm_val text;
      trap = cm_lift_string_range(cx, ptr, len, &text);
      if (!trap) args[i].str = (cm_text){text.u.str.data, text.u.str.len};
      break;
    }
    case ARG_BYTES:
      args[i].bytes.len = len;
      trap = cm_lift_byte_range(cx, ptr, len, &args[i].bytes.data);
      break;
    case ARG_OBJECT: trap = cm_lift_handle(cx, t, ptr, &args[i].val.u.rep); break;
    case ARG_VAL: trap = cm_lift_flat(cx, t, slots + n, &args[i].val); break;
    }
    if (trap) return trap;
    n += t->flat_count;
  }
  return invoke(b, cx, ft, args, result);
}
