/* Warren's embedding API: load WebAssembly components, run them with WASI 0.2 (+ wasi:http),
 * call their exports with values written in WAVE, and serve wasi:http components from an
 * instance pool with the same policies as `warren serve` — all from C, with the embedder
 * choosing the policies. Link with -lwarren (libwarren.so or libwarren.a, which needs
 * libh2o-evloop, -lpthread and -lm).
 *
 * Conventions, for every function below:
 * - Handles are opaque. Whatever a `_new`, `_load` or `_instantiate` returns is owned by the
 *   caller and released with the matching `_free` (which accepts NULL).
 * - A function that can fail takes `warren_error **err` last. On failure it returns NULL,
 *   false or -1 and, when `err` is not NULL, stores a new error there (free it with
 *   warren_error_free); on success it leaves *err untouched. Bad input (malformed binaries,
 *   WAVE text, option values) is always an error, never a crash.
 * - Strings returned as `char *` are the caller's (free with warren_string_free); strings
 *   returned as `const char *` belong to the handle they came from and live as long as it.
 *   Strings given to the API are copied unless said otherwise.
 * - Threads: a warren_component, a warren_host and a warren_wasi_config may be read from any
 *   number of threads at once once they are set up (loading, defining and configuring are
 *   done before sharing). A warren_instance is used by one thread at a time. A warren_server
 *   may be used from any thread; it runs its own worker threads.
 *
 * Values cross the API as WAVE text (the WebAssembly Value Encoding of wasmtime's `--invoke`
 * and wasm-tools): `greet("Ada")` in, `"Hello, Ada"` out. One text format covers every
 * component value type (records, variants, lists, options, results, flags, ...) with no
 * per-type C API to learn or keep stable, and its parser checks the text against the
 * function's real type, so errors name the offending column. */
#ifndef WARREN_H
#define WARREN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Warren is built with hidden symbols; only these are visible from libwarren.so. */
#if defined(__GNUC__) || defined(__clang__)
#define WARREN_API __attribute__((visibility("default")))
#else
#define WARREN_API
#endif

/* "0.1.0" */
WARREN_API const char *warren_version(void);

/* ---- errors ---- */

typedef struct warren_error warren_error;

typedef enum warren_error_kind {
  WARREN_ERROR_INVALID,  /* a bad argument: WAVE text, an option name or value, a path */
  WARREN_ERROR_LOAD,     /* the binary is not a valid component */
  WARREN_ERROR_LINK,     /* instantiation failed: an import the host cannot satisfy, ... */
  WARREN_ERROR_NOT_FOUND,/* no export of that name, or not the kind of export required */
  WARREN_ERROR_TRAP,     /* the guest trapped (also: a call into an instance that trapped) */
  WARREN_ERROR_EXIT,     /* the guest called wasi:cli/exit; see warren_error_exit_code */
  WARREN_ERROR_SYSTEM,   /* the host could not do it: a socket that cannot bind, no memory map */
} warren_error_kind;

WARREN_API warren_error_kind warren_error_get_kind(const warren_error *err);
/* A one-line English message; never NULL. */
WARREN_API const char *warren_error_message(const warren_error *err);
/* For WARREN_ERROR_LOAD (and WAVE text errors): true and the byte offset of the problem. */
WARREN_API bool warren_error_offset(const warren_error *err, size_t *offset);
/* For WARREN_ERROR_EXIT: the guest's exit code; 0 otherwise. */
WARREN_API int warren_error_exit_code(const warren_error *err);
WARREN_API void warren_error_free(warren_error *err);

/* Frees a string the API returned as `char *`. */
WARREN_API void warren_string_free(char *text);

/* ---- components ---- */

typedef struct warren_component warren_component;

/* Decodes and validates a component binary (the bytes are copied; free them at once if you
 * like). Core modules are not accepted: a WARREN_ERROR_LOAD error says so (wrap one with
 * `wasm-tools component new`). NULL + err (WARREN_ERROR_LOAD, with the offset) otherwise.
 * Loading goes through the compiled-module cache in $XDG_CACHE_HOME/warren (else
 * ~/.cache/warren) as `warren serve` does: a later load of the same bytes skips validation and
 * maps its memory images from the cache file; a corrupt cache file is ignored and rewritten.
 * Set the environment variable WARREN_NO_CACHE (to anything) to load without it. The directory
 * is kept under WARREN_CACHE_MAX_SIZE (bytes, or with K, M or G; 0: no limit; default 1G) as
 * `warren serve` keeps it; a malformed value fails the load (WARREN_ERROR_INVALID). */
WARREN_API warren_component *warren_component_load(const uint8_t *bytes, size_t len, warren_error **err);
WARREN_API void warren_component_free(warren_component *component);

/* Imports and exports, in the component's order. Names are as the component spells them
 * ("wasi:cli/environment@0.2.0", "greet"); types are WIT-like text as `warren inspect`
 * prints them (`func(name: string) -> string`, or `instance NAME { ... }` over several
 * lines). Index out of range: NULL. */
WARREN_API size_t warren_component_import_count(const warren_component *component);
WARREN_API const char *warren_component_import_name(const warren_component *component, size_t index);
WARREN_API const char *warren_component_import_type(const warren_component *component, size_t index);
WARREN_API size_t warren_component_export_count(const warren_component *component);
WARREN_API const char *warren_component_export_name(const warren_component *component, size_t index);
WARREN_API const char *warren_component_export_type(const warren_component *component, size_t index);
/* Everything `warren inspect` prints about it: imports, exports, core modules, nested
 * components. The caller frees it (warren_string_free). */
WARREN_API char *warren_component_describe(const warren_component *component);

/* ---- WASI configuration ---- */

/* What a guest sees of the host: arguments, environment, directories, stdio, network. Start
 * from nothing: no arguments, no environment (nothing is inherited), no directories, stdio =
 * the host's 0, 1, 2, sockets denied. Setters copy their strings; not thread-safe while
 * being changed. */
typedef struct warren_wasi_config warren_wasi_config;

WARREN_API warren_wasi_config *warren_wasi_config_new(void);
WARREN_API void warren_wasi_config_free(warren_wasi_config *config);
/* Appends one argument (the first is the program name by convention). */
WARREN_API void warren_wasi_config_add_arg(warren_wasi_config *config, const char *arg);
/* Adds NAME=VALUE to the guest's environment (a later NAME replaces an earlier one). */
WARREN_API void warren_wasi_config_add_env(warren_wasi_config *config, const char *name, const char *value);
/* Gives guests the host directory `host_path` under the name `guest_path` ("/", "data").
 * The directory is opened now (and closed by warren_wasi_config_free); guests are confined
 * beneath it; `read_only` forbids writes, creates, removes and renames. false + err
 * (WARREN_ERROR_INVALID) when it cannot be opened. */
WARREN_API bool warren_wasi_config_preopen_dir(warren_wasi_config *config, const char *host_path, const char *guest_path,
                                    bool read_only, warren_error **err);
/* Host file descriptors for the guest's stdin, stdout and stderr; -1 gives an empty stdin or
 * discards the output. They are never closed by Warren and must stay open while in use. */
WARREN_API void warren_wasi_config_set_stdio(warren_wasi_config *config, int stdin_fd, int stdout_fd, int stderr_fd);
/* Allows wasi:sockets and name lookups (default false: every call answers access-denied). */
WARREN_API void warren_wasi_config_allow_sockets(warren_wasi_config *config, bool allow);
/* Caps each linear memory of an instance made with this configuration (warren_instantiate
 * through a host made from it, warren_run_command) at `bytes`, as -W max-memory-size: the
 * guest's memory.grow past it returns -1, and a component whose memory starts above it fails
 * to instantiate (WARREN_ERROR_LINK). 0 (the default): no cap beyond the module's own maximum.
 * A server takes its cap from its "max-memory-size" option instead. */
WARREN_API void warren_wasi_config_set_max_memory_size(warren_wasi_config *config, uint64_t bytes);

/* ---- running: hosts, instances, calls ---- */

/* The host functions guests link against: WASI 0.2 (io, clocks, random, cli, filesystem,
 * sockets) and wasi:http 0.2 (types and outgoing-handler), at any semver-compatible 0.2.x,
 * with the WASI configuration copied from `config` (NULL: the defaults above; the config's
 * directories are duplicated, so it may be freed at once). NULL + err (WARREN_ERROR_SYSTEM)
 * only when Warren's own WIT is rejected (a bug). Shareable across threads once made. */
typedef struct warren_host warren_host;
WARREN_API warren_host *warren_host_new(const warren_wasi_config *config, warren_error **err);
WARREN_API void warren_host_free(warren_host *host);

/* One instance of a component, with its own store, memories and WASI state. */
typedef struct warren_instance warren_instance;

/* Links `component` against `host` and runs its start-up code. `component` and `host` must
 * outlive the instance. NULL + err: WARREN_ERROR_LINK (what did not link), WARREN_ERROR_TRAP
 * or WARREN_ERROR_EXIT (the start-up code trapped or exited), WARREN_ERROR_SYSTEM. */
WARREN_API warren_instance *warren_instantiate(const warren_component *component, const warren_host *host,
                                    warren_error **err);
WARREN_API void warren_instance_free(warren_instance *instance);

/* Calls an export with WAVE text `name(arg, ...)`: the name is a root export ("greet") or an
 * exported interface's function ("my:pkg/api@1.0.0#greet", any semver-compatible version);
 * trailing option arguments may be left out. Returns the result as WAVE text ("" for a
 * function without a result); the caller frees it. NULL + err: WARREN_ERROR_INVALID (the
 * text does not parse against the function's type; the offset is in the call text),
 * WARREN_ERROR_NOT_FOUND, WARREN_ERROR_TRAP (the message is the trap's), WARREN_ERROR_EXIT.
 * After a trap or an exit the instance cannot be called again (WARREN_ERROR_TRAP). The guest
 * runs on the calling thread, on a stack of its own. */
WARREN_API char *warren_call(warren_instance *instance, const char *call, warren_error **err);

/* Async exports (WASI 0.3, `async func`), several at once on one instance, the way
 * `warren serve` runs p3 handlers. warren_call_start starts a call (WAVE text as for
 * warren_call) and runs its guest until it returns a result or waits; the guest's task may go
 * on after returning. warren_instance_run runs whatever guest threads can run now (true if
 * any ran); call it until the results you need are there. warren_instance_ready says whether
 * the instance would admit a new task now (no guest backpressure, no task holding its
 * exclusive lock, nobody waiting to enter). A trap poisons the instance (WARREN_ERROR_TRAP
 * from then on). */
typedef struct warren_task warren_task;
WARREN_API warren_task *warren_call_start(warren_instance *instance, const char *call, warren_error **err);
WARREN_API bool warren_instance_run(warren_instance *instance, warren_error **err);
WARREN_API bool warren_instance_ready(const warren_instance *instance);
/* Tells notify(arg) whenever guest threads of the instance may have become ready to run (call
 * warren_instance_run) or its readiness (warren_instance_ready) may have changed: a wait ended,
 * the guest changed its backpressure, a task exited. It runs inside the Warren call that caused
 * it (warren_instance_run, warren_instance_wait, warren_call_start, warren_call) on that call's
 * thread: note it there and act once that call returned; never call into the instance from it.
 * NULL stops it. This is what `warren serve` dispatches queued requests on. */
WARREN_API void warren_instance_set_notify(warren_instance *instance, void (*notify)(void *arg), void *arg);
/* Waits, up to timeout_ms (-1: no limit), for the host events the instance's tasks wait on
 * (WASI 0.3 clocks, sockets, stdio, outgoing HTTP), handles every one that is due and returns how
 * many (the guest threads they concern are then ready: warren_instance_run). 0: the time passed
 * first. -1: nothing is pending (or the instance is poisoned), so no host event will ever wake
 * its waiting tasks: a task that has not returned by then never will. poll(2) on the calling
 * thread. A loop that runs a p3 instance: warren_call_start ...; then, until the results are
 * there, warren_instance_run while it returns true, then warren_instance_wait. */
WARREN_API int warren_instance_wait(warren_instance *instance, int timeout_ms);
/* The result as WAVE text once the task returned it ("" without a result), else NULL; valid
 * until warren_task_free. */
WARREN_API const char *warren_task_result(const warren_task *task);
/* Whether the task was cancelled instead of returning, and whether it has exited. */
WARREN_API bool warren_task_cancelled(const warren_task *task);
WARREN_API bool warren_task_exited(const warren_task *task);
/* Done with the task; its memory goes once the guest task exits (or with its instance). */
WARREN_API void warren_task_free(warren_task *task);

/* Runs a command component (one exporting wasi:cli/run@0.2.x) to completion on the calling
 * thread, as `warren run` does, in a fresh instance configured by `config` (NULL: defaults).
 * true with *exit_code: 0 when run returned ok, 1 when it returned err, N when the guest
 * called exit(N). false + err: not a command (WARREN_ERROR_NOT_FOUND), did not link, or
 * trapped (WARREN_ERROR_TRAP). */
WARREN_API bool warren_run_command(const warren_component *component, const warren_wasi_config *config, int *exit_code,
                        warren_error **err);

/* ---- serving ---- */

/* How a server listens and pools instances. Every option of `warren serve` is set by its
 * long name and its value as text, with the same syntax and checks:
 *   addr HOST:PORT (default 127.0.0.1:8080; port 0 picks a free port), workers N,
 *   timeout DURATION (-W timeout: a request's guest is interrupted after it; none by default,
 *   but a guest that runs 10 ms without waiting yields so other requests are served),
 *   max-memory-size BYTES (-W max-memory-size: memory.grow past it returns -1 in the guest),
 *   admin-addr HOST:PORT (/metrics and /healthz), name TEXT (the metrics' component label),
 *   max-concurrent-requests N, max-concurrent-connections N, max-request-body-size BYTES,
 *   max-http-fields-size BYTES,
 *   the connections' timeouts: header-timeout D (10s; a head within D of the accept, or of its
 *   first byte on a kept-alive connection), keep-alive-timeout D (60s), body-idle-timeout D
 *   (60s of silence while a body is expected), body-timeout D (5m for a whole body),
 *   the pool: max-instance-reuse-count N|A..B, max-instance-concurrent-reuse-count N|A..B,
 *   idle-instance-timeout D|A..B, min-instances N, max-instances N, max-queued-requests N,
 *   queue-timeout D, drain-timeout D (one instance's teardown, default 5s), shutdown-timeout D
 *   (what in-flight requests get at warren_server_stop, default 30s), exact-limits (value NULL,
 *   "true" or "false"), seed S.
 * Durations are a number with a unit (ns, us, ms, s, m, h); a count N > 1 given alone is
 * sampled from [ceil(N/2), N] per instance unless exact-limits. Defaults are `warren serve`'s.
 * Not thread-safe while being changed. */
typedef struct warren_server_config warren_server_config;
WARREN_API warren_server_config *warren_server_config_new(void);
WARREN_API void warren_server_config_free(warren_server_config *config);
/* false + err (WARREN_ERROR_INVALID) for an unknown name or a bad value; the config keeps its
 * previous value then. */
WARREN_API bool warren_server_config_set(warren_server_config *config, const char *name, const char *value, warren_error **err);
/* The guests' WASI configuration (copied; NULL: defaults). Guests' stdout and stderr lines
 * are prefixed with their instance ("stdout [3] :: "). */
WARREN_API void warren_server_config_set_wasi(warren_server_config *config, const warren_wasi_config *wasi);

typedef struct warren_server warren_server;

/* Checks the options as a whole and that `component` can serve (it exports
 * wasi:http/incoming-handler@0.2.x and links: it is instantiated once). `component` must
 * outlive the server; `config` is copied. NULL + err otherwise (WARREN_ERROR_INVALID for
 * inconsistent limits, WARREN_ERROR_LINK / WARREN_ERROR_NOT_FOUND / WARREN_ERROR_TRAP). */
WARREN_API warren_server *warren_server_new(const warren_component *component, const warren_server_config *config,
                                 warren_error **err);
/* Starts listening and serving on background threads and returns at once with the port it
 * bound (the one asked for, or a free one for port 0). -1 + err (WARREN_ERROR_SYSTEM: cannot
 * bind, ...; WARREN_ERROR_INVALID: already started). Ignores SIGPIPE process-wide (a client
 * that goes away must not kill the process); other signals are the embedder's. */
WARREN_API int warren_server_start(warren_server *server, warren_error **err);
/* The pool's metrics summed over the workers, in Prometheus text format (the same as the
 * admin endpoint's /metrics): instances by state, requests, queue, traps, timeouts, drains,
 * histograms. As of each worker's last tick (every 10 ms while serving). Caller frees it.
 * Thread-safe. */
WARREN_API char *warren_server_metrics_text(warren_server *server);
/* Graceful stop: close the listeners (new connections are refused), give in-flight requests
 * shutdown-timeout (then their guests are interrupted, and the cut requests logged), drain every
 * instance (its teardown export within drain-timeout); returns when every thread has ended. A
 * stopped server cannot be started again. No-op when not running. Call it from one thread,
 * not from inside a guest. */
WARREN_API void warren_server_stop(warren_server *server);
/* Stops (if running) and frees. */
WARREN_API void warren_server_free(warren_server *server);

#ifdef __cplusplus
}
#endif

#endif
