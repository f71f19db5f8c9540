#include <bit>

#include <core/assert.hpp>
#include <core/ram/replication_messages.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::ram {

namespace {

enum class MessageType : std::uint8_t {
  kEpochChunk = 1,
  kChunkAck = 2,
  kPrimaryHeartbeat = 3,
  kPromotionClaim = 4,
  kHandover = 5
};

constexpr std::uint8_t kRestorableFlag = 0x01;

void encode_chunk_body(wire::ByteWriter& writer, const EpochChunk& chunk,
                       std::span<const std::uint64_t> pages) {
  MYCELIUM_ASSERT(chunk.chunk_count >= 1 && chunk.chunk_count <= kMaxChunksPerEpoch);
  MYCELIUM_ASSERT(chunk.chunk_index < chunk.chunk_count);
  MYCELIUM_ASSERT(std::has_single_bit(chunk.page_size_bytes));
  MYCELIUM_ASSERT(chunk.page_size_bytes <= kMaxPageSizeBytes);
  MYCELIUM_ASSERT(chunk.snapshot_time >= kTimeZero);
  writer.u8(static_cast<std::uint8_t>(MessageType::kEpochChunk));
  writer.u32(chunk.stream);
  writer.varint(chunk.epoch);
  writer.u16(chunk.chunk_index);
  writer.u16(chunk.chunk_count);
  writer.u8(chunk.restorable ? kRestorableFlag : 0);
  writer.varint(static_cast<std::uint64_t>(chunk.snapshot_time.time_since_epoch().count()));
  writer.u8(static_cast<std::uint8_t>(std::countr_zero(chunk.page_size_bytes)));
  writer.varint(pages.size());
  std::size_t delta_bytes = 0;
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    MYCELIUM_ASSERT(i == 0 || pages[i] > previous);  // sorted and unique
    delta_bytes += wire::varint_size(pages[i] - previous);
    previous = pages[i];
  }
  writer.varints(pages.size(), delta_bytes, [pages](auto&& put) {
    std::uint64_t last = 0;
    for (const std::uint64_t page : pages) {
      put(page - last);
      last = page;
    }
  });
}

void encode_body(wire::ByteWriter& writer, const EpochChunk& chunk) {
  encode_chunk_body(writer, chunk, chunk.pages);
}

void encode_body(wire::ByteWriter& writer, const ChunkAck& ack) {
  writer.u8(static_cast<std::uint8_t>(MessageType::kChunkAck));
  writer.u32(ack.stream);
  writer.varint(ack.epoch);
  writer.u16(ack.chunk_index);
  writer.varint(ack.applied_through);
}

void encode_body(wire::ByteWriter& writer, const PrimaryHeartbeat& heartbeat) {
  MYCELIUM_ASSERT(heartbeat.last_committed <= heartbeat.last_launched);
  writer.u8(static_cast<std::uint8_t>(MessageType::kPrimaryHeartbeat));
  writer.u32(heartbeat.stream);
  writer.varint(heartbeat.last_launched);
  writer.varint(heartbeat.last_committed);
}

void encode_body(wire::ByteWriter& writer, const PromotionClaim& claim) {
  MYCELIUM_ASSERT(claim.snapshot_time >= kTimeZero);
  writer.u8(static_cast<std::uint8_t>(MessageType::kPromotionClaim));
  writer.u32(claim.stream);
  writer.varint(claim.restore_epoch);
  writer.varint(static_cast<std::uint64_t>(claim.snapshot_time.time_since_epoch().count()));
}

void encode_body(wire::ByteWriter& writer, const Handover& handover) {
  MYCELIUM_ASSERT(handover.new_primary.valid());
  writer.u8(static_cast<std::uint8_t>(MessageType::kHandover));
  writer.u32(handover.stream);
  writer.varint(handover.final_epoch);
  writer.u32(handover.new_primary.value);
}

// A time on the wire: nanoseconds since the environment's epoch, within Duration's range.
std::optional<TimePoint> decode_time(wire::ByteReader& reader, std::string_view what) {
  const std::uint64_t nanos = reader.varint();
  if (!reader.ok()) return std::nullopt;
  if (nanos > static_cast<std::uint64_t>(Duration::max().count())) {
    reader.fail(std::string(what) + " out of range");
    return std::nullopt;
  }
  return TimePoint(Duration(static_cast<std::int64_t>(nanos)));
}

std::optional<EpochChunk> decode_chunk(wire::ByteReader& reader) {
  EpochChunk chunk;
  chunk.stream = reader.u32();
  chunk.epoch = reader.varint();
  chunk.chunk_index = reader.u16();
  chunk.chunk_count = reader.u16();
  const std::uint8_t flags = reader.u8();
  const std::optional<TimePoint> snapshot = decode_time(reader, "snapshot time");
  const std::uint8_t page_shift = reader.u8();
  const std::uint64_t page_count = reader.varint();
  if (!reader.ok() || !snapshot) return std::nullopt;
  if (chunk.chunk_count == 0 || chunk.chunk_count > kMaxChunksPerEpoch) {
    reader.fail("chunk_count " + std::to_string(chunk.chunk_count) + " outside 1.." +
                std::to_string(kMaxChunksPerEpoch));
    return std::nullopt;
  }
  if (chunk.chunk_index >= chunk.chunk_count) {
    reader.fail("chunk_index " + std::to_string(chunk.chunk_index) + " not below chunk_count " +
                std::to_string(chunk.chunk_count));
    return std::nullopt;
  }
  if ((flags & ~kRestorableFlag) != 0) {
    reader.fail("unknown flag bits in epoch chunk");
    return std::nullopt;
  }
  if (page_shift > std::countr_zero(kMaxPageSizeBytes)) {
    reader.fail("page size 2^" + std::to_string(page_shift) + " larger than 1 GiB");
    return std::nullopt;
  }
  // Each page takes at least one byte: a count larger than what is left is a lie.
  if (page_count > reader.remaining()) {
    reader.fail("page count " + std::to_string(page_count) + " exceeds the " +
                std::to_string(reader.remaining()) + " bytes left");
    return std::nullopt;
  }
  chunk.restorable = (flags & kRestorableFlag) != 0;
  chunk.snapshot_time = *snapshot;
  chunk.page_size_bytes = 1ULL << page_shift;
  chunk.pages.reserve(page_count);
  std::uint64_t previous = 0;
  for (std::uint64_t i = 0; i < page_count; ++i) {
    const std::uint64_t delta = reader.varint();
    if (!reader.ok()) return std::nullopt;
    if (i > 0 && delta == 0) {
      reader.fail("pages not strictly increasing at index " + std::to_string(i));
      return std::nullopt;
    }
    if (delta > UINT64_MAX - previous) {
      reader.fail("page index overflows at index " + std::to_string(i));
      return std::nullopt;
    }
    previous += delta;
    chunk.pages.push_back(previous);
  }
  return chunk;
}

std::optional<PrimaryHeartbeat> decode_heartbeat(wire::ByteReader& reader) {
  PrimaryHeartbeat heartbeat;
  heartbeat.stream = reader.u32();
  heartbeat.last_launched = reader.varint();
  heartbeat.last_committed = reader.varint();
  if (!reader.ok()) return std::nullopt;
  if (heartbeat.last_committed > heartbeat.last_launched) {
    reader.fail("heartbeat commits an epoch it has not launched");
    return std::nullopt;
  }
  return heartbeat;
}

std::optional<PromotionClaim> decode_claim(wire::ByteReader& reader) {
  PromotionClaim claim;
  claim.stream = reader.u32();
  claim.restore_epoch = reader.varint();
  const std::optional<TimePoint> snapshot = decode_time(reader, "snapshot time");
  if (!snapshot) return std::nullopt;
  claim.snapshot_time = *snapshot;
  return claim;
}

std::optional<Handover> decode_handover(wire::ByteReader& reader) {
  Handover handover;
  handover.stream = reader.u32();
  handover.final_epoch = reader.varint();
  handover.new_primary = NodeId{reader.u32()};
  if (!reader.ok()) return std::nullopt;
  if (!handover.new_primary.valid()) {
    reader.fail("handover names no new primary");
    return std::nullopt;
  }
  return handover;
}

std::optional<ChunkAck> decode_ack(wire::ByteReader& reader) {
  ChunkAck ack;
  ack.stream = reader.u32();
  ack.epoch = reader.varint();
  ack.chunk_index = reader.u16();
  ack.applied_through = reader.varint();
  if (!reader.ok()) return std::nullopt;
  return ack;
}

}  // namespace

std::vector<std::uint8_t> encode_chunk(const EpochChunk& fields,
                                       std::span<const std::uint64_t> pages) {
  wire::ByteWriter writer;
  // Header (at most 40 bytes) plus about 2 bytes per page for dense slices.
  writer.reserve(40 + 2 * pages.size());
  writer.u8(kReplicationWireVersion);
  encode_chunk_body(writer, fields, pages);
  return writer.take();
}

std::vector<std::uint8_t> encode(const ReplicationMessage& message) {
  wire::ByteWriter writer;
  writer.u8(kReplicationWireVersion);
  std::visit([&writer](const auto& body) { encode_body(writer, body); }, message);
  return writer.take();
}

DecodeResult decode_replication_message(std::span<const std::uint8_t> bytes) {
  wire::ByteReader reader(bytes);
  const std::uint8_t version = reader.u8();
  const std::uint8_t type = reader.u8();
  if (!reader.ok()) return {std::nullopt, "replication message: " + reader.error()};
  if (version != kReplicationWireVersion) {
    return {std::nullopt, "replication message: wire version " + std::to_string(version) +
                              ", this build speaks " + std::to_string(kReplicationWireVersion)};
  }
  std::optional<ReplicationMessage> message;
  switch (static_cast<MessageType>(type)) {
    case MessageType::kEpochChunk:
      if (auto chunk = decode_chunk(reader)) message = std::move(*chunk);
      break;
    case MessageType::kChunkAck:
      if (auto ack = decode_ack(reader)) message = *ack;
      break;
    case MessageType::kPrimaryHeartbeat:
      if (auto heartbeat = decode_heartbeat(reader)) message = *heartbeat;
      break;
    case MessageType::kPromotionClaim:
      if (auto claim = decode_claim(reader)) message = *claim;
      break;
    case MessageType::kHandover:
      if (auto handover = decode_handover(reader)) message = *handover;
      break;
    default:
      reader.fail("unknown message type " + std::to_string(type));
  }
  if (message && !reader.at_end()) {
    reader.fail(std::to_string(reader.remaining()) + " trailing bytes");
    message.reset();
  }
  if (!message) return {std::nullopt, "replication message: " + reader.error()};
  return {std::move(message), {}};
}

}  // namespace mycelium::ram
