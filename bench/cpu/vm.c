/* CPU kernel: a byte-code interpreter loop. A toy stack machine (switch dispatch, eight
 * locals) runs a program that counts primes below N by trial division and hashes them.
 * Usage: vm [N]; prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { DEFAULT_LIMIT = 500000 };

typedef enum {
  OP_PUSH,
  OP_LOAD,
  OP_STORE,
  OP_ADD,
  OP_MUL,
  OP_MOD,
  OP_LT,
  OP_LE,
  OP_JMP,
  OP_JZ,
  OP_JNZ,
  OP_HALT,
} opcode;

enum { LOCAL_I, LOCAL_J, LOCAL_COUNT, LOCAL_LIMIT, LOCAL_PRIME, LOCAL_HASH, NLOCALS = 8 };

/* A tiny assembler: labels are resolved when the program is complete. */
enum { MAX_CODE = 256, MAX_LABELS = 8 };
typedef struct program {
  int32_t code[MAX_CODE];
  int len;
  int label_at[MAX_LABELS];
  int fixup_at[MAX_CODE], fixup_label[MAX_CODE], nfixups;
} program;

static void op(program *p, opcode o) { p->code[p->len++] = o; }
static void op_arg(program *p, opcode o, int32_t arg) {
  p->code[p->len++] = o;
  p->code[p->len++] = arg;
}
static void jump(program *p, opcode o, int label) {
  p->code[p->len++] = o;
  p->fixup_at[p->nfixups] = p->len;
  p->fixup_label[p->nfixups++] = label;
  p->code[p->len++] = -1;
}
static void label(program *p, int label) { p->label_at[label] = p->len; }
static void link_labels(program *p) {
  for (int i = 0; i < p->nfixups; i++) p->code[p->fixup_at[i]] = p->label_at[p->fixup_label[i]];
}

enum { L_OUTER, L_INNER, L_NEXT_J, L_INNER_END, L_END };

static void assemble_primes(program *p) {
  op_arg(p, OP_PUSH, 2);
  op_arg(p, OP_STORE, LOCAL_I);
  label(p, L_OUTER);
  op_arg(p, OP_LOAD, LOCAL_I);
  op_arg(p, OP_LOAD, LOCAL_LIMIT);
  op(p, OP_LT);
  jump(p, OP_JZ, L_END);
  op_arg(p, OP_PUSH, 1);
  op_arg(p, OP_STORE, LOCAL_PRIME);
  op_arg(p, OP_PUSH, 2);
  op_arg(p, OP_STORE, LOCAL_J);
  label(p, L_INNER); /* while (j * j <= i) */
  op_arg(p, OP_LOAD, LOCAL_J);
  op_arg(p, OP_LOAD, LOCAL_J);
  op(p, OP_MUL);
  op_arg(p, OP_LOAD, LOCAL_I);
  op(p, OP_LE);
  jump(p, OP_JZ, L_INNER_END);
  op_arg(p, OP_LOAD, LOCAL_I);
  op_arg(p, OP_LOAD, LOCAL_J);
  op(p, OP_MOD);
  jump(p, OP_JNZ, L_NEXT_J);
  op_arg(p, OP_PUSH, 0);
  op_arg(p, OP_STORE, LOCAL_PRIME);
  jump(p, OP_JMP, L_INNER_END);
  label(p, L_NEXT_J);
  op_arg(p, OP_LOAD, LOCAL_J);
  op_arg(p, OP_PUSH, 1);
  op(p, OP_ADD);
  op_arg(p, OP_STORE, LOCAL_J);
  jump(p, OP_JMP, L_INNER);
  label(p, L_INNER_END); /* count += prime; hash = hash * 31 + i * prime */
  op_arg(p, OP_LOAD, LOCAL_COUNT);
  op_arg(p, OP_LOAD, LOCAL_PRIME);
  op(p, OP_ADD);
  op_arg(p, OP_STORE, LOCAL_COUNT);
  op_arg(p, OP_LOAD, LOCAL_HASH);
  op_arg(p, OP_PUSH, 31);
  op(p, OP_MUL);
  op_arg(p, OP_LOAD, LOCAL_I);
  op_arg(p, OP_LOAD, LOCAL_PRIME);
  op(p, OP_MUL);
  op(p, OP_ADD);
  op_arg(p, OP_STORE, LOCAL_HASH);
  op_arg(p, OP_LOAD, LOCAL_I);
  op_arg(p, OP_PUSH, 1);
  op(p, OP_ADD);
  op_arg(p, OP_STORE, LOCAL_I);
  jump(p, OP_JMP, L_OUTER);
  label(p, L_END);
  op(p, OP_HALT);
  link_labels(p);
}

/* Returns the number of instructions executed. */
static uint64_t execute(const int32_t *code, uint64_t *locals) {
  uint64_t stack[64];
  int sp = 0, pc = 0;
  uint64_t steps = 0;
  for (;;) {
    steps++;
    switch ((opcode)code[pc]) {
      case OP_PUSH:
        stack[sp++] = (uint64_t)(int64_t)code[pc + 1];
        pc += 2;
        break;
      case OP_LOAD:
        stack[sp++] = locals[code[pc + 1]];
        pc += 2;
        break;
      case OP_STORE:
        locals[code[pc + 1]] = stack[--sp];
        pc += 2;
        break;
      case OP_ADD:
        sp--;
        stack[sp - 1] += stack[sp];
        pc++;
        break;
      case OP_MUL:
        sp--;
        stack[sp - 1] *= stack[sp];
        pc++;
        break;
      case OP_MOD:
        sp--;
        stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0;
        pc++;
        break;
      case OP_LT:
        sp--;
        stack[sp - 1] = stack[sp - 1] < stack[sp];
        pc++;
        break;
      case OP_LE:
        sp--;
        stack[sp - 1] = stack[sp - 1] <= stack[sp];
        pc++;
        break;
      case OP_JMP: pc = code[pc + 1]; break;
      case OP_JZ: pc = stack[--sp] == 0 ? code[pc + 1] : pc + 2; break;
      case OP_JNZ: pc = stack[--sp] != 0 ? code[pc + 1] : pc + 2; break;
      case OP_HALT: return steps;
    }
  }
}

int main(int argc, char **argv) {
  long limit = argc > 1 ? atol(argv[1]) : DEFAULT_LIMIT;
  program p = {0};
  assemble_primes(&p);
  uint64_t locals[NLOCALS] = {0};
  locals[LOCAL_LIMIT] = (uint64_t)limit;
  uint64_t steps = execute(p.code, locals);
  printf("vm checksum %016llx (primes %llu, steps %llu)\n",
         (unsigned long long)(locals[LOCAL_HASH] ^ steps), (unsigned long long)locals[LOCAL_COUNT],
         (unsigned long long)steps);
  return 0;
}
