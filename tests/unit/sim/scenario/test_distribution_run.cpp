// The DistributionScenario's runs (sim/scenario/distribution_scenario.hpp), each in a forked
// child as the runner runs them: the figures each strategy's guarantee names, and the same
// figures again for the same seed.

#include <cmath>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include <sim/scenario/distribution_scenario.hpp>
#include <tests/unit/sim/env/fork_helper.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

// Every run of `scenario`, each in a child: run name -> (metric -> value), and the run's time
// series length and events, as text, for the comparisons.
std::map<std::string, std::map<std::string, double>> run_all(const DistributionScenario& scenario,
                                                             std::string* trace = nullptr) {
  std::map<std::string, std::map<std::string, double>> figures;
  for (const DistributionRunSpec& spec : expand_sweep(scenario)) {
    const std::string text = testing::run_in_child_process([&] {
      const analysis::RunResult result = run_distribution(scenario, spec);
      std::ostringstream out;
      out.precision(17);
      for (const auto& [name, value] : result.summary)
        out << name << ' ' << value << '\n';
      out << "samples " << result.time_s.size() << '\n';
      for (const auto& column : result.series) {
        double sum = 0;
        for (const double value : column.values)
          sum += value;
        out << "series:" << column.name << ' ' << sum << '\n';
      }
      for (const auto& [kind, at] : result.events)
        out << "event:" << kind << ' ' << at << '\n';
      return out.str();
    });
    if (trace) *trace += spec.name + "\n" + text;
    std::istringstream in(text);
    std::string name;
    std::string value;
    while (in >> name >> value)
      figures[spec.name][name] = std::stod(value);
    REQUIRE(figures[spec.name].contains("samples"));  // the child finished
  }
  return figures;
}

}  // namespace

TEST_CASE("distribution run: sharding spreads evenly and a join moves about 1/(N+1)",
          "[sim][scenario][distribution-run]") {
  DistributionScenario scenario;
  scenario.seeds = {1};
  ShardingSweep sweep;
  sweep.nodes = {16};
  sweep.shards = 4096;
  sweep.methods = {{distribution::ShardPlacementKind::kRing, 256},
                   {distribution::ShardPlacementKind::kJump, 1}};
  sweep.moves_per_step = 16;
  sweep.step_interval = 1s;
  scenario.sharding = sweep;
  auto figures = run_all(scenario);
  REQUIRE(figures.size() == 2);
  for (auto& [name, run] : figures) {
    INFO(name);
    CHECK(run["imbalance"] < 0.25);
    CHECK(run["join_moved_over_ideal"] > 0.6);
    CHECK(run["join_moved_over_ideal"] < 1.4);
    // Gradual: 16 moves a second, so the rebalance takes about moves / 16 s (one step at once
    // or after the first interval).
    const double steps = std::ceil(run["gradual_moves"] / 16.0);
    CHECK(run["gradual_rebalance_s"] >= steps - 1);
    CHECK(run["gradual_rebalance_s"] <= steps + 1);
  }
  // Jump hash renumbers every node after the one that leaves from the middle: far above 1/N.
  CHECK(figures["sharding/nodes-16/jump/seed-1"]["leave_moved_over_ideal"] > 2.0);
  CHECK(figures["sharding/nodes-16/ring-256/seed-1"]["leave_moved_over_ideal"] < 1.5);
}

TEST_CASE("distribution run: the lease never has two masters through a cut and a crash",
          "[sim][scenario][distribution-run]") {
  DistributionScenario scenario;
  scenario.seeds = {3};
  LeaseSweep sweep;
  sweep.nodes = {5};
  sweep.losses = {0.0, 0.1};
  sweep.duration = 40s;
  sweep.cut_at = 6s;
  sweep.heal_at = 16s;
  sweep.crash_master_at = 25s;
  scenario.lease = sweep;
  auto figures = run_all(scenario);
  REQUIRE(figures.size() == 2);
  for (auto& [name, run] : figures) {
    INFO(name);
    CHECK(run["most_masters_at_once"] == 1);
    CHECK(run["terms_with_two_masters"] == 0);
    CHECK(run["terms"] >= 2);  // the crash made a new term
    CHECK(run["time_with_master_fraction"] > 0.7);
    // A new master within a lease and an election (2 s + up to 1 s + a few round trips).
    CHECK(run["failover_s"] > 0);
    CHECK(run["failover_s"] < 6);
    CHECK(run["small_zone_master_after_lease_samples"] == 0);
    CHECK(run["cut_to_large_zone_master_s"] < 6);
  }
}

TEST_CASE("distribution run: dht lookups find the k closest live nodes",
          "[sim][scenario][distribution-run]") {
  DistributionScenario scenario;
  scenario.seeds = {1};
  DhtSweep sweep;
  sweep.nodes = {128};
  sweep.lookups = 40;
  sweep.crashed_fractions = {0.0, 0.2};
  scenario.dht = sweep;
  auto figures = run_all(scenario);
  auto& whole = figures["dht/nodes-128/crashed-0/seed-1"];
  auto& crashed = figures["dht/nodes-128/crashed-0.2/seed-1"];
  CHECK(whole["lookups_finished_fraction"] == 1);
  CHECK(whole["exact_fraction"] == 1);
  CHECK(whole["queries_mean"] < 40);
  CHECK(crashed["crashed"] == 26);
  CHECK(crashed["lookups_finished_fraction"] == 1);
  CHECK(crashed["exact_fraction"] >= 0.9);
  // Crashed nodes cost timeouts: slower lookups than in the whole network.
  CHECK(crashed["lookup_latency_p99_ms"] > whole["lookup_latency_p99_ms"]);
}

TEST_CASE("distribution run: the event log keeps each partition's order under 20 % loss",
          "[sim][scenario][distribution-run]") {
  DistributionScenario scenario;
  scenario.seeds = {2};
  EventLogSweep sweep;
  sweep.events_per_producer = 200;
  sweep.losses = {0.0, 0.2};
  scenario.event_log = sweep;
  auto figures = run_all(scenario);
  REQUIRE(figures.size() == 2);
  for (auto& [name, run] : figures) {
    INFO(name);
    CHECK(run["events_appended"] == 600);
    CHECK(run["events_logged"] == 600);
    CHECK(run["delivered_fraction"] == 1);
    CHECK(run["order_violations"] == 0);
    CHECK(run["duplicates"] == 0);
    CHECK(run["producer_order_violations"] == 0);
  }
  // Without loss an event is delivered in two one-way trips; loss costs retries.
  CHECK(figures["event-log/loss-0/seed-2"]["delivery_latency_p99_ms"] < 5);
  CHECK(figures["event-log/loss-0.2/seed-2"]["delivery_latency_p99_ms"] > 100);
}

TEST_CASE("distribution run: the same seed gives the same figures, another seed others",
          "[sim][scenario][distribution-run]") {
  DistributionScenario scenario;
  scenario.seeds = {5};
  LeaseSweep lease;
  lease.nodes = {3};
  lease.losses = {0.1};
  lease.duration = 10s;
  lease.crash_master_at = 5s;
  scenario.lease = lease;
  EventLogSweep log;
  log.events_per_producer = 50;
  log.losses = {0.2};
  scenario.event_log = log;
  std::string first;
  std::string second;
  run_all(scenario, &first);
  run_all(scenario, &second);
  CHECK(first == second);
  scenario.seeds = {6};
  std::string other;
  run_all(scenario, &other);
  CHECK(other != first);
}
