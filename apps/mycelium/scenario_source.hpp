#pragma once
// A scenario file read and resolved, with the text it was resolved from: `mycelium run` and
// `mycelium sweep` expand its sweep, `sweep` also digests the text and ships it to a cluster.
// Any kind of scenario: a replication Scenario, a SporeScenario, an SsiBaselineScenario or a
// DistributionScenario
// (docs/scenarios.md); the commands see them all through sweep_runs.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <apps/mycelium/run_pool.hpp>
#include <sim/scenario/distribution_scenario.hpp>
#include <sim/scenario/scenario.hpp>
#include <sim/scenario/spore_scenario.hpp>
#include <sim/scenario/ssi_scenario.hpp>

namespace mycelium::cli {

struct ScenarioSource {
  std::string file;                // as given on the command line
  std::string text;                // the file's bytes
  std::filesystem::path base_dir;  // where its references (traces, manifests) are resolved
  sim::Scenario scenario;  // a replication scenario, unless `spore`, `ssi` or `distribution` is set
  std::optional<sim::SporeScenario> spore;
  std::optional<sim::SsiScenario> ssi;
  std::optional<sim::DistributionScenario> distribution;

  const std::string& name() const {
    return spore          ? spore->name
           : ssi          ? ssi->name
           : distribution ? distribution->name
                          : scenario.name;
  }
  // "scenario", "spore scenario", "ssi baseline scenario" or "distribution scenario", for
  // progress lines.
  std::string kind_name() const {
    return spore          ? "spore scenario"
           : ssi          ? "ssi baseline scenario"
           : distribution ? "distribution scenario"
                          : "scenario";
  }
};

// Reads and resolves `file`, of either kind. Throws UserError when it cannot be read; prints
// every error of an invalid scenario on stderr (file:line:col: field: expected ...) and returns
// nullopt.
std::optional<ScenarioSource> load_scenario(const std::string& file);

// Every point of the source's sweep, in sweep order, as runs for the run pool. They refer to
// `source`, which must outlive them and stay where it is.
std::vector<PoolRun> sweep_runs(const ScenarioSource& source);

}  // namespace mycelium::cli
