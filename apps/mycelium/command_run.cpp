// `mycelium run SCENARIO`: runs every point of a scenario's sweep in its own child process (a
// fresh SimGrid engine each, so results are bit-for-bit reproducible and runs parallelise), then
// merges the per-run files into one results file and prints its summary: the ranked
// configurations of a replication scenario, or the spread and detection times per members x
// loss of a SporeScenario.

#include <filesystem>
#include <iostream>
#include <utility>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/run_pool.hpp>
#include <apps/mycelium/scenario_source.hpp>

namespace mycelium::cli {

int run_scenario(const RunOptions& options) {
  namespace fs = std::filesystem;
  std::optional<ScenarioSource> source = load_scenario(options.scenario_file);
  if (!source) return kExitUserError;
  const std::vector<PoolRun> runs = sweep_runs(*source);
  const fs::path output = options.output_file.empty()
                              ? fs::path("results") / (source->name() + ".h5")
                              : fs::path(options.output_file);
  std::optional<std::vector<analysis::RunResult>> results = run_for_output(
      source->name(), runs, output, options.jobs, options.quiet,
      source->kind_name() + " " + source->name() + ": " + std::to_string(runs.size()) + " runs");
  if (!results) return kExitUserError;

  write_results_and_summary(output, source->name(), std::move(*results));
  return kExitOk;
}

}  // namespace mycelium::cli
