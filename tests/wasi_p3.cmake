# WASI 0.3 hosts (src/wasi): the event loop they wait on, then each 0.3 interface.
add_executable(wasi_p3_reactor_test tests/wasi_p3/reactor_test.c)
target_link_libraries(wasi_p3_reactor_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.reactor COMMAND wasi_p3_reactor_test)

add_executable(wasi_p3_wit_test tests/wasi_p3/wit_test.c)
target_link_libraries(wasi_p3_wit_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.wit COMMAND wasi_p3_wit_test)

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
