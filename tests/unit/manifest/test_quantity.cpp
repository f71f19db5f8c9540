#include <catch2/catch.hpp>

#include <core/manifest/quantity.hpp>

using namespace mycelium::manifest;
using namespace std::chrono_literals;

TEST_CASE("byte quantities in binary and decimal units", "[manifest][quantity]") {
  CHECK(parse_byte_quantity("8Gi").value() == 8ULL << 30);
  CHECK(parse_byte_quantity("512Mi").value() == 512ULL << 20);
  CHECK(parse_byte_quantity("1Ki").value() == 1024);
  CHECK(parse_byte_quantity("1G").value() == 1000000000ULL);
  CHECK(parse_byte_quantity("4096").value() == 4096);
  CHECK(parse_byte_quantity("1.5Gi").value() == 3ULL << 29);
  CHECK(parse_byte_quantity("0.5k").value() == 500);
  CHECK(parse_byte_quantity("15Ei").value() == 15ULL << 60);
}

TEST_CASE("byte quantities that are not whole, too large or misspelt are refused",
          "[manifest][quantity]") {
  CHECK_FALSE(parse_byte_quantity("").ok());
  CHECK_FALSE(parse_byte_quantity("Gi").ok());
  CHECK_FALSE(parse_byte_quantity("-1Gi").ok());
  CHECK_FALSE(parse_byte_quantity("1.5").ok());   // half a byte
  CHECK_FALSE(parse_byte_quantity("16Ei").ok());  // 2^64 overflows
  CHECK_FALSE(parse_byte_quantity("99999999999999999999").ok());
  CHECK_FALSE(parse_byte_quantity("1.Gi").ok());
  CHECK_FALSE(parse_byte_quantity("8 Gi").ok());
  const auto gigabytes = parse_byte_quantity("8GB");
  REQUIRE_FALSE(gigabytes.ok());
  CHECK(gigabytes.error() ==
        "expected a byte quantity such as 512Mi, 8Gi or 1G (binary Ki Mi Gi Ti Pi Ei, decimal k "
        "M G T P E), got \"8GB\" (did you mean \"8Gi\"?)");
}

TEST_CASE("durations with units, single and composite", "[manifest][quantity]") {
  CHECK(parse_duration("100ms").value() == 100ms);
  CHECK(parse_duration("1.5s").value() == 1500ms);
  CHECK(parse_duration("1m30s").value() == 90s);
  CHECK(parse_duration("2h").value() == 2h);
  CHECK(parse_duration("250us").value() == 250us);
  CHECK(parse_duration("7ns").value() == 7ns);
  CHECK(parse_duration("0s").value() == 0s);
}

TEST_CASE("durations without a unit, with units out of order or fractional ns are refused",
          "[manifest][quantity]") {
  CHECK_FALSE(parse_duration("100").ok());
  CHECK_FALSE(parse_duration("").ok());
  CHECK_FALSE(parse_duration("30s1m").ok());
  CHECK_FALSE(parse_duration("1s1s").ok());
  CHECK_FALSE(parse_duration("1.5ns").ok());
  CHECK_FALSE(parse_duration("10sec").ok());
  CHECK_FALSE(parse_duration("3000000h").ok());  // beyond 292 years of int64 nanoseconds
}

TEST_CASE("formatting picks the largest exact unit and parses back", "[manifest][quantity]") {
  CHECK(format_byte_quantity(8ULL << 30) == "8Gi");
  CHECK(format_byte_quantity(1536ULL << 20) == "1536Mi");
  CHECK(format_byte_quantity(1000) == "1000");
  CHECK(format_byte_quantity(0) == "0");
  CHECK(format_duration(100ms) == "100ms");
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(2h) == "2h");
  CHECK(format_duration(1500us) == "1500us");
  CHECK(format_duration(0s) == "0s");
  for (std::uint64_t bytes : {1ULL, 4095ULL, 4096ULL, 3ULL << 29, (1ULL << 63) + 5}) {
    CHECK(parse_byte_quantity(format_byte_quantity(bytes)).value() == bytes);
  }
  for (std::chrono::nanoseconds duration :
       std::initializer_list<std::chrono::nanoseconds>{1ns, 999ns, 1001us, 61s, 25h}) {
    CHECK(parse_duration(format_duration(duration)).value() == duration);
  }
}
