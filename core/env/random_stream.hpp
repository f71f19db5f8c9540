#pragma once
// Deterministic randomness: xoshiro256** (Blackman and Vigna) seeded through splitmix64. The
// generator and every distribution below are written out here, in integer arithmetic where
// possible: std:: distributions give different results on different standard libraries, and a
// seed must give the same run on every machine.
//
// A RandomStream is 32 bytes and cheap to derive, so every simulated node (up to a million) and
// every purpose on it can own one; streams never share state, so adding a draw in one protocol
// does not shift the draws of another.
//
// Cost: next_u64(), uniform_int() and uniform_real() are defined here, inline, because the
// simulator draws one per guest page write (hundreds of thousands per simulated second); an
// out-of-line call with the portable 64x64 multiplication cost about four times as much. They
// call nothing out of line, so a stream copied into a local stays in registers in a loop.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include <core/assert.hpp>
#include <core/env/node_id.hpp>

// GCC declines to inline uniform_int() into the guest's drawing loop on its own; a call there
// costs as much as the draw.
#if defined(__GNUC__)
#define MYCELIUM_RANDOM_INLINE [[gnu::always_inline]] inline
#else
#define MYCELIUM_RANDOM_INLINE inline
#endif

namespace mycelium {

namespace random_detail {

// The 128-bit product a * b as (high, low) words.
struct WideProduct {
  std::uint64_t high;
  std::uint64_t low;
};

constexpr WideProduct multiply_wide(std::uint64_t a, std::uint64_t b) {
#if defined(__SIZEOF_INT128__)
  // One instruction where the compiler has 128-bit integers; the same value as below.
  __extension__ typedef unsigned __int128 Wide;
  const Wide product = static_cast<Wide>(a) * b;
  return WideProduct{static_cast<std::uint64_t>(product >> 64),
                     static_cast<std::uint64_t>(product)};
#else
  constexpr std::uint64_t kLow32 = 0xffffffffULL;
  const std::uint64_t a_low = a & kLow32;
  const std::uint64_t a_high = a >> 32;
  const std::uint64_t b_low = b & kLow32;
  const std::uint64_t b_high = b >> 32;
  const std::uint64_t low_low = a_low * b_low;
  const std::uint64_t high_low = a_high * b_low;
  const std::uint64_t low_high = a_low * b_high;
  const std::uint64_t high_high = a_high * b_high;
  // The middle column cannot overflow: each term is below 2^32.
  const std::uint64_t middle = (low_low >> 32) + (high_low & kLow32) + (low_high & kLow32);
  return WideProduct{high_high + (high_low >> 32) + (low_high >> 32) + (middle >> 32),
                     (middle << 32) | (low_low & kLow32)};
#endif
}

static_assert(multiply_wide(~0ULL, ~0ULL).high == ~0ULL - 1 &&
              multiply_wide(~0ULL, ~0ULL).low == 1);
static_assert(multiply_wide(1ULL << 32, 1ULL << 32).high == 1 &&
              multiply_wide(1ULL << 32, 1ULL << 32).low == 0);

}  // namespace random_detail

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

  // The next raw 64 bits: xoshiro256**, transcribed from the authors' reference C code.
  MYCELIUM_RANDOM_INLINE std::uint64_t next_u64() {
    // Through scalars: updating the array in place invites the compiler to pack the words into
    // vector registers, whose partial stores and reloads stall in a tight drawing loop.
    std::uint64_t s0 = state_[0];
    std::uint64_t s1 = state_[1];
    std::uint64_t s2 = state_[2];
    std::uint64_t s3 = state_[3];
    const std::uint64_t result = rotate_left(s1 * 5, 7) * 9;
    const std::uint64_t t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotate_left(s3, 45);
    state_[0] = s0;
    state_[1] = s1;
    state_[2] = s2;
    state_[3] = s3;
    return result;
  }

  // Uniform in [low, high], both inclusive, without modulo bias (Lemire's multiply-and-reject).
  // The whole range [0, 2^64 - 1] is allowed.
  MYCELIUM_RANDOM_INLINE std::uint64_t uniform_int(std::uint64_t low, std::uint64_t high) {
    MYCELIUM_ASSERT(low <= high);
    const std::uint64_t span = high - low;
    if (span == UINT64_MAX) return next_u64();
    const std::uint64_t range = span + 1;
    // Lemire: the high word of next_u64() * range is uniform in [0, range) once the low words
    // below 2^64 mod range are rejected. Those are all below range, so only a low word below
    // range (probability range / 2^64) needs the modulo and perhaps more draws.
    WideProduct product = random_detail::multiply_wide(next_u64(), range);
    if (product.low < range) [[unlikely]] {
      const std::uint64_t threshold = (0 - range) % range;  // 2^64 mod range
      // Each draw is rejected with probability < range / 2^64 <= 1/2, so 64 rejections in a
      // row mean a broken generator, not bad luck (probability below 2^-64).
      for (int rejections = 0; product.low < threshold; ++rejections) {
        MYCELIUM_ASSERT(rejections < 64);
        product = random_detail::multiply_wide(next_u64(), range);
      }
    }
    return low + product.high;
  }

  // Uniform in [0, 1): the top 53 bits of next_u64() scaled by 2^-53 (exact, every value is a
  // multiple of 2^-53).
  double uniform_real() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

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
  using WideProduct = random_detail::WideProduct;
  static constexpr std::uint64_t rotate_left(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
  }

  RandomStream() = default;
  std::array<std::uint64_t, 4> state_{};
};

// One step of splitmix64 (Steele, Lea and Flood): advances `state` by the golden gamma and
// returns the mixed output.
std::uint64_t splitmix64(std::uint64_t& state);

}  // namespace mycelium
