# fuzz_wave: WAVE parsing and printing (src/component/wave.c), seeded with the argument text of
# tests/component_values/*.cases (one seed file per case line).
#   cmake --build build-fuzz --target fuzz_wave
#   build-fuzz/fuzz_wave -max_total_time=600 build-fuzz/fuzz-corpus/wave build-fuzz/fuzz-seeds/wave
# `ctest -R fuzz_wave_smoke` runs it for WARREN_FUZZ_SMOKE_SECONDS (default 30).
add_executable(fuzz_wave fuzz/fuzz_wave.c)
target_compile_options(fuzz_wave PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_wave PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_wave PRIVATE warren_component)
set(fuzz_wave_seeds "${CMAKE_BINARY_DIR}/fuzz-seeds/wave")
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-corpus/wave" "${fuzz_wave_seeds}")
find_program(WARREN_AWK awk)
if(WARREN_AWK)
  file(GLOB wave_case_files ${CMAKE_SOURCE_DIR}/tests/component_values/*.cases)
  add_custom_target(fuzz_wave_seeds
    COMMAND ${WARREN_AWK} -F "\t" "!/^#/ && NF > 1 { n = FILENAME; sub(/.*\\//, \"\", n); f = out \"/\" n \"-\" FNR; printf \"%s\", $1 > f; close(f) }"
            out=${fuzz_wave_seeds} ${wave_case_files}
    COMMENT "Seeding the WAVE fuzzer from tests/component_values/*.cases" VERBATIM)
  add_dependencies(fuzz_wave fuzz_wave_seeds)
endif()
add_test(NAME fuzz_wave_smoke
         COMMAND fuzz_wave -max_total_time=${WARREN_FUZZ_SMOKE_SECONDS} -rss_limit_mb=2048 -timeout=10
                 ${CMAKE_BINARY_DIR}/fuzz-corpus/wave ${fuzz_wave_seeds})
