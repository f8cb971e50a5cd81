/* include/warren.h needs nothing but the C standard headers it includes itself. */
#include <warren.h>

int warren_header_alone_check(void);
int warren_header_alone_check(void) { return (int)sizeof(warren_error_kind); }
