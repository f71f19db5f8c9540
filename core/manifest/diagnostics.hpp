#pragma once
// Diagnostics: every user error found in one pass, each pinned to file:line:col and a field path,
// so a user fixes a manifest in one round instead of one error per run.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mycelium::manifest {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  bool operator==(const SourceLocation&) const = default;
};

struct Diagnostic {
  SourceLocation where;
  std::string field_path;  // e.g. spec.deployments[1].replicas; empty for file-level errors
  std::string message;     // what was expected (and what was found)
};

// "file:line:col: field.path: message"
std::string format_diagnostic(const Diagnostic& diagnostic);

class Diagnostics {
 public:
  // Bounds memory and output on pathological input; one more note says how many were dropped.
  static constexpr std::size_t kMaxKept = 200;

  void error(SourceLocation where, std::string field_path, std::string message);
  void append(const Diagnostics& other);

  bool empty() const { return total_count_ == 0; }
  std::size_t count() const { return total_count_; }
  const std::vector<Diagnostic>& kept() const { return kept_; }

  // Every kept diagnostic on its own line, plus a "... and N more" line when some were dropped.
  std::string format() const;

 private:
  std::vector<Diagnostic> kept_;
  std::size_t total_count_ = 0;
};

}  // namespace mycelium::manifest
