#pragma once
// Turns results into a decision: runs grouped into configurations (by label), each metric
// aggregated over the runs of a group (mean and 95 % confidence interval), and the groups
// ranked by Pareto dominance on the trade-off the throttling curves make: guest slowdown against
// replication safety (p99 lag, RPO). Pure computation over summary tables; formatting is in
// comparison_format.hpp, reading files in results.hpp.

#include <cstddef>
#include <string>
#include <vector>

#include <analysis/compare/statistics.hpp>
#include <analysis/results/results.hpp>

namespace mycelium::analysis {

// Short names users type for the usual metrics; any summary metric name works as well.
struct MetricAlias {
  const char* alias;
  const char* metric;
};
inline constexpr MetricAlias kMetricAliases[] = {
    {"slowdown", "slowdown_pct"}, {"lag_p99", "lag_p99_ms"}, {"lag_p50", "lag_p50_ms"},
    {"rpo", "rpo_bytes"},         {"pause", "pause_s"},      {"failover", "failover_s"}};

// All minimised. Objectives absent from every run are left out; NaN values (not applicable,
// e.g. no RPO without a failover) are not compared.
inline constexpr const char* kParetoObjectives[] = {"slowdown_pct", "lag_p99_ms", "rpo_bytes"};

// Label keys that describe where a configuration runs rather than what it is: configurations
// are only ranked against others in the same network and workload.
inline constexpr const char* kContextKeys[] = {"network", "workload"};

struct CompareRequest {
  std::vector<std::string> by;       // label keys forming a group, e.g. network, workload, curve
  std::vector<std::string> metrics;  // metric names or aliases to report
};

struct ComparisonRow {
  std::vector<std::string> key;  // one value per CompareRequest::by key ("" = label absent)
  std::size_t runs = 0;
  std::vector<SampleStats> metrics;  // per Comparison::metrics
  std::size_t dominated_by = 0;      // rows of the same context that are better on every objective
  bool pareto_optimal() const { return dominated_by == 0; }
  std::size_t rank() const { return dominated_by + 1; }
};

struct Comparison {
  std::vector<std::string> by;
  std::vector<std::string> metrics;     // resolved metric names, in the requested order
  std::vector<std::string> objectives;  // the Pareto objectives present in the data
  std::vector<std::size_t> context;     // indices into `by` of the context keys
  // Grouped by context (in order of first appearance), then best rank first, then by slowdown.
  std::vector<ComparisonRow> rows;
};

// Resolves an alias or metric name against the metrics present; throws CompareError naming the
// unknown name and what is available.
std::string resolve_metric(const std::string& name, const std::vector<std::string>& available);

// Groups the runs of every table (pooled) and ranks the groups. Throws CompareError for a
// --by key no run carries, an unknown metric, or no runs at all.
Comparison compare_runs(const std::vector<SummaryTable>& tables, const CompareRequest& request);

class CompareError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mycelium::analysis
