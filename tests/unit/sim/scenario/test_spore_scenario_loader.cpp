// SporeScenario files: the shipped scale scenario loads and expands to members x packetLoss x
// seeds; bad input is reported with file, line and field, and no scenario comes back.

#include <catch2/catch.hpp>

#include <sim/scenario/spore_scenario_loader.hpp>
#include <tests/support/files.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

const std::string kHeader =
    "apiVersion: mycelium.network/v1\nkind: SporeScenario\nmetadata: {name: s}\nspec:\n";

const std::string kEvents = "  events: {registerAt: 1s, leaveAt: 2s, crashAt: 3s}\n";

// The smallest valid spec before the field a test is about (then kEvents, or events of its own).
const std::string kSmallSpec =
    "  duration: 10s\n  seeds: [1]\n  members: [20]\n  packetLoss: [0]\n";

std::string errors_of(const std::string& spec) {
  const SporeScenarioLoad load = parse_spore_scenario(kHeader + spec, "s.yaml");
  CHECK_FALSE(load.scenario.has_value());
  return load.diagnostics.format();
}

}  // namespace

TEST_CASE("the spore scale scenario loads and expands to members x loss x seeds") {
  const std::string path = mycelium::testing::source_path("scenarios/spore-scale.yaml");
  const std::string text = mycelium::testing::read_source_file("scenarios/spore-scale.yaml");
  CHECK(declares_spore_scenario(text));
  const SporeScenarioLoad load = parse_spore_scenario(text, path);
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const SporeScenario& scenario = *load.scenario;
  CHECK(scenario.name == "spore-scale");
  CHECK(scenario.duration == 60s);
  CHECK(scenario.members == std::vector<std::uint32_t>{1000, 10000, 100000});
  CHECK(scenario.packet_loss == std::vector<double>{0.0, 0.1, 0.3});
  CHECK(scenario.profile == SporeProfile::kLan);
  CHECK(scenario.members_per_zone == 500);
  CHECK(scenario.view_members == 32);
  CHECK(scenario.scoped_suspicions);
  CHECK(scenario.suspicion_witness_after == 0.5);  // the default
  CHECK(scenario.settled_start);
  CHECK(scenario.network_model == NetworkModel::kDatagram);
  CHECK(scenario.register_at == 5s);
  CHECK(scenario.leave_at == 10s);
  CHECK(scenario.crash_at == 20s);
  // The stresses: a partition that heals, churn of all three kinds, slow members.
  REQUIRE(scenario.partition.has_value());
  CHECK(scenario.partition->at == 40s);
  CHECK(scenario.partition->down_for == 3s);
  REQUIRE(scenario.churn.has_value());
  CHECK(scenario.churn->crashes_per_second == 0.5);
  CHECK(scenario.churn->joins_per_second == 1.0);
  CHECK(scenario.churn->leaves_per_second == 0.5);
  REQUIRE(scenario.slow_members.has_value());
  CHECK(scenario.slow_members->fraction == 0.01);
  const std::vector<SporeRunSpec> runs = expand_sweep(scenario);
  REQUIRE(runs.size() == 3 * 3 * 1);
  CHECK(runs.front().name == "members-1000/loss-0/seed-1");
  CHECK(runs.back().name == "members-100000/loss-0.3/seed-1");
  CHECK(runs.back().members == 100000);
}

TEST_CASE("the spore loss and million-member scenarios load") {
  for (const char* name : {"spore-loss", "spore-scale-1m"}) {
    const std::string relative = std::string("scenarios/") + name + ".yaml";
    const std::string path = mycelium::testing::source_path(relative);
    const SporeScenarioLoad load =
        parse_spore_scenario(mycelium::testing::read_source_file(relative), path);
    INFO(path << "\n" << load.diagnostics.format());
    REQUIRE(load.scenario.has_value());
    CHECK(load.scenario->name == name);
  }
}

TEST_CASE("a spore scenario's threads default to one and need the datagram model") {
  const SporeScenarioLoad defaults = parse_spore_scenario(kHeader + kSmallSpec + kEvents, "s.yaml");
  REQUIRE(defaults.scenario.has_value());
  CHECK(defaults.scenario->threads == 1);
  const SporeScenarioLoad two =
      parse_spore_scenario(kHeader + kSmallSpec + "  threads: 2\n" + kEvents, "s.yaml");
  INFO(two.diagnostics.format());
  REQUIRE(two.scenario.has_value());
  CHECK(two.scenario->threads == 2);
  CHECK_THAT(errors_of(kSmallSpec + "  threads: 0\n" + kEvents),
             Catch::Contains("s.yaml:9:12: spec.threads: expected an integer from 1 to 64"));
  CHECK_THAT(errors_of(kSmallSpec + "  networkModel: flow\n  threads: 2\n" + kEvents),
             Catch::Contains("spec.threads: expected 1 with networkModel flow"));
}

TEST_CASE("a spore scenario with every optional field reads them and their defaults") {
  const SporeScenarioLoad load = parse_spore_scenario(
      kHeader +
          "  duration: 20s\n  seeds: [4]\n  members: [40]\n  packetLoss: [0.05]\n"
          "  profile: wan\n  membersPerZone: 20\n  join: {seedMembers: 2}\n"
          "  events:\n    registerAt: 1s\n    leaveAt: 2s\n    crashAt: 3s\n"
          "    partition: {at: 5s, for: 2s}\n"
          "    churn: {crashesPerSecond: 0.5, from: 4s}\n",
      "s.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const SporeScenario& scenario = *load.scenario;
  CHECK(scenario.sample_interval == 100ms);  // the default
  CHECK(scenario.profile == SporeProfile::kWan);
  CHECK(scenario.members_per_zone == 20);
  CHECK(scenario.seed_members == 2);
  CHECK_FALSE(scenario.settled_start);
  CHECK(scenario.view_members == 0);
  CHECK(scenario.network_model == NetworkModel::kDatagram);
  REQUIRE(scenario.partition.has_value());
  CHECK(scenario.partition->at == 5s);
  CHECK(scenario.partition->down_for == 2s);
  REQUIRE(scenario.churn.has_value());
  CHECK(scenario.churn->crashes_per_second == 0.5);
  CHECK(scenario.churn->from == 4s);
  CHECK_FALSE(scenario.churn->until.has_value());
}

TEST_CASE("spore scenario errors are located at the field") {
  const std::string base = "  duration: 10s\n  seeds: [1]\n";
  CHECK_THAT(errors_of(base + "  members: [20, 3]\n  packetLoss: [0]\n" + kEvents),
             Catch::Contains("s.yaml:7:17: spec.members[1]: expected an integer from 4"));
  CHECK_THAT(errors_of(base + "  members: [20]\n  packetLoss: [0, 1]\n" + kEvents),
             Catch::Contains("s.yaml:8:19: spec.packetLoss[1]: expected a number"));
  CHECK_THAT(errors_of(base + "  members: [20]\n  packetLoss: [0.1, 0.1]\n" + kEvents),
             Catch::Contains("spec.packetLoss[1]: duplicate value 0.1"));
  CHECK_THAT(errors_of(base + "  members: [20]\n  packetLoss: [0]\n  profile: lam\n" + kEvents),
             Catch::Contains("s.yaml:9:12: spec.profile: expected one of lan, wan"));
  CHECK_THAT(errors_of(base + "  members: [20]\n  packetLoss: [0]\n" +
                       "  events: {registerAt: 1s, leaveAt: 20s, crashAt: 3s}\n"),
             Catch::Contains("spec.events.leaveAt: expected a time before the end of the run"));
  CHECK_THAT(errors_of(base + "  members: [20]\n  packetLoss: [0]\n  events: {registerAt: 1s}\n"),
             Catch::Contains("spec.events.crashAt"));
  CHECK_THAT(errors_of(base + "  members: [20]\n  packetLoss: [0]\n"),
             Catch::Contains("spec.events"));
  CHECK_THAT(errors_of(base + "  members: [20]\n  packetLoss: [0]\n  memberz: 3\n" + kEvents),
             Catch::Contains("s.yaml:9:3: spec.memberz"));
}

TEST_CASE("spore scenario members must fit the seeds, the zones and the partition") {
  const std::string base = "  duration: 10s\n  seeds: [1]\n  packetLoss: [0]\n";
  CHECK_THAT(errors_of(base + "  members: [5]\n  join: {seedMembers: 3}\n" + kEvents),
             Catch::Contains("spec.members[0]: expected at least join.seedMembers + 3 = 6"));
  CHECK_THAT(
      errors_of(base + "  members: [30]\n  membersPerZone: 20\n" + kEvents),
      Catch::Contains("spec.members[0]: expected at most membersPerZone (20) or a multiple"));
  CHECK_THAT(errors_of(base + "  members: [20]\n" +
                       "  events: {registerAt: 1s, leaveAt: 2s, crashAt: 3s, "
                       "partition: {at: 4s, for: 1s}}\n"),
             Catch::Contains("events.partition cuts zones apart and 20 members make one zone"));
}

TEST_CASE("a spore scenario of the wrong kind is refused at the kind") {
  const SporeScenarioLoad load = parse_spore_scenario(
      "apiVersion: mycelium.network/v1\nkind: Scenario\nmetadata: {name: s}\nspec: {}\n", "s.yaml");
  CHECK_FALSE(load.scenario.has_value());
  CHECK_THAT(load.diagnostics.format(),
             Catch::Contains("s.yaml:2:7: kind: expected SporeScenario, got Scenario"));
  CHECK_FALSE(declares_spore_scenario("kind: Scenario\n"));
  CHECK(declares_spore_scenario("# c\nkind: SporeScenario  # spore\n"));
}

TEST_CASE("a spore scenario reads partial views, a settled start and the network model") {
  const SporeScenarioLoad load = parse_spore_scenario(
      kHeader +
          "  duration: 20s\n  seeds: [4]\n  members: [40]\n  packetLoss: [0]\n"
          "  viewMembers: 16\n  scopedSuspicions: false\n"
          "  suspicionWitnessAfter: 0.25\n  networkModel: flow\n  join: {settled: true}\n"
          "  events:\n    registerAt: 1s\n    leaveAt: 2s\n    crashAt: 3s\n",
      "s.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  CHECK(load.scenario->view_members == 16);
  CHECK_FALSE(load.scenario->scoped_suspicions);
  CHECK(load.scenario->suspicion_witness_after == 0.25);
  CHECK(load.scenario->settled_start);
  CHECK(load.scenario->network_model == NetworkModel::kFlow);
  CHECK_FALSE(load.scenario->slow_members.has_value());
  CHECK_THAT(errors_of(kSmallSpec + "  viewMembers: 4\n" + kEvents),
             Catch::Contains("s.yaml:9:16: spec.viewMembers: expected 0 (full member tables) or "
                             "8 .. 1024, got 4"));
  CHECK_THAT(errors_of(kSmallSpec + "  networkModel: tcp\n" + kEvents),
             Catch::Contains("s.yaml:9:17: spec.networkModel: expected one of datagram, flow"));
  CHECK_THAT(errors_of(kSmallSpec + "  scopedSuspicions: 1\n" + kEvents),
             Catch::Contains("spec.scopedSuspicions"));
  CHECK_THAT(errors_of(kSmallSpec + "  suspicionWitnessAfter: 7\n" + kEvents),
             Catch::Contains("s.yaml:9:26: spec.suspicionWitnessAfter: expected a number in "
                             "[0, 6]"));
  CHECK_THAT(errors_of(kSmallSpec + "  join: {settled: maybe}\n" + kEvents),
             Catch::Contains("spec.join.settled"));
}

TEST_CASE("a spore scenario reads its slow members") {
  const SporeScenarioLoad load = parse_spore_scenario(
      kHeader + kSmallSpec + "  slowMembers: {fraction: 0.05, delay: 300ms}\n" + kEvents, "s.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  REQUIRE(load.scenario->slow_members.has_value());
  CHECK(load.scenario->slow_members->fraction == 0.05);
  CHECK(load.scenario->slow_members->delay == 300ms);
  CHECK_THAT(errors_of(kSmallSpec + "  slowMembers: {fraction: 1.5, delay: 300ms}\n" + kEvents),
             Catch::Contains("spec.slowMembers.fraction: expected a number"));
  CHECK_THAT(errors_of(kSmallSpec + "  slowMembers: {fraction: 0.1}\n" + kEvents),
             Catch::Contains("spec.slowMembers.delay"));
}

TEST_CASE("a spore scenario reads churn joins and leaves, and refuses churn without a rate") {
  const auto with_churn = [](const std::string& churn) {
    return kSmallSpec +
           "  events:\n    registerAt: 1s\n    leaveAt: 2s\n    crashAt: 3s\n    churn: " + churn +
           "\n";
  };
  const SporeScenarioLoad load = parse_spore_scenario(
      kHeader + with_churn("{joinsPerSecond: 2, leavesPerSecond: 0.5, until: 8s}"), "s.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  REQUIRE(load.scenario->churn.has_value());
  CHECK(load.scenario->churn->crashes_per_second == 0.0);
  CHECK(load.scenario->churn->joins_per_second == 2.0);
  CHECK(load.scenario->churn->leaves_per_second == 0.5);
  CHECK(load.scenario->churn->until == 8s);

  CHECK_THAT(errors_of(with_churn("{from: 4s}")),
             Catch::Contains("s.yaml:13:12: spec.events.churn.crashesPerSecond: missing required "
                             "field (expected at least one of crashesPerSecond, joinsPerSecond "
                             "and leavesPerSecond)"));
  CHECK_THAT(errors_of(with_churn("{crashesPerSecond: 0, joinsPerSecond: 0}")),
             Catch::Contains("spec.events.churn: expected a rate above 0"));
  CHECK_THAT(errors_of(with_churn("{leavesPerSecond: -1}")),
             Catch::Contains("spec.events.churn.leavesPerSecond: expected a number"));
  CHECK_THAT(errors_of("  duration: 200s\n  seeds: [1]\n  members: [20]\n  packetLoss: [0]\n"
                       "  events:\n    registerAt: 1s\n    leaveAt: 2s\n    crashAt: 3s\n"
                       "    churn: {joinsPerSecond: 1000, from: 50s}\n"),
             Catch::Contains("spec.events.churn.joinsPerSecond: expected at most 100000 joins over "
                             "the churn window, got 1000/s for 150 s"));
}
