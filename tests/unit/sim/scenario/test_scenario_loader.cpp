// Scenario files: the default scenario loads and expands as documented; bad input is reported
// with file, line and field, and no scenario comes back.

#include <catch2/catch.hpp>

#include <sim/scenario/scenario_loader.hpp>
#include <tests/support/files.hpp>

using namespace mycelium;
using namespace mycelium::sim;

namespace {

const std::string kHeader =
    "apiVersion: mycelium.network/v1\nkind: Scenario\nmetadata: {name: s}\nspec:\n";

std::string errors_of(const std::string& spec) {
  const ScenarioLoad load = parse_scenario(kHeader + spec, "s.yaml", ".");
  CHECK_FALSE(load.scenario.has_value());
  return load.diagnostics.format();
}

const std::string kValidSpec =
    "  duration: 10s\n"
    "  seeds: [1]\n"
    "  networks: [{name: lan, profile: lan}]\n"
    "  workloads: [{name: w, memorySize: 64Mi, writeRate: 100}]\n"
    "  configurations: [{name: c, distributedRAM: {bufferSize: 8Mi}}]\n";

}  // namespace

TEST_CASE("the default scenario loads and expands to its cartesian product") {
  const std::string path = mycelium::testing::source_path("scenarios/throttling-curves.yaml");
  const ScenarioLoad load =
      parse_scenario(mycelium::testing::read_source_file("scenarios/throttling-curves.yaml"), path,
                     MYCELIUM_SOURCE_DIR "/scenarios");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const Scenario& scenario = *load.scenario;
  CHECK(scenario.networks.size() == 2);
  CHECK(scenario.workloads.size() == 3);
  CHECK(scenario.configurations.size() == 7);
  const std::vector<RunSpec> runs = expand_sweep(scenario);
  CHECK(scenario.seeds.size() == 3);
  CHECK(runs.size() == 2 * 3 * 7 * 3);
  CHECK(runs.front().name == "lan/web/linear/seed-1");
  // Configurations override the defaults field by field.
  const ReplicationConfiguration& best_effort = scenario.configurations.back();
  CHECK(best_effort.name == "linear-best-effort");
  CHECK_FALSE(best_effort.ram.emergency_pause_enabled);
  CHECK(best_effort.ram.buffer_bytes == 256ULL << 20);
  CHECK(scenario.configurations[1].ram.throttling_curve.type == manifest::CurveType::kExponential);
  CHECK(scenario.configurations[1].ram.emergency_pause_enabled);
}

TEST_CASE("a minimal scenario loads with the documented defaults") {
  const ScenarioLoad load = parse_scenario(kHeader + kValidSpec, "s.yaml", ".");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  CHECK(load.scenario->backup_count == 2);
  CHECK(load.scenario->sample_interval == std::chrono::milliseconds(100));
  CHECK(load.scenario->workloads[0].spec.working_set_bytes == 64ULL << 20);
  CHECK(load.scenario->election_window == std::chrono::milliseconds(200));

  const ScenarioLoad tuned = parse_scenario(
      kHeader + kValidSpec + "  failureTimeout: 2s\n  electionWindow: 300ms\n", "s.yaml", ".");
  INFO(tuned.diagnostics.format());
  REQUIRE(tuned.scenario.has_value());
  CHECK(tuned.scenario->failure_timeout == std::chrono::seconds(2));
  CHECK(tuned.scenario->election_window == std::chrono::milliseconds(300));
}

TEST_CASE("scenario errors name the file, the line and the field") {
  CHECK(errors_of(kValidSpec + "  bogus: 1\n").find("s.yaml:10:3: spec.bogus: unknown field") !=
        std::string::npos);
  CHECK(errors_of("  duration: 10s\n  seeds: [1]\n"
                  "  networks: [{name: lan, profile: lna}]\n"
                  "  workloads: [{name: w, memorySize: 64Mi, writeRate: 100}]\n"
                  "  configurations: [{name: c, distributedRAM: {bufferSize: 8Mi}}]\n")
            .find("spec.networks[0].profile: expected one of lan, wan, got \"lna\" (did you "
                  "mean \"lan\"?)") != std::string::npos);
  CHECK(errors_of("  duration: 10s\n  seeds: [1]\n"
                  "  networks: [{name: lan, profile: lan}]\n"
                  "  workloads: [{name: w, memorySize: 64Mi, writeRate: 100, trace: x.csv}]\n"
                  "  configurations: [{name: c, distributedRAM: {bufferSize: 8Mi}}]\n")
            .find("expected exactly one of writeRate (pages/s), phases or trace, got 2") !=
        std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 10s, crash: primary}]\n")
            .find("spec.faults[0].at: expected a time before the end of the run") !=
        std::string::npos);
}

TEST_CASE("a missing trace file is reported at its field") {
  const std::string errors = errors_of(
      "  duration: 10s\n  seeds: [1]\n  networks: [{name: lan, profile: lan}]\n"
      "  workloads: [{name: w, memorySize: 64Mi, trace: no-such.csv}]\n"
      "  configurations: [{name: c, distributedRAM: {bufferSize: 8Mi}}]\n");
  CHECK(errors.find("spec.workloads[0].trace") != std::string::npos);
  CHECK(errors.find("no-such.csv") != std::string::npos);
}

TEST_CASE("two configurations with one name are refused") {
  const std::string errors = errors_of(
      "  duration: 10s\n  seeds: [1]\n  networks: [{name: lan, profile: lan}]\n"
      "  workloads: [{name: w, memorySize: 64Mi, writeRate: 1}]\n"
      "  configurations: [{name: c, distributedRAM: {bufferSize: 8Mi}},"
      " {name: c, distributedRAM: {bufferSize: 8Mi}}]\n");
  CHECK(errors.find("spec.configurations[1].name: duplicate name c") != std::string::npos);
}

TEST_CASE("migration faults name a backup of the scenario") {
  const ScenarioLoad ok = parse_scenario(
      kHeader + kValidSpec + "  faults: [{at: 5s, migrate: backup-2, convergenceTimeout: 3s}]\n",
      "s.yaml", ".");
  INFO(ok.diagnostics.format());
  REQUIRE(ok.scenario.has_value());
  const FaultSpec& fault = ok.scenario->faults.at(0);
  CHECK(fault.kind == FaultKind::kMigrate);
  CHECK(fault.target_backup == 2);
  CHECK(fault.convergence_timeout == std::chrono::seconds(3));

  CHECK(errors_of(kValidSpec + "  faults: [{at: 5s, migrate: backup-3}]\n")
            .find("spec.faults[0].migrate: expected backup-1 .. backup-2, got backup-3") !=
        std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 5s, migrate: backup-1, crash: primary}]\n")
            .find("expected exactly one of crash: primary|backup-N, migrate: backup-N, "
                  "linkDown: ZONE or linkLatency: ZONE") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 5s, crash: primary, convergenceTimeout: 1s}]\n")
            .find("convergenceTimeout: applies only to migrate") != std::string::npos);
}

TEST_CASE("every shipped scenario loads") {
  for (const std::string name : {"throttling-curves", "migration", "placement", "latency-change"}) {
    const std::string relative = std::string("scenarios/") + name + ".yaml";
    const std::string path = mycelium::testing::source_path(relative);
    const ScenarioLoad load = parse_scenario(mycelium::testing::read_source_file(relative), path,
                                             MYCELIUM_SOURCE_DIR "/scenarios");
    INFO(load.diagnostics.format());
    CHECK(load.scenario.has_value());
  }
}

TEST_CASE("a configuration may set its rhizomorph connections") {
  const ScenarioLoad load =
      parse_scenario(kHeader +
                         "  duration: 10s\n  seeds: [1]\n  connectionsPerBackup: 3\n"
                         "  networks: [{name: lan, profile: lan}]\n"
                         "  workloads: [{name: w, memorySize: 64Mi, writeRate: 100}]\n"
                         "  replicationDefaults: {bufferSize: 8Mi}\n"
                         "  configurations:\n    - name: a\n"
                         "    - {name: b, rhizomorphConnections: {targetCount: 4, loadBalancing: "
                         "least-connections}}\n",
                     "s.yaml", ".");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const auto& configurations = load.scenario->configurations;
  CHECK(configurations[0].rhizomorph.target_count == 3);
  CHECK(configurations[0].rhizomorph.load_balancing == manifest::LoadBalancing::kAdaptiveBandwidth);
  CHECK(configurations[1].rhizomorph.target_count == 4);
  CHECK(configurations[1].rhizomorph.load_balancing == manifest::LoadBalancing::kLeastConnections);
}

TEST_CASE("candidates, backup strategy and latency profile are read") {
  const ScenarioLoad load = parse_scenario(
      kHeader +
          "  duration: 10s\n  seeds: [1]\n  networks: [{name: lan, profile: lan}]\n"
          "  candidates:\n"
          "    - {zone: rack, count: 3, oneWayLatency: 1ms, bandwidthMbitPerS: 800, load: 0.5}\n"
          "    - {zone: far}\n"
          "  workloads: [{name: w, memorySize: 64Mi, writeRate: 100}]\n"
          "  configurations: [{name: c, distributedRAM: {bufferSize: 8Mi},\n"
          "    backupStrategy: {nodeCount: 3, selectionCriteria: zone-diverse},\n"
          "    latencyProfile: auto}]\n",
      "s.yaml", ".");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const auto& candidates = load.scenario->candidates;
  REQUIRE(candidates.size() == 2);
  CHECK(candidates[0].count == 3);
  CHECK(candidates[0].latency_s == Approx(1e-3));
  CHECK(candidates[0].bandwidth_bytes_per_s == Approx(1e8));
  CHECK(candidates[0].load == 0.5);
  CHECK_FALSE(candidates[1].latency_s.has_value());
  const ReplicationConfiguration& configuration = load.scenario->configurations[0];
  CHECK(configuration.backup_strategy.node_count == 3);
  CHECK(configuration.backup_strategy.selection_criteria ==
        manifest::BackupSelection::kZoneDiverse);
  CHECK(configuration.auto_latency_profile);

  CHECK(errors_of(kValidSpec + "  candidates: [{zone: site-a}]\n")
            .find("site-a is the primary's zone") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  candidates: [{zone: x}, {zone: x}]\n").find("duplicate zone x") !=
        std::string::npos);
}

TEST_CASE("backup crashes and link faults are read and checked") {
  const ScenarioLoad load = parse_scenario(
      kHeader + kValidSpec +
          "  faults: [{at: 1s, crash: backup-2}, {at: 2s, linkDown: site-b, for: 500ms}]\n",
      "s.yaml", ".");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const auto& faults = load.scenario->faults;
  CHECK(faults[0].kind == FaultKind::kCrashBackup);
  CHECK(faults[0].target_backup == 2);
  CHECK(faults[1].kind == FaultKind::kLinkDown);
  CHECK(faults[1].zone == "site-b");
  CHECK(faults[1].down_for == std::chrono::milliseconds(500));

  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, crash: backup-9}]\n")
            .find("expected primary or backup-1 .. backup-2, got backup-9") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, linkDown: mars, for: 1s}]\n")
            .find("no zone mars (without candidates the backups' zone is site-b)") !=
        std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, linkDown: site-b}]\n")
            .find("spec.faults[0].for: missing required field") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, crash: primary, for: 1s}]\n")
            .find("spec.faults[0].for: applies only to linkDown") != std::string::npos);
}

TEST_CASE("link latency changes and the profile probe period are read and checked") {
  const ScenarioLoad load =
      parse_scenario(kHeader + kValidSpec + "  profileProbePeriod: 2s\n" +
                         "  faults: [{at: 3s, linkLatency: site-b, latency: 40ms}]\n",
                     "s.yaml", ".");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  CHECK(load.scenario->profile_probe_period == std::chrono::seconds(2));
  const FaultSpec& fault = load.scenario->faults.at(0);
  CHECK(fault.kind == FaultKind::kLinkLatency);
  CHECK(fault.zone == "site-b");
  CHECK(fault.latency == std::chrono::milliseconds(40));

  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, linkLatency: mars, latency: 1ms}]\n")
            .find("spec.faults[0].linkLatency: no zone mars") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, linkLatency: site-b}]\n")
            .find("spec.faults[0].latency: missing required field") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, linkLatency: site-b, latency: 11s}]\n")
            .find("spec.faults[0].latency: expected") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, crash: primary, latency: 1ms}]\n")
            .find("spec.faults[0].latency: applies only to linkLatency") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  faults: [{at: 1s, linkLatency: site-b, latency: 1ms, for: 1s}]\n")
            .find("spec.faults[0].for: applies only to linkDown") != std::string::npos);
  CHECK(errors_of(kValidSpec + "  profileProbePeriod: 1ms\n")
            .find("spec.profileProbePeriod: expected") != std::string::npos);
}

TEST_CASE("a configuration can start from an EndophyteVM manifest") {
  const std::string examples = std::string(MYCELIUM_SOURCE_DIR) + "/scenarios/examples";
  const ScenarioLoad load =
      parse_scenario(kHeader + kValidSpec.substr(0, kValidSpec.find("  configurations:")) +
                         "  configurations:\n"
                         "    - {endophyte: game-server-vm.yaml}\n"
                         "    - {endophyte: game-server-vm.yaml, name: faster,\n"
                         "       distributedRAM: {replicationInterval: 5ms}}\n",
                     "s.yaml", examples);
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  const auto& configurations = load.scenario->configurations;
  CHECK(configurations[0].name == "game-server-vm");
  CHECK(configurations[1].name == "faster");
  CHECK(configurations[1].ram.replication_interval == std::chrono::milliseconds(5));
  // Everything else comes from the manifest.
  CHECK(configurations[1].ram.buffer_bytes == configurations[0].ram.buffer_bytes);
  CHECK(configurations[1].rhizomorph == configurations[0].rhizomorph);

  const std::string missing = errors_of(kValidSpec.substr(0, kValidSpec.find("  configurations:")) +
                                        "  configurations: [{endophyte: no-such.yaml}]\n");
  CHECK(missing.find("spec.configurations[0].endophyte: cannot read") != std::string::npos);
  // A manifest's own errors point into that manifest.
  const std::string broken =
      parse_scenario(kHeader + kValidSpec.substr(0, kValidSpec.find("  configurations:")) +
                         "  configurations: [{endophyte: broken-endophyte.yaml}]\n",
                     "s.yaml", std::string(MYCELIUM_SOURCE_DIR) + "/tests/cli/fixtures")
          .diagnostics.format();
  CHECK(broken.find("broken-endophyte.yaml:") != std::string::npos);
}

TEST_CASE("device files are refused as traces and manifests instead of read forever") {
  const std::string head = kValidSpec.substr(0, kValidSpec.find("  workloads:"));
  CHECK(errors_of(head + "  workloads: [{name: w, memorySize: 64Mi, trace: /dev/zero}]\n" +
                  "  configurations: [{name: c, distributedRAM: {bufferSize: 8Mi}}]\n")
            .find("/dev/zero: expected a regular file") != std::string::npos);
  CHECK(errors_of(kValidSpec.substr(0, kValidSpec.find("  configurations:")) +
                  "  configurations: [{endophyte: /dev/zero}]\n")
            .find("cannot read /dev/zero: not a regular file") != std::string::npos);
}

TEST_CASE("a workload may track its pages in groups") {
  const std::string grouped =
      "  duration: 10s\n  seeds: [1]\n  networks: [{name: lan, profile: lan}]\n"
      "  workloads: [{name: w, memorySize: 64Mi, writeRate: 100, pageGroup: 16}]\n"
      "  configurations: [{name: c, distributedRAM: {bufferSize: 8Mi}}]\n";
  const ScenarioLoad load = parse_scenario(kHeader + grouped, "s.yaml", ".");
  INFO(load.diagnostics.format());
  REQUIRE(load.scenario.has_value());
  CHECK(load.scenario->workloads[0].spec.page_group == 16);
  CHECK(load.scenario->workloads[0].spec.tracked_page_bytes() == 65536);

  std::string not_power = grouped;
  not_power.replace(not_power.find("pageGroup: 16"), 13, "pageGroup: 12");
  CHECK(errors_of(not_power) ==
        "s.yaml:8:70: spec.workloads[0].pageGroup: expected a power of two (1, 2, 4 ... 4096), "
        "got 12\n");
  std::string too_coarse = grouped;
  too_coarse.replace(too_coarse.find("pageGroup: 16"), 13, "pageGroup: 4096");
  too_coarse.replace(too_coarse.find("memorySize: 64Mi"), 16, "memorySize: 24Mi");
  CHECK(errors_of(too_coarse)
            .find("spec.workloads[0]: memory_bytes must be a positive multiple "
                  "of the tracked page size (page_size_bytes 4096 x page_group "
                  "4096 = 16777216), got 25165824") != std::string::npos);
}
