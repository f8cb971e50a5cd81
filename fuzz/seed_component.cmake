# Copies the corpus' small components (wat/, c/; the 13 MB js/ ones would slow the fuzzer down)
# into OUT_DIR as seeds for fuzz_component.
# Run as: cmake -DCORPUS_DIR=... -DOUT_DIR=... -P seed_component.cmake
file(GLOB seeds "${CORPUS_DIR}/wat/*.wasm" "${CORPUS_DIR}/c/*.wasm")
if(NOT seeds)
  message(WARNING "no components in ${CORPUS_DIR}: build them with shared/corpus/build.sh first")
endif()
file(MAKE_DIRECTORY "${OUT_DIR}")
foreach(seed ${seeds})
  get_filename_component(dir "${seed}" DIRECTORY)
  get_filename_component(group "${dir}" NAME)
  get_filename_component(name "${seed}" NAME)
  configure_file("${seed}" "${OUT_DIR}/${group}-${name}" COPYONLY)
endforeach()
