#pragma once
// Quantities as users write them in manifests: byte sizes ("8Gi", "512Mi", "1.5G", "4096") and
// durations ("100ms", "1.5s", "1m30s"). Parsing is exact integer arithmetic: no floating point,
// so the same text always gives the same value on every machine.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace mycelium::manifest {

// Either the value or a sentence saying what was wrong with the text.
template <typename T>
struct Parsed {
  std::variant<T, std::string> result;

  bool ok() const { return std::holds_alternative<T>(result); }
  const T& value() const { return std::get<T>(result); }
  const std::string& error() const { return std::get<std::string>(result); }
};

// Binary suffixes Ki Mi Gi Ti Pi Ei (powers of 1024), decimal k M G T P E (powers of 1000), or a
// plain integer number of bytes. A decimal fraction is allowed when the result is a whole byte.
Parsed<std::uint64_t> parse_byte_quantity(std::string_view text);

// Components with units ns, us, ms, s, m, h, in any order of decreasing size ("1h30m", "2.5s").
// A bare number is rejected: a duration without a unit is ambiguous.
Parsed<std::chrono::nanoseconds> parse_duration(std::string_view text);

// The shortest exact form: "8Gi", "1536Mi", "1000000" (bytes).
std::string format_byte_quantity(std::uint64_t bytes);

// The shortest exact form with one unit: "100ms", "2s", "1500us", "0s".
std::string format_duration(std::chrono::nanoseconds duration);

}  // namespace mycelium::manifest
