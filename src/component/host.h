/* The host side of component linking: implementations of imported interfaces, registered by
 * their WIT names and checked against what a component imports.
 *
 * A cm_host is built once (at start-up) and shared read-only by every instantiation, on any
 * thread. Interfaces are declared in WIT (cm_host_add_wit) so their types are exact; then the
 * host provides each function's implementation and each resource's destructor. An import
 * "ns:pkg/iface@V" binds to the host interface of the same name whose version is
 * semver-compatible with V (same major, or for 0.x the same minor: an import of
 * wasi:io/streams@0.2.0 binds to a host's 0.2.3), the highest such version winning; the
 * component's import type is then matched structurally against the host's (extra host
 * functions allowed). Per-instance state (a WASI context, an HTTP request) is reached from a
 * host function through wasm_store_data(cx->store). */
#ifndef WARREN_COMPONENT_HOST_H
#define WARREN_COMPONENT_HOST_H

#include "canon.h"

typedef struct cm_host cm_host;
typedef struct cm_host_interface cm_host_interface;

/* Runs when a guest drops the last own handle of a host resource (or its instance is freed
 * while holding it): release whatever `rep` designates in the host's state for `store`. */
typedef wasm_trap *(*cm_host_dtor)(void *env, wasm_store *store, uint32_t rep);

cm_host *cm_host_new(void);
void cm_host_free(cm_host *host);

/* Declares the interfaces of one WIT document (cm_wit_add); `use` may name interfaces added
 * before. false + err (line and column) on a WIT error. */
bool cm_host_add_wit(cm_host *host, const char *source, const char *text, size_t len, wr_error *err);

/* Lets imports of `interface` (an exact host name, "wasi:cli/stdout@0.3.0") under the
 * prerelease or build `version` ("0.3.0-rc-2026-03-15") bind to it, with its type and
 * implementations (those defined later too). Such versions otherwise bind only to themselves:
 * call this only for a prerelease whose WIT is known to be the same. The import's type is still
 * matched structurally. An interface declared under that exact name (its own WIT) wins: the
 * alias is then not made, and that is no error. false + err when there is no such interface,
 * the version is a plain one, or the name is an alias already. */
bool cm_host_alias_version(cm_host *host, const char *interface, const char *version, wr_error *err);
/* Changes whenever the host's types may have (cm_host_add_wit, cm_host_alias_version), and is
 * never the same for two hosts: what matching a component against one settled stays true while
 * it is unchanged. */
uint64_t cm_host_types_serial(const cm_host *host);

/* Implements function `func` ("get-stdout", "[method]output-stream.write") of `interface`
 * ("wasi:io/streams@0.2.3", exact). false when the WIT declares no such function. */
bool cm_host_define_func(cm_host *host, const char *interface, const char *func, cm_host_impl impl, void *env);
/* Memory that lives as long as the host (zeroed), for what implementations register. */
void *cm_host_alloc(cm_host *host, size_t size);
/* The WIT type of function `func` of `interface` (exact names), or NULL. */
const cm_functype *cm_host_func_type(const cm_host *host, const char *interface, const char *func);
/* An async host function (WASI 0.3): it gets the lifted arguments and `call`, and either
 * finishes at once or later, from the embedder's event loop, with cm_host_call_return (task.h
 * in call.c). A guest's async lower of it sees a subtask until then; a sync lower waits. */
typedef struct cm_host_call cm_host_call;
typedef wasm_trap *(*cm_host_async_impl)(void *env, const cm_canon_cx *cx, const cm_val *args, cm_host_call *call);
bool cm_host_define_async_func(cm_host *host, const char *interface, const char *func, cm_host_async_impl impl,
                               void *env);
/* Hands over the result (NULL for a function without one; copied into the guest now). After
 * this, `call` is gone. */
wasm_trap *cm_host_call_return(cm_host_call *call, const cm_val *result);
/* The guest cancelled the call (subtask.cancel): on_cancel(arg) runs; the host then stops and
 * calls cm_host_call_cancelled (at once or later). on_drop(arg) runs when the call is dropped
 * before finishing (its instance went away): `call` is gone, the host must forget it. */
void cm_host_call_set_hooks(cm_host_call *call, void (*on_cancel)(void *arg), void (*on_drop)(void *arg), void *arg);
void cm_host_call_cancelled(cm_host_call *call);
/* The task of the guest that made the call (for per-request state), and its instance's store. */
wasm_store *cm_host_call_store(const cm_host_call *call);

/* The resource type `resource` of `interface` (exact names), or NULL: host code compares
 * resource types by pointer. */
const cm_type *cm_host_resource(const cm_host *host, const char *interface, const char *resource);
/* Sets the destructor of a host resource. */
void cm_host_define_dtor(cm_host *host, const cm_type *resource, cm_host_dtor dtor, void *env);

/* ---- used by instantiation ---- */
/* The interface an import named `name` binds to (see above), or NULL. */
const cm_host_interface *cm_host_find(const cm_host *host, const cm_name *name);
const char *cm_host_interface_name(const cm_host_interface *iface);
const cm_type *cm_host_interface_type(const cm_host_interface *iface); /* CM_TYPE_INSTANCE */
/* The implementation of export `func` of the interface: its async one when it has one (then
 * *impl is NULL), else its synchronous one (then *async_impl is NULL); false when it has none. */
bool cm_host_interface_impl(const cm_host_interface *iface, const char *func, cm_host_impl *impl,
                            cm_host_async_impl *async_impl, void **env);
/* Where the implementation of export `func` of the interface is kept, or NULL when it has no
 * such function: valid as long as the host, and it sees implementations defined later, so an
 * instantiation plan may keep it in place of the name. */
typedef struct cm_host_func cm_host_func;
const cm_host_func *cm_host_interface_slot(const cm_host_interface *iface, const char *func);
/* What cm_host_interface_impl gives, for a slot; false when nothing is defined there. */
bool cm_host_func_impl(const cm_host_func *slot, cm_host_impl *impl, cm_host_async_impl *async_impl, void **env);
/* Only the synchronous, or only the async, implementation of `func`; false when it has none. */
bool cm_host_interface_func(const cm_host_interface *iface, const char *func, cm_host_impl *impl, void **env);
bool cm_host_interface_async_func(const cm_host_interface *iface, const char *func, cm_host_async_impl *impl,
                                  void **env);
/* The destructor of a host resource; false when it has none. */
bool cm_host_dtor_of(const cm_host *host, const cm_type *resource, cm_host_dtor *dtor, void **env);

#endif
