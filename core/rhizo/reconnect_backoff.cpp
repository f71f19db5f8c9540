#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <core/rhizo/reconnect_backoff.hpp>

namespace mycelium::rhizo {

Duration reconnect_delay(const BackoffConfig& config, std::uint32_t failures,
                         RandomStream* jitter) {
  MYCELIUM_ASSERT(failures >= 1);
  MYCELIUM_ASSERT(config.initial > Duration::zero() && config.cap >= config.initial);
  // Double until the cap, step by step: no shift that could overflow after many failures.
  Duration delay = config.initial;
  for (std::uint32_t n = 1; n < failures && delay < config.cap; ++n)
    delay = std::min(delay * 2, config.cap);
  if (jitter != nullptr && config.jitter_fraction > 0.0) {
    MYCELIUM_ASSERT(config.jitter_fraction < 1.0);
    const double factor = 1.0 - config.jitter_fraction * jitter->uniform_real();
    delay = Duration(
        static_cast<Duration::rep>(std::floor(static_cast<double>(delay.count()) * factor)));
  }
  MYCELIUM_ASSERT(delay > Duration::zero() && delay <= config.cap);
  return delay;
}

}  // namespace mycelium::rhizo
