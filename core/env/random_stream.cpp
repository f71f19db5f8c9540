#include <cmath>

#include <core/assert.hpp>
#include <core/env/random_stream.hpp>
#include <core/fnv1a.hpp>

namespace mycelium {

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
  mixer = seed ^ fnv1a_64(purpose);
  return RandomStream(splitmix64(mixer));
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
