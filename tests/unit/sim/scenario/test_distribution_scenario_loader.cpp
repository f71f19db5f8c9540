// DistributionScenario files: the documented shape loads with its values, every field left out
// takes its default; bad input is reported with file, line and field, and no scenario comes back.

#include <string>

#include <catch2/catch.hpp>

#include <sim/scenario/distribution_scenario_loader.hpp>
#include <tests/support/files.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

// The shape of scenarios/distribution.yaml, as docs/scenarios.md shows it.
const std::string kDocumented = R"(apiVersion: mycelium.network/v1
kind: DistributionScenario   # the four strategies
metadata:
  name: distribution
spec:
  seeds: [1, 2, 3]
  sharding:
    nodes: [8, 64, 512]
    shards: 65536
    methods:
      - {placement: ring, points: 256}
      - {placement: jump}
    movesPerStep: 64
    stepInterval: 1s
  lease:
    nodes: [3, 5]
    duration: 40s
    rtt: 1ms
    loss: [0, 0.1]
    cutAt: 6s
    healAt: 16s
    crashMasterAt: 25s
    leaseDuration: 2s
    sampleEvery: 10ms
  dht:
    nodes: [64, 256]
    bucketSize: 8
    parallelism: 3
    bootstrap: 3
    lookups: 100
    crashed: [0, 0.2]
    rtt: 1ms
  eventLog:
    owners: 4
    producers: 3
    subscribers: 2
    partitions: 8
    partitioning: by-aggregate
    aggregates: 100
    timeWindow: 1s
    eventsPerProducer: 1000
    appendEvery: 10ms
    loss: [0, 0.2]
    rtt: 1ms
    drain: 10s
)";

// Spec lines start at line 6.
const std::string kHeader =
    "apiVersion: mycelium.network/v1\nkind: DistributionScenario\nmetadata: {name: d}\nspec:\n"
    "  seeds: [1]\n";

DistributionScenarioLoad load_spec(const std::string& spec) {
  return parse_distribution_scenario(kHeader + spec, "d.yaml");
}

std::string errors_of(const std::string& spec) {
  const DistributionScenarioLoad load = load_spec(spec);
  CHECK_FALSE(load.scenario.has_value());
  return load.diagnostics.format();
}

}  // namespace

TEST_CASE("the documented distribution scenario loads with its values",
          "[sim][scenario][distribution-scenario]") {
  CHECK(declares_distribution_scenario(kDocumented));
  const DistributionScenarioLoad load = parse_distribution_scenario(kDocumented, "d.yaml");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const DistributionScenario& scenario = *load.scenario;
  CHECK(scenario.name == "distribution");
  CHECK(scenario.seeds == std::vector<std::uint64_t>{1, 2, 3});

  REQUIRE(scenario.sharding.has_value());
  const ShardingSweep& sharding = *scenario.sharding;
  CHECK(sharding.nodes == std::vector<std::uint32_t>{8, 64, 512});
  CHECK(sharding.shards == 65536);
  REQUIRE(sharding.methods.size() == 2);
  CHECK(sharding.methods[0].kind == distribution::ShardPlacementKind::kRing);
  CHECK(sharding.methods[0].points == 256);
  CHECK(sharding.methods[1].kind == distribution::ShardPlacementKind::kJump);
  CHECK(sharding.moves_per_step == 64);
  CHECK(sharding.step_interval == 1s);

  REQUIRE(scenario.lease.has_value());
  const LeaseSweep& lease = *scenario.lease;
  CHECK(lease.nodes == std::vector<std::uint32_t>{3, 5});
  CHECK(lease.duration == 40s);
  CHECK(lease.rtt == 1ms);
  CHECK(lease.losses == std::vector<double>{0.0, 0.1});
  CHECK(lease.cut_at == Duration(6s));
  CHECK(lease.heal_at == Duration(16s));
  CHECK(lease.crash_master_at == Duration(25s));
  CHECK(lease.lease_duration == 2s);
  CHECK(lease.sample_every == 10ms);

  REQUIRE(scenario.dht.has_value());
  const DhtSweep& dht = *scenario.dht;
  CHECK(dht.nodes == std::vector<std::uint32_t>{64, 256});
  CHECK(dht.bucket_size == 8);
  CHECK(dht.parallelism == 3);
  CHECK(dht.bootstrap == 3);
  CHECK(dht.lookups == 100);
  CHECK(dht.crashed_fractions == std::vector<double>{0.0, 0.2});
  CHECK(dht.rtt == 1ms);

  REQUIRE(scenario.event_log.has_value());
  const EventLogSweep& log = *scenario.event_log;
  CHECK(log.owners == 4);
  CHECK(log.producers == 3);
  CHECK(log.subscribers == 2);
  CHECK(log.partitions == 8);
  CHECK(log.partitioning == manifest::LogPartitioning::kByAggregate);
  CHECK(log.aggregates == 100);
  CHECK(log.time_window == 1s);
  CHECK(log.events_per_producer == 1000);
  CHECK(log.append_every == 10ms);
  CHECK(log.losses == std::vector<double>{0.0, 0.2});
  CHECK(log.rtt == 1ms);
  CHECK(log.drain == 10s);

  // Sharding 3 nodes x 2 methods, lease 2 x 2 losses, dht 2 x 2 fractions, event log 2 losses;
  // each x 3 seeds.
  CHECK(expand_sweep(scenario).size() == (6 + 4 + 4 + 2) * 3);
}

TEST_CASE("the shipped distribution scenario loads with its four parts",
          "[sim][scenario][distribution-scenario]") {
  const std::string path = mycelium::testing::source_path("scenarios/distribution.yaml");
  const std::string text = mycelium::testing::read_source_file("scenarios/distribution.yaml");
  CHECK(declares_distribution_scenario(text));
  const DistributionScenarioLoad load = parse_distribution_scenario(text, path);
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  CHECK(load.scenario->sharding.has_value());
  CHECK(load.scenario->lease.has_value());
  CHECK(load.scenario->dht.has_value());
  CHECK(load.scenario->event_log.has_value());
}

TEST_CASE("distribution scenario fields take their values and defaults",
          "[sim][scenario][distribution-scenario]") {
  SECTION("every default") {
    const DistributionScenarioLoad load = load_spec(
        "  sharding: {nodes: [8], methods: [{placement: ring}]}\n"
        "  lease: {nodes: [3]}\n"
        "  dht: {nodes: [64]}\n"
        "  eventLog: {}\n");
    INFO(load.diagnostics.format());
    REQUIRE(load.scenario.has_value());
    const DistributionScenario& scenario = *load.scenario;
    REQUIRE(scenario.sharding.has_value());
    CHECK(scenario.sharding->shards == 65536);
    REQUIRE(scenario.sharding->methods.size() == 1);
    CHECK(scenario.sharding->methods[0].kind == distribution::ShardPlacementKind::kRing);
    CHECK(scenario.sharding->methods[0].points == 256);
    CHECK(scenario.sharding->moves_per_step == 64);
    CHECK(scenario.sharding->step_interval == 1s);

    REQUIRE(scenario.lease.has_value());
    CHECK(scenario.lease->duration == 40s);
    CHECK(scenario.lease->rtt == 1ms);
    CHECK(scenario.lease->losses == std::vector<double>{0.0});
    CHECK_FALSE(scenario.lease->cut_at.has_value());
    CHECK_FALSE(scenario.lease->heal_at.has_value());
    CHECK_FALSE(scenario.lease->crash_master_at.has_value());
    CHECK(scenario.lease->lease_duration == 2s);
    CHECK(scenario.lease->sample_every == 10ms);

    REQUIRE(scenario.dht.has_value());
    CHECK(scenario.dht->bucket_size == 8);
    CHECK(scenario.dht->parallelism == 3);
    CHECK(scenario.dht->bootstrap == 3);
    CHECK(scenario.dht->lookups == 100);
    CHECK(scenario.dht->crashed_fractions == std::vector<double>{0.0});
    CHECK(scenario.dht->rtt == 1ms);

    REQUIRE(scenario.event_log.has_value());
    const EventLogSweep& log = *scenario.event_log;
    CHECK(log.owners == 4);
    CHECK(log.producers == 3);
    CHECK(log.subscribers == 2);
    CHECK(log.partitions == 8);
    CHECK(log.partitioning == manifest::LogPartitioning::kByAggregate);
    CHECK(log.aggregates == 100);
    CHECK(log.time_window == 1s);
    CHECK(log.events_per_producer == 1000);
    CHECK(log.append_every == 10ms);
    CHECK(log.losses == std::vector<double>{0.0});
    CHECK(log.rtt == 1ms);
    CHECK(log.drain == 10s);
  }
  SECTION("each part may be left out") {
    const DistributionScenarioLoad load = load_spec("  eventLog: {partitioning: by-time}\n");
    INFO(load.diagnostics.format());
    REQUIRE(load.scenario.has_value());
    CHECK_FALSE(load.scenario->sharding.has_value());
    CHECK_FALSE(load.scenario->lease.has_value());
    CHECK_FALSE(load.scenario->dht.has_value());
    REQUIRE(load.scenario->event_log.has_value());
    CHECK(load.scenario->event_log->partitioning == manifest::LogPartitioning::kByTime);
  }
  SECTION("a ring's points, a crash without a cut, the ranges' ends") {
    const DistributionScenarioLoad load = load_spec(
        "  sharding:\n"
        "    nodes: [1, 100000]\n"
        "    shards: 16777216\n"
        "    methods: [{placement: ring, points: 1}, {placement: ring, points: 4096}]\n"
        "  lease: {nodes: [2, 99], rtt: 2us, loss: [0.9], crashMasterAt: 0s}\n"
        "  dht: {nodes: [2, 4096], bootstrap: 1, crashed: [0.9], rtt: 1s}\n"
        "  eventLog: {owners: 64, partitions: 1024, appendEvery: 1us}\n");
    INFO(load.diagnostics.format());
    REQUIRE(load.scenario.has_value());
    const DistributionScenario& scenario = *load.scenario;
    CHECK(scenario.sharding->nodes == std::vector<std::uint32_t>{1, 100000});
    CHECK(scenario.sharding->shards == 16777216);
    REQUIRE(scenario.sharding->methods.size() == 2);
    CHECK(scenario.sharding->methods[0].points == 1);
    CHECK(scenario.sharding->methods[1].points == 4096);
    CHECK(scenario.lease->rtt == 2us);
    CHECK(scenario.lease->losses == std::vector<double>{0.9});
    CHECK(scenario.lease->crash_master_at == Duration(0s));
    CHECK_FALSE(scenario.lease->cut_at.has_value());
    CHECK(scenario.dht->bootstrap == 1);
    CHECK(scenario.dht->crashed_fractions == std::vector<double>{0.9});
    CHECK(scenario.event_log->owners == 64);
    CHECK(scenario.event_log->append_every == 1us);
  }
}

TEST_CASE("distribution scenario errors are located", "[sim][scenario][distribution-scenario]") {
  SECTION("missing parts of the spec") {
    CHECK_THAT(errors_of(""),
               Catch::Contains("d.yaml:5:3: spec.sharding: missing required field (expected at "
                               "least one of sharding, lease, dht and eventLog"));
    CHECK_THAT(
        parse_distribution_scenario("apiVersion: mycelium.network/v1\nkind: DistributionScenario\n"
                                    "metadata: {name: d}\nspec:\n  eventLog: {}\n",
                                    "d.yaml")
            .diagnostics.format(),
        Catch::Contains("spec.seeds: missing required field"));
    CHECK_THAT(errors_of("  sharding: {nodes: [8]}\n"),
               Catch::Contains("d.yaml:6:13: spec.sharding.methods: missing required field"));
    CHECK_THAT(errors_of("  sharding: {methods: [{placement: jump}]}\n"),
               Catch::Contains("d.yaml:6:13: spec.sharding.nodes: missing required field"));
    CHECK_THAT(errors_of("  sharding: {nodes: [8], methods: [{points: 8}]}\n"),
               Catch::Contains("spec.sharding.methods[0].placement: missing required field"));
    CHECK_THAT(errors_of("  lease: {duration: 10s}\n"),
               Catch::Contains("d.yaml:6:10: spec.lease.nodes: missing required field"));
    CHECK_THAT(errors_of("  dht:\n    nodes: []\n"),
               Catch::Contains("d.yaml:7:12: spec.dht.nodes: expected a list of 1 to 64 items"));
    CHECK_THAT(errors_of("  lease: 5\n"),
               Catch::Contains("d.yaml:6:10: spec.lease: expected a mapping"));
  }
  SECTION("seeds") {
    const std::string header =
        "apiVersion: mycelium.network/v1\nkind: DistributionScenario\nmetadata: {name: d}\n"
        "spec:\n";
    const auto errors = [&](const std::string& spec) {
      return parse_distribution_scenario(header + spec, "d.yaml").diagnostics.format();
    };
    CHECK_THAT(errors("  seeds: [1, 1]\n  eventLog: {}\n"),
               Catch::Contains("d.yaml:5:10: spec.seeds: duplicate seed 1"));
    CHECK_THAT(errors("  seeds: []\n  eventLog: {}\n"),
               Catch::Contains("d.yaml:5:10: spec.seeds: expected at least one seed"));
    CHECK_THAT(errors("  seeds: [-1]\n  eventLog: {}\n"),
               Catch::Contains("d.yaml:5:11: spec.seeds[0]: expected an integer >= 0"));
  }
  SECTION("out-of-range values") {
    CHECK_THAT(errors_of("  sharding: {nodes: [0], methods: [{placement: jump}]}\n"),
               Catch::Contains("d.yaml:6:22: spec.sharding.nodes[0]: expected an integer from 1 "
                               "to 100000"));
    CHECK_THAT(errors_of("  sharding:\n    nodes: [8]\n    shards: 16777217\n"
                         "    methods: [{placement: ring, points: 4097}]\n"),
               Catch::Contains("d.yaml:8:13: spec.sharding.shards: expected an integer from 1 to "
                               "16777216"));
    CHECK_THAT(errors_of("  sharding:\n    nodes: [8]\n    methods: [{placement: ring, points: "
                         "4097}]\n"),
               Catch::Contains("d.yaml:8:41: spec.sharding.methods[0].points: expected an "
                               "integer from 1 to 4096"));
    CHECK_THAT(errors_of("  sharding:\n    nodes: [8]\n    methods: [{placement: hash}]\n"),
               Catch::Contains("d.yaml:8:27: spec.sharding.methods[0].placement: expected one of"));
    CHECK_THAT(errors_of("  sharding:\n    nodes: [8]\n    methods: [{placement: jump}]\n"
                         "    stepInterval: 2h\n"),
               Catch::Contains("d.yaml:9:19: spec.sharding.stepInterval: expected"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [1]\n"),
               Catch::Contains("d.yaml:7:13: spec.lease.nodes[0]: expected an integer from 2 to "
                               "99"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    loss: [0.95]\n"),
               Catch::Contains("d.yaml:8:12: spec.lease.loss[0]: expected a number in [0, 0.9]"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    rtt: 1us\n"),
               Catch::Contains("d.yaml:8:10: spec.lease.rtt: expected"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    leaseDuration: 100ms\n"),
               Catch::Contains("d.yaml:8:20: spec.lease.leaseDuration: expected"));
    CHECK_THAT(errors_of("  dht:\n    nodes: [5000]\n"),
               Catch::Contains("d.yaml:7:13: spec.dht.nodes[0]: expected an integer from 2 to "
                               "4096"));
    CHECK_THAT(errors_of("  dht:\n    nodes: [64]\n    bucketSize: 33\n"),
               Catch::Contains("d.yaml:8:17: spec.dht.bucketSize: expected an integer from 1 to "
                               "32"));
    CHECK_THAT(errors_of("  dht:\n    nodes: [64]\n    crashed: [1]\n"),
               Catch::Contains("d.yaml:8:15: spec.dht.crashed[0]: expected a number in [0, 0.9]"));
    CHECK_THAT(errors_of("  eventLog:\n    owners: 65\n"),
               Catch::Contains("d.yaml:7:13: spec.eventLog.owners: expected an integer from 1 to "
                               "64"));
    CHECK_THAT(errors_of("  eventLog:\n    partitioning: by-key\n"),
               Catch::Contains("d.yaml:7:19: spec.eventLog.partitioning: expected one of"));
    CHECK_THAT(errors_of("  eventLog:\n    appendEvery: 11s\n"),
               Catch::Contains("d.yaml:7:18: spec.eventLog.appendEvery: expected"));
    CHECK_THAT(errors_of("  eventLog:\n    drain: 500ms\n"),
               Catch::Contains("d.yaml:7:12: spec.eventLog.drain: expected"));
  }
  SECTION("duplicate list values") {
    CHECK_THAT(errors_of("  sharding:\n    nodes: [8, 8]\n    methods: [{placement: jump}]\n"),
               Catch::Contains("d.yaml:7:16: spec.sharding.nodes[1]: duplicate value 8"));
    CHECK_THAT(errors_of("  sharding:\n    nodes: [8]\n    methods:\n"
                         "      - {placement: ring}\n      - {placement: ring, points: 256}\n"),
               Catch::Contains("d.yaml:10:9: spec.sharding.methods[1]: duplicate method ring-256"));
    CHECK_THAT(errors_of("  sharding:\n    nodes: [8]\n    methods:\n"
                         "      - {placement: jump}\n      - {placement: jump}\n"),
               Catch::Contains("d.yaml:10:9: spec.sharding.methods[1]: duplicate method jump"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    loss: [0, 0.0]\n"),
               Catch::Contains("d.yaml:8:15: spec.lease.loss[1]: duplicate value 0"));
    CHECK_THAT(errors_of("  dht:\n    nodes: [64, 64]\n"),
               Catch::Contains("d.yaml:7:17: spec.dht.nodes[1]: duplicate value 64"));
    CHECK_THAT(errors_of("  dht:\n    nodes: [64]\n    crashed: [0.2, 0.2]\n"),
               Catch::Contains("d.yaml:8:20: spec.dht.crashed[1]: duplicate value 0.2"));
    CHECK_THAT(errors_of("  eventLog:\n    loss: [0.1, 0.1]\n"),
               Catch::Contains("d.yaml:7:17: spec.eventLog.loss[1]: duplicate value 0.1"));
  }
  SECTION("unknown keys") {
    CHECK_THAT(errors_of("  eventLog: {}\n  colour: red\n"),
               Catch::Contains("d.yaml:7:3: spec.colour: unknown field"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    cutat: 1s\n"),
               Catch::Contains("d.yaml:8:5: spec.lease.cutat: unknown field (did you mean "
                               "\"cutAt\"?)"));
    CHECK_THAT(
        errors_of("  sharding:\n    nodes: [8]\n    methods: [{placement: jump, size: 2}]\n"),
        Catch::Contains("spec.sharding.methods[0].size: unknown field"));
    CHECK_THAT(errors_of("  eventLog: {partitons: 4}\n"),
               Catch::Contains("spec.eventLog.partitons: unknown field"));
  }
  SECTION("sharding methods") {
    CHECK_THAT(errors_of("  sharding:\n    nodes: [8]\n    methods: [{placement: jump, points: "
                         "16}]\n"),
               Catch::Contains("d.yaml:8:41: spec.sharding.methods[0].points: expected no points "
                               "with placement jump"));
  }
  SECTION("the lease's cut and crash") {
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    cutAt: 6s\n"),
               Catch::Contains("d.yaml:7:5: spec.lease.healAt: missing required field"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    healAt: 6s\n"),
               Catch::Contains("d.yaml:7:5: spec.lease.cutAt: missing required field"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    cutAt: 6s\n    healAt: 6s\n"),
               Catch::Contains("d.yaml:9:13: spec.lease.healAt: expected a time after cutAt (6s), "
                               "got 6s"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    cutAt: 6s\n    healAt: 2s\n"),
               Catch::Contains("d.yaml:9:13: spec.lease.healAt: expected a time after cutAt"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    duration: 10s\n    cutAt: 6s\n"
                         "    healAt: 11s\n"),
               Catch::Contains("d.yaml:10:13: spec.lease.healAt: expected a time at most the "
                               "duration (10s), got 11s"));
    CHECK_THAT(errors_of("  lease:\n    nodes: [3]\n    crashMasterAt: 40s\n"),
               Catch::Contains("d.yaml:8:20: spec.lease.crashMasterAt: expected a time before the "
                               "end of the run (duration 40s), got 40s"));
    // healAt may be the end of the run; an invalid duration is reported alone.
    CHECK(load_spec("  lease:\n    nodes: [3]\n    duration: 10s\n    cutAt: 6s\n    healAt: 10s\n")
              .scenario.has_value());
    const std::string bad_duration =
        errors_of("  lease:\n    nodes: [3]\n    duration: 2h\n    crashMasterAt: 3h\n");
    CHECK_THAT(bad_duration, Catch::Contains("spec.lease.duration: expected"));
    CHECK_THAT(bad_duration, !Catch::Contains("crashMasterAt"));
  }
  SECTION("the dht's bootstrap") {
    CHECK_THAT(errors_of("  dht:\n    nodes: [64, 3]\n"),
               Catch::Contains("d.yaml:7:5: spec.dht.bootstrap: expected fewer than the smallest "
                               "of nodes (3)"));
    CHECK_THAT(errors_of("  dht:\n    nodes: [64, 8]\n    bootstrap: 8\n"),
               Catch::Contains("d.yaml:8:16: spec.dht.bootstrap: expected fewer than the smallest "
                               "of nodes (8)"));
    CHECK_THAT(errors_of("  dht:\n    nodes: [64]\n    bootstrap: 65\n"),
               Catch::Contains("d.yaml:8:16: spec.dht.bootstrap: expected an integer from 1 to "
                               "64"));
  }
  SECTION("too many runs") {
    std::string seeds = "[0";
    for (int seed = 1; seed < 800; ++seed)
      seeds += ", " + std::to_string(seed);
    seeds += "]";
    std::string nodes = "[1";
    for (int node = 2; node <= 64; ++node)
      nodes += ", " + std::to_string(node);
    nodes += "]";
    const std::string text =
        "apiVersion: mycelium.network/v1\nkind: DistributionScenario\nmetadata: {name: d}\n"
        "spec:\n  seeds: " +
        seeds + "\n  sharding:\n    nodes: " + nodes +
        "\n    methods: [{placement: ring}, {placement: jump}]\n";
    const DistributionScenarioLoad load = parse_distribution_scenario(text, "d.yaml");
    CHECK_FALSE(load.scenario.has_value());
    CHECK_THAT(load.diagnostics.format(),
               Catch::Contains("d.yaml:5:3: spec: the sweep has 102400 runs, more than 100000"));
  }
  SECTION("the wrong kind") {
    const DistributionScenarioLoad load = parse_distribution_scenario(
        "apiVersion: mycelium.network/v1\nkind: SsiBaselineScenario\nmetadata: {name: d}\n"
        "spec:\n  seeds: [1]\n  eventLog: {}\n",
        "d.yaml");
    CHECK_FALSE(load.scenario.has_value());
    CHECK_THAT(load.diagnostics.format(), Catch::Contains("d.yaml:2:7: kind:"));
    CHECK_THAT(load.diagnostics.format(), Catch::Contains("DistributionScenario"));
  }
  SECTION("all errors in one pass") {
    const std::string errors = errors_of(
        "  sharding: {nodes: [0], methods: [{placement: jump}]}\n"
        "  lease: {nodes: [3], cutAt: 6s}\n"
        "  dht: {nodes: [64], bucketSize: 0}\n"
        "  eventLog: {owners: 0}\n");
    CHECK_THAT(errors, Catch::Contains("spec.sharding.nodes[0]"));
    CHECK_THAT(errors, Catch::Contains("spec.lease.healAt"));
    CHECK_THAT(errors, Catch::Contains("spec.dht.bucketSize"));
    CHECK_THAT(errors, Catch::Contains("spec.eventLog.owners"));
  }
}

TEST_CASE("declares_distribution_scenario finds the kind on a top-level line",
          "[sim][scenario][distribution-scenario]") {
  CHECK(declares_distribution_scenario("kind: DistributionScenario\n"));
  CHECK(declares_distribution_scenario(
      "apiVersion: mycelium.network/v1\nkind: DistributionScenario"));
  CHECK(declares_distribution_scenario(
      "apiVersion: x\r\nkind:\tDistributionScenario  # a comment\r\n"));
  CHECK_FALSE(declares_distribution_scenario("kind: SsiBaselineScenario\n"));
  CHECK_FALSE(declares_distribution_scenario("kind: DistributionScenarios\n"));
  CHECK_FALSE(declares_distribution_scenario("  kind: DistributionScenario\n"));
  CHECK_FALSE(declares_distribution_scenario("# kind: DistributionScenario\n"));
  CHECK_FALSE(declares_distribution_scenario("metadata: {name: DistributionScenario}\n"));
  CHECK_FALSE(declares_distribution_scenario(""));
}
