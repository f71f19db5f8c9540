#pragma once
// The nearest-rank percentile the scenario runs report (lag_p99_ms, step_latency_p99_ms, ...):
// the smallest value with at least `fraction` of the values at or below it; kNotApplicable when
// there are none.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <sim/scenario/units.hpp>

namespace mycelium::sim {

// `sorted` in ascending order; fraction in (0, 1].
inline double percentile_of_sorted(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return kNotApplicable;
  const auto rank =
      static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

inline double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  return percentile_of_sorted(values, fraction);
}

}  // namespace mycelium::sim
