#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <unistd.h>

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

}  // namespace

ReplicationRole::ReplicationRole(AsioEnvironment& env, const AgentReplication& config,
                                 std::function<void(std::string)> log)
    : env_(env), config_(config), log_(std::move(log)), started_(env.now()) {
  if (config_.is_primary(env_.self())) {
    start_primary();
  } else {
    start_backup();
  }
}

ReplicationRole::~ReplicationRole() {
  // The protocol objects unbind their ports from the environment, which outlives this role;
  // then the environment forgets the guest and the bulk hooks that point into it.
  if (primary_) {
    primary_->protocol.reset();
    primary_->cpu.reset();  // lifts the quota and moves the workload out of the group
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

void ReplicationRole::start_primary() {
  primary_ = std::make_unique<Primary>();
  Primary& primary = *primary_;
  const bool own_workload = !config_.workload_command.empty();
  // Our own workload finds its memory file ready (kept if it holds an image already); another
  // one must have created it.
  primary.memory = std::make_unique<SharedMemoryFile>(
      config_.memory_file,
      own_workload ? SharedMemoryFile::Mode::kOpenOrCreate : SharedMemoryFile::Mode::kOpenExisting,
      config_.memory_bytes);
  if (primary.memory->size_bytes() != config_.memory_bytes) {
    throw std::runtime_error(
        config_.memory_file + " holds " + std::to_string(primary.memory->size_bytes()) +
        " bytes, spec.replication.memorySize says " + std::to_string(config_.memory_bytes));
  }
  primary.guest = std::make_unique<MemoryGuest>(primary.memory->bytes(), config_.page_bytes);
  if (own_workload) {
    primary.workload = std::make_unique<ChildProcess>(config_.workload_command);
    primary.guest->on_read_window = [this](bool reading) {
      primary_->reading = reading;
      update_workload_frozen();
    };
    primary.guest->on_pause = [this](bool paused) {
      primary_->paused = paused;
      update_workload_frozen();
    };
    log_("replication: started the workload, pid " + std::to_string(primary.workload->pid()) +
         ": " + config_.workload_command.front());
    try {
      // Named after the agent's pid too: an agent killed with -9 leaves its (empty) group
      // behind, and a restarted or a second agent must not share it.
      primary.cpu = std::make_unique<ProcessControl>(
          "mycelium-" + std::to_string(env_.self().value) + "-" + std::to_string(config_.stream) +
          "-" + std::to_string(::getpid()));
      primary.cpu->add(primary.workload->pid());
      primary.throttle_mechanism = primary.cpu->cpu_mechanism();
      primary.guest->on_throttle = [this](double intensity) {
        primary_->cpu->set_throttle_intensity(intensity);
      };
    } catch (const std::system_error& error) {
      primary.cpu.reset();
      log_(std::string("replication: throttling is recorded, not applied: ") + error.what());
    }
  }
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
       config_.memory_file + " (" + std::to_string(config_.memory_bytes >> 20) + " MiB) to " +
       std::to_string(config_.backups.size()) + " backups, " +
       std::to_string(config_.connections_per_backup) + " connections each");
}

void ReplicationRole::start_backup() {
  backup_ = std::make_unique<Backup>();
  Backup& backup = *backup_;
  backup.replica = std::make_unique<SharedMemoryFile>(
      config_.memory_file, SharedMemoryFile::Mode::kCreate, config_.memory_bytes);
  backup.writer = std::make_unique<ReplicaWriter>(backup.replica->bytes());
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
       std::to_string(config_.primary.value) + ", replica " + config_.memory_file);
}

void ReplicationRole::on_promoted(const ram::RestorePoint& from) {
  Backup& backup = *backup_;
  backup.promoted_from = from;
  log_("replication: primary " + std::to_string(config_.primary.value) +
       (backup.failover->handed_over() ? " handed over (planned migration)" : " is gone") +
       "; promoted: " + config_.memory_file + " holds epoch " + std::to_string(from.epoch) +
       ", the image to resume the workload from");
  if (config_.workload_command.empty()) return;
  backup.workload = std::make_unique<ChildProcess>(config_.workload_command);
  backup.workload_started_at = env_.now();
  log_("replication: resumed the workload on the replica, pid " +
       std::to_string(backup.workload->pid()));
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
        // Replication has stopped here; the workload's copy on this host is abandoned.
        primary_->cpu.reset();
        primary_->workload.reset();
      });
  if (!started) return "node " + std::to_string(target.value) + " is not a live backup";
  primary_->migrating_to = target;
  log_("replication: migrating the workload to node " + std::to_string(target.value));
  return "";
}

void ReplicationRole::update_workload_frozen() {
  Primary& primary = *primary_;
  if (!primary.workload) return;
  const bool hold = primary.reading || primary.paused;
  if (hold && !primary.workload->frozen()) {
    primary.workload->freeze();  // false: it has exited, and writes nothing anyway
  } else if (!hold && primary.workload->frozen()) {
    primary.workload->thaw();
  }
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
    status["workload_pid"] =
        primary_->workload ? nlohmann::json(primary_->workload->pid()) : nlohmann::json();
    status["throttle_mechanism"] = primary_->throttle_mechanism;
    nlohmann::json migration;  // null until one starts
    if (primary_->migrating_to) {
      migration = {{"state", "running"}, {"target", primary_->migrating_to->value}};
    } else if (const auto& done = primary_->migration) {
      migration = {{"state", done->completed ? "completed" : "aborted"},
                   {"final_epoch", done->final_epoch},
                   {"duration_s", to_seconds(done->finished_at - done->started_at)},
                   {"blackout_s", to_seconds(done->blackout())},
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
    status["workload_pid"] =
        backup.workload ? nlohmann::json(backup.workload->pid()) : nlohmann::json();
    // On this agent's clock: how long the silence, the election and the restart took.
    const auto seconds = [this](std::optional<TimePoint> at) {
      return at ? nlohmann::json(to_seconds(*at - started_)) : nlohmann::json();
    };
    status["suspected_at_s"] = seconds(backup.failover->suspected_at());
    status["decided_at_s"] = seconds(backup.failover->decided_at());
    status["workload_started_at_s"] = seconds(backup.workload_started_at);
  }
  return status.dump();
}

}  // namespace mycelium::real
