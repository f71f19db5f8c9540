#pragma once
// The first sequence number an agent's sealed datagrams carry (spore and lease: the core's
// spore::first_sequence). The Environment's clock starts at zero with each process, so numbers
// taken from it would repeat those a killed agent sent before its restart, and its peers' replay
// windows would refuse the new life as a replay; the system clock's nanoseconds at start are
// above every number an earlier life sent (it sends far fewer than one datagram per
// nanosecond), as long as the clock is not set back further than the agent was down.

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace mycelium::real {

inline std::uint64_t restart_safe_first_sequence(std::chrono::system_clock::time_point at) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch());
  return static_cast<std::uint64_t>(std::max<std::int64_t>(1, ns.count()));
}

}  // namespace mycelium::real
