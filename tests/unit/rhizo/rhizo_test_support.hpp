#pragma once
// Shared helpers for the rhizomorph tests: build a set, feed it measurements.

#include <chrono>
#include <cstdint>
#include <numeric>
#include <vector>

#include <core/rhizo/connection_set.hpp>

namespace mycelium::rhizo::testing {

inline constexpr std::uint64_t kPageBytes = 4096;

inline ConnectionSet make_set(std::uint32_t count, manifest::LoadBalancing policy) {
  ConnectionSetConfig config;
  config.target_count = count;
  config.load_balancing = policy;
  return ConnectionSet(config);
}

// `samples` first-transmission acks of 1 MB chunks, each taking 1 MB / throughput.
inline void measure_throughput(ConnectionSet& set, std::uint32_t connection, double bytes_per_s,
                               int samples, TimePoint& now) {
  constexpr std::uint64_t kChunkBytes = 1'000'000;
  const auto ack_time = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(static_cast<double>(kChunkBytes) / bytes_per_s));
  for (int i = 0; i < samples; ++i) {
    set.on_sent(connection, kChunkBytes, now);
    set.on_acked(connection, kChunkBytes, now, now + ack_time, true);
    now += ack_time;
  }
}

// `samples` acknowledged empty chunks, each taking `rtt`.
inline void measure_rtt(ConnectionSet& set, std::uint32_t connection, Duration rtt, int samples,
                        TimePoint& now) {
  for (int i = 0; i < samples; ++i) {
    set.on_sent(connection, 0, now);
    set.on_acked(connection, 0, now, now + rtt, true);
    now += rtt;
  }
}

inline std::uint64_t total_pages(const std::vector<Share>& shares) {
  return std::accumulate(shares.begin(), shares.end(), std::uint64_t{0},
                         [](std::uint64_t sum, const Share& share) { return sum + share.pages; });
}

// Pages per connection index (0 for connections without a share).
inline std::vector<std::uint64_t> pages_by_connection(const std::vector<Share>& shares,
                                                      std::uint32_t count) {
  std::vector<std::uint64_t> pages(count, 0);
  for (const Share& share : shares)
    pages.at(share.connection) += share.pages;
  return pages;
}

inline const std::vector<manifest::LoadBalancing>& all_policies() {
  static const std::vector<manifest::LoadBalancing> policies{
      manifest::LoadBalancing::kAdaptiveBandwidth, manifest::LoadBalancing::kLatencyOptimized,
      manifest::LoadBalancing::kWeightedRoundRobin, manifest::LoadBalancing::kLeastConnections};
  return policies;
}

}  // namespace mycelium::rhizo::testing
