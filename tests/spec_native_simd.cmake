# The simd spec suite on the native tier's SIMD templates (src/wasm/native_emit_simd.c) in the
# modes spec_simd does not cover: every scalar local in a register (WARREN_REGALLOC=all: lane
# values, shift counts and test results then come from and go to registers), and SSE2 only
# (WARREN_NATIVE_SIMD=sse2: the forms a CPU without SSSE3 / SSE4.1 gets, the rest stepped).
get_filename_component(_spec_dir ${WARREN_SHARED_DIR}/spec REALPATH)
foreach(mode "regalloc_all;WARREN_REGALLOC=all" "native_sse2;WARREN_NATIVE_SIMD=sse2")
  list(GET mode 0 name)
  list(GET mode 1 env)
  add_test(NAME spec_simd_${name}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/spec/run_suite.sh $<TARGET_FILE:warren>
                   ${_spec_dir} ${CMAKE_BINARY_DIR}/spec-simd-${name} simd 1)
  set_tests_properties(spec_simd_${name} PROPERTIES LABELS spec ENVIRONMENT ${env})
endforeach()

# Edge cases the spec suite leaves out (tests/simd/native_edges.wast: static offsets above
# INT32_MAX), on both tiers.
find_program(WARREN_WAST2JSON wast2json)
if(WARREN_WAST2JSON)
  set(_edges_dir ${CMAKE_BINARY_DIR}/tests/simd)
  file(MAKE_DIRECTORY ${_edges_dir})
  foreach(engine native interp)
    add_test(NAME simd_native_edges_${engine}
             COMMAND bash -c "\"$0\" \"$1\" -o \"$2/native_edges_${engine}.json\" && \"$3\" wast \"$2/native_edges_${engine}.json\""
                     ${WARREN_WAST2JSON} ${CMAKE_CURRENT_SOURCE_DIR}/tests/simd/native_edges.wast ${_edges_dir}
                     $<TARGET_FILE:warren>)
  endforeach()
  set_tests_properties(simd_native_edges_interp PROPERTIES ENVIRONMENT WARREN_ENGINE=interp)
endif()
