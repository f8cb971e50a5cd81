# Tests of the SIMD instruction table (src/wasm/simd_ops.def) and its semantics (src/wasm/simd.h).
add_executable(test_simd tests/simd/test_simd.c)
target_link_libraries(test_simd PRIVATE warren_base)
add_test(NAME simd_semantics COMMAND test_simd)

# The table's opcodes, shapes, lane counts and alignments checked against wabt's encoder.
find_program(WARREN_WAT2WASM wat2wasm)
find_program(WARREN_WASM_OBJDUMP wasm-objdump)
find_package(Python3 COMPONENTS Interpreter)
if(WARREN_WAT2WASM AND WARREN_WASM_OBJDUMP AND Python3_Interpreter_FOUND)
  add_test(NAME simd_opcode_table
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/simd/check_opcodes.py
                   ${CMAKE_SOURCE_DIR}/src/wasm/simd_ops.def ${WARREN_WAT2WASM} ${WARREN_WASM_OBJDUMP})
endif()

# The same checks on the portable C code that non-x86 hosts use (the default build takes the
# SSE2 fast paths on x86-64).
add_executable(test_simd_portable tests/simd/test_simd.c)
target_compile_definitions(test_simd_portable PRIVATE WASM_SIMD_PORTABLE)
target_link_libraries(test_simd_portable PRIVATE warren_base)
add_test(NAME simd_semantics_portable COMMAND test_simd_portable)
