#pragma once
// Building blocks of every wire codec: a writer that appends little-endian integers and varints,
// and a reader that checks every read against the end of the buffer. A decoder built on
// ByteReader cannot read out of bounds: a short or corrupt message makes it fail(), never crash.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mycelium::wire {

class ByteWriter {
 public:
  void u8(std::uint8_t value) { bytes_.push_back(value); }
  void u16(std::uint16_t value) { fixed(value, 2); }
  void u32(std::uint32_t value) { fixed(value, 4); }
  void u64(std::uint64_t value) { fixed(value, 8); }
  // LEB128: 7 bits per byte, small numbers in one byte.
  void varint(std::uint64_t value);

  void reserve(std::size_t byte_count) { bytes_.reserve(byte_count); }
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  void fixed(std::uint64_t value, int byte_count);
  std::vector<std::uint8_t> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  // Each returns 0 and marks the reader failed when the bytes run out or are malformed.
  std::uint8_t u8();
  std::uint16_t u16() { return static_cast<std::uint16_t>(fixed(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::uint64_t varint();

  // Marks the reader failed with `why` (first failure wins) and returns false, for checks of
  // decoded values: `if (count > kMax) return reader.fail("too many pages");`
  bool fail(std::string_view why);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t remaining() const { return bytes_.size() - position_; }
  bool at_end() const { return position_ == bytes_.size(); }

 private:
  std::uint64_t fixed(int byte_count);

  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
  std::string error_;
};

}  // namespace mycelium::wire
