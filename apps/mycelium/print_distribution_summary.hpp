#pragma once
// The tables `mycelium run` prints after a DistributionScenario (docs/scenarios.md): one per
// strategy that ran (sharding, lease, dht, event log), a row per point, means over the seeds.

#include <analysis/results/results.hpp>

namespace mycelium::cli {

// True when every run carries the label `part` (sim/scenario/distribution_scenario.cpp).
bool is_distribution_results(const analysis::ResultsFile& results);

// On stdout.
void print_distribution_summary(const analysis::ResultsFile& results);

}  // namespace mycelium::cli
