# WASI 0.3 hosts (src/wasi): the event loop they wait on, then each 0.3 interface.
add_executable(wasi_p3_reactor_test tests/wasi_p3/reactor_test.c)
target_link_libraries(wasi_p3_reactor_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.reactor COMMAND wasi_p3_reactor_test)

add_executable(wasi_p3_wit_test tests/wasi_p3/wit_test.c)
target_link_libraries(wasi_p3_wit_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.wit COMMAND wasi_p3_wit_test)

# cli, clocks and random: the sync functions and the release-candidate names directly, then
# guests in component text (tests/wasi_p3/*.wat, assembled with the corpus' `jco parse`) through
# wasi_p3_call, and the same guests end to end with `warren run`.
add_executable(wasi_p3_cli_test tests/wasi_p3/cli_test.c)
target_link_libraries(wasi_p3_cli_test PRIVATE warren_wasi Threads::Threads)
add_test(NAME wasi_p3.cli COMMAND wasi_p3_cli_test)

set(WASI_P3_OUT ${CMAKE_BINARY_DIR}/tests/wasi_p3)
file(MAKE_DIRECTORY ${WASI_P3_OUT})
set(WASI_P3_JCO ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js)
find_program(WASI_P3_BASH bash)
add_test(NAME wasi_p3.assemble
         COMMAND ${WASI_P3_BASH} -c "for g in command concurrent_wait exit deadlock many_streams err; do rm -f \"$2/$g.wasm\" &&
                                     node \"$0\" parse \"$1/$g.wat\" -o \"$2/$g.wasm\" && [ -s \"$2/$g.wasm\" ] || exit 1; done"
                 ${WASI_P3_JCO} ${CMAKE_SOURCE_DIR}/tests/wasi_p3 ${WASI_P3_OUT})
set_tests_properties(wasi_p3.assemble PROPERTIES FIXTURES_SETUP wasi_p3_guests FIXTURES_REQUIRED component_corpus)
add_test(NAME wasi_p3.cli_guests COMMAND wasi_p3_cli_test ${WASI_P3_OUT}/command.wasm ${WASI_P3_OUT}/concurrent_wait.wasm
                                        ${WASI_P3_OUT}/exit.wasm)
set_tests_properties(wasi_p3.cli_guests PROPERTIES FIXTURES_REQUIRED wasi_p3_guests TIMEOUT 120)

# wasi_p3_run(<name> STDOUT_FILE file ARGS <warren run arguments...> [STDIN file] [EXIT n] [STDERR_REGEX re])
function(wasi_p3_run name)
  cmake_parse_arguments(T "" "STDIN;EXIT;STDOUT_FILE;STDERR_REGEX" "ARGS" ${ARGN})
  string(REPLACE ";" "|" command "$<TARGET_FILE:warren>;run;${T_ARGS}")
  set(defs -DCOMMAND=${command} -DEXPECT_EXIT=${T_EXIT})
  if(T_STDIN)
    list(APPEND defs -DSTDIN=${T_STDIN})
  endif()
  if(T_STDOUT_FILE)
    list(APPEND defs -DEXPECT_STDOUT_FILE=${T_STDOUT_FILE})
  endif()
  if(T_STDERR_REGEX)
    list(APPEND defs "-DSTDERR_REGEX=${T_STDERR_REGEX}")
  else()
    list(APPEND defs -DEXPECT_EMPTY_STDERR=1)
  endif()
  add_test(NAME wasi_p3.run.${name} COMMAND ${CMAKE_COMMAND} ${defs} -P ${CMAKE_SOURCE_DIR}/tests/run/check_run.cmake)
  set_tests_properties(wasi_p3.run.${name} PROPERTIES FIXTURES_REQUIRED wasi_p3_guests TIMEOUT 120)
endfunction()
wasi_p3_run(command EXIT 0 STDIN ${CMAKE_SOURCE_DIR}/tests/wasi_p3/stdin.txt
            STDOUT_FILE ${CMAKE_SOURCE_DIR}/tests/wasi_p3/command.expected STDERR_REGEX "^stderr from p3.$"
            ARGS --env A=1 --env EMPTY= ${WASI_P3_OUT}/command.wasm x "y z")
wasi_p3_run(concurrent_wait EXIT 0 STDOUT_FILE ${CMAKE_SOURCE_DIR}/tests/wasi_p3/concurrent_wait.expected
            ARGS ${WASI_P3_OUT}/concurrent_wait.wasm)
# --invoke of an async export runs the same way (and prints its result)
wasi_p3_run(invoke EXIT 0 STDOUT_FILE ${CMAKE_SOURCE_DIR}/tests/wasi_p3/invoke.expected
            ARGS --invoke "wasi:cli/run@0.3.0#run()" ${WASI_P3_OUT}/concurrent_wait.wasm)
# run's result is the exit status: ok 0 (above), err 1
wasi_p3_run(err EXIT 1 ARGS ${WASI_P3_OUT}/err.wasm)
# exit-with-code inside an async run (imported under release-candidate names) is the exit status,
# and what the guest wrote before reaches stdout
wasi_p3_run(exit EXIT 3 STDIN ${CMAKE_SOURCE_DIR}/tests/wasi_p3/stdin.txt
            STDOUT_FILE ${CMAKE_SOURCE_DIR}/tests/wasi_p3/stdin.txt ARGS ${WASI_P3_OUT}/exit.wasm)
# every byte reaches a reader that stops reading while the command ends: exit.wat copies 1 MiB of
# stdin and exits while its last bytes wait for room in the full pipe, and the reader takes a
# pause longer than a bounded teardown flush would wait (the run waits for its output instead)
add_test(NAME wasi_p3.run.exit_slow_reader
         COMMAND ${WASI_P3_BASH} -c "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 1048576 > \"$2.in\" &&
                                     \"$0\" run \"$1\" < \"$2.in\" | { head -c 982576 && sleep 3 && cat; } > \"$2.out\";
                                     status=$\{PIPESTATUS[0]}; [ \"$status\" = 3 ] || { echo \"exit status $status\"; exit 1; };
                                     cmp \"$2.in\" \"$2.out\""
                 $<TARGET_FILE:warren> ${WASI_P3_OUT}/exit.wasm ${WASI_P3_OUT}/exit_slow_reader)
set_tests_properties(wasi_p3.run.exit_slow_reader PROPERTIES FIXTURES_REQUIRED wasi_p3_guests TIMEOUT 120)
# a run stuck with nothing pending stops with a clear error
wasi_p3_run(deadlock EXIT 134 STDERR_REGEX "deadlock" ARGS ${WASI_P3_OUT}/deadlock.wasm)

# The embedding API runs the same commands (warren_run_command).
add_executable(wasi_p3_embed_command_test tests/wasi_p3/embed_command_test.c)
target_link_libraries(wasi_p3_embed_command_test PRIVATE warren_shared)
add_test(NAME wasi_p3.embed_command COMMAND wasi_p3_embed_command_test ${WASI_P3_OUT}/command.wasm
         ${WASI_P3_OUT}/exit.wasm ${WASI_P3_OUT}/deadlock.wasm)
set_tests_properties(wasi_p3.embed_command PROPERTIES FIXTURES_REQUIRED wasi_p3_guests TIMEOUT 120)
# a guest asking for stdio streams without end is stopped at the cap
wasi_p3_run(many_streams EXIT 134 STDERR_REGEX "too many stdio streams open at once \\(limit 64\\)"
            ARGS ${WASI_P3_OUT}/many_streams.wasm)

# wasi:sockets@0.3.0 over loopback: implementations called directly, async ones with a stand-in
# for the runtime's call, streams and futures through the test's own host ends.
add_executable(wasi_p3_sockets_test tests/wasi_p3/sockets_test.c)
target_link_libraries(wasi_p3_sockets_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.sockets COMMAND wasi_p3_sockets_test)
set_tests_properties(wasi_p3.sockets PROPERTIES TIMEOUT 120)

# wasi:filesystem@0.3.0: confinement shared with 0.2, streams over files and directories.
add_executable(wasi_p3_filesystem_test tests/wasi_p3/filesystem_test.c)
target_link_libraries(wasi_p3_filesystem_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.filesystem COMMAND wasi_p3_filesystem_test)
set_tests_properties(wasi_p3.filesystem PROPERTIES TIMEOUT 120)

# wasi:http/types@0.3.0 as a guest calls it (tests/wasi_p3/http_types.wat, assembled with the corpus'
# `jco parse`): header-error cases, get-and-delete, immutable headers and request-options, status
# checks and size-exceeded, through `warren run --invoke 'check()'` (0: every check passed).
if(TEST component.corpus_build)
  set(WASI_P3_JCO ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js)
  set(WASI_P3_HTTP_TYPES ${CMAKE_BINARY_DIR}/tests/wasi_p3/http_types.wasm)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/tests/wasi_p3)
  add_test(NAME wasi_p3.http_types.assemble
           COMMAND bash -c "rm -f \"$2\" && node \"$0\" parse \"$1\" -o \"$2\" && [ -s \"$2\" ]"
                   ${WASI_P3_JCO} ${CMAKE_SOURCE_DIR}/tests/wasi_p3/http_types.wat ${WASI_P3_HTTP_TYPES})
  set_tests_properties(wasi_p3.http_types.assemble PROPERTIES FIXTURES_SETUP wasi_p3_http_types
                       FIXTURES_REQUIRED component_corpus)
  add_test(NAME wasi_p3.http_types
           COMMAND bash -c "out=$(\"$0\" run --invoke 'check()' \"$1\") && [ \"$out\" = 0 ] || { echo \"failed check: $out\"; exit 1; }"
                   $<TARGET_FILE:warren> ${WASI_P3_HTTP_TYPES})
  set_tests_properties(wasi_p3.http_types PROPERTIES FIXTURES_REQUIRED wasi_p3_http_types)
endif()
