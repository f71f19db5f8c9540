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
  // Appends a run of varints, same bytes as varint() on each value, sized once up front: for
  // long lists (the page deltas of a replication chunk) where per-byte growth checks dominate.
  // `values(put)` must call put(value) exactly `count` times with the values whose total
  // encoded size is `byte_count` (see varint_size).
  template <typename Values>
  void varints(std::size_t count, std::size_t byte_count, Values&& values) {
    const std::size_t start = bytes_.size();
    bytes_.resize(start + byte_count);
    std::uint8_t* out = bytes_.data() + start;
    std::uint8_t* const end = out + byte_count;
    std::size_t written = 0;
    values([&out, end, &written](std::uint64_t value) {
      out = put_varint(out, end, value);
      ++written;
    });
    if (out != end || written != count) sizes_mismatch();
  }

  void reserve(std::size_t byte_count) { bytes_.reserve(byte_count); }
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  static std::uint8_t* put_varint(std::uint8_t* out, const std::uint8_t* end, std::uint64_t value) {
    while (value >= 0x80 && out != end) {
      *out++ = static_cast<std::uint8_t>(value | 0x80);
      value >>= 7;
    }
    if (out == end) sizes_mismatch();
    *out++ = static_cast<std::uint8_t>(value);
    return out;
  }
  [[noreturn]] static void sizes_mismatch();
  void fixed(std::uint64_t value, int byte_count);
  std::vector<std::uint8_t> bytes_;
};

// Bytes varint() writes for `value`: 1 to 10.
constexpr std::size_t varint_size(std::uint64_t value) {
  std::size_t size = 1;
  for (; value >= 0x80; value >>= 7)
    ++size;
  return size;
}

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  // Each returns 0 and marks the reader failed when the bytes run out or are malformed.
  std::uint8_t u8();
  std::uint16_t u16() { return static_cast<std::uint16_t>(fixed(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::uint64_t varint() {
    // Inline fast path for the one- and two-byte forms that most values on the wire take (page
    // deltas, counts); it accepts exactly what varint_checked() accepts for them.
    if (remaining() >= 2 && ok()) {
      const std::uint8_t* bytes = bytes_.data() + position_;
      if (bytes[0] < 0x80) {
        position_ += 1;
        return bytes[0];
      }
      if (bytes[1] < 0x80 && bytes[1] != 0) {
        position_ += 2;
        return (bytes[0] & 0x7fU) | static_cast<std::uint64_t>(bytes[1]) << 7;
      }
    }
    return varint_checked();
  }

  // Marks the reader failed with `why` (first failure wins) and returns false, for checks of
  // decoded values: `if (count > kMax) return reader.fail("too many pages");`
  bool fail(std::string_view why);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t remaining() const { return bytes_.size() - position_; }
  bool at_end() const { return position_ == bytes_.size(); }

 private:
  std::uint64_t varint_checked();
  std::uint64_t fixed(int byte_count);

  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
  std::string error_;
};

}  // namespace mycelium::wire
