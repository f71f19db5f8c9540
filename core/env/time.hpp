#pragma once
// Time as the core sees it: integer nanoseconds, on the Environment's own clock. The clock type
// has no now(): only the Environment says what time it is, so the same code runs on simulated
// time (sim/) and on a monotonic clock (real/), and no protocol can read a wall clock by mistake.

#include <chrono>
#include <cstdint>
#include <string>

namespace mycelium {

// Integer nanoseconds: exact, so simulated runs are bit for bit reproducible. Covers ±292 years.
using Duration = std::chrono::nanoseconds;

// Tag type for time points on an Environment's clock. Its epoch is the simulation start (sim/)
// or the process start (real/). Deliberately no now(): ask Environment::now().
struct EnvironmentClock {
  using duration = Duration;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<EnvironmentClock, Duration>;
  static constexpr bool is_steady = true;
};

using TimePoint = EnvironmentClock::time_point;

inline constexpr TimePoint kTimeZero{};

// "1.250000000s", "-0.000001000s": seconds with all nine digits, for logs and messages. Exact
// (no floating point), so the text is as reproducible as the time it shows.
// Durations as floating-point seconds, for rates, reports and plots. Time itself stays integral
// nanoseconds: never schedule with a value that went through double.
inline double to_seconds(Duration duration) {
  return std::chrono::duration<double>(duration).count();
}
inline double to_seconds(TimePoint at) {
  return to_seconds(at.time_since_epoch());
}
// The Duration of `seconds`, truncated to whole nanoseconds (as duration_cast does).
inline Duration from_seconds(double seconds) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

inline std::string format_duration(Duration duration) {
  constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  const std::int64_t nanos = duration.count();
  // Split the magnitude without negating INT64_MIN: quotient and remainder keep the sign of
  // `nanos`, so negate each part separately.
  const bool negative = nanos < 0;
  const std::int64_t seconds = nanos / kNanosPerSecond;
  const std::int64_t fraction_nanos = nanos % kNanosPerSecond;
  const std::string whole = std::to_string(negative ? -seconds : seconds);
  std::string fraction = std::to_string(negative ? -fraction_nanos : fraction_nanos);
  fraction.insert(0, 9 - fraction.size(), '0');
  return (negative ? "-" : "") + whole + "." + fraction + "s";
}

// The time since the environment's epoch, formatted like format_duration: "t=12.345678901s".
inline std::string format_time(TimePoint at) {
  return "t=" + format_duration(at.time_since_epoch());
}

}  // namespace mycelium
