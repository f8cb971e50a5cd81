# Validator tests: hand-written modules (validate_test), and every module of the spec suites
# (validate_spec: valid modules accepted, assert_invalid and binary assert_malformed rejected).
set(validate_test_glue "")
if(NOT EXISTS "${CMAKE_SOURCE_DIR}/src/wasm/compile.c")
  set(validate_test_glue tests/decode/without_engine.c)
endif()
add_executable(validate_test tests/validate/validate_test.c ${validate_test_glue})
target_link_libraries(validate_test PRIVATE warren_wasm)
add_test(NAME validate_unit COMMAND validate_test)

add_executable(validate_spec tests/validate/validate_spec.c ${validate_test_glue})
target_link_libraries(validate_spec PRIVATE warren_wasm)

find_program(WAST2JSON wast2json)
if(WAST2JSON AND EXISTS "${WARREN_SHARED_DIR}/spec/wast/core")
  # suite folder, wast2json flags, features
  set(validate_spec_suites
    "core||"
    "simd||simd"
    "tail-call|--enable-tail-call|tail_call"
    "extended-const|--enable-extended-const|extended_const"
    "multi-memory|--enable-multi-memory|multi_memory"
    "memory64|--enable-memory64|memory64"
    "exception-handling|--enable-exceptions|exceptions")
  foreach(entry ${validate_spec_suites})
    string(REPLACE "|" ";" parts "${entry}")
    list(GET parts 0 suite)
    list(GET parts 1 flags)
    list(GET parts 2 features)
    if(EXISTS "${WARREN_SHARED_DIR}/spec/wast/${suite}")
      add_test(NAME validate_spec_${suite}
               COMMAND ${CMAKE_COMMAND} -DWAST2JSON=${WAST2JSON} -DCHECKER=$<TARGET_FILE:validate_spec>
                       -DSUITE_DIR=${WARREN_SHARED_DIR}/spec/wast/${suite}
                       -DOUT_DIR=${CMAKE_BINARY_DIR}/validate-spec/${suite}
                       -DWAST2JSON_FLAGS=${flags} -DENABLE=${features}
                       -P ${CMAKE_SOURCE_DIR}/tests/validate/spec_validate.cmake)
    endif()
  endforeach()
endif()
