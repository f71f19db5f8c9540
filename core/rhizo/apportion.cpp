#include <algorithm>
#include <cmath>
#include <numeric>

#include <core/assert.hpp>
#include <core/rhizo/apportion.hpp>

namespace mycelium::rhizo {

namespace {

constexpr double kWeightScale = 16777216.0;  // 2^24: with <= 2^32 pages, products fit 2^56

std::vector<std::uint64_t> quantise(std::span<const double> weights) {
  const double largest = *std::max_element(weights.begin(), weights.end());
  MYCELIUM_ASSERT(largest > 0.0 && std::isfinite(largest));
  std::vector<std::uint64_t> quantised;
  quantised.reserve(weights.size());
  for (double weight : weights) {
    MYCELIUM_ASSERT(weight >= 0.0);
    if (weight == 0.0) {
      quantised.push_back(0);
      continue;
    }
    const double scaled = std::round(weight / largest * kWeightScale);
    quantised.push_back(std::max<std::uint64_t>(1, static_cast<std::uint64_t>(scaled)));
  }
  return quantised;
}

}  // namespace

std::vector<std::uint64_t> apportion(std::span<const double> weights, std::uint64_t total_pages,
                                     std::size_t first_in_ties) {
  MYCELIUM_ASSERT(!weights.empty() && total_pages <= kMaxPagesPerSplit);
  const std::size_t n = weights.size();
  const std::vector<std::uint64_t> w = quantise(weights);
  const std::uint64_t sum = std::accumulate(w.begin(), w.end(), std::uint64_t{0});
  std::vector<std::uint64_t> shares(n);
  std::vector<std::uint64_t> remainders(n);
  std::uint64_t assigned = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t product = total_pages * w[i];  // <= 2^32 * 2^24
    shares[i] = product / sum;
    remainders[i] = product % sum;
    assigned += shares[i];
  }
  MYCELIUM_ASSERT(assigned <= total_pages && total_pages - assigned < n);
  // Fewer than n leftover pages, one each to the largest remainders. Only weighted entries can
  // have a remainder, so a zero weight never receives a page.
  std::vector<std::size_t> order(n);
  for (std::size_t k = 0; k < n; ++k)
    order[k] = (first_in_ties + k) % n;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  for (std::size_t k = 0; assigned < total_pages; ++k) {
    MYCELIUM_ASSERT(remainders[order[k]] > 0);
    ++shares[order[k]];
    ++assigned;
  }
  return shares;
}

std::vector<std::uint64_t> water_fill(std::span<const std::uint64_t> outstanding_bytes,
                                      std::span<const double> weights, std::uint64_t total_pages,
                                      std::uint64_t page_size_bytes) {
  MYCELIUM_ASSERT(outstanding_bytes.size() == weights.size() && !weights.empty());
  MYCELIUM_ASSERT(total_pages <= kMaxPagesPerSplit && page_size_bytes > 0);
  const std::size_t n = weights.size();
  const double page = static_cast<double>(page_size_bytes);
  std::vector<std::size_t> eligible;
  for (std::size_t i = 0; i < n; ++i) {
    MYCELIUM_ASSERT(weights[i] >= 0.0 && std::isfinite(weights[i]));
    if (weights[i] > 0.0) eligible.push_back(i);
  }
  MYCELIUM_ASSERT(!eligible.empty());
  auto level = [&](std::size_t i, std::uint64_t pages) {
    return (static_cast<double>(outstanding_bytes[i]) + static_cast<double>(pages) * page) /
           weights[i];
  };
  // Lowest level first (ties by index): the water reaches them in this order.
  std::stable_sort(eligible.begin(), eligible.end(),
                   [&](std::size_t a, std::size_t b) { return level(a, 0) < level(b, 0); });

  // The water level h with sum over the filled connections of (h - level_i) * weight_i equal to
  // the epoch's bytes; connection k+1 is filled too when h would rise above its level.
  const double epoch_bytes = static_cast<double>(total_pages) * page;
  double filled_weight = 0.0;
  double filled_bytes = 0.0;
  double water = 0.0;
  std::size_t filled = 0;
  while (filled < eligible.size()) {
    const std::size_t i = eligible[filled];
    filled_weight += weights[i];
    filled_bytes += static_cast<double>(outstanding_bytes[i]);
    ++filled;
    water = (epoch_bytes + filled_bytes) / filled_weight;
    if (filled == eligible.size() || water <= level(eligible[filled], 0)) break;
  }

  std::vector<std::uint64_t> shares(n, 0);
  std::uint64_t assigned = 0;
  for (std::size_t k = 0; k < filled; ++k) {
    const std::size_t i = eligible[k];
    const double pages =
        std::floor((water * weights[i] - static_cast<double>(outstanding_bytes[i])) / page);
    shares[i] = pages > 0.0 ? std::min(static_cast<std::uint64_t>(pages), total_pages) : 0;
    assigned += shares[i];
  }
  // Rounding in the floating point above may overshoot by a page here and there: take back from
  // the highest level (ties: the higher index gives back first, mirroring the fill order).
  while (assigned > total_pages) {
    std::size_t highest = n;
    for (std::size_t i : eligible) {
      if (shares[i] == 0) continue;
      if (highest == n || level(i, shares[i]) > level(highest, shares[highest]) ||
          (level(i, shares[i]) == level(highest, shares[highest]) && i > highest))
        highest = i;
    }
    --shares[highest];
    --assigned;
  }
  // The floors leave fewer than one page per filled connection: one at a time to the lowest.
  while (assigned < total_pages) {
    std::size_t lowest = n;
    for (std::size_t i : eligible) {
      if (lowest == n || level(i, shares[i] + 1) < level(lowest, shares[lowest] + 1) ||
          (level(i, shares[i] + 1) == level(lowest, shares[lowest] + 1) && i < lowest))
        lowest = i;
    }
    ++shares[lowest];
    ++assigned;
  }
  return shares;
}

}  // namespace mycelium::rhizo
