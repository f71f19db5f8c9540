#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

#include <core/manifest/emit.hpp>
#include <core/placement/backup_selection.hpp>
#include <core/placement/latency_profile.hpp>
#include <core/placement/rtt_probe.hpp>
#include <core/ram/failover_monitor.hpp>
#include <core/ram/profile_autopilot.hpp>
#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/percentile.hpp>
#include <sim/scenario/replication_run.hpp>
#include <sim/scenario/run_sampler.hpp>
#include <sim/scenario/units.hpp>
#include <sim/workload/simulated_guest.hpp>

namespace mycelium::sim {

namespace {

constexpr NodeId kPrimary{0};
constexpr std::string_view kPrimaryZone = "site-a";

// The primary alone on site A. Without candidates, `backups` nodes together on site B, the
// network's link between; with candidates, each candidate site is a zone of its own, linked to
// site A by its own latency and bandwidth where given (the network's link otherwise).
PlatformSpec platform_for(const Scenario& scenario, const NetworkSpec& network) {
  PlatformSpec spec;
  const double nic = network.nic_bandwidth_bytes_per_s;
  spec.nodes.push_back(NodeSpec{"primary", std::string(kPrimaryZone), nic, {}});
  spec.intra_zone = kLanProfile;
  spec.inter_zone = network.link;
  if (scenario.candidates.empty()) {
    for (std::uint32_t b = 1; b <= scenario.backup_count; ++b)
      spec.nodes.push_back(NodeSpec{"backup-" + std::to_string(b), "site-b", nic, {}});
    return spec;
  }
  for (const CandidateSite& site : scenario.candidates) {
    for (std::uint32_t i = 1; i <= site.count; ++i)
      spec.nodes.push_back(NodeSpec{site.zone + "-" + std::to_string(i), site.zone, nic, {}});
    LinkProfile link = network.link;
    if (site.latency_s) link.latency_s = *site.latency_s;
    if (site.bandwidth_bytes_per_s) link.bandwidth_bytes_per_s = *site.bandwidth_bytes_per_s;
    spec.overrides.push_back(ZonePairProfile{std::string(kPrimaryZone), site.zone, link});
  }
  return spec;
}

// The candidate site of node `node` (nodes 1.. over the candidate sites, in order).
const CandidateSite* site_of(const Scenario& scenario, NodeId node) {
  std::uint32_t first = 1;
  for (const CandidateSite& site : scenario.candidates) {
    if (node.value < first + site.count) return &site;
    first += site.count;
  }
  return nullptr;
}

std::string resolved_config(const Scenario& scenario, const RunSpec& run,
                            const manifest::DistributedRamConfig& ram) {
  manifest::EndophyteVM vm;
  vm.metadata.name = run.configuration->name;
  vm.vm_spec.cpu_cores = 1;
  vm.vm_spec.memory_bytes = run.workload->spec.memory_bytes;
  vm.vm_spec.disk_bytes = run.workload->spec.memory_bytes;
  vm.vm_spec.os_config.type = "simulated";
  vm.distributed_ram = ram;
  vm.rhizomorph_connections = run.configuration->rhizomorph;
  vm.backup_strategy = run.configuration->backup_strategy;
  const NetworkSpec& network = *run.network;
  return "# scenario " + scenario.name + ", run " + run.name + "\n# network " + network.name +
         ": one-way latency " + std::to_string(network.link.latency_s * 1e3) + " ms, bandwidth " +
         std::to_string(network.link.bandwidth_bytes_per_s * 8e-6) + " Mbit/s\n# workload " +
         run.workload->name + ": working set " +
         std::to_string(run.workload->spec.working_set_bytes) + " bytes, tracked in pages of " +
         std::to_string(run.workload->spec.tracked_page_bytes()) + " bytes\n" +
         manifest::to_yaml(manifest::Object{vm});
}

// One run: deploy (measure, choose backups, configure, start replication and the guest), inject
// the scenario's faults, sample, and summarize. Objects are created at deployment time, which
// is t = 0 unless the deployment first measures round trips.
class ReplicationRun {
 public:
  ReplicationRun(const Scenario& scenario, const RunSpec& run)
      : scenario_(scenario),
        run_(run),
        simulation_(platform_for(scenario, *run.network), run.seed),
        end_(TimePoint(scenario.duration)) {}

  analysis::RunResult execute() {
    const ReplicationConfiguration& configuration = *run_.configuration;
    const std::size_t pool = simulation_.spec().nodes.size() - 1;
    if (pool > configuration.backup_strategy.node_count || configuration.auto_latency_profile) {
      probe_then_deploy();
    } else {
      std::vector<NodeId> all;
      for (std::uint32_t node = 1; node <= pool; ++node)
        all.push_back(NodeId{node});
      if (pool < configuration.backup_strategy.node_count) {
        placement_notes_ += "# warning: backupStrategy.nodeCount is " +
                            std::to_string(configuration.backup_strategy.node_count) +
                            " but the scenario has " + std::to_string(pool) +
                            " backup nodes: all of them are used\n";
      }
      deploy(all, std::nullopt);
    }
    schedule_faults();
    simulation_.run_until(end_);
    return summarize();
  }

 private:
  struct Promotion {
    NodeId node;
    ram::RestorePoint restore_point;
    TimePoint at;
  };

  // Measure the round trip to every candidate, choose the backups by the configuration's
  // criterion, then deploy.
  void probe_then_deploy() {
    placement::RttProbeConfig config;
    for (std::uint32_t node = 1; node < simulation_.spec().nodes.size(); ++node) {
      config.targets.push_back(NodeId{node});
      responders_.push_back(
          std::make_unique<placement::RttResponder>(simulation_.node(NodeId{node})));
    }
    probe_ = std::make_unique<placement::RttProbe>(
        simulation_.node(kPrimary), config,
        [this](const std::vector<placement::RttMeasurement>& measurements) {
          // The probe cannot be destroyed inside its own callback: continue as the next event.
          simulation_.schedule_fault(simulation_.now(), [this, measurements] {
            probe_.reset();
            responders_.clear();
            choose_and_deploy(measurements);
          });
        });
  }

  void choose_and_deploy(const std::vector<placement::RttMeasurement>& measurements) {
    std::vector<placement::Candidate> candidates;
    for (const placement::RttMeasurement& measured : measurements) {
      placement::Candidate candidate;
      candidate.node = measured.target;
      candidate.zone = simulation_.spec().nodes[measured.target.value].zone;
      candidate.alive = measured.rtt.has_value();
      candidate.rtt = measured.rtt.value_or(Duration::max());
      candidate.bandwidth_bytes_per_s = static_cast<std::uint64_t>(
          route_bandwidth_bytes_per_s(simulation_.spec(), kPrimary, measured.target));
      const CandidateSite* site = site_of(scenario_, measured.target);
      candidate.load = site ? site->load : 0.0;
      candidate.free_memory_bytes = site ? site->free_memory_bytes : (1ULL << 40);
      candidates.push_back(candidate);
    }
    const placement::Primary primary{kPrimary, std::string(kPrimaryZone),
                                     run_.workload->spec.memory_bytes};
    const manifest::BackupStrategy& strategy = run_.configuration->backup_strategy;
    const placement::Selection selection = placement::select_backups(
        primary, candidates, strategy.node_count, strategy.selection_criteria);
    if (selection.backups.empty()) {
      throw std::runtime_error("run " + run_.name + ": no candidate can host a backup");
    }
    std::vector<NodeId> chosen;
    Duration slowest{};
    for (const placement::Choice& choice : selection.backups) {
      chosen.push_back(choice.node);
      slowest = std::max(slowest, candidates[choice.node.value - 1].rtt);
      placement_notes_ += "# backup " + simulation_.spec().nodes[choice.node.value].name + ": " +
                          choice.reason + "\n";
    }
    for (const std::string& warning : selection.warnings) {
      placement_notes_ += "# warning: " + warning + "\n";
    }
    deploy(chosen, slowest);
  }

  void deploy(const std::vector<NodeId>& backup_nodes, std::optional<Duration> measured_rtt) {
    deployed_at_ = simulation_.now();
    auto guest_owner = std::make_unique<SimulatedGuest>(
        run_.workload->spec, RandomStream::derive(run_.seed, kPrimary, "guest"),
        [this] { return simulation_.now(); });
    guest_ = guest_owner.get();
    // A primary crash measures the memory its failover loses (rpo_bytes): remember when each
    // page was last read, only then (8 bytes per page).
    if (std::any_of(scenario_.faults.begin(), scenario_.faults.end(),
                    [](const FaultSpec& fault) { return fault.kind == FaultKind::kCrashPrimary; }))
      guest_->remember_last_reads();
    simulation_.attach_vm(kPrimary, std::move(guest_owner));

    config_.ram = run_.configuration->ram;
    if (run_.configuration->auto_latency_profile && measured_rtt) {
      // The slowest chosen backup sets the profile: every epoch must reach it.
      profile_ = placement::classify_rtt(*measured_rtt);
      const placement::ProfileSettings settings =
          placement::apply_profile(*profile_, config_.ram, run_.workload->spec.memory_bytes);
      config_.ram = settings.ram;
      deployed_profile_ = settings;
      for (const std::string& line : settings.rationale) {
        placement_notes_ += "# profile: " + line + "\n";
      }
    }
    config_.connections_per_backup = run_.configuration->rhizomorph.target_count;
    config_.load_balancing = run_.configuration->rhizomorph.load_balancing;
    config_.page_size_bytes = run_.workload->spec.tracked_page_bytes();
    config_.backups = backup_nodes;
    if (const std::string problem = ram::validate(config_, simulation_.node(kPrimary).vm());
        !problem.empty()) {
      throw std::runtime_error("run " + run_.name + ": " + problem);
    }
    for (NodeId node : backup_nodes) {
      backups_.push_back(std::make_unique<ram::ReplicationBackup>(simulation_.node(node), kPrimary,
                                                                  config_.stream));
    }
    for (std::size_t i = 0; i < backup_nodes.size(); ++i)
      start_monitor(i);
    primary_ = std::make_unique<ram::ReplicationPrimary>(simulation_.node(kPrimary), config_);
    if (run_.configuration->auto_latency_profile)
      autopilot_ = start_autopilot(kPrimary, *primary_, deployed_profile_);
    sampler_ = std::make_unique<RunSampler>(*guest_, *primary_, simulation_.metrics(kPrimary),
                                            deployed_at_);
    schedule_sample(deployed_at_ + scenario_.sample_interval);
  }

  // latencyProfile: auto: the profile chosen at deployment stays under watch, as in myceliumd
  // (core/ram/profile_autopilot.hpp): the backups answer probes, and a route whose latency
  // changes (a linkLatency fault) brings another profile, applied to the running primary. The
  // primary's node and every backup answer probes from the start, so a backup that takes over
  // can be watched too.
  std::unique_ptr<ram::ProfileAutopilot> start_autopilot(
      NodeId node, ram::ReplicationPrimary& primary,
      std::optional<placement::ProfileSettings> applied) {
    if (responders_.empty()) {
      for (NodeId backup : config_.backups)
        responders_.push_back(std::make_unique<placement::RttResponder>(simulation_.node(backup)));
    }
    ram::AutopilotConfig autopilot;
    autopilot.base = run_.configuration->ram;
    autopilot.guest_memory_bytes = run_.workload->spec.memory_bytes;
    autopilot.probe_period = scenario_.profile_probe_period;
    autopilot.on_applied = [this](const placement::ProfileSettings& settings) {
      result_.events.emplace_back("latency_profile_" + std::string(to_string(settings.profile)),
                                  to_seconds(simulation_.now()));
    };
    autopilot.applied_at_start = std::move(applied);
    return std::make_unique<ram::ProfileAutopilot>(simulation_.node(node), primary, autopilot);
  }

  void start_monitor(std::size_t index) {
    ram::FailoverConfig failover;
    failover.stream = config_.stream;
    failover.primary = kPrimary;
    failover.failure_timeout = scenario_.failure_timeout;
    failover.election_window = scenario_.election_window;
    for (NodeId peer : config_.backups) {
      if (peer != config_.backups[index]) failover.peers.push_back(peer);
    }
    const NodeId self = config_.backups[index];
    monitors_.push_back(std::make_unique<ram::FailoverMonitor>(
        simulation_.node(self), *backups_[index], failover,
        [this, self](const ram::RestorePoint& from) {
          // Two promotions would be a split brain: the run's results would be meaningless.
          if (promotion_) throw std::runtime_error("two backups promoted themselves");
          promotion_ = Promotion{self, from, simulation_.now()};
          // A real failover (not a partition): the winner takes over, as the next event (the
          // monitors cannot be destroyed inside their own callback).
          if (crashed_at_) {
            result_.events.emplace_back("failover", to_seconds(simulation_.now()));
            simulation_.schedule_fault(simulation_.now(), [this] { take_over(); });
          }
        }));
  }

  // The promoted backup resumes the guest from its restore point and replicates it to the
  // backups that are still up. A second primary crash is not modelled (no monitors watch it).
  void take_over() {
    const NodeId node = promotion_->node;
    monitors_.clear();
    backups_.clear();  // their ports go to the new roles
    result_.events.emplace_back("takeover", to_seconds(simulation_.now()));
    const double progress_s = sampler_->progress_at(promotion_->restore_point.snapshot_time);
    auto guest = std::make_unique<SimulatedGuest>(run_.workload->spec,
                                                  RandomStream::derive(run_.seed, node, "guest"),
                                                  [this] { return simulation_.now(); });
    successor_guest_ = guest.get();
    simulation_.attach_vm(node, std::move(guest));

    ram::PrimaryConfig next = config_;
    next.ram = primary_->config().ram;  // as the primary last ran: a profile may have changed it
    next.backups.clear();
    for (NodeId backup : config_.backups) {
      if (backup != node && !simulation_.is_crashed(backup)) next.backups.push_back(backup);
    }
    if (next.backups.empty()) {  // nobody left to replicate to: the guest runs unprotected
      sampler_->follow(*successor_guest_, nullptr, simulation_.metrics(node), progress_s);
      return;
    }
    for (NodeId backup : next.backups) {
      successor_backups_.push_back(
          std::make_unique<ram::ReplicationBackup>(simulation_.node(backup), node, next.stream));
    }
    successor_ = std::make_unique<ram::ReplicationPrimary>(simulation_.node(node), next);
    // The new primary keeps following the route; it starts from the settings it inherited
    // (next.ram), under the profile that chose them.
    if (run_.configuration->auto_latency_profile)
      successor_autopilot_ = start_autopilot(node, *successor_, last_applied_);
    sampler_->follow(*successor_guest_, successor_.get(), simulation_.metrics(node), progress_s);
  }

  void schedule_sample(TimePoint at) {
    if (at > end_) return;
    simulation_.schedule_fault(at, [this] {
      sampler_->sample(simulation_.now(), !crashed_at_ || successor_ != nullptr);
      schedule_sample(simulation_.now() + scenario_.sample_interval);
    });
  }

  void schedule_faults() {
    for (const FaultSpec& fault : scenario_.faults) {
      simulation_.schedule_fault(TimePoint(fault.at), [this, fault] {
        if (!primary_) {
          result_.events.emplace_back("fault_before_deployment", to_seconds(simulation_.now()));
          return;
        }
        switch (fault.kind) {
          case FaultKind::kCrashPrimary:
            crash_primary();
            break;
          case FaultKind::kCrashBackup:
            crash_backup(fault.target_backup);
            break;
          case FaultKind::kMigrate:
            migrate(fault);
            break;
          case FaultKind::kLinkDown:
            link_down(fault.zone, fault.down_for);
            break;
          case FaultKind::kLinkLatency:
            result_.events.emplace_back("link_latency", to_seconds(simulation_.now()));
            simulation_.set_zone_link_latency(kPrimaryZone, fault.zone, fault.latency);
            break;
        }
      });
    }
  }

  void crash_primary() {
    if (crashed_at_) return;
    crashed_at_ = simulation_.now();
    if (autopilot_) last_applied_ = autopilot_->applied();
    autopilot_.reset();  // it tuned the primary that is gone
    guest_->pause();     // its host is gone: the guest stops with it
    simulation_.crash_node(kPrimary);
  }

  void crash_backup(std::uint32_t backup) {
    if (backup > config_.backups.size()) return;
    const NodeId node = config_.backups[backup - 1];
    result_.events.emplace_back("backup_crash", to_seconds(simulation_.now()));
    simulation_.crash_node(node);
  }

  void link_down(const std::string& zone, Duration down_for) {
    result_.events.emplace_back("link_down", to_seconds(simulation_.now()));
    simulation_.set_zone_link_up(kPrimaryZone, zone, false);
    simulation_.schedule_fault(simulation_.now() + down_for, [this, zone] {
      result_.events.emplace_back("link_up", to_seconds(simulation_.now()));
      simulation_.set_zone_link_up(kPrimaryZone, zone, true);
    });
  }

  void migrate(const FaultSpec& fault) {
    if (crashed_at_ || primary_->migrating() || migration_) return;
    if (fault.target_backup > config_.backups.size()) {
      result_.events.emplace_back("migration_skipped", to_seconds(simulation_.now()));
      return;
    }
    ram::MigrationConfig migrate;
    migrate.target = config_.backups[fault.target_backup - 1];
    migrate.convergence_timeout = fault.convergence_timeout;
    result_.events.emplace_back("migration_start", to_seconds(simulation_.now()));
    primary_->start_migration(migrate, [this](const ram::MigrationOutcome& outcome) {
      migration_ = outcome;
      if (outcome.paused_at) {
        result_.events.emplace_back("migration_pause", to_seconds(*outcome.paused_at));
      }
      result_.events.emplace_back(outcome.completed ? "migration_done" : "migration_aborted",
                                  to_seconds(outcome.finished_at));
      // Completed: the guest resumes on the target, unreplicated for the rest of this run; the
      // old primary's silence is no failure, so the backups stop watching for one.
      if (outcome.completed) {
        guest_->resume();
        monitors_.clear();
      }
    });
  }

  void not_applicable(std::initializer_list<const char*> names) {
    for (const char* name : names)
      result_.summary.emplace_back(name, kNotApplicable);
  }

  analysis::RunResult summarize() {
    if (!primary_) throw std::runtime_error("run " + run_.name + ": replication never started");
    result_.name = run_.name;
    result_.seed = run_.seed;
    std::string backups;
    for (NodeId node : config_.backups) {
      backups += (backups.empty() ? "" : ",") + simulation_.spec().nodes[node.value].name;
    }
    result_.labels = {
        {"network", run_.network->name},
        {"workload", run_.workload->name},
        {"configuration", run_.configuration->name},
        {"curve", std::string(manifest::kCurveTypeNames.name(config_.ram.throttling_curve.type))},
        {"emergency_pause", config_.ram.emergency_pause_enabled ? "on" : "off"},
        {"latency_profile", profile_ ? std::string(placement::to_string(*profile_)) : "off"},
        {"backups", backups},
        {"seed", std::to_string(run_.seed)}};
    result_.resolved_config_yaml = placement_notes_ + resolved_config(scenario_, run_, config_.ram);
    result_.time_s = sampler_->time_s;
    result_.series = sampler_->columns;

    const TimePoint running_until = crashed_at_.value_or(end_);
    const double running_s = to_seconds(running_until - deployed_at_);
    const MemoryMetrics& metrics = simulation_.metrics(kPrimary);
    std::vector<double> lag_ms;
    double intensity_sum = 0.0;
    std::size_t intensity_samples = 0;
    double paused_s = 0.0;
    for (const auto& sample : metrics.series("replication_lag_ms"))
      lag_ms.push_back(sample.value);
    for (const auto& sample : metrics.series("throttle_intensity_ratio")) {
      intensity_sum += sample.value;
      ++intensity_samples;
    }
    // Each tick's sample covers the time since the previous one (a latency profile applied
    // while running changes the interval).
    TimePoint previous_tick = deployed_at_;
    for (const auto& sample : metrics.series("guest_paused")) {
      paused_s += sample.value * to_seconds(sample.at - previous_tick);
      previous_tick = sample.at;
    }

    const double slowdown_pct =
        running_s > 0 ? 100.0 * (1.0 - guest_->progress_s() / running_s) : kNotApplicable;
    const double mean_intensity =
        intensity_samples > 0 ? intensity_sum / static_cast<double>(intensity_samples) : 0.0;
    result_.summary = {
        {"slowdown_pct", slowdown_pct},
        {"throttle_mean_ratio", mean_intensity},
        {"lag_p50_ms", percentile(lag_ms, 0.50)},
        {"lag_p99_ms", percentile(lag_ms, 0.99)},
        {"pause_s", paused_s},
        {"pause_count", static_cast<double>(metrics.counter("replication_emergency_pauses_total"))},
        {"bytes_sent", static_cast<double>(metrics.counter("replication_bytes_sent_total"))},
        {"bytes_discarded",
         static_cast<double>(metrics.counter("replication_discarded_bytes_total"))},
        {"epochs_committed", static_cast<double>(primary_->buffer().last_committed())},
        {"deployed_s", to_seconds(deployed_at_)},
    };
    summarize_failover();
    summarize_migration();
    std::stable_sort(result_.events.begin(), result_.events.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    return std::move(result_);
  }

  void summarize_failover() {
    if (crashed_at_) result_.events.emplace_back("primary_crash", to_seconds(*crashed_at_));
    // A backup promoted while the primary still ran (a partition longer than the failure
    // timeout): two primaries, reported rather than hidden.
    const bool split_brain = promotion_ && (!crashed_at_ || promotion_->at < *crashed_at_);
    result_.summary.emplace_back("split_brain", split_brain ? 1.0 : 0.0);
    if (split_brain) {
      result_.events.emplace_back("failover_while_primary_alive", to_seconds(promotion_->at));
      not_applicable({"rpo_bytes", "rpo_s", "committed_lost_bytes", "failover_s",
                      "epochs_committed_after_failover"});
      return;
    }
    if (!crashed_at_ || !promotion_) {
      // No crash, or the primary died and no backup took over before the end of the run.
      if (crashed_at_) result_.events.emplace_back("no_failover", to_seconds(end_));
      not_applicable({"rpo_bytes", "rpo_s", "committed_lost_bytes", "failover_s",
                      "epochs_committed_after_failover"});
      return;
    }
    const ram::RestorePoint& restored = promotion_->restore_point;
    const std::optional<std::uint64_t> at_restore = primary_->dirtied_bytes_at(restored.epoch);
    const std::optional<std::uint64_t> at_commit =
        primary_->dirtied_bytes_at(primary_->buffer().last_committed());
    // Guest memory written after the restored snapshot is lost: each page once, however often
    // it was rewritten. Of the data written since, what the primary had already committed
    // (clients may have seen it) is the committed loss, counted per epoch.
    const double rpo_bytes =
        at_restore ? static_cast<double>(guest_->pages_read_after(restored.snapshot_time) *
                                         run_.workload->spec.tracked_page_bytes())
                   : kNotApplicable;
    const double committed_lost = at_restore && at_commit && *at_commit > *at_restore
                                      ? static_cast<double>(*at_commit - *at_restore)
                                      : 0.0;
    result_.summary.emplace_back("rpo_bytes", rpo_bytes);
    result_.summary.emplace_back("rpo_s", to_seconds(*crashed_at_ - restored.snapshot_time));
    result_.summary.emplace_back("committed_lost_bytes", committed_lost);
    result_.summary.emplace_back("failover_s", to_seconds(promotion_->at - *crashed_at_));
    result_.summary.emplace_back(
        "epochs_committed_after_failover",
        successor_ ? static_cast<double>(successor_->buffer().last_committed()) : kNotApplicable);
  }

  void summarize_migration() {
    if (!migration_) {
      not_applicable({"migration_completed", "migration_s", "migration_blackout_s"});
      return;
    }
    result_.summary.emplace_back("migration_completed", migration_->completed ? 1.0 : 0.0);
    result_.summary.emplace_back("migration_s",
                                 to_seconds(migration_->finished_at - migration_->started_at));
    result_.summary.emplace_back("migration_blackout_s", migration_->completed
                                                             ? to_seconds(migration_->blackout())
                                                             : kNotApplicable);
  }

  const Scenario& scenario_;
  const RunSpec& run_;
  // Declared before everything that lives in it, so destroyed after them.
  Simulation simulation_;
  TimePoint end_;
  analysis::RunResult result_;
  std::vector<std::unique_ptr<placement::RttResponder>> responders_;
  std::unique_ptr<placement::RttProbe> probe_;
  std::string placement_notes_;
  std::optional<placement::LatencyProfile> profile_;
  std::optional<placement::ProfileSettings> deployed_profile_;  // latencyProfile: auto
  std::optional<placement::ProfileSettings> last_applied_;      // by the primary's autopilot
  TimePoint deployed_at_{};
  SimulatedGuest* guest_ = nullptr;  // owned by the simulation once attached
  ram::PrimaryConfig config_;
  std::vector<std::unique_ptr<ram::ReplicationBackup>> backups_;
  std::vector<std::unique_ptr<ram::FailoverMonitor>> monitors_;
  std::unique_ptr<ram::ReplicationPrimary> primary_;
  std::unique_ptr<ram::ProfileAutopilot> autopilot_;  // after primary_: it holds a reference
  std::unique_ptr<RunSampler> sampler_;
  // After a failover: the guest and the replication on the node that took over.
  SimulatedGuest* successor_guest_ = nullptr;  // owned by the simulation
  std::vector<std::unique_ptr<ram::ReplicationBackup>> successor_backups_;
  std::unique_ptr<ram::ReplicationPrimary> successor_;
  std::unique_ptr<ram::ProfileAutopilot> successor_autopilot_;  // after successor_
  std::optional<TimePoint> crashed_at_;
  std::optional<Promotion> promotion_;
  std::optional<ram::MigrationOutcome> migration_;
};

}  // namespace

analysis::RunResult run_replication(const Scenario& scenario, const RunSpec& run) {
  MYCELIUM_ASSERT(run.network && run.workload && run.configuration);
  ReplicationRun replication_run(scenario, run);
  return replication_run.execute();
}

}  // namespace mycelium::sim
