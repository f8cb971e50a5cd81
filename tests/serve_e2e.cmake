# `warren serve` end to end (issues 4 and 5): tests/serve_e2e/test_serve_e2e.py starts the real
# binary on loopback port 0 with the shared corpus' components (the component_corpus fixture of
# tests/component.cmake) and with its own components in component text, assembled here with the
# corpus' `jco parse` (tests/serve_e2e/probe.wat: a counter, a spinning, a sleeping and a trapping
# path, and a teardown export; trap_at_start.wat: an instantiation that always traps),
# and asserts statuses, headers and bodies (serve_e2e.jco_parity compares them with
# `jco serve --isolate-requests instance` of the same components); keep-alive and pipelining;
# -W timeout; SIGTERM and --shutdown-addr draining; malformed requests; bad flags; and the pool's
# reuse, queue, idle, drain and teardown behaviours. One ctest per test function: serve_e2e.NAME.
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_FOUND OR NOT TEST component.corpus_build)
  message(STATUS "serve end-to-end tests disabled (need python3 and the component corpus fixture)")
  return()
endif()
set(SERVE_E2E_DIR ${CMAKE_SOURCE_DIR}/tests/serve_e2e)
set(SERVE_E2E_OUT ${CMAKE_BINARY_DIR}/tests/serve_e2e)
set(SERVE_E2E_JCO ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js)
file(MAKE_DIRECTORY ${SERVE_E2E_OUT})

# the test's own components, tests/serve_e2e/*.wat -> <build>/tests/serve_e2e/*.wasm
# (jco parse exits 0 even when it fails: the output file tells)
file(GLOB serve_e2e_wats CONFIGURE_DEPENDS ${SERVE_E2E_DIR}/*.wat)
foreach(wat ${serve_e2e_wats})
  get_filename_component(stem ${wat} NAME_WE)
  warren_assemble_wat(serve_e2e.${stem} ${wat} ${SERVE_E2E_OUT}/${stem}.wasm serve_e2e_components)
endforeach()

execute_process(COMMAND ${Python3_EXECUTABLE} ${SERVE_E2E_DIR}/test_serve_e2e.py --list
                OUTPUT_VARIABLE serve_e2e_tests OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE listed)
if(NOT listed EQUAL 0)
  message(FATAL_ERROR "tests/serve_e2e/test_serve_e2e.py --list failed")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SERVE_E2E_DIR}/test_serve_e2e.py)
string(REPLACE "\n" ";" serve_e2e_tests "${serve_e2e_tests}")
foreach(name ${serve_e2e_tests})
  add_test(NAME serve_e2e.${name}
           COMMAND ${Python3_EXECUTABLE} ${SERVE_E2E_DIR}/test_serve_e2e.py --warren $<TARGET_FILE:warren>
                   --corpus ${CMAKE_BINARY_DIR}/corpus --components ${SERVE_E2E_OUT}
                   --jco ${SERVE_E2E_JCO} ${name})
  # a guard against a hang, not a timing assertion: every wait inside the test is bounded
  set_tests_properties(serve_e2e.${name} PROPERTIES TIMEOUT 300
                       FIXTURES_REQUIRED "component_corpus;serve_e2e_components")
endforeach()
