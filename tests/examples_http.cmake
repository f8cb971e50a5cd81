# The bundled wasi:http example (examples/hello-http.wat, committed as examples/hello-http.wasm):
# - examples.hello_http.serve: `warren serve` answers it on loopback and stops cleanly on SIGTERM;
# - examples.hello_http.source: the committed .wasm is what `jco parse` makes of the source
#   (needs the corpus' npm tools: runs after the component_corpus fixture installed them).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_test(NAME examples.hello_http.serve
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/examples/serve_hello.py $<TARGET_FILE:warren>
                   ${CMAKE_SOURCE_DIR}/examples/hello-http.wasm)
  set_tests_properties(examples.hello_http.serve PROPERTIES TIMEOUT 120)
endif()
find_program(WARREN_NODE node)
if(WARREN_NODE AND EXISTS ${WARREN_SHARED_DIR}/corpus/build.sh)
  add_test(NAME examples.hello_http.source
           COMMAND bash -c "bash \"$0/examples/build-hello-http.sh\" \"$1\" \"$2\" && cmp \"$2\" \"$0/examples/hello-http.wasm\""
                   ${CMAKE_SOURCE_DIR} ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js
                   ${CMAKE_BINARY_DIR}/examples/hello-http-rebuilt.wasm)
  set_tests_properties(examples.hello_http.source PROPERTIES FIXTURES_REQUIRED component_corpus)
endif()
