# libFuzzer targets; included only when configured with -DWARREN_FUZZ=ON (clang required).
#
#   CC=clang cmake -S . -B build-fuzz -G Ninja -DWARREN_FUZZ=ON
#   cmake --build build-fuzz --target fuzz_decode fuzz_decode_seeds
#   mkdir -p build-fuzz/fuzz-corpus/decode
#   build-fuzz/fuzz_decode -max_total_time=600 build-fuzz/fuzz-corpus/decode build-fuzz/fuzz-seeds/decode
#
# The first corpus folder collects new inputs; the seeds are the spec suite's module binaries.
# Crashes are written to ./crash-<sha1>; replay one with `build-fuzz/fuzz_decode crash-<sha1>`.
# `ctest -R fuzz_decode_smoke` runs the target for WARREN_FUZZ_SMOKE_SECONDS (default 30).
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "WARREN_FUZZ=ON needs clang (configure with CC=clang)")
endif()

# The layers the fuzzers link are sanitized too, or bugs inside them would go unseen.
if(NOT WARREN_SANITIZE)
  foreach(layer warren_base warren_wasm)
    target_compile_options(${layer} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                            -fno-omit-frame-pointer)
    target_link_options(${layer} INTERFACE -fsanitize=address,undefined)
  endforeach()
endif()

add_executable(fuzz_decode fuzz/fuzz_decode.c)
target_compile_options(fuzz_decode PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_decode PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_decode PRIVATE warren_wasm)
file(GLOB validator_sources "${CMAKE_SOURCE_DIR}/src/wasm/validate*.c")
if(validator_sources)
  target_compile_definitions(fuzz_decode PRIVATE WARREN_FUZZ_VALIDATE=1)
endif()

find_program(WAST2JSON wast2json)
set(fuzz_decode_seeds "${CMAKE_BINARY_DIR}/fuzz-seeds/decode")
if(WAST2JSON AND EXISTS "${WARREN_SHARED_DIR}/spec/wast/core")
  add_custom_target(fuzz_decode_seeds
    COMMAND ${CMAKE_COMMAND} -DWAST2JSON=${WAST2JSON} -DSUITE_DIR=${WARREN_SHARED_DIR}/spec/wast/core
            -DOUT_DIR=${fuzz_decode_seeds} -P ${CMAKE_SOURCE_DIR}/fuzz/seed_corpus.cmake
    COMMENT "Seeding the decoder fuzzer from the spec suite")
  add_dependencies(fuzz_decode fuzz_decode_seeds)
endif()
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-corpus/decode" "${fuzz_decode_seeds}")
add_test(NAME fuzz_decode_smoke
         COMMAND fuzz_decode -max_total_time=${WARREN_FUZZ_SMOKE_SECONDS} -rss_limit_mb=2048 -timeout=10
                 ${CMAKE_BINARY_DIR}/fuzz-corpus/decode ${fuzz_decode_seeds})

# fuzz_component: the component decoder + validator, seeded with the corpus' small components
# (build them first: `bash ../shared/corpus/build.sh build-fuzz/corpus`, or run the ctest fixture).
#   build-fuzz/fuzz_component -max_total_time=600 build-fuzz/fuzz-corpus/component build-fuzz/fuzz-seeds/component
if(NOT WARREN_SANITIZE)
  target_compile_options(warren_component PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                                  -fno-omit-frame-pointer)
  target_link_options(warren_component INTERFACE -fsanitize=address,undefined)
endif()
add_executable(fuzz_component fuzz/fuzz_component.c)
target_compile_options(fuzz_component PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_options(fuzz_component PRIVATE -fsanitize=fuzzer,address,undefined)
target_link_libraries(fuzz_component PRIVATE warren_component)
set(fuzz_component_seeds "${CMAKE_BINARY_DIR}/fuzz-seeds/component")
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz-corpus/component" "${fuzz_component_seeds}")
add_custom_target(fuzz_component_seeds
  COMMAND ${CMAKE_COMMAND} -DCORPUS_DIR=${CMAKE_BINARY_DIR}/corpus -DOUT_DIR=${fuzz_component_seeds}
          -P ${CMAKE_SOURCE_DIR}/fuzz/seed_component.cmake
  COMMENT "Seeding the component fuzzer from the corpus' small components")
add_dependencies(fuzz_component fuzz_component_seeds)
add_test(NAME fuzz_component_smoke
         COMMAND fuzz_component -max_total_time=${WARREN_FUZZ_SMOKE_SECONDS} -rss_limit_mb=2048 -timeout=10
                 ${CMAKE_BINARY_DIR}/fuzz-corpus/component ${fuzz_component_seeds})
