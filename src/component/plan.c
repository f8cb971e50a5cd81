/* Instantiation plans (plan.h): made, published on the component, found again, freed. */
#include "plan.h"

static cm_component *shared(const cm_component *component) {
  /* the plan list is a cache on a component that threads share; only it changes */
  return (cm_component *)component;
}

const cm_plan *cm_plan_find(const cm_component *component, uint64_t host_serial) {
  for (const cm_plan *p = atomic_load_explicit(&shared(component)->plans, memory_order_acquire); p; p = p->next)
    if (p->host_serial == host_serial) return p;
  return NULL;
}

cm_plan *cm_plan_new(uint64_t host_serial) {
  cm_plan *plan = WR_NEW(cm_plan);
  plan->host_serial = host_serial;
  plan->arena = cm_arena_new();
  return plan;
}

cm_plan_node *cm_plan_add_node(cm_plan *plan, const cm_component *component) {
  cm_plan_node *node = cm_arena_alloc(plan->arena, sizeof *node);
  node->component = component;
  node->steps = cm_arena_array(plan->arena, component->defs.len ? component->defs.len : 1, sizeof *node->steps);
  WR_VEC_PUSH(&plan->nodes, node);
  return node;
}

void *cm_plan_alloc(cm_plan *plan, size_t count, size_t size) {
  return cm_arena_array(plan->arena, count ? count : 1, size);
}

bool cm_plan_publish(const cm_component *component, cm_plan *plan) {
  _Atomic(cm_plan *) *head = &shared(component)->plans;
  cm_plan *first = atomic_load_explicit(head, memory_order_acquire);
  for (;;) {
    size_t count = 0;
    for (const cm_plan *p = first; p; p = p->next, count++)
      if (p->host_serial == plan->host_serial) return false;
    if (count >= CM_PLANS_PER_COMPONENT) return false;
    plan->next = first;
    /* release: a thread that finds the plan sees everything recorded in it */
    if (atomic_compare_exchange_weak_explicit(head, &first, plan, memory_order_acq_rel, memory_order_acquire))
      return true;
  }
}

void cm_plan_free(cm_plan *plan) {
  if (!plan) return;
  for (size_t i = 0; i < plan->nodes.len; i++) {
    WR_VEC_FREE(&plan->nodes.items[i]->origins);
    WR_VEC_FREE(&plan->nodes.items[i]->implements);
  }
  WR_VEC_FREE(&plan->nodes);
  WR_VEC_FREE(&plan->bindings);
  cm_arena_free(plan->arena);
  wr_free(plan);
}

void cm_plans_free(cm_plan *plans) {
  for (cm_plan *next; plans; plans = next) {
    next = plans->next;
    cm_plan_free(plans);
  }
}
