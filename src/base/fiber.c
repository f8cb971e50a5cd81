/* Stack switching. On x86-64 a 12-instruction switch that saves only the callee-saved
 * registers (a swapcontext would also make a sigprocmask system call per switch); other
 * hosts use ucontext. Under AddressSanitizer every switch is announced to it so its
 * stack bookkeeping follows the fiber; under ThreadSanitizer each fiber is one of its fibers,
 * so the happens-before order it tracks follows the code that runs, not the thread. */
#include "fiber.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"

#if defined(__x86_64__) && !defined(WARREN_FIBER_UCONTEXT)
#define FIBER_ASM 1
#else
#include <ucontext.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define FIBER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FIBER_TSAN 1
#endif
#endif
#ifdef FIBER_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif
#ifdef FIBER_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#endif

struct wr_fiber {
  wr_fiber_fn fn;
  void *arg;
  uint8_t *mapping; /* guard page + stack */
  size_t mapping_size;
  uint8_t *stack_low;
  size_t stack_size;
  bool started, done;
  wr_fiber *resumer_fiber; /* the fiber current when this one was resumed (NULL: thread stack) */
#ifdef FIBER_ASM
  void *sp;        /* saved stack pointer of this fiber while it is not running */
  void *caller_sp; /* saved stack pointer of the resumer while this fiber runs */
#else
  ucontext_t context, caller_context;
#endif
#ifdef FIBER_TSAN
  void *tsan_fiber;  /* TSan's for this fiber */
  void *tsan_caller; /* TSan's for the resumer, while this fiber runs */
#endif
#ifdef FIBER_ASAN
  void *fake_stack;        /* ASan's fake stack of the side that switched away */
  const void *caller_bottom;
  size_t caller_size;
#endif
};

static _Thread_local wr_fiber *current_fiber;

#ifdef FIBER_ASM
/* void fiber_switch(void **save_sp, void *load_sp): push callee-saved registers, store rsp,
 * load the other rsp, pop its registers, return into it. */
void wr_fiber_switch_asm(void **save_sp, void *load_sp);
void wr_fiber_trampoline_asm(void);
__asm__(
    ".text\n"
    ".globl wr_fiber_switch_asm\n"
    ".type wr_fiber_switch_asm,@function\n"
    "wr_fiber_switch_asm:\n"
    "  pushq %rbp\n"
    "  pushq %rbx\n"
    "  pushq %r12\n"
    "  pushq %r13\n"
    "  pushq %r14\n"
    "  pushq %r15\n"
    "  movq %rsp, (%rdi)\n"
    "  movq %rsi, %rsp\n"
    "  popq %r15\n"
    "  popq %r14\n"
    "  popq %r13\n"
    "  popq %r12\n"
    "  popq %rbx\n"
    "  popq %rbp\n"
    "  ret\n"
    ".size wr_fiber_switch_asm, .-wr_fiber_switch_asm\n"
    /* First entry: r12 = fiber, r13 = entry function; rsp is 16-byte aligned here. */
    ".globl wr_fiber_trampoline_asm\n"
    ".type wr_fiber_trampoline_asm,@function\n"
    "wr_fiber_trampoline_asm:\n"
    "  movq %r12, %rdi\n"
    "  callq *%r13\n"
    "  ud2\n"
    ".size wr_fiber_trampoline_asm, .-wr_fiber_trampoline_asm\n"
    ".section .note.GNU-stack,\"\",@progbits\n"
    ".text\n");
#endif

static void fiber_main(wr_fiber *fiber);

#ifndef FIBER_ASM
static void fiber_main_ucontext(unsigned hi, unsigned lo) {
  fiber_main((wr_fiber *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

wr_fiber *wr_fiber_new(size_t stack_size, wr_fiber_fn fn, void *arg) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (stack_size < 16 * 1024) stack_size = 16 * 1024;
  stack_size = (stack_size + page - 1) & ~(page - 1);
  size_t mapping_size = stack_size + page;
  uint8_t *mapping = mmap(NULL, mapping_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                          -1, 0);
  if (mapping == MAP_FAILED) return NULL;
  if (mprotect(mapping, page, PROT_NONE) != 0) { /* guard page: overflow faults, never corrupts */
    munmap(mapping, mapping_size);
    return NULL;
  }
  wr_fiber *fiber = WR_NEW(wr_fiber);
  fiber->fn = fn;
  fiber->arg = arg;
  fiber->mapping = mapping;
  fiber->mapping_size = mapping_size;
  fiber->stack_low = mapping + page;
  fiber->stack_size = stack_size;
#ifdef FIBER_TSAN
  fiber->tsan_fiber = __tsan_create_fiber(0);
#endif
#ifdef FIBER_ASM
  /* Initial frame: six zeroed callee-saved registers (r12 = fiber, r13 = entry) under the
   * trampoline's address, so the first switch "returns" into the trampoline with rsp
   * 16-byte aligned, as a call site expects. */
  uintptr_t top = ((uintptr_t)(fiber->stack_low + stack_size) & ~(uintptr_t)15) - 16;
  void **sp = (void **)top;
  *--sp = (void *)(uintptr_t)wr_fiber_trampoline_asm;
  *--sp = 0;                           /* rbp */
  *--sp = 0;                           /* rbx */
  *--sp = fiber;                       /* r12 */
  *--sp = (void *)(uintptr_t)fiber_main; /* r13 */
  *--sp = 0;                           /* r14 */
  *--sp = 0;                           /* r15 */
  fiber->sp = sp;
#else
  getcontext(&fiber->context);
  fiber->context.uc_stack.ss_sp = fiber->stack_low;
  fiber->context.uc_stack.ss_size = stack_size;
  fiber->context.uc_link = NULL;
  uintptr_t p = (uintptr_t)fiber;
  makecontext(&fiber->context, (void (*)(void))fiber_main_ucontext, 2, (unsigned)(p >> 32), (unsigned)p);
#endif
  return fiber;
}

void wr_fiber_free(wr_fiber *fiber) {
  if (!fiber) return;
#ifdef FIBER_ASAN
  /* a fiber freed while suspended (its instance dropped a waiting guest) leaves its frames'
   * redzones poisoned; a later mapping at the same address would inherit them */
  __asan_unpoison_memory_region(fiber->stack_low, fiber->stack_size);
#endif
#ifdef FIBER_TSAN
  __tsan_destroy_fiber(fiber->tsan_fiber);
#endif
  munmap(fiber->mapping, fiber->mapping_size);
  wr_free(fiber);
}

/* Switch from the resumer into `fiber`. */
static void switch_into(wr_fiber *fiber) {
#ifdef FIBER_ASAN
  void *fake = NULL;
  __sanitizer_start_switch_fiber(&fake, fiber->stack_low, fiber->stack_size);
#endif
#ifdef FIBER_TSAN
  fiber->tsan_caller = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(fiber->tsan_fiber, 0);
#endif
#ifdef FIBER_ASM
  wr_fiber_switch_asm(&fiber->caller_sp, fiber->sp);
#else
  swapcontext(&fiber->caller_context, &fiber->context);
#endif
#ifdef FIBER_ASAN
  __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

/* Switch from inside `fiber` back to its resumer; `finished` when the fiber will never run again. */
static void switch_out(wr_fiber *fiber, bool finished) {
#ifdef FIBER_ASAN
  __sanitizer_start_switch_fiber(finished ? NULL : &fiber->fake_stack, fiber->caller_bottom, fiber->caller_size);
#else
  (void)finished;
#endif
#ifdef FIBER_TSAN
  __tsan_switch_to_fiber(fiber->tsan_caller, 0);
#endif
#ifdef FIBER_ASM
  wr_fiber_switch_asm(&fiber->sp, fiber->caller_sp);
#else
  swapcontext(&fiber->context, &fiber->caller_context);
#endif
#ifdef FIBER_ASAN
  /* resumed again: learn the (possibly different) resumer's stack */
  __sanitizer_finish_switch_fiber(fiber->fake_stack, &fiber->caller_bottom, &fiber->caller_size);
#endif
}

static void fiber_main(wr_fiber *fiber) {
#ifdef FIBER_ASAN
  __sanitizer_finish_switch_fiber(NULL, &fiber->caller_bottom, &fiber->caller_size);
#endif
  fiber->fn(fiber->arg);
  fiber->done = true;
  switch_out(fiber, true);
  abort(); /* a finished fiber is never resumed */
}

bool wr_fiber_resume(wr_fiber *fiber) {
  if (fiber->done) return true;
  fiber->resumer_fiber = current_fiber;
  current_fiber = fiber;
  fiber->started = true;
  switch_into(fiber);
  current_fiber = fiber->resumer_fiber;
  return fiber->done;
}

void wr_fiber_suspend(void) {
  wr_fiber *fiber = current_fiber;
  if (!fiber) abort(); /* suspending the thread's own stack is a programming error */
  switch_out(fiber, false);
}

wr_fiber *wr_fiber_current(void) { return current_fiber; }

bool wr_fiber_done(const wr_fiber *fiber) { return fiber->done; }

void wr_fiber_stack(const wr_fiber *fiber, uint8_t **low, size_t *size) {
  *low = fiber->stack_low;
  *size = fiber->stack_size;
}
