#include <iostream>
#include <memory>
#include <utility>

#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/scenario_source.hpp>
#include <sim/scenario/distribution_scenario_loader.hpp>
#include <sim/scenario/loader_support.hpp>
#include <sim/scenario/replication_run.hpp>
#include <sim/scenario/scenario_loader.hpp>
#include <sim/scenario/spore_run.hpp>
#include <sim/scenario/spore_scenario_loader.hpp>
#include <sim/scenario/ssi_scenario_loader.hpp>

namespace mycelium::cli {

std::optional<ScenarioSource> load_scenario(const std::string& file) {
  ScenarioSource source;
  source.file = file;
  source.text = read_text_file(file, sim::loader::kMaxScenarioBytes);
  source.base_dir = std::filesystem::path(file).parent_path();
  // SporeScenario, SsiBaselineScenario and DistributionScenario have loaders of their own; every
  // other file goes the replication way, whose errors name the kind it expects.
  if (sim::declares_distribution_scenario(source.text)) {
    sim::DistributionScenarioLoad load = sim::parse_distribution_scenario(source.text, file);
    if (!load.scenario) {
      std::cerr << load.diagnostics.format();
      return std::nullopt;
    }
    source.distribution = std::move(*load.scenario);
    return source;
  }
  if (sim::declares_ssi_scenario(source.text)) {
    sim::SsiScenarioLoad load = sim::parse_ssi_scenario(source.text, file);
    if (!load.scenario) {
      std::cerr << load.diagnostics.format();
      return std::nullopt;
    }
    source.ssi = std::move(*load.scenario);
    return source;
  }
  if (sim::declares_spore_scenario(source.text)) {
    sim::SporeScenarioLoad load = sim::parse_spore_scenario(source.text, file);
    if (!load.scenario) {
      std::cerr << load.diagnostics.format();
      return std::nullopt;
    }
    source.spore = std::move(*load.scenario);
    return source;
  }
  sim::ScenarioLoad load = sim::parse_scenario(source.text, file, source.base_dir);
  if (!load.scenario) {
    std::cerr << load.diagnostics.format();
    return std::nullopt;
  }
  source.scenario = std::move(*load.scenario);
  return source;
}

namespace {

// The runs of a sweep whose specs the runs share (a RunSpec points into its scenario, so the
// specs are expanded here once, and kept alive by every run that needs them).
template <typename ScenarioT, typename RunFunction>
std::vector<PoolRun> pool_of(const ScenarioT& scenario, RunFunction run) {
  using Spec = typename decltype(sim::expand_sweep(scenario))::value_type;
  const auto specs = std::make_shared<const std::vector<Spec>>(sim::expand_sweep(scenario));
  std::vector<PoolRun> pool;
  pool.reserve(specs->size());
  for (std::size_t i = 0; i < specs->size(); ++i) {
    pool.push_back(
        PoolRun{(*specs)[i].name, [&scenario, specs, i, run](const RunProgressReport& progress) {
                  return run(scenario, (*specs)[i], progress);
                }});
  }
  return pool;
}

}  // namespace

std::vector<PoolRun> sweep_runs(const ScenarioSource& source) {
  if (source.spore) {
    return pool_of(
        *source.spore,
        [](const sim::SporeScenario& scenario, const sim::SporeRunSpec& run,
           const RunProgressReport& progress) { return sim::run_spore(scenario, run, progress); });
  }
  if (source.ssi) {
    return pool_of(*source.ssi,
                   [](const sim::SsiScenario& scenario, const sim::SsiRunSpec& run,
                      const RunProgressReport&) { return sim::run_ssi(scenario, run); });
  }
  if (source.distribution) {
    return pool_of(
        *source.distribution,
        [](const sim::DistributionScenario& scenario, const sim::DistributionRunSpec& run,
           const RunProgressReport&) { return sim::run_distribution(scenario, run); });
  }
  // A replication run takes a fraction of a second: no progress within it.
  return pool_of(source.scenario,
                 [](const sim::Scenario& scenario, const sim::RunSpec& run,
                    const RunProgressReport&) { return sim::run_replication(scenario, run); });
}

}  // namespace mycelium::cli
