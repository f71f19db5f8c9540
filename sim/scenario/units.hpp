#pragma once
// What the scenario runner's results use for "not applicable" (seconds: to_seconds, time.hpp).

#include <limits>

#include <core/env/time.hpp>

namespace mycelium::sim {

inline constexpr double kNotApplicable = std::numeric_limits<double>::quiet_NaN();

}  // namespace mycelium::sim
