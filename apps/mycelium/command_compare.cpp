// `mycelium compare RESULTS.h5...`: pools the runs of one or more results files, groups them
// into configurations by label, aggregates over seeds and prints the ranked comparison
// (analysis/compare). Reads only each file's /summary table.

#include <iostream>

#include <analysis/compare/comparison.hpp>
#include <analysis/compare/comparison_format.hpp>
#include <analysis/results/results.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>

namespace mycelium::cli {

int run_compare(const CompareOptions& options) {
  analysis::CompareRequest request;
  request.by = options.by.empty() ? std::vector<std::string>{"network", "workload", "configuration"}
                                  : options.by;
  request.metrics = options.metrics.empty()
                        ? std::vector<std::string>{"slowdown", "lag_p99", "rpo", "pause"}
                        : options.metrics;
  std::vector<analysis::SummaryTable> tables;
  for (const std::string& file : options.files) {
    try {
      tables.push_back(analysis::read_summary_table(file));
    } catch (const analysis::ResultsError& error) {
      throw UserError(error.what());
    }
  }
  analysis::Comparison comparison;
  try {
    comparison = analysis::compare_runs(tables, request);
  } catch (const analysis::CompareError& error) {
    throw UserError("compare: " + std::string(error.what()));
  }
  if (options.format == "csv") {
    std::cout << analysis::format_csv(comparison);
  } else if (options.format == "json") {
    std::cout << analysis::format_json(comparison);
  } else if (options.format == "markdown") {
    std::cout << analysis::format_markdown(comparison);
  } else {
    std::cout << analysis::format_table(comparison);
  }
  return kExitOk;
}

}  // namespace mycelium::cli
