// ByteWriter / ByteReader: little-endian layout, varint edge cases, and that every malformed
// input makes the reader fail instead of reading past the end.

#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include <core/wire/byte_io.hpp>

using mycelium::wire::ByteReader;
using mycelium::wire::ByteWriter;

TEST_CASE("fixed-width integers are little-endian and round-trip") {
  ByteWriter writer;
  writer.u8(0xab);
  writer.u16(0x1234);
  writer.u32(0xdeadbeef);
  writer.u64(0x0102030405060708ULL);
  const std::vector<std::uint8_t> expected = {0xab, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde, 0x08,
                                              0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  CHECK(writer.bytes() == expected);

  ByteReader reader(writer.bytes());
  CHECK(reader.u8() == 0xab);
  CHECK(reader.u16() == 0x1234);
  CHECK(reader.u32() == 0xdeadbeef);
  CHECK(reader.u64() == 0x0102030405060708ULL);
  CHECK(reader.ok());
  CHECK(reader.at_end());
}

TEST_CASE("varints round-trip at every length boundary") {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t values[] = {0, 1, 127, 128, 16383, 16384, 1ULL << 63, max};
  for (std::uint64_t value : values) {
    ByteWriter writer;
    writer.varint(value);
    ByteReader reader(writer.bytes());
    CHECK(reader.varint() == value);
    CHECK(reader.ok());
    CHECK(reader.at_end());
  }
  ByteWriter one_byte;
  one_byte.varint(127);
  CHECK(one_byte.bytes().size() == 1);
  ByteWriter ten_bytes;
  ten_bytes.varint(max);
  CHECK(ten_bytes.bytes().size() == 10);
}

TEST_CASE("a truncated buffer fails the reader and later reads return 0") {
  const std::vector<std::uint8_t> three = {1, 2, 3};
  ByteReader reader(three);
  CHECK(reader.u32() == 0);
  CHECK_FALSE(reader.ok());
  CHECK(reader.error().find("truncated") != std::string::npos);
  CHECK(reader.u8() == 0);  // no read succeeds after a failure, even one that would fit
}

TEST_CASE("malformed varints are refused") {
  SECTION("continuation bit on the last byte") {
    const std::vector<std::uint8_t> bytes = {0x80, 0x80};
    ByteReader reader(bytes);
    reader.varint();
    CHECK_FALSE(reader.ok());
  }
  SECTION("more than 64 bits") {
    const std::vector<std::uint8_t> bytes = {0xff, 0xff, 0xff, 0xff, 0xff,
                                             0xff, 0xff, 0xff, 0xff, 0x02};
    ByteReader reader(bytes);
    reader.varint();
    CHECK(reader.error() == "varint overflows 64 bits");
  }
  SECTION("padded with a zero byte (not the shortest form)") {
    const std::vector<std::uint8_t> bytes = {0x81, 0x00};
    ByteReader reader(bytes);
    reader.varint();
    CHECK(reader.error() == "varint is not in its shortest form");
  }
}

TEST_CASE("fail keeps the first reason") {
  const std::vector<std::uint8_t> none;
  ByteReader reader(none);
  CHECK_FALSE(reader.fail("first"));
  reader.fail("second");
  CHECK(reader.error() == "first");
}

TEST_CASE("varints decode the same with ten or more bytes left (the unchecked fast path)") {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t values[] = {0, 1, 127, 128, 16384, 1ULL << 63, max};
  for (std::uint64_t value : values) {
    ByteWriter writer;
    writer.varint(value);
    for (int i = 0; i < 10; ++i)
      writer.u8(0xee);  // plenty left after the varint
    ByteReader reader(writer.bytes());
    CHECK(reader.varint() == value);
    CHECK(reader.remaining() == 10);
  }
  const std::vector<std::uint8_t> padded = {0x81, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  ByteReader padded_reader(padded);
  padded_reader.varint();
  CHECK(padded_reader.error() == "varint is not in its shortest form");
  const std::vector<std::uint8_t> overflowing = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                 0xff, 0xff, 0xff, 0x02, 0x00, 0x00};
  ByteReader overflow_reader(overflowing);
  overflow_reader.varint();
  CHECK(overflow_reader.error() == "varint overflows 64 bits");
}
