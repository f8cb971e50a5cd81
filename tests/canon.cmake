# Canonical ABI tests (src/component/canon*, value.*): round trips of every value type through
# a guest memory with a host realloc, hand-computed byte layouts, traps and handle tables; with
# wabt's wat2wasm, also through a real core module (tests/canon/guest.wat).
add_executable(canon_test tests/canon/test_canon.c)
target_link_libraries(canon_test PRIVATE warren_component)
find_program(WAT2WASM wat2wasm)
if(WAT2WASM)
  set(CANON_TEST_OUT ${CMAKE_BINARY_DIR}/tests/canon)
  file(MAKE_DIRECTORY ${CANON_TEST_OUT})
  add_custom_command(OUTPUT ${CANON_TEST_OUT}/guest.wasm
                     COMMAND ${WAT2WASM} ${CMAKE_SOURCE_DIR}/tests/canon/guest.wat -o ${CANON_TEST_OUT}/guest.wasm
                     DEPENDS ${CMAKE_SOURCE_DIR}/tests/canon/guest.wat)
  add_custom_target(canon_test_modules ALL DEPENDS ${CANON_TEST_OUT}/guest.wasm)
  add_dependencies(canon_test canon_test_modules)
  add_test(NAME canon_unit COMMAND canon_test ${CANON_TEST_OUT})
else()
  add_test(NAME canon_unit COMMAND canon_test)
endif()
# a guard against an engine regression hanging the guest's loops, not a timing assertion
set_tests_properties(canon_unit PROPERTIES TIMEOUT 120)

# Host bindings (src/component/host_bind.c): WIT-checked rows, arguments lifted from core values
# with list<u8> / string as ranges into guest memory, and the same traps as the plain path.
add_executable(host_bind_test tests/canon/test_host_bind.c)
target_link_libraries(host_bind_test PRIVATE warren_component)
add_test(NAME canon.host_bind COMMAND host_bind_test)
