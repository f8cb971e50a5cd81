/* Functions and modules in native code: the prologue and body of each function, the module's
 * entry and trap stubs, mapping the code executable, the perf map, and running a native call. */
#include "native_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/fiber.h"

#if WASM_NATIVE

/* Locals and constants a prologue initialises with straight-line copies at most (more: rep movsq). */
enum { UNROLLED_INIT_MAX = 96 };
/* Translations of one function that drop conflicting registers before it is translated with
 * none (native_internal.h: conflicted). */
enum { MAX_CONFLICT_ATTEMPTS = NATIVE_VECTOR_REGS + NATIVE_CACHE_REGS };

/* Initialisations of at most this many slots are stores in the prologue; larger ones copy, after
 * the body, only the slots the body reaches in the frame (emit_init). */
enum { INLINE_INIT_MAX = 16 };
/* Set (to anything) to initialise every function after its body and fill the slots it skips with
 * a poison value, so that a template that reads one without marking it (native_init_read) gives
 * wrong results in tests. */
static const char *const POISON_INIT_ENV = "WARREN_NATIVE_POISON_INIT";
#define POISON_VALUE UINT64_C(0x5a5a5a5a5a5a5a5a)

/* Slot i of the initialisation (slot nparam_slots + i of the frame) = its value, as stores. */
static void store_init_slot(wasm_native_builder *nb, uint32_t i) {
  x64_buf *b = &nb->b;
  uint64_t v = nb->f->init[i];
  x64_mem m = frame_at(nb->f->nparam_slots + i);
  if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
    x64_store64_imm(b, m, (int32_t)v);
  } else {
    x64_mov_imm64(b, RAX, v);
    x64_store64(b, m, RAX);
  }
}

/* Slots [first, end) of the initialisation copied from the function's init data. */
static void copy_init_slots(wasm_native_builder *nb, uint32_t first, uint32_t end) {
  x64_buf *b = &nb->b;
  const wasm_compiled_func *f = nb->f;
  if (end - first <= 2) {
    for (uint32_t i = first; i < end; i++) store_init_slot(nb, i);
    return;
  }
  native_load_address(nb, RSI, WASM_RELOC_INIT, 0);
  if (end - first > UNROLLED_INIT_MAX) {
    x64_lea(b, true, RDI, frame_at(f->nparam_slots + first));
    if (first) x64_alu_imm(b, true, ALU_ADD, RSI, (int32_t)(first * 8));
    x64_mov_imm32(b, RCX, end - first);
    x64_rep_movsq(b); /* tens of cycles to start: worth it only for long runs */
    return;
  }
  uint32_t i = first;
  for (; i + 2 <= end; i += 2) { /* 16 bytes a step */
    x64_movdqu_load(b, XMM0, x64_at(RSI, (int32_t)(i * 8)));
    x64_movdqu_store(b, frame_at(f->nparam_slots + i), XMM0);
  }
  if (i < end) {
    x64_load64(b, RAX, x64_at(RSI, (int32_t)(i * 8)));
    x64_store64(b, frame_at(f->nparam_slots + i), RAX);
  }
}

/* After the body: the large initialisation the prologue jumps to, of the slots the body reaches
 * in the frame (most constants became immediates and most hot locals live in registers), then
 * back. With none to do, the prologue's jump becomes a no-op. */
static void emit_init(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  const wasm_compiled_func *f = nb->f;
  if (!nb->init_jump_at) return;
  bool poison = nb->poison_init;
  bool any = poison;
  for (uint32_t i = 0; i < f->init_len && !any; i++) any = nb->init_needed[i];
  if (!any) {
    static const uint8_t nop5[5] = {0x0F, 0x1F, 0x44, 0x00, 0x00};
    memcpy(b->p + nb->init_jump_at - 1, nop5, sizeof nop5);
    return;
  }
  x64_link(b, nb->init_jump_at, b->len);
  for (uint32_t i = 0; i < f->init_len;) {
    if (!nb->init_needed[i]) {
      i++;
      continue;
    }
    uint32_t end = i;
    while (end < f->init_len && nb->init_needed[end]) end++;
    copy_init_slots(nb, i, end);
    i = end;
  }
  if (poison) {
    x64_mov_imm64(b, RAX, POISON_VALUE);
    for (uint32_t i = 0; i < f->init_len; i++)
      if (!nb->init_needed[i]) x64_store64(b, frame_at(f->nparam_slots + i), RAX);
  }
  x64_jmp_to(b, nb->init_resume_at);
}

static void emit_prologue(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  const wasm_compiled_func *f = nb->f;
  x64_alu_imm(b, true, ALU_SUB, RSP, 8); /* rsp is 16-byte aligned in the body */
  x64_alu_mem(b, true, ALU_CMP, RSP, CX(native_limit));
  jump_to_trap(nb, CC_B, WASM_TRAP_STACK_EXHAUSTED);
  x64_lea(b, true, RAX, frame_at(f->frame_slots));
  x64_alu_mem(b, true, ALU_CMP, RAX, CX(stack_end));
  jump_to_trap(nb, CC_A, WASM_TRAP_STACK_EXHAUSTED);
  /* zeroed locals and the constant pool: a few slots here, more after the body (emit_init) */
  nb->init_jump_at = 0;
  if (f->init_len <= INLINE_INIT_MAX && !nb->poison_init) {
    for (uint32_t i = 0; i < f->init_len; i++) store_init_slot(nb, i);
  } else {
    memset(nb->init_needed, 0, f->init_len);
    nb->init_jump_at = x64_jmp_fixup(b);
    nb->init_resume_at = b->len;
  }
  native_load_cached_on_entry(nb);
  /* after the cached locals are loaded: the check's slow path saves them */
  native_emit_interrupt_check(nb);
}

bool wasm_native_add(wasm_native_builder *nb, uint32_t def_index, const wasm_compiled_func *f,
                     const uint32_t *op_starts, size_t nops) {
  if (!nb) return false;
  if (f->frame_slots > INT32_MAX / 8 - 2) return false;
  x64_buf *b = &nb->b;
  nb->f = f;
  nb->code = f->code;
  if (nb->init_needed_cap < (size_t)f->init_len + 1) {
    nb->init_needed_cap = (size_t)f->init_len + 1;
    nb->init_needed = wr_realloc(nb->init_needed, nb->init_needed_cap);
  }
  if (nb->native_cap < (size_t)f->code_len + 1) {
    nb->native_cap = (size_t)f->code_len + 1;
    nb->native_at = wr_realloc(nb->native_at, nb->native_cap * sizeof(uint32_t));
  }
  for (size_t i = 0; i <= f->code_len; i++) nb->native_at[i] = NO_POS;
  nb->branches.len = 0;
  nb->interrupt_checks.len = 0;
  nb->vector_consts.len = 0;
  while (b->len % 16) x64_byte(b, 0x90); /* functions start aligned */
  nb->last_func_at = b->len;
  if (nb->func_at) nb->func_at[def_index] = b->len;
  size_t calls_before = nb->calls.len, relocs_before = nb->relocs.len;
  if (nb->vector_cap) {
    memset(nb->vector_conflict, 0, nb->vector_cap);
    memset(nb->register_conflict, 0, nb->vector_cap);
  }
  nb->no_registers = false;
  /* again without the vectors in registers that some template reached in the frame */
  for (int attempt = 0;; attempt++) {
    native_choose_cached_locals(nb, def_index, op_starts, nops);
    native_mark_labels(nb, op_starts, nops);
    emit_prologue(nb);
    for (size_t i = 0; i < nops; i++) {
      uint32_t pc = op_starts[i];
      if (pc >= f->code_len) return false;
      native_region_leave(nb, pc);
      nb->native_at[pc] = (uint32_t)b->len;
      native_region_enter(nb, pc);
      nb->next_pc = i + 1 < nops ? op_starts[i + 1] : f->code_len;
      native_chain_begin(nb, pc);
      /* a loop checks the interrupt flag at its head, so its back-edge is a plain branch */
      if (native_loop_head(nb, pc)) native_emit_interrupt_check(nb);
      if (!native_emit_op(nb, pc)) native_emit_step(nb, pc);
    }
    /* conflicts mark only chosen slots, so each attempt drops one at least; a function that
     * keeps conflicting is translated with no slot in a register, where none can */
    if (!nb->conflicted) break;
    if (nb->no_registers) return false;
    if (attempt == MAX_CONFLICT_ATTEMPTS) nb->no_registers = true;
    b->len = nb->last_func_at;
    nb->calls.len = calls_before;
    nb->relocs.len = relocs_before;
    nb->branches.len = 0;
    nb->interrupt_checks.len = 0;
    nb->vector_consts.len = 0;
    for (size_t i = 0; i <= f->code_len; i++) nb->native_at[i] = NO_POS;
  }
  if (nb->label_missed) return false;
  x64_jmp_to(b, nb->trap_at[WASM_TRAP_UNREACHABLE]); /* never reached: bodies end in return */
  native_emit_interrupt_stubs(nb);
  emit_init(nb);
  native_emit_vector_consts(nb);
  for (size_t i = 0; i < nb->branches.len; i++) {
    const fixup *fx = &nb->branches.items[i];
    if (fx->target >= f->code_len || nb->native_at[fx->target] == NO_POS) return false;
    x64_patch32(b, fx->at, (uint32_t)(int32_t)((int64_t)nb->native_at[fx->target] - (int64_t)fx->rel_base));
  }
  return true;
}

/* The entry (C ABI: fp, cx, code), the exit every trap unwinds to, and one stub per trap
 * kind, at the start of the module's code. */
void native_emit_entry_and_traps(wasm_native_builder *nb) {
  x64_buf *b = &nb->b;
  static const int saved[] = {RBX, RBP, R12, R13, R14, R15};
  for (size_t i = 0; i < 6; i++) x64_push(b, saved[i]);
  x64_alu_imm(b, true, ALU_SUB, RSP, 8);
  x64_store64(b, x64_at(RSI, (int32_t)offsetof(native_ctx, entry_rsp)), RSP);
  x64_mov_rr(b, true, RBX, RDI);
  x64_mov_rr(b, true, R13, RSI);
  x64_load64(b, R12, CX(mem_base));
  x64_load64(b, R14, CX(interrupt));
  x64_call_reg(b, RDX);
  x64_alu_rr(b, false, ALU_XOR, RAX, RAX);
  nb->exit_at = b->len;
  x64_alu_imm(b, true, ALU_ADD, RSP, 8);
  for (size_t i = 6; i-- > 0;) x64_pop(b, saved[i]);
  x64_ret(b);
  /* eax holds the trap already (a step or a call out returned it) */
  nb->propagate_at = b->len;
  x64_load64(b, RSP, CX(entry_rsp));
  x64_jmp_to(b, nb->exit_at);
  for (int k = 0; k < TRAP_KINDS; k++) {
    nb->trap_at[k] = b->len;
    x64_mov_imm32(b, RAX, (uint32_t)k + 1);
    x64_jmp_to(b, nb->propagate_at);
  }
}

wasm_native_builder *wasm_native_begin(const wasm_module *module) {
  if (!wasm_native_enabled()) return NULL;
  wasm_native_builder *nb = WR_NEW(wasm_native_builder);
  nb->module = module;
  nb->poison_init = getenv(POISON_INIT_ENV) != NULL;
  nb->func_at = WR_NEW_ARRAY(size_t, module->nfuncs ? module->nfuncs : 1);
  native_emit_entry_and_traps(nb);
  return nb;
}

void wasm_native_abandon(wasm_native_builder *nb) {
  if (!nb) return;
  wr_free(nb->b.p);
  wr_free(nb->func_at);
  wr_free(nb->native_at);
  wr_free(nb->local_reg);
  wr_free(nb->vector_reg);
  wr_free(nb->vector_conflict);
  wr_free(nb->register_conflict);
  wr_free(nb->label);
  wr_free(nb->init_needed);
  WR_VEC_FREE(&nb->calls);
  WR_VEC_FREE(&nb->relocs);
  WR_VEC_FREE(&nb->branches);
  WR_VEC_FREE(&nb->interrupt_checks);
  WR_VEC_FREE(&nb->regions);
  WR_VEC_FREE(&nb->vector_consts);
  wr_free(nb);
}

/* WARREN_PERF_MAP=1: name each function's code in /tmp/perf-PID.map, where perf looks for
 * symbols of generated code. */
static void write_perf_map(const wasm_native_builder *nb, const uint8_t *mem) {
  if (!getenv("WARREN_PERF_MAP")) return;
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  FILE *f = fopen(path, "a");
  if (!f) return;
  const wasm_module *m = nb->module;
  for (uint32_t i = 0; i < m->nfuncs; i++) {
    size_t end = i + 1 < m->nfuncs ? nb->func_at[i + 1] : nb->b.len;
    const char *name = m->func_names ? m->func_names[m->nfunc_imports + i] : NULL;
    fprintf(f, "%lx %zx wasm[%u]%s%s\n", (unsigned long)(uintptr_t)(mem + nb->func_at[i]), end - nb->func_at[i],
            m->nfunc_imports + i, name ? " " : "", name ? name : "");
  }
  fclose(f);
}

bool wasm_native_finish(wasm_native_builder *nb, struct wasm_code *code) {
  if (!nb) return false;
  x64_buf *b = &nb->b;
  for (size_t i = 0; i < nb->calls.len; i++) {
    const fixup *fx = &nb->calls.items[i];
    x64_patch32(b, fx->at, (uint32_t)(int32_t)((int64_t)nb->func_at[fx->target] - (int64_t)fx->rel_base));
  }
  size_t page = 4096, size = (b->len + page - 1) / page * page;
  uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    wasm_native_abandon(nb);
    return false;
  }
  memcpy(mem, b->p, b->len);
  if (mprotect(mem, size, PROT_READ | PROT_EXEC) != 0) {
    munmap(mem, size);
    wasm_native_abandon(nb);
    return false;
  }
  write_perf_map(nb, mem);
  struct wasm_native_code *native = WR_NEW(struct wasm_native_code);
  native->base = mem;
  native->size = size;
  native->enter = (native_enter_fn)(void *)mem;
  for (uint32_t i = 0; i < code->nfuncs; i++) code->funcs[i].native = mem + nb->func_at[i];
  code->native = native;
  wasm_native_abandon(nb);
  return true;
}

void wasm_native_free(struct wasm_native_code *native) {
  if (!native) return;
  munmap(native->base, native->size);
  wr_free((void *)native->entries);
  wr_free(native->translate_stubs);
  native_free_kept_pieces(native);
  wasm_code_arena_free(native->arena);
  wr_free(native);
}
/* ---- running ---- */

/* The lowest address native frames may use on this stack: its low end plus room for the C
 * code (host functions, the interpreter) that native code calls. */
#define NATIVE_STACK_MARGIN (96 * 1024)
static uintptr_t native_stack_limit(void) {
  wr_fiber *fiber = wr_fiber_current();
  if (fiber) {
    uint8_t *low;
    size_t size;
    wr_fiber_stack(fiber, &low, &size);
    return (uintptr_t)low + NATIVE_STACK_MARGIN;
  }
  static _Thread_local uintptr_t thread_limit;
  if (!thread_limit) {
    pthread_attr_t attr;
    void *low = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstack(&attr, &low, &size);
      pthread_attr_destroy(&attr);
    }
    /* unknown bounds: allow 256 KiB below here */
    thread_limit = low ? (uintptr_t)low + NATIVE_STACK_MARGIN
                       : (uintptr_t)__builtin_frame_address(0) - 256 * 1024;
  }
  return thread_limit;
}

wasm_trap *wasm_native_call(wasm_store *store, wasm_exec_stack *xs, wasm_func *func, wasm_slot *slots) {
  const wasm_compiled_func *cur = func->code;
  native_ctx cx;
  cx.stack_end = xs->stack + WASM_VALUE_STACK_SLOTS;
  cx.native_limit = native_stack_limit();
  wasm_slot *fp = xs->top;
  /* a function not translated yet may be being filled in by another thread: its frame size is
   * read only once published (until then its arguments are what goes in; its prologue checks the
   * whole frame anyway) */
  uint32_t frame = atomic_load_explicit(&cur->ready, memory_order_acquire) ? cur->frame_slots : func->nparam_slots;
  if (fp + frame > cx.stack_end || (uintptr_t)__builtin_frame_address(0) < cx.native_limit)
    return wasm_trap_new(store, WASM_TRAP_STACK_EXHAUSTED, "%s", wasm_trap_kind_message(WASM_TRAP_STACK_EXHAUSTED));
  cx.interrupt = &store->interrupt;
  cx.store = store;
  cx.xs = xs;
  memcpy(fp, slots, (size_t)func->nparam_slots * sizeof(wasm_slot));
  uint32_t status = native_enter_instance(&cx, func, fp);
  if (status) {
    if (cx.trap) return cx.trap;
    wasm_trap_kind kind = (wasm_trap_kind)(status - 1);
    return wasm_trap_new(store, kind, "%s", wasm_trap_kind_message(kind));
  }
  memcpy(slots, fp, (size_t)func->nresult_slots * sizeof(wasm_slot));
  return NULL;
}

uint32_t native_enter_instance(native_ctx *cx, wasm_func *func, wasm_slot *fp) {
  wasm_instance *inst = func->instance;
  wasm_memory *mem0 = wasm_instance_memory0(inst);
  cx->mem_base = mem0 ? mem0->base : NULL;
  cx->inst = inst;
  cx->globals = inst->globals;
  cx->tables = inst->tables;
  cx->funcs = inst->funcs;
  cx->types = inst->types;
  cx->entry_rsp = NULL;
  cx->trap = NULL;
  return inst->module->code->native->enter(fp, cx, func->code->native);
}
#endif
