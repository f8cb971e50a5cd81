# Engine unit tests (tests/engine/): .wat modules converted with wabt's wat2wasm at build time.
find_program(WAT2WASM wat2wasm)
if(WAT2WASM)
  set(ENGINE_TEST_OUT ${CMAKE_BINARY_DIR}/tests/engine)
  file(MAKE_DIRECTORY ${ENGINE_TEST_OUT})
  set(engine_test_wasm)
  foreach(name engine_test partial_init image_reset memory_cap multi_memory lazy lazy_table lazy_table_user memory64
               eh_thrower eh_relay eh_catcher cross_lib cross_user f64_chain loop_regions)
    add_custom_command(OUTPUT ${ENGINE_TEST_OUT}/${name}.wasm
                       COMMAND ${WAT2WASM} --enable-all ${CMAKE_SOURCE_DIR}/tests/engine/${name}.wat
                               -o ${ENGINE_TEST_OUT}/${name}.wasm
                       DEPENDS ${CMAKE_SOURCE_DIR}/tests/engine/${name}.wat)
    list(APPEND engine_test_wasm ${ENGINE_TEST_OUT}/${name}.wasm)
  endforeach()
  add_custom_target(engine_test_modules ALL DEPENDS ${engine_test_wasm})
  # A program tests/engine/TARGET.c, run as test NAME on the default tier and as NAME_interp on
  # the interpreter, where the native tier would otherwise run it.
  function(engine_test_program target name)
    add_executable(${target} tests/engine/${target}.c)
    target_link_libraries(${target} PRIVATE warren_wasm)
    add_dependencies(${target} engine_test_modules)
    add_test(NAME ${name} COMMAND ${target} ${ENGINE_TEST_OUT})
    add_test(NAME ${name}_interp COMMAND ${target} ${ENGINE_TEST_OUT})
    set_tests_properties(${name}_interp PROPERTIES ENVIRONMENT WARREN_ENGINE=interp)
  endfunction()

  engine_test_program(engine_test engine_unit)
  # memory images reset through /proc/self/pagemap reads, as on kernels without PAGEMAP_SCAN
  add_test(NAME engine_unit_pagemap_read COMMAND engine_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_unit_pagemap_read PROPERTIES ENVIRONMENT WARREN_PAGEMAP_SCAN=off)
  # ...with every outermost loop in registers of its own (the moves in and out of loops)
  add_test(NAME engine_unit_regions COMMAND engine_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_unit_regions PROPERTIES ENVIRONMENT WARREN_REGALLOC=regions)
  # the prologue's initialisation cut to what the code reads, the rest poisoned (spec.cmake)
  add_test(NAME engine_unit_poison_init COMMAND engine_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_unit_poison_init PROPERTIES ENVIRONMENT
                       "WARREN_COMPILE=eager;WARREN_NATIVE_POISON_INIT=1")
  # the engine tests with every function translated at load
  add_test(NAME engine_unit_eager COMMAND engine_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_unit_eager PROPERTIES ENVIRONMENT WARREN_COMPILE=eager)

  # lazy translation (the default) on both tiers, and translation at load
  engine_test_program(lazy_test engine_lazy)
  add_test(NAME engine_lazy_eager COMMAND lazy_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_lazy_eager PROPERTIES ENVIRONMENT WARREN_COMPILE=eager)
  # lazy table entries (wasm_table.lazy_owner)
  engine_test_program(lazy_table_test engine_lazy_table)
  # 64-bit memories and exceptions
  engine_test_program(proposals_test engine_proposals)
endif()
