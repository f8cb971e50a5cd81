# WASI 0.2 hosts (src/wasi/io.*, p2_*): every implementation called directly with lifted
# arguments — streams and their bounds, stdio over pipes, poll / flags / waiters, clocks,
# random, cli, sockets (denied without -S inherit-network; TCP echo, UDP round trip and name lookup
# over loopback when allowed), and filesystem confinement (with openat2 and with the fallback walk).
add_executable(wasi_p2_test tests/wasi_p2/test_p2.c)
target_link_libraries(wasi_p2_test PRIVATE warren_wasi)
add_test(NAME wasi_p2_unit COMMAND wasi_p2_test)

# End to end with the corpus' command component (built by component.cmake's fixture).
add_executable(wasi_p2_run_command tests/wasi_p2/run_command.c)
target_link_libraries(wasi_p2_run_command PRIVATE warren_wasi)
if(TEST component.corpus_build)
  add_test(NAME wasi_p2_hello_cli COMMAND wasi_p2_run_command ${CMAKE_BINARY_DIR}/corpus/c/hello-cli.wasm
           ${CMAKE_SOURCE_DIR}/tests/wasi_p2/hello_cli.expected - - one)
  set_tests_properties(wasi_p2_hello_cli PROPERTIES FIXTURES_REQUIRED component_corpus)
endif()

# A command exercising stdin, files, directories, escapes, clocks and random through the
# preview1 adapter (tests/wasi_p2/fs_tool.c), built with the corpus' jco and run in a fresh tree.
include(${CMAKE_SOURCE_DIR}/tests/run/wasi_program.cmake)
set(WASI_P2_JCO ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js)
if(TEST component.corpus_build AND WARREN_HAVE_WASI_CLANG)
  set(WASI_P2_OUT ${CMAKE_BINARY_DIR}/tests/wasi_p2)
  add_test(NAME wasi_p2_fs_tool_build
           COMMAND sh ${CMAKE_SOURCE_DIR}/tests/wasi_p2/build_fs_tool.sh ${CMAKE_SOURCE_DIR}/tests/wasi_p2/fs_tool.c
                   ${WASI_P2_OUT} ${WARREN_WASI_CLANG} ${WARREN_NODE} ${WASI_P2_JCO})
  set_tests_properties(wasi_p2_fs_tool_build PROPERTIES FIXTURES_REQUIRED component_corpus
                       FIXTURES_SETUP wasi_p2_fs_tool)
  add_test(NAME wasi_p2_fs_tool COMMAND wasi_p2_run_command ${WASI_P2_OUT}/fs_tool.wasm
           ${CMAKE_SOURCE_DIR}/tests/wasi_p2/fs_tool.expected ${WASI_P2_OUT}/stdin.txt ${WASI_P2_OUT}/tree/data::data)
  set_tests_properties(wasi_p2_fs_tool PROPERTIES FIXTURES_REQUIRED wasi_p2_fs_tool)
endif()

# wasi:sockets 0.2 end to end: a command written in component text (tests/wasi_p2/
# sockets_command.wat, assembled with the corpus' jco) runs a TCP echo and a name lookup over
# loopback under `warren run -S inherit-network` (exit 0), and is refused without it (exit 1).
if(TEST component.corpus_build)
  find_program(WASI_P2_BASH bash)
  add_test(NAME wasi_p2_sockets_command.assemble
           COMMAND ${WASI_P2_BASH} -c "rm -f \"$3\" && node \"$1\" parse \"$2\" -o \"$3\" && [ -s \"$3\" ]"
                   assemble ${WASI_P2_JCO} ${CMAKE_SOURCE_DIR}/tests/wasi_p2/sockets_command.wat
                   ${CMAKE_BINARY_DIR}/tests/wasi_p2/sockets_command.wasm)
  set_tests_properties(wasi_p2_sockets_command.assemble PROPERTIES FIXTURES_SETUP wasi_p2_sockets_command
                       FIXTURES_REQUIRED component_corpus)
  foreach(mode allowed denied)
    if(mode STREQUAL allowed)
      set(command "$<TARGET_FILE:warren>|run|-S|inherit-network|${CMAKE_BINARY_DIR}/tests/wasi_p2/sockets_command.wasm")
      set(expect 0)
    else()
      set(command "$<TARGET_FILE:warren>|run|${CMAKE_BINARY_DIR}/tests/wasi_p2/sockets_command.wasm")
      set(expect 1)
    endif()
    add_test(NAME wasi_p2_sockets_command.${mode}
             COMMAND ${CMAKE_COMMAND} -DCOMMAND=${command} -DEXPECT_EXIT=${expect} -DEXPECT_EMPTY_STDERR=1
                     -P ${CMAKE_SOURCE_DIR}/tests/run/check_run.cmake)
    set_tests_properties(wasi_p2_sockets_command.${mode} PROPERTIES FIXTURES_REQUIRED wasi_p2_sockets_command
                         TIMEOUT 120)
  endforeach()
endif()
