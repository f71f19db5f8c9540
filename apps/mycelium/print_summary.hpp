#pragma once
// The ranked summary `mycelium run` and `mycelium merge` print after writing a results file.

#include <cstddef>
#include <vector>

#include <analysis/results/results.hpp>

namespace mycelium::cli {

// The mean of the values that are not NaN (a metric that did not apply to a run), and how many
// there were; mean is NaN when there are none. Both run summaries average seeds with it.
struct MeanOverRuns {
  double mean;
  std::size_t count;
};
MeanOverRuns mean_skipping_nan(const std::vector<double>& values);

// On stdout: per network and workload, one row per configuration (mean over seeds), ranked:
// first the configurations no other beats on both guest slowdown and p99 lag (rank 1), then by
// how many beat them, ties by slowdown. Every run needs the labels network, workload and
// configuration.
void print_summary(const analysis::ResultsFile& results);

}  // namespace mycelium::cli
