/* Turning guard-page faults into traps. Each thread records the innermost protected call
 * (wasm_func_call) it is running; a SIGSEGV/SIGBUS whose address lies in a linear-memory
 * reservation of that call's store jumps back to it, which then reports "out of bounds
 * memory access". Any other fault restores the default action and re-raises, so a real
 * crash still crashes. The handler runs on a per-thread alternate stack, so faults on a
 * small fiber stack are handled too. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIGNALS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIGNALS_ASAN 1
#endif
#endif
#ifdef SIGNALS_ASAN
#include <sanitizer/asan_interface.h>
#include <ucontext.h>
#endif

typedef struct protected_call {
  sigjmp_buf env;
  uintptr_t fault_sp; /* the faulting code's stack pointer (AddressSanitizer builds) */
  wasm_store *store;
  struct protected_call *outer;
} protected_call;

static _Thread_local protected_call *innermost;
static _Thread_local void *alt_stack;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static struct sigaction previous_segv, previous_bus;

static bool in_guarded_memory(const wasm_store *store, uintptr_t addr) {
  for (size_t i = 0; i < store->memories.len; i++) {
    const wasm_memory *m = store->memories.items[i];
    uintptr_t base = (uintptr_t)m->base;
    if (m->base && addr >= base && addr - base < m->reserved) return true;
  }
  return false;
}

static void on_fault(int sig, siginfo_t *info, void *context) {
  WR_UNUSED(context);
  protected_call *call = innermost;
  if (WASM_GUARDED_MEMORY && call && in_guarded_memory(call->store, (uintptr_t)info->si_addr)) {
#if defined(SIGNALS_ASAN) && defined(__x86_64__)
    call->fault_sp = (uintptr_t)((ucontext_t *)context)->uc_mcontext.gregs[REG_RSP];
#endif
    siglongjmp(call->env, 1);
  }
  /* not ours: fall back to what was installed before us (or the default) and retry */
  sigaction(sig, sig == SIGSEGV ? &previous_segv : &previous_bus, NULL);
}

static void install_handler(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &previous_segv);
  sigaction(SIGBUS, &sa, &previous_bus);
}

/* One alternate signal stack per thread, kept for the thread's life. */
static void ensure_alt_stack(void) {
  if (alt_stack) return;
  stack_t current;
  if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE)) {
    alt_stack = current.ss_sp;
    return;
  }
  size_t size = 64 * 1024;
  alt_stack = malloc(size);
  if (!alt_stack) return;
  stack_t ss = {.ss_sp = alt_stack, .ss_size = size, .ss_flags = 0};
  sigaltstack(&ss, NULL);
}

void *wasm_protected_save(void) { return innermost; }
void wasm_protected_restore(void *saved) { innermost = saved; }

wasm_trap *wasm_protected_call(wasm_store *store, wasm_exec_stack *xs, wasm_protected_fn body, wasm_func *func,
                               wasm_slot *slots) {
#if WASM_GUARDED_MEMORY
  pthread_once(&install_once, install_handler);
  ensure_alt_stack();
  protected_call call;
  call.store = store;
  call.outer = innermost;
  call.fault_sp = 0;
  if (sigsetjmp(call.env, 0)) {
#ifdef SIGNALS_ASAN
    /* The jump left from the handler's own stack, so AddressSanitizer did not clear the
     * redzones of the frames it skipped on this one; the next calls would trip over them. */
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (call.fault_sp && call.fault_sp < here) ASAN_UNPOISON_MEMORY_REGION((void *)call.fault_sp, here - call.fault_sp);
#endif
    innermost = call.outer;
    return wasm_trap_new(store, WASM_TRAP_MEMORY_OUT_OF_BOUNDS, "%s",
                         wasm_trap_kind_message(WASM_TRAP_MEMORY_OUT_OF_BOUNDS));
  }
  innermost = &call;
  wasm_trap *trap = body(store, xs, func, slots);
  innermost = call.outer;
  return trap;
#else
  return body(store, xs, func, slots);
#endif
}
