// The real runtime's message frame: round trips, streams of frames, and every kind of damage
// refused with a reason (never a read past the end).

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <core/wire/message_frame.hpp>

using namespace mycelium;
using namespace mycelium::wire;

namespace {

Message sample_message(std::size_t payload_bytes) {
  Message message;
  message.from = NodeId{7};
  message.to = NodeId{42};
  message.port = Port{7100};
  message.lane = 3;
  message.bulk_bytes = 1ULL << 33;
  for (std::size_t i = 0; i < payload_bytes; ++i)
    message.payload.push_back(static_cast<std::uint8_t>(i * 31 + 5));
  return message;
}

void expect_same(const Message& a, const Message& b) {
  CHECK(a.from == b.from);
  CHECK(a.to == b.to);
  CHECK(a.port == b.port);
  CHECK(a.lane == b.lane);
  CHECK(a.bulk_bytes == b.bulk_bytes);
  CHECK(a.payload == b.payload);
}

// Rewrites the checksum after a deliberate edit, so the check under test is the one that fails.
void reseal(std::vector<std::uint8_t>& frame) {
  const std::uint32_t crc = crc32c(std::span(frame).first(frame.size() - 4));
  for (int i = 0; i < 4; ++i)
    frame[frame.size() - 4 + static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(crc >> (8 * i));
}

}  // namespace

TEST_CASE("crc32c gives the Castagnoli check value") {
  const std::string check = "123456789";
  const std::vector<std::uint8_t> bytes(check.begin(), check.end());
  CHECK(crc32c(bytes) == 0xE3069283U);
  CHECK(crc32c({}) == 0U);
  // Incremental: the CRC of a whole equals the CRC of its second half continued from the first.
  CHECK(crc32c(std::span(bytes).subspan(4), crc32c(std::span(bytes).first(4))) == 0xE3069283U);
}

TEST_CASE("a message frame round-trips every field, with and without a payload") {
  for (const std::size_t payload_bytes : {std::size_t{0}, std::size_t{1}, std::size_t{1400}}) {
    const Message message = sample_message(payload_bytes);
    const std::vector<std::uint8_t> frame = encode_frame(message);
    CHECK(frame.size() == kFrameOverheadBytes + payload_bytes);
    const FrameDecode decoded = decode_frame(frame);
    INFO(decoded.error);
    REQUIRE(decoded.message.has_value());
    CHECK(decoded.frame_bytes == frame.size());
    expect_same(*decoded.message, message);
  }
}

TEST_CASE("frames back to back on a stream decode one at a time, and a prefix waits for more") {
  std::vector<std::uint8_t> stream;
  encode_frame(sample_message(10), stream);
  encode_frame(sample_message(300), stream);
  const FrameDecode first = decode_frame(stream);
  REQUIRE(first.message.has_value());
  CHECK(first.message->payload.size() == 10);
  const FrameDecode second = decode_frame(std::span(stream).subspan(first.frame_bytes));
  REQUIRE(second.message.has_value());
  CHECK(second.message->payload.size() == 300);
  CHECK(first.frame_bytes + second.frame_bytes == stream.size());
  for (const std::size_t prefix : {std::size_t{0}, std::size_t{3}, first.frame_bytes - 1}) {
    const FrameDecode partial = decode_frame(std::span(stream).first(prefix));
    CHECK(partial.incomplete);
    CHECK_FALSE(partial.message.has_value());
    CHECK(partial.error.empty());
  }
}

TEST_CASE("a damaged frame is refused with the reason") {
  const std::vector<std::uint8_t> good = encode_frame(sample_message(20));
  SECTION("any flipped bit fails the checksum") {
    for (std::size_t i = 4; i < good.size(); ++i) {
      std::vector<std::uint8_t> bad = good;
      bad[i] ^= 0x10;
      const FrameDecode decoded = decode_frame(bad);
      CHECK_FALSE(decoded.message.has_value());
      CHECK(decoded.error == "message frame: checksum mismatch");
    }
  }
  SECTION("another version") {
    std::vector<std::uint8_t> bad = good;
    bad[4] = 2;
    reseal(bad);
    CHECK(decode_frame(bad).error == "message frame: version 2, this build speaks 1");
  }
  SECTION("a payload length that disagrees with the frame length") {
    std::vector<std::uint8_t> bad = good;
    bad[4 + 1 + 4 + 4 + 2 + 2 + 8] = 21;  // payload_bytes' low byte: 20 -> 21
    reseal(bad);
    CHECK(decode_frame(bad).error == "message frame: payload length 21 but 20 bytes in the frame");
  }
  SECTION("a frame length below the header or above the largest payload") {
    for (const std::uint32_t length : {std::uint32_t{3}, std::uint32_t{0xFFFFFFFF}}) {
      std::vector<std::uint8_t> bad = good;
      for (int i = 0; i < 4; ++i)
        bad[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(length >> (8 * i));
      const FrameDecode decoded = decode_frame(bad);
      CHECK_FALSE(decoded.message.has_value());
      CHECK_FALSE(decoded.incomplete);
      CHECK_THAT(decoded.error, Catch::StartsWith("message frame: frame length "));
    }
  }
  SECTION("a bulk larger than 1 TiB") {
    std::vector<std::uint8_t> bad = good;
    bad[4 + 1 + 4 + 4 + 2 + 2 + 7] = 0x80;  // bulk_bytes' top byte
    reseal(bad);
    CHECK_THAT(decode_frame(bad).error, Catch::EndsWith("exceeds 1 TiB"));
  }
}
