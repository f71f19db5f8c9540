#pragma once
// File access for the CLI: reading inputs with a size bound, and writing outputs atomically so a
// failed run never leaves a partial file behind.

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mycelium::cli {

// A problem the user can fix (missing file, unwritable directory): exit code 2.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The whole file; throws UserError naming the file and the reason.
std::string read_text_file(const std::string& path, std::size_t max_bytes);

// Creates the folder `output` goes into (with its parents) and returns it ("." for a bare file
// name). Throws UserError naming the folder and the reason.
std::filesystem::path create_output_folder(const std::filesystem::path& output);

// Writes to a temporary file beside `path`, flushes it to disk, then renames it over `path`.
// Throws UserError naming the file and the reason; the temporary is removed on failure.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace mycelium::cli
