# Decoder tests: hand-written byte arrays, and every module of the spec suite.
add_executable(decode_test tests/decode/decode_test.c)
target_link_libraries(decode_test PRIVATE warren_wasm)
add_test(NAME decode_unit COMMAND decode_test)

add_executable(decode_spec tests/decode/decode_spec.c)
target_link_libraries(decode_spec PRIVATE warren_wasm)

find_program(WAST2JSON wast2json)
if(WAST2JSON AND EXISTS "${WARREN_SHARED_DIR}/spec/wast/core")
  # suite folder, wast2json flags, decoder features
  set(decode_spec_suites
    "core||"
    "simd||simd"
    "tail-call|--enable-tail-call|tail_call"
    "extended-const|--enable-extended-const|extended_const"
    "multi-memory|--enable-multi-memory|multi_memory"
    "memory64|--enable-memory64|memory64"
    "exception-handling|--enable-exceptions|exceptions")
  foreach(entry ${decode_spec_suites})
    string(REPLACE "|" ";" parts "${entry}")
    list(GET parts 0 suite)
    list(GET parts 1 flags)
    list(GET parts 2 features)
    if(EXISTS "${WARREN_SHARED_DIR}/spec/wast/${suite}")
      add_test(NAME decode_spec_${suite}
               COMMAND ${CMAKE_COMMAND} -DWAST2JSON=${WAST2JSON} -DCHECKER=$<TARGET_FILE:decode_spec>
                       -DSUITE_DIR=${WARREN_SHARED_DIR}/spec/wast/${suite}
                       -DOUT_DIR=${CMAKE_BINARY_DIR}/decode-spec/${suite}
                       -DWAST2JSON_FLAGS=${flags} -DENABLE=${features}
                       -P ${CMAKE_SOURCE_DIR}/tests/decode/spec_modules.cmake)
    endif()
  endforeach()
endif()
