#pragma once
// Guest pages arriving at a backup on the real runtime's replication streams. The core's
// replication chunks name the pages they carry (core/ram/replication_messages.hpp); their
// contents travel as the message's bulk on its TCP lane (real/env/tcp_lanes.hpp), sent by the
// primary from its epoch copies (memory_guest.hpp). ReplicaWriter stages each chunk's pages as
// they arrive (its sink()), and writes an epoch's pages into the replica only when the backup
// applies that epoch, in order (its apply(), ReplicationBackup::on_apply), so the replica is
// always a committed snapshot, never part of a later epoch. The replica is a span: a shared
// memory file mapped by the agent, or a test's buffer.

#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include <core/ram/replication_messages.hpp>
#include <real/env/asio_environment.hpp>

namespace mycelium::real {

class ReplicaWriter {
 public:
  // Bounds the staging area: chunks of epochs not yet applied, at most this many bytes.
  static constexpr std::uint64_t kMaxStagedBytes = 1ULL << 30;

  explicit ReplicaWriter(std::span<std::uint8_t> replica) : replica_(replica) {}
  // A replica in two parts: the pages of `memory` first, the pages numbered on after them in
  // `after` (a MemoryGuest's device-state region, kept apart from guest RAM). So a backup can
  // write guest RAM straight into a standby guest's RAM file, and resume it without a copy.
  // `memory` holds whole pages of every chunk's page size.
  ReplicaWriter(std::span<std::uint8_t> memory, std::span<std::uint8_t> after)
      : replica_(memory), after_(after) {}

  // Takes a received chunk's pages (the AsioEnvironment bulk sink of kReplicationPort); refuses
  // (so the backup never sees the chunk, and the primary sends it again) a malformed chunk, one
  // outside the replica, or one over the staging bound.
  BulkSink sink();
  // Where a chunk's pages are read to as they arrive (AsioEnvironment::set_bulk_destination):
  // straight into its staging, so the lane copies nothing. Optional: without it the sink copies
  // from the lane's buffer.
  BulkDestination destination();
  // Writes a staged chunk into the replica (ReplicationBackup::on_apply, in epoch order).
  void apply(const ram::EpochChunk& chunk);

  std::uint64_t staged_bytes() const { return staged_bytes_; }
  std::uint64_t pages_written() const { return pages_written_; }
  // Chunks refused: malformed, outside the replica, or over the staging bound.
  std::uint64_t refused_chunks() const { return refused_chunks_; }

 private:
  struct Staged {
    std::vector<std::uint8_t> bytes;
    bool complete = false;  // false while its bytes are still being read in (prepare())
  };
  std::span<std::uint8_t> prepare(const Message& message);
  bool stage(const Message& message, std::span<const std::uint8_t> bulk);

  std::uint64_t replica_bytes() const { return replica_.size() + after_.size(); }
  // Where page `page` of `page_bytes` lives in the replica.
  std::uint8_t* page_at(std::uint64_t page, std::uint64_t page_bytes) const;

  std::span<std::uint8_t> replica_;
  std::span<std::uint8_t> after_;
  std::map<std::pair<std::uint64_t, std::uint16_t>, Staged> staged_;
  std::uint64_t applied_through_ = 0;  // newest epoch written into the replica
  std::uint64_t staged_bytes_ = 0;
  std::uint64_t pages_written_ = 0;
  std::uint64_t refused_chunks_ = 0;
};

}  // namespace mycelium::real
