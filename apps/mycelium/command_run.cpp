// `mycelium run SCENARIO`: runs every point of a scenario's sweep in its own child process (a
// fresh SimGrid engine each, so results are bit-for-bit reproducible and runs parallelise), then
// merges the per-run files into one results file and prints the ranked summary.

#include <filesystem>
#include <iostream>

#include <analysis/results/results.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/print_summary.hpp>
#include <apps/mycelium/run_pool.hpp>
#include <apps/mycelium/scenario_source.hpp>

namespace mycelium::cli {

int run_scenario(const RunOptions& options) {
  namespace fs = std::filesystem;
  std::optional<ScenarioSource> source = load_scenario(options.scenario_file);
  if (!source) return kExitUserError;
  const sim::Scenario& scenario = source->scenario;
  const std::vector<sim::RunSpec> runs = sim::expand_sweep(scenario);
  const fs::path output = options.output_file.empty()
                              ? fs::path("results") / (scenario.name + ".h5")
                              : fs::path(options.output_file);
  std::optional<std::vector<analysis::RunResult>> results =
      run_for_output(scenario, runs, output, options.jobs, options.quiet,
                     "scenario " + scenario.name + ": " + std::to_string(runs.size()) + " runs");
  if (!results) return kExitUserError;

  analysis::ResultsFile merged;
  merged.mycelium_version = MYCELIUM_VERSION;
  merged.scenario_name = scenario.name;
  merged.runs = std::move(*results);
  try {
    analysis::write_results(output, merged);
  } catch (const analysis::ResultsError& failure) {
    throw UserError(failure.what());  // e.g. an output folder that is not writable
  }
  print_summary(merged);
  std::cout << "\nresults: " << output.string() << " (" << merged.runs.size() << " runs)\n";
  return kExitOk;
}

}  // namespace mycelium::cli
