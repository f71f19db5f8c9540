#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <apps/mycelium/print_ssi_summary.hpp>
#include <apps/mycelium/print_summary.hpp>

namespace mycelium::cli {

namespace {

// The mean over seeds of each metric, per group of runs, in order of first appearance.
struct Groups {
  std::vector<std::string> order;
  std::map<std::string, std::map<std::string, std::vector<double>>> values;

  void add(const std::string& group, const analysis::RunResult& run) {
    if (!values.contains(group)) order.push_back(group);
    for (const auto& [name, value] : run.summary)
      values[group][name].push_back(value);
  }
  double mean(const std::string& group, const std::string& name) const {
    const auto found = values.at(group).find(name);
    if (found == values.at(group).end()) return std::nan("");
    const auto [mean, count] = mean_skipping_nan(found->second);
    return count == 0 ? std::nan("") : mean;
  }
};

}  // namespace

bool is_ssi_results(const analysis::ResultsFile& results) {
  if (results.runs.empty()) return false;
  for (const analysis::RunResult& run : results.runs)
    if (!run.labels.contains("prototype")) return false;
  return true;
}

void print_ssi_summary(const analysis::ResultsFile& results) {
  Groups lockstep;
  Groups chunked;
  std::map<std::string, std::string> one_replica_group;  // rtt -> the group of replicas 1
  for (const analysis::RunResult& run : results.runs) {
    const std::string rtt = analysis::run_label(run, "rtt");
    if (analysis::run_label(run, "prototype") == "lockstep") {
      const std::string group = rtt + "|" + analysis::run_label(run, "replicas");
      lockstep.add(group, run);
      if (analysis::run_label(run, "replicas") == "1") one_replica_group[rtt] = group;
    } else {
      chunked.add(rtt + "|" + analysis::run_label(run, "workers") + "|" +
                      analysis::run_label(run, "state") + "|" + analysis::run_label(run, "model") +
                      "|" + analysis::run_label(run, "fault"),
                  run);
    }
  }
  const auto split = [](const std::string& group) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t bar = group.find('|'); bar != std::string::npos;
         bar = group.find('|', start)) {
      parts.push_back(group.substr(start, bar - start));
      start = bar + 1;
    }
    parts.push_back(group.substr(start));
    return parts;
  };
  if (!lockstep.order.empty()) {
    std::printf("\nlock-step: step latency a client sees (means over seeds)\n");
    std::printf("%-10s %8s %10s %10s %12s %6s %9s %5s\n", "rtt", "replicas", "p50 ms", "p99 ms",
                "x 1 replica", "views", "diverged", "lost");
    for (const std::string& group : lockstep.order) {
      const auto parts = split(group);
      const double p50 = lockstep.mean(group, "step_latency_p50_ms");
      const auto base = one_replica_group.find(parts[0]);
      char ratio[16] = "-";
      if (base != one_replica_group.end())
        std::snprintf(ratio, sizeof ratio, "%.2f",
                      p50 / lockstep.mean(base->second, "step_latency_p50_ms"));
      std::printf("%-10s %8s %10.3f %10.3f %12s %6.0f %9.0f %5.0f\n", parts[0].c_str(),
                  parts[1].c_str(), p50, lockstep.mean(group, "step_latency_p99_ms"), ratio,
                  lockstep.mean(group, "view_changes"), lockstep.mean(group, "divergences"),
                  lockstep.mean(group, "lost_inputs"));
    }
  }
  if (!chunked.order.empty()) {
    std::printf("\nchunked: makespan over the ideal, wasted compute, wrong and undecided chunks\n");
    std::printf("%-10s %7s %6s %-18s %-14s %10s %8s %7s %9s\n", "rtt", "workers", "state", "model",
                "fault", "x ideal", "wasted", "wrong", "undecided");
    for (const std::string& group : chunked.order) {
      const auto parts = split(group);
      std::printf("%-10s %7s %6s %-18s %-14s %10.3f %7.1f%% %7.1f %9.1f\n", parts[0].c_str(),
                  parts[1].c_str(), parts[2].c_str(), parts[3].c_str(), parts[4].c_str(),
                  chunked.mean(group, "makespan_over_ideal"),
                  100.0 * chunked.mean(group, "wasted_share"), chunked.mean(group, "chunks_wrong"),
                  chunked.mean(group, "chunks_undecided"));
    }
  }
}

}  // namespace mycelium::cli
