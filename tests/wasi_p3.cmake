# WASI 0.3 hosts (src/wasi): the event loop they wait on, then each 0.3 interface.
add_executable(wasi_p3_reactor_test tests/wasi_p3/reactor_test.c)
target_link_libraries(wasi_p3_reactor_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.reactor COMMAND wasi_p3_reactor_test)

add_executable(wasi_p3_wit_test tests/wasi_p3/wit_test.c)
target_link_libraries(wasi_p3_wit_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.wit COMMAND wasi_p3_wit_test)

# wasi:sockets@0.3.0 over loopback: implementations called directly, async ones with a stand-in
# for the runtime's call, streams and futures through the test's own host ends.
add_executable(wasi_p3_sockets_test tests/wasi_p3/sockets_test.c)
target_link_libraries(wasi_p3_sockets_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.sockets COMMAND wasi_p3_sockets_test)
set_tests_properties(wasi_p3.sockets PROPERTIES TIMEOUT 120)

# wasi:filesystem@0.3.0: confinement shared with 0.2, streams over files and directories.
add_executable(wasi_p3_filesystem_test tests/wasi_p3/filesystem_test.c)
target_link_libraries(wasi_p3_filesystem_test PRIVATE warren_wasi)
add_test(NAME wasi_p3.filesystem COMMAND wasi_p3_filesystem_test)
set_tests_properties(wasi_p3.filesystem PROPERTIES TIMEOUT 120)
