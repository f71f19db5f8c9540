#pragma once
// An agent's replication role for its one protected workload (AgentReplication,
// docs/myceliumd.md "Replication"), on the agent's AsioEnvironment and the unchanged core:
//   primary: maps the workload's memory file, reads its dirty pages by scan-and-diff with a copy
//            per epoch (MemoryGuest), and runs ReplicationPrimary to the backups;
//   backup:  creates the replica file, writes each epoch into it when applied, in order
//            (ReplicaWriter, ReplicationBackup), and watches the primary (FailoverMonitor): when
//            it is gone the backups elect the one with the newest restore point, whose replica
//            file is then the committed image to resume the workload from.
// With a workload command, the agent starts the workload itself (ChildProcess): the primary at
// start, on its memory file, and the promoted backup on its replica; the primary stops it
// (SIGSTOP, waited for) while it reads dirty pages, so each read is one snapshot, and for an
// emergency pause, and throttles it with the cgroup CPU controller (ProcessControl; where the
// agent may not create cgroups, e.g. not root, throttling is only recorded, and logged so).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <core/ram/failover_monitor.hpp>
#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <real/agent/agent_config.hpp>
#include <real/env/asio_environment.hpp>
#include <real/memory/shared_memory_file.hpp>
#include <real/process/child_process.hpp>
#include <real/process/process_control.hpp>
#include <real/replication/guest_pages.hpp>
#include <real/replication/memory_guest.hpp>

namespace mycelium::real {

class ReplicationRole {
 public:
  // Maps the memory (the primary's must exist and be memory_bytes long; a backup creates its
  // replica) and starts the protocol on `env`, which must outlive this role. Throws
  // std::system_error or std::runtime_error naming the file or what the configuration lacks.
  ReplicationRole(AsioEnvironment& env, const AgentReplication& config,
                  std::function<void(std::string)> log);
  ~ReplicationRole();
  ReplicationRole(const ReplicationRole&) = delete;
  ReplicationRole& operator=(const ReplicationRole&) = delete;

  // GET /replication: the role's state as JSON (docs/myceliumd.md).
  std::string status_json() const;
  // POST /replication/migrate?to=N: starts a planned migration of the workload to backup
  // `target` (two-phase convergence, then a handover). Empty when it started, else why not.
  std::string migrate(NodeId target);

 private:
  struct Primary {
    std::unique_ptr<SharedMemoryFile> memory;
    std::unique_ptr<ChildProcess> workload;  // when the agent started it
    std::unique_ptr<ProcessControl> cpu;     // its CPU quota, when cgroups are ours to make
    std::string throttle_mechanism = "none";
    bool reading = false;  // frozen for a read
    bool paused = false;   // frozen by an emergency pause
    std::optional<NodeId> migrating_to;
    std::optional<ram::MigrationOutcome> migration;  // the last one, once finished
    std::unique_ptr<MemoryGuest> guest;
    std::unique_ptr<ram::ReplicationPrimary> protocol;
  };
  struct Backup {
    std::unique_ptr<SharedMemoryFile> replica;
    std::unique_ptr<ReplicaWriter> writer;
    std::unique_ptr<ram::ReplicationBackup> protocol;
    std::unique_ptr<ram::FailoverMonitor> failover;
    std::optional<ram::RestorePoint> promoted_from;
    std::unique_ptr<ChildProcess> workload;  // started once promoted
    std::optional<TimePoint> workload_started_at;
  };

  void start_primary();
  void start_backup();
  void on_promoted(const ram::RestorePoint& from);
  // The primary's workload runs exactly when neither a read nor a pause holds it.
  void update_workload_frozen();

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
