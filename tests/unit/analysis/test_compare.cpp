// mycelium compare's computation: statistics over seeds, grouping, Pareto ranking, and the four
// output formats, on small hand-made summary tables whose answers are worked out by hand.

#include <cmath>
#include <limits>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <analysis/compare/comparison.hpp>
#include <analysis/compare/comparison_format.hpp>

using namespace mycelium::analysis;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One row per run: network, configuration, slowdown_pct, lag_p99_ms, rpo_bytes.
struct Run {
  const char* network;
  const char* configuration;
  double slowdown, lag, rpo;
};

SummaryTable table_of(const std::vector<Run>& runs) {
  SummaryTable table;
  std::vector<double> slowdown, lag, rpo;
  for (const Run& run : runs) {
    table.run_names.push_back(std::string(run.network) + "/" + run.configuration + "/" +
                              std::to_string(table.run_names.size()));
    table.labels["network"].push_back(run.network);
    table.labels["configuration"].push_back(run.configuration);
    slowdown.push_back(run.slowdown);
    lag.push_back(run.lag);
    rpo.push_back(run.rpo);
  }
  table.metrics = {{"slowdown_pct", slowdown}, {"lag_p99_ms", lag}, {"rpo_bytes", rpo}};
  return table;
}

CompareRequest by_network_and_configuration() {
  return CompareRequest{{"network", "configuration"}, {"slowdown", "lag_p99", "rpo"}};
}

const ComparisonRow& row_named(const Comparison& comparison, const std::string& network,
                               const std::string& configuration) {
  for (const ComparisonRow& row : comparison.rows) {
    if (row.key == std::vector<std::string>{network, configuration}) return row;
  }
  FAIL("no row " << network << "/" << configuration);
  throw;
}

}  // namespace

TEST_CASE("compare: Student's t quantiles, from the table and beyond it") {
  CHECK(student_t_975(1) == Approx(12.7062));
  CHECK(student_t_975(2) == Approx(4.3027));
  CHECK(student_t_975(30) == Approx(2.0423));
  CHECK(student_t_975(40) == Approx(2.0211).margin(2e-4));
  CHECK(student_t_975(120) == Approx(1.9799).margin(2e-4));
  CHECK(student_t_975(31) < student_t_975(30));
  CHECK(student_t_975(1000000) == Approx(1.96).margin(1e-3));
}

TEST_CASE("compare: mean and 95 % confidence interval over seeds, NaN left out") {
  const SampleStats three = sample_stats(std::vector<double>{1.0, kNaN, 2.0, 3.0});
  CHECK(three.count == 3);
  CHECK(three.mean == Approx(2.0));
  REQUIRE(three.ci95_half_width.has_value());
  CHECK(*three.ci95_half_width == Approx(4.3027 / std::sqrt(3.0)));  // s = 1

  const SampleStats one = sample_stats(std::vector<double>{5.0});
  CHECK(one.mean == 5.0);
  CHECK_FALSE(one.ci95_half_width.has_value());

  const SampleStats none = sample_stats(std::vector<double>{kNaN});
  CHECK(none.count == 0);
  CHECK(std::isnan(none.mean));
}

TEST_CASE("compare: groups runs over seeds and ranks by Pareto dominance within a network") {
  // lan: a (1, 10) and b (2, 5) trade off; c (3, 20) is beaten by both. wan: c alone is best.
  const SummaryTable table = table_of({{"lan", "a", 1.0, 10.0, 0.0},
                                       {"lan", "a", 1.0, 10.0, 0.0},
                                       {"lan", "b", 2.0, 5.0, 0.0},
                                       {"lan", "c", 3.0, 20.0, 0.0},
                                       {"lan", "c", 3.0, 20.0, 0.0},
                                       {"wan", "c", 9.0, 90.0, 0.0},
                                       {"wan", "a", 9.5, 95.0, 0.0}});
  const Comparison comparison = compare_runs({table}, by_network_and_configuration());
  REQUIRE(comparison.rows.size() == 5);
  CHECK(comparison.metrics == std::vector<std::string>{"slowdown_pct", "lag_p99_ms", "rpo_bytes"});
  CHECK(row_named(comparison, "lan", "a").runs == 2);
  CHECK(row_named(comparison, "lan", "a").rank() == 1);
  CHECK(row_named(comparison, "lan", "b").rank() == 1);
  CHECK(row_named(comparison, "lan", "c").rank() == 3);
  CHECK_FALSE(row_named(comparison, "lan", "c").pareto_optimal());
  // wan rows are not compared with lan rows: c is best there, though lan's a beats it.
  CHECK(row_named(comparison, "wan", "c").rank() == 1);
  CHECK(row_named(comparison, "wan", "a").rank() == 2);
  // Ordered by network as first seen, then rank, then slowdown.
  CHECK(comparison.rows[0].key[1] == "a");
  CHECK(comparison.rows[1].key[1] == "b");
  CHECK(comparison.rows[2].key[1] == "c");
  CHECK(comparison.rows[3].key == std::vector<std::string>{"wan", "c"});
}

TEST_CASE("compare: an objective that is not applicable is not compared") {
  // Same slowdown and lag; only y has an RPO (x had no failover): neither beats the other.
  const SummaryTable table =
      table_of({{"lan", "x", 1.0, 10.0, kNaN}, {"lan", "y", 1.0, 10.0, 5.0}});
  const Comparison comparison = compare_runs({table}, by_network_and_configuration());
  CHECK(row_named(comparison, "lan", "x").pareto_optimal());
  CHECK(row_named(comparison, "lan", "y").pareto_optimal());
}

TEST_CASE("compare: pools several files, a label missing from one is empty") {
  SummaryTable first = table_of({{"lan", "a", 1.0, 10.0, 0.0}});
  SummaryTable second = table_of({{"lan", "a", 3.0, 10.0, 0.0}});
  second.labels.erase("network");
  const Comparison comparison = compare_runs({first, second}, by_network_and_configuration());
  REQUIRE(comparison.rows.size() == 2);
  CHECK(row_named(comparison, "", "a").runs == 1);
  const Comparison by_configuration =
      compare_runs({first, second}, CompareRequest{{"configuration"}, {"slowdown"}});
  REQUIRE(by_configuration.rows.size() == 1);
  CHECK(by_configuration.rows[0].runs == 2);
  CHECK(by_configuration.rows[0].metrics[0].mean == Approx(2.0));
}

TEST_CASE("compare: refuses unknown labels and metrics, naming what exists") {
  const SummaryTable table = table_of({{"lan", "a", 1.0, 10.0, 0.0}});
  CHECK_THROWS_WITH(compare_runs({table}, CompareRequest{{"curv"}, {"slowdown"}}),
                    "no run has the label \"curv\"; the runs are labelled by: configuration, "
                    "network");
  CHECK_THROWS_WITH(compare_runs({table}, CompareRequest{{"network"}, {"slowdwn"}}),
                    Catch::Contains("unknown metric \"slowdwn\" (did you mean \"slowdown\"?)") &&
                        Catch::Contains("slowdown_pct, lag_p99_ms, rpo_bytes"));
  CHECK_THROWS_WITH(compare_runs({SummaryTable{}}, CompareRequest{{"network"}, {"slowdown"}}),
                    "the results hold no runs");
}

TEST_CASE("compare: table, Markdown, CSV and JSON carry the same rows") {
  const SummaryTable table = table_of({{"lan", "a", 1.0, 10.0, 1048576.0},
                                       {"lan", "a", 3.0, 10.0, 5242880.0},
                                       {"lan", "b", 5.0, 20.0, kNaN}});
  const Comparison comparison = compare_runs({table}, by_network_and_configuration());

  const std::string text = format_table(comparison);
  CHECK_THAT(text, Catch::StartsWith("rank  pareto  network  configuration  runs"));
  CHECK_THAT(text, Catch::Contains("slowdown %  lag_p99 ms"));
  CHECK_THAT(text, Catch::Contains("rpo MiB"));
  CHECK_THAT(text, Catch::Contains("2.00 ± 12.7"));  // mean 2, s = sqrt(2), t(1) = 12.706
  CHECK_THAT(text, Catch::Contains("3.00 ± 25.4"));  // RPO in MiB: 1 and 5, s = sqrt(8)

  const std::string markdown = format_markdown(comparison);
  CHECK_THAT(markdown, Catch::Contains("| 1 | * | lan | a | 2 |"));
  CHECK_THAT(markdown, Catch::Contains("|---|---|---|---|---:|"));

  const std::string csv = format_csv(comparison);
  CHECK_THAT(csv, Catch::StartsWith("rank,pareto_optimal,network,configuration,runs,slowdown_pct,"
                                    "slowdown_pct_ci95,slowdown_pct_n,"));
  CHECK_THAT(csv, Catch::Contains("\n1,true,lan,a,2,2,"));
  CHECK_THAT(csv, Catch::Contains(",,0\n"));  // b's RPO: no value, no interval, 0 runs

  const nlohmann::json json = nlohmann::json::parse(format_json(comparison));
  REQUIRE(json["rows"].size() == 2);
  CHECK(json["rows"][0]["group"]["configuration"] == "a");
  CHECK(json["rows"][0]["pareto_optimal"] == true);
  CHECK(json["rows"][0]["metrics"]["rpo_bytes"]["mean"] == 3145728.0);
  CHECK(json["rows"][1]["metrics"]["rpo_bytes"]["mean"].is_null());
  CHECK(json["pareto_objectives"].size() == 3);
}

TEST_CASE("compare: results without the Pareto objectives say there is no front") {
  // A spore results file: no slowdown, lag or RPO, only its own metrics.
  SummaryTable table;
  table.run_names = {"members-100/seed-1", "members-100/seed-2"};
  table.labels["members"] = {"100", "100"};
  table.metrics = {{"crash_detection_first_s", {1.0, 2.0}}};
  const Comparison comparison =
      compare_runs({table}, CompareRequest{{"members"}, {"crash_detection_first_s"}});
  CHECK(comparison.objectives.empty());
  const std::string text = format_table(comparison);
  CHECK_THAT(text, Catch::Contains("no Pareto front: these results have none of its objectives"));
  CHECK_THAT(text, !Catch::Contains("every one of  and"));
}
