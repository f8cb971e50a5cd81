# HTTP front end (src/serve/http_server.c) end to end: C handlers behind the real server, driven
# over loopback by tests/serve/test_http.py with raw sockets (keep-alive, pipelining, chunked and
# streamed bodies, limits, timeouts, a corpus of malformed requests, graceful stop), including
# C "guests" on tasks (task.c) using the io.h streams of http_streams.c.
add_executable(serve_test_server tests/serve/test_server.c)
target_link_libraries(serve_test_server PRIVATE warren_serve)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_test(NAME serve.http COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/serve/test_http.py
                                   $<TARGET_FILE:serve_test_server>)
  # a guard against a hang, not a timing assertion: every socket in the test has its own timeout
  set_tests_properties(serve.http PROPERTIES TIMEOUT 180)
endif()

# The serve adapter of the scheduler (src/serve/task.c) without a loop (the scheduler itself:
# tests/base/test_sched.c).
add_executable(serve_test_task tests/serve/test_task.c)
target_link_libraries(serve_test_task PRIVATE warren_serve)
add_test(NAME serve.task COMMAND serve_test_task)

# The WASI 0.3 reactor on a worker's h2o loop (src/serve/serve_reactor.c).
add_executable(serve_test_reactor tests/serve/test_reactor.c)
target_link_libraries(serve_test_reactor PRIVATE warren_serve)
add_test(NAME serve.reactor COMMAND serve_test_reactor)
