# The embedding API (include/warren.h, src/embed/): tests/embed/test_embed.c links libwarren.so
# and sees only warren.h. It calls every function with the components of other areas' fixtures
# (tests/component_values' values.wasm and traps.wasm, the shared corpus' c/hello-cli.wasm) and
# tests/serve_e2e/probe.wat (a wasi:http guest, assembled here), served on loopback port 0.
# The example embedder (examples/embed/) is built here too, so CI builds it.
include(${CMAKE_SOURCE_DIR}/examples/embed/embed.cmake)

# warren.h compiles on its own, as C99 without extensions
add_library(embed_header_alone OBJECT tests/embed/header_alone.c)
set_target_properties(embed_header_alone PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF)
target_include_directories(embed_header_alone PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_compile_options(embed_header_alone PRIVATE -pedantic-errors)

add_executable(embed_test tests/embed/test_embed.c)
target_link_libraries(embed_test PRIVATE warren_shared)
# the same test against the merged static archive, as a static embedder links it
add_executable(embed_test_static tests/embed/test_embed.c)
add_dependencies(embed_test_static warren_static)
target_include_directories(embed_test_static PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(embed_test_static PRIVATE ${WARREN_STATIC_ARCHIVE} PkgConfig::H2O Threads::Threads m)

if(NOT TEST component.corpus_build)
  message(STATUS "embed test disabled (needs the component corpus fixture)")
  return()
endif()
# our own copy of the serve_e2e probe, assembled with the corpus' `jco parse` (which exits 0
# even when it fails: the output file tells)
set(EMBED_PROBE ${CMAKE_BINARY_DIR}/tests/embed/probe.wasm)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/tests/embed)
warren_assemble_wat(embed.probe ${CMAKE_SOURCE_DIR}/tests/serve_e2e/probe.wat ${EMBED_PROBE} embed_probe)
set(EMBED_ASYNC ${CMAKE_BINARY_DIR}/tests/embed/async.wasm)
warren_assemble_wat(embed.async ${CMAKE_SOURCE_DIR}/tests/embed/async.wat ${EMBED_ASYNC} embed_probe)
set(EMBED_PROBE3 ${CMAKE_BINARY_DIR}/tests/embed/probe3.wasm)
warren_assemble_wat(embed.probe3 ${CMAKE_SOURCE_DIR}/tests/serve_p3/probe3.wat ${EMBED_PROBE3} embed_probe)
foreach(variant embed_test embed_test_static)
  string(REPLACE "embed_test" "embed.api" name ${variant})
  add_test(NAME ${name}
           COMMAND ${variant} ${CMAKE_BINARY_DIR}/tests/component_values/values.wasm
                   ${CMAKE_BINARY_DIR}/tests/component_values/traps.wasm ${CMAKE_BINARY_DIR}/corpus/c/hello-cli.wasm
                   ${EMBED_PROBE} ${EMBED_ASYNC} ${EMBED_PROBE3} ${CMAKE_BINARY_DIR}/tests/wasi_p3/concurrent_wait.wasm)
  # a guard against a hang, not a timing assertion
  set_tests_properties(${name} PROPERTIES TIMEOUT 300
                       FIXTURES_REQUIRED "component_corpus;cv_values;cv_traps;embed_probe;wasi_p3_guests")
endforeach()
