# fuzz_http1: the strict HTTP/1.1 framing shared by the front end and the clients
# (src/wasi/http1_grammar.c, src/wasi/http1_chunked.c), in process: a connection's byte stream is
# cut into requests whole, in random pieces and by an independent reference parser, and the three
# must agree (see fuzz/fuzz_http1.c). Seeds in fuzz/http1_seeds (first 4 bytes: the piece seed).
#   build-fuzz/fuzz_http1 -max_total_time=600 -dict=fuzz/http1.dict build-fuzz/fuzz-corpus/http1 fuzz/http1_seeds
# The module is two files with no dependencies: compiled in directly, the target needs none of the
# engine's libraries (and builds in seconds).
add_executable(fuzz_http1 fuzz/fuzz_http1.c src/wasi/http1_grammar.c src/wasi/http1_chunked.c)
target_include_directories(fuzz_http1 PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_compile_options(fuzz_http1 PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_http1 PRIVATE -fsanitize=fuzzer,address,undefined)
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-corpus/http1")
add_test(NAME fuzz_http1_smoke
         COMMAND fuzz_http1 -max_total_time=${WARREN_FUZZ_SMOKE_SECONDS} -rss_limit_mb=2048 -timeout=10
                 -dict=${CMAKE_SOURCE_DIR}/fuzz/http1.dict
                 ${CMAKE_BINARY_DIR}/fuzz-corpus/http1 ${CMAKE_SOURCE_DIR}/fuzz/http1_seeds)
