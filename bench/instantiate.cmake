# Instantiation benchmark (issue 5's targets): `instantiate_bench COMPONENT.wasm [N]` prints the
# median microseconds to instantiate a loaded component with the server's WASI host.
# Built, never run as a test (timings vary); bench/instantiate.sh runs it on the corpus.
add_executable(instantiate_bench ${CMAKE_SOURCE_DIR}/bench/instantiate/instantiate_bench.c)
target_link_libraries(instantiate_bench PRIVATE warren_wasi warren_component warren_wasm warren_base)
