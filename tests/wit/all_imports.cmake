# wit.wasi_all: every stable interface of the WASI WIT in WIT_DIR (its deps/*/package.wit),
# imported by one world, made into a component by the corpus' wasm-tools (jco's componentEmbed
# --dummy + componentNew, through NPM/wt.mjs), whose every import must then match Warren's parse
# of the same WIT: every function and type of WASI 0.2, as wit-component encodes it.
# When WARREN_WIT_DIR is given (Warren's own WIT, src/wasi/wit), the same component must match it
# too, but for wasi:cli/run (a command exports it; no host provides it).
#   cmake -DNODE=node -DNPM=... -DWIT_DIR=... -DOUT_DIR=... -DCHECK=wit_wasi_test [-DWARREN_WIT_DIR=...]
#         -P all_imports.cmake
# Prints "skipped: ..." (see SKIP_REGULAR_EXPRESSION) when the tools or the WIT are missing.
if(NOT EXISTS "${NPM}/wt.mjs" OR NOT EXISTS "${WIT_DIR}/deps" OR NOT NODE)
  message("skipped: needs ${NPM}/wt.mjs, ${WIT_DIR}/deps and node (the corpus build makes them)")
  return()
endif()

file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${OUT_DIR}/wit" "${OUT_DIR}/component")
file(COPY "${WIT_DIR}/deps" DESTINATION "${OUT_DIR}/wit")
set(world "package warren:all-imports;\nworld all {\n")
file(GLOB packages "${WIT_DIR}/deps/*/*.wit")
foreach(wit ${packages})
  file(STRINGS "${wit}" lines)
  set(package "")
  set(previous "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^package ([a-z0-9:-]+)@([^;]+);")
      set(package "${CMAKE_MATCH_1}")
      set(version "${CMAKE_MATCH_2}")
    elseif(line MATCHES "^[ \t]*interface[ \t]+([a-z0-9-]+)")
      set(interface "${CMAKE_MATCH_1}")
      # unstable interfaces are left out of a world unless their feature is enabled
      if(NOT previous MATCHES "@unstable")
        string(APPEND world "  import ${package}/${interface}@${version};\n")
      endif()
    endif()
    set(previous "${line}")
  endforeach()
endforeach()
string(APPEND world "}\n")
file(WRITE "${OUT_DIR}/wit/world.wit" "${world}")

execute_process(COMMAND ${NODE} wt.mjs embed --dummy "${OUT_DIR}/wit" all "${OUT_DIR}/core.wasm"
                WORKING_DIRECTORY "${NPM}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT EXISTS "${OUT_DIR}/core.wasm")
  message(FATAL_ERROR "wasm-tools could not embed the all-imports world:\n${world}")
endif()
execute_process(COMMAND ${NODE} wt.mjs new "${OUT_DIR}/core.wasm" "${OUT_DIR}/component/all.wasm" none
                WORKING_DIRECTORY "${NPM}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT EXISTS "${OUT_DIR}/component/all.wasm")
  message(FATAL_ERROR "wasm-tools could not make the all-imports component")
endif()
execute_process(COMMAND ${CHECK} "${WIT_DIR}" "${OUT_DIR}/component" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the all-imports component does not match the parsed WIT")
endif()
if(WARREN_WIT_DIR AND EXISTS "${WARREN_WIT_DIR}")
  execute_process(COMMAND ${CHECK} --skip wasi:cli/run "${WARREN_WIT_DIR}" "${OUT_DIR}/component" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the all-imports component does not match Warren's WIT in ${WARREN_WIT_DIR}")
  endif()
endif()
