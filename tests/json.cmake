# Unit test of the strict JSON reader (src/base/json.c).
add_executable(test_json tests/json/test_json.c)
target_link_libraries(test_json PRIVATE warren_base)
add_test(NAME base_json COMMAND test_json)
