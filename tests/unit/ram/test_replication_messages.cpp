// The replication wire codec: round trips, and every malformed input refused with a reason.

#include <catch2/catch.hpp>

#include <core/ram/replication_messages.hpp>

using namespace mycelium;
using namespace mycelium::ram;

namespace {

EpochChunk sample_chunk() {
  EpochChunk chunk;
  chunk.stream = 7;
  chunk.epoch = 300;
  chunk.chunk_index = 2;
  chunk.chunk_count = 4;
  chunk.restorable = false;
  chunk.snapshot_time = TimePoint(std::chrono::milliseconds(1234));
  chunk.page_size_bytes = 4096;
  chunk.pages = {0, 1, 5, 200, 1ULL << 40};
  return chunk;
}

std::string refusal(std::vector<std::uint8_t> bytes) {
  const DecodeResult result = decode_replication_message(bytes);
  REQUIRE_FALSE(result.message.has_value());
  return result.error;
}

}  // namespace

TEST_CASE("an epoch chunk round-trips through the codec") {
  const EpochChunk chunk = sample_chunk();
  const DecodeResult result = decode_replication_message(encode(chunk));
  REQUIRE(result.message.has_value());
  CHECK(std::get<EpochChunk>(*result.message) == chunk);
}

TEST_CASE("a chunk ack round-trips through the codec") {
  const ChunkAck ack{3, 99, 1, 98};
  const DecodeResult result = decode_replication_message(encode(ack));
  REQUIRE(result.message.has_value());
  CHECK(std::get<ChunkAck>(*result.message) == ack);
}

TEST_CASE("page indices are delta-encoded, so a dense chunk costs about a byte per page") {
  EpochChunk chunk = sample_chunk();
  chunk.pages.clear();
  for (std::uint64_t page = 1000; page < 3000; ++page)
    chunk.pages.push_back(page);
  CHECK(encode(chunk).size() < 2000 + 40);
}

TEST_CASE("malformed replication messages are refused with a reason") {
  const std::vector<std::uint8_t> good = encode(sample_chunk());

  CHECK(refusal({}).find("truncated") != std::string::npos);
  std::vector<std::uint8_t> bytes = good;
  bytes[0] = 2;
  CHECK(refusal(bytes).find("wire version 2") != std::string::npos);
  bytes = good;
  bytes[1] = 9;
  CHECK(refusal(bytes).find("unknown message type 9") != std::string::npos);
  bytes = good;
  bytes.pop_back();
  CHECK(refusal(bytes).find("truncated") != std::string::npos);
  bytes = good;
  bytes.push_back(0);
  CHECK(refusal(bytes).find("trailing") != std::string::npos);

  EpochChunk chunk = sample_chunk();
  bytes = encode(chunk);
  // Layout: version, type, u32 stream, varint epoch (2 bytes for 300), u16 index, u16 count.
  bytes[8] = 4;  // chunk_index = chunk_count
  CHECK(refusal(bytes).find("chunk_index 4 not below chunk_count 4") != std::string::npos);
  bytes = encode(chunk);
  bytes[10] = 0;  // chunk_count = 0
  CHECK(refusal(bytes).find("chunk_count 0") != std::string::npos);
  bytes = encode(chunk);
  bytes[12] = 0x80;  // unknown flag bit
  CHECK(refusal(bytes).find("flag") != std::string::npos);
}

TEST_CASE("pages must be strictly increasing and the count must fit the bytes") {
  EpochChunk chunk = sample_chunk();
  chunk.pages = {10, 11};
  std::vector<std::uint8_t> bytes = encode(chunk);
  bytes.back() = 0;  // second delta 0: a repeated page
  CHECK(refusal(bytes).find("strictly increasing") != std::string::npos);

  chunk.pages = {10};
  bytes = encode(chunk);
  bytes[bytes.size() - 2] = 100;  // page count 100 with one byte left
  CHECK(refusal(bytes).find("page count 100 exceeds") != std::string::npos);
}

TEST_CASE("page sizes above 1 GiB are refused") {
  EpochChunk chunk = sample_chunk();
  chunk.pages.clear();
  std::vector<std::uint8_t> bytes = encode(chunk);
  bytes[bytes.size() - 2] = 31;  // log2(page size), just before the zero page count
  CHECK(refusal(bytes).find("larger than 1 GiB") != std::string::npos);
}

TEST_CASE("heartbeats and promotion claims round-trip through the codec") {
  const PrimaryHeartbeat heartbeat{4, 10, 8};
  DecodeResult result = decode_replication_message(encode(heartbeat));
  REQUIRE(result.message.has_value());
  CHECK(std::get<PrimaryHeartbeat>(*result.message) == heartbeat);

  const PromotionClaim claim{4, 77, TimePoint(std::chrono::seconds(3))};
  result = decode_replication_message(encode(claim));
  REQUIRE(result.message.has_value());
  CHECK(std::get<PromotionClaim>(*result.message) == claim);
}

TEST_CASE("a heartbeat committing beyond what was launched is refused") {
  std::vector<std::uint8_t> bytes = encode(PrimaryHeartbeat{1, 5, 5});
  bytes.back() = 6;  // last_committed 6 > last_launched 5
  CHECK(refusal(bytes).find("has not launched") != std::string::npos);
}

TEST_CASE("encoding a chunk from a slice gives the same bytes as encoding the chunk") {
  const EpochChunk chunk = sample_chunk();
  EpochChunk fields = chunk;
  fields.pages = {999};  // ignored
  CHECK(encode_chunk(fields, chunk.pages) == encode(chunk));
}

TEST_CASE("a handover round-trips, and one naming no new primary is refused") {
  const Handover handover{4, 1234, NodeId{7}};
  const std::vector<std::uint8_t> bytes = encode(handover);
  const DecodeResult result = decode_replication_message(bytes);
  REQUIRE(result.message.has_value());
  CHECK(std::get<Handover>(*result.message) == handover);
  std::vector<std::uint8_t> nobody = bytes;
  for (std::size_t i = nobody.size() - 4; i < nobody.size(); ++i)
    nobody[i] = 0xff;  // NodeId's invalid value
  CHECK(refusal(nobody).find("names no new primary") != std::string::npos);
  nobody.pop_back();
  CHECK_FALSE(decode_replication_message(nobody).message.has_value());
}
