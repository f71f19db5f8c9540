#pragma once
// One function per `mycelium` subcommand. Each returns the process exit code:
// 0 success, 2 user error (bad input, reported on stderr). Internal errors are exceptions.

#include <string>
#include <vector>

namespace mycelium::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternalError = 1;
inline constexpr int kExitUserError = 2;

// Manifests are hand-written; the core refuses larger ones too.
inline constexpr std::size_t kMaxInputBytes = 4U << 20;

struct ValidateOptions {
  std::vector<std::string> files;
  bool quiet = false;  // print nothing on success
};
int run_validate(const ValidateOptions& options);

struct RecommendOptions {
  std::string application_file;
  std::string output_file;  // empty: manifest to stdout after the rationale as YAML comments
};
int run_recommend(const RecommendOptions& options);

int run_version();

struct RunOptions {
  std::string scenario_file;
  std::string output_file;  // empty: results/<scenario name>.h5
  unsigned jobs = 0;        // 0: one per CPU core
  bool quiet = false;       // no progress line
};
int run_scenario(const RunOptions& options);

}  // namespace mycelium::cli
