// Whole-page apportioning: exact sums, proportionality, deterministic tie-breaks, and water
// filling that equalises the expected finish times.

#include <algorithm>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include <core/env/random_stream.hpp>
#include <core/rhizo/apportion.hpp>

using namespace mycelium;
using namespace mycelium::rhizo;

namespace {

std::uint64_t sum(const std::vector<std::uint64_t>& values) {
  return std::accumulate(values.begin(), values.end(), std::uint64_t{0});
}

}  // namespace

TEST_CASE("apportion: shares are proportional to the weights and sum to the total",
          "[rhizo][apportion]") {
  const std::vector<double> weights{2.0, 1.0, 1.0};
  CHECK(apportion(weights, 100, 0) == std::vector<std::uint64_t>{50, 25, 25});
  CHECK(sum(apportion(weights, 7, 0)) == 7);
  CHECK(apportion(weights, 0, 0) == std::vector<std::uint64_t>{0, 0, 0});
}

TEST_CASE("apportion: equal remainders go in index order from first_in_ties, wrapping",
          "[rhizo][apportion]") {
  const std::vector<double> equal{1.0, 1.0, 1.0};
  CHECK(apportion(equal, 10, 0) == std::vector<std::uint64_t>{4, 3, 3});
  CHECK(apportion(equal, 10, 1) == std::vector<std::uint64_t>{3, 4, 3});
  CHECK(apportion(equal, 11, 2) == std::vector<std::uint64_t>{4, 3, 4});
}

TEST_CASE("apportion: a zero weight never receives a page", "[rhizo][apportion]") {
  const std::vector<double> weights{1.0, 0.0, 1.0};
  for (std::size_t first = 0; first < 3; ++first) {
    const auto shares = apportion(weights, 11, first);
    CHECK(shares[1] == 0);
    CHECK(sum(shares) == 11);
  }
}

TEST_CASE("apportion: random weights and totals always sum exactly", "[rhizo][apportion]") {
  RandomStream random(7);
  for (int round = 0; round < 500; ++round) {
    std::vector<double> weights(random.uniform_int(1, 64));
    for (double& weight : weights)
      weight = random.bernoulli(0.2) ? 0.0 : random.uniform_real() * 1e9;
    weights[random.uniform_int(0, weights.size() - 1)] = 1.0;  // at least one positive
    const std::uint64_t total =
        random.bernoulli(0.1) ? kMaxPagesPerSplit : random.uniform_int(0, 100000);
    const auto shares = apportion(weights, total, random.uniform_int(0, weights.size() - 1));
    REQUIRE(sum(shares) == total);
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (weights[i] == 0.0) CHECK(shares[i] == 0);
    }
  }
}

TEST_CASE("water_fill: pages go to the emptiest connections until the levels meet",
          "[rhizo][apportion]") {
  const std::vector<double> equal{1.0, 1.0, 1.0};
  // 100 pages already queued on 0 and 1: an epoch of 50 pages goes entirely to idle 2.
  CHECK(water_fill(std::vector<std::uint64_t>{409600, 409600, 0}, equal, 50, 4096) ==
        std::vector<std::uint64_t>{0, 0, 50});
  // 250 pages: everything ends at 350 / 3 = 116.67 pages per connection.
  const auto shares = water_fill(std::vector<std::uint64_t>{409600, 0, 0}, equal, 250, 4096);
  CHECK(sum(shares) == 250);
  CHECK(shares[0] + 100 >= 116);
  CHECK(shares[0] + 100 <= 117);
  CHECK(shares[1] >= 116);
  CHECK(shares[2] >= 116);
}

TEST_CASE("water_fill: a heavier weight drains faster and takes proportionally more",
          "[rhizo][apportion]") {
  const std::vector<double> weights{2.0, 1.0};
  CHECK(water_fill(std::vector<std::uint64_t>{0, 0}, weights, 90, 1) ==
        std::vector<std::uint64_t>{60, 30});
  // Zero weight: excluded whatever its queue.
  CHECK(water_fill(std::vector<std::uint64_t>{0, 0}, std::vector<double>{0.0, 1.0}, 5, 1) ==
        std::vector<std::uint64_t>{0, 5});
}

TEST_CASE("water_fill: random queues and totals always sum exactly", "[rhizo][apportion]") {
  RandomStream random(11);
  for (int round = 0; round < 500; ++round) {
    const std::size_t n = random.uniform_int(1, 64);
    std::vector<double> weights(n);
    std::vector<std::uint64_t> outstanding(n);
    for (std::size_t i = 0; i < n; ++i) {
      weights[i] = random.bernoulli(0.2) ? 0.0 : 0.1 + random.uniform_real();
      outstanding[i] = random.uniform_int(0, 1 << 24);
    }
    weights[0] = 1.0;
    const std::uint64_t total = random.uniform_int(0, 20000);
    const auto shares = water_fill(outstanding, weights, total, 4096);
    REQUIRE(sum(shares) == total);
    for (std::size_t i = 0; i < n; ++i) {
      if (weights[i] == 0.0) CHECK(shares[i] == 0);
    }
  }
}
