#include "wast_component.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/vec.h"
#include "component/instance.h"
#include "component/wave.h"
#include "options.h"

/* A loaded component or a live instance under its script name ($C). `skipped`: the converter
 * could not encode it, so what uses it is skipped rather than failed. */
typedef struct named_component {
  const char *name; /* NULL when unnamed; points into the script's JSON */
  cm_component *component;
  bool skipped;
} named_component;

typedef struct named_instance {
  const char *name;
  cm_component_instance *instance; /* NULL: it failed to instantiate */
  bool skipped;
} named_instance;

typedef struct runner {
  const wast_options *options;
  const char *source; /* the .wast file, for messages */
  const char *dir;    /* where the script's .wasm files are */
  unsigned line;
  wasm_store *store;
  WR_VEC(named_component) components;
  WR_VEC(named_instance) instances;
  named_instance current; /* target of unnamed actions */
  bool has_current;
} runner;

typedef enum { OUTCOME_PASS, OUTCOME_FAIL, OUTCOME_SKIP } outcome;

static outcome failf(runner *r, const char *fmt, ...) WR_PRINTF(2, 3);
static outcome failf(runner *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wast_vreport(r->source, r->line, "", fmt, ap);
  va_end(ap);
  return OUTCOME_FAIL;
}

static outcome skipf(runner *r, const char *fmt, ...) WR_PRINTF(2, 3);
static outcome skipf(runner *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wast_vreport(r->source, r->line, "skipped: ", fmt, ap);
  va_end(ap);
  return OUTCOME_SKIP;
}

static bool text_matches(const char *actual, const char *expected) {
  const char *prefix = "wasm trap: ";
  if (!strncmp(expected, prefix, strlen(prefix))) expected += strlen(prefix);
  /* wasmtime words core traps as "wasm `unreachable` instruction executed" */
  if (!strcmp(expected, "wasm `unreachable` instruction executed")) expected = "unreachable";
  return strstr(actual, expected) != NULL;
}

/* ---- loading ---- */
static cm_component *load(runner *r, const json_value *command, wr_error *err) {
  const char *filename = json_get_string(command, "filename", NULL);
  if (!filename) {
    wr_error_set(err, "command without a component \"filename\"");
    return NULL;
  }
  size_t path_size = strlen(r->dir) + strlen(filename) + 2;
  char *path = wr_malloc(path_size);
  snprintf(path, path_size, "%s/%s", r->dir, filename);
  uint8_t *bytes;
  size_t size;
  bool read = cli_read_file(path, &bytes, &size);
  wr_free(path);
  if (!read) {
    wr_error_set(err, "cannot read %s", filename);
    return NULL;
  }
  cm_component *component = cm_component_load(bytes, size, &r->options->features, err);
  wr_free(bytes);
  return component;
}

/* NULL with *trap or err set on failure. */
static cm_component_instance *instantiate(runner *r, const cm_component *component, wasm_trap **trap, wr_error *err) {
  return cm_instantiate(r->store, component, NULL, trap, err);
}

static void keep_component(runner *r, const char *name, cm_component *component, bool skipped) {
  WR_VEC_PUSH(&r->components, ((named_component){name, component, skipped}));
}

static void set_current(runner *r, const char *name, cm_component_instance *instance, bool skipped) {
  named_instance ni = {name, instance, skipped};
  if (instance || name) WR_VEC_PUSH(&r->instances, ni);
  r->current = ni;
  r->has_current = true;
}

static const named_component *find_component(const runner *r, const char *name) {
  for (size_t i = r->components.len; i-- > 0;)
    if (r->components.items[i].name && !strcmp(r->components.items[i].name, name)) return &r->components.items[i];
  return NULL;
}

static const named_instance *find_instance(const runner *r, const char *name) {
  for (size_t i = r->instances.len; i-- > 0;)
    if (r->instances.items[i].name && !strcmp(r->instances.items[i].name, name)) return &r->instances.items[i];
  return NULL;
}

static outcome instantiate_as_current(runner *r, const char *name, const cm_component *component) {
  wasm_trap *trap = NULL;
  wr_error err = {0};
  cm_component_instance *inst = instantiate(r, component, &trap, &err);
  set_current(r, name, inst, false);
  if (!inst) return failf(r, "instantiation failed: %s", trap ? wast_trap_text(trap) : err.message);
  return OUTCOME_PASS;
}

static outcome on_component(runner *r, const json_value *command, bool instantiate_it) {
  const char *name = json_get_string(command, "name", NULL);
  wr_error err = {0};
  cm_component *component = load(r, command, &err);
  if (!component) {
    if (instantiate_it) set_current(r, name, NULL, false);
    return failf(r, "component failed to load: %s", err.message);
  }
  keep_component(r, name, component, false);
  return instantiate_it ? instantiate_as_current(r, name, component) : OUTCOME_PASS;
}

static outcome on_component_instance(runner *r, const json_value *command) {
  const char *name = json_get_string(command, "instance", NULL);
  const char *def = json_get_string(command, "definition", NULL);
  const named_component *nc = def ? find_component(r, def) : NULL;
  if (!nc) {
    set_current(r, name, NULL, false);
    return failf(r, "no component definition %s", def ? def : "(none)");
  }
  if (nc->skipped || !nc->component) {
    set_current(r, name, NULL, nc->skipped);
    return nc->skipped ? skipf(r, "instance of %s, which was not encoded", def)
                       : failf(r, "instance of %s, which failed to load", def);
  }
  return instantiate_as_current(r, name, nc->component);
}

/* ---- invoking ---- */
typedef struct call {
  const cm_functype *type;
  cm_val result;
  wasm_trap *trap;
  cm_arena *arena; /* args and result */
} call;

/* Resolves the action's instance and function and runs it. OUTCOME_PASS: it ran (call->trap
 * says whether it trapped). */
static outcome invoke(runner *r, const json_value *command, call *c) {
  const json_value *action = json_get_kind(command, "action", JSON_OBJECT);
  const char *field = json_get_string(action, "field", NULL);
  const json_value *args = json_get_kind(action, "args", JSON_ARRAY);
  if (!field || !args) return failf(r, "action without a \"field\" or \"args\"");
  const char *instance_name = json_get_string(action, "instance", NULL);
  const named_instance *ni = instance_name ? find_instance(r, instance_name) : (r->has_current ? &r->current : NULL);
  if (!ni) return failf(r, "no instance %s", instance_name ? instance_name : "to invoke");
  if (ni->skipped) return skipf(r, "its instance was not encoded");
  if (!ni->instance) return failf(r, "its instance failed to instantiate");

  /* "ns:pkg/iface#func" names a function of an exported interface */
  char *qualified = wr_strndup(field, strlen(field));
  char *hash = strrchr(qualified, '#');
  const char *func_name = qualified, *interface = NULL;
  if (hash) {
    *hash = 0;
    interface = qualified;
    func_name = hash + 1;
  }
  const cm_func *func = cm_instance_func(ni->instance, interface, func_name);
  wr_free(qualified);
  if (!func) return failf(r, "the instance exports no function \"%s\"", field);
  c->type = cm_func_type(func);
  if (args->as.array.len != c->type->nparams)
    return failf(r, "\"%s\" takes %u arguments, the script gives %zu", field, c->type->nparams, args->as.array.len);
  cm_val *vals = cm_arena_array(c->arena, c->type->nparams ? c->type->nparams : 1, sizeof(cm_val));
  for (uint32_t i = 0; i < c->type->nparams; i++) {
    const json_value *text = &args->as.array.items[i];
    wr_error err = {0};
    if (text->kind != JSON_STRING) return failf(r, "argument %u is not WAVE text", i);
    if (!wave_parse(c->type->params[i].type, text->as.string.data, text->as.string.len, c->arena, &vals[i], &err))
      return failf(r, "argument %u `%s`: %s", i, text->as.string.data, err.message);
  }
  c->trap = cm_func_call(ni->instance, func, vals, &c->result, c->arena);
  return OUTCOME_PASS;
}

static outcome on_action(runner *r, const json_value *command) {
  call c = {.arena = cm_arena_new()};
  outcome o = invoke(r, command, &c);
  if (o == OUTCOME_PASS && c.trap) o = failf(r, "trapped: %s", wast_trap_text(c.trap));
  cm_arena_free(c.arena);
  return o;
}

static outcome check_result(runner *r, const json_value *command, call *c) {
  const json_value *expected = json_get_kind(command, "expected", JSON_ARRAY);
  if (!expected) return failf(r, "assert_return without \"expected\"");
  size_t want = c->type->result ? 1 : 0;
  if (expected->as.array.len != want)
    return failf(r, "the function has %zu results, the script expects %zu", want, expected->as.array.len);
  if (!want) return OUTCOME_PASS;
  const json_value *text = &expected->as.array.items[0];
  if (text->kind != JSON_STRING) return failf(r, "expected value is not WAVE text");
  cm_val value;
  wr_error err = {0};
  if (!wave_parse(c->type->result, text->as.string.data, text->as.string.len, c->arena, &value, &err))
    return failf(r, "expected value `%s`: %s", text->as.string.data, err.message);
  if (cm_val_equal(c->type->result, &c->result, &value)) return OUTCOME_PASS;
  wave_text got = {0};
  wave_print(&got, c->type->result, &c->result);
  outcome o = failf(r, "result %s, expected %s", wave_text_cstr(&got), text->as.string.data);
  WR_VEC_FREE(&got);
  return o;
}

static outcome on_assert_return(runner *r, const json_value *command) {
  call c = {.arena = cm_arena_new()};
  outcome o = invoke(r, command, &c);
  if (o == OUTCOME_PASS) o = c.trap ? failf(r, "trapped: %s", wast_trap_text(c.trap)) : check_result(r, command, &c);
  cm_arena_free(c.arena);
  return o;
}

static outcome on_assert_trap(runner *r, const json_value *command) {
  const char *text = json_get_string(command, "text", NULL);
  call c = {.arena = cm_arena_new()};
  outcome o = invoke(r, command, &c);
  if (o == OUTCOME_PASS && !c.trap) o = failf(r, "returned, expected a trap \"%s\"", text ? text : "");
  else if (o == OUTCOME_PASS && text && !text_matches(wast_trap_text(c.trap), text))
    o = failf(r, "trapped with \"%s\", expected \"%s\"", wast_trap_text(c.trap), text);
  cm_arena_free(c.arena);
  return o;
}

/* ---- rejections ---- */
static outcome on_assert_rejected(runner *r, const json_value *command) {
  const char *text = json_get_string(command, "text", NULL);
  wr_error err = {0};
  cm_component *component = load(r, command, &err);
  if (!component) {
    if (r->options->verbose && text && !strstr(err.message, text))
      printf("%s:%u: note: rejected with \"%s\", expected \"%s\"\n", r->source, r->line, err.message, text);
    return OUTCOME_PASS;
  }
  keep_component(r, NULL, component, false);
  return failf(r, "component loaded, expected it rejected: \"%s\"", text ? text : "");
}

/* assert_unlinkable (trap_expected false) and assert_uninstantiable (true) */
static outcome on_assert_not_instantiable(runner *r, const json_value *command, bool trap_expected) {
  const char *text = json_get_string(command, "text", NULL);
  wr_error err = {0};
  cm_component *component = load(r, command, &err);
  if (!component) return failf(r, "component failed to load: %s", err.message);
  keep_component(r, NULL, component, false);
  wasm_trap *trap = NULL;
  cm_component_instance *inst = instantiate(r, component, &trap, &err);
  if (inst) {
    WR_VEC_PUSH(&r->instances, ((named_instance){NULL, inst, false}));
    return failf(r, "component instantiated, expected \"%s\"", text ? text : "");
  }
  if (trap_expected != (trap != NULL))
    return failf(r, "%s \"%s\", expected a %s", trap ? "trapped" : "failed to link:",
                 trap ? wast_trap_text(trap) : err.message, trap_expected ? "trap" : "link error");
  if (trap && text && !text_matches(wast_trap_text(trap), text))
    return failf(r, "trapped with \"%s\", expected \"%s\"", wast_trap_text(trap), text);
  return OUTCOME_PASS;
}

static outcome on_skip(runner *r, const json_value *command) {
  const char *what = json_get_string(command, "command", NULL);
  const char *reason = json_get_string(command, "reason", NULL);
  const char *name = json_get_string(command, "name", NULL);
  if (what && !strcmp(what, "component")) {
    keep_component(r, name, NULL, true);
    set_current(r, name, NULL, true);
  }
  return skipf(r, "%s: %s", what ? what : "command", reason ? reason : "not encodable");
}

static outcome run_command(runner *r, const json_value *command) {
  const json_value *type = json_get(command, "type");
  if (json_string_equals(type, "component")) return on_component(r, command, true);
  if (json_string_equals(type, "component_definition")) return on_component(r, command, false);
  if (json_string_equals(type, "component_instance")) return on_component_instance(r, command);
  if (json_string_equals(type, "action")) return on_action(r, command);
  if (json_string_equals(type, "assert_return")) return on_assert_return(r, command);
  if (json_string_equals(type, "assert_trap")) return on_assert_trap(r, command);
  if (json_string_equals(type, "assert_invalid") || json_string_equals(type, "assert_malformed"))
    return on_assert_rejected(r, command);
  if (json_string_equals(type, "assert_unlinkable")) return on_assert_not_instantiable(r, command, false);
  if (json_string_equals(type, "assert_uninstantiable")) return on_assert_not_instantiable(r, command, true);
  if (json_string_equals(type, "skip")) return on_skip(r, command);
  return failf(r, "unknown command type");
}

bool wast_component_run_file(const char *json_path, const wast_options *options, wast_component_counts *counts,
                             wr_error *err) {
  *counts = (wast_component_counts){0};
  wast_script script;
  if (!wast_script_open(json_path, "component script", &script, err)) return false;
  const json_value *commands = script.commands;
  runner r = {.options = options, .source = script.source, .dir = script.dir, .store = wasm_store_new()};
  for (size_t i = 0; i < commands->as.array.len; i++) {
    const json_value *command = &commands->as.array.items[i];
    const json_value *line = json_get_kind(command, "line", JSON_NUMBER);
    r.line = line ? (unsigned)line->as.number.value : 0;
    outcome o = run_command(&r, command);
    if (o == OUTCOME_PASS) counts->passed++;
    else if (o == OUTCOME_FAIL) counts->failed++;
    else counts->skipped++;
    if (o == OUTCOME_PASS && options->verbose) printf("%s:%u: ok\n", r.source, r.line);
  }
  for (size_t i = 0; i < r.instances.len; i++) cm_component_instance_free(r.instances.items[i].instance);
  wasm_store_free(r.store); /* before the components: its instances use their core modules */
  for (size_t i = 0; i < r.components.len; i++) cm_component_free(r.components.items[i].component);
  WR_VEC_FREE(&r.instances);
  WR_VEC_FREE(&r.components);
  wast_script_close(&script);
  return true;
}
