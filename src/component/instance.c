/* Instantiation of the component graph: every definition of a component, in binary order,
 * gets its runtime value (see instance.h). */
#include "instance.h"

#include <string.h>

#include "../base/alloc.h"
#include "instance_internal.h"
#include "names.h"

/* ---- runtime values of index space entries ---- */
typedef struct rt_core_instance {
  wasm_instance *instance;     /* (instantiate module args) */
  const cm_core_instance *def; /* inline exports: their names */
  wasm_extern *exports;        /* inline exports: their values, in def->exports order */
} rt_core_instance;

typedef enum { RT_INSTANCE_HOST, RT_INSTANCE_CHILD, RT_INSTANCE_INLINE } rt_instance_kind;

typedef union rt_item rt_item;

typedef struct rt_instance {
  rt_instance_kind kind;
  const cm_host_interface *host;    /* HOST */
  cm_component_instance *child;     /* CHILD */
  const cm_instance *def;           /* INLINE: export names and sorts */
  rt_item *items;                   /* INLINE: export values */
} rt_instance;

/* A component as a runtime value: its definition and the instance it was defined in, where
 * its outer aliases resolve (a component exported out of an instance keeps what that
 * instance's definitions were, e.g. an imported core module). */
typedef struct rt_component {
  const cm_component *component;
  cm_component_instance *env;
} rt_component;

union rt_item {
  wasm_extern core;                 /* core func, table, memory, global */
  rt_core_instance *core_instance;
  const cm_core_module *module;
  const rt_component *component;
  cm_func *func;
  rt_instance *instance;
};

/* Where a resource type, as one instance sees it, comes from at run time is a
 * cm_resource_origin (plan.h): its concrete type and the instance that defined it. Types are
 * static (shared by every instance of a component), resources are not: two instances of one
 * component define two resources, so a handle's destructor is found through the instance that
 * received it. */
typedef cm_resource_origin resource_origin;

typedef struct resource_builtin {
  cm_component_instance *inst;
  const cm_type *resource;
} resource_builtin;

#define fail(err, ...) (wr_error_set((err), __VA_ARGS__), false)

/* The node of `inst` in the plan being recorded. */
static cm_plan_node *recording_node(const cm_component_instance *inst) {
  return inst->root->recording->nodes.items[inst->tree_index];
}

/* The resource a (possibly abstract) resource type stands for in this instance tree. */
static const cm_type *concrete_resource(const rt_root *root, const cm_type *resource) {
  const cm_type_binding *bindings = root->recording ? root->matcher.bindings.items : root->plan->bindings.items;
  size_t n = root->recording ? root->matcher.bindings.len : root->plan->bindings.len;
  for (unsigned hops = 0; hops < 64; hops++) {
    const cm_type *next = NULL;
    for (size_t i = 0; i < n; i++)
      if (bindings[i].want == resource) next = bindings[i].have;
    if (!next || next == resource) return resource;
    resource = next;
  }
  return resource;
}

/* The instance that defined a concrete guest resource (CM_NO_DEFINER: none in this tree). */
static uint32_t definer_of(const rt_root *root, const cm_type *resource) {
  for (uint32_t i = 0; i < root->nall; i++) {
    const cm_plan_node *node = root->all[i]->node;
    for (size_t j = 0; j < node->implements.len; j++)
      if (node->implements.items[j] == resource) return i;
  }
  return CM_NO_DEFINER;
}

/* The origin of resource type `type` as `inst` sees it: defined there, bound when it was
 * imported or aliased, or else (a resource type reached some other way) the first instance of
 * the tree that defines its concrete type. */
static resource_origin origin_of(const cm_component_instance *inst, const cm_type *type) {
  const cm_plan_node *node = inst->node;
  for (size_t i = 0; i < node->implements.len; i++)
    if (node->implements.items[i] == type) return (resource_origin){type, type, inst->tree_index};
  for (size_t i = node->origins.len; i-- > 0;)
    if (node->origins.items[i].type == type) return node->origins.items[i];
  const cm_type *concrete = concrete_resource(inst->root, type);
  return (resource_origin){type, concrete, definer_of(inst->root, concrete)};
}

/* Records what `type` stands for in `inst` (replaying, the plan has it already). */
static void bind_origin(const cm_component_instance *inst, const cm_type *type, resource_origin from) {
  if (!type || type->kind != CM_TYPE_RESOURCE || type == from.type) return;
  WR_VEC_PUSH(&recording_node(inst)->origins, ((resource_origin){type, from.concrete, from.definer}));
}

typedef struct dtor_run {
  wasm_func *dtor;
  uint32_t rep;
} dtor_run;

static wasm_trap *run_dtor(cm_thread *thread, void *arg) {
  dtor_run *d = arg;
  wasm_slot slots[1] = {d->rep};
  cm_task *task = thread->task;
  cm_task_start(task);
  wasm_trap *trap = wasm_func_call(thread->store->wasm, d->dtor, slots);
  if (!trap) trap = cm_task_return(thread->store->wasm, task);
  if (!trap) trap = cm_task_exit_implicit_thread(task);
  return trap;
}

/* The handle table's destructor: an own handle of `resource` (as this instance sees it) was
 * dropped. Host resources go to the host's destructor, guest resources to their dtor. */
static wasm_trap *drop_resource(void *env, const cm_type *resource, uint32_t rep) {
  cm_component_instance *inst = env;
  rt_root *root = inst->root;
  resource_origin origin = origin_of(inst, resource);
  const cm_type *concrete = origin.concrete;
  cm_host_dtor host_dtor;
  void *host_env;
  if (root->host && cm_host_dtor_of(root->host, concrete, &host_dtor, &host_env))
    return host_dtor(host_env, root->store, rep);
  if (!concrete->resource.defined || !concrete->resource.has_dtor) return NULL;
  if (origin.definer == CM_NO_DEFINER) return NULL;
  cm_component_instance *definer = root->all[origin.definer];
  /* the destructor runs as a sync task of its definer (canon_resource_drop lifts it) */
  dtor_run d = {definer->space[CM_SORT_CORE_FUNC][concrete->resource.dtor].core.of.func, rep};
  return cm_run_sync_task(definer, run_dtor, &d);
}

/* ---- entering ---- */
/* Entering an instance (definitions.py ComponentInstance.may_enter_from / enter_from /
 * leave_to, as wasmtime and the component model's test/async apply them): a call may not enter
 * an instance that is already entered, nor one whose ancestor or descendant is (a parent and
 * its child calling each other traps, test/async/trap-on-reenter.wast); siblings may call each
 * other. `caller` is kept for the spec's signature. */
bool cm_instance_may_enter_from(const cm_component_instance *callee, const cm_component_instance *caller) {
  (void)caller;
  if (callee->root->poisoned || callee->entered_descendants) return false;
  for (const cm_component_instance *i = callee; i; i = i->parent)
    if (!i->may_enter) return false;
  return true;
}

void cm_instance_enter_from(cm_component_instance *callee, const cm_component_instance *caller) {
  (void)caller;
  callee->may_enter = false;
  for (cm_component_instance *i = callee->parent; i; i = i->parent) i->entered_descendants++;
}

void cm_instance_leave_to(cm_component_instance *callee, const cm_component_instance *caller) {
  (void)caller;
  callee->may_enter = true;
  for (cm_component_instance *i = callee->parent; i; i = i->parent) i->entered_descendants--;
}

static wasm_trap *cannot_leave(wasm_store *store) {
  return wasm_trap_new(store, WASM_TRAP_HOST, "cannot leave component instance (during post-return or realloc)");
}

static wasm_trap *resource_new_call(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const resource_builtin *rb = env;
  if (!rb->inst->may_leave) return cannot_leave(rb->inst->root->store);
  uint32_t index;
  wasm_trap *trap = cm_resource_new(rb->inst->root->store, &rb->inst->handles, rb->resource, (uint32_t)slots[0], &index);
  if (!trap) slots[0] = index;
  return trap;
}

static wasm_trap *resource_rep_call(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const resource_builtin *rb = env; /* resource.rep may run during post-return: it does not leave */
  uint32_t rep;
  wasm_trap *trap = cm_resource_rep(rb->inst->root->store, &rb->inst->handles, (uint32_t)slots[0], rb->resource, &rep);
  if (!trap) slots[0] = rep;
  return trap;
}

static wasm_trap *resource_drop_call(wasm_caller *caller, void *env, wasm_slot *slots) {
  (void)caller;
  const resource_builtin *rb = env;
  if (!rb->inst->may_leave) return cannot_leave(rb->inst->root->store);
  return cm_resource_drop(rb->inst->root->store, &rb->inst->handles, (uint32_t)slots[0], rb->resource);
}

/* ---- lookups ----
 * Each lookup by name is made once per plan (plan.h) and its result recorded; a replay goes
 * straight to the recorded index. */
/* The position of export `name` of a core instance value: in its module's exports, or among
 * its inline exports (whose type lists them in the same order). */
static bool core_export_index(const rt_core_instance *ci, const char *name, size_t len, uint32_t *index) {
  if (ci->instance) return wasm_module_find_export(wasm_instance_module(ci->instance), name, len, index);
  return len <= UINT32_MAX && cm_name_map_find(&ci->def->type->export_map, name, (uint32_t)len, index);
}

static void core_export_at(const rt_core_instance *ci, uint32_t index, wasm_extern *out) {
  if (ci->instance) wasm_instance_export_at(ci->instance, index, out);
  else *out = ci->exports[index];
}

static const cm_export *component_export(const cm_component *c, const char *name) {
  for (size_t i = 0; i < c->exports.len; i++)
    if (!strcmp(c->exports.items[i].ext.name.text, name)) return &c->exports.items[i];
  return NULL;
}

/* The origin of the resource type exported as `name` by instance value `ri` (seen from `inst`,
 * where that export's type is `seen_as`). */
static resource_origin exported_type_origin(const cm_component_instance *inst, const rt_instance *ri, const char *name,
                                            const cm_type *seen_as) {
  if (ri->kind == RT_INSTANCE_CHILD) {
    const cm_export *ex = component_export(ri->child->component, name);
    if (ex && ex->sort == CM_SORT_TYPE)
      return origin_of(ri->child, ri->child->component->space[CM_SORT_TYPE].items[ex->index].u.type);
  } else if (ri->kind == RT_INSTANCE_INLINE) {
    for (uint32_t i = 0; i < ri->def->nexports; i++)
      if (ri->def->exports[i].sort == CM_SORT_TYPE && !strcmp(ri->def->exports[i].name.text, name))
        return origin_of(inst, inst->component->space[CM_SORT_TYPE].items[ri->def->exports[i].index].u.type);
  }
  return origin_of(inst, seen_as);
}

/* Looks export `name` of a component instance value up: the host's slot for it, or its
 * position among the exports of the child component or inline instance. */
static bool find_instance_export(const rt_instance *ri, const char *name, cm_sort sort, cm_plan_step *found,
                                 wr_error *err) {
  switch (ri->kind) {
  case RT_INSTANCE_HOST:
    if (sort == CM_SORT_TYPE) return true; /* types are static; resources resolve by binding */
    if (sort != CM_SORT_FUNC)
      return fail(err, "host interface %s: exporting a %s is not supported", cm_host_interface_name(ri->host),
                  cm_sort_name(sort));
    found->host_func = cm_host_interface_slot(ri->host, name);
    return true;
  case RT_INSTANCE_CHILD: {
    const cm_export *ex = component_export(ri->child->component, name);
    if (!ex) return fail(err, "instance has no export `%s`", name);
    found->export_index = (uint32_t)(ex - ri->child->component->exports.items);
    return true;
  }
  case RT_INSTANCE_INLINE:
    for (uint32_t i = 0; i < ri->def->nexports; i++)
      if (!strcmp(ri->def->exports[i].name.text, name)) {
        found->export_index = i;
        return true;
      }
    return fail(err, "instance has no export `%s`", name);
  }
  return false;
}

/* The value of the export of a component instance value that `found` designates, as a runtime
 * item of `sort`; `type` is the export's type as the importer sees it (for host functions),
 * `name` its name (for the error when the host defines no implementation). */
static bool instance_export_at(cm_component_instance *inst, const rt_instance *ri, const cm_plan_step *found,
                               const char *name, cm_sort sort, const cm_type *type, rt_item *out, wr_error *err) {
  switch (ri->kind) {
  case RT_INSTANCE_HOST: {
    if (sort == CM_SORT_TYPE) return true;
    cm_func *f = cm_arena_alloc(inst->root->arena, sizeof *f);
    f->kind = CM_FUNC_HOST;
    f->type = &type->func;
    if (!cm_host_func_impl(found->host_func, &f->impl, &f->async_impl, &f->env))
      return fail(err, "the host does not implement %s#%s", cm_host_interface_name(ri->host), name);
    if (f->async_impl) f->kind = CM_FUNC_HOST_ASYNC;
    out->func = f;
    return true;
  }
  case RT_INSTANCE_CHILD: {
    const cm_export *ex = &ri->child->component->exports.items[found->export_index];
    if (ex->sort != CM_SORT_TYPE) *out = ri->child->space[ex->sort][ex->index];
    return true;
  }
  case RT_INSTANCE_INLINE: *out = ri->items[found->export_index]; return true;
  }
  return false;
}

/* ---- definitions ---- */
/* Building one instance of the tree: its definitions replay the steps of its plan node, or
 * look names up and record them into `rec`. */
typedef struct builder {
  cm_component_instance *inst;
  const cm_component *c;
  const cm_plan_step *steps; /* replaying: by definition index */
  cm_plan_node *rec;         /* recording (steps is then rec->steps) */
  wr_error *err;
  wasm_trap **trap_out;
} builder;

static rt_item *item_at(cm_component_instance *inst, cm_sort sort, uint32_t index) {
  return &inst->space[sort][index];
}

/* Where each import of module `m` comes from, looked up by name among the arguments of `def`. */
static bool find_core_sources(builder *b, const cm_core_instance *def, const wasm_module *m, cm_plan_source *sources) {
  for (uint32_t i = 0; i < m->nimports; i++) {
    const wasm_import *im = &m->imports[i];
    const cm_core_arg *arg = NULL;
    for (uint32_t j = 0; j < def->nargs && !arg; j++)
      if (def->args[j].name.len == im->module.len && !memcmp(def->args[j].name.data, im->module.data, im->module.len))
        arg = &def->args[j];
    if (!arg || !core_export_index(item_at(b->inst, CM_SORT_CORE_INSTANCE, arg->instance)->core_instance,
                                   im->name.data, im->name.len, &sources[i].export_index))
      return fail(b->err, "core import %.*s.%.*s is not supplied", (int)im->module.len, im->module.data,
                  (int)im->name.len, im->name.data);
    sources[i].instance = arg->instance;
  }
  return true;
}

enum { FEW_CORE_IMPORTS = 32 }; /* imports gathered on the stack; more in the scratch arena */

static bool instantiate_core(builder *b, uint32_t d, const cm_core_instance *def, rt_item *out) {
  rt_root *root = b->inst->root;
  rt_core_instance *ci = cm_arena_alloc(root->arena, sizeof *ci);
  out->core_instance = ci;
  if (!def->instantiate) {
    ci->def = def;
    ci->exports = cm_arena_array(root->arena, def->nexports, sizeof *ci->exports);
    for (uint32_t i = 0; i < def->nexports; i++) {
      const cm_inline_export *e = &def->exports[i];
      ci->exports[i] = item_at(b->inst, e->sort, e->index)->core;
    }
    return true;
  }
  const cm_core_module *mod = item_at(b->inst, CM_SORT_CORE_MODULE, def->module)->module;
  if (!mod) return fail(b->err, "instantiating an imported core module is not supported");
  const wasm_module *m = mod->module;
  const cm_plan_source *sources = b->steps[d].sources;
  if (b->rec) {
    cm_plan_source *found = cm_plan_alloc(root->recording, m->nimports, sizeof *found);
    if (!find_core_sources(b, def, m, found)) return false;
    b->rec->steps[d].sources = sources = found;
    if (m->has_start) b->rec->runs_guest_code = true;
  }
  wasm_extern few[FEW_CORE_IMPORTS], *imports = few;
  cm_arena *scratch = NULL;
  cm_arena_mark mark = {0};
  if (m->nimports > FEW_CORE_IMPORTS) {
    scratch = cm_root_scratch(root);
    mark = cm_arena_mark_now(scratch);
    imports = cm_arena_array(scratch, m->nimports, sizeof *imports);
  }
  for (uint32_t i = 0; i < m->nimports; i++)
    core_export_at(item_at(b->inst, CM_SORT_CORE_INSTANCE, sources[i].instance)->core_instance,
                   sources[i].export_index, &imports[i]);
  ci->instance = wasm_instantiate(root->store, m, imports, m->nimports, b->trap_out, b->err);
  if (scratch) cm_arena_release(scratch, mark);
  return ci->instance != NULL;
}

static cm_extern extern_of(cm_sort sort, const cm_item *item) {
  cm_extern ext = {.sort = sort};
  if (sort == CM_SORT_CORE_MODULE) ext.core_type = item->u.core_type;
  else if (sort == CM_SORT_VALUE) ext.value = item->u.value;
  else ext.type = item->u.type;
  return ext;
}

static cm_component_instance *instance_new(rt_root *root, const cm_component *c, cm_component_instance *parent);
static bool build(builder *b);

/* The resource types `child` imports (directly, or as exports of an imported instance) come
 * from the resources of the argument `parent` passes. */
static void bind_import_origins(cm_component_instance *parent, cm_component_instance *child, const cm_extern *im,
                                const cm_arg *arg) {
  if (arg->sort == CM_SORT_TYPE) {
    bind_origin(child, im->type, origin_of(parent, parent->component->space[CM_SORT_TYPE].items[arg->index].u.type));
    return;
  }
  if (arg->sort != CM_SORT_INSTANCE) return;
  const rt_instance *ri = item_at(parent, CM_SORT_INSTANCE, arg->index)->instance;
  for (uint32_t i = 0; i < im->type->nexports; i++) {
    const cm_extern *ex = &im->type->exports[i];
    if (ex->sort == CM_SORT_TYPE)
      bind_origin(child, ex->type, exported_type_origin(parent, ri, ex->name.text, ex->type));
  }
}

/* The argument of `def` for each import of `child_c`, looked up by name and matched. */
static bool find_child_args(builder *b, const cm_instance *def, const cm_component *child_c, uint32_t *args) {
  rt_root *root = b->inst->root;
  for (size_t i = 0; i < child_c->imports.len; i++) {
    const cm_extern *im = &child_c->imports.items[i].ext;
    const cm_arg *arg = NULL;
    for (uint32_t j = 0; j < def->nargs && !arg; j++)
      if (!strcmp(def->args[j].name, im->name.text)) arg = &def->args[j];
    if (!arg) return fail(b->err, "nested component import `%s` is not supplied", im->name.text);
    cm_extern have = extern_of(arg->sort, &b->c->space[arg->sort].items[arg->index]);
    const char *why;
    if (!cm_externs_match(&root->matcher, &have, im, &why))
      return fail(b->err, "nested component import `%s`: the argument is %s", im->name.text, why);
    args[i] = (uint32_t)(arg - def->args);
  }
  return true;
}

static bool instantiate_child(builder *b, uint32_t d, const cm_instance *def, rt_item *out) {
  rt_root *root = b->inst->root;
  rt_instance *ri = cm_arena_alloc(root->arena, sizeof *ri);
  out->instance = ri;
  if (!def->instantiate) {
    ri->kind = RT_INSTANCE_INLINE;
    ri->def = def;
    ri->items = cm_arena_array(root->arena, def->nexports, sizeof *ri->items);
    for (uint32_t i = 0; i < def->nexports; i++)
      ri->items[i] = *item_at(b->inst, def->exports[i].sort, def->exports[i].index);
    return true;
  }
  const rt_component *closure = item_at(b->inst, CM_SORT_COMPONENT, def->component)->component;
  if (!closure) return fail(b->err, "instantiating an imported component is not supported");
  const cm_component *child_c = closure->component;
  cm_component_instance *child = instance_new(root, child_c, b->inst);
  child->outer = closure->env;
  const uint32_t *args = b->steps[d].args;
  if (b->rec) {
    uint32_t *found = cm_plan_alloc(root->recording, child_c->imports.len, sizeof *found);
    if (!find_child_args(b, def, child_c, found)) return false;
    b->rec->steps[d].args = args = found;
  }
  for (size_t i = 0; i < child_c->imports.len; i++) {
    const cm_arg *arg = &def->args[args[i]];
    child->imports[i] = *item_at(b->inst, arg->sort, arg->index);
    if (b->rec) bind_import_origins(b->inst, child, &child_c->imports.items[i].ext, arg);
  }
  builder cb = {child, child_c, child->node->steps, b->rec ? recording_node(child) : NULL, b->err, b->trap_out};
  if (!build(&cb)) return false;
  ri->kind = RT_INSTANCE_CHILD;
  ri->child = child;
  return true;
}

/* The host interface import `im` binds to, looked up by name and matched. */
static bool find_host_interface(builder *b, const cm_extern *im, const cm_host_interface **found) {
  rt_root *root = b->inst->root;
  if (im->sort != CM_SORT_INSTANCE)
    return fail(b->err, "import `%s`: only instance imports can be provided by the host (this is a %s)", im->name.text,
                cm_sort_name(im->sort));
  const cm_host_interface *iface = root->host ? cm_host_find(root->host, &im->name) : NULL;
  if (!iface) return fail(b->err, "import `%s` is not provided by the host", im->name.text);
  cm_extern have = {.sort = CM_SORT_INSTANCE, .type = cm_host_interface_type(iface)};
  const char *why;
  root->matcher.missing = NULL;
  if (!cm_externs_match(&root->matcher, &have, im, &why))
    return fail(b->err, "import `%s` does not match the host's %s: %s%s%s", im->name.text,
                cm_host_interface_name(iface), why, root->matcher.missing ? " at " : "",
                root->matcher.missing ? root->matcher.missing : "");
  *found = iface;
  return true;
}

static bool bind_root_import(builder *b, uint32_t d, const cm_extern *im, rt_item *out) {
  const cm_host_interface *iface = b->steps[d].host_interface;
  if (b->rec) {
    if (!find_host_interface(b, im, &iface)) return false;
    b->rec->steps[d].host_interface = iface;
  }
  rt_instance *ri = cm_arena_alloc(b->inst->root->arena, sizeof *ri);
  ri->kind = RT_INSTANCE_HOST;
  ri->host = iface;
  out->instance = ri;
  return true;
}

static bool alias(builder *b, uint32_t d, const cm_alias *a, const cm_item *ir_item, rt_item *out) {
  switch (a->kind) {
  case CM_ALIAS_CORE_EXPORT: {
    const rt_core_instance *ci = item_at(b->inst, CM_SORT_CORE_INSTANCE, a->instance)->core_instance;
    if (b->rec && !core_export_index(ci, a->name, strlen(a->name), &b->rec->steps[d].export_index))
      return fail(b->err, "core instance %u has no export `%s`", a->instance, a->name);
    core_export_at(ci, b->steps[d].export_index, &out->core);
    return true;
  }
  case CM_ALIAS_EXPORT: {
    const rt_instance *ri = item_at(b->inst, CM_SORT_INSTANCE, a->instance)->instance;
    if (b->rec) {
      if (a->sort == CM_SORT_TYPE)
        bind_origin(b->inst, ir_item->u.type, exported_type_origin(b->inst, ri, a->name, ir_item->u.type));
      if (!find_instance_export(ri, a->name, a->sort, &b->rec->steps[d], b->err)) return false;
    }
    return instance_export_at(b->inst, ri, &b->steps[d], a->name, a->sort, ir_item->u.type, out, b->err);
  }
  case CM_ALIAS_OUTER: {
    cm_component_instance *target = b->inst;
    for (uint32_t i = 0; i < a->outer_count && target; i++) target = target->outer;
    if (!target) return fail(b->err, "outer alias beyond the root");
    if (a->sort == CM_SORT_CORE_MODULE || a->sort == CM_SORT_COMPONENT)
      *out = *item_at(target, a->sort, a->outer_index);
    return true;
  }
  }
  return false;
}

static bool canon(builder *b, const cm_canon *cn, rt_item *out) {
  cm_component_instance *inst = b->inst;
  rt_root *root = inst->root;
  wasm_memory *memory = cn->opts.has_memory ? item_at(inst, CM_SORT_CORE_MEMORY, cn->opts.memory)->core.of.memory : NULL;
  wasm_func *realloc_fn = cn->opts.has_realloc ? item_at(inst, CM_SORT_CORE_FUNC, cn->opts.realloc)->core.of.func : NULL;
  switch (cn->kind) {
  case CM_CANON_LIFT: {
    cm_func *f = cm_arena_alloc(root->arena, sizeof *f);
    f->kind = CM_FUNC_LIFTED;
    f->type = &cn->resolved->func;
    f->owner = inst;
    f->core = item_at(inst, CM_SORT_CORE_FUNC, cn->func)->core.of.func;
    f->memory = memory;
    f->realloc = realloc_fn;
    f->post_return = cn->opts.has_post_return ? item_at(inst, CM_SORT_CORE_FUNC, cn->opts.post_return)->core.of.func : NULL;
    f->callback = cn->opts.has_callback ? item_at(inst, CM_SORT_CORE_FUNC, cn->opts.callback)->core.of.func : NULL;
    f->async = cn->opts.async;
    f->encoding = cn->opts.string_encoding;
    out->func = f;
    return true;
  }
  case CM_CANON_LOWER: {
    lowered_func *lf = cm_arena_alloc(root->arena, sizeof *lf);
    lf->callee = item_at(inst, CM_SORT_FUNC, cn->func)->func;
    lf->type = &b->c->space[CM_SORT_FUNC].items[cn->func].u.type->func;
    lf->caller = inst;
    lf->memory = memory;
    lf->realloc = realloc_fn;
    lf->encoding = cn->opts.string_encoding;
    lf->async = cn->opts.async;
    out->core.kind = WASM_EXTERN_FUNC;
    out->core.of.func = wasm_func_new_host_canonical(root->store, cn->core_type, cm_lowered_call, lf);
    return true;
  }
  case CM_CANON_RESOURCE_NEW:
  case CM_CANON_RESOURCE_REP:
  case CM_CANON_RESOURCE_DROP: {
    resource_builtin *rb = cm_arena_alloc(root->arena, sizeof *rb);
    rb->inst = inst;
    rb->resource = cn->resolved;
    wasm_host_fn fn = cn->kind == CM_CANON_RESOURCE_NEW   ? resource_new_call
                      : cn->kind == CM_CANON_RESOURCE_REP ? resource_rep_call
                                                          : resource_drop_call;
    out->core.kind = WASM_EXTERN_FUNC;
    out->core.of.func = wasm_func_new_host_canonical(root->store, cn->core_type, fn, rb);
    return true;
  }
  default:
    out->core.kind = WASM_EXTERN_FUNC;
    return cm_builtin_func(inst, cn, memory, realloc_fn,
                           cn->kind == CM_CANON_THREAD_NEW_INDIRECT ? item_at(inst, CM_SORT_CORE_TABLE, cn->table)->core.of.table : NULL,
                           &out->core.of.func, b->err);
  }
}

static bool build_defs(builder *b) {
  const cm_component *c = b->c;
  cm_component_instance *inst = b->inst;
  for (uint32_t d = 0; d < c->defs.len; d++) {
    const cm_def *def = &c->defs.items[d];
    rt_item *out = def->adds_item ? item_at(inst, def->sort, def->sort_index) : NULL;
    bool ok = true;
    switch (def->kind) {
    case CM_DEF_CORE_MODULE: out->module = &c->modules.items[def->index]; break;
    case CM_DEF_COMPONENT: {
      rt_component *closure = cm_arena_alloc(inst->root->arena, sizeof *closure);
      closure->component = c->components.items[def->index];
      closure->env = inst;
      out->component = closure;
      break;
    }
    case CM_DEF_CORE_TYPE: break;
    case CM_DEF_CORE_INSTANCE: ok = instantiate_core(b, d, &c->core_instances.items[def->index], out); break;
    case CM_DEF_INSTANCE: ok = instantiate_child(b, d, &c->instances.items[def->index], out); break;
    case CM_DEF_ALIAS:
      ok = alias(b, d, &c->aliases.items[def->index], &c->space[def->sort].items[def->sort_index], out);
      break;
    case CM_DEF_TYPE: {
      const cm_type *t = c->space[CM_SORT_TYPE].items[def->sort_index].u.type;
      if (b->rec && t->kind == CM_TYPE_RESOURCE && t->resource.defined) WR_VEC_PUSH(&b->rec->implements, t);
      break;
    }
    case CM_DEF_CANON: ok = canon(b, &c->canons.items[def->index], out); break;
    case CM_DEF_START: ok = fail(b->err, "component start functions are not supported yet"); break;
    case CM_DEF_IMPORT:
      if (inst->parent) *out = inst->imports[def->index];
      else ok = bind_root_import(b, d, &c->imports.items[def->index].ext, out);
      break;
    case CM_DEF_EXPORT: {
      const cm_export *ex = &c->exports.items[def->index];
      *out = *item_at(inst, ex->sort, ex->index);
      break;
    }
    case CM_DEF_VALUE: ok = fail(b->err, "value definitions are not supported"); break;
    }
    if (!ok) {
      if (!*b->trap_out) wr_error_prefix(b->err, "instantiating %s", inst->parent ? "a nested component" : "the component");
      return false;
    }
  }
  inst->handles.implements = inst->node->implements.items;
  inst->handles.nimplements = (uint32_t)inst->node->implements.len;
  return true;
}

/* Instantiation runs as a sync task of the new instance on a thread, so that core start
 * functions find one (and trap if they block). An instance whose plan says that none of its
 * core modules has a start function runs no guest code while it is built, so it is built
 * without one. */
typedef struct build_run {
  builder *b;
  bool ok;
} build_run;

static wasm_trap *run_build(cm_thread *thread, void *arg) {
  build_run *br = arg;
  cm_task *task = thread->task;
  cm_task_start(task);
  br->ok = build_defs(br->b);
  if (*br->b->trap_out) {
    wasm_trap *trap = *br->b->trap_out;
    *br->b->trap_out = NULL;
    return trap;
  }
  wasm_trap *trap = cm_task_return(thread->store->wasm, task);
  if (!trap) trap = cm_task_exit_implicit_thread(task);
  return trap;
}

static bool build(builder *b) {
  if (!b->rec && !b->inst->node->runs_guest_code) return build_defs(b);
  build_run br = {b, false};
  wasm_trap *trap = cm_run_sync_task(b->inst, run_build, &br);
  if (trap) {
    *b->trap_out = trap;
    return false;
  }
  return br.ok;
}


/* Adds `inst` to the tree's list (replaying, the list was made as long as the plan's). */
static void add_to_tree(rt_root *root, cm_component_instance *inst) {
  if (root->nall == root->all_cap) {
    uint32_t cap = root->all_cap ? root->all_cap * 2 : 4;
    cm_component_instance **grown = cm_arena_array(root->arena, cap, sizeof *grown);
    if (root->nall) memcpy(grown, root->all, root->nall * sizeof *grown);
    root->all = grown;
    root->all_cap = cap;
  }
  inst->tree_index = root->nall;
  root->all[root->nall++] = inst;
}

static cm_component_instance *instance_new(rt_root *root, const cm_component *c, cm_component_instance *parent) {
  cm_component_instance *inst = cm_arena_alloc(root->arena, sizeof *inst);
  inst->root = root;
  inst->component = c;
  inst->parent = parent;
  add_to_tree(root, inst);
  inst->node = root->recording ? cm_plan_add_node(root->recording, c) : root->plan->nodes.items[inst->tree_index];
  /* the index spaces and the imports in one block: they live as long as the instance */
  size_t nitems = c->imports.len;
  for (int s = 0; s < CM_SORT_COUNT; s++) nitems += c->space[s].len;
  rt_item *items = cm_arena_array(root->arena, nitems ? nitems : 1, sizeof(rt_item));
  for (int s = 0; s < CM_SORT_COUNT; s++) {
    inst->space[s] = items;
    items += c->space[s].len;
  }
  inst->imports = items;
  cm_handle_table_init(&inst->handles);
  inst->handles.dtor = drop_resource;
  inst->handles.dtor_env = inst;
  inst->may_enter = true;
  inst->may_leave = true;
  return inst;
}

/* A recorded plan is complete once the instantiation succeeded: it keeps the resource bindings
 * matching made, and the size the tree's arena grew to, then is published for the next ones
 * (or stays this instance's own). */
static void finish_recording(rt_root *root, const cm_component *component) {
  cm_plan *plan = root->recording;
  plan->bindings.items = root->matcher.bindings.items;
  plan->bindings.len = root->matcher.bindings.len;
  plan->bindings.cap = root->matcher.bindings.cap;
  root->matcher.bindings.items = NULL;
  root->matcher.bindings.len = root->matcher.bindings.cap = 0;
  plan->arena_bytes = cm_arena_allocated(root->arena);
  root->recording = NULL;
  if (cm_plan_publish(component, plan)) root->owns_plan = false;
}

cm_arena *cm_root_scratch(rt_root *root) {
  if (!root->scratch) root->scratch = cm_arena_new();
  return root->scratch;
}

cm_component_instance *cm_instantiate(wasm_store *store, const cm_component *component, const cm_host *host,
                                      wasm_trap **trap_out, wr_error *err) {
  *trap_out = NULL;
  uint64_t host_serial = host ? cm_host_types_serial(host) : 0;
  const cm_plan *plan = cm_plan_find(component, host_serial);
  /* the whole tree's runtime structures (the root too) in one block when the plan knows its size */
  cm_arena *arena = cm_arena_new_reserved(plan ? plan->arena_bytes : 0);
  rt_root *root = cm_arena_alloc(arena, sizeof *root);
  root->arena = arena;
  root->store = store;
  root->host = host;
  root->cstore = cm_arena_alloc(arena, sizeof *root->cstore);
  cm_store_init(root->cstore, store);
  if (plan) {
    root->plan = plan;
    root->all_cap = (uint32_t)plan->nodes.len;
    root->all = cm_arena_array(arena, root->all_cap, sizeof *root->all);
  } else {
    root->plan = root->recording = cm_plan_new(host_serial);
    root->owns_plan = true;
    root->matcher.budget = 1u << 20;
  }
  cm_component_instance *inst = instance_new(root, component, NULL);
  builder b = {inst, component, inst->node->steps, root->recording ? recording_node(inst) : NULL, err, trap_out};
  if (!build(&b)) {
    cm_component_instance_free(inst);
    return NULL;
  }
  if (root->recording) finish_recording(root, component);
  return inst;
}

void cm_component_instance_free(cm_component_instance *inst) {
  if (!inst) return;
  rt_root *root = inst->root;
  /* handle tables first: the subtasks in them release the tasks they called */
  for (uint32_t i = 0; i < root->nall; i++) cm_handle_table_free(&root->all[i]->handles);
  for (uint32_t i = 0; i < root->nall; i++) {
    cm_component_instance *each = root->all[i];
    for (size_t t = 0; t < each->tasks.len; t++) {
      wr_free(each->tasks.items[t]->owned);
      wr_free(each->tasks.items[t]);
    }
    WR_VEC_FREE(&each->tasks);
    WR_VEC_FREE(&each->threads);
    WR_VEC_FREE(&each->free_thread_slots);
  }
  cm_store_fini(root->cstore);
  WR_VEC_FREE(&root->matcher.bindings);
  if (root->owns_plan) cm_plan_free((cm_plan *)root->plan);
  cm_arena_free(root->scratch);
  cm_arena_free(root->arena); /* the root and the instances with it */
}

/* ---- exports ---- */
const cm_func *cm_instance_func(const cm_component_instance *inst, const char *interface, const char *name) {
  const cm_component *c = inst->component;
  if (!interface) {
    const cm_export *ex = component_export(c, name);
    return ex && ex->sort == CM_SORT_FUNC ? inst->space[CM_SORT_FUNC][ex->index].func : NULL;
  }
  const cm_export *best = NULL;
  int best_cmp = 0;
  for (size_t i = 0; i < c->exports.len; i++) {
    const cm_export *ex = &c->exports.items[i];
    int cmp;
    if (ex->sort != CM_SORT_INSTANCE ||
        !cm_interface_versions_compatible(ex->ext.name.text, ex->ext.name.len, interface, strlen(interface), &cmp))
      continue;
    if (!best || cmp > best_cmp) best = ex, best_cmp = cmp;
  }
  if (!best) return NULL;
  const rt_instance *ri = inst->space[CM_SORT_INSTANCE][best->index].instance;
  if (ri->kind == RT_INSTANCE_HOST) return NULL;
  const cm_extern *fx = cm_type_export(best->ext.type, name);
  if (!fx || fx->sort != CM_SORT_FUNC) return NULL;
  cm_plan_step found;
  rt_item item = {0};
  wr_error ignored;
  if (!find_instance_export(ri, name, CM_SORT_FUNC, &found, &ignored) ||
      !instance_export_at((cm_component_instance *)inst, ri, &found, name, CM_SORT_FUNC, fx->type, &item, &ignored))
    return NULL;
  return item.func;
}

const cm_functype *cm_func_type(const cm_func *func) { return func->type; }

wasm_store *cm_instance_store(const cm_component_instance *inst) { return inst->root->store; }

/* ---- what tasks and threads ask of their instance ---- */
uint32_t cm_instance_backpressure(const cm_component_instance *inst) { return inst->backpressure; }
cm_thread *cm_instance_exclusive(const cm_component_instance *inst) { return inst->exclusive; }

void cm_instance_set_exclusive(cm_component_instance *inst, cm_thread *thread) {
  inst->exclusive = thread;
  if (!thread) cm_store_notify(inst->root->cstore);
}

uint32_t cm_instance_num_waiting_to_enter(const cm_component_instance *inst) { return inst->num_waiting_to_enter; }
void cm_instance_waiting_to_enter(cm_component_instance *inst, int delta) {
  inst->num_waiting_to_enter = (uint32_t)((int)inst->num_waiting_to_enter + delta);
}

uint32_t cm_instance_add_thread(cm_component_instance *inst, cm_thread *thread) {
  if (inst->threads.len == 0) WR_VEC_PUSH(&inst->threads, NULL); /* index 0 is never a thread */
  if (inst->free_thread_slots.len) {
    uint32_t i = inst->free_thread_slots.items[--inst->free_thread_slots.len];
    inst->threads.items[i] = thread;
    return i;
  }
  WR_VEC_PUSH(&inst->threads, thread);
  return (uint32_t)inst->threads.len - 1;
}

void cm_instance_remove_thread(cm_component_instance *inst, uint32_t index) {
  inst->threads.items[index] = NULL;
  WR_VEC_PUSH(&inst->free_thread_slots, index);
}

cm_thread *cm_instance_thread(const cm_component_instance *inst, uint32_t index) {
  return index < inst->threads.len ? inst->threads.items[index] : NULL;
}

void cm_instance_track_task(cm_component_instance *inst, cm_task *task) { WR_VEC_PUSH(&inst->tasks, task); }

void cm_instance_forget_task(cm_component_instance *inst, cm_task *task) {
  for (size_t i = inst->tasks.len; i-- > 0;)
    if (inst->tasks.items[i] == task) {
      inst->tasks.items[i] = inst->tasks.items[--inst->tasks.len];
      return;
    }
}

cm_store_rt *cm_instance_cstore(const cm_component_instance *inst) { return inst->root->cstore; }
