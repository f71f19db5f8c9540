// Page popularity: each sampler draws pages inside the working set with the configured shape.
// Every check runs at a fixed seed, so it cannot fail by chance; each bound sits many standard
// deviations from the expected value, and the tests show a broken sampler would cross it.

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include <sim/workload/page_sampler.hpp>
#include <sim/workload/zipf_sampler.hpp>

using namespace mycelium;
using namespace mycelium::sim;

namespace {

std::vector<std::uint64_t> histogram(const PageSampler& sampler, RandomStream& random,
                                     std::uint64_t draws) {
  std::vector<std::uint64_t> counts(sampler.working_set_pages(), 0);
  std::uint64_t outside = 0;
  for (std::uint64_t i = 0; i < draws; ++i) {
    const std::uint64_t page = sampler.next(random);
    if (page < counts.size()) {
      ++counts[page];
    } else {
      ++outside;
    }
  }
  REQUIRE(outside == 0);
  return counts;
}

// Pearson's statistic of `counts` against `expected` (same length, all expected > 0).
double chi_square(const std::vector<std::uint64_t>& counts, const std::vector<double>& expected) {
  REQUIRE(counts.size() == expected.size());
  double statistic = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double difference = static_cast<double>(counts[i]) - expected[i];
    statistic += difference * difference / expected[i];
  }
  return statistic;
}

// A bound that a correct sampler stays under except with negligible probability: the mean of
// the chi-square distribution plus 7 standard deviations.
double chi_square_bound(std::size_t degrees_of_freedom) {
  const auto k = static_cast<double>(degrees_of_freedom);
  return k + 7.0 * std::sqrt(2.0 * k);
}

}  // namespace

TEST_CASE("Uniform pages stay below the working set and are evenly spread", "[workload]") {
  constexpr std::uint64_t kPages = 1000;  // not a power of two: range reduction must be exact
  constexpr std::uint64_t kDraws = 2'000'000;
  const PageSampler sampler(Popularity::uniform(), kPages);
  RandomStream random(7);
  const std::vector<std::uint64_t> counts = histogram(sampler, random, kDraws);
  const std::vector<double> expected(kPages, static_cast<double>(kDraws) / kPages);
  const double bound = chi_square_bound(kPages - 1);
  CHECK(chi_square(counts, expected) < bound);

  // The same check fails for a sampler that misses one page (an off-by-one on the range)...
  std::vector<std::uint64_t> missing_last = counts;
  missing_last[kPages - 2] += missing_last[kPages - 1];
  missing_last[kPages - 1] = 0;
  CHECK(chi_square(missing_last, expected) > bound);
  // ... or favours the lower half by 3 %.
  std::vector<std::uint64_t> skewed = counts;
  for (std::uint64_t page = 0; page < kPages; ++page)
    skewed[page] = page < kPages / 2 ? counts[page] * 103 / 100 : counts[page] * 97 / 100;
  CHECK(chi_square(skewed, expected) > bound);
}

TEST_CASE("Uniform pages cover a large working set evenly", "[workload]") {
  constexpr std::uint64_t kPages = 2ULL << 20;  // an 8 GiB guest
  constexpr std::uint64_t kBuckets = 64;
  constexpr std::uint64_t kDraws = 1'000'000;
  const PageSampler sampler(Popularity::uniform(), kPages);
  RandomStream random(8);
  std::vector<std::uint64_t> buckets(kBuckets, 0);
  std::uint64_t outside = 0;
  for (std::uint64_t i = 0; i < kDraws; ++i) {
    const std::uint64_t page = sampler.next(random);
    if (page < kPages) {
      ++buckets[page / (kPages / kBuckets)];
    } else {
      ++outside;
    }
  }
  CHECK(outside == 0);
  const std::vector<double> expected(kBuckets, static_cast<double>(kDraws) / kBuckets);
  CHECK(chi_square(buckets, expected) < chi_square_bound(kBuckets - 1));
}

TEST_CASE("Zipf makes page 0 the most popular, rank 1 about 2^s times rank 2", "[workload]") {
  constexpr std::uint64_t kPages = 1000;
  constexpr std::uint64_t kDraws = 1'000'000;
  for (const double exponent : {0.5, 0.99, 1.0, 1.5, 2.0}) {
    CAPTURE(exponent);
    const PageSampler sampler(Popularity::zipf(exponent), kPages);
    RandomStream random(11);
    const std::vector<std::uint64_t> counts = histogram(sampler, random, kDraws);

    CHECK(std::max_element(counts.begin(), counts.end()) == counts.begin());
    // The ratio's standard error is at most 1.3 % here (s = 0.5), so 5 % is outside chance, yet
    // a sampler off by one rank (ratio 1.5^s instead of 2^s) misses it by a wide margin.
    const double ratio = static_cast<double>(counts[0]) / static_cast<double>(counts[1]);
    CHECK(ratio == Approx(std::pow(2.0, exponent)).epsilon(0.05));

    // The whole shape: the first 30 ranks one by one and the rest together, against the exact
    // probabilities k^-s / H(n, s).
    double normaliser = 0.0;
    for (std::uint64_t rank = 1; rank <= kPages; ++rank)
      normaliser += std::pow(static_cast<double>(rank), -exponent);
    constexpr std::size_t kHead = 30;
    std::vector<std::uint64_t> observed(kHead + 1, 0);
    std::vector<double> expected(kHead + 1, 0.0);
    for (std::uint64_t page = 0; page < kPages; ++page) {
      const std::size_t cell = std::min<std::size_t>(page, kHead);
      observed[cell] += counts[page];
      expected[cell] += kDraws * std::pow(static_cast<double>(page + 1), -exponent) / normaliser;
    }
    CHECK(chi_square(observed, expected) < chi_square_bound(kHead));
  }
}

TEST_CASE("Zipf stays inside a large working set and keeps its head", "[workload]") {
  constexpr std::uint64_t kPages = 2ULL << 20;
  const ZipfSampler sampler(kPages, 0.99);
  RandomStream random(12);
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  std::uint64_t deep_tail = 0;  // ranks above a million
  std::uint64_t outside = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const std::uint64_t rank = sampler.next(random);
    outside += rank < 1 || rank > kPages ? 1 : 0;
    first += rank == 1 ? 1 : 0;
    second += rank == 2 ? 1 : 0;
    deep_tail += rank > 1'000'000 ? 1 : 0;
  }
  CHECK(static_cast<double>(first) / static_cast<double>(second) ==
        Approx(std::pow(2.0, 0.99)).epsilon(0.05));
  CHECK(outside == 0);
  CHECK(deep_tail > 0);  // the tail is reachable
  // One rank, one page: a single-page working set always answers page 0.
  const ZipfSampler single(1, 0.99);
  CHECK(single.next(random) == 1);
}

TEST_CASE("Hot-cold sends the configured share of writes to the hot pages", "[workload]") {
  constexpr std::uint64_t kPages = 1000;
  constexpr std::uint64_t kDraws = 1'000'000;
  for (const double share : {0.9, 0.5, 0.0, 1.0}) {
    CAPTURE(share);
    const PageSampler sampler(Popularity::hot_cold(0.1, share), kPages);
    CHECK(sampler.hot_pages() == 100);
    RandomStream random(13);
    const std::vector<std::uint64_t> counts = histogram(sampler, random, kDraws);
    std::uint64_t hot = 0;
    for (std::uint64_t page = 0; page < sampler.hot_pages(); ++page)
      hot += counts[page];
    // The share's standard deviation is at most 0.05 %; 0.5 % is ten of them.
    CHECK(static_cast<double>(hot) / kDraws == Approx(share).margin(0.005));

    // Within each set, writes are uniform.
    if (share > 0.0) {
      const std::vector<std::uint64_t> hot_counts(counts.begin(), counts.begin() + 100);
      const std::vector<double> expected(100, static_cast<double>(hot) / 100);
      CHECK(chi_square(hot_counts, expected) < chi_square_bound(99));
    }
    if (share < 1.0) {
      const std::vector<std::uint64_t> cold_counts(counts.begin() + 100, counts.end());
      const std::vector<double> expected(900, static_cast<double>(kDraws - hot) / 900);
      CHECK(chi_square(cold_counts, expected) < chi_square_bound(899));
    }
  }
}

TEST_CASE("Hot-cold keeps one hot and one cold page at the extremes", "[workload]") {
  CHECK(PageSampler(Popularity::hot_cold(0.0001, 0.9), 100).hot_pages() == 1);
  CHECK(PageSampler(Popularity::hot_cold(0.9999, 0.9), 100).hot_pages() == 99);
}
