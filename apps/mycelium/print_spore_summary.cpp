#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <apps/mycelium/print_distribution_summary.hpp>
#include <apps/mycelium/print_spore_summary.hpp>
#include <apps/mycelium/print_ssi_summary.hpp>
#include <apps/mycelium/print_summary.hpp>

namespace mycelium::cli {

namespace {

// Mean of the values that are not NaN; "-" when there are none, "NaN/k" appended to the cell
// when k seeds never got there (a mean over the others alone would flatter the row).
std::string cell(const std::vector<double>& values, int precision) {
  const auto [mean, count] = mean_skipping_nan(values);
  if (count == 0) return "-";
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", precision, mean);
  std::string result = text;
  if (count < values.size()) result += " (" + std::to_string(values.size() - count) + " -)";
  return result;
}

}  // namespace

void print_results_summary(const analysis::ResultsFile& results) {
  bool spore = !results.runs.empty();
  for (const analysis::RunResult& run : results.runs)
    spore = spore && run.labels.contains("members") && run.labels.contains("loss");
  if (spore) {
    print_spore_summary(results);
  } else if (is_ssi_results(results)) {
    print_ssi_summary(results);
  } else if (is_distribution_results(results)) {
    print_distribution_summary(results);
  } else {
    print_summary(results);
  }
}

void print_spore_summary(const analysis::ResultsFile& results) {
  // Rows in run order of first appearance: members, then loss, as the sweep expands.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::vector<double>>> rows;
  for (const analysis::RunResult& run : results.runs) {
    const auto key = std::pair{run.labels.at("members"), run.labels.at("loss")};
    if (!rows.contains(key)) order.push_back(key);
    for (const auto& [name, value] : run.summary)
      rows[key][name].push_back(value);
  }
  struct Column {
    const char* header;
    const char* metric;
    int precision;
  };
  const Column columns[] = {
      {"reg p50 s", "registration_p50_s", 2},
      {"reg p99 s", "registration_p99_s", 2},
      {"reg p9999 s", "registration_p9999_s", 2},
      {"leave p99 s", "leave_p99_s", 2},
      {"crash 1st s", "crash_detection_first_s", 2},
      {"crash all s", "crash_detection_all_s", 2},
      {"false susp/mh", "false_suspicions_per_member_hour", 1},
      {"false dead/mh", "false_deaths_per_member_hour", 2},
      {"msg/member/s", "messages_per_member_per_s", 1},
      {"B/member/s", "bytes_per_member_per_s", 0},
  };
  // Churn events that happened (means over seeds), so a row's figures can be read against them.
  const auto churn_cell = [](const std::map<std::string, std::vector<double>>& metrics) {
    std::string text;
    for (const char* metric : {"churn_crashes", "churn_joins", "churn_leaves"}) {
      const auto found = metrics.find(metric);
      if (!text.empty()) text += "/";
      text += found == metrics.end() ? "-" : cell(found->second, 0);
    }
    return text;
  };
  std::printf("\n%8s %6s", "members", "loss");
  for (const Column& column : columns)
    std::printf(" %14s", column.header);
  std::printf(" %14s\n", "churn c/j/l");
  for (const auto& key : order) {
    std::printf("%8s %6s", key.first.c_str(), key.second.c_str());
    const auto& metrics = rows[key];
    for (const Column& column : columns) {
      const auto found = metrics.find(column.metric);
      std::printf(" %14s",
                  found == metrics.end() ? "-" : cell(found->second, column.precision).c_str());
    }
    std::printf(" %14s\n", churn_cell(metrics).c_str());
  }
  std::cout
      << "\nmeans over seeds; times in seconds after the event (sampled every "
         "sampleInterval); p9999: 99.99 %, \"crash all\": 100 % of the live members; "
         "/mh: per member-hour; (k -): k seeds never got there; churn c/j/l: crashes, joins and "
         "leaves of churn.\n";
}

}  // namespace mycelium::cli
