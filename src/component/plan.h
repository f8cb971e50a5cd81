/* Instantiation plans: what instantiating a component against one host resolves by name, kept
 * so that later instantiations against the same host replay it without looking anything up.
 * Internal to src/component (instance.c records and replays; decode.c frees).
 *
 * Instantiation is deterministic given the component and the host's types: it walks the same
 * definitions, makes the instances of the tree in the same order, and every name it looks up
 * resolves the same way — the host interface an import binds to, the host function or export
 * an alias names, the core instance and export that supply each core import, the argument of
 * each import of a nested component, the resources each instance imports or aliases. The first
 * instantiation against a host records each result (per instance of the tree, by its index in
 * creation order, and per definition); once it has succeeded the plan is published on the
 * component, and later instantiations replay it: no string is hashed or compared, and no
 * import is matched structurally again.
 *
 * A plan is keyed by the host's types serial (cm_host_types_serial): unique to one host and
 * changed by whatever changes its types, so a plan is never replayed against another host, nor
 * against a host whose interfaces changed since. Host functions are kept as their slots
 * (cm_host_interface_slot), so an implementation defined after the plan was made is seen.
 *
 * Threads: a published plan is immutable and lives as long as the component. Threads that
 * instantiate a component against a host for the first time at once each record a plan; the
 * first to publish it wins (compare-and-swap on the component's list) and the others keep theirs
 * private to their instance, which frees it. At most CM_PLANS_PER_COMPONENT plans are
 * published per component; past that (hosts made and freed again and again), an instantiation
 * against yet another host records a private plan, as the first one would. */
#ifndef WARREN_COMPONENT_PLAN_H
#define WARREN_COMPONENT_PLAN_H

#include "arena.h"
#include "decode_internal.h"
#include "host.h"

#define CM_PLANS_PER_COMPONENT 8
#define CM_NO_DEFINER UINT32_MAX

/* Where one import of a core module comes from: a core instance of the component (its index
 * space index) and the export of that instance (wasm_instance_export_at, or the position among
 * inline exports). */
typedef struct cm_plan_source {
  uint32_t instance, export_index;
} cm_plan_source;

/* What one definition resolved; which member depends on the definition's kind. */
typedef union cm_plan_step {
  const cm_host_interface *host_interface; /* IMPORT of the root: the interface it binds to */
  const cm_host_func *host_func;           /* ALIAS of a host instance's function */
  uint32_t export_index;                   /* ALIAS of a core export, or of a guest instance's export */
  const cm_plan_source *sources;           /* CORE_INSTANCE (instantiate): one per module import */
  const uint32_t *args;                    /* INSTANCE (instantiate): per import of the nested
                                            * component, the argument's index in the definition */
} cm_plan_step;

/* A resource type as one instance sees it: the concrete resource it stands for and the
 * instance of the tree (index in creation order) that defines that, or CM_NO_DEFINER (a host
 * resource, or none in the tree). */
typedef struct cm_resource_origin {
  const cm_type *type;
  const cm_type *concrete;
  uint32_t definer;
} cm_resource_origin;

/* One instance of the tree. */
typedef struct cm_plan_node {
  const cm_component *component;
  cm_plan_step *steps;                   /* by definition index */
  WR_VEC(cm_resource_origin) origins;    /* the resource types it imports or aliases */
  WR_VEC(const cm_type *) implements;    /* the resources it defines */
  bool runs_guest_code; /* a core module it instantiates has a start function */
} cm_plan_node;

typedef struct cm_plan {
  struct cm_plan *next; /* the component's published plans */
  uint64_t host_serial; /* 0: instantiated without a host */
  cm_arena *arena;      /* steps and their arrays */
  WR_VEC(cm_plan_node *) nodes;     /* by index in creation order */
  WR_VEC(cm_type_binding) bindings; /* abstract resources -> the ones they were bound to */
  size_t arena_bytes;   /* what the instance tree's own arena took: the next one starts that big */
} cm_plan;

/* The plan published on `component` for a host of serial `host_serial`, or NULL. */
const cm_plan *cm_plan_find(const cm_component *component, uint64_t host_serial);
/* An empty plan to record into. */
cm_plan *cm_plan_new(uint64_t host_serial);
/* Adds the node of the next instance of the tree, an instance of `component`. */
cm_plan_node *cm_plan_add_node(cm_plan *plan, const cm_component *component);
void *cm_plan_alloc(cm_plan *plan, size_t count, size_t size);
/* Publishes a fully recorded plan on `component` (it owns it from then on): false when one for
 * the same host was published first or the component has as many as it keeps. */
bool cm_plan_publish(const cm_component *component, cm_plan *plan);
void cm_plan_free(cm_plan *plan);
/* Frees a component's list of published plans (cm_component_free). */
void cm_plans_free(cm_plan *plans);

#endif
