#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <apps/mycelium/print_distribution_summary.hpp>
#include <apps/mycelium/print_summary.hpp>

namespace mycelium::cli {

namespace {

struct Column {
  const char* header;
  const char* metric;
  int precision;
};

struct PartTable {
  const char* part;
  const char* title;
  std::vector<const char*> labels;  // the point's coordinates, in the order of the run names
  std::vector<Column> columns;
};

const std::vector<PartTable>& part_tables() {
  static const std::vector<PartTable> tables = {
      {"sharding",
       "sharding: balance and movement against the ideal",
       {"nodes", "method"},
       {{"imbalance", "imbalance", 3},
        {"join x 1/(N+1)", "join_moved_over_ideal", 3},
        {"leave x 1/N", "leave_moved_over_ideal", 3},
        {"gradual s", "gradual_rebalance_s", 1}}},
      {"lease",
       "lease (master-slave): masters through a cut and a crash",
       {"nodes", "loss"},
       {{"max masters", "most_masters_at_once", 0},
        {"shared terms", "terms_with_two_masters", 0},
        {"terms", "terms", 1},
        {"with master", "time_with_master_fraction", 3},
        {"failover s", "failover_s", 2},
        {"cut->large s", "cut_to_large_zone_master_s", 2}}},
      {"dht",
       "dht (peer-to-peer): lookups for the k closest live nodes",
       {"nodes", "crashed"},
       {{"exact", "exact_fraction", 3},
        {"finished", "lookups_finished_fraction", 3},
        {"queries", "queries_mean", 1},
        {"queries p99", "queries_p99", 0},
        {"p50 ms", "lookup_latency_p50_ms", 1},
        {"p99 ms", "lookup_latency_p99_ms", 1}}},
      {"event-log",
       "event log (event sourcing): per-partition order under loss",
       {"loss"},
       {{"delivered", "delivered_fraction", 3},
        {"order viol.", "order_violations", 0},
        {"duplicates", "duplicates", 0},
        {"producer viol.", "producer_order_violations", 0},
        {"p50 ms", "delivery_latency_p50_ms", 1},
        {"p99 ms", "delivery_latency_p99_ms", 1}}},
  };
  return tables;
}

}  // namespace

bool is_distribution_results(const analysis::ResultsFile& results) {
  if (results.runs.empty()) return false;
  for (const analysis::RunResult& run : results.runs)
    if (!run.labels.contains("part")) return false;
  return true;
}

void print_distribution_summary(const analysis::ResultsFile& results) {
  for (const PartTable& table : part_tables()) {
    // Rows in order of first appearance; each cell the mean over the row's seeds.
    std::vector<std::vector<std::string>> order;
    std::map<std::vector<std::string>, std::map<std::string, std::vector<double>>> rows;
    for (const analysis::RunResult& run : results.runs) {
      if (analysis::run_label(run, "part") != table.part) continue;
      std::vector<std::string> key;
      for (const char* label : table.labels)
        key.push_back(analysis::run_label(run, label));
      if (!rows.contains(key)) order.push_back(key);
      for (const auto& [name, value] : run.summary)
        rows[key][name].push_back(value);
    }
    if (order.empty()) continue;
    std::printf("\n%s (means over seeds)\n", table.title);
    for (const char* label : table.labels)
      std::printf("%-10s ", label);
    for (const Column& column : table.columns)
      std::printf("%14s ", column.header);
    std::printf("\n");
    for (const auto& key : order) {
      for (const std::string& value : key)
        std::printf("%-10s ", value.c_str());
      for (const Column& column : table.columns) {
        const auto found = rows[key].find(column.metric);
        const MeanOverRuns cell =
            found == rows[key].end() ? MeanOverRuns{0.0, 0} : mean_skipping_nan(found->second);
        if (cell.count == 0) {
          std::printf("%14s ", "-");
        } else {
          std::printf("%14.*f ", column.precision, cell.mean);
        }
      }
      std::printf("\n");
    }
  }
}

}  // namespace mycelium::cli
