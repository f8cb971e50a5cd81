# fuzz_cache: the compiled-module cache's loader (src/wasm/cache.c), seeded with files that
# `warren compile` makes of tests/engine/image_reset.wat and tests/cache/code.wat (machine code
# with every kind of relocation).
#   cmake --build build-fuzz --target fuzz_cache
#   build-fuzz/fuzz_cache -max_total_time=600 build-fuzz/fuzz-corpus/cache build-fuzz/fuzz-seeds/cache
# `ctest -R fuzz_cache_smoke` runs it for WARREN_FUZZ_SMOKE_SECONDS (default 30).
add_executable(fuzz_cache fuzz/fuzz_cache.c)
target_compile_options(fuzz_cache PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_cache PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_cache PRIVATE warren_wasm)
set(fuzz_cache_seeds "${CMAKE_BINARY_DIR}/fuzz-seeds/cache")
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-corpus/cache" "${fuzz_cache_seeds}")
if(TARGET engine_test_modules)
  add_custom_target(fuzz_cache_seeds
    COMMAND $<TARGET_FILE:warren> compile -o ${fuzz_cache_seeds}/image_reset.cwasm
            ${CMAKE_BINARY_DIR}/tests/engine/image_reset.wasm
    COMMAND $<TARGET_FILE:warren> compile -o ${fuzz_cache_seeds}/code.cwasm ${CMAKE_BINARY_DIR}/tests/cache/code.wasm
    DEPENDS warren
    COMMENT "Seeding the cache loader fuzzer with compiled modules")
  add_dependencies(fuzz_cache_seeds engine_test_modules cache_test_modules)
  add_dependencies(fuzz_cache fuzz_cache_seeds)
endif()
add_test(NAME fuzz_cache_smoke
         COMMAND fuzz_cache -max_total_time=${WARREN_FUZZ_SMOKE_SECONDS} -rss_limit_mb=2048 -timeout=10
                 ${CMAKE_BINARY_DIR}/fuzz-corpus/cache ${fuzz_cache_seeds})
