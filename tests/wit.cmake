# WIT parser + host registry tests (src/component/wit*.c, host.c):
# - wit.unit: every WIT construct with its resolved types and Canonical ABI layouts, errors with
#   line:col for bad documents, robustness (truncation, nesting), semver-compatible host lookup;
# - wit.wasi: the WASI 0.2.10 WIT files of the corpus tools (${WARREN_CORPUS_WORK}/wit-0.2.10,
#   read at test time, never committed) declare a host, and every wasi:* import of every corpus
#   component must bind to it and match it structurally (typematch.c; WASI 0.3 imports of the p3
#   guests are passed over until Warren has 0.3 hosts). Skipped when missing;
# - wit.wasi_all: a component importing every stable WASI 0.2.10 interface, made from the same WIT
#   by the corpus' wasm-tools (jco), matches the parse in every function and type, and Warren's own
#   WIT (src/wasi/wit) as well (but for wasi:cli/run, which hosts do not provide);
# - wit.wasi_0_2_0: the WASI 0.2.0 WIT files parse;
# - wit.warren_wit: Warren's own WIT (src/wasi/wit, when present) parses on top of WASI 0.2.10
#   and the corpus' wasi imports match it.
set(WIT_TEST_DIR ${CMAKE_SOURCE_DIR}/tests/wit)

add_executable(wit_test ${WIT_TEST_DIR}/wit_test.c)
target_link_libraries(wit_test PRIVATE warren_component)
add_test(NAME wit.unit COMMAND wit_test ${WIT_TEST_DIR}/seeds)

add_executable(wit_wasi_test ${WIT_TEST_DIR}/wit_wasi_test.c)
target_link_libraries(wit_wasi_test PRIVATE warren_component)
if(NOT WARREN_CORPUS_WORK)
  set(WARREN_CORPUS_WORK /tmp/corpus)
endif()
add_test(NAME wit.wasi COMMAND wit_wasi_test ${WARREN_CORPUS_WORK}/wit-0.2.10 ${CMAKE_BINARY_DIR}/corpus)
add_test(NAME wit.wasi_0_2_0 COMMAND wit_wasi_test --parse-only ${WARREN_CORPUS_WORK}/wit-0.2.0)
set_tests_properties(wit.wasi wit.wasi_0_2_0 PROPERTIES FIXTURES_REQUIRED component_corpus SKIP_RETURN_CODE 77)
add_test(NAME wit.warren_wit COMMAND wit_wasi_test ${CMAKE_SOURCE_DIR}/src/wasi/wit ${CMAKE_BINARY_DIR}/corpus)
set_tests_properties(wit.warren_wit PROPERTIES FIXTURES_REQUIRED component_corpus SKIP_RETURN_CODE 77)

find_program(WIT_NODE node)
add_test(NAME wit.wasi_all
         COMMAND ${CMAKE_COMMAND} -DNODE=${WIT_NODE} -DNPM=${WARREN_CORPUS_WORK}/npm -DWIT_DIR=${WARREN_CORPUS_WORK}/wit-0.2.10
                 -DOUT_DIR=${CMAKE_BINARY_DIR}/tests/wit/all-imports -DCHECK=$<TARGET_FILE:wit_wasi_test>
                 -DWARREN_WIT_DIR=${CMAKE_SOURCE_DIR}/src/wasi/wit
                 -P ${WIT_TEST_DIR}/all_imports.cmake)
set_tests_properties(wit.wasi_all PROPERTIES FIXTURES_REQUIRED component_corpus SKIP_REGULAR_EXPRESSION "skipped:")
