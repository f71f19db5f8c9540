// `mycelium run SCENARIO`: runs every point of a scenario's sweep in its own child process (a
// fresh SimGrid engine each, so results are bit-for-bit reproducible and runs parallelise), then
// merges the per-run files into one results file and prints the ranked summary. SporeScenario
// files are run by run_spore_scenario.

#include <filesystem>
#include <iostream>
#include <utility>

#include <analysis/results/results.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/print_summary.hpp>
#include <apps/mycelium/run_pool.hpp>
#include <apps/mycelium/scenario_source.hpp>
#include <sim/scenario/loader_support.hpp>
#include <sim/scenario/spore_scenario_loader.hpp>

namespace mycelium::cli {

int run_scenario(const RunOptions& options) {
  namespace fs = std::filesystem;
  // A SporeScenario has a runner of its own (command_run_spore.cpp); every other file goes the
  // replication way, whose errors name the kind it expects.
  std::string text = read_text_file(options.scenario_file, sim::loader::kMaxScenarioBytes);
  if (sim::declares_spore_scenario(text)) return run_spore_scenario(options, text);
  std::optional<ScenarioSource> source = resolve_scenario(options.scenario_file, std::move(text));
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

  write_results_and_summary(output, scenario.name, std::move(*results), print_summary);
  return kExitOk;
}

}  // namespace mycelium::cli
