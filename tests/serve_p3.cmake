# `warren serve` of WASI 0.3 wasi:http components (tests/serve_p3/test_serve_p3.py): the corpus'
# componentize-qjs guests (p3js, from the component_corpus fixture) and this test's own guests in
# component text (tests/serve_p3/*.wat, assembled with the corpus' `jco parse`). One ctest per test
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

execute_process(COMMAND ${Python3_EXECUTABLE} ${SERVE_P3_DIR}/test_serve_p3.py --list
                OUTPUT_VARIABLE serve_p3_tests OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE listed)
if(NOT listed EQUAL 0)
  message(FATAL_ERROR "tests/serve_p3/test_serve_p3.py --list failed")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SERVE_P3_DIR}/test_serve_p3.py)
string(REPLACE "\n" ";" serve_p3_tests "${serve_p3_tests}")
foreach(name ${serve_p3_tests})
  add_test(NAME serve_p3.${name}
           COMMAND ${Python3_EXECUTABLE} ${SERVE_P3_DIR}/test_serve_p3.py --warren $<TARGET_FILE:warren>
                   --corpus ${CMAKE_BINARY_DIR}/corpus --components ${SERVE_P3_OUT} ${name})
  # a guard against a hang, not a timing assertion: every wait inside the test is bounded
  set_tests_properties(serve_p3.${name} PROPERTIES TIMEOUT 300
                       FIXTURES_REQUIRED "component_corpus;serve_p3_components")
endforeach()
