#pragma once
// How long a failed rhizomorph connection waits before its next reconnection attempt:
// exponential backoff, so a backup that is down is not hammered, capped, so one that comes back
// is found again within `cap`.
//
//   delay(n) = min(initial * 2^(n-1), cap)     for the n-th consecutive failure (n >= 1)
//
// With a RandomStream and a jitter fraction f > 0 the delay is shortened by a uniform factor:
// delay * (1 - f * u), u in [0, 1). Jitter spreads the reconnections of many primaries that lost
// the same backup at once; it only shortens, so the cap stays a cap. The stream is the caller's,
// so a seed replays the same delays. Without a stream (or with f = 0) the delay is exact.

#include <chrono>
#include <cstdint>

#include <core/env/random_stream.hpp>
#include <core/env/time.hpp>

namespace mycelium::rhizo {

struct BackoffConfig {
  Duration initial = std::chrono::milliseconds(100);
  Duration cap = std::chrono::seconds(10);
  double jitter_fraction = 0.2;  // used only when a RandomStream is given; in [0, 1)
};

// `failures` >= 1: consecutive failures of the connection since it last carried an ack.
// `jitter` may be null (no jitter).
Duration reconnect_delay(const BackoffConfig& config, std::uint32_t failures, RandomStream* jitter);

}  // namespace mycelium::rhizo
