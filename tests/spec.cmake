# The WebAssembly spec suite through `warren wast`: one ctest per suite folder so they run
# in parallel. Each converts its .wast files with Debian's wast2json into the build folder
# (cached) and compares pass counts with expected.tsv. Suites listed in
# WARREN_SPEC_AT_BAR fail when below the bar; the others only report.
set(WARREN_SPEC_SUITES core simd tail-call exception-handling extended-const multi-memory memory64)
set(WARREN_SPEC_AT_BAR core simd exception-handling extended-const multi-memory memory64)
# Resolved so that failure messages name the .wast files by a plain path.
get_filename_component(WARREN_SPEC_DIR ${WARREN_SHARED_DIR}/spec REALPATH)
foreach(suite ${WARREN_SPEC_SUITES})
  string(REPLACE "-" "_" test_suffix ${suite})
  if(suite IN_LIST WARREN_SPEC_AT_BAR)
    set(at_bar 1)
  else()
    set(at_bar 0)
  endif()
  add_test(NAME spec_${test_suffix}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/spec/run_suite.sh $<TARGET_FILE:warren>
                   ${WARREN_SPEC_DIR} ${CMAKE_BINARY_DIR}/spec ${suite} ${at_bar})
  set_tests_properties(spec_${test_suffix} PROPERTIES LABELS spec)
endforeach()

# One ctest per suite for a variant of the engine, against the bar: spec_<suite>_<variant>, run
# with the environment `env` (a list), its conversions in the build folder `dir`.
function(warren_spec_variant variant dir env)
  foreach(suite ${ARGN})
    string(REPLACE "-" "_" test_suffix ${suite})
    add_test(NAME spec_${test_suffix}_${variant}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/spec/run_suite.sh $<TARGET_FILE:warren>
                     ${WARREN_SPEC_DIR} ${CMAKE_BINARY_DIR}/${dir} ${suite} 1)
    set_tests_properties(spec_${test_suffix}_${variant} PROPERTIES LABELS spec ENVIRONMENT "${env}")
  endforeach()
endfunction()

# The interpreter, which the native tier replaces on x86-64, against the same bar.
warren_spec_variant(interp spec-interp WARREN_ENGINE=interp ${WARREN_SPEC_SUITES})

# Every function translated at load (WARREN_COMPILE=eager) instead of on its first call.
warren_spec_variant(eager spec-eager WARREN_COMPILE=eager core simd tail-call)

# Every scalar local the native tier can keep in a register kept there (WARREN_REGALLOC=all, not
# only the most used), so that the saves and reloads around steps, calls and returns all run.
warren_spec_variant(regalloc_all spec-regalloc WARREN_REGALLOC=all core tail-call)

# Every outermost loop with registers of its own and every slot used in one (WARREN_REGALLOC=
# regions), so that the moves into and out of loops run on every loop of the suites.
warren_spec_variant(regalloc_regions spec-regalloc-regions WARREN_REGALLOC=regions core simd tail-call)

# Every function initialises only the frame slots its code reaches and fills the others with a
# poison value (WARREN_NATIVE_POISON_INIT), translated at load: a template that reads a constant
# or a local in the frame without saying so (native_init_read) then gives a wrong result. The
# core suite again with loop regions, whose moves in read locals from the frame.
warren_spec_variant(poison_init spec-poison-init "WARREN_COMPILE=eager;WARREN_NATIVE_POISON_INIT=1"
                    core simd tail-call)
warren_spec_variant(poison_init_regions spec-poison-init-regions
                    "WARREN_COMPILE=eager;WARREN_NATIVE_POISON_INIT=1;WARREN_REGALLOC=regions" core)

# The core suite on the template translator alone (WARREN_REGALLOC=off: no slot in a register).
warren_spec_variant(regalloc_off spec-regalloc-off WARREN_REGALLOC=off core)

# The same suites with --strict: every rejection must also have the spec's phase (malformed,
# invalid, link error, trap) and message category; only the allow-listed assertions may fail.
set(WARREN_SPEC_STRICT_SUITES core simd)
foreach(suite ${WARREN_SPEC_STRICT_SUITES})
  string(REPLACE "-" "_" test_suffix ${suite})
  add_test(NAME spec_${test_suffix}_strict
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/spec/run_suite.sh $<TARGET_FILE:warren>
                   ${WARREN_SPEC_DIR} ${CMAKE_BINARY_DIR}/spec-strict ${suite} 0
                   ${CMAKE_CURRENT_SOURCE_DIR}/tests/spec/strict_allow.txt)
  set_tests_properties(spec_${test_suffix}_strict PROPERTIES LABELS spec)
endforeach()

add_test(NAME spec_runner_reports_failures
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/spec/check_failure_report.sh $<TARGET_FILE:warren>
                 ${CMAKE_CURRENT_SOURCE_DIR}/tests/spec ${CMAKE_BINARY_DIR}/spec/runner-check)

# The runner's value parsing and comparison (NaN patterns, v128 lanes, references).
add_executable(test_wast_values tests/spec/test_wast_values.c src/cli/wast_values.c)
target_link_libraries(test_wast_values PRIVATE warren_base)
add_test(NAME spec_wast_values COMMAND test_wast_values)
