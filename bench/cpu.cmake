# CPU benchmark kernels (bench/cpu/*.c). bench/cpu.sh times them; here each kernel is
# built natively and to wasm32-wasi, and a test runs both once on a tiny input and checks
# that warren computes the native checksum (correctness, not speed).
include(${CMAKE_SOURCE_DIR}/tests/run/wasi_program.cmake)

if(WARREN_HAVE_WASI_CLANG)
  set(_cpu_out ${CMAKE_BINARY_DIR}/bench/cpu)
  file(MAKE_DIRECTORY ${_cpu_out})
  # kernel and the tiny argument its check runs with
  set(_cpu_kernels "hash 2" "sort 5000" "matmul 24" "vm 5000" "strings 20000" "simd 20"
                 "coremark_like 300")
  foreach(entry ${_cpu_kernels})
    separate_arguments(entry)
    list(GET entry 0 kernel)
    list(GET entry 1 tiny)
    add_executable(bench_cpu_${kernel} ${CMAKE_SOURCE_DIR}/bench/cpu/${kernel}.c)
    target_compile_options(bench_cpu_${kernel} PRIVATE -ffp-contract=off)
    set(_wasm_flags)
    if(kernel STREQUAL "simd") # built with wasm SIMD, which clang's vectoriser then uses
      set(_wasm_flags FLAGS -msimd128)
    endif()
    warren_wasi_program(bench_cpu_${kernel}_wasm ${_cpu_out}/${kernel}.wasm
                        ${CMAKE_SOURCE_DIR}/bench/cpu/${kernel}.c ${_wasm_flags})
    add_test(NAME bench.cpu.${kernel}
             COMMAND ${CMAKE_COMMAND} -DNATIVE=$<TARGET_FILE:bench_cpu_${kernel}>
                     -DWARREN=$<TARGET_FILE:warren> -DWASM=${_cpu_out}/${kernel}.wasm -DARG=${tiny}
                     -P ${CMAKE_SOURCE_DIR}/bench/cpu/same_checksum.cmake)
    set_tests_properties(bench.cpu.${kernel} PROPERTIES TIMEOUT 300) # a guard against hangs
  endforeach()
endif()
