#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <apps/mycelium/print_summary.hpp>

namespace mycelium::cli {

MeanOverRuns mean_skipping_nan(const std::vector<double>& values) {
  double sum = 0.0;
  std::size_t count = 0;
  for (double value : values) {
    if (std::isnan(value)) continue;
    sum += value;
    ++count;
  }
  return {count == 0 ? std::nan("") : sum / static_cast<double>(count), count};
}

namespace {

std::string cell(double value, int precision) {
  if (std::isnan(value)) return "-";
  std::ostringstream text;
  text.setf(std::ios::fixed);
  text.precision(precision);
  text << value;
  return text.str();
}

}  // namespace

void print_summary(const analysis::ResultsFile& results) {
  struct Row {
    std::map<std::string, std::vector<double>> metrics;
  };
  std::map<std::pair<std::string, std::string>, std::map<std::string, Row>> groups;
  std::vector<std::string> configuration_order;
  for (const analysis::RunResult& run : results.runs) {
    const auto key = std::pair{run.labels.at("network"), run.labels.at("workload")};
    const std::string& configuration = run.labels.at("configuration");
    if (std::find(configuration_order.begin(), configuration_order.end(), configuration) ==
        configuration_order.end())
      configuration_order.push_back(configuration);
    Row& row = groups[key][configuration];
    for (const auto& [name, value] : run.summary)
      row.metrics[name].push_back(value);
  }
  for (const auto& [key, rows] : groups) {
    std::cout << "\nnetwork " << key.first << ", workload " << key.second << "\n";
    struct Ranked {
      std::string configuration;
      double slowdown, lag_p99, pause, rpo, committed_lost, failover;
      int beaten_by = 0;
    };
    std::vector<Ranked> ranked;
    for (const auto& entry : rows) {
      // Not a structured binding: clang 14 cannot capture one in a lambda.
      const std::string& configuration = entry.first;
      const Row& row = entry.second;
      const auto metric = [&row](const std::string& name) {
        const auto it = row.metrics.find(name);
        return it == row.metrics.end() ? std::nan("") : mean_skipping_nan(it->second).mean;
      };
      ranked.push_back({configuration, metric("slowdown_pct"), metric("lag_p99_ms"),
                        metric("pause_s"), metric("rpo_bytes"), metric("committed_lost_bytes"),
                        metric("failover_s")});
    }
    for (Ranked& a : ranked) {
      for (const Ranked& b : ranked) {
        const bool no_worse = b.slowdown <= a.slowdown && b.lag_p99 <= a.lag_p99;
        const bool better = b.slowdown < a.slowdown || b.lag_p99 < a.lag_p99;
        if (no_worse && better) ++a.beaten_by;
      }
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
      return a.beaten_by != b.beaten_by ? a.beaten_by < b.beaten_by : a.slowdown < b.slowdown;
    });
    std::printf("  %-4s %-22s %12s %12s %9s %12s %16s %11s\n", "rank", "configuration",
                "slowdown %", "lag p99 ms", "pause s", "RPO MiB", "committed lost", "failover s");
    for (const Ranked& row : ranked) {
      std::printf("  %-4d %-22s %12s %12s %9s %12s %16s %11s\n", row.beaten_by + 1,
                  row.configuration.c_str(), cell(row.slowdown, 2).c_str(),
                  cell(row.lag_p99, 1).c_str(), cell(row.pause, 2).c_str(),
                  cell(row.rpo / (1 << 20), 2).c_str(), cell(row.committed_lost, 0).c_str(),
                  cell(row.failover, 3).c_str());
    }
  }
  std::cout << "\nrank 1: no other configuration has both less slowdown and less p99 lag "
               "(Pareto-optimal); means over seeds.\n";
}

}  // namespace mycelium::cli
