# The embedding example, built against libwarren.so and include/warren.h only.
# Included from tests/embed.cmake (the top-level CMakeLists only globs tests/ and bench/).
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/examples)
add_executable(embed_example ${CMAKE_SOURCE_DIR}/examples/embed/embed_example.c)
target_link_libraries(embed_example PRIVATE warren_shared)
set_target_properties(embed_example PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/examples)
