#pragma once
// The backup side of Endophyte RAM replication: receives epoch chunks over any connection, in
// any order and possibly twice, acknowledges each, and applies epochs strictly in order once
// complete. What it can restore after a failover is the last restorable epoch it applied.

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include <core/env/environment.hpp>
#include <core/ram/replication_messages.hpp>
#include <core/ram/silence_tracker.hpp>

namespace mycelium::ram {

// The state a backup can bring back: guest memory as of `snapshot_time` (epoch `epoch`).
struct RestorePoint {
  std::uint64_t epoch = 0;  // 0: nothing restorable yet
  TimePoint snapshot_time{};
  bool operator==(const RestorePoint&) const = default;
};

class ReplicationBackup {
 public:
  // Epochs more than this far ahead of the last applied one are refused (bounded memory).
  static constexpr std::uint64_t kMaxEpochsAhead = 64;

  // Called once per applied epoch, in order, with its pages (the real backend writes them).
  using ApplyCallback = std::function<void(const EpochChunk& chunk)>;

  // Binds kReplicationPort; accepts chunks of `stream` from `primary` only.
  ReplicationBackup(Environment& env, NodeId primary, std::uint32_t stream);
  ~ReplicationBackup();
  ReplicationBackup(const ReplicationBackup&) = delete;
  ReplicationBackup& operator=(const ReplicationBackup&) = delete;

  void stop();
  void on_apply(ApplyCallback callback) { apply_ = std::move(callback); }

  std::uint64_t applied_through() const { return applied_through_; }
  RestorePoint restore_point() const { return restore_point_; }
  // When the primary was last heard from (kTimeZero before any message): failure detection.
  TimePoint last_heard_from_primary() const { return silences_.last_heard(); }
  // The longest the primary went quiet, between two of its messages, lately (SilenceTracker):
  // how long a live primary may be silent (a real primary reading a large guest's memory).
  Duration recent_longest_silence() const { return silences_.recent_longest(env_.now()); }
  std::uint64_t bytes_received() const { return bytes_received_; }
  // The last commit the primary announced (heartbeats): what clients may have seen.
  std::uint64_t primary_last_committed() const { return primary_last_committed_; }

 private:
  struct Assembly {
    std::uint16_t chunk_count = 0;
    std::uint16_t received = 0;
    std::vector<bool> have;
    bool restorable = true;
    TimePoint snapshot_time{};
    std::vector<EpochChunk> chunks;  // kept only when an apply callback wants the pages
  };

  void on_message(const Message& message);
  void on_chunk(const EpochChunk& chunk);
  void acknowledge(const EpochChunk& chunk);
  void send_ack(std::uint64_t epoch, std::uint16_t chunk_index);
  void apply_ready_epochs();

  Environment& env_;
  NodeId primary_;
  std::uint32_t stream_;
  ApplyCallback apply_;
  std::map<std::uint64_t, Assembly> pending_;  // epochs above applied_through_
  std::uint64_t applied_through_ = 0;
  RestorePoint restore_point_;
  SilenceTracker silences_;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t primary_last_committed_ = 0;
  bool stopped_ = false;
};

}  // namespace mycelium::ram
