#pragma once
// Runs points of a scenario's sweep, each in its own child process, for `mycelium run` and
// `mycelium sweep`: a fresh SimGrid engine per run keeps results bit-for-bit reproducible
// whatever the parallelism, and lets runs use every core.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <analysis/results/results.hpp>
#include <apps/mycelium/scratch_folder.hpp>

namespace mycelium::cli {

// Runs at a time: `requested`, or one per online CPU core when it is 0.
std::size_t parallel_jobs(unsigned requested);

// Prefix of the folder for the per-run files, created in the output's folder (so they go to the
// disk the results go to): `.mycelium-run-XXXXXX`.
inline constexpr const char* kRunScratchPrefix = ".mycelium-run-";

// How far a run got, in [0, 1], told from inside it (the child) to the progress line (the
// parent); a run may never call it.
using RunProgressReport = std::function<void(double fraction_done)>;

// One point of a sweep of any kind: its name (for messages) and how to run it, called in the
// child.
struct PoolRun {
  std::string name;
  std::function<analysis::RunResult(const RunProgressReport&)> run;
};

// Runs every element of `runs`, `jobs` at a time, each in a child that writes its result to a
// file in `scratch` (`scenario_name` goes into each). A progress line goes to stderr unless
// `quiet`: runs done, and how far the running ones got (each child reports through a pipe). Returns
// the results in the order of `runs`, or nullopt when a run failed: its message is already on
// stderr, and no further run was started.
std::optional<std::vector<analysis::RunResult>> run_each_in_child(const std::string& scenario_name,
                                                                  const std::vector<PoolRun>& runs,
                                                                  const ScratchFolder& scratch,
                                                                  std::size_t jobs, bool quiet);

// What `run` and `sweep` share: creates the folder of `output`, announces the runs on stderr
// ("<what>, J in parallel", unless `quiet`) and runs them with run_each_in_child, the scratch
// folder beside `output`. Nullopt when a run failed (after saying so on stderr).
std::optional<std::vector<analysis::RunResult>> run_for_output(const std::string& scenario_name,
                                                               const std::vector<PoolRun>& runs,
                                                               const std::filesystem::path& output,
                                                               unsigned requested_jobs, bool quiet,
                                                               const std::string& what);

// The end of `mycelium run`, whatever the kind of scenario: writes the results file of the whole
// sweep (atomically; a failure to write is a user error), prints its summary
// (print_results_summary), then the file's name and run count.
void write_results_and_summary(const std::filesystem::path& output,
                               const std::string& scenario_name,
                               std::vector<analysis::RunResult> runs);

}  // namespace mycelium::cli
