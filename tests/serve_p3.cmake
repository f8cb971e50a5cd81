# `warren serve` of WASI 0.3 wasi:http components (tests/serve_p3/test_serve_p3.py): the corpus'
# componentize-qjs guests (p3js, from the component_corpus fixture), this test's own guests in
# component text (tests/serve_p3/*.wat, assembled with the corpus' `jco parse`) and in C on the
# async canonical ABI by hand (tests/serve_p3/c, built with clang --target=wasm32-wasi and
# wasi-libc when both are there; their tests, named c_*, are left out otherwise). One ctest per test
# function: serve_p3.NAME.
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_FOUND OR NOT TEST component.corpus_build)
  message(STATUS "serve p3 tests disabled (need python3 and the component corpus fixture)")
  return()
endif()
set(SERVE_P3_DIR ${CMAKE_SOURCE_DIR}/tests/serve_p3)
set(SERVE_P3_OUT ${CMAKE_BINARY_DIR}/tests/serve_p3)
set(SERVE_P3_JCO ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js)
file(MAKE_DIRECTORY ${SERVE_P3_OUT})

file(GLOB serve_p3_wats CONFIGURE_DEPENDS ${SERVE_P3_DIR}/*.wat)
foreach(wat ${serve_p3_wats})
  get_filename_component(stem ${wat} NAME_WE)
  add_test(NAME serve_p3.${stem}.assemble
           COMMAND bash -c "rm -f \"$3\" && node \"$1\" parse \"$2\" -o \"$3\" && [ -s \"$3\" ]"
                   assemble ${SERVE_P3_JCO} ${wat} ${SERVE_P3_OUT}/${stem}.wasm)
  set_tests_properties(serve_p3.${stem}.assemble PROPERTIES
                       FIXTURES_SETUP serve_p3_components FIXTURES_REQUIRED component_corpus)
endforeach()

# The C guests need clang's wasm32 target and wasi-libc: a reactor that links says both are there.
find_program(SERVE_P3_CLANG clang)
set(serve_p3_c OFF)
if(SERVE_P3_CLANG)
  file(WRITE ${SERVE_P3_OUT}/c-probe.c "int probe;\n")
  execute_process(COMMAND ${SERVE_P3_CLANG} --target=wasm32-wasi -mexec-model=reactor
                          -o ${SERVE_P3_OUT}/c-probe.wasm ${SERVE_P3_OUT}/c-probe.c
                  RESULT_VARIABLE probed OUTPUT_QUIET ERROR_QUIET)
  if(probed EQUAL 0)
    set(serve_p3_c ON)
  endif()
endif()
if(serve_p3_c)
  # tests/serve_p3/c/NAME.c in WORLD of c/world.wit -> NAME_c.wasm beside the assembled WAT guests
  foreach(name_world p3_hello:hello p3_sleep:sleep)
    string(REPLACE ":" ";" name_world ${name_world})
    list(GET name_world 0 name)
    list(GET name_world 1 world)
    add_test(NAME serve_p3.${name}_c.build
             COMMAND bash ${SERVE_P3_DIR}/c/build.sh ${WARREN_CORPUS_WORK}/npm ${WARREN_SHARED_DIR}/corpus/tools/wt.mjs
                     ${CMAKE_SOURCE_DIR}/src/wasi/wit ${SERVE_P3_OUT} ${name} ${world})
    set_tests_properties(serve_p3.${name}_c.build PROPERTIES
                         FIXTURES_SETUP serve_p3_components FIXTURES_REQUIRED component_corpus)
  endforeach()
else()
  message(STATUS "serve p3 C guests disabled (need clang with the wasm32 target and wasi-libc)")
endif()

execute_process(COMMAND ${Python3_EXECUTABLE} ${SERVE_P3_DIR}/test_serve_p3.py --list
                OUTPUT_VARIABLE serve_p3_tests OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE listed)
if(NOT listed EQUAL 0)
  message(FATAL_ERROR "tests/serve_p3/test_serve_p3.py --list failed")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SERVE_P3_DIR}/test_serve_p3.py)
string(REPLACE "\n" ";" serve_p3_tests "${serve_p3_tests}")
foreach(name ${serve_p3_tests})
  if(name MATCHES "^c_" AND NOT serve_p3_c)
    continue()
  endif()
  add_test(NAME serve_p3.${name}
           COMMAND ${Python3_EXECUTABLE} ${SERVE_P3_DIR}/test_serve_p3.py --warren $<TARGET_FILE:warren>
                   --corpus ${CMAKE_BINARY_DIR}/corpus --components ${SERVE_P3_OUT} ${name})
  # a guard against a hang, not a timing assertion: every wait inside the test is bounded
  set_tests_properties(serve_p3.${name} PROPERTIES TIMEOUT 300
                       FIXTURES_REQUIRED "component_corpus;serve_p3_components")
endforeach()
