# Unit tests of src/base.
add_executable(test_fiber tests/base/test_fiber.c)
target_link_libraries(test_fiber PRIVATE warren_base)
add_test(NAME base_fiber COMMAND test_fiber)

add_executable(test_rate_limit tests/base/test_rate_limit.c)
target_link_libraries(test_rate_limit PRIVATE warren_base)
add_test(NAME base_rate_limit COMMAND test_rate_limit)
add_executable(test_sched tests/base/test_sched.c)
target_link_libraries(test_sched PRIVATE warren_base)
add_test(NAME base_sched COMMAND test_sched)
