#pragma once
// Turning an epoch's page count into whole-page shares: the two ways the load-balancing
// policies need. Both return one count per input index, summing exactly to `total_pages`, and
// are deterministic: no hash order, no randomness, ties broken by a stated index order.

#include <cstdint>
#include <span>
#include <vector>

namespace mycelium::rhizo {

// Largest epoch these functions accept, in pages (16 TiB of 4 KiB pages): keeps the exact
// integer arithmetic below within 64 bits.
inline constexpr std::uint64_t kMaxPagesPerSplit = std::uint64_t{1} << 32;

// Shares proportional to `weights` (>= 0, at least one > 0) by the largest-remainder method.
// The weights are first quantised to integers (the largest becomes 2^24, every positive one at
// least 1), after which the arithmetic is exact, so equal weights give shares within one page
// of each other on every platform. The leftover pages go to the largest remainders; equal
// remainders are taken in index order starting at `first_in_ties` and wrapping around, so a
// caller that rotates it spreads the leftovers (weighted round robin).
std::vector<std::uint64_t> apportion(std::span<const double> weights, std::uint64_t total_pages,
                                     std::size_t first_in_ties);

// Water filling: connection i already holds `outstanding_bytes[i]` and drains at a rate
// proportional to `weights[i]` (0: excluded, gets nothing; at least one > 0). Pages go where
// the level (outstanding + new) / weight, i.e. the expected finish time, is lowest, so the
// levels end equal to within one page among the connections that receive pages; a connection
// already above that level receives none. Leftover single pages go, one at a time, to the
// lowest resulting level, ties to the lower index.
std::vector<std::uint64_t> water_fill(std::span<const std::uint64_t> outstanding_bytes,
                                      std::span<const double> weights, std::uint64_t total_pages,
                                      std::uint64_t page_size_bytes);

}  // namespace mycelium::rhizo
