/* Reading a whole input file (a component, a module, a test script) into memory: the one way
 * the command line takes files, so that every command has the same checks. Only regular files
 * are read (a device such as /dev/zero, a FIFO or a directory would read forever or block),
 * and only up to WR_INPUT_FILE_MAX bytes. */
#ifndef WARREN_BASE_INPUT_FILE_H
#define WARREN_BASE_INPUT_FILE_H

#include "common.h"
#include "error.h"

/* 1 GiB: far above any real component (the largest in the corpus are tens of MiB), low enough
 * that a wrong path cannot take the machine's memory. */
#define WR_INPUT_FILE_MAX ((uint64_t)1 << 30)

/* The file's bytes (free with wr_free; never NULL on success, even for an empty file). false +
 * err naming the file and the reason otherwise. */
bool wr_read_input_file(const char *path, uint8_t **bytes_out, size_t *size_out, wr_error *err);

#endif
