#pragma once
// Checks text before it reaches yaml-cpp: YAML is UTF-8 without control characters other than
// tab and line breaks, and yaml-cpp 0.7 can loop forever on some control characters, so every
// YAML reader (manifests, scenarios, agent configs) refuses such text first.

#include <optional>
#include <string>
#include <string_view>

#include <core/manifest/diagnostics.hpp>

namespace mycelium::manifest {

struct InvalidCharacter {
  SourceLocation where;
  std::string what;  // e.g. "control character 0x00"
};

// The first character YAML text may not contain, with its location; nullopt if there is none.
std::optional<InvalidCharacter> find_invalid_character(std::string_view text,
                                                       std::string_view file_name);

}  // namespace mycelium::manifest
