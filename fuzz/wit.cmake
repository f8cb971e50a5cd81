# fuzz_wit: the WIT parser + resolver (src/component/wit*.c), seeded with tests/wit/seeds and,
# when present, the WASI WIT files of the corpus tools. Included after fuzz.cmake, which
# already builds warren_component with the sanitizers.
#   build-fuzz/fuzz_wit -dict=fuzz/wit.dict -max_total_time=600 build-fuzz/fuzz-corpus/wit tests/wit/seeds
# `ctest -R fuzz_wit_smoke` runs it for WARREN_FUZZ_SMOKE_SECONDS (default 30).
add_executable(fuzz_wit fuzz/fuzz_wit.c)
target_compile_options(fuzz_wit PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_wit PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_wit PRIVATE warren_component)
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-corpus/wit")
set(fuzz_wit_seeds ${CMAKE_SOURCE_DIR}/tests/wit/seeds)
if(WARREN_CORPUS_WORK AND EXISTS "${WARREN_CORPUS_WORK}/wit-0.2.10")
  list(APPEND fuzz_wit_seeds "${WARREN_CORPUS_WORK}/wit-0.2.10")
endif()
add_test(NAME fuzz_wit_smoke
         COMMAND fuzz_wit -dict=${CMAKE_SOURCE_DIR}/fuzz/wit.dict -max_total_time=${WARREN_FUZZ_SMOKE_SECONDS} -rss_limit_mb=2048 -timeout=10
                 ${CMAKE_BINARY_DIR}/fuzz-corpus/wit ${fuzz_wit_seeds})
