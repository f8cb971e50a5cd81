/* CPU kernel: a CoreMark-like mix of small-data integer work (written from the published
 * description of that workload, not from its code). Each iteration does
 *   - list work: a singly linked list of small records in a static pool: finds by value,
 *     removal and reinsertion, reversal, and a merge sort by two keys (through a function
 *     pointer, so by an indirect call) that restores the original order;
 *   - matrix work: 16-bit matrices with 32-bit results: add and multiply by a constant,
 *     matrix * vector, matrix * matrix and a product of extracted bit fields, each result
 *     folded into a 16-bit summary;
 *   - a state machine classifying number-like tokens ("123", "-4.5e3", "0x1f", junk) in a
 *     byte buffer, with some bytes corrupted and restored every iteration;
 * and a CRC-16 over every part's results chains the iterations together.
 * Usage: coremark_like [iterations]; prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { DEFAULT_ITERATIONS = 60000 };

/* CRC-16 (reflected polynomial 0xA001), a bit at a time as small embedded code does. */
static uint16_t crc16_byte(uint8_t byte, uint16_t crc) {
  for (int bit = 0; bit < 8; bit++) {
    uint16_t mix = (uint16_t)((crc ^ byte) & 1u);
    crc >>= 1;
    byte >>= 1;
    if (mix) crc ^= 0xA001u;
  }
  return crc;
}

static uint16_t crc16_u16(uint16_t value, uint16_t crc) {
  crc = crc16_byte((uint8_t)value, crc);
  return crc16_byte((uint8_t)(value >> 8), crc);
}

static uint16_t crc16_u32(uint32_t value, uint16_t crc) {
  crc = crc16_u16((uint16_t)value, crc);
  return crc16_u16((uint16_t)(value >> 16), crc);
}

/* ---- list work ---- */

typedef struct record {
  struct record *next;
  int16_t value;
  uint16_t position; /* where it was first linked: the second sort key, restores the order */
} record;

enum { LIST_RECORDS = 48, LIST_FINDS = 6 };
static record record_pool[LIST_RECORDS];

/* Returns true when a belongs strictly after b. */
typedef int (*record_order)(const record *a, const record *b, int16_t salt);

static int later_by_value(const record *a, const record *b, int16_t salt) {
  int16_t ka = (int16_t)(a->value ^ salt), kb = (int16_t)(b->value ^ salt);
  return ka > kb;
}

static int later_by_position(const record *a, const record *b, int16_t salt) {
  (void)salt;
  return a->position > b->position;
}

static record *list_build(uint16_t seed) {
  for (int i = 0; i < LIST_RECORDS; i++) {
    record_pool[i].position = (uint16_t)i;
    record_pool[i].value = (int16_t)(((uint32_t)(i * 0x2f1u) ^ seed) & 0x3ff);
    record_pool[i].next = i + 1 < LIST_RECORDS ? &record_pool[i + 1] : NULL;
  }
  return &record_pool[0];
}

static record *list_find_value(record *list, int16_t value) {
  while (list && list->value != value) list = list->next;
  return list;
}

static record *list_reverse(record *list) {
  record *reversed = NULL;
  while (list) {
    record *next = list->next;
    list->next = reversed;
    reversed = list;
    list = next;
  }
  return reversed;
}

/* Unlinks the record after `before` (the head when before is NULL); returns the new head. */
static record *list_unlink_after(record *list, record *before, record **unlinked) {
  if (!before) {
    *unlinked = list;
    return list->next;
  }
  *unlinked = before->next;
  before->next = before->next->next;
  return list;
}

/* Stable merge of two sorted lists; on ties the record from `earlier` goes first. */
static record *list_merge(record *earlier, record *later, record_order after, int16_t salt) {
  record head = {NULL, 0, 0};
  record *tail = &head;
  while (earlier && later) {
    if (after(earlier, later, salt)) {
      tail->next = later;
      later = later->next;
    } else {
      tail->next = earlier;
      earlier = earlier->next;
    }
    tail = tail->next;
  }
  tail->next = earlier ? earlier : later;
  return head.next;
}

/* Bottom-up merge sort: runs[k] holds a sorted run of 2^k records, like a binary counter. */
static record *list_sort(record *list, record_order after, int16_t salt) {
  enum { MAX_RUNS = 16 };
  record *runs[MAX_RUNS] = {NULL};
  while (list) {
    record *carry = list;
    list = list->next;
    carry->next = NULL;
    int k = 0;
    for (; k < MAX_RUNS - 1 && runs[k]; k++) {
      carry = list_merge(runs[k], carry, after, salt);
      runs[k] = NULL;
    }
    runs[k] = carry;
  }
  record *sorted = NULL;
  for (int k = 0; k < MAX_RUNS; k++)
    if (runs[k]) sorted = list_merge(runs[k], sorted, after, salt);
  return sorted;
}

static uint16_t list_work(record **list_io, uint16_t key, uint16_t crc) {
  record *list = *list_io;
  /* finds: which values are present, and how deep */
  uint32_t found = 0, depth = 0;
  for (int i = 0; i < LIST_FINDS; i++) {
    int16_t wanted = (int16_t)((key + i * 0x55) & 0x3ff);
    record *hit = list_find_value(list, wanted);
    if (hit) {
      found++;
      depth += hit->position;
    } else {
      depth += (uint32_t)wanted & 7u;
    }
  }
  crc = crc16_u32(found << 16 | (depth & 0xffff), crc);

  /* take one record out (the one after the key's position along the list), reverse, put it
   * back at the head */
  record *before = NULL;
  for (int steps = key % (LIST_RECORDS - 1); steps > 0 && (before ? before : list)->next; steps--)
    before = before ? before->next : list;
  record *taken = NULL;
  list = list_unlink_after(list, before, &taken);
  list = list_reverse(list);
  taken->next = list;
  list = taken;

  /* sort by a salted value, fold the order in, sort back by position */
  list = list_sort(list, later_by_value, (int16_t)(key & 0x1ff));
  uint16_t order = 0;
  for (record *r = list; r; r = r->next) order = crc16_u16((uint16_t)r->value, order);
  list = list_sort(list, later_by_position, 0);
  crc = crc16_u16(order, crc);

  /* perturb the values so the next iteration sorts different data */
  for (record *r = list; r; r = r->next)
    r->value = (int16_t)((r->value + (r->position ^ key)) & 0x3ff);
  *list_io = list;
  return crc;
}

/* ---- matrix work ---- */

enum { MATRIX_N = 10 };
static int16_t matrix_a[MATRIX_N * MATRIX_N], matrix_b[MATRIX_N * MATRIX_N];
static int32_t matrix_c[MATRIX_N * MATRIX_N];

static void matrix_init(uint16_t seed) {
  uint32_t x = seed | 1u;
  for (int i = 0; i < MATRIX_N * MATRIX_N; i++) {
    x = x * 1103515245u + 12345u;
    matrix_a[i] = (int16_t)((x >> 16) & 0x3ff);
    x = x * 1103515245u + 12345u;
    matrix_b[i] = (int16_t)(((x >> 16) & 0x3ff) - 0x200);
  }
}

/* Folds a result matrix into 16 bits: a running sum that resets past a limit, plus a count
 * of rises between neighbours. */
static int16_t matrix_summary(const int32_t *c, int32_t limit) {
  int32_t running = 0, previous = 0;
  int16_t summary = 0;
  for (int i = 0; i < MATRIX_N * MATRIX_N; i++) {
    running += c[i];
    if (running > limit) {
      summary = (int16_t)(summary + 10);
      running = 0;
    } else if (c[i] > previous) {
      summary = (int16_t)(summary + 1);
    }
    previous = c[i];
  }
  return summary;
}

static void matrix_add_constant(int16_t *a, int16_t k) {
  for (int i = 0; i < MATRIX_N * MATRIX_N; i++) a[i] = (int16_t)(a[i] + k);
}

static void matrix_times_constant(int32_t *c, const int16_t *a, int16_t k) {
  for (int i = 0; i < MATRIX_N * MATRIX_N; i++) c[i] = (int32_t)a[i] * k;
}

static void matrix_times_vector(int32_t *c, const int16_t *a, const int16_t *v) {
  for (int row = 0; row < MATRIX_N; row++) {
    int32_t sum = 0;
    for (int col = 0; col < MATRIX_N; col++) sum += (int32_t)a[row * MATRIX_N + col] * v[col];
    c[row] = sum;
  }
}

static void matrix_times_matrix(int32_t *c, const int16_t *a, const int16_t *b) {
  for (int row = 0; row < MATRIX_N; row++)
    for (int col = 0; col < MATRIX_N; col++) {
      int32_t sum = 0;
      for (int k = 0; k < MATRIX_N; k++)
        sum += (int32_t)a[row * MATRIX_N + k] * b[k * MATRIX_N + col];
      c[row * MATRIX_N + col] = sum;
    }
}

/* Matrix product of bit fields of the inputs: bits 2..5 of a, bits 3..9 of b. */
static void matrix_times_matrix_fields(int32_t *c, const int16_t *a, const int16_t *b) {
  for (int row = 0; row < MATRIX_N; row++)
    for (int col = 0; col < MATRIX_N; col++) {
      int32_t sum = 0;
      for (int k = 0; k < MATRIX_N; k++) {
        int32_t fa = (a[row * MATRIX_N + k] >> 2) & 0xf;
        int32_t fb = (b[k * MATRIX_N + col] >> 3) & 0x7f;
        sum += fa * fb;
      }
      c[row * MATRIX_N + col] = sum;
    }
}

static uint16_t matrix_work(uint16_t key, uint16_t crc) {
  int16_t k = (int16_t)(key & 0xff);
  int32_t limit = (int32_t)(key & 0xfff) << 8;
  matrix_add_constant(matrix_a, k);
  crc = crc16_u16((uint16_t)matrix_summary(matrix_c, limit), crc);
  matrix_times_constant(matrix_c, matrix_a, k);
  crc = crc16_u16((uint16_t)matrix_summary(matrix_c, limit), crc);
  matrix_times_vector(matrix_c, matrix_a, matrix_b);
  crc = crc16_u16((uint16_t)matrix_summary(matrix_c, limit), crc);
  matrix_times_matrix(matrix_c, matrix_a, matrix_b);
  crc = crc16_u16((uint16_t)matrix_summary(matrix_c, limit), crc);
  matrix_times_matrix_fields(matrix_c, matrix_a, matrix_b);
  crc = crc16_u16((uint16_t)matrix_summary(matrix_c, limit), crc);
  matrix_add_constant(matrix_a, (int16_t)-k); /* undo: a stays bounded */
  return crc;
}

/* ---- state machine over number-like tokens ---- */

typedef enum {
  SCAN_START,
  SCAN_SIGN,
  SCAN_ZERO,
  SCAN_INTEGER,
  SCAN_HEX_PREFIX,
  SCAN_HEX,
  SCAN_POINT,
  SCAN_FRACTION,
  SCAN_EXPONENT,
  SCAN_EXPONENT_SIGN,
  SCAN_SCIENTIFIC,
  SCAN_INVALID,
  SCAN_STATES
} scan_state;

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static int is_hex_digit(uint8_t c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static scan_state scan_after_digit(uint8_t c) {
  if (is_digit(c)) return SCAN_INTEGER;
  if (c == '.') return SCAN_POINT;
  if (c == 'e' || c == 'E') return SCAN_EXPONENT;
  return SCAN_INVALID;
}

static scan_state scan_next(scan_state state, uint8_t c) {
  switch (state) {
    case SCAN_START:
      if (c == '0') return SCAN_ZERO;
      if (is_digit(c)) return SCAN_INTEGER;
      if (c == '+' || c == '-') return SCAN_SIGN;
      if (c == '.') return SCAN_POINT;
      return SCAN_INVALID;
    case SCAN_SIGN:
      if (is_digit(c)) return SCAN_INTEGER;
      if (c == '.') return SCAN_POINT;
      return SCAN_INVALID;
    case SCAN_ZERO: /* a leading zero is an ordinary digit unless an x follows */
      if (c == 'x' || c == 'X') return SCAN_HEX_PREFIX;
      return scan_after_digit(c);
    case SCAN_INTEGER:
      return scan_after_digit(c);
    case SCAN_HEX_PREFIX:
    case SCAN_HEX:
      return is_hex_digit(c) ? SCAN_HEX : SCAN_INVALID;
    case SCAN_POINT:
    case SCAN_FRACTION:
      if (is_digit(c)) return SCAN_FRACTION;
      if (state == SCAN_FRACTION && (c == 'e' || c == 'E')) return SCAN_EXPONENT;
      return SCAN_INVALID;
    case SCAN_EXPONENT:
      if (c == '+' || c == '-') return SCAN_EXPONENT_SIGN;
      return is_digit(c) ? SCAN_SCIENTIFIC : SCAN_INVALID;
    case SCAN_EXPONENT_SIGN:
    case SCAN_SCIENTIFIC:
      return is_digit(c) ? SCAN_SCIENTIFIC : SCAN_INVALID;
    default:
      return SCAN_INVALID;
  }
}

enum { SCAN_BUFFER = 224, SCAN_CORRUPTIONS = 4 };
static uint8_t scan_buffer[SCAN_BUFFER];
static int scan_length;

static void scan_init(void) {
  static const char *const tokens[] = {"123",  "-4.5e3", "0x1f", "7.",   "+0",   "x?!",
                                       "1e-9", ".25",    "0X",   "--5",  "98765", "3.14159",
                                       "0xBEEF", "5e",   "-.5",  "12ab", "0",    "+6E+2"};
  enum { TOKEN_KINDS = sizeof tokens / sizeof tokens[0] };
  int length = 0;
  for (int t = 0;; t = (t + 7) % TOKEN_KINDS) { /* 7 and 18 coprime: every token comes up */
    const char *token = tokens[t];
    int n = 0;
    while (token[n]) n++;
    if (length + n + 1 > SCAN_BUFFER) break;
    for (int i = 0; i < n; i++) scan_buffer[length++] = (uint8_t)token[i];
    scan_buffer[length++] = ',';
  }
  scan_length = length;
}

/* Classifies every comma-separated token; counts final states and state changes. */
static uint16_t scan_tokens(uint32_t final_counts[SCAN_STATES], uint32_t *transitions) {
  uint16_t crc = 0;
  int i = 0;
  while (i < scan_length) {
    scan_state state = SCAN_START;
    for (; i < scan_length && scan_buffer[i] != ','; i++) {
      scan_state next = scan_next(state, scan_buffer[i]);
      if (next != state) ++*transitions;
      state = next;
      if (state == SCAN_INVALID) { /* skip the rest of a bad token */
        while (i + 1 < scan_length && scan_buffer[i + 1] != ',') i++;
      }
    }
    final_counts[state]++;
    crc = crc16_byte((uint8_t)state, crc);
    i++; /* the comma */
  }
  return crc;
}

static uint16_t scan_work(uint16_t key, uint16_t crc) {
  uint32_t final_counts[SCAN_STATES] = {0}, transitions = 0;
  crc = crc16_u16(scan_tokens(final_counts, &transitions), crc);
  /* corrupt a few bytes (never a comma, so token boundaries stay), scan again, restore */
  int where[SCAN_CORRUPTIONS];
  uint8_t saved[SCAN_CORRUPTIONS];
  for (int c = 0; c < SCAN_CORRUPTIONS; c++) {
    where[c] = (key * (c + 3) + c * 17) % scan_length;
    saved[c] = scan_buffer[where[c]];
    if (saved[c] != ',') scan_buffer[where[c]] = (uint8_t)("0123456789.eEx+-"[(key >> c) & 15]);
  }
  crc = crc16_u16(scan_tokens(final_counts, &transitions), crc);
  for (int c = SCAN_CORRUPTIONS - 1; c >= 0; c--) scan_buffer[where[c]] = saved[c];
  for (int s = 0; s < SCAN_STATES; s++) crc = crc16_u32(final_counts[s], crc);
  return crc16_u32(transitions, crc);
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : DEFAULT_ITERATIONS;
  record *list = list_build(0x1234);
  matrix_init(0x66);
  scan_init();
  uint16_t crc = 0, list_crc = 0, matrix_crc = 0, scan_crc = 0;
  for (int i = 0; i < iterations; i++) {
    uint16_t key = (uint16_t)(crc ^ (uint16_t)i);
    list_crc = list_work(&list, key, list_crc);
    matrix_crc = matrix_work(key, matrix_crc);
    scan_crc = scan_work(key, scan_crc);
    crc = crc16_u16((uint16_t)(list_crc ^ matrix_crc ^ scan_crc), crc);
  }
  printf("coremark_like checksum %04x list %04x matrix %04x scan %04x\n", crc, list_crc,
         matrix_crc, scan_crc);
  return 0;
}
