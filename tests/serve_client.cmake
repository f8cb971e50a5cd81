# The serve-side wasi:http client (src/serve/http_client.c, src/serve/resolver.c):
# - serve_client.unit: the client driven from tasks on a real worker loop against an upstream on
#   threads of the test (bodies of every framing, request bodies, timeouts, error codes, and a slow
#   upstream not holding up another task on the same loop);
# - serve_client.fetch_*: `warren serve --workers 1` with the corpus' js/fetch.wasm against a
#   python upstream (tests/serve_client/test_fetch.py).
add_executable(serve_client_test tests/serve_client/test_client.c)
target_link_libraries(serve_client_test PRIVATE warren_serve)
add_test(NAME serve_client.unit COMMAND serve_client_test)
# a guard against a hang, not a timing assertion: every wait in the test is bounded
set_tests_properties(serve_client.unit PROPERTIES TIMEOUT 240)

find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_FOUND OR NOT TEST component.corpus_build)
  message(STATUS "serve_client fetch tests disabled (need python3 and the component corpus fixture)")
  return()
endif()
set(SERVE_CLIENT_FETCH ${CMAKE_SOURCE_DIR}/tests/serve_client/test_fetch.py)
execute_process(COMMAND ${Python3_EXECUTABLE} ${SERVE_CLIENT_FETCH} --list
                OUTPUT_VARIABLE serve_client_tests OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE listed)
if(NOT listed EQUAL 0)
  message(FATAL_ERROR "tests/serve_client/test_fetch.py --list failed")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SERVE_CLIENT_FETCH})
string(REPLACE "\n" ";" serve_client_tests "${serve_client_tests}")
foreach(name ${serve_client_tests})
  add_test(NAME serve_client.${name}
           COMMAND ${Python3_EXECUTABLE} ${SERVE_CLIENT_FETCH} --warren $<TARGET_FILE:warren>
                   --corpus ${CMAKE_BINARY_DIR}/corpus ${name})
  # a guard against a hang, not a timing assertion: every wait inside the test is bounded
  set_tests_properties(serve_client.${name} PROPERTIES TIMEOUT 400 FIXTURES_REQUIRED component_corpus)
endforeach()
