// Whole replication runs in SimGrid (each in a forked child, as `mycelium run` does), checked
// against what the issue promises: the analytic operating point of a throttling curve, and no
// committed epoch lost at failover with emergency pause.

#include <cmath>
#include <sstream>

#include <catch2/catch.hpp>

#include <sim/scenario/replication_run.hpp>
#include <tests/unit/sim/env/fork_helper.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kPage = 4096;

double metric(const analysis::RunResult& run, const std::string& name) {
  for (const auto& [key, value] : run.summary) {
    if (key == name) return value;
  }
  FAIL("no metric " << name);
  return 0.0;
}

const analysis::TimeSeriesColumn& column(const analysis::RunResult& run, const std::string& name) {
  for (const auto& series : run.series) {
    if (series.name == name) return series;
  }
  throw std::runtime_error("no series " + name);
}

// One backup behind a link of `link_bytes_per_s`; a uniform writer over a large working set, so
// that almost every write dirties a new page.
Scenario single_backup_scenario(double link_bytes_per_s, double write_rate_pages_per_s,
                                std::uint32_t page_group = 1) {
  Scenario scenario;
  scenario.name = "test";
  scenario.duration = 20s;
  scenario.seeds = {1};
  scenario.backup_count = 1;
  scenario.connections_per_backup = 1;
  scenario.networks.push_back(NetworkSpec{"link", LinkProfile{0.1e-3, link_bytes_per_s},
                                          kLanProfile.bandwidth_bytes_per_s});
  WorkloadSpec workload;
  workload.memory_bytes = 4ULL << 30;
  workload.working_set_bytes = 4ULL << 30;
  workload.schedule = RateSchedule::constant(write_rate_pages_per_s);
  workload.page_group = page_group;
  scenario.workloads.push_back(NamedWorkload{"uniform", workload});
  ReplicationConfiguration configuration;
  configuration.name = "linear";
  configuration.backup_strategy.node_count = 1;
  configuration.rhizomorph.target_count = 1;
  configuration.ram.buffer_bytes = 64ULL << 20;
  configuration.ram.throttle_threshold = 0.6;
  configuration.ram.max_intensity = 0.9;
  configuration.ram.throttling_curve.type = manifest::CurveType::kLinear;
  configuration.ram.replication_interval = 10ms;
  scenario.configurations.push_back(configuration);
  return scenario;
}

}  // namespace

TEST_CASE("above the link rate the linear curve settles where D(1-i) = B") {
  const double link_bytes_per_s = 125e6;                // 1 Gbit/s between the sites
  const double write_rate_pages_per_s = 250e6 / kPage;  // D = 250 MB/s
  // Single pages, and pages tracked in groups of 16 (the faster, coarser model): the same guest
  // must settle at the same point.
  const std::uint32_t page_group = GENERATE(1U, 16U);
  CAPTURE(page_group);
  const std::string text = testing::run_in_child_process([&] {
    const Scenario scenario =
        single_backup_scenario(link_bytes_per_s, write_rate_pages_per_s, page_group);
    const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
    // Progress over the second half: the guest ran at (1 - mean intensity) once settled.
    const auto& progress = column(run, "guest_progress").values;
    const std::size_t half = run.time_s.size() / 2;
    const double rate = (progress.back() - progress[half]) / (run.time_s.back() - run.time_s[half]);
    std::ostringstream out;
    out << 1.0 - rate << " " << metric(run, "pause_count");
    return out.str();
  });
  std::istringstream in(text);
  double settled_intensity = 0.0;
  double pauses = 0.0;
  in >> settled_intensity >> pauses;
  const double analytic = 1.0 - link_bytes_per_s / (write_rate_pages_per_s * kPage);  // 0.5
  INFO("settled intensity " << settled_intensity << ", analytic " << analytic);
  CHECK(std::abs(settled_intensity - analytic) <= 0.05 * analytic);
  CHECK(pauses == 0.0);  // the curve alone holds it: the level stays below 1
}

TEST_CASE("below the link rate the guest is never throttled") {
  const std::string text = testing::run_in_child_process([] {
    const Scenario scenario = single_backup_scenario(125e6, 50e6 / kPage);  // D = 50 MB/s
    const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
    double max_level = 0.0;
    for (double level : column(run, "buffer_level").values)
      max_level = std::max(max_level, level);
    std::ostringstream out;
    out << max_level << " " << metric(run, "slowdown_pct");
    return out.str();
  });
  std::istringstream in(text);
  double max_level = 0.0;
  double slowdown_pct = 0.0;
  in >> max_level >> slowdown_pct;
  CHECK(max_level < 0.6);
  CHECK(slowdown_pct == Approx(0.0).margin(1e-9));
}

namespace {

constexpr std::uint64_t kBufferBytes = 32ULL << 20;

// Two backups behind 1 Gbit/s, a guest dirtying about twice what the link carries, the primary
// crashing at a time that differs per seed (1.5 s .. 2.5 s) so crashes hit every phase of the
// pause cycle. Returns "committed_lost rpo_bytes failover_s" per seed.
std::string crash_sweep(bool emergency_pause, int seed_count) {
  std::ostringstream out;
  for (int seed = 1; seed <= seed_count; ++seed) {
    out << testing::run_in_child_process([&] {
      Scenario scenario = single_backup_scenario(125e6, 60000);
      scenario.duration = 4s;
      scenario.backup_count = 2;
      scenario.configurations[0].backup_strategy.node_count = 2;
      scenario.seeds = {static_cast<std::uint64_t>(seed)};
      scenario.workloads[0].spec.memory_bytes = 512ULL << 20;
      scenario.workloads[0].spec.working_set_bytes = 256ULL << 20;
      scenario.configurations[0].ram.buffer_bytes = kBufferBytes;
      scenario.configurations[0].ram.emergency_pause_enabled = emergency_pause;
      FaultSpec crash;
      crash.kind = FaultKind::kCrashPrimary;
      crash.at = 1500ms + std::chrono::milliseconds(seed * 37 % 1000);
      scenario.faults.push_back(crash);
      const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
      std::ostringstream line;
      line << metric(run, "committed_lost_bytes") << " " << metric(run, "rpo_bytes") << " "
           << metric(run, "failover_s") << "\n";
      return line.str();
    });
  }
  return out.str();
}

}  // namespace

TEST_CASE("with emergency pause no committed epoch is lost at failover, over 50 seeds") {
  std::istringstream in(crash_sweep(true, 50));
  int runs = 0;
  double committed_lost = 0.0, rpo_bytes = 0.0, failover_s = 0.0;
  while (in >> committed_lost >> rpo_bytes >> failover_s) {
    ++runs;
    INFO("seed " << runs);
    CHECK(committed_lost == 0.0);
    // Everything written since the restore point was in the buffer, which the pause bounds.
    CHECK(rpo_bytes <= kBufferBytes);
    CHECK(rpo_bytes > 0.0);
    CHECK(failover_s > 0.0);
    CHECK(failover_s < 1.0);
  }
  CHECK(runs == 50);
}

TEST_CASE("best effort reports what failover lost, over 50 seeds") {
  std::istringstream in(crash_sweep(false, 50));
  int runs = 0;
  double committed_lost = 0.0, rpo_bytes = 0.0, failover_s = 0.0, max_rpo_bytes = 0.0;
  while (in >> committed_lost >> rpo_bytes >> failover_s) {
    ++runs;
    INFO("seed " << runs);
    CHECK(std::isfinite(rpo_bytes));
    CHECK(rpo_bytes > 0.0);
    CHECK(failover_s > 0.0);
    max_rpo_bytes = std::max(max_rpo_bytes, rpo_bytes);
  }
  CHECK(runs == 50);
  // A crash during a stale episode loses everything since the last restorable epoch, which may
  // exceed bufferSize (32 MiB): measured at most 33.6 MiB here (docs/replication.md); printed.
  WARN("best effort: largest RPO over 50 seeds " << max_rpo_bytes / (1 << 20) << " MiB");
}

TEST_CASE("a planned migration over a simulated WAN completes with a short blackout") {
  const std::string text = testing::run_in_child_process([] {
    Scenario scenario = single_backup_scenario(125e6, 10000);  // 41 MB/s: below the link
    scenario.networks[0].link.latency_s = 40e-3;
    scenario.duration = 10s;
    FaultSpec migrate;
    migrate.kind = FaultKind::kMigrate;
    migrate.at = 3s;
    migrate.target_backup = 1;
    migrate.convergence_timeout = 5s;
    scenario.faults.push_back(migrate);
    const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
    std::ostringstream out;
    out << metric(run, "migration_completed") << " " << metric(run, "migration_blackout_s");
    return out.str();
  });
  std::istringstream in(text);
  double completed = 0.0, blackout_s = 0.0;
  in >> completed >> blackout_s;
  CHECK(completed == 1.0);
  // At least a round trip over 2 x 40.2 ms, and far less than a second.
  CHECK(blackout_s >= 0.08);
  CHECK(blackout_s < 0.5);
}

namespace {

// Candidates in three zones: a near rack (busy), a metro site, a remote site (idle, slow).
Scenario placement_scenario(manifest::BackupSelection criterion, bool auto_profile) {
  Scenario scenario = single_backup_scenario(1.25e9, 1000);
  scenario.duration = 2s;
  scenario.candidates = {
      CandidateSite{"rack", 2, 0.1e-3, 1.25e9, 0.8, 1ULL << 40},
      CandidateSite{"metro", 2, 2e-3, 1.25e9, 0.3, 1ULL << 40},
      CandidateSite{"remote", 2, 40e-3, 1.25e8, 0.0, 1ULL << 40},
  };
  ReplicationConfiguration& configuration = scenario.configurations[0];
  configuration.backup_strategy.node_count = 2;
  configuration.backup_strategy.selection_criteria = criterion;
  configuration.auto_latency_profile = auto_profile;
  return scenario;
}

std::string run_labels(manifest::BackupSelection criterion, bool auto_profile) {
  return testing::run_in_child_process([=] {
    const Scenario scenario = placement_scenario(criterion, auto_profile);
    const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
    return run.labels.at("backups") + " " + run.labels.at("latency_profile") + " " +
           std::to_string(metric(run, "deployed_s") > 0.0);
  });
}

}  // namespace

TEST_CASE("backups are chosen from the candidates by measured round trips and the criterion") {
  using manifest::BackupSelection;
  // Latency: the two rack nodes (0.1 ms away, measured by the probe before deployment).
  CHECK(run_labels(BackupSelection::kLatencyOptimized, false) == "rack-1,rack-2 off 1");
  // Zone-diverse: never two in one zone, the nearest of each.
  CHECK(run_labels(BackupSelection::kZoneDiverse, false) == "rack-1,metro-1 off 1");
  // Least-loaded: the idle remote site.
  CHECK(run_labels(BackupSelection::kLeastLoaded, false) == "remote-1,remote-2 off 1");
}

TEST_CASE("the latency profile follows the measured round trip to the chosen backups") {
  using manifest::BackupSelection;
  CHECK(run_labels(BackupSelection::kLatencyOptimized, true) == "rack-1,rack-2 lan 1");
  CHECK(run_labels(BackupSelection::kLeastLoaded, true) == "remote-1,remote-2 wan 1");
}

TEST_CASE("a route that turns intercontinental mid-run brings the WAN profile to the primary") {
  const std::string text = testing::run_in_child_process([] {
    Scenario scenario = single_backup_scenario(125e6, 1000);
    scenario.duration = 30s;
    scenario.profile_probe_period = 1s;
    scenario.configurations[0].auto_latency_profile = true;
    FaultSpec slower;
    slower.kind = FaultKind::kLinkLatency;
    slower.at = 5s;
    slower.zone = "site-b";
    slower.latency = 30ms;  // one way: round trips above 60 ms
    FaultSpec crash;
    crash.kind = FaultKind::kCrashPrimary;
    crash.at = 25s;
    scenario.faults = {slower, crash};
    const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
    std::ostringstream out;
    out << run.labels.at("latency_profile") << " " << metric(run, "epochs_committed");
    for (const auto& [kind, at] : run.events)
      out << " " << kind << "@" << std::lround(at);
    return out.str();
  });
  INFO(text);
  std::istringstream in(text);
  std::string deployed_profile;
  double committed = 0.0;
  in >> deployed_profile >> committed;
  CHECK(deployed_profile == "lan");  // chosen at deployment from the first probe
  std::vector<std::string> events;
  for (std::string event; in >> event;)
    events.push_back(event.substr(0, event.find('@')));
  // The autopilot starts from the deployment's LAN profile (its first probe agrees: nothing is
  // applied again), then follows the route: medium once the smoothed RTT passes 2.5 ms, WAN once
  // it passes 37.5 ms, each after three agreeing probes (1 s apart). The backup that takes over
  // after the crash inherits the WAN settings and the profile: its own probes apply nothing.
  CHECK(events == std::vector<std::string>{"link_latency", "latency_profile_medium",
                                           "latency_profile_wan", "primary_crash", "failover",
                                           "takeover"});
  CHECK(committed > 100);  // replication went on
}

TEST_CASE("a backup crash is survived and a partition longer than the timeout is reported") {
  const std::string text = testing::run_in_child_process([] {
    Scenario scenario = single_backup_scenario(125e6, 5000);
    scenario.duration = 8s;
    scenario.backup_count = 2;
    scenario.configurations[0].backup_strategy.node_count = 2;
    FaultSpec crash;
    crash.kind = FaultKind::kCrashBackup;
    crash.at = 1s;
    crash.target_backup = 2;
    FaultSpec partition;
    partition.kind = FaultKind::kLinkDown;
    partition.at = 5s;
    partition.zone = "site-b";
    partition.down_for = 2s;
    scenario.faults = {crash, partition};
    const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
    std::ostringstream out;
    out << metric(run, "split_brain") << " " << metric(run, "epochs_committed");
    for (const auto& [kind, at] : run.events)
      out << " " << kind;
    return out.str();
  });
  std::istringstream in(text);
  double split_brain = 0.0, committed = 0.0;
  in >> split_brain >> committed;
  std::string events;
  std::getline(in, events);
  INFO(text);
  // The primary declares backup-2 failed after 2 s and keeps committing with backup-1 alone...
  CHECK(committed > 300);
  // ... until the 2 s partition, longer than the 0.5 s failure timeout: backup-1 takes over
  // while the primary still runs, and the run says so.
  CHECK(split_brain == 1.0);
  CHECK(events == " backup_crash link_down failover_while_primary_alive link_up");
}

TEST_CASE("after a failover the promoted backup resumes the guest and replicates to the rest") {
  const std::string text = testing::run_in_child_process([] {
    Scenario scenario = single_backup_scenario(125e6, 5000);
    scenario.duration = 6s;
    scenario.backup_count = 3;
    scenario.configurations[0].backup_strategy.node_count = 3;
    FaultSpec crash;
    crash.kind = FaultKind::kCrashPrimary;
    crash.at = 2s;
    scenario.faults = {crash};
    const analysis::RunResult run = run_replication(scenario, expand_sweep(scenario).at(0));
    const auto& progress = column(run, "guest_progress").values;
    std::ostringstream out;
    out << metric(run, "epochs_committed_after_failover") << " " << progress.back() << " "
        << metric(run, "failover_s");
    for (const auto& [kind, at] : run.events)
      out << " " << kind;
    return out.str();
  });
  std::istringstream in(text);
  double committed_after = 0.0, final_progress_s = 0.0, failover_s = 0.0;
  in >> committed_after >> final_progress_s >> failover_s;
  std::string events;
  std::getline(in, events);
  INFO(text);
  CHECK(events == " primary_crash failover takeover");
  CHECK(committed_after > 100);  // replicating again, to the two remaining backups
  // The guest ran about 2 s before the crash and about (6 - 2 - failover) s after the takeover.
  CHECK(final_progress_s > 2.0 + (4.0 - failover_s) * 0.9);
  CHECK(final_progress_s < 6.0);
}
