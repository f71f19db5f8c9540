#include <limits>

#include <core/env/random_stream.hpp>
#include <core/ssi/chunked_messages.hpp>
#include <core/wire/byte_io.hpp>

namespace mycelium::ssi {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kAssign = 1;
constexpr std::uint8_t kCancel = 2;
constexpr std::uint8_t kResult = 3;

std::uint32_t get_u32_varint(wire::ByteReader& reader) {
  const std::uint64_t value = reader.varint();
  if (value > std::numeric_limits<std::uint32_t>::max()) reader.fail("copy number above 32 bits");
  return static_cast<std::uint32_t>(value);
}

}  // namespace

std::vector<std::uint8_t> encode(const ChunkedMessage& message) {
  wire::ByteWriter writer;
  writer.u8(kVersion);
  if (const auto* assign = std::get_if<AssignMessage>(&message)) {
    writer.u8(kAssign);
    writer.varint(assign->chunk);
    writer.varint(assign->copy);
    writer.varint(assign->work_ns);
  } else if (const auto* cancel = std::get_if<CancelMessage>(&message)) {
    writer.u8(kCancel);
    writer.varint(cancel->chunk);
  } else {
    const auto& result = std::get<ResultMessage>(message);
    writer.u8(kResult);
    writer.varint(result.chunk);
    writer.varint(result.copy);
    writer.varint(result.value);
    writer.varint(result.busy_ns);
  }
  return writer.take();
}

std::optional<ChunkedMessage> decode_chunked(std::span<const std::uint8_t> bytes) {
  wire::ByteReader reader(bytes);
  const std::uint8_t version = reader.u8();
  const std::uint8_t type = reader.u8();
  if (!reader.ok() || version != kVersion) return std::nullopt;
  ChunkedMessage message;
  switch (type) {
    case kAssign: {
      AssignMessage assign;
      assign.chunk = reader.varint();
      assign.copy = get_u32_varint(reader);
      assign.work_ns = reader.varint();
      message = assign;
      break;
    }
    case kCancel:
      message = CancelMessage{reader.varint()};
      break;
    case kResult: {
      ResultMessage result;
      result.chunk = reader.varint();
      result.copy = get_u32_varint(reader);
      result.value = reader.varint();
      result.busy_ns = reader.varint();
      message = result;
      break;
    }
    default:
      return std::nullopt;
  }
  if (!reader.ok() || !reader.at_end()) return std::nullopt;
  return message;
}

std::uint64_t chunk_result(std::uint64_t job_seed, std::uint64_t chunk) {
  // The (chunk + 1)-th output of splitmix64 seeded with job_seed, computed directly.
  std::uint64_t state = job_seed + 0x9e3779b97f4a7c15ULL * chunk;
  return splitmix64(state);
}

}  // namespace mycelium::ssi
