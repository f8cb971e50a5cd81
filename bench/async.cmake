# Async runtime benchmark (issue 10): `async_bench async.wasm` prints ns per async export call
# at 1, 16 and 256 in flight, and stream MB/s between components and to a host end. Built,
# never run as a test; bench/async.sh assembles bench/async/async.wat and runs it.
add_executable(async_bench ${CMAKE_SOURCE_DIR}/bench/async/async_bench.c)
target_link_libraries(async_bench PRIVATE warren_component warren_wasm warren_base)
