# Warnings are errors on our own code only; third-party headers come in as SYSTEM includes.
add_library(mycelium_warnings INTERFACE)
target_compile_options(mycelium_warnings INTERFACE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                                   -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                                   -Wimplicit-fallthrough)

add_library(mycelium_sanitizers INTERFACE)
if(MYCELIUM_SANITIZERS)
  target_compile_options(mycelium_sanitizers INTERFACE -fsanitize=${MYCELIUM_SANITIZERS}
                                                       -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(mycelium_sanitizers INTERFACE -fsanitize=${MYCELIUM_SANITIZERS})
endif()

# Every target of ours calls this once.
function(mycelium_target_defaults target)
  target_link_libraries(${target} PRIVATE mycelium_warnings mycelium_sanitizers)
endfunction()

# Fuzz builds instrument all our code for coverage, not only the fuzz target's own file, so
# libFuzzer can see its way into the parsers.
if(MYCELIUM_FUZZ)
  target_compile_options(mycelium_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()
