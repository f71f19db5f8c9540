#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include <analysis/compare/statistics.hpp>
#include <core/assert.hpp>

namespace mycelium::analysis {

namespace {

// t_{0.975, df} for df = 1 .. 30 (standard table values, 4 decimals).
constexpr std::array<double, 30> kStudentT975 = {
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};

}  // namespace

double student_t_975(std::size_t degrees_of_freedom) {
  MYCELIUM_ASSERT(degrees_of_freedom >= 1);
  if (degrees_of_freedom <= kStudentT975.size()) return kStudentT975[degrees_of_freedom - 1];
  // Cornish-Fisher expansion around the normal quantile: within 1e-4 of the exact value from
  // 30 degrees of freedom on.
  constexpr double z = 1.959963984540054;
  const auto v = static_cast<double>(degrees_of_freedom);
  const double z3 = z * z * z;
  const double z5 = z3 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v);
}

SampleStats sample_stats(std::span<const double> values) {
  std::vector<double> finite;
  finite.reserve(values.size());
  for (const double value : values) {
    if (std::isfinite(value)) finite.push_back(value);
  }
  SampleStats stats;
  stats.count = finite.size();
  if (finite.empty()) {
    stats.mean = std::numeric_limits<double>::quiet_NaN();
    return stats;
  }
  const Eigen::Map<const Eigen::VectorXd> sample(finite.data(),
                                                 static_cast<Eigen::Index>(finite.size()));
  stats.mean = sample.mean();
  if (finite.size() >= 2) {
    const double n = static_cast<double>(finite.size());
    const double variance = (sample.array() - stats.mean).square().sum() / (n - 1);
    stats.ci95_half_width = student_t_975(finite.size() - 1) * std::sqrt(variance / n);
  }
  return stats;
}

}  // namespace mycelium::analysis
