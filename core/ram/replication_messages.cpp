#include <bit>

#include <core/assert.hpp>
#include <core/ram/replication_messages.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::ram {

namespace {

enum class MessageType : std::uint8_t { kEpochChunk = 1, kChunkAck = 2 };

constexpr std::uint8_t kRestorableFlag = 0x01;

void encode_body(wire::ByteWriter& writer, const EpochChunk& chunk) {
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
  writer.varint(chunk.pages.size());
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < chunk.pages.size(); ++i) {
    MYCELIUM_ASSERT(i == 0 || chunk.pages[i] > previous);  // sorted and unique
    writer.varint(chunk.pages[i] - previous);
    previous = chunk.pages[i];
  }
}

void encode_body(wire::ByteWriter& writer, const ChunkAck& ack) {
  writer.u8(static_cast<std::uint8_t>(MessageType::kChunkAck));
  writer.u32(ack.stream);
  writer.varint(ack.epoch);
  writer.u16(ack.chunk_index);
  writer.varint(ack.applied_through);
}

std::optional<EpochChunk> decode_chunk(wire::ByteReader& reader) {
  EpochChunk chunk;
  chunk.stream = reader.u32();
  chunk.epoch = reader.varint();
  chunk.chunk_index = reader.u16();
  chunk.chunk_count = reader.u16();
  const std::uint8_t flags = reader.u8();
  const std::uint64_t snapshot_ns = reader.varint();
  const std::uint8_t page_shift = reader.u8();
  const std::uint64_t page_count = reader.varint();
  if (!reader.ok()) return std::nullopt;
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
  if (snapshot_ns > static_cast<std::uint64_t>(Duration::max().count())) {
    reader.fail("snapshot time out of range");
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
  chunk.snapshot_time = TimePoint(Duration(static_cast<std::int64_t>(snapshot_ns)));
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
