# Compiling C to wasm32-wasi at build time, for the examples, the end-to-end tests and the
# CPU benchmark. Needs a clang with the WebAssembly target and wasi-libc (Debian: clang,
# lld, wasi-libc, libclang-rt-14-dev-wasm32; `bash scripts/deps.sh` installs them).
# Sets WARREN_HAVE_WASI_CLANG; when it is false, callers skip their wasm targets.
include_guard(GLOBAL)

find_program(WARREN_WASI_CLANG NAMES clang clang-14 DOC "clang used to build wasm32-wasi programs")
set(WARREN_WASI_SYSROOT "" CACHE PATH "wasi-libc sysroot, if clang does not find it by itself")

set(_wasi_flags --target=wasm32-wasi)
if(WARREN_WASI_SYSROOT)
  list(APPEND _wasi_flags --sysroot=${WARREN_WASI_SYSROOT})
endif()
set(WARREN_WASI_CFLAGS ${_wasi_flags} CACHE INTERNAL "")

# A negative answer is probed again at each configure, so installing the toolchain later works.
if(NOT WARREN_HAVE_WASI_CLANG)
  set(_probe_dir ${CMAKE_BINARY_DIR}/wasi-probe)
  file(WRITE ${_probe_dir}/probe.c "#include <stdio.h>\nint main(void) { puts(\"ok\"); return 0; }\n")
  set(_have FALSE)
  if(WARREN_WASI_CLANG)
    execute_process(COMMAND ${WARREN_WASI_CLANG} ${WARREN_WASI_CFLAGS} -O2 ${_probe_dir}/probe.c
                            -o ${_probe_dir}/probe.wasm
                    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _probe_err)
    if(_rc EQUAL 0)
      set(_have TRUE)
    endif()
  endif()
  if(_have)
    message(STATUS "wasm32-wasi C programs: ${WARREN_WASI_CLANG}")
  else()
    message(STATUS "wasm32-wasi C programs: unavailable (no clang with wasm32-wasi + wasi-libc; "
                   "run scripts/deps.sh); wasm examples, run tests and benchmark checks are skipped")
  endif()
  set(WARREN_HAVE_WASI_CLANG ${_have} CACHE INTERNAL "clang can build wasm32-wasi programs")
endif()

# warren_wasi_program(<target> <output.wasm> <source.c> [FLAGS flag...])
# Builds one C file into a wasm32-wasi module as part of `all`.
function(warren_wasi_program target output source)
  cmake_parse_arguments(ARG "" "" "FLAGS" ${ARGN})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${WARREN_WASI_CLANG} ${WARREN_WASI_CFLAGS} -O2 -Wall -Wextra -Werror ${ARG_FLAGS}
            ${source} -o ${output}
    DEPENDS ${source}
    COMMENT "Building wasm32-wasi ${output}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS ${output})
endfunction()
