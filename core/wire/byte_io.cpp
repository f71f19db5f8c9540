#include <cstdio>
#include <cstdlib>

#include <core/wire/byte_io.hpp>

namespace mycelium::wire {

void ByteWriter::varint(std::uint64_t value) {
  while (value >= 0x80) {
    bytes_.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<std::uint8_t>(value));
}

void ByteWriter::sizes_mismatch() {
  // A caller bug, not bad input: the sizes it announced do not match the values it wrote.
  std::fprintf(stderr, "ByteWriter::varints: announced sizes do not match the values\n");
  std::abort();
}

void ByteWriter::fixed(std::uint64_t value, int byte_count) {
  for (int i = 0; i < byte_count; ++i)
    bytes_.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint8_t ByteReader::u8() {
  return static_cast<std::uint8_t>(fixed(1));
}

std::uint64_t ByteReader::fixed(int byte_count) {
  if (!ok()) return 0;
  if (remaining() < static_cast<std::size_t>(byte_count)) {
    fail("truncated: needed " + std::to_string(byte_count) + " more bytes, " +
         std::to_string(remaining()) + " left");
    return 0;
  }
  std::uint64_t value = 0;
  for (int i = 0; i < byte_count; ++i) {
    value |= static_cast<std::uint64_t>(bytes_[position_ + static_cast<std::size_t>(i)]) << (8 * i);
  }
  position_ += static_cast<std::size_t>(byte_count);
  return value;
}

std::uint64_t ByteReader::varint_checked() {
  if (!ok()) return 0;
  // Fast path: at most 10 bytes, all in the buffer, so no byte needs its own bounds check.
  // Decodes exactly what the checked loop below decodes, with the same refusals.
  if (remaining() >= 10) {
    const std::uint8_t* bytes = bytes_.data() + position_;
    std::uint64_t value = 0;
    for (int i = 0; i < 10; ++i) {
      const std::uint8_t byte = bytes[i];
      if (i == 9 && byte > 1) {
        fail("varint overflows 64 bits");
        return 0;
      }
      value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        if (byte == 0 && i > 0) {
          fail("varint is not in its shortest form");
          return 0;
        }
        position_ += static_cast<std::size_t>(i) + 1;
        return value;
      }
    }
    fail("varint longer than 10 bytes");
    return 0;
  }
  std::uint64_t value = 0;
  // At most 10 bytes encode 64 bits; the 10th may carry only the top bit.
  for (int shift = 0; shift < 70; shift += 7) {
    const std::uint8_t byte = u8();
    if (!ok()) return 0;
    if (shift == 63 && byte > 1) {
      fail("varint overflows 64 bits");
      return 0;
    }
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      // A zero final byte after the first is padding: refuse it, so each value has one encoding
      // and decode-then-encode reproduces the input exactly (the fuzzers rely on it).
      if (byte == 0 && shift > 0) {
        fail("varint is not in its shortest form");
        return 0;
      }
      return value;
    }
  }
  fail("varint longer than 10 bytes");
  return 0;
}

bool ByteReader::fail(std::string_view why) {
  if (error_.empty()) error_ = std::string(why);
  return false;
}

}  // namespace mycelium::wire
