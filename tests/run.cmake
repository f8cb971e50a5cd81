# End-to-end tests of `warren run`: C programs in tests/run/ built to wasm32-wasi at build
# time, run under warren, checking stdout, stderr and exit status (tests/run/check_run.cmake).
include(${CMAKE_SOURCE_DIR}/tests/run/wasi_program.cmake)
include(${CMAKE_SOURCE_DIR}/examples/examples.cmake)

set(RUN_SRC ${CMAKE_SOURCE_DIR}/tests/run)
set(RUN_OUT ${CMAKE_BINARY_DIR}/tests/run)
file(MAKE_DIRECTORY ${RUN_OUT})

# run_test(<name> ARGS <warren run arguments...> [STDIN file] [EXIT n] [STDOUT_FILE file]
#          [STDOUT_REGEX re] [STDERR_REGEX re] [QUIET_STDERR])
function(run_test name)
  cmake_parse_arguments(T "QUIET_STDERR" "STDIN;EXIT;STDOUT_FILE;STDOUT_REGEX;STDERR_REGEX" "ARGS" ${ARGN})
  string(REPLACE ";" "|" command "$<TARGET_FILE:warren>;run;${T_ARGS}")
  set(defs -DCOMMAND=${command})
  if(DEFINED T_STDIN)
    list(APPEND defs -DSTDIN=${T_STDIN})
  endif()
  if(DEFINED T_EXIT)
    list(APPEND defs -DEXPECT_EXIT=${T_EXIT})
  endif()
  if(DEFINED T_STDOUT_FILE)
    list(APPEND defs -DEXPECT_STDOUT_FILE=${T_STDOUT_FILE})
  endif()
  if(DEFINED T_STDOUT_REGEX)
    list(APPEND defs "-DSTDOUT_REGEX=${T_STDOUT_REGEX}")
  endif()
  if(DEFINED T_STDERR_REGEX)
    list(APPEND defs "-DSTDERR_REGEX=${T_STDERR_REGEX}")
  endif()
  if(T_QUIET_STDERR)
    list(APPEND defs -DEXPECT_EMPTY_STDERR=1)
  endif()
  add_test(NAME run.${name} COMMAND ${CMAKE_COMMAND} ${defs} -P ${RUN_SRC}/check_run.cmake)
  # A guard against a hung guest, far above any normal run (tens of milliseconds).
  set_tests_properties(run.${name} PROPERTIES TIMEOUT 120)
endfunction()

# Bad inputs need no compiler: they must fail cleanly (exit 1, a message), never crash.
# (They are .bin files because the repository ignores *.wasm.)
run_test(missing_file ARGS ${RUN_OUT}/does-not-exist.wasm EXIT 1
         STDERR_REGEX "^warren: cannot open .*does-not-exist.wasm: No such file")
run_test(not_wasm ARGS ${RUN_SRC}/not_wasm.bin EXIT 1 STDERR_REGEX "^warren: .*not_wasm.bin: .*offset 0")
run_test(truncated ARGS ${RUN_SRC}/truncated.bin EXIT 1 STDERR_REGEX "^warren: .*truncated.bin: .*offset")
run_test(invalid ARGS ${RUN_SRC}/invalid.bin EXIT 1 STDERR_REGEX "^warren: .*invalid.bin: .*type mismatch")
# an empty component: it links, but a command must export wasi:cli/run
run_test(component ARGS ${RUN_SRC}/component.bin EXIT 1 STDERR_REGEX "does not export wasi:cli/run@0.2.0")
run_test(usage ARGS EXIT 2 STDERR_REGEX "usage: warren run")
run_test(unknown_option ARGS --frobnicate x.wasm EXIT 2 STDERR_REGEX "unknown option '--frobnicate'")
run_test(env_missing_value ARGS --env EXIT 2 STDERR_REGEX "--env needs a value")

# Hand-written modules (WebAssembly text, converted by wabt's wat2wasm) reach the edges C
# programs cannot: pointers past the end of memory, no memory at all, odd imports.
find_program(WARREN_WAT2WASM wat2wasm)
if(WARREN_WAT2WASM)
  foreach(module bounds no_memory import_memory wrong_type grow)
    add_custom_command(OUTPUT ${RUN_OUT}/${module}.wasm
                       COMMAND ${WARREN_WAT2WASM} ${RUN_SRC}/${module}.wat -o ${RUN_OUT}/${module}.wasm
                       DEPENDS ${RUN_SRC}/${module}.wat VERBATIM)
    add_custom_target(run_${module}_wat ALL DEPENDS ${RUN_OUT}/${module}.wasm)
  endforeach()
  # bounds.wat exits with the number of the first check that got a wrong errno.
  run_test(bounds ARGS ${RUN_OUT}/bounds.wasm EXIT 0 QUIET_STDERR STDOUT_REGEX "^bounds ok\n$")
  run_test(no_memory ARGS ${RUN_OUT}/no_memory.wasm EXIT 21 QUIET_STDERR)
  run_test(import_memory ARGS ${RUN_OUT}/import_memory.wasm EXIT 1
           STDERR_REGEX "unknown import: env\\.memory \\(memory\\)")
  # -W max-memory-size: memory.grow answers -1 at the cap (10 pages), and without it goes on
  run_test(max_memory_size ARGS -W max-memory-size=655360 --invoke grow_all ${RUN_OUT}/grow.wasm EXIT 0
           QUIET_STDERR STDOUT_REGEX "^10\n$")
  run_test(max_memory_size_unaligned ARGS -W max-memory-size=700000 --invoke grow_all ${RUN_OUT}/grow.wasm EXIT 0
           QUIET_STDERR STDOUT_REGEX "^10\n$")
  run_test(no_max_memory_size ARGS --invoke grow_all ${RUN_OUT}/grow.wasm EXIT 0 QUIET_STDERR STDOUT_REGEX "^1024\n$")
  run_test(max_memory_size_below_minimum ARGS -W max-memory-size=100000 --invoke grow_all ${RUN_OUT}/grow.wasm EXIT 1
           STDERR_REGEX "memory minimum of 2 pages \\(131072 bytes\\) exceeds the limit of 100000 bytes \\(max-memory-size\\)")
  run_test(max_memory_size_bad ARGS -W max-memory-size=lots ${RUN_OUT}/grow.wasm EXIT 2
           STDERR_REGEX "-W max-memory-size: expected a whole number of bytes")
  run_test(unknown_wasm_option ARGS -W nope ${RUN_OUT}/grow.wasm EXIT 2 STDERR_REGEX "unknown -W option 'nope'")
  # -W memory64 / -W exceptions turn the opt-in proposals on, as in wasmtime
  add_custom_command(OUTPUT ${RUN_OUT}/proposals.wasm
                     COMMAND ${WARREN_WAT2WASM} --enable-memory64 --enable-exceptions ${RUN_SRC}/proposals.wat
                             -o ${RUN_OUT}/proposals.wasm
                     DEPENDS ${RUN_SRC}/proposals.wat VERBATIM)
  add_custom_target(run_proposals_wat ALL DEPENDS ${RUN_OUT}/proposals.wasm)
  run_test(proposals_on ARGS -W memory64 -W exceptions=y --invoke caught ${RUN_OUT}/proposals.wasm EXIT 0
           QUIET_STDERR STDOUT_REGEX "^42\n$")
  run_test(proposals_off ARGS --invoke caught ${RUN_OUT}/proposals.wasm EXIT 1 STDERR_REGEX "proposals.wasm: ")
  run_test(proposals_bad_value ARGS -W memory64=maybe ${RUN_OUT}/proposals.wasm EXIT 2
           STDERR_REGEX "-W memory64: expected y or n, got 'maybe'")
  run_test(wrong_type ARGS ${RUN_OUT}/wrong_type.wasm EXIT 1
           STDERR_REGEX "incompatible import type: wasi_snapshot_preview1\\.fd_write \\(function \\[i32\\] -> \\[i32\\]\\)")
endif()

if(NOT WARREN_HAVE_WASI_CLANG)
  return()
endif()

foreach(program args_env exit_code trap stdin_echo clock random stdio unknown_import)
  warren_wasi_program(run_${program}_wasm ${RUN_OUT}/${program}.wasm ${RUN_SRC}/${program}.c)
endforeach()
warren_wasi_program(run_invoke_wasm ${RUN_OUT}/invoke.wasm ${RUN_SRC}/invoke.c FLAGS -mexec-model=reactor)

run_test(hello ARGS ${CMAKE_BINARY_DIR}/examples/hello.wasm Ada EXIT 0 QUIET_STDERR
         STDOUT_REGEX "^Hello, Ada! This is WebAssembly running on Warren.\narguments: [^ ]*hello.wasm Ada\nenvironment: \\(empty")
run_test(hello_env ARGS --env NAME=Warren ${CMAKE_BINARY_DIR}/examples/hello.wasm EXIT 0 QUIET_STDERR
         STDOUT_REGEX "^Hello, Warren! This is WebAssembly running on Warren.\narguments: [^ ]*hello.wasm\nenvironment: NAME=Warren\n$")

run_test(args_env ARGS --env GREETING=hi --env EMPTY= --env WARREN_TEST_FROM_HOST --env GREETING=hello
         --env WARREN_TEST_NOT_SET ${RUN_OUT}/args_env.wasm one "two words" --env
         EXIT 0 QUIET_STDERR STDOUT_FILE ${RUN_SRC}/args_env.expected)
set_tests_properties(run.args_env PROPERTIES ENVIRONMENT "WARREN_TEST_FROM_HOST=inherited;GREETING=from-host")

run_test(exit_3 ARGS ${RUN_OUT}/exit_code.wasm exit 3 EXIT 3 QUIET_STDERR STDOUT_REGEX "^leaving with 3\n$")
run_test(return_7 ARGS ${RUN_OUT}/exit_code.wasm return 7 EXIT 7 QUIET_STDERR STDOUT_REGEX "^leaving with 7\n$")
run_test(return_0 ARGS ${RUN_OUT}/exit_code.wasm return 0 EXIT 0 QUIET_STDERR STDOUT_REGEX "^leaving with 0\n$")

# A trap exits with 134 (128 + SIGABRT), as wasmtime does, after the guest's output.
run_test(trap_unreachable ARGS ${RUN_OUT}/trap.wasm unreachable EXIT 134
         STDOUT_REGEX "^about to trap: unreachable\n$" STDERR_REGEX "^warren: trap: [^\n]*unreachable")
run_test(trap_divide ARGS ${RUN_OUT}/trap.wasm divide EXIT 134
         STDERR_REGEX "^warren: trap: [^\n]*integer divide by zero")
run_test(trap_memory ARGS ${RUN_OUT}/trap.wasm memory EXIT 134
         STDERR_REGEX "^warren: trap: [^\n]*out of bounds memory access")
run_test(trap_stack ARGS ${RUN_OUT}/trap.wasm stack EXIT 134
         STDERR_REGEX "^warren: trap: [^\n]*call stack exhausted")

run_test(stdin ARGS ${RUN_OUT}/stdin_echo.wasm STDIN ${RUN_SRC}/stdin.txt EXIT 0 QUIET_STDERR
         STDOUT_FILE ${RUN_SRC}/stdin_echo.expected)
run_test(clock ARGS ${RUN_OUT}/clock.wasm EXIT 0 QUIET_STDERR STDOUT_REGEX "^clock ok\n$")
run_test(random ARGS ${RUN_OUT}/random.wasm EXIT 0 QUIET_STDERR STDOUT_REGEX "^random ok\n$")
run_test(stdio ARGS ${RUN_OUT}/stdio.wasm STDIN ${RUN_SRC}/stdin.txt EXIT 0
         STDOUT_FILE ${RUN_SRC}/stdio.expected STDERR_REGEX "^to stderr\n$")

run_test(unknown_import ARGS ${RUN_OUT}/unknown_import.wasm EXIT 1
         STDERR_REGEX "unknown import: env\\.foo \\(function \\[i32\\] -> \\[i32\\]\\)")

run_test(invoke_i32 ARGS --invoke answer ${RUN_OUT}/invoke.wasm EXIT 0 QUIET_STDERR STDOUT_REGEX "^42\n$")
run_test(invoke_i64 ARGS --invoke=big ${RUN_OUT}/invoke.wasm EXIT 0 QUIET_STDERR STDOUT_REGEX "^-1099511627776\n$")
run_test(invoke_f64 ARGS --invoke half ${RUN_OUT}/invoke.wasm EXIT 0 QUIET_STDERR STDOUT_REGEX "^0.5\n$")
run_test(invoke_params ARGS --invoke add ${RUN_OUT}/invoke.wasm EXIT 1 STDERR_REGEX "takes 2 parameters")
run_test(invoke_missing ARGS --invoke nope ${RUN_OUT}/invoke.wasm EXIT 1 STDERR_REGEX "no exported function 'nope'")
run_test(no_start ARGS ${RUN_OUT}/invoke.wasm EXIT 1 STDERR_REGEX "no exported function '_start'")

# Inputs that are not regular files (/dev/zero, a directory, a FIFO) fail at once in inspect,
# run and serve, with a message (src/base/input_file.c).
add_test(NAME run.input_files_not_regular COMMAND bash ${RUN_SRC}/input_files.sh $<TARGET_FILE:warren>)
set_tests_properties(run.input_files_not_regular PROPERTIES TIMEOUT 300)
