# fuzz_http: whole HTTP/1.1 connections against the front end (src/serve/http_server.c) over
# loopback; seeds in fuzz/http_seeds (first byte of each: how the rest is cut into writes).
#   build-fuzz/fuzz_http -max_total_time=600 build-fuzz/fuzz-corpus/http fuzz/http_seeds
add_executable(fuzz_http fuzz/fuzz_http.c)
target_compile_options(fuzz_http PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_http PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_http PRIVATE warren_serve)
if(NOT WARREN_SANITIZE)
  target_compile_options(warren_serve PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                              -fno-omit-frame-pointer)
  target_link_options(warren_serve INTERFACE -fsanitize=address,undefined)
endif()
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-corpus/http")
add_test(NAME fuzz_http_smoke
         COMMAND fuzz_http -max_total_time=${WARREN_FUZZ_SMOKE_SECONDS} -rss_limit_mb=2048 -timeout=20
                 ${CMAKE_BINARY_DIR}/fuzz-corpus/http ${CMAKE_SOURCE_DIR}/fuzz/http_seeds)
