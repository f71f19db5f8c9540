#pragma once
// The tables `mycelium run` prints after an SsiBaselineScenario (docs/ssi.md): the lock-step step
// latency per RTT x replicas with its ratio to one replica at the same RTT, and the chunked
// makespan over the ideal per RTT x workers x model x fault, with wrong and undecided chunks.
// Means over the seeds.

#include <analysis/results/results.hpp>

namespace mycelium::cli {

// True when every run carries the label `prototype` (sim/scenario/ssi_scenario.cpp).
bool is_ssi_results(const analysis::ResultsFile& results);

// On stdout.
void print_ssi_summary(const analysis::ResultsFile& results);

}  // namespace mycelium::cli
