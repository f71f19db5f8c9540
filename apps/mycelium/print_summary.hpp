#pragma once
// The ranked summary `mycelium run` and `mycelium merge` print after writing a results file.

#include <analysis/results/results.hpp>

namespace mycelium::cli {

// On stdout: per network and workload, one row per configuration (mean over seeds), ranked:
// first the configurations no other beats on both guest slowdown and p99 lag (rank 1), then by
// how many beat them, ties by slowdown. Every run needs the labels network, workload and
// configuration.
void print_summary(const analysis::ResultsFile& results);

}  // namespace mycelium::cli
