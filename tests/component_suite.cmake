# The component model's own test suite (WebAssembly/component-model test/values, test/linking,
# test/resources, test/validation, test/binary; copied into tests/data/component-model, see its
# README): one ctest per .wast, component_suite.DIR.NAME. Each converts its script with tests/component_suite/wast2json.mjs
# (components assembled by the corpus' jco), runs `warren wast --component`, prints
# `N passed, N failed, N skipped`, and passes when the failures are exactly those
# tests/component_suite/known_failures.txt lists (each with its reason).
set(CMS_DATA ${CMAKE_SOURCE_DIR}/tests/data/component-model)
set(CMS_OUT ${CMAKE_BINARY_DIR}/tests/component_suite)

find_program(WARREN_NODE node)
if(NOT WARREN_NODE OR NOT EXISTS ${WARREN_SHARED_DIR}/corpus/build.sh)
  message(STATUS "component suite tests disabled (need node and ${WARREN_SHARED_DIR}/corpus)")
  return()
endif()
if(NOT WARREN_CORPUS_WORK)
  set(WARREN_CORPUS_WORK /tmp/corpus)
endif()

# tests/component_suite/warren/*.wast: Warren's own scripts in the same dialect (may_leave,
# may_enter), component_suite.warren.NAME
file(MAKE_DIRECTORY ${CMS_OUT})
# tests/data/wasmtime-misc/component-model-async/*.wast: wasmtime's async tests,
# component_suite.component-model-async.NAME
file(GLOB cms_scripts CONFIGURE_DEPENDS ${CMS_DATA}/*/*.wast ${CMAKE_SOURCE_DIR}/tests/component_suite/warren/*.wast
     ${CMAKE_SOURCE_DIR}/tests/data/wasmtime-misc/*/*.wast)
foreach(script ${cms_scripts})
  get_filename_component(stem ${script} NAME_WE)
  get_filename_component(dir ${script} DIRECTORY)
  get_filename_component(group ${dir} NAME)
  add_test(NAME component_suite.${group}.${stem}
           COMMAND ${WARREN_NODE} ${CMAKE_SOURCE_DIR}/tests/component_suite/run.mjs
                   ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/api.js
                   $<TARGET_FILE:warren> ${script} ${CMS_OUT}/${group}
                   ${CMAKE_SOURCE_DIR}/tests/component_suite/known_failures.txt)
  set_tests_properties(component_suite.${group}.${stem} PROPERTIES FIXTURES_REQUIRED component_corpus TIMEOUT 180)
endforeach()

# may_enter through the host (tests/component_suite/host_reentrance_test.c): a host function
# calling back into the instance that called it traps.
add_executable(host_reentrance_test ${CMAKE_SOURCE_DIR}/tests/component_suite/host_reentrance_test.c)
target_link_libraries(host_reentrance_test PRIVATE warren_component)
warren_assemble_wat(component_suite.host_reentrance ${CMAKE_SOURCE_DIR}/tests/component_suite/host-reentrance.wat
                    ${CMS_OUT}/host-reentrance.wasm cms_host_reentrance)
add_test(NAME component_suite.host_reentrance COMMAND host_reentrance_test ${CMS_OUT}/host-reentrance.wasm)
set_tests_properties(component_suite.host_reentrance PROPERTIES FIXTURES_REQUIRED cms_host_reentrance)
