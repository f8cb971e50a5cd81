# Runs `warren inspect` on a component and checks the outcome.
#   -DWARREN=path -DINPUT=file.wasm [-DEXPECT_OUTPUT=regex]        a binary that must load
#   -DWARREN=path -DWAT=file.wat -DJCO=jco.js -DOUT=file.wasm      component text, assembled with
#        `jco parse` first; its first line says what to expect:
#        ";; expect-output: REGEX" (loads, stdout matches) or ";; expect-error: REGEX" (rejected
#        with exit 1 and a message matching REGEX that has a byte offset)
# CMake regexes: "." also matches newlines, so one regex can span lines.
if(DEFINED WAT)
  file(REMOVE "${OUT}")
  execute_process(COMMAND node "${JCO}" parse "${WAT}" -o "${OUT}" RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
  if(NOT EXISTS "${OUT}") # jco parse exits 0 on error
    message(FATAL_ERROR "jco parse failed for ${WAT}:\n${err}")
  endif()
  file(READ "${WAT}" text) # not file(STRINGS): it would split the line at the ';;'
  if(text MATCHES "^;; expect-output: ([^\n]*)")
    # CMake regexes have no escape for a newline: turn the file's \n into real ones
    string(REPLACE "\\n" "\n" EXPECT_OUTPUT "${CMAKE_MATCH_1}")
  elseif(text MATCHES "^;; expect-error: ([^\n]*)")
    set(EXPECT_ERROR "${CMAKE_MATCH_1}")
  else()
    message(FATAL_ERROR "${WAT}: the first line must be ';; expect-output: ...' or ';; expect-error: ...'")
  endif()
  set(INPUT "${OUT}")
endif()

execute_process(COMMAND "${WARREN}" inspect "${INPUT}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(DEFINED EXPECT_ERROR)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "expected exit 1, got ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  if(NOT err MATCHES "${EXPECT_ERROR}")
    message(FATAL_ERROR "stderr does not match '${EXPECT_ERROR}':\n${err}")
  endif()
  if(NOT err MATCHES "\\(at offset [0-9]+\\)")
    message(FATAL_ERROR "the error has no byte offset:\n${err}")
  endif()
else()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "expected exit 0, got ${rc}\nstderr:\n${err}")
  endif()
  if(NOT err STREQUAL "")
    message(FATAL_ERROR "unexpected stderr:\n${err}")
  endif()
  if(DEFINED EXPECT_OUTPUT AND NOT out MATCHES "${EXPECT_OUTPUT}")
    message(FATAL_ERROR "stdout does not match '${EXPECT_OUTPUT}':\n${out}")
  endif()
endif()
