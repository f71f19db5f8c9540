#pragma once
// One agent's metrics, in memory, for its /metrics endpoint and its tests: counters and gauges
// by name, and each time series as its latest samples only (bounded: an agent runs for months).
// Not thread-safe: the node's callbacks, which report them, run one at a time.

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <core/env/metrics.hpp>

namespace mycelium::real {

class AgentMetrics final : public MetricsSink {
 public:
  // Samples kept per series; older ones go first.
  static constexpr std::size_t kMaxSamplesPerSeries = 1024;

  void add_counter(std::string_view name, std::int64_t delta) override;
  void set_gauge(std::string_view name, double value) override;
  void record(std::string_view series, TimePoint at, double value) override;

  // 0 for a counter never touched, as in every backend.
  std::int64_t counter(std::string_view name) const;
  const std::map<std::string, std::int64_t, std::less<>>& counters() const { return counters_; }
  const std::map<std::string, double, std::less<>>& gauges() const { return gauges_; }
  const std::map<std::string, std::deque<std::pair<TimePoint, double>>, std::less<>>& series()
      const {
    return series_;
  }

 private:
  std::map<std::string, std::int64_t, std::less<>> counters_;
  std::map<std::string, double, std::less<>> gauges_;
  std::map<std::string, std::deque<std::pair<TimePoint, double>>, std::less<>> series_;
};

}  // namespace mycelium::real
