#pragma once
// Deterministic randomness: xoshiro256** (Blackman and Vigna) seeded through splitmix64. The
// generator and every distribution below are written out here, in integer arithmetic where
// possible: std:: distributions give different results on different standard libraries, and a
// seed must give the same run on every machine.
//
// A RandomStream is 32 bytes and cheap to derive, so every simulated node (up to a million) and
// every purpose on it can own one; streams never share state, so adding a draw in one protocol
// does not shift the draws of another.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include <core/env/node_id.hpp>

namespace mycelium {

class RandomStream {
 public:
  // The 256-bit state is four successive splitmix64 outputs from `seed`, as the xoshiro authors
  // recommend (it is never all zero).
  explicit RandomStream(std::uint64_t seed);

  // Exactly this state (to pin the algorithm against published vectors); must not be all zero.
  static RandomStream from_state(const std::array<std::uint64_t, 4>& state);

  // An independent stream for one node and one purpose within a scenario. Part of the
  // reproducibility contract, so the exact recipe (each m is a one-step splitmix64 mix):
  //   a = m(scenario_seed)
  //   b = m(a ^ (node.value * 0x9e3779b97f4a7c15))      (multiplication modulo 2^64)
  //   c = m(b ^ fnv1a_64(purpose))                       (FNV-1a over the purpose's bytes)
  //   stream = RandomStream(c)
  // Purposes are short dotted names: "spore.probe", "workload.dirty", "node" (the stream behind
  // Environment::random()).
  static RandomStream derive(std::uint64_t scenario_seed, NodeId node, std::string_view purpose);

  // The next raw 64 bits.
  std::uint64_t next_u64();

  // Uniform in [low, high], both inclusive, without modulo bias (Lemire's multiply-and-reject).
  // The whole range [0, 2^64 - 1] is allowed.
  std::uint64_t uniform_int(std::uint64_t low, std::uint64_t high);

  // Uniform in [0, 1): the top 53 bits of next_u64() scaled by 2^-53 (exact, every value is a
  // multiple of 2^-53).
  double uniform_real();

  // True with probability `probability`; values <= 0 never, >= 1 always. Draws one number only
  // when 0 < probability < 1.
  bool bernoulli(double probability);

  // Exponentially distributed with the given mean (> 0), e.g. inter-arrival times, by inversion:
  // -mean * log(1 - u). Uses std::log, so it is bit for bit reproducible on one platform and C
  // library (what replays need); across C libraries the last bit may differ.
  double exponential(double mean);

  // Fisher-Yates from the back; every index drawn with uniform_int, so it is portable too.
  // Call with an explicit span: `stream.shuffle(std::span(items))`.
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

// One step of splitmix64 (Steele, Lea and Flood): advances `state` by the golden gamma and
// returns the mixed output.
std::uint64_t splitmix64(std::uint64_t& state);

}  // namespace mycelium
