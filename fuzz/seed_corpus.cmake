# Fills OUT_DIR with the module binaries wast2json makes from the spec suite's core .wast files
# (valid and malformed ones alike): the decoder fuzzer's seeds.
# Run as: cmake -DWAST2JSON=... -DSUITE_DIR=... -DOUT_DIR=... -P seed_corpus.cmake
file(GLOB wast_files "${SUITE_DIR}/*.wast")
file(MAKE_DIRECTORY "${OUT_DIR}")
foreach(wast ${wast_files})
  get_filename_component(stem "${wast}" NAME_WE)
  execute_process(COMMAND "${WAST2JSON}" "${wast}" -o "${OUT_DIR}/${stem}.json" OUTPUT_QUIET ERROR_QUIET)
endforeach()
file(GLOB not_seeds "${OUT_DIR}/*.json" "${OUT_DIR}/*.wat")
if(not_seeds)
  file(REMOVE ${not_seeds})
endif()
