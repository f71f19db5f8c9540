#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <core/rhizo/load_balancing.hpp>

namespace mycelium::rhizo {

namespace {

using manifest::LoadBalancing;

template <typename T>
std::optional<T> median(std::vector<T> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return values[middle - 1] + (values[middle] - values[middle - 1]) / 2;
}

// best / latency, in (0, 1]: 1 for the lowest-latency connection.
double latency_factor(Duration best, Duration latency) {
  if (latency <= Duration::zero()) return 1.0;
  return std::min(1.0, static_cast<double>(best.count()) / static_cast<double>(latency.count()));
}

}  // namespace

std::optional<Duration> policy_latency(LoadBalancing policy, const ConnectionStats& stats) {
  if (stats.smoothed_rtt()) return stats.smoothed_rtt();
  if (policy == LoadBalancing::kLatencyOptimized) return stats.min_ack_time();
  return std::nullopt;
}

Priors median_priors(LoadBalancing policy, std::span<const Candidate> candidates) {
  std::vector<double> throughputs;
  std::vector<Duration> latencies;
  for (const Candidate& candidate : candidates) {
    if (candidate.stats == nullptr) continue;
    if (const auto throughput = candidate.stats->throughput_bytes_per_s())
      throughputs.push_back(*throughput);
    if (const auto latency = policy_latency(policy, *candidate.stats))
      latencies.push_back(*latency);
  }
  return Priors{median(std::move(throughputs)), median(std::move(latencies))};
}

std::vector<double> balancing_weights(LoadBalancing policy, std::span<const Candidate> candidates,
                                      const WeightConfig& config) {
  const Priors priors = median_priors(policy, candidates);
  // Each connection's latency, measured or the prior; the best of them anchors the factors.
  std::vector<std::optional<Duration>> latencies;
  std::optional<Duration> best_latency;
  for (const Candidate& candidate : candidates) {
    std::optional<Duration> latency;
    if (candidate.stats != nullptr) {
      latency = policy_latency(policy, *candidate.stats);
      if (!latency) latency = priors.latency;
      if (latency && (!best_latency || *latency < *best_latency)) best_latency = latency;
    }
    latencies.push_back(latency);
  }

  std::vector<double> weights(candidates.size(), 0.0);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& candidate = candidates[i];
    if (candidate.stats == nullptr) continue;
    MYCELIUM_ASSERT(candidate.static_weight > 0.0);
    const double factor =
        latencies[i] && best_latency ? latency_factor(*best_latency, *latencies[i]) : 1.0;
    const double reliability = candidate.stats->reliability();
    switch (policy) {
      case LoadBalancing::kAdaptiveBandwidth:
        weights[i] = candidate.stats->throughput_bytes_per_s().value_or(
                         priors.throughput_bytes_per_s.value_or(1.0)) *
                     factor * reliability;
        break;
      case LoadBalancing::kLatencyOptimized:
        weights[i] = factor * factor * reliability;
        break;
      case LoadBalancing::kWeightedRoundRobin:
      case LoadBalancing::kLeastConnections:
        weights[i] =
            candidate.static_weight * (candidate.degraded ? config.degraded_weight_factor : 1.0);
        break;
    }
    MYCELIUM_ASSERT(std::isfinite(weights[i]) && weights[i] >= 0.0);
  }

  if (candidates.empty()) return weights;
  const double largest = *std::max_element(weights.begin(), weights.end());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].stats == nullptr) continue;
    // The floor; also what keeps a usable connection with reliability 0 in play.
    const double floor = largest > 0.0 ? config.min_weight_fraction * largest : 1.0;
    weights[i] = std::max(weights[i], floor);
  }
  return weights;
}

}  // namespace mycelium::rhizo
