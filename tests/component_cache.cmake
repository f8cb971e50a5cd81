# The compiled-module cache on a real component (after component.cmake, which defines the corpus
# fixture): tests/cache/corpus_cache.sh serves the componentize-js hello from the cache file.
if(TEST component.corpus_build)
  add_test(NAME cache_corpus
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cache/corpus_cache.sh $<TARGET_FILE:warren>
                   ${COMPONENT_CORPUS}/js/hello.wasm ${CMAKE_BINARY_DIR}/tests/cache-corpus)
  set_tests_properties(cache_corpus PROPERTIES FIXTURES_REQUIRED component_corpus TIMEOUT 300)
endif()
