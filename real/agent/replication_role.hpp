#pragma once
// An agent's replication role for one protected workload (docs/myceliumd.md "Replication"), on
// the agent's AsioEnvironment and the unchanged core:
//   primary: reads the workload's memory by scan-and-diff with a copy per epoch (MemoryGuest),
//            holding the workload still for each read, and runs ReplicationPrimary to the
//            backups, the throttle and the emergency pause acting on the workload;
//   backup:  writes each epoch into the replica when applied, in order (ReplicaWriter,
//            ReplicationBackup), and watches the primary (FailoverMonitor): when it is gone the
//            backups elect the one with the newest restore point, which resumes the workload from
//            its replica.
// What the workload is (a process on a memory file, a libvirt domain) is the PrimaryWorkload or
// StandbyWorkload given (real/agent/protected_workload.hpp).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <core/ram/failover_monitor.hpp>
#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <real/agent/agent_config.hpp>
#include <real/agent/protected_workload.hpp>
#include <real/env/asio_environment.hpp>
#include <real/replication/guest_pages.hpp>
#include <real/replication/memory_guest.hpp>

namespace mycelium::real {

class ReplicationRole {
 public:
  // The primary of `config`'s stream (config.primary is env.self()): replicates `workload`,
  // then lets it run (PrimaryWorkload::start). `env` must outlive this role. Throws
  // std::runtime_error naming what the configuration lacks.
  ReplicationRole(AsioEnvironment& env, const AgentReplication& config,
                  std::unique_ptr<PrimaryWorkload> workload, std::function<void(std::string)> log);
  // A backup of `config`'s stream, writing into `standby`'s replica.
  ReplicationRole(AsioEnvironment& env, const AgentReplication& config,
                  std::unique_ptr<StandbyWorkload> standby, std::function<void(std::string)> log);
  // The role `config` gives env.self(), with the process workload of spec.replication
  // (real/agent/process_workload.hpp).
  static std::unique_ptr<ReplicationRole> for_process(AsioEnvironment& env,
                                                      const AgentReplication& config,
                                                      std::function<void(std::string)> log);
  ~ReplicationRole();
  ReplicationRole(const ReplicationRole&) = delete;
  ReplicationRole& operator=(const ReplicationRole&) = delete;

  // GET /replication: the role's state as JSON (docs/myceliumd.md).
  std::string status_json() const;
  // POST /replication/migrate?to=N: starts a planned migration of the workload to backup
  // `target` (two-phase convergence, then a handover). Empty when it started, else why not.
  std::string migrate(NodeId target);

  bool is_primary() const { return primary_ != nullptr; }
  // The primary's protocol (to tune it live: ProfileAutopilot), else null.
  ram::ReplicationPrimary* primary_protocol() {
    return primary_ ? primary_->protocol.get() : nullptr;
  }
  const ram::ReplicationPrimary* primary_protocol() const {
    return primary_ ? primary_->protocol.get() : nullptr;
  }
  // The backup has been promoted (failover or handover) and resumed the workload.
  bool promoted() const { return backup_ && backup_->promoted_from.has_value(); }
  // A migration completed: the workload runs elsewhere now.
  bool migrated_away() const {
    return primary_ && primary_->migration && primary_->migration->completed;
  }

 private:
  struct Primary {
    std::unique_ptr<PrimaryWorkload> workload;
    bool reading = false;  // frozen for a read
    bool paused = false;   // frozen by an emergency pause
    std::optional<NodeId> migrating_to;
    // Unix seconds when the migration's pause stopped the workload: the blackout's start, on
    // the wall clock (the protocol's outcome stamps it at the tick's start, before the read
    // that precedes the pause).
    std::optional<double> migration_paused_unix_s;
    std::optional<ram::MigrationOutcome> migration;  // the last one, once finished
    std::unique_ptr<MemoryGuest> guest;
    std::unique_ptr<ram::ReplicationPrimary> protocol;
  };
  struct Backup {
    std::unique_ptr<StandbyWorkload> standby;
    std::unique_ptr<ReplicaWriter> writer;
    std::unique_ptr<ram::ReplicationBackup> protocol;
    std::unique_ptr<ram::FailoverMonitor> failover;
    std::optional<ram::RestorePoint> promoted_from;
    std::optional<TimePoint> workload_started_at;
    std::optional<double> workload_running_unix_s;  // once resume() returned: running
  };

  void start_primary(std::unique_ptr<PrimaryWorkload> workload);
  void start_backup(std::unique_ptr<StandbyWorkload> standby);
  void on_promoted(const ram::RestorePoint& from);
  // The primary's workload runs exactly when neither a read nor a pause holds it.
  void update_workload_held();

  AsioEnvironment& env_;
  AgentReplication config_;
  std::function<void(std::string)> log_;
  TimePoint started_;
  // Pointers, not optionals: std::optional<Primary>::emplace() inside this class is refused by
  // clang (the nested structs' member initializers are not usable yet).
  std::unique_ptr<Primary> primary_;
  std::unique_ptr<Backup> backup_;
};

}  // namespace mycelium::real
