/* The body-write path of a host call: `write_bench [BYTES] [CALLS]` makes CALLS guest calls
 * of wasi:io/streams output-stream.write with a BYTES-long list<u8> (default 65536 bytes, 200
 * calls) through cm_call_host, as a lowered import runs them: the argument is lifted from the
 * guest's memory and handle table, the host writes it to a stream, the result is lowered.
 * The stream is a discarding stdout (fd -1), so what is measured is the binding, not a copy
 * into a body buffer. Meant for instruction counts:
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null build/write_bench 65536 200
 * Uses only APIs that predate host_bind.h, so the same file builds against older trees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/names.h"
#include "wasi/p2.h"
#include "wasi/p2_internal.h"

static const cm_host_interface *find(cm_host *host, cm_arena *arena, const char *iface) {
  cm_name name;
  const char *why;
  if (!cm_name_parse(arena, (const uint8_t *)iface, (uint32_t)strlen(iface), &name, &why)) return NULL;
  return cm_host_find(host, &name);
}

int main(int argc, char **argv) {
  uint32_t bytes = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 65536;
  uint32_t calls = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 200;
  if (bytes > 65536) bytes = 65536; /* stdout takes unchecked writes of up to 64 KiB */
  wr_error err = {0};
  cm_host *host = cm_host_new();
  if (!wasi_p2_define(host, &err)) {
    fprintf(stderr, "write_bench: %s\n", err.message);
    return 1;
  }
  cm_arena *arena = cm_arena_new();
  const char *streams = "wasi:io/streams@" WASI_P2_VERSION;
  const cm_host_interface *io = find(host, arena, streams);
  const cm_host_interface *out = find(host, arena, "wasi:cli/stdout@" WASI_P2_VERSION);
  const cm_extern *write_ext = io ? cm_type_export(cm_host_interface_type(io), "[method]output-stream.write") : NULL;
  cm_host_impl write_impl, stdout_impl;
  void *write_env, *stdout_env;
  if (!write_ext || !out || !cm_host_interface_func(io, "[method]output-stream.write", &write_impl, &write_env) ||
      !cm_host_interface_func(out, "get-stdout", &stdout_impl, &stdout_env)) {
    fprintf(stderr, "write_bench: the host lacks output-stream.write or get-stdout\n");
    return 1;
  }
  const cm_functype *ft = &write_ext->type->func;

  wasm_store *store = wasm_store_new();
  wasi_p2_config config;
  wasi_p2_config_init(&config);
  config.stdio[0] = config.stdio[1] = config.stdio[2] = -1;
  wasi_p2_ctx *ctx = wasi_p2_ctx_new(&config);
  wasi_p2_ctx_attach(ctx, store);
  wasm_memtype mt = {.limits = {.min = 2, .max = 2, .has_max = true}};
  wasm_memory *memory = wasm_memory_new(store, &mt, &err);
  if (!memory) {
    fprintf(stderr, "write_bench: %s\n", err.message);
    return 1;
  }
  for (uint32_t i = 0; i < bytes; i++) wasm_memory_data(memory)[i] = (uint8_t)i;

  /* the guest's handle to its stdout */
  cm_canon_cx host_cx = {.store = store, .arena = arena};
  cm_val stream = {0};
  if (stdout_impl(stdout_env, &host_cx, NULL, &stream)) return 1;
  cm_handle_table handles;
  cm_handle_table_init(&handles);
  const cm_type *resource = cm_host_resource(host, streams, "output-stream");
  uint32_t index = 0;
  if (cm_resource_new(store, &handles, resource, stream.u.rep, &index))
    return 1;

  uint64_t written = 0;
  for (uint32_t c = 0; c < calls; c++) {
    cm_arena *scratch = cm_arena_new();
    cm_canon_cx cx = {.store = store, .memory = memory, .encoding = CM_UTF8, .handles = &handles, .arena = scratch};
    cm_subtask subtask;
    cm_subtask_init(&subtask, NULL, scratch);
    uint32_t retptr = 2 * 65536 - 16; /* result<_, stream-error> is returned through memory */
    wasm_slot slots[CM_MAX_FLAT_PARAMS + 1] = {index, 0, bytes, retptr};
    wasm_trap *trap = cm_call_host(&cx, &subtask, ft, write_impl, write_env, slots);
    cm_subtask_finish(&subtask);
    cm_arena_free(scratch);
    if (trap) {
      fprintf(stderr, "write_bench: %s\n", trap->message);
      return 1;
    }
    if (wasm_memory_data(memory)[retptr] == 0) written += bytes; /* ok */
  }
  printf("write_bench: %u calls of %u bytes, %llu bytes written\n", calls, bytes, (unsigned long long)written);
  cm_handle_table_free(&handles);
  wasi_p2_ctx_free(ctx);
  wasm_store_free(store);
  cm_arena_free(arena);
  cm_host_free(host);
  return written == (uint64_t)calls * bytes ? 0 : 1;
}
