# wasi:http host (src/wasi/http_*.c):
# - wasi_http.unit: fields rules and immutability, request/response objects, response-outparam
#   and outgoing bodies against a recording embedder, error-code values, and the built-in client
#   against an HTTP server on a thread of the test (127.0.0.1 only);
# - wasi_http.corpus.*: the corpus' wasi:http components (built by the component.corpus_build
#   fixture, see tests/component.cmake) serve one request each through the embedder interface
#   of src/wasi/http.h (tests/wasi_http/handle_request.c), status, headers and body checked.
add_executable(wasi_http_test tests/wasi_http/test_http.c)
target_link_libraries(wasi_http_test PRIVATE warren_wasi)
add_test(NAME wasi_http.unit COMMAND wasi_http_test)
# a guard against a hang, not a timing assertion: every socket wait in the test is bounded
set_tests_properties(wasi_http.unit PROPERTIES TIMEOUT 120)

# wasi_http.grammar: the strict HTTP/1.1 grammar shared by the front end and both clients
# (src/wasi/http1_grammar.c, src/wasi/http1_chunked.c).
add_executable(wasi_http_grammar_test tests/wasi_http/test_http1_grammar.c)
target_link_libraries(wasi_http_grammar_test PRIVATE warren_wasi)
add_test(NAME wasi_http.grammar COMMAND wasi_http_grammar_test)

add_executable(wasi_http_handle_request tests/wasi_http/handle_request.c)
target_link_libraries(wasi_http_handle_request PRIVATE warren_wasi warren_component)

if(NOT TEST component.corpus_build)
  message(STATUS "wasi:http corpus tests disabled (no corpus fixture)")
  return()
endif()
function(http_corpus_test name component method path expect)
  add_test(NAME wasi_http.corpus.${name}
           COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:wasi_http_handle_request>
                   -DCOMPONENT=${CMAKE_BINARY_DIR}/corpus/${component} -DMETHOD=${method} "-DPATH=${path}"
                   "-DBODY=${ARGN}" "-DEXPECT=${expect}" -P ${CMAKE_SOURCE_DIR}/tests/wasi_http/check_response.cmake)
  set_tests_properties(wasi_http.corpus.${name} PROPERTIES FIXTURES_REQUIRED component_corpus TIMEOUT 120)
endfunction()
http_corpus_test(wat.hello wat/http-hello.wasm GET / "^status 200\ncontent-type: text/plain\n\nhello")
http_corpus_test(c.handler c/http-handler.wasm GET /x?y "^status 200\n.*x-counter: 1\n\nhello from C method=GET path=/x\\?y count=1")
http_corpus_test(js.hello js/hello.wasm GET /abc "^status 200\n.*\n\nhello from js /abc")
http_corpus_test(js.echo js/echo.wasm POST /echo "^status 200\n.*x-echo-method: POST\n.*\n\nsome body text$" "some body text")
http_corpus_test(js.counter js/counter.wasm GET / "^status 200\n.*\n\ncount=1 ")
# StarlingMonkey answers an exception with a 500 whose body it never finishes: the sink is
# aborted when the instance is freed (the front end decides what the client then sees)
http_corpus_test(js.throw js/throw.wasm GET / "^status 500\n\n\n\\(body aborted when the instance was freed\\)")
http_corpus_test(js.fetch js/fetch.wasm GET "/?url={upstream}/x" "^status 200\n.*\n\nupstream_status=200\nupstream_body=upstream says hi\n")
