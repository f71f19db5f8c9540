#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <core/manifest/emit.hpp>
#include <core/ram/failover_monitor.hpp>
#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/replication_run.hpp>
#include <sim/workload/simulated_guest.hpp>

namespace mycelium::sim {

namespace {

constexpr NodeId kPrimary{0};
constexpr double kNotApplicable = std::numeric_limits<double>::quiet_NaN();

double seconds(Duration duration) {
  return std::chrono::duration<double>(duration).count();
}
double seconds(TimePoint at) {
  return seconds(at.time_since_epoch());
}

// The primary alone on site A, the backups together on site B, the scenario's network between.
PlatformSpec platform_for(const Scenario& scenario, const NetworkSpec& network) {
  PlatformSpec spec;
  spec.nodes.push_back(NodeSpec{"primary", "site-a", network.nic_bandwidth_bytes_per_s, {}});
  for (std::uint32_t b = 1; b <= scenario.backup_count; ++b) {
    spec.nodes.push_back(
        NodeSpec{"backup-" + std::to_string(b), "site-b", network.nic_bandwidth_bytes_per_s, {}});
  }
  spec.intra_zone = kLanProfile;
  spec.inter_zone = network.link;
  return spec;
}

std::string resolved_config(const Scenario& scenario, const RunSpec& run) {
  manifest::EndophyteVM vm;
  vm.metadata.name = run.configuration->name;
  vm.vm_spec.cpu_cores = 1;
  vm.vm_spec.memory_bytes = run.workload->spec.memory_bytes;
  vm.vm_spec.disk_bytes = run.workload->spec.memory_bytes;
  vm.vm_spec.os_config.type = "simulated";
  vm.distributed_ram = run.configuration->ram;
  vm.rhizomorph_connections = run.configuration->rhizomorph;
  vm.backup_strategy.node_count = scenario.backup_count;
  const NetworkSpec& network = *run.network;
  return "# scenario " + scenario.name + ", run " + run.name + "\n# network " + network.name +
         ": one-way latency " + std::to_string(network.link.latency_s * 1e3) + " ms, bandwidth " +
         std::to_string(network.link.bandwidth_bytes_per_s * 8e-6) + " Mbit/s\n# workload " +
         run.workload->name + ": working set " +
         std::to_string(run.workload->spec.working_set_bytes) + " bytes\n" +
         manifest::to_yaml(manifest::Object{vm});
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return kNotApplicable;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(std::ceil(fraction * values.size())) - 1;
  return values[std::min(index, values.size() - 1)];
}

// Samples the run every sample_interval into columns of the results file.
class Sampler {
 public:
  Sampler(SimulatedGuest& guest, const ram::ReplicationPrimary& primary, MemoryMetrics& metrics)
      : guest_(guest), primary_(primary), metrics_(metrics) {
    // One throughput column per rhizomorph connection: send_rate_b<backup>_c<connection>.
    for (std::size_t b = 0; b < primary_.config().backups.size(); ++b) {
      for (std::uint32_t c = 0; c < primary_.config().connections_per_backup; ++c) {
        columns.push_back(
            {"send_rate_b" + std::to_string(b + 1) + "_c" + std::to_string(c), "bytes/s", {}});
        previous_connection_bytes_.push_back(0);
      }
    }
  }

  void sample(TimePoint now, bool primary_alive) {
    const double interval_s = seconds(now - previous_at_);
    const double progress = guest_.progress_s();
    const std::uint64_t dirtied = guest_.dirtied_pages_total() * guest_.spec().page_size_bytes;
    // What the backups acknowledged: the throughput the network delivered, not what was queued.
    const auto sent = static_cast<std::uint64_t>(metrics_.counter("replication_bytes_acked_total"));
    const ram::ReplicationBuffer& buffer = primary_.buffer();
    time_s.push_back(seconds(now));
    columns[0].values.push_back(primary_alive ? buffer.level() : kNotApplicable);
    columns[1].values.push_back(primary_alive ? primary_.throttle_intensity() : kNotApplicable);
    columns[2].values.push_back(interval_s > 0 ? (dirtied - previous_dirtied_) / interval_s : 0);
    columns[3].values.push_back(interval_s > 0 ? (sent - previous_sent_) / interval_s : 0);
    columns[4].values.push_back(primary_alive ? static_cast<double>(buffer.uncommitted_bytes())
                                              : kNotApplicable);
    const std::optional<TimePoint> oldest = buffer.oldest_uncommitted_write();
    columns[5].values.push_back(!primary_alive ? kNotApplicable
                                : oldest       ? seconds(now - *oldest)
                                               : 0.0);
    columns[6].values.push_back(progress);
    columns[7].values.push_back(guest_.is_paused() ? 1.0 : 0.0);
    std::size_t column = kFixedColumns;
    for (NodeId backup : primary_.config().backups) {
      for (std::uint32_t c = 0; c < primary_.config().connections_per_backup; ++c, ++column) {
        const std::uint64_t bytes = primary_.connection_acked_bytes(backup, c);
        std::uint64_t& previous = previous_connection_bytes_[column - kFixedColumns];
        columns[column].values.push_back(
            interval_s > 0 ? static_cast<double>(bytes - previous) / interval_s : 0.0);
        previous = bytes;
      }
    }
    previous_at_ = now;
    previous_dirtied_ = dirtied;
    previous_sent_ = sent;
  }

  std::vector<double> time_s;
  std::vector<analysis::TimeSeriesColumn> columns{
      {"buffer_level", "ratio", {}}, {"throttle_intensity", "ratio", {}},
      {"dirty_rate", "bytes/s", {}}, {"send_rate", "bytes/s", {}},
      {"lag_bytes", "bytes", {}},    {"lag_s", "s", {}},
      {"guest_progress", "s", {}},   {"paused", "boolean", {}},
  };

 private:
  SimulatedGuest& guest_;
  const ram::ReplicationPrimary& primary_;
  MemoryMetrics& metrics_;
  TimePoint previous_at_{};
  std::uint64_t previous_dirtied_ = 0;
  std::uint64_t previous_sent_ = 0;
  std::vector<std::uint64_t> previous_connection_bytes_;
  static constexpr std::size_t kFixedColumns = 8;
};

}  // namespace

analysis::RunResult run_replication(const Scenario& scenario, const RunSpec& run) {
  MYCELIUM_ASSERT(run.network && run.workload && run.configuration);
  Simulation simulation(platform_for(scenario, *run.network), run.seed);

  auto guest_owner = std::make_unique<SimulatedGuest>(
      run.workload->spec, RandomStream::derive(run.seed, kPrimary, "guest"),
      [&simulation] { return simulation.now(); });
  SimulatedGuest& guest = *guest_owner;
  simulation.attach_vm(kPrimary, std::move(guest_owner));

  ram::PrimaryConfig config;
  config.ram = run.configuration->ram;
  config.connections_per_backup = run.configuration->rhizomorph.target_count;
  config.load_balancing = run.configuration->rhizomorph.load_balancing;
  config.page_size_bytes = run.workload->spec.page_size_bytes;
  for (std::uint32_t b = 1; b <= scenario.backup_count; ++b)
    config.backups.push_back(NodeId{b});
  if (const std::string problem = ram::validate(config, simulation.node(kPrimary).vm());
      !problem.empty()) {
    throw std::runtime_error("run " + run.name + ": " + problem);
  }

  std::vector<std::unique_ptr<ram::ReplicationBackup>> backups;
  for (NodeId node : config.backups) {
    backups.push_back(
        std::make_unique<ram::ReplicationBackup>(simulation.node(node), kPrimary, config.stream));
  }
  struct Promotion {
    NodeId node;
    ram::RestorePoint restore_point;
    TimePoint at;
  };
  std::optional<Promotion> promotion;
  std::vector<std::unique_ptr<ram::FailoverMonitor>> monitors;
  for (std::size_t i = 0; i < config.backups.size(); ++i) {
    ram::FailoverConfig failover;
    failover.stream = config.stream;
    failover.primary = kPrimary;
    failover.failure_timeout = scenario.failure_timeout;
    failover.election_window = scenario.election_window;
    for (NodeId peer : config.backups) {
      if (peer != config.backups[i]) failover.peers.push_back(peer);
    }
    const NodeId self = config.backups[i];
    monitors.push_back(std::make_unique<ram::FailoverMonitor>(
        simulation.node(self), *backups[i], failover,
        [&promotion, &simulation, self](const ram::RestorePoint& from) {
          // Two promotions would be a split brain: the scenario's results would be meaningless.
          if (promotion) throw std::runtime_error("two backups promoted themselves");
          promotion = Promotion{self, from, simulation.now()};
        }));
  }
  auto primary = std::make_unique<ram::ReplicationPrimary>(simulation.node(kPrimary), config);

  analysis::RunResult result;
  Sampler sampler(guest, *primary, simulation.metrics(kPrimary));
  std::optional<TimePoint> crashed_at;
  const TimePoint end = TimePoint(scenario.duration);
  std::optional<ram::MigrationOutcome> migration;
  for (const FaultSpec& fault : scenario.faults) {
    if (fault.kind == FaultKind::kCrashPrimary) {
      simulation.schedule_fault(TimePoint(fault.at), [&] {
        if (crashed_at) return;
        crashed_at = simulation.now();
        guest.pause();  // its host is gone: the guest stops with it
        simulation.crash_node(kPrimary);
      });
      continue;
    }
    simulation.schedule_fault(TimePoint(fault.at), [&, fault] {
      if (crashed_at || primary->migrating() || migration) return;
      ram::MigrationConfig migrate;
      migrate.target = NodeId{fault.target_backup};
      migrate.convergence_timeout = fault.convergence_timeout;
      result.events.emplace_back("migration_start", seconds(simulation.now()));
      primary->start_migration(migrate, [&](const ram::MigrationOutcome& outcome) {
        migration = outcome;
        if (outcome.paused_at)
          result.events.emplace_back("migration_pause", seconds(*outcome.paused_at));
        result.events.emplace_back(outcome.completed ? "migration_done" : "migration_aborted",
                                   seconds(outcome.finished_at));
        // Completed: the guest resumes on the target, unreplicated for the rest of this run;
        // the old primary's silence is no failure, so the backups stop watching for one.
        if (outcome.completed) {
          guest.resume();
          monitors.clear();
        }
      });
    });
  }
  std::function<void()> sample_and_reschedule = [&] {
    sampler.sample(simulation.now(), !crashed_at);
    const TimePoint next = simulation.now() + scenario.sample_interval;
    if (next <= end) simulation.schedule_fault(next, sample_and_reschedule);
  };
  simulation.schedule_fault(TimePoint(scenario.sample_interval), sample_and_reschedule);
  simulation.run_until(end);

  // --- summary ---
  result.name = run.name;
  result.seed = run.seed;
  result.labels = {
      {"network", run.network->name},
      {"workload", run.workload->name},
      {"configuration", run.configuration->name},
      {"curve",
       std::string(manifest::kCurveTypeNames.name(run.configuration->ram.throttling_curve.type))},
      {"emergency_pause", run.configuration->ram.emergency_pause_enabled ? "on" : "off"},
      {"seed", std::to_string(run.seed)}};
  result.resolved_config_yaml = resolved_config(scenario, run);
  result.time_s = sampler.time_s;
  result.series = sampler.columns;

  const TimePoint running_until = crashed_at.value_or(end);
  const double running_s = seconds(running_until);
  const MemoryMetrics& metrics = simulation.metrics(kPrimary);
  std::vector<double> lag_ms;
  std::vector<double> intensity;
  double paused_s = 0.0;
  const double tick_s = seconds(config.ram.replication_interval);
  for (const auto& sample : metrics.series("replication_lag_ms"))
    lag_ms.push_back(sample.value);
  for (const auto& sample : metrics.series("throttle_intensity_ratio"))
    intensity.push_back(sample.value);
  for (const auto& sample : metrics.series("guest_paused"))
    paused_s += sample.value * tick_s;
  double mean_intensity = 0.0;
  for (double value : intensity)
    mean_intensity += value;
  if (!intensity.empty()) mean_intensity /= static_cast<double>(intensity.size());

  const double slowdown_pct =
      running_s > 0 ? 100.0 * (1.0 - guest.progress_s() / running_s) : kNotApplicable;
  result.summary = {
      {"slowdown_pct", slowdown_pct},
      {"throttle_mean_ratio", mean_intensity},
      {"lag_p50_ms", percentile(lag_ms, 0.50)},
      {"lag_p99_ms", percentile(lag_ms, 0.99)},
      {"pause_s", paused_s},
      {"pause_count", static_cast<double>(metrics.counter("replication_emergency_pauses_total"))},
      {"bytes_sent", static_cast<double>(metrics.counter("replication_bytes_sent_total"))},
      {"bytes_discarded",
       static_cast<double>(metrics.counter("replication_discarded_bytes_total"))},
      {"epochs_committed", static_cast<double>(primary->buffer().last_committed())},
  };

  const auto not_applicable = [&result](std::initializer_list<const char*> names) {
    for (const char* name : names)
      result.summary.emplace_back(name, kNotApplicable);
  };
  if (crashed_at) {
    result.events.emplace_back("primary_crash", seconds(*crashed_at));
  }
  if (crashed_at && promotion) {
    result.events.emplace_back("failover", seconds(promotion->at));
    const ram::RestorePoint& restored = promotion->restore_point;
    const std::optional<std::uint64_t> at_restore = primary->dirtied_bytes_at(restored.epoch);
    const std::optional<std::uint64_t> at_commit =
        primary->dirtied_bytes_at(primary->buffer().last_committed());
    // Guest data written after the restored snapshot is lost; of it, what the primary had
    // already committed (clients may have seen it) is the committed loss.
    const double rpo_bytes = at_restore
                                 ? static_cast<double>(primary->dirtied_bytes_total() - *at_restore)
                                 : kNotApplicable;
    const double committed_lost = at_restore && at_commit && *at_commit > *at_restore
                                      ? static_cast<double>(*at_commit - *at_restore)
                                      : 0.0;
    result.summary.emplace_back("rpo_bytes", rpo_bytes);
    result.summary.emplace_back("rpo_s", seconds(*crashed_at - restored.snapshot_time));
    result.summary.emplace_back("committed_lost_bytes", committed_lost);
    result.summary.emplace_back("failover_s", seconds(promotion->at - *crashed_at));
  } else if (crashed_at) {
    // The primary died and no backup took over before the end of the run.
    result.events.emplace_back("no_failover", seconds(end));
    not_applicable({"rpo_bytes", "rpo_s", "committed_lost_bytes", "failover_s"});
  } else {
    not_applicable({"rpo_bytes", "rpo_s", "committed_lost_bytes", "failover_s"});
  }
  if (migration) {
    result.summary.emplace_back("migration_completed", migration->completed ? 1.0 : 0.0);
    result.summary.emplace_back("migration_s",
                                seconds(migration->finished_at - migration->started_at));
    result.summary.emplace_back("migration_blackout_s", migration->completed
                                                            ? seconds(migration->blackout())
                                                            : kNotApplicable);
  } else {
    not_applicable({"migration_completed", "migration_s", "migration_blackout_s"});
  }
  if (promotion && !crashed_at) {
    throw std::runtime_error("a backup promoted itself while the primary was alive (at " +
                             format_time(promotion->at) + ")");
  }
  std::stable_sort(result.events.begin(), result.events.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  monitors.clear();
  primary.reset();
  backups.clear();
  return result;
}

}  // namespace mycelium::sim
