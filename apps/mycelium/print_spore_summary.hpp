#pragma once
// The table `mycelium run` prints after a SporeScenario: one row per members x loss, means over
// the seeds.

#include <analysis/results/results.hpp>

namespace mycelium::cli {

// On stdout. Every run needs the labels members and loss (sim/scenario/spore_run.cpp).
void print_spore_summary(const analysis::ResultsFile& results);

// What `mycelium run` and `mycelium merge` print after writing a results file of any kind: the
// spore table when every run carries the labels of a SporeScenario run (members and loss), the
// SSI tables when every run carries `prototype` (print_ssi_summary.hpp), else the ranked
// replication summary (print_summary.hpp).
void print_results_summary(const analysis::ResultsFile& results);

}  // namespace mycelium::cli
