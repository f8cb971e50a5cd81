/* CPU kernel: string processing over generated text. Counts words with an
 * open-addressing hash table, counts substring matches with a naive search, and folds
 * case, over about 4 MB of pseudo-random words. Usage: strings [words]; prints a checksum.
 * The search is written here (not libc's strstr) so both builds run the same algorithm. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_WORDS = 3000000, VOCABULARY = 512, TABLE_SIZE = 1024, MAX_WORD = 12 };

typedef struct table_entry {
  const char *word; /* points into the text; NULL = empty slot */
  size_t len;
  uint32_t count;
} table_entry;

static uint32_t hash_word(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

static uint32_t xorshift32(uint32_t *state) {
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

static int is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static uint32_t count_words(const char *text, size_t n, table_entry *table, uint32_t *distinct) {
  uint32_t words = 0;
  for (size_t i = 0; i < n;) {
    while (i < n && !is_letter(text[i])) i++;
    size_t start = i;
    while (i < n && is_letter(text[i])) i++;
    if (i == start) break;
    size_t len = i - start;
    uint32_t slot = hash_word(text + start, len) & (TABLE_SIZE - 1);
    while (table[slot].word &&
           (table[slot].len != len || memcmp(table[slot].word, text + start, len) != 0))
      slot = (slot + 1) & (TABLE_SIZE - 1);
    if (!table[slot].word) {
      table[slot] = (table_entry){text + start, len, 0};
      ++*distinct;
    }
    table[slot].count++;
    words++;
  }
  return words;
}

static uint32_t count_matches(const char *text, size_t n, const char *pattern) {
  size_t m = strlen(pattern);
  uint32_t matches = 0;
  for (size_t i = 0; i + m <= n; i++) {
    if (text[i] != pattern[0]) continue;
    size_t j = 1;
    while (j < m && text[i + j] == pattern[j]) j++;
    if (j == m) matches++;
  }
  return matches;
}

int main(int argc, char **argv) {
  long nwords = argc > 1 ? atol(argv[1]) : DEFAULT_WORDS;
  if (nwords < 1) return 1;
  uint32_t state = 2463534242u;
  static char vocabulary[VOCABULARY][MAX_WORD + 1];
  for (int w = 0; w < VOCABULARY; w++) {
    int len = 2 + (int)(xorshift32(&state) % (MAX_WORD - 2));
    for (int i = 0; i < len; i++) vocabulary[w][i] = (char)('a' + xorshift32(&state) % 26);
    vocabulary[w][len] = 0;
  }
  size_t cap = (size_t)nwords * (MAX_WORD + 2) + 1, n = 0;
  char *text = malloc(cap);
  if (!text) return 1;
  static const char separators[] = "     \n,.;";
  for (long k = 0; k < nwords; k++) {
    /* Skewed choice so that some words are far more frequent, like real text. */
    uint32_t r = xorshift32(&state) % VOCABULARY;
    const char *word = vocabulary[r * r / VOCABULARY];
    size_t len = strlen(word);
    memcpy(text + n, word, len);
    n += len;
    text[n++] = separators[xorshift32(&state) % (sizeof separators - 1)];
  }
  table_entry *table = calloc(TABLE_SIZE, sizeof *table);
  if (!table) return 1;
  uint32_t distinct = 0, words = count_words(text, n, table, &distinct), most = 0;
  for (int i = 0; i < TABLE_SIZE; i++) most = table[i].count > most ? table[i].count : most;

  uint64_t checksum = words * 1000003ull + distinct * 1009ull + most;
  static const char *const patterns[] = {"the", "ab", "qu", "zz", vocabulary[3], vocabulary[100]};
  for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++)
    checksum = checksum * 31 + count_matches(text, n, patterns[p]);

  for (size_t i = 0; i < n; i++)
    if (text[i] >= 'a' && text[i] <= 'z') text[i] = (char)(text[i] - 'a' + 'A');
  checksum = checksum * 31 + hash_word(text, n) + count_matches(text, n, "THE");
  printf("strings checksum %016llx (words %u, distinct %u)\n", (unsigned long long)checksum, words,
         distinct);
  free(table);
  free(text);
  return 0;
}
