/* The parts of the component model's async canonical ABI (design/mvp/CanonicalABI.md) and of
 * wasi:http@0.3.0 that this folder's guests use, declared by hand as the core imports and exports
 * wit-component expects of a module it wraps (the names wit-bindgen's `--async` generators use):
 *   built-ins           module "$root", e.g. "[waitable-set-new]", "[context-get-0]"
 *   task.return         module "[export]<interface>", "[task-return]<func>"
 *   stream/future ops   the module of the function whose type mentions them, "[stream-new-N]<func>"
 *                       where N numbers that function's stream and future types in order
 *   an async lift       exports "[async-lift]<interface>#<func>" and "[callback][async-lift]..."
 * Only clang targets wasm32, so its import/export attributes are fine here. */
#ifndef WARREN_TEST_P3_ABI_H
#define WARREN_TEST_P3_ABI_H

#include <stdint.h>

#define P3_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define P3_EXPORT(name) __attribute__((export_name(name)))

/* What a callback returns: exit, or wait for an event of a waitable set. */
enum { P3_CALLBACK_EXIT = 0, P3_CALLBACK_WAIT = 2 };
static inline int32_t p3_wait_on(uint32_t set) { return P3_CALLBACK_WAIT | (int32_t)(set << 4); }

/* The events a callback is given. */
enum { P3_EVENT_SUBTASK = 1, P3_EVENT_STREAM_WRITE = 3, P3_EVENT_FUTURE_WRITE = 5, P3_EVENT_TASK_CANCELLED = 6 };

/* A stream or future copy answers BLOCKED, or (count << 4) | result. */
#define P3_BLOCKED 0xffffffffu
enum { P3_COPY_COMPLETED = 0, P3_COPY_DROPPED = 1 };

/* An async-lowered call answers its state, and the subtask's handle above 4 bits when it is not
 * done yet. */
enum { P3_SUBTASK_RETURNED = 2 };

P3_IMPORT("$root", "[waitable-set-new]") uint32_t p3_waitable_set_new(void);
P3_IMPORT("$root", "[waitable-set-drop]") void p3_waitable_set_drop(uint32_t set);
P3_IMPORT("$root", "[waitable-join]") void p3_waitable_join(uint32_t waitable, uint32_t set);
P3_IMPORT("$root", "[context-get-0]") void *p3_context_get(void);
P3_IMPORT("$root", "[context-set-0]") void p3_context_set(void *value);
P3_IMPORT("$root", "[subtask-drop]") void p3_subtask_drop(uint32_t subtask);
P3_IMPORT("$root", "[subtask-cancel]") uint32_t p3_subtask_cancel(uint32_t subtask);

/* wasi:http/types@0.3.0. response.new's types in order: 0 stream<u8> (the body), 1 the trailers'
 * future<result<option<trailers>, error-code>>, 2 the transmission's future<result<_, error-code>>. */
#define P3_HTTP_TYPES "wasi:http/types@0.3.0"
P3_IMPORT(P3_HTTP_TYPES, "[constructor]fields") uint32_t p3_fields_new(void);
/* ret: result<_, header-error>, its tag first */
P3_IMPORT(P3_HTTP_TYPES, "[method]fields.append")
void p3_fields_append(uint32_t fields, const char *name, uint32_t name_len, const char *value,
                      uint32_t value_len, void *ret);
P3_IMPORT(P3_HTTP_TYPES, "[resource-drop]request") void p3_request_drop(uint32_t request);
/* ret: option<string> (tag, pointer, length) */
P3_IMPORT(P3_HTTP_TYPES, "[method]request.get-path-with-query")
void p3_request_path_with_query(uint32_t request, void *ret);
/* ret: tuple<response, future<result<_, error-code>>> */
P3_IMPORT(P3_HTTP_TYPES, "[static]response.new")
void p3_response_new(uint32_t headers, uint32_t has_body, uint32_t body, uint32_t trailers, void *ret);
/* new answers (writable << 32) | readable */
P3_IMPORT(P3_HTTP_TYPES, "[stream-new-0][static]response.new") uint64_t p3_body_new(void);
P3_IMPORT(P3_HTTP_TYPES, "[async-lower][stream-write-0][static]response.new")
uint32_t p3_body_write(uint32_t writable, const void *bytes, uint32_t count);
P3_IMPORT(P3_HTTP_TYPES, "[stream-drop-writable-0][static]response.new") void p3_body_drop_writable(uint32_t writable);
P3_IMPORT(P3_HTTP_TYPES, "[future-new-1][static]response.new") uint64_t p3_trailers_new(void);
P3_IMPORT(P3_HTTP_TYPES, "[async-lower][future-write-1][static]response.new")
uint32_t p3_trailers_write(uint32_t writable, const void *value);
P3_IMPORT(P3_HTTP_TYPES, "[future-drop-writable-1][static]response.new") void p3_trailers_drop_writable(uint32_t writable);
P3_IMPORT(P3_HTTP_TYPES, "[future-drop-readable-2][static]response.new") void p3_outcome_drop_readable(uint32_t readable);

/* handle's task.return of result<response, error-code> flattened: the result's tag, the response
 * (or the error-code's tag), then the error-code's widest payload. Only ok(response) is sent here. */
P3_IMPORT("[export]wasi:http/handler@0.3.0", "[task-return]handle")
void p3_handle_return(uint32_t is_err, uint32_t response, uint32_t a, int64_t b, uint32_t c, uint32_t d,
                      uint32_t e, uint32_t f);

/* handle's task.cancel: the task ends without a result, as the caller asked */
P3_IMPORT("[export]wasi:http/handler@0.3.0", "[task-cancel]") void p3_handle_cancel(void);

#define P3_HANDLE "[async-lift]wasi:http/handler@0.3.0#handle"
#define P3_HANDLE_CALLBACK "[callback][async-lift]wasi:http/handler@0.3.0#handle"

#endif
