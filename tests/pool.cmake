# Unit tests of the instance pool (src/serve/pool*.c) with a fake factory and a fake clock.
# The sources are listed directly so this builds before and after the warren_serve library exists.
add_executable(pool_test tests/pool/pool_test.c src/serve/pool.c src/serve/pool_limits.c
                         src/serve/pool_metrics.c)
target_link_libraries(pool_test PRIVATE warren_base)
add_test(NAME serve.pool COMMAND pool_test)
# The pool logs every failure it is shown on purpose; keep the test output to real failures.
set_tests_properties(serve.pool PROPERTIES ENVIRONMENT "WARREN_LOG=error")
