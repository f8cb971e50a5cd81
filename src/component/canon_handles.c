/* Resource handle tables (CanonicalABI.md "Handle tables", lift/lower of own and borrow,
 * resource.new/rep/drop); borrows count in tasks and lend through subtasks (task.h). */
#include "canon.h"

#define TRAP(store, ...) wasm_trap_new((store), WASM_TRAP_HOST, __VA_ARGS__)

void cm_handle_table_init(cm_handle_table *table) { *table = (cm_handle_table){0}; }

void cm_handle_table_free(cm_handle_table *table) {
  for (size_t i = 1; i < table->slots.len; i++) {
    cm_handle *h = &table->slots.items[i];
    if (h->kind != CM_HANDLE_FREE && h->kind != CM_HANDLE_RESOURCE) cm_handle_object_free(h->kind, h->object);
  }
  WR_VEC_FREE(&table->slots);
}

wasm_trap *cm_handle_add(wasm_store *store, cm_handle_table *table, cm_handle handle, uint32_t *index) {
  handle.next_free = 0;
  if (table->free_head) {
    uint32_t i = table->free_head;
    table->free_head = table->slots.items[i].next_free;
    table->slots.items[i] = handle;
    *index = i;
    return NULL;
  }
  if (table->slots.len == 0) WR_VEC_PUSH(&table->slots, (cm_handle){0}); /* index 0 stays unused */
  if (table->slots.len >= CM_MAX_HANDLES) return TRAP(store, "handle table full");
  *index = (uint32_t)table->slots.len;
  WR_VEC_PUSH(&table->slots, handle);
  return NULL;
}

/* How a wrong-type trap names a resource type (as the table's instance sees it). */
static const char *resource_kind(const cm_type *resource) {
  return resource->resource.defined ? "guest-defined resource" : "imported resource";
}

wasm_trap *cm_handle_get(wasm_store *store, cm_handle_table *table, uint32_t index, const cm_type *resource,
                         cm_handle **out) {
  if (index == 0 || index >= table->slots.len || table->slots.items[index].kind == CM_HANDLE_FREE)
    return TRAP(store, "unknown handle index %u", index);
  cm_handle *h = &table->slots.items[index];
  if (h->kind != CM_HANDLE_RESOURCE) return TRAP(store, "handle index %u is not a resource handle", index);
  if (h->resource != resource)
    return TRAP(store, "handle index %u used with the wrong type, expected %s but found %s%s", index,
                resource_kind(resource), resource_kind(h->resource) == resource_kind(resource) ? "a different " : "",
                resource_kind(h->resource));
  *out = h;
  return NULL;
}

static void handle_free(cm_handle_table *table, uint32_t index) {
  table->slots.items[index] = (cm_handle){.next_free = table->free_head};
  table->free_head = index;
}

wasm_trap *cm_resource_new(wasm_store *store, cm_handle_table *table, const cm_type *resource, uint32_t rep,
                           uint32_t *index) {
  return cm_handle_add(store, table, (cm_handle){.kind = CM_HANDLE_RESOURCE, .resource = resource, .rep = rep, .own = true},
                       index);
}

wasm_trap *cm_resource_rep(wasm_store *store, cm_handle_table *table, uint32_t index, const cm_type *resource,
                           uint32_t *rep) {
  cm_handle *h = NULL;
  wasm_trap *trap = cm_handle_get(store, table, index, resource, &h);
  if (trap) return trap;
  *rep = h->rep;
  return NULL;
}

wasm_trap *cm_resource_drop(wasm_store *store, cm_handle_table *table, uint32_t index, const cm_type *resource) {
  cm_handle *h = NULL;
  wasm_trap *trap = cm_handle_get(store, table, index, resource, &h);
  if (trap) return trap;
  if (h->num_lends) return TRAP(store, "cannot remove owned resource while borrowed (handle index %u)", index);
  cm_handle dropped = *h;
  handle_free(table, index);
  if (!dropped.own) {
    if (dropped.borrow_scope) dropped.borrow_scope->num_borrows--;
    return NULL;
  }
  /* `resource` may be an imported (abstract) type: the table's dtor finds the concrete one */
  if (table->dtor) return table->dtor(table->dtor_env, resource, dropped.rep);
  return NULL;
}

/* A borrow of a resource the receiving instance implements is just the rep (lower_borrow). */
static bool implements(const cm_handle_table *table, const cm_type *resource) {
  for (uint32_t i = 0; i < table->nimplements; i++)
    if (table->implements[i] == resource) return true;
  return false;
}

wasm_trap *cm_lower_handle(const cm_canon_cx *cx, const cm_valtype *type, uint32_t rep, uint32_t *index) {
  if (!cx->handles) return TRAP(cx->store, "canonical ABI: no handle table for a resource handle");
  if (type->kind == CM_OWN)
    return cm_handle_add(cx->store, cx->handles,
                         (cm_handle){.kind = CM_HANDLE_RESOURCE, .resource = type->resource, .rep = rep, .own = true},
                         index);
  if (implements(cx->handles, type->resource)) {
    *index = rep;
    return NULL;
  }
  if (!cx->task) return TRAP(cx->store, "canonical ABI: a borrow outside of a call");
  wasm_trap *trap = cm_handle_add(cx->store, cx->handles,
                                  (cm_handle){.kind = CM_HANDLE_RESOURCE, .resource = type->resource, .rep = rep,
                                              .borrow_scope = cx->task},
                                  index);
  if (!trap) cx->task->num_borrows++;
  return trap;
}

wasm_trap *cm_lift_handle(const cm_canon_cx *cx, const cm_valtype *type, uint32_t index, uint32_t *rep) {
  if (!cx->handles) return TRAP(cx->store, "canonical ABI: no handle table for a resource handle");
  cm_handle *h = NULL;
  wasm_trap *trap = cm_handle_get(cx->store, cx->handles, index, type->resource, &h);
  if (trap) return trap;
  *rep = h->rep;
  if (type->kind == CM_OWN) {
    if (h->num_lends) return TRAP(cx->store, "cannot remove owned resource while borrowed (handle index %u)", index);
    if (!h->own) return TRAP(cx->store, "handle index %u is a borrow, not an own handle", index);
    handle_free(cx->handles, index);
    return NULL;
  }
  if (!cx->subtask) return TRAP(cx->store, "canonical ABI: a borrow outside of a call");
  cm_subtask_add_lender(cx->subtask, cx->handles, index);
  return NULL;
}

void cm_handle_table_end_borrow_scope(cm_handle_table *table, const cm_task *task) {
  for (size_t i = 1; i < table->slots.len; i++)
    if (table->slots.items[i].kind == CM_HANDLE_RESOURCE && table->slots.items[i].borrow_scope == task)
      table->slots.items[i].borrow_scope = NULL;
}

/* ---- objects: waitable sets, subtasks, stream and future ends, error contexts ---- */
static const char *kind_name(cm_handle_kind kind) {
  switch (kind) {
  case CM_HANDLE_FREE: return "free";
  case CM_HANDLE_RESOURCE: return "resource";
  case CM_HANDLE_WAITABLE_SET: return "waitable set";
  case CM_HANDLE_SUBTASK: return "subtask";
  case CM_HANDLE_STREAM_READABLE: return "readable stream end";
  case CM_HANDLE_STREAM_WRITABLE: return "writable stream end";
  case CM_HANDLE_FUTURE_READABLE: return "readable future end";
  case CM_HANDLE_FUTURE_WRITABLE: return "writable future end";
  case CM_HANDLE_ERROR_CONTEXT: return "error context";
  }
  return "?";
}

wasm_trap *cm_handle_add_object(wasm_store *store, cm_handle_table *table, cm_handle_kind kind, void *object,
                                uint32_t *index) {
  return cm_handle_add(store, table, (cm_handle){.kind = kind, .object = object}, index);
}

cm_handle_kind cm_handle_kind_at(const cm_handle_table *table, uint32_t index) {
  return index < table->slots.len ? table->slots.items[index].kind : CM_HANDLE_FREE;
}

wasm_trap *cm_handle_get_object(wasm_store *store, cm_handle_table *table, uint32_t index, cm_handle_kind kind,
                                void **out) {
  cm_handle_kind have = cm_handle_kind_at(table, index);
  if (index == 0 || have == CM_HANDLE_FREE) return TRAP(store, "unknown handle index %u", index);
  if (have != kind)
    return TRAP(store, "handle index %u is a %s, not a %s", index, kind_name(have), kind_name(kind));
  *out = table->slots.items[index].object;
  return NULL;
}

wasm_trap *cm_handle_remove_object(wasm_store *store, cm_handle_table *table, uint32_t index, cm_handle_kind kind,
                                   void **out) {
  wasm_trap *trap = cm_handle_get_object(store, table, index, kind, out);
  if (!trap) handle_free(table, index);
  return trap;
}

wasm_trap *cm_handle_get_waitable_set(wasm_store *store, cm_handle_table *table, uint32_t index, cm_waitable_set **out) {
  void *object = NULL;
  wasm_trap *trap = cm_handle_get_object(store, table, index, CM_HANDLE_WAITABLE_SET, &object);
  if (!trap) *out = object;
  return trap;
}
