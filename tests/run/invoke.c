/* A WASI reactor (library): `warren run --invoke` calls its exports after _initialize. */
#include <stdint.h>

static int32_t base;

__attribute__((constructor)) static void init(void) { base = 40; }

__attribute__((export_name("answer"))) int32_t answer(void) { return base + 2; }

__attribute__((export_name("big"))) int64_t big(void) { return -((int64_t)1 << 40); }

__attribute__((export_name("half"))) double half(void) { return 0.5; }

__attribute__((export_name("add"))) int32_t add(int32_t a, int32_t b) { return a + b; }
