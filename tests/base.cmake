# Unit tests of src/base.
add_executable(test_fiber tests/base/test_fiber.c)
target_link_libraries(test_fiber PRIVATE warren_base)
add_test(NAME base_fiber COMMAND test_fiber)
