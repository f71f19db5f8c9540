# The version string reported by `mycelium version`: project version plus the git commit when known.
find_package(Git QUIET)
set(MYCELIUM_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --abbrev=12
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE MYCELIUM_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(NOT MYCELIUM_GIT_COMMIT)
    set(MYCELIUM_GIT_COMMIT "unknown")
  endif()
endif()
