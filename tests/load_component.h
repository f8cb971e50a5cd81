/* Loading the component a C test program is given on its command line: `prog FILE.wasm`. One
 * test program is one translation unit, so this is a static function in a header. */
#ifndef WARREN_TESTS_LOAD_COMPONENT_H
#define WARREN_TESTS_LOAD_COMPONENT_H

#include <stdio.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/input_file.h"
#include "component/component.h"

/* The component named by argv[1], or NULL after printing why (usage, unreadable, invalid);
 * *exit_code is then what main returns (2 for usage and I/O, 1 for an invalid component). */
static cm_component *load_component_arg(int argc, char **argv, int *exit_code) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s COMPONENT.wasm\n", argv[0]);
    *exit_code = 2;
    return NULL;
  }
  wr_error err = {0};
  uint8_t *bytes = NULL;
  size_t size = 0;
  if (!wr_read_input_file(argv[1], &bytes, &size, &err)) {
    fprintf(stderr, "%s\n", err.message);
    wr_error_clear(&err);
    *exit_code = 2;
    return NULL;
  }
  cm_component *component = cm_component_load(bytes, size, NULL, &err);
  wr_free(bytes);
  if (!component) {
    fprintf(stderr, "load: %s\n", err.message);
    wr_error_clear(&err);
    *exit_code = 1;
  }
  return component;
}

#endif
