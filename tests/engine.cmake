# Engine unit tests (tests/engine/): .wat modules converted with wabt's wat2wasm at build time.
find_program(WAT2WASM wat2wasm)
if(WAT2WASM)
  set(ENGINE_TEST_OUT ${CMAKE_BINARY_DIR}/tests/engine)
  file(MAKE_DIRECTORY ${ENGINE_TEST_OUT})
  set(engine_test_wasm)
  foreach(name engine_test partial_init image_reset memory_cap multi_memory lazy lazy_table lazy_table_user memory64
               eh_thrower eh_relay eh_catcher)
    add_custom_command(OUTPUT ${ENGINE_TEST_OUT}/${name}.wasm
                       COMMAND ${WAT2WASM} --enable-all ${CMAKE_SOURCE_DIR}/tests/engine/${name}.wat
                               -o ${ENGINE_TEST_OUT}/${name}.wasm
                       DEPENDS ${CMAKE_SOURCE_DIR}/tests/engine/${name}.wat)
    list(APPEND engine_test_wasm ${ENGINE_TEST_OUT}/${name}.wasm)
  endforeach()
  add_custom_target(engine_test_modules ALL DEPENDS ${engine_test_wasm})
  add_executable(engine_test tests/engine/engine_test.c)
  target_link_libraries(engine_test PRIVATE warren_wasm)
  add_dependencies(engine_test engine_test_modules)
  add_test(NAME engine_unit COMMAND engine_test ${ENGINE_TEST_OUT})
  # the same tests on the interpreter, where the native tier would otherwise run them
  add_test(NAME engine_unit_interp COMMAND engine_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_unit_interp PROPERTIES ENVIRONMENT WARREN_ENGINE=interp)

  # lazy translation (the default) on both tiers, and translation at load
  add_executable(lazy_test tests/engine/lazy_test.c)
  target_link_libraries(lazy_test PRIVATE warren_wasm)
  add_dependencies(lazy_test engine_test_modules)
  add_test(NAME engine_lazy COMMAND lazy_test ${ENGINE_TEST_OUT})
  add_test(NAME engine_lazy_interp COMMAND lazy_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_lazy_interp PROPERTIES ENVIRONMENT WARREN_ENGINE=interp)
  add_test(NAME engine_lazy_eager COMMAND lazy_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_lazy_eager PROPERTIES ENVIRONMENT WARREN_COMPILE=eager)
  # lazy table entries (wasm_table.lazy_owner), on both tiers
  add_executable(lazy_table_test tests/engine/lazy_table_test.c)
  target_link_libraries(lazy_table_test PRIVATE warren_wasm)
  add_dependencies(lazy_table_test engine_test_modules)
  add_test(NAME engine_lazy_table COMMAND lazy_table_test ${ENGINE_TEST_OUT})
  add_test(NAME engine_lazy_table_interp COMMAND lazy_table_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_lazy_table_interp PROPERTIES ENVIRONMENT WARREN_ENGINE=interp)
  # memory images reset through /proc/self/pagemap reads, as on kernels without PAGEMAP_SCAN
  add_test(NAME engine_unit_pagemap_read COMMAND engine_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_unit_pagemap_read PROPERTIES ENVIRONMENT WARREN_PAGEMAP_SCAN=off)
  # the engine tests with every function translated at load
  add_test(NAME engine_unit_eager COMMAND engine_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_unit_eager PROPERTIES ENVIRONMENT WARREN_COMPILE=eager)

  # 64-bit memories and exceptions (tests/engine/proposals_test.c), on both tiers
  add_executable(proposals_test tests/engine/proposals_test.c)
  target_link_libraries(proposals_test PRIVATE warren_wasm)
  add_dependencies(proposals_test engine_test_modules)
  add_test(NAME engine_proposals COMMAND proposals_test ${ENGINE_TEST_OUT})
  add_test(NAME engine_proposals_interp COMMAND proposals_test ${ENGINE_TEST_OUT})
  set_tests_properties(engine_proposals_interp PROPERTIES ENVIRONMENT WARREN_ENGINE=interp)
endif()
