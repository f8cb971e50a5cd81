# The bundled examples, built into <build>/examples/ when clang can target wasm32-wasi.
# Included from tests/run.cmake (the top-level CMakeLists only globs tests/ and bench/).
include(${CMAKE_SOURCE_DIR}/tests/run/wasi_program.cmake)

if(WARREN_HAVE_WASI_CLANG)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/examples)
  warren_wasi_program(example_hello ${CMAKE_BINARY_DIR}/examples/hello.wasm
                      ${CMAKE_SOURCE_DIR}/examples/hello.c)
endif()
