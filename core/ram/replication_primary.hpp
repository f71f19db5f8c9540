#pragma once
// The primary side of Endophyte RAM replication, one per protected guest.
//
// Every replication interval (a tick) it reads the pages the guest dirtied, queues them in the
// replication buffer, launches the queued set as the next epoch when enough backups to commit
// have room in their window (at most `max_epochs_in_flight` unapplied epochs), and splits each
// epoch across the rhizomorph connections to each backup (a rhizo::ConnectionSet per backup) as
// chunks. Backups acknowledge chunks and report what they applied; an epoch is committed when
// the commit policy's backups applied it, and leaves the buffer when every live backup did.
// Heartbeats tell the backups the primary lives; a backup silent for backup_failure_timeout is
// declared failed. Planned migration: replication_migration.cpp. From the buffer level it sets the
// guest's throttle intensity (the configured policy) and, with emergency pause, pauses the guest at
// level 1.0 until the buffer drains to the resume level. Without it (best effort) it discards the
// oldest queued pages instead and resyncs them later.
//
// Queued epochs coalesce: while the window is full, newly dirtied pages join the one queued set,
// so a page re-dirtied many times while the network is busy is sent once.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <core/env/environment.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <core/ram/replication_buffer.hpp>
#include <core/ram/replication_messages.hpp>
#include <core/ram/throttle_policy.hpp>
#include <core/rhizo/connection_set.hpp>

namespace mycelium::ram {

struct PrimaryConfig {
  std::uint32_t stream = 1;
  manifest::DistributedRamConfig ram;
  std::vector<NodeId> backups;               // at least one
  std::uint32_t connections_per_backup = 2;  // rhizomorph targetCount
  manifest::LoadBalancing load_balancing = manifest::LoadBalancing::kAdaptiveBandwidth;
  std::uint32_t max_epochs_in_flight = 2;  // per backup
  std::uint64_t page_size_bytes = 4096;    // the guest's, as read_dirty_pages reports it
  // A chunk not acknowledged within max(min_retransmit_timeout, 3 x the time its bytes should
  // take at the connection's measured rate + round trip) is sent again.
  Duration min_retransmit_timeout = std::chrono::milliseconds(500);
  double initial_rate_bytes_per_s = 10e6;  // before any measurement: deliberately pessimistic
  // Every backup hears from the primary at least this often, data or not (failure detection).
  Duration heartbeat_interval = std::chrono::milliseconds(100);
  // A backup that owes acknowledgements and has sent none for this long is declared failed, so
  // that it stops holding commits back (commit policy all) and the buffer back.
  Duration backup_failure_timeout = std::chrono::seconds(2);
};

// Planned migration by two-phase convergence (docs/replication.md, "Planned migration"): phase 1
// throttles harder each tick the buffer did not shrink until the level is at most
// `converge_level`; phase 2 pauses the guest, sends what is left, and completes once the target
// has applied every epoch. Either phase timing out aborts with the guest running on the source.
struct MigrationConfig {
  NodeId target;                 // one of the primary's backups: it already holds the replica
  double converge_level = 0.05;  // the seed's phase-1 target
  double intensity_step = 0.1;   // added per tick in phase 1 while the level does not fall
  Duration convergence_timeout = std::chrono::seconds(30);
  Duration final_transfer_timeout = std::chrono::seconds(10);
};

struct MigrationOutcome {
  bool completed = false;  // false: aborted, the guest still runs on the source
  std::string abort_reason;
  TimePoint started_at{};
  std::optional<TimePoint> paused_at;  // start of the blackout (phase 2)
  TimePoint finished_at{};
  std::uint64_t final_epoch = 0;  // completed: the epoch the target resumes from

  // Time the guest was stopped: from the pause to the target holding everything.
  Duration blackout() const { return paused_at ? finished_at - *paused_at : Duration::zero(); }
};

// Why a configuration cannot run; empty when it can.
std::string validate(const PrimaryConfig& config, const VmActuator* vm);

class ReplicationPrimary {
 public:
  // Binds kReplicationPort and starts ticking. `env.vm()` is the guest it protects.
  ReplicationPrimary(Environment& env, PrimaryConfig config);
  ~ReplicationPrimary();
  ReplicationPrimary(const ReplicationPrimary&) = delete;
  ReplicationPrimary& operator=(const ReplicationPrimary&) = delete;

  // Stops ticking and sending; the guest keeps its current state.
  void stop();
  // Live reconfiguration of the distributedRAM settings (a latency profile applied while the
  // guest runs): the interval from the next tick on (the next tick comes one new interval from
  // now), the buffer capacity at once (nothing buffered is dropped: a smaller buffer can pause
  // or, best effort, discard at the next tick), a new throttle policy (one with memory starts
  // afresh), emergency pause off resumes a guest it paused. Why it cannot, or empty when done:
  // refused while a migration runs (phase 1 owns the throttle, phase 2 the pause) or after stop.
  std::string reconfigure(const manifest::DistributedRamConfig& ram);
  // A backup is gone (failure detector, operator): it no longer holds epochs back.
  void mark_backup_failed(NodeId backup);
  // One rhizomorph connection to `backup` broke (the backend saw it close): what it carried is
  // sent again at once on the others, it gets no share until it reconnects (with backoff).
  void connection_failed(NodeId backup, std::uint32_t connection);
  // The connection set towards `backup` (measurements, health), for reports and tests.
  const rhizo::ConnectionSet& connections(NodeId backup) const;
  // Data bytes acknowledged over one connection to `backup` since start (its throughput series).
  std::uint64_t connection_acked_bytes(NodeId backup, std::uint32_t connection) const;

  // Starts a planned migration to `config.target`; `done` is called once, when it completes
  // (replication has then stopped: the guest is the target's to resume) or aborts. False (and
  // nothing happens) if a migration is running or the target is not a live backup.
  using MigrationDone = std::function<void(const MigrationOutcome&)>;
  bool start_migration(const MigrationConfig& config, MigrationDone done);
  bool migrating() const { return migration_.has_value(); }
  bool stopped() const { return stopped_; }

  const ReplicationBuffer& buffer() const { return buffer_; }
  const PrimaryConfig& config() const { return config_; }
  double throttle_intensity() const { return intensity_; }
  bool guest_paused_by_replication() const { return paused_; }
  // What reading the guest's dirty pages cost over the last kReadCostWindow ticks, as the
  // backend measured it (DirtyPages::read_cost: zero in simulation, the scan-and-diff time and
  // the hold around it on a real host): the `quantile` (in (0, 1]; 1 = the slowest) of those
  // reads, zero before the first. The shortest interval this primary can keep is bounded by it.
  Duration recent_read_cost(double quantile) const;
  static constexpr std::size_t kReadCostWindow = 32;
  // Bytes the guest dirtied, in total, since start (after per-tick de-duplication).
  std::uint64_t dirtied_bytes_total() const { return dirtied_bytes_total_; }
  // Total dirtied bytes as of the snapshot of `epoch`, if still remembered (for RPO).
  std::optional<std::uint64_t> dirtied_bytes_at(std::uint64_t epoch) const;

 private:
  struct Chunk {
    std::size_t backup = 0;
    std::uint64_t epoch = 0;
    std::uint16_t index = 0;
    std::uint16_t count = 1;
    std::size_t first_page = 0;  // slice of the epoch's sorted pages
    std::size_t end_page = 0;
    std::optional<std::uint32_t> connection;  // none while every connection is down
    TimePoint sent_at{};
    TimerId retransmit_timer;
    std::uint32_t transmissions = 0;
  };
  enum class MigrationPhase { kConverging, kFinalTransfer };
  struct Migration {
    MigrationConfig config;
    MigrationDone done;
    MigrationPhase phase = MigrationPhase::kConverging;
    std::size_t target = 0;  // backup slot
    double intensity = 0.0;  // phase 1's floor under the policy's intensity
    double previous_level = 0.0;
    MigrationOutcome outcome;
  };
  struct BackupState {
    NodeId node;
    bool live = true;
    std::uint64_t applied_through = 0;  // as the backup last reported
    rhizo::ConnectionSet connections;
    std::vector<std::uint64_t> acked_bytes;  // per connection, total since start
    TimePoint last_heard{};                  // its last acknowledgement (or the start)
  };

  void on_tick();
  void send_heartbeats();
  // One message with `payload` to every backup not declared failed.
  void send_to_live_backups(Port port, std::uint16_t lane,
                            const std::vector<std::uint8_t>& payload);
  void detect_failed_backups(TimePoint now);
  void on_message(const Message& message);
  void on_ack(std::size_t backup, const ChunkAck& ack);
  // Launches the queued set if every live backup has room; an empty set only when
  // `allow_empty` (a tick with nothing in flight: the epoch doubles as a heartbeat).
  void try_launch(bool allow_empty);
  void send_epoch(const EpochRecord& epoch);
  void transmit(Chunk& chunk);
  // The encoded chunk for `chunk`'s slice: backups given the same slice of the newest epoch get
  // byte-identical chunks, so each slice is encoded once, not once per backup.
  std::vector<std::uint8_t> encoded_payload(const Chunk& chunk, const EpochRecord& epoch);
  // Sends `chunk` on the connection the policy prefers now, or waits for a reconnection.
  void transmit_on_best(Chunk& chunk);
  void schedule_retry(Chunk& chunk, Duration delay);
  void on_retransmit_timeout(std::uint64_t chunk_key);
  void settle();
  void update_pause();
  // Migration steps, called from on_tick and settle (replication_migration.cpp).
  void migration_tick();
  void begin_final_transfer();
  void check_migration_complete();
  void finish_migration(bool completed, std::string abort_reason);
  std::uint32_t required_acks() const;
  std::vector<bool> live_backups() const;
  std::optional<std::size_t> backup_index(NodeId node) const;
  // The guest data a chunk carries (its pages x page size).
  std::uint64_t data_bytes(const Chunk& chunk) const;
  static std::uint64_t chunk_key(std::size_t backup, std::uint64_t epoch, std::uint16_t index);

  Environment& env_;
  VmActuator& vm_;
  PrimaryConfig config_;
  ReplicationBuffer buffer_;
  std::unique_ptr<ThrottlePolicy> policy_;
  std::vector<BackupState> backups_;
  std::map<std::uint64_t, Chunk> chunks_;  // outstanding, by chunk_key
  struct EncodedSlice {
    std::uint16_t index = 0;
    std::uint16_t count = 0;
    std::size_t first_page = 0;
    std::size_t end_page = 0;
    std::vector<std::uint8_t> payload;
  };
  std::uint64_t encoded_epoch_ = 0;           // the epoch encoded_slices_ belong to
  std::vector<EncodedSlice> encoded_slices_;  // at most kMaxEncodedSlices
  std::map<std::pair<std::size_t, std::uint64_t>, std::uint16_t>
      chunks_missing_;                                                    // (backup, epoch)
  std::deque<std::pair<std::uint64_t, std::uint64_t>> dirtied_at_epoch_;  // (epoch, total bytes)
  TimerId tick_timer_;
  TimerId heartbeat_timer_;
  TimePoint previous_tick_{};          // when the guest's dirty pages were last read
  std::deque<Duration> recent_reads_;  // at most kReadCostWindow, newest last
  double intensity_ = 0.0;
  bool paused_ = false;
  std::optional<Migration> migration_;
  bool stopped_ = false;
  std::uint64_t dirtied_bytes_total_ = 0;
  std::uint64_t sent_bytes_since_tick_ = 0;
};

}  // namespace mycelium::ram
