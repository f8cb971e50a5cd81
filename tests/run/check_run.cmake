# Runs one command and checks how it ended. Used by tests/run.cmake as
#   cmake -DCOMMAND=a|b|c [-DSTDIN=file] [-DEXPECT_EXIT=n] [-DEXPECT_STDOUT_FILE=file]
#         [-DSTDOUT_REGEX=re] [-DSTDERR_REGEX=re] [-DEXPECT_EMPTY_STDERR=1] -P check_run.cmake
# COMMAND separates arguments with '|' so that it survives as one ctest argument.
string(REPLACE "|" ";" command "${COMMAND}")
set(input_args)
if(DEFINED STDIN)
  set(input_args INPUT_FILE ${STDIN})
endif()
execute_process(COMMAND ${command} ${input_args}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)

set(problems)
if(DEFINED EXPECT_EXIT AND NOT status STREQUAL EXPECT_EXIT)
  list(APPEND problems "exit status ${status}, expected ${EXPECT_EXIT}")
endif()
if(DEFINED EXPECT_STDOUT_FILE)
  file(READ ${EXPECT_STDOUT_FILE} expected)
  if(NOT out STREQUAL expected)
    list(APPEND problems "stdout differs from ${EXPECT_STDOUT_FILE}")
  endif()
endif()
if(DEFINED STDOUT_REGEX AND NOT out MATCHES "${STDOUT_REGEX}")
  list(APPEND problems "stdout does not match: ${STDOUT_REGEX}")
endif()
if(DEFINED STDERR_REGEX AND NOT err MATCHES "${STDERR_REGEX}")
  list(APPEND problems "stderr does not match: ${STDERR_REGEX}")
endif()
if(EXPECT_EMPTY_STDERR AND NOT err STREQUAL "")
  list(APPEND problems "stderr is not empty")
endif()

if(problems)
  string(REPLACE ";" "\n  " problems "${problems}")
  message(FATAL_ERROR "command: ${command}\n  ${problems}\n--- stdout ---\n${out}--- stderr ---\n${err}")
endif()
