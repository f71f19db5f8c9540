#pragma once
// The table `mycelium run` prints after a SporeScenario: one row per members x loss, means over
// the seeds.

#include <analysis/results/results.hpp>

namespace mycelium::cli {

// On stdout. Every run needs the labels members and loss (sim/scenario/spore_run.cpp).
void print_spore_summary(const analysis::ResultsFile& results);

}  // namespace mycelium::cli
