#include <filesystem>
#include <fstream>
#include <sstream>

#include <sim/files/bounded_file.hpp>

namespace mycelium::sim {

BoundedFile read_bounded_file(const std::string& path, std::uintmax_t max_bytes) {
  namespace fs = std::filesystem;
  BoundedFile result;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) {
    result.problem = FileProblem::kMissing;
    return result;
  }
  if (fs::is_directory(status)) {
    result.problem = FileProblem::kDirectory;
    return result;
  }
  if (!fs::is_regular_file(status)) {
    result.problem = FileProblem::kNotRegular;
    return result;
  }
  result.size_bytes = fs::file_size(path, error);
  if (error) {
    result.problem = FileProblem::kUnreadable;
    return result;
  }
  if (result.size_bytes > max_bytes) {
    result.problem = FileProblem::kTooLarge;
    return result;
  }
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  if (file) contents << file.rdbuf();
  if (!file || file.bad()) {
    result.problem = FileProblem::kUnreadable;
    return result;
  }
  result.text = contents.str();
  if (result.text.size() > max_bytes) {  // it grew between the size check and the read
    result.size_bytes = result.text.size();
    result.text.clear();
    result.problem = FileProblem::kTooLarge;
  }
  return result;
}

}  // namespace mycelium::sim
