# Component decoder + validator tests (src/component/, `warren inspect`):
# - component.unit: malformed binaries built in C (tests/component/component_test.c), type layouts,
#   and truncation/corruption sweeps over small real components;
# - component.corpus.*: every component of the shared corpus (/work/shared/corpus, built once into
#   <build>/corpus by the component.corpus_build fixture) decodes, validates, and inspects as expected;
# - component.wat.*: hand-written component text (tests/component/*.wat), assembled with the
#   corpus' `jco parse`, valid ones (every type constructor, resources, async built-ins, nesting)
#   and invalid ones, each naming the error it expects on its first line.
# The corpus needs node + npm (network on first use); delete <build>/corpus to rebuild it.
set(COMPONENT_TEST_DIR ${CMAKE_SOURCE_DIR}/tests/component)
set(COMPONENT_CORPUS ${CMAKE_BINARY_DIR}/corpus)
set(WARREN_CORPUS_WORK "$ENV{CORPUS_WORK}" CACHE PATH "npm tools of the corpus (build.sh's CORPUS_WORK)")
if(NOT WARREN_CORPUS_WORK)
  set(WARREN_CORPUS_WORK /tmp/corpus)
endif()

add_executable(component_test ${COMPONENT_TEST_DIR}/component_test.c)
target_link_libraries(component_test PRIVATE warren_component)
add_test(NAME component.unit COMMAND component_test)
# Tasks (src/component/task.h) seen from host functions: component.task runs task_test over
# tests/component/task/tasks.wat, assembled by component.task.assemble (needs the corpus' jco).
add_executable(task_test ${COMPONENT_TEST_DIR}/task_test.c)
target_link_libraries(task_test PRIVATE warren_component)

find_program(WARREN_NODE node)
if(NOT WARREN_NODE OR NOT EXISTS ${WARREN_SHARED_DIR}/corpus/build.sh)
  message(STATUS "component corpus tests disabled (needs node and ${WARREN_SHARED_DIR}/corpus)")
  return()
endif()

add_test(NAME component.corpus_build
         COMMAND bash -c "[ -s \"$1/c/http-handler.wasm\" ] || bash \"$0\" \"$1\""
                 ${WARREN_SHARED_DIR}/corpus/build.sh ${COMPONENT_CORPUS})
set_tests_properties(component.corpus_build PROPERTIES FIXTURES_SETUP component_corpus TIMEOUT 1200
                     ENVIRONMENT "CORPUS_WORK=${WARREN_CORPUS_WORK}")

function(component_inspect_test name)
  cmake_parse_arguments(T "" "INPUT;WAT;EXPECT_OUTPUT" "" ${ARGN})
  set(defs -DWARREN=$<TARGET_FILE:warren>)
  if(T_WAT)
    list(APPEND defs -DWAT=${T_WAT} -DJCO=${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js
         -DOUT=${CMAKE_BINARY_DIR}/tests/component/${name}.wasm)
  else()
    list(APPEND defs -DINPUT=${T_INPUT})
  endif()
  if(T_EXPECT_OUTPUT)
    list(APPEND defs "-DEXPECT_OUTPUT=${T_EXPECT_OUTPUT}")
  endif()
  add_test(NAME component.${name} COMMAND ${CMAKE_COMMAND} ${defs} -P ${COMPONENT_TEST_DIR}/check_inspect.cmake)
  set_tests_properties(component.${name} PROPERTIES FIXTURES_REQUIRED component_corpus)
endfunction()
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/tests/component)

set(handler_export "instance wasi:http/incoming-handler@0.2.[0-9]+ {[^}]*handle: func\\(request: own<incoming-request>, response-out: own<response-outparam>\\)")
foreach(js hello echo counter throw fetch)
  component_inspect_test(corpus.js.${js} INPUT ${COMPONENT_CORPUS}/js/${js}.wasm
    EXPECT_OUTPUT "^component [^\n]*33 core instances.*imports \\(18\\):.*instance wasi:http/types@0.2.10 {.*exports \\(1\\):\n  ${handler_export}.*core modules \\(4\\):")
endforeach()
component_inspect_test(corpus.wat.add INPUT ${COMPONENT_CORPUS}/wat/add.wasm
  EXPECT_OUTPUT "exports \\(1\\):\n  add: func\\(a: u32, b: u32\\) -> u32\n")
component_inspect_test(corpus.wat.strings INPUT ${COMPONENT_CORPUS}/wat/strings.wasm
  EXPECT_OUTPUT "greet: func\\(name: string\\) -> string\n  sum: func\\(xs: list<u32>\\) -> u64\n")
foreach(name http-hello http-hello-roundtrip)
  component_inspect_test(corpus.wat.${name} INPUT ${COMPONENT_CORPUS}/wat/${name}.wasm
    EXPECT_OUTPUT "imports \\(3\\):.*instance wasi:http/types@0.2.0 {.*exports \\(1\\):\n  ${handler_export}")
endforeach()
component_inspect_test(corpus.c.hello-cli INPUT ${COMPONENT_CORPUS}/c/hello-cli.wasm
  EXPECT_OUTPUT "instance wasi:cli/environment@0.2.12 {.*get-arguments: func\\(\\) -> list<string>.*exports \\(1\\):\n  instance wasi:cli/run@0.2.12 {\n    run: func\\(\\) -> result\n")
component_inspect_test(corpus.c.http-handler INPUT ${COMPONENT_CORPUS}/c/http-handler.wasm
  EXPECT_OUTPUT "instance wasi:io/streams@0.2.12 {.*instance wasi:http/types@0.2.0 {.*${handler_export}")

file(GLOB component_wat_tests ${COMPONENT_TEST_DIR}/*.wat)
foreach(wat ${component_wat_tests})
  get_filename_component(stem ${wat} NAME_WE)
  component_inspect_test(wat.${stem} WAT ${wat})
endforeach()

# The unit test's sweeps also run over the small corpus components when they exist.
set_tests_properties(component.unit PROPERTIES FIXTURES_REQUIRED component_corpus
                     ENVIRONMENT "WARREN_COMPONENT_CORPUS=${COMPONENT_CORPUS}")

# Extended constant expressions over imported globals inside a component's core module (what
# componentize-qjs emits) are on by default: the component runs and its globals hold the sums.
add_test(NAME component.extended_const_run
         COMMAND bash -c "rm -f \"$3\" && node \"$1\" parse \"$2\" -o \"$3\" && [ -s \"$3\" ] &&
                          [ \"$(\"$0\" run --invoke 'get()' \"$3\")\" = 1042 ] &&
                          [ \"$(\"$0\" run --invoke 'get64()' \"$3\")\" = 4294967311 ]"
                 $<TARGET_FILE:warren> ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js
                 ${COMPONENT_TEST_DIR}/extended_const.wat ${CMAKE_BINARY_DIR}/tests/component/extended_const_run.wasm)
set_tests_properties(component.extended_const_run PROPERTIES FIXTURES_REQUIRED component_corpus)

# The p3 (WASI 0.3) JS guests of build-p3js.sh (componentize-qjs through jco), into <build>/corpus/p3js.
add_test(NAME component.corpus_build_p3js
         COMMAND bash -c "[ -s \"$1/p3js/throw.wasm\" ] || bash \"$0\" \"$1\""
                 ${WARREN_SHARED_DIR}/corpus/build-p3js.sh ${COMPONENT_CORPUS})
set_tests_properties(component.corpus_build_p3js PROPERTIES FIXTURES_SETUP component_corpus_p3js TIMEOUT 1200
                     ENVIRONMENT "CORPUS_WORK=${WARREN_CORPUS_WORK}")

# Every p3 guest decodes and validates (their core globals use extended-const).
foreach(guest hello counter slow echo headers throw)
  add_test(NAME component.corpus.p3js.${guest} COMMAND warren inspect ${COMPONENT_CORPUS}/p3js/${guest}.wasm)
  set_tests_properties(component.corpus.p3js.${guest} PROPERTIES FIXTURES_REQUIRED component_corpus_p3js)
endforeach()

# A test program run over its own component, assembled from a .wat first.
function(component_wat_test name program wat)
  get_filename_component(stem ${wat} NAME_WE)
  set(wasm ${CMAKE_BINARY_DIR}/tests/component/${stem}.wasm)
  string(REPLACE "." "_" fixture ${name})
  warren_assemble_wat(${name} ${wat} ${wasm} ${fixture})
  add_test(NAME ${name} COMMAND ${program} ${wasm})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ${fixture})
endfunction()

component_wat_test(component.task task_test ${COMPONENT_TEST_DIR}/task/tasks.wat)

# The async ABI against the host: concurrent async exports, an async host function finished
# later, host ends of streams (tests/component/async_host_test.c, task/async_host.wat).
add_executable(async_host_test ${COMPONENT_TEST_DIR}/async_host_test.c)
target_link_libraries(async_host_test PRIVATE warren_component)
component_wat_test(component.async_host async_host_test ${COMPONENT_TEST_DIR}/task/async_host.wat)

# Instantiation plans (src/component/plan.h): a component instantiated against several hosts,
# at several sites, from several threads, gets each host's and each site's own bindings
# (tests/component/plan_test.c, plan/plan.wat).
add_executable(plan_test ${COMPONENT_TEST_DIR}/plan_test.c)
target_link_libraries(plan_test PRIVATE warren_component)
component_wat_test(component.plan plan_test ${COMPONENT_TEST_DIR}/plan/plan.wat)
