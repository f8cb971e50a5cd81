# Runs a kernel natively and under `warren run` with the same argument and fails unless
# both succeed and print the same output. Used by bench/cpu.cmake.
execute_process(COMMAND ${NATIVE} ${ARG} RESULT_VARIABLE native_status OUTPUT_VARIABLE native_out)
execute_process(COMMAND ${WARREN} run ${WASM} ${ARG} RESULT_VARIABLE warren_status
                OUTPUT_VARIABLE warren_out ERROR_VARIABLE warren_err)
if(NOT native_status EQUAL 0 OR NOT warren_status EQUAL 0 OR NOT native_out STREQUAL warren_out)
  message(FATAL_ERROR "native (status ${native_status}): ${native_out}"
                      "warren (status ${warren_status}): ${warren_out}${warren_err}")
endif()
message(STATUS "same output: ${warren_out}")
