# Load-time benchmark (issue 14): `load_bench FILE.wasm [N]` prints the median milliseconds of
# each load phase (decode, validate, compile, types+images) for a core module or every core
# module of a component. Built, never run as a test (timings vary).
add_executable(load_bench ${CMAKE_SOURCE_DIR}/bench/load/load_bench.c)
target_link_libraries(load_bench PRIVATE warren_component warren_wasm warren_base)
