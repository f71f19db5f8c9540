#pragma once
// The weights behind each manifest::LoadBalancing policy: how much of the next epoch each
// rhizomorph connection should carry, from what ConnectionStats measured. Pure functions of
// their arguments; ConnectionSet turns the weights into whole pages (core/rhizo/apportion.hpp).
//
//   adaptive-bandwidth    w = throughput x (best latency / latency) x reliability
//   latency-optimized     w = (best latency / latency)^2 x reliability
//   weighted-round-robin  w = static weight (x degraded factor); remainders rotate per epoch
//   least-connections     w = static weight (x degraded factor) as the drain rate of a water
//                         fill over outstanding bytes
//
// A connection not yet measured takes the median of its measured peers (the "equal prior"),
// so a new or reconnected connection starts level with the others and earns its own numbers;
// with nothing measured at all every term is 1. Every usable connection keeps at least
// `min_weight_fraction` of the largest weight, so it keeps carrying some traffic and its
// measurements keep up with it (a connection given nothing could never show it recovered).

#include <chrono>
#include <optional>
#include <span>
#include <vector>

#include <core/env/time.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <core/rhizo/connection_stats.hpp>

namespace mycelium::rhizo {

struct Candidate {
  const ConnectionStats* stats = nullptr;  // null: not usable (failed), weight 0
  double static_weight = 1.0;
  bool degraded = false;
};

// The latency the policies compare: SRTT from small chunks. latency-optimized, which minimises
// the time to acknowledge, falls back to the minimum ack time of any chunk; the others do not,
// because a large chunk's ack time includes its transmission, which adaptive-bandwidth's
// throughput term already counts (a slow connection would be penalised twice).
std::optional<Duration> policy_latency(manifest::LoadBalancing policy,
                                       const ConnectionStats& stats);

// Medians over the usable candidates that have a measurement (mean of the two middle values
// for an even count); empty when none has one. Latency as policy_latency(policy) sees it.
struct Priors {
  std::optional<double> throughput_bytes_per_s;
  std::optional<Duration> latency;
};
Priors median_priors(manifest::LoadBalancing policy, std::span<const Candidate> candidates);

struct WeightConfig {
  double min_weight_fraction = 0.02;    // floor, relative to the largest weight
  double degraded_weight_factor = 0.5;  // static-weight policies: a degraded connection's share
};

// One weight per candidate, 0 exactly for the unusable ones; all 0 when none is usable.
std::vector<double> balancing_weights(manifest::LoadBalancing policy,
                                      std::span<const Candidate> candidates,
                                      const WeightConfig& config);

}  // namespace mycelium::rhizo
