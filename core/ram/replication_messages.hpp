#pragma once
// The replication protocol's messages and their wire codec. Guest page contents never appear
// here: they travel as Message::bulk_bytes, moved by the backend; a chunk names the pages it
// carries so that a backup can place them.
//
// Layout (all integers little-endian, `v` = LEB128 varint in its shortest form):
//   u8 version (=1) | u8 type | body
//   EpochChunk (type 1): u32 stream | v epoch | u16 chunk_index | u16 chunk_count | u8 flags
//                        | v snapshot_time_ns | u8 log2(page_size) | v page_count
//                        | page_count x v delta (first page, then page - previous page)
//   ChunkAck   (type 2): u32 stream | v epoch | u16 chunk_index | v applied_through
//   PrimaryHeartbeat (type 3): u32 stream | v last_launched | v last_committed
//   PromotionClaim   (type 4): u32 stream | v restore_epoch | v snapshot_time_ns
//   Handover         (type 5): u32 stream | v final_epoch | u32 new_primary
// Decoding never trusts a length: counts are checked against the bytes left before anything is
// allocated, and every failure names what was wrong.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <core/env/message.hpp>
#include <core/env/time.hpp>

namespace mycelium::ram {

// Replication traffic has its own port on every node; failover (claims, handovers) another.
inline constexpr Port kReplicationPort{7100};
inline constexpr Port kFailoverPort{7101};

inline constexpr std::uint8_t kReplicationWireVersion = 1;
// Bounds a decoder enforces; an encoder asserts them.
inline constexpr std::uint16_t kMaxChunksPerEpoch = 1024;
inline constexpr std::uint64_t kMaxPageSizeBytes = 1ULL << 30;

// One slice of an epoch's dirty pages, sent to one backup over one connection.
struct EpochChunk {
  std::uint32_t stream = 0;  // which replicated guest (a primary may protect several)
  std::uint64_t epoch = 0;   // launched epochs are numbered 1, 2, 3 ... without gaps
  std::uint16_t chunk_index = 0;
  std::uint16_t chunk_count = 1;
  // A restorable epoch is a consistent snapshot of guest memory: a backup may fail over to it.
  // Best-effort replication launches unrestorable epochs while pages it discarded are missing.
  bool restorable = true;
  TimePoint snapshot_time{};  // the instant of guest memory this epoch captures
  std::uint64_t page_size_bytes = 4096;
  std::vector<std::uint64_t> pages;  // sorted, unique

  std::uint64_t data_bytes() const { return pages.size() * page_size_bytes; }
  bool operator==(const EpochChunk&) const = default;
};

// A backup received one chunk, or (epoch 0) answers a heartbeat. `applied_through` is the
// highest epoch the backup holds completely together with every epoch before it.
struct ChunkAck {
  std::uint32_t stream = 0;
  std::uint64_t epoch = 0;
  std::uint16_t chunk_index = 0;
  std::uint64_t applied_through = 0;

  bool operator==(const ChunkAck&) const = default;
};

// The primary is alive. Sent on a timer, independent of data: a backup must not suspect a
// primary whose only news is an epoch still crossing a slow link.
struct PrimaryHeartbeat {
  std::uint32_t stream = 0;
  std::uint64_t last_launched = 0;
  std::uint64_t last_committed = 0;

  bool operator==(const PrimaryHeartbeat&) const = default;
};

// A backup that lost its primary offers to take over from this restore point; the backup with
// the highest one wins (docs/replication.md, "Failover").
struct PromotionClaim {
  std::uint32_t stream = 0;
  std::uint64_t restore_epoch = 0;
  TimePoint snapshot_time{};

  bool operator==(const PromotionClaim&) const = default;
};

// A planned migration completed: the primary has stopped, and `new_primary` (the target, which
// applied every epoch through `final_epoch`) resumes the guest. Sent by the primary to every
// backup, so the target takes over and the others follow it at once, with no election (which
// could choose another backup as up to date).
struct Handover {
  std::uint32_t stream = 0;
  std::uint64_t final_epoch = 0;
  NodeId new_primary;

  bool operator==(const Handover&) const = default;
};

using ReplicationMessage =
    std::variant<EpochChunk, ChunkAck, PrimaryHeartbeat, PromotionClaim, Handover>;

std::vector<std::uint8_t> encode(const ReplicationMessage& message);
// Encodes an EpochChunk whose pages are `pages` (fields.pages is ignored): the primary encodes
// slices of an epoch without copying them into a chunk first. Same bytes as encode(chunk).
std::vector<std::uint8_t> encode_chunk(const EpochChunk& fields,
                                       std::span<const std::uint64_t> pages);

struct DecodeResult {
  std::optional<ReplicationMessage> message;  // empty when the bytes were refused
  std::string error;                          // why, when refused
};
DecodeResult decode_replication_message(std::span<const std::uint8_t> bytes);

}  // namespace mycelium::ram
