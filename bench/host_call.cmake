# The body-write path of a host call (src/component/host_bind.c, wasi:io output-stream.write):
# `write_bench [BYTES] [CALLS]`, for instruction counts under callgrind (see the file's top).
# Built, never run as a test.
add_executable(write_bench ${CMAKE_SOURCE_DIR}/bench/host_call/write_bench.c)
target_link_libraries(write_bench PRIVATE warren_wasi warren_component warren_wasm warren_base)
