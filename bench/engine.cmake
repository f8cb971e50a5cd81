# Interpreter micro-benchmark (bench/engine/): `engine_loop_bench build/bench/engine/loop.wasm`
# prints ns per loop iteration and per call. Built, never run as a test (timings vary).
find_program(WAT2WASM wat2wasm)
if(WAT2WASM)
  set(_engine_bench_out ${CMAKE_BINARY_DIR}/bench/engine)
  file(MAKE_DIRECTORY ${_engine_bench_out})
  add_custom_command(OUTPUT ${_engine_bench_out}/loop.wasm
                     COMMAND ${WAT2WASM} ${CMAKE_SOURCE_DIR}/bench/engine/loop.wat -o ${_engine_bench_out}/loop.wasm
                     DEPENDS ${CMAKE_SOURCE_DIR}/bench/engine/loop.wat)
  add_custom_target(engine_bench_modules ALL DEPENDS ${_engine_bench_out}/loop.wasm)
  add_executable(engine_loop_bench ${CMAKE_SOURCE_DIR}/bench/engine/loop_bench.c)
  target_link_libraries(engine_loop_bench PRIVATE warren_wasm)
  add_dependencies(engine_loop_bench engine_bench_modules)
endif()
