/* Leveled logging to stderr; the level comes from WARREN_LOG (error, warn, info, debug). */
#ifndef WARREN_BASE_LOG_H
#define WARREN_BASE_LOG_H

#include "common.h"

typedef enum { WR_LOG_ERROR, WR_LOG_WARN, WR_LOG_INFO, WR_LOG_DEBUG } wr_log_level;

bool wr_log_enabled(wr_log_level level);
void wr_log(wr_log_level level, const char *fmt, ...) WR_PRINTF(2, 3);

#define WR_ERROR(...) wr_log(WR_LOG_ERROR, __VA_ARGS__)
#define WR_WARN(...) wr_log(WR_LOG_WARN, __VA_ARGS__)
#define WR_INFO(...) wr_log(WR_LOG_INFO, __VA_ARGS__)
#define WR_DEBUG(...) wr_log(WR_LOG_DEBUG, __VA_ARGS__)

#endif
