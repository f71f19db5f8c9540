#include <array>

#include <core/assert.hpp>
#include <core/wire/byte_io.hpp>
#include <core/wire/message_frame.hpp>

namespace mycelium::wire {

namespace {

constexpr std::uint32_t kCrc32cPolynomial = 0x82F63B78;  // reflected Castagnoli polynomial
constexpr std::size_t kLengthFieldBytes = 4;
constexpr std::size_t kChecksumBytes = 4;

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1U) != 0 ? (crc >> 1) ^ kCrc32cPolynomial : crc >> 1;
    table[i] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

std::uint32_t read_u32(const std::uint8_t* bytes) {
  return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
         static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
}

FrameDecode refuse(std::string why) {
  FrameDecode result;
  result.error = "message frame: " + std::move(why);
  return result;
}

}  // namespace

std::uint32_t crc32c(std::span<const std::uint8_t> bytes, std::uint32_t crc) {
  crc = ~crc;
  for (const std::uint8_t byte : bytes)
    crc = kCrcTable[(crc ^ byte) & 0xFFU] ^ (crc >> 8);
  return ~crc;
}

void encode_frame(const Message& message, std::vector<std::uint8_t>& out) {
  MYCELIUM_ASSERT(message.payload.size() <= kMaxFramePayloadBytes);
  MYCELIUM_ASSERT(message.bulk_bytes <= kMaxFrameBulkBytes);
  const std::size_t start = out.size();
  const std::size_t frame_bytes = kFrameOverheadBytes - kLengthFieldBytes + message.payload.size();
  ByteWriter writer;
  writer.reserve(kFrameOverheadBytes);
  writer.u32(static_cast<std::uint32_t>(frame_bytes));
  writer.u8(kFrameVersion);
  writer.u32(message.from.value);
  writer.u32(message.to.value);
  writer.u16(message.port.value);
  writer.u16(message.lane);
  writer.u64(message.bulk_bytes);
  writer.u32(static_cast<std::uint32_t>(message.payload.size()));
  std::vector<std::uint8_t> bytes = writer.take();
  bytes.insert(bytes.end(), message.payload.begin(), message.payload.end());
  const std::uint32_t checksum = crc32c(bytes);
  out.insert(out.end(), bytes.begin(), bytes.end());
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<std::uint8_t>(checksum >> shift));
  MYCELIUM_ASSERT(out.size() - start == kLengthFieldBytes + frame_bytes);
}

std::vector<std::uint8_t> encode_frame(const Message& message) {
  std::vector<std::uint8_t> out;
  encode_frame(message, out);
  return out;
}

FrameDecode decode_frame(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kLengthFieldBytes) {
    FrameDecode result;
    result.incomplete = true;
    return result;
  }
  const std::uint32_t frame_bytes = read_u32(bytes.data());
  const std::size_t smallest = kFrameOverheadBytes - kLengthFieldBytes;
  if (frame_bytes < smallest || frame_bytes > smallest + kMaxFramePayloadBytes) {
    return refuse("frame length " + std::to_string(frame_bytes) + " outside " +
                  std::to_string(smallest) + ".." +
                  std::to_string(smallest + kMaxFramePayloadBytes));
  }
  if (bytes.size() < kLengthFieldBytes + frame_bytes) {
    FrameDecode result;
    result.incomplete = true;
    return result;
  }
  const std::span<const std::uint8_t> frame = bytes.first(kLengthFieldBytes + frame_bytes);
  const std::size_t checked = frame.size() - kChecksumBytes;
  if (crc32c(frame.first(checked)) != read_u32(frame.data() + checked))
    return refuse("checksum mismatch");

  ByteReader reader(frame.subspan(kLengthFieldBytes, frame_bytes - kChecksumBytes));
  const std::uint8_t version = reader.u8();
  Message message;
  message.from = NodeId{reader.u32()};
  message.to = NodeId{reader.u32()};
  message.port = Port{reader.u16()};
  message.lane = reader.u16();
  message.bulk_bytes = reader.u64();
  const std::uint32_t payload_bytes = reader.u32();
  if (!reader.ok()) return refuse(reader.error());
  if (version != kFrameVersion) {
    return refuse("version " + std::to_string(version) + ", this build speaks " +
                  std::to_string(kFrameVersion));
  }
  if (message.bulk_bytes > kMaxFrameBulkBytes)
    return refuse("bulk of " + std::to_string(message.bulk_bytes) + " bytes exceeds 1 TiB");
  if (payload_bytes != reader.remaining()) {
    return refuse("payload length " + std::to_string(payload_bytes) + " but " +
                  std::to_string(reader.remaining()) + " bytes in the frame");
  }
  const std::span<const std::uint8_t> payload =
      frame.subspan(checked - payload_bytes, payload_bytes);
  message.payload.assign(payload.begin(), payload.end());
  FrameDecode result;
  result.message = std::move(message);
  result.frame_bytes = frame.size();
  return result;
}

}  // namespace mycelium::wire
