// The SSI baseline as a model (analysis/ssi/baseline_model.hpp): multilinear interpolation on the
// swept grid, the nearest edge (flagged) outside it, no answer across a hole; a lock-step grid's
// added latency against one replica; a file without SSI runs refused.

#include <catch2/catch.hpp>

#include <analysis/ssi/baseline_model.hpp>

using namespace mycelium::analysis;

namespace {

RunResult lockstep_run(double rtt_ms, double replicas, double p50_ms) {
  RunResult run;
  run.name = "lockstep/" + std::to_string(rtt_ms) + "/" + std::to_string(replicas);
  run.labels = {{"prototype", "lockstep"}};
  run.summary = {{"rtt_ms", rtt_ms}, {"nodes", replicas}, {"step_latency_p50_ms", p50_ms}};
  return run;
}

}  // namespace

TEST_CASE("ssi baseline grid: bilinear inside, the nearest edge outside, nothing across a hole",
          "[ssi][analysis]") {
  SsiBaselineModel::Grid grid;
  // f(x, y) = 2x + 10y on x in {0, 10}, y in {1, 3}; two samples at one point are averaged.
  grid.add({0, 1}, 10);
  grid.add({10, 1}, 30);
  grid.add({0, 3}, 29);
  grid.add({0, 3}, 31);
  grid.add({10, 3}, 50);
  grid.finish();
  const auto inside = grid.at({2.5, 2});
  REQUIRE(inside.has_value());
  CHECK(inside->value == Approx(2 * 2.5 + 10 * 2));
  CHECK_FALSE(inside->clamped);
  const auto corner = grid.at({10, 3});
  REQUIRE(corner.has_value());
  CHECK(corner->value == Approx(50));
  CHECK_FALSE(corner->clamped);
  const auto outside = grid.at({20, 0});
  REQUIRE(outside.has_value());
  CHECK(outside->value == Approx(30));  // (10, 1)
  CHECK(outside->clamped);
  SsiBaselineModel::Grid holed;
  holed.add({0, 1}, 1);
  holed.add({10, 3}, 2);
  holed.finish();
  CHECK_FALSE(holed.at({5, 2}).has_value());
}

TEST_CASE("ssi baseline model: lock-step latency added by N replicas, interpolated over RTT",
          "[ssi][analysis]") {
  ResultsFile file;
  file.scenario_name = "s";
  file.runs = {lockstep_run(2, 1, 3), lockstep_run(2, 3, 5), lockstep_run(20, 1, 21),
               lockstep_run(20, 3, 41)};
  const SsiBaselineModel model(file);
  REQUIRE(model.has_lockstep());
  const auto at5 = model.lockstep(5, 3);
  REQUIRE(at5.has_value());
  CHECK(at5->one_replica_ms.value == Approx(6));
  CHECK(at5->added_ms.value == Approx(5));
  const auto one = model.lockstep(5, 1);
  REQUIRE(one.has_value());
  CHECK(one->added_ms.value == 0);
  CHECK(model.lockstep(100, 3)->added_ms.clamped);
  CHECK(model.lockstep_rtt_range() == "2 .. 20");
  CHECK(model.chunked_models().empty());

  ResultsFile other;
  other.scenario_name = "replication";
  RunResult run;
  run.name = "lan/steady/linear/seed-1";
  run.labels = {{"network", "lan"}};
  other.runs = {run};
  CHECK_THROWS_AS(SsiBaselineModel(other), ResultsError);
}
