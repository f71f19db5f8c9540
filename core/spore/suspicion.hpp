#pragma once
// Lifeguard's suspicion timeout: it starts long and shrinks as independent members confirm the
// suspicion, so a member that is really dead is declared so quickly, while one suspected by a
// single slow prober gets time to refute (Dadgar et al., "Lifeguard", 2018, section IV-B):
//
//   timeout(C) = max(min, max - (max - min) * log(C + 1) / log(K + 1))
//
// with C independent confirmations so far and K the number expected.

#include <cmath>
#include <cstddef>

#include <core/assert.hpp>
#include <core/env/time.hpp>

namespace mycelium::spore {

// The shortest suspicion for a group of `member_count`: alpha * max(1, log10 N) periods.
inline Duration min_suspicion_timeout(double suspicion_multiplier, std::size_t member_count,
                                      Duration probe_interval) {
  const double scale =
      std::max(1.0, std::log10(static_cast<double>(std::max<std::size_t>(member_count, 1))));
  return from_seconds(suspicion_multiplier * scale * to_seconds(probe_interval));
}

inline Duration suspicion_timeout(Duration min, Duration max, std::size_t confirmations,
                                  std::size_t expected_confirmations) {
  MYCELIUM_ASSERT(min > Duration::zero() && max >= min);
  if (expected_confirmations == 0) return min;
  const double fraction = std::log(static_cast<double>(confirmations) + 1.0) /
                          std::log(static_cast<double>(expected_confirmations) + 1.0);
  const double seconds = to_seconds(max) - (to_seconds(max) - to_seconds(min)) * fraction;
  return std::max(min, from_seconds(seconds));
}

}  // namespace mycelium::spore
