# Runs handle_request (-DTOOL) on -DCOMPONENT with -DMETHOD -DPATH [-DBODY]; passes when it exits
# 0 (no sanitizer report either) and its output matches -DEXPECT.
execute_process(COMMAND ${TOOL} ${COMPONENT} ${METHOD} ${PATH} ${BODY}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit ${rc}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "output does not match ${EXPECT}:\n${out}\nstderr:\n${err}")
endif()
