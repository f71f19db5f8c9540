#pragma once
// Reading the repository's own files from tests (examples, scenarios, fixtures).

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mycelium::testing {

inline std::string source_path(const std::string& relative) {
  return std::string(MYCELIUM_SOURCE_DIR) + "/" + relative;
}

inline std::string read_source_file(const std::string& relative) {
  std::ifstream stream(source_path(relative));
  if (!stream) throw std::runtime_error("test fixture missing: " + relative);
  std::ostringstream contents;
  contents << stream.rdbuf();
  return contents.str();
}

}  // namespace mycelium::testing
