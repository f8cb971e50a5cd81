# A test's own component assembled from its .wat with the corpus' jco (`jco parse`, which exits 0
# even when it fails, so the output file tells): the test <name>.assemble, which sets up the
# fixture <fixture> for the tests that read <out>.
function(warren_assemble_wat name wat out fixture)
  add_test(NAME ${name}.assemble
           COMMAND bash -c "rm -f \"$3\" && node \"$1\" parse \"$2\" -o \"$3\" && [ -s \"$3\" ]"
                   assemble ${WARREN_CORPUS_WORK}/npm/node_modules/@bytecodealliance/jco/dist/jco.js ${wat} ${out})
  set_tests_properties(${name}.assemble PROPERTIES FIXTURES_SETUP ${fixture} FIXTURES_REQUIRED component_corpus)
endfunction()
