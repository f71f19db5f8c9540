#pragma once
// Time as the core sees it: nanosecond durations and time points on the Environment's own
// clock. The clock type has no now(): only the Environment says what time it is, so the same
// code runs on simulated time and on a monotonic wall clock.

#include <chrono>
#include <cstdint>
#include <string>

namespace mycelium {

using Duration = std::chrono::nanoseconds;

// Tag type for time points on an Environment's clock (simulation start or process start = 0).
struct EnvironmentClock {
  using duration = Duration;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<EnvironmentClock, Duration>;
  static constexpr bool is_steady = true;
};

using TimePoint = EnvironmentClock::time_point;

inline constexpr TimePoint kTimeZero{};

// "12.345678s" — for logs and messages.
inline std::string format_time(TimePoint at) {
  const std::int64_t ns = at.time_since_epoch().count();
  const std::int64_t seconds = ns / 1000000000;
  const std::int64_t micros = (ns % 1000000000) / 1000;
  std::string fraction = std::to_string(micros < 0 ? -micros : micros);
  fraction.insert(0, 6 - fraction.size(), '0');
  return std::to_string(seconds) + "." + fraction + "s";
}

}  // namespace mycelium
