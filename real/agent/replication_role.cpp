#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <real/agent/process_workload.hpp>
#include <real/agent/replication_role.hpp>

namespace mycelium::real {

namespace {

const char* failover_state_name(ram::FailoverMonitor::State state) {
  switch (state) {
    case ram::FailoverMonitor::State::kWatching:
      return "watching";
    case ram::FailoverMonitor::State::kElecting:
      return "electing";
    case ram::FailoverMonitor::State::kPromoted:
      return "promoted";
    case ram::FailoverMonitor::State::kFollowing:
      return "following";
  }
  return "unknown";
}

// Wall-clock Unix seconds: how the agents' answers line up across hosts (docs/myceliumd.md).
double unix_now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

}  // namespace

ReplicationRole::ReplicationRole(AsioEnvironment& env, const AgentReplication& config,
                                 std::unique_ptr<PrimaryWorkload> workload,
                                 std::function<void(std::string)> log)
    : env_(env), config_(config), log_(std::move(log)), started_(env.now()) {
  start_primary(std::move(workload));
}

ReplicationRole::ReplicationRole(AsioEnvironment& env, const AgentReplication& config,
                                 std::unique_ptr<StandbyWorkload> standby,
                                 std::function<void(std::string)> log)
    : env_(env), config_(config), log_(std::move(log)), started_(env.now()) {
  start_backup(std::move(standby));
}

std::unique_ptr<ReplicationRole> ReplicationRole::for_process(
    AsioEnvironment& env, const AgentReplication& config, std::function<void(std::string)> log) {
  if (config.is_primary(env.self())) {
    auto workload = std::make_unique<ProcessPrimary>(config, env.self(), log);
    return std::make_unique<ReplicationRole>(env, config, std::move(workload), std::move(log));
  }
  auto standby = std::make_unique<ProcessStandby>(config, log);
  return std::make_unique<ReplicationRole>(env, config, std::move(standby), std::move(log));
}

ReplicationRole::~ReplicationRole() {
  // The protocol objects unbind their ports from the environment, which outlives this role;
  // then the environment forgets the guest and the bulk hooks that point into it.
  if (primary_) {
    primary_->protocol.reset();
    env_.set_bulk_source(ram::kReplicationPort, nullptr);
    env_.set_vm(nullptr);
  }
  if (backup_) {
    backup_->failover.reset();
    backup_->protocol.reset();
    env_.set_bulk_sink(ram::kReplicationPort, nullptr);
    env_.set_bulk_destination(ram::kReplicationPort, nullptr);
  }
}

void ReplicationRole::start_primary(std::unique_ptr<PrimaryWorkload> workload) {
  primary_ = std::make_unique<Primary>();
  Primary& primary = *primary_;
  primary.workload = std::move(workload);
  PrimaryWorkload& held = *primary.workload;
  primary.guest = std::make_unique<MemoryGuest>(held.memory(), config_.page_bytes, held.baseline());
  if (const std::uint64_t region_bytes = held.device_state_region_bytes(); region_bytes > 0)
    primary.guest->replicate_device_state(region_bytes,
                                          [&held] { return held.save_device_state(); });
  if (held.can_hold()) {
    primary.guest->on_read_window = [this](bool reading) {
      primary_->reading = reading;
      update_workload_held();
    };
    primary.guest->on_pause = [this](bool paused) {
      primary_->paused = paused;
      update_workload_held();
      if (paused && primary_->migrating_to) primary_->migration_paused_unix_s = unix_now_s();
    };
  }
  primary.guest->on_throttle = [&held](double intensity) {
    held.set_throttle_intensity(intensity);
  };
  env_.set_vm(primary.guest.get());
  env_.set_bulk_source(ram::kReplicationPort, primary.guest->source());
  ram::PrimaryConfig protocol;
  protocol.stream = config_.stream;
  protocol.ram = config_.ram;
  protocol.backups = config_.backups;
  protocol.connections_per_backup = config_.connections_per_backup;
  protocol.page_size_bytes = config_.page_bytes;
  if (const std::string problem = ram::validate(protocol, primary.guest.get()); !problem.empty())
    throw std::runtime_error("spec.replication: " + problem);
  primary.protocol = std::make_unique<ram::ReplicationPrimary>(env_, protocol);
  log_("replication: primary of stream " + std::to_string(config_.stream) + ", " +
       held.description() + " (" + std::to_string(config_.memory_bytes >> 20) + " MiB) to " +
       std::to_string(config_.backups.size()) + " backups, " +
       std::to_string(config_.connections_per_backup) + " connections each");
  held.start();
}

void ReplicationRole::start_backup(std::unique_ptr<StandbyWorkload> standby) {
  backup_ = std::make_unique<Backup>();
  Backup& backup = *backup_;
  backup.standby = std::move(standby);
  backup.writer =
      std::make_unique<ReplicaWriter>(backup.standby->replica(), backup.standby->replica_region());
  env_.set_bulk_sink(ram::kReplicationPort, backup.writer->sink());
  env_.set_bulk_destination(ram::kReplicationPort, backup.writer->destination());
  backup.protocol = std::make_unique<ram::ReplicationBackup>(env_, config_.primary, config_.stream);
  backup.protocol->on_apply(
      [writer = backup.writer.get()](const ram::EpochChunk& chunk) { writer->apply(chunk); });
  ram::FailoverConfig failover;
  failover.stream = config_.stream;
  failover.primary = config_.primary;
  std::copy_if(config_.backups.begin(), config_.backups.end(), std::back_inserter(failover.peers),
               [this](NodeId node) { return node != env_.self(); });
  failover.failure_timeout = config_.failure_timeout;
  failover.election_window = config_.election_window;
  if (const std::string problem = ram::validate(failover, env_.self()); !problem.empty())
    throw std::runtime_error("spec.replication: " + problem);
  backup.failover = std::make_unique<ram::FailoverMonitor>(
      env_, *backup.protocol, failover,
      [this](const ram::RestorePoint& from) { on_promoted(from); });
  log_("replication: backup of stream " + std::to_string(config_.stream) + " from node " +
       std::to_string(config_.primary.value) + ", replica " + backup.standby->description());
}

void ReplicationRole::on_promoted(const ram::RestorePoint& from) {
  Backup& backup = *backup_;
  backup.promoted_from = from;
  log_("replication: primary " + std::to_string(config_.primary.value) +
       (backup.failover->handed_over() ? " handed over (planned migration)" : " is gone") +
       "; promoted: " + backup.standby->description() + " holds epoch " +
       std::to_string(from.epoch) + ", the image to resume the workload from");
  try {
    if (backup.standby->resume()) {
      backup.workload_started_at = env_.now();
      backup.workload_running_unix_s = unix_now_s();
    }
  } catch (const std::exception& error) {
    log_(std::string("replication: could not resume the workload: ") + error.what());
  }
}

std::string ReplicationRole::migrate(NodeId target) {
  if (!primary_) return "this node is not the primary";
  if (primary_->protocol->migrating()) return "a migration is running already";
  ram::MigrationConfig migration;
  migration.target = target;
  const bool started = primary_->protocol->start_migration(
      migration, [this, target](const ram::MigrationOutcome& outcome) {
        primary_->migrating_to.reset();
        primary_->migration = outcome;
        if (!outcome.completed) {
          log_("replication: migration to node " + std::to_string(target.value) +
               " aborted: " + outcome.abort_reason + "; the workload runs here still");
          return;
        }
        log_("replication: migration to node " + std::to_string(target.value) +
             " completed at epoch " + std::to_string(outcome.final_epoch) + ", blackout " +
             std::to_string(to_seconds(outcome.blackout()) * 1e3) + " ms; node " +
             std::to_string(target.value) + " runs the workload now");
        try {
          primary_->workload->abandon();
        } catch (const std::exception& error) {
          log_(std::string("replication: could not stop the workload's copy here: ") +
               error.what());
        }
      });
  if (!started) return "node " + std::to_string(target.value) + " is not a live backup";
  primary_->migrating_to = target;
  primary_->migration_paused_unix_s.reset();
  log_("replication: migrating the workload to node " + std::to_string(target.value));
  return "";
}

void ReplicationRole::update_workload_held() {
  primary_->workload->set_held(primary_->reading || primary_->paused);
}

std::string ReplicationRole::status_json() const {
  nlohmann::json status{{"stream", config_.stream},
                        {"memory_file", config_.memory_file},
                        {"memory_bytes", config_.memory_bytes},
                        {"page_bytes", config_.page_bytes},
                        {"primary", config_.primary.value},
                        {"backups", nlohmann::json::array()}};
  for (const NodeId backup : config_.backups)
    status["backups"].push_back(backup.value);
  if (primary_) {
    const ram::ReplicationPrimary& protocol = *primary_->protocol;
    const ram::ReplicationBuffer& buffer = protocol.buffer();
    status["role"] = "primary";
    status["last_launched"] = buffer.last_launched();
    status["last_committed"] = buffer.last_committed();
    status["buffer_level"] = buffer.level();
    status["buffered_bytes"] = buffer.buffered_bytes();
    status["throttle_intensity"] = protocol.throttle_intensity();
    status["paused"] = protocol.guest_paused_by_replication();
    status["dirtied_bytes"] = protocol.dirtied_bytes_total();
    status["copied_bytes"] = primary_->guest->copied_bytes();
    // What the primary runs with now (a latency profile may have replaced the configured values)
    // and what its recent reads of the guest cost, which bounds the interval it can keep.
    status["replication_interval_s"] = to_seconds(protocol.config().ram.replication_interval);
    status["buffer_bytes"] = buffer.capacity_bytes();
    status["read_cost_p90_s"] = to_seconds(protocol.recent_read_cost(0.9));
    status["read_cost_max_s"] = to_seconds(protocol.recent_read_cost(1.0));
    primary_->workload->describe(status);
    nlohmann::json migration;  // null until one starts
    if (primary_->migrating_to) {
      migration = {{"state", "running"}, {"target", primary_->migrating_to->value}};
    } else if (const auto& done = primary_->migration) {
      migration = {{"state", done->completed ? "completed" : "aborted"},
                   {"final_epoch", done->final_epoch},
                   {"duration_s", to_seconds(done->finished_at - done->started_at)},
                   {"blackout_s", to_seconds(done->blackout())},
                   {"paused_at_unix_s", optional_json(primary_->migration_paused_unix_s)},
                   {"abort_reason", done->abort_reason}};
    }
    status["migration"] = migration;
  } else {
    const Backup& backup = *backup_;
    const ram::RestorePoint restore = backup.protocol->restore_point();
    status["role"] = "backup";
    status["applied_through"] = backup.protocol->applied_through();
    status["restore_epoch"] = restore.epoch;
    status["pages_written"] = backup.writer->pages_written();
    status["refused_chunks"] = backup.writer->refused_chunks();
    status["failover"] = failover_state_name(backup.failover->state());
    status["handed_over"] = backup.failover->handed_over();
    const std::optional<NodeId> new_primary = backup.failover->new_primary();
    status["new_primary"] = new_primary ? nlohmann::json(new_primary->value) : nlohmann::json();
    status["promoted_from_epoch"] =
        backup.promoted_from ? nlohmann::json(backup.promoted_from->epoch) : nlohmann::json();
    backup.standby->describe(status);
    // On this agent's clock: how long the silence, the election and the restart took.
    const auto seconds = [this](std::optional<TimePoint> at) {
      return at ? nlohmann::json(to_seconds(*at - started_)) : nlohmann::json();
    };
    status["suspected_at_s"] = seconds(backup.failover->suspected_at());
    status["decided_at_s"] = seconds(backup.failover->decided_at());
    status["workload_started_at_s"] = seconds(backup.workload_started_at);
    status["workload_running_at_unix_s"] = optional_json(backup.workload_running_unix_s);
  }
  return status.dump();
}

}  // namespace mycelium::real
