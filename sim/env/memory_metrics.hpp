#pragma once
// One node's metrics, kept in memory for the run and read afterwards (a runner writes them to
// the results file). Ordered maps: whoever walks them sees the names in the same order every run.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/metrics.hpp>

namespace mycelium::sim {

class MemoryMetrics final : public MetricsSink {
 public:
  struct Sample {
    TimePoint at;
    double value = 0.0;
    bool operator==(const Sample&) const = default;
  };
  using Counters = std::map<std::string, std::int64_t, std::less<>>;
  using Gauges = std::map<std::string, double, std::less<>>;
  using Series = std::map<std::string, std::vector<Sample>, std::less<>>;

  // --- MetricsSink (the contract's rules are asserted: a name is one kind of metric, counters
  // only grow, a series never goes back in time) ---
  void add_counter(std::string_view name, std::int64_t delta) override;
  void set_gauge(std::string_view name, double value) override;
  void record(std::string_view series, TimePoint at, double value) override;

  // 0 for a counter never touched, as in every backend.
  std::int64_t counter(std::string_view name) const;
  std::optional<double> gauge(std::string_view name) const;
  // Empty for a series never recorded.
  std::span<const Sample> series(std::string_view name) const;

  const Counters& counters() const { return counters_; }
  const Gauges& gauges() const { return gauges_; }
  const Series& all_series() const { return series_; }

 private:
  Counters counters_;
  Gauges gauges_;
  Series series_;
};

}  // namespace mycelium::sim
