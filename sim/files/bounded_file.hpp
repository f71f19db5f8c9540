#pragma once
// Reading an input file the simulator was pointed at (a workload trace, a referenced manifest):
// a regular file of bounded size only, so a device (/dev/zero) or a huge file cannot make a run
// read forever. Callers word the problem for their own messages.

#include <cstdint>
#include <string>

namespace mycelium::sim {

enum class FileProblem { kNone, kMissing, kDirectory, kNotRegular, kTooLarge, kUnreadable };

struct BoundedFile {
  std::string text;  // the whole file when problem == kNone
  FileProblem problem = FileProblem::kNone;
  std::uintmax_t size_bytes = 0;  // known from kTooLarge on
};

BoundedFile read_bounded_file(const std::string& path, std::uintmax_t max_bytes);

}  // namespace mycelium::sim
