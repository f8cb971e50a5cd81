/* Fibers: guest code runs on its own small stack so that a host call that must wait
 * (a blocking wasi:io read, p3 waitable-set.wait) can switch back to the event loop
 * without blocking the thread. Asymmetric: a fiber is resumed by someone and suspends
 * back to whoever resumed it. A fiber never moves between threads while suspended in
 * the middle of guest code unless the embedder guarantees exclusive access. */
#ifndef WARREN_BASE_FIBER_H
#define WARREN_BASE_FIBER_H

#include "common.h"

typedef struct wr_fiber wr_fiber;
typedef void (*wr_fiber_fn)(void *arg);

/* A fiber with `stack_size` bytes of stack (rounded up to pages, plus a guard page)
 * that will run fn(arg) when first resumed. NULL if the stack cannot be mapped. */
wr_fiber *wr_fiber_new(size_t stack_size, wr_fiber_fn fn, void *arg);
/* Frees a fiber that has finished or was never started. A fiber suspended in the
 * middle of fn is freed without unwinding (its C frames simply vanish). */
void wr_fiber_free(wr_fiber *fiber);

/* Runs the fiber until it suspends or fn returns. Returns true once fn has returned. */
bool wr_fiber_resume(wr_fiber *fiber);
/* From inside a fiber: switch back to its resumer; returns when resumed again. */
void wr_fiber_suspend(void);
/* The fiber running on this thread, or NULL on a thread's own stack. */
wr_fiber *wr_fiber_current(void);
bool wr_fiber_done(const wr_fiber *fiber);
/* Bounds of the fiber's usable stack, for stack-depth checks. */
void wr_fiber_stack(const wr_fiber *fiber, uint8_t **low, size_t *size);

#endif
