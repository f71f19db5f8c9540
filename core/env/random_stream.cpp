#include <cmath>

#include <core/assert.hpp>
#include <core/env/random_stream.hpp>

namespace mycelium {

namespace {

constexpr std::uint64_t rotate_left(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

// FNV-1a, 64 bits: a stable hash of the purpose string (bytes, independent of char signedness).
constexpr std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// The 128-bit product a * b as (high, low) words, in portable 64-bit arithmetic (no __int128,
// which not every compiler and target has).
struct Product128 {
  std::uint64_t high;
  std::uint64_t low;
};

constexpr Product128 multiply_wide(std::uint64_t a, std::uint64_t b) {
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
  return Product128{high_high + (high_low >> 32) + (low_high >> 32) + (middle >> 32),
                    (middle << 32) | (low_low & kLow32)};
}

static_assert(multiply_wide(~0ULL, ~0ULL).high == ~0ULL - 1 && multiply_wide(~0ULL, ~0ULL).low == 1);
static_assert(multiply_wide(1ULL << 32, 1ULL << 32).high == 1 &&
              multiply_wide(1ULL << 32, 1ULL << 32).low == 0);

}  // namespace

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

RandomStream::RandomStream(std::uint64_t seed) {
  std::uint64_t mixer = seed;
  for (std::uint64_t& word : state_)
    word = splitmix64(mixer);
}

RandomStream RandomStream::from_state(const std::array<std::uint64_t, 4>& state) {
  // The all-zero state is xoshiro's one fixed point: it would return zeros forever.
  MYCELIUM_ASSERT((state[0] | state[1] | state[2] | state[3]) != 0);
  RandomStream stream;
  stream.state_ = state;
  return stream;
}

RandomStream RandomStream::derive(std::uint64_t scenario_seed, NodeId node,
                                  std::string_view purpose) {
  // Each ingredient goes through splitmix64 so nearby seeds and node ids give unrelated streams.
  // The recipe is spelled out in the header: changing it changes every seeded run.
  std::uint64_t mixer = scenario_seed;
  std::uint64_t seed = splitmix64(mixer);
  mixer = seed ^ (static_cast<std::uint64_t>(node.value) * 0x9e3779b97f4a7c15ULL);
  seed = splitmix64(mixer);
  mixer = seed ^ fnv1a(purpose);
  return RandomStream(splitmix64(mixer));
}

std::uint64_t RandomStream::next_u64() {
  // xoshiro256**, transcribed from the authors' reference C code.
  const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotate_left(state_[3], 45);
  return result;
}

std::uint64_t RandomStream::uniform_int(std::uint64_t low, std::uint64_t high) {
  MYCELIUM_ASSERT(low <= high);
  const std::uint64_t span = high - low;
  if (span == UINT64_MAX) return next_u64();
  const std::uint64_t range = span + 1;
  // Lemire: the high word of next_u64() * range is uniform in [0, range) once the low words
  // below 2^64 mod range are rejected. The modulo runs only in the rare suspicious case.
  Product128 product = multiply_wide(next_u64(), range);
  if (product.low < range) {
    const std::uint64_t threshold = (0 - range) % range;  // 2^64 mod range
    // Each draw is rejected with probability < range / 2^64 <= 1/2, so 64 rejections in a row
    // mean a broken generator, not bad luck (probability below 2^-64).
    for (int rejections = 0; product.low < threshold; ++rejections) {
      MYCELIUM_ASSERT(rejections < 64);
      product = multiply_wide(next_u64(), range);
    }
  }
  return low + product.high;
}

double RandomStream::uniform_real() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

bool RandomStream::bernoulli(double probability) {
  if (probability <= 0.0) return false;
  if (probability >= 1.0) return true;
  return uniform_real() < probability;
}

double RandomStream::exponential(double mean) {
  MYCELIUM_ASSERT(mean > 0.0);
  // 1 - u is in (0, 1], so the logarithm is finite.
  return -mean * std::log(1.0 - uniform_real());
}

}  // namespace mycelium
