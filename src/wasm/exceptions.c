/* Exception handling at run time: tags, exception objects, the trap that carries an uncaught
 * exception out of a call, and the search for the handler that catches one in a function
 * (its handler table, compile.h). Both tiers share it: the native tier runs functions with
 * handlers on the interpreter, and an exception crosses native frames as a trap. */
#include <string.h>

#include "../base/alloc.h"
#include "engine.h"

wasm_tag *wasm_tag_new(wasm_store *store, const wasm_functype *type) {
  wasm_tag *tag = WR_NEW(wasm_tag);
  tag->type = type;
  tag->nslots = wasm_slot_count(wasm_functype_params(type), type->nparams);
  WR_VEC_PUSH(&store->tags, tag);
  return tag;
}

wasm_exception *wasm_exception_new(wasm_store *store, const wasm_tag *tag, const wasm_slot *payload) {
  wasm_exception *exn = wr_malloc(sizeof(wasm_exception) + (size_t)tag->nslots * sizeof(wasm_slot));
  exn->tag = tag;
  if (tag->nslots) memcpy(exn->payload, payload, (size_t)tag->nslots * sizeof(wasm_slot));
  WR_VEC_PUSH(&store->exceptions, exn);
  return exn;
}

wasm_trap *wasm_exception_trap(wasm_store *store, wasm_exception *exn) {
  wasm_trap *trap = wasm_trap_new(store, WASM_TRAP_EXCEPTION, "%s", wasm_trap_kind_message(WASM_TRAP_EXCEPTION));
  trap->exception = exn;
  return trap;
}

wasm_exception *wasm_exception_take(wasm_store *store, wasm_trap *trap) {
  wasm_exception *exn = trap->exception;
  /* the trap was made by the call that just returned it, so it is the store's latest: a loop
   * that throws and catches across calls does not pile traps up */
  for (size_t i = store->traps.len; i-- > 0;) {
    if (store->traps.items[i] != trap) continue;
    memmove(&store->traps.items[i], &store->traps.items[i + 1], (store->traps.len - i - 1) * sizeof(wasm_trap *));
    store->traps.len--;
    wr_free(trap);
    break;
  }
  return exn;
}

const uint32_t *wasm_exception_catch(const wasm_compiled_func *func, const wasm_instance *inst, wasm_slot *fp,
                                     uint32_t pc, wasm_exception *exn) {
  uint32_t h = WASM_EH_NONE;
  for (uint32_t i = func->nhandlers; i-- > 0;) {
    if (pc >= func->handlers[i].start && pc < func->handlers[i].end) {
      h = i;
      break;
    }
  }
  while (h != WASM_EH_NONE) {
    const wasm_eh_handler *handler = &func->handlers[h];
    for (uint32_t k = 0; k < handler->ncatches; k++) {
      const wasm_eh_catch *c = &func->catches[handler->first_catch + k];
      if (c->tag != WASM_EH_CATCH_ALL) {
        if (inst->tags[c->tag] != exn->tag) continue;
        memcpy(fp + handler->payload_slot, exn->payload, (size_t)exn->tag->nslots * sizeof(wasm_slot));
      }
      if (c->exn_slot != WASM_EH_NONE) fp[c->exn_slot] = (uintptr_t)exn;
      return func->code + c->target;
    }
    h = handler->outer;
  }
  return NULL;
}
