// `mycelium run` on a SporeScenario: every members x packetLoss x seed point in its own child
// (the run pool of `mycelium run`), one results file, and a table of the spread and detection
// times per members x loss instead of the replication ranking.

#include <filesystem>
#include <iostream>

#include <analysis/results/results.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/print_spore_summary.hpp>
#include <apps/mycelium/run_pool.hpp>
#include <sim/scenario/spore_run.hpp>
#include <sim/scenario/spore_scenario_loader.hpp>

namespace mycelium::cli {

int run_spore_scenario(const RunOptions& options, const std::string& text) {
  namespace fs = std::filesystem;
  const sim::SporeScenarioLoad load = sim::parse_spore_scenario(text, options.scenario_file);
  if (!load.scenario) {
    std::cerr << load.diagnostics.format();
    return kExitUserError;
  }
  const sim::SporeScenario& scenario = *load.scenario;
  const std::vector<sim::SporeRunSpec> runs = sim::expand_sweep(scenario);
  std::vector<PoolRun> pool;
  for (const sim::SporeRunSpec& run : runs) {
    pool.push_back(PoolRun{run.name, [&scenario, &run] { return sim::run_spore(scenario, run); }});
  }
  const fs::path output = options.output_file.empty()
                              ? fs::path("results") / (scenario.name + ".h5")
                              : fs::path(options.output_file);
  std::optional<std::vector<analysis::RunResult>> results = run_for_output(
      scenario.name, pool, output, options.jobs, options.quiet,
      "spore scenario " + scenario.name + ": " + std::to_string(runs.size()) + " runs");
  if (!results) return kExitUserError;

  write_results_and_summary(output, scenario.name, std::move(*results), print_spore_summary);
  return kExitOk;
}

}  // namespace mycelium::cli
