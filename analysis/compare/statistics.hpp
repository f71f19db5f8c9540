#pragma once
// Summary statistics of repeated runs (one value per seed): the mean and the half-width of its
// two-sided 95 % confidence interval from Student's t distribution, which is what a handful of
// seeds supports (the normal 1.96 would claim far too much for 2 or 3 seeds).

#include <cstddef>
#include <optional>
#include <span>

namespace mycelium::analysis {

struct SampleStats {
  std::size_t count = 0;  // finite values used; NaN ("not applicable") values are left out
  double mean = 0.0;      // NaN when count is 0
  // Mean +- this is the 95 % confidence interval; none with fewer than two values.
  std::optional<double> ci95_half_width;
};

SampleStats sample_stats(std::span<const double> values);

// The 0.975 quantile of Student's t with `degrees_of_freedom` >= 1.
double student_t_975(std::size_t degrees_of_freedom);

}  // namespace mycelium::analysis
