# Engine micro-benchmarks (bench/engine/), built, never run as tests (timings vary):
# `engine_loop_bench build/bench/engine/loop.wasm` prints ns per loop iteration and per call;
# `engine_cross_bench build/bench/engine/cross_caller.wasm build/bench/engine/cross_callee.wasm`
# ns per call within an instance and between two.
find_program(WAT2WASM wat2wasm)
if(WAT2WASM)
  set(_engine_bench_out ${CMAKE_BINARY_DIR}/bench/engine)
  file(MAKE_DIRECTORY ${_engine_bench_out})
  set(_engine_bench_modules)
  foreach(_name loop cross_caller cross_callee)
    add_custom_command(OUTPUT ${_engine_bench_out}/${_name}.wasm
                       COMMAND ${WAT2WASM} ${CMAKE_SOURCE_DIR}/bench/engine/${_name}.wat -o ${_engine_bench_out}/${_name}.wasm
                       DEPENDS ${CMAKE_SOURCE_DIR}/bench/engine/${_name}.wat)
    list(APPEND _engine_bench_modules ${_engine_bench_out}/${_name}.wasm)
  endforeach()
  add_custom_target(engine_bench_modules ALL DEPENDS ${_engine_bench_modules})
  add_executable(engine_loop_bench ${CMAKE_SOURCE_DIR}/bench/engine/loop_bench.c)
  target_link_libraries(engine_loop_bench PRIVATE warren_wasm)
  add_dependencies(engine_loop_bench engine_bench_modules)
  add_executable(engine_cross_bench ${CMAKE_SOURCE_DIR}/bench/engine/cross_bench.c)
  target_link_libraries(engine_cross_bench PRIVATE warren_wasm)
  add_dependencies(engine_cross_bench engine_bench_modules)
endif()
