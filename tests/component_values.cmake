# Component values end to end (`warren run --invoke`, src/component/wave.c, the canonical ABI):
# hand-written components tests/component_values/NAME.wat, assembled at test time with the
# corpus' `jco parse` (component_values.NAME.assemble), each called once per line of
# NAME.cases, whose format tests/component_values/check_invoke.sh describes (corpus-GROUP-NAME.cases
# call the shared corpus' GROUP/NAME.wasm instead). A test is named
# after the case's line and function: component_values.values.12.echo-u8.
# The WAVE parser and printer also have a unit test (component_values.wave).
set(CV_DIR ${CMAKE_SOURCE_DIR}/tests/component_values)
set(CV_OUT ${CMAKE_BINARY_DIR}/tests/component_values)

add_executable(wave_test ${CV_DIR}/wave_test.c)
target_link_libraries(wave_test PRIVATE warren_component)
add_test(NAME component_values.wave COMMAND wave_test)

find_program(WARREN_NODE node)
find_program(WARREN_BASH bash)
find_program(WARREN_AWK awk)
if(NOT WARREN_NODE OR NOT WARREN_BASH OR NOT WARREN_AWK OR NOT EXISTS ${WARREN_SHARED_DIR}/corpus/build.sh)
  message(STATUS "component value tests disabled (need node, bash, awk and ${WARREN_SHARED_DIR}/corpus)")
  return()
endif()
file(MAKE_DIRECTORY ${CV_OUT})

file(GLOB cv_case_files CONFIGURE_DEPENDS ${CV_DIR}/*.cases)
foreach(cases ${cv_case_files})
  get_filename_component(stem ${cases} NAME_WE)
  if(stem MATCHES "^corpus-([a-z]+)-(.+)$")
    # corpus-GROUP-NAME.cases: calls into the shared corpus' GROUP/NAME.wasm
    set(wasm ${CMAKE_BINARY_DIR}/corpus/${CMAKE_MATCH_1}/${CMAKE_MATCH_2}.wasm)
    set(fixture component_corpus)
  else()
    set(wasm ${CV_OUT}/${stem}.wasm)
    set(fixture cv_${stem})
    warren_assemble_wat(component_values.${stem} ${CV_DIR}/${stem}.wat ${wasm} cv_${stem})
  endif()
  # "LINE:NAME" for every case line (names reduced to characters CMake lists keep intact)
  execute_process(COMMAND ${WARREN_AWK} -F "\t" "!/^#/ && NF > 1 { split($1, a, \"(\"); gsub(/[:\\/@#.]/, \"_\", a[1]); gsub(/[^A-Za-z0-9_-]/, \"\", a[1]); print NR \":\" a[1] }" ${cases}
                  OUTPUT_VARIABLE case_list OUTPUT_STRIP_TRAILING_WHITESPACE)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${cases})
  string(REPLACE "\n" ";" case_list "${case_list}")
  foreach(entry ${case_list})
    string(REPLACE ":" ";" parts "${entry}")
    list(GET parts 0 line)
    list(GET parts 1 func)
    add_test(NAME component_values.${stem}.${line}.${func}
             COMMAND ${WARREN_BASH} ${CV_DIR}/check_invoke.sh $<TARGET_FILE:warren> ${wasm} ${cases} ${line})
    set_tests_properties(component_values.${stem}.${line}.${func} PROPERTIES FIXTURES_REQUIRED ${fixture} TIMEOUT 60)
  endforeach()
endforeach()
