#pragma once
// Deterministic randomness: xoshiro256** seeded through splitmix64. The algorithm and every
// distribution below are written out here (no std:: distributions, whose results differ between
// standard libraries), so a seed gives the same run on every machine.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include <core/env/node_id.hpp>

namespace mycelium {

class RandomStream {
 public:
  // The state is expanded from `seed` with splitmix64, as the xoshiro authors recommend.
  explicit RandomStream(std::uint64_t seed);

  // Exactly this state (for pinning the algorithm in tests); not all zero.
  static RandomStream from_state(const std::array<std::uint64_t, 4>& state);

  // An independent stream for one node and one purpose within a scenario: the seed mixes the
  // scenario seed, the node and a hash of the purpose ("spore.probe", "workload.dirty").
  static RandomStream derive(std::uint64_t scenario_seed, NodeId node, std::string_view purpose);

  std::uint64_t next_u64();

  // Uniform in [low, high], both inclusive, without modulo bias (Lemire's method).
  std::uint64_t uniform_int(std::uint64_t low, std::uint64_t high);

  // Uniform in [0, 1), 53 random bits.
  double uniform_real();

  // True with probability `probability` (clamped to [0, 1]).
  bool bernoulli(double probability);

  // Exponentially distributed with the given mean (> 0), e.g. inter-arrival times.
  double exponential(double mean);

  // Fisher-Yates.
  template <typename T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(uniform_int(0, i - 1));
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  RandomStream() = default;
  std::array<std::uint64_t, 4> state_{};
};

// One step of splitmix64: advances `state` and returns the next output.
std::uint64_t splitmix64(std::uint64_t& state);

}  // namespace mycelium
