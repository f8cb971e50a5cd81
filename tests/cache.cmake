# The compiled-module cache (src/wasm/cache.c): unit tests on a module with a memory image, and
# the CLI (`warren compile`, the cache directory, --no-cache, its size bound).
find_program(WAT2WASM wat2wasm)
if(WAT2WASM) # image_reset.wasm comes from tests/engine.cmake
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/tests/cache/code.wasm
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/tests/cache
                     COMMAND ${WAT2WASM} ${CMAKE_SOURCE_DIR}/tests/cache/code.wat
                             -o ${CMAKE_BINARY_DIR}/tests/cache/code.wasm
                     DEPENDS ${CMAKE_SOURCE_DIR}/tests/cache/code.wat)
  add_custom_target(cache_test_modules ALL DEPENDS ${CMAKE_BINARY_DIR}/tests/cache/code.wasm)
  add_executable(cache_test tests/cache/cache_test.c)
  target_link_libraries(cache_test PRIVATE warren_wasm)
  add_dependencies(cache_test engine_test_modules cache_test_modules)
  add_test(NAME cache_unit COMMAND cache_test ${CMAKE_BINARY_DIR}/tests/engine ${CMAKE_BINARY_DIR}/tests
                                   ${CMAKE_BINARY_DIR}/tests/cache/code.wasm)
  # the same on the interpreter: the file holds internal code only
  add_test(NAME cache_unit_interp COMMAND cache_test ${CMAKE_BINARY_DIR}/tests/engine ${CMAKE_BINARY_DIR}/tests/interp
                                          ${CMAKE_BINARY_DIR}/tests/cache/code.wasm)
  set_tests_properties(cache_unit_interp PROPERTIES ENVIRONMENT WARREN_ENGINE=interp)
endif()
add_test(NAME cache_cli
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cache/cli_cache.sh $<TARGET_FILE:warren>
                 ${CMAKE_BINARY_DIR}/examples/hello.wasm ${CMAKE_SOURCE_DIR}/examples/hello-http.wasm
                 ${CMAKE_BINARY_DIR}/tests/cache-cli)
set_tests_properties(cache_cli PROPERTIES TIMEOUT 120)
# the cache directory's bound: least recently used files deleted past WARREN_CACHE_MAX_SIZE
add_test(NAME cache_evict
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cache/cache_evict.sh $<TARGET_FILE:warren>
                 ${CMAKE_BINARY_DIR}/examples/hello.wasm ${CMAKE_BINARY_DIR}/tests/cache-evict)
set_tests_properties(cache_evict PROPERTIES TIMEOUT 120)
