#include <array>
#include <limits>
#include <optional>
#include <utility>

#include <core/manifest/quantity.hpp>

namespace mycelium::manifest {

namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

// Longest suffixes first so "Mi" is tried before "M".
constexpr std::array<Unit, 13> kByteUnits{{
    {"Ki", 1ULL << 10},
    {"Mi", 1ULL << 20},
    {"Gi", 1ULL << 30},
    {"Ti", 1ULL << 40},
    {"Pi", 1ULL << 50},
    {"Ei", 1ULL << 60},
    {"k", 1000ULL},
    {"M", 1000000ULL},
    {"G", 1000000000ULL},
    {"T", 1000000000000ULL},
    {"P", 1000000000000000ULL},
    {"E", 1000000000000000000ULL},
    {"", 1ULL},
}};

constexpr std::array<Unit, 6> kDurationUnits{{
    {"h", 3600ULL * 1000000000ULL},
    {"m", 60ULL * 1000000000ULL},
    {"s", 1000000000ULL},
    {"ms", 1000000ULL},
    {"us", 1000ULL},
    {"ns", 1ULL},
}};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A decimal number "123" or "12.75" as integer digits and a count of fractional digits.
struct Decimal {
  std::uint64_t digits = 0;  // all digits as one integer: 12.75 -> 1275
  unsigned fraction_digits = 0;
};

// Reads a decimal number at the start of `text`; advances `text` past it. nullopt on overflow or
// when there is no digit.
std::optional<Decimal> read_decimal(std::string_view& text) {
  Decimal decimal;
  std::size_t position = 0;
  bool any_digit = false;
  bool seen_point = false;
  while (position < text.size()) {
    const char c = text[position];
    if (is_digit(c)) {
      if (decimal.digits > (kMaxU64 - 9) / 10) return std::nullopt;
      decimal.digits = decimal.digits * 10 + static_cast<std::uint64_t>(c - '0');
      if (seen_point) ++decimal.fraction_digits;
      any_digit = true;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
    ++position;
  }
  if (!any_digit || (seen_point && decimal.fraction_digits == 0)) return std::nullopt;
  text.remove_prefix(position);
  return decimal;
}

// decimal * factor, exactly; nullopt when it overflows or is not a whole number.
std::optional<std::uint64_t> scale(Decimal decimal, std::uint64_t factor) {
  std::uint64_t divisor = 1;
  for (unsigned i = 0; i < decimal.fraction_digits; ++i) {
    if (divisor > kMaxU64 / 10) return std::nullopt;
    divisor *= 10;
  }
  // decimal.digits * factor / divisor, computed without overflow in 128 bits.
  const unsigned __int128 product = static_cast<unsigned __int128>(decimal.digits) * factor;
  if (product % divisor != 0) return std::nullopt;
  const unsigned __int128 value = product / divisor;
  if (value > kMaxU64) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

std::string quoted(std::string_view text) {
  // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict on "\"" + string + "\"".
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out += text;
  out += '"';
  return out;
}

}  // namespace

Parsed<std::uint64_t> parse_byte_quantity(std::string_view text) {
  const std::string expected =
      "expected a byte quantity such as 512Mi, 8Gi or 1G (binary Ki Mi Gi Ti Pi Ei, decimal k M G "
      "T P E), got " +
      quoted(text);
  std::string_view rest = text;
  const auto number = read_decimal(rest);
  if (!number) return {expected};
  for (const Unit& unit : kByteUnits) {
    if (rest != unit.suffix) continue;
    const auto bytes = scale(*number, unit.factor);
    if (!bytes) {
      return {"expected a whole number of bytes no larger than 16Ei, got " + quoted(text)};
    }
    return {*bytes};
  }
  if (rest == "B" || rest == "KB" || rest == "MB" || rest == "GB" || rest == "TB" ||
      rest == "KiB" || rest == "MiB" || rest == "GiB" || rest == "TiB") {
    return {expected + " (did you mean \"" +
            std::string(text.substr(0, text.size() - rest.size())) +
            (rest.size() > 1 ? std::string(1, rest[0]) + "i" : std::string()) + "\"?)"};
  }
  return {expected};
}

Parsed<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  const std::string expected =
      "expected a duration with a unit such as 100ms, 1.5s or 1m30s (units h m s ms us ns), got " +
      quoted(text);
  if (text.empty()) return {expected};
  std::string_view rest = text;
  std::uint64_t total_ns = 0;
  std::size_t previous_unit = 0;  // index into kDurationUnits; units must strictly decrease
  bool first = true;
  while (!rest.empty()) {
    const auto number = read_decimal(rest);
    if (!number) return {expected};
    // Read the unit: letters up to the next digit.
    std::size_t unit_length = 0;
    while (unit_length < rest.size() && !is_digit(rest[unit_length]) && rest[unit_length] != '.') {
      ++unit_length;
    }
    const std::string_view unit_text = rest.substr(0, unit_length);
    rest.remove_prefix(unit_length);
    std::optional<std::size_t> unit_index;
    for (std::size_t i = 0; i < kDurationUnits.size(); ++i) {
      if (kDurationUnits[i].suffix == unit_text) unit_index = i;
    }
    if (!unit_index || (!first && *unit_index <= previous_unit)) return {expected};
    const auto component_ns = scale(*number, kDurationUnits[*unit_index].factor);
    if (!component_ns || *component_ns > kMaxU64 - total_ns) {
      return {"expected a duration that is a whole number of nanoseconds below 292 years, got " +
              quoted(text)};
    }
    total_ns += *component_ns;
    previous_unit = *unit_index;
    first = false;
  }
  if (total_ns > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return {"expected a duration below 292 years, got " + quoted(text)};
  }
  return {std::chrono::nanoseconds(static_cast<std::int64_t>(total_ns))};
}

std::string format_byte_quantity(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  // Largest binary unit that divides exactly.
  for (std::size_t i = 6; i-- > 0;) {
    const Unit& unit = kByteUnits[i];
    if (bytes % unit.factor == 0)
      return std::to_string(bytes / unit.factor) + std::string(unit.suffix);
  }
  return std::to_string(bytes);
}

std::string format_duration(std::chrono::nanoseconds duration) {
  const std::int64_t ns = duration.count();
  if (ns == 0) return "0s";
  const std::string sign = ns < 0 ? "-" : "";
  const std::uint64_t magnitude =
      ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  for (const Unit& unit : kDurationUnits) {
    if (magnitude % unit.factor == 0) {
      return sign + std::to_string(magnitude / unit.factor) + std::string(unit.suffix);
    }
  }
  return sign + std::to_string(magnitude) + "ns";  // unreachable: ns divides everything
}

}  // namespace mycelium::manifest
