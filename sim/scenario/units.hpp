#pragma once
// Conversions the scenario runner's results use: seconds as double, NaN for "not applicable".

#include <chrono>
#include <limits>

#include <core/env/time.hpp>

namespace mycelium::sim {

inline constexpr double kNotApplicable = std::numeric_limits<double>::quiet_NaN();

inline double seconds(Duration duration) {
  return std::chrono::duration<double>(duration).count();
}
inline double seconds(TimePoint at) {
  return seconds(at.time_since_epoch());
}

}  // namespace mycelium::sim
