/* Lazy table entries (wasm_table.lazy_owner): instantiating a module whose active element
 * segment fills a table it defines makes no function object for those entries; the first
 * call_indirect, table.get, table.copy to another table or host read of an entry makes it, and
 * it is the same object the function's export gives. Calls come from the owner and from another
 * instance that imports the table. Usage: lazy_table_test DIR (holding lazy_table.wasm and
 * lazy_table_user.wasm); run on both tiers. */
#include "../check.h"
#include "module_files.h"
#include "wasm/runtime.h"

static wasm_slot call2(wasm_store *store, wasm_instance *inst, const char *name, uint32_t a, uint32_t b) {
  wasm_slot slots[2] = {a, b};
  wasm_trap *trap = wasm_func_call(store, export_of(inst, name).of.func, slots);
  if (trap) {
    fprintf(stderr, "%s trapped: %s\n", name, trap->message);
    failures++;
    return 0;
  }
  return slots[0];
}

/* Whether the instance made its object for function `index` (funcs[index] is valid only then). */
static bool made(const wasm_instance *inst, uint32_t index) { return wasm_instance_func_made(inst, index); }

/* Defined function indices of lazy_table.wat (it imports none). */
enum { DOUBLE, TRIPLE, SQUARE };

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: lazy_table_test DIR\n");
    return 2;
  }
  wasm_features features = wasm_features_default();
  features.tail_call = true;
  wasm_module *owner_module = load(argv[1], "lazy_table.wasm", features);
  wasm_module *user_module = load(argv[1], "lazy_table_user.wasm", features);
  wasm_store *store = wasm_store_new();
  wasm_instance *owner = instantiate(store, owner_module, NULL, 0);
  wasm_table *table = export_of(owner, "table").of.table;

  /* instantiation made no object for the table's functions */
  CHECK(!made(owner, TRIPLE) && !made(owner, SQUARE));
  CHECK(table->lazy_owner == owner);

  /* the owner's call_indirect */
  CHECK((uint32_t)call2(store, owner, "apply", TRIPLE, 5) == 15);
  CHECK(made(owner, TRIPLE) && table->elems[TRIPLE] == owner->funcs[TRIPLE]);
  CHECK(!made(owner, SQUARE));

  /* table.get gives the object the export gives */
  wasm_func *doubled = export_of(owner, "double").of.func;
  CHECK((wasm_func *)(uintptr_t)call2(store, owner, "get", DOUBLE, 0) == doubled);

  wasm_extern imports[1] = {export_of(owner, "table")};
  wasm_instance *user = instantiate(store, user_module, imports, 1);
  /* another instance's call_indirect and tail call through the owner's table */
  CHECK((uint32_t)call2(store, user, "tail_apply_theirs", SQUARE, 9) == 81);
  CHECK(made(owner, SQUARE) && table->elems[SQUARE] == owner->funcs[SQUARE]);
  /* a copy into another table holds functions, not the owner's lazy entries */
  wasm_instance *fresh_owner = instantiate(store, owner_module, NULL, 0);
  wasm_extern fresh_imports[1] = {export_of(fresh_owner, "table")};
  wasm_instance *copier = instantiate(store, user_module, fresh_imports, 1);
  CHECK((uint32_t)call2(store, copier, "copy_then_apply", SQUARE, 7) == 49);
  wasm_table *mine = copier->tables[1];
  for (uint32_t k = 0; k < 3; k++) CHECK(made(fresh_owner, k) && mine->elems[k] == fresh_owner->funcs[k]);
  CHECK((uint32_t)call2(store, copier, "apply_theirs", DOUBLE, 4) == 8);

  /* the host's read of an entry */
  wasm_instance *third = instantiate(store, owner_module, NULL, 0);
  wasm_table *third_table = export_of(third, "table").of.table;
  void *ref = NULL;
  CHECK(wasm_table_get(third_table, TRIPLE, &ref) && made(third, TRIPLE) && ref == third->funcs[TRIPLE]);
  CHECK(third_table->lazy_owner == third && ref != owner->funcs[TRIPLE]); /* its own, not the first's */

  wasm_store_free(store);
  wasm_module_free(owner_module);
  wasm_module_free(user_module);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("lazy table entry tests passed\n");
  return 0;
}
