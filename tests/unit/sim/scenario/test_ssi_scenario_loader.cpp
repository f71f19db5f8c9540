// SsiBaselineScenario files: the shipped baseline loads and expands to its lock-step and chunked
// points; bad input is reported with file, line and field, and no scenario comes back.

#include <set>

#include <catch2/catch.hpp>

#include <sim/scenario/ssi_scenario_loader.hpp>
#include <tests/support/files.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

const std::string kHeader =
    "apiVersion: mycelium.network/v1\nkind: SsiBaselineScenario\nmetadata: {name: s}\nspec:\n"
    "  seeds: [1]\n";

std::string errors_of(const std::string& spec) {
  const SsiScenarioLoad load = parse_ssi_scenario(kHeader + spec, "s.yaml");
  CHECK_FALSE(load.scenario.has_value());
  return load.diagnostics.format();
}

}  // namespace

TEST_CASE("the ssi baseline scenario loads and expands to lock-step and chunked points", "[ssi]") {
  const std::string path = mycelium::testing::source_path("scenarios/ssi-baseline.yaml");
  const std::string text = mycelium::testing::read_source_file("scenarios/ssi-baseline.yaml");
  CHECK(declares_ssi_scenario(text));
  const SsiScenarioLoad load = parse_ssi_scenario(text, path);
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const SsiScenario& scenario = *load.scenario;
  REQUIRE(scenario.lockstep.has_value());
  REQUIRE(scenario.chunked.has_value());
  CHECK(scenario.lockstep->rtts == std::vector<Duration>{200us, 2ms, 20ms, 80ms});
  CHECK(scenario.lockstep->replicas == std::vector<std::uint32_t>{1, 3, 5, 7});
  CHECK(scenario.chunked->models.size() == 3);
  CHECK(scenario.chunked->crash_at == 1s);
  const auto runs = expand_sweep(scenario);
  // lock-step 4 x 4 x 2 seeds; chunked 3 RTT x 3 workers x 2 state sizes x 3 models x 4 faults
  // x 2 seeds.
  CHECK(scenario.chunked->state_sizes == std::vector<std::uint64_t>{0, 4ULL << 30});
  CHECK(runs.size() == 32 + 432);
  std::set<std::string> names;
  for (const SsiRunSpec& run : runs)
    CHECK(names.insert(run.name).second);
  CHECK(runs.front().name == "lockstep/rtt-0.2ms/replicas-1/seed-1");
  CHECK(runs.back().name ==
        "chunked/rtt-80ms/workers-16/state-4Gi/majority-r3/wrong-results/seed-2");
}

TEST_CASE("ssi baseline scenario errors are located", "[ssi]") {
  CHECK_THAT(errors_of(""), Catch::Contains("lockstep, chunked or both"));
  CHECK_THAT(errors_of("  lockstep: {rtt: [2ms, 2ms], replicas: [1]}\n"),
             Catch::Contains("s.yaml:6:25: spec.lockstep.rtt[1]: duplicate value 2ms"));
  CHECK_THAT(errors_of("  lockstep: {rtt: [2ms], replicas: [0]}\n"),
             Catch::Contains("spec.lockstep.replicas[0]: expected"));
  CHECK_THAT(errors_of("  lockstep: {rtt: [2ms], replicas: [1], colour: red}\n"),
             Catch::Contains("spec.lockstep.colour"));
  CHECK_THAT(errors_of("  chunked: {rtt: [2ms], workers: [4], models: [{consistency: vote, "
                       "redundancy: 1}]}\n"),
             Catch::Contains("spec.chunked.models[0].consistency: expected"));
  CHECK_THAT(errors_of("  chunked:\n    rtt: [2ms]\n    workers: [4]\n    maxCopies: 2\n"
                       "    models: [{consistency: majority, redundancy: 3}]\n"),
             Catch::Contains("expected at most maxCopies (2)"));
  CHECK_THAT(errors_of("  chunked:\n    rtt: [2ms]\n    workers: [4]\n    models:\n"
                       "      - {consistency: majority, redundancy: 3}\n"
                       "      - {consistency: majority, redundancy: 3}\n"),
             Catch::Contains("s.yaml:11:9: spec.chunked.models[1]"));
  CHECK_THAT(errors_of("  chunked:\n    rtt: [2ms]\n    workers: [4]\n"
                       "    models: [{consistency: first-result, redundancy: 1}]\n"
                       "    faults: {stragglerSpeed: 1.5}\n"),
             Catch::Contains("spec.chunked.faults.stragglerSpeed: expected"));
}
