#include <cmath>

#include <core/assert.hpp>
#include <sim/workload/zipf_sampler.hpp>

namespace mycelium::sim {

namespace {

// log1p(x) / x, with its series near 0 where the quotient would lose precision.
double log1p_over_x(double x) {
  if (std::fabs(x) > 1e-8) return std::log1p(x) / x;
  return 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

// expm1(x) / x, likewise.
double expm1_over_x(double x) {
  if (std::fabs(x) > 1e-8) return std::expm1(x) / x;
  return 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
}

}  // namespace

ZipfSampler::ZipfSampler(std::uint64_t rank_count, double exponent)
    : rank_count_(rank_count), exponent_(exponent) {
  MYCELIUM_ASSERT(rank_count >= 1);
  MYCELIUM_ASSERT(std::isfinite(exponent) && exponent > 0.0);
  h_integral_x1_ = h_integral(1.5) - 1.0;
  h_integral_rank_count_ = h_integral(static_cast<double>(rank_count) + 0.5);
  squeeze_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
}

double ZipfSampler::h_integral(double x) const {
  const double log_x = std::log(x);
  return expm1_over_x((1.0 - exponent_) * log_x) * log_x;
}

double ZipfSampler::h(double x) const {
  return std::exp(-exponent_ * std::log(x));
}

double ZipfSampler::h_integral_inverse(double x) const {
  double t = x * (1.0 - exponent_);
  if (t < -1.0) t = -1.0;  // rounding can push it just below the domain of log1p
  return std::exp(log1p_over_x(t) * x);
}

std::uint64_t ZipfSampler::next(RandomStream& random) const {
  if (rank_count_ == 1) return 1;
  // Each attempt is accepted with probability above 0.98 (measured), so 200 rejections in a row
  // mean a bug, not bad luck.
  for (int attempt = 0; attempt < 200; ++attempt) {
    // u is uniform in (H(1.5) - 1, H(n + 0.5)]: the area under the hat, rank 1 stretched to 1.
    const double u =
        h_integral_rank_count_ + random.uniform_real() * (h_integral_x1_ - h_integral_rank_count_);
    const double x = h_integral_inverse(u);
    // Round to the nearest rank, clamped: rounding error can put x a hair outside [0.5, n + 0.5].
    double rounded = std::floor(x + 0.5);
    if (rounded < 1.0) rounded = 1.0;
    if (rounded > static_cast<double>(rank_count_)) rounded = static_cast<double>(rank_count_);
    // The squeeze accepts most draws without evaluating the exact bound; both tests accept
    // rank k with probability proportional to h(k) = k^-s.
    if (rounded - x <= squeeze_ || u >= h_integral(rounded + 0.5) - h(rounded)) {
      return static_cast<std::uint64_t>(rounded);
    }
  }
  MYCELIUM_ASSERT(false && "zipf rejection-inversion never accepted");
  return 1;
}

}  // namespace mycelium::sim
